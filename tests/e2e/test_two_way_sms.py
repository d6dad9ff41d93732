"""Two-way SMS: an agent's reply in a Gorgias SMS ticket goes out as an SMS from the
Aircall number (Aircall native send), end to end through lighttpd (Apache for one
case) + FastCGI, PostgreSQL and both fakes. The contract is SMS-CONTRACT.md; the
fakes' switches are listed in tests/fakes/README.md.

Most tests share one installation (CLI install, lines 2001 and 2002 selected) and
one worker, each with its own customer number; the install-lifecycle tests at the
end start from an empty database and so come last.
"""

import itertools
import json
import subprocess

import harness
import pytest

from oauth_flow import install as oauth_install
from oauth_flow import Browser, csrf_of, installation, register_clients, vendors
from sandbox import (ACCOUNT, AGENT_EMAIL, NUMBER_E164, NUMBER_ID, Sandbox, ev, notes,
                     wait_inbox_settled)

LINE1 = (NUMBER_ID, NUMBER_E164, "Support line")
LINE2 = (2002, "+33176222222", "Sales line")
AIRCALL_AGENT_ID = 101          # the Aircall user with the Gorgias agent's email
HOOK = "/webhooks/gorgias"
SECRET_HEADER = "X-Aircall-Gorgias-Token"
OLD_SCOPES = ("openid email profile offline users:read customers:read customers:write "
              "tickets:read tickets:write tags:read tags:write")
# The fake switches these tests move; put back after every test of the shared installation.
G_DEFAULTS = {"integration_message_vars": True, "integration_delivery": "once",
              "integration_async": False, "message_update": "accept", "deliver_integrations": True}
A_DEFAULTS = {"native_send_refuse": None, "native_send_media": "refuse",
              "message_sent_webhook": "after"}

_seq = itertools.count(1)


def _phone():
    return "+346660%05d" % next(_seq)


def _number(line):
    nid, e164, name = line
    return ev.number(id=nid, e164=e164, name=name)


# ------------------------------------------------------------------ the shared installation

class TwoWay(Sandbox):
    """Sandbox plus what a two-way SMS test needs to say and check."""

    pg = None
    worker = None

    def setup(self):
        # One account serves every test of the module: Gorgias' 80 per 20 s would make the
        # budget wait (correctly) and only cost CI time; test_budget covers the limit.
        self.setup_vendors(numbers=(LINE1, LINE2), rate_limit=2000, rate_limit_basic=2000)
        self.fa.add_user(self.company_id, AGENT_EMAIL, name="Ana Agent", id=AIRCALL_AGENT_ID)
        self.install("--country", "FR", "--time-zone", "Europe/Paris")
        return self

    def conversation(self, phone=None, text="Where is my parcel?", line=LINE1):
        """A customer texts the line: the SMS ticket the bridge makes for it."""
        phone = phone or _phone()
        mid = "SM-in-%d" % next(_seq)
        status, reply = self.post(ev.message_received(token=self.token, id=mid, external=phone,
                                                      body=text, number=_number(line)))
        assert status == 200, reply
        return harness.wait_until(lambda: self.ticket_of(phone), timeout=20,
                                  message=lambda: f"no ticket for {phone}: {self.tickets()}")

    def ticket_of(self, phone):
        found = self.tickets_of(phone)
        return found[0] if found else None

    def tickets_of(self, phone):
        return [t for t in self.tickets() if any(
            ((m.get("source") or {}).get("from") or {}).get("address") == phone for m in t["messages"])]

    def reply(self, ticket, text="Your parcel left today.", expect_status=200, **kw):
        """The agent answers in the Gorgias UI; the fake calls the bridge's integration."""
        out = self.fg.agent_reply(ACCOUNT, ticket["id"], self.agent_id, text, **kw)
        if expect_status is not None and not self.fg.settings()["integration_async"]:
            assert out["deliveries"], "the installation has no active Gorgias integration"
            assert {d["status"] for d in out["deliveries"]} == {expect_status}, out["deliveries"]
        return out

    def sends(self, phone, accepted_only=True):
        return [m for m in self.fa.sent_messages(self.company_id, accepted_only)
                if (m.get("to") or (m.get("request") or {}).get("to")) == phone]

    def settle(self, phone=None):
        """Quiet: Aircall's message.sent for every SMS to `phone` acknowledged by the
        bridge (unless the fake emits none), and no event left to apply."""
        if phone and self.fa.settings()["message_sent_webhook"] != "off":
            def echoed():
                done = {d["message_id"] for d in self.fa.webhook_deliveries(self.company_id)
                        if d["event"] == "message.sent" and d["status"]}
                return all(s["id"] in done for s in self.sends(phone))
            harness.wait_until(echoed, timeout=20, message="message.sent echo not acknowledged")
        wait_inbox_settled(self.pg, timeout=30)

    def message(self, ticket_id, message_id):
        t = self.fg.ticket(ACCOUNT, ticket_id)
        return next(m for m in t["messages"] if m["id"] == message_id)

    def wait_message(self, ticket_id, message_id, predicate, what):
        return harness.wait_until(lambda: predicate(self.message(ticket_id, message_id)),
                                  timeout=20, message=lambda: f"{what}: {self.message(ticket_id, message_id)}")


