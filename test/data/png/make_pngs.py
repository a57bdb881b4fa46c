"""Writes the PNG test files and the references that test/png.test.ts checks decodePng against.

Also writes small JPEG/PNG files with EXIF orientations and records what Pillow's getexif() reads.

Run with the system Python, which has Pillow 9.4:  /usr/bin/python3 test/data/png/make_pngs.py

For every file that Pillow opens, expected.json records Pillow's mode and the sha256 of
`Image.open(f).convert('RGB').tobytes()`; for every file meant to be rejected, it records that
Pillow rejects it too (with Pillow's message). The output is deterministic.
"""

import hashlib
import io
import json
import os
import random
import struct
import sys
import warnings
import zlib

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pngenc import SIGNATURE, chunk, encode, filtered_scanlines, ihdr  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
COMBOS = {0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]}
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}

rng = random.Random(1234)
files = {}  # name -> bytes
rejected = set()


def sample(bit_depth, x, y, c):
    """Half gradients, half noise; 16-bit values often stay below 256 to exercise Pillow's clamp of mode I."""
    top = (1 << bit_depth) - 1
    if rng.random() < 0.5:
        return (x * 7 + y * 13 + c * 50) % (top + 1)
    if bit_depth == 16 and rng.random() < 0.5:
        return rng.randrange(0, 300)
    return rng.randrange(0, top + 1)


def pixels(w, h, color_type, bit_depth, max_index=None):
    ch = CHANNELS[color_type]
    rows = []
    for y in range(h):
        row = []
        for x in range(w):
            if max_index is not None:
                row.append((rng.randrange(0, max_index + 1),))
            else:
                row.append(tuple(sample(bit_depth, x, y, c) for c in range(ch)))
        rows.append(row)
    return rows


def palette_chunk(n):
    return chunk(b"PLTE", bytes(rng.randrange(256) for _ in range(3 * n)))


def add(name, data):
    files[name] = data


def add_combo(w, h, ct, bd, interlace=False, **kw):
    max_index = (1 << bd) - 1 if ct == 3 else None
    before = [palette_chunk(1 << bd)] if ct == 3 else []
    tag = "_i" if interlace else ""
    data = encode(pixels(w, h, ct, bd, max_index), w, h, bd, ct, interlace=interlace, before_idat=before, **kw)
    add(f"ct{ct}_bd{bd}{tag}_{w}x{h}.png", data)


# Every colour type and bit depth, plain and interlaced, filters 0..4 cycling row by row.
for ct, depths in COMBOS.items():
    for bd in depths:
        add_combo(33, 17, ct, bd)
        add_combo(33, 17, ct, bd, interlace=True)

# Odd sizes, including interlaced images too small to have pixels in every Adam7 pass.
for w, h in [(1, 1), (3, 7), (7, 3), (1, 9), (9, 1), (5, 5)]:
    add_combo(w, h, 2, 8, interlace=True)
    add_combo(w, h, 0, 1, interlace=True)
    add_combo(w, h, 3, 4, interlace=True)
    add_combo(w, h, 6, 16, interlace=True)
add_combo(1, 1, 0, 16)
add_combo(3, 7, 4, 8)
add_combo(64, 40, 2, 8, interlace=True)

# One filter type for the whole image, including Paeth and Average on the first row.
for f in range(5):
    add(f"filter{f}_rgb8_19x11.png", encode(pixels(19, 11, 2, 8), 19, 11, 8, 2, filters=lambda y, f=f: f))
    add(f"filter{f}_g2_19x11.png", encode(pixels(19, 11, 0, 2), 19, 11, 2, 0, filters=lambda y, f=f: f))

# Image data spread over many IDAT chunks, one of them empty.
px = pixels(40, 30, 6, 8)
add("multi_idat_rgba8_40x30.png", encode(px, 40, 30, 8, 6, idat_parts=9))
z = zlib.compress(filtered_scanlines(px, 40, 30, 4, 8, lambda y: y % 5))
add(
    "multi_idat_empty_chunk.png",
    SIGNATURE + ihdr(40, 30, 8, 6) + chunk(b"IDAT", b"") + chunk(b"IDAT", z[:5]) + chunk(b"IDAT", z[5:]) + chunk(b"IEND", b""),
)

