"""Thin urllib clients for the fakes' /__admin/ control plane, plus a helper
to start a fake as a subprocess.  Standard library only.

    from client import start_fake, FakeGorgias, FakeAircall
    with start_fake("gorgias") as proc:          # proc.url, proc.port, proc.client
        fg = proc.client
        fg.reset()
        fg.add_account("acme", "admin@acme.test", "key-1")
        ...
"""

import base64
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import quote, urlencode

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
import fakecore  # noqa: E402


class AdminError(Exception):
    def __init__(self, status, body):
        Exception.__init__(self, "admin call failed: HTTP %s %s" % (status, body))
        self.status = status
        self.body = body


class _Admin(object):
    def __init__(self, base_url, timeout=30):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method, path, body=None, query=None, raw=False):
        url = self.base_url + path
        if query:
            q = {k: v for k, v in query.items() if v is not None}
            if q:
                url += "?" + urlencode(q, doseq=True)
        data = None
        headers = {}
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                payload = r.read()
        except urllib.error.HTTPError as e:
            b = e.read()
            try:
                b = json.loads(b.decode())
            except ValueError:
                pass
            raise AdminError(e.code, b)
        if raw:
            return payload
        return json.loads(payload.decode()) if payload else None

    def get(self, path, **query):
        return self._call("GET", path, query=query)

    def post(self, path, body=None, **query):
        return self._call("POST", path, body=body if body is not None else {}, query=query)

    def delete(self, path, **query):
        return self._call("DELETE", path, query=query)

    # ---- common to both fakes
    def health(self):
        return self.get("/__admin/health")

    def reset(self, keep_settings=False):
        """Forget all state, settings back to defaults, log/faults/stats cleared."""
        return self.post("/__admin/reset", {"keep_settings": keep_settings})

    def set(self, **settings):
        """Change behaviour switches, e.g. fg.set(phone_lookup_mode="search_digits")."""
        return self.post("/__admin/settings", settings)

    def settings(self):
        return self.get("/__admin/settings")

    def state(self):
        return self.get("/__admin/state")

    def requests(self, key=None, method=None, path_prefix=None, status=None, since=None, fault=None,
                 limit=None):
        """Request log entries (oldest first).  key = account name / company id.
        path_prefix matches the path after the account prefix (e.g. '/api/tickets')
        or the full path.  Each entry: seq, time, method, path, route, key, query,
        headers (Authorization masked), has_authorization, auth, json, form,
        body_text, multipart, status, response, response_headers, fault, duration_ms."""
        r = self.get("/__admin/requests", key=key, method=method, path_prefix=path_prefix,
                     status=status, since=since, fault=fault, limit=limit)
        return r["requests"]

    def last_seq(self):
        return self.get("/__admin/requests", limit=1)["last_seq"]

    def clear_requests(self):
        return self.delete("/__admin/requests")

    def stats(self, key=None, window=None):
        r = self.get("/__admin/stats", key=key, window=window)
        return r["stats"] if key is None else r["stats"].get(str(key))

    def max_window_use(self, key, window=None, accepted=False):
        """Max number of API requests seen (or accepted) in any sliding window
        (default: the configured rate-limit window) for this account/company."""
        s = self.stats(key, window=window)
        return s["max_window_accepted" if accepted else "max_window_seen"]

    def script_faults(self, faults, append=True):
        """faults: list of {status, count=1, retry_after, body, headers, delay, close,
        drop, message, match: {method, path_prefix, path_regex, account|company}}."""
        if isinstance(faults, dict):
            faults = [faults]
        return self.post("/__admin/faults", {"faults": faults, "append": append})["faults"]

    def faults(self):
        return self.get("/__admin/faults")["faults"]

    def clear_faults(self):
        return self.delete("/__admin/faults")

    def chaos(self, error_rate=None, error_status=None, error_seed=None, delay_seconds=None,
              delay_next=None, delay_fraction=None, delay_seed=None):
        s = {k: v for k, v in dict(error_rate=error_rate, error_status=error_status, error_seed=error_seed,
                                   delay_seconds=delay_seconds, delay_next=delay_next,
                                   delay_fraction=delay_fraction, delay_seed=delay_seed).items()
             if v is not None}
        return self.set(**s)


