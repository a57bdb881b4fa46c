/**
 * The CLI's language and its `t()`: `--lang en|zh-CN` (any command, taken out before the command
 * parses its options), else the POSIX locale. Only human-readable lines go through here; JSON
 * output stays English. Values interpolate unescaped: callers pass file-derived ones through
 * terminalSafe first.
 */
import { isLensError } from '../core/errors';
import { createI18n } from '../i18n/instance';
import type { Message } from '../core/message';
import { errorText, renderMessage } from '../i18n/message';
import { isLanguage, type Language } from '../i18n/language';
import { languageFromLocale } from '../i18n/locale';

const i18n = createI18n('en');

/** English whatever the language: for what JSON carries. */
export const english = createI18n('en').t;

/** Bound to the CLI's instance (i18next binds its methods), so it can be passed around. */
export const t = i18n.t;

export async function setCliLanguage(language: Language): Promise<void> {
  await i18n.changeLanguage(language);
}

/**
 * `--lang X` / `--lang=X` anywhere before a `--`, taken out of argv; without it, the locale's
 * language. A value other than en or zh-CN comes back as `rejected`, with the locale's language.
 */
export function takeLanguage(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { language: Language; argv: string[]; rejected: string | null } {
  const rest: string[] = [];
  let asked: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === '--lang') asked = argv[++i] ?? '';
    else if (arg.startsWith('--lang=')) asked = arg.slice('--lang='.length);
    else rest.push(arg);
  }
  if (asked !== null && isLanguage(asked)) return { language: asked, argv: rest, rejected: null };
  return { language: languageFromLocale(env), argv: rest, rejected: asked };
}

/** An engine note in the CLI's language (its English text is what JSON keeps). */
export function say(message: Message | null, english: string): string {
  return message ? renderMessage(t, message) : english;
}

/** A user error for people: in Chinese its headline (errors.<code>) comes before the message. */
export function errorDetail(e: unknown, message = (e as Error).message): string {
  if (!isLensError(e)) return message;
  return errorText(t, { code: e.code, message });
}
