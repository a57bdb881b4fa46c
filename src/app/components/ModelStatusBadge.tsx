import { useTranslation } from 'react-i18next';
import { useSay } from '../i18n/message';
import { cancelModelLoad } from '../controller';
import { useLens, type ModelStatus } from '../store';
import { backendText, bytesText } from './format';
import { useErrorParts } from './ErrorText';
import { useModelName } from './model-name';
import { LoadStages, stagesLine } from './LoadStages';

export function ModelStatusBadge() {
  const status = useLens((s) => s.status);
  const active = useLens((s) => s.activeInfo);
  const preference = useLens((s) => s.backendPreference);
  const { t } = useTranslation();
  const say = useSay();
  const shown = useModelName();
  const errorParts = useErrorParts();
  const backend = status.kind === 'ready' ? status.info.backend : active?.backend;
  return (
    <div
      className="model-status"
      data-testid="model-status"
      data-status={status.kind}
      {...(backend ? { 'data-backend': backend } : {})}
      {...(status.kind === 'ready' && status.readyMs !== undefined
        ? { 'data-ready-ms': Math.round(status.readyMs) }
        : {})}
    >
      {status.kind === 'idle' && <span>{t('status.idle')}</span>}
      {status.kind === 'loading' && <LoadingProgress status={status} />}
      {status.kind === 'ready' && (
        <span
          title={[
            say(status.info.messages.backendReason, status.info.backendReason),
            status.stages ? stagesLine(status.stages, t) : '',
          ]
            .filter(Boolean)
            .join('\n')}
        >
          ✔{' '}
          {t('status.ready', {
            name: shown(status.name),
            backend: backendText(status.info.backend, status.info.threads),
            reason: say(status.info.messages.backendReason, status.info.backendReason),
            // From the user's choice to ready; a restored model has only the engine's own time.
            ms: Math.round(status.readyMs ?? status.info.loadMs + status.info.warmupMs),
          })}
          {status.info.fast.pending === true && (
            // A big model answers with the file first; the fast path is the load's last stage.
            <span className="fast-pending" data-testid="fast-pending">
              {' '}
              <span className="spinner" aria-hidden="true" /> {t('stages.fastBackground')}
            </span>
          )}
          {preference === 'webgpu' && status.info.backend !== 'webgpu' && (
            <strong className="warn" data-testid="webgpu-fallback">
              {' '}
              {t('status.webgpuFallback', {
                reason: say(status.info.messages.backendReason, status.info.backendReason),
              })}
            </strong>
          )}
          {status.info.labelWarning && (
            <em className="warn" data-testid="model-label-warning">
              {' '}
              {say(status.info.messages?.labelWarning, status.info.labelWarning)}
            </em>
          )}
          {status.info.notes.length > 0 && (
            <em className="warn" data-testid="model-notes">
              {' '}
              {status.info.notes
                .map((note, i) => say(status.info.messages?.notes[i], note))
                .join(' ')}
            </em>
          )}
        </span>
      )}
      {status.kind === 'error' && (
        <span className="error" data-testid="model-error" role="alert">
          {t('status.error', { name: shown(status.name), message: errorParts(status.error).short })}
          {status.stillUsing && t('status.stillUsing', { name: shown(status.stillUsing.name) })}
          {errorParts(status.error).detail !== null && (
            <>
              {' '}
              <details className="error-details" data-testid="error-details">
                <summary>{t('app.details')}</summary>
                <span className="error-detail-text">{status.error.message}</span>
              </details>
            </>
          )}
        </span>
      )}
    </div>
  );
}

function LoadingProgress({ status }: { status: Extract<ModelStatus, { kind: 'loading' }> }) {
  const { t } = useTranslation();
  const shown = useModelName();
  const downloading = status.phase === 'download';
  const percent = status.total ? (100 * status.loaded) / status.total : null;
  return (
    <>
      <span>
        {t(`status.${status.phase}`)} {shown(status.name)}
        {status.phase === 'convert' && status.total
          ? t('status.block', { loaded: status.loaded, total: status.total })
          : ''}
        {downloading && status.loaded > 0 && (
          <>
            {' '}
            {bytesText(status.loaded)}
            {status.total ? ` / ${bytesText(status.total)}` : ''}
            {percent !== null ? ` (${percent.toFixed(0)}%)` : ''}
            {status.bytesPerSecond !== null && `, ${bytesText(status.bytesPerSecond)}/s`}
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
        {t('status.cancel')}
      </button>
      <LoadStages stages={status.stages} startedAt={status.startedAt} />
    </>
  );
}
