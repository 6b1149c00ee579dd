#!/usr/bin/python3
"""Self-test of the NAF simulator: the codec, and every policy over real HTTP (http.client).

Run: /usr/bin/python3 tools/naf-sim/test_naf_sim.py   (ends with "SUITE naf-sim passed=N failed=M")
"""

import base64
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)

import bcast_codec as codec  # noqa: E402
import naf_pki  # noqa: E402
import naf_server  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402

DER = serialization.Encoding.DER
D = None          # the simulator directory, made once
ID_EC = ID_RSA = FIELDS = None


def setUpModule():
    global D, ID_EC, ID_RSA, FIELDS
    D = tempfile.mkdtemp(prefix="naf-sim-test.")
    naf_pki.init(D)
    FIELDS = codec.make_fields(serial=0x123456, software=7)
    key, cert = naf_pki.new_client(D, "client")
    ID_EC = codec.build_client_id(FIELDS, key, cert.public_bytes(DER))
    key, cert = naf_pki.new_client(D, "client-rsa", "rsa")
    ID_RSA = codec.build_client_id(FIELDS, key, cert.public_bytes(DER))


def tearDownModule():
    shutil.rmtree(D, ignore_errors=True)


def cert(name):
    return naf_pki.load_cert(os.path.join(D, name + ".pem"))


def verify_id(data, registered=None):
    return codec.verify_client_id(data, [cert("client-ca")],
                                  naf_pki.registered_clients(D) if registered is None else registered)


