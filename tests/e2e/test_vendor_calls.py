"""Calls the way the real Aircall delivers them, found against an independent
vendor simulation: the card's lookup runs first (CT5), IVR options only in the
REST timeline or in call.ivr_option_selected (CN1), call.created with
"number": {} (IC1, SU3)."""

import pytest

from sandbox import (ACCOUNT, Sandbox, ev, installed, notes, running_worker,  # noqa: F401
                     wait_inbox_settled)


@pytest.fixture(autouse=True)
def _worker(running_worker):
    return running_worker


CALLER = "+34611000005"
NAME = "María Sánchez"


def _created_first(sb, call):
    """call.created as Aircall sends it first (the card looks the caller up)."""
    created = call.created()
    sb.fa.ingest(created, company_id=sb.company_id)
    assert sb.post(created)[0] == 200


def _timeline_gets(sb, call_id):
    return [r for r in sb.fa.requests(key=sb.company_id)
            if r["route"] == f"/v1/calls/{call_id}" and r["method"] == "GET"]


# ------------------------------------------------------------------ CT5

@pytest.mark.parametrize("outcome", ["answered", "missed"])
def test_ct5_subject_names_the_customer_the_card_found(installed, db, outcome):
    """CT5: call.created is processed first (the Insight Card finds the caller);
    the ticket made later is titled with the customer's name, answered or missed."""
    installed.fg.add_customer(ACCOUNT, name=NAME, email="maria@shop.test", phone=CALLER)
    call = installed.scenario(call_id=6201 if outcome == "answered" else 6202, external=CALLER)
    _created_first(installed, call)
    wait_inbox_settled(db)
    assert installed.fa.insight_cards(installed.company_id, call_id=call.call_id,
                                      accepted_only=True)
    rest = [call.answered(), call.hungup(), call.ended()] if outcome == "answered" else \
        [call.hungup(answered=False), call.ended(outcome="missed")]
    for body in rest:
        assert installed.post(body)[0] == 200
    wait_inbox_settled(db)
    [ticket] = installed.wait_tickets(1)
    assert ticket["subject"] == f"Inbound call: {NAME}"


def test_ct5_subject_names_the_customer_in_german(db, fakes, cli, lighttpd):
    """CT5, German locale, card first."""
    sb = Sandbox(fakes, cli, lighttpd)
    sb.setup_vendors()
    sb.install("--locale", "de", "--country", "ES")
    sb.fg.add_customer(ACCOUNT, name=NAME, email="maria@shop.test", phone=CALLER)
    call = sb.scenario(call_id=6203, external=CALLER)
    _created_first(sb, call)
    for body in [call.answered(), call.ended()]:
        assert sb.post(body)[0] == 200
    wait_inbox_settled(db)
    [ticket] = sb.wait_tickets(1)
    assert ticket["subject"] == f"Eingehender Anruf: {NAME}"


# ------------------------------------------------------------------ CN1

IVR = [ev.ivr_option("Sales", "1", id="ivr-a"), ev.ivr_option("Returns", "3", id="ivr-b")]


def test_cn1_ivr_options_from_the_call_timeline(installed, db):
    """CN1: a call through an IVR: the options (not in any webhook) are read once from
    GET /v1/calls/:id?fetch_call_timeline=true and listed in the answered note."""
    call = installed.scenario(call_id=6211, number=ev.number(is_ivr=True),
                              ivr_options_selected=IVR)
    for body in [call.answered(), call.ended()]:
        assert "ivr_options_selected" not in body["data"]
        installed.fa.ingest(body, company_id=installed.company_id)
    installed.fa.update_call(installed.company_id, 6211, ivr_options_selected=IVR)
    for body in [call.answered(), call.ended()]:
        assert installed.post(body)[0] == 200
    wait_inbox_settled(db)
    [ticket] = installed.wait_tickets(1)
    text = notes(ticket)[0]["body_text"]
    assert "IVR options: Sales (key 1) → Returns (key 3)" in text
    gets = _timeline_gets(installed, 6211)
    assert len(gets) == 1 and gets[0]["query"].get("fetch_call_timeline") == ["true"]


def test_cn1_no_aircall_request_for_a_call_without_ivr(installed, db):
    """CN1: a call that never went through an IVR costs no Aircall request."""
    call = installed.scenario(call_id=6212)
    for body in [call.answered(), call.ended()]:
        assert installed.post(body)[0] == 200
    wait_inbox_settled(db)
    installed.wait_tickets(1)
    assert _timeline_gets(installed, 6212) == []


def test_cn1_ivr_options_from_ivr_option_selected_events(installed, db):
    """CN1 CN3: options delivered as call.ivr_option_selected events reach the merged
    missed-call note, each once, without a timeline request."""
    call = installed.scenario(call_id=6213)
    bodies = [call.ivr_option_selected(IVR[0]), call.ivr_option_selected(IVR[1]),
              call.ivr_option_selected(IVR[0]), call.hungup(answered=False),
              call.ended(outcome="missed", missed_call_reason="no_available_agent")]
    for body in bodies:
        assert installed.post(body)[0] == 200
    wait_inbox_settled(db)
    [ticket] = installed.wait_tickets(1)
    [note] = notes(ticket)
    assert note["body_text"].count("Sales (key 1)") == 1 and "Returns (key 3)" in note["body_text"]
    assert _timeline_gets(installed, 6213) == []


