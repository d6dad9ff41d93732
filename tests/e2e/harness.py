"""Helpers for the end-to-end tests: a throwaway PostgreSQL, the fake vendor
servers, lighttpd and Apache in front of the real binary, plain CGI runs, the
command line, HTTP requests and the bridge log.

Nothing here depends on pytest, so scripts/sandbox.py reuses the same classes.
Every wait has a timeout, and every failure says what it waited for and shows
the tail of the server's log.

Environment knobs:
  AG_BINARY     path of the bridge binary (default cgi-bin/aircall-gorgias.fcgi)
  AG_PGBIN      PostgreSQL server binaries (default /usr/lib/postgresql/15/bin)
  AG_E2E_KEEP   1 = keep the temporary directory after the session
"""

import http.client
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import pgwire

REPO = Path(__file__).resolve().parents[2]
DEFAULT_BINARY = REPO / "cgi-bin" / "aircall-gorgias.fcgi"
PGBIN = Path(os.environ.get("AG_PGBIN", "/usr/lib/postgresql/15/bin"))
PYTHON = os.environ.get("AG_PYTHON", sys.executable or "/usr/bin/python3")
IS_ROOT = os.geteuid() == 0
PG_OS_USER = "postgres"     # owns the cluster when we run as root
WEB_OS_USER = "www-data"    # Apache's User when we run as root

# Fixed, obviously fake secret: >= 32 bytes, so configuration is valid.
TEST_SECRET_KEY = "e2e-test-secret-0123456789abcdef0123456789abcdef"
# Tables that survive truncate_all (the migration bookkeeping).
KEEP_TABLES = ("schema_version", "schema_migrations")
# Environment handed to the web servers themselves (the bridge gets its AG_*
# variables from the server config, never from whoever runs the tests).
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SANITIZER_VARS = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "MSAN_OPTIONS")


class HarnessError(AssertionError):
    """A fixture could not do its job (server did not start, command failed)."""


# --------------------------------------------------------------------------
# small utilities

def bridge_binary():
    """The bridge binary to test: $AG_BINARY or cgi-bin/aircall-gorgias.fcgi."""
    return Path(os.environ.get("AG_BINARY") or DEFAULT_BINARY).resolve()


def free_port(host="127.0.0.1"):
    """A TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_open(host, port, timeout=0.2):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def tail(path, lines=40):
    """The last lines of a file, or a note that it is missing."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            text = f.read().decode("utf-8", "replace")
    except OSError as e:
        return f"({path}: {e.strerror})"
    return "\n".join(text.splitlines()[-lines:])


def tails(paths, lines=40):
    return "\n".join(f"--- tail of {p} ---\n{tail(p, lines)}" for p in paths)


def wait_until(predicate, timeout=10.0, interval=0.05, message=None):
    """Call predicate() until it returns something truthy, and return that.

    Raises HarnessError after `timeout` seconds; `message` may be a string or
    a callable (evaluated only on failure, e.g. to attach a log tail).
    A HarnessError raised by predicate ends the wait at once (e.g. "the server
    exited"); other exceptions count as "not yet" and the last one is shown.
    """
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            value = predicate()
            if value:
                return value
            last_exc = None
        except HarnessError:
            raise
        except Exception as e:  # noqa: BLE001 - reported below
            last_exc = e
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    msg = message() if callable(message) else message
    msg = msg or f"condition {getattr(predicate, '__name__', predicate)} not met"
    if last_exc is not None:
        msg += f"\nlast error: {last_exc!r}"
    raise HarnessError(f"timed out after {timeout:.1f}s: {msg}")


def make_run_dir(prefix="ag-e2e-", parent=None):
    """A fresh directory that the postgres and www-data users can traverse.

    pytest's tmp_path lives under /tmp/pytest-of-root (0700), which the
    PostgreSQL server and Apache's children cannot enter, hence our own.
    """
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    path.chmod(0o755)
    return path


def chown_tree(path, user):
    """chown -R path to user (only meaningful as root)."""
    if not IS_ROOT:
        return
    subprocess.run(["chown", "-R", f"{user}:", str(path)], check=True)


def as_user(user, argv):
    """argv run as `user` when we are root, else as ourselves."""
    if IS_ROOT:
        return ["runuser", "-u", user, "--"] + [str(a) for a in argv]
    return [str(a) for a in argv]


def clean_env(extra=None):
    """A minimal process environment (no AG_*, no PG* from the caller)."""
    env = {"PATH": BASE_PATH, "LANG": "C.UTF-8", "HOME": "/tmp"}
    for k in SANITIZER_VARS:
        if k in os.environ:
            env[k] = os.environ[k]
    if extra:
        env.update({k: str(v) for k, v in extra.items()})
    return env


