import { cancelModelLoad } from '../controller';
import { useLens, type ModelStatus } from '../store';
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
      {status.kind === 'loading' && <LoadingProgress status={status} />}
      {status.kind === 'ready' && (
        <span title={status.info.backendReason}>
          ✔ {status.name}: {backendText(status.info.backend, status.info.threads)} (
          {status.info.backendReason}); ready in{' '}
          {Math.round(status.info.loadMs + status.info.warmupMs)} ms
          {status.info.labelWarning && <em className="warn"> {status.info.labelWarning}</em>}
          {status.info.notes.length > 0 && (
            <em className="warn" data-testid="model-notes">
              {' '}
              {status.info.notes.join(' ')}
            </em>
          )}
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

const PHASE_TEXT = {
  download: 'Downloading',
  read: 'Reading checkpoint',
  convert: 'Converting',
  session: 'Preparing',
  calibrate: 'Calibrating int8',
  rank: 'Ranking layers',
  measure: 'Measuring int8',
} as const;

function LoadingProgress({ status }: { status: Extract<ModelStatus, { kind: 'loading' }> }) {
  const downloading = status.phase === 'download';
  const percent = status.total ? (100 * status.loaded) / status.total : null;
  return (
    <>
      <span>
        {PHASE_TEXT[status.phase]} {status.name}
        {status.phase === 'convert' && status.total
          ? ` (block ${status.loaded} of ${status.total})`
          : ''}
        {downloading && status.loaded > 0 && (
          <>
            {' '}
            {mb(status.loaded)}
            {status.total ? ` of ${mb(status.total)}` : ''}
            {percent !== null ? ` (${percent.toFixed(0)}%)` : ''}
            {status.bytesPerSecond !== null && `, ${mb(status.bytesPerSecond)}/s`}
          </>
        )}
        …
      </span>
      <progress
        data-testid="model-progress"
        {...((downloading || status.phase === 'convert') && status.total
          ? { value: status.loaded, max: status.total }
          : {})}
      />
      <button type="button" data-testid="cancel-load" onClick={cancelModelLoad}>
        Cancel
      </button>
    </>
  );
}
