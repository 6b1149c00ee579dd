"""The NAF (Rights Issuer) HTTP side of OMA BCAST 5.1.7.3: MBMS User Service Registration with the
BCAST_Client_ID, the request for it, and the upgrade_available_msg answers, under a chosen policy.

Every identifier received is verified (bcast_codec.verify_client_id) before any policy looks at it; one JSON line
per request goes to the log. Nothing a client sends may crash the server: every failure becomes a 4xx with a
reason, or a 500 that names the exception.
"""

import base64
import binascii
import datetime
import json
import os
import re
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import bcast_codec as codec
import naf_pki

POLICIES = ("accept", "request-id", "optional-upgrade", "critical-upgrade", "bad-signature", "other-client",
            "untrusted", "ask-twice", "refuse", "server-error", "redirect", "oversize")
UPGRADE_POLICIES = ("optional-upgrade", "critical-upgrade", "bad-signature", "other-client", "untrusted")
SIGNERS = {"naf": "naf", "naf-rsa": "naf-rsa", "other": "other-naf"}
MAX_REQUEST_BODY = 1 << 20
MAX_ID_B64 = 16384
ID_TOKEN = re.compile(r"BCAST_Client_ID=(\S*)")

REGISTRATION_RESPONSE = b"""<?xml version="1.0" encoding="UTF-8"?>
<mbmsUserServiceRegistrationResponse>
  <status serviceId="urn:scagent:bcast:test-service" statusCode="0">registered</status>
</mbmsUserServiceRegistrationResponse>
"""
REGISTRATION_RESPONSE_TYPE = "application/mbms-register-response+xml"


class Options:
    """What `serve` was told; also used by the self-test to run a server in-process."""

    def __init__(self, policy="accept", critical=False, pushed=False, dm_uri=None,
                 upgrade_uri="http://127.0.0.1/bcast/upgrade", signer="naf", delay_ms=0, verbose=False):
        self.policy, self.critical, self.pushed = policy, critical, pushed
        self.dm_uri, self.upgrade_uri, self.signer = dm_uri, upgrade_uri, signer
        self.delay_ms, self.verbose = delay_ms, verbose


class Reply:
    def __init__(self, status, reason, ctype, body, kind):
        self.status, self.reason, self.ctype, self.body, self.kind = status, reason, ctype, body, kind
        self.location = None


def text(status, reason, msg, kind):
    return Reply(status, reason, "text/plain; charset=us-ascii", msg.encode("ascii", "replace") + b"\n", kind)


