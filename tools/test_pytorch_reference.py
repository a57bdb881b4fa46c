"""tools/pytorch_reference.py reproduces the committed PyTorch references for the tiny model."""
import json
import subprocess
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / 'e2e' / 'fixtures' / 'images'


class PyTorchReferenceTest(unittest.TestCase):
    def test_tiny_reference_matches_committed_references(self):
        files = [IMAGES / 'chelsea.png', IMAGES / 'rocket.jpg']
        out = subprocess.run([sys.executable, str(ROOT / 'tools' / 'pytorch_reference.py'), '--tiny', *map(str, files)],
                             check=True, capture_output=True, text=True).stdout
        got = json.loads(out)['images']
        ref = json.loads((ROOT / 'e2e' / 'fixtures' / 'references.json').read_text())['images']
        for f in files:
            self.assertEqual([t['index'] for t in got[f.name]['top5']], [t['index'] for t in ref[f.name]['top5']])
            self.assertLess(max(abs(a - b) for a, b in zip(got[f.name]['logits'], ref[f.name]['logits'])), 1e-5)


    def test_bicubic_preset_is_pillows_bicubic(self):
        """torchvision's InterpolationMode.BICUBIC on a PIL image is Pillow's own Image.BICUBIC resize."""
        sys.path.insert(0, str(ROOT / 'tools'))
        import numpy as np
        from PIL import Image
        from preprocess import load_fixture, preprocess
        for name in ['chelsea.png', 'rocket.jpg', 'wide-600x100.png', 'tiny-7x5.png']:
            img = load_fixture(name)
            r = preprocess(img, 'bicubic-256-224')
            direct = img.resize(r['resized'].size, Image.BICUBIC)
            self.assertTrue(np.array_equal(np.asarray(r['resized']), np.asarray(direct)), name)
            bilinear = preprocess(img, 'torchvision-256-224')['resized']
            self.assertFalse(np.array_equal(np.asarray(r['resized']), np.asarray(bilinear)), name)


if __name__ == '__main__':
    unittest.main()
