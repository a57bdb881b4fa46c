#!/usr/bin/python3
"""Tests for tools/export_onnx.py and tools/make_seeded_checkpoint.py.

Run: /usr/bin/python3 -m unittest tools/test_export.py   (or /usr/bin/python3 tools/test_export.py)
Everything is written to temporary folders with a temporary manifest; models/ is not touched.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS))

import onnx  # noqa: E402
import torch  # noqa: E402

import export_onnx  # noqa: E402
import make_seeded_checkpoint  # noqa: E402
from repopt_vgg import KNOWN_ARCHS, RepOptVGG, count_macs, count_params, match_known_arch, param_count  # noqa: E402

BLOCKS = [1, 1, 2, 1]
WIDTHS = [0.125, 0.125, 0.125, 0.25]
CLASSES = 10


def run_tool(*args):
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True, timeout=300)


def quiet(fn, *a, **kw):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = fn(*a, **kw)
    return rc, out.getvalue(), err.getvalue()


class ExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)
        cls.tmp = tempfile.TemporaryDirectory(prefix='repopt-export-test-')
        cls.dir = Path(cls.tmp.name)
        cls.model = make_seeded_checkpoint.make_model(None, BLOCKS, WIDTHS, CLASSES, seed=7)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def save(self, name, layout='bare', sd=None):
        path = self.dir / name
        torch.save(make_seeded_checkpoint.wrap(sd if sd is not None else self.model.state_dict(), layout), str(path))
        return path

    def check_onnx(self, path: Path, classes: int):
        onnx.checker.check_model(str(path))
        s = export_onnx.onnx_summary(path)
        self.assertEqual(s['inputs'], {'input': ['N', 3, 224, 224]})
        self.assertEqual(s['outputs'], {'logits': ['N', classes]})
        self.assertEqual(s['opset'], 13)
        return s

    def test_layouts(self):
        manifest = self.dir / 'layouts' / 'models.json'
        for layout in make_seeded_checkpoint.LAYOUTS:
            with self.subTest(layout=layout):
                ckpt = self.save(f'small-{layout}.pth', layout)
                out = self.dir / 'layouts' / f'small-{layout}.onnx'
                rc, stdout, stderr = quiet(export_onnx.main, [
                    str(ckpt), '--id', f'small-{layout}', '--out', str(out), '--manifest', str(manifest),
                    '--untrained'])
                self.assertEqual(rc, 0, stderr)
                s = self.check_onnx(out, CLASSES)
                self.assertNotIn('BatchNormalization', s['ops'])  # folded into the convs by the exporter
                self.assertLess(export_onnx.onnx_weight_diff(self.model, out), 1e-5)
                entries = {m['id']: m for m in json.loads(manifest.read_text())['models']}
                e = entries[f'small-{layout}']
                self.assertEqual(e['file'], f'small-{layout}.onnx')
                self.assertEqual(e['bytes'], out.stat().st_size)
                self.assertEqual(e['sha256'], export_onnx.file_sha256(out))
                self.assertEqual(e['params'], count_params(self.model))
                self.assertAlmostEqual(e['gmacs'], count_macs(self.model) / 1e9, places=6)
                self.assertEqual(e['numClasses'], CLASSES)
                self.assertEqual(e['inputSize'], 224)
                self.assertEqual(e['preset'], 'torchvision-256-224')
                self.assertTrue(e['untrained'])
                self.assertIsNone(e['published'])
                self.assertEqual(e['architecture'],
                                 'RepOpt-VGG target, blocks [1, 1, 2, 1], widths [0.125, 0.125, 0.125, 0.25]')
        ids = [m['id'] for m in json.loads(manifest.read_text())['models']]
        self.assertEqual(ids, [f'small-{layout}' for layout in make_seeded_checkpoint.LAYOUTS])

    def test_replace_entry_by_id_and_reference_json(self):
        manifest = self.dir / 'replace' / 'models.json'
        manifest.parent.mkdir(parents=True)
        manifest.write_text(json.dumps({'models': [{'id': 'other', 'file': 'x.onnx'},
                                                   {'id': 'small', 'file': 'old.onnx'}]}))
        ckpt = self.save('small-replace.pth', 'model')
        out = self.dir / 'replace' / 'sub' / 'small.onnx'
        ref = self.dir / 'replace' / 'small-reference.json'
        rc, _, stderr = quiet(export_onnx.main, [str(ckpt), '--id', 'small', '--out', str(out), '--manifest',
                                                 str(manifest), '--reference-json', str(ref),
                                                 '--reference-seed', '5'])
        self.assertEqual(rc, 0, stderr)
        models = json.loads(manifest.read_text())['models']
        self.assertEqual([m['id'] for m in models], ['other', 'small'])
        self.assertEqual(models[1]['file'], 'sub/small.onnx')
        self.assertFalse(models[1]['untrained'])
        data = json.loads(ref.read_text())
        self.assertEqual(data['input_shape'], [1, 3, 224, 224])
        self.assertEqual(data['input_seed'], 5)
        self.assertEqual(len(data['input']), 3 * 224 * 224)
        self.assertEqual(len(data['logits']), CLASSES)
        x = torch.tensor(data['input'], dtype=torch.float32).view(1, 3, 224, 224)
        self.assertTrue(torch.equal(x, export_onnx.reference_input(5)))
        with torch.no_grad():
            want = self.model(x)[0]
        self.assertTrue(torch.allclose(torch.tensor(data['logits']), want, atol=1e-6))
        self.assertEqual(data['onnx_sha256'], models[1]['sha256'])
        self.check_onnx(out, CLASSES)

    def test_detect_config_and_known_arch(self):
        cfg = export_onnx.detect_config(self.model.state_dict())
        self.assertEqual(cfg['num_blocks'], BLOCKS)
        self.assertEqual(cfg['width_multiplier'], WIDTHS)
        self.assertEqual(cfg['num_classes'], CLASSES)
        for name, k in KNOWN_ARCHS.items():
            self.assertEqual(match_known_arch(k['num_blocks'], k['width_multiplier']), name)
        # a known arch gets the published figures unless it is marked untrained
        e = export_onnx.manifest_entry(self.model, Path(__file__), self.dir / 'm.json', model_id='x', name='x',
                                       known='B1', untrained=False, source='t', preset='torchvision-256-224')
        self.assertEqual(e['published']['top1'], 78.62)
        self.assertIsNone(e['published']['top5'])

    def test_param_counts_of_known_archs(self):
        # published: B1 51.8M, B2 80.3M, L1 76.0M, L2 118.1M
        want = {'B1': 51_841_832, 'B2': 80_330_536, 'L1': 76_037_928, 'L2': 118_132_776}
        for name, n in want.items():
            with self.subTest(arch=name):
                cfg = KNOWN_ARCHS[name]
                self.assertEqual(param_count(cfg['num_blocks'], cfg['width_multiplier'], 1000), n)
                self.assertAlmostEqual(n / 1e6, cfg['params_m'], delta=0.05)
        self.assertEqual(count_params(RepOptVGG(KNOWN_ARCHS['B1']['num_blocks'], 1000,
                                                KNOWN_ARCHS['B1']['width_multiplier'])), want['B1'])
        self.assertEqual(param_count(BLOCKS, WIDTHS, CLASSES), count_params(self.model))

    def test_float_metadata_is_refused_clearly(self):
        path = self.dir / 'floats.pth'
        torch.save({'model': self.model.state_dict(), 'max_accuracy': 78.5}, str(path))
        rc, _, stderr = quiet(export_onnx.main, [str(path), '--manifest', str(self.dir / 'floats.json')])
        if rc == 0:
            self.skipTest('this torch reads floats with weights_only=True')
        self.assertEqual(rc, 2)
        self.assertIn('Python float', stderr)

    def test_arch_mismatch_is_refused(self):
        ckpt = self.save('small-arch.pth')
        rc, _, stderr = quiet(export_onnx.main, [str(ckpt), '--arch', 'B1', '--out', str(self.dir / 'a.onnx'),
                                                 '--manifest', str(self.dir / 'arch.json')])
        self.assertEqual(rc, 2)
        self.assertIn('--arch B1 expects blocks [4, 6, 16, 1]', stderr)
        self.assertFalse((self.dir / 'a.onnx').exists())

    def test_missing_key_is_refused(self):
        sd = dict(self.model.state_dict())
        del sd['stage2.0.bn.running_var']
        ckpt = self.save('small-missing.pth', sd=sd)
        rc, _, stderr = quiet(export_onnx.main, [str(ckpt), '--out', str(self.dir / 'm.onnx'),
                                                 '--manifest', str(self.dir / 'missing.json')])
        self.assertEqual(rc, 2)
        self.assertIn('stage2.0.bn.running_var', stderr)

    def test_resnet_is_refused(self):
        import torchvision
        path = self.dir / 'resnet18.pth'
        torch.save(torchvision.models.resnet18(weights=None).state_dict(), str(path))
        manifest = self.dir / 'resnet.json'
        r = run_tool(TOOLS / 'export_onnx.py', path, '--out', self.dir / 'r.onnx', '--manifest', manifest)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('not a RepOpt-VGG target-mode state_dict', r.stderr)
        self.assertIn('conv1.weight', r.stderr)
        self.assertFalse(manifest.exists())
        self.assertFalse((self.dir / 'r.onnx').exists())

    def test_malicious_pickle_is_refused(self):
        marker = self.dir / 'PWNED'
        path = self.dir / 'evil.pth'
        # A real torch.save file whose unpickling would call os.system (via an object's __reduce__).
        code = ('import os, torch\n'
                'class Evil:\n'
                '    def __reduce__(self):\n'
                f'        return (os.system, ("touch {marker}",))\n'
                f'torch.save({{"model": Evil()}}, {str(path)!r})\n')
        subprocess.run([sys.executable, '-c', code], check=True, timeout=120)
        self.assertTrue(path.exists())
        manifest = self.dir / 'evil.json'
        r = run_tool(TOOLS / 'export_onnx.py', path, '--out', self.dir / 'e.onnx', '--manifest', manifest)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('refused to load', r.stderr)
        self.assertIn('system', r.stderr)
        self.assertFalse(marker.exists(), 'the pickled os.system call was executed')
        self.assertFalse(manifest.exists())

    def test_text_file_is_refused(self):
        path = self.dir / 'text.pth'
        path.write_text('not a checkpoint\n')
        rc, _, stderr = quiet(export_onnx.main, [str(path), '--manifest', str(self.dir / 'text.json')])
        self.assertEqual(rc, 2)
        self.assertIn('refused to load', stderr)

    def test_seeded_checkpoint_cli(self):
        out = self.dir / 'cli.pth'
        r = run_tool(TOOLS / 'make_seeded_checkpoint.py', '--blocks', '1,1,1,1', '--widths', '0.125,0.125,0.125,0.25',
                     '--classes', '5', '--seed', '3', '--layout', 'module', '--out', out)
        self.assertEqual(r.returncode, 0, r.stderr)
        sd = torch.load(str(out), map_location='cpu', weights_only=True)
        self.assertTrue(all(k.startswith('module.') for k in sd))
        bn_w = sd['module.stage1.0.bn.weight']
        self.assertTrue(bool(((bn_w >= 0.5) & (bn_w <= 1.5)).all()) and float(bn_w.std()) > 0.05)
        # deterministic: same seed, same weights
        again = make_seeded_checkpoint.make_model(None, [1, 1, 1, 1], [0.125, 0.125, 0.125, 0.25], 5, seed=3)
        self.assertTrue(torch.equal(again.state_dict()['stage1.0.conv.weight'], sd['module.stage1.0.conv.weight']))


if __name__ == '__main__':
    unittest.main()