class Naf:
    """The server's state: credentials, policy, log. Read-only after construction except the log."""

    def __init__(self, d, opts, log_path=None):
        self.dir, self.opts = d, opts
        self.client_cas = [naf_pki.load_cert(os.path.join(d, "client-ca.pem"))]
        base = os.path.join(d, SIGNERS[opts.signer if opts.policy != "untrusted" else "other"])
        self.sign_key = naf_pki.load_key(base + ".key")
        with open(base + ".der", "rb") as f:
            self.sign_cert_der = f.read()
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

    # -- the identifier ------------------------------------------------------------------------------------
    def examine_id(self, user_agent):
        """-> (state, detail): absent | empty (User-Agent present but empty, 5.1.7.3.3) | invalid | verified."""
        if user_agent is None:
            return "absent", None
        if user_agent.strip() == "":
            return "empty", None
        m = ID_TOKEN.search(user_agent)
        if not m:
            return "absent", None
        b64 = m.group(1)
        if not b64:
            return "invalid", "empty value after BCAST_Client_ID="
        if len(b64) > MAX_ID_B64:
            return "invalid", "value longer than %d characters" % MAX_ID_B64
        try:
            raw = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError) as e:
            return "invalid", "not standard Base64 with padding (%s)" % e
        try:
            info = codec.verify_client_id(raw, self.client_cas, naf_pki.registered_clients(self.dir))
        except codec.CodecError as e:
            return "invalid", str(e)
        info["raw_fields"] = raw[:codec.FIELDS_LEN]
        return "verified", info

    # -- the policy ------------------------------------------------------------------------------------------
    def upgrade(self, fields, critical):
        o = self.opts
        if o.policy == "other-client":  # another client: same fields but the serial number + 1
            serial = (int.from_bytes(fields[14:17], "big") + 1) % (1 << 24)
            fields = fields[:14] + serial.to_bytes(3, "big") + fields[17:]
        body = codec.build_upgrade(fields, self.sign_key, self.sign_cert_der, critical=critical, pushed=o.pushed,
                                   contact_dm=o.dm_uri is not None, uri=o.dm_uri or o.upgrade_uri,
                                   corrupt_signature=o.policy == "bad-signature")
        if critical:
            return Reply(403, "Forbidden", codec.UPGRADE_TYPE, body, "upgrade-critical")
        return Reply(200, "OK", codec.UPGRADE_TYPE, body, "upgrade-optional")

    def decide(self, method, state, detail):
        p = self.opts.policy
        if state == "invalid":
            return text(403, "Forbidden", "invalid BCAST_Client_ID: %s" % detail, "invalid-id")
        if p == "refuse":
            return text(403, "Forbidden", "registration refused by policy", "refused")
        if p == "server-error":
            return text(500, "Internal Server Error", "simulated server error", "server-error")
        if p == "redirect":  # terminals must not follow it (register.c): the answer must come from the URL given
            r = text(302, "Found", "moved", "redirect")
            r.location = "/elsewhere"
            return r
        if p == "oversize":  # a body over the client's 64 KiB bound
            return Reply(200, "OK", "text/plain", b"x" * (100 * 1024), "oversize")
        if p == "ask-twice" or (state in ("absent", "empty") and p != "accept" and method == "POST"):
            # 5.1.7.3.2, byte for byte: status line "403 Not acceptable", the Server and Date headers, the text
            return Reply(403, "Not acceptable", "text/plain", b"send_BCAST_Client_ID", "request-id")
        if state in ("absent", "empty"):
            if p == "accept":
                return Reply(200, "OK", REGISTRATION_RESPONSE_TYPE, REGISTRATION_RESPONSE, "registration")
            return text(403, "Forbidden", "registration refused: no BCAST_Client_ID", "refused")
        if p in ("accept", "request-id"):
            return Reply(200, "OK", REGISTRATION_RESPONSE_TYPE, REGISTRATION_RESPONSE, "registration")
        critical = p == "critical-upgrade" or (p != "optional-upgrade" and self.opts.critical)
        return self.upgrade(detail["raw_fields"], critical)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 15  # an idle keep-alive connection does not hold a thread for ever

    def version_string(self):
        return "BCAST NAF Server"

    def log_message(self, fmt, *args):
        if self.server.naf.opts.verbose:
            super().log_message(fmt, *args)

    def setup(self):
        ctx = getattr(self.server, "tls", None)
        if ctx is not None:  # the handshake runs in this connection's thread, not in the accept loop
            self.request.settimeout(self.timeout)
            self.request = ctx.wrap_socket(self.request, server_side=True)
        super().setup()

    def do_POST(self):
        self.handle_registration()

    def do_GET(self):
        self.handle_registration()

    def send_reply(self, r, close=False):
        self.send_response(r.status, r.reason)
        self.send_header("Content-Type", r.ctype)
        self.send_header("Content-Length", str(len(r.body)))
        if r.location:
            self.send_header("Location", r.location)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(r.body)

    def read_body(self):
        """-> (bytes, None) or (None, Reply) for a request body we will not read."""
        if self.headers.get("Transfer-Encoding"):
            return None, text(411, "Length Required", "send the body with Content-Length", "bad-request")
        cl = self.headers.get("Content-Length", "0").strip()
        if not cl.isdigit():
            return None, text(400, "Bad Request", "Content-Length is not a number", "bad-request")
        n = int(cl)
        if n > MAX_REQUEST_BODY:
            return None, text(413, "Payload Too Large", "request body over %d bytes" % MAX_REQUEST_BODY,
                              "bad-request")
        return self.rfile.read(n), None

    def handle_registration(self):
        naf = self.server.naf
        rec = {"time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
               "method": self.command, "path": self.path, "policy": naf.opts.policy}
        close = False
        try:
            body, bad = self.read_body()
            ua = self.headers.get("User-Agent")
            rec["user_agent"] = ua is not None
            rec["body_len"] = len(body) if body is not None else None
            if bad is not None:
                reply, close = bad, True
            else:
                state, detail = naf.examine_id(ua)
                rec["id"] = state
                if state == "invalid":
                    rec["id_error"] = detail
                elif state == "verified":
                    rec["fields"] = detail["fields"]
                    rec["certificate"] = detail["certificate"]
                    rec["signature_length"] = detail["signature_length"]
                if naf.opts.delay_ms:
                    naf.stop.wait(naf.opts.delay_ms / 1000.0)
                reply = naf.decide(self.command, state, detail)
        except Exception as e:  # never let a request kill the thread silently: answer and log it
            reply, close = text(500, "Internal Server Error", "internal error: %s: %s" % (type(e).__name__, e),
                                "internal-error"), True
            rec["exception"] = "%s: %s" % (type(e).__name__, e)
        rec["status"], rec["response"] = reply.status, reply.kind
        naf.log(rec)  # before answering: whoever reads the log after the answer finds the line there
        try:
            self.send_reply(reply, close)
        except OSError as e:
            naf.log({"time": rec["time"], "status": reply.status, "send_error": str(e), "path": self.path})


class Server(ThreadingHTTPServer):
    daemon_threads = True      # a client idling on keep-alive must not hold up shutdown
    block_on_close = False

    def __init__(self, naf, port=0, tls=False):
        self.naf = naf
        self.tls = None
        if tls:
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(os.path.join(naf.dir, "naf.pem"), os.path.join(naf.dir, "naf.key"))
        super().__init__(("127.0.0.1", port), Handler)

    def handle_error(self, request, client_address):
        # TLS handshake failures, resets: one line when verbose, never a traceback on stderr
        if self.naf.opts.verbose:
            print("naf-sim: connection from %s:%d failed: %s" % (client_address[0], client_address[1],
                                                                  sys.exc_info()[1]), file=sys.stderr)
