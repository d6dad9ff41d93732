#!/usr/bin/python3
"""Make the upgrade fixture of one release: a database created by that
release's `migrate`, holding what a running bridge accumulates (an installation
with sealed Gorgias and Aircall tokens and a webhook token, its numbers, a
call mapped to a Gorgias ticket and customer, an SMS conversation, caches),
dumped with pg_dump, plus a manifest of the vendor objects it refers to.

    make -C <checkout of the release>
    /usr/bin/python3 tests/upgrade/make_dump.py --binary <checkout>/cgi-bin/aircall-gorgias.fcgi \\
        --release <commit>

writes tests/upgrade/schema-NNN-<commit>.sql and .json (NNN: the release's
last migration). tests/e2e/test_upgrade.py restores every such dump, runs
the current `migrate` on it and processes calls. Make one for every release
that changes sql/, with the binary of that release.
"""

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "e2e"))
sys.path.insert(0, str(HERE.parent / "fakes"))

import aircall_events as ev  # noqa: E402
import harness  # noqa: E402
from sandbox import Sandbox  # noqa: E402

CALL_ID = 880001
CALLER = "+34666444555"
SMS_FROM = "+34611222333"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True, type=Path)
    ap.add_argument("--release", required=True, help="short commit of the release")
    args = ap.parse_args()
    binary = args.binary.resolve()

    root = harness.make_run_dir(prefix="ag-dump-")
    pg = harness.PgCluster(root / "pg")
    fakes = harness.Fakes(root / "fakes")
    try:
        pg.init().start()
        pg.createdb()
        fakes.start()
        log = harness.BridgeLog(root / "bridge.log").create()
        env = base_env = harness.bridge_env_for(pg, fakes, "https://bridge.example.com",
                                                log.path)

        def cli(*a, env=None, check=False, **kw):
            return harness.run_cli(list(a), env or base_env, binary=binary, check=check, **kw)

        cli("migrate", check=True)
        sb = Sandbox(fakes, cli)
        sb.setup_vendors()
        sb.install("--country", "FR", "--time-zone", "Europe/Paris", "--locale", "de")

        def post(body):
            r = harness.run_cgi("POST", "/webhooks/aircall", body=body, env=env, binary=binary)
            assert r.status == 200, (r.status, r.text, r.stderr)

        call = sb.scenario(call_id=CALL_ID, external=CALLER)
        for body in call.answered_sequence(with_recording=False):
            post(body)
        post(ev.message_received(token=sb.token, id="SM-upgrade-1", external=SMS_FROM,
                                 created_at=time.time()))
        time.sleep(1.5)            # messages are held for 1 s
        cli("worker", "--once", check=True)
        pending = pg.scalar("select count(*) from inbox where status not in ('done', 'ignored')")
        assert int(pending) == 0, pg.query("select event, status, last_error from inbox")
        assert int(pg.scalar("select count(*) from call_record "
                             "where gorgias_ticket_id is not null")) == 1
        assert int(pg.scalar("select count(*) from conversation "
                             "where gorgias_ticket_id is not null")) == 1

        version = int(pg.scalar("select max(version) from schema_version"))
        stem = HERE / f"schema-{version:03d}-{args.release}"
        dump = subprocess.run(
            ["pg_dump", "--no-owner", "--no-privileges", "-h", str(pg.sock), "-p",
             str(pg.port), "-U", "postgres", pg.dbname],
            capture_output=True, text=True, check=True, env=harness.clean_env())
        stem.with_suffix(".sql").write_text(dump.stdout)
        fg, acct = fakes.gorgias.api, sb.account
        manifest = {
            "release": args.release,
            "schema_version": version,
            "secret_key": harness.TEST_SECRET_KEY,
            "webhook_token": sb.token,
            "call_id": CALL_ID,
            "caller": CALLER,
            "sms_from": SMS_FROM,
            "gorgias": {
                "account": acct,
                "users": [{k: u.get(k) for k in ("id", "email", "name", "firstname", "api_key")}
                          | {"role": u["role"]["name"]} for u in fg.users(acct)],
                "customers": [{"id": c["id"], "name": c["name"], "email": c["email"],
                               "note": c.get("note"),
                               "channels": [{k: ch[k] for k in ("type", "address", "preferred")}
                                            for ch in c["channels"]]}
                              for c in fg.customers(acct)],
                "tickets": [{k: t.get(k) for k in ("id", "channel", "status", "subject",
                                                     "external_id")}
                            | {"customer": {"id": t["customer"]["id"]}}
                            for t in fg.tickets(acct)],
                "tags": [{"id": t["id"], "name": t["name"]}
                         for t in sorted(fg.tags(acct), key=lambda t: t["id"])],
            },
            "aircall": {"company_id": sb.company_id},
        }
        stem.with_suffix(".json").write_text(json.dumps(manifest, indent=1, sort_keys=True)
                                             + "\n")
        print(f"wrote {stem}.sql and .json")
    finally:
        fakes.stop()
        pg.destroy()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
