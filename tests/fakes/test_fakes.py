"""Self-test of the fake vendor servers.

    /usr/bin/python3 -m pytest tests/fakes -q
"""

import base64
import http.client
import json
import os
import sys
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import aircall_events as ev  # noqa: E402
from client import media_bytes, media_sha256, start_fake  # noqa: E402

ACCT = "acme"
ADMIN_EMAIL = "admin@acme.test"
API_KEY = "gorgias-key-1"


# ----------------------------------------------------------------- helpers

class R(object):
    def __init__(self, status, headers, data):
        self.status = status
        self.headers = headers
        self.data = data
        try:
            self.json = json.loads(data.decode()) if data else None
        except ValueError:
            self.json = None

    def h(self, name):
        return self.headers.get(name)

    def __repr__(self):
        return "<R %s %r>" % (self.status, self.data[:300])


def call(method, url, json_body=None, body=None, headers=None, basic=None, bearer=None, timeout=60):
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    h = dict(headers or {})
    if json_body is not None:
        body = json.dumps(json_body).encode()
        h.setdefault("Content-Type", "application/json")
    if basic:
        h["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % basic).encode()).decode()
    if bearer:
        h["Authorization"] = "Bearer " + bearer
    conn.request(method, u.path + ("?" + u.query if u.query else ""), body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return R(r.status, r.headers, data)


def vm_hwm_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def gproc():
    p = start_fake("gorgias", extra_args=["--quiet"])
    yield p
    assert p.stop() == 0


@pytest.fixture(scope="module")
def aproc():
    p = start_fake("aircall", extra_args=["--quiet"])
    yield p
    assert p.stop() == 0


@pytest.fixture
def fg(gproc):
    c = gproc.client
    c.reset()
    c.add_account(ACCT, ADMIN_EMAIL, API_KEY)
    return c


@pytest.fixture
def G(fg):
    """G(method, '/api/...', **kw) against account acme with the admin API key."""
    def _g(method, path, account=ACCT, auth=True, **kw):
        if auth and "bearer" not in kw and "basic" not in kw:
            kw["basic"] = (ADMIN_EMAIL, API_KEY)
        return call(method, "%s/%s%s" % (fg.base_url, account, path), **kw)
    return _g


@pytest.fixture
def fa(aproc):
    c = aproc.client
    c.reset()
    c.add_company(name="Acme", api_id="api-id-1", api_token="api-token-1", id=1)
    return c


@pytest.fixture
def A(fa):
    def _a(method, path, auth=True, **kw):
        if auth and "bearer" not in kw and "basic" not in kw:
            kw["basic"] = ("api-id-1", "api-token-1")
        return call(method, fa.base_url + path, **kw)
    return _a


def new_customer(G, name="Jane Doe", email="jane@example.com", phone="+34666444555"):
    r = G("POST", "/api/customers", json_body={
        "name": name, "email": email,
        "channels": [{"type": "phone", "address": phone, "preferred": True}]})
    assert r.status == 201, r
    return r.json


def phone_ticket(customer_id, **extra):
    t = {"channel": "phone", "via": "api", "from_agent": False, "status": "open",
         "subject": "Inbound call: Jane Doe", "customer": {"id": customer_id},
         "external_id": "aircall:call:1",
         "messages": [{"channel": "phone", "via": "api", "from_agent": False,
                       "sender": {"id": customer_id},
                       "source": {"type": "phone", "from": {"address": "+34666444555"},
                                  "to": [{"address": "+33123456789"}]},
                       "body_text": "Inbound call", "sent_datetime": "2025-06-01T10:00:00Z"}]}
    t.update(extra)
    return t


# ================================================================== Gorgias

def test_g_auth_failures(fg, G):
    for kw in ({"auth": False}, {"basic": (ADMIN_EMAIL, "wrong")}, {"bearer": "nope"},
               {"basic": ("someone@else", API_KEY)}):
        r = G("GET", "/api/account", **kw)
        assert r.status == 401, (kw, r)
        assert isinstance(r.json["error"]["msg"], str)
        assert r.h("X-Gorgias-Account-Api-Call-Limit") is not None
        assert r.h("Retry-after") is not None
    r = G("GET", "/api/account")
    assert r.status == 200 and r.json["domain"] == ACCT
    assert r.h("X-Gorgias-Account-Api-Call-Limit") == "1/80"
    assert G("GET", "/api/account", account="nosuch").status == 404
    # deactivated user's key stops working
    u = fg.add_user(ACCT, "agent@acme.test", role="agent", api_key="k2")
    assert G("GET", "/api/account", basic=("agent@acme.test", "k2")).status == 200
    fg.update_user(ACCT, u["id"], active=False)
    assert G("GET", "/api/account", basic=("agent@acme.test", "k2")).status == 401
    # unknown path / wrong method
    assert G("GET", "/api/nothing").json == {"error": {"msg": "Resource not found."}}
    r = G("PATCH", "/api/tickets")
    assert r.status == 405 and "GET" in r.h("Allow")


def test_g_users(fg, G):
    fg.add_user(ACCT, "Ana.Agent@acme.test", role="agent", firstname="Ana")
    fg.add_user(ACCT, "lead@acme.test", role="admin")
    r = G("GET", "/api/users?email=ana.agent@ACME.test")
    assert [u["email"] for u in r.json["data"]] == ["Ana.Agent@acme.test"]
    assert r.json["data"][0]["role"] == {"name": "agent"}
    r = G("GET", "/api/users?roles=admin&order_by=created_datetime:asc&limit=1")
    assert r.json["data"][0]["email"] == ADMIN_EMAIL and r.json["meta"]["next_cursor"]
    assert G("GET", "/api/users/0").json["email"] == ADMIN_EMAIL
    assert G("GET", "/api/users/99999").status == 404
    assert G("GET", "/api/users?roles=king").status == 400


def test_g_pagination(fg, G):
    for i in range(75):
        fg.add_customer(ACCT, name="C%02d" % i, email="c%02d@x.test" % i)
    seen, pages, cursor = [], [], None
    while True:
        r = G("GET", "/api/customers?limit=30" + ("&cursor=" + cursor if cursor else ""))
        assert r.status == 200 and r.json["object"] == "list" and r.json["uri"].startswith("/api/customers")
        pages.append(r.json)
        seen += [c["id"] for c in r.json["data"]]
        cursor = r.json["meta"]["next_cursor"]
        if cursor is None:
            break
    assert [len(p["data"]) for p in pages] == [30, 30, 15]
    assert len(set(seen)) == 75
    assert pages[0]["meta"]["prev_cursor"] is None
    r = G("GET", "/api/customers?limit=30&cursor=" + pages[2]["meta"]["prev_cursor"])
    assert [c["id"] for c in r.json["data"]] == [c["id"] for c in pages[1]["data"]]
    assert len(G("GET", "/api/customers").json["data"]) == 30          # default limit
    for bad in ("limit=0", "limit=101", "cursor=garbage", "page=2", "per_page=10"):
        r = G("GET", "/api/customers?" + bad)
        assert r.status == 400, bad
        assert "data" in r.json["error"]


def test_g_rate_limit(fg, G):
    fg.update_account(ACCT, rate_limit=5, rate_window=2)
    for i in range(5):
        r = G("GET", "/api/account")
        assert r.status == 200
        assert r.h("X-Gorgias-Account-Api-Call-Limit") == "%d/5" % (i + 1)
    r = G("GET", "/api/account")
    assert r.status == 429
    ra = int(r.h("Retry-after"))
    assert 1 <= ra <= 2
    s = fg.stats(ACCT)
    assert s["max_window_seen"] == 6 and s["max_window_accepted"] == 5
    assert fg.max_window_use(ACCT) == 6
    assert fg.max_window_use(ACCT, accepted=True) == 5
    time.sleep(ra + 0.1)
    assert G("GET", "/api/account").status == 200
    # a bigger analysis window counts more
    assert fg.max_window_use(ACCT, window=60) == 7


def test_g_search_modes(fg, G):
    c1 = new_customer(G, email="a@x.test", phone="+34666444555")
    c2 = new_customer(G, name="Spaced", email="b@x.test", phone="+34 666 44 45 56")

    def search(q):
        return G("POST", "/api/search", json_body={"type": "customers_by_phone", "query": q, "size": 5})

    def by_filter(addr):
        return G("GET", "/api/customers?channel_type=phone&channel_address=" + addr.replace("+", "%2B").replace(" ", "%20"))

    r = search("+34666444555")      # default: search_exact
    assert r.status == 201 and [c["id"] for c in r.json["data"]] == [c1["id"]]
    assert search("+34666444556").json["data"] == []                  # stored spaced: no exact match
    assert by_filter("+34666444555").status == 400                    # filter rejected in this mode
    fg.set(phone_lookup_mode="search_digits")
    assert [c["id"] for c in search("+34666444556").json["data"]] == [c2["id"]]
    fg.set(phone_lookup_mode="customers_filter")
    assert search("+34666444555").status == 400
    r = by_filter("+34666444555")
    assert r.status == 200 and [c["id"] for c in r.json["data"]] == [c1["id"]]
    assert by_filter("+34666444556").json["data"] == []
    fg.set(phone_lookup_mode="none")
    assert search("+34666444555").status == 400 and by_filter("+34666444555").status == 400
    fg.set(phone_lookup_mode="search_exact", customers_channel_filter="ignored")
    assert len(by_filter("+34666444555").json["data"]) == 2           # the dangerous variant
    r = G("POST", "/api/search", json_body={"type": "customers_by_phone", "query": "+1", "size": 99})
    assert r.status == 400 and "size" in r.json["error"]["data"]


def test_g_customers(fg, G):
    c = new_customer(G)
    r = G("POST", "/api/customers", json_body={"name": "X", "email": "JANE@example.com", "channels": []})
    assert r.status == 409
    r = G("POST", "/api/customers", json_body={"name": "N", "email": "n@x.test", "note": "VIP", "channels": []})
    assert r.json["note"] == "VIP"
    fg.set(customer_note="ignored")
    r = G("POST", "/api/customers", json_body={"name": "M", "email": "m@x.test", "note": "VIP", "channels": []})
    assert r.status == 201 and r.json["note"] is None
    fg.set(customer_note="rejected")
    assert G("POST", "/api/customers", json_body={"name": "O", "email": "o@x.test", "note": "x"}).status == 400
    r = G("PUT", "/api/customers/%d" % c["id"], json_body={"note": "n1",
          "channels": [{"type": "phone", "address": "+33100000000", "preferred": True}]})
    assert r.status == 202
    assert [ch["address"] for ch in r.json["channels"]] == ["+33100000000"] and r.json["note"] == "n1"
    assert G("GET", "/api/customers?email=JANE@EXAMPLE.COM").json["data"][0]["id"] == c["id"]
    r = G("POST", "/api/customers", json_body={"email": "bad"})
    assert r.status == 400 and "email" in r.json["error"]["data"]
    # wrong content type
    r = G("POST", "/api/customers", body=b'{"email":"q@x.test"}', headers={"Content-Type": "text/plain"})
    assert r.status == 400


def test_g_tickets_lifecycle(fg, G):
    c = new_customer(G)
    agent = fg.add_user(ACCT, "ana@acme.test", role="agent")
    # validation
    r = G("POST", "/api/tickets", json_body={"channel": "phone", "via": "api", "customer": {"id": c["id"]}})
    assert r.status == 400 and r.json["error"]["data"]["messages"] == ["Missing data for required field."]
    bad = phone_ticket(c["id"])
    del bad["messages"][0]["from_agent"]
    r = G("POST", "/api/tickets", json_body=bad)
    assert r.status == 400 and "from_agent" in r.json["error"]["data"]["messages"]["0"]
    assert G("POST", "/api/tickets", json_body=phone_ticket(424242)).status == 400
    assert G("POST", "/api/tickets", json_body=phone_ticket(c["id"], assignee_user={"id": c["id"]})).status == 400
    # sender of an incoming message must be a customer
    bad = phone_ticket(c["id"])
    bad["messages"][0]["sender"] = {"id": agent["id"]}
    assert G("POST", "/api/tickets", json_body=bad).status == 400
    # create
    r = G("POST", "/api/tickets", json_body=phone_ticket(c["id"], assignee_user={"id": agent["id"]}))
    assert r.status == 201, r
    t = r.json
    assert t["customer"]["id"] == c["id"] and t["assignee_user"]["id"] == agent["id"]
    assert t["messages"][0]["id"] and t["messages"][0]["sent_datetime"].startswith("2025-06-01T10:00:00")
    assert t["status"] == "open" and t["closed_datetime"] is None and t["channel"] == "phone"
    # internal note
    note = {"channel": "internal-note", "via": "api", "from_agent": True, "sender": {"id": agent["id"]},
            "source": {"type": "internal-note"}, "body_text": "Call answered", "body_html": "<p>Call answered</p>"}
    r = G("POST", "/api/tickets/%d/messages" % t["id"], json_body=note)
    assert r.status == 201 and r.json["public"] is False
    assert G("POST", "/api/tickets/%d/messages" % t["id"], json_body=dict(note, from_agent=False)).status == 400
    assert G("POST", "/api/tickets/999/messages", json_body=note).status == 404
    r = G("GET", "/api/tickets/%d/messages?limit=1" % t["id"])
    assert len(r.json["data"]) == 1 and r.json["meta"]["next_cursor"]
    # close / reopen
    r = G("PUT", "/api/tickets/%d" % t["id"], json_body={"status": "closed"})
    assert r.status == 202 and r.json["closed_datetime"]
    r = G("PUT", "/api/tickets/%d" % t["id"], json_body={"status": "open"})
    assert r.json["closed_datetime"] is None
    assert G("PUT", "/api/tickets/%d" % t["id"], json_body={"status": "snoozed"}).status == 400
    # list / filters
    t2 = G("POST", "/api/tickets", json_body=phone_ticket(c["id"], external_id="aircall:call:2")).json
    fg.set_ticket(ACCT, t2["id"], trashed_datetime="2025-06-02T00:00:00Z", spam=True)
    ids = [x["id"] for x in G("GET", "/api/tickets?customer_id=%d" % c["id"]).json["data"]]
    assert ids == [t2["id"], t["id"]]                      # default created_datetime:desc, trashed included
    ids = [x["id"] for x in G("GET", "/api/tickets?customer_id=%d&trashed=false" % c["id"]).json["data"]]
    assert ids == [t["id"]]
    r = G("GET", "/api/tickets?external_id=aircall:call:2")
    assert [x["id"] for x in r.json["data"]] == [t2["id"]] and r.json["data"][0]["spam"] is True
    assert G("GET", "/api/tickets?status=open").status == 400   # no status filter (§8.5)
    full = G("GET", "/api/tickets/%d" % t["id"]).json
    assert len(full["messages"]) == 2
    # admin view keeps the raw request
    adm = fg.ticket(ACCT, t["id"])
    assert adm["_request_body"]["external_id"] == "aircall:call:1"
    assert adm["messages"][1]["_request_body"]["body_html"] == "<p>Call answered</p>"
    # a seeded old closed ticket
    old = fg.add_ticket(ACCT, customer={"id": c["id"]}, channel="sms", via="api", status="closed",
                        created_datetime="2025-01-01T00:00:00Z", closed_datetime="2025-01-02T00:00:00Z")
    assert old["closed_datetime"].startswith("2025-01-02")
    # merge: source 404s, tickets move
    c2 = new_customer(G, name="Target", email="t@x.test", phone="+34600000000")
    fg.merge_customers(ACCT, c["id"], c2["id"])
    assert G("GET", "/api/customers/%d" % c["id"]).status == 404
    assert G("PUT", "/api/customers/%d" % c["id"], json_body={"note": "x"}).status == 404
    assert G("GET", "/api/tickets/%d" % t["id"]).json["customer"]["id"] == c2["id"]
    fg.delete_customer(ACCT, c2["id"])
    assert G("GET", "/api/customers/%d" % c2["id"]).status == 404


def test_g_tags(fg, G):
    c = new_customer(G)
    r = G("POST", "/api/tickets", json_body=phone_ticket(c["id"], tags=[{"name": "Aircall"}]))
    assert r.status == 400 and "tags" in r.json["error"]["data"]           # default: refuse
    r = G("POST", "/api/tags", json_body={"name": "Aircall"})
    assert r.status == 201
    tag_id = r.json["id"]
    assert G("POST", "/api/tags", json_body={"name": "Aircall"}).status == 409
    assert G("POST", "/api/tags", json_body={"name": "aircall"}).status == 201   # case-sensitive
    assert [t["name"] for t in G("GET", "/api/tags?search=AIRC").json["data"]] == ["Aircall", "aircall"]
    t = G("POST", "/api/tickets", json_body=phone_ticket(c["id"], tags=[{"id": tag_id}])).json
    assert [x["name"] for x in t["tags"]] == ["Aircall"]
    assert G("POST", "/api/tickets/%d/tags" % t["id"], json_body={"names": ["Missed call"]}).status == 400
    fg.set(tags_by_name="create")
    r = G("POST", "/api/tickets/%d/tags" % t["id"], json_body={"names": ["Missed call"]})
    assert r.status == 201 and r.data == b""
    assert [x["name"] for x in G("GET", "/api/tickets/%d/tags" % t["id"]).json["data"]] == ["Aircall", "Missed call"]
    assert any(x["name"] == "Missed call" and x["auto_created"] for x in fg.tags(ACCT))
    assert G("PUT", "/api/tickets/%d/tags" % t["id"], json_body={"ids": [tag_id]}).status == 202
    assert [x["name"] for x in G("GET", "/api/tickets/%d" % t["id"]).json["tags"]] == ["Aircall"]
    assert G("DELETE", "/api/tickets/%d/tags" % t["id"], json_body={"ids": [tag_id]}).status == 204
    assert G("GET", "/api/tickets/%d" % t["id"]).json["tags"] == []
    t2 = G("POST", "/api/tickets", json_body=phone_ticket(c["id"], tags=[{"name": "Brand new"}])).json
    assert [x["name"] for x in t2["tags"]] == ["Brand new"]


def _multipart(files, boundary="----fakeBoundary7MA4YWxkTrZu0gW"):
    out = b""
    for field, name, ctype, data in files:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                "Content-Type: %s\r\n\r\n" % (boundary, field, name, ctype)).encode() + data + b"\r\n"
    return out + ("--%s--\r\n" % boundary).encode(), "multipart/form-data; boundary=" + boundary


def test_g_upload(fg, G):
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(5000)
    pdf = b"%PDF-1.4\n" + b"\r\n--not-a-boundary\r\n" * 10
    body, ct = _multipart([("photo", "photo.png", "image/png", png), ("doc", "invoice.pdf", "application/pdf", pdf)])
    r = G("POST", "/api/upload?type=attachment", body=body, headers={"Content-Type": ct})
    assert r.status == 201, r
    assert [(f["name"], f["content_type"], f["size"]) for f in r.json] == \
        [("photo.png", "image/png", len(png)), ("invoice.pdf", "application/pdf", len(pdf))]
    ups = fg.uploads(ACCT)
    assert fg.upload_content(ACCT, ups[1]["id"]) == pdf
    d = call("GET", r.json[0]["url"], basic=(ADMIN_EMAIL, API_KEY))
    assert d.status == 200 and d.data == png
    assert fg.requests(ACCT, path_prefix="/api/upload")[-1]["multipart"][0]["size"] == len(png)
    # chunked transfer encoding works too
    conn = http.client.HTTPConnection("127.0.0.1", int(urlsplit(fg.base_url).port))
    conn.request("POST", "/%s/api/upload" % ACCT, body=iter([body[:100], body[100:]]),
                 headers={"Content-Type": ct, "Authorization": "Basic " + base64.b64encode(
                     ("%s:%s" % (ADMIN_EMAIL, API_KEY)).encode()).decode()}, encode_chunked=True)
    resp = conn.getresponse()
    assert resp.status == 201 and len(json.loads(resp.read())) == 2
    conn.close()
    assert G("POST", "/api/upload?type=nope", body=body, headers={"Content-Type": ct}).status == 400
    fg.set(upload_max_bytes=4000)
    r = G("POST", "/api/upload", body=body, headers={"Content-Type": ct})
    assert r.status == 413
    fg.set(upload_max_bytes=1000, upload_size_as_string=True)
    small, ct2 = _multipart([("f", "a.txt", "text/plain", b"hello")])
    r = G("POST", "/api/upload", body=small, headers={"Content-Type": ct2})
    assert r.status == 201 and r.json[0]["size"] == "5"
    # Expect: 100-continue with a too-big body is refused before the body is sent
    conn = http.client.HTTPConnection("127.0.0.1", int(urlsplit(fg.base_url).port))
    conn.putrequest("POST", "/%s/api/upload" % ACCT)
    conn.putheader("Content-Type", ct)
    conn.putheader("Content-Length", str(50 * 1024 * 1024))
    conn.putheader("Expect", "100-continue")
    conn.putheader("Authorization", "Basic " + base64.b64encode(("%s:%s" % (ADMIN_EMAIL, API_KEY)).encode()).decode())
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.status == 413
    conn.close()


def test_g_upload_streams_with_constant_memory(gproc, fg):
    fg.set(upload_max_bytes=400 * 1024 * 1024, upload_store="count")
    size = 200 * 1024 * 1024
    boundary = "b0undary"
    head = ("--%s\r\nContent-Disposition: form-data; name=\"rec\"; filename=\"rec.mp3\"\r\n"
            "Content-Type: audio/mpeg\r\n\r\n" % boundary).encode()
    tail = ("\r\n--%s--\r\n" % boundary).encode()
    chunk = os.urandom(1 << 20)

    def gen():
        yield head
        for _ in range(size >> 20):
            yield chunk
        yield tail
    conn = http.client.HTTPConnection("127.0.0.1", gproc.port, timeout=120)
    conn.request("POST", "/%s/api/upload?type=attachment" % ACCT, body=gen(), headers={
        "Content-Type": "multipart/form-data; boundary=" + boundary,
        "Content-Length": str(len(head) + size + len(tail)),
        "Authorization": "Basic " + base64.b64encode(("%s:%s" % (ADMIN_EMAIL, API_KEY)).encode()).decode()})
    resp = conn.getresponse()
    out = json.loads(resp.read())
    conn.close()
    assert resp.status == 201 and out[0]["size"] == size
    assert vm_hwm_kb(gproc.pid) < 120 * 1024, vm_hwm_kb(gproc.pid)


def test_g_oauth_flow(fg, G):
    fg.add_oauth_client("app-1", "secret-1", ["https://bridge.test/oauth/gorgias/callback?account=acme"])
    agent = fg.add_user(ACCT, "lead@acme.test", role="admin")
    fg.set_oauth(ACCT, user="lead@acme.test")
    ru = "https://bridge.test/oauth/gorgias/callback?account=acme"
    st, loc = fg.authorize(ACCT, "app-1", "https://evil.test/cb")
    assert st == 400 and loc is None                         # unregistered redirect: no redirect
    st, loc = fg.authorize(ACCT, "app-1", ru, state="xyz123", nonce="n0")
    assert st == 302 and loc.startswith(ru + "&")
    q = parse_qs(urlsplit(loc).query)
    assert q["state"] == ["xyz123"] and q["account"] == ["acme"]
    code = q["code"][0]
    tok_url = "%s/%s/oauth/token" % (fg.base_url, ACCT)
    form = "grant_type=authorization_code&code=%s&redirect_uri=%s" % (code, ru.replace(":", "%3A").replace("/", "%2F").replace("?", "%3F").replace("=", "%3D"))
    hdr = {"Content-Type": "application/x-www-form-urlencoded"}
    assert call("POST", tok_url, body=form.encode(), headers=hdr, basic=("app-1", "bad")).status == 401
    r = call("POST", tok_url, body=form.encode(), headers=hdr, basic=("app-1", "secret-1"))
    assert r.status == 200, r
    tok = r.json
    assert tok["expires_in"] == 0 and tok["token_type"] == "Bearer" and tok["refresh_token"] and tok["id_token"]
    payload = json.loads(base64.urlsafe_b64decode(tok["access_token"].split(".")[1] + "=="))
    assert payload["sub"] == agent["id"] and isinstance(payload["sub"], int)
    assert payload["iss"] == "https://acme.gorgias.com" and payload["aud"] == "https://acme.gorgias.com/api"
    assert payload["exp"] - payload["iat"] == 86400
    idt = json.loads(base64.urlsafe_b64decode(tok["id_token"].split(".")[1] + "=="))
    assert idt["nonce"] == "n0" and idt["aud"] == ["app-1"]
    # code is single-use
    assert call("POST", tok_url, body=form.encode(), headers=hdr, basic=("app-1", "secret-1")).json == \
        {"error": "invalid_grant", "error_description": "The authorization code is invalid or expired."}
    at = tok["access_token"]
    assert G("GET", "/api/users/0", bearer=at).json["email"] == "lead@acme.test"
    # refresh: new access token, no new refresh token (G8)
    rf = "grant_type=refresh_token&refresh_token=" + tok["refresh_token"]
    r = call("POST", tok_url, body=rf.encode(), headers=hdr, basic=("app-1", "secret-1"))
    assert r.status == 200 and "refresh_token" not in r.json and r.json["access_token"] != at
    # uninstall: refresh -> invalid_grant; access token lives on until revoked/expired
    fg.revoke(ACCT)
    r = call("POST", tok_url, body=rf.encode(), headers=hdr, basic=("app-1", "secret-1"))
    assert r.status == 400 and r.json["error"] == "invalid_grant"
    assert G("GET", "/api/account", bearer=at).status == 200
    fg.revoke(ACCT, access=True)
    assert G("GET", "/api/account", bearer=at).status == 401
    # app-side revoke endpoint
    t2 = fg.mint_token(ACCT, client_id="app-1")
    r = call("POST", "%s/%s/oauth/revoke" % (fg.base_url, ACCT), body=("token=" + t2["refresh_token"]).encode(),
             headers=hdr, basic=("app-1", "secret-1"))
    assert r.status == 200 and r.json == {}
    r = call("POST", tok_url, body=("grant_type=refresh_token&refresh_token=" + t2["refresh_token"]).encode(),
             headers=hdr, basic=("app-1", "secret-1"))
    assert r.json["error"] == "invalid_grant"
    # expiry
    t3 = fg.mint_token(ACCT, ttl=1)
    assert G("GET", "/api/account", bearer=t3["access_token"]).status == 200
    time.sleep(1.2)
    assert G("GET", "/api/account", bearer=t3["access_token"]).status == 401
    t4 = fg.mint_token(ACCT)
    fg.expire_tokens(ACCT)
    assert G("GET", "/api/account", bearer=t4["access_token"]).status == 401
    # granular scopes enforced
    t5 = fg.mint_token(ACCT, scope="openid offline customers:read")
    assert G("GET", "/api/customers", bearer=t5["access_token"]).status == 200
    assert G("POST", "/api/tickets", json_body={}, bearer=t5["access_token"]).status == 403
    # consent denied
    fg.set_oauth(ACCT, consent="deny")
    st, loc = fg.authorize(ACCT, "app-1", ru, state="s2")
    q = parse_qs(urlsplit(loc).query)
    assert st == 302 and q["error"] == ["access_denied"] and q["state"] == ["s2"]


def test_g_faults_and_chaos(fg, G):
    fg.script_faults([{"status": 429, "retry_after": 2, "count": 2, "match": {"path_prefix": "/api/tickets"}}])
    assert G("GET", "/api/account").status == 200                      # not matched
    for _ in range(2):
        r = G("GET", "/api/tickets")
        assert r.status == 429 and r.h("Retry-after") == "2"
        assert r.h("X-Gorgias-Account-Api-Call-Limit")
    assert G("GET", "/api/tickets").status == 200
    assert fg.faults() == []
    assert [e["fault"] for e in fg.requests(ACCT, path_prefix="/api/tickets")] == ["scripted", "scripted", None]
    fg.script_faults({"status": 502, "body": "<html>bad gateway</html>"})
    r = G("GET", "/api/account")
    assert r.status == 502 and r.data == b"<html>bad gateway</html>"
    fg.chaos(error_rate=1.0, error_status=503, error_seed=1)
    assert G("GET", "/api/account").status == 503
    fg.chaos(error_rate=0.5, error_seed=42)
    a = [G("GET", "/api/account").status for _ in range(20)]
    fg.chaos(error_rate=0.5, error_seed=42)
    b = [G("GET", "/api/account").status for _ in range(20)]
    assert a == b and 503 in a and 200 in a                            # reproducible with a seed
    fg.chaos(error_rate=0.0, delay_seconds=0.5, delay_next=1)
    t0 = time.time()
    G("GET", "/api/account")
    assert time.time() - t0 >= 0.5
    t0 = time.time()
    G("GET", "/api/account")
    assert time.time() - t0 < 0.4
    fg.script_faults({"drop": True})
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        G("GET", "/api/account")


def test_g_request_log(fg, G):
    c = new_customer(G)
    G("POST", "/api/tickets", json_body=phone_ticket(c["id"]))
    G("GET", "/api/tickets?limit=5")
    log = fg.requests(ACCT, method="POST", path_prefix="/api/tickets")
    assert len(log) == 1
    e = log[0]
    assert e["json"]["external_id"] == "aircall:call:1" and e["status"] == 201
    assert e["has_authorization"] and e["auth"]["scheme"] == "basic" and e["auth"]["valid"]
    assert "***" in e["headers"]["Authorization"]
    assert e["response"]["id"]
    g = fg.requests(ACCT, method="GET")[-1]
    assert g["query"] == {"limit": ["5"]} and g["route"] == "/api/tickets"
    since = fg.last_seq()
    G("GET", "/api/account")
    assert [x["route"] for x in fg.requests(since=since)] == ["/api/account"]
    fg.clear_requests()
    assert fg.requests() == []


@contextmanager
def hook_server(status=200):
    """A receiver standing in for the bridge: records {path, headers, json, time} of every POST."""
    got = []

    class H(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            got.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(raw or b"null"),
                        "time": time.monotonic()})
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    try:
        yield "http://127.0.0.1:%d" % srv.server_address[1], got
    finally:
        srv.shutdown()
        srv.server_close()


