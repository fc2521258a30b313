#!/usr/bin/env bash
# Slurm and munge from Debian, for the one-node cluster the Slurm test starts (scripts/slurm-cluster.sh).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
