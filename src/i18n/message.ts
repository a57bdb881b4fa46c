/**
 * An engine message (src/core/message.ts) or a LensError in the reader's language: its key under `engine.` in the
 * catalogue, its values interpolated, a value that is itself a message rendered first. Takes any
 * `t` (react-i18next's on the page, the CLI's plain instance), so it is unit-tested in Node.
 */
import type { ParseKeys, TFunction } from 'i18next';
import type { LensErrorCode } from '../core/errors';
import type { Message } from '../core/message';

export function renderMessage(t: TFunction, m: Message): string {
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(m.params))
    params[name] = typeof value === 'object' ? renderMessage(t, value) : value;
  // The key is checked here (each MessageKey must name an engine message); the values per key by
  // test/engine-messages.test.ts, since the typed t() cannot pair a key union with its variables.
  const key: ParseKeys = `engine.${m.key}`;
  return (t as unknown as (key: string, options: object) => string)(key, params);
}

/**
 * A LensError (or its serialized form) for people: the message as written in English; in other
 * languages the code's headline first, so a reader always learns what went wrong.
 */
export function errorText(t: TFunction, e: { code: LensErrorCode; message: string }): string {
  return t('errorDetail', { headline: t(`errors.${e.code}`), message: e.message });
}
