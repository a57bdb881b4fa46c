import { LoadStages } from './LoadStages';
import { useEffect, useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { formatRate } from '../live-rate';
import { stageKeyAction } from '../stage-keys';
import { useLens, type ModelStatus } from '../store';
import { CameraProblem } from './CameraProblem';
import { backendText } from './format';
import { ModelSelect } from './ModelSelect';
import { useModelName } from './model-name';
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
  const status = useLens((s) => s.status);
  const last = useLens((s) => s.results.findLast((r) => r.state.kind === 'done'));
  const { t } = useTranslation();
  const shownName = useModelName();
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
  const barsFrom = live.on ? live.top5Model : (last?.modelName ?? null);
  const loading = status.kind === 'loading' ? status : null;
  const stale = loading !== null && top.length > 0;
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
        ) : live.problem ? (
          <CameraProblem onStage />
        ) : (
          <p>{t('stage.empty')}</p>
        )}
      </div>
      <div className="stage-top5">
        {loading && <StageLoading status={loading} />}
        {untrained && (
          <p className="stage-untrained" data-testid="stage-untrained">
            {t('untrained.tag')}
          </p>
        )}
        <div
          className={stale ? 'stage-bars stale' : 'stage-bars'}
          data-testid="stage-bars"
          data-stale={stale ? 'true' : 'false'}
          data-model={barsFrom ?? ''}
        >
          <Top5Bars predictions={top} />
          {top.length > 0 && barsFrom && (
            <p className="stage-bars-from" data-testid="stage-bars-from">
              {t('stage.barsFrom', { name: shownName(barsFrom) })}
            </p>
          )}
        </div>
      </div>
      <div className="stage-meta">
        <label className="stage-model">
          <span className="sr-only">{t('stage.model')}</span>
          <ModelSelect testId="stage-model-select" label={t('stage.model')} />
        </label>
        <span>
          {info ? backendText(info.backend, info.threads) : t('stage.noModel')}
          {live.on && (
            <span
              data-testid="stage-live-stats"
              data-fps={live.fps.toFixed(2)}
              data-camera-fps={live.cameraFps.toFixed(2)}
              data-latency={live.latencyMs?.toFixed(1) ?? ''}
            >
              {' · '}
              {t('stage.live', { fps: formatRate(live.fps), camera: formatRate(live.cameraFps) })}
              {live.latencyMs !== null && t('stage.latency', { ms: live.latencyMs.toFixed(0) })}
            </span>
          )}
        </span>
      </div>
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

/** The next model's load, in large type: its phase, name and progress (a bar, or a spinner). */
function StageLoading({ status }: { status: Extract<ModelStatus, { kind: 'loading' }> }) {
  const { t } = useTranslation();
  const shownName = useModelName();
  const percent = status.total ? (100 * status.loaded) / status.total : null;
  return (
    <div className="stage-loading" data-testid="stage-loading" data-phase={status.phase}>
      <p>
        {t('stage.loading', { name: shownName(status.name) })}
        <br />
        <small>
          {t(`status.${status.phase}`)}
          {percent !== null ? ` ${percent.toFixed(0)} %` : '…'}
        </small>
      </p>
      <progress {...(status.total ? { value: status.loaded, max: status.total } : {})} />
      <LoadStages stages={status.stages} startedAt={status.startedAt} />
    </div>
  );
}

/**
 * S toggles the stage view (outside text fields), Escape leaves it. After a choice in a select
 * (the header's model or language, the stage's model) S works at once: see stage-keys.ts.
 */
export function useStageKeys(): void {
  useEffect(() => {
    let chosen: EventTarget | null = null;
    const onChange = (e: Event) => {
      if ((e.target as HTMLElement | null)?.tagName === 'SELECT') chosen = e.target;
    };
    const onFocus = (e: FocusEvent) => {
      if (e.target !== chosen) chosen = null;
    };
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      const { stage, setStage } = useLens.getState();
      const action = stageKeyAction(
        {
          key: e.key,
          ctrlKey: e.ctrlKey,
          metaKey: e.metaKey,
          altKey: e.altKey,
          targetTag: target?.tagName ?? null,
          chosenSelect: target !== null && target === chosen,
        },
        stage,
      );
      if (action === null) return;
      // In a select, S would also pick an option starting with "s".
      if (target?.tagName === 'SELECT') e.preventDefault();
      setStage(action === 'toggle' ? !stage : false);
    };
    window.addEventListener('keydown', onKey);
    document.addEventListener('change', onChange, true);
    document.addEventListener('focusin', onFocus);
    return () => {
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('change', onChange, true);
      document.removeEventListener('focusin', onFocus);
    };
  }, []);
}