class FakeGorgias(_Admin):
    """Admin client for fake_gorgias.py.  API base URL of an account:
    fg.api_base('acme') == 'http://127.0.0.1:N/acme'."""

    def api_base(self, account):
        return "%s/%s" % (self.base_url, account)

    # accounts / users
    def add_account(self, name, email=None, api_key=None, role="admin", replace=False, **settings):
        """Create an account; with email+api_key also an admin user owning that API key.
        settings: rate_limit, rate_window, rate_limit_basic, rate_mode, oauth_consent, oauth_user, status."""
        body = dict(settings, name=name, replace=replace, role=role)
        if email:
            body["email"] = email
            body["api_key"] = api_key
        return self.post("/__admin/accounts", body)

    def account(self, name):
        return self.get("/__admin/accounts/%s" % name)

    def update_account(self, name, **settings):
        """Per-account overrides (None removes): rate_limit, rate_window, rate_limit_basic,
        rate_mode, oauth_consent, oauth_user, status."""
        return self.post("/__admin/accounts/%s" % name, settings)

    def add_user(self, account, email, role="agent", active=True, api_key=None, firstname=None,
                 lastname=None, name=None, id=None, **extra):
        body = dict(extra, email=email, role=role, active=active, api_key=api_key, firstname=firstname,
                    lastname=lastname, name=name)
        if id is not None:
            body["id"] = id
        return self.post("/__admin/accounts/%s/users" % account, {k: v for k, v in body.items() if v is not None})

    def update_user(self, account, user_id, **fields):
        """fields: active, email, role, api_key, name...; delete=True removes the user."""
        return self.post("/__admin/accounts/%s/users/%d" % (account, user_id), fields)

    def users(self, account):
        return self.get("/__admin/accounts/%s/users" % account)["users"]

    # customers
    def add_customer(self, account, **fields):
        """Seed a customer directly (no 409 check).  fields as the API: name, email,
        firstname, lastname, channels=[{type,address,preferred}], external_id, note, meta,
        created_datetime, id.  Shortcut: phone='+34...' adds a phone channel."""
        phone = fields.pop("phone", None)
        if phone:
            fields.setdefault("channels", []).append({"type": "phone", "address": phone, "preferred": True})
        return self.post("/__admin/accounts/%s/customers" % account, fields)

    def customers(self, account, include_deleted=False):
        return self.get("/__admin/accounts/%s/customers" % account,
                        include_deleted="1" if include_deleted else None)["customers"]

    def customer(self, account, customer_id):
        return self.get("/__admin/accounts/%s/customers/%d" % (account, customer_id))

    def update_customer(self, account, customer_id, **fields):
        return self.post("/__admin/accounts/%s/customers/%d" % (account, customer_id), fields)

    def delete_customer(self, account, customer_id):
        return self.delete("/__admin/accounts/%s/customers/%d" % (account, customer_id))

    def merge_customers(self, account, source_id, target_id):
        """Agent merges source into target: source then 404s, its tickets move."""
        return self.post("/__admin/accounts/%s/customers/merge" % account,
                         {"source_id": source_id, "target_id": target_id})

    # tickets
    def tickets(self, account, customer_id=None, external_id=None):
        """Full tickets incl. messages (with _request_body/_would_be_sent_by_gorgias) and tags."""
        return self.get("/__admin/accounts/%s/tickets" % account, customer_id=customer_id,
                        external_id=external_id)["tickets"]

    def ticket(self, account, ticket_id):
        return self.get("/__admin/accounts/%s/tickets/%d" % (account, ticket_id))

    def add_ticket(self, account, **fields):
        """Seed a ticket (e.g. closed 80 h ago): customer={'id':..}, channel, status,
        created_datetime, closed_datetime, spam, trashed_datetime, tags=[{'name'}],
        messages=[...] (optional), external_id..."""
        return self.post("/__admin/accounts/%s/tickets" % account, fields)

    def set_ticket(self, account, ticket_id, **fields):
        """Agent action: status, spam, trashed_datetime, closed_datetime, assignee_user,
        subject, tags (replace)..."""
        return self.post("/__admin/accounts/%s/tickets/%d" % (account, ticket_id), fields)

    def delete_ticket(self, account, ticket_id):
        return self.delete("/__admin/accounts/%s/tickets/%d" % (account, ticket_id))

    def add_ticket_message(self, account, ticket_id, **message):
        """Append a message as Gorgias would (e.g. an agent reply); as_user=<id> for ctx."""
        return self.post("/__admin/accounts/%s/tickets/%d/messages" % (account, ticket_id), message)

    # tags, uploads, integrations
    def tags(self, account):
        return self.get("/__admin/accounts/%s/tags" % account)["tags"]

    def add_tag(self, account, name, **fields):
        """Seed a tag; fields may include its id (e.g. to match a restored database)."""
        return self.post("/__admin/accounts/%s/tags" % account, dict(fields, name=name))

    def uploads(self, account):
        return self.get("/__admin/accounts/%s/uploads" % account)["uploads"]

    def upload_content(self, account, upload_id):
        return self._call("GET", "/__admin/accounts/%s/uploads/%d/content" % (account, upload_id), raw=True)

    def integrations(self, account):
        return self.get("/__admin/accounts/%s/integrations" % account)["integrations"]

    def delete_integration(self, account, integration_id):
        """An admin deletes the integration in the Gorgias UI."""
        return self.delete("/__admin/accounts/%s/integrations/%d" % (account, integration_id))

    def deliveries(self, account):
        """HTTP-integration calls the fake made (ticket_created/updated/message_created):
        {seq, integration_id, trigger, ticket_id, message_id, source, copy, url, method,
        headers, body, status, error, response}, oldest first."""
        return self.get("/__admin/accounts/%s/deliveries" % account)["deliveries"]

    def agent_reply(self, account, ticket_id, user_id, body_text, **fields):
        """An agent answers in the Gorgias UI (channel "sms" unless given; public=False is an
        internal note); the integrations are called before this returns unless
        integration_async.  -> {message, messages, deliveries, queued}"""
        return self.post("/_test/agent_reply", dict(fields, account=account, ticket_id=ticket_id,
                                                    user_id=user_id, body_text=body_text))

    def agent_replies(self, account, replies):
        """Several replies created at once, then delivered (reversed order with
        integration_delivery=reversed)."""
        return self.post("/_test/agent_reply", {"account": account, "replies": replies})

    # OAuth
    def add_oauth_client(self, client_id, client_secret, redirect_uris=None, name="Fake app"):
        return self.post("/__admin/oauth/clients", {"client_id": client_id, "client_secret": client_secret,
                                                    "redirect_uris": redirect_uris or [], "name": name})

    def set_oauth(self, account, consent=None, user=None):
        """consent: 'allow'|'deny'; user: id or email of the consenting user (default first admin)."""
        b = {}
        if consent is not None:
            b["consent"] = consent
        if user is not None:
            b["user"] = user
        return self.post("/__admin/accounts/%s/oauth" % account, b)

    def mint_token(self, account, user=None, scope=None, ttl=None, client_id=None):
        """Token response as /oauth/token would give, without the browser dance."""
        return self.post("/__admin/accounts/%s/tokens" % account,
                         {k: v for k, v in dict(user=user, scope=scope, ttl=ttl, client_id=client_id).items()
                          if v is not None})

    def tokens(self, account):
        return self.get("/__admin/accounts/%s/tokens" % account)

    def revoke(self, account, refresh=True, access=False, client_id=None):
        """Uninstall in Gorgias: refresh tokens -> invalid_grant; access=True also 401s
        the current access tokens immediately (real ones live until expiry, G8)."""
        return self.post("/__admin/accounts/%s/revoke" % account,
                         {"refresh": refresh, "access": access, "client_id": client_id})

    def expire_tokens(self, account):
        return self.post("/__admin/accounts/%s/expire_tokens" % account)

    def authorize(self, account, client_id, redirect_uri, scope="openid email profile offline write:all",
                  state="st", nonce=None):
        """Drive GET /{account}/oauth/authorize like a browser; returns (status, Location)."""
        q = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
             "scope": scope, "state": state}
        if nonce:
            q["nonce"] = nonce
        return _no_redirect_get("%s/%s/oauth/authorize?%s" % (self.base_url, account, urlencode(q)))


