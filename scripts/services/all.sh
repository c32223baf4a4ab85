#!/usr/bin/env bash
# Every service of the cluster profile at once: all.sh start|stop|status
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
services=(postgres kafka clickhouse)
case "${1:-}" in
  start)
    for s in "${services[@]}"; do "$here/$s.sh" start; done
    for s in "${services[@]}"; do "$here/$s.sh" status; done
    ;;
  stop)
    # reverse order; keep stopping the rest when one fails
    rc=0
    for ((i = ${#services[@]} - 1; i >= 0; i--)); do "$here/${services[$i]}.sh" stop || rc=1; done
    exit "$rc"
    ;;
  status)
    rc=0
    for s in "${services[@]}"; do "$here/$s.sh" status || rc=1; done
    exit "$rc"
    ;;
  *)
    echo "usage: $(basename "$0") start|stop|status" >&2
    exit 2
    ;;
esac
