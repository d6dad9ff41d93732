"""SU1, AD1, multi-tenant routing: the OAuth install flow (both entry points),
what it refuses (each test is named for it), the Gorgias token lifecycle and
Aircall's uninstall event. Through the session lighttpd, PostgreSQL and the
fake vendors' OAuth servers."""

import time

import harness
from oauth_flow import (Browser, aircall_leg, gorgias_leg, install, installation, query,
                        vendors)
from sandbox import ACCOUNT, AGENT_EMAIL, NUMBER_ID, ev, wait_inbox_settled


def _count(db):
    return int(db.scalar("select count(*) from installation"))


# ------------------------------------------------------------ happy paths

def test_gorgias_first_install_creates_one_enabled_installation(db, fakes, cli, lighttpd):
    sb = vendors(fakes, cli, lighttpd, numbers=((2001, "+33176111111", "Support"),
                                                (2002, "+33176111112", "Sales")),
                 consent_numbers=[2002])
    browser, page = install(sb, lighttpd)
    row = installation(db)
    assert row["gorgias_auth"] == "oauth" and row["aircall_auth"] == "oauth"
    assert row["state"] == "enabled" and row["aircall_company_id"] == sb.company_id
    # Tokens are sealed at rest, never stored in clear.
    for col in ("gorgias_secret", "gorgias_refresh", "aircall_secret", "webhook_token"):
        assert row[col].startswith("v2:"), col
    assert row["gorgias_token_expires_at"]
    # SU2: Aircall's consent selection becomes the bridge's.
    sel = {r["number_id"]: r["selected"] for r in
           db.query("select number_id, selected from installation_number")}
    assert sel == {2001: False, 2002: True}
    # Only the events the bridge uses, one webhook.
    hooks = sb.fa.webhooks(sb.company_id)
    assert len(hooks) == 1 and "call.ended" in hooks[0]["events"]
    assert hooks[0]["url"] == lighttpd.url("/webhooks/aircall")
    # Token exchange used Basic client authentication (G§1.2).
    tok = [r for r in sb.fg.requests(method="POST") if r["path"].endswith("/oauth/token")]
    assert tok and tok[0]["auth"]["valid"]
    auth = {k.lower(): v for k, v in dict(tok[0]["headers"]).items()}["authorization"]
    assert auth.startswith("Basic ") and "client_secret" not in (tok[0].get("form") or {})
    assert "Support" in page.text and "Sales" in page.text
    # The stored webhook token routes events.
    status, _ = sb.post(ev.call_created(token=sb.token))
    assert status == 200


def test_aircall_first_install_asks_subdomain_and_ends_in_one_installation(db, fakes, cli,
                                                                           lighttpd):
    sb = vendors(fakes, cli, lighttpd)
    browser = Browser()
    form = browser.get(lighttpd.url("/install"))          # Aircall's install_uri, no account
    assert form.status == 200 and 'name="account"' in form.text
    assert form.header("Content-Type").startswith("text/html")
    # The admin types the full host name; the subdomain is taken from it.
    r = browser.get(lighttpd.url("/install?account=ACME.gorgias.com"))
    assert r.status == 302 and "/acme/oauth/authorize?" in r.header("Location")
    install(sb, lighttpd, browser)
    first = installation(db)["id"]
    # Then from the Gorgias app store: still the same single installation.
    install(sb, lighttpd)
    assert _count(db) == 1 and installation(db)["id"] == first


def test_install_form_rejects_invalid_subdomain(db, fakes, cli, lighttpd):
    r = Browser().get(lighttpd.url("/install?account=%3Cscript%3E"))
    assert r.status == 400 and "<script>" not in r.text
    assert _count(db) == 0


def test_session_cookie_flags_http(db, fakes, cli, lighttpd):
    sb = vendors(fakes, cli, lighttpd)  # noqa: F841
    b = Browser()
    b.get(lighttpd.url("/install?account=acme"))
    [sc] = b.set_cookie_headers
    assert "HttpOnly" in sc and "SameSite=Lax" in sc and "Secure" not in sc


def test_session_cookie_secure_over_https(db, fakes, cgi, bridge_env):
    env = dict(bridge_env, AG_PUBLIC_URL="https://bridge.example.test")
    r = cgi("GET", "/install", env=env, query="account=acme")
    assert r.status == 302
    sc = r.header("Set-Cookie")
    assert "HttpOnly" in sc and "SameSite=Lax" in sc and "; Secure" in sc
    # the __Host- prefix: only this origin, over https, for the whole host
    assert sc.startswith("__Host-ag_session=") and "; Path=/;" in sc and "Domain" not in sc


# ------------------------------------------------------------ refusals

