#!/usr/bin/python3
"""The real Flask, as an oracle for signet's tests.

A long-lived process speaking JSON lines: one request object per line on stdin,
one response object per line on stdout (flushed each time). Run it with Debian's
/usr/bin/python3, which has python3-flask (Flask 2.2.2, itsdangerous 2.1.2); the
tests of what Flask 3.1 changed run it with the python3 on PATH too (Flask 3.1.3,
Werkzeug 3.1.8, itsdangerous 2.2.0), and every op works on both.

Every request is {"id": n, "op": "...", ...}; every response is {"id": n, ...}, or
{"id": n, "oracle_error": "<traceback>"} when the oracle itself failed (a bug in the
request, never a verdict about a cookie).

Values travel in a transport form that neither side's code under test touches:

    {"none": null}            {"bool": true}          {"int": "<decimal>"}
    {"float": "<repr>"}       (read with float(); "nan", "inf", "-inf", "-0.0")
    {"str": "..."}            {"markup": "..."}       {"bytes": "<standard base64>"}
    {"uuid": "<32 hex>"}      {"datetime": <unix seconds, aware UTC>}
    {"list": [...]}           {"tuple": [...]}        {"dict": [[key, value], ...]}

Secrets: "secret_hex" (bytes) or "secret_text" (str, which Flask encodes as UTF-8).
"""

import base64
import hashlib
import json
import math
import sys
import traceback
import types
import uuid
from datetime import datetime, timedelta, timezone

import itsdangerous
import itsdangerous.encoding
import itsdangerous.timed
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import Signer
from markupsafe import Markup

# ---------------------------------------------------------------------------
# Time: itsdangerous reads the clock through TimestampSigner.get_timestamp, both when
# signing and when checking an age. This process answers with the second it was told.

_NOW = [0]


def _fixed_timestamp(self):  # noqa: ARG001 (the signer instance)
    return _NOW[0]


itsdangerous.timed.TimestampSigner.get_timestamp = _fixed_timestamp

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# ---------------------------------------------------------------------------
# Transport form <-> Python values


class TransportError(Exception):
    pass


def from_transport(t):
    if not isinstance(t, dict) or len(t) != 1:
        raise TransportError(f"not a transport value: {t!r}")
    ((kind, v),) = t.items()
    if kind == "none":
        if v is not None:
            raise TransportError("none must be null")
        return None
    if kind == "bool":
        if not isinstance(v, bool):
            raise TransportError("bool must be a JSON boolean")
        return v
    if kind == "int":
        return int(v)
    if kind == "float":
        return float(v)
    if kind == "str":
        if not isinstance(v, str):
            raise TransportError("str must be a JSON string")
        return v
    if kind == "markup":
        return Markup(v)
    if kind == "bytes":
        return base64.b64decode(v, validate=True)
    if kind == "uuid":
        return uuid.UUID(hex=v)
    if kind == "datetime":
        if not isinstance(v, int) or isinstance(v, bool):
            raise TransportError("datetime must be an integer")
        return EPOCH + timedelta(seconds=v)
    if kind == "list":
        return [from_transport(x) for x in v]
    if kind == "tuple":
        return tuple(from_transport(x) for x in v)
    if kind == "dict":
        d = {}
        for key, value in v:
            if not isinstance(key, str):
                raise TransportError("dict keys must be strings")
            if key in d:
                raise TransportError(f"duplicate dict key {key!r}")
            d[key] = from_transport(value)
        return d
    raise TransportError(f"unknown transport kind {kind!r}")


