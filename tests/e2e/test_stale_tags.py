"""A tag the bridge has cached is deleted in Gorgias: Gorgias then refuses
the ticket with `400 {"tags": {"0": {"id": ["Tag not found."]}}}`. The bridge
forgets the cached ids, resolves the names again and the ticket is created
with its tags (TC1, RB2) — never a failed event for every later call."""

import base64
import json
import urllib.request

from sandbox import ACCOUNT, GORGIAS_EMAIL, GORGIAS_KEY, installed, wait_inbox_settled  # noqa: F401


def _tags(ticket):
    return {t["name"] for t in ticket.get("tags", [])}


def _delete_tag(fakes, tag_id):
    """As an agent deleting the tag in the Gorgias UI (the public API)."""
    req = urllib.request.Request(f"{fakes.gorgias.base_url}/{ACCOUNT}/api/tags/{tag_id}",
                                 method="DELETE")
    cred = base64.b64encode(f"{GORGIAS_EMAIL}:{GORGIAS_KEY}".encode()).decode()
    req.add_header("Authorization", "Basic " + cred)
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status in (200, 202, 204)


def test_tc1_deleted_cached_tag_is_resolved_again(installed, db, fakes):  # noqa: F811
    first = installed.scenario(call_id=65001, external="+34611000001")
    for body in first.answered_sequence(with_recording=False):
        assert installed.post(body)[0] == 200
    [ticket] = installed.wait_tickets(1)
    assert {"Aircall", "Support line"} <= _tags(ticket)
    cached = int(db.scalar("select count(*) from gorgias_tag_cache"))
    assert cached > 0, "the first call cached no tag id"
    for t in installed.fg.tags(ACCOUNT):
        if t["name"] == "Support line":
            _delete_tag(fakes, t["id"])
    assert "Support line" not in {t["name"] for t in installed.fg.tags(ACCOUNT)}

    second = installed.scenario(call_id=65002, external="+34611000002")
    for body in second.answered_sequence(with_recording=False):
        assert installed.post(body)[0] == 200
    tickets = installed.wait_tickets(2)
    wait_inbox_settled(db)
    failed = db.query("select event, last_error from inbox where status = 'failed'")
    assert failed == [], json.dumps(failed)
    [new] = [t for t in tickets if t["external_id"] == "aircall:call:65002"]
    assert {"Aircall", "Support line"} <= _tags(new)
    assert "Support line" in {t["name"] for t in installed.fg.tags(ACCOUNT)}