def test_g_http_integration_delivery(fg, G):
    with hook_server() as (url, got):
        r = G("POST", "/api/integrations", json_body={
            "name": "Aircall bridge", "type": "http",
            "http": {"url": url + "/gorgias/hook?t={{ticket.id}}",
                     "method": "POST", "request_content_type": "application/json",
                     "response_content_type": "application/json",
                     "form": {"ticket_id": "{{ticket.id}}", "status": "{{ticket.status}}"},
                     "triggers": {"ticket_updated": True}}})
        assert r.status == 201
        c = new_customer(G)
        t = G("POST", "/api/tickets", json_body=phone_ticket(c["id"])).json
        fg.set_ticket(ACCT, t["id"], status="closed")                  # agent closes it in Gorgias
        for _ in range(50):
            if got:
                break
            time.sleep(0.05)
        assert [(g["path"], g["json"]) for g in got] == \
            [("/gorgias/hook?t=%d" % t["id"], {"ticket_id": str(t["id"]), "status": "closed"})]
        for _ in range(50):
            if fg.deliveries(ACCT):
                break
            time.sleep(0.05)
        assert [d["status"] for d in fg.deliveries(ACCT)] == [200]


# ================================================================== Aircall

def test_a_auth_ping_and_errors(fa, A):
    r = A("GET", "/v1/ping", auth=False)
    assert r.status == 403 and r.json["success"] is False and "troubleshoot" in r.json
    assert A("GET", "/v1/ping", basic=("api-id-1", "wrong")).status == 403
    r = A("GET", "/v1/ping")
    assert r.status == 200 and r.json == {"ping": "pong"}
    assert r.h("X-AircallApi-Limit") == "120" and r.h("X-AircallApi-Remaining") == "119"
    assert int(r.h("X-AircallApi-Reset")) >= int(time.time())
    assert A("GET", "/v1/calls/1").status == 404
    assert A("DELETE", "/v1/ping").status == 405
    fa.set(auth_failure_status=401)
    assert A("GET", "/v1/ping", auth=False).status == 401


