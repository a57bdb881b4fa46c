/**
 * Runs in the "webgpu" project: chromium started with --enable-unsafe-webgpu, which offers
 * SwiftShader, a software fallback adapter.
 */
import { expect, test } from './test';

test('auto mode sees the software adapter and prefers WASM, saying why', async ({ lens }) => {
  await lens.openReady();
  await expect(lens.status).toHaveAttribute('data-backend', 'wasm');
  await expect(lens.status).toContainText('software fallback adapter');
});

test('forced WebGPU gives the same top-5 as PyTorch', async ({ lens }) => {
  await lens.openReady('?backend=webgpu');
  await expect(lens.status).toHaveAttribute('data-backend', 'webgpu');
  await lens.pickImages('chelsea.png', 'rocket.jpg', 'odd-257x301.png');
  for (const name of ['chelsea.png', 'rocket.jpg', 'odd-257x301.png']) {
    await lens.expectMatchesPyTorch(name);
    await expect(lens.result(name)).toHaveAttribute('data-backend', 'webgpu');
  }
});

test('a failing WebGPU session falls back to WASM, tells the user, and classifies', async ({
  page,
  lens,
}) => {
  await lens.openReady('?backend=webgpu&simulate=webgpu-failure');
  await expect(lens.status).toHaveAttribute('data-backend', 'wasm');
  await expect(lens.status).toContainText(
    'WebGPU failed (simulated WebGPU failure (test hook)); fell back to WASM',
  );
  await expect(page.getByTestId('notice')).toContainText('fell back to WASM');
  await lens.pickImages('rocket.jpg');
  await lens.expectMatchesPyTorch('rocket.jpg');
});
