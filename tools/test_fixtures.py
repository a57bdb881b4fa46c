#!/usr/bin/python3
"""Consistency of the committed fixtures, references and tiny model (nothing is written).

Run: /usr/bin/python3 -m unittest tools/test_fixtures.py
"""

from __future__ import annotations

import json
import sys
import unittest
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from make_fixtures import fixtures_size  # noqa: E402
from export_onnx import file_sha256, onnx_summary, onnx_weight_diff  # noqa: E402
from make_test_model import MANIFEST, MODEL_ID, ONNX_PATH, REFERENCE_JSON, SEED, build_tiny_model, margin_report  # noqa: E402
from preprocess import (DEFAULT_PRESET, IMG_DIR, PRESETS, load_fixture, pil_sha256, preprocess,  # noqa: E402
                        reference_keys, sha256)

ROOT = TOOLS.parent
REFS = ROOT / 'e2e' / 'fixtures' / 'references.json'


class FixturesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)
        cls.refs = json.loads(REFS.read_text())
        cls.model = build_tiny_model(SEED)

    def test_fixture_files(self):
        raw, packed = fixtures_size()
        self.assertLess(packed, 4 * 2**20)  # as git stores it (zlib)
        self.assertLess(raw, 5 * 2**20)
        modes = {n: Image.open(IMG_DIR / n).mode for n in ('grey-320x240.png', 'rgba-300x200.png',
                                                            'palette-200x150.png')}
        self.assertEqual(modes, {'grey-320x240.png': 'L', 'rgba-300x200.png': 'RGBA', 'palette-200x150.png': 'P'})
        ex = Image.open(IMG_DIR / 'exif-rotated.jpg')
        self.assertEqual((ex.size, ex.getexif().get(0x0112)), ((320, 240), 6))
        rgba = np.asarray(Image.open(IMG_DIR / 'rgba-300x200.png'))
        clear = rgba[rgba[..., 3] == 0]
        self.assertGreater(len(clear), 0)
        self.assertTrue((clear[:, :3].max(axis=1) > 0).all())
        for bad in ('not-an-image.jpg', 'not-a-model.onnx'):
            with self.assertRaises(Exception):
                Image.open(IMG_DIR / bad)

    def test_references_match_images(self):
        self.assertEqual(sorted(self.refs['images']), sorted(reference_keys()))
        self.assertEqual(self.refs['presets'], PRESETS)
        for key, rec in self.refs['images'].items():
            with self.subTest(key=key):
                img = load_fixture(key)
                self.assertEqual(rec['decoded_sha256'], pil_sha256(img))
                self.assertEqual((rec['width'], rec['height']), img.size)
                t = preprocess(img, DEFAULT_PRESET)['tensor']
                self.assertEqual(rec['presets'][DEFAULT_PRESET]['tensor_sha256'],
                                 sha256(t.numpy().astype('<f4').tobytes()))
                with torch.no_grad():
                    logits = self.model(t.unsqueeze(0))[0].numpy()
                np.testing.assert_allclose(np.array(rec['logits'], dtype=np.float32), logits, atol=1e-4)
                self.assertEqual(rec['top5'][0]['index'], int(np.argmax(logits)))

    def test_model_files_agree(self):
        sha = file_sha256(ONNX_PATH)
        self.assertLess(ONNX_PATH.stat().st_size, 2 * 2**20)
        entry = {m['id']: m for m in json.loads(MANIFEST.read_text())['models']}[MODEL_ID]
        self.assertEqual(entry['sha256'], sha)
        self.assertEqual(entry['bytes'], ONNX_PATH.stat().st_size)
        self.assertEqual(self.refs['model']['sha256'], sha)
        self.assertEqual(json.loads(REFERENCE_JSON.read_text())['onnx_sha256'], sha)
        self.assertLess(onnx_weight_diff(self.model, ONNX_PATH), 1e-5)
        s = onnx_summary(ONNX_PATH)
        self.assertEqual(s['inputs'], {'input': ['N', 3, 224, 224]})
        self.assertEqual(s['outputs'], {'logits': ['N', 1000]})

    def test_top5_margins(self):
        r = margin_report(self.model, DEFAULT_PRESET, verbose=False)
        self.assertTrue(r['ok'], r)


if __name__ == '__main__':
    unittest.main()