def test_a_numbers_pagination(fa, A):
    for i in range(55):
        fa.add_number(1, "+3317611%04d" % i, name="Line %d" % i)
    r = A("GET", "/v1/numbers?per_page=50")
    m = r.json["meta"]
    assert len(r.json["numbers"]) == 50 and m["total"] == 55 and m["count"] == 50
    assert m["current_page"] == 1 and m["previous_page_link"] is None
    nxt = m["next_page_link"]
    assert nxt.startswith(fa.base_url + "/v1/numbers?")
    r2 = call("GET", nxt, basic=("api-id-1", "api-token-1"))
    assert len(r2.json["numbers"]) == 5 and r2.json["meta"]["next_page_link"] is None
    assert A("GET", "/v1/numbers?per_page=100").json["meta"]["per_page"] == 50
    fa.set(per_page_over_max="reject")
    assert A("GET", "/v1/numbers?per_page=100").status == 400
    assert A("GET", "/v1/numbers").json["meta"]["per_page"] == 20
    one = r.json["numbers"][0]
    r = A("GET", "/v1/numbers/%d" % one["id"])
    assert r.json["number"]["id"] == one["id"] and "users" in r.json["number"]


def test_a_contacts_search(fa, A):
    ct = fa.add_contact(1, first_name="Jane", last_name="Doe", phone="+34 666 44 45 55", email="jane@x.test")
    r = A("GET", "/v1/contacts/search?phone_number=%2B34666444555")
    assert [c["id"] for c in r.json["contacts"]] == [ct["id"]] and "meta" in r.json
    assert A("GET", "/v1/contacts/search?email=JANE@x.test").json["contacts"][0]["id"] == ct["id"]
    fa.set(contact_search_mode="exact")
    assert A("GET", "/v1/contacts/search?phone_number=%2B34666444555").json["contacts"] == []
    r = A("GET", "/v1/contacts/%d" % ct["id"])
    assert r.json["contact"]["phone_numbers"][0]["value"] == "+34 666 44 45 55"


