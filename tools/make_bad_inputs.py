#!/usr/bin/python3
"""The image rows of the bad-input matrix: e2e/fixtures/bad/* and e2e/fixtures/bad/references.json.

Every file is generated deterministically (fixed seeds, no timestamps) from the committed fixture
photos in e2e/fixtures/images or from noise, and kept small (the folder stays under 500 KB; the
50-megapixel photo is made at test time, never committed).  For each file the references record
what Pillow 9.4 makes of it, the way torchvision's default loader opens images:

- files Pillow reads: `Image.open(f).convert('RGB')`'s size and decoded sha256, and through the
  torchvision transforms (tools/preprocess.py, default preset) the crop sha256 and the tiny model's
  top-5 (the model rebuilt with make_test_model.build_tiny_model() and first checked against the
  committed models/repopt-tiny.onnx, as make_references.py does).  Where the app deliberately
  shows something else (EXIF orientation applied; a browser's CMYK conversion), that variant is
  recorded too, computed here with Pillow from the same pixels.
- files Pillow refuses: its error message, for the record (the app's own messages are asserted in
  the tests).

Usage: /usr/bin/python3 tools/make_bad_inputs.py [--check]   (--check: verify, write nothing)
"""

from __future__ import annotations

import argparse
import io
import json
import re
import struct
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import PIL  # noqa: E402
import torch  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

from export_onnx import file_sha256, onnx_weight_diff  # noqa: E402
from make_test_model import ONNX_PATH, SEED, build_tiny_model  # noqa: E402
from preprocess import DEFAULT_PRESET, IMG_DIR, pil_sha256, preprocess  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / 'e2e' / 'fixtures' / 'bad'
REFS = OUT_DIR / 'references.json'
MAX_FOLDER_BYTES = 500 * 1024
# Consecutive top-6 probabilities closer than this could swap places under the tests' 1e-4
# tolerance; the generator reports them so the fixture can be changed.
MIN_GAP = 2e-4


def photo(name: str, box, size) -> Image.Image:
    """A crop of a committed fixture photo, resized (Lanczos) to `size`, as plain RGB."""
    src = Image.open(IMG_DIR / name).convert('RGB')
    return src.crop(box).resize(size, Image.Resampling.LANCZOS)


def png_bytes(img: Image.Image) -> bytes:
    """PNG without ancillary chunks (no ICC, no gamma): nothing for a browser to convert."""
    img = img.copy()
    img.info.clear()
    b = io.BytesIO()
    img.save(b, format='PNG', optimize=True)
    return b.getvalue()


def jpeg_bytes(img: Image.Image, **kw) -> bytes:
    b = io.BytesIO()
    img.save(b, format='JPEG', quality=kw.pop('quality', 90), **kw)
    return b.getvalue()


