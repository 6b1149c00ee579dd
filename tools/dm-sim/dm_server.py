"""The DM server side of log reading (dm-firmware.md §3.4, §5) over HTTP on 127.0.0.1, JSON in and out:

  POST /dm/nonce  {}                                         -> {"nonce": hex}  (16 fresh bytes, usable once)
  POST /dm/auth   {"server": "a", "card_id": hex, "challenge": hex}
                                                             -> {"server", "server_id", "signature": hex (DER)}
  POST /dm/log    {"card_id": hex, "nonce": hex, "export": base64, "card_key": base64 SPKI (optional)}
                                                             -> {"verified", "reason", "count", "dropped", ...}

Nothing a client sends may crash the server: malformed requests get 400 (or 404/405/411/413) with
{"error": reason}; a log that does not verify is a 200 with "verified": false and the reason. One JSON line per
request goes to the log, written before the answer.
"""

import base64
import binascii
import collections
import datetime
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dm_codec as codec
import dm_keys

MAX_REQUEST_BODY = 1 << 20
MAX_NONCES = 4096     # outstanding nonces kept; the oldest is forgotten beyond that
NONCE_LEN = 16


class BadRequest(Exception):
    def __init__(self, reason, status=400):
        super().__init__(reason)
        self.status = status


def _hex_field(req, name, lo, hi):
    v = req.get(name)
    if not isinstance(v, str):
        raise BadRequest("%s: a hex string is required" % name)
    try:
        b = bytes.fromhex(v)
    except ValueError:
        raise BadRequest("%s: not hex" % name) from None
    if not lo <= len(b) <= hi:
        raise BadRequest("%s: %d bytes, want %s" % (name, len(b), lo if lo == hi else "%d..%d" % (lo, hi)))
    return b


def _b64_field(req, name, required=True):
    v = req.get(name)
    if v is None and not required:
        return None
    if not isinstance(v, str):
        raise BadRequest("%s: a Base64 string is required" % name)
    try:
        return base64.b64decode(v, validate=True)
    except (binascii.Error, ValueError) as e:
        raise BadRequest("%s: not standard Base64 (%s)" % (name, e)) from None


