#!/bin/sh
# `make install`: the built binary, its migrations (also compiled into it),
# example web server configs and systemd units, under DESTDIR + PREFIX.
#
#   sh scripts/install.sh DESTDIR PREFIX UNITDIR
#
#   PREFIX/lib/aircall-gorgias/aircall-gorgias.fcgi   the program (FastCGI, CGI, commands)
#   PREFIX/bin/aircall-gorgias                        symlink to it, for the commands
#   PREFIX/share/aircall-gorgias/sql/                 the migrations
#   PREFIX/share/aircall-gorgias/examples/            lighttpd, Apache (mod_fcgid, proxy_fcgi,
#                                                     .htaccess for CGI), env.example
#   UNITDIR/                                          worker, worker-once + timer, FastCGI pool
#   PREFIX/share/doc/aircall-gorgias/                 README and docs
#
# The examples and units name the installed program's path.
set -eu
cd "$(dirname "$0")/.."

destdir=$1
prefix=$2
unitdir=$3
fcgi="$prefix/lib/aircall-gorgias/aircall-gorgias.fcgi"
share="$prefix/share/aircall-gorgias"
doc="$prefix/share/doc/aircall-gorgias"

[ -x cgi-bin/aircall-gorgias.fcgi ] || { echo "build it first: make" >&2; exit 1; }
install -D -m 0755 cgi-bin/aircall-gorgias.fcgi "$destdir$fcgi"
mkdir -p "$destdir$prefix/bin"
ln -sf ../lib/aircall-gorgias/aircall-gorgias.fcgi "$destdir$prefix/bin/aircall-gorgias"

mkdir -p "$destdir$share/sql" "$destdir$share/examples" "$destdir$unitdir" "$destdir$doc"
install -m 0644 sql/*.sql "$destdir$share/sql/"

# The examples were written for /srv/aircall-gorgias/cgi-bin/.
for f in lighttpd/aircall-gorgias.conf apache/aircall-gorgias-fcgid.conf \
         apache/aircall-gorgias-proxy-fcgi.conf apache/htaccess-cgi.example; do
    sed "s|/srv/aircall-gorgias/cgi-bin|$prefix/lib/aircall-gorgias|g" "$f" \
        > "$destdir$share/examples/$(basename "$f")"
    chmod 0644 "$destdir$share/examples/$(basename "$f")"
done
install -m 0644 systemd/env.example "$destdir$share/examples/env.example"

for f in systemd/*.in; do
    unit=$(basename "$f" .in)
    sed "s|@FCGI@|$fcgi|g" "$f" > "$destdir$unitdir/$unit"
    chmod 0644 "$destdir$unitdir/$unit"
done
for f in systemd/*.timer; do
    install -m 0644 "$f" "$destdir$unitdir/"
done

install -m 0644 README.md docs/*.md "$destdir$doc/"
echo "installed under ${destdir:-/}$prefix (units in $destdir$unitdir)"
