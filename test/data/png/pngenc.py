"""A tiny PNG encoder for test data that Pillow cannot write itself.

Pillow's writer never interlaces, always uses one filter per image and has no
2-bit grey or 16-bit grey+alpha output, so the test files that need those are
encoded here with zlib + struct. Every row can use its own filter type.
"""

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
# Adam7 passes: (x start, y start, x step, y step)
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def chunk(cid, data, crc=None):
    if crc is None:
        crc = zlib.crc32(cid + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + cid + data + struct.pack(">I", crc)


def ihdr(width, height, bit_depth, color_type, interlace=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, interlace))


def pack_row(samples, bit_depth):
    """Packs one row of sample values (already flattened over channels) into bytes."""
    if bit_depth == 8:
        return bytes(samples)
    if bit_depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    out = bytearray()
    per_byte = 8 // bit_depth
    for i in range(0, len(samples), per_byte):
        group = samples[i : i + per_byte]
        b = 0
        for j in range(per_byte):
            b = (b << bit_depth) | (group[j] if j < len(group) else 0)
        out.append(b)
    return bytes(out)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_row(ftype, row, prev, bpp):
    out = bytearray(len(row))
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        pred = (0, a, b, (a + b) // 2, paeth(a, b, c))[ftype]
        out[i] = (x - pred) & 0xFF
    return bytes([ftype]) + bytes(out)


def filtered_scanlines(pixels, width, height, channels, bit_depth, filters, row_offset=0):
    """pixels[y][x] is a tuple of samples; filters(y) picks the filter for row y."""
    bpp = max(1, channels * bit_depth // 8)
    prev = None
    out = bytearray()
    for y in range(height):
        row = pack_row([s for px in pixels[y] for s in px], bit_depth)
        if prev is None:
            prev = bytes(len(row))
        out += filter_row(filters(y + row_offset), row, prev, bpp)
        prev = row
    return bytes(out)


def encode(pixels, width, height, bit_depth, color_type, *, interlace=False, filters=lambda y: y % 5,
           before_idat=(), after_idat=(), idat_parts=1, raw_override=None):
    """pixels[y][x] is a tuple of samples. Returns the PNG file bytes."""
    channels = CHANNELS[color_type]
    if raw_override is not None:
        raw = raw_override
    elif not interlace:
        raw = filtered_scanlines(pixels, width, height, channels, bit_depth, filters)
    else:
        raw = bytearray()
        row_offset = 0
        for x0, y0, dx, dy in ADAM7:
            sub = [[pixels[y][x] for x in range(x0, width, dx)] for y in range(y0, height, dy)]
            if not sub or not sub[0]:
                continue  # empty passes have no scanlines at all, not even filter bytes
            raw += filtered_scanlines(sub, len(sub[0]), len(sub), channels, bit_depth, filters, row_offset)
            row_offset += len(sub)
        raw = bytes(raw)
    data = zlib.compress(raw, 9)
    step = -(-len(data) // idat_parts)
    idats = b"".join(chunk(b"IDAT", data[i : i + step]) for i in range(0, len(data), step))
    return (
        SIGNATURE
        + ihdr(width, height, bit_depth, color_type, int(interlace))
        + b"".join(before_idat)
        + idats
        + b"".join(after_idat)
        + chunk(b"IEND", b"")
    )
