#!/usr/bin/env python3
"""Fake Aircall Public API (multi-company) + OAuth + media host.

    python3 fake_aircall.py --port N [--host 127.0.0.1]

    http://127.0.0.1:N/v1/...            Public API (Basic api_id:api_token or Bearer)
    http://127.0.0.1:N/oauth/authorize   stands in for https://dashboard.aircall.io/oauth/authorize
    http://127.0.0.1:N/media/{name}      recordings / voicemails / MMS (pre-signed style, no auth)
    http://127.0.0.1:N/__admin/...       control plane (see README.md)

Behaviour follows /work/shared/reference/aircall-api.md (section numbers §n).
"""

import base64
import hashlib
import os
import re
import secrets
import sys
import time
import uuid
from urllib.parse import urlencode, unquote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aircall_events as ev  # noqa: E402
import fakecore as fc  # noqa: E402
from fakecore import HTTPError, Resp, Route, qget  # noqa: E402

CALL_EVENTS = ["call.created", "call.ringing_on_agent", "call.agent_declined", "call.answered",
               "call.transferred", "call.external_transferred", "call.unsuccessful_transfer",
               "call.hungup", "call.ended", "call.hold", "call.unhold", "call.ivr_option_selected",
               "call.comm_assets_generated", "call.voicemail_left", "call.assigned", "call.archived",
               "call.tagged", "call.untagged", "call.commented"]
OTHER_EVENTS = ["message.sent", "message.received", "message.status_updated",
                "group_message.sent", "group_message.received", "group_message.status_updated",
                "integration.deleted", "contact.created", "contact.updated", "contact.deleted",
                "number.created", "number.opened", "number.closed", "number.deleted",
                "user.created", "user.deleted", "user.connected", "user.disconnected", "user.opened",
                "user.closed", "user.wut_start", "user.wut_end",
                "user.created.v2", "user.deleted.v2", "user.connected.v2", "user.disconnected.v2",
                "user.opened.v2", "user.closed.v2", "user.wut_start.v2", "user.wut_end.v2",
                "transcription.created", "summary.created", "sentiment.created", "topics.created",
                "action_items.created"]
ALL_EVENTS = CALL_EVENTS + OTHER_EVENTS


E164_RE = re.compile(r"^\+[1-9][0-9]{6,14}$")
NATIVE_SEND_FIELDS = {"to", "body", "user_id"}


def aerr(status, error, troubleshoot, headers=None, **extra):
    body = {"error": error, "troubleshoot": troubleshoot, "success": False}
    body.update(extra)
    return HTTPError(Resp(status, body, headers=headers))


def not_found(what="Resource"):
    return aerr(404, "Not Found", "%s not found." % what)


def bad(troubleshoot):
    return aerr(400, "Bad Request", troubleshoot)