def drainer_pids(database_match):
    """Detached drainers (`worker --until-idle`, in sessions of their own)
    whose AG_DATABASE_URL contains `database_match` (a conninfo, or the
    cluster's socket directory for every database of a test session)."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                if b"--until-idle" not in f.read().split(b"\0"):
                    continue
            with open(f"/proc/{d}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if any(v.startswith(b"AG_DATABASE_URL=") and database_match.encode() in v for v in env):
            pids.append(int(d))
    return pids


def stop_drainers(database_match, timeout=5.0):
    """Ends the drainers a previous test's web processes left running, so
    that none applies an old event into the next test's fresh fakes."""
    pids = drainer_pids(database_match)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + (timeout if sig == signal.SIGTERM else 2.0)
        while time.monotonic() < deadline:
            pids = [p for p in pids if os.path.exists(f"/proc/{p}")
                    and not _zombie(p)]
            if not pids:
                return
            time.sleep(0.05)


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


def stop_process(proc, sig=signal.SIGTERM, timeout=10.0):
    """Stop a Popen we started with start_new_session=True.

    Sends `sig` to the process, waits, then SIGKILLs its whole process group
    (its own session: the server and the backends it spawned) as a last resort.
    Returns the exit code (None if it had to be killed).
    """
    if proc is None:
        return None
    if proc.poll() is not None:
        _killpg_quiet(proc.pid)
        return proc.returncode
    try:
        proc.send_signal(sig)
    except ProcessLookupError:
        pass
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _killpg_quiet(proc.pid)
        proc.wait(timeout=5)
        return None
    # Backends still alive in the group (a server that did not reap them).
    _killpg_quiet(proc.pid)
    return rc


