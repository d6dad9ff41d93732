"""Budget and durability (SPEC RL1-RL3, AD1, AD2): the shared Gorgias limit
kept in PostgreSQL, retries that never storm, nothing lost, nothing doubled."""

import random
import subprocess
import threading
import time

import harness
from sandbox import ACCOUNT, Sandbox, installed, notes, wait_inbox_settled  # noqa: F401


def _drive_worker(cli, db, timeout=90.0, env=None, due_within="1 second"):
    """Run `worker --once` until nothing is pending (events wait for budget),
    each event due within `due_within` of now (a Retry-After of 1 s is kept)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        pending = int(db.scalar("select count(*) from inbox where status in ('pending', 'working')"))
        if pending == 0:
            return
        db.execute("update inbox set next_attempt_at = least(next_attempt_at, now() + :'d'::interval)",
                   d=due_within)
        cli("worker", "--once", timeout=120, env=env)
        time.sleep(0.3)
    raise AssertionError("events still pending: " + repr(db.query(
        "select id, event, status, attempts, last_error from inbox where status <> 'done'")))


def _assert_exactly_once(sb, call_ids, notes_per_call):
    tickets = sb.tickets()
    by_ext = {}
    for t in tickets:
        by_ext.setdefault(t.get("external_id"), []).append(t)
    for cid in call_ids:
        got = by_ext.get(f"aircall:call:{cid}", [])
        assert len(got) == 1, f"call {cid}: {len(got)} tickets"
        ext = [m.get("external_id") for m in notes(got[0])]
        assert len(ext) == len(set(ext)), f"call {cid}: a note twice: {ext}"
        assert len(ext) == notes_per_call, f"call {cid}: notes {ext}"


def test_429_bursts_are_waited_out(installed, db, cli):
    """RL3: 429 + Retry-After: the event waits, then lands exactly once."""
    fg = installed.fg
    fg.script_faults([{"status": 429, "retry_after": 1, "count": 4,
                       "match": {"path_prefix": "/api/tickets"}}])
    call = installed.scenario(call_id=6001)
    installed.post(call.ended())
    _drive_worker(cli, db)
    _assert_exactly_once(installed, [6001], 2)
    assert int(db.scalar("select total_limited from rate_limit where scope = 'gorgias:acme'")) >= 1


def test_server_errors_at_30_percent(db, fakes, cli, lighttpd_factory, bridge_env_base):
    """5xx at 30 %: backoff with jitter, bounded attempts, every call exactly once.
    The loop below makes every event due at once, so attempts come much faster
    than the backoff would allow: a bound above the default keeps a run of
    unlucky attempts (only writes count as progress) from failing an event."""
    env = dict(bridge_env_base, AG_MAX_ATTEMPTS="30")
    srv = lighttpd_factory(env=env)
    sb = Sandbox(fakes, cli, srv)
    sb.setup_vendors()
    sb.install(env=env)
    # Not a budget test (those are below): a limit these ~100 requests stay
    # under, so that the run is not a 20 s wait for the window.
    sb.fg.update_account(ACCOUNT, rate_limit=400, rate_limit_basic=400)
    sb.fg.chaos(error_rate=0.3, error_status=503, error_seed=11)
    ids = list(range(6100, 6108))
    for cid in ids:
        for body in sb.scenario(call_id=cid).answered_sequence(with_recording=False):
            sb.post(body)
    _drive_worker(cli, db, timeout=150, env=env, due_within="0 seconds")
    sb.fg.chaos(error_rate=0.0)
    _assert_exactly_once(sb, ids, 2)
    assert int(db.scalar("select count(*) from inbox where status = 'failed'")) == 0


def test_slow_replies_past_the_timeout_never_duplicate(db, fakes, cli, lighttpd_factory,
                                                       bridge_env_base):
    """A reply slower than the timeout may still have been applied: the bridge
    checks before sending again (ticket by external id, notes by external id)."""
    # Many quick attempts here (the loop makes every event due at once), all
    # by the loop's `worker --once` (no drainers), each at least 1.5 s after
    # the last: a request still sleeping in the fake (1.2 s) has been applied
    # by then, as the bridge's backoff (>= 1.5 s) ensures outside this test.
    env = dict(bridge_env_base, AG_HTTP_TIMEOUT_MS="700", AG_MAX_ATTEMPTS="60", AG_DRAINERS="0")
    srv = lighttpd_factory(env=env)
    sb = Sandbox(fakes, cli, srv)
    sb.setup_vendors()
    sb.install(env=env)
    sb.fg.chaos(delay_seconds=1.2, delay_fraction=0.35, delay_seed=5)
    ids = [6201, 6202, 6203, 6204]
    for cid in ids:
        call = sb.scenario(call_id=cid)
        sb.post(call.answered())
        sb.post(call.ended())
    cli_env = dict(env)
    deadline = time.time() + 120
    while time.time() < deadline and int(db.scalar(
            "select count(*) from inbox where status in ('pending', 'working')")):
        time.sleep(1.5)
        db.execute("update inbox set next_attempt_at = now() where status = 'pending'")
        harness.run_cli(["worker", "--once"], cli_env, timeout=120)
    sb.fg.chaos(delay_fraction=0.0)
    time.sleep(1.5)   # let the fake finish any delayed request
    _assert_exactly_once(sb, ids, 2)


def test_revoked_key_disables_and_reinstall_replays(installed, db, cli):
    """AD1: credentials rejected -> disabled (authorization_removed), events kept;
    installing again re-enables and the kept events are applied."""
    fg = installed.fg
    fg.update_user(ACCOUNT, installed.admin_id, api_key="rotated-key")
    call = installed.scenario(call_id=6301)
    status, _ = installed.post(call.ended())
    assert status == 200
    harness.wait_until(lambda: db.scalar("select state from installation") == "disabled",
                       timeout=10)
    assert db.scalar("select disabled_reason from installation") == "authorization_removed"
    # received while disabled: kept
    installed.post(installed.scenario(call_id=6302).ended())
    assert int(db.scalar("select count(*) from inbox where status = 'pending'")) == 2
    assert installed.tickets() == []
    fg.update_user(ACCOUNT, installed.admin_id, api_key="gorgias-api-key-e2e")
    installed.install()
    _drive_worker(cli, db)
    _assert_exactly_once(installed, [6301, 6302], 2)


def test_limit_hit_beyond_patience_disables_then_enable_replays(db, fakes, cli, lighttpd_factory,
                                                                 bridge_env_base):
    """RL2 AD2: the limit keeps being hit -> disabled (rate_limited); unlike the
    described product, events are kept and re-enabling replays them in order."""
    env = dict(bridge_env_base, AG_RATE_PATIENCE_S="1")
    srv = lighttpd_factory(env=env)
    sb = Sandbox(fakes, cli, srv)
    sb.setup_vendors()
    sb.install(env=env)
    sb.fg.script_faults([{"status": 429, "retry_after": 1, "count": 1000,
                          "match": {"account": ACCOUNT}}])
    call = sb.scenario(call_id=6401)
    sb.post(call.answered())
    deadline = time.time() + 30
    while time.time() < deadline and db.scalar("select state from installation") == "enabled":
        db.execute("update inbox set next_attempt_at = now() where status = 'pending'")
        harness.run_cli(["worker", "--once"], env, timeout=60)
        time.sleep(0.5)
    assert db.scalar("select disabled_reason from installation") == "rate_limited"
    sb.post(call.ended())
    sb.post(call.commented("after the limit"))
    assert int(db.scalar("select count(*) from inbox where status = 'pending'")) >= 2
    sb.fg.clear_faults()
    res = harness.run_cli(["enable", "--installation", str(sb.installation_id)], env, check=True)
    assert res.json()["state"] == "enabled"
    deadline = time.time() + 60
    while time.time() < deadline and int(db.scalar(
            "select count(*) from inbox where status in ('pending', 'working')")):
        harness.run_cli(["worker", "--once"], env, timeout=60)
        time.sleep(0.3)
    _assert_exactly_once(sb, [6401], 3)
    assert int(db.scalar("select count(*) from inbox where status = 'done'")) == 3


def test_window_never_exceeded_with_two_workers_and_fastcgi(installed, db, binary, bridge_env,
                                                            lighttpd):
    """RL1 RL3: two worker processes and the FastCGI processes drain at once;
    the fake's sliding window never sees more than the limit, and every call
    lands exactly once."""
    fg = installed.fg
    fg.update_account(ACCOUNT, rate_limit=30, rate_limit_basic=30, rate_window=6)
    seed = random.randrange(1 << 30)
    rnd = random.Random(seed)
    ids = list(range(6500, 6516))
    bodies = []
    for cid in ids:
        call = installed.scenario(call_id=cid)
        bodies += [call.answered(), call.ended()]
    rnd.shuffle(bodies)
    workers = [subprocess.Popen([str(binary), "worker"], env=harness.clean_env(bridge_env),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(2)]
    try:
        threads = [threading.Thread(target=installed.post, args=(b,)) for b in bodies]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wait_inbox_settled(db, timeout=120)
    finally:
        for w in workers:
            harness.stop_process(w)
    try:
        _assert_exactly_once(installed, ids, 2)
        assert fg.max_window_use(ACCOUNT) <= 30
        assert int(db.scalar("select count(*) from inbox where status = 'failed'")) == 0
    except AssertionError:
        print("seed", seed)
        raise
