#!/usr/bin/env bash
# System packages the test suite and benchmarks need on a Debian machine (run as root):
# Chromium for the browser tests, Debian's Python packages as independent reference tools.
# Each scripts/setup.d/*.sh adds what one capability needs (e.g. Slurm, Mesa's Vulkan driver).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  chromium fonts-dejavu-core \
  python3-numpy python3-torch python3-skimage python3-tifffile python3-zarr python3-onnx python3-yaml \
  >/dev/null
for f in "$(dirname "$0")"/setup.d/*.sh; do
  [ -e "$f" ] || continue
  echo "setup: $(basename "$f")"
  bash "$f"
done
