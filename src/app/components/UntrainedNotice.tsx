import { useTranslation } from 'react-i18next';
import { onlyUntrained } from '../../core/model/manifest';
import { useLens } from '../store';

/** Where trained checkpoints are published (the README's download table). */
export const RELEASE_URL = 'https://github.com/DingXiaoH/RepOptimizers';

/**
 * Seeded test models say nothing about the photo: say so, where a trained checkpoint comes from,
 * and what to do with the file. Whole on phones too; gone once a trained model answers.
 */
export function UntrainedNotice() {
  const manifest = useLens((s) => s.manifest);
  const activeUntrained = useLens((s) => s.activeUntrained);
  const hasActive = useLens((s) => s.activeInfo !== null);
  const { t } = useTranslation();
  const noRealModels = manifest !== null && onlyUntrained(manifest);
  // The user's own (trained) model answers: the notice has said its piece.
  if (!activeUntrained && (hasActive || !noRealModels)) return null;
  return (
    <aside className="notice untrained" data-testid="untrained-notice">
      <p>
        {activeUntrained && <strong>{t('untrained.short')}</strong>}{' '}
        <a href={RELEASE_URL} target="_blank" rel="noreferrer" data-testid="untrained-release-link">
          {t('untrained.release')}
        </a>
        {t('untrained.sep')}
        <span className="muted">{t('untrained.steps')}</span>{' '}
        <button
          type="button"
          className="link"
          data-testid="untrained-open-pth"
          onClick={() =>
            document.querySelector<HTMLInputElement>('[data-testid=model-input]')?.click()
          }
        >
          {t('untrained.action')}
        </button>
      </p>
    </aside>
  );
}
