/**
 * A plain i18next instance over the shared catalogues, ready on return (resources are inline, so
 * initialisation is synchronous). For Node (the CLI) and unit tests; the page uses react-i18next.
 * Values are interpolated as given (no HTML escaping): a caller printing to a terminal escapes
 * file-derived values first (core/terminal-safe).
 */
import i18next, { type i18n } from 'i18next';
import type { Language } from './language';
import { resources } from './resources';

export function createI18n(language: Language): i18n {
  const instance = i18next.createInstance();
  void instance.init({
    resources,
    lng: language,
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
    returnNull: false,
    initAsync: false,
  });
  return instance;
}
