import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // beforeAll hooks calibrate and quantize real models: as long as a test may take.
    hookTimeout: 60_000,
  },
});
