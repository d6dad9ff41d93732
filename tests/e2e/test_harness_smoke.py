"""The fixtures themselves work: PostgreSQL, the fakes, the binary on the
command line, as CGI, behind lighttpd and behind Apache.

Tests that need the bridge binary skip (with the reason) until
cgi-bin/aircall-gorgias.fcgi is built; those that need the fakes skip until
tests/fakes/fake_*.py exist.
"""

import subprocess

import harness
import pytest


# ---------------------------------------------------------------- PostgreSQL

def test_pg_cluster_answers(pg):
    assert pg.query("select 1 as one") == [{"one": 1}]
    assert pg.scalar("select current_setting('server_version_num')::int") >= 150000
    assert pg.scalar("select current_setting('fsync')") == "off"
    # :'name' variables are quoted by psql, so odd values are safe.
    assert pg.scalar("select :'v'::text as v", v="it's; --") == "it's; --"
    assert str(pg.sock) in pg.conninfo


def test_pg_tcp_url_works(pg):
    p = subprocess.run(["psql", "-X", "-At", pg.url, "-c", "select inet_server_addr()"],
                       capture_output=True, text=True, timeout=30,
                       env=harness.clean_env())
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "127.0.0.1"


def test_pg_stop_and_start(pg):
    pg.stop()
    assert not pg.is_running()
    down = pg.psql("select 1", check=False)
    assert down.returncode != 0
    pg.start()
    assert pg.scalar("select 1") == 1


def test_pg_left_stopped_is_restarted_by_fixture_part1(pg):
    pg.stop()


def test_pg_left_stopped_is_restarted_by_fixture_part2(pg):
    assert pg.is_running()
    assert pg.scalar("select 2") == 2


def test_pg_sql_errors_and_variables_as_psql(pg):
    """The kept connection (pgwire.py) answers as psql did: an error is a
    HarnessError naming the server's message, variables are quoted the same
    way (also with backslashes), a :: cast or a :name inside a literal is left
    alone, NULL is None and execute() returns psql's unaligned rows."""
    with pytest.raises(harness.HarnessError, match="no_such_table"):
        pg.query("select * from no_such_table")
    assert pg.scalar("select :'v' as v", v="a\\b'c") == "a\\b'c"
    assert pg.scalar("select :\"col\" from (select 7 as \"odd col\") t",
                     col="odd col") == 7
    assert pg.scalar("select ':v is not a variable here'::text || :'v' as v", v="!") == \
        ":v is not a variable here!"
    assert pg.query("select null::int as n, true as b") == [{"n": None, "b": True}]
    assert pg.execute("select 1, null::text, 'x' union all select 2, 'y', 'z'") == \
        "1||x\n2|y|z\n"


def test_pg_sql_leaves_no_state_between_calls(pg):
    """A call that leaves a transaction open or fails inside one is rolled
    back, as the end of a psql run was: nothing leaks into the next call."""
    pg.execute("begin; create table e2e_leak (id int); set local lock_timeout = '1ms'")
    assert pg.scalar("select to_regclass('e2e_leak')::text as rel") is None
    with pytest.raises(harness.HarnessError):
        pg.execute("begin; create table e2e_leak (id int); select 1 / 0")
    assert pg.scalar("select to_regclass('e2e_leak')::text as rel") is None
    assert pg.scalar("select current_setting('lock_timeout')") == "0"


def test_pg_sql_survives_its_backend_being_terminated(pg):
    """A test that ends every backend (pg_terminate_backend) or restarts the
    server does not break the harness's next query."""
    pid = pg.scalar("select pg_backend_pid()")
    subprocess.run(["psql", "-X", "-q", "-h", str(pg.sock), "-p", str(pg.port), "-U",
                    "postgres", "-d", pg.dbname, "-c", f"select pg_terminate_backend({pid})"],
                   check=True, capture_output=True, timeout=30, env=harness.clean_env())
    assert pg.scalar("select 3") == 3
    assert pg.scalar("select pg_backend_pid()") != pid


def test_pg_truncate_all_restarts_identity(pg):
    pg.execute("create table e2e_scratch (id serial primary key, v text);"
               "insert into e2e_scratch (v) values ('a'), ('b');")
    try:
        assert "public.e2e_scratch" in pg.truncate_all()
        assert pg.scalar("select count(*) from e2e_scratch") == 0
        pg.execute("insert into e2e_scratch (v) values ('c')")
        assert pg.scalar("select id from e2e_scratch") == 1
    finally:
        pg.execute("drop table e2e_scratch")


# ------------------------------------------------------------- pure helpers

def test_parse_cgi_output():
    r = harness.parse_cgi_output(b"Status: 401 Unauthorized\r\nContent-Type: application/json"
                                 b"\r\n\r\n{\"error\":\"bad token\"}")
    assert (r.status, r.reason) == (401, "Unauthorized")
    assert r.header("content-type") == "application/json"
    assert r.json() == {"error": "bad token"}
    r = harness.parse_cgi_output(b"Location: /settings\n\n")
    assert r.status == 302 and r.body == b""
    r = harness.parse_cgi_output(b"Content-Type: text/plain\n\nhello\n\nworld")
    assert r.status == 200 and r.text == "hello\n\nworld"


