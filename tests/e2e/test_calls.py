"""The call lifecycle in Gorgias, rule by rule (SPEC IC, CT, CN, TC, CS, TS, SU3),
through lighttpd + FastCGI, PostgreSQL and the fake vendors."""

import time

import harness
from sandbox import (ACCOUNT, AGENT_EMAIL, NUMBER_ID, Sandbox, ev, installed, notes,  # noqa: F401
                     wait_inbox_settled)

CALLER = "+34666444555"


def _tags(ticket):
    return {t["name"] for t in ticket.get("tags", [])}


def _text(ticket):
    return "\n".join((m.get("body_text") or "") + (m.get("body_html") or "")
                     for m in ticket.get("messages", []))


def _post_all(sb, bodies):
    for b in bodies:
        status, reply = sb.post(b)
        assert status == 200, reply


def _one_ticket(sb, db, min_notes=1):
    wait_inbox_settled(db)
    tickets = sb.wait_tickets(1, predicate=lambda ts: len(notes(ts[0])) >= min_notes)
    assert len(tickets) == 1, [t["subject"] for t in tickets]
    return tickets[0]


# ----------------------------------------------------------------- IC

def test_insight_card_shows_known_caller(installed, db):
    """IC1 IC2 IC3: name, email, notes, profile link, open tickets, latest ticket."""
    fg, fa = installed.fg, installed.fa
    cust = fg.add_customer(ACCOUNT, name="Jane Doe", email="jane@shop.test", phone=CALLER,
                           note="Prefers mornings")
    fg.add_ticket(ACCOUNT, customer={"id": cust["id"]}, subject="Where is my order?",
                  status="open", channel="email")
    call = installed.scenario(call_id=5001)
    created = call.created()
    fa.ingest(created, company_id=installed.company_id)
    status, _ = installed.post(created)
    assert status == 200
    cards = harness.wait_until(
        lambda: fa.insight_cards(installed.company_id, call_id=5001, accepted_only=True),
        timeout=10, message="no insight card pushed")
    contents = cards[0]["body"]["contents"] if "body" in cards[0] else cards[0]["contents"]
    flat = repr(contents)
    assert "Jane Doe" in flat and "jane@shop.test" in flat and "Prefers mornings" in flat
    assert f"/app/customer/{cust['id']}" in flat                      # IC2 profile link
    assert "Where is my order?" in flat and "/app/ticket/" in flat    # IC3
    open_row = [c for c in contents if c.get("label") == "Open tickets"]
    assert open_row and open_row[0]["text"] == "1"
    # IC3: at most one more Gorgias request than the lookup
    gets = installed.gorgias_requests(method="GET")
    assert len([r for r in gets if "/api/tickets" in r["path"]]) == 1
    # Nothing else happens while it rings (CT1: no ticket yet).
    assert [t for t in installed.tickets() if t.get("external_id")] == []


def test_no_insight_card_for_unknown_caller(installed, db):
    """IC2: only a found customer gets a card; the lookup result is cached."""
    call = installed.scenario(call_id=5002, external="+34600000001")
    created = call.created()
    installed.fa.ingest(created, company_id=installed.company_id)
    installed.post(created)
    wait_inbox_settled(db)
    assert installed.fa.insight_cards(installed.company_id, call_id=5002) == []
    assert installed.tickets() == []


# ----------------------------------------------------------------- CT

def test_answered_then_ended_lifecycle(installed, db):
    """CT1 (ticket at answer) CN1 CN2 CT8 (open again when the call ends) CT7."""
    call = installed.scenario(call_id=5003)
    _post_all(installed, [call.created(), call.answered()])
    ticket = _one_ticket(installed, db, min_notes=1)
    assert len(notes(ticket)) == 1
    assert ticket["assignee_user"]["id"] == installed.agent_id       # CT7
    # an agent closes it during the call
    installed.fg.set_ticket(ACCOUNT, ticket["id"], status="closed")
    _post_all(installed, [call.hungup(), call.ended()])
    wait_inbox_settled(db)
    ticket = installed.fg.ticket(ACCOUNT, ticket["id"])
    assert len(notes(ticket)) == 2                                    # CN1 + CN2
    assert ticket["status"] == "open"                                 # CT8
    assert len(installed.tickets()) == 1


