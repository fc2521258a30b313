#!/usr/bin/env bash
# The stack-file tests (test/unit/io) check our TIFF reader/writer against independent writers and
# readers: tifffile (installed by setup-system.sh) and Pillow built with libtiff, which writes the
# LZW and PackBits files tifffile cannot write without imagecodecs.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends python3-pil >/dev/null
