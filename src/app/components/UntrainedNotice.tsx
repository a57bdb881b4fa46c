import { useTranslation } from 'react-i18next';
import { onlyUntrained } from '../../core/model/manifest';
import { useLens } from '../store';

/** Seeded test models say nothing about the photo: say so in one line, and how to get real ones. */
export function UntrainedNotice() {
  const manifest = useLens((s) => s.manifest);
  const activeUntrained = useLens((s) => s.activeUntrained);
  const { t } = useTranslation();
  const noRealModels = manifest !== null && onlyUntrained(manifest);
  if (!noRealModels && !activeUntrained) return null;
  return (
    <aside className="notice untrained" data-testid="untrained-notice">
      <p>
        {activeUntrained && <strong>{t('untrained.short')}</strong>}{' '}
        <button
          type="button"
          className="link"
          data-testid="untrained-open-pth"
          onClick={() =>
            document.querySelector<HTMLInputElement>('[data-testid=model-input]')?.click()
          }
        >
          {t('untrained.action')}
        </button>{' '}
        <span className="muted">{t('untrained.how')}</span>
      </p>
    </aside>
  );
}
