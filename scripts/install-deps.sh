#!/bin/sh
# Install the Debian packages depeche needs, if any is missing.
# Idempotent: when everything is present it changes nothing and prints
# nothing.  Needs root (or sudo) only when something is missing.
set -e
PKGS="build-essential pkg-config libstemmer-dev libutf8proc-dev zlib1g-dev
libzstd-dev libisal-dev jq python3"
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
echo "depeche: installing missing packages:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq $missing