def test_subject_and_channel_per_direction_and_locale(db, fakes, cli, lighttpd):
    """CT5 CT6: English and German subjects, inbound and outbound."""
    sb = Sandbox(fakes, cli, lighttpd)
    sb.setup_vendors()
    sb.install("--locale", "de", "--country", "ES")
    fg = sb.fg
    fg.add_customer(ACCOUNT, name="Jane Doe", email="jane@shop.test", phone=CALLER)
    inbound = sb.scenario(call_id=5004)
    outbound = sb.scenario(call_id=5005, direction="outbound", external="+34611222333")
    _post_all(sb, [inbound.ended(), outbound.ended()])
    wait_inbox_settled(db)
    subjects = sorted(t["subject"] for t in sb.wait_tickets(2))
    assert subjects == ["Ausgehender Anruf: +34611222333", "Eingehender Anruf: Jane Doe"]
    for t in sb.tickets():
        assert t["channel"] == "phone"


def test_forwarded_call_is_two_tickets(installed, db):
    """CT1: a forwarded call arrives as two Aircall calls: one ticket per call id."""
    a = installed.scenario(call_id=5006)
    b = installed.scenario(call_id=5007)
    _post_all(installed, [a.ended(), b.ended()])
    wait_inbox_settled(db)
    tickets = installed.wait_tickets(2)
    assert sorted(t["external_id"] for t in tickets) == ["aircall:call:5006", "aircall:call:5007"]
    assert len({t["customer"]["id"] for t in tickets}) == 1          # one customer


# ----------------------------------------------------------------- customers

def test_customer_found_by_stored_variant(installed, db):
    """TS1 CT2: a number typed as 0034... in Gorgias is the same caller."""
    fg = installed.fg
    cust = fg.add_customer(ACCOUNT, name="Stored Differently", email="sd@shop.test",
                           phone="0034666444555")
    call = installed.scenario(call_id=5008)
    installed.post(call.ended())
    ticket = _one_ticket(installed, db)
    assert ticket["customer"]["id"] == cust["id"]
    assert len(fg.customers(ACCOUNT)) == 1                            # no duplicate
    # cached: the next call from the number needs no lookup
    fg.clear_requests()
    installed.post(installed.scenario(call_id=5009).ended())
    wait_inbox_settled(db)
    assert not installed.gorgias_requests(path_prefix="/api/search")


def test_lookup_falls_back_to_customers_filter(installed, db):
    """CT2 where the account refuses customers_by_phone (and its customer search matches
    whole values only): the channel filter is used."""
    fg = installed.fg
    fg.set(phone_lookup_mode="customers_filter", customer_search_mode="exact")
    cust = fg.add_customer(ACCOUNT, name="Filter Found", email="ff@shop.test", phone=CALLER)
    installed.post(installed.scenario(call_id=5010).ended())
    ticket = _one_ticket(installed, db)
    assert ticket["customer"]["id"] == cust["id"]
    assert db.scalar("select gorgias_phone_lookup from installation") == "filter"


def test_lookup_by_digits_search(installed, db):
    """TS1 with a phone search that compares digits (a spaced stored number the
    substring search cannot see): found by the phone search, and the account is
    remembered as one to look up by stored forms."""
    fg = installed.fg
    fg.set(phone_lookup_mode="search_digits")
    cust = fg.add_customer(ACCOUNT, name="Digits", email="d@shop.test", phone="+34 666 44 45 55")
    fg.clear_requests()
    installed.post(installed.scenario(call_id=5011).ended())
    ticket = _one_ticket(installed, db)
    assert ticket["customer"]["id"] == cust["id"]
    searches = installed.gorgias_requests(path_prefix="/api/search")
    assert [r["json"]["type"] for r in searches] == ["customer", "customers_by_phone"]
    assert db.scalar("select gorgias_phone_lookup from installation") == "search"


