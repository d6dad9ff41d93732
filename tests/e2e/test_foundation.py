"""The foundation end to end: real lighttpd/Apache + FastCGI binary, real
PostgreSQL, fake Gorgias and Aircall over real HTTP.

The walking skeleton's path: an answered inbound call.ended becomes a phone
ticket (CT1, CT5, CT6) with an internal note (CN1/CN2) in the fake Gorgias.
"""

import json
import time

import harness
from sandbox import (ACCOUNT, AIRCALL_TOKEN, GORGIAS_KEY, Sandbox, installed, notes,  # noqa: F401
                     secrets_stdin,
                     wait_inbox_settled)


def _tag_names(ticket):
    return sorted(t["name"] for t in ticket.get("tags", []))


def test_answered_call_ended_becomes_phone_ticket(db, fakes, cli, web):
    """CT1 CT5 CT6 TC1 CN1: the walking skeleton, behind lighttpd and Apache."""
    sb = Sandbox(fakes, cli, web)
    sb.setup_vendors()
    sb.install("--country", "FR", env=web.env)
    fakes.gorgias.api.clear_requests()
    call = sb.scenario(call_id=4242)

    status, body = sb.post(call.ended())
    assert status == 200, body
    assert body["status"] == "accepted"

    [ticket] = sb.wait_tickets(1, predicate=lambda ts: len(notes(ts[0])) >= 2)
    assert ticket["channel"] == "phone"
    assert ticket["subject"] == "Inbound call: Aircall New Contact +34666444555" or \
        ticket["subject"] == "Inbound call: +34666444555"
    assert ticket["status"] == "open"
    assert ticket["external_id"] == "aircall:call:4242"
    assert {"Aircall", "Inbound call"} <= set(_tag_names(ticket))
    assert ticket["assignee_user"]["id"] == sb.agent_id          # CT7
    first = ticket["messages"][0]
    assert first["channel"] == "phone" and first["sent_datetime"]
    for n in notes(ticket):
        assert n["sender"]["id"] == sb.agent_id                    # CN5
    wait_inbox_settled(db)
    used = sb.gorgias_requests()
    # Budget of the skeleton path (new customer, cold caches) — see the
    # calls benchmark for the steady state.
    print("gorgias requests:", [f"{r['method']} {r['path']}" for r in used])
    assert len(used) <= 16


def test_duplicate_delivery_changes_nothing(installed, db):
    call = installed.scenario(call_id=4343)
    body = call.ended()
    s1, b1 = installed.post(body)
    s2, b2 = installed.post(body)
    assert (s1, s2) == (200, 200)
    assert b2["status"] == "duplicate"
    installed.wait_tickets(1)
    wait_inbox_settled(db)
    time.sleep(0.3)
    assert len(installed.tickets()) == 1
    assert db.scalar("select count(*) from inbox") == 1
    creates = installed.gorgias_requests(method="POST", path_prefix="/api/tickets")
    assert len([r for r in creates
                if r["path"].rstrip("/").endswith("/api/tickets") and r["status"] == 201]) == 1


def test_wrong_token_is_401_and_stores_nothing(installed, db, bridge_log):
    call = installed.scenario(call_id=4444, token="not-the-token")
    status, body = installed.post(call.ended())
    assert status == 401
    assert body["error"] == "unknown_token"
    assert db.scalar("select count(*) from inbox") == 0
    assert bridge_log.wait_for("unknown token")
    assert "not-the-token" not in bridge_log.text()   # no secret in logs


def test_malformed_json_is_400_and_stores_nothing(installed, db, bridge_log):
    status, body = installed.post(b'{"event": "call.ended", "token": ')
    assert status == 400
    assert body["error"] == "malformed_json"
    status, body = installed.post(b'["not", "an", "object"]')
    assert status == 400
    status, body = installed.post({"event": "call.ended", "token": installed.token})
    assert status == 400 and body["error"] == "missing_fields"
    status, body = installed.post({"event": "call.ended", "token": installed.token,
                                   "data": {"id": "12"}})
    assert status == 400
    assert db.scalar("select count(*) from inbox") == 0
    assert bridge_log.wait_for("malformed JSON")


def test_oversized_body_is_413(installed, db, bridge_log):
    big = json.dumps({"event": "call.ended", "token": installed.token,
                      "data": {"id": 1, "pad": "x" * (1 << 20)}}).encode()
    status, body = installed.post(big)
    assert status == 413
    assert db.scalar("select count(*) from inbox") == 0
    assert bridge_log.wait_for("body over")


def test_hostile_strings_are_stored_safely(installed, db):
    """SQL and markup in every field reach PostgreSQL only as parameters."""
    call = installed.scenario(call_id=4545, raw_digits="'); drop table inbox; --")
    body = call.ended()
    body["data"]["user"]["name"] = "<script>alert(1)</script>"
    status, _ = installed.post(body)
    assert status == 200
    wait_inbox_settled(db)
    assert db.scalar("select count(*) from inbox") == 1


def test_other_events_are_stored_and_acknowledged(installed, db):
    body = {"resource": "user", "event": "user.created.v2", "timestamp": 1700000000,
            "token": installed.token, "data": {"id": 77, "email": "new@acme.test"}}
    status, reply = installed.post(body)
    assert status == 200 and reply["status"] == "accepted"
    [row] = db.query("select event, status, payload from inbox")
    assert row["event"] == "user.created.v2" and row["status"] == "ignored"
    assert "token" not in row["payload"]          # the inbox holds no secret


