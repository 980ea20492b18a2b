/**
 * One-shot calls to the real Flask (Debian's python3-flask, run with /usr/bin/python3)
 * for the inspector and command-line tests: sign a session written as Flask's tagged
 * JSON text at a chosen second, and load a cookie back, giving Python's own `repr` of
 * what Flask reads. Nothing here touches signet's code: every expected cookie and every
 * expected Python rendering comes from Flask and Python themselves.
 */
import { execFileSync } from 'node:child_process';

/** Debian's interpreter, the one with Flask. */
const PYTHON = '/usr/bin/python3';

/** A secret as Flask is given it: bytes (hex) or text (Flask encodes it as UTF-8). */
export type FlaskSecret = { readonly hex: string } | { readonly text: string };

export interface SignRequest {
  readonly secret: FlaskSecret;
  /** The session as Flask's tagged JSON text: {" t": [1, 2]} is a tuple, and so on. */
  readonly tagged: string;
  /** The second it is signed at. */
  readonly ts: number;
}

export interface LoadRequest {
  readonly secret: FlaskSecret;
  readonly cookie: string;
  /** With `now`, Flask's own age check at that second with `maxAge` (default: Flask's 31 days). */
  readonly now?: number;
  readonly maxAge?: number;
}

export type LoadVerdict = { readonly ok: true; readonly repr: string } | { readonly ok: false; readonly error: string; readonly message: string };

const SCRIPT = String.raw`
import json, sys
import itsdangerous, itsdangerous.timed
from flask import Flask

NOW = [0]
itsdangerous.timed.TimestampSigner.get_timestamp = lambda self: NOW[0]

def app_for(secret):
    app = Flask("signet_tools")
    app.secret_key = bytes.fromhex(secret["hex"]) if "hex" in secret else secret["text"]
    return app

out = []
for req in json.load(sys.stdin):
    app = app_for(req["secret"])
    iface = app.session_interface
    with app.app_context():
        serializer = iface.get_signing_serializer(app)
        if req["op"] == "sign":
            NOW[0] = int(req["ts"])
            value = iface.serializer.loads(req["tagged"])
            out.append({"cookie": serializer.dumps(value)})
        else:
            try:
                if "now" in req:
                    NOW[0] = int(req["now"])
                    max_age = int(req.get("maxAge", app.permanent_session_lifetime.total_seconds()))
                    value = serializer.loads(req["cookie"], max_age=max_age)
                else:
                    value = serializer.loads(req["cookie"])
                out.append({"ok": True, "repr": repr(value)})
            except Exception as e:
                out.append({"ok": False, "error": type(e).__name__, "message": str(e)})
json.dump(out, sys.stdout)
`;

function runPython(requests: readonly Record<string, unknown>[]): unknown[] {
  const output = execFileSync(PYTHON, ['-c', SCRIPT], { input: JSON.stringify(requests), encoding: 'utf8' });
  return JSON.parse(output) as unknown[];
}

/** The cookies Flask's session interface signs for these sessions, each at its second. */
export function flaskSign(requests: readonly SignRequest[]): string[] {
  return runPython(requests.map((r) => ({ op: 'sign', ...r }))).map((answer) => (answer as { cookie: string }).cookie);
}

/** What Flask reads from each cookie: Python's repr of the session, or the exception's class. */
export function flaskLoad(requests: readonly LoadRequest[]): LoadVerdict[] {
  return runPython(requests.map((r) => ({ op: 'load', ...r }))) as LoadVerdict[];
}

/** Python's repr of what Flask reads from a cookie it accepts (no age check). */
export function flaskRepr(secret: FlaskSecret, cookie: string): string {
  const [verdict] = flaskLoad([{ secret, cookie }]);
  if (verdict?.ok !== true) throw new Error(`Flask refuses ${cookie}: ${JSON.stringify(verdict)}`);
  return verdict.repr;
}

/** Every spelling of a key that must never appear in a page or an answer. */
export function secretSpellings(key: Buffer): string[] {
  return [key.toString('latin1'), key.toString('hex'), key.toString('hex').toUpperCase(), key.toString('base64').replace(/=+$/, ''), key.toString('base64url')];
}
