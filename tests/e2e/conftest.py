"""pytest fixtures for the end-to-end tests (helpers live in harness.py).

Session-scoped, started once:  e2e_root, binary, pg_cluster, fake_servers,
    ports, bridge_env_base, migrated_db, lighttpd_server, apache_server
Function-scoped, per test:     pg, db, fakes, bridge_env, bridge_log, cli, cgi,
    lighttpd, apache, web (both servers), lighttpd_factory, apache_factory,
    apache_proxy_factory (mod_proxy_fcgi + spawn-fcgi)

Per-test fixtures give a known state: `db` truncates every table (except
schema_version) before the test, `fakes` resets both fake vendors, `pg`
(and `db`) start PostgreSQL again after a test that stopped it and then
restart the session web servers, `lighttpd`/`apache` restart the session
server if a test changed its environment or it died.

Run: /usr/bin/python3 -m pytest tests/e2e   (AG_BINARY=... for another build,
AG_E2E_KEEP=1 to keep the temporary directory; it is also kept after failures.)
"""

import os
import shutil
import sys

import pytest

import harness


def _keep_dir(session):
    return os.environ.get("AG_E2E_KEEP") == "1" or session.testsfailed


@pytest.fixture(scope="session")
def e2e_root(request):
    """Temporary directory of the session (0755 so postgres/www-data can enter)."""
    root = harness.make_run_dir()
    (root / "logs").mkdir()
    (root / "logs").chmod(0o777)
    yield root
    if _keep_dir(request.session):
        sys.stderr.write(f"\n[e2e] kept {root}\n")
    else:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def binary():
    """Path of the bridge binary; skips the test when it is not built."""
    path = harness.bridge_binary()
    if not path.exists():
        pytest.skip(f"{path} is not built yet (run `make`, or set AG_BINARY)")
    return path


# ---------------------------------------------------------------- PostgreSQL

@pytest.fixture(scope="session")
def pg_cluster(e2e_root):
    cluster = harness.PgCluster(e2e_root / "pg")
    cluster.init().start()
    try:
        cluster.createdb()
        yield cluster
    finally:
        cluster.destroy()


# Session web servers, so that a test which stopped PostgreSQL can hand the
# next test fresh bridge processes (see `pg`).
_SESSION_SERVERS = []


@pytest.fixture
def pg(pg_cluster):
    """The session's PostgreSQL (PgCluster), running at the start of the test.

    .conninfo .url .port .sock .query(sql, **vars) .scalar() .execute()
    .stop() .start() .restart() .is_running() .truncate_all() .tables()
    (query/scalar/execute share one kept connection, pgwire.py; .psql() still
    runs the psql program, e.g. for a dump or to see a refused connection)

    If the test stopped or restarted PostgreSQL, teardown starts it again and
    restarts the session lighttpd/Apache, so that the next test does not meet
    bridge processes holding dead connections (recovering from those is
    tested on purpose, in test_harness_smoke.py).
    """
    starts = pg_cluster.ensure_running().starts
    yield pg_cluster
    if pg_cluster.starts != starts or not pg_cluster.is_running():
        pg_cluster.ensure_running()
        for srv in _SESSION_SERVERS:
            if srv.is_running():
                srv.restart()


@pytest.fixture(scope="session")
def migrated_db(binary, pg_cluster, bridge_env_base):
    """`<binary> migrate` applied once to the session database."""
    harness.run_cli(["migrate"], bridge_env_base, binary=binary, check=True)
    return pg_cluster


@pytest.fixture
def db(migrated_db, pg):
    """The migrated database (the same PgCluster as `pg`) with every table
    except schema_version empty; no drainer of an earlier test still runs."""
    harness.stop_drainers(str(migrated_db.sock))
    migrated_db.truncate_all()
    return migrated_db


# ------------------------------------------------------------- fake vendors

@pytest.fixture(scope="session")
def fake_servers(e2e_root):
    fakes = harness.Fakes(e2e_root / "fakes")
    missing = [str(f.script) for f in (fakes.gorgias, fakes.aircall) if not f.available]
    if missing:
        pytest.skip(f"fake vendor servers not written yet: {', '.join(missing)}")
    fakes.start()
    try:
        yield fakes
    finally:
        fakes.stop()


@pytest.fixture
def fakes(fake_servers, pg_cluster):
    """Both fakes, running and reset: .gorgias / .aircall are FakeServer
    (.base_url .port .api = FakeGorgias/FakeAircall .reset() .log_tail()).
    Drainers of earlier tests are stopped first: none writes into the reset fakes."""
    harness.stop_drainers(str(pg_cluster.sock))
    return fake_servers.ensure_running().reset()


# ------------------------------------------------------------ configuration

@pytest.fixture(scope="session")
def ports():
    """Ports chosen up front: AG_PUBLIC_URL must name the server's port."""
    return {"lighttpd": harness.free_port(), "apache": harness.free_port()}


@pytest.fixture(scope="session")
def bridge_log_path(e2e_root):
    return harness.BridgeLog(e2e_root / "logs" / "bridge.log").create().path


@pytest.fixture(scope="session")
def bridge_env_base(pg_cluster, fake_servers, ports, bridge_log_path):
    """AG_* variables for a bridge behind the session lighttpd (never mutate)."""
    return harness.bridge_env_for(pg_cluster, fake_servers,
                                  f"http://127.0.0.1:{ports['lighttpd']}", bridge_log_path)


