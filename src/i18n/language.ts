/**
 * Which language the page speaks: `?lang=` first, then the browser's preferred languages, then
 * English. Pure, so it is unit-tested in Node.
 */
export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];

export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', 'zh-CN': '简体中文' };
/** The same names where room is short (a phone's header). */
export const LANGUAGE_SHORT_NAMES: Record<Language, string> = { en: 'EN', 'zh-CN': '中文' };

/** Any Chinese tag written in simplified script or used in mainland China/Singapore. */
function match(tag: string): Language | null {
  const t = tag.trim().toLowerCase();
  if (t === '') return null;
  if (t === 'en' || t.startsWith('en-')) return 'en';
  if (t === 'zh' || t === 'zh-cn' || t === 'zh-sg' || t.startsWith('zh-hans')) return 'zh-CN';
  return null;
}

export function pickLanguage(
  search: string,
  preferred: readonly string[],
): { language: Language; rejected: string | null } {
  const asked = new URLSearchParams(search).get('lang');
  if (asked !== null) {
    const m = match(asked);
    if (m) return { language: m, rejected: null };
    return { language: pickLanguage('', preferred).language, rejected: asked };
  }
  for (const tag of preferred) {
    const m = match(tag);
    if (m) return { language: m, rejected: null };
  }
  return { language: 'en', rejected: null };
}

export function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}
