/**
 * i18next with react-i18next: one message catalogue per language (en.ts, zh-CN.ts), the page's
 * language picked from `?lang=`, then the browser's languages; `<html lang>` follows it.
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { pickLanguage, type Language } from './language';
import { zhCN } from './zh-CN';

declare module 'i18next' {
  interface CustomTypeOptions {
    resources: { translation: typeof en };
  }
}

export const initial = pickLanguage(location.search, navigator.languages ?? [navigator.language]);

void i18next.use(initReactI18next).init({
  resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
  lng: initial.language,
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
});
document.documentElement.lang = initial.language;
i18next.on('languageChanged', (lng) => {
  document.documentElement.lang = lng;
});

export function setLanguage(language: Language): void {
  void i18next.changeLanguage(language);
}

export { i18next };
export type { Language };
