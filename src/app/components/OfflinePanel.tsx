import { Nums } from './Nums';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { resolveModelUrl } from '../../core/model/manifest';
import { MANIFEST_URL } from '../controller';
import { refreshOffline, removeCachedModel } from '../offline';
import { useLens } from '../store';
import { bytesText } from './format';

const mb = bytesText;

/** Which models work offline, the storage they use, and a way to remove them. */
export function OfflinePanel() {
  const offline = useLens((s) => s.offline);
  const manifest = useLens((s) => s.manifest);
  const { t } = useTranslation();
  useEffect(() => {
    void refreshOffline();
  }, []);
  const names = new Map(
    (manifest?.models ?? []).map((m) => [resolveModelUrl(m, MANIFEST_URL), m.name]),
  );
  return (
    <details className="panel offline" data-testid="offline-panel">
      <summary>
        {t('panels.offlineSummary', { count: offline.cached.length })}
        {offline.usage !== null && <Nums text={t('panels.used', { size: mb(offline.usage) })} />}
        {offline.quota !== null && <Nums text={t('panels.of', { size: mb(offline.quota) })} />}
      </summary>
      <ul>
        {manifest?.models.map((m) => {
          const url = resolveModelUrl(m, MANIFEST_URL);
          const cached = offline.cached.find((c) => c.url === url);
          return (
            <li
              key={m.id}
              data-testid="offline-model"
              data-model-id={m.id}
              data-offline={cached ? 'yes' : 'no'}
            >
              {m.name}:{' '}
              {cached ? t('panels.offlineYes', { size: mb(cached.bytes) }) : t('panels.offlineNo')}
              {cached && (
                <button type="button" onClick={() => void removeCachedModel(url)}>
                  {t('panels.remove')}
                </button>
              )}
            </li>
          );
        })}
        {offline.cached
          .filter((c) => !names.has(c.url))
          .map((c) => (
            <li key={c.url} data-testid="offline-model" data-offline="yes">
              {c.url.split('/').pop()}: {t('panels.offlineYes', { size: mb(c.bytes) })}
              <button type="button" onClick={() => void removeCachedModel(c.url)}>
                {t('panels.remove')}
              </button>
            </li>
          ))}
      </ul>
    </details>
  );
}
