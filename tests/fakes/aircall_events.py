"""Pure functions that build realistic Aircall webhook bodies.

Shapes follow /work/shared/reference/aircall-api.md:
  §1.1 envelope {resource, event, timestamp (unix s), token, data}
  §3   Call object (sample call.created from the API reference, real 2018 call.ended)
  §4   Message object (illustrative shape; UNCONFIRMED as a whole)
  §9.6 integration.deleted
Nothing here talks to the network; tests POST the returned dicts to the bridge.

Typical use:

    import aircall_events as ev
    sc = ev.CallScenario(call_id=123456789, direction="inbound", external="+34666444555",
                         number=ev.number(id=2001, name="Support ES", e164="+34910000000"),
                         user=ev.user(id=101, name="Ana Agent", email="ana@acme.test"),
                         token=webhook_token)
    for body in sc.answered():          # created, ringing_on_agent, answered, hungup, ended
        post_to_bridge(body)
    body = sc.ended(outcome="missed", missed_call_reason="agents_did_not_answer")
"""

import copy
import time

API = "https://api.aircall.io"
DEFAULT_TOKEN = "fake-webhook-token-0123456789"

# country calling codes of length 1 / 3; everything else is treated as length 2
_CC1 = ("1", "7")
_CC3_PREFIXES = ("21", "22", "23", "24", "25", "26", "29", "35", "37", "38", "42", "50", "59",
                 "67", "68", "69", "80", "85", "87", "88", "96", "97", "99")


def spaced(e164):
    """'+34666444555' -> '+34 666 44 45 55'; '+18001234567' -> '+1 800-123-4567'
    (Aircall raw_digits / number digits are human formatted, §3, §7)."""
    if not e164 or not e164.startswith("+"):
        return e164
    d = e164[1:]
    if d[:1] in _CC1:
        cc, rest = d[:1], d[1:]
    elif d[:2] in _CC3_PREFIXES:
        cc, rest = d[:3], d[3:]
    else:
        cc, rest = d[:2], d[2:]
    if cc == "1" and len(rest) == 10:
        return "+1 %s-%s-%s" % (rest[:3], rest[3:6], rest[6:])
    if cc == "33" and len(rest) == 9:
        return "+33 %s %s %s %s %s" % (rest[0], rest[1:3], rest[3:5], rest[5:7], rest[7:9])
    if cc == "34" and len(rest) == 9:
        return "+34 %s %s %s %s" % (rest[:3], rest[3:5], rest[5:7], rest[7:9])
    if cc == "44" and len(rest) == 10:
        return "+44 %s %s" % (rest[:4], rest[4:])
    groups = []
    r = rest
    while len(r) > 4:
        groups.append(r[:3])
        r = r[3:]
    if len(r) == 4:
        groups += [r[:2], r[2:]]
    elif r:
        groups.append(r)
    return "+%s %s" % (cc, " ".join(groups))


def now():
    return int(time.time())


# ----------------------------------------------------------------- objects

def user(id=101, name="Ana Agent", email="ana@example.com", available=True,
         availability_status="available", created_at="2024-01-15T09:00:00.000Z",
         time_zone="Europe/Paris", language="en-US", **extra):
    """Abridged User as nested in call payloads (§3, §8)."""
    d = {"id": id, "direct_link": "%s/v1/users/%d" % (API, id), "name": name, "email": email,
         "available": available, "availability_status": availability_status,
         "created_at": created_at, "time_zone": time_zone, "language": language}
    d.update(extra)
    return d


def number(id=2001, name="Support line", e164="+33176111111", digits=None, country="FR",
           time_zone="Europe/Paris", **extra):
    """Number as nested in webhook events: digits human formatted, e164_digits (§7)."""
    d = {"id": id, "direct_link": "%s/v1/numbers/%d" % (API, id), "name": name,
         "digits": digits or spaced(e164), "e164_digits": e164,
         "created_at": "2023-06-01T08:00:00.000Z", "country": country, "time_zone": time_zone,
         "open": True, "availability_status": "open", "is_ivr": False,
         "live_recording_activated": False, "priority": None,
         "messages": {"welcome": None, "waiting": None, "ringing_tone": None, "unanswered_call": None,
                      "after_hours": None, "ivr": None, "voicemail": None, "closed": None,
                      "callback_later": None}}
    d.update(extra)
    return d


