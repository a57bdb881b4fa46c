/**
 * The page's binding of the shared catalogues (src/i18n) to react-i18next: the language picked
 * from `?lang=`, then the browser's languages; `<html lang>` follows it.
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { pickLanguage, type Language } from '../../i18n/language';
import { resources } from '../../i18n/resources';

export const initial = pickLanguage(location.search, navigator.languages ?? [navigator.language]);

void i18next.use(initReactI18next).init({
  resources,
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
