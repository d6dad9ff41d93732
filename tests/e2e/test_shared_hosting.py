"""Shared hosting, as the README's section describes it: the binary uploaded
as aircall-gorgias.cgi with apache/htaccess-cgi.example as .htaccess, served by
Apache's mod_cgi (prefork, AllowOverride All), one process per request. A call
becomes a ticket and the settings page works (SU2, CT1)."""

import re

import pytest

import harness
from oauth_flow import Browser, csrf_of
from sandbox import Sandbox, notes, wait_inbox_settled


@pytest.fixture
def shared_host(e2e_root, binary, migrated_db, bridge_env_base):
    port = harness.free_port()
    env = dict(bridge_env_base, AG_PUBLIC_URL=f"http://127.0.0.1:{port}/aircall")
    srv = harness.ApacheCgi(e2e_root / f"apache-cgi-{port}", binary, env, port=port)
    srv.start()
    yield srv
    srv.stop()


def test_htaccess_example_runs_the_bridge_as_cgi(shared_host, db, fakes, cli):
    srv = shared_host
    assert srv.base_url.endswith("/aircall")
    r = srv.get("/healthz")                                    # README step: check
    assert r.status == 200 and r.json()["database"] == "ok", (r, srv.log_tail())
    # the .htaccess itself and the program's bytes are not served
    assert harness.http_get(srv.base_url + "/.htaccess").status in (403, 404)

    sb = Sandbox(fakes, cli, srv)
    sb.setup_vendors()
    sb.install("--country", "FR", env=dict(srv.env))
    hook = sb.fa.webhooks(sb.company_id)[-1]
    assert hook["url"] == srv.base_url + "/webhooks/aircall"

    call = sb.scenario(call_id=7301)
    status, body = sb.post(call.ended())
    assert status == 200 and body["status"] == "accepted", (body, srv.log_tail())
    [ticket] = sb.wait_tickets(1, timeout=30, predicate=lambda ts: notes(ts[0]))
    assert ticket["external_id"] == "aircall:call:7301"
    wait_inbox_settled(db)

    # the settings page, through the one-time link of the README
    link = cli("settings-link", "--installation", str(sb.installation_id), env=srv.env,
               check=True).stdout.strip()
    assert link.startswith(srv.base_url + "/settings?link=")
    b = Browser()
    r = b.get(link)
    assert r.status in (302, 303), r
    page = b.get(srv.base_url + "/settings")
    assert page.status == 200 and "Support line" in page.text, page.text[:500]
    assert 'id="state" class="ok"' in page.text
    r = b.post_form(srv.base_url + "/settings", [
        ("csrf", csrf_of(page.text)), ("action", "save"), ("number", "2001"),
        ("locale", "de"), ("country", "DE"), ("time_zone", "Europe/Berlin")])
    assert r.status == 303 and r.header("Location").endswith("/aircall/settings?saved=1"), r
    assert db.scalar("select locale from installation") == "de"
    page = b.get(r.header("Location"))
    assert page.status == 200 and re.search(r'name="number" value="2001" checked', page.text)
