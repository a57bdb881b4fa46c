#!/usr/bin/python3
"""Build the e2e image fixtures: e2e/fixtures/images/ and e2e/fixtures/ATTRIBUTION.md.

Five free-licence photos are copied byte for byte (never re-encoded) from the
data that ships in Debian's python3-skimage and python3-sklearn packages; the
edge-case images are generated deterministically (fixed seeds) from those
photos or from noise.  Two deliberately broken files are added for error tests.

The photos are looked up, in order, in the folders given with --source-root,
in /usr/lib/python3/dist-packages (if the packages are installed) and in
/tmp/repopt-photos/root/usr/lib/python3/dist-packages.  With --fetch the two
.deb files are downloaded with `apt-get download` (no install) and unpacked
into /tmp/repopt-photos/root.  When a photo is not found but is already in
e2e/fixtures/images, the existing copy is kept, so the generated edge cases can
be rebuilt from a plain checkout.

Usage: /usr/bin/python3 tools/make_fixtures.py [--fetch] [--source-root DIR]...
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / 'e2e' / 'fixtures'
IMG_DIR = OUT_DIR / 'images'
FETCH_DIR = Path('/tmp/repopt-photos')

# name -> (path below dist-packages, Debian package, attribution text)
PHOTOS = {
    'chelsea.png': (
        'skimage/data/chelsea.png', 'python3-skimage',
        'Chelsea the cat. Photo by Stefan van der Walt, CC0 ("No copyright restrictions. CC0 by the '
        'photographer"), as distributed with scikit-image (skimage/data/chelsea.png).'),
    'coffee.png': (
        'skimage/data/coffee.png', 'python3-skimage',
        'Coffee cup, courtesy of Pikolo Espresso Bar. Photo by Rachel Michetti, CC0 ("No copyright '
        'restrictions. CC0 by the photographer"), as distributed with scikit-image (skimage/data/coffee.png).'),
    'astronaut.png': (
        'skimage/data/astronaut.png', 'python3-skimage',
        'Astronaut Eileen Collins. NASA, from the NASA Great Images database (https://flic.kr/p/r9qvLn); '
        'no known copyright restrictions, released into the public domain. As distributed with scikit-image '
        '(skimage/data/astronaut.png).'),
    'rocket.jpg': (
        'skimage/data/rocket.jpg', 'python3-skimage',
        'Launch of DSCOVR on Falcon 9. Photo by SpaceX '
        '(https://www.flickr.com/photos/spacexphotos/16511594820/), released into the public domain (CC0). '
        'As distributed with scikit-image (skimage/data/rocket.jpg).'),
    'china.jpg': (
        'sklearn/datasets/images/china.jpg', 'python3-sklearn',
        'Photo "china.jpg" by danielbuechele (https://www.flickr.com/photos/danielbuechele/6061409035/), '
        'licensed under CC BY 2.0 (https://creativecommons.org/licenses/by/2.0/), "Some rights reserved by '
        'danielbuechele"; retrieved 21 August 2011 by Robert Layton, as distributed with scikit-learn '
        '(sklearn/datasets/images/china.jpg). Unmodified.'),
}

DEFAULT_ROOTS = [Path('/usr/lib/python3/dist-packages'), FETCH_DIR / 'root' / 'usr/lib/python3/dist-packages']


def icc_description(icc: bytes) -> str:
    try:
        import io
        from PIL import ImageCms
        return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip()
    except Exception:
        return f'{len(icc)} bytes'


def sha256_file(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def fetch_debs() -> None:
    """Download (not install) the two Debian packages and unpack them under FETCH_DIR/root."""
    FETCH_DIR.mkdir(parents=True, exist_ok=True)
    for pkg in sorted({v[1] for v in PHOTOS.values()}):
        subprocess.run(['apt-get', 'download', pkg], cwd=FETCH_DIR, check=True)
    for deb in sorted(FETCH_DIR.glob('*.deb')):
        subprocess.run(['dpkg', '-x', str(deb), str(FETCH_DIR / 'root')], check=True)


def copy_photos(roots) -> dict:
    info = {}
    for name, (rel, pkg, _) in PHOTOS.items():
        dst = IMG_DIR / name
        src = next((r / rel for r in roots if (r / rel).is_file()), None)
        if src is not None:
            if not dst.exists() or dst.read_bytes() != src.read_bytes():
                shutil.copyfile(src, dst)
            info[name] = str(src)
        elif dst.exists():
            info[name] = 'kept existing copy'
        else:
            sys.exit(f'error: {rel} not found (package {pkg}); run with --fetch, or pass --source-root '
                     f'pointing at a dist-packages folder holding it')
        print(f'{name:28s} {dst.stat().st_size:8d} bytes  <- {info[name]}')
    return info


def save_png(img: Image.Image, name: str) -> None:
    # No ancillary metadata (in particular no ICC profile inherited from the source photo), so a
    # browser has no colour conversion to apply to the generated files.
    img = img.copy()
    img.info.clear()
    img.save(IMG_DIR / name, format='PNG', optimize=True)


def gen_odd() -> None:
    # 257 x 301 (W x H) RGB: smooth gradients plus seeded noise.
    w, h = 257, 301
    rng = np.random.RandomState(257301)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 255 * xx / (w - 1)
    g = 255 * yy / (h - 1)
    b = 127.5 + 127.5 * np.sin(2 * np.pi * (xx + yy) / 97.0)
    img = np.stack([r, g, b], axis=-1) + rng.normal(0, 12, size=(h, w, 3))
    save_png(Image.fromarray(np.clip(np.rint(img), 0, 255).astype(np.uint8), 'RGB'), 'odd-257x301.png')


def gen_portrait() -> None:
    # 300 x 500 crop of the astronaut (512 x 512), JPEG quality 90.
    src = Image.open(IMG_DIR / 'astronaut.png').convert('RGB')
    src.crop((106, 6, 406, 506)).save(IMG_DIR / 'portrait-300x500.jpg', format='JPEG', quality=90)


def gen_tiny() -> None:
    rng = np.random.RandomState(75)
    arr = rng.randint(0, 256, size=(5, 7, 3)).astype(np.uint8)
    save_png(Image.fromarray(arr, 'RGB'), 'tiny-7x5.png')


def gen_grey() -> None:
    # 320 x 240 greyscale (mode L): a centred 4:3 crop (533 x 400) of the coffee photo, resized.
    src = Image.open(IMG_DIR / 'coffee.png').convert('RGB')
    box = (33, 0, 566, 400)
    img = src.crop(box).resize((320, 240), Image.Resampling.LANCZOS).convert('L')
    assert img.mode == 'L'
    save_png(img, 'grey-320x240.png')


def gen_rgba() -> None:
    # 300 x 200 RGBA: photo colours (never black), alpha ramps 0..255 left to right, with a block of
    # fully transparent pixels (alpha 0) whose RGB is kept non-zero, and a fully opaque block.
    src = Image.open(IMG_DIR / 'chelsea.png').convert('RGB')
    rgb = np.asarray(src.crop((75, 50, 375, 250)), dtype=np.uint8).copy()
    rgb = np.clip(rgb, 16, 255).astype(np.uint8)
    h, w = rgb.shape[:2]
    alpha = np.tile(np.rint(np.linspace(0, 255, w)).astype(np.uint8), (h, 1))
    alpha[:40, :60] = 0       # transparent, RGB non-zero
    alpha[-40:, -60:] = 255   # opaque
    rng = np.random.RandomState(300200)
    alpha[80:120, 100:200] = rng.randint(0, 256, size=(40, 100)).astype(np.uint8)
    arr = np.dstack([rgb, alpha])
    img = Image.fromarray(arr, 'RGBA')
    a = arr[..., 3]
    assert a.min() == 0 and a.max() == 255 and (arr[a == 0][:, :3].min(axis=1) > 0).all()
    save_png(img, 'rgba-300x200.png')


def gen_palette() -> None:
    # 200 x 150 palette (mode P) image, the rocket photo quantized to 64 colours, no dithering.
    src = Image.open(IMG_DIR / 'rocket.jpg').convert('RGB')
    w, h = src.size
    crop = src.crop((w // 2 - 200, h // 2 - 150, w // 2 + 200, h // 2 + 150)).resize((200, 150), Image.Resampling.LANCZOS)
    img = crop.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    assert img.mode == 'P'
    save_png(img, 'palette-200x150.png')


def gen_exif() -> None:
    # 320 x 240 stored crop of the cat with EXIF Orientation = 6 (display: rotate 90 deg clockwise -> 240 x 320).
    src = Image.open(IMG_DIR / 'chelsea.png').convert('RGB')
    img = src.crop((60, 30, 380, 270))
    ex = Image.Exif()
    ex[0x0112] = 6
    img.save(IMG_DIR / 'exif-rotated.jpg', format='JPEG', quality=90, exif=ex.tobytes())
    chk = Image.open(IMG_DIR / 'exif-rotated.jpg')
    assert chk.size == (320, 240) and chk.getexif().get(0x0112) == 6


def gen_wide() -> None:
    # 600 x 100 strip of the coffee photo (600 x 400).
    src = Image.open(IMG_DIR / 'coffee.png').convert('RGB')
    save_png(src.crop((0, 150, 600, 250)), 'wide-600x100.png')


def gen_bad() -> None:
    (IMG_DIR / 'not-an-image.jpg').write_text(
        'This is a plain text file with a .jpg name. Decoding it must fail with a clear error.\n')
    (IMG_DIR / 'not-a-model.onnx').write_text(
        'This is a plain text file with an .onnx name. Loading it as a model must fail with a clear error.\n')


GENERATED = [
    ('odd-257x301.png', 'Generated (seeded gradient + Gaussian noise), 257 x 301 RGB.', gen_odd),
    ('portrait-300x500.jpg', 'Crop (300 x 500) of astronaut.png, JPEG quality 90. Public domain (NASA).', gen_portrait),
    ('tiny-7x5.png', 'Generated (seeded random pixels), 7 x 5 RGB.', gen_tiny),
    ('grey-320x240.png', 'Crop of coffee.png resized to 320 x 240 and converted to greyscale (mode L). CC0.', gen_grey),
    ('rgba-300x200.png', 'Crop (300 x 200) of chelsea.png with a generated alpha channel (0..255, including '
     'fully transparent pixels whose RGB is not zero). CC0.', gen_rgba),
    ('palette-200x150.png', 'Crop of rocket.jpg resized to 200 x 150 and quantized to a 64-colour palette '
     '(mode P). Public domain (SpaceX).', gen_palette),
    ('exif-rotated.jpg', 'Crop (320 x 240 as stored) of chelsea.png, JPEG quality 90, with EXIF Orientation = 6 '
     '(shown rotated 90 degrees clockwise, 240 x 320). CC0.', gen_exif),
    ('wide-600x100.png', 'Strip (600 x 100) of coffee.png. CC0.', gen_wide),
    ('not-an-image.jpg', 'Deliberately broken: a short text file named .jpg (error tests).', None),
    ('not-a-model.onnx', 'Deliberately broken: a short text file named .onnx (error tests).', None),
]


def write_attribution() -> None:
    lines = [
        '# Fixture images: sources and licences',
        '',
        'Generated by `tools/make_fixtures.py` (do not edit by hand). The photos are copied unmodified',
        '(byte for byte) from the data shipped in Debian\'s `python3-skimage` 0.19.3 and `python3-sklearn`',
        '1.2.1 packages; the licences below are those stated by scikit-image (`skimage/data/_fetchers.py`)',
        'and scikit-learn (`sklearn/datasets/images/README.txt`).',
        '',
        '## Photos',
        '',
        '| file | bytes | sha256 | source and licence |',
        '| --- | --- | --- | --- |',
    ]
    for name, (_, _, text) in PHOTOS.items():
        p = IMG_DIR / name
        lines.append(f'| `{name}` | {p.stat().st_size} | `{sha256_file(p)[:16]}…` | {text} |')
    lines += [
        '',
        '## Derived and generated files',
        '',
        '| file | bytes | description |',
        '| --- | --- | --- |',
    ]
    for name, text, _ in GENERATED:
        p = IMG_DIR / name
        lines.append(f'| `{name}` | {p.stat().st_size} | {text} |')
    lines += [
        '',
        '## Colour profiles and orientation',
        '',
        'PIL/torchvision ignore embedded ICC profiles and EXIF orientation; browsers apply both by default',
        '(createImageBitmap `colorSpaceConversion: \'none\'` and `imageOrientation: \'none\'` / `\'from-image\'`',
        'control that). Files that carry such data:',
        '',
    ]
    for name in sorted(p.name for p in IMG_DIR.iterdir()):
        try:
            with Image.open(IMG_DIR / name) as im:
                icc = im.info.get('icc_profile')
                orient = im.getexif().get(0x0112)
        except Exception:
            continue
        notes = []
        if icc:
            notes.append(f'ICC profile "{icc_description(icc)}"')
        if orient is not None:
            notes.append(f'EXIF Orientation = {orient}')
        if notes:
            lines.append(f'- `{name}`: ' + ', '.join(notes))
    lines += [
        '',
        '## Other files in e2e/fixtures',
        '',
        '- `references.json` (tools/make_references.py): torchvision/Pillow preprocessing hashes and the tiny',
        '  model\'s PyTorch logits for every image above.',
        '- `decoded/<file>.png` (tools/make_references.py): Pillow\'s decoded RGB pixels of the JPEG fixtures,',
        '  stored losslessly (same licence as the JPEG they come from).',
        '- `repopt-tiny-reference.json` (tools/make_test_model.py): PyTorch logits of models/repopt-tiny.onnx',
        '  for a seeded input.',
        '',
        'The derived files are released under the same terms as the photos they come from (CC0 or public',
        'domain); the generated ones are CC0. `china.jpg` (CC BY 2.0) is used unmodified and only as the',
        'file itself; credit: danielbuechele, https://www.flickr.com/photos/danielbuechele/6061409035/ .',
        '',
    ]
    (OUT_DIR / 'ATTRIBUTION.md').write_text('\n'.join(lines), encoding='utf-8')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--fetch', action='store_true', help='apt-get download + dpkg -x the photo packages into /tmp')
    ap.add_argument('--source-root', action='append', default=[], type=Path,
                    help='a dist-packages folder holding skimage/data and sklearn/datasets/images')
    args = ap.parse_args()
    IMG_DIR.mkdir(parents=True, exist_ok=True)
    if args.fetch:
        fetch_debs()
    copy_photos(list(args.source_root) + DEFAULT_ROOTS)
    for name, _, fn in GENERATED:
        if fn is not None:
            fn()
    gen_bad()
    for name, _, _ in GENERATED:
        p = IMG_DIR / name
        print(f'{name:28s} {p.stat().st_size:8d} bytes')
    write_attribution()
    raw, packed = fixtures_size()
    print(f'e2e/fixtures total: {raw} bytes ({raw / 2**20:.2f} MiB), about {packed / 2**20:.2f} MiB as git stores it')
    if packed > 4 * 2**20:
        sys.exit('error: e2e/fixtures is over 4 MiB (zlib-compressed, as git stores it)')


def fixtures_size():
    """(bytes on disk, bytes zlib-compressed as git stores blobs) of everything under e2e/fixtures."""
    import zlib
    files = [f for f in OUT_DIR.rglob('*') if f.is_file()]
    return (sum(f.stat().st_size for f in files),
            sum(len(zlib.compress(f.read_bytes(), 6)) for f in files))


if __name__ == '__main__':
    main()