def contact(id=30001, first_name="Jane", last_name="Doe", phone="+34666444555", email=None,
            company_name="", information="", phone_label="Mobile", created_at=1700000000,
            phones=None, emails=None, **extra):
    """Contact (§5).  Phones are stored as typed (often spaced); pass phones=[...] for several."""
    phones = phones if phones is not None else ([phone] if phone else [])
    emails = emails if emails is not None else ([email] if email else [])
    d = {"id": id, "direct_link": "%s/v1/contacts/%d" % (API, id), "first_name": first_name,
         "last_name": last_name, "company_name": company_name, "description": None,
         "information": information, "is_shared": True, "created_at": created_at,
         "updated_at": created_at,
         "emails": [{"id": 600000 + i, "label": "Work", "value": e} for i, e in enumerate(emails)],
         "phone_numbers": [{"id": 500000 + i, "label": phone_label, "value": p}
                           for i, p in enumerate(phones)]}
    d.update(extra)
    return d


def team(id=71, name="Support team", **extra):
    d = {"id": id, "direct_link": "%s/v1/teams/%d" % (API, id), "name": name,
         "created_at": "2023-06-01T08:00:00.000Z"}
    d.update(extra)
    return d


def ivr_option(title="Sales", key="1", branch="Main menu", created_at=None, id=None, **extra):
    d = {"id": id or "ivr-%s" % key, "title": title, "key": key, "branch": branch,
         "created_at": created_at if created_at is not None else now()}
    d.update(extra)
    return d


def comment(content, id=735, posted_at=None, posted_by=None):
    """posted_by: a user dict, or None when posted via the API (§3)."""
    return {"id": id, "content": content, "posted_at": posted_at if posted_at is not None else now(),
            "posted_by": posted_by}


def tag(name, id=None, tagged_at=None, tagged_by=None, color="#00B388"):
    d = {"id": id if id is not None else abs(hash(name)) % 100000, "name": name, "color": color,
         "description": None}
    if tagged_at is not None or tagged_by is not None:
        d["tagged_at"] = tagged_at if tagged_at is not None else now()
        d["tagged_by"] = tagged_by
    return d


def media_url(media_base, name):
    """URL of a file served by fake_aircall (/media/{name}); register it with
    FakeAircall.add_media(name, size=...)."""
    return "%s/media/%s" % (media_base.rstrip("/"), name)


def recording_name(call_id):
    return "recording-%s.mp3" % call_id


def voicemail_name(call_id):
    return "voicemail-%s.mp3" % call_id


# ------------------------------------------------------------------- calls