def test_postgres_down_healthz_503_and_webhook_non_2xx(installed, pg, lighttpd):
    call = installed.scenario(call_id=4646)
    r = lighttpd.get("/healthz")
    assert r.status == 200 and r.json()["database"] == "ok"
    pg.stop()
    try:
        r = lighttpd.get("/healthz")
        assert r.status == 503
        assert r.json()["database"] == "unreachable"
        status, _ = installed.post(call.ended())
        assert status == 503          # Aircall retries non-2xx answers
    finally:
        pg.start()
    # It recovers without a restart, and the retried delivery lands.
    harness.wait_until(lambda: lighttpd.get("/healthz").status == 200, timeout=15)
    status, _ = installed.post(call.ended())
    assert status == 200
    installed.wait_tickets(1)


def test_routes_404_and_405(lighttpd):
    r = lighttpd.get("/nope")
    assert r.status == 404 and r.json()["error"] == "not_found"
    r = lighttpd.get("/webhooks/aircall")
    assert r.status == 405
    assert r.header("Allow") == "POST"
    r = lighttpd.request("POST", "/healthz", body=b"")
    assert r.status == 405


def test_migrate_is_idempotent(db, cli):
    before = db.scalar("select count(*) from schema_version")
    cli("migrate", check=True)
    cli("migrate", check=True)
    assert db.scalar("select count(*) from schema_version") == before >= 1


def test_install_again_updates_never_duplicates(db, fakes, cli):
    sb = Sandbox(fakes, cli)
    sb.setup_vendors()
    first = sb.install("--locale", "en").json()
    second = sb.install("--locale", "de", "--country", "DE").json()
    assert first["installation_id"] == second["installation_id"]
    assert first["webhook_id"] == second["webhook_id"]
    assert db.scalar("select count(*) from installation") == 1
    assert len(fakes.aircall.api.webhooks(sb.company_id)) == 1
    row = db.query("select locale, default_country, gorgias_secret, aircall_secret "
                   "from installation")[0]
    assert row["locale"] == "de" and row["default_country"] == "DE"
    # tokens are sealed at rest
    assert GORGIAS_KEY not in row["gorgias_secret"] and AIRCALL_TOKEN not in row["aircall_secret"]


def test_install_refuses_bad_credentials_and_input(db, fakes, cli):
    sb = Sandbox(fakes, cli)
    sb.setup_vendors()
    res = cli("install", "--gorgias-account", ACCOUNT, "--gorgias-email", "owner@acme.test",
              "--aircall-api-id", "x", "--secrets-stdin", input=secrets_stdin("wrong", "y"))
    assert res.returncode != 0 and "Gorgias refused" in res.stderr
    res = cli("install", "--gorgias-account", "Bad Account!", "--gorgias-email", "a@b",
              "--aircall-api-id", "x", "--secrets-stdin", input=secrets_stdin("k", "y"))
    assert res.returncode == 2
    # Secrets on the command line are refused: every user sees argv in ps.
    res = cli("install", "--gorgias-account", ACCOUNT, "--gorgias-email", "owner@acme.test",
              "--gorgias-api-key", "k", "--aircall-api-id", "x", "--aircall-api-token", "y")
    assert res.returncode == 2 and "not read from the command line" in res.stderr
    assert db.scalar("select count(*) from installation") == 0


def test_install_reads_secrets_from_environment(db, fakes, cli, bridge_env):
    sb = Sandbox(fakes, cli)
    sb.setup_vendors()
    env = dict(bridge_env, AG_GORGIAS_API_KEY=GORGIAS_KEY, AG_AIRCALL_API_TOKEN=AIRCALL_TOKEN)
    res = cli("install", "--gorgias-account", ACCOUNT, "--gorgias-email", "owner@acme.test",
              "--aircall-api-id", "aircall-api-id-e2e", env=env, check=True)
    assert res.json()["installation_id"] >= 1


def test_missing_configuration_gives_503_and_a_log_line(lighttpd_factory, bridge_env_base,
                                                         bridge_log):
    env = dict(bridge_env_base)
    del env["AG_DATABASE_URL"]
    srv = lighttpd_factory(env=env)
    r = srv.get("/healthz")
    assert r.status == 503 and r.json()["error"] == "misconfigured"
    assert bridge_log.wait_for("AG_DATABASE_URL is not set")


def test_weak_secret_key_is_refused(cli, bridge_env):
    env = dict(bridge_env, AG_SECRET_KEY="short")
    res = cli("migrate", env=env)
    assert res.returncode == 2
    assert "AG_SECRET_KEY is too weak" in res.stderr


def test_plain_cgi_mode_same_code_path(installed, cgi, db):
    r = cgi("GET", "/healthz")
    assert r.status == 200 and r.json()["database"] == "ok"
    call = installed.scenario(call_id=4747)
    r = cgi("POST", "/webhooks/aircall", body=json.dumps(call.ended()).encode(),
            headers={"Content-Type": "application/json"})
    assert r.status == 200
    installed.wait_tickets(1)


def test_worker_applies_what_the_web_process_could_not(installed, db, cli):
    """Gorgias down when the webhook arrives: the event waits, the worker applies it."""
    fg = installed.fg
    fg.script_faults([{"status": 503, "count": 50, "match": {"account": ACCOUNT}}])
    call = installed.scenario(call_id=4848)
    status, _ = installed.post(call.ended())
    assert status == 200
    harness.wait_until(lambda: db.scalar(
        "select attempts from inbox where event = 'call.ended'") >= 1, timeout=10)
    assert installed.tickets() == []
    fg.clear_faults()
    db.execute("update inbox set next_attempt_at = now()")
    cli("worker", "--once", check=True)
    installed.wait_tickets(1)
    assert db.scalar("select status from inbox where event = 'call.ended'") == "done"
