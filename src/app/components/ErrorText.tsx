import { useTranslation } from 'react-i18next';
import type { SerializedError } from '../../core/errors';
import { renderMessage } from '../../i18n/message';

/**
 * An error for people. English: the message as written. Other languages: the code's headline,
 * then the known cause in that language when the error carries one (`why`), and the English
 * detail behind a closed "Details" disclosure (still in the DOM for tests and copy-paste).
 */
export function ErrorText({ error }: { error: Pick<SerializedError, 'code' | 'message' | 'why'> }) {
  const { short, detail } = useErrorParts()(error);
  const { t } = useTranslation();
  return (
    <>
      {short}
      {detail !== null && (
        <>
          {' '}
          <details className="error-details" data-testid="error-details">
            <summary>{t('app.details')}</summary>
            <span className="error-detail-text">{detail}</span>
          </details>
        </>
      )}
    </>
  );
}

/** The parts `ErrorText` shows: for places that put the short text inside a sentence. */
export function useErrorParts(): (error: Pick<SerializedError, 'code' | 'message' | 'why'>) => {
  short: string;
  detail: string | null;
} {
  const { t, i18n } = useTranslation();
  return (error) => {
    if (i18n.language === 'en') return { short: error.message, detail: null };
    const headline = t(`errors.${error.code}`);
    const short = error.why
      ? `${headline}${t('app.colon')}${renderMessage(t, error.why)}`
      : headline;
    return { short, detail: error.message };
  };
}
