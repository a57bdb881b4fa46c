#!/usr/bin/python3
"""Write the checkpoint fixtures of test/checkpoint*.test.ts into test/data/checkpoints/.

Usage: /usr/bin/python3 tools/make_checkpoint_fixtures.py

Valid files are real torch.save outputs (Debian's torch 1.13) of a tiny RepOpt-VGG and of small
tensors chosen to exercise the reader: every dtype, non-contiguous views, shared storages, the
legacy (non-zip) format, pickle protocols 2, 4 and 5, a pickled nn.Module, training-script
layouts. A few are rewritten archives (DEFLATE entries, ZIP64 records, big-endian storages) that
torch.load is checked to read (except the big-endian one: torch 1.13 predates the byteorder
record). expected.json holds, per valid file, the layout and every tensor's dtype, shape and the
sha256 of its values as the reader materialises them (contiguous, little-endian; float16 and
bfloat16 widened to float32) and of `t.float()`.

Broken and hostile files (a pickle that would run os.system, pickle bombs, a truncated archive,
a storage shorter than declared, ...) are listed in expected.json with the error code the reader
must give. Generating the hostile files runs nothing: a __reduce__ only *describes* a call.

pickles/*.pkl are plain pickles of one sample object at protocols 0-5 (pickle VM coverage) and
pickles.json its expected plain-data form.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import pickle
import shutil
import struct
import sys
import zipfile
import zlib
from collections import OrderedDict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from repopt_vgg import RepOptVGG, seeded_init  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / 'test' / 'data' / 'checkpoints'
PICKLES = OUT / 'pickles'
PWNED = '/tmp/pwned-by-checkpoint'

DTYPE_NAMES = {
    torch.float32: 'float32', torch.float16: 'float16', torch.bfloat16: 'bfloat16',
    torch.float64: 'float64', torch.int64: 'int64', torch.int32: 'int32', torch.uint8: 'uint8',
    torch.bool: 'bool',
}
STORAGE_ITEM_SIZE = {
    'FloatStorage': 4, 'HalfStorage': 2, 'BFloat16Storage': 2, 'DoubleStorage': 8,
    'LongStorage': 8, 'IntStorage': 4, 'ByteStorage': 1, 'BoolStorage': 1,
}
# Fixed timestamp for the archives this script rewrites, so reruns give the same bytes.
ZIP_TIME = (2024, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------- tensors

def tiny_model() -> RepOptVGG:
    """RepOpt-VGG target mode, one block per stage, 4..32 channels, 10 classes (~7k weights)."""
    return seeded_init(RepOptVGG([1, 1, 1, 1], 10, [0.0625] * 4), seed=7).eval()


def tiny_state_dict():
    return tiny_model().state_dict()


def dtype_tensors():
    g = torch.Generator().manual_seed(3)
    inf, nan = math.inf, math.nan
    return OrderedDict(
        f32=torch.randn(3, 4, generator=g),
        f16=torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 6e-8, 1e-5, inf, -inf, nan, 1 / 3],
                         dtype=torch.float16),
        bf16=torch.tensor([0.0, -0.0, 1.0, -2.5, 3e38, 1e-40, inf, -inf, nan, 1 / 3],
                          dtype=torch.bfloat16),
        f64=torch.tensor([1 / 3, -2.5e-300, 1e300, -1e300, 1e-50, 123456789.123456789, 0.1],
                         dtype=torch.float64),
        i64=torch.tensor([0, -1, 2 ** 40, -2 ** 63, 2 ** 62, 12345], dtype=torch.int64),
        i32=torch.tensor([[0, -1], [2 ** 31 - 1, -2 ** 31]], dtype=torch.int32),
        u8=torch.arange(0, 256, 37, dtype=torch.uint8),
        flags=torch.tensor([True, False, True]),
        num_batches_tracked=torch.tensor(12345, dtype=torch.int64),
        scalar=torch.tensor(2.5),
        empty=torch.zeros(0, 3),
        empty_i64=torch.zeros(2, 0, dtype=torch.int64),
    )


def view_tensors():
    g = torch.Generator().manual_seed(5)
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) * 0.5 - 3
    return OrderedDict(
        base=base,
        transposed=base.t(),  # shares base's storage, strides (1, 6)
        column=base[:, 2],  # storage offset 2, stride 6
        rows=base[1:3],  # storage offset 6, contiguous
        corner=base[1:3, 3:5],  # offset 9, strides (6, 1)
        expanded=torch.tensor([1.5, -2.0, 3.25]).expand(4, 3),  # stride 0
        channels_last=torch.randn(2, 3, 2, 2, generator=g).contiguous(memory_format=torch.channels_last),
        every_third=torch.arange(10, dtype=torch.int64)[2:9:3],
        permuted_half=torch.randn(2, 3, 4, generator=g).half().permute(2, 0, 1),
        bf16_slice=torch.randn(5, generator=g).bfloat16()[1:4],
        f64_t=torch.randn(3, 2, generator=g, dtype=torch.float64).t(),
    )


def data_bytes(t: torch.Tensor) -> bytes:
    """The reader's materialised values: contiguous, little-endian, half types widened."""
    t = t.detach().contiguous()
    if t.dtype in (torch.float16, torch.bfloat16):
        t = t.float()
    return t.numpy().tobytes()