def to_transport(x):
    # Exact type checks: bool before int, Markup before str.
    if x is None:
        return {"none": None}
    t = type(x)
    if t is bool:
        return {"bool": x}
    if t is int:
        return {"int": str(x)}
    if t is float:
        return {"float": repr(x)}
    if t is Markup:
        return {"markup": str(x)}
    if t is str:
        return {"str": x}
    if t is bytes:
        return {"bytes": base64.b64encode(x).decode("ascii")}
    if t is uuid.UUID:
        return {"uuid": x.hex}
    if t is datetime:
        if x.tzinfo is None or x.utcoffset() is None:
            raise TransportError(f"naive datetime {x!r}")
        delta = x - EPOCH
        if delta % timedelta(seconds=1):
            raise TransportError(f"datetime with a fraction of a second {x!r}")
        return {"datetime": delta // timedelta(seconds=1)}
    if t is list:
        return {"list": [to_transport(v) for v in x]}
    if t is tuple:
        return {"tuple": [to_transport(v) for v in x]}
    if t is dict:
        return {"dict": [[k, to_transport(v)] for k, v in x.items()]}
    raise TransportError(f"no transport form for {t.__name__}: {x!r}")


class deep_recursion:
    """Room for walking a deeply nested value that Flask has already loaded.

    Flask's own loading runs under the default recursion limit, which decides how deep
    a payload it can read; only the oracle's bookkeeping afterwards gets more room.
    """

    def __enter__(self):
        self.limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(self.limit, 20000))

    def __exit__(self, *exc):
        sys.setrecursionlimit(self.limit)
        return False


def strict_equal(a, b):
    """Equal values of exactly the same types, all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        if len(a) != len(b):
            return False
        if not all(type(k) is str for k in a) or not all(type(k) is str for k in b):
            return False
        return all(key in b and strict_equal(value, b[key]) for key, value in a.items())
    if isinstance(a, datetime):
        # Both aware, the same instant.
        return a.utcoffset() is not None and b.utcoffset() is not None and a == b
    return a == b


# ---------------------------------------------------------------------------
# Flask

_apps = {}


def app_for(req):
    if "secret_hex" in req:
        secret = bytes.fromhex(req["secret_hex"])
    elif "secret_text" in req:
        secret = req["secret_text"]
    else:
        raise TransportError("secret_hex or secret_text is required")
    key = (type(secret).__name__, secret)
    app = _apps.get(key)
    if app is None:
        app = Flask("signet_oracle")
        app.secret_key = secret
        _apps[key] = app
    return app


def serializer_for(app):
    s = SecureCookieSessionInterface().get_signing_serializer(app)
    if s is None:
        raise TransportError("Flask gives no serializer for this secret")
    return s


def _unix(dt):
    """Whole Unix seconds of an aware datetime, or None."""
    return None if dt is None else (dt - EPOCH) // timedelta(seconds=1)


def error_verdict(e):
    out = {
        "ok": False,
        "error": type(e).__name__,
        "bad_data": isinstance(e, itsdangerous.BadData),
        "message": str(e),
    }
    # What itsdangerous attaches to its exceptions: the part before the signature (BadSignature),
    # when it was signed (BadTimeSignature), what failed underneath (BadPayload).
    payload = getattr(e, "payload", None)
    if isinstance(payload, bytes):
        out["payload_hex"] = payload.hex()
    if isinstance(e, itsdangerous.BadTimeSignature):
        out["date_signed"] = _unix(e.date_signed)
    if isinstance(e, itsdangerous.BadPayload):
        out["original_error"] = None if e.original_error is None else type(e.original_error).__name__
    return out


def op_ping(req):
    return {"ok": True}


def op_sign(req):
    """Flask's save_session: serializer.dumps(dict(session)) at second `ts`."""
    app = app_for(req)
    _NOW[0] = int(req["ts"])
    value = from_transport(req["value"])
    with app.app_context():
        return {"cookie": serializer_for(app).dumps(value)}


def _load(app, cookie, max_age):
    with app.app_context():
        return serializer_for(app).loads(cookie, max_age=max_age)


def op_load(req):
    """serializer.loads(cookie, max_age=...) as Flask's open_session calls it, at `now`."""
    app = app_for(req)
    _NOW[0] = int(req["now"])
    max_age = int(req.get("max_age", app.permanent_session_lifetime.total_seconds()))
    try:
        value = _load(app, req["cookie"], max_age)
    except Exception as e:  # noqa: BLE001 (the verdict is the exception's class)
        return error_verdict(e)
    out = {"ok": True, "is_dict": type(value) is dict}
    with deep_recursion():
        try:
            out["value"] = to_transport(value)
        except TransportError as e:
            out["value_error"] = str(e)
        if "expect" in req:
            out["equal"] = strict_equal(value, from_transport(req["expect"]))
    return out


