/** Types of what eslint.config.js exports, for the lint self-test (test/lint-boundary.test.ts). */
import type { Linter } from 'eslint';
export const boundaries: Linter.Config[];
declare const config: Linter.Config[];
export default config;
