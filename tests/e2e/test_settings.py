"""SU2, SU4: the settings page. Sessions, CSRF, tenant isolation and escaping
are tested by name for what each rejects; the number selection, defaults,
state, activity, budget and re-enable for what they do."""

import os
import re
import shutil
import subprocess

import pytest

import harness
from oauth_flow import Browser, csrf_of, install, installation, vendors
from sandbox import ACCOUNT, ev, wait_inbox_settled

NUMBERS = ((2001, "+33176111111", "Support"), (2002, "+33176111112", "Sales"),
           (2003, "+33176111113", "Returns"))
HOSTILE = "<script>alert(1)</script>'\"; drop table installation; --"


def _checked(page_text):
    return {int(m.group(1)) for m in
            re.finditer(r'name="number" value="(\d+)" checked', page_text)}


def _link(cli, inst_id):
    res = cli("settings-link", "--installation", str(inst_id), check=True)
    url = res.stdout.strip()
    assert re.search(r"/settings\?link=[0-9a-f]{64}$", url), url
    return url


@pytest.fixture
def acme(db, fakes, cli, lighttpd):
    sb = vendors(fakes, cli, lighttpd, numbers=NUMBERS, consent_numbers=[2001, 2003])
    sb.browser, sb.page = install(sb, lighttpd)
    sb.installation_id = installation(db)["id"]
    return sb


# ------------------------------------------------------------ what the page shows

def test_settings_lists_numbers_preselected_from_aircall(acme, db):
    page = acme.page.text
    for name in ("Support", "Sales", "Returns"):
        assert name in page
    assert _checked(page) == {2001, 2003}
    assert 'id="state" class="ok"' in page and "Enabled" in page
    assert 'id="pending"' in page and 'id="failed"' in page and 'id="budget"' in page
    assert 'name="viewport"' in page                  # usable on a phone
    assert acme.page.header("Content-Type").startswith("text/html")
    # No framing (clickjacking of the buttons), no script, no referrer.
    csp = acme.page.header("Content-Security-Policy")
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert acme.page.header("X-Frame-Options") == "DENY"


def test_settings_numbers_paginated_from_aircall(db, fakes, cli, lighttpd):
    many = tuple((3000 + i, "+3317611%04d" % i, "Line %02d" % i) for i in range(60))
    sb = vendors(fakes, cli, lighttpd, numbers=many)
    _, page = install(sb, lighttpd)
    assert len(re.findall(r'name="number"', page.text)) == 60
    pages = {r["query"].get("page", ["1"])[0] for r in sb.fa.requests(method="GET")
             if r["path"].startswith("/v1/numbers")}
    assert {"1", "2"} <= pages


def test_settings_saves_selection_and_defaults(acme, db, lighttpd):
    b = acme.browser
    r = b.post_form(lighttpd.url("/settings"), [
        ("csrf", csrf_of(acme.page.text)), ("action", "save"), ("number", "2002"),
        ("locale", "de"), ("country", "DE"), ("time_zone", "Europe/Berlin")])
    assert r.status == 303 and r.header("Location").endswith("/settings?saved=1")
    row = installation(db)
    assert (row["locale"], row["default_country"], row["time_zone"]) == ("de", "DE", "Europe/Berlin")
    sel = {x["number_id"] for x in db.query(
        "select number_id from installation_number where selected")}
    assert sel == {2002}
    page = b.get(r.header("Location"))
    assert _checked(page.text) == {2002}
    assert 'lang="de"' in page.text and "Gespeichert." in page.text and "Nummern" in page.text


def test_settings_page_in_english_on_request(acme, lighttpd):
    page = acme.browser.get(lighttpd.url("/settings?lang=de"))
    assert "Aktiv" in page.text
    page = acme.browser.get(lighttpd.url("/settings?lang=en"))
    assert "Enabled" in page.text and 'lang="en"' in page.text


def test_settings_shows_disabled_reason_fix_and_re_enables_replaying_events(acme, db, lighttpd,
                                                                           cli):
    db.execute("update installation set state = 'disabled', disabled_reason = 'rate_limited', "
               "disabled_at = now()")
    body = acme.scenario(call_id=8801).created()
    acme.fa.ingest(body, company_id=acme.company_id)
    assert acme.post(body)[0] == 200
    harness.wait_until(lambda: db.scalar("select attempts from inbox") is not None)
    page = acme.browser.get(lighttpd.url("/settings"))
    assert 'class="bad"' in page.text and "rate_limited" in page.text
    assert "Re-enable" in page.text and "How to fix" in page.text
    assert int(re.search(r'id="pending">(\d+)<', page.text).group(1)) == 1
    r = acme.browser.post_form(lighttpd.url("/settings"),
                               [("csrf", csrf_of(page.text)), ("action", "enable")])
    assert r.status == 303
    assert installation(db)["state"] == "enabled"
    # AD2: the kept event is due at once and gets applied.
    assert db.scalar("select next_attempt_at <= now() from inbox") is True
    cli("worker", "--once", check=True)
    wait_inbox_settled(db)
    page = acme.browser.get(lighttpd.url("/settings"))
    assert "call.created" in page.text


