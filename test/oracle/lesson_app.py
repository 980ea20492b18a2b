"""The Flask original of the cookie lesson, as the lesson has it, plus what the tests need.

    /usr/bin/python3 lesson_app.py            the lesson: port 5555, debug mode
    /usr/bin/python3 lesson_app.py serve [PORT]
        Werkzeug's server (as app.run uses it), threaded, no debugger, no reloader, on
        127.0.0.1:PORT (PORT from argv, else $PORT, else 0 = any free port). Prints
        "listening <port>" once the socket accepts connections.
    /usr/bin/python3 lesson_app.py sign
        Reads JSON lines {"session": <tagged JSON text>, "key": <hex>?, "raw": <text>?}
        and answers one JSON line each, {"cookie": <value>}: the session loaded with
        Flask's own tagged JSON serializer (so {" t": [...]} is a tuple, {" u": ...} a
        UUID, and so on) and signed as Flask's session interface signs it, with the
        lesson's key or with `key`. With `raw`, that exact text is signed as the payload
        (validly signed garbage).

Run it with Debian's /usr/bin/python3 (python3-flask 2.2.2).
"""
import json
import os
import sys

from flask import Flask, request, session, jsonify, make_response
from flask.json.tag import TaggedJSONSerializer
from itsdangerous.encoding import base64_encode

app = Flask(__name__)
app.secret_key = b'?w\x85Z\x08Q\xbdO\xb8\xa9\xb65Kj\xa9_'
app.json.compact = False


@app.route('/sessions/<string:key>', methods=['GET'])
def show_session(key):
    session["hello"] = session.get("hello") or "World"
    session["goodnight"] = session.get("goodnight") or "Moon"
    response = make_response(jsonify({
        'session': {'session_key': key, 'session_value': session[key], 'session_accessed': session.accessed},
        'cookies': [{cookie: request.cookies[cookie]} for cookie in request.cookies],
    }), 200)
    response.set_cookie('mouse', 'Cookie')
    return response


def serve(port):
    from werkzeug.serving import make_server

    server = make_server('127.0.0.1', port, app, threaded=True)
    print(f"listening {server.server_port}", flush=True)
    server.serve_forever()


def sign_lines():
    tagged = TaggedJSONSerializer()
    for line in sys.stdin:
        if not line.strip():
            continue
        spec = json.loads(line)
        signer_app = app
        if spec.get('key') is not None:
            signer_app = Flask('other')
            signer_app.secret_key = bytes.fromhex(spec['key'])
        serializer = signer_app.session_interface.get_signing_serializer(signer_app)
        # In an app context, as during a request: the JSON is then written by the app's
        # JSON provider (sort_keys=True), as save_session writes it.
        with signer_app.app_context():
            if spec.get('raw') is not None:
                # Sign the payload text itself, bypassing the JSON serializer.
                payload = base64_encode(spec['raw'].encode('utf-8'))
                cookie = serializer.make_signer().sign(payload).decode('ascii')
            else:
                cookie = serializer.dumps(tagged.loads(spec['session']))
        print(json.dumps({'cookie': cookie}), flush=True)


if __name__ == '__main__':
    command = sys.argv[1] if len(sys.argv) > 1 else None
    if command == 'serve':
        serve(int(sys.argv[2]) if len(sys.argv) > 2 else int(os.environ.get('PORT', '0')))
    elif command == 'sign':
        sign_lines()
    else:
        app.run(port=5555, debug=True)
