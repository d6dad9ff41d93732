"""Upgrades: every database dumped under tests/upgrade/ (made by a previous
release's `migrate` and bridge, see tests/upgrade/make_dump.py) is restored,
migrated by this binary, and then keeps working: the webhook token still
finds its installation, the sealed vendor tokens still open Gorgias, a later
event of a stored call lands on its ticket, a new call from a known caller
reuses the stored customer, and an SMS continues its conversation's ticket.
"""

import json
import time
from pathlib import Path

import pytest

import harness
from sandbox import AIRCALL_ID, AIRCALL_TOKEN, NUMBER_E164, NUMBER_ID, notes
import aircall_events as ev

UPGRADE_DIR = harness.REPO / "tests" / "upgrade"
DUMPS = sorted(UPGRADE_DIR.glob("schema-*.sql"))
LATEST = max(int(p.name.split("_", 1)[0]) for p in (harness.REPO / "sql").glob("[0-9]*_*.sql"))
COUNT = len(list((harness.REPO / "sql").glob("[0-9]*_*.sql")))   # numbers may leave gaps


def restore(pg, name, dump):
    """A new database `name` holding the dump; returns its conninfo."""
    pg.dropdb(name)
    pg.createdb(name)
    pg.psql(dump.read_text(), db=name, timeout=120)
    return f"host={pg.sock} port={pg.port} user=postgres dbname={name}"


def seed_vendors(fakes, m):
    """The Gorgias and Aircall objects the dumped database refers to."""
    g, fg, fa = m["gorgias"], fakes.gorgias.api, fakes.aircall.api
    acct = g["account"]
    [admin] = [u for u in g["users"] if u["api_key"]]
    fg.add_account(acct, email=admin["email"], api_key=admin["api_key"])
    for u in g["users"]:
        if u is not admin:
            fg.add_user(acct, u["email"], role=u["role"], name=u["name"], id=u["id"])
    for c in g["customers"]:
        fg.add_customer(acct, **c)
    for t in g["tags"]:
        fg.add_tag(acct, t["name"], id=t["id"])
    for t in g["tickets"]:
        fg.add_ticket(acct, **t)
    fa.add_company("Acme", api_id=AIRCALL_ID, api_token=AIRCALL_TOKEN,
                   id=m["aircall"]["company_id"])
    fa.add_number(m["aircall"]["company_id"], NUMBER_E164, name="Support line", id=NUMBER_ID,
                  digits=ev.spaced(NUMBER_E164))


@pytest.fixture(params=DUMPS, ids=[d.stem for d in DUMPS])
def upgraded(request, pg_cluster, pg, fakes, bridge_env, binary):
    dump = request.param
    manifest = json.loads(dump.with_suffix(".json").read_text())
    name = "upgrade_" + dump.stem.replace("-", "_")
    env = dict(bridge_env, AG_DATABASE_URL=restore(pg_cluster, name, dump),
               AG_SECRET_KEY=manifest["secret_key"])
    seed_vendors(fakes, manifest)
    env["_inbox"] = lambda: pg_cluster.psql(
        "select event, status, attempts, last_error from inbox order by id", db=name).stdout
    yield env, manifest
    pg_cluster.dropdb(name)


def _cli(binary, env, *args):
    return harness.run_cli(list(args), _env(env), binary=binary)


def _env(env):
    return {k: v for k, v in env.items() if not k.startswith("_")}


def _post(binary, env, body):
    r = harness.run_cgi("POST", "/webhooks/aircall", body=body, env=_env(env), binary=binary)
    assert r.status == 200, (r.status, r.text, r.stderr)
    return r.json()


def test_upgrade_keeps_installations_tokens_and_mappings(upgraded, binary, fakes):
    env, m = upgraded
    check = _cli(binary, env, "migrate", "--check")
    assert (check.returncode == 0) == (m["schema_version"] == LATEST), check.stdout + check.stderr
    _cli(binary, env, "migrate").check()
    assert _cli(binary, env, "migrate", "--check").returncode == 0
    status = _cli(binary, env, "status", "--json").check().json()
    [inst] = status["installations"]
    assert inst["gorgias_account"] == m["gorgias"]["account"] and inst["state"] == "enabled"

    acct, fg = m["gorgias"]["account"], fakes.gorgias.api
    call_ticket, sms_ticket = (t["id"] for t in m["gorgias"]["tickets"])
    old = ev.CallScenario(call_id=m["call_id"], external=m["caller"], token=m["webhook_token"])
    assert _post(binary, env, old.commented("Kunde ruft wegen Upgrade an"))["status"] == \
        "accepted"
    new = ev.CallScenario(call_id=m["call_id"] + 1, external=m["caller"],
                          token=m["webhook_token"])
    for body in new.answered_sequence(with_recording=False):
        _post(binary, env, body)
    _post(binary, env, ev.message_received(token=m["webhook_token"], id="SM-after-upgrade",
                                           external=m["sms_from"], created_at=time.time()))
    time.sleep(1.2)            # messages are held for 1 s
    _cli(binary, env, "worker", "--once").check()

    tickets = {t["id"]: t for t in fg.tickets(acct)}
    # the stored call -> ticket mapping: the comment is a note on the old ticket
    assert any("Upgrade" in (n.get("body_text") or "") for n in notes(tickets[call_ticket])), \
        (tickets[call_ticket], env["_inbox"]())
    # the phone -> customer mapping: the new call's ticket is the old customer's
    fresh = [t for t in tickets.values() if t["external_id"] == f"aircall:call:{new.call_id}"]
    assert len(fresh) == 1, env["_inbox"]()
    [fresh] = fresh
    assert fresh["customer"]["id"] == m["gorgias"]["customers"][0]["id"]
    assert len(fg.customers(acct)) == len(m["gorgias"]["customers"])
    # the conversation -> ticket mapping: the SMS continues the old ticket
    sms = [msg for msg in tickets[sms_ticket]["messages"] if msg.get("channel") == "sms"]
    assert len(sms) == 1, (tickets[sms_ticket], env["_inbox"]())
    assert len(tickets) == len(m["gorgias"]["tickets"]) + 1


