#!/usr/bin/env python3
"""Benchmarks of aircall-gorgias (`make bench`). Figures are counts from the
fake Gorgias's request log, or ratios against a baseline measured in the
same run: these machines are noisy, absolute rates mean little.

  1. Gorgias requests per call (issue "calls"): answered call with a cached
     customer, with a known but uncached customer, with a new customer; missed
     call; voicemail.
  2. The request path apart from the vendors (bench/acks.py): acknowledgement
     latency with a slow Gorgias, round trips per acknowledgement, Insight Card
     latency, throughput as a ratio of a bare "hello" FastCGI on the same
     lighttpd, RSS after 10,000+ webhooks, fairness between installations.
  3. Gorgias and Aircall requests per agent reply (two-way SMS, bench/replies.py).
  4. Replay of N calls (default 50) as fast as the web server takes them,
     against a fake Gorgias with a real limit (80 per 20 s): requests per call,
     calls per hour sustained, the largest window use seen.

usage: bench/run.py [--calls N] [--skip-replay] [--skip-wrk]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO / "tests" / "fakes"))

import harness  # noqa: E402
from sandbox import ACCOUNT, Sandbox  # noqa: E402

import acks  # noqa: E402
import replies  # noqa: E402


def cli_runner(env):
    def run(*args, env=None, check=False, timeout=120, input=None):
        return harness.run_cli(list(args), env or base_env, timeout=timeout, check=check,
                               input=input)
    base_env = env
    return run


def settle(pg, timeout=600, worker_env=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        n = int(pg.scalar("select count(*) from inbox where status in ('pending','working')"))
        if n == 0:
            return
        if worker_env:
            harness.run_cli(["worker", "--once"], worker_env, timeout=600)
        time.sleep(0.2)
    raise SystemExit("bench: inbox did not settle")


def gorgias_count(fg, since):
    return len([r for r in fg.requests(ACCOUNT, since=since) if "/api/" in r["path"]])


def per_call_budget(sb, pg, env):
    fg, fa = sb.fg, sb.fa
    media = sb.fakes.aircall.base_url
    rows = []

    def measure(label, bodies, media_names=()):
        for name in media_names:
            fa.add_media(name, size=30_000, content_type="audio/mpeg")
        since = fg.last_seq()
        for b in bodies:
            status, _ = sb.post(b)
            assert status == 200, status
        settle(pg, worker_env=env)
        rows.append((label, gorgias_count(fg, since)))

    known = "+34611000001"
    fg.add_customer(ACCOUNT, name="Known Caller", email="known@shop.test", phone=known)
    # warm the user and tag caches with one call from another number
    warm = sb.scenario(call_id=900001, external="+34611000099")
    measure("(warm-up call, new customer, cold caches)", [warm.ended()])

    c = sb.scenario(call_id=900002, external=known)
    measure("answered call, known customer, not cached",
            [c.created(), c.answered(), c.hungup(), c.ended()])
    c = sb.scenario(call_id=900003, external=known)
    measure("answered call, cached customer",
            [c.created(), c.answered(), c.hungup(), c.ended()])
    c = sb.scenario(call_id=900004, external="+34611000002")
    measure("answered call, new customer",
            [c.created(), c.answered(), c.hungup(), c.ended()])
    c = sb.scenario(call_id=900005, external=known, media_base=media)
    measure("answered call, cached customer, with recording",
            c.answered_sequence(with_recording=True), ["recording-900005.mp3"])
    c = sb.scenario(call_id=900006, external=known)
    measure("missed call, cached customer", c.missed_sequence())
    c = sb.scenario(call_id=900007, external="+34611000003")
    measure("missed call, new customer", c.missed_sequence())
    c = sb.scenario(call_id=900008, external=known, media_base=media)
    measure("voicemail, cached customer", c.voicemail_sequence(), ["voicemail-900008.mp3"])
    return rows


def per_message_budget(sb, pg, env):
    """Gorgias requests per SMS (issue "messaging"): in an open conversation (aim 1, plus
    a cached customer; the bridge also reads the ticket's state once per run, MC3-MC5),
    opening a conversation, reopening one, and a burst applied in one run."""
    import aircall_events as ev
    fg, fa = sb.fg, sb.fa
    rows = []
    seq = [0]

    def body(phone, outbound=False, **kw):
        seq[0] += 1
        build = ev.message_sent if outbound else ev.message_received
        return build(token=sb.token, id="SMB%d" % seq[0], external=phone,
                     created_at=time.time() + seq[0] / 1000.0, **kw)

    def measure(label, bodies, per=1):
        since = fg.last_seq()
        for b in bodies:
            status, _ = sb.post(b)
            assert status == 200, status
        time.sleep(1.2)  # the ordering hold
        settle(pg, worker_env=env)
        n = gorgias_count(fg, since)
        rows.append((label, n / per if per > 1 else n))

    def ticket_of(phone):
        cust = [c for c in fg.customers(ACCOUNT)
                if any(ch.get("address") == phone for ch in c.get("channels", []))][0]
        return [t for t in fg.tickets(ACCOUNT) if t["customer"]["id"] == cust["id"]][-1]

    known = "+34622000001"
    fg.add_customer(ACCOUNT, name="Known Texter", email="texter@shop.test", phone=known)
    measure("(warm-up: new conversation, new customer, cold caches)", [body("+34622000099")])
    measure("opening a conversation, known customer, not cached", [body(known)])
    measure("message in an open conversation, inbound", [body(known)])
    measure("message in an open conversation, outbound (agent)",
            [body(known, outbound=True, include_user=True, user=ev.user())])
    measure("per message, burst of 5 in an open conversation", [body(known) for _ in range(5)], per=5)
    fa.add_media("bench-photo.jpg", size=50_000, content_type="image/jpeg")
    media = [ev.media_detail("bench-photo.jpg", "image/jpeg", media_base=sb.fakes.aircall.base_url)]
    measure("MMS with one image in an open conversation", [body(known, media_details=media)])
    fg.set_ticket(ACCOUNT, ticket_of(known)["id"], status="closed",
                  closed_datetime=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600)))
    measure("reopen (closed 1 h ago, MC5)", [body(known)])
    fg.set_ticket(ACCOUNT, ticket_of(known)["id"], status="closed",
                  closed_datetime=time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                time.gmtime(time.time() - 80 * 3600)))
    measure("closed 80 h ago: new ticket, cached customer (MC5)", [body(known)])
    measure("opening a conversation, new customer", [body("+34622000002")])
    return rows


def build_hello(workdir):
    out = workdir / "hello.fcgi"
    subprocess.run(["cc", "-O2", "-o", str(out), str(REPO / "bench" / "hello.c"), "-lfcgi"],
                   check=True)
    return out


def max_window(log, seconds):
    """The most requests the fake received in any sliding window (this phase only)."""
    times = sorted(_when(r) for r in log)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - seconds:
            j += 1
        best = max(best, i - j + 1)
    return best


def _when(entry):
    t = entry["time"]
    if isinstance(t, (int, float)):
        return float(t)
    from datetime import datetime
    return datetime.fromisoformat(str(t).replace("Z", "+00:00")).timestamp()


def replay(sb, pg, env, calls):
    fg = sb.fg
    fg.update_account(ACCOUNT, rate_limit=80, rate_limit_basic=80, rate_window=20)
    bodies = []
    for i in range(calls):
        c = sb.scenario(call_id=800000 + i, external="+346120%05d" % (i % 200))
        bodies += [c.created(), c.answered(), c.hungup(), c.ended()]
    since = fg.last_seq()
    # Forget the huge limit the earlier phases taught the budget (their
    # requests stay in rate_use: they count in the window as they should).
    pg.execute("update rate_limit set blocked_until = '-infinity', request_limit = 80, "
               "window_seconds = 20")
    t0 = time.time()
    lock = threading.Lock()
    idx = [0]

    def sender():
        while True:
            with lock:
                if idx[0] >= len(bodies):
                    return
                b = bodies[idx[0]]
                idx[0] += 1
            sb.post(b)

    threads = [threading.Thread(target=sender) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    t_ack = time.time() - t0
    worker = subprocess.Popen([str(harness.bridge_binary()), "worker"], env=harness.clean_env(env),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        settle(pg, timeout=calls * 10)
    finally:
        harness.stop_process(worker)
    elapsed = time.time() - t0
    log = [r for r in fg.requests(ACCOUNT, since=since) if "/api/" in r["path"]]
    n = len(log)
    done = int(pg.scalar("select count(*) from call_record where gorgias_ticket_id is not null "
                         "and call_id between 800000 and 899999"))
    return {
        "calls": calls, "events": len(bodies), "acknowledged_in_s": round(t_ack, 2),
        "events_per_s_acknowledged": round(len(bodies) / t_ack, 1),
        "tickets": done, "gorgias_requests": n, "requests_per_call": round(n / calls, 2),
        "elapsed_s": round(elapsed, 1), "calls_per_hour": int(calls / elapsed * 3600),
        "max_requests_in_any_20s_window": max_window(log, 20.0), "limit": "80 per 20 s",
        "answered_429": sum(1 for r in log if r["status"] == 429),
        "failed": int(pg.scalar("select count(*) from inbox where status = 'failed'")),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--skip-replay", action="store_true")
    ap.add_argument("--skip-wrk", action="store_true")
    ap.add_argument("--seconds", type=int, default=5)
    args = ap.parse_args()

    root = harness.make_run_dir(prefix="ag-bench-")
    (root / "logs").mkdir()
    (root / "logs").chmod(0o777)
    pg = harness.PgCluster(root / "pg")
    fakes = harness.Fakes(root / "fakes")
    servers = []
    try:
        pg.init().start()
        pg.createdb()
        fakes.start()
        port = harness.free_port()
        log = harness.BridgeLog(root / "logs" / "bridge.log").create().path
        env = harness.bridge_env_for(pg, fakes, f"http://127.0.0.1:{port}", log, log_level="warn")
        harness.run_cli(["migrate"], env, check=True)
        web = harness.Lighttpd(root / "lighttpd", harness.bridge_binary(), env, port=port,
                               max_procs=4).start()
        servers.append(web)
        sb = Sandbox(fakes, cli_runner(env), web)
        sb.setup_vendors()
        sb.fg.update_account(ACCOUNT, rate_limit=10000, rate_limit_basic=10000)
        sb.install("--country", "ES")

        print("== Gorgias requests per call (counted from the fake's request log)")
        calls = per_call_budget(sb, pg, env)
        for label, n in calls:
            print(f"  {n:3d}  {label}")
        new_caller = dict(calls)["answered call, new customer"]
        print(f"== Requests per answered call for a new caller: {new_caller} "
              f"(card lookup, customer, ticket with its first note, ended note, status; goal <= 5)")
        print("== Gorgias requests per SMS/MMS message")
        for label, n in per_message_budget(sb, pg, env):
            print(f"  {n:5.1f}  {label}")
        print("== Requests per agent reply, two-way SMS (both fakes' request logs, "
              "Aircall's message.sent echo included)")
        per_reply = replies.per_reply_budget(sb, lambda: settle(pg, worker_env=env))
        if per_reply is None:
            print("  (the installation has no Gorgias integration: replies are not sent)")
        else:
            print("  gorgias  aircall  sms  case")
            for label, g, a, n in per_reply:
                print(f"  {g:7d}  {a:7d}  {n:3d}  {label}")

        print("== Acknowledgement latency, every Gorgias request taking 2 s "
              "(40 calls, 160 webhooks, 16 connections; goal max < 1 s, p99 < 100 ms)")
        hello_binary = build_hello(root)
        for row in acks.ack_latency(sb, pg, env, root, hello_binary):
            print("  " + json.dumps(row))
        print("== PostgreSQL round trips per acknowledgement (counted by the bridge)")
        print("  " + json.dumps(acks.round_trips(sb, pg, env, root)))
        print("== Insight Card: call.created acknowledged -> POST at Aircall, running worker "
              "(goal p95 < 500 ms)")
        print("  " + json.dumps(acks.card_latency(sb, pg, env, root)))
        if not args.skip_wrk and shutil.which("wrk"):
            print(f"== Acknowledgement throughput (wrk -t2 -c16, {args.seconds} s, same lighttpd, "
                  "same run; goal ratio >= 0.5) and RSS after 10,000+ webhooks, worker running")
            print(json.dumps(acks.throughput_rss(sb, pg, env, root, hello_binary, args.seconds),
                             indent=2))
        print("== Fairness: 2,000 due events of one installation, then another's new call "
              "(goal: its ticket within 5 s)")
        print("  " + json.dumps(acks.fairness(sb, pg, env, root, cli_runner(env), fakes)))
        if not args.skip_replay:
            print(f"== Replay of {args.calls} answered calls against an 80 per 20 s limit")
            print(json.dumps(replay(sb, pg, env, args.calls), indent=2))
    finally:
        for s in servers:
            s.stop()
        fakes.stop()
        pg.destroy()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
