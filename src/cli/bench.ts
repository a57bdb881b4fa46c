/**
 * `bench`: the speed report, measured side by side in one run on one machine. Writes JSON and a
 * Markdown table (docs/benchmarks.md by default in a full run). `--quick` is the CI mode: the tiny
 * model only, few runs, output to a temporary folder: it proves the benchmark works, it asserts
 * nothing about speed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { convertStateDict, KNOWN_ARCHS, type KnownArch } from '../core/convert';
import { seededStateDict } from '../core/convert/seeded';
import { LensError } from '../core/errors';
import { applyFastPath, type FastPathInfo } from '../core/fast';
import { createNodeSession } from '../node/ort-node';
import { fastExactness } from './bench-fast';
import { int8Model } from './bench-int8';
import {
  classifyRepeatedly,
  launch,
  longTasks,
  openApp,
  startApp,
  stats,
  timeToFirstResult,
  localFileToFirstResult,
  type LoadTiming,
  type Stats,
} from './bench-browser';
import { parsePositiveInt } from './args';
import { printJson } from './common';
import { benchMarkdown, loadNote, type BenchReport, type ModelBench } from './bench-report';
import { profileWasm } from './bench-profile';
import { layerTable, withOrtTimes } from './bench-layers';
import { fastPathAtLoad } from '../engine/fast-path';
import { createLensNodeSession } from '../node/lens-node';
import { pagePeakMemory, type MemoryRow } from './bench-memory';
import { t } from './i18n';
import {
  interleave,
  pageTimer,
  quietLog,
  quietNote,
  sessionTimer,
  torchTimer,
  waitQuiet,
  type Timer,
} from './bench-timers';
import type { ClassifyPayload } from '../engine/types';

const ROOT = resolve(import.meta.dirname, '../..');
const PYTHON = process.env['PYTHON'] ?? '/usr/bin/python3';
const TINY = join(ROOT, 'models/repopt-tiny.onnx');
const B1 = join(ROOT, 'models/generated/repopt-b1-seeded.onnx');
const PHOTO = join(ROOT, 'e2e/fixtures/images/chelsea.png');
/** Real photos for the fast path's exactness figures. */
const EXACTNESS_IMAGES = [
  'astronaut.png',
  'chelsea.png',
  'coffee.png',
  'rocket.jpg',
  'china.jpg',
  'portrait-300x500.jpg',
  'odd-257x301.png',
  'grey-320x240.png',
];

function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0;
}

function torchBench(
  arch: string,
  runs: number,
  image?: string,
): { inference_ms: Stats; preprocess_ms?: Stats } | null {
  const args = [
    join(ROOT, 'tools/bench_torch.py'),
    '--arch',
    arch,
    '--runs',
    String(runs),
    '--threads',
    '2',
    ...(image ? ['--image', image] : []),
  ];
  const r = spawnSync(PYTHON, args, { encoding: 'utf8' });
  if (r.status !== 0) return null;
  return JSON.parse(r.stdout) as { inference_ms: Stats; preprocess_ms?: Stats };
}

/** The page's kernel choices, as query parameters. */
const LENS_SIMD128 = '&kernels=lens-simd128';
const ORT_KERNELS = '&kernels=onnxruntime';

/** The page's address of a file under the project (the preview server serves the root). */
const pageUrl = (file: string) => `/${relative(ROOT, file).split('\\').join('/')}`;

/** A full-size B1 with seeded weights, generated once (never committed). */
function ensureB1(): string {
  return ensureSeeded('B1', false);
}

/** A seeded full-size model made once with the project's converter (models/generated/). */
function ensureSeeded(arch: KnownArch, fp16: boolean): string {
  const file = join(
    ROOT,
    'models/generated',
    `repopt-${arch.toLowerCase()}-seeded${fp16 ? '.fp16' : ''}.onnx`,
  );
  if (existsSync(file)) return file;
  console.error(
    t('cli.bench.seeding', { model: fp16 ? t('cli.bench.fp16Weights', { arch }) : arch }),
  );
  const { blocks, widths } = KNOWN_ARCHS[arch];
  const { onnx } = convertStateDict(seededStateDict(blocks, widths, 1000, 0), { fp16 });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, onnx);
  return file;
}