def op_load_many(req):
    """Only the verdicts of `load` for many cookies: [{"ok": bool, "error"?: name}]."""
    app = app_for(req)
    _NOW[0] = int(req["now"])
    max_age = int(req.get("max_age", app.permanent_session_lifetime.total_seconds()))
    verdicts = []
    for cookie in req["cookies"]:
        try:
            _load(app, cookie, max_age)
            verdicts.append({"ok": True})
        except Exception as e:  # noqa: BLE001
            verdicts.append({"ok": False, "error": type(e).__name__})
    return {"verdicts": verdicts}


def op_open_session(req):
    """Flask's own SecureCookieSessionInterface.open_session with this cookie, at `now`."""
    app = app_for(req)
    _NOW[0] = int(req["now"])
    request = types.SimpleNamespace(cookies={app.config["SESSION_COOKIE_NAME"]: req["cookie"]})
    try:
        with app.app_context():
            session = app.session_interface.open_session(app, request)
    except Exception as e:  # noqa: BLE001
        return error_verdict(e)
    return {"ok": True, "session": to_transport(dict(session))}


def op_dumps(req):
    """The tagged JSON text Flask writes for a value (in an app context, keys sorted)."""
    app = app_for(req) if ("secret_hex" in req or "secret_text" in req) else _default_app()
    with app.app_context():
        return {"json": serializer_for(app).serializer.dumps(from_transport(req["value"]))}


def _default_app():
    return app_for({"secret_text": "oracle"})


def op_signer_sign(req):
    """Flask's signer (salt, hmac derivation, SHA-1) over arbitrary text.

    timed: TimestampSigner.sign(text) at second `ts` (text "." ts "." sig);
    otherwise the plain Signer.sign(text) (text "." sig), for tokens whose
    timestamp part is built by hand.
    """
    app = app_for(req)
    with app.app_context():
        signer = serializer_for(app).make_signer()
    text = req["text"].encode("utf-8") if "text" in req else bytes.fromhex(req["text_hex"])
    if req.get("timed", False):
        _NOW[0] = int(req["ts"])
        token = signer.sign(text)
    else:
        token = Signer.sign(signer, text)
    return {"token": token.decode("utf-8")}


def op_b64decode(req):
    """itsdangerous.encoding.base64_decode of bytes (data_hex) or of text."""
    data = bytes.fromhex(req["data_hex"]) if "data_hex" in req else req["text"]
    try:
        out = itsdangerous.encoding.base64_decode(data)
    except Exception as e:  # noqa: BLE001
        return {"ok": False, "error": type(e).__name__}
    return {"ok": True, "hex": out.hex()}


def op_b64decode_many(req):
    """base64_decode of many byte strings: [hex or null]."""
    results = []
    for data_hex in req["data_hex"]:
        try:
            results.append(itsdangerous.encoding.base64_decode(bytes.fromhex(data_hex)).hex())
        except Exception:  # noqa: BLE001
            results.append(None)
    return {"results": results}


# ---------------------------------------------------------------------------
# Sessions as Flask's own objects: flags, save_session's headers, flashes.


class _FixedDatetime(datetime):
    """datetime whose now() is the oracle's second (for a permanent session's Expires)."""

    @classmethod
    def now(cls, tz=None):
        return datetime.fromtimestamp(_NOW[0], tz or timezone.utc)


def _configured_app(req):
    """app_for(req), or a fresh app with `config` applied (never a cached one changed)."""
    config = req.get("config")
    if not config:
        return app_for(req)
    app = Flask("signet_oracle_configured")
    app.secret_key = app_for(req).secret_key
    for key, value in config.items():
        if key == "PERMANENT_SESSION_LIFETIME":
            value = timedelta(seconds=int(value))
        app.config[key] = value
    return app