def test_rejects_tampered_state(db, fakes, cli, lighttpd):
    sb = vendors(fakes, cli, lighttpd)  # noqa: F841
    b = Browser()
    cb = gorgias_leg(b, lighttpd)
    state = query(cb)["state"]
    forged = state[:-1] + ("0" if state[-1] != "0" else "1")
    r = b.get(cb.replace(state, forged))
    assert r.status == 400 and "not valid" in r.text
    assert _count(db) == 0


def test_rejects_replayed_state(db, fakes, cli, lighttpd):
    sb = vendors(fakes, cli, lighttpd)  # noqa: F841
    b = Browser()
    cb = gorgias_leg(b, lighttpd)
    assert b.get(cb).status == 302
    again = b.get(cb)
    # The callback gave the browser a new session id (fixation defence), so
    # the replayed state no longer matches its session either.
    assert again.status == 400 and ("already used" in again.text or "not valid" in again.text)


def test_rejects_callback_without_session(db, fakes, cli, lighttpd):
    sb = vendors(fakes, cli, lighttpd)  # noqa: F841
    cb = gorgias_leg(Browser(), lighttpd)
    r = Browser().get(cb)                       # another browser: no cookie
    assert r.status == 400 and "no install session" in r.text
    assert _count(db) == 0


def test_rejects_state_of_another_browser(db, fakes, cli, lighttpd):
    sb = vendors(fakes, cli, lighttpd)  # noqa: F841
    victim, attacker = Browser(), Browser()
    cb = gorgias_leg(attacker, lighttpd)
    gorgias_leg(victim, lighttpd)               # the victim has a session of her own
    r = victim.get(cb)                          # login CSRF: attacker's code in her browser
    assert r.status == 400
    assert _count(db) == 0


def test_rejects_aircall_callback_without_gorgias_step(db, fakes, cli, lighttpd):
    sb = vendors(fakes, cli, lighttpd)
    b = Browser()
    b.get(lighttpd.url("/install?account=acme"))
    status, loc = sb.fa.authorize("e2e-aircall-client", lighttpd.url("/oauth/aircall/callback"),
                                  state="0" * 32 + "." + "0" * 64)
    r = b.get(loc)
    assert r.status == 400
    assert _count(db) == 0


def test_rejects_non_admin_installer(db, fakes, cli, lighttpd):
    sb = vendors(fakes, cli, lighttpd)
    sb.fg.set_oauth(ACCOUNT, user=AGENT_EMAIL)
    b = Browser()
    r = b.get(gorgias_leg(b, lighttpd))
    assert r.status == 403 and "admin" in r.text
    assert _count(db) == 0


def test_rejects_denied_consent(db, fakes, cli, lighttpd):
    sb = vendors(fakes, cli, lighttpd)
    sb.fg.set_oauth(ACCOUNT, consent="deny")
    b = Browser()
    r = b.get(gorgias_leg(b, lighttpd))
    assert r.status == 400 and _count(db) == 0


def test_rejects_forged_webhook_token(db, fakes, cli, lighttpd):
    sb = vendors(fakes, cli, lighttpd)
    install(sb, lighttpd)
    status, body = sb.post(ev.call_created(token="forged-" + sb.token))
    assert status == 401 and body["error"] == "unknown_token"
    assert int(db.scalar("select count(*) from inbox")) == 0


def test_rejects_aircall_company_of_another_installation(db, fakes, cli, lighttpd):
    sb = vendors(fakes, cli, lighttpd)
    install(sb, lighttpd)
    sb.fg.add_account("globex", email="boss@globex.test", api_key="k2")
    b = Browser()
    r = b.get(gorgias_leg(b, lighttpd, "globex"))
    r = b.get(aircall_leg(sb.fa, r.header("Location")))
    assert r.status == 409
    assert int(db.scalar("select count(*) from installation where aircall_company_id is not null")) == 1


# ------------------------------------------------------------ token lifecycle

def _ring(sb, db, call_id):
    """A call.created the bridge must look up in Gorgias (one API request)."""
    sb.fg.add_customer(ACCOUNT, name="Jane Doe", email=f"jane{call_id}@shop.test",
                       phone="+34666444555")
    body = sb.scenario(call_id=call_id).created()
    sb.fa.ingest(body, company_id=sb.company_id)
    status, _ = sb.post(body)
    assert status == 200
    wait_inbox_settled(db)


def _token_posts(sb, grant):
    return [r for r in sb.fg.requests(method="POST")
            if r["path"].endswith("/oauth/token") and (r.get("form") or {}).get("grant_type") == grant]


def test_token_refreshed_before_expiry(db, fakes, cli, lighttpd):
    sb = vendors(fakes, cli, lighttpd)
    install(sb, lighttpd)
    db.execute("update installation set gorgias_token_expires_at = now() + interval '60 seconds'")
    _ring(sb, db, 7101)
    assert len(_token_posts(sb, "refresh_token")) == 1
    row = installation(db)
    assert row["state"] == "enabled"
    assert int(db.scalar("select extract(epoch from gorgias_token_expires_at - now())::int "
                         "from installation")) > 3600
    # No request was refused: the refresh came first.
    assert not [r for r in sb.fg.requests(ACCOUNT) if r["status"] == 401]