def _killpg_quiet(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _conf_quote(value):
    """A double-quoted string for lighttpd and Apache configs."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(template_text, values):
    """Replace @NAME@ placeholders; fail on any left over."""
    out = template_text
    for k, v in values.items():
        out = out.replace(f"@{k}@", str(v))
    left = sorted(set(re.findall(r"@[A-Z][A-Z0-9_]*@", out)))
    if left:
        raise HarnessError(f"template placeholders not filled: {', '.join(left)}")
    return out


# --------------------------------------------------------------------------
# HTTP

class Response:
    """An HTTP (or CGI) response: status, headers (list of pairs), body bytes."""

    def __init__(self, status, headers, body, reason=""):
        self.status = status
        self.reason = reason
        self.headers = list(headers)
        self.body = body

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        """The body as JSON; HarnessError (showing the body) when it is not."""
        try:
            return json.loads(self.body)
        except ValueError:
            raise HarnessError(f"response {self.status} is not JSON: {self.text[:500]!r}")

    def json_or_none(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def __repr__(self):
        return f"<Response {self.status} {self.text[:200]!r}>"


def _encode_body(body, headers):
    if body is None:
        return None
    if isinstance(body, (dict, list)):
        headers.setdefault("Content-Type", "application/json")
        return json.dumps(body).encode()
    if isinstance(body, str):
        return body.encode()
    return bytes(body)


def http_request(method, url, body=None, headers=None, timeout=15.0):
    """One HTTP request; never follows redirects, never raises on 4xx/5xx.

    body: bytes, str, or a dict/list (sent as JSON). Returns a Response.
    """
    u = urllib.parse.urlsplit(url)
    headers = dict(headers or {})
    data = _encode_body(body, headers)
    if data is not None:
        headers.setdefault("Content-Type", "application/octet-stream")
    path = (u.path or "/") + (f"?{u.query}" if u.query else "")
    cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
    conn = cls(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        return Response(r.status, r.getheaders(), r.read(), r.reason)
    finally:
        conn.close()


def http_get(url, headers=None, timeout=15.0):
    return http_request("GET", url, headers=headers, timeout=timeout)


def post_webhook(base_url, body, path="/webhooks/aircall", headers=None, timeout=15.0):
    """POST an Aircall webhook. body: bytes/str sent as is, or an object sent
    as JSON. Returns (status, parsed JSON body or None)."""
    h = {"Content-Type": "application/json", "User-Agent": "axios/1.6.0",
         "aircall-origin": "webhooks"}
    h.update(headers or {})
    r = http_request("POST", base_url.rstrip("/") + path, body=body, headers=h,
                     timeout=timeout)
    return r.status, r.json_or_none()


# --------------------------------------------------------------------------
# the binary: command line and plain CGI

class CliResult:
    def __init__(self, args, returncode, stdout, stderr):
        self.args, self.returncode, self.stdout, self.stderr = args, returncode, stdout, stderr

    def check(self):
        """Raise (with stdout and stderr) unless the exit code is 0."""
        if self.returncode != 0:
            raise HarnessError(f"{' '.join(map(str, self.args))} exited {self.returncode}\n"
                               f"stdout:\n{self.stdout}\nstderr:\n{self.stderr}")
        return self

    def json(self):
        """The last non-empty stdout line, parsed as JSON (or the whole stdout)."""
        for candidate in (self.stdout,) + tuple(reversed(self.stdout.strip().splitlines())):
            try:
                return json.loads(candidate)
            except ValueError:
                continue
        raise HarnessError(f"no JSON on stdout of {' '.join(map(str, self.args))}:\n"
                           f"{self.stdout}\nstderr:\n{self.stderr}")

    def __repr__(self):
        return f"<CliResult rc={self.returncode} stdout={self.stdout[:200]!r}>"


def run_cli(args, env, binary=None, timeout=60.0, input=None, check=False):
    """Run `<binary> args...` with exactly `env` (plus PATH/LANG) as environment.

    Returns a CliResult (returncode, stdout, stderr, .json(), .check()).
    """
    argv = [str(binary or bridge_binary())] + [str(a) for a in args]
    try:
        p = subprocess.run(argv, env=clean_env(env), input=input, capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise HarnessError(f"{' '.join(argv)} did not finish in {timeout}s\n"
                           f"stdout:\n{e.stdout}\nstderr:\n{e.stderr}")
    res = CliResult(argv, p.returncode, p.stdout, p.stderr)
    return res.check() if check else res


def parse_cgi_output(raw):
    """Split CGI output into a Response (Status: header → status code)."""
    found = [(i, n) for i, n in ((raw.find(b"\r\n\r\n"), 4), (raw.find(b"\n\n"), 2)) if i >= 0]
    if not found:
        raise HarnessError(f"CGI output has no header/body separator: {raw[:500]!r}")
    sep, seplen = min(found)
    head = raw[:sep].decode("latin-1")
    body = raw[sep + seplen:]
    headers, status, reason = [], None, ""
    for line in head.splitlines():
        if not line.strip():
            continue
        if ":" not in line:
            raise HarnessError(f"bad CGI header line {line!r} in {raw[:500]!r}")
        k, v = line.split(":", 1)
        k, v = k.strip(), v.strip()
        if k.lower() == "status":
            code, _, reason = v.partition(" ")
            status = int(code)
        else:
            headers.append((k, v))
    if status is None:
        status = 302 if any(k.lower() == "location" for k, _ in headers) else 200
    return Response(status, headers, body, reason)


def run_cgi(method, path, body=None, env=None, binary=None, query="", headers=None,
            script_name="", timeout=30.0, remote_addr="127.0.0.1"):
    """Run the binary once as plain CGI (GATEWAY_INTERFACE=CGI/1.1).

    path: the route (/webhooks/aircall), passed as PATH_INFO, and with
    script_name as REQUEST_URI; remote_addr is the client's address.
    env: the AG_* variables. body: bytes, str or an object (JSON).
    Returns a Response with .stderr and .returncode added.
    """
    hdrs = dict(headers or {})
    data = _encode_body(body, hdrs) or b""
    uri = script_name + path + (f"?{query}" if query else "")
    cgi = {
        "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_SOFTWARE": "ag-e2e", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
        "REMOTE_ADDR": remote_addr, "REQUEST_METHOD": method, "REQUEST_URI": uri,
        "SCRIPT_NAME": script_name, "PATH_INFO": path, "QUERY_STRING": query,
        "HTTP_HOST": "127.0.0.1",
    }
    if body is not None:
        cgi["CONTENT_LENGTH"] = str(len(data))
        cgi["CONTENT_TYPE"] = hdrs.pop("Content-Type", "application/octet-stream")
    for k, v in hdrs.items():
        cgi["HTTP_" + k.upper().replace("-", "_")] = v
    full = dict(env or {})
    full.update(cgi)
    argv = [str(binary or bridge_binary())]
    try:
        p = subprocess.run(argv, env=clean_env(full), input=data, capture_output=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise HarnessError(f"CGI {method} {uri} did not finish in {timeout}s\n"
                           f"stderr:\n{(e.stderr or b'').decode(errors='replace')}")
    stderr = p.stderr.decode("utf-8", "replace")
    if not p.stdout:
        raise HarnessError(f"CGI {method} {uri} printed nothing (exit {p.returncode})\n"
                           f"stderr:\n{stderr}")
    r = parse_cgi_output(p.stdout)
    r.stderr, r.returncode = stderr, p.returncode
    return r


class BridgeLog:
    """The bridge's AG_LOG_FILE. mark() remembers the current end; text() and
    wait_for() look only at what was written after the mark."""

    def __init__(self, path):
        self.path = Path(path)
        self.offset = 0

    def create(self):
        """Create the file writable by everyone (Apache's children are www-data)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch()
        self.path.chmod(0o666)
        return self

    def mark(self):
        self.offset = self.path.stat().st_size if self.path.exists() else 0
        return self

    def text(self, since_mark=True):
        try:
            with open(self.path, "rb") as f:
                if since_mark:
                    f.seek(self.offset)
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def lines(self, since_mark=True):
        return self.text(since_mark).splitlines()

    def search(self, pattern, since_mark=True):
        return re.search(pattern, self.text(since_mark), re.M)

    def wait_for(self, pattern, timeout=10.0):
        """Wait for a line matching the regex; returns the re.Match."""
        return wait_until(lambda: self.search(pattern), timeout,
                          message=lambda: f"no log line matching {pattern!r} in {self.path}; "
                                          f"since mark:\n{self.text()[-4000:]}")


# --------------------------------------------------------------------------
# PostgreSQL

class PgCluster:
    """A private PostgreSQL cluster in `base` (data/, sock/, server.log).

    As root the server runs as the postgres user (PostgreSQL refuses root);
    otherwise as the current user. Clients connect as database user postgres
    with trust authentication, over the unix socket in sock/ or TCP 127.0.0.1.
    """

    def __init__(self, base, port=None, dbname="aircall_gorgias"):
        self.base = Path(base)
        self.data = self.base / "data"
        self.sock = self.base / "sock"
        self.log = self.base / "server.log"
        self.port = port or free_port()
        self.dbname = dbname
        self.starts = 0   # how many times start() ran (fixtures notice restarts)
        self._conn = None          # kept connection of sql() (pgwire.PgConnection)
        self._conn_starts = 0
        self._conn_lock = threading.Lock()

    # connection strings -------------------------------------------------
    @property
    def conninfo(self):
        """libpq keyword conninfo over the unix socket."""
        return f"host={self.sock} port={self.port} user=postgres dbname={self.dbname}"

    @property
    def url(self):
        """libpq URI over TCP."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.dbname}"

    def _client_env(self):
        env = clean_env({"PGCONNECT_TIMEOUT": "5"})
        return env

    def _pg(self, tool, *args, check=True, timeout=60):
        argv = as_user(PG_OS_USER, [PGBIN / tool, *args])
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                           env=self._client_env(), cwd="/")
        if check and p.returncode != 0:
            raise HarnessError(f"{' '.join(argv)} exited {p.returncode}\n{p.stdout}{p.stderr}\n"
                               + tails([self.log]))
        return p

    # lifecycle ------------------------------------------------------------
    def init(self):
        """initdb unless data/ already holds a cluster."""
        self.base.mkdir(parents=True, exist_ok=True)
        self.base.chmod(0o755)
        self.sock.mkdir(exist_ok=True)
        self.sock.chmod(0o755)
        if not (self.data / "PG_VERSION").exists():
            chown_tree(self.base, PG_OS_USER)
            self._pg("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                     "--locale=C.UTF-8", "--no-sync")
        return self

    def start(self, timeout=30):
        opts = (f"-k {self.sock} -p {self.port} -c listen_addresses=127.0.0.1 "
                f"-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._pg("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", str(timeout),
                 "-o", opts, "start", timeout=timeout + 10)
        self.starts += 1
        return self

    def stop(self, mode="fast", timeout=30):
        with self._conn_lock:
            self._drop_connection()
        if self.is_running():
            self._pg("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", str(timeout), "stop",
                     timeout=timeout + 10)
        return self

    def restart(self):
        return self.stop().start()

    def is_running(self):
        """What `pg_ctl status` checks (postmaster.pid names a live process),
        without starting pg_ctl under runuser for every test."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return False
        return pid > 0 and os.path.exists(f"/proc/{pid}") and not _zombie(pid)

    def ensure_running(self):
        if not self.is_running():
            self.start()
        return self

    def createdb(self, name=None):
        """CREATE DATABASE unless it exists; returns its name."""
        name = name or self.dbname
        exists = self.psql("select 1 from pg_database where datname = :'n'",
                           db="postgres", vars={"n": name}).stdout.strip()
        if not exists:
            self.psql(f'create database "{name}"', db="postgres")
        return name

    def dropdb(self, name=None):
        name = name or self.dbname
        self.psql(f'drop database if exists "{name}" with (force)', db="postgres")

    def __repr__(self):
        return f"<PgCluster {self.base} port {self.port}>"

    def destroy(self):
        try:
            self.stop(mode="immediate")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    # SQL ----------------------------------------------------------------
    def psql(self, sql, vars=None, db=None, check=True, timeout=60):
        """Run SQL through psql (stdin, so :'name' variables work).

        vars: {name: value} usable as :'name' (literal) or :"name" (identifier).
        Returns the CompletedProcess (stdout unaligned, tuples only).
        """
        argv = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "-h", str(self.sock), "-p", str(self.port), "-U", "postgres",
                "-d", db or self.dbname]
        for k, v in (vars or {}).items():
            argv += ["-v", f"{k}={v}"]
        p = subprocess.run(argv, input=sql, capture_output=True, text=True, timeout=timeout,
                           env=self._client_env())
        if check and p.returncode != 0:
            raise HarnessError(f"psql failed ({p.returncode}): {p.stderr.strip()}\nSQL: {sql}")
        return p

    def sql(self, sql, vars=None, timeout=60):
        """Run SQL on the harness's kept connection (pgwire.py): psql's :'name'
        variables, its -A -t output as a string, HarnessError on failure.
        The connection is opened again after the server restarted or ended it."""
        text = pgwire.substitute(sql, {k: str(v) for k, v in (vars or {}).items()})
        with self._conn_lock:
            for attempt in (1, 2):
                conn = self._connection(timeout)
                conn.sock.settimeout(timeout)
                try:
                    return pgwire.unaligned(conn.query(text))
                except pgwire.PgError as e:
                    raise HarnessError(f"SQL failed: {e}\nSQL: {sql}")
                except (pgwire.ConnectionLost, OSError) as e:
                    self._drop_connection()
                    # Only a query the server never saw is sent again.
                    if attempt == 2 or not getattr(e, "before_reply", False):
                        raise HarnessError(f"SQL failed: connection lost ({e})\nSQL: {sql}")

    def _connection(self, timeout):
        if self._conn is not None and self._conn_starts != self.starts:
            self._drop_connection()          # the server was restarted since
        if self._conn is None:
            try:
                self._conn = pgwire.PgConnection(self.sock / f".s.PGSQL.{self.port}",
                                                 "postgres", self.dbname, timeout=timeout)
            except (pgwire.PgError, pgwire.ConnectionLost, OSError) as e:
                raise HarnessError(f"cannot connect to PostgreSQL at {self.sock} port "
                                   f"{self.port}: {e}")
            self._conn_starts = self.starts
        return self._conn

    def _drop_connection(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def execute(self, sql, **vars):
        """Run statements; returns the rows as psql -A -t prints them."""
        return self.sql(sql, vars)

    def query(self, sql, **vars):
        """Rows of a SELECT as a list of dicts (values as JSON types)."""
        inner = sql.strip().rstrip(";")
        out = self.sql(f"select coalesce(json_agg(t), '[]'::json) from ({inner}) t;", vars)
        return json.loads(out)

    def scalar(self, sql, **vars):
        """The first column of the first row, or None."""
        rows = self.query(sql, **vars)
        return next(iter(rows[0].values())) if rows else None

    def tables(self):
        """User tables as schema.table names."""
        return [r["name"] for r in self.query(
            "select format('%I.%I', schemaname, tablename) as name from pg_tables "
            "where schemaname not in ('pg_catalog', 'information_schema') "
            "and schemaname not like 'pg\\_%' order by 1")]

    def truncate_all(self, keep=KEEP_TABLES):
        """TRUNCATE every user table except `keep`, RESTART IDENTITY CASCADE."""
        names = [t for t in self.tables() if t.rsplit(".", 1)[-1].strip('"') not in keep]
        if names:
            self.execute("begin; set local lock_timeout = '10s';\n"
                         f"truncate {', '.join(names)} restart identity cascade; commit;")
        return names


# --------------------------------------------------------------------------
# fake vendor servers

def load_fake_clients():
    """tests/fakes/client.py as a module (FakeGorgias, FakeAircall), or None."""
    path = REPO / "tests" / "fakes" / "client.py"
    if not path.exists():
        return None
    mod = sys.modules.get("ag_fakes_client")
    if mod is None:
        spec = importlib.util.spec_from_file_location("ag_fakes_client", path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules["ag_fakes_client"] = mod
        spec.loader.exec_module(mod)
    return mod


class FakeServer:
    """One fake vendor server (tests/fakes/fake_<name>.py --port N).

    The fake prints `READY <port>` on stdout once it listens.
    .api is the admin wrapper from tests/fakes/client.py (FakeGorgias or
    FakeAircall) when that file exists.
    """

    CLIENT_CLASS = {"gorgias": "FakeGorgias", "aircall": "FakeAircall"}

    def __init__(self, name, workdir, port=0, args=()):
        self.name = name
        self.script = REPO / "tests" / "fakes" / f"fake_{name}.py"
        self.workdir = Path(workdir)
        self.requested_port = port
        self.args = list(args)
        self.port = None
        self.proc = None
        self.stdout_log = self.workdir / f"fake_{name}.out"
        self.stderr_log = self.workdir / f"fake_{name}.err"
        self.data_dir = self.workdir / f"{name}-data"
        self._api = None

    def __repr__(self):
        return f"<FakeServer {self.name} {self.base_url if self.port else '(not started)'}>"

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def available(self):
        return self.script.exists()

    def start(self, timeout=15.0):
        if not self.script.exists():
            raise HarnessError(f"{self.script} does not exist")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.stdout_log, "wb") as out, open(self.stderr_log, "ab") as err:
            self.proc = subprocess.Popen(
                [PYTHON, str(self.script), "--port", str(self.requested_port),
                 "--data-dir", str(self.data_dir), *self.args],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=str(REPO),
                env=clean_env({"PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}),
                start_new_session=True)

        def ready():
            if self.proc.poll() is not None:
                raise HarnessError(f"fake {self.name} exited with {self.proc.returncode}\n"
                                   + tails([self.stdout_log, self.stderr_log]))
            m = re.search(r"^READY (\d+)\s*$", self.stdout_log.read_text(errors="replace"), re.M)
            return int(m.group(1)) if m else None

        try:
            self.port = wait_until(ready, timeout, message=lambda: (
                f"fake {self.name} printed no READY line\n"
                + tails([self.stdout_log, self.stderr_log])))
        except HarnessError:
            self.stop()
            raise
        self._api = None
        return self

    def stop(self):
        stop_process(self.proc, timeout=5)
        self.proc = None

    def is_running(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def api(self):
        """FakeGorgias/FakeAircall(base_url), or None without tests/fakes/client.py."""
        if self._api is None:
            mod = load_fake_clients()
            cls = getattr(mod, self.CLIENT_CLASS[self.name], None) if mod else None
            self._api = cls(self.base_url) if cls else None
        return self._api

    def reset(self):
        """Forget all state (accounts, tickets, scripted failures, recorded requests)."""
        if self.api is not None and hasattr(self.api, "reset"):
            self.api.reset()

    def log_tail(self, lines=40):
        return tails([self.stdout_log, self.stderr_log], lines)


class Fakes:
    """Both fakes: .gorgias and .aircall (FakeServer each)."""

    def __init__(self, workdir, gorgias_port=0, aircall_port=0):
        self.gorgias = FakeServer("gorgias", workdir, gorgias_port)
        self.aircall = FakeServer("aircall", workdir, aircall_port)

    def start(self):
        self.gorgias.start()
        try:
            self.aircall.start()
        except Exception:
            self.gorgias.stop()
            raise
        return self

    def stop(self):
        self.aircall.stop()
        self.gorgias.stop()

    def ensure_running(self):
        for f in (self.gorgias, self.aircall):
            if not f.is_running():
                port = f.port
                f.requested_port = port or 0   # keep the port the bridge env points at
                f.start()
        return self

    def reset(self):
        self.gorgias.reset()
        self.aircall.reset()
        return self


def bridge_env_for(pg, fakes, public_url, log_file, secret_key=TEST_SECRET_KEY,
                   log_level="debug"):
    """The AG_* variables of a bridge that talks to `pg` and the fakes."""
    env = {
        "AG_DATABASE_URL": pg.conninfo,
        "AG_PUBLIC_URL": public_url,
        "AG_SECRET_KEY": secret_key,
        "AG_GORGIAS_URL": fakes.gorgias.base_url + "/{account}",
        "AG_AIRCALL_API_URL": fakes.aircall.base_url,
        "AG_AIRCALL_DASHBOARD_URL": fakes.aircall.base_url + "/dashboard",
        "AG_GORGIAS_CLIENT_ID": "e2e-gorgias-client",
        "AG_GORGIAS_CLIENT_SECRET": "e2e-gorgias-client-secret",
        "AG_AIRCALL_CLIENT_ID": "e2e-aircall-client",
        "AG_AIRCALL_CLIENT_SECRET": "e2e-aircall-client-secret",
        "AG_LOG_LEVEL": log_level,
        "AG_LOG_FILE": str(log_file),
        # Test rigs only: the fakes serve media over http on 127.0.0.1, which
        # the bridge's media fetch policy refuses otherwise (test_security.py
        # runs with it off).
        "AG_MEDIA_ALLOW_PRIVATE": "1",
    }
    for k in SANITIZER_VARS:
        if k in os.environ:
            env[k] = os.environ[k]
    return env


# --------------------------------------------------------------------------
# web servers

class _WebServer:
    """Common start/stop/wait logic. Subclasses write the config and argv."""

    kind = "server"

    def __init__(self, workdir, binary, env, port=None, max_procs=2):
        self.workdir = Path(workdir)
        self.binary = Path(binary)
        self.env = dict(env)
        self.port = port or free_port()
        self.max_procs = max_procs
        self.proc = None
        self.run = self.workdir / "run"
        self.conf = self.workdir / f"{self.kind}.conf"
        self.stdout_log = self.run / "stdout.log"
        self.error_log = self.run / "error.log"
        self.access_log = self.run / "access.log"

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def __repr__(self):
        state = f"pid {self.proc.pid}" if self.is_running() else "stopped"
        return f"<{type(self).__name__} {self.base_url} {state}>"

    def url(self, path="/"):
        return self.base_url + path

    def get(self, path, **kw):
        return http_request("GET", self.url(path), **kw)

    def request(self, method, path, body=None, **kw):
        return http_request(method, self.url(path), body=body, **kw)

    def is_running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines=40):
        return tails([self.error_log, self.stdout_log], lines)

    def _prepare(self):
        raise NotImplementedError

    def _check_config(self):
        raise NotImplementedError

    def _argv(self):
        raise NotImplementedError

    def start(self, timeout=20.0):
        if self.is_running():
            raise HarnessError(f"{self.kind} already running (pid {self.proc.pid})")
        if not self.binary.exists():
            raise HarnessError(f"bridge binary {self.binary} does not exist")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workdir.chmod(0o755)
        self.run.mkdir(exist_ok=True)
        self._prepare()
        self._check_config()
        with open(self.stdout_log, "ab") as out:
            self.proc = subprocess.Popen(self._argv(), stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, env=clean_env(),
                                         cwd=str(self.workdir), start_new_session=True)

        def up():
            if self.proc.poll() is not None:
                raise HarnessError(f"{self.kind} exited with {self.proc.returncode} "
                                   f"during start\n" + self.log_tail())
            return port_open("127.0.0.1", self.port)

        try:
            wait_until(up, timeout, message=lambda: f"{self.kind} did not listen on "
                       f"127.0.0.1:{self.port}\n" + self.log_tail())
        except HarnessError:
            self.stop()
            raise
        return self

    def stop(self, timeout=15.0):
        stop_process(self.proc, timeout=timeout)
        self.proc = None
        return self

    def restart(self, env=None, timeout=20.0):
        """Stop, optionally replace the bridge environment, start again."""
        self.stop()
        if env is not None:
            self.env = dict(env)
        return self.start(timeout)

    def ensure(self, env):
        """Running with exactly `env` (restarts if a test changed it or it died)."""
        if not self.is_running() or self.env != dict(env):
            self.stop()
            self.env = dict(env)
            self.start()
        return self


class Lighttpd(_WebServer):
    """lighttpd -D with mod_fastcgi spawning the bridge (bin-path, max-procs).

    Config: lighttpd/test.conf.in rendered into workdir/lighttpd.conf. The
    bridge environment goes into bin-environment; lighttpd itself starts with
    a minimal environment. Backend stderr ends up in run/error.log.
    """

    kind = "lighttpd"
    TEMPLATE = REPO / "lighttpd" / "test.conf.in"

    def _prepare(self):
        docroot = self.workdir / "www"
        docroot.mkdir(exist_ok=True)
        bin_env = ",\n".join(f"        {_conf_quote(k)} => {_conf_quote(v)}"
                             for k, v in sorted(self.env.items()))
        self.conf.write_text(render(self.TEMPLATE.read_text(), {
            "PORT": self.port,
            "DOCROOT": docroot,
            "RUNDIR": self.run,
            "BINARY": self.binary,
            "MAX_PROCS": self.max_procs,
            "BIN_ENVIRONMENT": bin_env,
        }))

    def _check_config(self):
        p = subprocess.run(["lighttpd", "-tt", "-f", str(self.conf)], capture_output=True,
                           text=True, timeout=30, env=clean_env())
        if p.returncode != 0:
            raise HarnessError(f"lighttpd rejects {self.conf}:\n{p.stdout}{p.stderr}")

    def _argv(self):
        return ["lighttpd", "-D", "-f", str(self.conf)]


class Apache(_WebServer):
    """Apache 2.4 (apache2 -DFOREGROUND) with mod_fcgid spawning the bridge.

    The config is apache/test-httpd.conf.in (a standalone server under
    workdir) with the block between the `>>> aircall-gorgias` and `<<<` marker
    lines of apache/aircall-gorgias-fcgid.conf pasted in: the same directives
    as the deployable example, with /srv/aircall-gorgias/cgi-bin replaced by
    workdir/cgi-bin and the FcgidInitialEnv AG_* lines replaced by self.env.

    As root the parent runs as root and the children as www-data, so the
    binary is copied into workdir/cgi-bin (0755), the fcgid IPC dir is owned
    by www-data, and the bridge log must be world-writable (BridgeLog.create).
    """

    kind = "apache"
    TEMPLATE = REPO / "apache" / "test-httpd.conf.in"
    EXAMPLE = REPO / "apache" / "aircall-gorgias-fcgid.conf"
    EXAMPLE_ROOT = "/srv/aircall-gorgias/cgi-bin"
    MODULES = ("alias", "fcgid")
    BEGIN = re.compile(r"^\s*#\s*>>>\s*aircall-gorgias\b.*$", re.M)
    END = re.compile(r"^\s*#\s*<<<\s*aircall-gorgias\b.*$", re.M)

    def example_block(self):
        """The lines between the markers of self.EXAMPLE."""
        text = self.EXAMPLE.read_text()
        b, e = self.BEGIN.search(text), self.END.search(text)
        if not b or not e or e.start() < b.end():
            raise HarnessError(f"{self.EXAMPLE}: marker lines '# >>> aircall-gorgias' and "
                               f"'# <<< aircall-gorgias' not found")
        return text[b.end():e.start()].splitlines()

    def _site_block(self):
        cgi_bin = self.workdir / "cgi-bin"
        lines = []
        for line in self.example_block():
            if re.match(r"^\s*FcgidInitialEnv\s+AG_", line):
                continue
            line = re.sub(r"^(\s*FcgidMaxProcessesPerClass)\s+\d+",
                          rf"\g<1> {self.max_procs}", line)
            lines.append(line.replace(self.EXAMPLE_ROOT, str(cgi_bin)))
        env = [f"FcgidInitialEnv {k} {_conf_quote(v)}" for k, v in sorted(self.env.items())]
        return "\n".join(env + lines)

    def _server_config(self):
        fcgid = self.workdir / "fcgid"
        fcgid.mkdir(exist_ok=True)
        chown_tree(fcgid, WEB_OS_USER)   # mod_fcgid's IPC dir must be writable by User
        return f"FcgidIPCDir {fcgid}\nFcgidProcessTableFile {fcgid}/shm"

    def _install_binary(self):
        """A copy of the binary that www-data can reach, in workdir/cgi-bin."""
        cgi_bin = self.workdir / "cgi-bin"
        cgi_bin.mkdir(exist_ok=True)
        cgi_bin.chmod(0o755)
        target = cgi_bin / "aircall-gorgias.fcgi"
        shutil.copy2(self.binary, target)
        target.chmod(0o755)
        return target

    def _prepare(self):
        self._install_binary()
        pidfile = self.run / "httpd.pid"
        if pidfile.exists():
            pidfile.unlink()
        modules = "\n".join(f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so"
                            for m in self.MODULES)
        user = f"User {WEB_OS_USER}\nGroup {WEB_OS_USER}" if IS_ROOT else "# (not root: no User/Group)"
        self.conf.write_text(render(self.TEMPLATE.read_text(), {
            "SERVER_ROOT": self.workdir,
            "PORT": self.port,
            "RUNDIR": self.run,
            "MODULES": modules,
            "USER_GROUP": user,
            "SERVER_CONFIG": self._server_config(),
            "SITE_BLOCK": self._site_block(),
        }))

    def _check_config(self):
        p = subprocess.run(["apache2", "-t", "-f", str(self.conf)], capture_output=True,
                           text=True, timeout=30, env=clean_env())
        if p.returncode != 0:
            raise HarnessError(f"apache2 rejects {self.conf}:\n{p.stdout}{p.stderr}")

    def _argv(self):
        return ["apache2", "-f", str(self.conf), "-DFOREGROUND"]


class ApacheProxyFcgi(Apache):
    """Apache with mod_proxy_fcgi in front of a spawn-fcgi pool of max_procs
    bridge processes: the block of apache/aircall-gorgias-proxy-fcgi.conf,
    with the pool's socket moved into workdir/run. The pool gets self.env as
    its environment (as spawn-fcgi passes its own) and runs as www-data when
    we are root. Its stdout/stderr go to /dev/null (spawn-fcgi), so the
    bridge's log is only in AG_LOG_FILE.
    """

    kind = "apache-proxy-fcgi"
    EXAMPLE = REPO / "apache" / "aircall-gorgias-proxy-fcgi.conf"
    EXAMPLE_SOCKET = "/run/aircall-gorgias/fcgi.sock"
    MODULES = ("proxy", "proxy_fcgi")

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.socket = self.run / "fcgi.sock"
        self.pool_pidfile = self.run / "spawn.pid"

    def _server_config(self):
        return "# (no server-wide settings)"

    def _site_block(self):
        return "\n".join(line.replace(self.EXAMPLE_SOCKET, str(self.socket))
                         for line in self.example_block())

    def _prepare(self):
        super()._prepare()
        self._stop_pool()
        if self.socket.exists():
            self.socket.unlink()
        argv = ["spawn-fcgi", "-s", str(self.socket), "-M", "0660", "-F", str(self.max_procs),
                "-P", str(self.pool_pidfile)]
        if IS_ROOT:
            argv += ["-U", WEB_OS_USER, "-G", WEB_OS_USER, "-u", WEB_OS_USER]
        argv += ["--", str(self.workdir / "cgi-bin" / "aircall-gorgias.fcgi")]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                           env=clean_env(self.env), cwd=str(self.workdir))
        if p.returncode != 0:
            raise HarnessError(f"spawn-fcgi failed ({p.returncode}):\n{p.stdout}{p.stderr}")

    def _pool_pids(self):
        try:
            return [int(x) for x in self.pool_pidfile.read_text().split()]
        except (OSError, ValueError):
            return []

    def _stop_pool(self, timeout=10.0):
        pids = self._pool_pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

        def gone():
            return not any(Path(f"/proc/{pid}").exists() and
                           "zombie" not in _proc_state(pid) for pid in pids)
        try:
            wait_until(gone, timeout, message="spawn-fcgi pool did not stop")
        except HarnessError:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.pool_pidfile.unlink(missing_ok=True)

    def stop(self, timeout=15.0):
        super().stop(timeout)
        self._stop_pool()
        return self


def _proc_state(pid):
    """The State: line of /proc/pid/status, lower-cased ('' if gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("State:"):
                return line.lower()
    except OSError:
        pass
    return ""


class ApacheCgi(_WebServer):
    """Shared hosting: Apache (prefork, mod_cgi) serving a document root with
    AllowOverride All, the bridge uploaded into www/<mount>/ as
    aircall-gorgias.cgi with apache/htaccess-cgi.example as its .htaccess
    (the example's SetEnv AG_* lines replaced by self.env). base_url is the
    URL of that directory, as AG_PUBLIC_URL must be."""

    kind = "apache-cgi"
    TEMPLATE = REPO / "apache" / "test-httpd-cgi.conf.in"
    EXAMPLE = REPO / "apache" / "htaccess-cgi.example"
    MOUNT = "aircall"

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}/{self.MOUNT}"

    def htaccess(self):
        lines = [line for line in self.EXAMPLE.read_text().splitlines()
                 if not re.match(r"^\s*SetEnv\s+AG_", line)]
        env = [f"SetEnv {k} {_conf_quote(v)}" for k, v in sorted(self.env.items())]
        return "\n".join(env + lines) + "\n"

    def _prepare(self):
        docroot = self.workdir / "www"
        upload = docroot / self.MOUNT
        upload.mkdir(parents=True, exist_ok=True)
        docroot.chmod(0o755)
        upload.chmod(0o755)
        target = upload / "aircall-gorgias.cgi"
        shutil.copy2(self.binary, target)
        target.chmod(0o755)
        (upload / ".htaccess").write_text(self.htaccess())
        (upload / ".htaccess").chmod(0o644)
        pidfile = self.run / "httpd.pid"
        if pidfile.exists():
            pidfile.unlink()
        user = f"User {WEB_OS_USER}\nGroup {WEB_OS_USER}" if IS_ROOT else "# (not root)"
        self.conf.write_text(render(self.TEMPLATE.read_text(), {
            "SERVER_ROOT": self.workdir, "PORT": self.port, "RUNDIR": self.run,
            "DOCROOT": docroot, "MOUNT": self.MOUNT, "USER_GROUP": user}))

    _check_config = Apache._check_config
    _argv = Apache._argv
