import { useTranslation } from 'react-i18next';
import { useLens } from '../store';

/** Recovered faults (a worker crash, a WebGPU fallback): said once, plainly, dismissible. */
export function Notice() {
  const notice = useLens((s) => s.notice);
  const { t } = useTranslation();
  if (!notice) return null;
  return (
    <div className="notice warn-box" role="status" data-testid="notice">
      {notice}{' '}
      <button type="button" onClick={() => useLens.getState().setNotice(null)}>
        {t('notice.dismiss')}
      </button>
    </div>
  );
}
