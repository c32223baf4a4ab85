#!/usr/bin/env bash
# Installs wrk (Debian package; Apache-2.0) when it is missing, and prints its path.
# The wrk-*.lua scenarios measure HTTP ceilings with it: one C client thread is lighter than
# autocannon's Node client, which topped out before Parley did.
set -euo pipefail
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then echo "wrk is missing; install it with: sudo apt-get install wrk" >&2; exit 1; fi
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
command -v wrk
