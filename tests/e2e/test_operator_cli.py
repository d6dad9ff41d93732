"""The operator's commands with machine output: status --json, events,
retry (one event, an installation's, all), as docs/operations.md shows them."""

import harness
from sandbox import ACCOUNT, installed, wait_inbox_settled  # noqa: F401
from test_worker import quiet  # noqa: F401  (fixture: no drainer of an earlier test left)


def _fail_everything(sb):
    """Gorgias refuses every request for good (400): events fail."""
    sb.fg.script_faults([{"status": 400, "count": 1000, "match": {"account": ACCOUNT}}])


def test_events_and_retry_one_event(quiet, installed, db, cli):  # noqa: F811
    inst = str(installed.installation_id)
    _fail_everything(installed)
    for call_id in (7201, 7202):
        assert installed.post(installed.scenario(call_id=call_id).ended())[0] == 200
    wait_inbox_settled(db)

    failed = cli("events", "--installation", inst, "--state", "failed").check().json()
    assert [e["subject"] for e in failed] == ["call:7202", "call:7201"]     # newest first
    assert all(e["status"] == "failed" and "400" in e["last_error"] for e in failed)
    assert cli("events", "--installation", inst, "--state", "failed", "--limit", "1") \
        .check().json()[0]["subject"] == "call:7202"
    assert cli("events", "--installation", inst, "--state", "pending").check().json() == []
    status = cli("status", "--json").check().json()
    assert status["inbox"]["failed"] == 2
    assert {f["id"] for f in status["failed"]} == {e["id"] for e in failed}

    installed.fg.clear_faults()
    one = failed[1]["id"]
    assert cli("retry", "--event", str(one)).check().json() == {"requeued": 1, "event": one}
    left = cli("events", "--installation", inst, "--state", "failed").check().json()
    assert [e["id"] for e in left] == [failed[0]["id"]]
    cli("worker", "--once").check()        # a drainer may have been quicker: either applies it
    [ticket] = installed.wait_tickets(1, timeout=30)
    assert ticket["external_id"] == "aircall:call:7201"
    wait_inbox_settled(db)
    again = cli("retry", "--event", str(one))
    assert again.returncode == 1 and "is not failed" in again.stderr
    missing = cli("retry", "--event", "987654321")
    assert missing.returncode == 1 and "does not exist" in missing.stderr

    assert cli("retry", "--installation", inst).check().json() == {"requeued": 1}
    cli("worker", "--once").check()
    installed.wait_tickets(2, timeout=30)
    wait_inbox_settled(db)
    assert cli("events", "--installation", inst, "--state", "failed").check().json() == []


def test_events_lists_pending_events_with_their_attempts(quiet, installed, db, cli):  # noqa: F811
    """An event Gorgias keeps refusing for now (503) waits, attempted, in pending."""
    inst = str(installed.installation_id)
    installed.fg.script_faults([{"status": 503, "count": 1000, "match": {"account": ACCOUNT}}])
    assert installed.post(installed.scenario(call_id=7203).ended())[0] == 200
    cli("worker", "--once").check()

    def attempted():
        rows = cli("events", "--installation", inst, "--state", "pending").check().json()
        return rows if rows and rows[0]["attempts"] >= 1 else None
    [row] = harness.wait_until(attempted, timeout=20, message="no attempted pending event")
    assert row["subject"] == "call:7203" and "503" in (row["last_error"] or "")
    assert cli("events", "--installation", inst, "--state", "failed").check().json() == []
    installed.fg.clear_faults()


def test_bad_arguments_exit_2(cli):
    for args in (("events", "--state", "failed"),
                 ("events", "--installation", "1", "--state", "done"),
                 ("events", "--installation", "1", "--state", "failed", "--limit", "0"),
                 ("retry", "--event", "1", "--installation", "1"),
                 ("status", "--yaml")):
        assert cli(*args).returncode == 2, args
