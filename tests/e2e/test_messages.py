"""SMS/MMS conversations in Gorgias, rule by rule (SPEC MT1, MC1-MC7, TM1, CT4 via MT1,
CT7, CN5, SU3), through lighttpd + FastCGI, PostgreSQL and the fake vendors."""

import random
import subprocess
import threading
import time

import harness
import pytest

from sandbox import (ACCOUNT, NUMBER_ID, Sandbox, ev, installed, notes,  # noqa: F401
                     wait_inbox_settled)

CUSTOMER = "+34666444555"


@pytest.fixture(autouse=True)
def worker(db, binary, bridge_env):
    """A running `worker`, as the README asks for: a message is held briefly for
    ordering (postponed, not slept on) and then applied by whoever drains next."""
    proc = subprocess.Popen([str(binary), "worker"], env=harness.clean_env(bridge_env),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield proc
    harness.stop_process(proc)


def _iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _sms(msgs):
    return [m for m in msgs if m.get("channel") == "sms"]


def _post_all(sb, bodies):
    for b in bodies:
        status, reply = sb.post(b)
        assert status == 200, reply


def _received(sb, mid, ts=None, **kw):
    return ev.message_received(token=sb.token, id=mid, created_at=ts or time.time(), **kw)


def _sent(sb, mid, ts=None, **kw):
    return ev.message_sent(token=sb.token, id=mid, created_at=ts or time.time(), **kw)


def _settled_tickets(sb, db, n=1):
    wait_inbox_settled(db, timeout=30)
    return sb.wait_tickets(n)


def _ext(ticket):
    return [m["external_id"] for m in _sms(ticket["messages"])]


def _assert_all_imported(sb):
    """G§9.1: every message carries sent_datetime, none would be sent by Gorgias."""
    for t in sb.tickets():
        for m in t["messages"]:
            assert not m.get("_would_be_sent_by_gorgias"), m
            assert m["_request_body"].get("sent_datetime"), m["_request_body"]


# ----------------------------------------------------------------- MT1, MC2

def test_first_message_unknown_customer_opens_ticket(installed, db):
    """MT1 CT4 TM1 MC1 MC6: placeholder customer, SMS ticket, tags, inbound sender."""
    _post_all(installed, [_received(installed, "SM-a1", body="Where is my parcel?")])
    [t] = _settled_tickets(installed, db)
    [cust] = installed.fg.customers(ACCOUNT)
    assert cust["name"] == "Aircall New Contact " + CUSTOMER                  # CT4 via MT1
    assert cust["email"].endswith("@aircall.io")
    assert t["subject"] == "SMS conversation with " + CUSTOMER                # MT1
    assert t["channel"] == "sms"
    assert {"Aircall SMS", "Support line"} <= {g["name"] for g in t["tags"]}  # TM1
    [m] = t["messages"]
    assert m["channel"] == "sms" and m["from_agent"] is False                 # MC6
    assert m["sender"]["id"] == cust["id"]
    assert m["body_text"] == "Where is my parcel?"
    assert m["source"]["from"]["address"] == CUSTOMER
    assert not t.get("assignee_user")
    _assert_all_imported(installed)


def test_known_customer_named_subject(installed, db):
    """MT1 CT2 MC2: a customer found by phone; the subject carries the name."""
    cust = installed.fg.add_customer(ACCOUNT, name="Jane Doe", email="jane@shop.test",
                                     phone=CUSTOMER)
    _post_all(installed, [_received(installed, "SM-b1")])
    [t] = _settled_tickets(installed, db)
    assert t["customer"]["id"] == cust["id"]
    assert t["subject"] == "SMS conversation with Jane Doe"
    assert len(installed.fg.customers(ACCOUNT)) == 1


def test_call_and_message_from_a_new_number_make_one_customer(installed, db):
    """MT1 CT2-CT4: a call and an SMS from the same new number at once: one customer
    (both take the same per-number lock before looking up or creating)."""
    call = installed.scenario(call_id=6101)
    bodies = [call.ended(), _received(installed, "SM-p1")]
    threads = [threading.Thread(target=installed.post, args=(b,)) for b in bodies]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    _settled_tickets(installed, db, n=2)
    assert len(installed.fg.customers(ACCOUNT)) == 1
    assert {t["channel"] for t in installed.tickets()} == {"phone", "sms"}


# ----------------------------------------------------------------- MC3-MC5

def _first_ticket(sb, db, mid="SM-c1"):
    _post_all(sb, [_received(sb, mid)])
    [t] = _settled_tickets(sb, db)
    return t


def test_open_conversation_is_reused(installed, db):
    """MC3: the open ticket of the conversation gets the next messages."""
    t = _first_ticket(installed, db)
    _post_all(installed, [_received(installed, "SM-c2"), _sent(installed, "SM-c3")])
    wait_inbox_settled(db, timeout=30)
    [again] = installed.tickets()
    assert again["id"] == t["id"]
    assert _ext(again) == ["aircall:message:SM-c1", "aircall:message:SM-c2",
                           "aircall:message:SM-c3"]


def test_spam_ticket_is_never_reused(installed, db):
    """MC4: an agent marked the conversation as spam: a new ticket."""
    t = _first_ticket(installed, db)
    installed.fg.set_ticket(ACCOUNT, t["id"], spam=True)
    _post_all(installed, [_received(installed, "SM-d2")])
    wait_inbox_settled(db, timeout=30)
    tickets = installed.wait_tickets(2)
    new = [x for x in tickets if x["id"] != t["id"]][0]
    assert _ext(new) == ["aircall:message:SM-d2"]
    assert len(installed.fg.ticket(ACCOUNT, t["id"])["messages"]) == 1


def test_trashed_ticket_is_never_reused(installed, db):
    """MC4: a ticket moved to the trash: a new ticket."""
    t = _first_ticket(installed, db)
    installed.fg.set_ticket(ACCOUNT, t["id"], trashed_datetime=_iso(time.time()))
    _post_all(installed, [_received(installed, "SM-e2")])
    wait_inbox_settled(db, timeout=30)
    tickets = installed.wait_tickets(2)
    new = [x for x in tickets if x["id"] != t["id"]][0]
    assert _ext(new) == ["aircall:message:SM-e2"]


def test_closed_71_hours_ago_is_reopened(installed, db):
    """MC5: closed less than 72 h ago: reopened, the message logged there."""
    t = _first_ticket(installed, db)
    installed.fg.set_ticket(ACCOUNT, t["id"], status="closed",
                            closed_datetime=_iso(time.time() - 71 * 3600))
    _post_all(installed, [_received(installed, "SM-f2")])
    wait_inbox_settled(db, timeout=30)
    [again] = installed.tickets()
    assert again["id"] == t["id"] and again["status"] == "open"
    assert _ext(again) == ["aircall:message:SM-c1", "aircall:message:SM-f2"]


def test_closed_73_hours_ago_gets_a_new_ticket(installed, db):
    """MC5: closed 72 h or more ago: a new ticket; the old one stays closed."""
    t = _first_ticket(installed, db)
    installed.fg.set_ticket(ACCOUNT, t["id"], status="closed",
                            closed_datetime=_iso(time.time() - 73 * 3600))
    _post_all(installed, [_received(installed, "SM-g2")])
    wait_inbox_settled(db, timeout=30)
    tickets = installed.wait_tickets(2)
    old = installed.fg.ticket(ACCOUNT, t["id"])
    assert old["status"] == "closed" and len(old["messages"]) == 1
    new = [x for x in tickets if x["id"] != t["id"]][0]
    assert new["status"] == "open" and _ext(new) == ["aircall:message:SM-g2"]
    # the conversation now lives in the new ticket
    _post_all(installed, [_received(installed, "SM-g3")])
    wait_inbox_settled(db, timeout=30)
    assert _ext(installed.fg.ticket(ACCOUNT, new["id"]))[-1] == "aircall:message:SM-g3"


# ----------------------------------------------------------------- MC6, CT7

def test_outbound_message_authored_by_the_agent(installed, db):
    """MC6 CT7: sent from Aircall by Ana: from_agent, sender Ana, receiver the customer,
    ticket assigned to her."""
    _post_all(installed, [_sent(installed, "SM-h1", include_user=True, user=ev.user())])
    [t] = _settled_tickets(installed, db)
    [m] = t["messages"]
    cust = installed.fg.customers(ACCOUNT)[0]
    assert m["from_agent"] is True
    assert m["sender"]["id"] == installed.agent_id
    assert m["receiver"]["id"] == cust["id"]
    assert m["source"]["to"][0]["address"] == CUSTOMER
    assert t["assignee_user"]["id"] == installed.agent_id
    _assert_all_imported(installed)


def test_outbound_without_agent_match_is_by_the_admin(installed, db):
    """MC6 CN5: no Aircall user on the payload: the first admin is the author."""
    _post_all(installed, [_sent(installed, "SM-h2")])
    [t] = _settled_tickets(installed, db)
    assert t["messages"][0]["sender"]["id"] == installed.admin_id
    assert not t.get("assignee_user")


# ----------------------------------------------------------------- MC7

def test_mms_images_and_pdf_uploaded_other_types_linked(installed, db):
    """MC7: an image and a PDF become attachments; an audio file is linked."""
    fa, base = installed.fa, installed.fakes.aircall.base_url
    fa.add_media("photo.jpg", size=120_000, content_type="image/jpeg")
    fa.add_media("invoice.pdf", size=40_000, content_type="application/pdf")
    fa.add_media("voice.amr", size=9_000, content_type="audio/amr")
    media = [ev.media_detail("photo.jpg", "image/jpeg", media_base=base),
             ev.media_detail("invoice.pdf", "application/pdf", media_base=base),
             ev.media_detail("voice.amr", "audio/amr", media_base=base)]
    _post_all(installed, [_received(installed, "SM-i1", body="See attached", media_details=media)])
    [t] = _settled_tickets(installed, db)
    [m] = t["messages"]
    atts = m["attachments"]
    assert sorted(a["content_type"] for a in atts) == ["application/pdf", "image/jpeg"]
    ups = installed.fg.uploads(ACCOUNT)
    assert sorted(int(u["size"]) for u in ups) == [40_000, 120_000]
    assert "voice.amr" in m["body_text"] and base + "/media/voice.amr" in m["body_text"]
    assert "See attached" in m["body_text"]


def test_mms_expired_or_oversized_image_is_linked(installed, db):
    """MC7: an image whose pre-signed link expired, or one over the size limit (checked
    while streaming), is linked in the message instead of failing it."""
    fa, base = installed.fa, installed.fakes.aircall.base_url
    fa.add_media("gone.png", size=1000, content_type="image/png", status=403)
    fa.add_media("huge.jpg", size=25 * 1000 * 1000, content_type="image/jpeg")
    media = [ev.media_detail("gone.png", "image/png", media_base=base),
             ev.media_detail("huge.jpg", "image/jpeg", media_base=base)]
    _post_all(installed, [_received(installed, "SM-i2", media_details=media)])
    [t] = _settled_tickets(installed, db)
    [m] = t["messages"]
    assert m["attachments"] == [] and installed.fg.uploads(ACCOUNT) == []
    assert "gone.png" in m["body_text"] and "could not be downloaded" in m["body_text"]
    assert "huge.jpg" in m["body_text"] and "too large" in m["body_text"]
    assert int(db.scalar("select count(*) from inbox where status = 'failed'")) == 0


# ----------------------------------------------------------------- order, duplicates

def test_duplicate_delivery_lands_once(installed, db):
    """Idempotency: the same message delivered twice, and again with another envelope
    time, is one Gorgias message."""
    body = _received(installed, "SM-j1")
    again = dict(body, timestamp=body["timestamp"] + 7)
    _post_all(installed, [body, body])
    wait_inbox_settled(db, timeout=30)
    _post_all(installed, [again])
    [t] = _settled_tickets(installed, db)
    assert _ext(installed.fg.ticket(ACCOUNT, t["id"])) == ["aircall:message:SM-j1"]


def test_reversed_delivery_lands_in_sent_order(installed, db):
    """Order: the later message delivered first still lands second; the earlier one
    opens the ticket."""
    t0 = time.time() - 60
    first = _received(installed, "SM-k1", ts=t0, body="first")
    second = _sent(installed, "SM-k2", ts=t0 + 5, body="second")
    _post_all(installed, [second, first])
    [t] = _settled_tickets(installed, db)
    assert _ext(installed.fg.ticket(ACCOUNT, t["id"])) == ["aircall:message:SM-k1",
                                                            "aircall:message:SM-k2"]
    assert t["_request_body"]["messages"][0]["body_text"] == "first"


def test_concurrent_delivery_one_ticket_in_order(installed, db):
    """Order and concurrency: a conversation's messages, shuffled, duplicated and sent
    from several connections at once: one ticket, each message once, in sent order."""
    t0 = time.time() - 120
    bodies = [(_received if i % 2 == 0 else _sent)(installed, "SM-l%d" % i, ts=t0 + i,
                                                    body="message %d" % i)
              for i in range(6)]
    deliveries = bodies + bodies[::2]
    random.Random(4).shuffle(deliveries)
    errors = []

    def send(chunk):
        for b in chunk:
            status, reply = installed.post(b)
            if status != 200:
                errors.append(reply)

    threads = [threading.Thread(target=send, args=(deliveries[i::3],)) for i in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    [t] = _settled_tickets(installed, db)
    got = _ext(installed.fg.ticket(ACCOUNT, t["id"]))
    assert sorted(got) == ["aircall:message:SM-l%d" % i for i in range(6)]
    assert len(installed.fg.customers(ACCOUNT)) == 1
    # Delivered within the hold of each other, they land in their sent order.
    assert got == ["aircall:message:SM-l%d" % i for i in range(6)], got


# ----------------------------------------------------------------- G§9.1

def test_no_message_reaches_gorgias_without_sent_datetime(installed, db):
    """G§9.1 MC1: every imported message has sent_datetime, whatever format Aircall used
    for its time (ISO string, unix ms, unix s); it is the message's own time."""
    ts = 1_760_000_000.25
    _post_all(installed, [
        _received(installed, "SM-m1", ts=ts, time_format="ms"),
        _sent(installed, "SM-m2", ts=ts + 1, time_format="iso"),
        _sent(installed, "SM-m3", ts=ts + 2, time_format="s", include_user=True, user=ev.user()),
    ])
    [t] = _settled_tickets(installed, db)
    wait_inbox_settled(db, timeout=30)
    t = installed.fg.ticket(ACCOUNT, t["id"])
    assert len(t["messages"]) == 3
    _assert_all_imported(installed)
    sent = [m["_request_body"]["sent_datetime"] for m in t["messages"]]
    assert sent[0].startswith("2025-10-09T08:53:20.250")
    assert sent[1].startswith("2025-10-09T08:53:21")
    assert sent[2].startswith("2025-10-09T08:53:22")


# ----------------------------------------------------------------- status, SU3

def test_failed_delivery_status_becomes_a_note(installed, db):
    """message.status_updated: 'delivered' shows nothing; 'failed' an internal note."""
    _post_all(installed, [_sent(installed, "SM-n1")])
    [t] = _settled_tickets(installed, db)
    _post_all(installed, [ev.message_status_updated("delivered", token=installed.token, id="SM-n1")])
    wait_inbox_settled(db, timeout=30)
    assert notes(installed.fg.ticket(ACCOUNT, t["id"])) == []
    _post_all(installed, [ev.message_status_updated("failed", token=installed.token, id="SM-n1")])
    wait_inbox_settled(db, timeout=30)
    [note] = notes(installed.fg.ticket(ACCOUNT, t["id"]))
    assert "not delivered" in note["body_text"]


def test_unselected_number_is_acknowledged_and_ignored(db, fakes, cli, lighttpd):
    """SU3 MC1: messages on numbers that are not selected produce nothing."""
    sb = Sandbox(fakes, cli, lighttpd)
    sb.setup_vendors(numbers=((NUMBER_ID, "+33176111111", "Support line"),
                              (2002, "+33176222222", "Sales")))
    sb.install("--numbers", "2002")
    sb.fg.clear_requests()
    _post_all(sb, [_received(sb, "SM-o1"), _sent(sb, "SM-o2")])
    wait_inbox_settled(db, timeout=30)
    assert sb.tickets() == []
    assert sb.gorgias_requests() == []
    rows = db.query("select status, last_error from inbox")
    assert rows and all(r["status"] == "done" and "SU3" in r["last_error"] for r in rows)


# ----------------------------------------------------------------- MT1: source.type (RB2)

@pytest.mark.parametrize("accepted", ["sms", "phone"])
def test_mt1_sms_source_type_either_way(installed, db, accepted):
    """MT1: gorgias-api.md §9.4 leaves source.type "sms" UNCONFIRMED (the public SMS
    bridge uses "phone" on channel sms). The bridge sends "sms"; an account refusing it
    gets "phone" after one 400, remembered, and no message is lost either way."""
    installed.fg.set(sms_source_type=accepted)
    _post_all(installed, [_received(installed, "SM-st1", body="first")])
    [t] = _settled_tickets(installed, db)
    _post_all(installed, [_received(installed, "SM-st2", body="second")])
    wait_inbox_settled(db, timeout=30)
    t = installed.fg.ticket(ACCOUNT, t["id"])
    assert [m["body_text"] for m in _sms(t["messages"])] == ["first", "second"]
    assert {m["source"]["type"] for m in _sms(t["messages"])} == {accepted}
    assert db.scalar("select count(*) from inbox where status <> 'done'") == 0
    refused = db.scalar("select array_to_string(gorgias_refused, ',') from installation")
    if accepted == "phone":
        assert "POST /api/tickets messages.*.source.type" in refused
        # Remembered: a third message is sent as "phone" at once.
        installed.fg.clear_requests()
        _post_all(installed, [_received(installed, "SM-st3", body="third")])
        wait_inbox_settled(db, timeout=30)
        posts = installed.gorgias_requests(method="POST", path_prefix=f"/api/tickets/{t['id']}")
        assert [p["status"] for p in posts] == [201]
    else:
        assert refused == ""