def test_a_webhooks(fa, A):
    r = A("POST", "/v1/webhooks", json_body={"custom_name": "Gorgias", "url": "https://bridge.test/aircall/webhook",
                                             "events": ["call.created", "call.ended", "message.received"]})
    assert r.status == 201
    w = r.json["webhook"]
    assert len(w["webhook_id"]) == 36 and w["token"] and w["active"] is True
    assert set(w) >= {"webhook_id", "direct_link", "created_at", "custom_name", "url", "active", "events", "token"}
    assert A("GET", "/v1/webhooks/" + w["webhook_id"]).json["webhook"]["token"] == w["token"]
    r = A("PUT", "/v1/webhooks/%s?events_action=add" % w["webhook_id"], json_body={"events": ["call.hungup"]})
    assert r.json["webhook"]["events"] == ["call.created", "call.ended", "message.received", "call.hungup"]
    r = A("PUT", "/v1/webhooks/" + w["webhook_id"], json_body={"active": False})
    assert r.json["webhook"]["active"] is False
    assert A("POST", "/v1/webhooks", json_body={"url": "https://x.test", "events": ["call.exploded"]}).status == 400
    assert A("POST", "/v1/webhooks", json_body={"events": ["call.created"]}).status == 400
    r = A("POST", "/v1/webhooks", json_body={"url": "https://x.test/all"})
    assert len(r.json["webhook"]["events"]) > 20                         # omitted = all events
    assert A("GET", "/v1/webhooks").json["meta"]["total"] == 2
    # OAuth tokens only see their own webhooks
    tok = fa.mint_token(1)["access_token"]
    assert A("GET", "/v1/webhooks", bearer=tok).json["webhooks"] == []
    assert A("GET", "/v1/webhooks/" + w["webhook_id"], bearer=tok).status == 404
    assert A("DELETE", "/v1/webhooks/" + w["webhook_id"]).status == 204
    assert A("GET", "/v1/webhooks/" + w["webhook_id"]).status == 404
    assert len(fa.webhooks(1)) == 1


