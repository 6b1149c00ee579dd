"""The BM-SC simulator's HTTP server: Registration, Service Request, Token Purchase and LTKM Request behind HTTP
Digest (MD5, qop=auth-int, username = B-TID, password = Base64(MRK)), LTKM pushes over UDP, and admin endpoints.
The contract is README.md "HTTP interface"."""

import base64
import json
import os
import re
import socket
import sys
import threading
import time
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import bmsc_state
import gba
import mikey_codec as mc

NONCE_TTL_S = 300
MAX_REQUEST_BODY = 64 * 1024
XML_TYPE = "application/xml; charset=utf-8"
REQUIRED = ("username", "realm", "nonce", "uri", "qop", "nc", "cnonce", "response", "opaque")
NC_RE = re.compile(r"[0-9a-fA-F]{8}")
ST_OK, ST_UNKNOWN, ST_MALFORMED = 0, 3, 8
ENDPOINTS = {"/bmsc/register": ("RegistrationRequest", "register"),
             "/bmsc/service-request": ("ServiceRequest", "service-request"),
             "/bmsc/token-purchase": ("TokenPurchaseRequest", "token-purchase"),
             "/bmsc/ltkm-request": ("LTKMRequest", "ltkm-request")}


class Options:
    def __init__(self, verbose=False):
        self.verbose = verbose


class Reply:
    def __init__(self, status, reason, kind, body=b"", ctype="text/plain; charset=us-ascii", headers=()):
        self.status, self.reason, self.kind, self.body, self.ctype = status, reason, kind, body, ctype
        self.headers = list(headers)
        self.extra = {}


def text(status, reason, kind, msg, headers=()):
    return Reply(status, reason, kind, msg.encode("ascii", "replace") + b"\n", headers=headers)


def jreply(status, reason, kind, obj):
    return Reply(status, reason, kind, (json.dumps(obj, sort_keys=True) + "\n").encode("utf-8"),
                 ctype="application/json")


def xml_doc(root):
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", short_empty_elements=True)


def _xml_root(tag, attrs):
    e = ET.Element(tag)
    for k, v in attrs:          # insertion order is kept by ElementTree (Python >= 3.8)
        e.set(k, str(v))
    return e


def parse_query(q):
    """Percent-decode query values, but keep '+' as '+' (B-TIDs are Base64)."""
    out = {}
    for part in q.split("&"):
        if not part:
            continue
        k, _, v = part.partition("=")
        out[unquote(k)] = unquote(v)
    return out


def udp_send(address, port, data):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(bytes(data), (address, port))


