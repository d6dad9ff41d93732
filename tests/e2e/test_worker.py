"""Applying events apart from the request path (docs/worker.md): the web
process only stores and acknowledges; a LISTENing worker, or a drainer the web
process starts when no worker is free, applies the events. Real lighttpd and
Apache, real PostgreSQL, the fake vendors over HTTP."""

import os
import signal
import subprocess
import time

import pytest

import harness
from sandbox import (ACCOUNT, Sandbox, installed, notes, post_timed,  # noqa: F401
                     wait_inbox_settled)

KNOWN = "+34666444555"


def _start_worker(binary, env, *args):
    return subprocess.Popen([str(binary), "worker", *args], env=harness.clean_env(env),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _workers(db, kind=None):
    rows = db.query("select id, kind, pid, busy_since from worker order by started_at")
    return [r for r in rows if kind is None or r["kind"] == kind]


def _wait_drainers_gone(db, timeout=20):
    harness.wait_until(lambda: not _workers(db, "drainer"), timeout=timeout,
                       message=lambda: f"drainers still registered: {_workers(db)}")


def _drainer_pids(conninfo):
    """Drainers (detached, in sessions of their own) of this test database."""
    return harness.drainer_pids(conninfo)


@pytest.fixture
def quiet(db):
    """No drainer left over from an earlier test may take this test's events:
    they leave once idle with their heartbeat row gone (the clean slate)."""
    harness.wait_until(lambda: not harness.drainer_pids(db.conninfo), timeout=30,
                       message=lambda: f"drainers still running: {harness.drainer_pids(db.conninfo)}")
    return db


@pytest.fixture
def worker(quiet, binary, bridge_env):
    db = quiet
    """start(**env overrides) -> a running `worker` (registered), stopped after the test."""
    procs = []

    def start(**extra):
        env = dict(bridge_env, **{k: str(v) for k, v in extra.items()})
        p = _start_worker(binary, env)
        procs.append(p)
        harness.wait_until(lambda: any(r["pid"] == p.pid for r in _workers(db, "worker")),
                           timeout=10, message="the worker registered no heartbeat")
        return p

    yield start
    for p in procs:
        harness.stop_process(p)


@pytest.fixture(params=["lighttpd", "apache-proxy-fcgi", "apache-fcgid"])
def burst_server(request):
    """(server, connections): mod_fcgid holds a request ~1 s whenever all of its
    processes are busy (apache/aircall-gorgias-fcgid.conf), so it gets as many
    connections as processes; lighttpd and spawn-fcgi queue on the socket."""
    if request.param == "lighttpd":
        return request.getfixturevalue("lighttpd"), 16
    if request.param == "apache-proxy-fcgi":
        return request.getfixturevalue("apache_proxy_factory")(), 16
    return request.getfixturevalue("apache"), 1


def test_slow_gorgias_burst_every_ack_under_a_second(db, fakes, cli, burst_server, bridge_log):
    """Every Gorgias request takes 2 s: 48 webhooks are all acknowledged within
    1 s (Aircall gives up after 5 s), behind lighttpd and Apache, without a
    worker; drainers apply them once Gorgias is fast again."""
    web, connections = burst_server
    sb = Sandbox(fakes, cli, web)
    sb.setup_vendors()
    sb.install("--country", "FR", env=web.env)
    sb.fg.update_account(ACCOUNT, rate_limit=400, rate_limit_basic=400)
    sb.fg.chaos(delay_seconds=2, delay_fraction=1.0)
    bodies = []
    for i in range(12):
        c = sb.scenario(call_id=61000 + i, external="+3466600%04d" % i)
        bodies += [c.created(), c.answered(), c.hungup(), c.ended()]
    try:
        results = post_timed(web.base_url, bodies, connections)
        assert [s for s, _ in results] == [200] * len(bodies)
        worst = max(t for _, t in results)
        print(f"ack latency max {worst * 1000:.0f} ms over {len(results)} webhooks")
        # Below one Gorgias request (2 s): no acknowledgement waited on the
        # vendor. The < 1 s target itself is measured by `make bench`.
        assert worst < 2.0
        assert int(db.scalar("select count(*) from inbox")) == len(bodies)
    finally:
        sb.fg.chaos(delay_seconds=0, delay_fraction=0.0)
    wait_inbox_settled(db, timeout=120)
    assert len([t for t in sb.tickets() if t.get("external_id")]) == 12
    assert int(db.scalar("select count(*) from inbox where status = 'failed'")) == 0


def test_running_worker_applies_at_once_and_no_drainer_starts(quiet, installed, db, worker,
                                                              bridge_log):
    """A LISTENing worker takes the event the moment it is stored: the Insight
    Card (IC1) is at Aircall well within a second of the acknowledgement."""
    fg, fa = installed.fg, installed.fa
    fg.add_customer(ACCOUNT, name="Jane Doe", email="jane@shop.test", phone=KNOWN)
    w = worker()
    call = installed.scenario(call_id=62001)
    created = call.created()
    fa.ingest(created, company_id=installed.company_id)
    t0 = time.monotonic()
    status, _ = installed.post(created)
    acked = time.monotonic()
    assert status == 200
    harness.wait_until(lambda: fa.insight_cards(installed.company_id, call_id=62001,
                                                accepted_only=True), timeout=5)
    carded = time.monotonic()
    print(f"ack {1000 * (acked - t0):.0f} ms, card {1000 * (carded - acked):.0f} ms after")
    assert carded - acked < 1.0
    assert bridge_log.wait_for(r"stored as inbox \d+ \(1 round trip, a worker listens\)")
    assert not bridge_log.search(r"drainer \S+ listening")
    assert [r["pid"] for r in _workers(db)] == [w.pid]
    harness.wait_until(lambda: _workers(db, "worker")[0]["busy_since"] is None, timeout=5)


def test_worker_killed_mid_event_is_applied_once_by_another(quiet, installed, db, worker):
    """A worker dies (kill -9) in the middle of an event: its lease runs out,
    another worker applies the event, exactly once."""
    fg = installed.fg
    # The first Gorgias request of the event hangs long enough to kill the worker.
    fg.script_faults([{"delay": 6, "count": 1, "match": {"method": "GET", "account": ACCOUNT}}])
    first = worker(AG_LEASE_S=3)
    call = installed.scenario(call_id=62002)
    status, _ = installed.post(call.ended())
    assert status == 200
    harness.wait_until(lambda: db.scalar("select status from inbox") == "working", timeout=5)
    time.sleep(0.5)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=5)
    fg.clear_faults()
    second = worker(AG_LEASE_S=3)
    [ticket] = installed.wait_tickets(1, timeout=20, predicate=lambda ts: len(notes(ts[0])) >= 2)
    wait_inbox_settled(db)
    [row] = db.query("select status, attempts from inbox")
    assert row == {"status": "done", "attempts": 2}
    time.sleep(1)
    tickets = [t for t in installed.tickets() if t.get("external_id") == "aircall:call:62002"]
    assert len(tickets) == 1
    ext = sorted(m["external_id"] for m in notes(tickets[0]))
    assert len(ext) == len(set(ext)), ext
    assert second.poll() is None