def test_cn1_call_abandoned_in_ivr_reads_the_timeline(installed, db):
    """CN1 CN3: a caller who hung up in the IVR menu: the missed note lists the options."""
    call = installed.scenario(call_id=6214, ivr_options_selected=IVR[:1])
    ended = call.ended(outcome="missed", missed_call_reason="abandoned_in_ivr")
    installed.fa.ingest(ended, company_id=installed.company_id)
    installed.fa.update_call(installed.company_id, 6214, ivr_options_selected=IVR[:1])
    assert installed.post(ended)[0] == 200
    wait_inbox_settled(db)
    [ticket] = installed.wait_tickets(1)
    assert "Sales (key 1)" in notes(ticket)[0]["body_text"]
    assert len(_timeline_gets(installed, 6214)) == 1


# ------------------------------------------------------------------ IC1 / SU3

def test_ic1_created_without_number_still_shows_the_card(installed, db):
    """IC1 SU3: call.created with "number": {} (the published sample): the bridge reads
    the call from Aircall to learn the line before deciding it is not selected."""
    installed.fg.add_customer(ACCOUNT, name=NAME, email="maria@shop.test", phone=CALLER)
    call = installed.scenario(call_id=6221, external=CALLER)
    installed.fa.ingest(call.created(), company_id=installed.company_id)   # Aircall knows the line
    created = call.created()
    created["data"]["number"] = {}
    created["data"]["user"] = {}
    created["data"]["contact"] = {}
    assert installed.post(created)[0] == 200
    wait_inbox_settled(db)
    assert installed.fa.insight_cards(installed.company_id, call_id=6221, accepted_only=True)
    assert len(_timeline_gets(installed, 6221)) == 1


def test_ic1_created_without_number_on_an_unselected_line_stays_quiet(db, fakes, cli,
                                                                       lighttpd):
    """SU3: the fetched number is not selected: still nothing, and one Aircall request."""
    sb = Sandbox(fakes, cli, lighttpd)
    sb.setup_vendors(numbers=((2001, "+33176111111", "Support line"),
                              (2002, "+33176222222", "Sales")))
    sb.install("--numbers", "2002")
    sb.fg.add_customer(ACCOUNT, name=NAME, email="maria@shop.test", phone=CALLER)
    sb.fg.clear_requests()
    call = sb.scenario(call_id=6222, external=CALLER)
    sb.fa.ingest(call.created(), company_id=sb.company_id)
    created = call.created()
    created["data"]["number"] = {}
    assert sb.post(created)[0] == 200
    wait_inbox_settled(db)
    assert sb.fa.insight_cards(sb.company_id, call_id=6222) == []
    assert sb.gorgias_requests() == []
    assert len(_timeline_gets(sb, 6222)) == 1


# ------------------------------------------------------------------ CT2 / TS1 budget

def _new_caller_requests(sb, db, call_id, phone):
    sb.fg.clear_requests()
    call = sb.scenario(call_id=call_id, external=phone)
    for body in [call.created(), call.answered(), call.hungup(), call.ended()]:
        sb.fa.ingest(body, company_id=sb.company_id)
        assert sb.post(body)[0] == 200
    wait_inbox_settled(db)
    return sb.gorgias_requests()


def test_ct2_ts1_one_search_per_new_caller_once_the_account_is_known(installed, db):
    """CT2 TS1 RL3: a search that matches a piece of a stored number finds every stored
    form in one request; once the account showed it does, a new caller costs one
    search, and an answered call from a new caller at most 5 Gorgias requests."""
    fg = installed.fg
    fg.set(customer_search_mode="substring")
    known = fg.add_customer(ACCOUNT, name="Stored 0034", email="s@shop.test",
                            phone="0034611000001")
    installed.post(installed.scenario(call_id=6231, external="+34611000001").ended())
    wait_inbox_settled(db)
    assert installed.wait_tickets(1)[0]["customer"]["id"] == known["id"]
    assert db.scalar("select gorgias_phone_lookup from installation") == "substring"
    reqs = _new_caller_requests(installed, db, 6232, "+34611000002")
    assert len([r for r in reqs if r["route"] == "/api/search"]) == 1
    assert len(reqs) <= 5, [(r["method"], r["route"]) for r in reqs]


def test_ct2_ts1_exact_search_keeps_trying_stored_forms(installed, db):
    """CT2 TS1, the other position: the account's search matches whole values only; the
    stored forms are still tried one by one (no duplicate customer) and remembered."""
    fg = installed.fg
    fg.set(customer_search_mode="exact")
    known = fg.add_customer(ACCOUNT, name="Stored 0034", email="s@shop.test",
                            phone="0034611000003")
    installed.post(installed.scenario(call_id=6233, external="+34611000003").ended())
    wait_inbox_settled(db)
    assert installed.wait_tickets(1)[0]["customer"]["id"] == known["id"]
    assert len(fg.customers(ACCOUNT)) == 1
    assert db.scalar("select gorgias_phone_lookup from installation") == "search"
    reqs = _new_caller_requests(installed, db, 6234, "+34611000004")
    assert [r["json"]["type"] for r in reqs if r["route"] == "/api/search"] == \
        ["customers_by_phone"] * 3