def test_settings_authorization_removed_offers_install_again(acme, db, lighttpd):
    db.execute("update installation set state = 'disabled', "
               "disabled_reason = 'authorization_removed', disabled_at = now()")
    page = acme.browser.get(lighttpd.url("/settings")).text
    assert "install again" in page.lower()
    assert f'href="{lighttpd.url("/install?account=acme")}"' in page


# ------------------------------------------------------------ sessions and links

def test_rejects_settings_without_session(acme, lighttpd):
    assert Browser().get(lighttpd.url("/settings")).status == 403
    r = Browser().post_form(lighttpd.url("/settings"), [("action", "save"), ("number", "2002")])
    assert r.status == 403
    assert _checked(acme.browser.get(lighttpd.url("/settings")).text) == {2001, 2003}


def test_rejects_forged_session_cookie(acme, lighttpd):
    b = Browser()
    b.cookies["ag_session"] = "a" * 64
    assert b.get(lighttpd.url("/settings")).status == 403


def test_settings_link_opens_a_session_once(acme, cli, lighttpd):
    url = _link(cli, acme.installation_id)
    b = Browser()
    r = b.get(url)
    assert r.status == 303 and r.header("Location").endswith("/settings")
    assert "HttpOnly" in b.set_cookie_headers[0] and "SameSite=Lax" in b.set_cookie_headers[0]
    assert b.get(r.header("Location")).status == 200
    assert Browser().get(url).status == 403           # replayed link


def test_rejects_tampered_settings_link(acme, cli, lighttpd):
    url = _link(cli, acme.installation_id)
    tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
    assert Browser().get(tampered).status == 403


def test_api_key_install_prints_a_settings_link(db, fakes, cli, lighttpd):
    """The install command (no OAuth) hands the operator a one-time link too."""
    from sandbox import Sandbox
    sb = Sandbox(fakes, cli, lighttpd)
    sb.setup_vendors(numbers=NUMBERS)
    res = sb.install("--numbers", "2002")
    link = res.json()["settings_link"]
    b = Browser()
    r = b.get(link)
    assert r.status == 303
    page = b.get(r.header("Location"))
    assert page.status == 200 and _checked(page.text) == {2002}
    assert Browser().get(link).status == 403


def test_settings_link_for_unknown_installation_fails(acme, cli):
    res = cli("settings-link", "--installation", "999999")
    assert res.returncode != 0


# ------------------------------------------------------------ CSRF

def test_rejects_post_without_csrf(acme, db, lighttpd):
    r = acme.browser.post_form(lighttpd.url("/settings"),
                               [("action", "save"), ("number", "2002"), ("locale", "de")])
    assert r.status == 403
    assert installation(db)["locale"] == "en"


def test_rejects_post_with_wrong_csrf(acme, db, lighttpd):
    r = acme.browser.post_form(lighttpd.url("/settings"),
                               [("csrf", "0" * 64), ("action", "save"), ("number", "2002")])
    assert r.status == 403
    assert {x["number_id"] for x in db.query(
        "select number_id from installation_number where selected")} == {2001, 2003}


def test_rejects_csrf_token_of_another_session(acme, db, cli, lighttpd):
    other = Browser()
    other.get(_link(cli, acme.installation_id))
    foreign = csrf_of(other.get(lighttpd.url("/settings")).text)
    assert foreign != csrf_of(acme.page.text)
    r = acme.browser.post_form(lighttpd.url("/settings"),
                               [("csrf", foreign), ("action", "save"), ("number", "2002")])
    assert r.status == 403


# ------------------------------------------------------------ injection