def call(call_id=123456789, direction="inbound", external="+34666444555", number=None, user=None,
         contact=None, status="initial", started_at=None, answered_at=None, ended_at=None,
         duration=None, missed_call_reason=None, voicemail=None, recording=None, asset=None,
         teams=None, ivr_options_selected=None, comments=None, tags=None,
         automatic_callback_call_id=None, assigned_to=None, transferred_by=None, transferred_to=None,
         archived=False, hangup_cause=None, raw_digits=None, call_uuid=None, cost="0",
         participants=None, **extra):
    """Call data (§3).  external: the other party's E.164 ("anonymous" allowed).
    user=None means the key is null (unanswered/missed); pass {} to mimic the
    documented call.created sample's empty objects."""
    started_at = started_at if started_at is not None else now()
    if duration is None:
        duration = (ended_at - started_at) if ended_at else 0
    if raw_digits is None:
        raw_digits = external if external == "anonymous" else spaced(external)
    if participants is None:
        participants = [{"type": "external", "phone_number": raw_digits}]
        if user:
            participants.append({"type": "user", "id": user.get("id"), "name": user.get("name")})
    d = {"id": call_id, "direct_link": "%s/v1/calls/%d" % (API, call_id),
         "call_uuid": call_uuid or "CA%032x" % (call_id * 2654435761 % (1 << 128)),
         "direction": direction, "status": status, "missed_call_reason": missed_call_reason,
         "started_at": started_at, "answered_at": answered_at, "ended_at": ended_at,
         "duration": duration, "cost": cost, "hangup_cause": hangup_cause,
         "voicemail": voicemail, "recording": recording, "asset": asset,
         "raw_digits": raw_digits, "archived": archived,
         "user": copy.deepcopy(user), "contact": copy.deepcopy(contact),
         "number": copy.deepcopy(number) if number is not None else globals()["number"](),
         "assigned_to": copy.deepcopy(assigned_to),
         "transferred_by": copy.deepcopy(transferred_by), "transferred_to": copy.deepcopy(transferred_to),
         "teams": copy.deepcopy(teams) if teams is not None else [],
         "comments": copy.deepcopy(comments) if comments is not None else [],
         "tags": copy.deepcopy(tags) if tags is not None else [],
         "participants": participants}
    if ivr_options_selected is not None:
        d["ivr_options_selected"] = copy.deepcopy(ivr_options_selected)
    if automatic_callback_call_id is not None:
        d["automatic_callback_call_id"] = automatic_callback_call_id
    d.update(extra)
    return d


def envelope(event, data, token=DEFAULT_TOKEN, timestamp=None, resource=None):
    """The 5-field webhook envelope (§1.1)."""
    return {"resource": resource or event.split(".")[0], "event": event,
            "timestamp": timestamp if timestamp is not None else now(),
            "token": token, "data": data}


def call_event(event, token=DEFAULT_TOKEN, timestamp=None, **call_kwargs):
    return envelope(event, call(**call_kwargs), token=token, timestamp=timestamp)


