#!/usr/bin/python3
"""The local sandbox behind `make run` (started by scripts/run-sandbox.sh).

Starts, all on 127.0.0.1 and all state under var/:
  - PostgreSQL (var/pg; a fresh database `aircall_gorgias` on every run),
  - the fake Gorgias (:18091) and fake Aircall (:18092) with a sandbox
    Gorgias account `sandbox` and an Aircall company with two numbers,
  - lighttpd serving the bridge on :8080,
then runs `aircall-gorgias.fcgi install` for the sandbox, prints how to send a
sample call and where to see the ticket, runs a `worker` (LISTEN/NOTIFY,
docs/worker.md), and stops everything on Ctrl-C or SIGTERM.

Ports: AG_SANDBOX_HTTP_PORT, AG_SANDBOX_GORGIAS_PORT, AG_SANDBOX_AIRCALL_PORT,
AG_SANDBOX_PG_PORT. Binary: AG_BINARY (default cgi-bin/aircall-gorgias.fcgi).
"""

import json
import os
import secrets
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO / "tests" / "fakes"))
import aircall_events as ev  # noqa: E402
import harness  # noqa: E402

VAR = REPO / "var"
RUN = VAR / "run"
HTTP_PORT = int(os.environ.get("AG_SANDBOX_HTTP_PORT", "8080"))
GORGIAS_PORT = int(os.environ.get("AG_SANDBOX_GORGIAS_PORT", "18091"))
AIRCALL_PORT = int(os.environ.get("AG_SANDBOX_AIRCALL_PORT", "18092"))
PG_PORT = int(os.environ.get("AG_SANDBOX_PG_PORT", "18093"))
CHECK_EVERY = 5.0  # seconds between looks at the sandbox's processes

# The sandbox tenant, in both fakes.
ACCOUNT = "sandbox"
ADMIN_EMAIL = "admin@sandbox.test"
AGENT_EMAIL = "agent@sandbox.test"
COUNTRY, TIME_ZONE, LOCALE = "FR", "Europe/Paris", "en"


def say(msg=""):
    print(msg, flush=True)


class Stop(Exception):
    pass


def _on_signal(signum, frame):
    raise Stop(signal.Signals(signum).name)


# ------------------------------------------------------------ stale processes

def _record(name, pid):
    RUN.mkdir(parents=True, exist_ok=True)
    (RUN / f"{name}.pid").write_text(f"{pid}\n")


