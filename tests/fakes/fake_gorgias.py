#!/usr/bin/env python3
"""Fake Gorgias REST API + OAuth2 provider (multi-account).

    python3 fake_gorgias.py --port N [--host 127.0.0.1]

Every vendor path is prefixed by the account name:
    http://127.0.0.1:N/{account}/api/...        (REST API, rate limited)
    http://127.0.0.1:N/{account}/oauth/...      (authorize / token / revoke)
Control plane: http://127.0.0.1:N/__admin/...   (see README.md)

Behaviour follows /work/shared/reference/gorgias-api.md; section numbers (§n)
in comments refer to that file.  UNCONFIRMED points are switchable settings.
"""

import hashlib
import json
import os
import queue
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from base64 import b64decode
from urllib.parse import quote, urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakecore as fc  # noqa: E402
from fakecore import HTTPError, Resp, Route, qget  # noqa: E402

# §8.2 via enum (strict); channel is "legacy slug | string" -> slug check only
VIA_VALUES = set("""aircall api chat contact_form email facebook facebook-mention
facebook-messenger facebook-recommendations form gorgias_chat help-center helpdesk
instagram instagram-ad-comment instagram-comment instagram-direct-message
instagram-mention internal-note offline_capture phone rule self_service shopify sms
twilio twitter twitter-direct-message whatsapp yotpo yotpo-review zendesk""".split())
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
ROLES = ["admin", "agent", "basic-agent", "lite-agent", "observer-agent", "bot", "internal-agent"]
UPLOAD_TYPES = ["attachment", "public_attachment", "profile_picture", "widget_picture"]
SEARCH_TYPES = ["agent", "customer", "customer_profile", "customer_channel", "customer_channel_email",
                "customer_channel_phone", "customers_by_phone", "integration", "team", "tag"]
KNOWN_SCOPES = set("""openid email profile offline write:all account:read account:write
users:read users:write customers:read customers:write tickets:read tickets:write
custom_fields:read custom_fields:write events:read events:write integrations:read
integrations:write jobs:read jobs:write macros:read macros:write rules:read rules:write
satisfaction_survey:read satisfaction_survey:write statistics:read tags:read tags:write
apps:read apps:write""".split())

TICKET_FIELDS = set("""channel via from_agent status priority subject customer assignee_user
assignee_team tags external_id meta spam language created_datetime opened_datetime
closed_datetime snooze_datetime trashed_datetime updated_datetime last_message_datetime
last_received_message_datetime custom_fields messages is_unread reply_options""".split())
MESSAGE_FIELDS = set("""channel via from_agent sender receiver source subject body_text body_html
stripped_text stripped_html public attachments external_id message_id integration_id
sent_datetime created_datetime failed_datetime last_sending_error mention_ids macros headers
meta rule_id ticket_id uri actions""".split())
INTEGRATION_FIELDS = set("""name type description http deactivated_datetime application_id""".split())
HTTP_FIELDS = set("""id url method headers form request_content_type response_content_type
triggers""".split())
TRIGGERS = set("""ticket_created ticket_updated ticket_message_created ticket_self_unsnoozed""".split())
MESSAGE_UPDATE_FIELDS = set("""sent_datetime failed_datetime last_sending_error""".split())
CUSTOMER_FIELDS = set("""name email firstname lastname channels external_id language timezone
note meta data""".split())

PHONE_PRESETS = {
    # preset -> (search_phone_mode, customers_channel_filter)
    "search_exact": ("exact", "rejected"),
    "search_digits": ("digits", "rejected"),
    "customers_filter": ("disabled", "exact"),
    "none": ("disabled", "rejected"),
    "all": ("exact", "exact"),
}

MISSING = ["Missing data for required field."]


def err(status, msg, data=None, headers=None):
    body = {"error": {"msg": msg}}
    if data is not None:
        body["error"]["data"] = data
    return HTTPError(Resp(status, body, headers=headers))


def bad(msg, data=None):
    return err(400, msg, data)


def not_found():
    return err(404, "Resource not found.")


def as_int(v, field):
    if isinstance(v, bool):
        raise bad("Invalid request.", {field: ["Not a valid integer."]})
    try:
        return int(v)
    except (TypeError, ValueError):
        raise bad("Invalid request.", {field: ["Not a valid integer."]})


