"""Bounded media transfers (docs/worker.md, CN4, TS5): a media host that
answers 429 or trickles bytes spends the event's attempts and ends in a note
linking the file with the reason; it never holds up another installation.
Real lighttpd, real PostgreSQL, the fake vendors over HTTP, no worker (the
drainers started by the web processes apply the events)."""

import time

import harness
from sandbox import Sandbox, ev, second_installation, wait_inbox_settled
from test_worker import quiet  # noqa: F401


def _server(lighttpd_factory, bridge_env, **extra):
    port = harness.free_port()
    env = dict(bridge_env, AG_PUBLIC_URL=f"http://127.0.0.1:{port}",
               **{k: str(v) for k, v in extra.items()})
    return lighttpd_factory(env=env, port=port), env


def _text(ticket):
    return "\n".join((m.get("body_text") or "") + (m.get("body_html") or "")
                     for m in ticket.get("messages", []))


def test_media_host_answering_429_forever_ends_with_a_link(quiet, db, fakes, cli,  # noqa: F811
                                                           lighttpd_factory, bridge_env):
    """TS5: a media host answering 429 spends the event's attempts (it is not
    Aircall's API budget, which waits without spending); after the last one
    the note links the recording and says why, and the event is done."""
    srv, _env = _server(lighttpd_factory, bridge_env, AG_MAX_ATTEMPTS=2)
    sb = Sandbox(fakes, cli, srv)
    sb.setup_vendors()
    sb.install("--country", "FR")
    call = sb.scenario(call_id=63001, media_base=fakes.aircall.base_url)
    sb.fa.add_media(ev.recording_name(63001), size=50_000, status=429)
    for body in call.answered_sequence(with_recording=True):
        assert sb.post(body)[0] == 200
    wait_inbox_settled(db, timeout=60)
    assert int(db.scalar("select count(*) from inbox where status not in ('done', 'ignored')")) == 0
    ticket = sb.wait_tickets(1, predicate=lambda ts: "429" in _text(ts[0]))[0]
    text = _text(ticket)
    assert "not uploaded" in text and "HTTP 429" in text
    assert "assets.aircall.io/recording/63001" in text  # the link to the file
    assert sb.fg.uploads("acme") == []
    media = [m for m in sb.fa.media() if m["name"] == ev.recording_name(63001)][0]
    assert 2 <= media["requests"] <= 3                  # one per attempt, not forever


def test_trickling_media_host_holds_up_no_other_installation(quiet, db, fakes, cli,  # noqa: F811
                                                            lighttpd_factory, bridge_env):
    """One installation's media host sends 200 bytes a second: the download is
    abandoned after AG_LOW_SPEED_S below AG_LOW_SPEED_BPS (an attempt spent),
    and meanwhile another installation's call becomes a ticket within 5 s."""
    srv, _env = _server(lighttpd_factory, bridge_env, AG_LOW_SPEED_BPS=1000, AG_LOW_SPEED_S=4,
                        AG_MAX_ATTEMPTS=2)
    sb = Sandbox(fakes, cli, srv)
    sb.setup_vendors()
    sb.install("--country", "FR")
    account_b, token_b, number_b = second_installation(fakes, cli)
    slow = sb.scenario(call_id=63002, media_base=fakes.aircall.base_url)
    sb.fa.add_media(ev.recording_name(63002), size=400_000, rate_bps=200)
    for body in slow.answered_sequence(with_recording=True):
        assert sb.post(body)[0] == 200
    # The recording's event is in a drainer's hands, trickling.
    harness.wait_until(lambda: db.scalar(
        "select count(*) from inbox where status = 'working' and event in "
        "('call.comm_assets_generated', 'call.ended')") == 1, timeout=20)
    other = ev.CallScenario(call_id=63003, token=token_b, number=number_b,
                            external="+34600111222")
    t0 = time.monotonic()
    status, _ = harness.post_webhook(srv.base_url, other.ended())
    assert status == 200
    harness.wait_until(lambda: fakes.gorgias.api.tickets(account_b), timeout=5,
                       message="the other installation's ticket waited behind the trickle")
    print(f"other installation's ticket after {time.monotonic() - t0:.2f} s")
    # The trickle is bounded: both attempts are spent, the note links the file.
    wait_inbox_settled(db, timeout=60)
    [ticket] = [t for t in sb.tickets() if t.get("external_id") == "aircall:call:63002"]
    assert "too slow" in _text(ticket)
    assert int(db.scalar("select count(*) from inbox where status = 'failed'")) == 0
