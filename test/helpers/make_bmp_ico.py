"""BMP, ICO and WebP files of every layout the Node decoder reads, with Pillow's pixels.

Run by test/bmp.test.ts (python3 make_bmp_ico.py OUT_DIR): writes OUT_DIR/<name>.<ext> and
OUT_DIR/expected.json mapping each name to Pillow's size and the sha-free RGB bytes file
(<name>.rgb, Image.open(f).convert('RGB').tobytes()), or to the error Pillow raises. Pillow writes
only a few BMP layouts itself, so most files are assembled here byte by byte (struct), the way
other encoders write them; Pillow then decodes them as the reference.
"""
import io
import json
import random
import struct
import sys

from PIL import Image

out = sys.argv[1]
rng = random.Random(12)
expected = {}


def pixels(n):
    return bytes(rng.randrange(256) for _ in range(n))


def bmp_file(header, palette, data, offset=None):
    off = 14 + len(header) + len(palette) if offset is None else offset
    return b'BM' + struct.pack('<IHHI', off + len(data), 0, 0, off) + header + palette + data


def info_header(w, h, bits, compression=0, colors=0, size=40, masks=None):
    head = struct.pack('<IiiHHIIiiII', size, w, h, 1, bits, compression, 0, 2835, 2835, colors, 0)
    if size > 40:
        extra = struct.pack('<4I', *(masks or (0, 0, 0, 0)))
        head += extra + bytes(size - 40 - len(extra))
    return head


def rows(w, h, bits, fill=None):
    stride = ((w * bits + 31) >> 3) & ~3
    return b''.join((fill or pixels)(stride) for _ in range(h))


def palette(n, entry=4):
    return b''.join(pixels(3) + bytes(entry - 3) for _ in range(n))


def save(name, ext, data):
    path = f'{out}/{name}.{ext}'
    with open(path, 'wb') as f:
        f.write(data)
    try:
        im = Image.open(path)
        rgb = im.convert('RGB')
        with open(f'{out}/{name}.rgb', 'wb') as f:
            f.write(rgb.tobytes())
        expected[name] = {'file': f'{name}.{ext}', 'size': list(rgb.size), 'mode': im.mode}
    except Exception as e:  # noqa: BLE001 - the reference is whatever Pillow says
        expected[name] = {'file': f'{name}.{ext}', 'error': f'{type(e).__name__}: {e}'}