def raw_png(width: int, height: int, bit_depth: int, color_type: int, rows: np.ndarray) -> bytes:
    """A PNG written by hand (Pillow cannot write 16-bit RGB or grey+alpha): filter 0 rows."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    body = rows.astype('>u2' if bit_depth == 16 else 'u1').reshape(height, -1).tobytes()
    stride = len(body) // height
    filtered = b''.join(b'\0' + body[y * stride:(y + 1) * stride] for y in range(height))
    ihdr = struct.pack('>IIBBBBB', width, height, bit_depth, color_type, 0, 0, 0)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(filtered, 9))
            + chunk(b'IEND', b''))


# ------------------------------------------------------------------------------------ the files

def make_files() -> dict:
    """name -> (bytes, what it is). Insertion order is the matrix order."""
    files = {}
    rng = np.random.RandomState(6)
    cat = photo('chelsea.png', (80, 40, 400, 280), (160, 120))
    coffee = photo('coffee.png', (60, 0, 560, 400), (150, 120))
    rocket = photo('rocket.jpg', (120, 60, 520, 360), (160, 120))
    astro = photo('astronaut.png', (100, 0, 400, 400), (96, 128))

    files['empty.jpg'] = (b'', 'zero-byte file named .jpg')
    files['text.jpg'] = (b'Not a photo: a plain text file that was given a .jpg name.\n',
                         'a text file named .jpg')
    full = jpeg_bytes(rocket)
    files['truncated.jpg'] = (full[:len(full) * 3 // 5], 'the first 60% of a JPEG')
    full = png_bytes(cat)
    files['truncated.png'] = (full[:len(full) // 2], 'the first half of a PNG')
    files['png-named.jpg'] = (png_bytes(coffee), 'a valid PNG named .jpg')
    files['jpeg-named.png'] = (jpeg_bytes(astro), 'a valid JPEG named .png')
    files['pixel-1x1.png'] = (png_bytes(Image.new('RGB', (1, 1), (90, 160, 70))), '1 x 1 pixel')
    strip = np.asarray(photo('coffee.png', (290, 0, 291, 400), (1, 400)))
    files['strip-1x10000.png'] = (
        png_bytes(Image.fromarray(np.repeat(strip, 25, axis=0), 'RGB')), '1 x 10000 pixel strip')
    row = np.asarray(photo('rocket.jpg', (0, 200, 640, 201), (400, 1)))
    files['strip-10000x1.png'] = (
        png_bytes(Image.fromarray(np.repeat(row, 25, axis=1), 'RGB')), '10000 x 1 pixel strip')
    files['grey-8bit.png'] = (png_bytes(coffee.convert('L')), 'greyscale, 8-bit (mode L)')
    # 16-bit grey opens as mode 'I'; convert('RGB') clamps every value above 255 to white, so
    # the values here span 0..511: half the image keeps detail, half is clamped.
    grey16 = (np.asarray(cat.convert('L'), dtype=np.uint16) * 2 + rng.randint(0, 2, (120, 160)))
    files['grey-16bit.png'] = (raw_png(160, 120, 16, 0, grey16), 'greyscale, 16-bit (Pillow mode I)')
    pal = rocket.quantize(colors=48, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    b = io.BytesIO()
    pal.save(b, format='PNG', transparency=5, optimize=False)
    files['palette-trns.png'] = (b.getvalue(), 'palette (mode P) with a transparent index (tRNS)')
    rgb = np.asarray(astro)
    alpha = np.tile(np.linspace(0, 255, 96).round().astype(np.uint8), (128, 1))
    alpha[:30, :30] = 0
    files['rgba.png'] = (png_bytes(Image.fromarray(np.dstack([rgb, alpha]), 'RGBA')),
                         'RGBA with translucent and fully transparent pixels')
    # Low bytes that are not a copy of the high byte (Pillow keeps only the high byte), in a
    # pattern that compresses.
    yy, xx = np.mgrid[0:120, 0:160]
    low = ((xx * 7 + yy * 13) % 256).astype(np.uint16)
    rgb16 = np.asarray(cat, dtype=np.uint16) * 256 + low[..., None]
    files['rgb-16bit.png'] = (raw_png(160, 120, 16, 2, rgb16), 'RGB, 16 bits per channel')
    la16 = np.dstack([np.asarray(coffee.convert('L'), dtype=np.uint16) * 257,
                      np.full((120, 150), 40000, dtype=np.uint16)])
    files['grey-alpha-16bit.png'] = (raw_png(150, 120, 16, 4, la16),
                                     'greyscale + alpha, 16-bit (Pillow mode RGBA)')
    # CMYK with real black ink (a conversion from RGB has K = 0 everywhere, which hides the
    # difference between conversions): K from the darkness, C/M/Y from the remaining colour.
    a = np.asarray(cat, dtype=np.float64) / 255
    k = 1 - a.max(axis=2)
    cmy = (1 - a - k[..., None]) / np.maximum(1 - k[..., None], 1e-6)
    cmyk = np.dstack([cmy, k]) * 255
    cmyk = np.clip(np.rint(cmyk + rng.normal(0, 6, cmyk.shape)), 0, 255).astype(np.uint8)
    files['cmyk.jpg'] = (jpeg_bytes(Image.fromarray(cmyk, 'CMYK'), quality=92), 'CMYK JPEG (Adobe, inverted)')
    frames = [rocket.quantize(colors=64, dither=Image.Dither.NONE),
              rocket.transpose(Image.Transpose.FLIP_LEFT_RIGHT).quantize(colors=64, dither=Image.Dither.NONE)]
    # Index 3 is transparent: Pillow keeps its palette colour, browsers and libvips give black.
    b = io.BytesIO()
    frames[0].save(b, format='GIF', save_all=True, append_images=frames[1:], duration=200, loop=0,
                   transparency=3, optimize=False)
    files['animated.gif'] = (b.getvalue(), 'animated GIF, 2 frames, with a transparent index')
    files['drawing.svg'] = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="64" '
        b'height="64"><circle cx="32" cy="32" r="24" fill="#c33"/></svg>\n', 'SVG drawing')
    # The start of a HEIC file (ftyp box, brand heic); no decoder here reads HEIC at all.
    heic = struct.pack('>I', 24) + b'ftypheic' + struct.pack('>I', 0) + b'mif1heic'
    heic += struct.pack('>I', 16) + b'meta' + bytes(8)
    files['photo.heic'] = (heic, 'HEIC (iPhone) image header')
    small = cat.resize((64, 48), Image.Resampling.LANCZOS)
    for o in range(2, 9):
        ex = Image.Exif()
        ex[0x0112] = o
        files[f'exif-orientation-{o}.jpg'] = (jpeg_bytes(small, exif=ex.tobytes()),
                                              f'JPEG with EXIF orientation {o}')
    return files


# ------------------------------------------------------------------------------------ references

def open_rgb(data: bytes, transpose: bool = False) -> Image.Image:
    with Image.open(io.BytesIO(data)) as im:
        if transpose:
            im = ImageOps.exif_transpose(im)
        return im.convert('RGB')


def browser_cmyk_rgb(data: bytes) -> Image.Image:
    """Chromium's CMYK JPEG conversion (Blink's JPEGImageDecoder): with inverted (Adobe) samples
    iX = 255 - X, R = iC * iK / 255 rounded down, where Pillow rounds to nearest."""
    with Image.open(io.BytesIO(data)) as im:
        assert im.mode == 'CMYK'
        inv = 255 - np.asarray(im, dtype=np.uint32)
    rgb = inv[..., :3] * inv[..., 3:4] // 255
    return Image.fromarray(rgb.astype(np.uint8), 'RGB')


def classify_record(img: Image.Image, model) -> dict:
    r = preprocess(img, DEFAULT_PRESET)
    with torch.no_grad():
        logits = model(r['tensor'].unsqueeze(0))[0].numpy().astype(np.float32)
    p = torch.softmax(torch.from_numpy(logits.astype(np.float64)), dim=0).numpy()
    order = np.argsort(-p, kind='stable')[:6]
    gap = float(np.min(p[order[:-1]] - p[order[1:]]))
    return {
        'width': img.width,
        'height': img.height,
        'decoded_sha256': pil_sha256(img),
        'resized_width': r['resized'].width,
        'resized_height': r['resized'].height,
        'crop_sha256': pil_sha256(r['cropped']),
        'top5': [{'index': int(i), 'probability': float(p[i])} for i in order[:5]],
        'min_top6_gap': gap,
    }


def build_references(files: dict, model) -> dict:
    out = {}
    for name, (data, what) in files.items():
        rec = {'what': what, 'bytes': len(data)}
        try:
            with Image.open(io.BytesIO(data)) as im:
                rec['pillow_mode'] = im.mode
                exif = im.getexif().get(0x0112)
            img = open_rgb(data)
        except Exception as e:  # noqa: BLE001 - recording what Pillow says is the point
            # Without the object address Pillow puts in "cannot identify image file <...>".
            rec['pillow_error'] = re.sub(r' <[^>]*>$', '', f'{type(e).__name__}: {e}')
            out[name] = rec
            continue
        rec['pillow'] = classify_record(img, model)
        if exif not in (None, 1):
            rec['exif_orientation'] = int(exif)
            rec['transposed'] = classify_record(open_rgb(data, transpose=True), model)
        if rec['pillow_mode'] == 'CMYK':
            rec['browser'] = classify_record(browser_cmyk_rgb(data), model)
        out[name] = rec
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--check', action='store_true', help='verify the committed files, write nothing')
    args = ap.parse_args()
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    model = build_tiny_model(SEED)
    diff = onnx_weight_diff(model, ONNX_PATH)
    if diff > 1e-5:
        print('error: the re-created tiny model does not match models/repopt-tiny.onnx', file=sys.stderr)
        return 1
    files = make_files()
    total = sum(len(d) for d, _ in files.values())
    if total > MAX_FOLDER_BYTES:
        print(f'error: the fixtures take {total} bytes, over {MAX_FOLDER_BYTES}', file=sys.stderr)
        return 1
    refs = {
        'generator': 'tools/make_bad_inputs.py',
        'pillow': PIL.__version__,
        'torch': torch.__version__,
        'model': {'file': 'models/repopt-tiny.onnx', 'preset': DEFAULT_PRESET, 'sha256': file_sha256(ONNX_PATH)},
        'files': build_references(files, model),
    }
    text = json.dumps(refs, indent=1) + '\n'
    if args.check:
        stale = [n for n, (d, _) in files.items() if not (OUT_DIR / n).is_file() or (OUT_DIR / n).read_bytes() != d]
        if stale or not REFS.is_file() or REFS.read_text() != text:
            print(f'error: e2e/fixtures/bad is stale ({", ".join(stale) or "references.json"}); '
                  'run tools/make_bad_inputs.py', file=sys.stderr)
            return 1
        print(f'e2e/fixtures/bad is up to date ({len(files)} files, {total} bytes)')
        return 0
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, (data, _) in files.items():
        (OUT_DIR / name).write_bytes(data)
    REFS.write_text(text)
    for name, rec in refs['files'].items():
        ref = rec.get('pillow')
        status = rec.get('pillow_error') or (
            f"{ref['width']}x{ref['height']} top1 {ref['top5'][0]['index']} gap {ref['min_top6_gap']:.2e}"
            + ('  <-- close top-6 probabilities' if ref['min_top6_gap'] < MIN_GAP else ''))
        print(f'{name:24s} {rec["bytes"]:7d}  {status}')
    print(f'wrote {len(files)} files ({total} bytes) and {REFS.relative_to(ROOT)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
