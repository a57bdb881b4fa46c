#!/usr/bin/env bash
# The end-to-end tests drive Debian's chromium (Playwright cannot download its own browser here).
# Installs it when missing and possible; otherwise says exactly what to run.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
cmd="apt-get update && apt-get -o DPkg::Lock::Timeout=600 install -y chromium"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "chromium is missing: installing it ($cmd)" >&2
  bash -c "$cmd" >&2
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  echo "chromium is missing: installing it (sudo $cmd)" >&2
  sudo bash -c "$cmd" >&2
else
  echo "The end-to-end tests need Debian's chromium at $CHROMIUM. Install it with:" >&2
  echo "  sudo bash -c '$cmd'" >&2
  echo "(or point CHROMIUM_PATH at a Chromium binary)" >&2
  exit 1
fi
