#!/bin/sh
# `make run`: a complete local sandbox of aircall-gorgias.
#
#   - installs the Debian packages it needs (scripts/deps.sh: as root; else
#     it prints the apt-get line to run and stops),
#   - builds cgi-bin/aircall-gorgias.fcgi,
#   - then scripts/sandbox.py starts a private PostgreSQL (var/pg), the fake
#     Gorgias (127.0.0.1:18091) and fake Aircall (127.0.0.1:18092) with a
#     sandbox account, lighttpd serving the bridge on 127.0.0.1:8080, installs
#     the bridge for the sandbox account and waits; Ctrl-C stops everything.
#
# Everything it writes lives under var/ (git-ignored). Ports can be changed
# with AG_SANDBOX_HTTP_PORT, AG_SANDBOX_GORGIAS_PORT, AG_SANDBOX_AIRCALL_PORT,
# AG_SANDBOX_PG_PORT. POSIX sh, so `sh scripts/run-sandbox.sh` works too.
set -eu

cd "$(dirname "$0")/.."

sh scripts/deps.sh

echo "== building"
make

# sandbox.py stops everything it started on Ctrl-C (SIGINT) and SIGTERM;
# exec, so the signal reaches it directly and this shell leaves nothing behind.
exec /usr/bin/python3 scripts/sandbox.py "$@"