def test_new_customer_from_aircall_contact(installed, db):
    """CT3 CS1: first name, email and phone from the Aircall contact, plus the note."""
    contact = ev.contact(first_name="Jane", last_name="Doe", phone=CALLER, email="jane@x.test")
    installed.post(installed.scenario(call_id=5012, contact=contact).ended())
    ticket = _one_ticket(installed, db)
    [cust] = installed.fg.customers(ACCOUNT)
    assert cust["email"] == "jane@x.test"
    assert cust["firstname"] == "Jane"
    assert any(c["type"] == "phone" and c["address"] == CALLER for c in cust["channels"])
    assert "could not be found" in (cust.get("note") or "") or "no Gorgias customer" in (cust.get("note") or "")
    assert ticket["subject"] == "Inbound call: Jane Doe"


def test_customer_note_set_by_update_when_create_ignores_it(installed, db):
    """CS1 where POST /api/customers ignores note: the bridge sets it with a PUT."""
    installed.fg.set(customer_note="ignored")
    installed.post(installed.scenario(call_id=5013).ended())
    _one_ticket(installed, db)
    [cust] = installed.fg.customers(ACCOUNT)
    assert cust.get("note")
    assert installed.gorgias_requests(method="PUT", path_prefix="/api/customers")


def test_placeholder_customer(installed, db):
    """CT4 CS2: no match, no contact: Aircall New Contact <phone>, digits@aircall.io."""
    installed.post(installed.scenario(call_id=5014).ended())
    _one_ticket(installed, db)
    [cust] = installed.fg.customers(ACCOUNT)
    assert cust["name"] == "Aircall New Contact " + CALLER
    local, domain = cust["email"].split("@")
    assert domain == "aircall.io" and local.isdigit() and len(local) >= 6


def test_merged_customer_is_found_again(installed, db):
    """A cached customer merged away in Gorgias: look up again, never fail."""
    fg = installed.fg
    a = fg.add_customer(ACCOUNT, name="Old", email="old@shop.test", phone=CALLER)
    installed.post(installed.scenario(call_id=5015).ended())
    _one_ticket(installed, db)
    b = fg.add_customer(ACCOUNT, name="Kept", email="kept@shop.test", phone=CALLER)
    fg.merge_customers(ACCOUNT, a["id"], b["id"])
    installed.post(installed.scenario(call_id=5016).ended())
    wait_inbox_settled(db)
    t = [t for t in installed.wait_tickets(2) if t["external_id"] == "aircall:call:5016"][0]
    assert t["customer"]["id"] == b["id"]
    assert db.scalar("select count(*) from inbox where status <> 'done'") == 0


# ----------------------------------------------------------------- authorship

def test_unknown_agent_unassigned_notes_by_admin(db, fakes, cli, lighttpd):
    """CT7 TS2 CN5 TS3: no Gorgias user with the agent's email."""
    sb = Sandbox(fakes, cli, lighttpd)
    sb.setup_vendors(agent=False)
    sb.install()
    sb.post(sb.scenario(call_id=5017).ended())
    ticket = _one_ticket(sb, db)
    assert not ticket.get("assignee_user")
    for n in notes(ticket):
        assert n["sender"]["id"] == sb.admin_id


def test_no_user_and_no_admin_means_no_ticket(db, fakes, cli, lighttpd):
    """TS4: neither a matching user nor an admin: no ticket, reason recorded."""
    sb = Sandbox(fakes, cli, lighttpd)
    sb.setup_vendors(agent=False, role="agent")
    sb.install()
    sb.post(sb.scenario(call_id=5018).ended())
    wait_inbox_settled(db)
    assert sb.tickets() == []
    row = db.query("select status, last_error from inbox")[0]
    assert row["status"] == "done" and "TS4" in row["last_error"]


