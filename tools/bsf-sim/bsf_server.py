"""The BSF simulator's state (DIR/subscribers.json, DIR/bootstraps.json) and its HTTP server: the Ub reference point
(TS 24.109 §4 / Annex A over RFC 3310 HTTP Digest AKA) and a Zn-like JSON endpoint. See README.md here."""

import base64
import binascii
import datetime
import fcntl
import hmac
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import gba
import milenage

SUBSCRIBERS = "subscribers.json"
BOOTSTRAPS = "bootstraps.json"
LOCK = ".lock"
DEFAULT_REALM = "bsf.example.org"
DEFAULT_IMPI = "001010000000001@ims.mnc001.mcc001.3gppnetwork.org"
DEFAULT_K = "000102030405060708090a0b0c0d0e0f"
DEFAULT_OP = "00112233445566778899aabbccddeeff"
DEFAULT_SQN = "000000000020"     # SEQ 1, IND 0: the last SQN "issued"; the first challenge carries SEQ 2 (0x40)
DEFAULT_AMF = "8000"
BSF_TYPE = "application/vnd.3gpp.bsf+xml"
CHALLENGE_TTL_S = 300            # an unanswered challenge (nonce) is forgotten after this long
MAX_REQUEST_BODY = 64 * 1024


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def iso_z(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_atomic(path, data):
    tmp = "%s.tmp.%d.%d" % (path, os.getpid(), threading.get_ident())
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class StoreError(Exception):
    pass


class Store:
    """DIR/subscribers.json and DIR/bootstraps.json. Every change is read-modify-write under an exclusive flock on
    DIR/.lock (so the CLI and a running server can share DIR), and files are replaced atomically (rename)."""

    def __init__(self, d):
        self.dir = d
        self.tlock = threading.RLock()

    def path(self, name):
        return os.path.join(self.dir, name)

    def exists(self):
        return os.path.isfile(self.path(SUBSCRIBERS))

    class _Locked:
        def __init__(self, store):
            self.store = store

        def __enter__(self):
            self.store.tlock.acquire()
            self.f = open(self.store.path(LOCK), "a")
            fcntl.flock(self.f, fcntl.LOCK_EX)
            return self.store

        def __exit__(self, *exc):
            fcntl.flock(self.f, fcntl.LOCK_UN)
            self.f.close()
            self.store.tlock.release()

    def locked(self):
        return Store._Locked(self)

    def _load(self, name, default):
        try:
            with open(self.path(name), "r", encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return default
        except (OSError, ValueError) as e:
            raise StoreError("%s: %s" % (self.path(name), e)) from None

    def _save(self, name, obj):
        write_atomic(self.path(name), (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode("utf-8"))

    def load_config(self):
        cfg = self._load(SUBSCRIBERS, None)
        if not isinstance(cfg, dict) or not isinstance(cfg.get("subscribers"), dict):
            raise StoreError("%s is missing or malformed" % self.path(SUBSCRIBERS))
        return cfg

    def save_config(self, cfg):
        self._save(SUBSCRIBERS, cfg)

    def load_bootstraps(self):
        b = self._load(BOOTSTRAPS, {})
        if not isinstance(b, dict):
            raise StoreError("%s is malformed" % self.path(BOOTSTRAPS))
        return b

    def save_bootstraps(self, b):
        self._save(BOOTSTRAPS, b)


def make_subscriber(k, opc, op=None, sqn=DEFAULT_SQN, amf=DEFAULT_AMF, ind=0):
    """A subscribers.json entry (all hex text)."""
    return {"k": k.hex(), "opc": opc.hex(), "op": op.hex() if op is not None else None,
            "sqn": sqn.hex() if isinstance(sqn, bytes) else sqn, "amf": amf.hex() if isinstance(amf, bytes) else amf,
            "ind": ind}


def init_dir(d, realm=DEFAULT_REALM, domain=None):
    """Write DIR/subscribers.json with the default subscriber; -> (impi, entry)."""
    os.makedirs(d, exist_ok=True)
    k, op = bytes.fromhex(DEFAULT_K), bytes.fromhex(DEFAULT_OP)
    entry = make_subscriber(k, milenage.opc(k, op), op)
    st = Store(d)
    with st.locked():
        st.save_config({"realm": realm, "domain": domain or realm, "subscribers": {DEFAULT_IMPI: entry}})
        st.save_bootstraps({})
    return DEFAULT_IMPI, entry


def sub_keys(entry):
    return bytes.fromhex(entry["k"]), bytes.fromhex(entry["opc"])


def naf_keys(rec, nafid):
    """Keys a NAF gets over Zn for the bootstrap record rec: (ks_ext_naf or Ks_NAF, ks_int_naf or None)."""
    ks, rand = bytes.fromhex(rec["ks"]), bytes.fromhex(rec["rand"])
    ext = gba.ks_naf(ks, rand, rec["impi"], nafid, gba.LABEL_ME)
    inte = gba.ks_naf(ks, rand, rec["impi"], nafid, gba.LABEL_U) if rec.get("gba_type", "GBA_U") == "GBA_U" else None
    return ext, inte


def zn_answer(store, btid, nafid, now=None):
    """-> (status, dict) for the Zn-like lookup (also used by `naf-key`)."""
    with store.locked():
        rec = store.load_bootstraps().get(btid)
    if rec is None:
        return 404, {"error": "unknown B-TID", "btid": btid}
    if (now or time.time()) >= rec["expires"]:
        return 404, {"error": "B-TID expired at %s" % rec["lifetime"], "btid": btid}
    ext, inte = naf_keys(rec, nafid)
    return 200, {"btid": btid, "impi": rec["impi"], "gba_type": rec.get("gba_type", "GBA_U"),
                 "naf_id_hex": nafid.hex(), "ks_ext_naf": ext.hex(), "ks_int_naf": inte.hex() if inte else None,
                 "lifetime": rec["lifetime"]}


class Options:
    def __init__(self, lifetime_s=3600, gba_me=False, ind_cycle=False, verbose=False):
        self.lifetime_s, self.gba_me, self.ind_cycle, self.verbose = lifetime_s, gba_me, ind_cycle, verbose


class Challenge:
    def __init__(self, impi, av, opaque):
        self.impi, self.av, self.opaque, self.created = impi, av, opaque, time.monotonic()


class Bsf:
    """The server's state: the store, the outstanding challenges (nonce -> Challenge), counters, the log."""

    def __init__(self, d, opts, log_path=None):
        self.store = Store(d)
        self.opts = opts
        cfg = self.store.load_config()
        self.realm, self.domain = cfg.get("realm", DEFAULT_REALM), cfg.get("domain", cfg.get("realm", DEFAULT_REALM))
        self.lock = threading.Lock()
        self.challenges = {}
        self.failures = {}      # IMPI -> number of failed authentications (wrong response, bad AUTS)
        self.log_lock = threading.Lock()
        self.log_file = open(log_path, "a", encoding="utf-8") if log_path else None
        self.stop = threading.Event()

    def close(self):
        if self.log_file:
            self.log_file.close()
            self.log_file = None

    def log(self, rec):
        if not self.log_file:
            return
        with self.log_lock:
            self.log_file.write(json.dumps(rec, sort_keys=True) + "\n")
            self.log_file.flush()

    def subscriber(self, impi):
        with self.store.locked():
            return self.store.load_config()["subscribers"].get(impi)

    def fail(self, impi):
        with self.lock:
            self.failures[impi] = self.failures.get(impi, 0) + 1
            return self.failures[impi]

    def take(self, nonce, impi):
        """Remove and return the outstanding challenge for this nonce and IMPI (None if unknown, expired or issued to
        another IMPI). Nonces are single-use: whatever the outcome of the answer, the nonce is spent."""
        with self.lock:
            t = time.monotonic()
            for n in [n for n, c in self.challenges.items() if t - c.created > CHALLENGE_TTL_S]:
                del self.challenges[n]
            ch = self.challenges.get(nonce)
            if ch is None or ch.impi != impi:
                return None
            return self.challenges.pop(nonce)

    def new_challenge(self, impi, resync_sqn_ms=None):
        """Make a vector with the next SQN (after SQN_MS when re-synchronising), persist the SQN, remember the
        challenge. -> Challenge."""
        with self.store.locked():
            cfg = self.store.load_config()
            sub = cfg["subscribers"][impi]
            last = resync_sqn_ms if resync_sqn_ms is not None else int(sub["sqn"], 16)
            sqn = gba.sqn_next(last, self.opts.ind_cycle, int(sub.get("ind", 0)))
            sub["sqn"] = "%012x" % sqn
            if resync_sqn_ms is not None:
                sub["last_resync_sqn_ms"] = "%012x" % resync_sqn_ms
            self.store.save_config(cfg)
        k, opc = sub_keys(sub)
        av = gba.vector(k, opc, sqn, bytes.fromhex(sub["amf"]), os.urandom(16), gba_u=not self.opts.gba_me)
        ch = Challenge(impi, av, os.urandom(16).hex())
        with self.lock:
            self.challenges[av["nonce"]] = ch
        return ch

    def www_authenticate(self, ch):
        return 'Digest realm=%s, nonce=%s, algorithm=AKAv1-MD5, qop="auth-int", opaque=%s' % (
            gba.quote(self.realm), gba.quote(ch.av["nonce"]), gba.quote(ch.opaque))

    def record_bootstrap(self, ch):
        av = ch.av
        btid = gba.btid(av["rand"], self.domain)
        t = now_utc().replace(microsecond=0)
        exp = t + datetime.timedelta(seconds=self.opts.lifetime_s)
        rec = {"impi": ch.impi, "rand": av["rand"].hex(), "ks": av["ks"].hex(), "lifetime": iso_z(exp),
               "expires": int(exp.timestamp()), "created": iso_z(t), "gba_type": av["gba_type"],
               "sqn": av["sqn"].hex()}
        with self.store.locked():
            b = self.store.load_bootstraps()
            b[btid] = rec
            self.store.save_bootstraps(b)
        return btid, rec


def bootstrapping_info(btid, lifetime):
    """The 200 OK body (TS 24.109 Annex C schema, namespace uri:3gpp-gba)."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<BootstrappingInfo xmlns="uri:3gpp-gba"><btid>%s</btid>'
            '<lifetime>%s</lifetime></BootstrappingInfo>' % (btid, lifetime)).encode("utf-8")


class Reply:
    def __init__(self, status, reason, kind, body=b"", ctype="text/plain; charset=us-ascii", headers=()):
        self.status, self.reason, self.kind, self.body, self.ctype = status, reason, kind, body, ctype
        self.headers = list(headers)


def text(status, reason, kind, msg, headers=()):
    return Reply(status, reason, kind, msg.encode("ascii", "replace") + b"\n", headers=headers)


NC_RE = re.compile(r"[0-9a-fA-F]{8}")
REQUIRED = ("username", "realm", "nonce", "uri", "qop", "nc", "cnonce", "response", "opaque")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 15

    def version_string(self):
        return "bsf-sim"

    def log_message(self, fmt, *args):
        if self.server.bsf.opts.verbose:
            super().log_message(fmt, *args)

    def send_reply(self, r, close=False):
        self.send_response(r.status, r.reason)
        self.send_header("Content-Type", r.ctype)
        self.send_header("Content-Length", str(len(r.body)))
        for k, v in r.headers:
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(r.body)

    def read_body(self):
        if self.headers.get("Transfer-Encoding"):
            return None, text(411, "Length Required", "bad-request", "send the body with Content-Length")
        cl = self.headers.get("Content-Length", "0").strip()
        if not cl.isdigit():
            return None, text(400, "Bad Request", "bad-request", "Content-Length is not a number")
        if int(cl) > MAX_REQUEST_BODY:
            return None, text(413, "Payload Too Large", "bad-request", "request body over %d bytes" % MAX_REQUEST_BODY)
        return self.rfile.read(int(cl)), None

    def do_GET(self):
        bsf = self.server.bsf
        rec = {"time": now_utc().isoformat(timespec="milliseconds"), "method": self.command, "path": self.path}
        close = False
        try:
            body, bad = self.read_body()
            if bad is not None:
                reply, close = bad, True
            elif urllib.parse.urlsplit(self.path).path == "/zn":
                reply = self.zn(bsf, rec)
            else:
                reply = self.ub(bsf, rec, body)
        except Exception as e:  # answer and log, never kill the thread silently
            reply, close = text(500, "Internal Server Error", "internal-error",
                                "internal error: %s: %s" % (type(e).__name__, e)), True
            rec["exception"] = "%s: %s" % (type(e).__name__, e)
        rec["status"], rec["kind"] = reply.status, reply.kind
        bsf.log(rec)  # before answering: whoever reads the log after the answer finds the line
        try:
            self.send_reply(reply, close)
        except OSError as e:
            bsf.log({"time": rec["time"], "status": reply.status, "send_error": str(e), "path": self.path})

    # -- Zn-like ---------------------------------------------------------------------------------------------------
    def zn(self, bsf, rec):
        q = {}
        for part in urllib.parse.urlsplit(self.path).query.split("&"):
            k, _, v = part.partition("=")
            q.setdefault(urllib.parse.unquote(k), urllib.parse.unquote(v))  # "+" stays "+" (B-TIDs are Base64)
        btid, nafhex = q.get("btid"), q.get("naf_id_hex")
        if not btid or not nafhex:
            return text(400, "Bad Request", "zn-bad-request", "need ?btid=B-TID&naf_id_hex=HEX(FQDN||Ua id)")
        try:
            nafid = bytes.fromhex(nafhex)
        except ValueError:
            return text(400, "Bad Request", "zn-bad-request", "naf_id_hex is not hex")
        if len(nafid) < 6:
            return text(400, "Bad Request", "zn-bad-request", "NAF_Id must be an FQDN followed by the 5-byte Ua id")
        rec["btid"] = btid
        status, ans = zn_answer(bsf.store, btid, nafid)
        body = (json.dumps(ans, sort_keys=True) + "\n").encode("utf-8")
        if status == 200:
            rec["impi"] = ans["impi"]
            return Reply(200, "OK", "zn", body, "application/json")
        return Reply(404, "Not Found", "zn-unknown", body, "application/json")

    # -- Ub --------------------------------------------------------------------------------------------------------
    def challenge_reply(self, bsf, rec, impi, kind, msg, resync_sqn_ms=None):
        ch = bsf.new_challenge(impi, resync_sqn_ms)
        rec["sqn"] = ch.av["sqn"].hex()
        rec["nonce"] = ch.av["nonce"]
        return text(401, "Unauthorized", kind, msg, headers=[("WWW-Authenticate", bsf.www_authenticate(ch))])

    def ub(self, bsf, rec, body):
        auth = self.headers.get("Authorization")
        if auth is None:
            return text(401, "Unauthorized", "no-authorization",
                        'no Authorization header: start with Authorization: Digest username="<IMPI>", '
                        'realm="<realm>", nonce="", uri="/", response="" (TS 24.109 A.3)')
        try:
            p = gba.parse_digest(auth)
        except gba.GbaError as e:
            return text(400, "Bad Request", "bad-authorization", "malformed Authorization header: %s" % e)
        impi = p.get("username")
        if not impi:
            return text(400, "Bad Request", "bad-authorization", "Authorization has no username (the IMPI)")
        rec["impi"] = impi
        if bsf.subscriber(impi) is None:
            return text(403, "Forbidden", "unknown-impi", "unknown IMPI %s" % impi)
        nonce = p.get("nonce", "")
        if nonce == "":  # request 1 of the bootstrapping procedure
            return self.challenge_reply(bsf, rec, impi, "challenge", "AKA challenge (RFC 3310)")
        missing = [k for k in REQUIRED if k not in p]
        if missing:
            return text(400, "Bad Request", "bad-authorization", "Authorization lacks %s" % ", ".join(missing))
        if p.get("algorithm", "AKAv1-MD5").lower() != "akav1-md5":
            return text(400, "Bad Request", "bad-authorization", "algorithm must be AKAv1-MD5")
        if p["qop"] != "auth-int":
            return text(400, "Bad Request", "bad-authorization", "qop must be auth-int")
        if not NC_RE.fullmatch(p["nc"]):
            return text(400, "Bad Request", "bad-authorization", "nc must be 8 hex digits")
        if p["uri"] != self.path:
            return text(400, "Bad Request", "bad-authorization",
                        "uri %r is not the request target %r" % (p["uri"], self.path))
        ch = bsf.take(nonce, impi)
        if ch is None:
            return self.challenge_reply(bsf, rec, impi, "stale-nonce", "unknown or stale nonce: new challenge")
        if p["opaque"] != ch.opaque:
            return self.challenge_reply(bsf, rec, impi, "opaque-mismatch", "opaque does not match: new challenge")
        realm_ok = p["realm"] == bsf.realm
        if "auts" in p:
            return self.sync_failure(bsf, rec, p, ch, body, realm_ok)
        want = gba.digest_response(impi, bsf.realm, ch.av["res"], self.command, p["uri"], nonce, p["nc"],
                                   p["cnonce"], "auth-int", body)
        if not realm_ok or not hmac.compare_digest(want, p["response"].lower()):
            rec["failures"] = bsf.fail(impi)
            if not realm_ok:
                rec["error"] = "realm %r is not %r" % (p["realm"], bsf.realm)
            return self.challenge_reply(bsf, rec, impi, "wrong-response", "authentication failed: new challenge")
        btid, brec = bsf.record_bootstrap(ch)
        rec["btid"], rec["lifetime"] = btid, brec["lifetime"]
        xml = bootstrapping_info(btid, brec["lifetime"])
        rspauth = gba.digest_response(impi, bsf.realm, ch.av["res"], "", p["uri"], nonce, p["nc"], p["cnonce"],
                                      "auth-int", xml)
        ainfo = "qop=auth-int, rspauth=%s, cnonce=%s, nc=%s" % (gba.quote(rspauth), gba.quote(p["cnonce"]), p["nc"])
        return Reply(200, "OK", "bootstrapped", xml, BSF_TYPE, headers=[("Authentication-Info", ainfo)])

    def sync_failure(self, bsf, rec, p, ch, body, realm_ok):
        impi = ch.impi
        want = gba.digest_response(impi, bsf.realm, b"", self.command, p["uri"], p["nonce"], p["nc"], p["cnonce"],
                                   "auth-int", body)  # RFC 3310 §3.4: empty password when auts is present
        if not realm_ok or not hmac.compare_digest(want, p["response"].lower()):
            rec["failures"] = bsf.fail(impi)
            return self.challenge_reply(bsf, rec, impi, "wrong-response-auts",
                                        "response with auts must use the empty password: new challenge, no resync")
        try:
            auts = base64.b64decode(p["auts"], validate=True)
        except (binascii.Error, ValueError):
            auts = b""
        if len(auts) != 14:
            rec["failures"] = bsf.fail(impi)
            return self.challenge_reply(bsf, rec, impi, "bad-auts", "auts is not Base64 of 14 bytes: new challenge")
        k, opc = sub_keys(bsf.subscriber(impi))
        try:
            sqn_ms = gba.check_auts(k, opc, ch.av["rand"], auts)
        except gba.GbaError:
            rec["failures"] = bsf.fail(impi)
            return self.challenge_reply(bsf, rec, impi, "bad-auts", "AUTS MAC-S does not verify: new challenge")
        rec["sqn_ms"] = "%012x" % sqn_ms
        return self.challenge_reply(bsf, rec, impi, "resync", "re-synchronised to SQN_MS: new challenge",
                                    resync_sqn_ms=sqn_ms)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, bsf, port=0):
        self.bsf = bsf
        super().__init__(("127.0.0.1", port), Handler)

    def handle_error(self, request, client_address):
        if self.bsf.opts.verbose:
            print("bsf-sim: connection from %s:%d failed: %s" % (client_address[0], client_address[1],
                                                                  sys.exc_info()[1]), file=sys.stderr)
