"""A connected installation for end-to-end tests: a Gorgias account and an
Aircall company in the fakes, joined by the bridge's own `install` command.

Import the fixture into a test module:  from sandbox import installed
"""

import json
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fakes"))
import aircall_events as ev  # noqa: E402

ACCOUNT = "acme"
GORGIAS_EMAIL = "owner@acme.test"
GORGIAS_KEY = "gorgias-api-key-e2e"
AIRCALL_ID = "aircall-api-id-e2e"
AIRCALL_TOKEN = "aircall-api-token-e2e"
AGENT_EMAIL = "ana@example.com"   # aircall_events.user() default
NUMBER_ID = 2001                  # aircall_events.number() default
NUMBER_E164 = "+33176111111"


def secrets_stdin(gorgias_key, aircall_token):
    """What `install --secrets-stdin` reads."""
    return f"AG_GORGIAS_API_KEY={gorgias_key}\nAG_AIRCALL_API_TOKEN={aircall_token}\n"


class Sandbox:
    def __init__(self, fakes, cli, web=None):
        self.fakes = fakes
        self.fg = fakes.gorgias.api
        self.fa = fakes.aircall.api
        self.cli = cli
        self.web = web
        self.account = ACCOUNT
        self.company_id = None
        self.installation_id = None
        self.token = None
        self.admin_id = None
        self.agent_id = None

    def setup_vendors(self, agent=True, numbers=((NUMBER_ID, NUMBER_E164, "Support line"),),
                      **account_settings):
        acct = self.fg.add_account(ACCOUNT, email=GORGIAS_EMAIL, api_key=GORGIAS_KEY,
                                   **account_settings)
        self.admin_id = _find_id(self.fg.users(ACCOUNT), GORGIAS_EMAIL)
        if agent:
            self.agent_id = self.fg.add_user(ACCOUNT, AGENT_EMAIL, role="agent",
                                             name="Ana Agent")["id"]
        company = self.fa.add_company("Acme", api_id=AIRCALL_ID, api_token=AIRCALL_TOKEN)
        self.company_id = company["id"]
        for nid, e164, name in numbers:
            self.fa.add_number(self.company_id, e164, name=name, id=nid, digits=ev.spaced(e164))
        return acct

    def install(self, *extra, env=None, check=True):
        # Secrets on stdin, never on the command line (visible in ps).
        res = self.cli("install", "--gorgias-account", ACCOUNT, "--gorgias-email", GORGIAS_EMAIL,
                       "--aircall-api-id", AIRCALL_ID, "--secrets-stdin", *extra, env=env,
                       check=check, input=secrets_stdin(GORGIAS_KEY, AIRCALL_TOKEN))
        if res.returncode == 0:
            self.installation_id = res.json()["installation_id"]
            hooks = self.fa.webhooks(self.company_id)
            assert hooks, "install created no Aircall webhook"
            self.token = hooks[-1]["token"]
        return res

    # ---- webhooks
    def scenario(self, **kw):
        kw.setdefault("token", self.token)
        return ev.CallScenario(**kw)

    def post(self, body, web=None):
        self.mirror_media(body)
        srv = web or self.web
        status, _headers, data = _post(srv.url("/webhooks/aircall"), body)
        return status, data

    def mirror_media(self, body):
        """Aircall's API knows a call's recording/voicemail once a webhook
        names it: the bridge fetches media from GET /v1/calls/:id, never
        from the body, so the fake is told (only the non-null media fields,
        so that events delivered out of order never take them away)."""
        if not isinstance(body, dict) or body.get("resource") != "call" or not self.company_id:
            return
        data = body.get("data")
        if not isinstance(data, dict) or not isinstance(data.get("id"), int):
            return
        media = {k: data[k] for k in ("recording", "voicemail", "asset") if data.get(k)}
        if media:
            self.fa.ingest({"resource": "call", "data": dict(media, id=data["id"])},
                           company_id=self.company_id)

    # ---- Gorgias side
    def tickets(self):
        return self.fg.tickets(ACCOUNT)

    def wait_tickets(self, n=1, timeout=15.0, predicate=None):
        deadline = time.time() + timeout
        last = []
        while time.time() < deadline:
            last = self.tickets()
            if len(last) >= n and (predicate is None or predicate(last)):
                return last
            time.sleep(0.05)
        raise AssertionError(f"expected {n} ticket(s) in the fake Gorgias, have {len(last)}: "
                             f"{json.dumps(last, indent=1)[:3000]}")

    def gorgias_requests(self, **kw):
        return [r for r in self.fg.requests(ACCOUNT, **kw) if not r["path"].startswith("/__admin")]

    def inbox(self, pg):
        return pg.query("select id, event, status, attempts, last_error from inbox order by id")