# Palette edge cases: Pillow fills unlisted entries with a grey ramp (i, i, i).
idx = pixels(23, 9, 3, 8, max_index=255)
add("palette_short_plte.png", encode(idx, 23, 9, 8, 3, before_idat=[palette_chunk(5)]))
add("palette_no_plte.png", encode(idx, 23, 9, 8, 3))
add("palette_plte_7_bytes.png", encode(idx, 23, 9, 8, 3, before_idat=[chunk(b"PLTE", bytes(range(10, 17)))]))
add("palette_two_plte.png", encode(idx, 23, 9, 8, 3, before_idat=[palette_chunk(3), palette_chunk(4)]))
add("palette_plte_after_idat.png", encode(idx, 23, 9, 8, 3, after_idat=[palette_chunk(256)]))
add(
    "palette_2bit_short_plte.png",
    encode(pixels(13, 5, 3, 2, max_index=3), 13, 5, 2, 3, interlace=True, before_idat=[palette_chunk(2)]),
)
add(
    "palette_trns_bytes.png",
    encode(idx, 23, 9, 8, 3, before_idat=[palette_chunk(256), chunk(b"tRNS", bytes(rng.randrange(256) for _ in range(40)))]),
)
add("palette_trns_single.png", encode(idx, 23, 9, 8, 3, before_idat=[palette_chunk(256), chunk(b"tRNS", b"\xff\x00")]))

# tRNS for grey and RGB: ignored by convert('RGB').
add("grey16_trns.png", encode(pixels(11, 6, 0, 16), 11, 6, 16, 0, before_idat=[chunk(b"tRNS", b"\x00\x10")]))
add("rgb8_trns.png", encode(pixels(11, 6, 2, 8), 11, 6, 8, 2, before_idat=[chunk(b"tRNS", b"\x00\x01\x00\x02\x00\x03")]))

# 16-bit grey over the whole range, so that the clamp of mode I at 255 is visible.
g16 = [[((y * 16 + x) * 257,) for x in range(16)] for y in range(16)]
g16[0][:8] = [(v,) for v in (0, 1, 127, 254, 255, 256, 257, 1000)]
add("grey16_full_range.png", encode(g16, 16, 16, 16, 0))

# Fully transparent pixels whose colour must survive (a canvas would zero it).
clear = [[(x * 16, y * 16, 200, 0 if (x + y) % 2 else 255) for x in range(16)] for y in range(16)]
add("rgba8_alpha0.png", encode(clear, 16, 16, 8, 6))

