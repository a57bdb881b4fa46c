import { useLens } from '../store';
import { backendText } from './format';

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export function ModelStatusBadge() {
  const status = useLens((s) => s.status);
  const active = useLens((s) => s.activeInfo);
  const backend = status.kind === 'ready' ? status.info.backend : active?.backend;
  return (
    <div
      className="model-status"
      data-testid="model-status"
      data-status={status.kind}
      {...(backend ? { 'data-backend': backend } : {})}
    >
      {status.kind === 'idle' && <span>No model loaded</span>}
      {status.kind === 'loading' && (
        <>
          <span>
            {status.phase === 'download' ? 'Downloading' : 'Preparing'} {status.name}
            {status.phase === 'download' &&
              status.loaded > 0 &&
              ` (${mb(status.loaded)}${status.total ? ` of ${mb(status.total)}` : ''})`}
            …
          </span>
          <progress
            data-testid="model-progress"
            {...(status.phase === 'download' && status.total
              ? { value: status.loaded, max: status.total }
              : {})}
          />
        </>
      )}
      {status.kind === 'ready' && (
        <span title={status.info.backendReason}>
          ✔ {status.name}: {backendText(status.info.backend, status.info.threads)} (
          {status.info.backendReason}); ready in{' '}
          {Math.round(status.info.loadMs + status.info.warmupMs)} ms
          {status.info.labelWarning && <em className="warn"> {status.info.labelWarning}</em>}
        </span>
      )}
      {status.kind === 'error' && (
        <span className="error" data-testid="model-error" role="alert">
          Could not load {status.name}: {status.error.message}
          {status.stillUsing && ` Still classifying with ${status.stillUsing.name}.`}
        </span>
      )}
    </div>
  );
}