def _run_step(session, step):
    kind = step[0]
    if kind == "get":
        return session.get(step[1])
    if kind == "getitem":
        return session[step[1]]
    if kind == "contains":
        return step[1] in session
    if kind == "len":
        return len(session)
    if kind == "keys":
        return list(session.keys())
    if kind == "set":
        session[step[1]] = from_transport(step[2])
        return None
    if kind == "del":
        del session[step[1]]
        return None
    if kind == "pop":
        return session.pop(step[1], None)
    if kind == "clear":
        session.clear()
        return None
    if kind == "permanent_get":
        return session.permanent
    if kind == "permanent_set":
        session.permanent = step[1]
        return None
    raise TransportError(f"unknown session step {kind!r}")


def op_session_script(req):
    """Flask's open_session (cookie or none) at `now`, the steps, then save_session.

    Answers each step's flags ({"accessed", "modified"}) and the response's Set-Cookie
    headers and Vary, as Flask 2.2 writes them, with `now` as the clock throughout.
    """
    import flask.sessions as flask_sessions

    app = _configured_app(req)
    _NOW[0] = int(req["now"])
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = req.get("cookie")
    request = types.SimpleNamespace(cookies={} if cookie is None else {name: cookie})
    interface = app.session_interface
    saved_datetime = flask_sessions.datetime
    flask_sessions.datetime = _FixedDatetime
    try:
        with app.app_context():
            session = interface.open_session(app, request)
            steps = []
            for step in req.get("steps", []):
                _run_step(session, step)
                steps.append({"accessed": session.accessed, "modified": session.modified})
            response = app.response_class()
            interface.save_session(app, session, response)
    finally:
        flask_sessions.datetime = saved_datetime
    return {
        "steps": steps,
        "set_cookie": response.headers.getlist("Set-Cookie"),
        "vary": response.headers.get("Vary"),
        "session": to_transport(dict(session)),
    }


def op_take_flashes(req):
    """get_flashed_messages(with_categories=True, category_filter) in a request with this cookie."""
    from flask import get_flashed_messages, session

    app = _configured_app(req)
    _NOW[0] = int(req["now"])
    name = app.config["SESSION_COOKIE_NAME"]
    with app.test_request_context("/", headers={"Cookie": f"{name}={req['cookie']}"}):
        messages = get_flashed_messages(with_categories=True, category_filter=req.get("category_filter", ()))
        return {
            "messages": [[category, message] for category, message in messages],
            "session": to_transport(dict(session)),
            "modified": session.modified,
        }


# ---------------------------------------------------------------------------
# Versions, and itsdangerous's own classes (for its test suite's cases)


def op_versions(req):
    """The versions this interpreter has: the tests say which Flask answered."""
    from importlib.metadata import version

    return {name: version(name) for name in ("flask", "werkzeug", "itsdangerous", "markupsafe")}


def _its_signer(req):
    """itsdangerous's Signer or TimestampSigner with Flask's settings (hmac, SHA-1), any salt.

    `secret_keys` are text, oldest first, as itsdangerous takes a key list (the last signs).
    """
    cls = itsdangerous.TimestampSigner if req.get("timed", False) else Signer
    return cls(req["secret_keys"], salt=req["salt"], key_derivation="hmac", digest_method=hashlib.sha1)


def op_its_sign(req):
    """Signer.sign / TimestampSigner.sign (at second `ts`) of a text value."""
    _NOW[0] = int(req.get("ts", 0))
    return {"token": _its_signer(req).sign(req["value"].encode("utf-8")).decode("utf-8")}


def op_its_unsign(req):
    """unsign(token[, max_age], return_timestamp) at `now`: the value and timestamp, or the verdict."""
    _NOW[0] = int(req.get("now", 0))
    signer = _its_signer(req)
    try:
        if req.get("timed", False):
            value, when = signer.unsign(req["token"], max_age=req.get("max_age"), return_timestamp=True)
            return {"ok": True, "value_hex": value.hex(), "timestamp": _unix(when)}
        return {"ok": True, "value_hex": signer.unsign(req["token"]).hex()}
    except Exception as e:  # noqa: BLE001 (the verdict is the exception's class)
        return error_verdict(e)