@pytest.fixture
def bridge_env(bridge_env_base):
    """A fresh copy of the AG_* variables; a test may change it freely
    (it is what `cli` and `cgi` use)."""
    return dict(bridge_env_base)


@pytest.fixture
def bridge_log(bridge_log_path):
    """The bridge's AG_LOG_FILE, marked at the start of the test:
    .text() .lines() .search(regex) .wait_for(regex, timeout)."""
    return harness.BridgeLog(bridge_log_path).mark()


# ------------------------------------------------------ command line and CGI

@pytest.fixture
def cli(binary, bridge_env):
    """cli(*args, env=None, timeout=60, input=None, check=False) -> CliResult."""
    def run(*args, env=None, timeout=60.0, input=None, check=False):
        return harness.run_cli(list(args), bridge_env if env is None else env,
                               binary=binary, timeout=timeout, input=input, check=check)
    return run


@pytest.fixture
def cgi(binary, bridge_env):
    """cgi(method, path, body=None, env=None, query="", headers=None,
    script_name="") -> Response (.status .headers .body .json() .stderr)."""
    def run(method, path, body=None, env=None, **kw):
        return harness.run_cgi(method, path, body=body,
                               env=bridge_env if env is None else env, binary=binary, **kw)
    return run


# -------------------------------------------------------------- web servers

@pytest.fixture(scope="session")
def lighttpd_server(e2e_root, binary, migrated_db, bridge_env_base, ports):
    srv = harness.Lighttpd(e2e_root / "lighttpd", binary, bridge_env_base,
                           port=ports["lighttpd"])
    srv.start()
    _SESSION_SERVERS.append(srv)
    try:
        yield srv
    finally:
        _SESSION_SERVERS.remove(srv)
        srv.stop()


@pytest.fixture
def lighttpd(lighttpd_server, bridge_env_base):
    """The session lighttpd (mod_fastcgi, 2 processes) with the standard env.

    .base_url .url(path) .get(path) .request(method, path, body) .env
    .restart(env=None) .stop() .start() .log_tail() .error_log
    """
    return lighttpd_server.ensure(bridge_env_base)


def _apache_env(bridge_env_base, ports):
    env = dict(bridge_env_base)
    env["AG_PUBLIC_URL"] = f"http://127.0.0.1:{ports['apache']}"
    return env


@pytest.fixture(scope="session")
def apache_server(e2e_root, binary, migrated_db, bridge_env_base, ports):
    srv = harness.Apache(e2e_root / "apache", binary, _apache_env(bridge_env_base, ports),
                         port=ports["apache"])
    srv.start()
    _SESSION_SERVERS.append(srv)
    try:
        yield srv
    finally:
        _SESSION_SERVERS.remove(srv)
        srv.stop()


@pytest.fixture
def apache(apache_server, bridge_env_base, ports):
    """The session Apache (mod_fcgid, 2 processes); same interface as lighttpd.
    Its .env has AG_PUBLIC_URL pointing at Apache's own port."""
    return apache_server.ensure(_apache_env(bridge_env_base, ports))


@pytest.fixture(params=["lighttpd", "apache"])
def web(request):
    """Runs the test once behind each web server."""
    return request.getfixturevalue(request.param)


def _factory(cls, kind, e2e_root, binary, bridge_env_base):
    started = []

    def start(env=None, port=None, max_procs=2):
        """A new server on its own port; env defaults to the standard one
        (AG_PUBLIC_URL is pointed at the new port unless env sets it)."""
        port = port or harness.free_port()
        if env is None:
            env = dict(bridge_env_base)
            env["AG_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
        srv = cls(e2e_root / f"{kind}-{port}", binary, env, port=port, max_procs=max_procs)
        started.append(srv)
        return srv.start()

    return start, started


@pytest.fixture
def lighttpd_factory(e2e_root, binary, migrated_db, bridge_env_base):
    """start(env=None, port=None, max_procs=2) -> extra Lighttpd, stopped after the test."""
    start, started = _factory(harness.Lighttpd, "lighttpd", e2e_root, binary, bridge_env_base)
    yield start
    for srv in started:
        srv.stop()


@pytest.fixture
def apache_factory(e2e_root, binary, migrated_db, bridge_env_base):
    """start(env=None, port=None, max_procs=2) -> extra Apache, stopped after the test."""
    start, started = _factory(harness.Apache, "apache", e2e_root, binary, bridge_env_base)
    yield start
    for srv in started:
        srv.stop()


@pytest.fixture
def apache_proxy_factory(e2e_root, binary, migrated_db, bridge_env_base):
    """start(env=None, port=None, max_procs=2) -> ApacheProxyFcgi (Apache with
    mod_proxy_fcgi to a spawn-fcgi pool), stopped with its pool after the test."""
    if not shutil.which("spawn-fcgi"):
        pytest.skip("spawn-fcgi is not installed (apt-get install spawn-fcgi)")
    start, started = _factory(harness.ApacheProxyFcgi, "apache-proxy", e2e_root, binary,
                              bridge_env_base)
    yield start
    for srv in started:
        srv.stop()
