import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // beforeAll hooks calibrate and quantize real models: as long as a test may take.
    hookTimeout: 60_000,
    // The lens kernels' relaxed-SIMD build needs this flag in Node 20 (both builds are tested).
    execArgv: ['--experimental-wasm-relaxed-simd'],
    // Builds the lens kernels (src/kernels) when a source is newer than the .wasm files.
    globalSetup: ['test/setup/build-kernels.ts'],
  },
});