class CallScenario(object):
    """Consistent bodies for one call.  Timestamps derive from started_at:
    ring_seconds until answer, talk_seconds of conversation, ended fires
    ended_delay (30 s) after hang-up like the real call.ended (§2.1)."""

    def __init__(self, call_id=123456789, direction="inbound", external="+34666444555",
                 number=None, user=None, contact=None, token=DEFAULT_TOKEN, started_at=None,
                 ring_seconds=5, talk_seconds=60, ended_delay=30, teams=None,
                 ivr_options_selected=None, automatic_callback_call_id=None, media_base=None,
                 raw_digits=None, **extra):
        self.call_id = call_id
        self.direction = direction
        self.external = external
        self.number = number if number is not None else globals()["number"]()
        self.user = user if user is not None else globals()["user"]()
        self.contact = contact
        self.token = token
        self.started_at = started_at if started_at is not None else now() - 120
        self.ring_seconds = ring_seconds
        self.talk_seconds = talk_seconds
        self.ended_delay = ended_delay
        self.teams = teams if teams is not None else ([team()] if direction == "inbound" else [])
        self.ivr = ivr_options_selected
        # A§3: webhooks never carry ivr_options_selected (REST timeline only).
        self.ivr_in_webhooks = extra.pop("ivr_in_webhooks", False)
        self.callback = automatic_callback_call_id
        self.media_base = media_base or "http://127.0.0.1:0"
        self.raw_digits = raw_digits
        self.extra = extra
        self.comments = []
        self.tags = []

    # derived times
    @property
    def answered_at(self):
        return self.started_at + self.ring_seconds

    @property
    def hungup_at(self):
        return self.answered_at + self.talk_seconds

    @property
    def recording_url(self):
        return media_url(self.media_base, recording_name(self.call_id))

    @property
    def voicemail_url(self):
        return media_url(self.media_base, voicemail_name(self.call_id))

    def _data(self, **kw):
        base = dict(call_id=self.call_id, direction=self.direction, external=self.external,
                    number=self.number, contact=self.contact, started_at=self.started_at,
                    teams=self.teams,
                    ivr_options_selected=self.ivr if self.ivr_in_webhooks else None,
                    automatic_callback_call_id=self.callback, comments=self.comments,
                    tags=self.tags, raw_digits=self.raw_digits)
        base.update(self.extra)
        base.update(kw)
        return call(**base)

    def _env(self, event, ts, **kw):
        return envelope(event, self._data(**kw), token=self.token, timestamp=ts)

    def rest_call(self, **kw):
        """The call as GET /v1/calls/{id}?fetch_call_timeline=true has it (for fa.add_call)."""
        d = self._data(**kw)
        if self.ivr is not None:
            d["ivr_options_selected"] = copy.deepcopy(self.ivr)
        return d

    def ivr_option_selected(self, option, timestamp=None):
        """call.ivr_option_selected (A§2.1): the call with the option just picked
        (payload beyond the event name UNCONFIRMED)."""
        return self._env("call.ivr_option_selected", timestamp or self.started_at + 3,
                         status="initial", ivr_options_selected=[option])

    def created(self, timestamp=None):
        # inbound calls are not yet attached to an agent; outbound are dialled by one
        u = self.user if self.direction == "outbound" else None
        return self._env("call.created", timestamp or self.started_at + 1, status="initial", user=u)

    def ringing_on_agent(self, timestamp=None):
        return self._env("call.ringing_on_agent", timestamp or self.started_at + 2, status="initial",
                         user=self.user)

    def answered(self, timestamp=None):
        return self._env("call.answered", timestamp or self.answered_at, status="answered",
                         user=self.user, answered_at=self.answered_at)

    def hungup(self, answered=True, timestamp=None):
        end = self.hungup_at if answered else self.started_at + self.ring_seconds + 20
        return self._env("call.hungup", timestamp or end, status="done",
                         user=self.user if answered else None,
                         answered_at=self.answered_at if answered else None, ended_at=end)

    def ended(self, outcome="answered", missed_call_reason=None, voicemail=None, recording=None,
              asset=None, assigned_to=None, timestamp=None, hangup_cause=None):
        """outcome: answered | missed | voicemail (§2.1 missed/voicemail detection)."""
        if outcome == "answered":
            end = self.hungup_at
            return self._env("call.ended", timestamp or end + self.ended_delay, status="done",
                             user=self.user, answered_at=self.answered_at, ended_at=end,
                             recording=recording, asset=asset, assigned_to=assigned_to,
                             hangup_cause=hangup_cause or "NORMAL_CLEARING")
        end = self.started_at + self.ring_seconds + (45 if outcome == "voicemail" else 20)
        reason = missed_call_reason or ("agents_did_not_answer" if outcome == "missed" else
                                        "no_available_agent")
        vm = voicemail if voicemail is not None else (self.voicemail_url if outcome == "voicemail" else None)
        if outcome == "voicemail" and asset is None:
            asset = "https://assets.aircall.io/voicemail/%d" % self.call_id
        return self._env("call.ended", timestamp or end + self.ended_delay, status="done", user=None,
                         answered_at=None, ended_at=end, missed_call_reason=reason, voicemail=vm,
                         asset=asset, assigned_to=assigned_to, hangup_cause=hangup_cause)

    def voicemail_left(self, timestamp=None):
        end = self.started_at + self.ring_seconds + 45
        return self._env("call.voicemail_left", timestamp or end, status="done", user=None,
                         ended_at=end, missed_call_reason="no_available_agent",
                         voicemail=self.voicemail_url,
                         asset="https://assets.aircall.io/voicemail/%d" % self.call_id)

    def commented(self, content, comment_id=None, posted_by="user", timestamp=None, answered=True):
        """Appends a comment (kept for later events) and returns call.commented.
        posted_by: 'user' (the scenario's agent), None (posted via API) or a user dict."""
        pb = self.user if posted_by == "user" else posted_by
        ts = timestamp or (self.hungup_at + 60)
        self.comments.append(comment(content, id=comment_id or 735 + len(self.comments),
                                     posted_at=ts, posted_by=pb))
        return self._after_end("call.commented", ts, answered)

    def tagged(self, name, tag_id=None, timestamp=None, answered=True):
        ts = timestamp or (self.hungup_at + 40)
        self.tags.append(tag(name, id=tag_id, tagged_at=ts, tagged_by=self.user))
        return self._after_end("call.tagged", ts, answered)

    def untagged(self, name, timestamp=None, answered=True):
        ts = timestamp or (self.hungup_at + 50)
        self.tags = [t for t in self.tags if t["name"] != name]
        return self._after_end("call.untagged", ts, answered)

    def comm_assets_generated(self, recording=True, voicemail=False, timestamp=None):
        """recording/voicemail URLs point at fake_aircall /media (register them there)."""
        answered = not voicemail
        return self._after_end("call.comm_assets_generated", timestamp or (self.hungup_at + 35), answered,
                               recording=self.recording_url if recording else None,
                               voicemail=self.voicemail_url if voicemail else None,
                               asset="https://assets.aircall.io/%s/%d" % (
                                   "voicemail" if voicemail else "recording", self.call_id))

    def assigned(self, to=None, timestamp=None, answered=True):
        return self._after_end("call.assigned", timestamp or (self.hungup_at + 70), answered,
                               assigned_to=to or self.user)

    def transferred(self, to, by=None, timestamp=None):
        by = by or self.user
        return self._env("call.transferred", timestamp or self.answered_at + 10, status="answered",
                         user=to, answered_at=self.answered_at, transferred_by=by, transferred_to=to)

    def archived(self, timestamp=None, answered=True):
        return self._after_end("call.archived", timestamp or (self.hungup_at + 90), answered, archived=True)

    def _after_end(self, event, ts, answered, **kw):
        end = self.hungup_at if answered else self.started_at + self.ring_seconds + 20
        base = dict(status="done", user=self.user if answered else None,
                    answered_at=self.answered_at if answered else None, ended_at=end)
        base.update(kw)
        return self._env(event, ts, **base)

    # whole sequences
    def answered_sequence(self, with_recording=True):
        seq = [self.created(), self.ringing_on_agent(), self.answered(), self.hungup(), self.ended()]
        if with_recording:
            seq.append(self.comm_assets_generated(recording=True))
        return seq

    def missed_sequence(self, reason="agents_did_not_answer"):
        return [self.created(), self.ringing_on_agent(), self.hungup(answered=False),
                self.ended(outcome="missed", missed_call_reason=reason)]

    def voicemail_sequence(self, reason="no_available_agent"):
        return [self.created(), self.voicemail_left(),
                self.ended(outcome="voicemail", missed_call_reason=reason),
                self.comm_assets_generated(recording=False, voicemail=True)]


