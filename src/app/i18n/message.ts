/**
 * The engine's messages in the page's language. The English text is the fallback for a payload
 * that carries no message (one made before messages existed, or by a test API).
 */
import { useTranslation } from 'react-i18next';
import type { Message } from '../../core/message';
import { renderMessage } from '../../i18n/message';

export function useSay(): (message: Message | null | undefined, english: string) => string {
  const { t } = useTranslation();
  return (message, english) => (message ? renderMessage(t, message) : english);
}