def test_a_insight_cards(fa, A):
    sc = ev.CallScenario(call_id=9001, token="t")
    fa.ingest(sc.created(), company_id=1)
    cards = {"contents": [{"type": "title", "text": "Jane Doe", "link": "https://acme.gorgias.com/app/customer/1"},
                          {"type": "shortText", "label": "Email", "text": "jane@x.test"}]}
    r = A("POST", "/v1/calls/9001/insight_cards", json_body=cards)
    assert r.status == 201
    got = fa.insight_cards(call_id=9001, accepted_only=True)
    assert got[0]["contents"] == cards["contents"]
    assert A("POST", "/v1/calls/9001/insight_cards", json_body={"contents": [{"type": "image"}]}).status == 400
    assert A("POST", "/v1/calls/9001/insight_cards", json_body={"cards": cards["contents"]}).status == 400
    assert A("POST", "/v1/calls/424242/insight_cards", json_body=cards).status == 404
    fa.ingest(sc.ended(), company_id=1)
    assert A("POST", "/v1/calls/9001/insight_cards", json_body=cards).status == 400
    fa.set(insight_card_ended_status=201)
    assert A("POST", "/v1/calls/9001/insight_cards", json_body=cards).status == 201
    r = A("GET", "/v1/calls/9001")
    assert r.json["call"]["status"] == "done" and r.json["call"]["sid"].startswith("CA")