def test_wait_until_times_out_with_message():
    with pytest.raises(harness.HarnessError, match="never true"):
        harness.wait_until(lambda: False, timeout=0.2, message=lambda: "never true")
    assert harness.wait_until(lambda: 42, timeout=1) == 42


def test_bridge_log_marks(tmp_path):
    log = harness.BridgeLog(tmp_path / "bridge.log").create()
    with open(log.path, "a") as f:
        f.write("old line\n")
    log.mark()
    with open(log.path, "a") as f:
        f.write("2026-01-01T00:00:00Z aircall-gorgias[1] info: new line\n")
    assert "old line" not in log.text()
    assert log.wait_for(r"info: new line$", timeout=1)
    assert log.search("old line", since_mark=False)


# ------------------------------------------------------------------- fakes

def test_fakes_answer(fakes):
    for fake in (fakes.gorgias, fakes.aircall):
        assert fake.is_running(), fake.log_tail()
        r = harness.http_get(fake.base_url + "/", timeout=5)
        assert 100 <= r.status < 600
    if harness.load_fake_clients() is not None:
        assert fakes.gorgias.api is not None and fakes.aircall.api is not None


def test_bridge_env_points_at_pg_and_fakes(bridge_env, pg, fakes, ports):
    assert bridge_env["AG_DATABASE_URL"] == pg.conninfo
    assert bridge_env["AG_GORGIAS_URL"] == fakes.gorgias.base_url + "/{account}"
    assert bridge_env["AG_AIRCALL_API_URL"] == fakes.aircall.base_url
    assert bridge_env["AG_PUBLIC_URL"] == f"http://127.0.0.1:{ports['lighttpd']}"
    assert len(bridge_env["AG_SECRET_KEY"]) >= 32


# ------------------------------------------------------ binary: CLI and CGI

def test_migrate_is_idempotent(migrated_db, cli):
    again = cli("migrate")
    assert again.returncode == 0, again
    tables = [t.rsplit(".", 1)[-1] for t in migrated_db.tables()]
    assert "schema_version" in tables, tables
    assert len(tables) > 1, tables


def test_db_fixture_empties_every_table(db):
    for table in db.tables():
        if table.rsplit(".", 1)[-1] in harness.KEEP_TABLES:
            continue
        assert db.scalar(f"select count(*) from {table}") == 0, table


def test_cgi_healthz(cgi, migrated_db):
    r = cgi("GET", "/healthz")
    assert r.status == 200, (r, r.stderr)


# -------------------------------------------------------------- web servers

def test_healthz_behind_web_server(web):
    r = web.get("/healthz")
    assert r.status == 200, f"{r}\n{web.log_tail()}"


def test_every_request_after_a_postgres_restart_succeeds(web, pg):
    """The session servers outlive a PostgreSQL restart (tests stop it): each
    bridge process must notice its dead connection and reconnect within the
    same request, not answer 503 once per process."""
    for _ in range(2 * web.max_procs):
        assert web.get("/healthz").status == 200, web.log_tail()
    pg.restart()
    statuses = [web.get("/healthz").status for _ in range(2 * web.max_procs)]
    assert statuses == [200] * len(statuses), f"{statuses}\n{web.log_tail()}"


def test_unknown_webhook_token_is_rejected(web, db):
    status, _ = harness.post_webhook(web.base_url, {
        "resource": "call", "event": "call.created", "timestamp": 1700000000,
        "token": "no-such-token", "data": {"id": 1, "direction": "inbound"}})
    assert status == 401, web.log_tail()


def test_lighttpd_restart_with_missing_variable(lighttpd, bridge_env, bridge_log):
    del bridge_env["AG_SECRET_KEY"]
    lighttpd.restart(env=bridge_env)
    r = lighttpd.get("/healthz")
    assert r.status == 503, f"{r}\n{lighttpd.log_tail()}"
    # The reason names the variable, in the answer or in the bridge's log.
    if "AG_SECRET_KEY" not in r.text:
        bridge_log.wait_for("AG_SECRET_KEY", timeout=5)


def test_lighttpd_is_restored_for_the_next_test(lighttpd, bridge_env_base):
    assert lighttpd.env == bridge_env_base
    assert lighttpd.get("/healthz").status == 200, lighttpd.log_tail()


def test_second_apache_from_factory(apache_factory, apache):
    other = apache_factory(max_procs=1)
    assert other.port != apache.port
    assert other.env["AG_PUBLIC_URL"] == other.base_url
    assert other.get("/healthz").status == 200, other.log_tail()
    other.stop()
    assert not harness.port_open("127.0.0.1", other.port)


def test_apache_proxy_fcgi_example(apache_proxy_factory):
    srv = apache_proxy_factory()
    assert len(srv._pool_pids()) == 2
    r = srv.get("/healthz")
    assert r.status == 200, f"{r}\n{srv.log_tail()}"
    srv.stop()
    assert srv._pool_pids() == []
