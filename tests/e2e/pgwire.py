"""A minimal PostgreSQL client for the test harness: one kept connection over
the cluster's unix socket, the simple-query protocol, text results.

Why not psql per query: starting psql and a fresh backend costs 30-250 ms on
the shared test machine, and the tests poll the database in loops (an event
settled, a row appeared); a kept connection answers in about a millisecond.
Why not psycopg2: one less package for CI to install, and the harness needs
only trust authentication and text values.

Semantics kept from `psql -X -q -A -t -v ON_ERROR_STOP=1` (what harness.PgCluster
ran before): :'name' / :"name" / :name variables are substituted client-side,
outside string literals, quoted identifiers and comments, as psql does; output
of execute() is psql's unaligned, tuples-only text; every call leaves the
session idle (a transaction a statement left open is rolled back, as psql's
exit would), so no state leaks from one call to the next.
One difference: several statements in one call run as one implicit
transaction (psql ran them one by one), so an error undoes the earlier ones
and statements that refuse transaction blocks (CREATE DATABASE, VACUUM) must
be sent alone.
"""

import re
import socket
import struct


class PgError(Exception):
    """The server answered ErrorResponse: .fields maps the one-letter codes
    (S severity, C sqlstate, M message, D detail, H hint)."""

    def __init__(self, fields):
        self.fields = fields
        msg = f"{fields.get('S', 'ERROR')}:  {fields.get('M', '?')}"
        if fields.get("D"):
            msg += f"\nDETAIL:  {fields['D']}"
        super().__init__(msg)

    @property
    def sqlstate(self):
        return self.fields.get("C", "")


class ConnectionLost(Exception):
    """The connection ended (server stopped, backend terminated) before or
    while a query was answered."""

    def __init__(self, msg, before_reply):
        super().__init__(msg)
        self.before_reply = before_reply   # nothing of the reply was read


# SQLSTATEs of a backend ended by the server (pg_terminate_backend, shutdown):
# met as the first reply to a query, the query itself never ran.
_TERMINATED = ("57P01", "57P02", "57P03")


# ------------------------------------------------------ psql-style variables

def quote_literal(value):
    """What psql's :'name' gives (PQescapeLiteral): doubled quotes, and the
    E'' form with doubled backslashes when the value has a backslash."""
    v = str(value)
    if "\\" in v:
        return " E'" + v.replace("\\", "\\\\").replace("'", "''") + "'"
    return "'" + v.replace("'", "''") + "'"


def quote_ident(value):
    return '"' + str(value).replace('"', '""') + '"'


_VAR = re.compile(r":(?:'([A-Za-z_][A-Za-z0-9_]*)'|\"([A-Za-z_][A-Za-z0-9_]*)\"|([A-Za-z_][A-Za-z0-9_]*))")
_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


def substitute(sql, variables):
    """sql with psql variables replaced; text inside '...', "...", $tag$...$tag$,
    -- comments and /* */ comments is left alone, and so are :: casts and
    names not in `variables` (psql leaves unknown ones as written)."""
    if not variables:
        return sql
    out, i, n = [], 0, len(sql)
    while i < n:
        c = sql[i]
        if c == "'" or c == '"':
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:   # doubled quote inside
                        j += 2
                        continue
                    break
                j += 1
            out.append(sql[i:j + 1])
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(sql[i:j])
            i = j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(sql[i:j])
            i = j
        elif c == "$" and _DOLLAR.match(sql, i) and (i == 0 or not (sql[i - 1].isalnum()
                                                                   or sql[i - 1] == "_")):
            tag = _DOLLAR.match(sql, i).group(0)
            j = sql.find(tag, i + len(tag))
            j = n if j < 0 else j + len(tag)
            out.append(sql[i:j])
            i = j
        elif c == ":" and sql.startswith("::", i):
            out.append("::")
            i += 2
        elif c == ":":
            m = _VAR.match(sql, i)
            name = m and (m.group(1) or m.group(2) or m.group(3))
            if m and name in variables:
                v = variables[name]
                out.append(quote_literal(v) if m.group(1) else
                           quote_ident(v) if m.group(2) else str(v))
                i = m.end()
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


# ------------------------------------------------------------- connection

