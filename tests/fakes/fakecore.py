"""Shared machinery for the fake vendor servers (fake_gorgias.py, fake_aircall.py).

Standard library only.  Provides:
  * an HTTP/1.1 ThreadingHTTPServer + handler that funnels every request into an
    App object (one lock guards all state),
  * a request log, scripted faults, random 5xx / delay "chaos", rate limiters and
    sliding-window statistics,
  * body readers (Content-Length and chunked), a streaming multipart parser,
  * deterministic generated media content (so tests can verify hashes without
    keeping big files anywhere),
  * main(): argument parsing, READY line, clean SIGTERM shutdown.
"""

import argparse
import base64
import copy
import hashlib
import json
import math
import os
import random
import re
import signal
import socket
import sys
import threading
import time
import traceback
from collections import deque
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------

def b64url(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(s):
    s = s + "=" * (-len(s) % 4)
    return base64.urlsafe_b64decode(s.encode())


def digits_only(s):
    return re.sub(r"\D", "", s or "")


def json_bytes(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def parse_iso(value):
    """Parse an ISO-8601 datetime (with Z, offset or naive = UTC) to epoch."""
    if not isinstance(value, str) or not value:
        raise ValueError("not a string")
    s = value.strip()
    if s.endswith("Z") or s.endswith("z"):
        s = s[:-1] + "+00:00"
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def iso_utc(ts, style="offset"):
    """Render epoch as ISO 8601.  style: offset (+00:00), naive, z (ms + Z)."""
    if ts is None:
        return None
    dt = datetime.fromtimestamp(ts, timezone.utc)
    if style == "naive":
        return dt.replace(tzinfo=None).isoformat(timespec="microseconds")
    if style == "z":
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)
    return dt.isoformat(timespec="microseconds")


def qget(query, name, default=None):
    v = query.get(name)
    if not v:
        return default
    return v[0]


class HTTPError(Exception):
    """Raise from a handler to answer with `resp`."""

    def __init__(self, resp):
        Exception.__init__(self, "HTTP %s" % resp.status)
        self.resp = resp


class Resp(object):
    """A response.  body: dict/list (JSON), str, bytes or None.
    stream: an iterable of bytes (length must then be given)."""

    def __init__(self, status=200, body=None, headers=None, content_type=None,
                 stream=None, length=None, close=False):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.content_type = content_type
        self.stream = stream
        self.length = length
        self.close = close
        self.fault = None
        # Called (in its own thread) once the answer is on the wire: what a
        # vendor does after answering, such as emitting a webhook.
        self.after = None

    def encoded(self):
        b = self.body
        if b is None:
            return b"", self.content_type
        if isinstance(b, bytes):
            return b, self.content_type or "application/octet-stream"
        if isinstance(b, str):
            return b.encode(), self.content_type or "text/plain; charset=utf-8"
        return json_bytes(b), self.content_type or "application/json"


def call_out(url, body, headers=None, method="POST", timeout=5.0, form=False):
    """What a vendor does when it calls a customer's URL (an HTTP integration,
    a webhook): one request, no retry, no redirect followed.
    -> {"status": int|None, "error": str|None, "response": first 2 KiB}"""
    import urllib.error
    import urllib.request
    from urllib.parse import urlencode
    h = dict(headers or {})
    data = None
    if body is not None and method not in ("GET", "HEAD", "DELETE"):
        if form:
            data = urlencode(body).encode()
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        else:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
    out = {"status": None, "error": None, "response": None}
    r = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(r, timeout=timeout) as resp:
            out["status"] = resp.status
            out["response"] = resp.read(2048).decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        out["status"] = e.code
        out["response"] = e.read(2048).decode("utf-8", "replace")
    except Exception as e:  # connection refused, timeout: the vendor just logs it
        out["error"] = repr(e)
    return out


# --------------------------------------------------------------------------
# request bodies
# --------------------------------------------------------------------------

class BodyError(Exception):
    pass


class BodyReader(object):
    """Reads a request body given Content-Length or chunked encoding."""

    def __init__(self, rfile, headers):
        self.rfile = rfile
        te = (headers.get("Transfer-Encoding") or "").lower()
        self.chunked = "chunked" in te
        self.length = None
        self.consumed = 0
        self.done = False
        self._chunk_left = 0
        if not self.chunked:
            cl = headers.get("Content-Length")
            if cl is None or cl.strip() == "":
                self.length = 0
            else:
                try:
                    self.length = int(cl)
                except ValueError:
                    raise BodyError("invalid Content-Length")
                if self.length < 0:
                    raise BodyError("invalid Content-Length")
            self.remaining = self.length
            if self.length == 0:
                self.done = True

    def read(self, n=65536):
        if self.done:
            return b""
        if not self.chunked:
            r = self.rfile.read(min(n, self.remaining))
            if not r:
                raise BodyError("client closed connection mid-body")
            self.remaining -= len(r)
            self.consumed += len(r)
            if self.remaining == 0:
                self.done = True
            return r
        if self._chunk_left == 0:
            line = self.rfile.readline(1024)
            if not line:
                raise BodyError("client closed connection mid-body")
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                raise BodyError("bad chunk size")
            if size == 0:
                while True:  # trailers
                    t = self.rfile.readline(8192)
                    if not t or t in (b"\r\n", b"\n"):
                        break
                self.done = True
                return b""
            self._chunk_left = size
        r = self.rfile.read(min(n, self._chunk_left))
        if not r:
            raise BodyError("client closed connection mid-body")
        self._chunk_left -= len(r)
        self.consumed += len(r)
        if self._chunk_left == 0:
            self.rfile.readline(16)  # CRLF after chunk
        return r

    def iter_chunks(self, n=65536):
        while not self.done:
            r = self.read(n)
            if r:
                yield r

    def read_all(self, cap):
        parts = []
        total = 0
        for c in self.iter_chunks():
            total += len(c)
            if total > cap:
                raise BodyError("too large")
            parts.append(c)
        return b"".join(parts)

    def drain(self, cap):
        """Discard the rest of the body; False if more than cap remains."""
        if self.done:
            return True
        if not self.chunked and self.remaining > cap:
            return False
        total = 0
        try:
            for c in self.iter_chunks(1 << 20):
                total += len(c)
                if total > cap:
                    return False
        except BodyError:
            return False
        return True


# --------------------------------------------------------------------------
# streaming multipart/form-data parser
# --------------------------------------------------------------------------

class MultipartError(Exception):
    pass


_param_re = re.compile(r';\s*([A-Za-z0-9_*.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


def parse_header_params(value):
    """'form-data; name="a"; filename="b"' -> ('form-data', {'name':'a',...})"""
    value = value or ""
    main, _, rest = value.partition(";")
    params = {}
    for m in _param_re.finditer(";" + rest):
        k = m.group(1).lower()
        v = m.group(2).strip()
        if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
            v = re.sub(r"\\(.)", r"\1", v[1:-1])
        if k.endswith("*"):
            k = k[:-1]
            if "''" in v:
                from urllib.parse import unquote
                v = unquote(v.split("''", 1)[1])
        params[k] = v
    return main.strip().lower(), params


def stream_multipart(chunks, boundary, start_part, max_header=16384):
    """Parse multipart data from an iterable of byte chunks.

    start_part(headers: dict[str(lower), str]) -> sink with write(bytes), close().
    Never holds more than ~one chunk + delimiter in memory."""
    delim = b"\r\n--" + boundary
    dlen = len(delim)
    buf = bytearray(b"\r\n")
    it = iter(chunks)
    state = "preamble"
    sink = None

    def fill():
        try:
            c = next(it)
        except StopIteration:
            return False
        buf.extend(c)
        return True

    while True:
        if state == "preamble":
            i = buf.find(delim)
            if i < 0:
                if len(buf) > dlen:
                    del buf[:len(buf) - dlen]
                if not fill():
                    raise MultipartError("no multipart boundary found")
                continue
            del buf[:i + dlen]
            state = "after"
        elif state == "after":
            if len(buf) < 2:
                if not fill():
                    raise MultipartError("truncated multipart body")
                continue
            if buf[:2] == b"--":
                for _ in it:  # drain epilogue
                    pass
                return
            # tolerate transport padding (whitespace) before CRLF
            j = buf.find(b"\r\n")
            if j < 0:
                if len(buf) > 1024 or not fill():
                    raise MultipartError("bad multipart delimiter line")
                continue
            if buf[:j].strip(b" \t"):
                raise MultipartError("bad multipart delimiter line")
            del buf[:j + 2]
            state = "headers"
        elif state == "headers":
            i = buf.find(b"\r\n\r\n")
            if i < 0 and buf[:2] == b"\r\n":
                i = -2  # part without headers
            if i == -1:
                if len(buf) > max_header:
                    raise MultipartError("part headers too large")
                if not fill():
                    raise MultipartError("truncated part headers")
                continue
            if i == -2:
                raw = b""
                del buf[:2]
            else:
                raw = bytes(buf[:i])
                del buf[:i + 4]
            headers = {}
            for line in raw.decode("utf-8", "replace").split("\r\n"):
                if ":" in line:
                    k, _, v = line.partition(":")
                    headers[k.strip().lower()] = v.strip()
            sink = start_part(headers)
            state = "data"
        elif state == "data":
            i = buf.find(delim)
            if i >= 0:
                if i:
                    sink.write(bytes(buf[:i]))
                del buf[:i + dlen]
                sink.close()
                sink = None
                state = "after"
                continue
            safe = len(buf) - (dlen - 1)
            if safe > 0:
                sink.write(bytes(buf[:safe]))
                del buf[:safe]
            if not fill():
                raise MultipartError("truncated part data")


# --------------------------------------------------------------------------
# generated media content (deterministic, constant memory)
# --------------------------------------------------------------------------

MEDIA_BLOCK = 65536
_media_cache = {}
_media_cache_lock = threading.Lock()


def _media_big(seed):
    with _media_cache_lock:
        big = _media_cache.get(seed)
        if big is None:
            block = hashlib.shake_256(("fake-media:" + seed).encode()).digest(MEDIA_BLOCK)
            big = block * 18  # 1 MiB + 2 blocks: any <=1 MiB slice from any phase
            if len(_media_cache) > 64:
                _media_cache.clear()
            _media_cache[seed] = big
        return big


def media_iter(seed, offset, length, chunk=1 << 20):
    """Yield the bytes [offset, offset+length) of generated content `seed`.
    Byte i of the content is shake_256(seed)[i % 65536]."""
    big = _media_big(seed)
    chunk = min(chunk, 1 << 20)
    pos = offset
    end = offset + length
    while pos < end:
        n = min(chunk, end - pos)
        start = pos % MEDIA_BLOCK
        yield big[start:start + n]
        pos += n


def media_sha256(seed, size):
    h = hashlib.sha256()
    for c in media_iter(seed, 0, size):
        h.update(c)
    return h.hexdigest()


# --------------------------------------------------------------------------
# rate limiting and sliding-window statistics
# --------------------------------------------------------------------------

class Limiter(object):
    """Per-key limiter.  mode: sliding (at most `limit` accepted requests in
    any `window` seconds), fixed (counter reset every `window` s, window starts
    at first request), leaky (bucket of size `limit` draining limit/window per s).
    """

    def __init__(self):
        self.state = {}

    def reset(self):
        self.state = {}

    def _st(self, key, mode):
        st = self.state.get(key)
        if st is None or st[0] != mode:
            if mode == "sliding":
                st = [mode, deque()]
            elif mode == "fixed":
                st = [mode, None, 0]
            elif mode == "leaky":
                st = [mode, 0.0, None]
            else:
                raise ValueError("unknown rate mode %r" % mode)
            self.state[key] = st
        return st

    def _update(self, st, window, limit, now):
        mode = st[0]
        if mode == "sliding":
            dq = st[1]
            while dq and dq[0] <= now - window:
                dq.popleft()
        elif mode == "fixed":
            if st[1] is not None and now - st[1] >= window:
                st[1] = None
                st[2] = 0
        else:
            if st[2] is not None:
                rate = float(limit) / window
                st[1] = max(0.0, st[1] - (now - st[2]) * rate)
            st[2] = now

    def _report(self, st, limit, window, now):
        """-> (used, retry_after_seconds, reset_at_monotonic)"""
        mode = st[0]
        if mode == "sliding":
            dq = st[1]
            used = len(dq)
            reset_at = (dq[0] + window) if dq else now
            if used >= limit and dq:
                # time until enough old entries expire to admit one more
                idx = used - limit
                retry = max(1, int(math.ceil(dq[idx] + window - now)))
            else:
                retry = 0
            return used, retry, reset_at
        if mode == "fixed":
            used = st[2]
            reset_at = (st[1] + window) if st[1] is not None else now + window
            retry = max(1, int(math.ceil(reset_at - now))) if used >= limit else 0
            return used, retry, reset_at
        level = st[1]
        used = int(math.ceil(level - 1e-9))
        rate = float(limit) / window
        reset_at = now + level / rate
        if level + 1 > limit + 1e-9:
            retry = max(1, int(math.ceil((level + 1 - limit) / rate)))
        else:
            retry = 0
        return used, retry, reset_at

    def hit(self, key, limit, window, mode, now):
        """-> (allowed, used, retry_after, reset_at)"""
        st = self._st(key, mode)
        self._update(st, window, limit, now)
        used, _, _ = self._report(st, limit, window, now)
        allowed = used < limit
        if allowed:
            if mode == "sliding":
                st[1].append(now)
            elif mode == "fixed":
                if st[1] is None:
                    st[1] = now
                st[2] += 1
            else:
                st[1] += 1.0
        used, retry, reset_at = self._report(st, limit, window, now)
        if not allowed and retry == 0:
            retry = 1
        return allowed, used, retry, reset_at

    def peek(self, key, limit, window, mode, now):
        st = self._st(key, mode)
        self._update(st, window, limit, now)
        return self._report(st, limit, window, now)


class WindowStats(object):
    """Keeps the monotonic timestamps of requests per key and answers
    'max number of requests in any window of W seconds'."""

    def __init__(self):
        self.seen = {}
        self.accepted = {}

    def reset(self):
        self.seen = {}
        self.accepted = {}

    def record(self, key, now, accepted=False):
        (self.accepted if accepted else self.seen).setdefault(key, []).append(now)

    @staticmethod
    def max_in_window(times, window):
        best = 0
        best_start = None
        j = 0
        for i, t in enumerate(times):
            while times[j] <= t - window:
                j += 1
            n = i - j + 1
            if n > best:
                best = n
                best_start = times[j]
        return best, best_start

    def summary(self, key, window):
        s = self.seen.get(key, [])
        a = self.accepted.get(key, [])
        ms, _ = self.max_in_window(s, window)
        ma, _ = self.max_in_window(a, window)
        return {"window": window, "total_seen": len(s), "total_accepted": len(a),
                "max_window_seen": ms, "max_window_accepted": ma}


# --------------------------------------------------------------------------
# the App base class: request pipeline, log, faults, chaos, admin plumbing
# --------------------------------------------------------------------------

COMMON_SETTINGS = {
    "error_rate": 0.0,        # probability of a random 5xx on API requests
    "error_status": 503,
    "error_seed": None,
    "delay_seconds": 0.0,     # delay applied to API requests ...
    "delay_next": 0,          # ... for the next N requests, and/or
    "delay_fraction": 0.0,    # ... to this fraction of requests
    "delay_seed": None,
    "log_max": 50000,         # request log entries kept
    "log_response_max": 65536,  # responses bigger than this are not copied to the log
    "max_body_bytes": 16 * 1024 * 1024,  # JSON/form request body cap -> 413
    "drain_cap": 1 << 30,     # how much of a rejected body we read before closing
    "clock_offset": 0.0,      # seconds added to the fake's wall clock (datetimes, expiry)
}


class Request(object):
    def __init__(self, handler, method):
        self.handler = handler
        self.method = method
        sp = urlsplit(handler.path)
        self.raw_path = handler.path
        self.path = sp.path
        self.query_string = sp.query
        self.query = parse_qs(sp.query, keep_blank_values=True)
        self.headers = handler.headers
        self.client = handler.client_address
        self.reader = None
        self.body = None
        self._json = None
        self._json_done = False
        self.auth_info = None
        self.key = None          # rate-limit / account key
        self.route_path = None   # path after the account prefix
        self.multipart_summary = None

    def header(self, name, default=None):
        return self.headers.get(name, default)

    @property
    def content_type(self):
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def json(self):
        if not self._json_done:
            self._json_done = True
            if self.body:
                try:
                    self._json = json.loads(self.body.decode("utf-8"))
                except (ValueError, UnicodeDecodeError):
                    self._json = None
        return self._json

    def form(self):
        if not self.body:
            return {}
        try:
            q = parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return {}
        return {k: v[0] for k, v in q.items()}


class Route(object):
    def __init__(self, methods, pattern, func, **opts):
        self.methods = set(methods.split()) if isinstance(methods, str) else set(methods)
        self.regex = re.compile("^" + pattern + "/?$")
        self.func = func
        self.opts = opts


def find_route(routes, method, path):
    """-> (route, params) | (None, allowed_methods) """
    allowed = set()
    for r in routes:
        m = r.regex.match(path)
        if m:
            if method in r.methods or (method == "HEAD" and "GET" in r.methods
                                       and r.opts.get("head")):
                return r, m.groupdict()
            allowed |= r.methods
    return None, allowed


class BaseApp(object):
    NAME = "fake"
    DEFAULT_SETTINGS = {}

    def __init__(self, host="127.0.0.1", data_dir=None, quiet=False):
        self.lock = threading.RLock()
        self.host = host
        self.port = None
        self.quiet = quiet
        self.data_dir = data_dir
        self.limiter = Limiter()
        self.wstats = WindowStats()
        self.admin_routes = []
        self.api_routes = []
        self._init_common_admin_routes()
        self.reset_all()

    # ---- clock ----
    def now(self):
        return time.time() + float(self.settings.get("clock_offset") or 0)

    @property
    def base_url(self):
        return "http://%s:%s" % (self.host, self.port)

    # ---- state ----
    def reset_all(self):
        with self.lock:
            s = copy.deepcopy(COMMON_SETTINGS)
            s.update(copy.deepcopy(self.DEFAULT_SETTINGS))
            self.settings = s
            self.log = deque()
            self.seq = 0
            self.faults = []
            self.faults_fired = []
            self.limiter.reset()
            self.wstats.reset()
            self.err_rng = random.Random()
            self.delay_rng = random.Random()
            self.counts = {}
            self.reset_state()

    def reset_state(self):
        pass

    def on_start(self):
        pass

    def on_stop(self):
        pass

    def apply_settings(self, new):
        unknown = [k for k in new if k not in self.settings]
        if unknown:
            raise HTTPError(Resp(400, {"error": "unknown setting(s): %s" % ", ".join(sorted(unknown)),
                                       "known": sorted(self.settings)}))
        for k, v in new.items():
            self.settings[k] = v
            if k == "error_seed":
                self.err_rng = random.Random(v)
            if k == "delay_seed":
                self.delay_rng = random.Random(v)

    # ---- stderr log ----
    def log_line(self, text):
        if not self.quiet:
            sys.stderr.write("[%s] %s\n" % (self.NAME, text))
            sys.stderr.flush()

    # ---- hooks for subclasses ----
    def classify(self, req):
        """Set req.key / req.route_path; return (routes, path_to_match) or a Resp."""
        req.route_path = req.path
        return self.api_routes, req.path

    def pre_dispatch(self, req, route, params):
        """Called under the lock before the handler (auth, rate limiting).
        Return a context object passed to the handler or raise HTTPError."""
        return None

    def decorate(self, req, resp):
        """Called under the lock on every API response (rate headers...)."""
        pass

    def counts_for_stats(self, req, route):
        return req.key is not None

    def error_body(self, status, message):
        return {"error": message}

    def early_reject(self, handler):
        """Expect: 100-continue hook; return a Resp to refuse the body."""
        return None

    # ---- faults & chaos ----
    def _fault_matches(self, f, req):
        m = f.get("match") or {}
        if m.get("method") and m["method"].upper() != req.method:
            return False
        if m.get("key") and m["key"] != req.key:
            return False
        for kname in ("account", "company"):
            if m.get(kname) is not None and str(m[kname]) != str(req.key):
                return False
        rp = req.route_path or req.path
        if m.get("path_prefix") and not rp.startswith(m["path_prefix"]) \
                and not req.path.startswith(m["path_prefix"]):
            return False
        if m.get("path_regex") and not re.search(m["path_regex"], rp):
            return False
        return True

    def take_fault(self, req):
        for f in self.faults:
            if f.get("remaining", 1) <= 0:
                continue
            if self._fault_matches(f, req):
                f["remaining"] = f.get("remaining", 1) - 1
                f["fired"] = f.get("fired", 0) + 1
                fired = dict(f)
                self.faults = [x for x in self.faults if x.get("remaining", 1) > 0]
                return fired
        return None

    @staticmethod
    def _fault_passthrough(f):
        """A fault without status/body/drop/close only delays the real answer."""
        return (f.get("status") is None and "body" not in f and not f.get("drop")
                and not f.get("close"))

    def fault_response(self, f, req):
        if f.get("drop"):
            r = Resp(0, None)
            r.fault = "drop"
            return r
        status = int(f.get("status") or 500)
        if "body" in f:
            body = f["body"]
        else:
            body = self.error_body(status, f.get("message") or "Scripted fault %d" % status)
        headers = {str(k): str(v) for k, v in (f.get("headers") or {}).items()}
        if f.get("retry_after") is not None:
            headers.setdefault("Retry-After", str(f["retry_after"]))
        r = Resp(status, body, headers=headers, close=bool(f.get("close")))
        r.fault = "scripted"
        return r

    def chaos(self, req):
        """-> (delay_seconds, error_resp_or_None); called under the lock."""
        s = self.settings
        delay = 0.0
        if s.get("delay_seconds"):
            if s.get("delay_next", 0) > 0:
                s["delay_next"] -= 1
                delay = float(s["delay_seconds"])
            elif s.get("delay_fraction", 0) > 0 and self.delay_rng.random() < s["delay_fraction"]:
                delay = float(s["delay_seconds"])
        err = None
        if s.get("error_rate", 0) > 0 and self.err_rng.random() < s["error_rate"]:
            st = int(s.get("error_status") or 503)
            err = Resp(st, self.error_body(st, "Random fault %d" % st))
            err.fault = "random"
        return delay, err

    # ---- request log ----
    def _log_start(self, req):
        with self.lock:
            self.seq += 1
            hdrs = {}
            for k, v in req.headers.items():
                if k.lower() == "authorization":
                    scheme = v.split(" ", 1)[0]
                    v = "%s ***(%d chars)" % (scheme, len(v))
                hdrs[k] = v
            entry = {
                "seq": self.seq, "time": time.time(), "datetime": iso_utc(time.time(), "z"),
                "method": req.method, "path": req.path, "query": req.query,
                "query_string": req.query_string, "key": None, "route": None,
                "headers": hdrs,
                "has_authorization": "Authorization" in req.headers,
                "auth": None, "content_type": req.content_type,
                "body_size": None, "json": None, "form": None, "body_text": None,
                "multipart": None, "status": None, "response": None,
                "fault": None, "duration_ms": None,
            }
            self.log.append(entry)
            while len(self.log) > int(self.settings.get("log_max") or 50000):
                self.log.popleft()
            return entry

    def _log_finish(self, entry, req, resp, t0):
        with self.lock:
            entry["key"] = req.key
            entry["route"] = req.route_path
            entry["auth"] = req.auth_info
            if req.body is not None:
                entry["body_size"] = len(req.body)
                j = req.json()
                if j is not None:
                    entry["json"] = j
                elif req.content_type == "application/x-www-form-urlencoded":
                    entry["form"] = req.form()
                elif len(req.body) <= 65536:
                    entry["body_text"] = req.body.decode("utf-8", "replace")
            elif req.reader is not None:
                entry["body_size"] = req.reader.consumed
            entry["multipart"] = req.multipart_summary
            entry["status"] = resp.status
            entry["fault"] = resp.fault
            if resp.stream is None and isinstance(resp.body, (dict, list)):
                b = json_bytes(resp.body)
                if len(b) <= int(self.settings.get("log_response_max") or 65536):
                    entry["response"] = json.loads(b.decode())
            entry["response_headers"] = dict(resp.headers)
            entry["duration_ms"] = round((time.monotonic() - t0) * 1000, 2)

    def query_log(self, q):
        key = qget(q, "key") or qget(q, "account") or qget(q, "company")
        method = qget(q, "method")
        prefix = qget(q, "path_prefix")
        status = qget(q, "status")
        since = qget(q, "since")
        fault = qget(q, "fault")
        limit = qget(q, "limit")
        out = []
        for e in list(self.log):
            if e["status"] is None and qget(q, "include_pending") != "1":
                continue
            if key is not None and str(e["key"]) != key:
                continue
            if method and e["method"] != method.upper():
                continue
            if prefix and not ((e["route"] or "").startswith(prefix) or e["path"].startswith(prefix)):
                continue
            if status and str(e["status"]) != status:
                continue
            if since and e["seq"] <= int(since):
                continue
            if fault is not None and (e["fault"] or "") != fault:
                continue
            out.append(e)
        if limit:
            out = out[-int(limit):]
        return out

    # ---- admin ----
    def _init_common_admin_routes(self):
        A = self.admin_routes
        A.append(Route("POST", r"/__admin/reset", self.adm_reset))
        A.append(Route("GET", r"/__admin/settings", self.adm_settings_get))
        A.append(Route("POST PUT PATCH", r"/__admin/settings", self.adm_settings_set))
        A.append(Route("GET", r"/__admin/requests", self.adm_requests))
        A.append(Route("DELETE", r"/__admin/requests", self.adm_requests_clear))
        A.append(Route("POST", r"/__admin/requests/clear", self.adm_requests_clear))
        A.append(Route("GET", r"/__admin/faults", self.adm_faults_get))
        A.append(Route("POST", r"/__admin/faults", self.adm_faults_add))
        A.append(Route("DELETE", r"/__admin/faults", self.adm_faults_clear))
        A.append(Route("GET", r"/__admin/stats", self.adm_stats))
        A.append(Route("GET", r"/__admin/health", lambda req: {"ok": True, "name": self.NAME}))

    def adm_reset(self, req):
        keep = (req.json() or {}).get("keep_settings") if isinstance(req.json(), dict) else False
        saved = copy.deepcopy(self.settings) if keep else None
        self.reset_all()
        if saved:
            self.settings = saved
        return {"ok": True}

    def adm_settings_get(self, req):
        return self.settings

    def adm_settings_set(self, req):
        body = req.json()
        if not isinstance(body, dict):
            raise HTTPError(Resp(400, {"error": "JSON object expected"}))
        self.apply_settings(body)
        return self.settings

    def adm_requests(self, req):
        out = self.query_log(req.query)
        return {"requests": out, "count": len(out), "last_seq": self.seq}

    def adm_requests_clear(self, req):
        self.log.clear()
        return {"ok": True, "last_seq": self.seq}

    def adm_faults_get(self, req):
        return {"faults": self.faults}

    def adm_faults_add(self, req):
        body = req.json()
        if isinstance(body, list):
            body = {"faults": body}
        if not isinstance(body, dict) or not isinstance(body.get("faults"), list):
            raise HTTPError(Resp(400, {"error": "expected {\"faults\": [...]} or a list"}))
        if not body.get("append", True):
            self.faults = []
        for f in body["faults"]:
            if not isinstance(f, dict):
                raise HTTPError(Resp(400, {"error": "fault must be an object"}))
            f = dict(f)
            f["remaining"] = int(f.get("count", 1))
            self.faults.append(f)
        return {"faults": self.faults}

    def adm_faults_clear(self, req):
        self.faults = []
        return {"faults": []}

    def window_for(self, key):
        return 60.0

    def stats_keys(self):
        return sorted(set(self.wstats.seen) | set(self.wstats.accepted), key=str)

    def adm_stats(self, req):
        want = qget(req.query, "key") or qget(req.query, "account") or qget(req.query, "company")
        w = qget(req.query, "window")
        out = {}
        for k in self.stats_keys():
            if want is not None and str(k) != want:
                continue
            win = float(w) if w else self.window_for(k)
            d = self.wstats.summary(k, win)
            d["status_counts"] = self.counts.get(k, {})
            out[str(k)] = d
        if want is not None and want not in out:
            win = float(w) if w else self.window_for(want)
            out[want] = {"window": win, "total_seen": 0, "total_accepted": 0,
                         "max_window_seen": 0, "max_window_accepted": 0, "status_counts": {}}
        return {"stats": out, "faults_pending": len(self.faults), "log_size": len(self.log)}

    def handle_admin(self, req):
        try:
            req.body = req.reader.read_all(int(self.settings.get("max_body_bytes")) * 4)
        except BodyError as e:
            return Resp(400, {"error": str(e)}, close=True)
        if req.body and req.json() is None and req.content_type == "application/json":
            return Resp(400, {"error": "invalid JSON body"})
        route, params = find_route(self.admin_routes, req.method, req.path)
        if route is None:
            if params:
                return Resp(405, {"error": "method not allowed", "allowed": sorted(params)},
                            headers={"Allow": ", ".join(sorted(params))})
            return Resp(404, {"error": "no such admin endpoint: %s" % req.path})
        try:
            if route.opts.get("nolock"):
                # The handler takes the lock itself: it calls out (to the
                # bridge) and must not hold every other request meanwhile.
                out = route.func(req, **params)
            else:
                with self.lock:
                    out = route.func(req, **params)
        except HTTPError as e:
            return e.resp
        except Exception as e:  # pragma: no cover - debugging aid
            traceback.print_exc()
            return Resp(500, {"error": "admin handler crashed: %r" % e})
        if isinstance(out, Resp):
            return out
        return Resp(200, out)

    # ---- main API pipeline ----
    def handle_api(self, req):
        t0 = time.monotonic()
        entry = self._log_start(req)
        resp = None
        try:
            resp = self._handle_api_inner(req)
        except HTTPError as e:
            resp = e.resp
        except Exception as e:
            traceback.print_exc()
            resp = Resp(500, self.error_body(500, "fake server crashed: %r" % e))
        try:
            with self.lock:
                if req.key is not None:
                    self.decorate(req, resp)
                    c = self.counts.setdefault(req.key, {})
                    c[str(resp.status)] = c.get(str(resp.status), 0) + 1
        except Exception:
            traceback.print_exc()
        self._log_finish(entry, req, resp, t0)
        return resp

    def _handle_api_inner(self, req):
        cls = self.classify(req)
        if isinstance(cls, Resp):
            self._read_body(req)
            return cls
        routes, path = cls
        route, params = find_route(routes, req.method, path)
        streaming = route is not None and route.opts.get("streaming")
        if not streaming:
            self._read_body(req)
        with self.lock:
            counted = self.counts_for_stats(req, route)
            if counted:
                self.wstats.record(req.key, time.monotonic())
            fault = self.take_fault(req)
            delay, err = self.chaos(req)
        if fault and fault.get("delay"):
            delay += float(fault["delay"])
        if delay > 0:
            time.sleep(delay)
        if fault and not self._fault_passthrough(fault):
            if fault.get("apply") and route is not None:
                # The vendor did the work; only its answer is lost or replaced.
                self._dispatch(req, route, params)
            return self.fault_response(fault, req)
        if err is not None:
            return err
        return self._dispatch(req, route, params)

    def _dispatch(self, req, route, params):
        if route is None:
            if params:
                return Resp(405, self.error_body(405, "Method not allowed."),
                            headers={"Allow": ", ".join(sorted(params))})
            return Resp(404, self.error_body(404, "Resource not found."))
        with self.lock:
            ctx = self.pre_dispatch(req, route, params)
            if isinstance(ctx, Resp):
                return ctx
            if not route.opts.get("nolock"):
                out = route.func(req, ctx, **params)
        if route.opts.get("nolock"):
            out = route.func(req, ctx, **params)
        if isinstance(out, Resp):
            return out
        return Resp(200, out)

    def _read_body(self, req):
        if req.body is not None:
            return
        try:
            req.body = req.reader.read_all(int(self.settings.get("max_body_bytes")))
        except BodyError as e:
            if str(e) == "too large":
                raise HTTPError(Resp(413, self.error_body(413, "Request entity too large."),
                                     close=True))
            raise HTTPError(Resp(400, self.error_body(400, "Bad request body: %s" % e),
                                 close=True))


# --------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------

class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeVendor/1.0"
    disable_nagle_algorithm = True
    app = None  # set on the subclass

    def log_message(self, fmt, *args):  # silence default logging
        pass

    def handle_expect_100(self):
        try:
            resp = self.app.early_reject(self)
        except Exception:
            traceback.print_exc()
            resp = None
        if resp is not None:
            resp.close = True
            self._send(resp, None)
            self.app.log_line("%s %s %d (rejected before body)" % (self.command, self.path, resp.status))
            return False
        return BaseHTTPRequestHandler.handle_expect_100(self)

    def _dispatch(self):
        method = self.command
        t0 = time.monotonic()
        req = Request(self, method)
        try:
            req.reader = BodyReader(self.rfile, self.headers)
        except BodyError as e:
            self._send(Resp(400, {"error": str(e)}, close=True), req)
            return
        if req.path == "/__admin" or req.path.startswith("/__admin/") or req.path.startswith("/_test/"):
            # /_test/: test-only vendor actions (an agent replying in the UI); like
            # admin calls they are not vendor API requests and are not logged.
            resp = self.app.handle_admin(req)
        else:
            resp = self.app.handle_api(req)
        # keep-alive hygiene: the body must be fully consumed
        if req.reader is not None and not req.reader.done and not resp.close:
            if not req.reader.drain(int(self.app.settings.get("drain_cap") or 0)):
                resp.close = True
        self._send(resp, req)
        if resp.after is not None:
            threading.Thread(target=resp.after, name="after-answer", daemon=True).start()
        self.app.log_line("%s %s %s%s %.1fms" % (
            method, self.path if len(self.path) < 160 else self.path[:157] + "...",
            resp.status, " [%s]" % resp.fault if resp.fault else "",
            (time.monotonic() - t0) * 1000))

    def _send(self, resp, req):
        if resp.fault == "drop":
            self.close_connection = True
            try:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        try:
            if resp.stream is not None:
                length = resp.length
                ctype = resp.content_type or "application/octet-stream"
                data = None
            else:
                data, ctype = resp.encoded()
                length = len(data)
            self.send_response(resp.status)
            if ctype and resp.status != 204:
                self.send_header("Content-Type", ctype)
            for k, v in resp.headers.items():
                self.send_header(k, v)
            if resp.status != 204 and resp.status != 304:
                self.send_header("Content-Length", str(length))
            if resp.close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command == "HEAD" or resp.status in (204, 304):
                return
            if data is not None:
                if data:
                    self.wfile.write(data)
            else:
                for chunk in resp.stream:
                    self.wfile.write(chunk)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch


class FakeHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main(app_factory, description):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--port", type=int, default=0, help="TCP port (0 = pick a free one)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--data-dir", default=None, help="where uploads are stored (default: temp dir)")
    ap.add_argument("--quiet", action="store_true", help="no per-request stderr lines")
    args = ap.parse_args()

    app = app_factory(host=args.host, data_dir=args.data_dir, quiet=args.quiet)

    class Handler(FakeHandler):
        pass
    Handler.app = app

    server = FakeHTTPServer((args.host, args.port), Handler)
    app.port = server.server_address[1]
    app.on_start()

    stop = threading.Event()

    def _sig(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, _sig)
    signal.signal(signal.SIGINT, _sig)
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2})
    t.daemon = True
    t.start()
    sys.stdout.write("READY %d\n" % app.port)
    sys.stdout.flush()
    app.log_line("listening on %s" % app.base_url)
    while not stop.is_set():
        stop.wait(0.5)
    app.log_line("SIGTERM: shutting down")
    server.shutdown()
    server.server_close()
    try:
        app.on_stop()
    except Exception:
        traceback.print_exc()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
