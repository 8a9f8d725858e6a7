#!/bin/sh
# Install the peer engines of the side-by-side benchmark from Debian
# packages, if any is missing.  Idempotent: prints nothing and changes
# nothing when everything is present.  Needs root (or sudo) otherwise.
#
#   sqlite3, libsqlite3-dev      SQLite with FTS5 (the C adapter links it)
#   python3-xapian               Xapian 1.4 bindings for Debian's python3
#   groonga-bin                  Groonga 13 (the groonga command)
#   groonga-normalizer-mysql     accent-folding normalizer for Groonga
#   groonga-token-filter-stem    Snowball stemming token filter for Groonga
#   sphinxsearch, python3-pymysql  Sphinx 2.2 (indexer, searchd) and a
#                                SphinxQL (MySQL protocol) client
#   liblucene4.10-java, default-jdk-headless  Lucene 4.10 jars and javac
#   time                         /usr/bin/time, for W1 (wall, CPU, RSS)
set -e
PKGS="sqlite3 libsqlite3-dev python3-xapian groonga-bin groonga-normalizer-mysql
groonga-token-filter-stem sphinxsearch python3-pymysql liblucene4.10-java
default-jdk-headless time"
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
echo "bench-peers: installing missing packages:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The Debian sphinxsearch package starts no daemon by default; searchd is
# started by the adapter on its own port with its own configuration.
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq $missing