def describe(sd) -> list:
    out = []
    for name, t in sd.items():
        t = t.detach()
        f = t.float().contiguous().reshape(-1)
        finite = f[torch.isfinite(f)]
        out.append({
            'name': name,
            'dtype': DTYPE_NAMES[t.dtype],
            'shape': list(t.shape),
            'sha256': hashlib.sha256(data_bytes(t)).hexdigest(),
            'float32_sha256': hashlib.sha256(t.float().contiguous().numpy().tobytes()).hexdigest(),
            'finite_sum': float(finite.double().sum()),
            'first': [float(v) if math.isfinite(v) else str(v) for v in f[:4].tolist()],
        })
    return out


# --------------------------------------------------------------------------- archives

def zip_entries(path: Path):
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i.filename)) for i in z.infolist()]


def write_zip(path: Path, entries, method=zipfile.ZIP_STORED) -> None:
    with zipfile.ZipFile(path, 'w') as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = method
            z.writestr(info, data)


def write_zip64(path: Path, entries) -> None:
    """STORED entries whose sizes and offsets all live in ZIP64 records (as for a > 4 GB file)."""
    out = bytearray()
    central = bytearray()
    for name, data in entries:
        raw = name.encode()
        crc = zlib.crc32(data)
        offset = len(out)
        local_extra = struct.pack('<HHQQ', 1, 16, len(data), len(data))
        out += struct.pack('<IHHHHHIIIHH', 0x04034B50, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                           len(raw), len(local_extra)) + raw + local_extra + data
        extra = struct.pack('<HHQQQ', 1, 24, len(data), len(data), offset)
        central += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014B50, 45, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF,
                               0xFFFFFFFF, len(raw), len(extra), 0, 0, 0, 0, 0xFFFFFFFF) + raw + extra
    cd_offset = len(out)
    out += central
    eocd64_offset = len(out)
    out += struct.pack('<IQHHIIQQQQ', 0x06064B50, 44, 45, 45, 0, 0, len(entries), len(entries),
                       len(central), cd_offset)
    out += struct.pack('<IIQI', 0x07064B50, 0, eocd64_offset, 1)
    out += struct.pack('<IHHHHIIH', 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    path.write_bytes(bytes(out))


class _StorageTypes(pickle.Unpickler):
    """Reads data.pkl only to learn each storage key's type (for the big-endian rewrite)."""

    def __init__(self, f):
        super().__init__(f)
        self.types = {}

    def find_class(self, module, name):
        if module == 'torch' and name.endswith('Storage'):
            return name
        if module == 'collections' and name == 'OrderedDict':
            return OrderedDict
        return lambda *a, **k: None

    def persistent_load(self, pid):
        self.types[pid[2]] = pid[1]


def to_big_endian(src: Path, dst: Path) -> None:
    entries = zip_entries(src)
    prefix = entries[0][0].split('/')[0]
    reader = _StorageTypes(io.BytesIO(dict(entries)[f'{prefix}/data.pkl']))
    reader.load()
    out = []
    for name, data in entries:
        key = name[len(f'{prefix}/data/'):] if name.startswith(f'{prefix}/data/') else None
        if key is not None:
            size = STORAGE_ITEM_SIZE[reader.types[key]]
            data = b''.join(data[i:i + size][::-1] for i in range(0, len(data), size))
        out.append((name.replace(prefix, dst.stem, 1), data))
    out.append((f'{dst.stem}/byteorder', b'big'))
    write_zip(dst, out)


def renamed(entries, old: str, new: str):
    return [(n.replace(old, new, 1), d) for n, d in entries]


# --------------------------------------------------------------------------- hostile files

class RunsShellCommand:
    """torch.load(..., weights_only=False) of a pickle holding this would call os.system."""

    def __reduce__(self):
        return (os.system, (f'touch {PWNED}',))


def nested_list_bomb_stack(depth: int) -> bytes:
    """[[[[...]]]] built on the stack: `depth` EMPTY_LISTs then APPENDs."""
    return b'\x80\x02' + b']' * depth + b'a' * (depth - 1) + b'.'


def nested_list_bomb_memo(depth: int) -> bytes:
    """The same nesting with a stack that never holds more than two items (memo + BINGET)."""
    out = bytearray(b'\x80\x04]\x94')  # L0, memo 0
    for i in range(1, depth):
        # push Li, memoize it, L(i-1).append(Li), drop L(i-1), fetch Li
        out += b']\x94a0j' + struct.pack('<I', i)
    out += b'0j' + struct.pack('<I', 0) + b'.'
    return bytes(out)


class CfgNode(dict):
    """Shaped like yacs.config.CfgNode (a dict subclass with bookkeeping in __dict__)."""

    def __init__(self, init=None):
        super().__init__(init or {})
        self.__dict__['__immutable__'] = True
        self.__dict__['__deprecated_keys__'] = set()
        self.__dict__['__renamed_keys__'] = {}
        self.__dict__['__new_allowed__'] = False


class Thing:
    def __init__(self):
        self.a = 1
        self.b = [1, 2]


# --------------------------------------------------------------------------- pickle VM samples

def sample_object():
    shared = [9]
    return {
        'none': None, 'true': True, 'false': False,
        'int_small': 7, 'int_neg': -300, 'int_16': 40000, 'int_32': -2 ** 31, 'int_40': 2 ** 40,
        'int_big': 2 ** 70, 'int_neg_big': -2 ** 65,
        'float': 0.1, 'float_tiny': -2.5e-300, 'float_big': 1e308,
        'str': 'h\u00e9llo \u2603 \U0001F600 \n\r\\ "quoted" \'s\' \x00',
        'empty_str': '',
        'bytes': b'\x00\x01\xff\\', 'bytearray': bytearray(b'ab'),
        'tuple0': (), 'tuple1': (1,), 'tuple2': (1, 2), 'tuple3': (1, 2, 3), 'tuple5': (1, 2, 3, 4, 5),
        'list': [1, [2, [3]]], 'dict': {1: 'one', 'k': {}},
        'set': {1, 2}, 'frozenset': frozenset({3}),
        'shared': [shared, shared],
        'ordered': OrderedDict([('b', 1), ('a', 2)]),
        'thing': Thing(),
        'long_list': list(range(2500)),
    }


def to_json(v):
    """The plain form test/checkpoint-pickle.test.ts builds from the reader's values."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v if abs(v) <= 2 ** 53 else {'int': str(v)}
    if isinstance(v, float):
        return v
    if isinstance(v, (bytes, bytearray)):
        return {'bytes': bytes(v).hex()}
    if isinstance(v, (list, tuple)):
        return [to_json(x) for x in v]
    if isinstance(v, (set, frozenset)):
        return {'set': sorted(to_json(x) for x in v)}
    if isinstance(v, dict):
        return {'dict': [[to_json(k), to_json(x)] for k, x in v.items()]}
    return {'global': f'{type(v).__module__}.{type(v).__qualname__}', 'state': to_json(vars(v))}


# --------------------------------------------------------------------------- main

def expected_json(valid: dict, invalid: dict) -> str:
    """Indented, except one line per tensor so the file stays short and diffs stay readable."""
    def compact(v):
        return json.dumps(v, separators=(', ', ': '))

    lines = ['{', ' "valid": {']
    for i, (name, v) in enumerate(valid.items()):
        head = {k: x for k, x in v.items() if k != 'tensors'}
        lines.append(f'  {json.dumps(name)}: {compact(head)[:-1]}, "tensors": [')
        lines += [f'   {compact(t)}' + (',' if j < len(v['tensors']) - 1 else '') for j, t in enumerate(v['tensors'])]
        lines.append('  ]}' + (',' if i < len(valid) - 1 else ''))
    lines += [' },', f' "invalid": {compact(invalid)}', '}', '']
    return '\n'.join(lines)


def save(name: str, obj, **kw) -> Path:
    path = OUT / name
    torch.save(obj, str(path), **kw)
    return path


def check_loads(path: Path, sd_expected) -> None:
    """The rewritten archives are real checkpoints: torch 1.13 reads them back equal."""
    got = torch.load(str(path), map_location='cpu')
    assert list(got.keys()) == list(sd_expected.keys()), path
    for k, v in sd_expected.items():
        assert torch.equal(got[k], v) or (v.is_floating_point() and torch.allclose(got[k], v, equal_nan=True)), k


def main() -> int:
    if OUT.exists():
        shutil.rmtree(OUT)
    PICKLES.mkdir(parents=True)
    torch.manual_seed(0)
    valid = {}
    invalid = {}

    def add(name, sd, fmt='zip', layout='state_dict', key=None, stripped=None):
        valid[name] = {'format': fmt, 'layout': layout, 'key': key, 'stripped': stripped,
                       'tensors': describe(sd)}

    sd = tiny_state_dict()
    dtypes = dtype_tensors()
    views = view_tensors()

    save('bare.pth', sd)
    add('bare.pth', sd)

    model = tiny_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    model.train()
    model(torch.randn(2, 3, 32, 32)).logsumexp(1).sum().backward()
    opt.step()
    model.eval()
    trained = model.state_dict()
    cfg = CfgNode({'MODEL': CfgNode({'ARCH': 'RepOpt-VGG-tiny', 'NUM_CLASSES': 10}),
                   'TRAIN': CfgNode({'EPOCHS': 120, 'BASE_LR': 0.1})})
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=30)
    save('training.pth', {'model': trained, 'optimizer': opt.state_dict(), 'lr_scheduler': sched.state_dict(),
                          'max_accuracy': 78.62, 'epoch': 3, 'config': cfg})
    add('training.pth', trained, layout='model', key='model')

    prefixed = OrderedDict(('module.' + k, v) for k, v in sd.items())
    save('module_prefix.pth', {'epoch': 90, 'arch': 'repopt_vgg_tiny', 'state_dict': prefixed,
                               'best_acc1': torch.tensor(12.5)})
    add('module_prefix.pth', sd, layout='state_dict_key', key='state_dict', stripped='module.')

    save('other_key.pth', {'net': sd, 'iteration': 10})
    add('other_key.pth', sd, layout='other_key', key='net')

    save('pickled_module.pth', tiny_model())
    add('pickled_module.pth', sd, layout='pickled_module')

    save('dtypes.pth', dtypes)
    add('dtypes.pth', dtypes)
    save('views.pth', views)
    add('views.pth', views)
    save('protocol4.pth', views, pickle_protocol=4)
    add('protocol4.pth', views)
    save('protocol5.pth', dtypes, pickle_protocol=5)
    add('protocol5.pth', dtypes)

    legacy = OrderedDict(list(sd.items())[:6] + list(views.items()) + list(dtypes.items()))
    save('legacy.pth', legacy, _use_new_zipfile_serialization=False)
    add('legacy.pth', legacy, fmt='legacy')
    save('legacy_protocol4.pth', dtypes, _use_new_zipfile_serialization=False, pickle_protocol=4)
    add('legacy_protocol4.pth', dtypes, fmt='legacy')

    write_zip(OUT / 'deflated.pth', renamed(zip_entries(OUT / 'bare.pth'), 'bare/', 'deflated/'),
              zipfile.ZIP_DEFLATED)
    check_loads(OUT / 'deflated.pth', sd)
    add('deflated.pth', sd)

    write_zip64(OUT / 'zip64.pth', renamed(zip_entries(OUT / 'dtypes.pth'), 'dtypes/', 'zip64/'))
    check_loads(OUT / 'zip64.pth', dtypes)
    add('zip64.pth', dtypes)

    to_big_endian(OUT / 'views.pth', OUT / 'big_endian.pth')
    add('big_endian.pth', views)

    # ---- refused or broken
    save('malicious.pth', {'model': OrderedDict(w=torch.ones(2)), 'evil': RunsShellCommand()})
    invalid['malicious.pth'] = 'unsafe-checkpoint'
    assert not os.path.exists(PWNED)

    write_zip(OUT / 'pickle_bomb.pth', [('pickle_bomb/data.pkl', nested_list_bomb_stack(100_000)),
                                        ('pickle_bomb/version', b'3\n')], zipfile.ZIP_DEFLATED)
    invalid['pickle_bomb.pth'] = 'unsafe-checkpoint'
    write_zip(OUT / 'pickle_bomb_memo.pth', [('pickle_bomb_memo/data.pkl', nested_list_bomb_memo(100_000)),
                                             ('pickle_bomb_memo/version', b'3\n')], zipfile.ZIP_DEFLATED)
    invalid['pickle_bomb_memo.pth'] = 'unsafe-checkpoint'
    for bomb in ('pickle_bomb.pth', 'pickle_bomb_memo.pth'):
        try:  # sanity: Python builds the nesting (it has no depth limit while unpickling)
            pickle.loads(zip_entries(OUT / bomb)[0][1])
        except RecursionError:
            pass

    bare = (OUT / 'bare.pth').read_bytes()
    (OUT / 'truncated.pth').write_bytes(bare[:len(bare) * 6 // 10])
    invalid['truncated.pth'] = 'corrupt-checkpoint'

    write_zip(OUT / 'not_checkpoint.zip', [('notes/readme.txt', b'hello\n'), ('notes/weights.bin', bytes(64))])
    invalid['not_checkpoint.zip'] = 'not-a-checkpoint'

    lies = []
    for name, data in renamed(zip_entries(OUT / 'bare.pth'), 'bare/', 'storage_size_lies/'):
        lies.append((name, data[:-4] if name == 'storage_size_lies/data/0' else data))
    write_zip(OUT / 'storage_size_lies.pth', lies)
    invalid['storage_size_lies.pth'] = 'corrupt-checkpoint'

    legacy_bytes = (OUT / 'legacy.pth').read_bytes()
    (OUT / 'legacy_truncated.pth').write_bytes(legacy_bytes[:-2])  # inside the last storage
    invalid['legacy_truncated.pth'] = 'corrupt-checkpoint'

    (OUT / 'text.pth').write_bytes(b'This is not a checkpoint, just some text.\n')
    invalid['text.pth'] = 'not-a-checkpoint'
    (OUT / 'plain_pickle.pkl').write_bytes(pickle.dumps({'weights': [1.0, 2.0]}, protocol=2))
    invalid['plain_pickle.pkl'] = 'not-a-checkpoint'
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), str(OUT / 'torchscript.pt'))
    invalid['torchscript.pt'] = 'unsupported-checkpoint'

    # ---- pickle VM samples
    obj = sample_object()
    for proto in range(6):
        (PICKLES / f'sample_p{proto}.pkl').write_bytes(pickle.dumps(obj, protocol=proto))
    (OUT / 'pickles.json').write_text(json.dumps(to_json(obj), indent=1) + '\n')

    (OUT / 'expected.json').write_text(expected_json(valid, invalid))
    total = sum(p.stat().st_size for p in OUT.rglob('*') if p.is_file())
    print(f'wrote {len(valid)} valid and {len(invalid)} invalid checkpoints to {OUT} ({total:,} bytes)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