# ----------------------------------------------------------------- notes

def test_missed_call_one_merged_note(installed, db):
    """CN3 TC2: a never-answered call: one note, missed-call reason, Missed call tag."""
    call = installed.scenario(call_id=5019)
    _post_all(installed, call.missed_sequence(reason="no_available_agent"))
    ticket = _one_ticket(installed, db)
    assert len(notes(ticket)) == 1
    assert "Missed call" in _tags(ticket)
    text = _text(ticket).lower()
    assert "no available agent" in text or "no_available_agent" in text


def test_commented_notes_once_each(installed, db):
    """CN4: one note per Aircall comment, never repeated."""
    call = installed.scenario(call_id=5020)
    _post_all(installed, [call.answered(), call.ended()])
    _one_ticket(installed, db, min_notes=2)
    first = call.commented("Customer wants a refund")
    _post_all(installed, [first, first])
    second = call.commented("Refund done")
    _post_all(installed, [second, first])
    wait_inbox_settled(db)
    ticket = installed.tickets()[0]
    bodies = "\n".join(m.get("body_text") or "" for m in notes(ticket))
    assert bodies.count("Customer wants a refund") == 1
    assert bodies.count("Refund done") == 1
    assert len(notes(ticket)) == 4


def test_voicemail_uploaded_with_the_note(installed, db):
    """CN4 TC2: the voicemail is downloaded and attached; Voicemail tag."""
    fa = installed.fa
    call = installed.scenario(call_id=5021, media_base=installed.fakes.aircall.base_url)
    fa.add_media(ev.voicemail_name(5021), size=200_000, content_type="audio/mpeg")
    _post_all(installed, call.voicemail_sequence())
    ticket = _one_ticket(installed, db)
    assert "Voicemail" in _tags(ticket)
    atts = [a for n in notes(ticket) for a in (n.get("attachments") or [])]
    assert len(atts) == 1 and atts[0]["content_type"] == "audio/mpeg"
    ups = installed.fg.uploads(ACCOUNT)
    assert len(ups) == 1 and int(ups[0]["size"]) == 200_000


def test_recording_attached_after_the_call(installed, db):
    """CN4: comm_assets_generated brings the recording: a note carrying it."""
    fa = installed.fa
    call = installed.scenario(call_id=5022, media_base=installed.fakes.aircall.base_url)
    fa.add_media(ev.recording_name(5022), size=50_000, content_type="audio/mpeg")
    _post_all(installed, call.answered_sequence(with_recording=True))
    wait_inbox_settled(db)
    ticket = installed.tickets()[0]
    atts = [a for n in notes(ticket) for a in (n.get("attachments") or [])]
    assert len(atts) == 1


def test_recording_over_500_mb_is_linked_not_uploaded(installed, db):
    """TS5: over 500 MB: no upload; the note links the recording and says why."""
    fa = installed.fa
    call = installed.scenario(call_id=5023, media_base=installed.fakes.aircall.base_url)
    fa.add_media(ev.recording_name(5023), size=600 * 1000 * 1000, content_type="audio/mpeg")
    _post_all(installed, call.answered_sequence(with_recording=True))
    wait_inbox_settled(db, timeout=60)
    ticket = installed.tickets()[0]
    assert installed.fg.uploads(ACCOUNT) == []
    assert len(notes(ticket)) == 3
    text = _text(ticket)
    assert "500 MB" in text
    assert "assets.aircall.io/recording/5023" in text


# ----------------------------------------------------------------- tags

def test_agent_tags_follow_aircall(installed, db):
    """TC2 TC3: tags chosen in Aircall appear (created when new) and follow removals."""
    call = installed.scenario(call_id=5024)
    _post_all(installed, [call.ended()])
    ticket = _one_ticket(installed, db, min_notes=2)
    assert {"Aircall", "Inbound call", "Support line"} <= _tags(ticket)   # TC1, number name
    installed.post(call.tagged("VIP"))
    wait_inbox_settled(db)
    assert "VIP" in _tags(installed.fg.ticket(ACCOUNT, ticket["id"]))
    assert "VIP" in {t["name"] for t in installed.fg.tags(ACCOUNT)}          # TC3
    installed.post(call.untagged("VIP"))
    wait_inbox_settled(db)
    after = _tags(installed.fg.ticket(ACCOUNT, ticket["id"]))
    assert "VIP" not in after and "Aircall" in after


