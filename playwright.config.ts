import { defineConfig } from '@playwright/test';

const port = Number(process.env['E2E_PORT'] ?? 4391);
const chromium = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const args = ['--no-sandbox', '--disable-quic'];

export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env['CI'] ? [['list']] : [['list']],
  use: {
    baseURL: `http://localhost:${port}`,
    trace: 'retain-on-failure',
  },
  // The production build, served exactly as `npm start` serves it.
  webServer: {
    command: `PORT=${port} npm start`,
    url: `http://localhost:${port}/`,
    timeout: 180_000,
    reuseExistingServer: !process.env['CI'],
    stdout: 'pipe',
  },
  projects: [
    {
      name: 'wasm',
      testIgnore: /webgpu\.spec\.ts/,
      use: { launchOptions: { executablePath: chromium, args } },
    },
    {
      // SwiftShader's software WebGPU adapter: proves the WebGPU path gives the same answers.
      name: 'webgpu',
      testMatch: /webgpu\.spec\.ts/,
      use: {
        launchOptions: { executablePath: chromium, args: [...args, '--enable-unsafe-webgpu'] },
      },
    },
  ],
});