/**
 * The fast path's model written next to the original (models/generated/, git-ignored), so the page
 * can be timed on it before and after the engine applies the rewrite itself.
 */
function fastModel(file: string): { bytes: Uint8Array; path: string; info: FastPathInfo } {
  const { bytes, info } = applyFastPath(new Uint8Array(readFileSync(file)), {
    enabled: true,
    backend: 'wasm',
    embed: true,
  });
  const path = join(ROOT, 'models/generated', basename(file).replace(/\.onnx$/, '.winograd.onnx'));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return { bytes, path, info };
}

function modelGmacs(file: string): number {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'models/models.json'), 'utf8')) as {
    models: { file: string; gmacs: number | null }[];
  };
  const entry = manifest.models.find((m) => join(ROOT, 'models', m.file) === file);
  if (entry?.gmacs) return entry.gmacs;
  return file === B1 ? 11.815 : NaN;
}

function finish(
  m: Omit<
    ModelBench,
    | 'node2_ms'
    | 'node2_fast_ms'
    | 'wasm2_ms'
    | 'wasm2_stock_ms'
    | 'wasm2_fast_file_ms'
    | 'node2_int8_ms'
    | 'wasm2_int8_ms'
    | 'wasm2_ort_ms'
    | 'torch_ms'
    | 'wasm2_over_node2'
    | 'gflops_node2'
    | 'gflops_wasm2'
  >,
): ModelBench {
  const node2 = m.node2?.median ?? null;
  const wasm2 = m.wasm2?.median ?? null;
  const gflops = (ms: number | null) => (ms ? (2 * m.gmacs) / (ms / 1000) : null);
  return {
    ...m,
    node2_ms: node2,
    node2_fast_ms: m.node2_fast?.median ?? null,
    wasm2_ms: wasm2,
    wasm2_stock_ms: m.wasm2_stock?.median ?? null,
    wasm2_fast_file_ms: m.wasm2_fast_file?.median ?? null,
    node2_int8_ms: m.node2_int8?.median ?? null,
    wasm2_int8_ms: m.wasm2_int8?.median ?? null,
    wasm2_ort_ms: m.wasm2_ort?.median ?? null,
    torch_ms: m.torch2?.median ?? null,
    wasm2_over_node2: node2 && wasm2 ? wasm2 / node2 : null,
    gflops_node2: gflops(node2),
    gflops_wasm2: gflops(wasm2),
  };
}

