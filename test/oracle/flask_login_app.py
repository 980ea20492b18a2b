"""The real Flask-Login (Debian's python3-flask-login 0.6) for the cross-test of the
lessons' login (test/flask-login.oracle.test.ts): a Flask app with a LoginManager and the
lesson's key, driven through Flask's test client. It reads one JSON list of steps on
standard input and prints one JSON list of results:

  {"do": "whoami", "cookie": "...", "user_agent": "...", "remote_addr": "..."}
      -> {"user": "<id>" or null, "fresh": true/false/null, "set_cookie": [...]}
  {"do": "login", "user_id": "1", "user_agent": "...", "remote_addr": "..."}
      -> {"cookie": "<the session cookie's value>"}
"""
import json
import sys

from flask import Flask, session
from flask_login import LoginManager, UserMixin, current_user, login_user

app = Flask(__name__)
app.secret_key = bytes.fromhex(sys.argv[1])
manager = LoginManager(app)  # session_protection "basic", Flask-Login's default
KNOWN = set(sys.argv[2].split(","))


class User(UserMixin):
    def __init__(self, user_id):
        self.id = user_id


@manager.user_loader
def load_user(user_id):
    return User(user_id) if user_id in KNOWN else None


@app.route("/whoami")
def whoami():
    return {"user": current_user.get_id() if current_user.is_authenticated else None, "fresh": session.get("_fresh")}


@app.route("/login/<user_id>")
def login(user_id):
    login_user(User(user_id))
    return {"ok": True}


def cookie_of(response):
    for header in response.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        if name == "session":
            return rest.split(";", 1)[0]
    return None


results = []
# No cookie jar: each step sends the Cookie header it is given (a jar would replace it).
client = app.test_client(use_cookies=False)
for step in json.load(sys.stdin):
    headers = {"User-Agent": step["user_agent"]}
    environ = {"REMOTE_ADDR": step["remote_addr"]}
    if step["do"] == "whoami":
        headers["Cookie"] = "session=" + step["cookie"]
        response = client.get("/whoami", headers=headers, environ_base=environ)
        results.append({**response.get_json(), "set_cookie": response.headers.getlist("Set-Cookie")})
    else:
        response = client.get("/login/" + step["user_id"], headers=headers, environ_base=environ)
        results.append({"cookie": cookie_of(response)})
print(json.dumps(results))
