"""The web processes answer within Aircall's 5 s even when PostgreSQL does
not: a held lock (a migration, a stuck transaction) gives a quick 503, which
Aircall retries, instead of a request that hangs until Aircall gives up."""

import subprocess
import time

import harness
from sandbox import installed  # noqa: F401


def test_webhook_answers_503_quickly_while_the_inbox_is_locked(installed, db):  # noqa: F811
    call = installed.scenario(call_id=64001)
    holder = subprocess.Popen(
        ["psql", "-X", "-q", "-h", str(db.sock), "-p", str(db.port), "-U", "postgres",
         "-d", db.dbname, "-c",
         "begin; lock table inbox in access exclusive mode; select pg_sleep(12); commit;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        harness.wait_until(lambda: int(db.scalar(
            "select count(*) from pg_locks l join pg_class c on c.oid = l.relation "
            "where c.relname = 'inbox' and l.mode = 'AccessExclusiveLock' and l.granted")) == 1,
            timeout=10, message="the lock was not taken")
        t0 = time.monotonic()
        status, _ = installed.post(call.created())
        took = time.monotonic() - t0
        assert status == 503, status
        assert took < 5.0, f"answered after {took:.1f} s"
    finally:
        # The server-side sleep outlives its client: end it there.
        db.query("select pg_terminate_backend(pid) from pg_stat_activity "
                 "where query like '%lock table inbox%' and pid <> pg_backend_pid()")
        holder.wait(timeout=10)
    assert installed.post(call.created())[0] == 200