def test_a_oauth_and_integration(fa, A):
    n1 = fa.add_number(1, "+33176111111", name="Support FR")
    fa.add_number(1, "+33176111112", name="Sales FR")
    fa.add_user(1, "ana@acme.test", name="Ana Agent")
    fa.add_oauth_client("ac-client", "ac-secret", ["https://bridge.test/oauth/aircall/callback"])
    fa.set_consent(company_id=1, number_ids=[n1["id"]])
    st, loc = fa.authorize("ac-client", "https://bridge.test/oauth/aircall/callback", state="abc")
    assert st == 302
    q = parse_qs(urlsplit(loc).query)
    assert q["state"] == ["abc"]
    body = {"grant_type": "authorization_code", "code": q["code"][0],
            "redirect_uri": "https://bridge.test/oauth/aircall/callback",
            "client_id": "ac-client", "client_secret": "ac-secret"}
    assert A("POST", "/v1/oauth/token", auth=False, json_body=dict(body, client_secret="x")).status == 401
    r = A("POST", "/v1/oauth/token", auth=False, json_body=body)
    assert r.status == 200 and r.json["access_token"]
    assert A("POST", "/v1/oauth/token", auth=False, json_body=body).json["error"] == "invalid_grant"
    tok = r.json["access_token"]
    me = A("GET", "/v1/integrations/me", bearer=tok).json["integration"]
    assert me["company_id"] == 1 and me["number_ids"] == [n1["id"]] and me["status"] == "installed"
    assert A("GET", "/v1/integrations/me").status == 403             # Basic auth has no integration
    integ = fa.integrations()[0]
    fa.update_integration(integ["id"], number_ids=[])
    assert A("GET", "/v1/integrations/me", bearer=tok).json["integration"]["number_ids"] == []
    A("POST", "/v1/webhooks", bearer=tok, json_body={"url": "https://bridge.test/wh", "events": ["call.created"]})
    out = fa.uninstall(integ["id"])
    assert out["revoked_tokens"] == 1 and len(out["removed_webhook_tokens"]) == 1
    assert A("GET", "/v1/ping", bearer=tok).status == 403
    fa.set_consent(mode="deny")
    st, loc = fa.authorize("ac-client", "https://bridge.test/oauth/aircall/callback", state="s")
    assert parse_qs(urlsplit(loc).query)["error"] == ["access_denied"]
    st, loc = fa.authorize("ac-client", "https://evil.test/cb")
    assert st == 400 and loc is None