# convenience one-shot builders (each returns one webhook body)

def _sc(kw):
    keys = ("call_id", "direction", "external", "number", "user", "contact", "token", "started_at",
            "ring_seconds", "talk_seconds", "teams", "ivr_options_selected",
            "automatic_callback_call_id", "media_base", "raw_digits")
    return CallScenario(**{k: kw.pop(k) for k in list(kw) if k in keys}), kw


def call_created(**kw):
    sc, kw = _sc(kw)
    return sc.created(**kw)


def call_ringing_on_agent(**kw):
    sc, kw = _sc(kw)
    return sc.ringing_on_agent(**kw)


def call_answered(**kw):
    sc, kw = _sc(kw)
    return sc.answered(**kw)


def call_hungup(**kw):
    sc, kw = _sc(kw)
    return sc.hungup(**kw)


def call_ended(**kw):
    """outcome='answered'|'missed'|'voicemail', missed_call_reason=..., voicemail=url"""
    sc, kw = _sc(kw)
    return sc.ended(**kw)


def call_voicemail_left(**kw):
    sc, kw = _sc(kw)
    return sc.voicemail_left(**kw)


def call_commented(comments=None, **kw):
    """comments: list of strings or comment() dicts; returns one call.commented body."""
    sc, kw = _sc(kw)
    comments = comments or ["Customer wants a refund"]
    body = None
    for c in comments:
        if isinstance(c, dict):
            sc.comments.append(c)
            body = sc._after_end("call.commented", c.get("posted_at") or sc.hungup_at + 60, True)
        else:
            body = sc.commented(c, **kw)
    return body


