/**
 * The CLI's language from the POSIX locale: the first set of LC_ALL, LC_MESSAGES and LANG (the
 * order in which POSIX lets them override each other), `language[_territory][.codeset][@modifier]`.
 * Pure, so it is unit-tested in Node.
 */
import type { Language } from './language';

export function languageFromLocale(env: Readonly<Record<string, string | undefined>>): Language {
  const locale = [env['LC_ALL'], env['LC_MESSAGES'], env['LANG']].find((v) => v) ?? '';
  const [language = '', territory] = (locale.split(/[.@]/)[0] ?? '').split('_');
  if (language.toLowerCase() !== 'zh') return 'en';
  return territory === undefined || territory.toUpperCase() === 'CN' ? 'zh-CN' : 'en';
}