class FakeAircall(_Admin):
    """Admin client for fake_aircall.py (API base URL = fa.base_url, paths /v1/...)."""

    def add_company(self, name="Acme", api_id=None, api_token=None, id=None, replace=False):
        b = {"name": name, "api_id": api_id, "api_token": api_token, "replace": replace}
        if id is not None:
            b["id"] = id
        return self.post("/__admin/companies", b)

    def company(self, company_id):
        return self.get("/__admin/companies/%d" % company_id)

    def add_api_key(self, company_id, api_id, api_token, delete=False):
        return self.post("/__admin/companies/%d/api_keys" % company_id,
                         {"api_id": api_id, "api_token": api_token, "delete": delete})

    def add_user(self, company_id, email, name=None, id=None, **extra):
        b = dict(extra, email=email, name=name)
        if id is not None:
            b["id"] = id
        return self.post("/__admin/companies/%d/users" % company_id, {k: v for k, v in b.items() if v is not None})

    def add_number(self, company_id, e164, name=None, id=None, digits=None, **extra):
        """digits defaults to e164; pass the spaced form (aircall_events.spaced) for realism."""
        b = dict(extra, e164=e164, name=name, digits=digits)
        if id is not None:
            b["id"] = id
        return self.post("/__admin/companies/%d/numbers" % company_id, {k: v for k, v in b.items() if v is not None})

    def add_contact(self, company_id, first_name=None, last_name=None, phone=None, email=None,
                    phone_numbers=None, emails=None, id=None, **extra):
        b = dict(extra, first_name=first_name, last_name=last_name, phone=phone, email=email,
                 phone_numbers=phone_numbers, emails=emails)
        if id is not None:
            b["id"] = id
        return self.post("/__admin/companies/%d/contacts" % company_id, {k: v for k, v in b.items() if v is not None})

    def delete_contact(self, company_id, contact_id):
        return self.delete("/__admin/companies/%d/contacts/%d" % (company_id, contact_id))

    def add_call(self, company_id, data):
        """Register call data (e.g. aircall_events.call(...) or body['data']) for GET /v1/calls/{id}
        and insight cards."""
        return self.post("/__admin/companies/%d/calls" % company_id, data)

    def update_call(self, company_id, call_id, **fields):
        return self.post("/__admin/companies/%d/calls/%d" % (company_id, call_id), fields)

    def call(self, company_id, call_id):
        return self.get("/__admin/companies/%d/calls/%d" % (company_id, call_id))

    def ingest(self, event_body, company_id=None):
        """Mirror a webhook body into the fake's state (upserts the call)."""
        return self.post("/__admin/events", {"event_body": event_body, "company_id": company_id})

    def insight_cards(self, company_id=None, call_id=None, accepted_only=False):
        path = "/__admin/companies/%d/insight_cards" % company_id if company_id else "/__admin/insight_cards"
        return self.get(path, call_id=call_id, accepted="1" if accepted_only else None)["insight_cards"]

    def webhooks(self, company_id=None):
        if company_id is None:
            return self.get("/__admin/webhooks")["webhooks"]
        return self.get("/__admin/companies/%d/webhooks" % company_id)["webhooks"]

    def sent_messages(self, company_id, accepted_only=False):
        """Every native send attempt: {seq, id, number_id, to, body, user_id, request, auth,
        integration_id, status (HTTP), error, delivery}; refused ones have id None."""
        msgs = self.get("/__admin/companies/%d/messages" % company_id)["messages"]
        return [m for m in msgs if m["id"]] if accepted_only else msgs

    def webhook_deliveries(self, company_id):
        """Webhooks this fake emitted (message.sent, message.status_updated):
        {event, webhook_id, url, message_id, status, error, response, time}."""
        return self.get("/__admin/companies/%d/webhook_deliveries" % company_id)["deliveries"]

    def message_status(self, company_id, message_id, status="failed", **extra):
        """Emit message.status_updated for a sent message (Aircall learnt its fate later)."""
        return self.post("/__admin/companies/%d/messages/%s/status" % (company_id, message_id),
                         {"status": status, "extra": extra})["deliveries"]

    def add_oauth_client(self, client_id, client_secret, redirect_uris=None, name="Gorgias"):
        return self.post("/__admin/oauth/clients", {"client_id": client_id, "client_secret": client_secret,
                                                    "redirect_uris": redirect_uris or [], "name": name})

    def set_consent(self, company_id=None, mode=None, number_ids=None, user_id=None):
        """Who is 'logged in' to the dashboard and what the admin picks at consent:
        mode allow|deny, number_ids (None = all numbers of the company)."""
        b = {k: v for k, v in dict(company_id=company_id, mode=mode, user_id=user_id).items() if v is not None}
        b["number_ids"] = number_ids
        return self.post("/__admin/oauth/consent", b)

    def integrations(self):
        return self.get("/__admin/integrations")["integrations"]

    def update_integration(self, integration_id, number_ids=None, active=None, revoke_tokens=False):
        b = {"revoke_tokens": revoke_tokens}
        if number_ids is not None:
            b["number_ids"] = number_ids
        if active is not None:
            b["active"] = active
        return self.post("/__admin/integrations/%d" % integration_id, b)

    def uninstall(self, integration_id):
        """Tokens rejected afterwards, its webhooks removed (send ev.integration_deleted yourself)."""
        return self.delete("/__admin/integrations/%d" % integration_id)

    def mint_token(self, company_id, number_ids=None, client_id=None, user_id=None):
        return self.post("/__admin/companies/%d/tokens" % company_id,
                         {k: v for k, v in dict(number_ids=number_ids, client_id=client_id,
                                                user_id=user_id).items() if v is not None})

    def add_media(self, name, size=None, content_type="audio/mpeg", data=None, status=None, ttl=None,
                  rate_bps=None, seed=None):
        """Register /media/{name}: generated content of `size` bytes (never held in memory),
        or real bytes `data`; status forces an HTTP status; ttl -> 403 after expiry;
        rate_bps throttles.  Returns the view incl. 'url'."""
        b = {"name": name, "content_type": content_type, "status": status, "ttl": ttl,
             "rate_bps": rate_bps, "seed": seed}
        if data is not None:
            b["data_b64"] = base64.b64encode(data).decode()
        else:
            b["size"] = size if size is not None else 1024
        return self.post("/__admin/media", {k: v for k, v in b.items() if v is not None})

    def media(self):
        return self.get("/__admin/media")["media"]

    def media_url(self, name):
        return "%s/media/%s" % (self.base_url, quote(name))

    def authorize(self, client_id, redirect_uri, state="st", scope="public_api"):
        q = {"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code",
             "scope": scope, "state": state}
        return _no_redirect_get("%s/oauth/authorize?%s" % (self.base_url, urlencode(q)))