def test_a_rate_limit(fa, A):
    fa.set(rate_limit=3, rate_window=2)
    for i in range(3):
        r = A("GET", "/v1/ping")
        assert r.status == 200 and r.h("X-AircallApi-Remaining") == str(2 - i)
    r = A("GET", "/v1/ping")
    assert r.status == 429 and r.json["success"] is False
    assert r.h("X-AircallApi-Remaining") == "0" and int(r.h("X-AircallApi-Reset")) <= int(time.time()) + 3
    assert fa.max_window_use(1) == 4 and fa.max_window_use(1, accepted=True) == 3
    time.sleep(2.1)
    assert A("GET", "/v1/ping").status == 200
    fa.set(rate_headers="on_limit")
    assert A("GET", "/v1/ping").h("X-AircallApi-Limit") is None


def test_a_media_large_file_constant_memory(aproc, fa):
    size = 600 * 1024 * 1024 + 12345
    fa.add_media("recording-77.mp3", size=size)
    url = fa.media_url("recording-77.mp3")
    r = call("HEAD", url)
    assert r.status == 200 and r.h("Content-Length") == str(size) and r.data == b""
    r = call("GET", url, headers={"Range": "bytes=100-199"})
    assert r.status == 206 and r.data == media_bytes("recording-77.mp3", 100, 100)
    assert r.h("Content-Range") == "bytes 100-199/%d" % size
    import hashlib
    h = hashlib.sha256()
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    conn.request("GET", u.path)
    resp = conn.getresponse()
    assert resp.status == 200 and int(resp.getheader("Content-Length")) == size
    n = 0
    while True:
        b = resp.read(1 << 20)
        if not b:
            break
        n += len(b)
        h.update(b)
    conn.close()
    assert n == size
    assert h.hexdigest() == media_sha256("recording-77.mp3", size)
    assert vm_hwm_kb(aproc.pid) < 120 * 1024, vm_hwm_kb(aproc.pid)
    # real bytes, expiry, forced status, unknown
    fa.add_media("img.jpg", data=b"\xff\xd8jpegdata", content_type="image/jpeg")
    r = call("GET", fa.media_url("img.jpg"))
    assert r.data == b"\xff\xd8jpegdata" and r.h("Content-Type") == "image/jpeg"
    fa.add_media("old.mp3", size=10, ttl=-1)
    assert call("GET", fa.media_url("old.mp3")).status == 403
    fa.add_media("gone.mp3", size=10, status=404)
    assert call("GET", fa.media_url("gone.mp3")).status == 404
    assert call("GET", fa.media_url("never.mp3")).status == 404


