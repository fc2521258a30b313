#!/usr/bin/env bash
# Mesa 25's software Vulkan driver (llvmpipe) from Debian bookworm-backports, so onnxruntime-node's
# WebGPU provider finds an adapter on a machine without a GPU and the WebGPU code path is tested
# for correctness in CI (docs/engines.md; Debian 12's own Mesa 22.3 reports "No supported
# adapters"). The mirror is read from the machine's existing apt sources, never written here.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
backports="${codename}-backports"
target=/etc/apt/sources.list.d/n2s-${backports}.sources

# The first URI that serves the plain "$codename" suite (deb822 .sources or one-line .list files).
find_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] && [ "$f" != "$target" ] || continue
    awk -v suite="$codename" '
      /^[[:space:]]*$/ { if (uri != "" && ok) { print uri; exit } uri=""; ok=0; next }
      /^URIs:/ { uri=$2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) ok=1 }
      END { if (uri != "" && ok) print uri }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -e "$f" ] || continue
    awk -v suite="$codename" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i ~ /:\/\//) { if ($(i+1) == suite) print $i; break } }' "$f"
  done
}

if ! grep -rqs "$backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  mirror=$(find_mirror | head -n 1)
  if [ -z "$mirror" ]; then
    echo "mesa-vulkan: no apt source for suite $codename found; cannot add $backports" >&2
    exit 1
  fi
  printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" "$backports" | $SUDO tee "$target" >/dev/null
  echo "mesa-vulkan: added $backports from $mirror"
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq -t "$backports" mesa-vulkan-drivers >/dev/null
echo "mesa-vulkan: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