class Codec(unittest.TestCase):
    def test_imei(self):
        b = codec.encode_imei("490154203237518")
        self.assertEqual(b.hex().upper(), "4A09512430325781")  # TS 24.008 §10.5.1.4, digit 2 in the low nibble
        self.assertEqual(codec.decode_imei(b), "490154203237518")
        self.assertTrue(codec.luhn_ok("490154203237518"))
        self.assertFalse(codec.luhn_ok("490154203237519"))
        with self.assertRaisesRegex(codec.CodecError, "low nibble"):
            codec.decode_imei(bytes.fromhex("4B09512430325781"))
        with self.assertRaisesRegex(codec.CodecError, "above 9"):
            codec.decode_imei(bytes.fromhex("4A0951243032578F"))

    def test_fields(self):
        f = codec.parse_fields(FIELDS)
        self.assertEqual((f["imei"], f["client_serial_no"], f["client_software_version"]),
                         ("490154203237518", 0x123456, 7))
        self.assertEqual(f["client_manufacturer_code"], 0x5343)

    def test_client_id_verifies(self):
        for cid, sl, alg in ((ID_EC, 64, "ecdsa-p256"), (ID_RSA, 256, "rsa-2048")):
            info = verify_id(cid)
            self.assertEqual(info["signature_length"], sl)
            self.assertEqual(info["certificate"]["key"], alg)
            self.assertEqual(int.from_bytes(cid[19:21], "big"), sl)

    def test_client_id_openssl_crosscheck(self):
        """The r||s signature over the 21 bytes verifies with stock openssl after DER conversion (§3)."""
        if not shutil.which("openssl"):
            self.skipTest("no openssl")
        p = codec.parse_client_id(ID_EC)
        r, s = int.from_bytes(p["signature"][:32], "big"), int.from_bytes(p["signature"][32:], "big")
        with tempfile.TemporaryDirectory() as t:
            for n, data in (("tbs", ID_EC[:21]), ("sig", codec.encode_dss_signature(r, s)),
                            ("cert.der", p["certificate"])):
                with open(os.path.join(t, n), "wb") as f:
                    f.write(data)
            pub = subprocess.run(["openssl", "x509", "-inform", "DER", "-in", os.path.join(t, "cert.der"),
                                  "-pubkey", "-noout"], capture_output=True, check=True).stdout
            with open(os.path.join(t, "pub.pem"), "wb") as f:
                f.write(pub)
            r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", os.path.join(t, "pub.pem"), "-signature",
                                os.path.join(t, "sig"), os.path.join(t, "tbs")], capture_output=True)
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_client_id_tampered(self):
        for i in (0, 10, 18, 19, 30):  # fields, the signed length, the signature itself
            bad = bytearray(ID_EC)
            bad[i] ^= 0x01
            with self.assertRaises(codec.CodecError):
                verify_id(bytes(bad))
        bad = bytearray(ID_EC)
        bad[-40] ^= 0x01  # inside the certificate's signature
        with self.assertRaises(codec.CodecError):
            verify_id(bytes(bad))

    def test_client_id_every_truncation_and_trailer(self):
        for n in range(len(ID_EC)):
            with self.assertRaises(codec.CodecError):
                codec.parse_client_id(ID_EC[:n])
        with self.assertRaisesRegex(codec.CodecError, "after the certificate"):
            codec.parse_client_id(ID_EC + b"\0")

    def test_client_id_untrusted_ca(self):
        other_key = naf_pki.load_key(os.path.join(D, "other-ca.key"))
        key = naf_pki.new_key()
        c = naf_pki.issue(cert("other-ca"), other_key, "stranger", key.public_key())
        with self.assertRaisesRegex(codec.CodecError, "not by the trusted CA"):
            verify_id(codec.build_client_id(FIELDS, key, c.public_bytes(DER)))

    def test_client_id_without_certificate(self):
        key = naf_pki.load_key(os.path.join(D, "clients", "client.key"))
        cid = codec.build_client_id(FIELDS, key)
        self.assertEqual(verify_id(cid)["certificate"]["source"], "registered")
        with self.assertRaisesRegex(codec.CodecError, "no certificate"):
            verify_id(cid, registered=[])

    def test_upgrade_layout(self):
        key = naf_pki.load_key(os.path.join(D, "naf.key"))
        m = codec.build_upgrade(FIELDS, key, cert("naf").public_bytes(DER), critical=True, uri="http://x/u")
        self.assertEqual(m[0], 0x00)
        self.assertEqual(m[1], 0x80)
        self.assertEqual(m[2:21], FIELDS)
        self.assertEqual(m[21], 10)
        self.assertEqual(m[22:32], b"http://x/u")
        self.assertEqual(m[32:34], b"\x00\x40")
        self.assertEqual(int.from_bytes(m[98:100], "big"), len(m) - 100)
        m = codec.build_upgrade(FIELDS, key, b"x", pushed=True, contact_dm=True)
        self.assertEqual((m[1], m[21:23]), (0x60, b"\x00\x40"))

    def test_upgrade_variants_verify(self):
        for signer in ("naf", "naf-rsa"):
            key = naf_pki.load_key(os.path.join(D, signer + ".key"))
            for kw in ({}, {"critical": True}, {"pushed": True}, {"contact_dm": True, "uri": "https://dm.example/x"}):
                kw.setdefault("uri", "http://127.0.0.1/u")
                m = codec.build_upgrade(FIELDS, key, cert(signer).public_bytes(DER), **kw)
                out = codec.verify_upgrade(m, [cert("naf-ca")], FIELDS)
                self.assertEqual(out["critical"], kw.get("critical", False))
                self.assertEqual(out["uri"], None if kw.get("pushed") else kw["uri"])

    def test_upgrade_failures(self):
        key = naf_pki.load_key(os.path.join(D, "naf.key"))
        der = cert("naf").public_bytes(DER)
        bad = codec.build_upgrade(FIELDS, key, der, uri="u:x", corrupt_signature=True)
        with self.assertRaisesRegex(codec.CodecError, "signature does not verify"):
            codec.verify_upgrade(bad, [cert("naf-ca")])
        good = codec.build_upgrade(FIELDS, key, der, uri="u:x")
        with self.assertRaisesRegex(codec.CodecError, "another client"):
            codec.verify_upgrade(good, [cert("naf-ca")], b"\0" * 19)
        with self.assertRaises(codec.CodecError):
            codec.verify_upgrade(good, [cert("other-ca")])
        v1 = codec.build_upgrade(FIELDS, key, der, uri="u:x", protocol_version=1)
        self.assertTrue(codec.verify_upgrade(v1, [cert("naf-ca")])["unsupported"])
        for n in range(len(good)):
            with self.assertRaises(codec.CodecError):
                codec.parse_upgrade(good[:n])
        with self.assertRaises(codec.CodecError):
            codec.build_upgrade(FIELDS, key, der, uri="")

    def test_random_bytes_only_codec_errors(self):
        rnd = random.Random(7)
        for _ in range(3000):
            data = bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 80)))
            for f in (codec.parse_client_id, codec.parse_upgrade):
                try:
                    f(data)
                except codec.CodecError:
                    pass


