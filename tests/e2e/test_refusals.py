"""Degrade, never drop (SPEC RB2): what the bridge does when Gorgias refuses
part of a request the way a real account may (CS1 note refused, CT2 stale
cached customer answered with 400, SU1 scopes, the webhook subscription),
against the fakes in each position of the UNCONFIRMED switches."""

import base64
import json

import harness
import pytest
from oauth_flow import install as oauth_install
from oauth_flow import installation, query, vendors
from sandbox import (ACCOUNT, AIRCALL_ID, AIRCALL_TOKEN, Sandbox, ev, notes,  # noqa: F401
                     installed, running_worker, wait_inbox_settled)


@pytest.fixture(autouse=True)
def _worker(running_worker):
    return running_worker


CALLER = "+34666444555"


def _customer_posts(sb):
    return [r for r in sb.gorgias_requests(method="POST", path_prefix="/api/customers")
            if r["route"] == "/api/customers"]


@pytest.mark.parametrize("shape", ["wrapped", "bare"])
def test_cs1_note_refused_on_customer_creation(installed, db, shape):
    """CS1 on an account answering 400 {"note": ["Unknown field."]}: the customer is
    created without the note, the ticket's first note carries it, the refusal is
    remembered so the next customer costs one request."""
    installed.fg.set(customer_note="rejected", error_shape=shape)
    installed.post(installed.scenario(call_id=6101).ended())
    wait_inbox_settled(db)
    [ticket] = installed.wait_tickets(1)
    [cust] = installed.fg.customers(ACCOUNT)
    assert ticket["customer"]["id"] == cust["id"]
    assert not cust.get("note")
    first_note = notes(ticket)[0]["body_text"]
    assert "Customer note: Created by Aircall: no Gorgias customer was found" in first_note
    assert "POST /api/customers note" in db.scalar(
        "select array_to_string(gorgias_refused, ',') from installation")
    assert db.scalar("select count(*) from inbox where status <> 'done'") == 0
    # Remembered: the next new caller is created in one request, without the note.
    installed.fg.clear_requests()
    installed.post(installed.scenario(call_id=6102, external="+34611000002").ended())
    wait_inbox_settled(db)
    posts = _customer_posts(installed)
    assert len(posts) == 1 and "note" not in posts[0]["json"] and posts[0]["status"] == 201
    assert len(installed.wait_tickets(2)) == 2


def test_cs1_note_accepted_is_kept_on_the_customer(installed, db):
    """CS1, the other position: the account stores the note; nothing is remembered."""
    installed.fg.set(customer_note="accepted")
    installed.post(installed.scenario(call_id=6103).ended())
    wait_inbox_settled(db)
    [ticket] = installed.wait_tickets(1)
    [cust] = installed.fg.customers(ACCOUNT)
    assert "no Gorgias customer was found" in cust["note"]
    assert "Customer note" not in notes(ticket)[0]["body_text"]
    assert db.scalar("select cardinality(gorgias_refused) from installation") == 0


@pytest.mark.parametrize("shape", ["wrapped", "bare"])
def test_ct2_stale_cached_customer_refused_with_400_is_found_again(installed, db, shape):
    """CT2: the cached customer was deleted in Gorgias; the ticket creation is refused
    with 400 naming it ("Customer N does not exist.", not 404). The cache entry goes,
    the caller is looked up again and the ticket lands on the customer found now."""
    fg = installed.fg
    fg.set(error_shape=shape)
    old = fg.add_customer(ACCOUNT, name="Old", email="old@shop.test", phone=CALLER)
    installed.post(installed.scenario(call_id=6111).ended())
    wait_inbox_settled(db)
    installed.wait_tickets(1)
    assert db.scalar("select customer_id from customer_cache") == old["id"]
    fg.delete_customer(ACCOUNT, old["id"])
    new = fg.add_customer(ACCOUNT, name="New", email="new@shop.test", phone=CALLER)
    fg.clear_requests()
    installed.post(installed.scenario(call_id=6112).ended())
    wait_inbox_settled(db)
    t = [t for t in installed.wait_tickets(2) if t["external_id"] == "aircall:call:6112"][0]
    assert t["customer"]["id"] == new["id"]
    refused = [r for r in installed.gorgias_requests(method="POST", path_prefix="/api/tickets")
               if r["status"] == 400]
    assert refused and "does not exist" in json.dumps(refused[0]["response"])
    assert db.scalar("select customer_id from customer_cache") == new["id"]
    assert db.scalar("select count(*) from inbox where status <> 'done'") == 0


