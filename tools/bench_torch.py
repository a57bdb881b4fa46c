#!/usr/bin/env python3
"""PyTorch CPU side of `npm run bench`: inference time of a RepOpt-VGG config, and the time of
Pillow + torchvision preprocessing of one image. Prints one JSON object.

    /usr/bin/python3 tools/bench_torch.py --arch B1 --runs 10 --threads 2 [--image photo.jpg]

With --serve it builds the model, warms up, prints {"ready": true} and then, for each line N read
from standard input, times N inferences and prints {"ms": [...]} (one line): `npm run bench`
interleaves PyTorch with the page's timed runs this way. It ends at the end of its input.
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
from PIL import Image
import torchvision.transforms as T

sys.path.insert(0, str(Path(__file__).resolve().parent))
from repopt_vgg import KNOWN_ARCHS, RepOptVGG  # noqa: E402
from make_test_model import TINY_BLOCKS, TINY_WIDTHS  # noqa: E402


def stats(samples):
    return {'median': statistics.median(samples), 'min': min(samples), 'max': max(samples), 'runs': len(samples)}


def timed(fn, runs, warmup):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return stats(out)


def serve(model, x, warmup):
    """Timed runs on request: a line N in, {"ms": [N times]} out, until the input ends."""
    with torch.no_grad():
        for _ in range(warmup):
            model(x)
        print(json.dumps({'ready': True, 'torch': torch.__version__}), flush=True)
        for line in sys.stdin:
            n = int(line)
            out = []
            for _ in range(n):
                t0 = time.perf_counter()
                model(x)
                out.append((time.perf_counter() - t0) * 1000)
            print(json.dumps({'ms': out}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--arch', default='tiny', help='tiny, B1, B2, L1 or L2')
    ap.add_argument('--runs', type=int, default=10)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--image', help='also time Pillow decode + torchvision preprocessing of this file')
    ap.add_argument('--serve', action='store_true', help='time N runs per line N read from stdin')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.arch == 'tiny':
        model = RepOptVGG(TINY_BLOCKS, 1000, TINY_WIDTHS)
    else:
        cfg = KNOWN_ARCHS[args.arch]
        model = RepOptVGG(cfg['num_blocks'], 1000, cfg['width_multiplier'])
    model.eval()
    x = torch.randn(1, 3, 224, 224)
    result = {'torch': torch.__version__, 'threads': args.threads}
    if args.serve:
        serve(model, x, args.warmup)
        return
    with torch.no_grad():
        result['inference_ms'] = timed(lambda: model(x), args.runs, args.warmup)
    if args.image:
        tf = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                        T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])

        def prep():
            with Image.open(args.image) as im:
                tf(im.convert('RGB'))
        result['preprocess_ms'] = timed(prep, max(3, args.runs // 2), 1)
    json.dump(result, sys.stdout)
    print()


if __name__ == '__main__':
    main()