def _its_serializer(req):
    """URLSafeTimedSerializer as Flask's session builds it, but with any keys and salt."""
    return itsdangerous.URLSafeTimedSerializer(
        req["secret_keys"],
        salt=req.get("salt", "cookie-session"),
        serializer=SecureCookieSessionInterface.serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )


def op_ser_dumps(req):
    """serializer.dumps(value) at second `ts`: any value, not only a dict."""
    _NOW[0] = int(req["ts"])
    return {"token": _its_serializer(req).dumps(from_transport(req["value"]))}


def op_ser_loads(req):
    """serializer.loads(token[, max_age], return_timestamp=True) at `now`."""
    _NOW[0] = int(req["now"])
    try:
        value, when = _its_serializer(req).loads(req["token"], max_age=req.get("max_age"), return_timestamp=True)
    except Exception as e:  # noqa: BLE001
        return error_verdict(e)
    with deep_recursion():
        return {"ok": True, "value": to_transport(value), "timestamp": _unix(when)}


def op_tagged_loads(req):
    """TaggedJSONSerializer.loads(json): the value, and whether it equals `expect` strictly."""
    from flask.json.tag import TaggedJSONSerializer

    try:
        value = TaggedJSONSerializer().loads(req["json"])
    except Exception as e:  # noqa: BLE001
        return {"ok": False, "error": type(e).__name__, "message": str(e)}
    out = {"ok": True, "value": to_transport(value)}
    if "expect" in req:
        out["equal"] = strict_equal(value, from_transport(req["expect"]))
    return out


def op_tag_keys(req):
    """The keys of a fresh TaggedJSONSerializer's tags, in the order it tries them (None for PassDict, PassList)."""
    from flask.json.tag import TaggedJSONSerializer

    return {"keys": [tag.key or None for tag in TaggedJSONSerializer().order]}


# ---------------------------------------------------------------------------
# Whole requests through a real Flask app and its test client


def _flask_step(step):
    """One step on the `flask.session` proxy (and flash / get_flashed_messages); its result."""
    import flask

    session = flask.session
    kind = step[0]
    if kind in ("get", "getitem", "contains", "len", "keys", "set", "del", "pop", "clear", "permanent_get", "permanent_set"):
        return _run_step(session, step)
    if kind == "incr":
        # Flask's test_session_cookie_setting: session["foo"] = session.get("foo", 0) + 1
        value = session.get(step[1], 0) + 1
        session[step[1]] = value
        return value
    if kind == "setdefault":
        return session.setdefault(step[1], from_transport(step[2]))
    if kind == "flash":
        flask.flash(from_transport(step[1]), step[2])
        return None
    if kind == "take":
        return list(flask.get_flashed_messages(with_categories=step[1], category_filter=step[2]))
    if kind == "modified":
        return session.modified
    if kind == "set_modified":
        session.modified = step[1]
        return None
    if kind == "dict":
        return dict(session)
    raise TransportError(f"unknown request step {kind!r}")


def _flask_steps(steps):
    """Results in transport form; the first exception ends the steps and is reported."""
    results = []
    for step in steps:
        try:
            value = _flask_step(step)
        except Exception as e:  # noqa: BLE001 (a step's exception is part of the answer)
            return results, {"error": type(e).__name__, "message": str(e)}
        results.append(to_transport(value))
    return results, None


_SAVED = []


class _RecordingInterface(SecureCookieSessionInterface):
    """Flask's own interface, noting the session's flags when save_session is called."""

    def save_session(self, app, session, response):
        _SAVED.append({"accessed": bool(session.accessed), "modified": bool(session.modified)})
        super().save_session(app, session, response)