@pytest.mark.parametrize("field,value", [
    ("number", "1) or true; --"),
    ("number", "2002'; drop table installation; --"),
    ("country", "D'"),
    ("country", "<b"),
    ("locale", "en' or '1'='1"),
    ("time_zone", "Europe/Berlin'; drop table inbox; --"),
    ("time_zone", "<script>alert(1)</script>"),
    ("action", "<svg onload=alert(1)>"),
])
def test_rejects_injection_strings_in_form_fields(acme, db, lighttpd, field, value):
    fields = [("csrf", csrf_of(acme.page.text)), ("action", "save"), ("number", "2001")]
    fields = [f for f in fields if f[0] != field] + [(field, value)]
    r = acme.browser.post_form(lighttpd.url("/settings"), fields)
    assert r.status == 400 and "<script>" not in r.text and "<svg" not in r.text
    row = installation(db)
    assert (row["locale"], row["default_country"], row["time_zone"]) == ("en", "US", "UTC")
    assert int(db.scalar("select count(*) from inbox")) == 0      # tables intact
    assert {x["number_id"] for x in db.query(
        "select number_id from installation_number where selected")} == {2001, 2003}


def test_rejects_injection_strings_in_query(acme, lighttpd):
    for q in ("lang=%3Cscript%3E", "saved=1'%20or%201=1", "link=' or 1=1 --"):
        r = acme.browser.get(lighttpd.url("/settings?" + q.replace(" ", "%20")))
        assert r.status in (400, 403) and "<script>" not in r.text


def test_escapes_html_in_every_value_on_the_page(db, fakes, cli, lighttpd):
    """Vendor data (number names, digits) and stored values (time zone,
    event names, subjects, errors) all reach the page escaped."""
    sb = vendors(fakes, cli, lighttpd)
    sb.fa.add_number(sb.company_id, "+33176111119", name=HOSTILE, id=2009, digits=HOSTILE)
    b, _ = install(sb, lighttpd)
    inst = installation(db)["id"]
    db.execute("update installation set time_zone = :'v'", v=HOSTILE)
    db.execute("insert into inbox (installation_id, dedupe_key, event, subject, payload, status, "
               "last_error, processed_at) values (:'i', 'k', :'v', :'v', '{}', 'failed', :'v', now())",
               i=inst, v=HOSTILE)
    page = b.get(lighttpd.url("/settings")).text
    assert "<script>" not in page and "'\"; drop" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#39;&quot;; drop table installation; --" in page
    assert page.count("&lt;script&gt;") >= 4    # name, digits, time zone, event, subject, error
    assert int(db.scalar("select count(*) from installation")) == 1


# ------------------------------------------------------------ tenants

def test_rejects_cross_tenant_access(acme, db, fakes, lighttpd):
    """A session of acme can neither see nor change globex, whatever it sends."""
    fa, fg = acme.fa, acme.fg
    fg.add_account("globex", email="boss@globex.test", api_key="k2")
    other = fa.add_company("Globex", api_id="g-id", api_token="g-token")
    fa.add_number(other["id"], "+4930600000", name="Globex secret line", id=4001,
                  digits="+49 30 600000")
    fa.set_consent(company_id=other["id"], number_ids=None)
    acme.company_id = other["id"]
    gb, gpage = install(acme, lighttpd, account="globex")
    globex = installation(db, "globex")["id"]
    assert "Globex secret line" in gpage.text

    page = acme.browser.get(lighttpd.url(f"/settings?installation={globex}")).text
    assert "Globex secret line" not in page and "acme" in page
    r = acme.browser.post_form(lighttpd.url(f"/settings?installation={globex}"), [
        ("csrf", csrf_of(page)), ("action", "save"), ("number", "4001"),
        ("installation_id", str(globex)), ("locale", "de")])
    assert r.status == 303
    g = installation(db, "globex")
    assert g["locale"] == "en" and g["numbers_all"] is False
    assert db.scalar("select selected from installation_number where number_id = 4001") is True
    # acme's own selection: 4001 is not acme's number, so nothing of acme is selected now.
    assert db.scalar("select count(*) from installation_number where selected and "
                     "installation_id = :'i'", i=acme.installation_id) == 0
    # globex's CSRF token does not work with acme's cookie, and vice versa.
    r = acme.browser.post_form(lighttpd.url("/settings"),
                               [("csrf", csrf_of(gpage.text)), ("action", "enable")])
    assert r.status == 403


# ------------------------------------------------------------ screenshot

def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(not _chromium(), reason="Debian's chromium is not installed")
def test_settings_page_screenshot_in_headless_chromium(acme, cli, tmp_path):
    url = _link(cli, acme.installation_id)
    shot = tmp_path / "settings.png"
    profile = tmp_path / "profile"
    subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                    f"--screenshot={shot}", "--window-size=420,900", url],
                   capture_output=True, timeout=90, check=False)
    assert shot.exists() and shot.stat().st_size > 10000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    keep = os.environ.get("AG_SCREENSHOT_OUT")
    if keep:
        shutil.copyfile(shot, keep)
