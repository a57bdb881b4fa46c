import { useTranslation } from 'react-i18next';

/**
 * Over plain http from another machine the browser withholds crypto.subtle (the model cache's
 * digests) and the camera; say so plainly instead of letting them fail with a TypeError.
 */
export function InsecureNotice() {
  const { t } = useTranslation();
  if (window.isSecureContext) return null;
  return (
    <aside className="notice warn-box" role="alert" data-testid="insecure-notice">
      <strong>{t('insecure.title')}.</strong> {t('insecure.body', { origin: location.origin })}
    </aside>
  );
}