def test_upgrade_dumps_exist():
    """Each release that changes sql/ adds its dump (make_dump.py)."""
    assert DUMPS, "no tests/upgrade/schema-*.sql"
    assert Path(UPGRADE_DIR / "make_dump.py").exists()


@pytest.fixture
def scratch_db(pg_cluster, pg, bridge_env):
    """An empty database of its own and the bridge env pointing at it."""
    name = "scratch_schema"
    pg_cluster.dropdb(name)
    pg_cluster.createdb(name)
    env = dict(bridge_env, AG_DATABASE_URL=f"host={pg_cluster.sock} port={pg_cluster.port} "
               f"user=postgres dbname={name}")
    yield env, name
    pg_cluster.dropdb(name)


def test_migrate_check_exits_non_zero_while_migrations_are_pending(scratch_db, cli):
    env, _ = scratch_db
    before = cli("migrate", "--check", env=env)
    assert before.returncode == 1
    assert before.json() == {"schema_version": 0, "binary_version": LATEST, "pending": COUNT,
                             "state": "pending"}
    cli("migrate", env=env, check=True)
    after = cli("migrate", "--check", env=env)
    assert after.returncode == 0 and after.json()["state"] == "current"


def _server(lighttpd_factory, env):
    port = harness.free_port()
    return lighttpd_factory(env=dict(env, AG_PUBLIC_URL=f"http://127.0.0.1:{port}"), port=port)


def test_web_processes_refuse_an_older_schema_until_migrated(scratch_db, cli, lighttpd_factory,
                                                            bridge_log):
    env, _ = scratch_db
    srv = _server(lighttpd_factory, env)
    r = srv.get("/healthz")
    assert r.status == 503 and r.json()["error"] == "schema_mismatch"
    assert srv.request("POST", "/webhooks/aircall", body={"event": "call.created"}).status == 503
    bridge_log.wait_for(r"database schema: .*run `aircall-gorgias.fcgi migrate`")
    cli("migrate", env=env, check=True)
    # the processes look again within seconds, without a restart
    harness.wait_until(lambda: srv.get("/healthz").status == 200, timeout=15,
                       message="web processes still refuse after migrate")


def test_web_processes_refuse_a_newer_schema(scratch_db, cli, pg_cluster, lighttpd_factory,
                                             bridge_log):
    env, name = scratch_db
    cli("migrate", env=env, check=True)
    pg_cluster.psql("insert into schema_version (version, name) values (999, '999_future.sql')",
                    db=name)
    check = cli("migrate", "--check", env=env)
    assert check.returncode == 3 and check.json()["state"] == "newer"
    srv = _server(lighttpd_factory, env)
    r = srv.get("/healthz")
    assert r.status == 503 and r.json()["error"] == "schema_mismatch"
    bridge_log.wait_for(r"database schema: version 999 is newer than this binary understands")


def test_key_migration_with_another_secret_key_leaves_the_schema_pending(upgraded, binary):
    """The key migration (014) needs AG_SECRET_KEY: run with another key it
    changes nothing and the schema stays pending, so web processes answer a
    retryable 503 (not 401 to every webhook) until `migrate` runs with the
    right key."""
    env, m = upgraded
    if m["schema_version"] >= 14:
        pytest.skip("this dump was made after the key migration")
    wrong = dict(env, AG_SECRET_KEY="0123456789abcdef" * 4)
    assert wrong["AG_SECRET_KEY"] != env["AG_SECRET_KEY"]
    failed = _cli(binary, wrong, "migrate")
    assert failed.returncode != 0
    assert "does not open with this AG_SECRET_KEY" in failed.stderr
    check = _cli(binary, env, "migrate", "--check")
    assert check.returncode != 0 and check.json()["state"] == "pending"
    old = ev.CallScenario(call_id=m["call_id"], external=m["caller"], token=m["webhook_token"])
    r = harness.run_cgi("POST", "/webhooks/aircall", body=old.commented("pending"),
                        env=_env(env), binary=binary)
    assert r.status == 503, (r.status, r.text)
    _cli(binary, env, "migrate").check()
    assert _post(binary, env, old.commented("migrated"))["status"] == "accepted"