class Http(unittest.TestCase):
    """Each test runs a server in-process on a free port and talks to it with http.client."""

    def start(self, policy, **kw):
        self.log = os.path.join(D, "log-%s.jsonl" % self.id().split(".")[-1])
        self.naf = naf_server.Naf(D, naf_server.Options(policy=policy, **kw), self.log)
        self.srv = naf_server.Server(self.naf, 0)
        self.port = self.srv.server_address[1]
        self.t = threading.Thread(target=self.srv.serve_forever, args=(0.05,))
        self.t.start()

    def tearDown(self):
        if getattr(self, "srv", None):
            self.naf.stop.set()
            self.srv.shutdown()
            self.t.join()
            self.srv.server_close()
            self.naf.close()

    def req(self, method="POST", cid=None, ua=None, body=b"<mbmsUserServiceRegistration/>", headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        h = dict(headers or {})
        if cid is not None:
            h["User-Agent"] = "BCAST_Client_ID=" + base64.b64encode(cid).decode()
        elif ua is not None:
            h["User-Agent"] = ua
        c.request(method, "/keymanagement?requesttype=register", body=body if method == "POST" else None,
                  headers=h, encode_chunked=False)
        r = c.getresponse()
        out = (r.status, r.reason, r.getheader("Content-Type"), r.read(), r)
        c.close()
        return out

    def logs(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f]

    def test_accept(self):
        self.start("accept")
        st, _, ct, body, _ = self.req(cid=ID_EC)
        self.assertEqual((st, ct), (200, naf_server.REGISTRATION_RESPONSE_TYPE))
        self.assertIn(b"mbmsUserServiceRegistrationResponse", body)
        self.assertEqual(self.req()[0], 200)  # an identifier is optional under `accept`
        log = self.logs()
        self.assertEqual((log[0]["id"], log[0]["fields"]["imei"], log[0]["status"]), ("verified", "490154203237518", 200))
        self.assertEqual(log[1]["id"], "absent")

    def test_request_id(self):
        self.start("request-id")
        st, reason, _, body, r = self.req()
        self.assertEqual((st, reason, body), (403, "Not acceptable", b"send_BCAST_Client_ID"))
        self.assertEqual(r.getheader("Server"), "BCAST NAF Server")
        self.assertTrue(r.getheader("Date"))
        self.assertEqual(self.req("GET", cid=ID_RSA)[0], 200)
        st, _, _, body, _ = self.req("GET", ua="")
        self.assertEqual(st, 403)
        self.assertIn(b"no BCAST_Client_ID", body)
        self.assertEqual(self.req(cid=ID_EC)[0], 200)  # sent on the POST: no need to ask
        self.assertEqual([x["response"] for x in self.logs()], ["request-id", "registration", "refused", "registration"])

    def upgrade(self, policy, **kw):
        self.start(policy, **kw)
        st, _, ct, body, _ = self.req(cid=ID_EC)
        self.assertEqual(ct, codec.UPGRADE_TYPE)
        return st, body

    def test_optional_upgrade(self):
        st, body = self.upgrade("optional-upgrade")
        out = codec.verify_upgrade(body, [cert("naf-ca")], FIELDS)
        self.assertEqual((st, out["critical"], out["uri"]), (200, False, "http://127.0.0.1/bcast/upgrade"))

    def test_critical_upgrade_dm(self):
        st, body = self.upgrade("critical-upgrade", dm_uri="https://dm.example/dm")
        out = codec.verify_upgrade(body, [cert("naf-ca")], FIELDS)
        self.assertEqual((st, out["critical"], out["contact_dm"], out["uri"]), (403, True, True, "https://dm.example/dm"))

    def test_critical_upgrade_asks_first(self):
        self.start("critical-upgrade", pushed=True)
        self.assertEqual(self.req()[3], b"send_BCAST_Client_ID")
        st, _, _, body, _ = self.req("GET", cid=ID_EC)
        out = codec.verify_upgrade(body, [cert("naf-ca")], FIELDS)
        self.assertEqual((st, out["pushed"], out["uri"]), (403, True, None))

    def test_bad_signature(self):
        st, body = self.upgrade("bad-signature")
        self.assertEqual(st, 200)
        with self.assertRaisesRegex(codec.CodecError, "signature does not verify"):
            codec.verify_upgrade(body, [cert("naf-ca")], FIELDS)

    def test_other_client(self):
        st, body = self.upgrade("other-client", critical=True)
        self.assertEqual(st, 403)
        self.assertTrue(codec.verify_upgrade(body, [cert("naf-ca")])["critical"])
        with self.assertRaisesRegex(codec.CodecError, "another client"):
            codec.verify_upgrade(body, [cert("naf-ca")], FIELDS)

    def test_untrusted(self):
        _, body = self.upgrade("untrusted")
        with self.assertRaises(codec.CodecError):
            codec.verify_upgrade(body, [cert("naf-ca")], FIELDS)
        codec.verify_upgrade(body, [cert("other-ca")], FIELDS)

    def test_invalid_identifiers(self):
        self.start("accept")
        bad = bytearray(ID_EC)
        bad[5] ^= 1
        cases = [("BCAST_Client_ID=%%%", "Base64"), ("BCAST_Client_ID=", "empty value"),
                 ("BCAST_Client_ID=" + base64.b64encode(ID_EC[:40]).decode(), "truncated"),
                 ("BCAST_Client_ID=" + base64.b64encode(bytes(bad)).decode(), "signature does not verify"),
                 ("BCAST_Client_ID=" + "A" * 20000, "longer than")]
        for ua, why in cases:
            st, _, _, body, _ = self.req(ua=ua)
            self.assertEqual(st, 403, ua[:40])
            self.assertIn(b"invalid BCAST_Client_ID: ", body)
            self.assertIn(why.encode(), body)
        self.assertTrue(all(x["id"] == "invalid" and x["id_error"] for x in self.logs()))

    def test_bad_requests(self):
        self.start("accept")
        self.assertEqual(self.req(headers={"Content-Length": "x"}, body=None)[0], 400)
        self.assertEqual(self.req(headers={"Content-Length": str(10 << 20)}, body=None)[0], 413)
        for raw, want in ((b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", b" 411 "),
                          (b"\x00\xff / HTTP/1.1\r\n\r\n", b" 501 "),
                          (b"GET /\r\n\r\n", b"")):
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as c:
                c.sendall(raw)
                self.assertIn(want, c.recv(100), raw)
        self.assertEqual(self.req()[0], 200)  # still serving

    def test_ask_twice_refuse_error(self):
        self.start("ask-twice")
        self.assertEqual(self.req("GET", cid=ID_EC)[3], b"send_BCAST_Client_ID")
        self.tearDown()
        self.start("refuse")
        self.assertEqual(self.req(cid=ID_EC)[:2], (403, "Forbidden"))
        self.tearDown()
        self.start("server-error")
        self.assertEqual(self.req(cid=ID_EC)[0], 500)
        self.tearDown()
        self.start("redirect")
        st, _, _, _, r = self.req(cid=ID_EC)
        self.assertEqual((st, r.getheader("Location")), (302, "/elsewhere"))
        self.tearDown()
        self.start("oversize")
        self.assertEqual(len(self.req(cid=ID_EC)[3]), 100 * 1024)


class Process(unittest.TestCase):
    def test_serve_files_and_sigterm(self):
        t = tempfile.mkdtemp(dir=D)
        pf, pidf, log = (os.path.join(t, n) for n in ("port", "pid", "log.jsonl"))
        p = subprocess.Popen([sys.executable, os.path.join(HERE, "naf-sim.py"), "serve", D, "--policy", "accept",
                              "--port-file", pf, "--pid-file", pidf, "--log", log], stdout=subprocess.PIPE)
        try:
            for _ in range(100):
                if os.path.exists(pf):
                    break
                time.sleep(0.05)
            with open(pf) as f:
                port = int(f.read())
            with open(pidf) as f:
                self.assertEqual(int(f.read()), p.pid)
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("POST", "/", body=b"x", headers={"User-Agent": "BCAST_Client_ID=" +
                                                        base64.b64encode(ID_EC).decode()})
            self.assertEqual(c.getresponse().status, 200)  # the connection stays open across SIGTERM
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(timeout=5), 0)
            c.close()
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
        self.assertFalse(os.path.exists(pf) or os.path.exists(pidf))
        with open(log) as f:
            self.assertEqual(json.loads(f.readline())["id"], "verified")


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=1).result
    failed = len(result.failures) + len(result.errors)
    print("SUITE naf-sim passed=%d failed=%d" % (result.testsRun - failed - len(result.skipped), failed))
    sys.exit(1 if failed else 0)