# Quirks Pillow tolerates once the image data is complete.
rgb = pixels(10, 8, 2, 8)
raw = filtered_scanlines(rgb, 10, 8, 3, 8, lambda y: y % 5)
z = zlib.compress(raw)
head = SIGNATURE + ihdr(10, 8, 8, 2)
add("quirk_bad_idat_crc.png", head + chunk(b"IDAT", z, crc=0) + chunk(b"IEND", b""))
add("quirk_bad_iend_crc.png", head + chunk(b"IDAT", z) + chunk(b"IEND", b"", crc=0))
add("quirk_no_iend.png", head + chunk(b"IDAT", z))
add("quirk_extra_rows.png", head + chunk(b"IDAT", zlib.compress(raw + raw)) + chunk(b"IEND", b""))
add("quirk_truncated_in_idat_crc.png", (head + chunk(b"IDAT", z))[:-2])
# Bytes after the zlib stream, or a missing Adler-32: Node's DecompressionStream delivers all the
# data before complaining; a browser's may discard the last output along with the error.
add("quirk_no_adler32.png", head + chunk(b"IDAT", z[:-4]) + chunk(b"IEND", b""))
add("quirk_junk_after_zlib.png", head + chunk(b"IDAT", z + b"junk") + chunk(b"IEND", b""))
add("quirk_unknown_chunks.png", head + chunk(b"abCD", b"hello") + chunk(b"IDAT", z) + chunk(b"zzZZ", b"") + chunk(b"IEND", b""))
add("quirk_compression_method_1.png", SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", 10, 8, 8, 2, 1, 0, 0)) + chunk(b"IDAT", z) + chunk(b"IEND", b""))

# Files written by Pillow itself.
base = Image.new("RGB", (37, 21))
base.putdata([(x * 6, y * 12, (x * y) % 256) for y in range(21) for x in range(37)])


def pillow_png(im, **kw):
    buf = io.BytesIO()
    im.save(buf, "PNG", **kw)
    return buf.getvalue()


add("pillow_rgb.png", pillow_png(base))
add("pillow_rgb_optimized.png", pillow_png(base, optimize=True))
add("pillow_l.png", pillow_png(base.convert("L")))
add("pillow_1.png", pillow_png(base.convert("1")))
add("pillow_p.png", pillow_png(base.convert("P", palette=Image.ADAPTIVE, colors=200)))
add("pillow_p_4bit.png", pillow_png(base.convert("P", palette=Image.ADAPTIVE, colors=16), bits=4))
add("pillow_la.png", pillow_png(base.convert("LA")))
add("pillow_i16.png", pillow_png(base.convert("I").point(lambda v: v * 3)))
rgba = base.convert("RGBA")
rgba.putalpha(Image.new("L", base.size, 0))
add("pillow_rgba_alpha0.png", pillow_png(rgba))
frames = [base, base.transpose(Image.FLIP_LEFT_RIGHT), base.convert("L").convert("RGB")]
add("pillow_apng.png", pillow_png(frames[0], save_all=True, append_images=frames[1:]))

# Files both Pillow and decodePng must reject.
good = files["ct2_bd8_33x17.png"]
z = zlib.compress(raw)
bad = {
    "err_empty.png": b"",
    "err_signature.png": b"GIF89a" + good[6:],
    "err_truncated_idat.png": good[: len(good) // 2],
    "err_truncated_header.png": good[:20],
    "err_bad_filter.png": head + chunk(b"IDAT", zlib.compress(raw[:31] + b"\x05" + raw[32:])) + chunk(b"IEND", b""),
    "err_bad_ihdr_crc.png": SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", 10, 8, 8, 2, 0, 0, 0), crc=1) + chunk(b"IDAT", z) + chunk(b"IEND", b""),
    "err_no_idat.png": head + chunk(b"IEND", b""),
    "err_no_ihdr.png": SIGNATURE + chunk(b"IDAT", z) + chunk(b"IEND", b""),
    "err_bad_bit_depth.png": SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", 10, 8, 16, 3, 0, 0, 0)) + chunk(b"IDAT", z) + chunk(b"IEND", b""),
    "err_zero_width.png": SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", 0, 8, 8, 2, 0, 0, 0)) + chunk(b"IDAT", z) + chunk(b"IEND", b""),
    "err_filter_method.png": SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", 10, 8, 8, 2, 0, 1, 0)) + chunk(b"IDAT", z) + chunk(b"IEND", b""),
    "err_bad_adler.png": head + chunk(b"IDAT", z[:-4] + b"\0\0\0\0") + chunk(b"IEND", b""),
    "err_not_zlib.png": head + chunk(b"IDAT", bytes(range(200))) + chunk(b"IEND", b""),
    "err_short_data.png": head + chunk(b"IDAT", zlib.compress(raw[:-5])) + chunk(b"IEND", b""),
    "err_idat_interrupted.png": head + chunk(b"IDAT", z[:10]) + chunk(b"tEXt", b"a\0b") + chunk(b"IDAT", z[10:]) + chunk(b"IEND", b""),
    "err_palette_257.png": encode(idx, 23, 9, 8, 3, before_idat=[chunk(b"PLTE", bytes(771))]),
}
for name, data in bad.items():
    add(name, data)
    rejected.add(name)


# EXIF orientation fixtures: JPEGs and PNGs whose orientation Pillow reads via getexif().
def tiff(entries, little):
    """A TIFF header plus IFD0 with entries (tag, type, count, 4-byte value field)."""
    e = "<" if little else ">"
    out = (b"II" if little else b"MM") + struct.pack(e + "HI", 42, 8) + struct.pack(e + "H", len(entries))
    for tag, typ, count, value in entries:
        out += struct.pack(e + "HHI", tag, typ, count) + value
    return out + struct.pack(e + "I", 0)


def short(v, little):
    return struct.pack("<H" if little else ">H", v) + b"\0\0"


def orientation_tiff(v, little, typ=3):
    value = short(v, little) if typ == 3 else struct.pack("<I" if little else ">I", v)
    make = (0x010F, 2, 4, b"Cam\0")  # an ASCII tag short enough to sit inside its entry
    return tiff([make, (0x0112, typ, 1, value), (0x011A, 5, 1, struct.pack("<I" if little else ">I", 0))], little)


def app1(payload):
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def after_soi(jpeg, *segments):
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


small = Image.new("RGB", (8, 6), (40, 90, 200))
jpeg_buf = io.BytesIO()
small.save(jpeg_buf, "JPEG")
plain_jpeg = jpeg_buf.getvalue()
pillow_exif = Image.Exif()
pillow_exif[0x0112] = 6
jpeg_buf = io.BytesIO()
small.save(jpeg_buf, "JPEG", exif=pillow_exif.tobytes())
xmp = app1(b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>")
exif_files = {
    "exif_none.jpg": plain_jpeg,
    "exif_pillow_6.jpg": jpeg_buf.getvalue(),
    "exif_ii_3.jpg": after_soi(plain_jpeg, app1(b"Exif\0\0" + orientation_tiff(3, True))),
    "exif_mm_8.jpg": after_soi(plain_jpeg, app1(b"Exif\0\0" + orientation_tiff(8, False))),
    "exif_ii_long_6.jpg": after_soi(plain_jpeg, app1(b"Exif\0\0" + orientation_tiff(6, True, typ=4))),
    "exif_value_9.jpg": after_soi(plain_jpeg, app1(b"Exif\0\0" + orientation_tiff(9, False))),
    "exif_first_app1_wins.jpg": after_soi(
        plain_jpeg, app1(b"Exif\0\0" + orientation_tiff(5, True)), app1(b"Exif\0\0" + orientation_tiff(7, True))
    ),
    "exif_after_xmp.jpg": after_soi(plain_jpeg, xmp, app1(b"Exif\0\0" + orientation_tiff(2, False))),
    "exif_no_orientation.jpg": after_soi(plain_jpeg, app1(b"Exif\0\0" + tiff([(0x010F, 2, 4, b"Cam\0")], True))),
    "exif_pillow_6.png": pillow_png(small, exif=pillow_exif.tobytes()),
    "exif_after_idat_4.png": encode(
        pixels(4, 4, 2, 8), 4, 4, 8, 2, after_idat=[chunk(b"eXIf", orientation_tiff(4, True))]
    ),
    "exif_none.png": pillow_png(small),
}
files.update(exif_files)

# Other formats, for the sniffer: written by Pillow, so their headers are what real files have.
sniff_files = {}
for fmt, ext, size in [("GIF", "gif", 2), ("WEBP", "webp", 2), ("BMP", "bmp", 2), ("TIFF", "tiff", 2), ("ICO", "ico", 16)]:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), (1, 2, 3)).save(buf, fmt)
    sniff_files[f"sniff_{size}x{size}.{ext}"] = buf.getvalue()
files.update(sniff_files)


def pillow_orientation(data):
    try:
        with Image.open(io.BytesIO(data)) as im:
            value = im.getexif().get(0x0112)
    except Exception as e:  # noqa: BLE001 - recorded, not raised
        return f"error: {e}"
    return value if isinstance(value, int) else None


def pillow_result(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # palette tRNS conversion warning
        im = Image.open(io.BytesIO(data))
        mode = im.mode
        has_alpha = mode in ("LA", "RGBA", "PA") or "transparency" in im.info
        rgb = im.convert("RGB")
    return {
        "width": rgb.width,
        "height": rgb.height,
        "mode": mode,
        "hasAlpha": has_alpha,
        "sha256": hashlib.sha256(rgb.tobytes()).hexdigest(),
    }


def main():
    for old in os.listdir(HERE):
        if old.endswith((".png", ".jpg", ".gif", ".webp", ".bmp", ".tiff", ".ico")):
            os.remove(os.path.join(HERE, old))
    expected = {"decoded": {}, "rejected": {}, "exifOrientation": {}}
    for name, data in sorted(files.items()):
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
        if name in exif_files:
            expected["exifOrientation"][name] = pillow_orientation(data)
            if name.endswith(".jpg"):
                continue
        if name in sniff_files:
            continue
        try:
            result = pillow_result(data)
        except Exception as e:  # noqa: BLE001 - any Pillow failure counts as a rejection
            if name not in rejected:
                raise SystemExit(f"Pillow rejects {name}: {e}")
            expected["rejected"][name] = f"{type(e).__name__}: {e}".split(" <_io")[0]
            continue
        if name in rejected:
            raise SystemExit(f"Pillow accepts {name}, which was meant to be rejected")
        expected["decoded"][name] = result
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    total = sum(len(d) for d in files.values())
    print(f"{len(expected['decoded'])} decoded, {len(expected['rejected'])} rejected, {total} bytes")


main()
