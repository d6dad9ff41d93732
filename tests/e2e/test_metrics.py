"""GET /metrics: the Prometheus text format 0.0.4, parsed with the real
parser (Debian's python3-prometheus-client), served to loopback or with
AG_METRICS_TOKEN, its figures read from PostgreSQL (any process answers the
same) and moving as a call is processed."""

import pytest

import harness
from sandbox import installed, wait_inbox_settled  # noqa: F401
from test_worker import quiet, worker  # noqa: F401  (fixtures)
import aircall_events as ev

parser = pytest.importorskip("prometheus_client.parser")

METRICS_TOKEN = "metrics-token-0123456789abcdef"


def scrape(srv):
    r = srv.get("/metrics")
    assert r.status == 200, r.text
    assert r.header("Content-Type").startswith("text/plain; version=0.0.4")
    return parse(r.text)


def parse(text):
    """{(sample name, frozenset(labels)): value} and the families' types."""
    samples, types = {}, {}
    for fam in parser.text_string_to_metric_families(text):
        types[fam.name] = fam.type
        for s in fam.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples, types


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_families_parse_with_their_types(installed):  # noqa: F811
    samples, types = scrape(installed.web)
    assert types["ag_webhooks_received"] == "counter"       # the parser drops _total
    assert types["ag_vendor_requests"] == "counter"
    assert types["ag_webhook_ack_seconds"] == "histogram"
    assert types["ag_events"] == "gauge"
    assert types["ag_inbox_oldest_due_seconds"] == "gauge"
    for t in ("ag_inbox_depth", "ag_budget_used", "ag_budget_limit", "ag_rate_limited",
              "ag_installation_enabled", "ag_media_bytes", "ag_schema_version"):
        assert t in types, t
    inst = str(installed.installation_id)
    assert value(samples, "ag_installation_enabled", installation=inst, account="acme",
                 reason="") == 1
    for state in ("applied", "failed", "pending", "ignored"):
        assert (("ag_events", frozenset({"installation": inst, "state": state}.items()))
                in samples)


def test_counters_move_as_a_call_is_processed(installed, db):  # noqa: F811
    web = installed.web
    before, _ = scrape(web)
    call = installed.scenario(call_id=7101, media_base=installed.fakes.aircall.base_url)
    installed.fa.add_media(ev.recording_name(7101), size=40_000, content_type="audio/mpeg")
    for body in call.answered_sequence(with_recording=True):
        assert installed.post(body)[0] == 200
    assert installed.post(call.ended())[0] == 200           # a redelivery
    installed.wait_tickets(1, timeout=30)
    wait_inbox_settled(db)
    inst = str(installed.installation_id)

    def settled():
        # a request to each web process lets it write what it counted
        web.get("/healthz")
        after, _ = scrape(web)
        grew = value(after, "ag_webhook_ack_seconds_count") - \
            value(before, "ag_webhook_ack_seconds_count")
        return grew >= 7 and value(after, "ag_media_bytes_total") > 0 and after

    after = harness.wait_until(settled, timeout=30, interval=0.5,
                               message="counters did not move")
    assert value(after, "ag_webhooks_received_total", event="call.ended", status="200",
                 result="accepted") - value(before, "ag_webhooks_received_total",
                                            event="call.ended", status="200",
                                            result="accepted") == 1
    assert value(after, "ag_webhooks_received_total", event="call.ended", status="200",
                 result="duplicate") - value(before, "ag_webhooks_received_total",
                                             event="call.ended", status="200",
                                             result="duplicate") == 1
    assert value(after, "ag_events", installation=inst, state="applied") - \
        value(before, "ag_events", installation=inst, state="applied") >= 5
    assert value(after, "ag_events", installation=inst, state="failed") == 0
    assert value(after, "ag_inbox_depth") == 0
    assert value(after, "ag_inbox_oldest_due_seconds") == 0
    created = value(after, "ag_vendor_requests_total", vendor="gorgias", method="POST",
                    route="/api/tickets", status="201")
    assert created - value(before, "ag_vendor_requests_total", vendor="gorgias",
                           method="POST", route="/api/tickets", status="201") == 1
    assert value(after, "ag_vendor_requests_total", vendor="aircall", method="GET",
                 route="/media", status="200") >= 1
    assert value(after, "ag_media_bytes_total") - value(before, "ag_media_bytes_total") \
        == 40_000
    assert value(after, "ag_budget_used", scope="gorgias:acme") >= 1
    assert value(after, "ag_budget_limit", scope="gorgias:acme") > 0
    inf = value(after, "ag_webhook_ack_seconds_bucket", le="+Inf")
    assert inf == value(after, "ag_webhook_ack_seconds_count") and inf >= 7