class PgConnection:
    """One connection; trust authentication only (the test cluster's)."""

    def __init__(self, socket_path, user, dbname, timeout=60.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self._buf = b""
        try:
            self.sock.connect(str(socket_path))
            params = b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in (
                ("user", user), ("database", dbname), ("application_name", "ag-e2e-harness"),
                ("client_encoding", "UTF8")))
            body = struct.pack("!i", 196608) + params + b"\0"
            self.sock.sendall(struct.pack("!i", len(body) + 4) + body)
            while True:
                kind, payload = self._message()
                if kind == b"R":
                    (code,) = struct.unpack("!i", payload[:4])
                    if code != 0:
                        raise PgError({"S": "FATAL", "M": f"authentication method {code} "
                                                          f"asked; the harness speaks trust only"})
                elif kind == b"E":
                    raise PgError(_fields(payload))
                elif kind == b"Z":
                    break
        except BaseException:
            self.close()
            raise

    def close(self):
        try:
            self.sock.sendall(b"X\0\0\0\4")
        except OSError:
            pass
        self.sock.close()

    def _recv(self, n):
        while len(self._buf) < n:
            chunk = self.sock.recv(max(65536, n - len(self._buf)))
            if not chunk:
                raise ConnectionLost("server closed the connection", before_reply=False)
            self._buf += chunk
        data, self._buf = self._buf[:n], self._buf[n:]
        return data

    def _message(self):
        head = self._recv(5)
        (length,) = struct.unpack("!i", head[1:5])
        return head[:1], self._recv(length - 4)

    def query(self, sql):
        """Run sql (one or more statements); returns [(column names, rows)] of
        the statements that return rows, values as text (None for NULL).
        Raises PgError (after the session is idle again) or ConnectionLost."""
        data = sql.encode("utf-8") + b"\0"
        try:
            self.sock.sendall(b"Q" + struct.pack("!i", len(data) + 4) + data)
        except OSError as e:
            raise ConnectionLost(f"sending the query: {e}", before_reply=True)
        results, cols, rows, error, first, status = [], None, None, None, True, b"I"
        while True:
            try:
                kind, payload = self._message()
            except ConnectionLost as e:
                e.before_reply = first
                raise
            except OSError as e:
                raise ConnectionLost(f"reading the reply: {e}", before_reply=first)
            if kind == b"E":
                f = _fields(payload)
                if first and f.get("C") in _TERMINATED:
                    raise ConnectionLost(f.get("M", "terminated"), before_reply=True)
                error = error or f
            elif kind == b"T":
                cols, rows = _row_description(payload), []
            elif kind == b"D":
                rows.append(_data_row(payload))
            elif kind in (b"C", b"I"):
                if cols is not None:
                    results.append((cols, rows))
                cols, rows = None, None
            elif kind == b"G":    # COPY FROM STDIN: nothing to send
                self.sock.sendall(b"f" + struct.pack("!i", 4 + 19) + b"no COPY in harness\0")
            elif kind == b"Z":
                status = payload[:1]
                break
            first = False
        if status != b"I":        # a transaction left open (or failed): end it, as psql's exit did
            self.query("rollback")
        if error:
            raise PgError(error)
        return results


def _fields(payload):
    out = {}
    for part in payload.split(b"\0"):
        if part:
            out[part[:1].decode()] = part[1:].decode("utf-8", "replace")
    return out


def _row_description(payload):
    (n,) = struct.unpack("!h", payload[:2])
    names, pos = [], 2
    for _ in range(n):
        end = payload.index(b"\0", pos)
        names.append(payload[pos:end].decode())
        pos = end + 1 + 18
    return names


def _data_row(payload):
    (n,) = struct.unpack("!h", payload[:2])
    vals, pos = [], 2
    for _ in range(n):
        (ln,) = struct.unpack("!i", payload[pos:pos + 4])
        pos += 4
        if ln < 0:
            vals.append(None)
        else:
            vals.append(payload[pos:pos + ln].decode("utf-8", "replace"))
            pos += ln
    return vals


def unaligned(results):
    """psql -A -t output: one line per row, values joined by |, NULL empty."""
    return "".join("|".join("" if v is None else v for v in row) + "\n"
                   for _cols, rows in results for row in rows)