def _start_worker(binary, env):
    return subprocess.Popen([str(binary), "worker"], env=harness.clean_env(env),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


_shared = {}


def _still_there(sb):
    try:
        sb.fg.account(ACCOUNT)
    except Exception:  # noqa: BLE001 - the fakes were reset by an earlier test
        return False
    return bool(sb.installation_id) and int(sb.pg.scalar(
        "select count(*) from installation where id = :'i'", i=sb.installation_id)) == 1


@pytest.fixture
def sms(migrated_db, fake_servers, lighttpd, cli, binary, bridge_env):
    """The module's installation, made once (again only after a test reset the database
    or the fakes), and its worker; the fake switches are put back after each test."""
    sb = _shared.get("sb")
    if sb is None or not _still_there(sb):
        harness.stop_drainers(str(migrated_db.sock))
        migrated_db.truncate_all()
        fake_servers.ensure_running().reset()
        sb = TwoWay(fake_servers, cli, lighttpd)
        sb.pg = migrated_db
        sb.setup()
        _shared["sb"] = sb
    sb.cli, sb.web = cli, lighttpd
    if sb.worker is None or sb.worker.poll() is not None:
        sb.worker = _start_worker(binary, bridge_env)
    yield sb
    sb.fg.set(**G_DEFAULTS)
    sb.fa.set(**A_DEFAULTS)
    sb.fa.clear_faults()


@pytest.fixture(scope="module", autouse=True)
def _stop_shared_worker():
    yield
    sb = _shared.pop("sb", None)
    if sb is not None and sb.worker is not None:
        harness.stop_process(sb.worker)


def _agent_sms(ticket):
    return [m for m in ticket["messages"] if m["channel"] == "sms" and m["from_agent"]]


def _assert_one_sms(sb, phone, text, line=LINE1):
    [s] = sb.sends(phone)
    assert s["number_id"] == line[0] and s["to"] == phone and s["body"] == text
    return s


# ------------------------------------------------------------------ what is sent

@pytest.mark.parametrize("message_vars,echo", [(True, "after"), (False, "before"), (True, "off")],
                         ids=["vars-echo_after", "no_vars-echo_before", "vars-no_echo"])
def test_agent_reply_sends_one_sms_marks_it_sent_and_ignores_the_echo(sms, message_vars, echo):
    """Issue #13 §2-4 (MC6 for the echo): one SMS from the ticket's line to the customer,
    as the agent (Aircall user with the same email); the Gorgias message gets its
    sent_datetime; Aircall's message.sent for it is not imported again. Both UNCONFIRMED
    template positions ({{message.id}} or not) and every echo timing."""
    sms.fg.set(integration_message_vars=message_vars)
    sms.fa.set(message_sent_webhook=echo)
    phone = _phone()
    t = sms.conversation(phone)
    out = sms.reply(t, "Your parcel left today.")
    mid = out["message"]["id"]
    sms.wait_message(t["id"], mid, lambda m: m["sent_datetime"], "not marked sent")
    sms.settle(phone)
    s = _assert_one_sms(sms, phone, "Your parcel left today.")
    assert s["user_id"] == AIRCALL_AGENT_ID
    m = sms.message(t["id"], mid)
    assert m["failed_datetime"] is None
    t = sms.fg.ticket(ACCOUNT, t["id"])
    assert [x["id"] for x in _agent_sms(t)] == [mid]                    # the echo is not a 2nd message
    assert notes(t) == []
    assert [x["id"] for x in sms.tickets_of(phone)] == [t["id"]]


def test_duplicate_deliveries_send_one_sms(sms):
    """Issue #13 §3: every Gorgias call delivered twice (UNCONFIRMED), once synchronously
    and once from Gorgias' queue after the answer: one SMS per reply."""
    sms.fg.set(integration_delivery="twice")
    phone = _phone()
    t = sms.conversation(phone)
    out = sms.reply(t, "First answer")
    assert [d["copy"] for d in out["deliveries"]] == [1, 2]
    sms.fg.set(integration_async=True)
    out2 = sms.reply(t, "Second answer")
    assert out2["queued"] == 2
    for mid in (out["message"]["id"], out2["message"]["id"]):
        sms.wait_message(t["id"], mid, lambda m: m["sent_datetime"], "not marked sent")
    sms.settle(phone)
    assert sorted(s["body"] for s in sms.sends(phone)) == ["First answer", "Second answer"]


def test_reversed_deliveries_send_each_reply_once(sms):
    """Issue #13 §3: two replies whose calls arrive newest first (UNCONFIRMED order)."""
    sms.fg.set(integration_delivery="reversed")
    phone = _phone()
    t = sms.conversation(phone)
    out = sms.fg.agent_replies(ACCOUNT, [
        {"ticket_id": t["id"], "user_id": sms.agent_id, "body_text": "One moment please."},
        {"ticket_id": t["id"], "user_id": sms.agent_id, "body_text": "Found it: it left today."}])
    assert [d["message_id"] for d in out["deliveries"]] == [m["id"] for m in out["messages"]][::-1]
    assert {d["status"] for d in out["deliveries"]} == {200}
    for m in out["messages"]:
        sms.wait_message(t["id"], m["id"], lambda x: x["sent_datetime"], "not marked sent")
    sms.settle(phone)
    assert sorted(s["body"] for s in sms.sends(phone)) == ["Found it: it left today.",
                                                          "One moment please."]


@pytest.mark.parametrize("kind", ["internal_note", "email", "imported_outbound"])
def test_nothing_sent_for_notes_other_channels_and_imported_messages(sms, kind):
    """Issue #13 §2-3: an internal note, an email reply on the SMS ticket, and an SMS the
    agent sent from the Aircall app (imported by the bridge, so created in Gorgias and
    announced to the integration like any message) are never texted."""
    phone = _phone()
    t = sms.conversation(phone)
    if kind == "internal_note":
        sms.reply(t, "Customer is a VIP", public=False)
    elif kind == "email":
        sms.reply(t, "Sent you the invoice by mail.", channel="email")
    else:
        assert sms.post(ev.message_sent(token=sms.token, id="SM-app-%d" % next(_seq), external=phone,
                                        body="Sent from the Aircall app", number=_number(LINE1)))[0] == 200
        [m] = harness.wait_until(lambda: _agent_sms(sms.fg.ticket(ACCOUNT, t["id"])), timeout=20)
        # Gorgias announces the imported message to the integration; the bridge answers it
        [d] = harness.wait_until(lambda: [d for d in sms.fg.deliveries(ACCOUNT)
                                          if d["message_id"] == m["id"] and d["status"]],
                                 timeout=20, message="the imported message was not announced")
        assert d["status"] == 200
    sms.settle()
    assert sms.sends(phone, accepted_only=False) == []


def test_forged_or_missing_secret_is_refused_and_nothing_sent(sms):
    """Issue #13 §1: Gorgias signs nothing; the per-installation header is the proof."""
    phone = _phone()
    t = sms.conversation(phone)
    sms.settle()
    [integ] = [i for i in sms.fg.integrations(ACCOUNT) if not i["deactivated_datetime"]]
    secret = integ["http"]["headers"][SECRET_HEADER]
    assert integ["http"]["url"] == sms.web.url(HOOK)
    # a real agent message exists, so only the secret can stop it
    sms.fg.set(deliver_integrations=False)
    m = sms.reply(t, "Should never go out", expect_status=None)["message"]
    sms.fg.set(deliver_integrations=True)
    body = {"ticket_id": str(t["id"]), "message_id": str(m["id"]), "event": "ticket_message_created"}
    inbox_before = int(sms.pg.scalar("select count(*) from inbox"))
    for headers in ({}, {SECRET_HEADER: ""}, {SECRET_HEADER: secret[:-1] + ("A" if secret[-1] != "A" else "B")},
                    {SECRET_HEADER: "x" * len(secret)}, {"X-Other": secret}):
        r = harness.http_request("POST", sms.web.url(HOOK), body=json.dumps(body),
                                 headers=dict(headers, **{"Content-Type": "application/json"}))
        assert r.status == 401, (headers, r)
        assert secret not in r.text
    assert int(sms.pg.scalar("select count(*) from inbox")) == inbox_before
    sms.settle()
    assert sms.sends(phone, accepted_only=False) == []
    assert sms.message(t["id"], m["id"])["sent_datetime"] is None
    # the right secret is accepted (the same body, so the refusals were about the secret)
    r = harness.http_request("POST", sms.web.url(HOOK), body=json.dumps(body),
                             headers={SECRET_HEADER: secret, "Content-Type": "application/json"})
    assert r.status == 200, r
    harness.wait_until(lambda: sms.sends(phone), timeout=20)
    sms.settle(phone)
    assert len(sms.sends(phone)) == 1


@pytest.mark.parametrize("word", ["STOP", "Stopp", "ABMELDEN"])
def test_opted_out_customer_is_not_texted_until_start(sms, word):
    """Issue #13 §5: after STOP (en) or STOPP/ABMELDEN (de) no SMS, and an internal note
    says why the reply was not sent; after START replies go out again."""
    phone = _phone()
    t = sms.conversation(phone)
    sms.post(ev.message_received(token=sms.token, id="SM-stop-%d" % next(_seq), external=phone,
                                 body=word, number=_number(LINE1)))
    sms.settle()
    out = sms.reply(t, "We are sorry to see you go")
    mid = out["message"]["id"]
    harness.wait_until(lambda: notes(sms.fg.ticket(ACCOUNT, t["id"])), timeout=20,
                       message="no internal note about the opt-out")
    sms.settle()
    assert sms.sends(phone, accepted_only=False) == []
    note = notes(sms.fg.ticket(ACCOUNT, t["id"]))[-1]
    assert word.upper() in note["body_text"].upper() or "opt" in note["body_text"].lower(), note
    assert sms.message(t["id"], mid)["sent_datetime"] is None
    sms.post(ev.message_received(token=sms.token, id="SM-start-%d" % next(_seq), external=phone,
                                 body="START", number=_number(LINE1)))
    sms.settle()
    sms.reply(t, "Welcome back")
    harness.wait_until(lambda: sms.sends(phone), timeout=20)
    sms.settle(phone)
    assert [s["body"] for s in sms.sends(phone)] == ["Welcome back"]


@pytest.mark.parametrize("update", ["accept", "refuse"])
def test_refused_send_marks_the_gorgias_message_failed_with_the_reason(sms, update):
    """Issue #13 §4, RB: Aircall refuses the send. Where Gorgias takes message updates the
    message gets failed_datetime and last_sending_error; where it does not (the reference
    lists no such endpoint) an internal note carries the reason. Nothing is sent."""
    sms.fg.set(message_update=update)
    sms.fa.set(native_send_refuse={"status": 422, "troubleshoot": "The recipient has opted out"})
    phone = _phone()
    t = sms.conversation(phone)
    mid = sms.reply(t, "Can you hear me?")["message"]["id"]
    if update == "accept":
        m = sms.wait_message(t["id"], mid, lambda x: x["failed_datetime"] and x, "not marked failed")
        assert "opted out" in json.dumps(m["last_sending_error"])
        assert m["sent_datetime"] is None
    else:
        harness.wait_until(lambda: [n for n in notes(sms.fg.ticket(ACCOUNT, t["id"]))
                                    if "opted out" in n["body_text"]], timeout=20,
                           message="no internal note with the reason")
    sms.settle()
    assert sms.sends(phone) == []
    assert [s["status"] for s in sms.sends(phone, accepted_only=False)] == [422]


def test_later_failed_delivery_status_marks_the_message_failed(sms):
    """Issue #13 §4: Aircall accepted the SMS, then reports it failed (message.status_updated)."""
    phone = _phone()
    t = sms.conversation(phone)
    mid = sms.reply(t, "Are you there?")["message"]["id"]
    sms.wait_message(t["id"], mid, lambda m: m["sent_datetime"], "not marked sent")
    [s] = sms.sends(phone)
    [d] = sms.fa.message_status(sms.company_id, s["id"], "failed")
    assert d["status"] == 200
    m = sms.wait_message(t["id"], mid, lambda x: x["failed_datetime"] and x, "not marked failed")
    assert m["last_sending_error"]
    sms.settle(phone)
    assert len(sms.sends(phone)) == 1
    assert [x["id"] for x in _agent_sms(sms.fg.ticket(ACCOUNT, t["id"]))] == [mid]


def _select_lines(sb, number_ids):
    """The admin changes the number selection on the settings page (SU2)."""
    res = sb.cli("settings-link", "--installation", str(sb.installation_id), check=True)
    b = Browser()
    r = b.get(res.stdout.strip())
    assert r.status == 303, r
    page = b.get(r.header("Location"))
    fields = [("csrf", csrf_of(page.text)), ("action", "save"), ("locale", "en"), ("country", "FR"),
              ("time_zone", "Europe/Paris")] + [("number", str(n)) for n in number_ids]
    assert b.post_form(sb.web.url("/settings"), fields).status == 303


def test_unselected_number_sends_nothing(sms):
    """Issue #13 §5, SU2/SU3: the conversation's line is no longer selected on the settings
    page: the reply stays in Gorgias, nothing goes out from that line, and an internal note
    tells the agent why (a reply must never vanish without a word)."""
    phone = _phone()
    t = sms.conversation(phone, line=LINE2)
    _select_lines(sms, [LINE1[0]])
    try:
        sms.reply(t, "Hello from sales")
        harness.wait_until(lambda: notes(sms.fg.ticket(ACCOUNT, t["id"])), timeout=20,
                           message="no internal note about the unselected line")
        sms.settle()
        assert sms.sends(phone, accepted_only=False) == []
        assert "not selected" in notes(sms.fg.ticket(ACCOUNT, t["id"]))[-1]["body_text"]
    finally:
        _select_lines(sms, [LINE1[0], LINE2[0]])


def test_text_comes_from_body_text_never_html(sms):
    """Issue #13 §2: the SMS is the reply's body_text, not its HTML."""
    phone = _phone()
    t = sms.conversation(phone)
    sms.reply(t, "Hello there & welcome", body_html="<p>Hello <b>there</b> &amp; welcome</p>")
    harness.wait_until(lambda: sms.sends(phone), timeout=20)
    sms.settle(phone)
    _assert_one_sms(sms, phone, "Hello there & welcome")


def test_long_reply_is_sent_as_aircall_allows(sms):
    """Issue #13 §2: a body over Aircall's 1600 characters is split, never refused."""
    phone = _phone()
    t = sms.conversation(phone)
    words = ["word%04d" % i for i in range(200)]           # 1799 characters
    text = " ".join(words)
    mid = sms.reply(t, text)["message"]["id"]
    sms.wait_message(t["id"], mid, lambda m: m["sent_datetime"], "not marked sent")
    sms.settle()
    assert [s["status"] for s in sms.sends(phone, accepted_only=False)] == [201] * len(sms.sends(phone))
    bodies = [s["body"] for s in sms.sends(phone)]
    assert len(bodies) >= 2 and all(len(b) <= 1600 for b in bodies)
    sent_words = " ".join(bodies).split()
    assert [w for w in sent_words if w.startswith("word")] == words


@pytest.mark.parametrize("media", ["refuse", "accept"])
def test_attachment_goes_as_media_or_link(sms, media):
    """Issue #13 §2: an attachment's URL as MMS media where Aircall takes media_url on the
    native send (UNCONFIRMED), else as a link in the text."""
    sms.fa.set(native_send_media=media)
    url = "https://cdn.example.test/invoice-42.pdf"
    phone = _phone()
    t = sms.conversation(phone)
    mid = sms.reply(t, "Here is your invoice", attachments=[
        {"url": url, "name": "invoice-42.pdf", "content_type": "application/pdf"}])["message"]["id"]
    sms.wait_message(t["id"], mid, lambda m: m["sent_datetime"], "not marked sent")
    sms.settle()
    sent = sms.sends(phone)
    assert sent and "Here is your invoice" in sent[0]["body"]
    if media == "accept":
        assert any(url in (s.get("media_url") or []) or url in s["body"] for s in sent)
    else:
        assert any(url in s["body"] for s in sent)


def test_aircall_rate_limit_is_waited_out_and_sends_once(sms):
    """Issue #13 §5, RL: a 429 from Aircall's native send goes through the budget and
    retry machinery: the SMS is sent once, later."""
    sms.fa.script_faults([{"status": 429, "retry_after": 1, "count": 1,
                           "match": {"method": "POST", "path_regex": "/messages/native/send$"}}])
    phone = _phone()
    t = sms.conversation(phone)
    mid = sms.reply(t, "Hold on")["message"]["id"]
    sms.wait_message(t["id"], mid, lambda m: m["sent_datetime"], "not marked sent")
    sms.settle(phone)
    assert len(sms.sends(phone)) == 1
    assert len(sms.fa.requests(sms.company_id, path_prefix="/v1/numbers", status="429")) == 1


# ------------------------------------------------------------------ install lifecycle (fresh state)

def _active(fg):
    return [i for i in fg.integrations(ACCOUNT) if not i["deactivated_datetime"]]


def test_cli_install_and_reinstall_make_exactly_one_integration(db, fakes, cli, lighttpd):
    """Issue #13 §1: the integration the bridge creates (G§12) and its idempotence."""
    sb = Sandbox(fakes, cli, lighttpd)
    sb.setup_vendors()
    sb.install()
    [i] = sb.fg.integrations(ACCOUNT)
    h = i["http"]
    assert i["type"] == "http" and h["url"] == lighttpd.url(HOOK) and h["method"] == "POST"
    assert h["request_content_type"] == "application/json"
    assert h["triggers"].get("ticket_message_created") is True
    secret = h["headers"][SECRET_HEADER]
    assert len(secret) >= 43                                   # 32 random bytes, base64url
    assert "{{ticket.id}}" in json.dumps(h["form"])
    # the secret is not kept in clear by the bridge
    dump = json.dumps(db.query("select * from installation"), default=str)
    assert secret not in dump
    sb.install()
    sb.install()
    assert len(sb.fg.integrations(ACCOUNT)) == 1 and len(_active(sb.fg)) == 1
    # deleted by an admin in Gorgias: the next install makes it again, still one
    sb.fg.delete_integration(ACCOUNT, i["id"])
    sb.install()
    assert len(sb.fg.integrations(ACCOUNT)) == 1 and len(_active(sb.fg)) == 1


def test_install_before_two_way_keeps_one_way_and_settings_tell_to_reinstall(db, fakes, cli, lighttpd,
                                                                              binary):
    """Issue #13 §1: an installation whose Gorgias grant lacks integrations:write (made
    before this feature) keeps importing SMS, and the settings page says that a
    reinstall enables two-way SMS; the reinstall then creates the one integration."""
    sb = TwoWay(fakes, cli, lighttpd)
    sb.pg = db
    sb.setup_vendors()
    register_clients(sb, lighttpd)
    sb.fa.set_consent(company_id=sb.company_id, number_ids=None)
    sb.fg.set(granted_scopes=OLD_SCOPES)
    browser, page = oauth_install(sb, lighttpd)
    assert installation(db)["state"] == "enabled"
    assert _active(sb.fg) == []
    running = _start_worker(binary, lighttpd.env)
    try:
        sb.conversation()                                     # one-way still works
        page = browser.get(lighttpd.url("/settings?lang=en")).text
        assert "two-way" in page.lower(), page
        assert f'href="{lighttpd.url("/install?account=acme")}"' in page
        sb.fg.set(granted_scopes=None)
        oauth_install(sb, lighttpd)
        [i] = _active(sb.fg)
        assert i["http"]["url"] == lighttpd.url(HOOK)
        page = browser.get(lighttpd.url("/settings?lang=en")).text
        assert "two-way" in page.lower()
    finally:
        harness.stop_process(running)


def test_aircall_uninstall_removes_or_deactivates_the_integration(db, fakes, cli, lighttpd):
    """Issue #13 §1, AD1: uninstalled in Aircall → disabled → no Gorgias integration
    keeps calling the bridge."""
    sb = vendors(fakes, cli, lighttpd)
    oauth_install(sb, lighttpd)
    assert len(_active(sb.fg)) == 1
    [integ] = sb.fa.integrations()
    body = ev.integration_deleted(integ["id"], sb.company_id, sb.token)
    sb.fa.uninstall(integ["id"])
    assert sb.post(body)[0] == 200
    harness.wait_until(lambda: installation(db)["state"] == "disabled", timeout=15)
    harness.wait_until(lambda: _active(sb.fg) == [], timeout=15,
                       message=lambda: f"integration still active: {sb.fg.integrations(ACCOUNT)}")


def test_apache_install_and_reply(db, fakes, cli, apache, binary):
    """The same path behind Apache (mod_fcgid), the integration pointing at Apache's URL,
    with the template lacking {{message.id}} (UNCONFIRMED position)."""
    sb = TwoWay(fakes, cli, apache)
    sb.pg = db
    sb.setup_vendors(numbers=(LINE1,))
    sb.fa.add_user(sb.company_id, AGENT_EMAIL, name="Ana Agent", id=AIRCALL_AGENT_ID)
    sb.install("--country", "FR", env=apache.env)
    [i] = _active(sb.fg)
    assert i["http"]["url"] == apache.url(HOOK)
    sb.fg.set(integration_message_vars=False)
    worker = _start_worker(binary, apache.env)
    try:
        phone = _phone()
        t = sb.conversation(phone)
        mid = sb.reply(t, "Answered through Apache")["message"]["id"]
        sb.wait_message(t["id"], mid, lambda m: m["sent_datetime"], "not marked sent")
        sb.settle(phone)
        _assert_one_sms(sb, phone, "Answered through Apache")
        assert [x["id"] for x in _agent_sms(sb.fg.ticket(ACCOUNT, t["id"]))] == [mid]
    finally:
        harness.stop_process(worker)
