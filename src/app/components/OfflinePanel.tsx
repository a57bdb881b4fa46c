import { useEffect } from 'react';
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
  useEffect(() => {
    void refreshOffline();
  }, []);
  const names = new Map(
    (manifest?.models ?? []).map((m) => [resolveModelUrl(m, MANIFEST_URL), m.name]),
  );
  return (
    <details className="panel offline" data-testid="offline-panel">
      <summary>
        Offline & storage: {offline.cached.length} model{offline.cached.length === 1 ? '' : 's'}{' '}
        available offline
        {offline.usage !== null && `, ${mb(offline.usage)} used`}
        {offline.quota !== null && ` of ${mb(offline.quota)}`}
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
              {cached
                ? `available offline (${mb(cached.bytes)})`
                : 'not cached yet (open it once online)'}
              {cached && (
                <button type="button" onClick={() => void removeCachedModel(url)}>
                  Remove
                </button>
              )}
            </li>
          );
        })}
        {offline.cached
          .filter((c) => !names.has(c.url))
          .map((c) => (
            <li key={c.url} data-testid="offline-model" data-offline="yes">
              {c.url.split('/').pop()}: available offline ({mb(c.bytes)})
              <button type="button" onClick={() => void removeCachedModel(c.url)}>
                Remove
              </button>
            </li>
          ))}
      </ul>
    </details>
  );
}
