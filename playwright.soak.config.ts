/**
 * The soak test (`npm run soak`): webcam mode with chromium's fake camera for SOAK_MINUTES
 * (default 10), memory sampled every 30 s. A config of its own so that `npm test` never runs it.
 */
import { defineConfig } from '@playwright/test';
import base from './playwright.config';

const port = Number(process.env['E2E_PORT'] ?? 4392);
const minutes = Number(process.env['SOAK_MINUTES'] ?? 10);
const chromium = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
// The camera project's launch flags, generated clip included: one definition of the fake camera.
const cameraArgs = base.projects?.find((p) => p.name === 'camera')?.use?.launchOptions?.args;
if (!cameraArgs)
  throw new Error('playwright.config.ts has no "camera" project to borrow flags from');

export default defineConfig({
  testDir: 'e2e',
  testMatch: /soak\.spec\.ts/,
  outputDir: 'test-results/soak',
  timeout: (minutes + 5) * 60_000,
  expect: { timeout: 60_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: { baseURL: `http://localhost:${port}`, trace: 'off' },
  webServer: {
    command: `LENS_OUT_DIR=dist-e2e-${port} PORT=${port} npm start`,
    url: `http://localhost:${port}/`,
    timeout: 180_000,
    reuseExistingServer: !process.env['CI'],
    stdout: 'pipe',
  },
  projects: [
    {
      name: 'soak',
      use: {
        launchOptions: {
          executablePath: chromium,
          // Exact performance.memory figures (otherwise bucketed and rarely updated).
          args: [...cameraArgs, '--enable-precise-memory-info'],
        },
      },
    },
  ],
});
