"""Self-test of the fakes' two-way SMS parts: Gorgias HTTP integrations, the
"agent replies in the Gorgias UI" endpoint, message updates; Aircall native
send and the webhooks it emits.

    /usr/bin/python3 -m pytest tests/fakes/test_fakes_sms.py -q
"""

import time

import pytest

import aircall_events as ev
from client import AdminError
from test_fakes import A, ACCT, G, aproc, fa, fg, gproc, hook_server, new_customer  # noqa: F401,F811 (fixtures)

CUSTOMER = "+34666444555"
LINE = "+33176111111"
SECRET = "s3cr3t-b64url_token-0123456789abcdef"


def wait_for(pred, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError("condition not met within %.1fs" % timeout)


def integration_body(url, **http):
    h = {"url": url + "/webhooks/gorgias", "method": "POST", "request_content_type": "application/json",
         "response_content_type": "application/json", "headers": {"X-Aircall-Gorgias-Token": SECRET},
         "form": {"ticket_id": "{{ticket.id}}", "message_id": "{{message.id}}",
                  "event": "ticket_message_created"},
         "triggers": {"ticket_message_created": True}}
    h.update(http)
    return {"name": "Aircall SMS replies (aircall-gorgias)", "type": "http", "http": h}


def sms_ticket(G, text="Where is my parcel?"):
    c = new_customer(G, phone=CUSTOMER)
    r = G("POST", "/api/tickets", json_body={
        "channel": "sms", "via": "api", "from_agent": False, "customer": {"id": c["id"]},
        "messages": [{"channel": "sms", "via": "api", "from_agent": False, "sender": {"id": c["id"]},
                      "source": {"type": "sms", "from": {"address": CUSTOMER}, "to": [{"address": LINE}]},
                      "body_text": text, "sent_datetime": "2025-06-01T10:00:00Z"}]})
    assert r.status == 201, r
    return r.json


def agent(fg):
    return fg.add_user(ACCT, "ana@acme.test", role="agent", name="Ana Agent")


# ================================================================== Gorgias

def test_g_integration_validation_scopes_and_lifecycle(fg, G):
    good = integration_body("https://bridge.test")
    for broken, field in ((dict(good, type="email"), "type"),
                          ({k: v for k, v in good.items() if k != "name"}, "name"),
                          (dict(good, http=dict(good["http"], url="not a url")), "http"),
                          (dict(good, http=dict(good["http"], method="FETCH")), "http"),
                          (dict(good, http=dict(good["http"], triggers={"message_sent": True})), "http"),
                          (dict(good, http=dict(good["http"], triggers={"ticket_message_created": "yes"})), "http"),
                          (dict(good, http=dict(good["http"], headers={"X-N": 1})), "http"),
                          (dict(good, http=dict(good["http"], request_content_type="text/xml")), "http"),
                          (dict(good, colour="red"), "colour")):
        r = G("POST", "/api/integrations", json_body=broken)
        assert r.status == 400 and field in r.json["error"]["data"], (broken, r)
    # OAuth: writes need integrations:write (reads integrations:read), like every resource
    old = fg.mint_token(ACCT, scope="openid offline tickets:read tickets:write integrations:read")["access_token"]
    assert G("POST", "/api/integrations", json_body=good, bearer=old).status == 403
    assert G("GET", "/api/integrations", bearer=old).status == 200
    tok = fg.mint_token(ACCT, scope="integrations:read integrations:write")["access_token"]
    r = G("POST", "/api/integrations", json_body=good, bearer=tok)
    assert r.status == 201, r
    i = r.json
    assert i["type"] == "http" and i["deactivated_datetime"] is None
    assert i["http"]["headers"] == {"X-Aircall-Gorgias-Token": SECRET}
    assert i["http"]["triggers"] == {"ticket_message_created": True}
    assert G("PUT", "/api/integrations/%d" % i["id"], bearer=old,
             json_body={"deactivated_datetime": "2025-06-01T10:00:00Z"}).status == 403
    r = G("PUT", "/api/integrations/%d" % i["id"], bearer=tok,
          json_body={"deactivated_datetime": "2025-06-01T10:00:00Z", "http": {"url": "https://bridge.test/v2"}})
    assert r.status == 202 and r.json["deactivated_datetime"] and r.json["http"]["url"] == "https://bridge.test/v2"
    assert r.json["http"]["headers"] == {"X-Aircall-Gorgias-Token": SECRET}     # untouched keys kept
    assert G("PUT", "/api/integrations/%d" % i["id"], json_body={"http": {"url": "ftp://x"}}).status == 400
    assert [x["id"] for x in G("GET", "/api/integrations?type=http").json["data"]] == [i["id"]]
    assert G("DELETE", "/api/integrations/%d" % i["id"], bearer=old).status == 403
    assert G("DELETE", "/api/integrations/%d" % i["id"], bearer=tok).status == 204
    assert G("GET", "/api/integrations/%d" % i["id"]).status == 404
    assert fg.integrations(ACCT) == []


def test_g_agent_reply_calls_the_integration_with_the_rendered_template(fg, G):
    ana = agent(fg)
    with hook_server() as (url, got):
        iid = G("POST", "/api/integrations", json_body=integration_body(url)).json["id"]
        t = sms_ticket(G)
        out = fg.agent_reply(ACCT, t["id"], ana["id"], "Your parcel left today.")
        m = out["message"]
        # created as the helpdesk does: from an agent, not sent yet, addressed to the customer
        assert m["from_agent"] is True and m["public"] is True and m["channel"] == "sms"
        assert m["via"] == "helpdesk" and m["sent_datetime"] is None and m["failed_datetime"] is None
        assert m["sender"]["id"] == ana["id"] and m["sender"]["email"] == "ana@acme.test"
        assert m["source"] == {"type": "sms", "from": {"address": LINE}, "to": [{"address": CUSTOMER}]}
        # called before the answer (integration_async off): one call, headers verbatim, form as JSON
        assert [(d["status"], d["message_id"], d["integration_id"]) for d in out["deliveries"]] == \
            [(200, m["id"], iid)]
        [hit] = got
        assert hit["path"] == "/webhooks/gorgias"
        assert hit["headers"]["X-Aircall-Gorgias-Token"] == SECRET
        assert hit["headers"]["Content-Type"] == "application/json"
        assert hit["json"] == {"ticket_id": str(t["id"]), "message_id": str(m["id"]),
                               "event": "ticket_message_created"}
        assert fg.deliveries(ACCT)[-1]["body"] == hit["json"]
        # GET one / list see the reply
        assert G("GET", "/api/tickets/%d/messages/%d" % (t["id"], m["id"])).json["body_text"] == \
            "Your parcel left today."
        assert [x["id"] for x in G("GET", "/api/tickets/%d/messages" % t["id"]).json["data"]][-1] == m["id"]
        # an internal note is a message too: Gorgias calls the integration for it as well
        note = fg.agent_reply(ACCT, t["id"], ana["id"], "customer is VIP", public=False)
        assert note["message"]["channel"] == "internal-note" and note["message"]["public"] is False
        assert len(got) == 2
        # UNCONFIRMED: without message variables {{message.id}} renders "" like any unknown name
        fg.set(integration_message_vars=False)
        fg.agent_reply(ACCT, t["id"], ana["id"], "Anything else?")
        assert got[-1]["json"] == {"ticket_id": str(t["id"]), "message_id": "", "event": "ticket_message_created"}
        # a deactivated integration is not called; an email reply goes out with email addresses
        G("PUT", "/api/integrations/%d" % iid, json_body={"deactivated_datetime": "2025-06-01T10:00:00Z"})
        mail = fg.agent_reply(ACCT, t["id"], ana["id"], "Mail", channel="email")
        assert mail["deliveries"] == [] and len(got) == 3
        assert mail["message"]["source"]["to"][0]["address"] == "jane@example.com"
    # a refused delivery is logged with its status
    with hook_server(status=401) as (url, got):
        G("PUT", "/api/integrations/%d" % iid, json_body={"deactivated_datetime": None, "http": {"url": url}})
        assert [d["status"] for d in fg.agent_reply(ACCT, t["id"], ana["id"], "x")["deliveries"]] == [401]
    with pytest.raises(AdminError) as e:
        fg.agent_reply(ACCT, 999999, ana["id"], "x")
    assert e.value.status == 404


def test_g_integration_delivery_twice_reversed_async(fg, G):
    ana = agent(fg)
    with hook_server() as (url, got):
        G("POST", "/api/integrations", json_body=integration_body(url))
        t = sms_ticket(G)
        fg.set(integration_delivery="twice")
        out = fg.agent_reply(ACCT, t["id"], ana["id"], "one")
        assert [d["copy"] for d in out["deliveries"]] == [1, 2]
        assert [g["json"]["message_id"] for g in got] == [str(out["message"]["id"])] * 2
        del got[:]
        fg.set(integration_delivery="reversed")
        out = fg.agent_replies(ACCT, [{"ticket_id": t["id"], "user_id": ana["id"], "body_text": "first"},
                                      {"ticket_id": t["id"], "user_id": ana["id"], "body_text": "second"}])
        ids = [str(m["id"]) for m in out["messages"]]
        assert [g["json"]["message_id"] for g in got] == ids[::-1]
        del got[:]
        fg.set(integration_delivery="once", integration_async=True)
        out = fg.agent_reply(ACCT, t["id"], ana["id"], "later")
        assert out["deliveries"] == [] and out["queued"] == 1
        wait_for(lambda: got)
        assert got[0]["json"]["message_id"] == str(out["message"]["id"])
        # messages created through the API call the integration too (asynchronously)
        del got[:]
        r = G("POST", "/api/tickets/%d/messages" % t["id"], json_body={
            "channel": "sms", "via": "api", "from_agent": False, "body_text": "thanks",
            "sender": {"id": t["customer"]["id"]},
            "source": {"type": "sms", "from": {"address": CUSTOMER}, "to": [{"address": LINE}]},
            "sent_datetime": "2025-06-01T10:05:00Z"})
        assert r.status == 201, r
        wait_for(lambda: got)
        assert got[0]["json"]["message_id"] == str(r.json["id"])
    with pytest.raises(AdminError):
        fg.set(integration_delivery="sometimes")


def test_g_message_update_sent_and_failed(fg, G):
    ana = agent(fg)
    t = sms_ticket(G)
    m = fg.agent_reply(ACCT, t["id"], ana["id"], "hello")["message"]
    path = "/api/tickets/%d/messages/%d" % (t["id"], m["id"])
    r = G("PUT", path, json_body={"sent_datetime": "2025-06-01T10:00:00+00:00"})
    assert r.status == 202 and r.json["sent_datetime"].startswith("2025-06-01T10:00:00")
    r = G("PUT", path, json_body={"failed_datetime": "2025-06-01T10:01:00Z",
                                  "last_sending_error": "The recipient has opted out"})
    assert r.status == 202 and r.json["failed_datetime"] and \
        r.json["last_sending_error"] == "The recipient has opted out"
    assert G("GET", path).json["last_sending_error"] == "The recipient has opted out"
    for body, field in (({"sent_datetime": "yesterday"}, "sent_datetime"),
                        ({"body_text": "edited"}, "body_text"),
                        ({"delivered": True}, "delivered"),
                        ({"last_sending_error": 42}, "last_sending_error")):
        r = G("PUT", path, json_body=body)
        assert r.status == 400 and field in r.json["error"]["data"], (body, r)
    assert G("PUT", "/api/tickets/%d/messages/1" % t["id"], json_body={"sent_datetime": None}).status == 404
    ro = fg.mint_token(ACCT, scope="tickets:read")["access_token"]
    assert G("PUT", path, bearer=ro, json_body={"sent_datetime": None}).status == 403
    fg.set(message_update="refuse")
    r = G("PUT", path, json_body={"sent_datetime": None})
    assert r.status == 405 and r.h("Allow") == "GET"


# ================================================================== Aircall

@pytest.fixture
def line(fa):
    n = fa.add_number(1, LINE, name="Support line", digits=ev.spaced(LINE))
    fa.add_user(1, "ana@acme.test", name="Ana Agent", id=101)
    return n


def test_a_native_send_validates_records_and_echoes(fa, A, line):
    with hook_server() as (url, got):
        w = A("POST", "/v1/webhooks", json_body={"url": url + "/webhooks/aircall",
                                                 "events": ["message.sent", "message.status_updated"]}).json["webhook"]
        A("POST", "/v1/webhooks", json_body={"url": url + "/calls-only", "events": ["call.created"]})
        send = "/v1/numbers/%d/messages/native/send" % line["id"]
        r = A("POST", send, json_body={"to": CUSTOMER, "body": "Your parcel left today.", "user_id": 101})
        assert r.status == 201, r
        m = r.json
        assert isinstance(m["id"], str) and m["direction"] == "outbound" and m["body"] == "Your parcel left today."
        assert m["status"] == "pending" and m["raw_digits"] == ev.spaced(CUSTOMER) and m["number"]["id"] == line["id"]
        # then message.sent with the same id, to the webhooks that subscribe to it only
        [hit] = wait_for(lambda: got)
        e = hit["json"]
        assert hit["path"] == "/webhooks/aircall" and e["event"] == "message.sent" and e["token"] == w["token"]
        assert e["data"]["id"] == m["id"] and e["data"]["status"] == "sent" and e["data"]["direction"] == "outbound"
        assert e["data"]["external_number"] == ev.spaced(CUSTOMER) and e["data"]["number"]["e164_digits"] == LINE
        [rec] = fa.sent_messages(1)
        assert (rec["id"], rec["to"], rec["user_id"], rec["status"]) == (m["id"], CUSTOMER, 101, 201)
        assert [(d["event"], d["status"]) for d in fa.webhook_deliveries(1)] == [("message.sent", 200)]
        assert len(fa.requests(1, path_prefix="/v1/numbers")) == 1             # what bench counts
        # a later failed delivery status, same id
        fa.message_status(1, m["id"], "failed")
        assert got[-1]["json"]["event"] == "message.status_updated"
        assert got[-1]["json"]["data"]["id"] == m["id"] and got[-1]["json"]["data"]["status"] == "failed"
        # refusals: nothing recorded as sent, nothing emitted
        cases = [({"to": "0666444555", "body": "x"}, 400),
                 ({"to": "+34 666 44 45 55", "body": "x"}, 400),
                 ({"to": CUSTOMER, "body": "  "}, 400),
                 ({"to": CUSTOMER}, 400),
                 ({"to": CUSTOMER, "body": "x" * 1601}, 422),
                 ({"to": CUSTOMER, "body": "x", "user_id": 999}, 400),
                 ({"to": CUSTOMER, "body": "x", "media_url": ["https://x.test/a.png"]}, 400)]
        for body, st in cases:
            r = A("POST", send, json_body=body)
            assert r.status == st and r.json["success"] is False and r.json["troubleshoot"], (body, r)
        assert A("POST", send, json_body={"to": CUSTOMER, "body": "x" * 1600}).status == 201
        assert A("POST", "/v1/numbers/999/messages/native/send", json_body={"to": CUSTOMER, "body": "x"}).status == 404
        fa.set(native_send_media="accept")
        r = A("POST", send, json_body={"to": CUSTOMER, "body": "pic", "media_url": ["https://x.test/a.png"]})
        assert r.status == 201 and r.json["media_url"] == ["https://x.test/a.png"]
        fa.set(native_send_refuse={"status": 422, "troubleshoot": "The recipient has opted out"})
        r = A("POST", send, json_body={"to": CUSTOMER, "body": "x"})
        assert r.status == 422 and r.json["troubleshoot"] == "The recipient has opted out"
        wait_for(lambda: len(fa.webhook_deliveries(1)) == 4)
        time.sleep(0.2)                     # nothing more arrives for the refused sends
        assert len(fa.webhook_deliveries(1)) == 4
        assert [x["id"] is not None for x in fa.sent_messages(1)] == [True] + [False] * 7 + [True, False, True, False]


def test_a_native_send_number_of_another_company_or_unselected(fa, A, line):
    fa.add_company(name="Other", api_id="api-id-2", api_token="api-token-2", id=2)
    other = fa.add_number(2, "+33176999999", name="Other line")
    assert A("POST", "/v1/numbers/%d/messages/native/send" % other["id"],
             json_body={"to": CUSTOMER, "body": "x"}).status == 404
    second = fa.add_number(1, "+33176111112", name="Sales")
    tok = fa.mint_token(1, number_ids=[line["id"]])["access_token"]
    assert A("POST", "/v1/numbers/%d/messages/native/send" % second["id"], bearer=tok,
             json_body={"to": CUSTOMER, "body": "x"}).status == 403
    assert A("POST", "/v1/numbers/%d/messages/native/send" % line["id"], bearer=tok,
             json_body={"to": CUSTOMER, "body": "x"}).status == 201


@pytest.mark.parametrize("when", ["before", "after", "off"])
def test_a_message_sent_echo_timing(fa, A, line, when):
    fa.set(message_sent_webhook=when)
    with hook_server() as (url, got):
        A("POST", "/v1/webhooks", json_body={"url": url, "events": ["message.sent"]})
        r = A("POST", "/v1/numbers/%d/messages/native/send" % line["id"], json_body={"to": CUSTOMER, "body": "x"})
        answered = time.monotonic()
        assert r.status == 201
        if when == "before":
            assert got and got[0]["time"] < answered          # the echo raced ahead of the answer
        elif when == "after":
            assert wait_for(lambda: got)[0]["json"]["data"]["id"] == r.json["id"]
        else:
            time.sleep(0.2)
            assert got == [] and fa.webhook_deliveries(1) == []