def pil(name, mode, size, fmt='BMP', **kw):
    w, h = size
    if mode == 'P':
        im = Image.frombytes('P', size, pixels(w * h))
        im.putpalette(pixels(768))
    else:
        im = Image.frombytes(mode, size, pixels(w * h * len(mode)) if mode != '1' else pixels((w + 7) // 8 * h))
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    save(name, fmt.lower(), buf.getvalue())


# Written by Pillow itself.
for mode in ('1', 'L', 'P', 'RGB', 'RGBA'):
    pil(f'pil-{mode.lower()}', mode, (13, 7))

# Uncompressed, assembled by hand.
save('bits4', 'bmp', bmp_file(info_header(7, 5, 4, colors=16), palette(16), rows(7, 5, 4)))
save('bits1-topdown', 'bmp', bmp_file(info_header(19, -6, 1), palette(2), rows(19, 6, 1)))
save('bits8-topdown', 'bmp', bmp_file(info_header(5, -4, 8), palette(256), rows(5, 4, 8)))
save('bits8-short-palette', 'bmp', bmp_file(info_header(9, 3, 8, colors=5), palette(5), rows(9, 3, 8)))
save('bits24-topdown', 'bmp', bmp_file(info_header(6, -5, 24), b'', rows(6, 5, 24)))
save('bits16-555', 'bmp', bmp_file(info_header(7, 4, 16), b'', rows(7, 4, 16)))
save('bits16-565', 'bmp', bmp_file(info_header(7, 4, 16, compression=3), struct.pack('<3I', 0xF800, 0x7E0, 0x1F), rows(7, 4, 16)))
save('bits32-v5-rgba', 'bmp', bmp_file(info_header(5, 3, 32, compression=3, size=124, masks=(0xFF, 0xFF00, 0xFF0000, 0xFF000000)), b'', rows(5, 3, 32)))
save('bits32-v4-xbgr', 'bmp', bmp_file(info_header(5, 3, 32, compression=3, size=108, masks=(0xFF000000, 0xFF0000, 0xFF00, 0)), b'', rows(5, 3, 32)))
save('os2-bits8', 'bmp', bmp_file(struct.pack('<IHHHH', 12, 6, 4, 1, 8), palette(256, 3), rows(6, 4, 8)))
save('os2-bits24', 'bmp', bmp_file(struct.pack('<IHHHH', 12, 6, 4, 1, 24), b'', rows(6, 4, 24)))
save('truncated', 'bmp', bmp_file(info_header(8, 8, 24), b'', rows(8, 8, 24))[:-40])


def rle(w, h, rle4, ops):
    """ops: per row, a list of ('run', n, byte) / ('abs', values) / ('delta', dx, dy); EOL after each row."""
    body = b''
    for row in ops:
        for op in row:
            if op[0] == 'run':
                body += bytes([op[1], op[2]])
            elif op[0] == 'delta':
                body += bytes([0, 2, op[1], op[2]])
            else:
                vals = op[1]
                if rle4:
                    packed = bytes((vals[i] << 4) | (vals[i + 1] if i + 1 < len(vals) else 0) for i in range(0, len(vals), 2))
                else:
                    packed = bytes(vals)
                body += bytes([0, len(vals)]) + packed
                if len(packed) % 2:
                    body += b'\0'
        body += b'\0\0'
    return body + b'\0\1'


def random_rle_rows(w, h, rle4):
    top = 16 if rle4 else 256
    out = []
    for y in range(h):
        x, row = 0, []
        while x < w:
            n = rng.randrange(1, min(w - x, 12) + 1)
            if n >= 3 and rng.random() < 0.5:
                row.append(('abs', [rng.randrange(top) for _ in range(n)]))
            else:
                row.append(('run', n, rng.randrange(256)))
            x += n
        out.append(row)
    return out


for rle4, name in ((False, 'rle8'), (True, 'rle4')):
    bits = 4 if rle4 else 8
    colors = 16 if rle4 else 256
    data = rle(23, 9, rle4, random_rle_rows(23, 9, rle4))
    save(name, 'bmp', bmp_file(info_header(23, 9, bits, compression=2 if rle4 else 1, colors=colors), palette(colors), data))
    save(f'{name}-topdown', 'bmp', bmp_file(info_header(23, -9, bits, compression=2 if rle4 else 1, colors=colors), palette(colors), data))
# Short rows (end of line pads with 0), a delta, and an absolute run of odd length.
ops = [[('run', 3, 0x12)], [('abs', [1, 2, 3, 4, 5])], [('delta', 2, 1), ('run', 4, 7)], [], [('run', 10, 9)]]
save('rle8-eol-delta', 'bmp', bmp_file(info_header(10, 6, 8, compression=1), palette(256), rle(10, 6, False, ops)))
save('rle4-eol-delta', 'bmp', bmp_file(info_header(10, 6, 4, compression=2), palette(16), rle(10, 6, True, ops)))
save('rle8-ends-early', 'bmp', bmp_file(info_header(10, 6, 8, compression=1), palette(256), rle(10, 6, False, ops[:2])))

# ICO: Pillow writes PNG entries, or BMP ones with bitmap_format='bmp'.
base = Image.frombytes('RGBA', (48, 48), pixels(48 * 48 * 4))
for fmt in ('png', 'bmp'):
    buf = io.BytesIO()
    base.save(buf, 'ICO', sizes=[(16, 16), (48, 48), (32, 32)], bitmap_format=fmt)
    save(f'ico-{fmt}', 'ico', buf.getvalue())


def ico(entries):
    """entries: (dir_w, dir_h, colors, bpp, image bytes)"""
    head = struct.pack('<HHH', 0, 1, len(entries))
    offset = 6 + 16 * len(entries)
    dirs, blobs = b'', b''
    for w, h, colors, bpp, blob in entries:
        dirs += struct.pack('<BBBBHHII', w % 256, h % 256, colors, 0, 1, bpp, len(blob), offset + len(blobs))
        blobs += blob
    return head + dirs + blobs


def dib(w, h, bits, colors=0):
    mask = rows(w, h, 1)
    return info_header(w, 2 * h, bits, colors=colors) + (palette(colors or 2 ** bits) if bits <= 8 else b'') + rows(w, h, bits) + mask


# Same size at 8 and 32 bits (the deeper wins), a smaller one last, and two equal entries (the last wins).
save('ico-dib-depths', 'ico', ico([(16, 16, 0, 8, dib(16, 16, 8)), (16, 16, 0, 32, dib(16, 16, 32)), (8, 8, 0, 24, dib(8, 8, 24))]))
save('ico-dib-ties', 'ico', ico([(12, 12, 0, 24, dib(12, 12, 24)), (12, 12, 0, 24, dib(12, 12, 24)), (12, 12, 16, 0, dib(12, 12, 4, 16))]))
save('ico-dib-bits1', 'ico', ico([(20, 20, 2, 1, dib(20, 20, 1))]))

# WebP: lossy (VP8), lossless (VP8L), and extended (VP8X, lossy with alpha).
w = Image.frombytes('RGB', (37, 21), pixels(37 * 21 * 3))
exif = Image.Exif()
exif[0x0131] = 'test'  # Software: any EXIF makes Pillow write the extended (VP8X) layout
for name, im, kw in (('webp-vp8', w, {'lossless': False}), ('webp-vp8l', w, {'lossless': True}), ('webp-vp8x', w, {'lossless': False, 'exif': exif.tobytes()})):
    buf = io.BytesIO()
    im.save(buf, 'WEBP', **kw)
    save(name, 'webp', buf.getvalue())

with open(f'{out}/expected.json', 'w') as f:
    json.dump(expected, f, indent=1)