class GorgiasApp(fc.BaseApp):
    NAME = "fake_gorgias"
    DEFAULT_SETTINGS = {
        # --- phone lookup (§6.4, UNCONFIRMED) ---
        "phone_lookup_mode": "search_exact",     # preset: search_exact|search_digits|customers_filter|none|all
        "search_phone_mode": "exact",            # POST /api/search customers_by_phone: exact|digits|disabled
        "customers_channel_filter": "rejected",  # GET /api/customers?channel_type&channel_address: exact|digits|ignored|rejected
        "customer_search_mode": "substring",     # POST /api/search type customer/customer_profile: substring|exact (UNCONFIRMED)
        # --- tags (§10, UNCONFIRMED) ---
        "tags_by_name": "refuse",                # unknown tag names on tickets: create|refuse
        "tag_names_unique_ci": False,            # 409 on POST /api/tags also for case-variants
        # --- customers (§6) ---
        "customer_note": "accepted",             # note on POST /api/customers: accepted|ignored|rejected
        "customer_channels_required": False,     # channels required on POST /api/customers
        # --- tickets/messages (§8, §9) ---
        "ticket_via_required": True,             # S1: ticket-level `via` required
        "message_sender_required": True,         # G22 legacy error example
        "ticket_customer_by_email": "create",    # customer {"email"} unknown: create|refuse
        "reopen_on_incoming_message": False,     # UNCONFIRMED §8.4
        "internal_note_requires_agent": True,    # G14: internal notes are outgoing
        # --- request validation (§5: unknown parameters -> 400) ---
        "strict_params": True,
        "strict_body": True,                     # unknown body fields -> 400 (stricter is safer)
        "error_shape": "wrapped",                # 4xx bodies: wrapped {"error":{"msg","data"}} | bare (the field map alone)
        # --- SMS messages (§9.4, UNCONFIRMED source.type) ---
        "sms_source_type": "any",                # source.type accepted on channel sms: any|sms|phone
        "require_json_content_type": True,
        # --- users (§7) ---
        "users_email_filter": "ci",              # ci|exact
        "users_list_inactive": True,
        # --- output ---
        "datetime_style": "offset",              # offset|naive
        # --- rate limit (§3) ---
        "rate_limit": 80,
        "rate_window": 20.0,
        "rate_limit_basic": None,                # None = same as rate_limit (G1 says 40 for API keys)
        "rate_mode": "sliding",                  # sliding|fixed|leaky
        "retry_after_on_success": "window",      # "window" (seconds until a slot frees, 0 if free) or an int
        # --- uploads (§11) ---
        "upload_max_bytes": 20 * 1024 * 1024,
        "upload_size_as_string": False,
        "upload_store": "disk",                  # disk|count
        # --- OAuth (§1.2) ---
        "enforce_scopes": True,
        "write_implies_read": False,             # G3 lists read and write scopes separately
        "upload_scope": None,
        "granted_scopes": None,                  # space-separated: consent grants only these (None: as asked)                    # scope needed for /api/upload (UNCONFIRMED)
        "oauth_client_auth": "basic",            # basic|body|both
        "oauth_token_json": False,               # accept JSON bodies on /oauth/token
        "oauth_rotate_refresh": False,           # return a new refresh_token on refresh
        "oauth_redirect_match": "exact",         # exact|prefix
        "access_token_ttl": 86400,
        "auth_code_ttl": 600,
        "jwt_issuer_style": "gorgias",           # gorgias (https://{acct}.gorgias.com) | local
        "unknown_account_status": 404,
        # --- HTTP integrations (§12) ---
        "deliver_integrations": True,
        "integration_timeout": 5.0,
        "integration_message_vars": True,        # {{message.*}} rendered (UNCONFIRMED; False: "")
        "integration_delivery": "once",          # once|twice|reversed (UNCONFIRMED)
        "integration_async": False,              # /_test/agent_reply answers before calling
        # --- messages (§9) ---
        "message_update": "accept",              # accept|refuse PUT /api/tickets/{id}/messages/{mid}
    }

    def __init__(self, **kw):
        self.upload_dir = None
        self._own_upload_dir = False
        self.deliveries_q = queue.Queue()
        fc.BaseApp.__init__(self, **kw)
        self._init_admin_routes()
        self._init_api_routes()

    # ------------------------------------------------------------------ state
    def reset_state(self):
        for a in getattr(self, "accounts", {}).values():   # only files this fake stored
            for u in a["uploads"]:
                if u.get("path"):
                    try:
                        os.unlink(u["path"])
                    except OSError:
                        pass
        self.accounts = {}
        self.clients = {}
        self.codes = {}
        self.access_tokens = {}
        self.refresh_tokens = {}
        self.generation = getattr(self, "generation", 0) + 1   # queued deliveries of before a reset are dropped
        self.delivery_seq = 0
        self.ids = {"user": 1, "customer": 100001, "channel": 400001, "ticket": 500001,
                    "message": 9000001, "tag": 7001, "integration": 301, "upload": 1}

    def next_id(self, kind):
        v = self.ids[kind]
        self.ids[kind] = v + 1
        return v

    def seed_id(self, kind, v):
        """An id chosen by the admin API (or a new one); later ids come after it."""
        if not v:
            return self.next_id(kind)
        self.ids[kind] = max(self.ids[kind], int(v) + 1)
        return v

    def on_start(self):
        if self.data_dir:
            os.makedirs(self.data_dir, exist_ok=True)
            self.upload_dir = self.data_dir
        else:
            self.upload_dir = tempfile.mkdtemp(prefix="fake_gorgias_")
            self._own_upload_dir = True
        t = threading.Thread(target=self._delivery_worker, name="deliveries")
        t.daemon = True
        t.start()

    def on_stop(self):
        if self._own_upload_dir and self.upload_dir:
            shutil.rmtree(self.upload_dir, ignore_errors=True)

    def apply_settings(self, new):
        new = dict(new)
        if "phone_lookup_mode" in new:
            mode = new["phone_lookup_mode"]
            if mode not in PHONE_PRESETS:
                raise HTTPError(Resp(400, {"error": "phone_lookup_mode must be one of %s" % sorted(PHONE_PRESETS)}))
            sm, cf = PHONE_PRESETS[mode]
            new.setdefault("search_phone_mode", sm)
            new.setdefault("customers_channel_filter", cf)
        checks = {
            "search_phone_mode": ("exact", "digits", "disabled"),
            "customers_channel_filter": ("exact", "digits", "ignored", "rejected"),
            "tags_by_name": ("create", "refuse"),
            "customer_note": ("accepted", "ignored", "rejected"),
            "error_shape": ("wrapped", "bare"),
            "customer_search_mode": ("substring", "exact"),
            "sms_source_type": ("any", "sms", "phone"),
            "ticket_customer_by_email": ("create", "refuse"),
            "users_email_filter": ("ci", "exact"),
            "datetime_style": ("offset", "naive"),
            "rate_mode": ("sliding", "fixed", "leaky"),
            "upload_store": ("disk", "count"),
            "oauth_client_auth": ("basic", "body", "both"),
            "oauth_redirect_match": ("exact", "prefix"),
            "jwt_issuer_style": ("gorgias", "local"),
            "integration_delivery": ("once", "twice", "reversed"),
            "message_update": ("accept", "refuse"),
        }
        for k, allowed in checks.items():
            if k in new and new[k] not in allowed:
                raise HTTPError(Resp(400, {"error": "%s must be one of %s" % (k, list(allowed))}))
        fc.BaseApp.apply_settings(self, new)

    def dt(self, ts):
        return fc.iso_utc(ts, self.settings["datetime_style"])

    def acct(self, name):
        a = self.accounts.get(name)
        if a is None:
            raise HTTPError(Resp(404, {"error": "no such account %r" % name}))
        return a

    # ------------------------------------------------------------ rendering
    def r_user(self, u, short=False):
        d = {"id": u["id"], "email": u["email"], "name": u["name"], "firstname": u["firstname"],
             "lastname": u["lastname"]}
        if short:
            d["meta"] = u.get("meta")
            return d
        d.update({
            "active": u["active"], "bio": u.get("bio"), "country": u.get("country"),
            "language": u.get("language"), "timezone": u.get("timezone"),
            "external_id": u.get("external_id"), "meta": u.get("meta"),
            "role": {"name": u["role"]},
            "created_datetime": self.dt(u["created"]),
            "updated_datetime": self.dt(u["updated"]),
            "deactivated_datetime": self.dt(u.get("deactivated")),
            "uri": "/api/users/%d/" % u["id"],
        })
        return d

    def r_channel(self, ch):
        return {"id": ch["id"], "type": ch["type"], "address": ch["address"],
                "preferred": ch["preferred"], "created_datetime": self.dt(ch["created"]),
                "updated_datetime": self.dt(ch["updated"]), "deleted_datetime": None}

    def r_customer(self, c, short=False, admin=False):
        if short:
            return {"id": c["id"], "name": c["name"], "email": c["email"],
                    "firstname": c["firstname"], "lastname": c["lastname"]}
        d = {"id": c["id"], "email": c["email"], "name": c["name"], "firstname": c["firstname"],
             "lastname": c["lastname"], "external_id": c["external_id"],
             "language": c["language"], "timezone": c["timezone"], "note": c["note"],
             "channels": [self.r_channel(ch) for ch in c["channels"]],
             "meta": c["meta"], "data": c.get("data"), "integrations": {},
             "created_datetime": self.dt(c["created"]),
             "updated_datetime": self.dt(c["updated"]),
             "uri": "/api/customers/%d/" % c["id"]}
        if admin:
            d["deleted"] = c["deleted"]
            d["merged_into"] = c.get("merged_into")
        return d

    def r_tag(self, t, short=False):
        d = {"id": t["id"], "name": t["name"], "uri": "/api/tags/%d/" % t["id"],
             "decoration": t.get("decoration")}
        if short:
            return d
        d.update({"description": t.get("description"), "usage": t.get("usage", 0),
                  "created_datetime": self.dt(t["created"]), "deleted_datetime": None})
        return d

    def r_person(self, a, ref):
        if not ref:
            return None
        if ref["kind"] == "user":
            u = a["users"].get(ref["id"])
            return self.r_user(u, short=True) if u else {"id": ref["id"]}
        c = a["customers"].get(ref["id"])
        return self.r_customer(c, short=True) if c else {"id": ref["id"]}

    def r_message(self, a, m, admin=False):
        d = {"id": m["id"], "uri": "/api/tickets/%d/messages/%d/" % (m["ticket_id"], m["id"]),
             "ticket_id": m["ticket_id"], "channel": m["channel"], "via": m["via"],
             "from_agent": m["from_agent"], "public": m["public"],
             "sender": self.r_person(a, m["sender"]), "receiver": self.r_person(a, m["receiver"]),
             "source": m.get("source"), "subject": m.get("subject"),
             "body_text": m.get("body_text"), "body_html": m.get("body_html"),
             "stripped_text": m.get("body_text"), "stripped_html": m.get("body_html"),
             "attachments": m.get("attachments") or [], "external_id": m.get("external_id"),
             "message_id": m.get("message_id"), "integration_id": m.get("integration_id"),
             "mention_ids": m.get("mention_ids") or [], "meta": m.get("meta"),
             "headers": m.get("headers"), "rule_id": None, "macros": m.get("macros") or [],
             "sent_datetime": self.dt(m.get("sent")), "created_datetime": self.dt(m["created"]),
             "failed_datetime": self.dt(m.get("failed")), "last_sending_error": m.get("sending_error")}
        if admin:
            d["_would_be_sent_by_gorgias"] = m["would_send"]
            d["_request_body"] = m["raw"]
            d["_created_by"] = m.get("created_by")
        return d

    def r_ticket(self, a, t, messages=True, admin=False):
        c = a["customers"].get(t["customer_id"])
        u = a["users"].get(t["assignee_user_id"]) if t.get("assignee_user_id") else None
        d = {"id": t["id"], "uri": "/api/tickets/%d/" % t["id"], "external_id": t.get("external_id"),
             "status": t["status"], "priority": t.get("priority", "normal"),
             "channel": t["channel"], "via": t["via"], "from_agent": t.get("from_agent", False),
             "spam": t["spam"], "language": t.get("language"), "subject": t.get("subject"),
             "customer": self.r_customer(c, short=True) if c else {"id": t["customer_id"]},
             "assignee_user": self.r_user(u, short=True) if u else None,
             "assignee_team": t.get("assignee_team"),
             "tags": [self.r_tag(a["tags"][i], short=True) for i in t["tags"] if i in a["tags"]],
             "meta": t.get("meta"), "custom_fields": t.get("custom_fields") or {},
             "is_unread": t.get("is_unread", True),
             "created_datetime": self.dt(t["created"]), "updated_datetime": self.dt(t["updated"]),
             "opened_datetime": self.dt(t.get("opened")), "closed_datetime": self.dt(t.get("closed")),
             "trashed_datetime": self.dt(t.get("trashed")), "snooze_datetime": self.dt(t.get("snooze")),
             "last_message_datetime": self.dt(t.get("last_message")),
             "last_received_message_datetime": self.dt(t.get("last_received")),
             "messages_count": len(t["messages"])}
        if messages:
            d["messages"] = [self.r_message(a, m, admin=admin) for m in t["messages"]]
        if admin:
            d["_request_body"] = t.get("raw")
            d["_created_by"] = t.get("created_by")
        return d

    # ------------------------------------------------------- routing / auth
    def classify(self, req):
        m = re.match(r"^/([A-Za-z0-9_.-]+)(/.*)?$", req.path)
        if not m:
            return Resp(404, {"error": {"msg": "Resource not found."}})
        name, sub = m.group(1), m.group(2) or "/"
        req.route_path = sub
        if name not in self.accounts:
            st = int(self.settings.get("unknown_account_status") or 404)
            return Resp(st, {"error": {"msg": "Account %s does not exist." % name}})
        if sub.startswith("/api/") or sub == "/api":
            req.key = name
        req.account = name
        return self.api_routes, sub

    def counts_for_stats(self, req, route):
        return req.key is not None

    def error_body(self, status, message):
        return {"error": {"msg": message}}

    def _auth(self, req, a):
        h = req.header("Authorization")
        if not h:
            req.auth_info = {"scheme": None, "valid": False}
            raise err(401, "Unauthorized: missing Authorization header.",
                      headers={"WWW-Authenticate": 'Basic realm="Gorgias API"'})
        scheme, _, cred = h.strip().partition(" ")
        cred = cred.strip()
        if scheme.lower() == "basic":
            try:
                user, _, key = b64decode(cred).decode("utf-8").partition(":")
            except Exception:
                user, key = None, None
            req.auth_info = {"scheme": "basic", "username": user, "valid": False}
            for u in a["users"].values():
                if user and u["email"].lower() == user.lower() and u.get("api_key") and \
                        secrets.compare_digest(u["api_key"], key or ""):
                    if not u["active"]:
                        break
                    req.auth_info.update(valid=True, user_id=u["id"])
                    return {"kind": "basic", "user": u, "scopes": None}
            raise err(401, "Unauthorized: invalid API credentials.",
                      headers={"WWW-Authenticate": 'Basic realm="Gorgias API"'})
        if scheme.lower() == "bearer":
            tok = self.access_tokens.get(cred)
            req.auth_info = {"scheme": "bearer", "valid": False,
                             "token_id": tok["jti"] if tok else None}
            if tok is None or tok["account"] != a["name"]:
                raise err(401, "Unauthorized: invalid access token.")
            if tok["revoked"]:
                raise err(401, "Unauthorized: access token revoked.")
            if tok["exp"] <= self.now():
                raise err(401, "Unauthorized: access token expired.")
            u = a["users"].get(tok["user_id"])
            if u is None or not u["active"]:
                raise err(401, "Unauthorized: user no longer active.")
            req.auth_info.update(valid=True, user_id=u["id"], client_id=tok["client_id"])
            return {"kind": "bearer", "user": u, "scopes": set(tok["scope"].split()), "token": tok}
        req.auth_info = {"scheme": scheme.lower(), "valid": False}
        raise err(401, "Unauthorized: unsupported authorization scheme.")

    def _limit_for(self, a, kind):
        lim = a["settings"].get("rate_limit", self.settings["rate_limit"])
        if kind == "basic":
            b = a["settings"].get("rate_limit_basic", self.settings["rate_limit_basic"])
            if b is not None:
                lim = b
        win = float(a["settings"].get("rate_window", self.settings["rate_window"]))
        mode = a["settings"].get("rate_mode", self.settings["rate_mode"])
        return int(lim), win, mode

    def window_for(self, key):
        a = self.accounts.get(key)
        if a is None:
            return float(self.settings["rate_window"])
        return float(a["settings"].get("rate_window", self.settings["rate_window"]))

    def _required_scope(self, req, route):
        sc = route.opts.get("scope")
        if sc == "upload":
            return self.settings.get("upload_scope")
        if sc == "search":
            body = req.json() if req.body else None
            t = body.get("type") if isinstance(body, dict) else None
            if t == "agent":
                return "users:read"
            if t == "tag":
                return "tags:read"
            if t == "integration":
                return "integrations:read"
            return "customers:read"
        if not sc:
            return None
        return sc + (":read" if req.method in ("GET", "HEAD") else ":write")

    def _has_scope(self, scopes, need):
        if need is None or "write:all" in scopes or need in scopes:
            return True
        if need.endswith(":read") and self.settings.get("write_implies_read"):
            return need[:-5] + ":write" in scopes
        return False

    def pre_dispatch(self, req, route, params):
        a = self.accounts[req.account]
        if route.opts.get("noauth"):
            return {"account": a}
        ctx = self._auth(req, a)
        ctx["account"] = a
        lim, win, mode = self._limit_for(a, ctx["kind"])
        req.rate = (lim, win, mode)
        ok, used, retry, _ = self.limiter.hit(a["name"], lim, win, mode, time.monotonic())
        if not ok:
            raise err(429, "Too many requests. Limit of %d requests per %g seconds exceeded." % (lim, win),
                      headers={"Retry-after": str(retry)})
        self.wstats.record(a["name"], time.monotonic(), accepted=True)
        if ctx["scopes"] is not None and self.settings.get("enforce_scopes"):
            need = self._required_scope(req, route)
            if not self._has_scope(ctx["scopes"], need):
                raise err(403, "Forbidden: the access token lacks the scope %s." % need)
        if self.settings.get("require_json_content_type") and req.method in ("POST", "PUT") \
                and route.opts.get("json") and req.body and req.content_type != "application/json":
            raise bad("Invalid request: Content-Type must be application/json.")
        return ctx

    def decorate(self, req, resp):
        a = self.accounts.get(req.key)
        if a is None:
            return
        lim, win, mode = getattr(req, "rate", None) or self._limit_for(a, "bearer")
        used, retry, _ = self.limiter.peek(a["name"], lim, win, mode, time.monotonic())
        ras = self.settings.get("retry_after_on_success")
        if resp.status != 429 and ras != "window" and ras is not None:
            retry = int(ras)
        names = {k.lower() for k in resp.headers}
        if "x-gorgias-account-api-call-limit" not in names:
            resp.headers["X-Gorgias-Account-Api-Call-Limit"] = "%d/%d" % (used, lim)
        if "retry-after" not in names:
            resp.headers["Retry-after"] = str(retry)
        # UNCONFIRMED §5: some answers carry the field map alone.
        if self.settings.get("error_shape") == "bare" and 400 <= resp.status < 500 \
                and isinstance(resp.body, dict) and isinstance(resp.body.get("error"), dict) \
                and isinstance(resp.body["error"].get("data"), dict):
            resp.body = resp.body["error"]["data"]

    def early_reject(self, handler):
        if handler.command != "POST":
            return None
        m = re.match(r"^/([A-Za-z0-9_.-]+)/api/upload/?(\?|$)", handler.path)
        if not m:
            return None
        try:
            cl = int(handler.headers.get("Content-Length") or -1)
        except ValueError:
            return None
        with self.lock:
            mx = int(self.settings["upload_max_bytes"])
        if cl > mx + (1 << 20):
            return Resp(413, {"error": {"msg": "Request entity too large."}})
        return None

    # ------------------------------------------------------------ pagination
    def check_params(self, req, allowed):
        if not self.settings.get("strict_params"):
            return
        unknown = [k for k in req.query if k not in allowed]
        if unknown:
            raise bad("Invalid query parameters.", {k: ["Unknown field."] for k in unknown})

    def paginate(self, req, items, sort_key, desc, uri, max_limit=100, default=30):
        """Keyset cursor pagination (§4).  items: rendered dicts."""
        raw = qget(req.query, "limit")
        if raw is None:
            limit = default
        else:
            try:
                limit = int(raw)
            except ValueError:
                raise bad("Invalid query parameters.", {"limit": ["Not a valid integer."]})
            if limit < 1 or limit > max_limit:
                raise bad("Invalid query parameters.",
                          {"limit": ["Must be greater than or equal to 1 and less than or equal to %d." % max_limit]})

        def k(it):
            v = sort_key(it)
            return (v if v is not None else "", it["id"])
        ordered = sorted(items, key=k, reverse=desc)
        after = lambda x, y: (x < y) if desc else (x > y)  # noqa: E731  x comes after y
        cur = qget(req.query, "cursor")
        page, has_prev, has_next = ordered[:limit], False, len(ordered) > limit
        if cur:
            try:
                c = json.loads(fc.b64url_decode(cur).decode())
                ck = tuple(c["k"])
                if c["d"] == "n":
                    rest = [it for it in ordered if after(k(it), ck)]
                    page = rest[:limit]
                    has_prev = len(rest) < len(ordered)
                    has_next = len(rest) > limit
                else:
                    before = [it for it in ordered if after(ck, k(it))]
                    page = before[-limit:]
                    has_next = len(before) < len(ordered)
                    has_prev = len(before) > limit
            except Exception:
                raise bad("Invalid query parameters.", {"cursor": ["Invalid cursor."]})

        def enc(d, it):
            return fc.b64url(json.dumps({"d": d, "k": list(k(it)), "n": secrets.token_hex(3)}))
        meta = {"next_cursor": enc("n", page[-1]) if (has_next and page) else None,
                "prev_cursor": enc("p", page[0]) if (has_prev and page) else None}
        qs = req.query_string
        return {"data": page, "meta": meta, "object": "list",
                "uri": uri + ("?" + qs if qs else "")}

    def parse_order(self, req, allowed, default):
        ob = qget(req.query, "order_by", default)
        field, _, direction = ob.partition(":")
        direction = direction or "asc"
        if field not in allowed or direction not in ("asc", "desc"):
            raise bad("Invalid query parameters.", {"order_by": ["Must be one of: %s." % ", ".join(
                "%s:%s" % (f, d) for f in allowed for d in ("asc", "desc"))]})
        return field, direction == "desc"

    def body_obj(self, req):
        if not req.body:
            raise bad("Invalid request: a JSON body is required.")
        j = req.json()
        if not isinstance(j, dict):
            raise bad("Invalid request: the body is not a valid JSON object.")
        return j

    def check_unknown(self, body, allowed, prefix=None):
        if not self.settings.get("strict_body"):
            return {}
        return {k: ["Unknown field."] for k in body if k not in allowed}

    # ------------------------------------------------------------------ API
    def _init_api_routes(self):
        R = self.api_routes
        add = lambda m, p, f, **o: R.append(Route(m, p, f, **o))  # noqa: E731
        add("GET", r"/api/account", self.api_account, scope="account")
        add("GET", r"/api/users", self.api_users_list, scope="users")
        add("GET", r"/api/users/(?P<uid>\d+)", self.api_user_get, scope="users")
        add("PUT", r"/api/customers/merge", self.api_customers_merge, scope="customers")
        add("GET", r"/api/customers", self.api_customers_list, scope="customers")
        add("POST", r"/api/customers", self.api_customer_create, scope="customers", json=True)
        add("GET PUT DELETE", r"/api/customers/(?P<cid>\d+)", self.api_customer_one, scope="customers", json=True)
        add("POST", r"/api/search", self.api_search, scope="search", json=True)
        add("GET", r"/api/tickets", self.api_tickets_list, scope="tickets")
        add("POST", r"/api/tickets", self.api_ticket_create, scope="tickets", json=True)
        add("GET PUT DELETE", r"/api/tickets/(?P<tid>\d+)", self.api_ticket_one, scope="tickets", json=True)
        add("GET", r"/api/tickets/(?P<tid>\d+)/messages", self.api_messages_list, scope="tickets")
        add("POST", r"/api/tickets/(?P<tid>\d+)/messages", self.api_message_create, scope="tickets", json=True)
        add("GET PUT", r"/api/tickets/(?P<tid>\d+)/messages/(?P<mid>\d+)", self.api_message_one,
            scope="tickets", json=True)
        add("GET POST PUT DELETE", r"/api/tickets/(?P<tid>\d+)/tags", self.api_ticket_tags, scope="tickets", json=True)
        add("GET", r"/api/tags", self.api_tags_list, scope="tags")
        add("POST", r"/api/tags", self.api_tag_create, scope="tags", json=True)
        add("GET PUT DELETE", r"/api/tags/(?P<tagid>\d+)", self.api_tag_one, scope="tags", json=True)
        add("POST", r"/api/upload", self.api_upload, scope="upload", streaming=True, nolock=True)
        add("GET", r"/api/(?P<ftype>[a-z_]+)/download/(?P<dhash>[^/]+)/(?P<res>[^/]+)", self.api_download,
            scope=None, nolock=True)
        add("GET", r"/api/integrations", self.api_integrations_list, scope="integrations")
        add("POST", r"/api/integrations", self.api_integration_create, scope="integrations", json=True)
        add("GET PUT DELETE", r"/api/integrations/(?P<iid>\d+)", self.api_integration_one,
            scope="integrations", json=True)
        add("GET", r"/oauth/authorize", self.oauth_authorize, noauth=True)
        add("POST", r"/oauth/token", self.oauth_token, noauth=True)
        add("POST", r"/oauth/revoke", self.oauth_revoke, noauth=True)

    # ---- account / users (§1, §7)
    def api_account(self, req, ctx):
        a = ctx["account"]
        return {"domain": a["name"], "created_datetime": self.dt(a["created"]),
                "status": {"status": a["settings"].get("status", "active")},
                "settings": [], "meta": {}}

    def api_users_list(self, req, ctx):
        a = ctx["account"]
        self.check_params(req, {"cursor", "limit", "email", "external_id", "search", "roles",
                                "order_by", "available_first", "relationships"})
        field, desc = self.parse_order(req, ["name", "created_datetime", "email", "role.name"], "name:asc")
        users = list(a["users"].values())
        email = qget(req.query, "email")
        if email is not None:
            if self.settings["users_email_filter"] == "ci":
                users = [u for u in users if u["email"].lower() == email.lower()]
            else:
                users = [u for u in users if u["email"] == email]
        ext = qget(req.query, "external_id")
        if ext is not None:
            users = [u for u in users if str(u.get("external_id")) == ext]
        roles = req.query.get("roles") or req.query.get("roles[]")
        if roles:
            bad_roles = [r for r in roles if r not in ROLES]
            if bad_roles:
                raise bad("Invalid query parameters.", {"roles": ["Must be one of: %s." % ", ".join(ROLES)]})
            users = [u for u in users if u["role"] in roles]
        s = qget(req.query, "search")
        if s:
            users = [u for u in users if s.lower() in u["email"].lower() or s.lower() in u["name"].lower()]
        if not self.settings["users_list_inactive"]:
            users = [u for u in users if u["active"]]
        keyf = {"name": lambda u: u["name"].lower(), "created_datetime": lambda u: u["created"],
                "email": lambda u: u["email"].lower(), "role.name": lambda u: u["role"]}[field]
        rendered = [(keyf(u), self.r_user(u)) for u in users]
        m = {id(r): kv for kv, r in rendered}
        return self.paginate(req, [r for _, r in rendered], lambda it: m[id(it)], desc, "/api/users")

    def api_user_get(self, req, ctx, uid):
        a = ctx["account"]
        uid = int(uid)
        u = ctx["user"] if uid == 0 else a["users"].get(uid)
        if u is None:
            raise not_found()
        return self.r_user(u)

    # ---- customers (§6)
    def _live_customer(self, a, cid):
        c = a["customers"].get(cid)
        if c is None or c["deleted"]:
            return None
        return c

    def _email_owner(self, a, email, exclude=None):
        if not email:
            return None
        e = email.lower()
        for c in a["customers"].values():
            if c["deleted"] or c["id"] == exclude:
                continue
            if (c["email"] or "").lower() == e:
                return c
            for ch in c["channels"]:
                if ch["type"] == "email" and ch["address"].lower() == e:
                    return c
        return None

    def _validate_channels(self, chs, errors):
        if not isinstance(chs, list):
            errors["channels"] = ["Not a valid list."]
            return []
        out = []
        sub = {}
        for i, ch in enumerate(chs):
            e = {}
            if not isinstance(ch, dict):
                sub[str(i)] = {"_schema": ["Invalid input type."]}
                continue
            if not isinstance(ch.get("type"), str) or not SLUG_RE.match(ch.get("type") or ""):
                e["type"] = MISSING if "type" not in ch else ["Not a valid channel type."]
            if not isinstance(ch.get("address"), str) or not ch.get("address"):
                e["address"] = MISSING if "address" not in ch else ["Not a valid string."]
            elif ch.get("type") == "email" and "@" not in ch["address"]:
                e["address"] = ["Not a valid email address."]
            if "preferred" in ch and not isinstance(ch["preferred"], bool):
                e["preferred"] = ["Not a valid boolean."]
            if e:
                sub[str(i)] = e
            else:
                out.append(ch)
        if sub:
            errors["channels"] = sub
        return out

    def _make_channels(self, chs, email):
        now = self.now()
        res = []
        for ch in chs:
            res.append({"id": self.next_id("channel"), "type": ch["type"], "address": ch["address"],
                        "preferred": bool(ch.get("preferred", False)), "created": now, "updated": now})
        if email and not any(c["type"] == "email" and c["address"].lower() == email.lower() for c in res):
            res.append({"id": self.next_id("channel"), "type": "email", "address": email,
                        "preferred": not any(c["preferred"] for c in res), "created": now, "updated": now})
        return res

    def create_customer(self, a, body, via_api=True):
        errors = dict(self.check_unknown(body, CUSTOMER_FIELDS)) if via_api else {}
        email = body.get("email")
        if email is not None and (not isinstance(email, str) or "@" not in email):
            errors["email"] = ["Not a valid email address."]
        for f in ("name", "firstname", "lastname", "external_id", "language", "timezone", "note"):
            if body.get(f) is not None and not isinstance(body[f], str):
                errors[f] = ["Not a valid string."]
        if via_api and self.settings["customer_channels_required"] and "channels" not in body:
            errors["channels"] = MISSING
        if via_api and "note" in body and self.settings["customer_note"] == "rejected":
            errors["note"] = ["Unknown field."]
        chs = self._validate_channels(body.get("channels") or [], errors) if "channels" in body else []
        if errors:
            raise bad("Failed to create customer.", errors)
        if via_api and self._email_owner(a, email):
            raise err(409, "The resource already exists.",
                      {"email": ["A customer with this email already exists."]})
        now = self.now()
        name = body.get("name")
        if not name:
            name = " ".join(x for x in (body.get("firstname"), body.get("lastname")) if x) or email or ""
        note = body.get("note")
        if via_api and self.settings["customer_note"] == "ignored":
            note = None
        c = {"id": self.seed_id("customer", None if via_api else body.get("id")),
             "email": email, "name": name, "firstname": body.get("firstname") or "",
             "lastname": body.get("lastname") or "", "external_id": body.get("external_id"),
             "language": body.get("language"), "timezone": body.get("timezone"), "note": note,
             "meta": body.get("meta") or {}, "data": body.get("data"),
             "channels": self._make_channels(chs, email),
             "created": fc.parse_iso(body["created_datetime"]) if not via_api and body.get("created_datetime") else now,
             "updated": now, "deleted": False, "merged_into": None,
             "created_by": "api" if via_api else "admin", "raw": body}
        a["customers"][c["id"]] = c
        return c

    def api_customers_list(self, req, ctx):
        a = ctx["account"]
        allowed = {"cursor", "limit", "email", "external_id", "language", "timezone", "name",
                   "view_id", "order_by"}
        mode = self.settings["customers_channel_filter"]
        if mode == "rejected":
            present = [k for k in ("channel_type", "channel_address") if k in req.query]
            if present:
                raise bad("Invalid query parameters.", {k: ["Unknown field."] for k in present})
        allowed |= {"channel_type", "channel_address"}
        self.check_params(req, allowed)
        field, desc = self.parse_order(req, ["created_datetime", "updated_datetime", "name"], "created_datetime:asc")
        cs = [c for c in a["customers"].values() if not c["deleted"]]
        for f in ("email",):
            v = qget(req.query, f)
            if v is not None:
                cs = [c for c in cs if (c["email"] or "").lower() == v.lower()]
        for f in ("external_id", "language", "timezone", "name"):
            v = qget(req.query, f)
            if v is not None:
                cs = [c for c in cs if str(c.get(f)) == v]
        ctype = qget(req.query, "channel_type")
        caddr = qget(req.query, "channel_address")
        if mode in ("exact", "digits") and (ctype is not None or caddr is not None):
            def match(ch):
                if ctype is not None and ch["type"] != ctype:
                    return False
                if caddr is not None:
                    if mode == "exact":
                        return ch["address"] == caddr
                    d = fc.digits_only(caddr)
                    return bool(d) and fc.digits_only(ch["address"]) == d
                return True
            cs = [c for c in cs if any(match(ch) for ch in c["channels"])]
        keyf = {"created_datetime": lambda c: c["created"], "updated_datetime": lambda c: c["updated"],
                "name": lambda c: (c["name"] or "").lower()}[field]
        pairs = [(keyf(c), self.r_customer(c)) for c in cs]
        m = {id(r): kv for kv, r in pairs}
        return self.paginate(req, [r for _, r in pairs], lambda it: m[id(it)], desc, "/api/customers")

    def api_customer_create(self, req, ctx):
        a = ctx["account"]
        c = self.create_customer(a, self.body_obj(req))
        return Resp(201, self.r_customer(c))

    def update_customer(self, a, c, body, via_api=True):
        errors = dict(self.check_unknown(body, CUSTOMER_FIELDS)) if via_api else {}
        if "email" in body and body["email"] is not None and (not isinstance(body["email"], str) or "@" not in body["email"]):
            errors["email"] = ["Not a valid email address."]
        chs = None
        if "channels" in body:
            chs = self._validate_channels(body["channels"] or [], errors)
        if errors:
            raise bad("Failed to update customer.", errors)
        if via_api and body.get("email") and self._email_owner(a, body["email"], exclude=c["id"]):
            raise err(409, "The resource already exists.", {"email": ["A customer with this email already exists."]})
        for f in ("email", "name", "firstname", "lastname", "external_id", "language", "timezone", "note",
                  "meta", "data"):
            if f in body:
                c[f] = body[f]
        if chs is not None:
            c["channels"] = self._make_channels(chs, None)   # replaces all channels (§6.3)
        c["updated"] = self.now()

    def api_customer_one(self, req, ctx, cid):
        a = ctx["account"]
        c = self._live_customer(a, int(cid))
        if c is None:
            raise not_found()
        if req.method == "GET":
            return self.r_customer(c)
        if req.method == "DELETE":
            c["deleted"] = True
            return Resp(204)
        self.update_customer(a, c, self.body_obj(req))
        return Resp(202, self.r_customer(c))

    def merge_customers(self, a, src, dst):
        for t in a["tickets"].values():
            if t["customer_id"] == src["id"]:
                t["customer_id"] = dst["id"]
        have = {(ch["type"], ch["address"]) for ch in dst["channels"]}
        for ch in src["channels"]:
            if (ch["type"], ch["address"]) not in have:
                dst["channels"].append(dict(ch, preferred=False))
        src["deleted"] = True
        src["merged_into"] = dst["id"]
        dst["updated"] = self.now()

    def api_customers_merge(self, req, ctx):
        a = ctx["account"]
        self.check_params(req, {"source_id", "target_id"})
        s = qget(req.query, "source_id")
        t = qget(req.query, "target_id")
        if s is None or t is None:
            raise bad("Invalid query parameters.", {k: MISSING for k, v in (("source_id", s), ("target_id", t)) if v is None})
        src = self._live_customer(a, as_int(s, "source_id"))
        dst = self._live_customer(a, as_int(t, "target_id"))
        if src is None or dst is None:
            raise not_found()
        self.merge_customers(a, src, dst)
        return Resp(202, self.r_customer(dst))

    # ---- search (§6.4)
    def api_search(self, req, ctx):
        a = ctx["account"]
        body = self.body_obj(req)
        errors = {}
        typ = body.get("type")
        mode = self.settings["search_phone_mode"]
        types = [t for t in SEARCH_TYPES if mode != "disabled" or t not in ("customers_by_phone", "customer_channel_phone")]
        if typ is None:
            errors["type"] = MISSING
        elif typ not in types:
            errors["type"] = ["Must be one of: %s." % ", ".join(types)]
        q = body.get("query")
        if q is None:
            errors["query"] = MISSING
        elif not isinstance(q, str):
            errors["query"] = ["Not a valid string."]
        size = body.get("size", 10)
        try:
            size = int(size)
            if size < 1 or size > 50:
                errors["size"] = ["Must be greater than or equal to 1 and less than or equal to 50."]
        except (TypeError, ValueError):
            errors["size"] = ["Not a valid integer."]
        if errors:
            raise bad("Invalid search request.", errors)
        live = sorted((c for c in a["customers"].values() if not c["deleted"]), key=lambda c: c["id"])

        def phone_match(addr):
            if mode == "exact":
                return addr == q
            d = fc.digits_only(q)
            return bool(d) and fc.digits_only(addr) == d
        data = []
        if typ == "customers_by_phone":
            data = [self.r_customer(c) for c in live
                    if any(ch["type"] == "phone" and phone_match(ch["address"]) for ch in c["channels"])]
        elif typ in ("customer_channel_phone", "customer_channel_email", "customer_channel"):
            for c in live:
                for ch in c["channels"]:
                    if typ == "customer_channel_phone":
                        ok = ch["type"] == "phone" and phone_match(ch["address"])
                    elif typ == "customer_channel_email":
                        ok = ch["type"] == "email" and q.lower() in ch["address"].lower()
                    else:
                        ok = q.lower() in ch["address"].lower()
                    if ok:
                        d = self.r_channel(ch)
                        d["customer"] = self.r_customer(c, short=True)
                        data.append(d)
        elif typ in ("customer", "customer_profile"):
            ql = q.lower()
            for c in live:
                hay = [c["name"] or "", c["email"] or ""] + [ch["address"] for ch in c["channels"]]
                if any((ql == h.lower()) if self.settings["customer_search_mode"] == "exact"
                       else (ql in h.lower()) for h in hay):
                    data.append(self.r_customer(c))
        elif typ == "agent":
            data = [self.r_user(u) for u in sorted(a["users"].values(), key=lambda u: u["id"])
                    if q.lower() in u["email"].lower() or q.lower() in u["name"].lower()]
        elif typ == "tag":
            data = [self.r_tag(t) for t in sorted(a["tags"].values(), key=lambda t: t["id"])
                    if q.lower() in t["name"].lower()]
        elif typ == "integration":
            data = [self.r_integration(i) for i in a["integrations"].values()
                    if q.lower() in (i.get("name") or "").lower()]
        return Resp(201, {"data": data[:size], "object": "list", "uri": "/api/search"})

    # ---- tickets (§8)
    def _resolve_tag_refs(self, a, tags, errors, field="tags"):
        if not isinstance(tags, list):
            errors[field] = ["Not a valid list."]
            return []
        ids = []
        sub = {}
        to_create = []
        for i, tg in enumerate(tags):
            if not isinstance(tg, dict):
                sub[str(i)] = {"_schema": ["Invalid input type."]}
                continue
            if tg.get("id") is not None:
                tid = tg["id"]
                if isinstance(tid, bool) or not isinstance(tid, int) or tid not in a["tags"]:
                    sub[str(i)] = {"id": ["Tag not found."]}
                else:
                    ids.append(tid)
            elif tg.get("name") is not None:
                if not isinstance(tg["name"], str) or not tg["name"].strip():
                    sub[str(i)] = {"name": ["Not a valid string."]}
                    continue
                t = self._tag_by_name(a, tg["name"])
                if t:
                    ids.append(t["id"])
                elif self.settings["tags_by_name"] == "create":
                    to_create.append(tg["name"])
                    ids.append(("new", tg["name"]))
                else:
                    sub[str(i)] = {"name": ["Tag %r does not exist." % tg["name"]]}
            else:
                sub[str(i)] = {"id": MISSING}
        if sub:
            errors[field] = sub
        return ids

    def _materialize_tags(self, a, ids):
        out = []
        for x in ids:
            if isinstance(x, tuple):
                t = self._tag_by_name(a, x[1]) or self.create_tag(a, {"name": x[1]}, auto=True)
                x = t["id"]
            if x not in out:
                out.append(x)
        return out

    def _tag_by_name(self, a, name):
        for t in a["tags"].values():
            if t["name"] == name:
                return t
        return None

    def _resolve_user_ref(self, a, ref):
        if not isinstance(ref, dict):
            return None
        if ref.get("id") is not None:
            uid = ref["id"]
            return a["users"].get(uid) if isinstance(uid, int) and not isinstance(uid, bool) else None
        if ref.get("email"):
            for u in a["users"].values():
                if u["email"].lower() == str(ref["email"]).lower():
                    return u
        return None

    def _resolve_customer_ref(self, a, ref):
        if not isinstance(ref, dict):
            return None
        if ref.get("id") is not None:
            cid = ref["id"]
            if isinstance(cid, int) and not isinstance(cid, bool):
                return self._live_customer(a, cid)
            return None
        if ref.get("email"):
            return self._email_owner(a, str(ref["email"]))
        return None

    @staticmethod
    def _missing_customer(ref):
        """How a reference to a deleted or merged customer is refused (the
        independent simulation answered 400 naming the id)."""
        if isinstance(ref, dict) and isinstance(ref.get("id"), int):
            return "Customer %d does not exist." % ref["id"]
        return "Customer not found."

    def _parse_dt_field(self, body, f, errors):
        if f not in body or body[f] is None:
            return None
        try:
            return fc.parse_iso(body[f])
        except (ValueError, TypeError):
            errors[f] = ["Not a valid datetime."]
            return None

    def _validate_message(self, a, m, ctx, ticket_customer, errors_out, key, require_ticket=True):
        """Validate one message dict. Returns an internal message or None."""
        e = dict(self.check_unknown(m, MESSAGE_FIELDS)) if isinstance(m, dict) else {}
        if not isinstance(m, dict):
            errors_out[key] = {"_schema": ["Invalid input type."]}
            return None
        for f in ("channel", "via", "from_agent"):
            if f not in m or m[f] is None:
                e[f] = MISSING
        ch = m.get("channel")
        if ch is not None and (not isinstance(ch, str) or not SLUG_RE.match(ch)):
            e["channel"] = ["Not a valid channel."]
        via = m.get("via")
        if via is not None and via not in VIA_VALUES:
            e["via"] = ["Must be one of: %s." % ", ".join(sorted(VIA_VALUES))]
        fa = m.get("from_agent")
        if fa is not None and not isinstance(fa, bool):
            e["from_agent"] = ["Not a valid boolean."]
        internal = ch == "internal-note"
        if internal and fa is False and self.settings["internal_note_requires_agent"]:
            e["from_agent"] = ["Internal notes must be sent by an agent (from_agent: true)."]
        sender = None
        if "sender" in m and m["sender"] is not None:
            if fa is True:
                u = self._resolve_user_ref(a, m["sender"])
                if u is None:
                    e["sender"] = ["User not found."]
                else:
                    sender = {"kind": "user", "id": u["id"]}
            elif fa is False:
                c = self._resolve_customer_ref(a, m["sender"])
                if c is None:
                    e["sender"] = [self._missing_customer(m["sender"])]
                else:
                    sender = {"kind": "customer", "id": c["id"]}
        elif self.settings["message_sender_required"]:
            e["sender"] = MISSING
        elif fa is True:
            sender = {"kind": "user", "id": ctx["user"]["id"]}
        elif fa is False and ticket_customer is not None:
            sender = {"kind": "customer", "id": ticket_customer["id"]}
        receiver = None
        if m.get("receiver") is not None:
            r = m["receiver"]
            c = self._resolve_customer_ref(a, r)
            u = None if c else self._resolve_user_ref(a, r)
            if c is not None:
                receiver = {"kind": "customer", "id": c["id"]}
            elif u is not None:
                receiver = {"kind": "user", "id": u["id"]}
            else:
                e["receiver"] = ["Receiver not found."]
        if m.get("source") is not None and not isinstance(m["source"], dict):
            e["source"] = ["Not a valid object."]
        elif ch == "sms" and self.settings["sms_source_type"] != "any" and isinstance(m.get("source"), dict) \
                and m["source"].get("type") != self.settings["sms_source_type"]:
            e["source"] = {"type": ["Must be one of: %s." % self.settings["sms_source_type"]]}
        for f in ("body_text", "body_html", "subject"):
            if m.get(f) is not None and not isinstance(m[f], str):
                e[f] = ["Not a valid string."]
        if m.get("external_id") is not None and (not isinstance(m["external_id"], str) or len(m["external_id"]) > 255):
            e["external_id"] = ["Longer than maximum length 255." if isinstance(m["external_id"], str) else "Not a valid string."]
        atts = m.get("attachments")
        if atts is not None:
            if not isinstance(atts, list):
                e["attachments"] = ["Not a valid list."]
            else:
                sub = {}
                for i, at in enumerate(atts):
                    if not isinstance(at, dict):
                        sub[str(i)] = {"_schema": ["Invalid input type."]}
                    elif not at.get("url"):
                        sub[str(i)] = {"url": MISSING}
                    elif at.get("size") is not None and not str(at["size"]).isdigit():
                        sub[str(i)] = {"size": ["Not a valid integer."]}
                if sub:
                    e["attachments"] = sub
        sent = self._parse_dt_field(m, "sent_datetime", e)
        created = self._parse_dt_field(m, "created_datetime", e)
        if e:
            errors_out[key] = e
            return None
        now = self.now()
        return {"id": None, "ticket_id": None, "channel": ch, "via": via, "from_agent": fa,
                "public": m.get("public", not internal), "sender": sender, "receiver": receiver,
                "source": m.get("source"), "subject": m.get("subject"), "body_text": m.get("body_text"),
                "body_html": m.get("body_html"), "attachments": atts or [],
                "external_id": m.get("external_id"), "message_id": m.get("message_id"),
                "integration_id": m.get("integration_id"), "mention_ids": m.get("mention_ids"),
                "meta": m.get("meta"), "headers": m.get("headers"), "macros": m.get("macros"),
                "sent": sent, "created": created or now,
                "would_send": bool(fa) and not internal and sent is None,
                "raw": m}

    def _attach_message(self, t, msg):
        msg["id"] = self.next_id("message")
        msg["ticket_id"] = t["id"]
        t["messages"].append(msg)
        when = msg["sent"] or msg["created"]
        if t.get("last_message") is None or when > t["last_message"]:
            t["last_message"] = when
        if not msg["from_agent"] and (t.get("last_received") is None or when > t["last_received"]):
            t["last_received"] = when

    def create_ticket(self, a, body, ctx, via_api=True):
        errors = dict(self.check_unknown(body, TICKET_FIELDS)) if via_api else {}
        msgs = body.get("messages")
        if via_api:
            if msgs is None:
                errors["messages"] = MISSING
            elif not isinstance(msgs, list):
                errors["messages"] = ["Not a valid list."]
            elif not 1 <= len(msgs) <= 500:
                errors["messages"] = ["Length must be between 1 and 500."]
            if self.settings["ticket_via_required"] and body.get("via") is None:
                errors["via"] = MISSING
        msgs = msgs if isinstance(msgs, list) else []
        if body.get("via") is not None and body["via"] not in VIA_VALUES:
            errors["via"] = ["Must be one of: %s." % ", ".join(sorted(VIA_VALUES))]
        if body.get("channel") is not None and (not isinstance(body["channel"], str) or not SLUG_RE.match(body["channel"])):
            errors["channel"] = ["Not a valid channel."]
        if body.get("status") is not None and body["status"] not in ("open", "closed"):
            errors["status"] = ["Must be one of: open, closed."]
        if body.get("spam") is not None and not isinstance(body["spam"], bool):
            errors["spam"] = ["Not a valid boolean."]
        if body.get("subject") is not None and not isinstance(body["subject"], str):
            errors["subject"] = ["Not a valid string."]
        if body.get("external_id") is not None and (not isinstance(body["external_id"], str) or len(body["external_id"]) > 255):
            errors["external_id"] = ["Longer than maximum length 255." if isinstance(body["external_id"], str) else "Not a valid string."]
        # customer
        customer = None
        new_customer_email = None
        if body.get("customer") is not None:
            ref = body["customer"]
            if not isinstance(ref, dict):
                errors["customer"] = ["Invalid input type."]
            elif ref.get("id") is not None:
                customer = self._resolve_customer_ref(a, {"id": ref["id"]})
                if customer is None:
                    errors["customer"] = {"id": [self._missing_customer(ref)]}
            elif ref.get("email"):
                customer = self._email_owner(a, str(ref["email"]))
                if customer is None:
                    if self.settings["ticket_customer_by_email"] == "create":
                        new_customer_email = ref
                    else:
                        errors["customer"] = {"email": ["Customer not found."]}
            else:
                errors["customer"] = {"id": MISSING}
        # assignee
        assignee = None
        if body.get("assignee_user") is not None:
            assignee = self._resolve_user_ref(a, body["assignee_user"])
            if assignee is None:
                errors["assignee_user"] = {"id": ["User not found."]}
        tag_ids = self._resolve_tag_refs(a, body["tags"], errors) if body.get("tags") is not None else []
        dts = {f: self._parse_dt_field(body, f, errors) for f in
               ("created_datetime", "closed_datetime", "trashed_datetime", "snooze_datetime", "opened_datetime")}
        parsed = []
        merrs = {}
        for i, m in enumerate(msgs):
            pm = self._validate_message(a, m, ctx, customer, merrs, str(i))
            parsed.append(pm)
        if merrs:
            errors["messages"] = merrs
        if customer is None and new_customer_email is None and "customer" not in errors:
            # derive the customer from the first message (incoming: sender, outgoing: receiver)
            first = parsed[0] if parsed and parsed[0] else None
            if first:
                ref = first["sender"] if not first["from_agent"] else first["receiver"]
                if ref and ref["kind"] == "customer":
                    customer = a["customers"].get(ref["id"])
            if customer is None and via_api:
                errors["customer"] = MISSING
        if errors:
            raise bad("Failed to create ticket.", errors)
        if new_customer_email is not None:
            customer = self.create_customer(a, {"email": new_customer_email["email"],
                                                "name": new_customer_email.get("name")})
        for pm in parsed:
            if pm["sender"] is None and not pm["from_agent"]:
                pm["sender"] = {"kind": "customer", "id": customer["id"]}
        now = self.now()
        created = dts["created_datetime"] or now
        status = body.get("status") or "open"
        t = {"id": self.seed_id("ticket", None if via_api else body.get("id")),
             "external_id": body.get("external_id"), "status": status,
             "priority": body.get("priority", "normal"),
             "channel": body.get("channel") or (parsed[0]["channel"] if parsed else "api"),
             "via": body.get("via") or "api",
             "from_agent": body.get("from_agent", parsed[0]["from_agent"] if parsed else False),
             "spam": bool(body.get("spam", False)), "language": body.get("language"),
             "subject": body.get("subject"), "customer_id": customer["id"] if customer else None,
             "assignee_user_id": assignee["id"] if assignee else None,
             "assignee_team": body.get("assignee_team"),
             "tags": [], "meta": body.get("meta"), "custom_fields": body.get("custom_fields"),
             "is_unread": body.get("is_unread", True),
             "created": created, "updated": now,
             "opened": dts["opened_datetime"] or created,
             "closed": dts["closed_datetime"] or (now if status == "closed" else None),
             "trashed": dts["trashed_datetime"], "snooze": dts["snooze_datetime"],
             "last_message": None, "last_received": None, "messages": [],
             "raw": body, "created_by": "api" if via_api else "admin"}
        t["tags"] = self._materialize_tags(a, tag_ids)
        for tid in t["tags"]:
            a["tags"][tid]["usage"] = a["tags"][tid].get("usage", 0) + 1
        a["tickets"][t["id"]] = t
        for pm in parsed:
            self._attach_message(t, pm)
        if not via_api and body.get("updated_datetime"):
            t["updated"] = fc.parse_iso(body["updated_datetime"])
        self.trigger(a, t, "ticket_created")
        return t

    def api_ticket_create(self, req, ctx):
        a = ctx["account"]
        t = self.create_ticket(a, self.body_obj(req), ctx)
        return Resp(201, self.r_ticket(a, t))

    def api_tickets_list(self, req, ctx):
        a = ctx["account"]
        self.check_params(req, {"cursor", "limit", "customer_id", "external_id", "view_id", "rule_id",
                                "ticket_ids", "trashed", "order_by"})
        field, desc = self.parse_order(req, ["created_datetime", "updated_datetime"], "created_datetime:desc")
        ts = list(a["tickets"].values())
        cid = qget(req.query, "customer_id")
        if cid is not None:
            cid = as_int(cid, "customer_id")
            ts = [t for t in ts if t["customer_id"] == cid]
        ext = qget(req.query, "external_id")
        if ext is not None:
            ts = [t for t in ts if t.get("external_id") == ext]
        if req.query.get("ticket_ids"):
            ids = {as_int(x, "ticket_ids") for x in req.query["ticket_ids"]}
            if len(ids) > 100:
                raise bad("Invalid query parameters.", {"ticket_ids": ["Longer than maximum length 100."]})
            ts = [t for t in ts if t["id"] in ids]
        trashed = (qget(req.query, "trashed", "true") or "true").lower()
        if trashed not in ("true", "false", "1", "0"):
            raise bad("Invalid query parameters.", {"trashed": ["Not a valid boolean."]})
        if trashed in ("false", "0"):
            ts = [t for t in ts if t.get("trashed") is None]
        keyf = {"created_datetime": lambda t: t["created"], "updated_datetime": lambda t: t["updated"]}[field]
        pairs = [(keyf(t), self.r_ticket(a, t, messages=False)) for t in ts]
        m = {id(r): kv for kv, r in pairs}
        return self.paginate(req, [r for _, r in pairs], lambda it: m[id(it)], desc, "/api/tickets")

    def update_ticket(self, a, t, body, via_api=True):
        errors = {}
        if via_api:
            errors.update(self.check_unknown(body, TICKET_FIELDS - {"messages"}))
        if "status" in body and body["status"] not in ("open", "closed"):
            errors["status"] = ["Must be one of: open, closed."]
        if "spam" in body and not isinstance(body["spam"], bool):
            errors["spam"] = ["Not a valid boolean."]
        if "via" in body and body["via"] is not None and body["via"] not in VIA_VALUES:
            errors["via"] = ["Must be one of: %s." % ", ".join(sorted(VIA_VALUES))]
        assignee = None
        if body.get("assignee_user") is not None:
            assignee = self._resolve_user_ref(a, body["assignee_user"])
            if assignee is None:
                errors["assignee_user"] = {"id": ["User not found."]}
        customer = None
        if body.get("customer") is not None:
            customer = self._resolve_customer_ref(a, body["customer"])
            if customer is None:
                errors["customer"] = {"id": ["Customer not found."]}
        tag_ids = None
        if "tags" in body:
            tag_ids = self._resolve_tag_refs(a, body["tags"] or [], errors)
        dts = {}
        for f in ("closed_datetime", "trashed_datetime", "snooze_datetime", "opened_datetime",
                  "created_datetime", "updated_datetime"):
            if f in body:
                dts[f] = self._parse_dt_field(body, f, errors)
        if errors:
            raise bad("Failed to update ticket.", errors)
        now = self.now()
        changed = []
        if "status" in body and body["status"] != t["status"]:
            t["status"] = body["status"]
            changed.append("status")
            if t["status"] == "closed":
                t["closed"] = dts.get("closed_datetime") or now
            else:
                t["closed"] = None
                t["opened"] = now
        if "closed_datetime" in dts and "status" not in body:
            t["closed"] = dts["closed_datetime"]
        elif "closed_datetime" in dts and dts["closed_datetime"] is not None:
            t["closed"] = dts["closed_datetime"]
        for f, k in (("trashed_datetime", "trashed"), ("snooze_datetime", "snooze"), ("opened_datetime", "opened"),
                     ("created_datetime", "created")):
            if f in dts:
                t[k] = dts[f]
        if "assignee_user" in body:
            t["assignee_user_id"] = assignee["id"] if assignee else None
        if customer is not None:
            t["customer_id"] = customer["id"]
        for f in ("spam", "subject", "external_id", "meta", "custom_fields", "is_unread", "priority",
                  "language", "channel", "via", "assignee_team"):
            if f in body:
                t[f] = body[f]
        if tag_ids is not None:
            self.set_ticket_tags(a, t, self._materialize_tags(a, tag_ids))
        t["updated"] = dts.get("updated_datetime") or now
        self.trigger(a, t, "ticket_updated")

    def set_ticket_tags(self, a, t, new_ids):
        old = set(t["tags"])
        for tid in old - set(new_ids):
            if tid in a["tags"]:
                a["tags"][tid]["usage"] = max(0, a["tags"][tid].get("usage", 0) - 1)
        for tid in set(new_ids) - old:
            a["tags"][tid]["usage"] = a["tags"][tid].get("usage", 0) + 1
        t["tags"] = list(new_ids)

    def api_ticket_one(self, req, ctx, tid):
        a = ctx["account"]
        t = a["tickets"].get(int(tid))
        if t is None:
            raise not_found()
        if req.method == "GET":
            return self.r_ticket(a, t)
        if req.method == "DELETE":
            del a["tickets"][t["id"]]
            return Resp(204)
        self.update_ticket(a, t, self.body_obj(req))
        return Resp(202, self.r_ticket(a, t))

    # ---- messages (§9)
    def api_messages_list(self, req, ctx, tid):
        a = ctx["account"]
        t = a["tickets"].get(int(tid))
        if t is None:
            raise not_found()
        self.check_params(req, {"cursor", "limit", "order_by"})
        field, desc = self.parse_order(req, ["created_datetime"], "created_datetime:asc")
        items = [self.r_message(a, m) for m in t["messages"]]
        created = {m["id"]: m["created"] for m in t["messages"]}
        return self.paginate(req, items, lambda it: created[it["id"]], desc,
                             "/api/tickets/%d/messages" % t["id"])

    def api_message_one(self, req, ctx, tid, mid):
        a = ctx["account"]
        if req.method == "PUT" and self.settings.get("message_update") == "refuse":
            # Not in the reference: an account may have no way to update a message.
            raise err(405, "Method not allowed.", headers={"Allow": "GET"})
        t = a["tickets"].get(int(tid))
        if t is None:
            raise not_found()
        m = next((x for x in t["messages"] if x["id"] == int(mid)), None)
        if m is None:
            raise not_found()
        if req.method == "GET":
            return self.r_message(a, m)
        body = self.body_obj(req)
        errors = {k: ["Unknown field."] for k in body if k not in MESSAGE_FIELDS}
        errors.update({k: ["Field may not be updated."] for k in body
                       if k in MESSAGE_FIELDS and k not in MESSAGE_UPDATE_FIELDS})
        sent = self._parse_dt_field(body, "sent_datetime", errors)
        failed = self._parse_dt_field(body, "failed_datetime", errors)
        lse = body.get("last_sending_error")
        if lse is not None and not isinstance(lse, (str, dict)):
            errors["last_sending_error"] = ["Not a valid string."]
        if errors:
            raise bad("Failed to update message.", errors)
        if "sent_datetime" in body:
            m["sent"] = sent
        if "failed_datetime" in body:
            m["failed"] = failed
        if "last_sending_error" in body:
            m["sending_error"] = lse
        t["updated"] = self.now()
        return Resp(202, self.r_message(a, m))

    def add_message(self, a, t, body, ctx, via_api=True):
        errs = {}
        c = a["customers"].get(t["customer_id"])
        pm = self._validate_message(a, body, ctx, c, errs, "_m")
        if errs:
            raise bad("Failed to create message.", errs["_m"])
        if pm["sender"] is None and not pm["from_agent"] and c is not None:
            pm["sender"] = {"kind": "customer", "id": c["id"]}
        pm["created_by"] = "api" if via_api else "admin"
        self._attach_message(t, pm)
        t["updated"] = self.now()
        if not pm["from_agent"] and t["status"] == "closed" and self.settings["reopen_on_incoming_message"]:
            t["status"] = "open"
            t["closed"] = None
        self.trigger(a, t, "ticket_message_created", pm)
        return pm

    def api_message_create(self, req, ctx, tid):
        a = ctx["account"]
        t = a["tickets"].get(int(tid))
        if t is None:
            raise not_found()
        self.check_params(req, {"action"})
        act = qget(req.query, "action")
        if act is not None and act not in ("force", "retry", "cancel"):
            raise bad("Invalid query parameters.", {"action": ["Must be one of: force, retry, cancel."]})
        pm = self.add_message(a, t, self.body_obj(req), ctx)
        return Resp(201, self.r_message(a, pm))

    # ---- tags (§10)
    def create_tag(self, a, body, auto=False, seed_id=None):
        t = {"id": self.seed_id("tag", seed_id), "name": body["name"], "description": body.get("description"),
             "decoration": body.get("decoration"), "usage": 0, "created": self.now(),
             "auto_created": auto}
        a["tags"][t["id"]] = t
        return t

    def api_tags_list(self, req, ctx):
        a = ctx["account"]
        self.check_params(req, {"cursor", "limit", "search", "order_by"})
        field, desc = self.parse_order(req, ["name", "created_datetime", "usage"], "name:asc")
        ts = list(a["tags"].values())
        s = qget(req.query, "search")
        if s:
            ts = [t for t in ts if s.lower() in t["name"].lower()]
        keyf = {"name": lambda t: t["name"].lower(), "created_datetime": lambda t: t["created"],
                "usage": lambda t: t.get("usage", 0)}[field]
        pairs = [(keyf(t), self.r_tag(t)) for t in ts]
        m = {id(r): kv for kv, r in pairs}
        return self.paginate(req, [r for _, r in pairs], lambda it: m[id(it)], desc, "/api/tags")

    def api_tag_create(self, req, ctx):
        a = ctx["account"]
        body = self.body_obj(req)
        errors = dict(self.check_unknown(body, {"name", "description", "decoration"}))
        name = body.get("name")
        if name is None:
            errors["name"] = MISSING
        elif not isinstance(name, str) or not name.strip():
            errors["name"] = ["Not a valid string."]
        elif len(name) > 256:
            errors["name"] = ["Longer than maximum length 256."]
        if body.get("description") is not None and (not isinstance(body["description"], str) or len(body["description"]) > 1024):
            errors["description"] = ["Not a valid string (max 1024)."]
        if errors:
            raise bad("Failed to create tag.", errors)
        for t in a["tags"].values():
            if t["name"] == name or (self.settings["tag_names_unique_ci"] and t["name"].lower() == name.lower()):
                raise err(409, "The resource already exists.", {"name": ["A tag with this name already exists."]})
        return Resp(201, self.r_tag(self.create_tag(a, body)))

    def api_tag_one(self, req, ctx, tagid):
        a = ctx["account"]
        t = a["tags"].get(int(tagid))
        if t is None:
            raise not_found()
        if req.method == "GET":
            return self.r_tag(t)
        if req.method == "DELETE":
            del a["tags"][t["id"]]
            for tk in a["tickets"].values():
                if t["id"] in tk["tags"]:
                    tk["tags"].remove(t["id"])
            return Resp(204)
        body = self.body_obj(req)
        for f in ("name", "description", "decoration"):
            if f in body:
                t[f] = body[f]
        return Resp(202, self.r_tag(t))

    def api_ticket_tags(self, req, ctx, tid):
        a = ctx["account"]
        t = a["tickets"].get(int(tid))
        if t is None:
            raise not_found()
        if req.method == "GET":
            return {"data": [self.r_tag(a["tags"][i]) for i in t["tags"] if i in a["tags"]],
                    "object": "list", "uri": "/api/tickets/%d/tags" % t["id"]}
        body = self.body_obj(req)
        errors = dict(self.check_unknown(body, {"ids", "names"}))
        ids = body.get("ids") or []
        names = body.get("names") or []
        if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            errors["ids"] = ["Not a valid list of integers."]
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            errors["names"] = ["Not a valid list of strings."]
        if not errors and not ids and not names:
            errors["ids"] = ["Either ids or names must be provided."]
        refs = []
        if not errors:
            refs = self._resolve_tag_refs(a, [{"id": i} for i in ids], errors, "ids")
            if req.method == "DELETE":
                for n in names:
                    tg = self._tag_by_name(a, n)
                    if tg:
                        refs.append(tg["id"])
            else:
                refs += self._resolve_tag_refs(a, [{"name": n} for n in names], errors, "names")
        if errors:
            raise bad("Invalid request.", errors)
        new = self._materialize_tags(a, refs)
        if req.method == "POST":
            self.set_ticket_tags(a, t, t["tags"] + [i for i in new if i not in t["tags"]])
            status = 201
        elif req.method == "PUT":
            self.set_ticket_tags(a, t, new)
            status = 202
        else:
            self.set_ticket_tags(a, t, [i for i in t["tags"] if i not in new])
            status = 204
        t["updated"] = self.now()
        self.trigger(a, t, "ticket_updated")
        return Resp(status, None)

    # ---- uploads (§11)
    def api_upload(self, req, ctx):
        a = ctx["account"]
        with self.lock:
            mx = int(self.settings["upload_max_bytes"])
            store = self.settings["upload_store"]
            as_string = self.settings["upload_size_as_string"]
            strict = self.settings["strict_params"]
        if strict:
            unknown = [k for k in req.query if k != "type"]
            if unknown:
                raise bad("Invalid query parameters.", {k: ["Unknown field."] for k in unknown})
        typ = qget(req.query, "type", "attachment")
        if typ not in UPLOAD_TYPES:
            raise bad("Invalid query parameters.", {"type": ["Must be one of: %s." % ", ".join(UPLOAD_TYPES)]})
        ctype, params = fc.parse_header_params(req.header("Content-Type"))
        if ctype != "multipart/form-data" or not params.get("boundary"):
            raise bad("Invalid request: expected multipart/form-data.")
        if req.reader.length is not None and req.reader.length > mx + (1 << 20):
            raise err(413, "Request entity too large.")
        files = []
        app = self

        class TooLarge(Exception):
            pass

        class Sink(object):
            def __init__(self, headers):
                _, cd = fc.parse_header_params(headers.get("content-disposition"))
                self.field = cd.get("name") or "file"
                self.filename = cd.get("filename")
                self.ctype = headers.get("content-type") or "application/octet-stream"
                self.size = 0
                self.sha = hashlib.sha256()
                self.token = secrets.token_hex(12)
                self.path = os.path.join(app.upload_dir, self.token) if store == "disk" else None
                self.f = open(self.path, "wb") if self.path else None
                files.append(self)

            def write(self, b):
                self.size += len(b)
                if self.size > mx:
                    raise TooLarge()
                self.sha.update(b)
                if self.f:
                    self.f.write(b)

            def close(self):
                if self.f:
                    self.f.close()
                    self.f = None

        def cleanup():
            for s in files:
                if s.f:
                    s.f.close()
                if s.path and os.path.exists(s.path):
                    os.unlink(s.path)
        try:
            fc.stream_multipart(req.reader.iter_chunks(1 << 20), params["boundary"].encode(), Sink)
        except TooLarge:
            cleanup()
            raise err(413, "Request entity too large: a file exceeds %d bytes." % mx)
        except fc.MultipartError as e:
            cleanup()
            raise bad("Invalid multipart body: %s" % e)
        except fc.BodyError as e:
            cleanup()
            raise HTTPError(Resp(400, {"error": {"msg": "Bad request body: %s" % e}}, close=True))
        req.multipart_summary = [{"field": s.field, "filename": s.filename, "content_type": s.ctype,
                                  "size": s.size, "sha256": s.sha.hexdigest()} for s in files]
        if not files:
            raise bad("Invalid request: no file in the multipart body.")
        out = []
        with self.lock:
            dhash = hashlib.sha1(a["name"].encode()).hexdigest()[:12]
            for s in files:
                name = s.filename or s.field
                url = "%s/%s/api/%s/download/%s/%s-%s" % (self.base_url, a["name"], typ, dhash, s.token,
                                                           quote(name, safe=""))
                rec = {"id": self.next_id("upload"), "token": s.token, "type": typ, "label": s.field,
                       "name": name, "content_type": s.ctype, "size": s.size,
                       "sha256": s.sha.hexdigest(), "path": s.path, "url": url,
                       "uploaded_by": ctx["user"]["id"], "created": self.now()}
                a["uploads"].append(rec)
                out.append({"url": url, "name": name, "content_type": s.ctype,
                            "size": str(s.size) if as_string else s.size})
        return Resp(201, out)

    def api_download(self, req, ctx, ftype, dhash, res):
        a = ctx["account"]
        token = res.split("-", 1)[0]
        with self.lock:
            rec = next((u for u in a["uploads"] if u["token"] == token), None)
        if rec is None or not rec["path"] or not os.path.exists(rec["path"]):
            raise not_found()

        def gen(path=rec["path"]):
            with open(path, "rb") as f:
                while True:
                    b = f.read(1 << 20)
                    if not b:
                        break
                    yield b
        return Resp(200, stream=gen(), length=rec["size"], content_type=rec["content_type"])

    # ---- HTTP integrations (§12)
    def r_integration(self, i):
        return {"id": i["id"], "type": i["type"], "name": i["name"], "description": i.get("description"),
                "http": i.get("http"), "deactivated_datetime": self.dt(i.get("deactivated")),
                "created_datetime": self.dt(i["created"]), "updated_datetime": self.dt(i["updated"]),
                "uri": "/api/integrations/%d/" % i["id"]}

    def _validate_integration(self, body, errors, partial=False):
        errors.update(self.check_unknown(body, INTEGRATION_FIELDS))
        if not partial or "name" in body:
            if not isinstance(body.get("name"), str) or not body.get("name"):
                errors["name"] = MISSING
        if not partial or "type" in body:
            if body.get("type") != "http":
                errors["type"] = ["Only 'http' is supported by the fake."]
        if "deactivated_datetime" in body and body["deactivated_datetime"] is not None:
            self._parse_dt_field(body, "deactivated_datetime", errors)
        h = body.get("http")
        if not partial or "http" in body:
            if not isinstance(h, dict):
                errors["http"] = MISSING
            else:
                e = dict(self.check_unknown(h, HTTP_FIELDS))
                if not partial or "url" in h:
                    if not isinstance(h.get("url"), str) or not re.match(r"^https?://[^/\s]+", h.get("url") or ""):
                        e["url"] = ["Not a valid URL."] if h.get("url") else MISSING
                if h.get("method", "POST") not in ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"):
                    e["method"] = ["Must be one of: GET, POST, PUT, DELETE, HEAD, PATCH."]
                for f in ("request_content_type", "response_content_type"):
                    if h.get(f, "application/json") not in ("application/json", "application/x-www-form-urlencoded"):
                        e[f] = ["Must be one of: application/json, application/x-www-form-urlencoded."]
                for f in ("headers", "form"):
                    v = h.get(f)
                    if v is not None and (not isinstance(v, dict) or not all(
                            isinstance(k, str) and isinstance(x, str) for k, x in v.items())):
                        e[f] = ["Must be an object of strings."]
                tr = h.get("triggers")
                if tr is not None:
                    if not isinstance(tr, dict):
                        e["triggers"] = ["Not a valid object."]
                    else:
                        bad_t = {k: (["Unknown trigger."] if k not in TRIGGERS else ["Not a valid boolean."])
                                 for k, v in tr.items() if k not in TRIGGERS or not isinstance(v, bool)}
                        if bad_t:
                            e["triggers"] = bad_t
                if e:
                    errors["http"] = e

    def api_integrations_list(self, req, ctx):
        a = ctx["account"]
        self.check_params(req, {"cursor", "limit", "type", "order_by"})
        items = list(a["integrations"].values())
        typ = qget(req.query, "type")
        if typ:
            items = [i for i in items if i["type"] == typ]
        return self.paginate(req, [self.r_integration(i) for i in items], lambda it: it["id"], False,
                             "/api/integrations")

    def api_integration_create(self, req, ctx):
        a = ctx["account"]
        body = self.body_obj(req)
        errors = {}
        self._validate_integration(body, errors)
        if errors:
            raise bad("Failed to create integration.", errors)
        now = self.now()
        h = dict(body["http"])
        h.setdefault("id", self.next_id("integration") + 10000)
        h.setdefault("method", "POST")
        h.setdefault("request_content_type", "application/json")
        h.setdefault("response_content_type", "application/json")
        h.setdefault("triggers", {"ticket_created": True, "ticket_updated": True,
                                  "ticket_message_created": True})
        i = {"id": self.next_id("integration"), "type": "http", "name": body["name"],
             "description": body.get("description"), "http": h, "deactivated": None,
             "created": now, "updated": now, "created_by_user": ctx["user"]["id"]}
        a["integrations"][i["id"]] = i
        return Resp(201, self.r_integration(i))

    def api_integration_one(self, req, ctx, iid):
        a = ctx["account"]
        i = a["integrations"].get(int(iid))
        if i is None:
            raise not_found()
        if req.method == "GET":
            return self.r_integration(i)
        if req.method == "DELETE":
            del a["integrations"][i["id"]]
            return Resp(204)
        body = self.body_obj(req)
        errors = {}
        self._validate_integration(body, errors, partial=True)
        if errors:
            raise bad("Failed to update integration.", errors)
        for f in ("name", "description"):
            if f in body:
                i[f] = body[f]
        if "http" in body:
            i["http"].update(body["http"])      # each given key replaces the old value whole
        if "deactivated_datetime" in body:
            i["deactivated"] = fc.parse_iso(body["deactivated_datetime"]) if body["deactivated_datetime"] else None
        i["updated"] = self.now()
        return Resp(202, self.r_integration(i))

    def _ticket_context(self, a, t):
        c = a["customers"].get(t["customer_id"]) or {}
        d = {"id": t["id"], "external_id": t.get("external_id"), "status": t["status"],
             "channel": t["channel"], "via": t["via"], "spam": t["spam"],
             "from_agent": t.get("from_agent"), "customer_id": t["customer_id"],
             "assignee_user_id": t.get("assignee_user_id"), "assignee_team_id": None,
             "subject": t.get("subject"), "meta": t.get("meta"), "language": t.get("language"),
             "created_datetime": self.dt(t["created"]), "opened_datetime": self.dt(t.get("opened")),
             "trashed_datetime": self.dt(t.get("trashed")),
             "last_message_datetime": self.dt(t.get("last_message")),
             "last_received_message_datetime": self.dt(t.get("last_received")),
             "updated_datetime": self.dt(t["updated"]), "closed_datetime": self.dt(t.get("closed")),
             "snooze_datetime": self.dt(t.get("snooze")), "custom_fields": t.get("custom_fields") or {},
             "tags": [{"id": i, "name": a["tags"][i]["name"]} for i in t["tags"] if i in a["tags"]],
             "customer": {"id": c.get("id"), "email": c.get("email"), "name": c.get("name")}}
        return {"ticket": d}

    def _integration_context(self, a, t, msg=None):
        """What the templates can name: {{ticket.*}} always, {{message.*}} only
        where the account's template language offers it (UNCONFIRMED §12,
        switch integration_message_vars; otherwise it renders "" like any
        unknown variable)."""
        ctxd = self._ticket_context(a, t)
        if msg is not None and self.settings.get("integration_message_vars"):
            ctxd["message"] = self.r_message(a, msg)
        return ctxd

    def _delivery_jobs(self, a, t, trig, msg=None, source="api"):
        """The calls Gorgias makes for one change: one per active integration
        with that trigger, repeated per integration_delivery (UNCONFIRMED §12)."""
        jobs = []
        if not self.settings.get("deliver_integrations"):
            return jobs
        for i in a["integrations"].values():
            if i.get("deactivated") is not None:
                continue
            if not (i["http"].get("triggers") or {}).get(trig):
                continue
            job = {"account": a["name"], "integration": json.loads(json.dumps(i)), "trigger": trig,
                   "context": self._integration_context(a, t, msg), "ticket_id": t["id"],
                   "message_id": msg["id"] if msg is not None else None, "source": source,
                   "generation": self.generation}
            jobs.append(job)
            if self.settings.get("integration_delivery") == "twice":
                jobs.append(dict(job, copy=2))
        return jobs

    def _order_jobs(self, jobs):
        if self.settings.get("integration_delivery") == "reversed":
            return list(reversed(jobs))
        return jobs

    def trigger(self, a, t, trig, msg=None):
        for job in self._delivery_jobs(a, t, trig, msg):
            self.deliveries_q.put(job)

    @staticmethod
    def _render(tpl, ctx, urlenc=False):
        def look(m):
            cur = ctx
            for part in m.group(1).split("."):
                if isinstance(cur, dict):
                    cur = cur.get(part)
                else:
                    cur = None
            if cur is None:
                cur = ""
            s = cur if isinstance(cur, str) else json.dumps(cur)
            return quote(s, safe="") if urlenc else s
        return re.sub(r"\{\{\s*([\w.]+)\s*\}\}", look, tpl)

    def _deliver(self, job):
        """One call of an integration's URL, logged in the account's deliveries
        (GET /__admin/accounts/{a}/deliveries).  Called without the lock."""
        integ, ctxd = job["integration"], job["context"]
        with self.lock:
            if job["generation"] != self.generation:
                return None
        h = integ["http"]
        rec = {"seq": None, "integration_id": integ["id"], "trigger": job["trigger"],
               "ticket_id": job["ticket_id"], "message_id": job.get("message_id"),
               "source": job.get("source"), "copy": job.get("copy", 1), "time": time.time(),
               "url": None, "method": None, "headers": None, "body": None,
               "status": None, "error": None, "response": None}
        try:
            url = self._render(h["url"], ctxd, urlenc=True)
            method = h.get("method", "POST")
            headers = {k: self._render(str(v), ctxd) for k, v in (h.get("headers") or {}).items()}
            form = h.get("form")
            rendered = None
            if method not in ("GET", "HEAD", "DELETE"):
                if isinstance(form, dict):
                    rendered = {k: self._render(str(v), ctxd) for k, v in form.items()}
                else:
                    rendered = ctxd
            rec.update(url=url, method=method, headers=headers, body=rendered)
            out = fc.call_out(url, rendered, headers=headers, method=method,
                              timeout=float(self.settings.get("integration_timeout") or 5),
                              form=h.get("request_content_type") == "application/x-www-form-urlencoded")
            rec.update(out)
        except Exception as e:
            rec["error"] = repr(e)
        with self.lock:
            a = self.accounts.get(job["account"])
            if a is not None and job["generation"] == self.generation:
                self.delivery_seq += 1
                rec["seq"] = self.delivery_seq
                a["deliveries"].append(rec)
        return rec

    def _delivery_worker(self):
        while True:
            self._deliver(self.deliveries_q.get())

    # ---- "an agent replies in the Gorgias UI" (test-only, /_test/agent_reply)
    def _agent_source(self, a, t, c, channel, user):
        if channel == "internal-note":
            return {"type": "internal-note"}
        if channel == "sms":
            ours, theirs = None, None
            for m in reversed(t["messages"]):
                src = m.get("source") or {}
                if m["channel"] != "sms" or not isinstance(src, dict):
                    continue
                frm = (src.get("from") or {}).get("address")
                to = ((src.get("to") or [{}])[0] or {}).get("address")
                ours, theirs = (frm, to) if m["from_agent"] else (to, frm)
                break
            if theirs is None and c is not None:
                theirs = next((ch["address"] for ch in c["channels"] if ch["type"] == "phone"), None)
            return {"type": "sms", "from": {"address": ours}, "to": [{"address": theirs}]}
        return {"type": channel, "from": {"name": user["name"], "address": user["email"]},
                "to": [{"name": (c or {}).get("name"), "address": (c or {}).get("email")}]}

    def _agent_message(self, a, r):
        """Build one agent reply the way the helpdesk does (validated like an admin call)."""
        if not isinstance(r, dict):
            raise HTTPError(Resp(400, {"error": "each reply must be an object"}))
        t = a["tickets"].get(r.get("ticket_id")) if isinstance(r.get("ticket_id"), int) else None
        if t is None:
            raise HTTPError(Resp(404, {"error": "no such ticket %r" % r.get("ticket_id")}))
        u = a["users"].get(r.get("user_id")) if isinstance(r.get("user_id"), int) else None
        if u is None or not u.get("active", True):
            raise HTTPError(Resp(400, {"error": "user_id must name an active Gorgias user"}))
        public = r.get("public", True)
        if not isinstance(public, bool):
            raise HTTPError(Resp(400, {"error": "public must be a boolean"}))
        channel = r.get("channel", "sms") if public else "internal-note"
        if not isinstance(channel, str) or not SLUG_RE.match(channel):
            raise HTTPError(Resp(400, {"error": "channel must be a channel slug"}))
        text = r.get("body_text")
        if not isinstance(text, str):
            raise HTTPError(Resp(400, {"error": "body_text (string) is required"}))
        html = r.get("body_html")
        if html is None:
            html = "<div>%s</div>" % text.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br>")
        atts = r.get("attachments") or []
        if not isinstance(atts, list) or not all(isinstance(x, dict) and x.get("url") for x in atts):
            raise HTTPError(Resp(400, {"error": "attachments must be [{url, name, content_type}]"}))
        c = a["customers"].get(t["customer_id"])
        now = self.now()
        m = {"id": None, "ticket_id": None, "channel": channel, "via": "helpdesk", "from_agent": True,
             "public": public, "sender": {"kind": "user", "id": u["id"]},
             "receiver": {"kind": "customer", "id": c["id"]} if (c and public) else None,
             "source": self._agent_source(a, t, c, channel, u), "subject": t.get("subject"),
             "body_text": text, "body_html": html, "attachments": atts, "external_id": None,
             "message_id": None, "integration_id": None, "mention_ids": None, "meta": None,
             "headers": None, "macros": None, "sent": None, "created": now,
             "would_send": public, "raw": r, "created_by": "agent"}
        self._attach_message(t, m)
        t["updated"] = now
        return t, m

    def test_agent_reply(self, req):
        """POST /_test/agent_reply {account?, ticket_id, user_id, body_text, body_html?,
        channel="sms", public=true, attachments?} or {account?, replies: [...]}:
        the messages are created as the helpdesk does, then the integrations are
        called (synchronously unless integration_async)."""
        b = req.json() if req.body else None
        if not isinstance(b, dict):
            raise HTTPError(Resp(400, {"error": "JSON object expected"}))
        with self.lock:
            name = b.get("account")
            if name is None and len(self.accounts) == 1:
                name = next(iter(self.accounts))
            a = self.acct(name)
            replies = b["replies"] if "replies" in b else [b]
            if not isinstance(replies, list) or not replies:
                raise HTTPError(Resp(400, {"error": "replies must be a non-empty list"}))
            made, jobs = [], []
            for r in replies:
                t, m = self._agent_message(a, r)
                made.append(m)
                jobs += self._delivery_jobs(a, t, "ticket_message_created", m, source="agent_reply")
            jobs = self._order_jobs(jobs)
            messages = [self.r_message(a, m, admin=True) for m in made]
            is_async = bool(self.settings.get("integration_async"))
        if is_async:
            for j in jobs:
                self.deliveries_q.put(j)
            recs = []
        else:
            recs = [self._deliver(j) for j in jobs]
        return {"message": messages[0], "messages": messages, "deliveries": recs,
                "queued": len(jobs) if is_async else 0}

    # ---- OAuth (§1.2)
    def _oauth_err(self, status, error, desc=None):
        b = {"error": error}
        if desc:
            b["error_description"] = desc
        return HTTPError(Resp(status, b, headers={"Cache-Control": "no-store"}))

    def _redirect_ok(self, client, uri):
        regs = client.get("redirect_uris") or []
        if not regs:
            return True
        if self.settings["oauth_redirect_match"] == "prefix":
            return any(uri.startswith(r) for r in regs)
        return uri in regs

    def _consent_user(self, a):
        want = a["settings"].get("oauth_user")
        users = sorted(a["users"].values(), key=lambda u: u["id"])
        if want is not None:
            for u in users:
                if str(u["id"]) == str(want) or u["email"].lower() == str(want).lower():
                    return u
            return None
        admins = [u for u in users if u["role"] == "admin" and u["active"]]
        return (admins or [u for u in users if u["active"]] or [None])[0]

    def oauth_authorize(self, req, ctx):
        a = ctx["account"]
        q = {k: v[0] for k, v in req.query.items()}
        client = self.clients.get(q.get("client_id"))
        if client is None:
            return Resp(400, {"error": "invalid_client", "error_description": "Unknown client_id."})
        ru = q.get("redirect_uri")
        if not ru or not self._redirect_ok(client, ru):
            return Resp(400, {"error": "invalid_request",
                              "error_description": "The redirect_uri is not registered for this client."})

        def redirect(params):
            if q.get("state") is not None:
                params["state"] = q["state"]
            sep = "&" if "?" in ru else "?"
            return Resp(302, None, headers={"Location": ru + sep + urlencode(params)})
        if q.get("response_type") != "code":
            return redirect({"error": "unsupported_response_type"})
        scopes = (q.get("scope") or "").replace("+", " ").split()
        bad_scopes = [s for s in scopes if s not in KNOWN_SCOPES]
        if bad_scopes or not scopes:
            return redirect({"error": "invalid_scope",
                             "error_description": "Unknown or missing scope: %s" % " ".join(bad_scopes)})
        granted = self.settings.get("granted_scopes")
        if granted:
            # The app's registration in the developer portal limits what a
            # consent can grant: the token carries only those scopes.
            scopes = [s for s in scopes if s in granted.split()]
        mode = a["settings"].get("oauth_consent", "allow")
        user = self._consent_user(a)
        if mode == "deny" or user is None:
            return redirect({"error": "access_denied",
                             "error_description": "The resource owner denied the request."})
        code = secrets.token_urlsafe(32)
        self.codes[code] = {"account": a["name"], "client_id": client["client_id"], "redirect_uri": ru,
                            "scope": " ".join(scopes), "user_id": user["id"], "nonce": q.get("nonce"),
                            "exp": self.now() + float(self.settings["auth_code_ttl"]), "used": False}
        return redirect({"code": code, "scope": " ".join(scopes)})

    def _client_auth(self, req, form):
        mode = self.settings["oauth_client_auth"]
        h = req.header("Authorization") or ""
        cid = secret = None
        if h.lower().startswith("basic ") and mode in ("basic", "both"):
            try:
                cid, _, secret = b64decode(h[6:].strip()).decode().partition(":")
            except Exception:
                cid = None
        elif mode in ("body", "both") and form.get("client_id"):
            cid, secret = form.get("client_id"), form.get("client_secret")
        c = self.clients.get(cid)
        req.auth_info = {"scheme": "client", "client_id": cid, "valid": False}
        if c is None or not secrets.compare_digest(c["client_secret"], secret or ""):
            raise HTTPError(Resp(401, {"error": "invalid_client",
                                       "error_description": "Client authentication failed."},
                                 headers={"WWW-Authenticate": 'Basic realm="oauth"'}))
        req.auth_info["valid"] = True
        return c

    def issue_access_token(self, a, user_id, client_id, scope):
        now = int(self.now())
        ttl = int(self.settings["access_token_ttl"])
        jti = secrets.token_hex(16)
        if self.settings["jwt_issuer_style"] == "gorgias":
            iss = "https://%s.gorgias.com" % a["name"]
        else:
            iss = "%s/%s" % (self.base_url, a["name"])
        payload = {"iss": iss, "sub": user_id, "aud": iss + "/api", "iat": now, "exp": now + ttl,
                   "azp": client_id, "jti": jti, "scope": scope}
        header = {"alg": "RS256", "kid": "public:fake-gorgias", "typ": "JWT"}
        token = "%s.%s.%s" % (fc.b64url(json.dumps(header)), fc.b64url(json.dumps(payload)),
                              fc.b64url(secrets.token_bytes(256)))
        self.access_tokens[token] = {"account": a["name"], "user_id": user_id, "client_id": client_id,
                                     "scope": scope, "iat": now, "exp": now + ttl, "jti": jti,
                                     "revoked": False}
        return token, payload

    def id_token(self, a, user_id, client_id, nonce, access_token):
        u = a["users"].get(user_id) or {}
        now = int(self.now())
        at_hash = fc.b64url(hashlib.sha256(access_token.encode()).digest()[:16])
        p = {"iss": "https://%s.gorgias.com" % a["name"], "sub": user_id, "aud": [client_id],
             "iat": now, "exp": now + 3600, "auth_time": now, "at_hash": at_hash,
             "name": u.get("name"), "email": u.get("email"), "jti": secrets.token_hex(8)}
        if nonce:
            p["nonce"] = nonce
        return "%s.%s.%s" % (fc.b64url(json.dumps({"alg": "RS256", "typ": "JWT"})),
                             fc.b64url(json.dumps(p)), fc.b64url(secrets.token_bytes(256)))

    def token_response(self, a, user_id, client_id, scope, nonce=None, with_refresh=True):
        at, _ = self.issue_access_token(a, user_id, client_id, scope)
        out = {"access_token": at, "expires_in": 0, "scope": scope, "token_type": "Bearer"}
        if with_refresh and "offline" in scope.split():
            rt = secrets.token_urlsafe(36)
            self.refresh_tokens[rt] = {"account": a["name"], "user_id": user_id, "client_id": client_id,
                                       "scope": scope, "revoked": False, "created": self.now()}
            out["refresh_token"] = rt
        if "openid" in scope.split():
            out["id_token"] = self.id_token(a, user_id, client_id, nonce, at)
        return out

    def _oauth_form(self, req):
        if req.content_type == "application/json":
            if not self.settings["oauth_token_json"]:
                raise self._oauth_err(400, "invalid_request",
                                      "Content-Type must be application/x-www-form-urlencoded.")
            j = req.json()
            return {k: str(v) for k, v in j.items()} if isinstance(j, dict) else {}
        return req.form()

    def oauth_token(self, req, ctx):
        a = ctx["account"]
        form = self._oauth_form(req)
        client = self._client_auth(req, form)
        gt = form.get("grant_type")
        if gt == "authorization_code":
            code = self.codes.get(form.get("code") or "")
            if code is None or code["used"] or code["exp"] < self.now() or code["account"] != a["name"] \
                    or code["client_id"] != client["client_id"]:
                raise self._oauth_err(400, "invalid_grant", "The authorization code is invalid or expired.")
            if form.get("redirect_uri") != code["redirect_uri"]:
                raise self._oauth_err(400, "invalid_grant", "The redirect_uri does not match.")
            code["used"] = True
            return Resp(200, self.token_response(a, code["user_id"], client["client_id"], code["scope"],
                                                 nonce=code["nonce"]), headers={"Cache-Control": "no-store"})
        if gt == "refresh_token":
            rt = self.refresh_tokens.get(form.get("refresh_token") or "")
            if rt is None or rt["revoked"] or rt["account"] != a["name"] or rt["client_id"] != client["client_id"]:
                raise self._oauth_err(400, "invalid_grant",
                                      "The refresh token is malformed, revoked or was issued to another client.")
            u = a["users"].get(rt["user_id"])
            if u is None or not u["active"]:
                raise self._oauth_err(400, "invalid_grant", "The user is no longer active.")
            at, _ = self.issue_access_token(a, rt["user_id"], client["client_id"], rt["scope"])
            out = {"access_token": at, "expires_in": 0, "scope": rt["scope"], "token_type": "Bearer"}
            if self.settings["oauth_rotate_refresh"]:
                rt["revoked"] = True
                nrt = secrets.token_urlsafe(36)
                self.refresh_tokens[nrt] = dict(rt, revoked=False, created=self.now())
                out["refresh_token"] = nrt
            rt["last_used"] = self.now()
            return Resp(200, out, headers={"Cache-Control": "no-store"})
        if not gt:
            raise self._oauth_err(400, "invalid_request", "Missing grant_type.")
        raise self._oauth_err(400, "unsupported_grant_type")

    def oauth_revoke(self, req, ctx):
        a = ctx["account"]
        form = self._oauth_form(req)
        client = self._client_auth(req, form)
        tok = form.get("token") or ""
        rt = self.refresh_tokens.get(tok)
        if rt and rt["account"] == a["name"] and rt["client_id"] == client["client_id"]:
            rt["revoked"] = True
        at = self.access_tokens.get(tok)
        if at and at["account"] == a["name"] and at["client_id"] == client["client_id"]:
            at["revoked"] = True
        return Resp(200, {})

    # =============================================================== admin
    def _init_admin_routes(self):
        A = self.admin_routes
        add = lambda m, p, f: A.append(Route(m, p, f))  # noqa: E731
        acc = r"/__admin/accounts/(?P<acct>[A-Za-z0-9_.-]+)"
        add("GET", r"/__admin/state", self.adm_state)
        add("GET", r"/__admin/oauth/clients", lambda req: {"clients": list(self.clients.values())})
        add("POST", r"/__admin/oauth/clients", self.adm_client_add)
        add("GET", r"/__admin/accounts", lambda req: {"accounts": [self.adm_acct_view(a) for a in self.accounts.values()]})
        add("POST", r"/__admin/accounts", self.adm_account_add)
        add("GET", acc, lambda req, acct: self.adm_acct_view(self.acct(acct)))
        add("POST PUT PATCH", acc, self.adm_account_update)
        add("DELETE", acc, self.adm_account_delete)
        add("GET", acc + r"/users", lambda req, acct: {"users": [self.adm_user_view(u) for u in self.acct(acct)["users"].values()]})
        add("POST", acc + r"/users", self.adm_user_add)
        add("POST PUT PATCH", acc + r"/users/(?P<uid>\d+)", self.adm_user_update)
        add("GET", acc + r"/customers", self.adm_customers)
        add("POST", acc + r"/customers", self.adm_customer_add)
        add("POST", acc + r"/customers/merge", self.adm_customer_merge)
        add("GET", acc + r"/customers/(?P<cid>\d+)", self.adm_customer_get)
        add("POST PUT PATCH", acc + r"/customers/(?P<cid>\d+)", self.adm_customer_update)
        add("DELETE", acc + r"/customers/(?P<cid>\d+)", self.adm_customer_delete)
        add("GET", acc + r"/tickets", self.adm_tickets)
        add("POST", acc + r"/tickets", self.adm_ticket_add)
        add("GET", acc + r"/tickets/(?P<tid>\d+)", self.adm_ticket_get)
        add("POST PUT PATCH", acc + r"/tickets/(?P<tid>\d+)", self.adm_ticket_update)
        add("DELETE", acc + r"/tickets/(?P<tid>\d+)", self.adm_ticket_delete)
        add("POST", acc + r"/tickets/(?P<tid>\d+)/messages", self.adm_ticket_message)
        add("GET", acc + r"/tags", lambda req, acct: {"tags": [dict(self.r_tag(t), auto_created=t.get("auto_created", False)) for t in self.acct(acct)["tags"].values()]})
        add("POST", acc + r"/tags", self.adm_tag_add)
        add("GET", acc + r"/uploads", self.adm_uploads)
        add("GET", acc + r"/uploads/(?P<upid>\d+)/content", self.adm_upload_content)
        add("GET", acc + r"/integrations", lambda req, acct: {"integrations": [self.r_integration(i) for i in self.acct(acct)["integrations"].values()]})
        add("GET", acc + r"/deliveries", lambda req, acct: {"deliveries": self.acct(acct)["deliveries"]})
        add("DELETE", acc + r"/integrations/(?P<iid>\d+)", self.adm_integration_delete)
        A.append(Route("POST", r"/_test/agent_reply", self.test_agent_reply, nolock=True))
        add("POST", acc + r"/oauth", self.adm_oauth_cfg)
        add("GET", acc + r"/tokens", self.adm_tokens)
        add("POST", acc + r"/tokens", self.adm_token_mint)
        add("POST", acc + r"/revoke", self.adm_revoke)
        add("POST", acc + r"/expire_tokens", self.adm_expire)

    def adm_integration_delete(self, req, acct, iid):
        """An admin deletes the integration in the Gorgias UI."""
        if self.acct(acct)["integrations"].pop(int(iid), None) is None:
            raise HTTPError(Resp(404, {"error": "no such integration"}))
        return {"ok": True}

    def _admin_body(self, req):
        b = req.json() if req.body else {}
        if not isinstance(b, dict):
            raise HTTPError(Resp(400, {"error": "JSON object expected"}))
        return b

    def adm_state(self, req):
        return {"settings": self.settings,
                "clients": list(self.clients.values()),
                "accounts": {n: {"account": self.adm_acct_view(a),
                                 "users": [self.adm_user_view(u) for u in a["users"].values()],
                                 "customers": [self.r_customer(c, admin=True) for c in a["customers"].values()],
                                 "tickets": [self.r_ticket(a, t, admin=True) for t in a["tickets"].values()],
                                 "tags": [self.r_tag(t) for t in a["tags"].values()],
                                 "uploads": [self.adm_upload_view(u) for u in a["uploads"]],
                                 "integrations": [self.r_integration(i) for i in a["integrations"].values()],
                                 "deliveries": a["deliveries"]}
                             for n, a in self.accounts.items()},
                "faults": self.faults}

    def adm_acct_view(self, a):
        return {"name": a["name"], "created_datetime": self.dt(a["created"]), "settings": a["settings"],
                "base_url": "%s/%s" % (self.base_url, a["name"]),
                "counts": {k: len(a[k]) for k in ("users", "customers", "tickets", "tags", "uploads")}}

    def adm_user_view(self, u):
        d = self.r_user(u)
        d["api_key"] = u.get("api_key")
        return d

    def adm_client_add(self, req):
        b = self._admin_body(req)
        if not b.get("client_id") or not b.get("client_secret"):
            raise HTTPError(Resp(400, {"error": "client_id and client_secret are required"}))
        c = {"client_id": b["client_id"], "client_secret": b["client_secret"],
             "redirect_uris": list(b.get("redirect_uris") or []), "name": b.get("name", "Fake app")}
        self.clients[c["client_id"]] = c
        return c

    ACCOUNT_SETTING_KEYS = ("rate_limit", "rate_window", "rate_limit_basic", "rate_mode",
                            "oauth_consent", "oauth_user", "status")

    def adm_account_add(self, req):
        b = self._admin_body(req)
        name = b.get("name")
        if not name or not re.match(r"^[A-Za-z0-9_.-]+$", name) or name == "__admin":
            raise HTTPError(Resp(400, {"error": "a valid account name is required"}))
        if name in self.accounts and not b.get("replace"):
            raise HTTPError(Resp(409, {"error": "account exists"}))
        a = {"name": name, "created": self.now(), "settings": {}, "users": {}, "customers": {},
             "tickets": {}, "tags": {}, "uploads": [], "integrations": {}, "deliveries": []}
        for k in self.ACCOUNT_SETTING_KEYS:
            if k in b:
                a["settings"][k] = b[k]
        self.accounts[name] = a
        user = None
        if b.get("email"):
            user = self._add_user(a, {"email": b["email"], "api_key": b.get("api_key"),
                                      "role": b.get("role", "admin"), "firstname": b.get("firstname"),
                                      "lastname": b.get("lastname"), "name": b.get("user_name")})
        v = self.adm_acct_view(a)
        v["user"] = self.adm_user_view(user) if user else None
        return v

    def adm_account_update(self, req, acct):
        a = self.acct(acct)
        b = self._admin_body(req)
        for k in self.ACCOUNT_SETTING_KEYS:
            if k in b:
                if b[k] is None:
                    a["settings"].pop(k, None)
                else:
                    a["settings"][k] = b[k]
        unknown = [k for k in b if k not in self.ACCOUNT_SETTING_KEYS]
        if unknown:
            raise HTTPError(Resp(400, {"error": "unknown account setting(s) %s" % unknown,
                                       "known": list(self.ACCOUNT_SETTING_KEYS)}))
        return self.adm_acct_view(a)

    def adm_account_delete(self, req, acct):
        self.acct(acct)
        del self.accounts[acct]
        return {"ok": True}

    def _add_user(self, a, b):
        if not b.get("email"):
            raise HTTPError(Resp(400, {"error": "email is required"}))
        role = b.get("role") or "agent"
        if role not in ROLES:
            raise HTTPError(Resp(400, {"error": "role must be one of %s" % ROLES}))
        now = self.now()
        uid = self.seed_id("user", b.get("id"))
        if uid in a["users"]:
            raise HTTPError(Resp(409, {"error": "user id exists"}))
        first = b.get("firstname") or b["email"].split("@")[0].split(".")[0].capitalize()
        last = b.get("lastname") or ""
        created = fc.parse_iso(b["created_datetime"]) if b.get("created_datetime") else now
        u = {"id": uid, "email": b["email"], "firstname": first, "lastname": last,
             "name": b.get("name") or (first + (" " + last if last else "")), "role": role,
             "active": b.get("active", True), "api_key": b.get("api_key"), "created": created,
             "updated": now, "deactivated": None if b.get("active", True) else now,
             "external_id": b.get("external_id"), "meta": b.get("meta"), "bio": None, "country": None,
             "language": b.get("language", "en"), "timezone": b.get("timezone", "UTC")}
        a["users"][uid] = u
        return u

    def adm_user_add(self, req, acct):
        return self.adm_user_view(self._add_user(self.acct(acct), self._admin_body(req)))

    def adm_user_update(self, req, acct, uid):
        a = self.acct(acct)
        u = a["users"].get(int(uid))
        if u is None:
            raise HTTPError(Resp(404, {"error": "no such user"}))
        b = self._admin_body(req)
        for k in ("email", "firstname", "lastname", "name", "role", "api_key", "external_id", "meta"):
            if k in b:
                u[k] = b[k]
        if "active" in b:
            u["active"] = bool(b["active"])
            u["deactivated"] = None if u["active"] else self.now()
        if b.get("delete"):
            del a["users"][u["id"]]
            return {"ok": True, "deleted": u["id"]}
        u["updated"] = self.now()
        return self.adm_user_view(u)

    def adm_customers(self, req, acct):
        a = self.acct(acct)
        inc = qget(req.query, "include_deleted") == "1"
        return {"customers": [self.r_customer(c, admin=True) for c in a["customers"].values()
                              if inc or not c["deleted"]]}

    def adm_customer_add(self, req, acct):
        a = self.acct(acct)
        b = self._admin_body(req)
        c = self.create_customer(a, b, via_api=False)
        return self.r_customer(c, admin=True)

    def _adm_customer(self, a, cid):
        c = a["customers"].get(int(cid))
        if c is None:
            raise HTTPError(Resp(404, {"error": "no such customer"}))
        return c

    def adm_customer_get(self, req, acct, cid):
        a = self.acct(acct)
        return self.r_customer(self._adm_customer(a, cid), admin=True)

    def adm_customer_update(self, req, acct, cid):
        a = self.acct(acct)
        c = self._adm_customer(a, cid)
        self.update_customer(a, c, self._admin_body(req), via_api=False)
        return self.r_customer(c, admin=True)

    def adm_customer_delete(self, req, acct, cid):
        a = self.acct(acct)
        c = self._adm_customer(a, cid)
        c["deleted"] = True
        return {"ok": True}

    def adm_customer_merge(self, req, acct):
        a = self.acct(acct)
        b = self._admin_body(req)
        src = self._adm_customer(a, b.get("source_id"))
        dst = self._adm_customer(a, b.get("target_id"))
        if src["deleted"] or dst["deleted"]:
            raise HTTPError(Resp(400, {"error": "customer already deleted/merged"}))
        self.merge_customers(a, src, dst)
        return self.r_customer(dst, admin=True)

    def adm_tickets(self, req, acct):
        a = self.acct(acct)
        ts = list(a["tickets"].values())
        cid = qget(req.query, "customer_id")
        if cid:
            ts = [t for t in ts if str(t["customer_id"]) == cid]
        ext = qget(req.query, "external_id")
        if ext:
            ts = [t for t in ts if t.get("external_id") == ext]
        return {"tickets": [self.r_ticket(a, t, admin=True) for t in sorted(ts, key=lambda t: t["id"])]}

    def _adm_ticket(self, a, tid):
        t = a["tickets"].get(int(tid))
        if t is None:
            raise HTTPError(Resp(404, {"error": "no such ticket"}))
        return t

    def _admin_ctx(self, a, b):
        uid = b.pop("as_user", None) if isinstance(b, dict) else None
        u = a["users"].get(uid) if uid else self._consent_user(a)
        if u is None:
            u = {"id": None}
        return {"kind": "admin", "user": u, "scopes": None, "account": a}

    def adm_ticket_add(self, req, acct):
        a = self.acct(acct)
        b = self._admin_body(req)
        ctx = self._admin_ctx(a, b)
        try:
            t = self.create_ticket(a, b, ctx, via_api=False)
        except HTTPError as e:
            raise HTTPError(Resp(400, {"error": "invalid ticket", "detail": e.resp.body}))
        return self.r_ticket(a, t, admin=True)

    def adm_ticket_get(self, req, acct, tid):
        a = self.acct(acct)
        return self.r_ticket(a, self._adm_ticket(a, tid), admin=True)

    def adm_ticket_update(self, req, acct, tid):
        """Agent action in the Gorgias UI: status/spam/trash/close/assignee/tags..."""
        a = self.acct(acct)
        t = self._adm_ticket(a, tid)
        try:
            self.update_ticket(a, t, self._admin_body(req), via_api=False)
        except HTTPError as e:
            raise HTTPError(Resp(400, {"error": "invalid update", "detail": e.resp.body}))
        return self.r_ticket(a, t, admin=True)

    def adm_ticket_delete(self, req, acct, tid):
        a = self.acct(acct)
        t = self._adm_ticket(a, tid)
        del a["tickets"][t["id"]]
        return {"ok": True}

    def adm_ticket_message(self, req, acct, tid):
        a = self.acct(acct)
        t = self._adm_ticket(a, tid)
        b = self._admin_body(req)
        ctx = self._admin_ctx(a, b)
        try:
            pm = self.add_message(a, t, b, ctx, via_api=False)
        except HTTPError as e:
            raise HTTPError(Resp(400, {"error": "invalid message", "detail": e.resp.body}))
        return self.r_message(a, pm, admin=True)

    def adm_tag_add(self, req, acct):
        a = self.acct(acct)
        b = self._admin_body(req)
        if not b.get("name"):
            raise HTTPError(Resp(400, {"error": "name is required"}))
        existing = self._tag_by_name(a, b["name"])
        if existing:
            return self.r_tag(existing)
        return self.r_tag(self.create_tag(a, b, seed_id=b.get("id")))

    def adm_upload_view(self, u):
        return {k: u[k] for k in ("id", "type", "label", "name", "content_type", "size", "sha256", "url",
                                  "uploaded_by")} | {"created_datetime": self.dt(u["created"]),
                                                     "stored": bool(u["path"])}

    def adm_uploads(self, req, acct):
        return {"uploads": [self.adm_upload_view(u) for u in self.acct(acct)["uploads"]]}

    def adm_upload_content(self, req, acct, upid):
        a = self.acct(acct)
        u = next((x for x in a["uploads"] if x["id"] == int(upid)), None)
        if u is None or not u["path"]:
            raise HTTPError(Resp(404, {"error": "no such stored upload"}))
        with open(u["path"], "rb") as f:
            return Resp(200, f.read(), content_type=u["content_type"])

    def adm_oauth_cfg(self, req, acct):
        a = self.acct(acct)
        b = self._admin_body(req)
        if "consent" in b:
            if b["consent"] not in ("allow", "deny"):
                raise HTTPError(Resp(400, {"error": "consent must be allow|deny"}))
            a["settings"]["oauth_consent"] = b["consent"]
        if "user" in b:
            if b["user"] is None:
                a["settings"].pop("oauth_user", None)
            else:
                a["settings"]["oauth_user"] = b["user"]
        return self.adm_acct_view(a)

    def adm_tokens(self, req, acct):
        self.acct(acct)
        now = self.now()
        return {"access_tokens": [dict({k: v for k, v in t.items()}, token=tok[:24] + "...",
                                       expired=t["exp"] <= now)
                                  for tok, t in self.access_tokens.items() if t["account"] == acct],
                "refresh_tokens": [dict(t, token=tok) for tok, t in self.refresh_tokens.items()
                                   if t["account"] == acct]}

    def adm_token_mint(self, req, acct):
        """Issue tokens directly, bypassing the browser dance."""
        a = self.acct(acct)
        b = self._admin_body(req)
        user = b.get("user")
        if user is None:
            u = self._consent_user(a)
        else:
            u = next((x for x in a["users"].values()
                      if str(x["id"]) == str(user) or x["email"].lower() == str(user).lower()), None)
        if u is None:
            raise HTTPError(Resp(400, {"error": "no such user / no user to impersonate"}))
        client_id = b.get("client_id") or (next(iter(self.clients)) if self.clients else "fake-client")
        scope = b.get("scope") or "openid email profile offline write:all"
        saved = self.settings["access_token_ttl"]
        if b.get("ttl") is not None:
            self.settings["access_token_ttl"] = b["ttl"]
        try:
            return self.token_response(a, u["id"], client_id, scope)
        finally:
            self.settings["access_token_ttl"] = saved

    def adm_revoke(self, req, acct):
        """Simulate an uninstall: refresh tokens revoked (G8); access tokens too if access=true."""
        self.acct(acct)
        b = self._admin_body(req)
        n_r = n_a = 0
        cid = b.get("client_id")
        if b.get("refresh", True):
            for t in self.refresh_tokens.values():
                if t["account"] == acct and (cid is None or t["client_id"] == cid) and not t["revoked"]:
                    t["revoked"] = True
                    n_r += 1
        if b.get("access", False):
            for t in self.access_tokens.values():
                if t["account"] == acct and (cid is None or t["client_id"] == cid) and not t["revoked"]:
                    t["revoked"] = True
                    n_a += 1
        return {"revoked_refresh": n_r, "revoked_access": n_a}

    def adm_expire(self, req, acct):
        self.acct(acct)
        n = 0
        past = self.now() - 1
        for t in self.access_tokens.values():
            if t["account"] == acct and t["exp"] > past:
                t["exp"] = past
                n += 1
        return {"expired": n}


if __name__ == "__main__":
    fc.main(GorgiasApp, "Fake Gorgias API server")
