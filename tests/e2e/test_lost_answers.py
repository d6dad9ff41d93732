"""Answers lost after the vendor did the work, and refusals that must not stall an
event (SPEC CT4, RB2, AD1): real PostgreSQL, lighttpd + FastCGI, a listening worker,
the fakes' scripted faults ("apply": the fake does the work, then answers with the fault)."""

import time

import pytest
from sandbox import (ACCOUNT, Sandbox, ev, installed, notes, running_worker,  # noqa: F401
                     wait_inbox_settled)


pytestmark = pytest.mark.usefixtures("running_worker")

CALLER = "+34666444777"


def _lose_customer_answer(sb):
    # A gateway timing out after Gorgias created the customer (504): libcurl itself
    # resends on a dropped reused connection, so the retry must be the bridge's.
    sb.fg.script_faults([{"apply": True, "status": 504, "count": 1,
                          "match": {"method": "POST", "path_regex": r"/api/customers$"}}])


def _settled(db, timeout=40):
    """Nothing pending or in hand (a lost answer costs one retry after its backoff)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if db.scalar("select count(*) from inbox where status in ('pending', 'working')") == 0:
            return
        time.sleep(0.05)
    raise AssertionError(db.query("select id, event, status, attempts, last_error from inbox"))


def test_ct4_lost_answer_to_customer_creation_makes_one_customer_for_a_call(installed, db):
    """CT4: Gorgias created the caller's customer but the answer never arrived. The
    retry sends the same placeholder email, gets 409 and adopts that customer: one
    customer, one ticket on it."""
    _lose_customer_answer(installed)
    installed.post(installed.scenario(call_id=7301, external=CALLER).ended())
    _settled(db)
    [ticket] = installed.wait_tickets(1)
    [cust] = installed.fg.customers(ACCOUNT)
    assert ticket["customer"]["id"] == cust["id"]
    posts = installed.gorgias_requests(method="POST", path_prefix="/api/customers")
    assert len(posts) == 2 and posts[0]["status"] == 504 and posts[1]["status"] == 409
    assert posts[0]["json"]["email"] == posts[1]["json"]["email"] == cust["email"]
    assert db.scalar("select count(*) from inbox where status <> 'done'") == 0
    assert db.scalar("select count(*) from customer_intent") == 0


def test_ct4_lost_answer_to_customer_creation_makes_one_customer_for_an_sms(installed, db):
    """MT1 CT4: the same on the SMS path (one mechanism for both). This path also looks
    the caller up again first, which finds the customer wherever the search has indexed it
    already (the fake at once); the intent covers an index that has not."""
    _lose_customer_answer(installed)
    installed.post(ev.message_received(token=installed.token, id="SM-lost1", created_at=time.time(),
                                       external=CALLER, body="hello"))
    _settled(db)
    [ticket] = installed.wait_tickets(1)
    [cust] = installed.fg.customers(ACCOUNT)
    assert ticket["customer"]["id"] == cust["id"]
    assert db.scalar("select count(*) from inbox where status <> 'done'") == 0


# ------------------------------------------------------------------ AD1 on Aircall's side

def _refuse_call_reads(sb, call_id, status):
    sb.fa.script_faults([{"status": status, "count": 1000,
                          "match": {"method": "GET", "path_regex": r"^/v1/calls/%d$" % call_id}}])


def _text(ticket):
    return "\n".join(n["body_text"] for n in notes(ticket))


def _wait(pred, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    return pred()


def test_ad1_aircall_refusing_the_token_disables_the_installation(installed, db):
    """AD1: Aircall answers 401 when the recording is read (token revoked): the
    installation is disabled with authorization_removed (as for Gorgias), and the
    event is kept for re-enabling, not retried every minute while looking enabled."""
    _refuse_call_reads(installed, 63101, 401)
    call = installed.scenario(call_id=63101)
    for body in call.answered_sequence(with_recording=True):
        assert installed.post(body)[0] == 200
    state = _wait(lambda: db.scalar("select state || ':' || coalesce(disabled_reason, '') "
                                    "from installation") == "disabled:authorization_removed")
    assert state, db.query("select state, disabled_reason from installation")
    kept = db.query("select event, status, last_error from inbox "
                    "where status not in ('done', 'ignored')")
    assert kept and all(k["status"] == "pending" for k in kept), kept


def test_ad1_aircall_refusing_one_call_links_the_recording_with_the_reason(installed, db):
    """TS5: a 403 on one call's read is not the credentials: the note links the
    recording's page and says why, the event is done, the installation stays enabled."""
    _refuse_call_reads(installed, 63102, 403)
    call = installed.scenario(call_id=63102)
    for body in call.answered_sequence(with_recording=True):
        assert installed.post(body)[0] == 200
    _settled(db)
    assert db.scalar("select count(*) from inbox where status not in ('done', 'ignored')") == 0
    ticket = installed.wait_tickets(1, predicate=lambda ts: "HTTP 403" in _text(ts[0]))[0]
    assert "not uploaded" in _text(ticket)
    assert db.scalar("select state from installation") == "enabled"


# ------------------------------------------------------------------ RB2 on later writes

def test_rb2_note_from_a_removed_agent_is_sent_again_as_the_agent_found_now(installed, db):
    """RB2: the agent whose Gorgias user id is cached was removed and created again
    (a new id). A later note of the call is refused ("sender: User not found."); the
    cached user is forgotten, looked up again and the note lands, from the new user."""
    fg = installed.fg
    call = installed.scenario(call_id=7401, external=CALLER)
    installed.post(call.ended())
    _settled(db)
    installed.wait_tickets(1)
    fg.update_user(ACCOUNT, installed.agent_id, delete=True)
    again = fg.add_user(ACCOUNT, "ana@example.com", role="agent", name="Ana Agent")
    installed.post(call.commented("Customer wants a refund"))
    _settled(db)
    assert db.query("select event, status, last_error from inbox where status = 'failed'") == []
    ticket = installed.wait_tickets(1, predicate=lambda ts: "refund" in _text(ts[0]))[0]
    [note] = [n for n in notes(ticket) if "refund" in n["body_text"]]
    assert note["sender"]["id"] == again["id"]
