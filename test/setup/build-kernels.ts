/** vitest's global setup: the lens kernels' .wasm files are built, not committed. */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['tools/build-kernels.mjs'], { stdio: 'inherit' });
}