def call_tagged(tags=None, **kw):
    sc, kw = _sc(kw)
    body = None
    for t in tags or ["VIP"]:
        body = sc.tagged(t if isinstance(t, str) else t["name"], **kw)
    return body


def call_untagged(tags=None, removed="VIP", **kw):
    sc, kw = _sc(kw)
    for t in tags or []:
        sc.tags.append(tag(t) if isinstance(t, str) else t)
    return sc.untagged(removed, **kw)


def call_comm_assets_generated(**kw):
    """recording=True/False, voicemail=True/False; URLs under media_base/media/."""
    sc, kw = _sc(kw)
    return sc.comm_assets_generated(**kw)


def call_assigned(**kw):
    sc, kw = _sc(kw)
    return sc.assigned(**kw)


def call_transferred(to=None, by=None, **kw):
    sc, kw = _sc(kw)
    return sc.transferred(to or user(id=102, name="Bob Agent", email="bob@example.com"), by=by, **kw)


def call_archived(**kw):
    sc, kw = _sc(kw)
    return sc.archived(**kw)


def integration_deleted(integration_id=42, company_id=1, token=DEFAULT_TOKEN, timestamp=None):
    """§9.6 uninstall signal."""
    return envelope("integration.deleted", {"integration_id": integration_id, "company_id": company_id},
                    token=token, timestamp=timestamp, resource="integration")


# ---------------------------------------------------------------- messages

def media_detail(file_name="photo.jpg", file_type="image/jpeg", presigned_url=None, media_base=None):
    if presigned_url is None:
        presigned_url = media_url(media_base or "http://127.0.0.1:0", file_name)
    return {"file_name": file_name, "file_type": file_type, "presigned_url": presigned_url}


def _msg_time(ts, time_format):
    if time_format == "ms":
        return int(ts * 1000)
    if time_format == "s":
        return int(ts)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + ".%03dZ" % int((ts % 1) * 1000)


def message(id="SM6f3c1a2b7d9e4f50a1b2c3d4e5f60789", direction="inbound", external="+34666444555",
            external_number=None, body="Hello, I have a question about my order", number=None,
            contact=None, media_details=None, created_at=None, time_format="iso", status=None,
            channel=None, user=None, include_user=False, **extra):
    """Message data (§4).  external_number is human formatted by default (webhooks only field);
    created_at/updated_at/sent_at as ISO string (time_format='iso') or unix ms ('ms').
    channel None = SMS/MMS, 'whatsapp' = WhatsApp.  `user` is UNCONFIRMED on messages:
    only included when include_user=True."""
    number = number if number is not None else globals()["number"]()
    ts = created_at if created_at is not None else time.time()
    if status is None:
        status = "received" if direction == "inbound" else "sent"
    t = _msg_time(ts, time_format)
    d = {"id": id, "direct_link": "%s/v1/numbers/%d/messages/%s" % (API, number.get("id", 0), id),
         "direction": direction, "channel": channel,
         "external_number": external_number or spaced(external), "body": body, "status": status,
         "media_details": copy.deepcopy(media_details) if media_details else [],
         "created_at": t, "updated_at": t, "sent_at": t,
         "number": copy.deepcopy(number), "contact": copy.deepcopy(contact)}
    if include_user:
        d["user"] = copy.deepcopy(user)
    d.update(extra)
    return d


def message_received(token=DEFAULT_TOKEN, timestamp=None, **kw):
    kw.setdefault("direction", "inbound")
    return envelope("message.received", message(**kw), token=token, timestamp=timestamp)


def message_sent(token=DEFAULT_TOKEN, timestamp=None, **kw):
    kw.setdefault("direction", "outbound")
    kw.setdefault("body", "Hi! Thanks for reaching out, how can we help?")
    return envelope("message.sent", message(**kw), token=token, timestamp=timestamp)


def message_status_updated(status="delivered", token=DEFAULT_TOKEN, timestamp=None, **kw):
    kw.setdefault("direction", "outbound")
    kw["status"] = status
    return envelope("message.status_updated", message(**kw), token=token, timestamp=timestamp)