function machine(): BenchReport['machine'] {
  const chromium =
    spawnSync(process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', ['--version'], {
      encoding: 'utf8',
    }).stdout?.trim() || 'not found';
  const ort = (
    JSON.parse(readFileSync(join(ROOT, 'node_modules/onnxruntime-web/package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  const osRelease = existsSync('/etc/os-release')
    ? (/PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? release())
    : release();
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: osRelease,
    node: process.version,
    chromium,
    onnxruntime: ort,
  };
}

export async function benchCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      runs: { type: 'string' },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const quick = values.quick;
  const runs = Math.max(
    quick ? 3 : 10,
    values.runs === undefined ? 0 : parsePositiveInt('--runs', values.runs),
  );
  const notes: string[] = [];
  const log = (s: string) => console.error(s);
  const loadAtStart = loadavg()[0]!;
  const quiet = quietLog();
  const haveTorch = torchAvailable();
  if (!haveTorch) notes.push('PyTorch skipped: /usr/bin/python3 cannot import torch.');
  const b1File = quick ? null : values.model ? resolve(values.model) : ensureB1();
  if (quick)
    notes.push(
      'Quick mode (CI): tiny model only, 3 runs; figures prove the benchmark runs, not the speed.',
    );

  const app = await startApp();
  const report: BenchReport = {
    date: new Date().toISOString(),
    quick,
    machine: machine(),
    tiny: null as unknown as ModelBench,
    b1: null,
    preprocess12mp: null,
    load: null,
    longTasks: null,
    profile: null,
    memory: null,
    notes,
  };
  try {
    const models: [string, string][] = [
      [TINY, 'tiny'],
      ...(b1File ? ([[b1File, 'B1']] as [string, string][]) : []),
    ];
    /** B1's int8 file, made with its timings, for the memory table. */
    let b1Int8: string | null = null;
    for (const [file, arch] of models) {
      const url = pageUrl(file);
      if (!url.startsWith('/models/'))
        throw new LensError('bad-dataset', t('cli.bench.modelOutside', { file }));
      log(t('cli.bench.winograd', { arch }));
      const fast = fastModel(file);
      const fastUrl = pageUrl(fast.path);
      log(t('cli.bench.int8', { arch, count: EXACTNESS_IMAGES.length }));
      const int8 = await int8Model(
        file,
        join(ROOT, 'models/generated'),
        EXACTNESS_IMAGES.map((n) => join(ROOT, 'e2e/fixtures/images', n)),
      );
      const int8Url = pageUrl(int8.path);
      if (arch === 'B1') b1Int8 = int8.path;
      // Everything timed on this model, in two interleaved sets (blocks A B C ... A B C): the
      // 1-thread runtimes, then the 2-thread ones with PyTorch; so every ratio in the report is
      // between figures measured in the same minutes.
      const stock = new Uint8Array(readFileSync(file));
      const bound = async (bytes: Uint8Array, threads: number) => {
        const session = await createNodeSession(bytes, threads);
        session.bind(session.inputs[0]!.name, session.outputs[0]!.name);
        return session;
      };
      const timed: Record<string, Stats> = {};
      let runner = '';
      const threadCheck = (payloads: ClassifyPayload[]) => {
        if (payloads[0]!.threads !== 2)
          notes.push(`${arch}: asked for 2 WASM threads, the app ran ${payloads[0]!.threads}.`);
      };
      // The page's query for each file this model is timed as.
      const pageQuery = {
        file: `model=${encodeURIComponent(url)}`,
        fastFile: `model=${encodeURIComponent(fastUrl)}`,
        int8: `model=${encodeURIComponent(int8Url)}`,
      };
      const browser = await launch(false);
      const timers: Timer[] = [];
      try {
        log(t('cli.bench.wasm1', { arch }));
        timers.push(sessionTimer('node1', await bound(stock, 1)));
        for (const [k, q] of [
          ['1', pageQuery.file],
          ['1simd128', `${pageQuery.file}${LENS_SIMD128}`],
          ['1ort', `${pageQuery.file}${ORT_KERNELS}`],
          ['1int8', pageQuery.int8],
          ['1int8simd128', `${pageQuery.int8}${LENS_SIMD128}`],
        ] as const) {
          const query = `${q}&backend=wasm&threads=1`;
          timers.push(pageTimer(k, await openApp(browser, app.url, query), PHOTO));
        }
        await interleave(timers.splice(0), timed, runs, quiet);
        // 2 threads: onnxruntime-node (the file, the rewritten file, int8), PyTorch, and the
        // page: its default, its SIMD128 build, ?fast=0, onnxruntime-web's kernels, the
        // rewritten file and int8 (the lens kernels' two builds, onnxruntime-web's).
        log(t('cli.bench.wasm2', { arch }));
        timers.push(
          sessionTimer('node2', await bound(stock, 2)),
          sessionTimer('node2fast', await bound(fast.bytes, 2)),
          sessionTimer('node2int8', await bound(int8.bytes, 2)),
        );
        const torch =
          haveTorch && (arch === 'tiny' || !values.model)
            ? await torchTimer(PYTHON, join(ROOT, 'tools/bench_torch.py'), arch, 2)
            : null;
        if (torch) timers.push(torch);
        const variants = [
          ['default', pageQuery.file],
          ['simd128', `${pageQuery.file}${LENS_SIMD128}`],
          ['stock', `${pageQuery.file}&fast=0`],
          ['ort', `${pageQuery.file}${ORT_KERNELS}`],
          ['fastFile', pageQuery.fastFile],
          ['int8', pageQuery.int8],
          ['int8simd128', `${pageQuery.int8}${LENS_SIMD128}`],
          ['ortInt8', `${pageQuery.int8}${ORT_KERNELS}`],
        ] as const;
        for (const [k, q] of variants) {
          const opened = await openApp(browser, app.url, `${q}&backend=wasm&threads=2`);
          if (k === 'default') runner = opened.ready.runner;
          timers.push(pageTimer(k, opened, PHOTO, threadCheck));
        }
        await interleave(timers.splice(0), timed, runs, quiet);
      } finally {
        for (const timer of timers) await timer.close().catch(() => undefined);
        await browser.close();
      }
      const wasm = timed;
      const node1 = timed['node1']!;
      const node = { stock: timed['node2'], fast: timed['node2fast'], int8: timed['node2int8'] };
      const torch2 = timed['torch'] ?? null;
      let webgpu: Stats | null = null;
      const gpuBrowser = await launch(true);
      try {
        const { page, ready, close } = await openApp(
          gpuBrowser,
          app.url,
          `${pageQuery.file}&backend=webgpu`,
        );
        if (ready.backend !== 'webgpu')
          notes.push(`WebGPU: no adapter in this chromium (${ready.text.trim()}).`);
        else if (arch !== 'tiny' && /swiftshader|fallback/i.test(ready.text)) {
          notes.push(
            `WebGPU on ${arch} skipped: the only adapter is a software fallback (SwiftShader), about 100x slower than WASM.`,
          );
        } else {
          log(t('cli.bench.webgpu', { arch }));
          webgpu = stats(
            (
              await classifyRepeatedly(page, PHOTO, arch === 'tiny' ? runs : Math.min(runs, 3), 1)
            ).map((p) => p.timings.inferenceMs),
          );
          if (/swiftshader|fallback/i.test(ready.text))
            notes.push(
              `WebGPU figures are SwiftShader's software adapter (no GPU here): ${ready.text.trim()}`,
            );
        }
        await close();
      } finally {
        await gpuBrowser.close();
      }
      const entry = finish({
        file: relative(ROOT, file),
        gmacs: modelGmacs(file),
        node1,
        node2: node['stock'] ?? null,
        node2_fast: node['fast'] ?? null,
        wasm1: wasm['1'] ?? null,
        wasm2: wasm['default'] ?? null,
        wasm2_runner: runner,
        wasm2_stock: wasm['stock'] ?? null,
        wasm1_ort: wasm['1ort'] ?? null,
        wasm2_ort: wasm['ort'] ?? null,
        wasm2_simd128: wasm['simd128'] ?? null,
        wasm1_simd128: wasm['1simd128'] ?? null,
        wasm1_int8: wasm['1int8'] ?? null,
        wasm1_int8_simd128: wasm['1int8simd128'] ?? null,
        wasm2_int8_simd128: wasm['int8simd128'] ?? null,
        wasm2_ort_int8: wasm['ortInt8'] ?? null,
        wasm2_fast_file: wasm['fastFile'] ?? null,
        node2_int8: node['int8'] ?? null,
        wasm2_int8: wasm['int8'] ?? null,
        int8: int8.summary,
        webgpu,
        torch2,
        fast: fast.info,
        fast_exactness: await fastExactness(
          new Uint8Array(readFileSync(file)),
          fast.bytes,
          join(ROOT, 'e2e/fixtures/images'),
          EXACTNESS_IMAGES,
        ),
      });
      if (arch === 'tiny') report.tiny = entry;
      else report.b1 = entry;
    }

    const profiled = b1File ?? TINY;
    log(t('cli.bench.profile', { model: basename(profiled) }));
    try {
      report.profile = { model: basename(profiled), ...profileWasm(profiled, quick ? 2 : 5) };
    } catch (e) {
      notes.push(`Per-operator profile of ${basename(profiled)}: ${(e as Error).message}`);
    }
    // The lens kernels layer by layer, as the page runs them (2 threads, the fast path's
    // per-layer rule), beside onnxruntime-web's time for each Conv node of the file (2 threads).
    {
      const bytes = new Uint8Array(readFileSync(profiled));
      const tiles = fastPathAtLoad(bytes, { enabled: true, now: () => performance.now() }).plan(
        bytes,
      );
      const load = await createLensNodeSession(bytes, { threads: 2, tiles });
      if (load.claimed) {
        const table = layerTable(load.model, quick ? 2 : 5);
        const { profile } = report;
        report.layers = profile
          ? withOrtTimes(table, new Map(Object.entries(profile.directNodes)), profile.threads)
          : table;
        await load.session.dispose();
      } else notes.push(`Lens kernels per layer: the kernels declined ${basename(profiled)}.`);
    }

    // A 12-megapixel JPEG made from a fixture photo.
    log(t('cli.bench.bigPhoto'));
    const big = join(mkdtempSync(join(tmpdir(), 'lens-12mp-')), 'photo-4000x3000.jpg');
    await sharp(join(ROOT, 'e2e/fixtures/images/astronaut.png'))
      .resize(4000, 3000, { fit: 'fill' })
      .jpeg({ quality: 90 })
      .toFile(big);
    const browser = await launch(false);
    try {
      const prepRuns = quick ? 2 : Math.max(5, Math.ceil(runs / 2));
      const { page, close } = await openApp(
        browser,
        app.url,
        'model=repopt-tiny-seeded&backend=wasm',
      );
      const payloads = await classifyRepeatedly(page, big, prepRuns, 1);
      await close();
      const { decodeBytes } = await import('../node/decode-node');
      const { preprocess, PRESETS } = await import('../core/preprocess/preprocess');
      const nodeTimes: number[] = [];
      for (let i = 0; i < prepRuns + 1; i++) {
        const t0 = performance.now();
        preprocess(
          (await decodeBytes(new Uint8Array(readFileSync(big)), 'ignore')).image,
          PRESETS['torchvision-256-224'],
        );
        if (i > 0) nodeTimes.push(performance.now() - t0);
      }
      report.preprocess12mp = {
        file: 'astronaut.png resized to 4000x3000, JPEG q90',
        megapixels: 12,
        worker: stats(payloads.map((p) => p.timings.decodeMs + p.timings.preprocessMs)),
        workerDecode: stats(payloads.map((p) => p.timings.decodeMs)),
        workerPreprocess: stats(payloads.map((p) => p.timings.preprocessMs)),
        node: stats(nodeTimes),
        pillowTorchvision: haveTorch
          ? (torchBench('tiny', prepRuns * 2, big)?.preprocess_ms ?? null)
          : null,
      };

      log(t('cli.bench.load'));
      const loadModel = b1File ? pageUrl(b1File) : '/models/repopt-tiny.onnx';
      const context = await browser.newContext();
      const loadPage = await context.newPage();
      const query = `model=${encodeURIComponent(loadModel)}&backend=wasm`;
      await waitQuiet(quiet);
      const cold = await timeToFirstResult(loadPage, app.url, query, PHOTO);
      // The page's default against the fast path made before the first answer, interleaved.
      const warmRuns: LoadTiming[] = [];
      const firstRuns: LoadTiming[] = [];
      for (let i = 0; i < (quick ? 1 : 3); i++) {
        await waitQuiet(quiet);
        warmRuns.push(await timeToFirstResult(loadPage, app.url, query, PHOTO));
        if (quick) continue;
        await waitQuiet(quiet);
        firstRuns.push(await timeToFirstResult(loadPage, app.url, `${query}&fastbg=100000`, PHOTO));
      }
      const median = (runs: LoadTiming[]) =>
        runs.sort((a, b) => a.totalMs - b.totalMs)[runs.length >> 1];
      const warm = median(warmRuns)!;
      const warmFastFirst = median(firstRuns);
      await context.close();
      const localContext = await browser.newContext();
      await waitQuiet(quiet);
      const localFile = await localFileToFirstResult(
        await localContext.newPage(),
        app.url,
        b1File ?? TINY,
        PHOTO,
      );
      await localContext.close();
      report.load = {
        model: loadModel,
        coldMs: cold.totalMs,
        warmMs: warm.totalMs,
        breakdown: { cold, warm, ...(warmFastFirst ? { warmFastFirst } : {}), localFile },
      };
      notes.push(
        "Cold: a fresh browser profile downloads the model. Warm: a reload, the model read from the page's Cache Storage after a HEAD check. Local file: the page open with its default model, then the B1 file chosen in the file input. All include session creation and one warm-up run. A model from 32 MB (B1) answers first with its convolutions as they are while the Winograd path is prepared in the background ('after' in the rewrite column, its time in parentheses); the last column is when that path took over, from the start. 'Warm, fast path first' is the same reload with ?fastbg=100000 (the fast path made before the first answer), interleaved with the warm runs. The sha256 is computed after the first result. 'page, worker, model read' is what the page measured to ready less the model's own load and warm-up figures.",
      );

      notes.push(loadNote(loadAtStart, loadavg()[0]!, cpus().length));
      notes.push(quietNote(quiet));
      if (!quick) {
        log(t('cli.bench.memory'));
        const rows: MemoryRow[] = [];
        for (const [arch, fp16] of [
          ['B1', false],
          ['B1', true],
          ['L2', false],
        ] as const) {
          const file = ensureSeeded(arch, fp16);
          const url = pageUrl(file);
          for (const fast of [true, false])
            rows.push(await pagePeakMemory(browser, app.url, file, url, fast, PHOTO));
        }
        // B1's int8 file (made above for the timings): its integer Winograd weights' memory.
        if (b1Int8)
          rows.push(await pagePeakMemory(browser, app.url, b1Int8, pageUrl(b1Int8), true, PHOTO));
        report.memory = rows;
      }

      log(t('cli.bench.longTasks'));
      const lt = await openApp(
        browser,
        app.url,
        `model=${encodeURIComponent(loadModel)}&backend=wasm`,
      );
      const images = [
        'chelsea.png',
        'coffee.png',
        'astronaut.png',
        'rocket.jpg',
        'china.jpg',
        'odd-257x301.png',
        'portrait-300x500.jpg',
        'grey-320x240.png',
        'rgba-300x200.png',
        'wide-600x100.png',
      ];
      // The files are built first: decoding base64 on the main thread is the harness's work, not the app's.
      await lt.page.evaluate(
        (list) => {
          (window as unknown as { __benchFiles: File[] }).__benchFiles = list.map(
            (f) => new File([Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0))], f.name),
          );
        },
        images.map((name) => ({
          name,
          data: readFileSync(join(ROOT, 'e2e/fixtures/images', name)).toString('base64'),
        })),
      );
      await lt.page.waitForTimeout(200);
      const before = (await longTasks(lt.page)).length;
      await lt.page.evaluate(() =>
        window.__lens!.classifyFiles((window as unknown as { __benchFiles: File[] }).__benchFiles),
      );
      const tasks = (await longTasks(lt.page)).slice(before);
      report.longTasks = {
        images: images.length,
        count: tasks.length,
        maxMs: tasks.length ? Math.max(...tasks) : 0,
      };
      await lt.close();
    } finally {
      await browser.close();
    }
  } finally {
    await app.close();
  }

  const out =
    values.out ??
    (quick
      ? join(mkdtempSync(join(tmpdir(), 'lens-bench-')), 'benchmarks.md')
      : join(ROOT, 'docs/benchmarks.md'));
  // A new folder is made, not refused after half an hour of measuring.
  mkdirSync(dirname(resolve(out)), { recursive: true });
  writeFileSync(out, benchMarkdown(report));
  writeFileSync(out.replace(/\.md$/, '.json'), JSON.stringify(report, null, 2) + '\n');
  log(t('cli.bench.wrote', { out, json: out.replace(/\.md$/, '.json') }));
  if (values.json) printJson(report);
  else process.stdout.write(benchMarkdown(report));
  return 0;
}
