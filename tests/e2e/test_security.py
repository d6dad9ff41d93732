"""Security defences a user or operator would notice (docs/security.md), through
lighttpd + FastCGI, PostgreSQL and the fake vendors.

Media fetches (SSRF): a webhook body is written by whoever holds the webhook
token, so the bridge never fetches a call's recording/voicemail from the body
(only from Aircall's API) and fetches MMS media only from public https
addresses. A canary TCP server stands for the bridge's own network: it must
see no connection at all."""

import socket
import subprocess
import threading

import harness
import pytest

from sandbox import ACCOUNT, _post, ev, installed, notes, wait_inbox_settled  # noqa: F401


class Canary:
    """A TCP server on 127.0.0.1 that counts connections (and answers HTTP
    with a secret, which must never reach Gorgias)."""

    SECRET = b"canary-secret-must-not-leak"

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            try:
                conn.settimeout(2)
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\nContent-Length: %d\r\n"
                             b"Connection: close\r\n\r\n%s" % (len(self.SECRET), self.SECRET))
            except OSError:
                pass
            conn.close()

    def url(self, path, scheme="http", host="127.0.0.1"):
        return f"{scheme}://{host}:{self.port}/{path}"

    def close(self):
        self._stop = True
        self.sock.close()


@pytest.fixture
def canary():
    c = Canary()
    yield c
    c.close()


@pytest.fixture
def strict_env(bridge_env):
    """The bridge as in production: the media fetch policy on."""
    env = dict(bridge_env)
    env.pop("AG_MEDIA_ALLOW_PRIVATE", None)
    return env