def media_sha256(name_or_seed, size):
    """sha256 of generated media content (seed defaults to the media name)."""
    return fakecore.media_sha256(name_or_seed, size)


def media_bytes(name_or_seed, offset, length):
    return b"".join(fakecore.media_iter(name_or_seed, offset, length))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def _no_redirect_get(url):
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=10) as r:
            return r.status, r.headers.get("Location")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location")


# ------------------------------------------------------------ subprocess helper

class FakeProcess(object):
    def __init__(self, kind, proc, port, host):
        self.kind = kind
        self.proc = proc
        self.port = port
        self.host = host
        self.url = "http://%s:%d" % (host, port)
        self.client = (FakeGorgias if kind == "gorgias" else FakeAircall)(self.url)

    @property
    def pid(self):
        return self.proc.pid

    def stop(self, timeout=10):
        """SIGTERM and wait; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_fake(kind, port=0, host="127.0.0.1", extra_args=(), stderr=None, python=None, timeout=15):
    """Start fake_gorgias.py / fake_aircall.py, wait for 'READY <port>'.
    kind: 'gorgias' | 'aircall'.  stderr: file object or None (inherit)."""
    script = os.path.join(HERE, "fake_%s.py" % kind)
    cmd = [python or sys.executable, "-u", script, "--port", str(port), "--host", host] + list(extra_args)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, text=True)
    deadline = time.time() + timeout
    line = ""
    while time.time() < deadline:
        line = proc.stdout.readline()
        if line.startswith("READY "):
            return FakeProcess(kind, proc, int(line.split()[1]), host)
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError("fake %s did not start (last line %r, rc %r)" % (kind, line, proc.poll()))
