#!/usr/bin/env node
/**
 * Builds src/kernels/*.c into four WebAssembly files in src/kernels/build/ (git-ignored):
 * lens-relaxed.wasm (relaxed SIMD's fused multiply-add) and lens-simd128.wasm (plain SIMD128),
 * and each again as `-mt` (shared memory, for threads).
 * Uses Debian's clang-16 and lld-16 (`apt-get install clang-16 lld-16`); tools/ensure-clang.sh
 * installs them when it can. Skips the build when both files are newer than every source.
 * `--force` rebuilds anyway.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src/kernels');
const out = join(src, 'build');
const LLVM = process.env.LLVM_BIN ?? '/usr/lib/llvm-16/bin';
const clang = join(LLVM, 'clang');

const sources = readdirSync(src)
  .filter((f) => f.endsWith('.c') || f.endsWith('.h'))
  .map((f) => join(src, f));
// `-mt`: the same kernels on an imported shared memory, for threads (every worker instantiates
// the module on one WebAssembly.Memory and sets its own __stack_pointer).
const THREADS = {
  cflags: ['-matomics'],
  ldflags: ['--shared-memory', '--import-memory', '--export=__stack_pointer'],
};
const VARIANTS = [
  { file: 'lens-relaxed.wasm', flags: ['-mrelaxed-simd', '-DLENS_RELAXED'], ldflags: [] },
  { file: 'lens-simd128.wasm', flags: [], ldflags: [] },
  {
    file: 'lens-relaxed-mt.wasm',
    flags: ['-mrelaxed-simd', '-DLENS_RELAXED', ...THREADS.cflags],
    ldflags: THREADS.ldflags,
  },
  { file: 'lens-simd128-mt.wasm', flags: THREADS.cflags, ldflags: THREADS.ldflags },
];
const newest = Math.max(
  ...sources.map((f) => statSync(f).mtimeMs),
  statSync(fileURLToPath(import.meta.url)).mtimeMs,
);
const fresh = VARIANTS.every(
  (v) => existsSync(join(out, v.file)) && statSync(join(out, v.file)).mtimeMs >= newest,
);
if (fresh && !process.argv.includes('--force')) process.exit(0);

if (!existsSync(clang) || !existsSync(join(LLVM, 'wasm-ld'))) {
  execFileSync('bash', [join(root, 'tools/ensure-clang.sh')], { stdio: 'inherit' });
}
mkdirSync(out, { recursive: true });
// Compile and link as two steps: clang's driver would run `wasm-opt` after linking when one is
// on PATH, and Debian's binaryen 108 cannot parse relaxed SIMD.
const CFLAGS = [
  '--target=wasm32',
  '-O3',
  '-std=c11',
  '-Wall',
  '-Werror',
  '-msimd128',
  '-mbulk-memory',
];
const LDFLAGS = ['--no-entry', '--export=__heap_base', '--max-memory=4294967296'];
for (const v of VARIANTS) {
  const target = join(out, v.file);
  const objects = sources
    .filter((f) => f.endsWith('.c'))
    .map((f) => {
      const o = join(out, `${basename(f, '.c')}.${basename(v.file, '.wasm')}.o`);
      execFileSync(clang, [...CFLAGS, ...v.flags, '-c', f, '-o', o], { stdio: 'inherit' });
      return o;
    });
  execFileSync(join(LLVM, 'wasm-ld'), [...LDFLAGS, ...v.ldflags, ...objects, '-o', target], {
    stdio: 'inherit',
  });
  console.log(`built ${target.slice(root.length + 1)} (${statSync(target).size} bytes)`);
}
