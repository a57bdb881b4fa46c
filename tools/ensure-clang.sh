#!/usr/bin/env bash
# The WebAssembly kernels (src/kernels) are built with Debian's clang-16 and lld-16 (wasm-ld).
# Installs them when missing and possible; otherwise says exactly what to run.
set -euo pipefail
LLVM="${LLVM_BIN:-/usr/lib/llvm-16/bin}"
if [ -x "$LLVM/clang" ] && [ -x "$LLVM/wasm-ld" ]; then exit 0; fi
cmd="apt-get update && apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends clang-16 lld-16"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "clang-16/lld-16 are missing: installing them ($cmd)" >&2
  bash -c "$cmd" >&2
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  echo "clang-16/lld-16 are missing: installing them (sudo $cmd)" >&2
  sudo bash -c "$cmd" >&2
else
  echo "The WebAssembly kernels need Debian's clang-16 and lld-16 in $LLVM. Install them with:" >&2
  echo "  sudo bash -c '$cmd'" >&2
  echo "(or point LLVM_BIN at an LLVM 16+ bin folder with clang and wasm-ld)" >&2
  exit 1
fi
