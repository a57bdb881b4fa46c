import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { join, relative, resolve, sep } from 'node:path';
import type { Connect, Plugin } from 'vite';
import { defineConfig } from 'vite';
import basicSsl from '@vitejs/plugin-basic-ssl';
import react from '@vitejs/plugin-react';

const port = Number(process.env['PORT'] ?? '') || 5173;

/**
 * Cross-origin isolation: without these headers onnxruntime-web silently runs on one thread
 * (no SharedArrayBuffer). They must be on every server the app runs under: dev, preview, start.
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * Content-Security-Policy: scripts, workers and styles only from the app itself; WebAssembly
 * compilation ('wasm-unsafe-eval', which onnxruntime-web needs) but no string eval; no plugins,
 * frames or form posts. Models come from the app's origin, from user files (blob: URLs) or from
 * an https URL the user typed (`?model=https://...`): which URLs are fetched is the app's code's
 * decision (it fetches only those), so connect-src allows https: rather than a host list no one
 * could keep. Images: the app's own, and blob:/data: for the user's photos and the crop preview.
 * The dev server adds what Vite's HMR needs (its websocket, React Refresh's inline preamble and
 * injected styles); the preview server, which `npm start` and the e2e tests use, is strict.
 */
function contentSecurityPolicy(dev: boolean): string {
  const inline = dev ? " 'unsafe-inline'" : '';
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval'${inline}`,
    "worker-src 'self'",
    `connect-src 'self' https: blob:${dev ? ' ws: wss:' : ''}`,
    "img-src 'self' blob: data:",
    "media-src 'self' blob:",
    `style-src 'self'${inline}`,
    "font-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const modelsDir = resolve(import.meta.dirname, 'models');

/**
 * Serves `models/` at `/models/` from the project folder in dev and preview alike. Models are
 * kept out of `public/` on purpose: Vite copies `public/` into `dist/` on every build, and a
 * full-size RepOpt-VGG is 200-450 MB.
 */
function serveModels(): Plugin {
  const middleware: Connect.NextHandleFunction = (req, res, next) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/models/')) return next();
    const file = resolve(modelsDir, decodeURIComponent(url.pathname.slice('/models/'.length)));
    if (!file.startsWith(modelsDir + sep)) {
      res.statusCode = 403;
      return res.end('Forbidden');
    }
    let size: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw new Error('not a file');
      size = stat.size;
    } catch {
      res.statusCode = 404;
      return res.end(`Not found: ${url.pathname}`);
    }
    res.setHeader('Content-Length', String(size));
    res.setHeader(
      'Content-Type',
      file.endsWith('.json') ? 'application/json' : 'application/octet-stream',
    );
    res.setHeader('Cache-Control', 'no-cache');
    for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v);
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  };
  return {
    name: 'repopt-lens:serve-models',
    configureServer(server) {
      server.middlewares.use(middleware);
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware);
    },
  };
}

/**
 * Precompressed assets, served with long-lived caching. Hashed files under `assets/` never change,
 * so browsers keep them a year (`immutable`); the runtime's .wasm (14 MB) goes out as 2.8 MB of
 * brotli or 3.7 MB of gzip. The build writes `.br` and `.gz` beside each large asset (kept in
 * node_modules/.cache by name, which includes the content hash, so rebuilds do not recompress);
 * the preview server (`npm start`) answers with them when the browser accepts the encoding.
 */
const COMPRESSIBLE = /\.(wasm|js|mjs|css|svg|json)$/;
const TYPES: Record<string, string> = {
  wasm: 'application/wasm',
  js: 'text/javascript',
  mjs: 'text/javascript',
  css: 'text/css',
  svg: 'image/svg+xml',
  json: 'application/json',
};