def test_token_refreshed_once_on_401(db, fakes, cli, lighttpd):
    sb = vendors(fakes, cli, lighttpd)
    install(sb, lighttpd)
    sb.fg.expire_tokens(ACCOUNT)
    _ring(sb, db, 7102)
    assert len(_token_posts(sb, "refresh_token")) == 1
    assert installation(db)["state"] == "enabled"
    assert [r for r in sb.fg.requests(ACCOUNT) if r["status"] == 401]
    assert [c for c in sb.fa.insight_cards(sb.company_id, call_id=7102)]


def test_refresh_refused_disables_authorization_removed(db, fakes, cli, lighttpd):
    sb = vendors(fakes, cli, lighttpd)
    install(sb, lighttpd)
    sb.fg.revoke(ACCOUNT, refresh=True, access=True)        # uninstalled in Gorgias
    _ring_until_disabled(sb, db)
    row = installation(db)
    assert row["state"] == "disabled" and row["disabled_reason"] == "authorization_removed"
    # Nothing after it reaches Gorgias until the app is installed again.
    assert len(_token_posts(sb, "refresh_token")) == 1


def _ring_until_disabled(sb, db):
    body = sb.scenario(call_id=7103).created()
    sb.fa.ingest(body, company_id=sb.company_id)
    sb.fg.add_customer(ACCOUNT, name="Jane Doe", email="jane7103@shop.test", phone="+34666444555")
    assert sb.post(body)[0] == 200
    harness.wait_until(lambda: installation(db)["state"] == "disabled", timeout=15,
                       message="installation not disabled")


def test_reinstall_re_enables_keeping_mappings(db, fakes, cli, lighttpd):
    sb = vendors(fakes, cli, lighttpd)
    install(sb, lighttpd)
    first = installation(db)["id"]
    db.execute("insert into call_record (installation_id, call_id, gorgias_ticket_id) "
               "values (:'i', 424242, 500777)", i=first)
    sb.fg.revoke(ACCOUNT, refresh=True, access=True)
    _ring_until_disabled(sb, db)
    install(sb, lighttpd)
    row = installation(db)
    assert row["id"] == first and row["state"] == "enabled" and row["disabled_reason"] is None
    assert int(db.scalar("select gorgias_ticket_id from call_record where call_id = 424242")) == 500777
    assert _count(db) == 1
    # The kept event is applied after the reinstall.
    cli("worker", "--once", check=True)
    wait_inbox_settled(db)


def test_aircall_integration_deleted_disables(db, fakes, cli, lighttpd):
    sb = vendors(fakes, cli, lighttpd)
    install(sb, lighttpd)
    [integ] = sb.fa.integrations()
    body = ev.integration_deleted(integ["id"], sb.company_id, sb.token)
    sb.fa.uninstall(integ["id"])
    status, _ = sb.post(body)
    assert status == 200
    harness.wait_until(lambda: installation(db)["state"] == "disabled", timeout=15)
    assert installation(db)["disabled_reason"] == "authorization_removed"


def test_one_tenant_events_never_reach_another(db, fakes, cli, lighttpd):
    """Routing is by webhook token only: acme's token never lands in globex's inbox."""
    sb = vendors(fakes, cli, lighttpd)
    install(sb, lighttpd)
    acme_token = sb.token
    sb.fg.add_account("globex", email="boss@globex.test", api_key="k2")
    other = sb.fa.add_company("Globex", api_id="g-id", api_token="g-token")
    sb.fa.set_consent(company_id=other["id"], number_ids=None)
    sb.company_id = other["id"]
    install(sb, lighttpd, account="globex")
    assert sb.token != acme_token
    assert sb.post(ev.call_created(token=acme_token, call_id=9001))[0] == 200
    rows = db.query("select i.gorgias_account from inbox b join installation i "
                    "on i.id = b.installation_id")
    assert [r["gorgias_account"] for r in rows] == ["acme"]
    time.sleep(0.1)


def test_integration_deleted_while_disabled_is_not_replayed_after_reinstall(db, fakes, cli,
                                                                            lighttpd):
    sb = vendors(fakes, cli, lighttpd)
    install(sb, lighttpd)
    db.execute("update installation set state = 'disabled', disabled_reason = 'manual', "
               "disabled_at = now()")
    [integ] = sb.fa.integrations()
    assert sb.post(ev.integration_deleted(integ["id"], sb.company_id, sb.token))[0] == 200
    assert db.scalar("select status from inbox") == "pending"       # kept while disabled
    sb.fa.uninstall(integ["id"])
    install(sb, lighttpd)
    cli("worker", "--once", check=True)
    wait_inbox_settled(db)
    assert installation(db)["state"] == "enabled"
    assert db.scalar("select status from inbox") == "ignored"
