#!/usr/bin/env bash
# Schemathesis (property-based tests generated from an OpenAPI document), pinned, in its own
# Python virtualenv under .services/schemathesis/ (installed once, then reused).
#   schemathesis.sh install   install if missing (idempotent)
#   schemathesis.sh path      install if missing, print the `st` executable
# shellcheck disable=SC2034 # read by lib.sh
SERVICE_NAME=schemathesis
# shellcheck source=../services/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../services/lib.sh"

VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
HOME_DIR="$SERVICES_DIR/schemathesis"
VENV="$HOME_DIR/venv-$VERSION"
ST="$VENV/bin/st"

install() {
  [ -x "$ST" ] && return 0
  command -v python3 >/dev/null || die "python3 is needed for schemathesis"
  log "installing schemathesis $VERSION into $VENV"
  rm -rf "$VENV"
  mkdir -p "$HOME_DIR"
  python3 -m venv "$VENV" || die "python3 -m venv failed"
  "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$VERSION" >"$HOME_DIR/pip.log" 2>&1 ||
    { tail -n 20 "$HOME_DIR/pip.log" >&2; rm -rf "$VENV"; die "pip could not install schemathesis $VERSION"; }
}

case "${1:-}" in
  install) install ;;
  path) install && echo "$ST" ;;
  *) echo "usage: $0 install|path" >&2; exit 2 ;;
esac
