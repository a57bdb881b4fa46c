/**
 * The catalogues as i18next resources, and the key typing every `t()` is checked against (the
 * page, the stage view and the CLI share them). No React, DOM or Node here: the page binds this to
 * react-i18next (src/app/i18n), the CLI to a plain instance (./instance.ts).
 */
import { en } from './en';
import type { Language } from './language';
import { zhCN } from './zh-CN';

export const resources = {
  en: { translation: en },
  'zh-CN': { translation: zhCN },
} satisfies Record<Language, { translation: unknown }>;

declare module 'i18next' {
  interface CustomTypeOptions {
    resources: { translation: typeof en };
  }
}