def test_tags_by_name_when_the_account_accepts_them(installed, db):
    """TC3 with an account that creates tags from names: no tag lookups needed."""
    installed.fg.set(tags_by_name="create")
    call = installed.scenario(call_id=5025, teams=[ev.team(name="Night shift")])
    installed.fg.clear_requests()
    installed.post(call.ended())
    ticket = _one_ticket(installed, db)
    assert "Night shift" in _tags(ticket)
    assert not installed.gorgias_requests(path_prefix="/api/tags")


def test_callback_request_and_called_back(installed, db):
    """TC2: the call that asked for a callback and the call that returned it."""
    first = installed.scenario(call_id=5026)
    installed.post(first.ended(outcome="missed"))
    wait_inbox_settled(db)
    back = installed.scenario(call_id=5027, direction="outbound", automatic_callback_call_id=5026)
    installed.post(back.ended())
    wait_inbox_settled(db)
    by_call = {t["external_id"]: t for t in installed.wait_tickets(2)}
    assert "Called back" in _tags(by_call["aircall:call:5027"])
    assert "Callback request" in _tags(installed.fg.ticket(ACCOUNT, by_call["aircall:call:5026"]["id"]))


# ----------------------------------------------------------------- SU3

def test_unselected_number_produces_nothing(db, fakes, cli, lighttpd):
    """SU3: calls on numbers that are not selected are acknowledged, nothing else."""
    sb = Sandbox(fakes, cli, lighttpd)
    sb.setup_vendors(numbers=((NUMBER_ID, "+33176111111", "Support line"),
                              (2002, "+33176222222", "Sales")))
    sb.install("--numbers", "2002")
    sb.fg.clear_requests()
    created = sb.scenario(call_id=5028).created()
    sb.fa.ingest(created, company_id=sb.company_id)
    status, _ = sb.post(created)
    assert status == 200
    status, _ = sb.post(sb.scenario(call_id=5028).ended())
    assert status == 200
    wait_inbox_settled(db)
    assert sb.tickets() == []
    assert sb.gorgias_requests() == []
    assert sb.fa.insight_cards(sb.company_id, call_id=5028) == []


def test_call_assigned_in_aircall_reassigns_the_ticket(installed, db):
    """call.assigned: the ticket follows the assignment (matched by email, CT7)."""
    bo = installed.fg.add_user(ACCOUNT, "bo@example.com", role="agent", name="Bo Agent")
    call = installed.scenario(call_id=5029)
    installed.post(call.ended())
    ticket = _one_ticket(installed, db, min_notes=2)
    assert ticket["assignee_user"]["id"] == installed.agent_id
    installed.post(call.assigned(to=ev.user(id=202, name="Bo Agent", email="bo@example.com")))
    wait_inbox_settled(db)
    assert installed.fg.ticket(ACCOUNT, ticket["id"])["assignee_user"]["id"] == bo["id"]


def test_hidden_numbers_share_one_customer(installed, db):
    """CT4 for "anonymous" callers: one shared placeholder customer, not one per call."""
    for cid in (5030, 5031):
        installed.post(installed.scenario(call_id=cid, external="anonymous").ended(outcome="missed"))
        wait_inbox_settled(db)
    tickets = installed.wait_tickets(2)
    assert len({t["customer"]["id"] for t in tickets}) == 1
    [cust] = installed.fg.customers(ACCOUNT)
    assert cust["name"] == "Aircall New Contact (hidden number)"
    assert {t["subject"] for t in tickets} == {"Inbound call: anonymous"}