class Bmsc:
    def __init__(self, d, opts, log_path=None):
        self.store = bmsc_state.Store(d)
        self.opts = opts
        self.cfg = self.store.config()
        self.nonces = {}             # nonce -> {"opaque", "created", "nc"}
        self.lock = threading.Lock()
        self.log_lock = threading.Lock()
        self.log_file = open(log_path, "a", encoding="utf-8") if log_path else None

    def close(self):
        if self.log_file:
            self.log_file.close()
            self.log_file = None

    def log(self, rec):
        if self.log_file:
            with self.log_lock:
                self.log_file.write(json.dumps(rec, sort_keys=True) + "\n")
                self.log_file.flush()

    def new_challenge(self, stale=False):
        nonce = base64.b64encode(os.urandom(24)).decode("ascii")
        opaque = os.urandom(16).hex()
        now = time.time()
        with self.lock:
            for n in [n for n, c in self.nonces.items() if now - c["created"] > NONCE_TTL_S]:
                del self.nonces[n]
            self.nonces[nonce] = {"opaque": opaque, "created": now, "nc": 0}
        h = 'Digest realm=%s, nonce=%s, qop="auth-int", algorithm=MD5, opaque=%s' % (
            gba.quote(self.cfg["realm"]), gba.quote(nonce), gba.quote(opaque))
        return h + (", stale=true" if stale else "")

    def check_nonce(self, p):
        """-> None when fresh (and records nc), else the reason."""
        with self.lock:
            c = self.nonces.get(p["nonce"])
            if c is None or time.time() - c["created"] > NONCE_TTL_S:
                return "stale-nonce"
            if p["opaque"] != c["opaque"]:
                return "opaque-mismatch"
            nc = int(p["nc"], 16)
            if nc <= c["nc"]:
                return "nc-replay"
            return None

    def accept_nc(self, p):
        with self.lock:
            c = self.nonces.get(p["nonce"])
            if c is not None:
                c["nc"] = max(c["nc"], int(p["nc"], 16))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 15

    def version_string(self):
        return "bmsc-sim"

    def log_message(self, fmt, *args):
        if self.server.bmsc.opts.verbose:
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

    def finish_request(self, method, r, rec, close=False):
        rec.update(time=bmsc_state.now_iso(), method=method, path=self.path, status=r.status, kind=r.kind)
        rec.update(r.extra)
        self.server.bmsc.log(rec)
        try:
            self.send_reply(r, close=close)
        except OSError as e:
            self.server.bmsc.log({"time": bmsc_state.now_iso(), "path": self.path, "send_error": str(e)})

    def do_GET(self):
        rec = {}
        path = self.path.split("?", 1)[0]
        if path == "/bmsc/admin/state":
            try:
                r = jreply(200, "OK", "admin-state", self.server.bmsc.store.snapshot())
            except bmsc_state.StateError as e:
                r = text(500, "Internal Server Error", "internal-error", str(e))
        elif path in ENDPOINTS or path.startswith("/bmsc/admin/"):
            r = text(405, "Method Not Allowed", "bad-method", "use POST", headers=[("Allow", "POST")])
        else:
            r = text(404, "Not Found", "not-found", "no such resource")
        self.finish_request("GET", r, rec)

    def do_POST(self):
        rec = {}
        body, err = self.read_body()
        if err:
            return self.finish_request("POST", err, rec, close=True)
        path, _, query = self.path.partition("?")
        try:
            if path in ENDPOINTS:
                r = self.digest_endpoint(path, body, rec)
            elif path == "/bmsc/admin/trigger":
                r = self.admin_trigger(parse_query(query), rec)
            elif path == "/bmsc/admin/push-ltkm":
                r = self.admin_push(parse_query(query), rec)
            else:
                r = text(404, "Not Found", "not-found", "no such resource")
        except Exception as e:  # noqa: BLE001 - one bad request must not kill the server
            rec["exception"] = repr(e)
            r = text(500, "Internal Server Error", "internal-error", "internal error: %s" % e)
        self.finish_request("POST", r, rec)

    # --- Digest -----------------------------------------------------------------------------------------------

    def digest_endpoint(self, path, body, rec):
        b = self.server.bmsc
        ah = self.headers.get("Authorization")
        if ah is None:
            return text(401, "Unauthorized", "challenge", "authenticate with HTTP Digest",
                        headers=[("WWW-Authenticate", b.new_challenge())])
        try:
            p = gba.parse_digest(ah)
        except gba.GbaError as e:
            return text(400, "Bad Request", "bad-authorization", "malformed Authorization: %s" % e)
        rec["btid"] = p.get("username")
        missing = [k for k in REQUIRED if k not in p]
        if missing:
            return text(400, "Bad Request", "bad-authorization", "missing Digest parameters: " + " ".join(missing))
        if p["qop"] != "auth-int" or not NC_RE.fullmatch(p["nc"]) or \
                p.get("algorithm", "MD5").upper() != "MD5" or p["uri"] != self.path:
            return text(400, "Bad Request", "bad-authorization",
                        "need qop=auth-int, nc of 8 hex digits, algorithm=MD5 and uri = the request target")
        try:
            keys = bmsc_state.bootstrap_keys(b.cfg, p["username"])
        except bmsc_state.UnknownBtid as e:
            return text(403, "Forbidden", "unknown-btid", str(e))
        if p["realm"] != b.cfg["realm"]:
            return text(401, "Unauthorized", "wrong-realm", "realm is %s" % b.cfg["realm"],
                        headers=[("WWW-Authenticate", b.new_challenge())])
        why = b.check_nonce(p)
        if why:
            return text(401, "Unauthorized", why, "nonce not usable (%s): new challenge" % why,
                        headers=[("WWW-Authenticate", b.new_challenge(stale=True))])
        pw = keys["mrk_b64"].encode("ascii")
        want = gba.digest_response(p["username"], p["realm"], pw, "POST", p["uri"], p["nonce"], p["nc"],
                                   p["cnonce"], "auth-int", body)
        if want != p["response"].lower():
            return text(401, "Unauthorized", "wrong-response", "wrong Digest response: new challenge",
                        headers=[("WWW-Authenticate", b.new_challenge())])
        b.accept_nc(p)
        root_tag, kind = ENDPOINTS[path]
        try:
            root = ET.fromstring(body)
        except ET.ParseError as e:
            return text(400, "Bad Request", "bad-xml", "XML: %s" % e)
        if root.tag != root_tag or root.get("requestID") is None:
            return text(400, "Bad Request", "bad-xml", "want <%s requestID=...>" % root_tag)
        rec["request_id"] = root.get("requestID")
        r = getattr(self, "do_" + kind.replace("-", "_"))(root, p["username"], rec)
        rspauth = gba.digest_response(p["username"], p["realm"], pw, "", p["uri"], p["nonce"], p["nc"], p["cnonce"],
                                      "auth-int", r.body)
        r.headers.append(("Authentication-Info", 'qop=auth-int, rspauth="%s", cnonce=%s, nc=%s' % (
            rspauth, gba.quote(p["cnonce"]), p["nc"])))
        return r

    # --- request bodies ---------------------------------------------------------------------------------------

    @staticmethod
    def delivery(root):
        d = root.find("LTKMDelivery")
        if d is None:
            return None
        port = d.get("port", "")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("LTKMDelivery port")
        return d.get("address", "127.0.0.1"), int(port)

    def push(self, dest, msgs, rec):
        if dest is None:
            return
        for m in msgs:
            udp_send(dest[0], dest[1], m)
        rec["pushed"] = rec.get("pushed", 0) + len(msgs)
        rec["push_to"] = "%s:%d" % dest

    def do_register(self, root, btid, rec):
        st = self.server.bmsc.store
        ids = [(e.text or "").strip() for e in root.findall("ServiceID")]
        ids = [i for i in ids if i]
        resp = _xml_root("RegistrationResponse", [("requestID", root.get("requestID")),
                                                  ("globalStatusCode", ST_OK if ids else ST_MALFORMED)])
        ent = bmsc_state.record_registration(st, btid, ids)
        for i in ids:
            e = ET.SubElement(resp, "ServiceID", statusCode=str(ST_OK))
            e.text = i
        rec["services"] = ids
        rec["reregistrations"] = ent.get("reregistrations", 0)
        return Reply(200, "OK", "register", xml_doc(resp), ctype=XML_TYPE)

    def do_service_request(self, root, btid, rec, resp_tag="ServiceResponse", kind="service-request"):
        st = self.server.bmsc.store
        try:
            dest = self.delivery(root)
        except ValueError:
            return text(400, "Bad Request", "bad-xml", "LTKMDelivery needs a port 1..65535")
        items = [e.get("globalIDRef", "") for e in root.findall("PurchaseItem")]
        results, msgs, known = [], [], []
        for it in items:
            with st.locked():
                mids = bmsc_state.msks_of_item(st, it) if it else []
            results.append((it, ST_OK if mids else ST_UNKNOWN))
            if mids:
                known.append(it)
            for mid in mids:
                m, _ = bmsc_state.make_ltkm(st, btid, bytes.fromhex(mid))
                msgs.append(m)
        if known:
            bmsc_state.record_registration(st, btid, known)
        gs = ST_OK if items and all(s == ST_OK for _, s in results) else (ST_UNKNOWN if items else ST_MALFORMED)
        resp = _xml_root(resp_tag, [("requestID", root.get("requestID")), ("globalStatusCode", gs)])
        for it, s in results:
            ET.SubElement(resp, "PurchaseItem", {"globalIDRef": it, "itemwiseStatusCode": str(s)})
        r = Reply(200, "OK", kind, xml_doc(resp), ctype=XML_TYPE)
        self.push(dest, msgs, rec)
        rec["items"] = items
        rec["ltkms"] = len(msgs)
        return r

    def do_token_purchase(self, root, btid, rec):
        return self.do_service_request(root, btid, rec, "TokenPurchaseResponse", "token-purchase")

    def do_ltkm_request(self, root, btid, rec):
        b = self.server.bmsc
        st = b.store
        try:
            dest = self.delivery(root)
        except ValueError:
            return text(400, "Bad Request", "bad-xml", "LTKMDelivery needs a port 1..65535")
        kd_text = (root.findtext("KeyDomainID") or b.cfg["key_domain"]).strip()
        try:
            kd = bytes.fromhex(kd_text)
            req = [bytes.fromhex((e.text or "").strip()) for e in root.findall("MSKID")]
        except ValueError:
            return text(400, "Bad Request", "bad-xml", "KeyDomainID / MSKID must be hex")
        if len(kd) != 3 or any(len(x) != 4 for x in req):
            return text(400, "Bad Request", "bad-xml", "KeyDomainID is 6 hex digits, MSKID 8")
        statuses, ltkms = [], []
        for mid in req:
            with st.locked():
                found = bmsc_state.msks_for(st, kd, mid)
            statuses.append((mid, ST_OK if found else ST_UNKNOWN))
            for f in found:
                m, _ = bmsc_state.make_ltkm(st, btid, bytes.fromhex(f))
                ltkms.append((f, m))
        gs = ST_OK if req and all(s == ST_OK for _, s in statuses) else (ST_UNKNOWN if req else ST_MALFORMED)
        resp = _xml_root("LTKMResponse", [("requestID", root.get("requestID")), ("globalStatusCode", gs)])
        for mid, s in statuses:
            e = ET.SubElement(resp, "MSKID", statusCode=str(s))
            e.text = mid.hex()
        for f, m in ltkms:
            e = ET.SubElement(resp, "LTKM", mskID=f)
            e.text = base64.b64encode(m).decode("ascii")
        r = Reply(200, "OK", "ltkm-request", xml_doc(resp), ctype=XML_TYPE)
        self.push(dest, [m for _, m in ltkms], rec)
        rec["msk_ids"] = [m.hex() for m in req]
        rec["ltkms"] = len(ltkms)
        return r

    # --- admin ------------------------------------------------------------------------------------------------

    def _admin_dest(self, q):
        port = q.get("port", "")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("port must be 1..65535")
        return q.get("address", "127.0.0.1"), int(port)

    def admin_trigger(self, q, rec):
        st = self.server.bmsc.store
        try:
            dest = self._admin_dest(q)
            btid = q["btid"]
            kg = int(q.get("key_group", ""), 0)
            if not 0 <= kg <= 0xFFFF:
                raise ValueError("key_group")
        except (KeyError, ValueError) as e:
            return jreply(400, "Bad Request", "admin-bad-request", {"error": "need btid, key_group, port: %s" % e})
        rec["btid"] = btid
        try:
            m, info = bmsc_state.make_trigger(st, btid, kg)
        except bmsc_state.UnknownBtid as e:
            return jreply(403, "Forbidden", "admin-unknown-btid", {"error": str(e)})
        udp_send(dest[0], dest[1], m)
        rec.update(key_group=kg, push_to="%s:%d" % dest, pushed=1)
        return jreply(200, "OK", "admin-trigger", {"btid": btid, "key_group": kg, "address": dest[0],
                                                     "port": dest[1], "counter": info["counter"], "hex": m.hex()})

    def admin_push(self, q, rec):
        st = self.server.bmsc.store
        try:
            dest = self._admin_dest(q)
            btid = q["btid"]
            mid = bytes.fromhex(q.get("msk_id", ""))
            if len(mid) != 4:
                raise ValueError("msk_id is 8 hex digits")
        except (KeyError, ValueError) as e:
            return jreply(400, "Bad Request", "admin-bad-request", {"error": "need btid, msk_id, port: %s" % e})
        rec["btid"] = btid
        with st.locked():
            known = mid.hex() in st.load(bmsc_state.MSKS, {})
        if not known:
            return jreply(404, "Not Found", "admin-unknown-msk", {"error": "unknown MSK ID %s" % mid.hex()})
        try:
            m, info = bmsc_state.make_ltkm(st, btid, mid, v=q.get("v") == "1")
        except bmsc_state.UnknownBtid as e:
            return jreply(403, "Forbidden", "admin-unknown-btid", {"error": str(e)})
        udp_send(dest[0], dest[1], m)
        rec.update(msk_id=mid.hex(), push_to="%s:%d" % dest, pushed=1)
        return jreply(200, "OK", "admin-push-ltkm", {"btid": btid, "msk_id": mid.hex(), "counter": info["counter"],
                                                       "address": dest[0], "port": dest[1], "hex": m.hex()})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, bmsc, port=0):
        self.bmsc = bmsc
        super().__init__(("127.0.0.1", port), Handler)

    def handle_error(self, request, client_address):
        if self.bmsc.opts.verbose:
            print("bmsc-sim: connection from %s:%d failed: %s" % (client_address[0], client_address[1],
                                                                   sys.exc_info()[1]), file=sys.stderr)