def test_a_request_log_and_faults(fa, A):
    fa.script_faults([{"status": 500, "match": {"company": 1, "path_prefix": "/v1/contacts"}}])
    assert A("GET", "/v1/ping").status == 200
    r = A("GET", "/v1/contacts/search?phone_number=%2B1")
    assert r.status == 500 and r.json["success"] is False
    log = fa.requests(key=1)
    assert [e["route"] for e in log] == ["/v1/ping", "/v1/contacts/search"]
    assert log[1]["fault"] == "scripted" and log[0]["auth"]["company_id"] == 1


# ================================================================== events

def test_event_builders_shapes():
    u = ev.user(id=7, email="ana@acme.test")
    sc = ev.CallScenario(call_id=555, direction="inbound", external="+34666444555", user=u,
                         contact=None, token="tok", media_base="http://127.0.0.1:9",
                         ivr_options_selected=[ev.ivr_option("Support", "2")], automatic_callback_call_id=554)
    seq = sc.answered_sequence()
    assert [b["event"] for b in seq] == ["call.created", "call.ringing_on_agent", "call.answered",
                                         "call.hungup", "call.ended", "call.comm_assets_generated"]
    for b in seq:
        assert set(b) == {"resource", "event", "timestamp", "token", "data"} and b["resource"] == "call"
        assert b["token"] == "tok" and b["data"]["id"] == 555 and b["data"]["raw_digits"] == "+34 666 44 45 55"
        assert b["data"]["automatic_callback_call_id"] == 554 and b["data"]["teams"][0]["name"]
    created, ended = seq[0]["data"], seq[4]["data"]
    assert created["user"] is None and created["answered_at"] is None and created["status"] == "initial"
    assert ended["status"] == "done" and ended["answered_at"] and ended["duration"] == ended["ended_at"] - ended["started_at"]
    assert seq[4]["timestamp"] - ended["ended_at"] == 30
    assert seq[5]["data"]["recording"] == "http://127.0.0.1:9/media/recording-555.mp3"
    missed = sc.ended(outcome="missed")["data"]
    assert missed["user"] is None and missed["missed_call_reason"] == "agents_did_not_answer"
    vm = ev.call_ended(call_id=1, outcome="voicemail", media_base="http://m")["data"]
    assert vm["voicemail"] == "http://m/media/voicemail-1.mp3" and vm["missed_call_reason"]
    c = ev.call_commented(comments=["note 1", "note 2"], call_id=3)
    assert [x["content"] for x in c["data"]["comments"]] == ["note 1", "note 2"]
    assert c["data"]["comments"][0]["posted_by"]["email"]
    t = ev.call_tagged(tags=["VIP", "Refund"])
    assert [x["name"] for x in t["data"]["tags"]] == ["VIP", "Refund"] and t["event"] == "call.tagged"
    assert ev.call_untagged(tags=["VIP", "X"], removed="VIP")["data"]["tags"][0]["name"] == "X"
    assert ev.call_assigned(call_id=4)["data"]["assigned_to"]["email"]
    tr = ev.call_transferred(call_id=5)
    assert tr["data"]["transferred_to"]["name"] == "Bob Agent" and tr["data"]["transferred_by"]
    assert ev.spaced("+18001234567") == "+1 800-123-4567"
    assert ev.spaced("+33176111111") == "+33 1 76 11 11 11"
    m = ev.message_received(id="SM1", external="+14155550100", body="Hi",
                            media_details=[ev.media_detail("a.jpg", media_base="http://m")], time_format="ms")
    assert m["resource"] == "message" and m["data"]["external_number"] == "+1 415-555-0100"
    assert isinstance(m["data"]["created_at"], int) and m["data"]["media_details"][0]["presigned_url"] == "http://m/media/a.jpg"
    s = ev.message_sent()
    assert s["data"]["direction"] == "outbound" and isinstance(s["data"]["created_at"], str)
    assert ev.message_status_updated(status="failed")["data"]["status"] == "failed"
    assert ev.integration_deleted(42, 1)["data"] == {"integration_id": 42, "company_id": 1}
    json.dumps(seq)


def test_sigterm_and_port_zero():
    p = start_fake("aircall", extra_args=["--quiet"])
    assert p.port > 0 and p.client.health()["ok"]
    assert p.stop() == 0
    with pytest.raises(OSError):
        p.client.health()


def test_g_concurrency_and_keepalive(gproc, fg, G):
    """Parallel clients: the limiter admits exactly `limit`; keep-alive connections survive errors."""
    results = []
    lock = threading.Lock()
    auth = "Basic " + base64.b64encode(("%s:%s" % (ADMIN_EMAIL, API_KEY)).encode()).decode()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", gproc.port, timeout=30)
        for i in range(12):
            if i % 3 == 0:   # a POST whose body the fake must consume even on 4xx
                conn.request("POST", "/%s/api/tickets" % ACCT, body=b'{"messages": []}',
                             headers={"Authorization": auth, "Content-Type": "application/json"})
            else:
                conn.request("GET", "/%s/api/account" % ACCT, headers={"Authorization": auth})
            r = conn.getresponse()
            r.read()
            with lock:
                results.append(r.status)
        conn.close()
    ths = [threading.Thread(target=worker) for _ in range(10)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    assert len(results) == 120
    assert results.count(429) == 40
    s = fg.stats(ACCT)
    assert s["max_window_accepted"] == 80 and s["max_window_seen"] == 120


def test_g_passthrough_delay_fault(fg, G):
    fg.script_faults({"delay": 0.4, "match": {"method": "GET"}})
    t0 = time.time()
    r = G("GET", "/api/account")
    assert r.status == 200 and time.time() - t0 >= 0.4
    assert fg.requests(ACCT)[-1]["fault"] is None