def _worker(binary, env):
    """A listening worker (events need not wait for a drainer slot)."""
    return subprocess.Popen([str(binary), "worker"], env=harness.clean_env(env),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def worker(binary, bridge_env, db):
    proc = _worker(binary, bridge_env)
    yield proc
    harness.stop_process(proc)


@pytest.fixture
def strict_worker(binary, strict_env, db):
    proc = _worker(binary, strict_env)
    yield proc
    harness.stop_process(proc)


@pytest.fixture
def strict(installed, lighttpd_factory, strict_env, strict_worker):
    port = harness.free_port()
    env = dict(strict_env, AG_PUBLIC_URL=f"http://127.0.0.1:{port}")
    installed.web = lighttpd_factory(env=env, port=port)
    return installed


def _send(sb, body):
    """Posts a body as is: no mirroring into the fake's API."""
    status, _h, reply = _post(sb.web.url("/webhooks/aircall"), body)
    assert status == 200, reply


def _text(ticket):
    return "\n".join((m.get("body_text") or "") + (m.get("body_html") or "")
                     for m in ticket.get("messages", []))


def _no_leak(sb, canary):
    assert canary.connections == 0
    for up in sb.fg.uploads(ACCOUNT):
        assert int(up["size"]) != len(Canary.SECRET)


def test_call_recording_comes_from_the_api_not_the_body(installed, db, canary, worker):
    """SSRF: the body names the canary as recording; Aircall's API names the real
    file. The real file is uploaded and the canary never hears from the bridge."""
    fa = installed.fa
    call = installed.scenario(call_id=9101, media_base=installed.fakes.aircall.base_url)
    fa.add_media(ev.recording_name(9101), size=30_000, content_type="audio/mpeg")
    fa.ingest({"resource": "call", "data": {"id": 9101, "recording": call.recording_url}},
              company_id=installed.company_id)
    for body in call.answered_sequence(with_recording=False):
        _send(installed, body)
    assets = call.comm_assets_generated(recording=True)
    assets["data"]["recording"] = canary.url("latest/meta-data/iam")
    _send(installed, assets)
    wait_inbox_settled(db)
    ticket = installed.wait_tickets(1, predicate=lambda ts: len(notes(ts[0])) >= 3)[0]
    atts = [a for n in notes(ticket) for a in (n.get("attachments") or [])]
    assert len(atts) == 1
    assert [int(u["size"]) for u in installed.fg.uploads(ACCOUNT)] == [30_000]
    _no_leak(installed, canary)


def test_call_media_policy_refuses_private_addresses(strict, db, canary):
    """SSRF, production policy: even a URL from Aircall's API is fetched only from
    a public https address. Refused: the note links the file and says why; the event
    is done, not failed."""
    sb = strict
    sb.fa.ingest({"resource": "call", "data": {"id": 9102, "voicemail": canary.url("vm.mp3")}},
                 company_id=sb.company_id)
    call = sb.scenario(call_id=9102, media_base=f"http://127.0.0.1:{canary.port}")
    for body in call.voicemail_sequence():
        _send(sb, body)
    wait_inbox_settled(db)
    [ticket] = sb.wait_tickets(1, predicate=lambda ts: any(
        "public https" in (n.get("body_text") or "") for n in notes(ts[0])))
    assert "assets.aircall.io/voicemail/9102" in _text(ticket)
    assert sb.fg.uploads(ACCOUNT) == []
    assert int(db.scalar("select count(*) from inbox where status = 'failed'")) == 0
    _no_leak(sb, canary)


def test_mms_media_only_from_public_https(strict, db, canary):
    """SSRF through MMS: plain http, an https URL on a loopback address and a name
    resolving to loopback (checked at connect time) are all refused; each file is
    linked with the reason and the message still lands."""
    sb = strict
    media = [ev.media_detail("a.jpg", "image/jpeg", presigned_url=canary.url("a.jpg")),
             ev.media_detail("b.jpg", "image/jpeg", presigned_url=canary.url("b.jpg", "https")),
             ev.media_detail("c.pdf", "application/pdf",
                             presigned_url=canary.url("c.pdf", "https", "localhost")),
             ev.media_detail("d.png", "image/png",
                             presigned_url=f"https://[::ffff:169.254.169.254]:{canary.port}/d")]
    _send(sb, ev.message_received(token=sb.token, id="SM-ssrf", body="hello",
                                  media_details=media))
    wait_inbox_settled(db, timeout=30)
    [t] = sb.wait_tickets(1)
    [m] = t["messages"]
    assert m["attachments"] == []
    for name in ("a.jpg", "b.jpg", "c.pdf", "d.png"):
        assert name in m["body_text"]
    assert m["body_text"].count("only public https") == 4
    assert int(db.scalar("select count(*) from inbox where status = 'failed'")) == 0
    _no_leak(sb, canary)


# ----------------------------------------------------------------- bounded storage

def test_healthz_is_constant_and_tenant_free(installed, db):
    """Anonymous /healthz says whether the bridge and its database answer, and
    nothing about any installation's traffic (no inbox counts)."""
    call = installed.scenario(call_id=9201)
    installed.post(call.created())
    assert int(db.scalar("select count(*) from inbox")) == 1
    r = installed.web.get("/healthz")
    assert r.status == 200
    assert r.json() == {"status": "ok", "database": "ok"}


def test_worker_applies_the_retention_policy(installed, db, cli, bridge_env):
    """AG_RETENTION_DAYS: done/ignored events older than that, and expired sessions,
    OAuth states and settings links, are deleted by the worker; failed events and
    recent ones stay."""
    for cid in (9301, 9302, 9303):
        installed.post(installed.scenario(call_id=cid).created())
    wait_inbox_settled(db)
    ids = [r["id"] for r in db.query("select id from inbox order by id")]
    assert len(ids) == 3
    db.execute(f"update inbox set processed_at = now() - interval '8 days' where id = {ids[0]}")
    db.execute(f"update inbox set status = 'failed', processed_at = now() - interval '90 days' "
               f"where id = {ids[1]}")
    inst = installed.installation_id
    db.execute(f"""
        insert into web_session (id_hash, installation_id, expires_at) values
          (repeat('a', 64), {inst}, now() - interval '1 minute'),
          (repeat('b', 64), {inst}, now() + interval '1 hour');
        insert into oauth_state (nonce, session_hash, vendor, expires_at) values
          (repeat('c', 32), repeat('a', 64), 'gorgias', now() - interval '1 minute'),
          (repeat('d', 32), repeat('b', 64), 'gorgias', now() + interval '5 minutes');
        insert into settings_link (token_hash, installation_id, expires_at) values
          (repeat('e', 64), {inst}, now() - interval '1 minute'),
          (repeat('f', 64), {inst}, now() + interval '5 minutes');
    """)
    cli("worker", "--once", env=dict(bridge_env, AG_RETENTION_DAYS="7"), check=True)
    left = [r["id"] for r in db.query("select id from inbox order by id")]
    assert left == ids[1:]                       # the old done one went; failed stays
    for table, col, gone, kept in (("web_session", "id_hash", "a" * 64, "b" * 64),
                                   ("oauth_state", "nonce", "c" * 32, "d" * 32),
                                   ("settings_link", "token_hash", "e" * 64, "f" * 64)):
        have = {r[col] for r in db.query(f"select {col} from {table}")}
        assert gone not in have and kept in have, table


def test_unhandled_events_are_stored_without_their_body(installed, db):
    """An event the bridge does not apply is acknowledged and kept as its envelope
    only: a webhook token holder cannot park megabytes in the database."""
    body = ev.envelope("call.ringing_on_agent", {"id": 9401, "blob": "x" * 500_000},
                       token=installed.token)
    status, reply = installed.post(body)
    assert status == 200, reply
    [row] = db.query("select status, payload::text as p from inbox")
    assert row["status"] == "ignored"
    assert "xxxx" not in row["p"] and len(row["p"]) < 200
    assert "ringing_on_agent" in row["p"]


def test_malformed_json_is_logged_without_body_fragments(installed, bridge_log):
    """A body that is not JSON is refused; the log says where it broke, never
    what it contained (it may carry a token or a customer's message)."""
    raw = b'{"event": "call.created", tokSECRETFRAGMENT42: 1}'
    status, _h, _reply = _post(installed.web.url("/webhooks/aircall"), raw)
    assert status == 400
    bridge_log.wait_for(r"malformed JSON")
    assert "SECRETFRAGMENT" not in bridge_log.text()


# ----------------------------------------------------------------- sessions

def test_session_id_changes_when_bound_to_an_installation(db, fakes, cli, lighttpd):
    """Session fixation: the id a browser held before the Gorgias callback (one
    an attacker could have planted) opens nothing once the session belongs to
    an installation; the browser gets a new one."""
    import oauth_flow as of
    sb = of.vendors(fakes, cli, lighttpd)
    b = of.Browser()
    cb = of.gorgias_leg(b, lighttpd)
    before = b.cookies["ag_session"]
    r = b.get(cb)
    assert r.status == 302, r.text
    after = b.cookies["ag_session"]
    assert after != before and len(after) == 64
    acb = of.aircall_leg(sb.fa, r.header("Location"))
    assert b.get(acb).status == 303
    assert b.get(lighttpd.url("/settings")).status == 200
    planted = of.Browser()
    planted.cookies["ag_session"] = before
    page = planted.get(lighttpd.url("/settings"))
    assert page.status != 200 or "csrf" not in page.text


def test_enable_refused_after_an_uninstall(installed, db, cli):
    """AD1: once the app was uninstalled (authorization_removed), `enable` does not
    bring the old grant back; installing again does."""
    inst = installed.installation_id
    db.execute(f"update installation set state = 'disabled', disabled_reason = "
               f"'authorization_removed', disabled_at = now() where id = {inst}")
    res = cli("enable", "--installation", str(inst))
    assert res.returncode == 1 and "uninstalled" in res.stderr
    assert db.scalar(f"select state from installation where id = {inst}") == "disabled"
    db.execute(f"update installation set disabled_reason = 'rate_limited' where id = {inst}")
    assert cli("enable", "--installation", str(inst)).returncode == 0
    db.execute(f"update installation set state = 'disabled', disabled_reason = "
               f"'authorization_removed' where id = {inst}")
    installed.install("--country", "FR")
    assert db.scalar(f"select state from installation where id = {inst}") == "enabled"