class AircallApp(fc.BaseApp):
    NAME = "fake_aircall"
    DEFAULT_SETTINGS = {
        "auth_failure_status": 403,          # §9.4 "403 (bad key/token)"; 401 also in S2's status map
        "rate_limit": 120,                   # §10: 120/min per company (60 in older docs)
        "rate_window": 60.0,
        "rate_mode": "fixed",                # fixed|sliding|leaky
        "rate_headers": "always",            # always|on_limit|never (UNCONFIRMED, §10)
        "retry_after_header": False,         # add Retry-After on 429 (UNCONFIRMED)
        "per_page_default": 20,
        "per_page_max": 50,
        "per_page_over_max": "clamp",        # clamp|reject
        "max_items": 10000,                  # page*per_page above this -> 400 (§3)
        "contact_search_mode": "digits",     # digits|exact (UNCONFIRMED §5)
        "insight_card_status": 201,          # success status (UNCONFIRMED §6)
        "insight_card_ended_status": 400,    # status for cards on ended calls (UNCONFIRMED)
        "insight_unknown_call": "404",       # 404|accept
        "insight_allow_user_block": False,   # accept {"type":"user"} blocks
        "insight_max_blocks": None,
        "webhook_require_https": False,      # real Aircall: HTTPS only
        "webhook_max": 100,                  # §1.5
        "oauth_code_ttl": 600,
        "oauth_token_form": True,            # also accept form-encoded /v1/oauth/token
        "link_base": None,                   # base for direct_link / page links (None = this server)
        # --- messages (§2.2, §4) ---
        "native_send_status": 201,           # success status of native send (UNCONFIRMED)
        "native_send_max_body": 1600,        # longer bodies -> 422
        "native_send_media": "refuse",       # refuse|accept media_url on native send (§4 lists it for proxy send only)
        "native_send_refuse": None,          # null | status | {"status", "troubleshoot"}: every send refused
        "message_sent_webhook": "after",     # after|before (the echo races the answer)|off
        "webhook_timeout": 5.0,
    }

    def __init__(self, **kw):
        fc.BaseApp.__init__(self, **kw)
        self._init_api_routes()
        self._init_admin_routes()

    def reset_state(self):
        self.companies = {}
        self.clients = {}
        self.codes = {}
        self.tokens = {}
        self.integrations = {}
        self.media = {}
        self.consent = {"company_id": None, "mode": "allow", "number_ids": None, "user_id": None}
        self.ids = {"company": 1, "user": 100, "number": 2000, "contact": 30000, "integration": 40,
                    "webhook": 26000, "phone": 500000, "email": 600000, "team": 70}

    def next_id(self, kind):
        v = self.ids[kind]
        self.ids[kind] = v + 1
        return v

    @property
    def link(self):
        return self.settings.get("link_base") or self.base_url

    def company(self, cid):
        c = self.companies.get(int(cid)) if str(cid).isdigit() else None
        if c is None:
            raise HTTPError(Resp(404, {"error": "no such company %r" % cid}))
        return c

    # --------------------------------------------------------- rendering
    def r_user(self, u):
        return {"id": u["id"], "direct_link": "%s/v1/users/%d" % (self.link, u["id"]), "name": u["name"],
                "email": u["email"], "available": u.get("available", True),
                "availability_status": u.get("availability_status", "available"),
                "created_at": fc.iso_utc(u["created"], "z"), "time_zone": u.get("time_zone", "Etc/UTC"),
                "language": u.get("language", "en-US")}

    def r_number(self, c, n, full=False):
        d = {"id": n["id"], "direct_link": "%s/v1/numbers/%d" % (self.link, n["id"]), "name": n["name"],
             "digits": n["digits"], "created_at": fc.iso_utc(n["created"], "z"), "country": n["country"],
             "time_zone": n["time_zone"], "open": n.get("open", True),
             "availability_status": n.get("availability_status", "open"), "is_ivr": n.get("is_ivr", False),
             "live_recording_activated": n.get("live_recording_activated", False),
             "priority": n.get("priority"),
             "messages": n.get("messages") or {k: None for k in (
                 "welcome", "waiting", "ringing_tone", "unanswered_call", "after_hours", "ivr",
                 "voicemail", "closed", "callback_later")}}
        if full:
            d["users"] = [self.r_user(c["users"][u]) for u in n.get("user_ids", []) if u in c["users"]]
        return d

    def r_contact(self, ct):
        return {"id": ct["id"], "direct_link": "%s/v1/contacts/%d" % (self.link, ct["id"]),
                "first_name": ct.get("first_name"), "last_name": ct.get("last_name"),
                "company_name": ct.get("company_name"), "description": ct.get("description"),
                "information": ct.get("information"), "is_shared": True,
                "created_at": int(ct["created"]), "updated_at": int(ct["updated"]),
                "emails": ct["emails"], "phone_numbers": ct["phone_numbers"]}

    def r_webhook(self, w):
        return {"webhook_id": w["webhook_id"], "direct_link": "%s/v1/webhooks/%d" % (self.link, w["numeric_id"]),
                "created_at": fc.iso_utc(w["created"], "z"), "custom_name": w["custom_name"], "url": w["url"],
                "active": w["active"], "events": list(w["events"]), "token": w["token"]}

    def r_integration(self, i):
        c = self.companies.get(i["company_id"]) or {"users": {}}
        u = c["users"].get(i.get("user_id"))
        return {"name": i["name"], "custom_name": i.get("custom_name"), "logo": i.get("logo"),
                "company_id": i["company_id"], "status": i["status"], "active": i["active"],
                "number_ids": list(i["number_ids"]), "numbers_count": len(i["number_ids"]),
                "user": self.r_user(u) if u else None}

    # -------------------------------------------------------- pipeline
    def classify(self, req):
        p = req.path
        req.route_path = p
        if p.startswith("/v1/") or p.startswith("/v2/"):
            if p != "/v1/oauth/token":
                req.key = self._soft_company(req)
        return self.api_routes, p

    def _soft_company(self, req):
        """Map the credentials to a company id without failing (for stats/faults)."""
        h = req.header("Authorization") or ""
        scheme, _, cred = h.strip().partition(" ")
        with self.lock:
            if scheme.lower() == "basic":
                try:
                    api_id, _, tok = base64.b64decode(cred).decode().partition(":")
                except Exception:
                    return None
                for c in self.companies.values():
                    if api_id in c["api_keys"]:
                        return c["id"]
            elif scheme.lower() == "bearer":
                t = self.tokens.get(cred.strip())
                if t:
                    return t["company_id"]
        return None

    def counts_for_stats(self, req, route):
        return req.key is not None

    def error_body(self, status, message):
        names = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                 405: "Method Not Allowed", 422: "Unprocessable Entity", 429: "Too Many Requests",
                 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
        return {"error": names.get(status, "Error"), "troubleshoot": message, "success": False}

    def window_for(self, key):
        return float(self.settings["rate_window"])

    def _auth(self, req):
        st = int(self.settings["auth_failure_status"])
        fail = lambda: aerr(st, "Forbidden" if st == 403 else "Unauthorized",  # noqa: E731
                            "Invalid API key or Bearer access token")
        h = req.header("Authorization")
        if not h:
            req.auth_info = {"scheme": None, "valid": False}
            raise fail()
        scheme, _, cred = h.strip().partition(" ")
        cred = cred.strip()
        if scheme.lower() == "basic":
            try:
                api_id, _, tok = base64.b64decode(cred).decode().partition(":")
            except Exception:
                api_id, tok = None, None
            req.auth_info = {"scheme": "basic", "username": api_id, "valid": False}
            for c in self.companies.values():
                if api_id in c["api_keys"] and secrets.compare_digest(c["api_keys"][api_id], tok or ""):
                    req.auth_info["valid"] = True
                    req.auth_info["company_id"] = c["id"]
                    return {"kind": "basic", "company": c, "integration": None}
            raise fail()
        if scheme.lower() == "bearer":
            t = self.tokens.get(cred)
            req.auth_info = {"scheme": "bearer", "valid": False,
                             "integration_id": t["integration_id"] if t else None}
            if t is None or t["revoked"]:
                raise fail()
            i = self.integrations.get(t["integration_id"])
            c = self.companies.get(t["company_id"])
            if i is None or c is None or i["status"] == "uninstalled":
                raise fail()
            req.auth_info.update(valid=True, company_id=c["id"])
            return {"kind": "bearer", "company": c, "integration": i}
        req.auth_info = {"scheme": scheme.lower(), "valid": False}
        raise fail()

    def pre_dispatch(self, req, route, params):
        if route.opts.get("noauth"):
            return {}
        ctx = self._auth(req)
        c = ctx["company"]
        req.key = c["id"]
        lim, win, mode = int(self.settings["rate_limit"]), float(self.settings["rate_window"]), self.settings["rate_mode"]
        ok, used, retry, reset_at = self.limiter.hit(c["id"], lim, win, mode, time.monotonic())
        if not ok:
            h = {}
            if self.settings["retry_after_header"]:
                h["Retry-After"] = str(retry)
            raise aerr(429, "Too Many Requests",
                       "Rate limit of %d requests per %g seconds per company reached." % (lim, win), headers=h)
        self.wstats.record(c["id"], time.monotonic(), accepted=True)
        return ctx

    def decorate(self, req, resp):
        mode = self.settings["rate_headers"]
        if mode == "never" or (mode == "on_limit" and resp.status != 429):
            return
        if req.key not in self.companies:
            return
        lim, win, rmode = int(self.settings["rate_limit"]), float(self.settings["rate_window"]), self.settings["rate_mode"]
        used, retry, reset_at = self.limiter.peek(req.key, lim, win, rmode, time.monotonic())
        reset_epoch = int(time.time() + (reset_at - time.monotonic()) + 0.999)
        resp.headers.setdefault("X-AircallApi-Limit", str(lim))
        resp.headers.setdefault("X-AircallApi-Remaining", str(max(0, lim - used)))
        resp.headers.setdefault("X-AircallApi-Reset", str(reset_epoch))

    # -------------------------------------------------------- helpers
    def pagination(self, req, items, key, path):
        """Page-based pagination (§10): meta {count,total,current_page,per_page,next_page_link,previous_page_link}."""
        try:
            page = int(qget(req.query, "page", "1"))
            per_page = int(qget(req.query, "per_page", str(self.settings["per_page_default"])))
        except ValueError:
            raise bad("page and per_page must be integers")
        mx = int(self.settings["per_page_max"])
        if page < 1 or per_page < 1:
            raise bad("page and per_page must be positive")
        if per_page > mx:
            if self.settings["per_page_over_max"] == "reject":
                raise bad("per_page must be between 1 and %d" % mx)
            per_page = mx
        if page * per_page > int(self.settings["max_items"]):
            raise bad("Pagination is limited to %d items; narrow your search" % self.settings["max_items"])
        order = (qget(req.query, "order", "asc") or "asc").lower()
        if order not in ("asc", "desc"):
            raise bad("order must be asc or desc")
        items = sorted(items, key=lambda x: x["id"], reverse=(order == "desc"))
        total = len(items)
        chunk = items[(page - 1) * per_page: page * per_page]
        q = {k: v[0] for k, v in req.query.items() if k not in ("page", "per_page")}

        def link(p):
            return "%s%s?%s" % (self.link, path, urlencode(dict(q, page=p, per_page=per_page)))
        meta = {"count": len(chunk), "total": total, "current_page": page, "per_page": per_page,
                "next_page_link": link(page + 1) if page * per_page < total else None,
                "previous_page_link": link(page - 1) if page > 1 else None}
        return {key: chunk, "meta": meta}

    def body_obj(self, req):
        if not req.body:
            return {}
        j = req.json()
        if not isinstance(j, dict):
            if req.content_type == "application/x-www-form-urlencoded":
                return req.form()
            raise bad("Body must be a JSON object")
        return j

    # -------------------------------------------------------- API routes
    def _init_api_routes(self):
        R = self.api_routes
        add = lambda m, p, f, **o: R.append(Route(m, p, f, **o))  # noqa: E731
        add("GET", r"/v1/ping", lambda req, ctx: {"ping": "pong"})
        add("GET", r"/v1/numbers", self.api_numbers)
        add("GET", r"/v1/numbers/(?P<nid>\d+)", self.api_number)
        add("GET", r"/v1/users", self.api_users)
        add("GET", r"/v1/users/(?P<uid>\d+)", self.api_user)
        add("GET", r"/v2/users/(?P<uid>[^/]+)", self.api_user)
        add("GET", r"/v1/contacts", self.api_contacts)
        add("GET", r"/v1/contacts/search", self.api_contacts_search)
        add("GET", r"/v1/contacts/(?P<ctid>\d+)", self.api_contact)
        add("GET", r"/v1/calls/(?P<call_id>\d+)", self.api_call)
        add("POST", r"/v1/calls/(?P<call_id>\d+)/insight_cards", self.api_insight_card)
        add("POST", r"/v1/numbers/(?P<nid>\d+)/messages/native/send", self.api_native_send, nolock=True)
        add("GET", r"/v1/webhooks", self.api_webhooks)
        add("POST", r"/v1/webhooks", self.api_webhook_create)
        add("GET PUT DELETE", r"/v1/webhooks/(?P<wid>[^/]+)", self.api_webhook_one)
        add("GET", r"/v1/integrations/me", self.api_integration_me)
        add("POST", r"/v1/integrations/(?P<action>enable|disable)", self.api_integration_toggle)
        add("POST", r"/v1/oauth/token", self.api_oauth_token, noauth=True)
        add("GET", r"/oauth/authorize", self.oauth_authorize, noauth=True)
        add("GET", r"/media/(?P<name>.+)", self.media_get, noauth=True, nolock=True, head=True)

    def api_numbers(self, req, ctx):
        c = ctx["company"]
        return self.pagination(req, [self.r_number(c, n) for n in c["numbers"].values()], "numbers", "/v1/numbers")

    def api_number(self, req, ctx, nid):
        c = ctx["company"]
        n = c["numbers"].get(int(nid))
        if n is None:
            raise not_found("Number")
        return {"number": self.r_number(c, n, full=True)}

    def api_users(self, req, ctx):
        c = ctx["company"]
        return self.pagination(req, [self.r_user(u) for u in c["users"].values()], "users", "/v1/users")

    def api_user(self, req, ctx, uid):
        c = ctx["company"]
        u = None
        if uid.isdigit():
            u = c["users"].get(int(uid))
        else:
            em = unquote(uid).lower()
            u = next((x for x in c["users"].values() if x["email"].lower() == em), None)
        if u is None:
            raise not_found("User")
        return {"user": self.r_user(u)}

    def api_contacts(self, req, ctx):
        c = ctx["company"]
        return self.pagination(req, [self.r_contact(x) for x in c["contacts"].values()], "contacts", "/v1/contacts")

    def api_contacts_search(self, req, ctx):
        c = ctx["company"]
        phone = qget(req.query, "phone_number")
        email = qget(req.query, "email")
        mode = self.settings["contact_search_mode"]
        res = list(c["contacts"].values())
        if phone is not None:
            def pm(v):
                if mode == "exact":
                    return v == phone
                d = fc.digits_only(phone)
                return bool(d) and fc.digits_only(v) == d
            res = [x for x in res if any(pm(p["value"]) for p in x["phone_numbers"])]
        if email is not None:
            res = [x for x in res if any(e["value"].lower() == email.lower() for e in x["emails"])]
        return self.pagination(req, [self.r_contact(x) for x in res], "contacts", "/v1/contacts/search")

    def api_contact(self, req, ctx, ctid):
        c = ctx["company"]
        x = c["contacts"].get(int(ctid))
        if x is None:
            raise not_found("Contact")
        return {"contact": self.r_contact(x)}

    def api_call(self, req, ctx, call_id):
        c = ctx["company"]
        call = c["calls"].get(int(call_id))
        if call is None:
            raise not_found("Call")
        call = dict(call)
        # A§3: ivr_options_selected only with fetch_call_timeline=true.
        if qget(req.query, "fetch_call_timeline") != "true":
            call.pop("ivr_options_selected", None)
        return {"call": call}

    def _validate_cards(self, body):
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            return "contents must be a non-empty array"
        mx = self.settings.get("insight_max_blocks")
        if mx and len(contents) > int(mx):
            return "contents has more than %s blocks" % mx
        allowed = {"title", "shortText"} | ({"user"} if self.settings["insight_allow_user_block"] else set())
        for i, b in enumerate(contents):
            if not isinstance(b, dict):
                return "contents[%d] must be an object" % i
            t = b.get("type")
            if t not in allowed:
                return "contents[%d].type must be one of %s" % (i, sorted(allowed))
            if t == "title" and (not isinstance(b.get("text"), str) or not b["text"]):
                return "contents[%d].text is required for title" % i
            if t == "shortText":
                if not isinstance(b.get("label"), str) or not b["label"]:
                    return "contents[%d].label is required for shortText" % i
                if not isinstance(b.get("text"), str):
                    return "contents[%d].text is required for shortText" % i
            if t == "user" and not isinstance(b.get("user_id"), int):
                return "contents[%d].user_id is required for user" % i
            if "link" in b and b["link"] is not None and (
                    not isinstance(b["link"], str) or not re.match(r"^https?://", b["link"])):
                return "contents[%d].link must be an http(s) URL" % i
        return None

    def api_insight_card(self, req, ctx, call_id):
        c = ctx["company"]
        call_id = int(call_id)
        body = self.body_obj(req)
        rec = {"call_id": call_id, "company_id": c["id"], "contents": body.get("contents"),
               "body": body, "time": time.time(), "auth": ctx["kind"],
               "integration_id": ctx["integration"]["id"] if ctx["integration"] else None,
               "status": None, "accepted": False, "error": None}
        c["insight_cards"].append(rec)
        call = c["calls"].get(call_id)
        if call is None and self.settings["insight_unknown_call"] == "404":
            rec["status"] = 404
            rec["error"] = "unknown call"
            raise not_found("Call")
        problem = self._validate_cards(body)
        if problem:
            rec["status"] = 400
            rec["error"] = problem
            raise bad(problem)
        if call is not None and (call.get("status") == "done" or call.get("ended_at")):
            st = int(self.settings["insight_card_ended_status"])
            if st >= 300:
                rec["status"] = st
                rec["error"] = "call ended"
                raise aerr(st, self.error_body(st, "")["error"], "The call is already ended.")
        rec["status"] = int(self.settings["insight_card_status"])
        rec["accepted"] = True
        return Resp(rec["status"], None)

    # messages: native send (§4) and the webhooks Aircall then emits (§2.2)
    def _send_problem(self, c, ctx, nid, body):
        """-> (status, troubleshoot) for a send Aircall would refuse, else None."""
        n = c["numbers"].get(int(nid))
        if n is None:
            return 404, "Number not found."
        i = ctx["integration"]
        if i is not None and n["id"] not in i["number_ids"]:
            return 403, "This number is not available to the integration."
        if not isinstance(body, dict):
            return 400, "Body must be a JSON object"
        allowed = NATIVE_SEND_FIELDS | ({"media_url"} if self.settings["native_send_media"] == "accept" else set())
        unknown = sorted(k for k in body if k not in allowed)
        if unknown:
            return 400, "Unknown parameter(s): %s" % ", ".join(unknown)
        to = body.get("to")
        if not isinstance(to, str) or not E164_RE.match(to):
            return 400, "to must be a phone number in E.164 format"
        text = body.get("body")
        if not isinstance(text, str) or not text.strip():
            return 400, "body is required"
        if len(text) > int(self.settings["native_send_max_body"]):
            return 422, "body is longer than %s characters" % self.settings["native_send_max_body"]
        uid = body.get("user_id")
        if uid is not None and (not isinstance(uid, int) or isinstance(uid, bool) or uid not in c["users"]):
            return 400, "user_id does not name a user of the company"
        media = body.get("media_url")
        if media is not None and (not isinstance(media, list) or not all(
                isinstance(u, str) and re.match(r"^https?://", u) for u in media)):
            return 400, "media_url must be an array of http(s) URLs"
        if not n.get("sms_capable", True):
            return 422, "This number cannot send messages."
        ref = self.settings["native_send_refuse"]
        if ref:
            st = ref.get("status", 422) if isinstance(ref, dict) else int(ref)
            tr = ref.get("troubleshoot") if isinstance(ref, dict) else None
            return int(st), tr or "The message could not be sent."
        return None

    def _contact_for(self, c, e164):
        d = fc.digits_only(e164)
        for x in c["contacts"].values():
            if any(fc.digits_only(p["value"]) == d for p in x["phone_numbers"]):
                return self.r_contact(x)
        return None

    def _message_data(self, c, rec, status, webhook):
        n = c["numbers"][rec["number_id"]]
        num = ev.number(id=n["id"], name=n["name"], e164=n["e164_digits"], digits=n["digits"],
                        country=n["country"], time_zone=n["time_zone"])
        d = ev.message(id=rec["id"], direction="outbound", external=rec["to"], body=rec["body"],
                       number=num, contact=rec["contact"], created_at=rec["created"], status=status)
        d["direct_link"] = "%s/v1/numbers/%d/messages/%s" % (self.link, n["id"], rec["id"])
        if not webhook:             # §4: external_number is a webhook field; answers carry raw_digits
            d.pop("external_number", None)
            d["raw_digits"] = ev.spaced(rec["to"])
            d["media_url"] = list(rec["media_url"] or [])
        return d

    def api_native_send(self, req, ctx, nid):
        """POST /v1/numbers/:id/messages/native/send {to, body, user_id?} -> the bare message;
        then message.sent to the company's webhooks, with the same id (§2.2, §4)."""
        body = req.json() if req.body else None
        with self.lock:
            c = ctx["company"]
            rec = {"seq": len(c["messages"]) + 1, "number_id": int(nid), "request": body,
                   "auth": ctx["kind"], "integration_id": ctx["integration"]["id"] if ctx["integration"] else None,
                   "time": time.time(), "status": None, "error": None, "id": None}
            c["messages"].append(rec)
            problem = self._send_problem(c, ctx, nid, body)
            if problem:
                rec["status"], rec["error"] = problem
                raise aerr(problem[0], self.error_body(problem[0], "")["error"], problem[1])
            rec.update(id="SM" + secrets.token_hex(16), to=body["to"], body=body["body"],
                       user_id=body.get("user_id"), media_url=body.get("media_url"),
                       created=time.time(), contact=self._contact_for(c, body["to"]),
                       status=int(self.settings["native_send_status"]), delivery="sent")
            answer = self._message_data(c, rec, "pending", webhook=False)
            echo = self._message_data(c, rec, "sent", webhook=True)
            when = self.settings["message_sent_webhook"]
        emit = lambda: self.emit(c["id"], "message.sent", echo)  # noqa: E731
        if when == "before":
            emit()
        resp = Resp(rec["status"], answer)
        if when == "after":
            resp.after = emit
        return resp

    def emit(self, cid, event, data):
        """POST the event to every active webhook of the company that subscribes
        to it, as Aircall does; logged in the company's webhook_deliveries.
        Called without the lock.  -> the delivery records."""
        with self.lock:
            c = self.companies.get(cid)
            if c is None:
                return []
            targets = [(w["webhook_id"], w["url"], w["token"]) for w in c["webhooks"].values()
                       if w["active"] and event in w["events"]]
            timeout = float(self.settings["webhook_timeout"])
        out = []
        for wid, url, token in targets:
            body = ev.envelope(event, data, token=token)
            rec = {"event": event, "webhook_id": wid, "url": url, "message_id": data.get("id"),
                   "time": time.time()}
            rec.update(fc.call_out(url, body, timeout=timeout))
            with self.lock:
                c["webhook_deliveries"].append(rec)
            out.append(rec)
        return out

    # webhooks (§1, §9.4)
    def _visible(self, ctx, w):
        owner = ctx["integration"]["id"] if ctx["integration"] else None
        return w["owner"] == owner

    def _find_webhook(self, ctx, wid):
        c = ctx["company"]
        for w in c["webhooks"].values():
            if (w["webhook_id"] == wid or str(w["numeric_id"]) == wid) and self._visible(ctx, w):
                return w
        raise not_found("Webhook")

    def _check_events(self, events):
        if events is None:
            return None
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            raise bad("events must be an array of strings")
        unknown = [e for e in events if e not in ALL_EVENTS]
        if unknown:
            raise bad("Invalid events: %s" % ", ".join(unknown))
        return events

    def _check_url(self, url):
        if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url):
            raise bad("url is missing or invalid")
        if self.settings["webhook_require_https"] and not url.startswith("https://"):
            raise bad("url must use HTTPS")

    def api_webhooks(self, req, ctx):
        c = ctx["company"]
        ws = [dict(self.r_webhook(w), id=w["numeric_id"]) for w in c["webhooks"].values() if self._visible(ctx, w)]
        out = self.pagination(req, ws, "webhooks", "/v1/webhooks")
        for w in out["webhooks"]:
            w.pop("id", None)
        return out

    def api_webhook_create(self, req, ctx):
        c = ctx["company"]
        body = self.body_obj(req)
        self._check_url(body.get("url"))
        events = self._check_events(body.get("events"))
        if not events:
            events = list(ALL_EVENTS)
        if len(c["webhooks"]) >= int(self.settings["webhook_max"]):
            raise bad("Limit of %s webhooks per account reached" % self.settings["webhook_max"])
        w = {"webhook_id": str(uuid.uuid4()), "numeric_id": self.next_id("webhook"),
             "created": time.time(), "custom_name": body.get("custom_name") or "Webhook",
             "url": body["url"], "active": True, "events": events, "token": secrets.token_hex(16),
             "owner": ctx["integration"]["id"] if ctx["integration"] else None}
        c["webhooks"][w["webhook_id"]] = w
        return Resp(201, {"webhook": self.r_webhook(w)})

    def api_webhook_one(self, req, ctx, wid):
        w = self._find_webhook(ctx, wid)
        if req.method == "GET":
            return {"webhook": self.r_webhook(w)}
        if req.method == "DELETE":
            del ctx["company"]["webhooks"][w["webhook_id"]]
            return Resp(204)
        body = self.body_obj(req)
        if "url" in body:
            self._check_url(body["url"])
            w["url"] = body["url"]
        if "custom_name" in body:
            w["custom_name"] = body["custom_name"]
        if "active" in body:
            if not isinstance(body["active"], bool):
                raise bad("active must be a boolean")
            w["active"] = body["active"]
        if "events" in body:
            ev = self._check_events(body["events"]) or []
            action = qget(req.query, "events_action")
            if action == "add":
                w["events"] = w["events"] + [e for e in ev if e not in w["events"]]
            elif action == "remove":
                w["events"] = [e for e in w["events"] if e not in ev]
            elif action is None:
                w["events"] = ev or list(ALL_EVENTS)
            else:
                raise bad("events_action must be add or remove")
        return {"webhook": self.r_webhook(w)}

    # integrations (§9.5)
    def api_integration_me(self, req, ctx):
        i = ctx["integration"]
        if i is None:
            raise aerr(403, "Forbidden", "This endpoint requires an OAuth access token.")
        return {"integration": self.r_integration(i)}

    def api_integration_toggle(self, req, ctx, action):
        i = ctx["integration"]
        if i is None:
            raise aerr(403, "Forbidden", "This endpoint requires an OAuth access token.")
        i["active"] = action == "enable"
        i["status"] = "installed" if i["active"] else "disabled"
        return {"integration": self.r_integration(i)}

    # OAuth (§9)
    def oauth_authorize(self, req, ctx):
        q = {k: v[0] for k, v in req.query.items()}
        client = self.clients.get(q.get("client_id"))
        if client is None:
            return Resp(400, "<html><body>Invalid client_id</body></html>", content_type="text/html")
        ru = q.get("redirect_uri")
        if not ru or (client["redirect_uris"] and ru not in client["redirect_uris"]):
            return Resp(400, "<html><body>The redirect uri included is not valid.</body></html>",
                        content_type="text/html")

        def redirect(params):
            if q.get("state") is not None:
                params["state"] = q["state"]
            sep = "&" if "?" in ru else "?"
            return Resp(302, None, headers={"Location": ru + sep + urlencode(params)})
        if q.get("response_type") != "code":
            return redirect({"error": "unsupported_response_type"})
        if q.get("scope") != "public_api":
            return redirect({"error": "invalid_scope"})
        cons = self.consent
        if cons["mode"] == "deny":
            return redirect({"error": "access_denied",
                             "error_description": "The resource owner or authorization server denied the request."})
        cid = cons["company_id"] or (min(self.companies) if self.companies else None)
        if cid is None or cid not in self.companies:
            return redirect({"error": "access_denied", "error_description": "No company logged in."})
        code = secrets.token_hex(20)
        self.codes[code] = {"client_id": client["client_id"], "redirect_uri": ru, "company_id": cid,
                            "number_ids": cons["number_ids"], "user_id": cons["user_id"],
                            "exp": time.time() + float(self.settings["oauth_code_ttl"]), "used": False}
        return redirect({"code": code})

    def api_oauth_token(self, req, ctx):
        if req.content_type == "application/json":
            body = req.json()
            if not isinstance(body, dict):
                return Resp(400, {"error": "invalid_request", "error_description": "Invalid JSON body."})
        elif self.settings["oauth_token_form"]:
            body = req.form()
        else:
            return Resp(400, {"error": "invalid_request", "error_description": "JSON body expected."})
        client = self.clients.get(body.get("client_id"))
        req.auth_info = {"scheme": "client", "client_id": body.get("client_id"), "valid": False}
        if client is None or not secrets.compare_digest(client["client_secret"], str(body.get("client_secret") or "")):
            return Resp(401, {"error": "invalid_client",
                              "error_description": "Client authentication failed due to unknown client, "
                                                   "no client authentication included, or unsupported "
                                                   "authentication method."})
        req.auth_info["valid"] = True
        if body.get("grant_type") != "authorization_code":
            return Resp(400, {"error": "unsupported_grant_type",
                              "error_description": "The authorization grant type is not supported."})
        code = self.codes.get(body.get("code") or "")
        if code is None or code["used"] or code["exp"] < time.time() or code["client_id"] != client["client_id"] \
                or code["redirect_uri"] != body.get("redirect_uri"):
            return Resp(400, {"error": "invalid_grant",
                              "error_description": "The provided authorization grant is invalid, expired, "
                                                   "revoked, does not match the redirection URI used in the "
                                                   "authorization request, or was issued to another client."})
        code["used"] = True
        c = self.companies[code["company_id"]]
        number_ids = code["number_ids"] if code["number_ids"] is not None else sorted(c["numbers"])
        i = self._new_integration(c, client["client_id"], number_ids, code["user_id"])
        tok = self._new_token(i)
        return {"access_token": tok, "token_type": "Bearer", "scope": "public_api",
                "created_at": int(time.time())}

    def _new_integration(self, c, client_id, number_ids, user_id=None):
        # one integration per (company, client): re-install reuses it
        for i in self.integrations.values():
            if i["company_id"] == c["id"] and i["client_id"] == client_id and i["status"] != "uninstalled":
                i["number_ids"] = list(number_ids)
                return i
        if user_id is None and c["users"]:
            user_id = min(c["users"])
        i = {"id": self.next_id("integration"), "company_id": c["id"], "client_id": client_id,
             "name": (self.clients.get(client_id) or {}).get("name", "Gorgias"), "custom_name": None,
             "logo": None, "status": "installed", "active": True, "number_ids": list(number_ids),
             "user_id": user_id, "created": time.time()}
        self.integrations[i["id"]] = i
        return i

    def _new_token(self, i):
        tok = secrets.token_hex(32)
        self.tokens[tok] = {"integration_id": i["id"], "company_id": i["company_id"],
                            "client_id": i["client_id"], "revoked": False, "created": time.time()}
        return tok

    # media (recordings, voicemails, MMS)
    def media_get(self, req, ctx, name):
        name = unquote(name)
        with self.lock:
            m = self.media.get(name)
            if m is not None:
                m["requests"] += 1
        if m is None:
            return Resp(404, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
                             "<Message>The specified key does not exist.</Message></Error>",
                        content_type="application/xml")
        if m.get("status"):
            return Resp(int(m["status"]), m.get("error_body") or "", content_type="text/plain")
        if m.get("expires_at") and time.time() > float(m["expires_at"]):
            return Resp(403, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>"
                             "<Message>Request has expired</Message></Error>", content_type="application/xml")
        size = m["size"]
        start, end = 0, size - 1
        status = 200
        headers = {"Accept-Ranges": "bytes", "ETag": '"%s"' % m["etag"],
                   "Last-Modified": "Mon, 02 Jun 2025 10:00:00 GMT"}
        rng = req.header("Range")
        if rng:
            mm = re.match(r"^bytes=(\d*)-(\d*)$", rng.strip())
            if not mm or (mm.group(1) == "" and mm.group(2) == ""):
                return Resp(416, "", headers={"Content-Range": "bytes */%d" % size})
            if mm.group(1) == "":
                n = int(mm.group(2))
                start, end = max(0, size - n), size - 1
            else:
                start = int(mm.group(1))
                end = int(mm.group(2)) if mm.group(2) else size - 1
                end = min(end, size - 1)
            if start > end or start >= size:
                return Resp(416, "", headers={"Content-Range": "bytes */%d" % size})
            status = 206
            headers["Content-Range"] = "bytes %d-%d/%d" % (start, end, size)
        length = end - start + 1
        data = m.get("data")
        bps = m.get("rate_bps")

        def gen():
            if data is not None:
                src = (data[p:min(p + (1 << 20), end + 1)] for p in range(start, end + 1, 1 << 20))
            else:
                src = fc.media_iter(m["seed"], start, length, chunk=(64 * 1024 if bps else 1 << 20))
            t0 = time.monotonic()
            sent = 0
            for chunk in src:
                yield chunk
                sent += len(chunk)
                if bps:
                    ahead = sent / float(bps) - (time.monotonic() - t0)
                    if ahead > 0:
                        time.sleep(ahead)
        return Resp(status, stream=gen(), length=length, content_type=m["content_type"], headers=headers)

    # ================================================================ admin
    def _init_admin_routes(self):
        A = self.admin_routes
        add = lambda m, p, f: A.append(Route(m, p, f))  # noqa: E731
        co = r"/__admin/companies/(?P<cid>\d+)"
        add("GET", r"/__admin/state", self.adm_state)
        add("GET", r"/__admin/companies", lambda req: {"companies": [self.adm_company_view(c) for c in self.companies.values()]})
        add("POST", r"/__admin/companies", self.adm_company_add)
        add("GET", co, lambda req, cid: self.adm_company_view(self.company(cid), full=True))
        add("POST", co + r"/api_keys", self.adm_api_key_add)
        add("GET", co + r"/users", lambda req, cid: {"users": [self.r_user(u) for u in self.company(cid)["users"].values()]})
        add("POST", co + r"/users", self.adm_user_add)
        add("GET", co + r"/numbers", lambda req, cid: {"numbers": [self.adm_number_view(n) for n in self.company(cid)["numbers"].values()]})
        add("POST", co + r"/numbers", self.adm_number_add)
        add("GET", co + r"/contacts", lambda req, cid: {"contacts": [self.r_contact(x) for x in self.company(cid)["contacts"].values()]})
        add("POST", co + r"/contacts", self.adm_contact_add)
        add("DELETE", co + r"/contacts/(?P<ctid>\d+)", self.adm_contact_delete)
        add("GET", co + r"/calls", lambda req, cid: {"calls": list(self.company(cid)["calls"].values())})
        add("POST", co + r"/calls", self.adm_call_add)
        add("GET", co + r"/calls/(?P<call_id>\d+)", self.adm_call_get)
        add("POST PUT PATCH", co + r"/calls/(?P<call_id>\d+)", self.adm_call_update)
        add("GET", co + r"/webhooks", lambda req, cid: {"webhooks": [self.adm_webhook_view(w) for w in self.company(cid)["webhooks"].values()]})
        add("GET", co + r"/insight_cards", self.adm_cards)
        add("GET", r"/__admin/insight_cards", self.adm_cards)
        add("GET", r"/__admin/webhooks", lambda req: {"webhooks": [self.adm_webhook_view(w) for c in self.companies.values() for w in c["webhooks"].values()]})
        add("POST", co + r"/tokens", self.adm_token_mint)
        add("GET", co + r"/messages", lambda req, cid: {"messages": self.company(cid)["messages"]})
        add("GET", co + r"/webhook_deliveries", lambda req, cid: {"deliveries": self.company(cid)["webhook_deliveries"]})
        A.append(Route("POST", co + r"/messages/(?P<mid>[A-Za-z0-9_-]+)/status", self.adm_message_status,
                       nolock=True))
        add("POST", r"/__admin/events", self.adm_ingest)
        add("GET", r"/__admin/oauth/clients", lambda req: {"clients": list(self.clients.values())})
        add("POST", r"/__admin/oauth/clients", self.adm_client_add)
        add("GET", r"/__admin/oauth/consent", lambda req: self.consent)
        add("POST", r"/__admin/oauth/consent", self.adm_consent)
        add("GET", r"/__admin/integrations", lambda req: {"integrations": [dict(self.r_integration(i), id=i["id"], client_id=i["client_id"]) for i in self.integrations.values()]})
        add("POST PUT PATCH", r"/__admin/integrations/(?P<iid>\d+)", self.adm_integration_update)
        add("DELETE", r"/__admin/integrations/(?P<iid>\d+)", self.adm_integration_delete)
        add("GET", r"/__admin/media", lambda req: {"media": [self.adm_media_view(m) for m in self.media.values()]})
        add("POST", r"/__admin/media", self.adm_media_add)
        add("DELETE", r"/__admin/media/(?P<name>.+)", self.adm_media_delete)

    def _body(self, req):
        b = req.json() if req.body else {}
        if not isinstance(b, dict):
            raise HTTPError(Resp(400, {"error": "JSON object expected"}))
        return b

    def adm_state(self, req):
        return {"settings": self.settings, "clients": list(self.clients.values()), "consent": self.consent,
                "companies": {str(c["id"]): self.adm_company_view(c, full=True) for c in self.companies.values()},
                "integrations": [dict(self.r_integration(i), id=i["id"], client_id=i["client_id"])
                                 for i in self.integrations.values()],
                "media": [self.adm_media_view(m) for m in self.media.values()], "faults": self.faults}

    def adm_company_view(self, c, full=False):
        d = {"id": c["id"], "name": c["name"], "api_ids": list(c["api_keys"])}
        if full:
            d.update({"users": [self.r_user(u) for u in c["users"].values()],
                      "numbers": [self.adm_number_view(n) for n in c["numbers"].values()],
                      "contacts": [self.r_contact(x) for x in c["contacts"].values()],
                      "calls": list(c["calls"].values()),
                      "webhooks": [self.adm_webhook_view(w) for w in c["webhooks"].values()],
                      "insight_cards": c["insight_cards"]})
        return d

    def adm_number_view(self, n):
        d = dict(n)
        d["created_at"] = fc.iso_utc(n["created"], "z")
        d.pop("created", None)
        return d

    def adm_webhook_view(self, w):
        d = self.r_webhook(w)
        d["owner_integration_id"] = w["owner"]
        d["numeric_id"] = w["numeric_id"]
        return d

    def adm_company_add(self, req):
        b = self._body(req)
        cid = b.get("id") or self.next_id("company")
        if cid in self.companies and not b.get("replace"):
            raise HTTPError(Resp(409, {"error": "company exists"}))
        c = {"id": int(cid), "name": b.get("name") or "Company %s" % cid, "api_keys": {}, "users": {},
             "numbers": {}, "contacts": {}, "teams": {}, "calls": {}, "webhooks": {}, "insight_cards": [],
             "messages": [], "webhook_deliveries": [], "created": time.time()}
        if b.get("api_id"):
            c["api_keys"][b["api_id"]] = b.get("api_token") or ""
        self.companies[c["id"]] = c
        return self.adm_company_view(c)

    def adm_api_key_add(self, req, cid):
        c = self.company(cid)
        b = self._body(req)
        if not b.get("api_id"):
            raise HTTPError(Resp(400, {"error": "api_id required"}))
        if b.get("delete"):
            c["api_keys"].pop(b["api_id"], None)
        else:
            c["api_keys"][b["api_id"]] = b.get("api_token") or ""
        return self.adm_company_view(c)

    def adm_user_add(self, req, cid):
        c = self.company(cid)
        b = self._body(req)
        if not b.get("email"):
            raise HTTPError(Resp(400, {"error": "email required"}))
        u = {"id": int(b.get("id") or self.next_id("user")), "email": b["email"],
             "name": b.get("name") or b["email"].split("@")[0].replace(".", " ").title(),
             "available": b.get("available", True),
             "availability_status": b.get("availability_status", "available"),
             "time_zone": b.get("time_zone", "Europe/Paris"), "language": b.get("language", "en-US"),
             "created": time.time()}
        c["users"][u["id"]] = u
        return self.r_user(u)

    def adm_number_add(self, req, cid):
        c = self.company(cid)
        b = self._body(req)
        e164 = b.get("e164") or b.get("e164_digits") or ("+" + fc.digits_only(b.get("digits") or ""))
        if len(e164) < 4:
            raise HTTPError(Resp(400, {"error": "e164 or digits required"}))
        n = {"id": int(b.get("id") or self.next_id("number")), "name": b.get("name") or "Line %s" % e164,
             "digits": b.get("digits") or e164, "e164_digits": e164, "country": b.get("country", "FR"),
             "time_zone": b.get("time_zone", "Europe/Paris"), "open": b.get("open", True),
             "availability_status": b.get("availability_status", "open"), "is_ivr": b.get("is_ivr", False),
             "live_recording_activated": b.get("live_recording_activated", False),
             "priority": b.get("priority"), "messages": b.get("messages"),
             "user_ids": list(b.get("user_ids") or []), "sms_capable": b.get("sms_capable", True),
             "created": time.time()}
        c["numbers"][n["id"]] = n
        return self.adm_number_view(n)

    def adm_contact_add(self, req, cid):
        c = self.company(cid)
        b = self._body(req)
        now = time.time()
        phones = b.get("phone_numbers")
        if phones is None:
            phones = [{"label": "Work", "value": p} for p in ([b["phone"]] if b.get("phone") else [])]
        emails = b.get("emails")
        if emails is None:
            emails = [{"label": "Work", "value": e} for e in ([b["email"]] if b.get("email") else [])]
        for p in phones:
            p.setdefault("id", self.next_id("phone"))
            p.setdefault("label", "Work")
        for e in emails:
            e.setdefault("id", self.next_id("email"))
            e.setdefault("label", "Work")
        x = {"id": int(b.get("id") or self.next_id("contact")), "first_name": b.get("first_name"),
             "last_name": b.get("last_name"), "company_name": b.get("company_name"),
             "information": b.get("information"), "description": b.get("description"),
             "phone_numbers": phones, "emails": emails, "created": now, "updated": now}
        c["contacts"][x["id"]] = x
        return self.r_contact(x)

    def adm_contact_delete(self, req, cid, ctid):
        c = self.company(cid)
        c["contacts"].pop(int(ctid), None)
        return {"ok": True}

    def adm_call_add(self, req, cid):
        c = self.company(cid)
        b = self._body(req)
        data = b.get("data", b)
        if not isinstance(data, dict) or data.get("id") is None:
            raise HTTPError(Resp(400, {"error": "call data with an id required"}))
        c["calls"][int(data["id"])] = data
        return data

    def adm_call_get(self, req, cid, call_id):
        c = self.company(cid)
        call = c["calls"].get(int(call_id))
        if call is None:
            raise HTTPError(Resp(404, {"error": "no such call"}))
        return call

    def adm_call_update(self, req, cid, call_id):
        c = self.company(cid)
        call = c["calls"].get(int(call_id))
        if call is None:
            raise HTTPError(Resp(404, {"error": "no such call"}))
        call.update(self._body(req))
        return call

    def adm_cards(self, req, cid=None):
        cards = []
        for c in self.companies.values():
            if cid is not None and c["id"] != int(cid):
                continue
            cards.extend(c["insight_cards"])
        call_id = qget(req.query, "call_id")
        if call_id:
            cards = [x for x in cards if str(x["call_id"]) == call_id]
        if qget(req.query, "accepted") == "1":
            cards = [x for x in cards if x["accepted"]]
        return {"insight_cards": cards}

    def adm_ingest(self, req):
        """Mirror a webhook body into state (upsert data.id as a call) so that
        GET /v1/calls/{id} and insight cards see it.  Company: by webhook token,
        or explicit ?company_id= / body company_id."""
        b = self._body(req)
        body = b.get("event_body", b)
        cid = qget(req.query, "company_id") or b.get("company_id")
        comp = None
        if cid:
            comp = self.company(cid)
        else:
            tok = body.get("token")
            for c in self.companies.values():
                if any(w["token"] == tok for w in c["webhooks"].values()):
                    comp = c
            if comp is None and len(self.companies) == 1:
                comp = next(iter(self.companies.values()))
        if comp is None:
            raise HTTPError(Resp(400, {"error": "cannot tell the company: give company_id"}))
        if body.get("resource") == "call" and isinstance(body.get("data"), dict):
            d = body["data"]
            cur = comp["calls"].get(int(d["id"]), {})
            cur.update({k: v for k, v in d.items() if k not in ("call_uuid",)})
            if "call_uuid" in d:
                cur.setdefault("sid", d["call_uuid"])
            comp["calls"][int(d["id"])] = cur
            return {"ok": True, "company_id": comp["id"], "call": cur}
        return {"ok": True, "company_id": comp["id"], "ignored": True}

    def adm_token_mint(self, req, cid):
        c = self.company(cid)
        b = self._body(req)
        client_id = b.get("client_id") or (next(iter(self.clients)) if self.clients else "fake-aircall-client")
        number_ids = b.get("number_ids")
        if number_ids is None:
            number_ids = sorted(c["numbers"])
        i = self._new_integration(c, client_id, number_ids, b.get("user_id"))
        return {"access_token": self._new_token(i), "integration_id": i["id"], "token_type": "Bearer"}

    def adm_message_status(self, req, cid, mid):
        """A later delivery status for a sent message: message.status_updated
        {"status": "failed" (default), ...extra data fields} to the webhooks."""
        b = self._body(req)
        with self.lock:
            c = self.company(cid)
            rec = next((m for m in c["messages"] if m["id"] == mid), None)
            if rec is None:
                raise HTTPError(Resp(404, {"error": "no such sent message %r" % mid}))
            status = b.get("status", "failed")
            rec["delivery"] = status
            data = self._message_data(c, rec, status, webhook=True)
            data.update(b.get("extra") or {})
        return {"deliveries": self.emit(c["id"], "message.status_updated", data)}

    def adm_client_add(self, req):
        b = self._body(req)
        if not b.get("client_id") or not b.get("client_secret"):
            raise HTTPError(Resp(400, {"error": "client_id and client_secret required"}))
        cl = {"client_id": b["client_id"], "client_secret": b["client_secret"],
              "redirect_uris": list(b.get("redirect_uris") or []), "name": b.get("name", "Gorgias")}
        self.clients[cl["client_id"]] = cl
        return cl

    def adm_consent(self, req):
        b = self._body(req)
        for k in ("company_id", "mode", "number_ids", "user_id"):
            if k in b:
                self.consent[k] = b[k]
        if self.consent["mode"] not in ("allow", "deny"):
            raise HTTPError(Resp(400, {"error": "mode must be allow|deny"}))
        return self.consent

    def adm_integration_update(self, req, iid):
        i = self.integrations.get(int(iid))
        if i is None:
            raise HTTPError(Resp(404, {"error": "no such integration"}))
        b = self._body(req)
        if "number_ids" in b:
            i["number_ids"] = list(b["number_ids"])
        if "active" in b:
            i["active"] = bool(b["active"])
            i["status"] = "installed" if i["active"] else "disabled"
        if b.get("revoke_tokens"):
            for t in self.tokens.values():
                if t["integration_id"] == i["id"]:
                    t["revoked"] = True
        return dict(self.r_integration(i), id=i["id"])

    def adm_integration_delete(self, req, iid):
        """Uninstall: tokens rejected afterwards, the integration's webhooks deleted."""
        i = self.integrations.get(int(iid))
        if i is None:
            raise HTTPError(Resp(404, {"error": "no such integration"}))
        i["status"] = "uninstalled"
        i["active"] = False
        n = 0
        for t in self.tokens.values():
            if t["integration_id"] == i["id"] and not t["revoked"]:
                t["revoked"] = True
                n += 1
        c = self.companies.get(i["company_id"])
        removed = []
        if c:
            for wid in [w for w, x in c["webhooks"].items() if x["owner"] == i["id"]]:
                removed.append(c["webhooks"].pop(wid)["token"])
        return {"ok": True, "revoked_tokens": n, "removed_webhook_tokens": removed,
                "integration_id": i["id"], "company_id": i["company_id"]}

    def adm_media_view(self, m):
        d = {k: v for k, v in m.items() if k != "data"}
        d["url"] = "%s/media/%s" % (self.base_url, m["name"])
        return d

    def adm_media_add(self, req):
        b = self._body(req)
        name = b.get("name")
        if not name or ".." in name.split("/"):
            raise HTTPError(Resp(400, {"error": "name required"}))
        data = None
        if b.get("data_b64") is not None:
            data = base64.b64decode(b["data_b64"])
        elif b.get("text") is not None:
            data = b["text"].encode()
        size = len(data) if data is not None else int(b.get("size", 1024))
        m = {"name": name, "size": size, "content_type": b.get("content_type") or "audio/mpeg",
             "seed": b.get("seed") or name, "data": data, "status": b.get("status"),
             "error_body": b.get("error_body"), "rate_bps": b.get("rate_bps"),
             "expires_at": (time.time() + float(b["ttl"])) if b.get("ttl") is not None else b.get("expires_at"),
             "etag": secrets.token_hex(8), "requests": 0}
        if data is None:
            m["sha256"] = None  # generated content: client.media_sha256(seed, size) computes it
        else:
            m["sha256"] = hashlib.sha256(data).hexdigest()
        self.media[name] = m
        return self.adm_media_view(m)

    def adm_media_delete(self, req, name):
        self.media.pop(unquote(name), None)
        return {"ok": True}


if __name__ == "__main__":
    fc.main(AircallApp, "Fake Aircall API server")
