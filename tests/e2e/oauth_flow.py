"""The OAuth install flow driven like a browser, for test_install.py and
test_settings.py: a cookie jar, the three redirects, both fake vendors'
consent pages. harness.http_request never follows redirects, so every hop
is visible to the tests."""

import re
import urllib.parse

import harness
from sandbox import ACCOUNT, GORGIAS_EMAIL, NUMBER_E164, NUMBER_ID, Sandbox, ev  # noqa: F401

G_CLIENT = ("e2e-gorgias-client", "e2e-gorgias-client-secret")
A_CLIENT = ("e2e-aircall-client", "e2e-aircall-client-secret")


class Browser:
    """A cookie jar over harness.http_request (one host: the bridge)."""

    def __init__(self):
        self.cookies = {}
        self.set_cookie_headers = []

    def request(self, method, url, body=None, headers=None):
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        r = harness.http_request(method, url, body=body, headers=h)
        for sc in r.header_all("Set-Cookie"):
            self.set_cookie_headers.append(sc)
            name, _, rest = sc.partition("=")
            self.cookies[name.strip()] = rest.split(";")[0]
        return r

    def get(self, url):
        return self.request("GET", url)

    def post_form(self, url, fields):
        """fields: list of (name, value) pairs (repeatable names)."""
        body = urllib.parse.urlencode(fields)
        return self.request("POST", url, body=body,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})


def query(url):
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).items()}


def register_clients(sb, web):
    sb.fg.add_oauth_client(*G_CLIENT, [web.url("/oauth/gorgias/callback")])
    sb.fa.add_oauth_client(*A_CLIENT, [web.url("/oauth/aircall/callback")])


def vendors(fakes, cli, web, numbers=((NUMBER_ID, NUMBER_E164, "Support line"),),
            consent_numbers=None):
    """Fake vendors with one account/company and the bridge's OAuth clients."""
    sb = Sandbox(fakes, cli, web)
    sb.setup_vendors(numbers=numbers)
    register_clients(sb, web)
    sb.fa.set_consent(company_id=sb.company_id, number_ids=consent_numbers)
    return sb


def gorgias_leg(browser, web, account=ACCOUNT):
    """/install -> Gorgias consent -> the callback URL Gorgias sends the browser to."""
    r = browser.get(web.url(f"/install?account={account}"))
    assert r.status == 302, r
    loc = r.header("Location")
    assert f"/{account}/oauth/authorize?" in loc, loc
    g = harness.http_request("GET", loc)          # the fake Gorgias consent page
    assert g.status == 302, g
    return g.header("Location")


def aircall_leg(fa, location):
    """The Aircall dashboard consent for the bridge's authorize redirect."""
    assert "/oauth/authorize?" in location, location
    q = query(location)
    assert q["scope"] == "public_api" and q["response_type"] == "code"
    status, loc = fa.authorize(q["client_id"], q["redirect_uri"], state=q["state"])
    assert status == 302, (status, loc)
    return loc


def install(sb, web, browser=None, account=ACCOUNT):
    """The whole flow, Gorgias first; returns (browser, settings response)."""
    browser = browser or Browser()
    cb = gorgias_leg(browser, web, account)
    r = browser.get(cb)
    assert r.status == 302, r.text
    acb = aircall_leg(sb.fa, r.header("Location"))
    r = browser.get(acb)
    assert r.status == 303, r.text
    assert r.header("Location").endswith("/settings")
    page = browser.get(r.header("Location"))
    assert page.status == 200, page.text
    hooks = sb.fa.webhooks(sb.company_id)
    sb.token = hooks[-1]["token"]
    return browser, page


def installation(db, account=ACCOUNT):
    rows = db.query("select * from installation where gorgias_account = :'a'", a=account)
    return rows[0] if rows else None


def csrf_of(page_text):
    m = re.search(r'name="csrf" value="([0-9a-f]{64})"', page_text)
    assert m, page_text[:2000]
    return m.group(1)