def test_without_a_worker_a_drainer_applies_and_then_exits(quiet, installed, db, bridge_log):
    """No worker runs: the web process starts a detached drainer after its
    answer, which applies the event and leaves once idle (AG_DRAIN_LINGER_S)."""
    assert _workers(db, "worker") == []
    call = installed.scenario(call_id=62003)
    t0 = time.monotonic()
    status, _ = installed.post(call.ended())
    assert status == 200 and time.monotonic() - t0 < 1.0
    assert bridge_log.wait_for(r"stored as inbox \d+ \(1 round trip, no free worker\)")
    installed.wait_tickets(1)
    assert bridge_log.wait_for(r"drainer \S+ listening")
    wait_inbox_settled(db)
    assert bridge_log.wait_for(r"drainer \S+ stopping after \d+ event", timeout=20)
    _wait_drainers_gone(db)
    assert _drainer_pids(db.conninfo) == []


def test_cgi_drainers_stay_within_their_slots(quiet, installed, db, cgi, bridge_env, tmp_path):
    """Plain CGI closes stdout before it starts the drainer: the slot lock
    must survive that, so a burst of webhooks on shared hosting starts at most
    AG_DRAINERS drainers, not one per webhook (each holding a connection)."""
    run_dir = tmp_path / "run"
    env = dict(bridge_env, AG_DRAINERS="1", AG_DRAIN_LINGER_S="8", AG_RUN_DIR=str(run_dir))
    assert _workers(db, "worker") == []
    seen = set()
    for i in range(6):
        call = installed.scenario(call_id=62100 + i)
        r = cgi("POST", "/webhooks/aircall", body=call.created(), env=env)
        assert r.status == 200, r.body
        seen.update(_drainer_pids(db.conninfo))
        assert len(_drainer_pids(db.conninfo)) <= 1, _drainer_pids(db.conninfo)
    assert len(seen) == 1, f"one lingering drainer serves the burst, saw {sorted(seen)}"
    locks = list(run_dir.glob("drainer-*.0.lock"))
    assert len(locks) == 1
    held = subprocess.run(["flock", "-n", str(locks[0]), "true"])
    assert held.returncode != 0, "the running drainer no longer holds its slot"
    wait_inbox_settled(db)


