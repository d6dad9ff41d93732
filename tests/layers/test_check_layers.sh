#!/bin/sh
# scripts/check-layers.sh against small made-up trees: each rule must fail
# on a tree that breaks it (naming file:line) and stay quiet on one that
# keeps it, so `make check-layers` passing on src/ means something.
set -u

here=$(cd "$(dirname "$0")/../.." && pwd)
check="$here/scripts/check-layers.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# tree NAME: an empty tree with every layer folder; files are added with put.
tree() { t="$tmp/$1"; mkdir -p "$t/src/base" "$t/src/core" "$t/src/vendor" "$t/src/store" \
	"$t/src/apply" "$t/src/web" "$t/src/cli"; }
put() { mkdir -p "$(dirname "$t/$1")"; printf '%s\n' "$2" > "$t/$1"; }

# expect_fail WHAT PATTERN: the check exits 1 and prints a line matching PATTERN.
expect_fail() {
	out=$(sh "$check" "$t" 2>&1); rc=$?
	if [ $rc -ne 1 ] || ! printf '%s\n' "$out" | grep -q -- "$2"; then
		echo "FAIL: $1: rc=$rc, wanted a line matching '$2'; got:"; printf '%s\n' "$out"
		failed=1
	else
		echo "ok: $1"
	fi
}
expect_pass() {
	out=$(sh "$check" "$t" 2>&1); rc=$?
	if [ $rc -ne 0 ] || [ -n "$out" ]; then
		echo "FAIL: $1: rc=$rc; got:"; printf '%s\n' "$out"; failed=1
	else
		echo "ok: $1"
	fi
}

# A tree that keeps every rule, with what looks like SQL but is not: SQL in
# a comment, an HTML <select>, an HTTP method, an English sentence.
tree clean
put src/store/item_store.c '#include "store/db.h"
int f(void) { return q("select id from item where id = $1"); }'
put src/web/page.c '#include "store/item_store.h"
#include "apply/x.h"
/* select id from item where id = $1: in a comment */
const char *a = "<select name=\"locale\">";
const char *m = "DELETE";
const char *s = "Select the numbers the bridge follows";
const char *l = "Listen in Aircall";'
put src/core/plan.c '#include "core/call.h"
#include "base/buf.h"
#include <jansson.h>'
put src/cli/cli.c '#include "apply/worker.h"
/* db_exec(db, ...) in a comment is no call */
const char *u = "  worker  apply events as they arrive (LISTEN/NOTIFY); db_query( in text\n";'
expect_pass "a tree that keeps the rules"

tree sql_web
put src/web/bad.c '#include "store/db.h"
int f(void)
{ return q("update installation set state = $1 " "where id = $2"); }'
expect_fail "SQL in web/" '^src/web/bad.c:3: sql outside src/store'

tree sql_multiline
put src/apply/bad.c 'int f(void) { return q(
	"with gone as (delete from worker where seen_at < now()) "
	"insert into worker (id) values ($1)"); }'
expect_fail "a statement split over literals" '^src/apply/bad.c:2: sql'

tree sql_upper
put src/vendor/bad.c 'const char *s = "SELECT pg_advisory_unlock(1)";'
expect_fail "upper-case SQL in vendor/" '^src/vendor/bad.c:1: sql'

tree sql_lock
put src/apply/bad.c 'const char *s = "pg_try_advisory_lock($1::int, hashtext($2))";'
expect_fail "an advisory lock outside store/" '^src/apply/bad.c:1: sql'

tree sql_txn
put src/cli/bad.c 'int f(void) { return x("begin"); }'
expect_fail "a transaction statement outside store/" '^src/cli/bad.c:1: sql'

tree sql_base
put src/base/bad.c 'const char *s = "insert into metric_counter (name) values ($1)";'
expect_fail "SQL in base/" '^src/base/bad.c:1: sql'

tree run_web
put src/web/bad.c '#include "store/db.h"
static const char *q = build_query();
int f(struct db *db) { return db_exec(db, q, 0, NULL); }'
expect_fail "a statement run from web/ (SQL built elsewhere)" '^src/web/bad.c:3: statement run outside src/store'

tree run_libpq
put src/apply/bad.c 'void f(PGconn *c, const char *q) { PQclear(PQexec(c, q)); }'
expect_fail "libpq called from apply/" '^src/apply/bad.c:1: statement run outside src/store'

tree core_libpq
put src/core/bad.c '#include "core/call.h"

#include <libpq-fe.h>'
expect_fail "libpq in core/" '^src/core/bad.c:3: core/ does no I/O'

tree core_curl
put src/core/bad.h '#include <curl/curl.h>'
expect_fail "libcurl in a core/ header" '^src/core/bad.h:1: core/ does no I/O'

tree core_fcgi
put src/core/bad.c '#include <fcgiapp.h>'
expect_fail "fcgi in core/" '^src/core/bad.c:1: core/ does no I/O'

tree base_libpq
put src/base/bad.h '#include <libpq-fe.h>'
expect_fail "libpq in base/" '^src/base/bad.h:1: base/ does no I/O'

tree core_store
put src/core/bad.c '#include "store/db.h"'
expect_fail "core/ including store/" '^src/core/bad.c:1: core/ may not include store/'

tree core_vendor
put src/core/bad.c '#include "vendor/http.h"'
expect_fail "core/ including vendor/" '^src/core/bad.c:1: core/ may not include vendor/'

tree store_vendor
put src/store/bad.c '#include "vendor/budget.h"'
expect_fail "store/ including vendor/" '^src/store/bad.c:1: store/ may not include vendor/'

tree store_apply
put src/store/bad.h '#include "apply/worker.h"'
expect_fail "store/ including apply/" '^src/store/bad.h:1: store/ may not include apply/'

tree store_web
put src/store/bad.c '#include "web/session.h"'
expect_fail "store/ including web/" '^src/store/bad.c:1: store/ may not include web/'

tree store_cli
put src/store/bad.c '#include "cli/cli.h"'
expect_fail "store/ including cli/" '^src/store/bad.c:1: store/ may not include cli/'

tree vendor_apply
put src/vendor/bad.c '#include "apply/lookup.h"'
expect_fail "vendor/ including apply/" '^src/vendor/bad.c:1: vendor/ may not include apply/'

tree vendor_web
put src/vendor/bad.c '#include "web/page.h"'
expect_fail "vendor/ including web/" '^src/vendor/bad.c:1: vendor/ may not include web/'

tree apply_web
put src/apply/bad.c '#include "web/session.h"'
expect_fail "apply/ including web/" '^src/apply/bad.c:1: apply/ may not include web/'

tree apply_cli
put src/apply/bad.c '#include "cli/cli.h"'
expect_fail "apply/ including cli/" '^src/apply/bad.c:1: apply/ may not include cli/'

tree cli_web
put src/cli/bad.c '#include "web/session.h"'
expect_fail "cli/ including web/" '^src/cli/bad.c:1: cli/ may not include web/'

tree base_core
put src/base/bad.h '#include "core/call.h"'
expect_fail "base/ including core/" '^src/base/bad.h:1: base/ may not include core/'

tree bare_include
put src/web/bad.c '#include "session.h"'
expect_fail "an include without its layer" '^src/web/bad.c:1: include names its layer'

exit $failed
