#!/usr/bin/env node
// Runs the Python tools' tests (tools/test_*.py) with Debian's /usr/bin/python3 when PyTorch is
// installed there; otherwise says how to install it and skips (the app and its other tests never
// need Python).
import { spawnSync } from 'node:child_process';

const python = process.env.PYTHON ?? '/usr/bin/python3';
const probe = spawnSync(python, ['-c', 'import torch, torchvision, onnx, PIL'], {
  stdio: 'ignore',
});
if (probe.status !== 0) {
  console.log(
    `tools tests skipped: ${python} lacks torch/torchvision/onnx/PIL. ` +
      'Install them with: sudo apt-get install -y python3-torch python3-torchvision python3-onnx python3-pil',
  );
  process.exit(process.env.CI ? 1 : 0);
}
const run = spawnSync(
  python,
  ['-m', 'unittest', 'discover', '-s', 'tools', '-p', 'test_*.py', '-v'],
  { stdio: 'inherit' },
);
process.exit(run.status ?? 1);