def test_ct2_stale_cached_customer_and_nobody_left_creates_one(installed, db):
    """CT2 CT4: the cached customer is gone and nobody else has the number: a new
    customer is created rather than the event failing."""
    fg = installed.fg
    old = fg.add_customer(ACCOUNT, name="Old", email="old@shop.test", phone=CALLER)
    installed.post(installed.scenario(call_id=6113).ended())
    wait_inbox_settled(db)
    fg.delete_customer(ACCOUNT, old["id"])
    installed.post(installed.scenario(call_id=6114).ended())
    wait_inbox_settled(db)
    t = [t for t in installed.wait_tickets(2) if t["external_id"] == "aircall:call:6114"][0]
    [cust] = fg.customers(ACCOUNT)
    assert t["customer"]["id"] == cust["id"] != old["id"]


def test_ct1_ticket_deleted_in_gorgias_gets_a_new_one(installed, db):
    """CT1 CN1 CN2 RB2: the call's ticket id (cached in the call record) was deleted in
    Gorgias while the call went on: the ended note is refused with 404, the id is
    forgotten and a new ticket carries the call's notes instead of the note being lost."""
    call = installed.scenario(call_id=6141)
    for body in [call.answered()]:
        assert installed.post(body)[0] == 200
    wait_inbox_settled(db)
    [first] = installed.wait_tickets(1)
    installed.fg.delete_ticket(ACCOUNT, first["id"])
    for body in [call.hungup(), call.ended()]:
        assert installed.post(body)[0] == 200
    wait_inbox_settled(db)
    [second] = installed.wait_tickets(1, predicate=lambda ts: ts and ts[0]["id"] != first["id"])
    assert second["external_id"] == "aircall:call:6141"
    texts = [n["body_text"] for n in notes(second)]
    assert any("Call answered" in t for t in texts) and any("Call ended" in t for t in texts)
    assert db.scalar("select gorgias_ticket_id from call_record") == second["id"]
    assert db.scalar("select count(*) from inbox where status <> 'done'") == 0


# ------------------------------------------------------------------ SU1

def test_su1_oauth_asks_the_read_scopes_it_uses(db, fakes, cli, lighttpd):
    """SU1: the consent asks gorgias-api.md §1.2's scopes; with a Gorgias that does not
    let write imply read, the caller's card (reads customers and tickets) still shows."""
    sb = vendors(fakes, cli, lighttpd)
    sb.fg.set(write_implies_read=False)
    r = harness.http_request("GET", lighttpd.url(f"/install?account={ACCOUNT}"))
    asked = set(query(r.header("Location"))["scope"].split())
    assert {"openid", "email", "profile", "offline", "users:read", "customers:read",
            "customers:write", "tickets:read", "tickets:write", "tags:read",
            "tags:write"} <= asked
    oauth_install(sb, lighttpd)
    sb.fg.add_customer(ACCOUNT, name="Jane Doe", email="jane@shop.test", phone=CALLER)
    body = sb.scenario(call_id=6121).created()
    sb.fa.ingest(body, company_id=sb.company_id)
    assert sb.post(body)[0] == 200
    wait_inbox_settled(db)
    assert sb.fa.insight_cards(sb.company_id, call_id=6121, accepted_only=True)
    assert not [r for r in sb.fg.requests(ACCOUNT) if r["status"] == 403]


def test_su1_missing_scope_disables_with_its_own_reason(db, fakes, cli, lighttpd):
    """SU1 AD1: a token without customers:read gets 403 naming the scope: the
    installation is disabled with reason missing_scope (fix: install again), not
    authorization_removed, and the settings page says so."""
    sb = vendors(fakes, cli, lighttpd)
    sb.fg.set(write_implies_read=False,
              granted_scopes="openid email profile offline users:read customers:write "
                             "tickets:write tags:write")
    browser, _ = oauth_install(sb, lighttpd)
    sb.fg.add_customer(ACCOUNT, name="Jane Doe", email="jane@shop.test", phone=CALLER)
    assert sb.post(sb.scenario(call_id=6122).ended())[0] == 200
    harness.wait_until(lambda: installation(db)["state"] == "disabled", timeout=20,
                       message=lambda: "installation not disabled: %s %s" % (
                           sb.inbox(db), [(r["path"], r["status"]) for r in sb.fg.requests(ACCOUNT)]))
    assert installation(db)["disabled_reason"] == "missing_scope"
    page = browser.get(lighttpd.url("/settings"))
    assert "missing_scope" in page.text and "Install again" in page.text