def test_disabled_installation_keeps_events_and_starts_no_drainer(quiet, installed, db, cgi,
                                                                  bridge_env):
    """AD1: a disabled installation's events are kept for the replay; the web
    process starts no drainer for them (it could claim nothing)."""
    db.execute("update installation set state = 'disabled', "
               "disabled_reason = 'authorization_removed'")
    call = installed.scenario(call_id=62200)
    r = cgi("POST", "/webhooks/aircall", body=call.ended(), env=bridge_env)
    assert r.status == 200, r.body
    time.sleep(1.0)
    assert _drainer_pids(db.conninfo) == []
    assert db.scalar("select status from inbox") == "pending"


def test_retry_from_the_settings_page_starts_a_drainer(quiet, installed, db, cli, lighttpd):
    """SU4 without a worker (shared hosting): the page's retry button makes the
    failed event due and starts a drainer, so it is applied at once, not at
    the next webhook."""
    from oauth_flow import Browser, csrf_of
    installed.fg.script_faults([{"status": 422, "count": 1,
                                 "body": {"error": {"msg": "Ticket creation is paused."}},
                                 "match": {"method": "POST", "path_prefix": "/api/tickets"}}])
    assert installed.post(installed.scenario(call_id=62300).ended())[0] == 200
    harness.wait_until(lambda: db.scalar("select status from inbox") == "failed", timeout=30)
    # No drainer may be left to pick the event up: the one that failed it is
    # ended here rather than waited out (AG_DRAIN_LINGER_S; leaving on its own
    # is test_without_a_worker_a_drainer_applies_and_then_exits).
    harness.stop_drainers(db.conninfo)
    assert not _drainer_pids(db.conninfo), "the drainer did not stop"
    link = cli("settings-link", "--installation", str(installed.installation_id),
               check=True).stdout.strip()
    browser = Browser()
    page = browser.get(browser.get(link).header("Location"))
    r = browser.post_form(lighttpd.url("/settings"),
                          [("csrf", csrf_of(page.text)), ("action", "retry")])
    assert r.status == 303
    harness.wait_until(lambda: db.scalar("select status from inbox") == "done", timeout=30,
                       message=lambda: str(db.query("select status, last_error from inbox")))
    assert [t["external_id"] for t in installed.wait_tickets(1)] == ["aircall:call:62300"]


def test_a_claim_taken_over_settles_nothing(quiet, installed, db, worker):
    """A worker whose lease ran out while a Gorgias request hung, and whose event
    another process took and finished meanwhile, must not put the finished event
    back in the queue when its own run ends in a failure (the settle is
    conditional on the claim still being its own)."""
    fg = installed.fg
    fg.script_faults([{"delay": 6, "status": 503, "count": 1,
                       "match": {"method": "GET", "account": ACCOUNT}}])
    worker(AG_LEASE_S=2)
    status, _ = installed.post(installed.scenario(call_id=62009).ended())
    assert status == 200
    harness.wait_until(lambda: db.scalar("select status from inbox") == "working", timeout=5)
    time.sleep(2.5)
    # As another process does once the lease is over: it claims and finishes it.
    db.execute("update inbox set status = 'done', attempts = attempts + 1, lease_until = null, "
               "processed_at = now()")
    harness.wait_until(lambda: installed.gorgias_requests(status=503), timeout=10)
    time.sleep(2)
    [row] = db.query("select status, attempts from inbox")
    assert row == {"status": "done", "attempts": 2}
