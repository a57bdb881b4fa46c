import { useEffect, useRef } from 'react';
import { useLens } from '../store';
import { backendText } from './format';

/**
 * The presenter's layout: the feed (or the last photo) large, the top-5 in big type, model and
 * backend named; high contrast; S toggles it, Escape leaves it.
 */
export function StageView({ videoRef }: { videoRef: React.RefObject<HTMLVideoElement | null> }) {
  const stage = useLens((s) => s.stage);
  const live = useLens((s) => s.live);
  const info = useLens((s) => s.activeInfo);
  const last = useLens((s) => s.results.findLast((r) => r.state.kind === 'done'));
  const feed = useRef<HTMLVideoElement>(null);
  const close = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (stage) close.current?.focus();
    if (stage && feed.current && videoRef.current?.srcObject) {
      feed.current.srcObject = videoRef.current.srcObject;
      void feed.current.play().catch(() => undefined);
    }
  }, [stage, live.on, videoRef]);

  if (!stage) return null;
  const top = live.on ? live.top5 : last?.state.kind === 'done' ? last.state.payload.top5 : [];
  return (
    <div className="stage" data-testid="stage-view" role="dialog" aria-label="Stage view">
      <div className="stage-media">
        {live.on ? (
          <video ref={feed} muted playsInline className={live.mirror ? 'mirror' : ''} />
        ) : last ? (
          <img src={last.photoUrl} alt={last.fileName} />
        ) : (
          <p>Drop a photo or start the camera.</p>
        )}
      </div>
      <ol className="stage-top5">
        {top.map((p, i) => (
          <li key={p.index} className={i === 0 ? 'first' : ''}>
            <span className="pct">{(p.probability * 100).toFixed(1)}%</span> {p.label.split(',')[0]}
          </li>
        ))}
      </ol>
      <p className="stage-meta">
        {info ? `${info.name} · ${backendText(info.backend, info.threads)}` : 'no model'}
        {live.on && ` · ${live.fps.toFixed(1)} fps`}
        {last?.untrained && ' · untrained: for pipeline checks only'}
      </p>
      <button
        ref={close}
        type="button"
        className="stage-close"
        onClick={() => useLens.getState().setStage(false)}
      >
        Leave stage view (Esc)
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