def test_refused_webhooks_are_counted_by_status(installed):  # noqa: F811
    before, _ = scrape(installed.web)
    bad = installed.scenario(call_id=7102, token="not-the-token")
    assert installed.post(bad.ended())[0] == 401
    after, _ = scrape(installed.web)
    key = dict(event="unknown", status="401", result="unknown_token")
    assert value(after, "ag_webhooks_received_total", **key) - \
        value(before, "ag_webhooks_received_total", **key) == 1


def test_metrics_only_to_loopback_or_with_the_token(db, cgi, bridge_env):
    assert cgi("GET", "/metrics").status == 200                     # loopback
    r = harness.run_cgi("GET", "/metrics", env=bridge_env, remote_addr="192.0.2.7")
    assert r.status == 403 and "ag_" not in r.text
    env = dict(bridge_env, AG_METRICS_TOKEN=METRICS_TOKEN)
    r = harness.run_cgi("GET", "/metrics", env=env, remote_addr="192.0.2.7")
    assert r.status == 401 and r.header("WWW-Authenticate") == "Bearer"
    r = harness.run_cgi("GET", "/metrics", env=env, remote_addr="192.0.2.7",
                        headers={"Authorization": "Bearer " + METRICS_TOKEN[:-1] + "x"})
    assert r.status == 401
    r = harness.run_cgi("GET", "/metrics", env=env, remote_addr="192.0.2.7",
                        headers={"Authorization": "Bearer " + METRICS_TOKEN})
    assert r.status == 200
    parse(r.text.replace("\r\n", "\n"))


def test_metrics_token_is_required_from_loopback_too(db, cgi, bridge_env):
    """A reverse proxy on the bridge's host makes every client loopback: once
    a token is configured, loopback alone opens nothing."""
    env = dict(bridge_env, AG_METRICS_TOKEN=METRICS_TOKEN)
    r = harness.run_cgi("GET", "/metrics", env=env, remote_addr="127.0.0.1")
    assert r.status == 401 and "ag_" not in r.text
    r = harness.run_cgi("GET", "/metrics", env=env, remote_addr="127.0.0.1",
                        headers={"Authorization": "Bearer " + METRICS_TOKEN})
    assert r.status == 200


def test_any_process_answers_the_same(installed, cgi):  # noqa: F811
    """Figures live in PostgreSQL: a fresh CGI process sees the web server's counts."""
    call = installed.scenario(call_id=7103)
    assert installed.post(call.ended())[0] == 200
    installed.wait_tickets(1, timeout=30)
    web, _ = scrape(installed.web)
    r = cgi("GET", "/metrics")
    other, _ = parse(r.text)
    key = ("ag_webhooks_received_total",
           frozenset(dict(event="call.ended", status="200", result="accepted").items()))
    assert web[key] == other[key] == 1


def test_worker_heartbeats(installed, worker):  # noqa: F811
    proc = worker()
    samples, types = scrape(installed.web)
    assert types["ag_worker_heartbeat_age_seconds"] == "gauge"
    mine = {dict(labels)["worker"]: v for (name, labels), v in samples.items()
            if name == "ag_worker_heartbeat_age_seconds" and dict(labels)["kind"] == "worker"
            and dict(labels)["worker"].endswith(f":{proc.pid}")}
    assert len(mine) == 1 and 0 <= list(mine.values())[0] < 15, samples
    [wid] = mine
    assert ("ag_worker_busy", frozenset({"worker": wid, "kind": "worker",
                                         "host": wid.rsplit(":", 1)[0]}.items())) in samples
    harness.stop_process(proc)
    after, _ = scrape(installed.web)
    assert not any(dict(labels).get("worker") == wid for (_, labels) in after)


def test_unhandled_event_names_share_one_label(installed):  # noqa: F811
    """Event names the bridge does not handle are the sender's choice: they
    count under event="other", so a token holder cannot grow the label set."""
    before, _ = scrape(installed.web)
    for i in range(3):
        body = {"event": f"made.up_{i}", "resource": "call", "timestamp": 1700000000 + i,
                "token": installed.token, "data": {"id": 9900 + i}}
        assert installed.post(body)[0] == 200
    after, _ = scrape(installed.web)
    key = dict(event="other", status="200", result="accepted")
    assert value(after, "ag_webhooks_received_total", **key) - \
        value(before, "ag_webhooks_received_total", **key) == 3
    assert not any("made.up" in str(labels) for (_, labels) in after)
