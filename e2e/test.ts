/**
 * The end-to-end tests' `test`: Playwright's, with the page object as a fixture (`lens`), so a spec
 * asks for it instead of building it, and `lens.openReady()` opens the page and waits for its model.
 */
import { test as base } from '@playwright/test';
import { Lens } from './lens';

export const test = base.extend<{ lens: Lens }>({
  lens: async ({ page }, use) => {
    await use(new Lens(page));
  },
});

export { expect } from '@playwright/test';