class Dm:
    """The server's state: its DM server keys, the nonces it issued, the log."""

    def __init__(self, d, servers=None, log_path=None, verbose=False):
        self.dir, self.verbose = d, verbose
        cfg = dm_keys.load_config(d)
        held = servers if servers is not None else sorted(cfg["dm_servers"])
        self.keys = {}
        for s in held:
            short = dm_keys.server_name(cfg, s)
            if short is None:
                raise dm_keys.ConfigError("no DM server %r in %s" % (s, d))
            self.keys[short] = dm_keys.server_key(d, cfg, short)
        self.ids = {s: cfg["dm_servers"][s]["id"] for s in self.keys}
        self.nonces = collections.OrderedDict()
        self.lock = threading.Lock()
        self.log_file = open(log_path, "a", encoding="utf-8") if log_path else None
        self.stop = threading.Event()

    def close(self):
        if self.log_file:
            self.log_file.close()
            self.log_file = None

    def log(self, rec):
        if not self.log_file:
            return
        with self.lock:
            self.log_file.write(json.dumps(rec, sort_keys=True) + "\n")
            self.log_file.flush()

    # -- endpoints: each takes the decoded JSON object and the log record, returns (status, answer) ------------
    def nonce(self, req, rec):
        n = os.urandom(NONCE_LEN)
        with self.lock:
            self.nonces[n] = True
            while len(self.nonces) > MAX_NONCES:
                self.nonces.popitem(last=False)
        rec["nonce"] = n.hex()
        return 200, {"nonce": n.hex()}

    def spend_nonce(self, n):
        with self.lock:
            return self.nonces.pop(n, None) is not None

    def auth(self, req, rec):
        name = req.get("server")
        if not isinstance(name, str) or not name:
            raise BadRequest("server: a DM server name is required (a, b, dmserver-a, or its id)")
        card_id = _hex_field(req, "card_id", codec.CARD_ID_LEN, codec.CARD_ID_LEN)
        challenge = _hex_field(req, "challenge", codec.DM_CHALLENGE_LEN, codec.DM_CHALLENGE_LEN)
        rec.update(server=name, card_id=card_id.hex())
        short = dm_keys.server_name(dm_keys.load_config(self.dir), name)
        if short not in self.keys:
            rec["refused"] = True
            return 403, {"error": "this server holds no key for DM server %r" % name}
        sig = codec.auth_sign(self.keys[short], card_id, challenge)
        return 200, {"server": short, "server_id": self.ids[short], "signature": sig.hex()}

    def verify_log(self, req, rec):
        card_id = _hex_field(req, "card_id", codec.CARD_ID_LEN, codec.CARD_ID_LEN)
        nonce = _hex_field(req, "nonce", codec.LOG_NONCE_MIN, codec.LOG_NONCE_MAX)
        export = _b64_field(req, "export")
        sent_key = _b64_field(req, "card_key", required=False)
        rec["card_id"] = card_id.hex()
        try:
            pub = dm_keys.card_key(self.dir, card_id)
        except (OSError, codec.CodecError) as e:
            raise BadRequest("the registered key of card %s is unreadable: %s" % (card_id.hex(), e)) from None
        source = "registered"
        if pub is None:   # the registered key wins; the one the host sends is only used for unregistered cards
            if sent_key is None:
                raise BadRequest("card %s is not registered (dm-sim.py register-card) and no card_key was sent"
                                 % card_id.hex())
            try:
                pub = codec.load_public(sent_key)
            except codec.CodecError as e:
                raise BadRequest("card_key: %s" % e) from None
            source = "request"
        rec["key_source"] = source
        out = {"verified": False, "reason": None, "count": None, "dropped": None, "first_seq": None,
               "head": None, "records": [], "key_source": source}
        if not self.spend_nonce(nonce):
            out["reason"] = "nonce %s was not issued by this server or was already used" % nonce.hex()
        else:
            try:
                out.update(codec.verify_export(export, pub, card_id, nonce))
                out["verified"] = True
            except codec.CodecError as e:
                out["reason"] = str(e)
        rec.update(verified=out["verified"], reason=out["reason"], count=out["count"], dropped=out["dropped"])
        return 200, out

    ROUTES = {"/dm/nonce": "nonce", "/dm/auth": "auth", "/dm/log": "verify_log"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 15

    def version_string(self):
        return "scagent dm-sim"

    def log_message(self, fmt, *args):
        if self.server.dm.verbose:
            super().log_message(fmt, *args)

    def send_json(self, status, obj, close=False):
        body = (json.dumps(obj, sort_keys=True) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        if self.headers.get("Transfer-Encoding"):
            raise BadRequest("send the body with Content-Length", 411)
        cl = self.headers.get("Content-Length", "0").strip()
        if not cl.isdigit():
            raise BadRequest("Content-Length is not a number")
        n = int(cl)
        if n > MAX_REQUEST_BODY:
            raise BadRequest("request body over %d bytes" % MAX_REQUEST_BODY, 413)
        return self.rfile.read(n)

    def handle_any(self):
        dm = self.server.dm
        rec = {"time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
               "method": self.command, "path": self.path}
        close = False
        try:
            try:
                body = self.read_body()
            except BadRequest:
                close = True  # the body was not read: the connection cannot carry another request
                raise
            rec["body_len"] = len(body)
            route = Dm.ROUTES.get(self.path.split("?", 1)[0])
            if route is None:
                raise BadRequest("no such endpoint %s (POST /dm/nonce, /dm/auth, /dm/log)" % self.path, 404)
            if self.command != "POST":
                raise BadRequest("use POST", 405)
            if body.strip():
                try:
                    req = json.loads(body.decode("utf-8"))
                except (UnicodeDecodeError, ValueError) as e:
                    raise BadRequest("body is not JSON: %s" % e) from None
            else:
                req = {}
            if not isinstance(req, dict):
                raise BadRequest("body must be a JSON object")
            status, answer = getattr(dm, route)(req, rec)
        except BadRequest as e:
            status, answer = e.status, {"error": str(e)}
        except Exception as e:  # never let a request kill the thread silently: answer and log it
            status, answer, close = 500, {"error": "internal error: %s: %s" % (type(e).__name__, e)}, True
            rec["exception"] = answer["error"]
        rec["status"] = status
        if "error" in answer:
            rec["error"] = answer["error"]
        dm.log(rec)  # before answering: whoever reads the log after the answer finds the line there
        try:
            self.send_json(status, answer, close)
        except OSError as e:
            dm.log({"time": rec["time"], "status": status, "send_error": str(e), "path": self.path})

    do_POST = do_GET = do_PUT = do_DELETE = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, dm, port=0):
        self.dm = dm
        super().__init__(("127.0.0.1", port), Handler)

    def handle_error(self, request, client_address):
        if self.dm.verbose:
            print("dm-sim: connection from %s:%d failed: %s" % (client_address[0], client_address[1],
                                                                 sys.exc_info()[1]), file=sys.stderr)
