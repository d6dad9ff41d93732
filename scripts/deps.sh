#!/bin/sh
# The one list of Debian 12 packages the project needs: to build the bridge,
# to run it (`make run`) and to test it (`make test`, `.ci/run`).
#
#   sh scripts/deps.sh          install what is missing (as root), or print
#                               the apt-get line to run and exit 1 (not root)
#   sh scripts/deps.sh --list   print the list, one package a line
#
# Nothing missing: exits 0 at once, without touching apt. As root it also
# makes sure the users the tests need exist (postgres: PostgreSQL refuses to
# run as root; www-data: Apache's children). POSIX sh, no bashisms.
set -eu

PACKAGES="
build-essential pkg-config
libfcgi-dev libcurl4-openssl-dev libjansson-dev libpq-dev libssl-dev
postgresql lighttpd apache2 libapache2-mod-fcgid spawn-fcgi wrk
python3 python3-pytest python3-prometheus-client
chromium
curl ca-certificates tzdata
clang libclang-rt-14-dev
"

if [ "${1:-}" = "--list" ]; then
    for p in $PACKAGES; do echo "$p"; done
    exit 0
fi

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
        missing="$missing $p"
    fi
done

if [ "$(id -u)" -ne 0 ]; then
    if [ -n "$missing" ]; then
        echo "scripts/deps.sh: missing Debian packages:$missing" >&2
        echo "run as root:" >&2
        echo "    apt-get update && apt-get install -y --no-install-recommends$missing" >&2
        exit 1
    fi
    exit 0
fi

if [ -n "$missing" ]; then
    echo "== installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    # shellcheck disable=SC2086 # one word per package
    apt-get install -y --no-install-recommends $missing
fi
if ! id postgres >/dev/null 2>&1; then
    adduser --system --group --home /var/lib/postgresql --shell /bin/bash postgres
fi
if ! id www-data >/dev/null 2>&1; then
    adduser --system --group --no-create-home www-data
fi
