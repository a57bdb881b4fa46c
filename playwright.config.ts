import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

/**
 * A known clip for chromium's fake camera: 160x120 Y4M (4:2:0), 30 frames of a moving gradient,
 * generated here so no binary video sits in git.
 */
function fakeCameraClip(): string {
  const file = join(tmpdir(), 'repopt-lens-fake-camera.y4m');
  if (existsSync(file)) return file;
  const [w, h, frames] = [160, 120, 30];
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${w} H${h} F10:1 Ip A1:1 C420jpeg\n`)];
  for (let f = 0; f < frames; f++) {
    const y = Buffer.alloc(w * h);
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) y[i * w + j] = (i * 2 + j + f * 8) & 255;
    const u = Buffer.alloc((w / 2) * (h / 2), 90 + f);
    const v = Buffer.alloc((w / 2) * (h / 2), 160 - f);
    parts.push(Buffer.from('FRAME\n'), y, u, v);
  }
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

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
    command: `LENS_OUT_DIR=dist-e2e-${port} PORT=${port} npm start`,
    url: `http://localhost:${port}/`,
    timeout: 180_000,
    reuseExistingServer: !process.env['CI'],
    stdout: 'pipe',
  },
  projects: [
    {
      name: 'wasm',
      testIgnore: /(webgpu|camera|soak)\.spec\.ts/,
      use: { launchOptions: { executablePath: chromium, args } },
    },
    {
      // Chromium's fake camera playing a generated clip: the webcam path end to end.
      name: 'camera',
      testMatch: /camera\.spec\.ts/,
      use: {
        launchOptions: {
          executablePath: chromium,
          args: [
            ...args,
            '--use-fake-ui-for-media-stream',
            '--use-fake-device-for-media-stream',
            `--use-file-for-fake-video-capture=${fakeCameraClip()}`,
          ],
        },
      },
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