def op_requests(req):
    """Requests through a fresh Flask app's test client, each with its own second.

    The app: `secret_text`/`secret_hex` (or neither, for no key), `config` (Flask config
    keys; PERMANENT_SESSION_LIFETIME in seconds). Each request: `now`, `cookie` (the
    session cookie's value to send, or none), `steps` run by the view on `flask.session`
    (none: the view never touches it), `after` steps run by an after_request function,
    `vary` values the view adds to its response's Vary first. Cookies are carried by the
    caller, not by the test client (its jar would judge Expires by the real clock).

    Each answer: the steps' results (and the first error), the Set-Cookie headers, Vary,
    the flags save_session saw (none when it was not called), the warnings raised.
    """
    import warnings

    import flask
    import flask.sessions as flask_sessions

    app = flask.Flask("signet_oracle_requests")
    app.testing = True
    if "secret_hex" in req:
        app.secret_key = bytes.fromhex(req["secret_hex"])
    elif "secret_text" in req:
        app.secret_key = req["secret_text"]
    for key, value in (req.get("config") or {}).items():
        if key == "PERMANENT_SESSION_LIFETIME":
            value = timedelta(seconds=int(value))
        app.config[key] = value
    app.session_interface = _RecordingInterface()
    plan = {}
    record = {}

    @app.route("/", methods=["GET", "POST"])
    def view():
        record["results"], record["error"] = _flask_steps(plan.get("steps", []))
        response = app.response_class("")
        for value in plan.get("vary", []):
            response.vary.add(value)
        return response

    @app.after_request
    def after(response):
        if plan.get("after"):
            record["after_results"], record["after_error"] = _flask_steps(plan["after"])
        return response

    client = app.test_client(use_cookies=False)
    name = app.config["SESSION_COOKIE_NAME"]
    answers = []
    saved_datetime = flask_sessions.datetime
    flask_sessions.datetime = _FixedDatetime
    try:
        for r in req["requests"]:
            _NOW[0] = int(r["now"])
            plan.clear()
            plan.update(r)
            record.clear()
            _SAVED.clear()
            headers = {} if r.get("cookie") is None else {"Cookie": f"{name}={r['cookie']}"}
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    response = client.get("/", headers=headers)
                    answer = {"status": response.status_code, "set_cookie": response.headers.getlist("Set-Cookie"), "vary": response.headers.get("Vary")}
                except Exception as e:  # noqa: BLE001 (raised out of the request: testing mode)
                    answer = {"raised": {"error": type(e).__name__, "message": str(e)}}
            answer["results"] = record.get("results", [])
            answer["error"] = record.get("error")
            answer["after_results"] = record.get("after_results", [])
            answer["saved"] = _SAVED[0] if _SAVED else None
            answer["warnings"] = [str(w.message) for w in caught]
            answers.append(answer)
    finally:
        flask_sessions.datetime = saved_datetime
    return {"answers": answers}


OPS = {
    "ping": op_ping,
    "sign": op_sign,
    "load": op_load,
    "load_many": op_load_many,
    "open_session": op_open_session,
    "dumps": op_dumps,
    "signer_sign": op_signer_sign,
    "b64decode": op_b64decode,
    "b64decode_many": op_b64decode_many,
    "session_script": op_session_script,
    "take_flashes": op_take_flashes,
    "versions": op_versions,
    "its_sign": op_its_sign,
    "its_unsign": op_its_unsign,
    "ser_dumps": op_ser_dumps,
    "ser_loads": op_ser_loads,
    "tagged_loads": op_tagged_loads,
    "tag_keys": op_tag_keys,
    "requests": op_requests,
}


def main():
    stdin = sys.stdin.buffer
    stdout = sys.stdout.buffer
    for raw in stdin:
        line = raw.decode("utf-8").strip()
        if not line:
            continue
        req_id = None
        try:
            req = json.loads(line)
            req_id = req.get("id")
            resp = OPS[req["op"]](req)
        except Exception:  # noqa: BLE001
            resp = {"oracle_error": traceback.format_exc()}
        resp["id"] = req_id
        with deep_recursion():
            text = json.dumps(resp, ensure_ascii=True, allow_nan=False)
        stdout.write(text.encode("ascii") + b"\n")
        stdout.flush()


if __name__ == "__main__":
    main()