def _reap_stale():
    """Stop processes a previous, killed sandbox left behind.

    Only PIDs recorded in var/run/*.pid whose command line still mentions
    var/ (so a reused PID of an unrelated program is never touched)."""
    for pidfile in RUN.glob("*.pid") if RUN.exists() else ():
        try:
            pid = int(pidfile.read_text().split()[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            pidfile.unlink(missing_ok=True)
            continue
        if str(VAR) in cmdline:
            say(f"   stopping leftover {pidfile.stem} (pid {pid})")
            try:
                os.killpg(pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)
            harness.wait_until(lambda: not Path(f"/proc/{pid}").exists(), 10,
                               message=f"leftover pid {pid} did not stop")
        pidfile.unlink(missing_ok=True)


# ------------------------------------------------------------ vendor accounts

GORGIAS_API_KEY = "sandbox-gorgias-api-key"
AIRCALL_API_ID = "sandbox-aircall-api-id"
AIRCALL_API_TOKEN = "sandbox-aircall-api-token"
NUMBERS = [("Sandbox Support", "+33176111111"), ("Sandbox Sales", "+33176222222")]


def setup_vendors(fakes, env):
    """Create the sandbox tenant in both fakes through the admin wrappers of
    tests/fakes/client.py. Returns the Aircall company id."""
    g, a = fakes.gorgias.api, fakes.aircall.api
    if g is None or a is None:
        raise harness.HarnessError("tests/fakes/client.py (FakeGorgias, FakeAircall) is missing")
    public = env["AG_PUBLIC_URL"]
    g.add_account(ACCOUNT, email=ADMIN_EMAIL, api_key=GORGIAS_API_KEY, firstname="Sandbox",
                  lastname="Admin")
    g.add_user(ACCOUNT, AGENT_EMAIL, role="agent", firstname="Sam", lastname="Agent")
    g.add_oauth_client(env["AG_GORGIAS_CLIENT_ID"], env["AG_GORGIAS_CLIENT_SECRET"],
                       redirect_uris=[public + "/oauth/gorgias/callback"], name="Aircall (sandbox)")
    company = a.add_company(name="Sandbox Company", api_id=AIRCALL_API_ID,
                            api_token=AIRCALL_API_TOKEN)
    a.add_user(company["id"], AGENT_EMAIL, name="Sam Agent")
    for name, e164 in NUMBERS:
        a.add_number(company["id"], e164, name=name, digits=ev.spaced(e164), country=COUNTRY,
                     time_zone=TIME_ZONE)
    a.add_oauth_client(env["AG_AIRCALL_CLIENT_ID"], env["AG_AIRCALL_CLIENT_SECRET"],
                       redirect_uris=[public + "/oauth/aircall/callback"], name="Gorgias (sandbox)")
    return company["id"]


# -------------------------------------------------------- send-call command

def read_env_file():
    path = VAR / "sandbox.env"
    if not path.exists():
        sys.exit("no sandbox: var/sandbox.env is missing (start one with `make run`)")
    env = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            env[k] = shlex.split(v)[0] if v else ""
    return env


def send_call(kind="answered", caller="+33612345678"):
    """Play one call through the bridge as Aircall would: every webhook of an
    answered, missed or voicemail call, each POSTed with curl."""
    if kind not in ("answered", "missed", "voicemail"):
        sys.exit("usage: send-sample-call.sh [answered|missed|voicemail] [caller-number]")
    env = read_env_file()
    a = harness.load_fake_clients().FakeAircall(env["SANDBOX_AIRCALL_URL"])
    g = harness.load_fake_clients().FakeGorgias(env["SANDBOX_GORGIAS_URL"])
    bridge = env["SANDBOX_BRIDGE_URL"]
    cid = int(env["SANDBOX_AIRCALL_COMPANY_ID"])
    try:
        hooks = [w for w in a.webhooks(cid) if w["active"] and w["url"].startswith(bridge)]
        company = a.company(cid)
    except OSError as e:
        sys.exit(f"the fake Aircall at {env['SANDBOX_AIRCALL_URL']} does not answer ({e}): "
                 "is `make run` still running?")
    if not hooks:
        sys.exit(f"no active webhook to {bridge} in the fake Aircall: did `install` succeed?")
    token = hooks[0]["token"]
    num = company["numbers"][0]
    agent = next(u for u in company["users"] if u["email"] == env["SANDBOX_AGENT_EMAIL"])
    call_id = int(time.time() * 1000) % 900000000 + 100000000
    sc = ev.CallScenario(
        call_id=call_id, direction="inbound", external=caller, token=token,
        number=ev.number(id=num["id"], name=num["name"], e164=num["e164_digits"]),
        user=ev.user(id=agent["id"], name=agent["name"], email=agent["email"]),
        media_base=env["SANDBOX_AIRCALL_URL"], ended_delay=2)
    if kind == "answered":
        a.add_media(ev.recording_name(call_id), size=64 * 1024)
        bodies = sc.answered_sequence(with_recording=True)
    elif kind == "missed":
        bodies = sc.missed_sequence()
    else:
        a.add_media(ev.voicemail_name(call_id), size=32 * 1024)
        bodies = sc.voicemail_sequence()

    outdir = VAR / "sample-calls"
    outdir.mkdir(parents=True, exist_ok=True)
    say(f"== {kind} call {call_id} from {caller} to {num['name']} ({num['digits']}), "
        f"agent {agent['email']}")
    for i, body in enumerate(bodies, 1):
        a.ingest(body, company_id=cid)     # so GET /v1/calls/{id} answers like Aircall
        path = outdir / f"{call_id}-{i:02d}-{body['event']}.json"
        path.write_text(json.dumps(body, indent=2) + "\n")
        cmd = ["curl", "-sS", "-X", "POST", "-H", "Content-Type: application/json",
               "--data-binary", f"@{path.relative_to(REPO)}", f"{bridge}/webhooks/aircall"]
        say("$ " + " ".join(shlex.quote(c) for c in cmd))
        subprocess.run(cmd + ["-w", "  -> HTTP %{http_code}\n"], cwd=REPO, check=False,
                       timeout=30)

    say("\n== waiting for the ticket in the fake Gorgias")
    def ticket():
        for t in g.tickets(ACCOUNT):
            if any(caller[-6:] in json.dumps(x) for x in (t.get("subject"), t.get("customer"))):
                return t
        return None
    try:
        t = harness.wait_until(ticket, timeout=20, interval=0.5,
                               message="no ticket yet (see var/log/bridge.log)")
    except harness.HarnessError as e:
        say(str(e))
        return 1
    msgs = t.get("messages") or []
    say(f"ticket {t['id']}: {t.get('subject')!r} status={t.get('status')} "
        f"tags={[x.get('name') for x in t.get('tags') or []]} messages={len(msgs)}")
    say(f"full ticket: curl -s {env['SANDBOX_GORGIAS_URL']}/__admin/accounts/{ACCOUNT}/tickets/"
        f"{t['id']} | python3 -m json.tool")
    return 0


# ------------------------------------------------------------------- main

def write_env_file(env, extra):
    """var/sandbox.env: `set -a; . var/sandbox.env; set +a` gives a shell the
    bridge's configuration (for cgi-bin/aircall-gorgias.fcgi status, worker...)."""
    lines = ["# written by scripts/sandbox.py; source with: set -a; . var/sandbox.env; set +a"]
    lines += [f"{k}={shlex.quote(str(v))}" for k, v in sorted({**env, **extra}.items())]
    path = VAR / "sandbox.env"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def secret_key():
    path = VAR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


class Worker:
    """`aircall-gorgias.fcgi worker`, as docs/worker.md runs it under systemd."""

    def __init__(self, binary, env, err_log):
        self.binary, self.env, self.err_log, self.proc = binary, env, Path(err_log), None

    def start(self):
        with open(self.err_log, "ab") as err:
            self.proc = subprocess.Popen([str(self.binary), "worker"],
                                         env=harness.clean_env(self.env),
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=err, start_new_session=True)
        return self

    def is_running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines=40):
        return harness.tails([self.err_log], lines)

    def stop(self):
        harness.stop_process(self.proc)
        self.proc = None


def main():
    binary = harness.bridge_binary()
    if not binary.exists():
        sys.exit(f"{binary} is missing: run `make` first")
    VAR.mkdir(exist_ok=True)
    (VAR / ".gitignore").write_text("*\n")
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    started = []   # stopped in reverse order; added before starting (stop is safe)
    rc = 0
    try:
        _reap_stale()

        say(f"== PostgreSQL (var/pg, port {PG_PORT})")
        pg = harness.PgCluster(VAR / "pg", port=PG_PORT)
        pg.init()
        started.append(pg)
        if pg.is_running():
            pg.stop()
        pg.start()
        pg.dropdb()
        pg.createdb()

        say(f"== fake Gorgias (:{GORGIAS_PORT}) and fake Aircall (:{AIRCALL_PORT})")
        fakes = harness.Fakes(VAR / "fakes", GORGIAS_PORT, AIRCALL_PORT)
        started.append(fakes)
        fakes.start()
        _record("fake_gorgias", fakes.gorgias.proc.pid)
        _record("fake_aircall", fakes.aircall.proc.pid)

        log = harness.BridgeLog(VAR / "log" / "bridge.log").create()
        public_url = f"http://127.0.0.1:{HTTP_PORT}"
        env = harness.bridge_env_for(pg, fakes, public_url, log.path,
                                     secret_key=secret_key(), log_level="info")
        company_id = setup_vendors(fakes, env)
        env_file = write_env_file(env, {
            "SANDBOX_AIRCALL_COMPANY_ID": company_id,
            "SANDBOX_BRIDGE_URL": public_url,
            "SANDBOX_GORGIAS_URL": fakes.gorgias.base_url,
            "SANDBOX_AIRCALL_URL": fakes.aircall.base_url,
            "SANDBOX_ACCOUNT": ACCOUNT,
            "SANDBOX_AGENT_EMAIL": AGENT_EMAIL,
        })

        say("== migrate")
        harness.run_cli(["migrate"], env, binary=binary, check=True)

        say(f"== lighttpd serving the bridge on {public_url}")
        web = harness.Lighttpd(VAR / "lighttpd", binary, env, port=HTTP_PORT)
        started.append(web)
        web.start()
        _record("lighttpd", web.proc.pid)

        say("== worker (applies events as they arrive)")
        worker = Worker(binary, env, VAR / "log" / "worker.err")
        started.append(worker)
        worker.start()
        _record("worker", worker.proc.pid)

        say("== install for the sandbox account")
        installed = harness.run_cli([
            "install", "--gorgias-account", ACCOUNT, "--gorgias-email", ADMIN_EMAIL,
            "--aircall-api-id", AIRCALL_API_ID,
            "--numbers", "all", "--locale", LOCALE, "--country", COUNTRY,
            "--time-zone", TIME_ZONE,
        ], dict(env, AG_GORGIAS_API_KEY=GORGIAS_API_KEY, AG_AIRCALL_API_TOKEN=AIRCALL_API_TOKEN),
            binary=binary, check=True).json()

        say(f"""
Sandbox is up.
  bridge (lighttpd)  {public_url}   health: {public_url}/healthz
  installation       {json.dumps(installed)}
  fake Gorgias       {fakes.gorgias.base_url}   account "{ACCOUNT}", admin {ADMIN_EMAIL}, agent {AGENT_EMAIL}
  fake Aircall       {fakes.aircall.base_url}
  PostgreSQL         psql "{pg.url}"
  bridge log         {log.path.relative_to(REPO)}
  server logs        var/lighttpd/run/error.log, var/fakes/*.err

Send a sample call (every webhook of an answered call to {NUMBERS[0][0]}, agent {AGENT_EMAIL};
the script reads the webhook token from the fake Aircall and shows each curl it runs):
  scripts/send-sample-call.sh            # or: scripts/send-sample-call.sh missed|voicemail [+33...]
See the resulting tickets in the fake Gorgias (admin view, with notes and tags):
  curl -s {fakes.gorgias.base_url}/__admin/accounts/{ACCOUNT}/tickets | python3 -m json.tool
Use the command line with the same configuration:
  set -a; . {env_file.relative_to(REPO)}; set +a; {binary.relative_to(REPO) if binary.is_relative_to(REPO) else binary} status

A `worker` applies every event as it arrives (its log: var/log/worker.err and the
bridge log). Ctrl-C stops everything.""")

        while True:
            time.sleep(CHECK_EVERY)
            for name, srv in (("lighttpd", web), ("fake Gorgias", fakes.gorgias),
                              ("fake Aircall", fakes.aircall), ("worker", worker)):
                if not srv.is_running():
                    raise harness.HarnessError(f"{name} died:\n{srv.log_tail()}")
    except Stop as e:
        say(f"\n== {e}: stopping")
    except harness.HarnessError as e:
        say(f"\nsandbox failed: {e}")
        rc = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for thing in reversed(started):
            try:
                thing.stop()
            except Exception as e:  # noqa: BLE001 - keep stopping the rest
                say(f"   could not stop {thing}: {e}")
        for pidfile in RUN.glob("*.pid") if RUN.exists() else ():
            pidfile.unlink(missing_ok=True)
        say("== stopped")
    return rc


if __name__ == "__main__":
    if sys.argv[1:2] == ["send-call"]:
        sys.exit(send_call(*sys.argv[2:4]))
    if len(sys.argv) > 1:
        sys.exit("usage: sandbox.py            start the sandbox (make run)\n"
                 "       sandbox.py send-call [answered|missed|voicemail] [caller]")
    sys.exit(main())
