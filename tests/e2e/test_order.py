"""Order and duplicates (issue: calls): any permutation of a call's events,
each delivered up to three times, from concurrent connections handled by
several FastCGI processes, yields the same ticket with the same notes once.
Seeded: the seed is printed on failure; AG_ORDER_SEED replays one."""

import os
import random
import subprocess
import threading

import harness

from sandbox import installed, notes, wait_inbox_settled  # noqa: F401


def _events(sb, cid, media_base):
    call = sb.scenario(call_id=cid, media_base=media_base)
    seq = [call.created(), call.answered(), call.hungup(), call.ended(),
           call.tagged("VIP"), call.commented("Wants a refund"),
           call.comm_assets_generated(recording=True)]
    return call, seq


def test_any_order_any_duplicates_same_ticket(installed, db, binary, bridge_env):
    # This test is about order and duplicates, not the budget (see test_budget).
    installed.fg.update_account("acme", rate_limit=400, rate_limit_basic=400)
    seed = int(os.environ.get("AG_ORDER_SEED", random.randrange(1 << 31)))
    rnd = random.Random(seed)
    fa = installed.fa
    media = installed.fakes.aircall.base_url
    ids = list(range(7000, 7006))
    deliveries = []
    for cid in ids:
        fa.add_media("recording-%d.mp3" % cid, size=20_000, content_type="audio/mpeg")
        _call, seq = _events(installed, cid, media)
        for body in seq:
            deliveries += [body] * rnd.randint(1, 3)
    rnd.shuffle(deliveries)
    errors = []

    def send(chunk):
        for body in chunk:
            status, reply = installed.post(body)
            if status != 200:
                errors.append((status, reply))

    worker = subprocess.Popen([str(binary), "worker"], env=harness.clean_env(bridge_env),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    chunks = [deliveries[i::4] for i in range(4)]
    threads = [threading.Thread(target=send, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors
        wait_inbox_settled(db, timeout=90)
        tickets = installed.tickets()
        assert sorted(t["external_id"] for t in tickets) == [f"aircall:call:{i}" for i in ids]
        for t in tickets:
            ext = sorted(m["external_id"] for m in notes(t))
            cid = t["external_id"].split(":")[-1]
            assert ext == sorted(f"aircall:call:{cid}:{k}" for k in
                                 ("answered", "ended", "comment:735", "media:recording")), ext
            assert {"VIP", "Aircall", "Inbound call"} <= {g["name"] for g in t["tags"]}
            assert t["status"] == "open"
            atts = [a for n in notes(t) for a in (n.get("attachments") or [])]
            assert len(atts) == 1
        assert len(installed.fg.customers("acme")) == 1
        assert int(db.scalar("select count(*) from inbox where status = 'failed'")) == 0
    except AssertionError:
        print(f"AG_ORDER_SEED={seed}")
        raise
    finally:
        harness.stop_process(worker)