function precompress(): Plugin {
  let outDir = 'dist';
  const cacheDir = resolve(import.meta.dirname, 'node_modules/.cache/lens-precompress');
  const middleware: Connect.NextHandleFunction = (req, res, next) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/assets/') || (req.method !== 'GET' && req.method !== 'HEAD'))
      return next();
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    const file = resolve(outDir, '.' + decodeURIComponent(url.pathname));
    if (!file.startsWith(resolve(outDir) + sep) || !COMPRESSIBLE.test(file)) return next();
    const accept = String(req.headers['accept-encoding'] ?? '');
    const encoding =
      /\bbr\b/.test(accept) && existsSync(file + '.br')
        ? 'br'
        : /\bgzip\b/.test(accept) && existsSync(file + '.gz')
          ? 'gzip'
          : null;
    if (!encoding) return next();
    const body = file + (encoding === 'br' ? '.br' : '.gz');
    res.setHeader('Content-Encoding', encoding);
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('Content-Type', TYPES[file.split('.').pop()!] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(statSync(body).size));
    for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v);
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(false));
    if (req.method === 'HEAD') return res.end();
    createReadStream(body).pipe(res);
  };
  return {
    name: 'repopt-lens:precompress',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware);
    },
    writeBundle(_options, bundle) {
      mkdirSync(cacheDir, { recursive: true });
      for (const name of Object.keys(bundle)) {
        if (!COMPRESSIBLE.test(name) || name === 'sw.js') continue;
        const file = join(outDir, name);
        const data = readFileSync(file);
        if (data.length < 4096) continue;
        const key = join(cacheDir, name.replaceAll('/', '_'));
        for (const [ext, make] of [
          [
            '.br',
            () =>
              brotliCompressSync(data, {
                params: {
                  [zlib.BROTLI_PARAM_QUALITY]: 5,
                  [zlib.BROTLI_PARAM_SIZE_HINT]: data.length,
                },
              }),
          ],
          ['.gz', () => gzipSync(data, { level: 9 })],
        ] as const) {
          if (!existsSync(key + ext)) writeFileSync(key + ext, make());
          writeFileSync(file + ext, readFileSync(key + ext));
        }
      }
    },
  };
}

/**
 * Builds src/sw/sw.ts as `/sw.js` (a fixed name: a service worker's URL must not change) and
 * replaces its PRECACHE constant with every file the build emitted, so the shell works offline.
 */
function serviceWorker(): Plugin {
  return {
    name: 'repopt-lens:service-worker',
    apply: 'build',
    config: () => ({
      build: {
        rollupOptions: {
          input: {
            index: resolve(import.meta.dirname, 'index.html'),
            sw: resolve(import.meta.dirname, 'src/sw/sw.ts'),
          },
          output: {
            entryFileNames: (chunk: { name: string }) =>
              chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js',
          },
        },
      },
    }),
    generateBundle(_options, bundle) {
      const publicDir = resolve(import.meta.dirname, 'public');
      const publicFiles = existsSync(publicDir)
        ? readdirSync(publicDir, { recursive: true, withFileTypes: true })
            .filter((e) => e.isFile() && !e.name.endsWith('.md'))
            .map((e) => relative(publicDir, join(e.parentPath, e.name)).split(sep).join('/'))
        : [];
      // The WebGPU-capable runtime (jsep, 28 MB) is fetched, and then cached, only where a real
      // GPU adapter makes the worker load it; everyone else never downloads it.
      const files = [
        ...Object.keys(bundle).filter(
          (f) => f !== 'sw.js' && !f.endsWith('.map') && !/\.jsep\.|webgpu/.test(f),
        ),
        ...publicFiles,
      ];
      const version = createHash('sha256')
        .update(files.sort().join('\n'))
        .digest('hex')
        .slice(0, 12);
      const sw = bundle['sw.js'];
      if (!sw || sw.type !== 'chunk') throw new Error('service worker chunk missing');
      sw.code = `const PRECACHE = ${JSON.stringify({ version, files })};\n${sw.code}`;
    },
  };
}

/**
 * `--mode lan` (npm run start:lan): https with a self-signed certificate, so phones and a
 * presenter's laptop on the local network get a secure context (model cache, camera). Browsers
 * ask once to accept the certificate.
 */
export default defineConfig(({ mode }) => ({
  plugins: [
    react(),
    serveModels(),
    serviceWorker(),
    precompress(),
    ...(mode === 'lan' ? [basicSsl({ name: 'repopt-lens' })] : []),
  ],
  // Rolldown's [PLUGIN_TIMINGS] note reads as a problem to a newcomer; the slow callbacks it names
  // are known and meant (brotli precompression of the 28 MB .wasm, the worker's own bundle).
  worker: { format: 'es', rollupOptions: { checks: { bundlerTimings: false } } },
  server: {
    port,
    headers: { ...isolationHeaders, 'Content-Security-Policy': contentSecurityPolicy(true) },
  },
  preview: {
    port,
    strictPort: Boolean(process.env['PORT']),
    headers: { ...isolationHeaders, 'Content-Security-Policy': contentSecurityPolicy(false) },
  },
  // LENS_OUT_DIR: the e2e tests build per port, so parallel runs never rebuild each other's files.
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    outDir: process.env['LENS_OUT_DIR'] ?? 'dist',
    rollupOptions: { checks: { bundlerTimings: false } },
  },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
}));