def _find_id(users, email):
    for u in users:
        if u.get("email") == email:
            return u["id"]
    return None


def _post(url, body):
    import urllib.error
    import urllib.request
    data = body if isinstance(body, (bytes, bytearray)) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            raw = r.read()
            return r.status, dict(r.headers), _maybe_json(raw)
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), _maybe_json(e.read())


def _maybe_json(raw):
    try:
        return json.loads(raw.decode())
    except ValueError:
        return raw


def post_timed(base_url, bodies, connections=16):
    """POST every body from `connections` threads: [(status, seconds)], status 0
    when the connection failed."""
    import harness
    results, lock, queue = [], threading.Lock(), list(reversed(bodies))

    def run():
        while True:
            with lock:
                if not queue:
                    return
                body = queue.pop()
            t0 = time.monotonic()
            try:
                status, _ = harness.post_webhook(base_url, body, timeout=60)
            except OSError:
                status = 0
            with lock:
                results.append((status, time.monotonic() - t0))

    threads = [threading.Thread(target=run) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def second_installation(fakes, cli, account="beta", rate_limit=400):
    """Another Gorgias account and Aircall company, installed with the bridge's
    own command: (account, webhook token, Aircall number object)."""
    fg, fa = fakes.gorgias.api, fakes.aircall.api
    fg.add_account(account, email=f"owner@{account}.test", api_key=f"{account}-gorgias-key",
                   rate_limit=rate_limit, rate_limit_basic=rate_limit)
    fg.add_user(account, AGENT_EMAIL, role="agent", name="Ana Agent")
    company = fa.add_company(account.title(), api_id=f"{account}-aircall-id",
                             api_token=f"{account}-aircall-token")
    fa.add_number(company["id"], "+33176333333", name=f"{account} line", id=3001,
                  digits=ev.spaced("+33176333333"))
    cli("install", "--gorgias-account", account, "--gorgias-email", f"owner@{account}.test",
        "--aircall-api-id", f"{account}-aircall-id", "--country", "FR", "--secrets-stdin",
        check=True, input=secrets_stdin(f"{account}-gorgias-key", f"{account}-aircall-token"))
    token = fa.webhooks(company["id"])[-1]["token"]
    return account, token, ev.number(id=3001, name=f"{account} line", e164="+33176333333")


def notes(ticket):
    return [m for m in ticket.get("messages", []) if m.get("channel") == "internal-note"]


def wait_inbox_settled(pg, timeout=20.0):
    """Until no event is pending or being worked on."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        n = pg.scalar("select count(*) from inbox where status in ('pending', 'working')")
        if int(n) == 0:
            return
        time.sleep(0.05)
    raise AssertionError("inbox did not settle: " + json.dumps(
        pg.query("select id, event, status, attempts, last_error from inbox"), default=str))


@pytest.fixture
def running_worker(db, binary, bridge_env):
    """A listening `worker`: events are applied at once, without waiting for a
    drainer slot that parallel test runs may all be holding."""
    import subprocess
    import harness
    proc = subprocess.Popen([str(binary), "worker"], env=harness.clean_env(bridge_env),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield proc
    harness.stop_process(proc)


@pytest.fixture
def installed(db, fakes, cli, lighttpd):
    """An installation behind the session lighttpd, all numbers selected."""
    sb = Sandbox(fakes, cli, lighttpd)
    sb.setup_vendors()
    sb.install("--country", "FR", "--time-zone", "Europe/Paris")
    return sb