# ------------------------------------------------------------ webhook (SU1)

HANDLED = {"call.created", "call.answered", "call.hungup", "call.ended", "call.voicemail_left",
           "call.commented", "call.tagged", "call.untagged", "call.comm_assets_generated",
           "call.assigned", "call.transferred", "call.external_transferred",
           "call.ivr_option_selected", "integration.deleted", "message.sent",
           "message.received", "message.status_updated"}


def _aircall_api(sb, method, path, body=None):
    auth = base64.b64encode(f"{AIRCALL_ID}:{AIRCALL_TOKEN}".encode()).decode()
    r = harness.http_request(method, sb.fakes.aircall.base_url + path, body=body,
                             headers={"Authorization": "Basic " + auth,
                                      "Content-Type": "application/json"})
    assert r.status < 300, r.text
    return r


def test_su1_webhook_subscribes_every_handled_event_and_reinstall_updates_it(db, fakes, cli,
                                                                             lighttpd):
    """SU1: the webhook made at install subscribes to every event the bridge handles;
    installing again updates an existing webhook's list and keeps its token."""
    sb = Sandbox(fakes, cli, lighttpd)
    sb.setup_vendors()
    sb.install()
    [hook] = sb.fa.webhooks(sb.company_id)
    assert set(hook["events"]) == HANDLED
    # An older install subscribed fewer events.
    _aircall_api(sb, "PUT", f"/v1/webhooks/{hook['webhook_id']}",
                 {"events": ["call.created", "call.ended"]})
    sb.install()
    [again] = sb.fa.webhooks(sb.company_id)
    assert again["webhook_id"] == hook["webhook_id"] and again["token"] == hook["token"]
    assert set(again["events"]) == HANDLED


# ------------------------------------------------------------ failed events (SU4)

def test_su4_failed_event_shown_with_reason_and_retried_from_the_page(installed, db, cli,
                                                                       lighttpd):
    """SU4 RB2: a refusal nothing can adapt to fails the event with the vendor's words;
    the settings page lists it with a retry button, `status` lists it, and the refused
    field remembered for the account is shown too."""
    from oauth_flow import Browser, csrf_of
    fg = installed.fg
    fg.set(customer_note="rejected")
    fg.script_faults([{"status": 422, "count": 1,
                       "body": {"error": {"msg": "Ticket creation is paused for this account."}},
                       "match": {"method": "POST", "path_prefix": "/api/tickets"}}])
    installed.post(installed.scenario(call_id=6131).ended())
    wait_inbox_settled(db)
    row = db.query("select status, last_error from inbox")[0]
    assert row["status"] == "failed" and "Ticket creation is paused" in row["last_error"]
    status = cli("status", check=True).json()
    assert [f["subject"] for f in status["failed"]] == ["call:6131"]
    assert "POST /api/customers note" in status["installations"][0]["gorgias_refused"]
    link = cli("settings-link", "--installation", str(installed.installation_id),
               check=True).stdout.strip()
    browser = Browser()
    r = browser.get(link)
    page = browser.get(r.header("Location"))
    assert "Ticket creation is paused for this account." in page.text
    assert 'id="retry"' in page.text and "POST /api/customers note" in page.text
    r = browser.post_form(lighttpd.url("/settings"),
                          [("csrf", csrf_of(page.text)), ("action", "retry")])
    assert r.status == 303
    # Queued again, and applied without waiting for another webhook: the page
    # wakes the workers (test_worker.py: with none running, it starts a drainer).
    wait_inbox_settled(db)
    assert {t["external_id"] for t in installed.wait_tickets(1)} == {"aircall:call:6131"}
    assert db.scalar("select count(*) from inbox where status = 'failed'") == 0
