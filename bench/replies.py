"""Requests per agent reply (two-way SMS): an agent answers in a Gorgias SMS ticket, the fake
Gorgias calls the bridge's HTTP integration, the bridge sends the SMS with Aircall's native
send, marks the Gorgias message sent, and recognises Aircall's message.sent echo. Counted
from both fakes' request logs (vendor API requests only; the fakes' admin and test-only
calls are not logged), each case measured until the echo is acknowledged and the inbox has
settled, so everything one reply causes is in its row."""

import time

import aircall_events as ev
import harness
from sandbox import ACCOUNT, AGENT_EMAIL

AIRCALL_AGENT_ID = 151
PHONE = "+34633000001"


def per_reply_budget(sb, settle):
    """-> [(label, gorgias_requests, aircall_requests, sms_sent)], or None when the
    installation has no Gorgias integration (the bridge does not send replies)."""
    fg, fa, cid = sb.fg, sb.fa, sb.company_id
    if not [i for i in fg.integrations(ACCOUNT) if not i["deactivated_datetime"]]:
        return None
    fa.add_user(cid, AGENT_EMAIL, name="Ana Agent", id=AIRCALL_AGENT_ID)
    seq = [0]

    def inbound(text="Hello?"):
        seq[0] += 1
        status, _ = sb.post(ev.message_received(token=sb.token, id="SMR%d" % seq[0], external=PHONE,
                                                body=text, created_at=time.time()))
        assert status == 200, status

    def sent_ids():
        return [m["id"] for m in fa.sent_messages(cid, accepted_only=True)]

    def quiet(before):
        """Every SMS sent since `before` echoed back and acknowledged, inbox settled."""
        time.sleep(1.2)                      # the ordering hold of messages
        settle()
        new = [i for i in sent_ids() if i not in before]
        harness.wait_until(lambda: {d["message_id"] for d in fa.webhook_deliveries(cid)
                                    if d["event"] == "message.sent" and d["status"]} >= set(new),
                           timeout=30, message="bench: message.sent echo not acknowledged")
        settle()
        return new

    def measure(label, action):
        g0, a0, before = fg.last_seq(), fa.last_seq(), sent_ids()
        action()
        new = quiet(before)
        g = len([r for r in fg.requests(ACCOUNT, since=g0) if "/api/" in r["path"]])
        a = len([r for r in fa.requests(cid, since=a0) if r["path"].startswith("/v1/")])
        rows.append((label, g, a, len(new)))

    rows = []
    inbound()
    quiet([])
    ticket = next(t for t in fg.tickets(ACCOUNT) if any(
        ((m.get("source") or {}).get("from") or {}).get("address") == PHONE for m in t["messages"]))

    def reply(text, **kw):
        return lambda: fg.agent_reply(ACCOUNT, ticket["id"], sb.agent_id, text, **kw)

    measure("(warm-up: first reply, cold caches)", reply("Hello, how can we help?"))
    measure("reply in an open conversation ({{message.id}} in the template)", reply("It left today."))
    fg.set(integration_message_vars=False)
    measure("reply, template without {{message.id}} (ticket's messages listed)", reply("Anything else?"))
    fg.set(integration_message_vars=True, integration_delivery="twice")
    measure("reply delivered twice by Gorgias", reply("Have a nice day."))
    fg.set(integration_delivery="once")
    measure("internal note (nothing sent)", reply("VIP customer", public=False))
    measure("inbound SMS, announced to the integration by Gorgias", inbound)
    fg.set(deliver_integrations=False)
    measure("inbound SMS, Gorgias not calling the integration (one-way cost)", inbound)
    fg.set(deliver_integrations=True)
    return rows
