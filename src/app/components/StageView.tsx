import { useEffect, useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useLens } from '../store';
import { backendText } from './format';
import { Top5Bars } from './Top5Bars';

/** Photos up to this many pixels are shown from the file itself; larger ones from the thumbnail. */
const FULL_SIZE_PIXELS = 16e6;

/**
 * The presenter's layout: the feed (or the newest photo) filling half the screen, the top-5 with
 * bars in big type, model and backend named, and the untrained warning of the model that made
 * what is shown. High contrast; S toggles it, Escape leaves it; it stacks on narrow screens.
 */
export function StageView({ videoRef }: { videoRef: React.RefObject<HTMLVideoElement | null> }) {
  const stage = useLens((s) => s.stage);
  const live = useLens((s) => s.live);
  const info = useLens((s) => s.activeInfo);
  const activeUntrained = useLens((s) => s.activeUntrained);
  const last = useLens((s) => s.results.findLast((r) => r.state.kind === 'done'));
  const { t } = useTranslation();
  const feed = useRef<HTMLVideoElement>(null);
  const close = useRef<HTMLButtonElement>(null);
  const payload = last?.state.kind === 'done' ? last.state.payload : null;
  const fullSize = payload !== null && payload.width * payload.height <= FULL_SIZE_PIXELS;
  // The photo itself, sharp on a projector (the card's thumbnail is 240 px).
  const photoUrl = useMemo(
    () => (stage && last && fullSize ? URL.createObjectURL(last.file) : null),
    [stage, last, fullSize],
  );
  useEffect(() => () => (photoUrl ? URL.revokeObjectURL(photoUrl) : undefined), [photoUrl]);

  useEffect(() => {
    if (stage) close.current?.focus();
    if (stage && feed.current && videoRef.current?.srcObject) {
      feed.current.srcObject = videoRef.current.srcObject;
      void feed.current.play().catch(() => undefined);
    }
  }, [stage, live.on, videoRef]);

  if (!stage) return null;
  const top = live.on ? live.top5 : (payload?.top5 ?? []);
  // The camera is classified by the model in use now; a photo by the model that made its card.
  const untrained = live.on ? activeUntrained : last ? last.untrained : activeUntrained;
  return (
    <div className="stage" data-testid="stage-view" role="dialog" aria-label={t('stage.title')}>
      <div className="stage-media">
        {live.on ? (
          <video
            ref={feed}
            muted
            playsInline
            data-testid="stage-media"
            className={live.mirror ? 'mirror' : ''}
          />
        ) : last ? (
          <img data-testid="stage-media" src={photoUrl ?? last.photoUrl} alt={last.fileName} />
        ) : (
          <p>{t('stage.empty')}</p>
        )}
      </div>
      <div className="stage-top5">
        {untrained && (
          <p className="stage-untrained" data-testid="stage-untrained">
            {t('untrained.tag')}
          </p>
        )}
        <Top5Bars predictions={top} />
      </div>
      <p className="stage-meta">
        {info ? `${info.name} · ${backendText(info.backend, info.threads)}` : t('stage.noModel')}
        {live.on && ` · ${t('stage.fps', { fps: live.fps.toFixed(1) })}`}
      </p>
      <button
        ref={close}
        type="button"
        className="stage-close"
        onClick={() => useLens.getState().setStage(false)}
      >
        {t('stage.leave')}
      </button>
    </div>
  );
}

/** S toggles the stage view (outside text fields), Escape leaves it. */
export function useStageKeys(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName)) return;
      const { stage, setStage } = useLens.getState();
      if ((e.key === 's' || e.key === 'S') && !e.ctrlKey && !e.metaKey && !e.altKey)
        setStage(!stage);
      else if (e.key === 'Escape' && stage) setStage(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
