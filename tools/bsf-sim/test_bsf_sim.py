#!/usr/bin/python3
"""Self-test of the BSF simulator: MILENAGE (TS 35.207 sets 1-6), the GBA KDF, AUTN / MAC*, AUTS, and the Ub
reference point against a live `bsf-sim.py serve` with a pure-Python client that checks AUTN like a card would.

Run: /usr/bin/python3 tools/bsf-sim/test_bsf_sim.py   (one line per check; ends with "SUITE bsf-sim passed=N failed=M")
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)

import bsf_server  # noqa: E402
import gba  # noqa: E402
import milenage  # noqa: E402

CLI = os.path.join(HERE, "bsf-sim.py")
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
IMPI = bsf_server.DEFAULT_IMPI
KS1 = bytes.fromhex("b40ba9a3c58b2a05bbf0d987b21bf8cbf769bcd751044604127672711c6d3441")
RAND1 = bytes.fromhex("23553cbe9637a89d218ae64dae47bf35")
KS_EXT_1 = "79d8098e4b9ef12c858a0da3471f6b2d29b4cbb549500dcb3c88154562de340d"
KS_INT_1 = "5ecf80629e0becb2def8d9b3cb80ae3f99ab18f9c50f49fd5da0e6cfb6d0ee5f"
H = bytes.fromhex


def cli(*args):
    return subprocess.run([PY, CLI] + [str(a) for a in args], capture_output=True, text=True, timeout=20)


# --- a card, written here from the spec, independent of gba.check_autn ------------------------------------------

class Card:
    """USIM-like AKA: verify MAC (MAC* for GBA_U) and SQN freshness (SQN > highest accepted), answer RES or AUTS."""

    def __init__(self, k, opc, sqn_ms=0, gba_u=True):
        self.k, self.opc, self.sqn_ms, self.gba_u = k, opc, sqn_ms, gba_u

    def run(self, rand, autn):
        m = milenage.Milenage(self.k, self.opc, rand)
        ak = m.f5()
        sqn = bytes(a ^ b for a, b in zip(autn[:6], ak))
        mac = m.f1(sqn, autn[6:8])
        ik = m.f4()
        if self.gba_u:
            mask = hashlib.sha1(ik).digest()[:8]
            mac = bytes(a ^ b for a, b in zip(mac, mask))
        if mac != autn[8:]:
            return "mac-failure", None
        s = int.from_bytes(sqn, "big")
        if s <= self.sqn_ms:
            sq = self.sqn_ms.to_bytes(6, "big")
            akstar = m.f5star()
            return "sync", bytes(a ^ b for a, b in zip(sq, akstar)) + m.f1star(sq, b"\0\0")
        self.sqn_ms = s
        self.last = {"sqn": s, "res": m.f2(), "ck": m.f3(), "ik": ik}
        return "ok", m.f2()


def md5(b):
    return hashlib.md5(b).hexdigest()


def client_response(user, realm, password, method, uri, nonce, nc, cnonce, body=b""):
    """RFC 2617 qop=auth-int request-digest, written out again here."""
    ha1 = md5(user.encode() + b":" + realm.encode() + b":" + password)
    ha2 = md5(method.encode() + b":" + uri.encode() + b":" + md5(body).encode())
    return md5(("%s:%s:%s:%s:auth-int:%s" % (ha1, nonce, nc, cnonce, ha2)).encode())


WWW_RE = re.compile(r'Digest realm="([^"]+)", nonce="([A-Za-z0-9+/=]+)", algorithm=AKAv1-MD5, qop="auth-int", '
                    r'opaque="([0-9a-f]{32})"')
AINFO_RE = re.compile(r'qop=auth-int, rspauth="([0-9a-f]{32})", cnonce="([^"]*)", nc=([0-9a-fA-F]{8})')
XML_RE = re.compile(r'<\?xml version="1.0" encoding="UTF-8"\?>\n<BootstrappingInfo xmlns="uri:3gpp-gba">'
                    r'<btid>([A-Za-z0-9+/=]+@[^<]+)</btid><lifetime>(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)</lifetime>'
                    r'</BootstrappingInfo>')


class UbClient:
    def __init__(self, port, impi, realm="bsf.example.org"):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        self.impi, self.realm = impi, realm

    def close(self):
        self.c.close()

    def get(self, auth=None, path="/"):
        h = {"Host": "bsf.example.org", "User-Agent": "bsf-sim test; 3gpp-gba"}
        if auth is not None:
            h["Authorization"] = auth
        self.c.request("GET", path, headers=h)
        r = self.c.getresponse()
        return r.status, r, r.read()

    def first(self):
        return self.get('Digest username="%s", realm="%s", nonce="", uri="/", response=""' % (self.impi, self.realm))

    @staticmethod
    def challenge(r):
        m = WWW_RE.fullmatch(r.getheader("WWW-Authenticate") or "")
        assert m, r.getheader("WWW-Authenticate")
        raw = base64.b64decode(m.group(2), validate=True)
        return {"realm": m.group(1), "nonce": m.group(2), "opaque": m.group(3), "rand": raw[:16], "autn": raw[16:32],
                "raw": raw}

    def answer(self, ch, password, cnonce="0a4f113b", nc="00000001", auts=None, response=None):
        resp = response or client_response(self.impi, ch["realm"], password, "GET", "/", ch["nonce"], nc, cnonce)
        a = ('Digest username="%s", realm="%s", nonce="%s", uri="/", qop=auth-int, nc=%s, cnonce="%s", '
             'response="%s", opaque="%s", algorithm=AKAv1-MD5' % (self.impi, ch["realm"], ch["nonce"], nc, cnonce,
                                                                  resp, ch["opaque"]))
        if auts is not None:
            a += ', auts="%s"' % base64.b64encode(auts).decode()
        return self.get(a)


# --- pure computations --------------------------------------------------------------------------------------------

class Milenage(unittest.TestCase):
    def check_set(self, i):
        v = {k: H(x) for k, x in zip(milenage.TEST_SET_FIELDS, milenage.TEST_SETS[i])}
        self.assertEqual(milenage.opc(v["k"], v["op"]), v["opc"])
        m = milenage.Milenage(v["k"], v["opc"], v["rand"])
        got = {"f1": m.f1(v["sqn"], v["amf"]), "f1star": m.f1star(v["sqn"], v["amf"]), "f2": m.f2(), "f3": m.f3(),
               "f4": m.f4(), "f5": m.f5(), "f5star": m.f5star()}
        for name, val in got.items():
            self.assertEqual(val.hex(), v[name].hex(), "set %d %s" % (i + 1, name))

    def test_rotation_and_constants(self):
        x = bytes(range(16))
        self.assertEqual(milenage.rot(x, 0), x)
        self.assertEqual(milenage.rot(x, 32), x[4:] + x[:4])
        self.assertEqual([c[-1] for c in milenage.C], [0, 1, 2, 4, 8])
        with self.assertRaises(milenage.MilenageError):
            milenage.Milenage(bytes(16), bytes(16)).f2()  # no RAND

    def test_default_subscriber_opc(self):
        self.assertEqual(milenage.opc(H(bsf_server.DEFAULT_K), H(bsf_server.DEFAULT_OP)).hex(),
                         "69d5c2eb2e2e624750541d3bbc692ba5")


for _i in range(len(milenage.TEST_SETS)):
    setattr(Milenage, "test_ts35207_set_%d" % (_i + 1), lambda self, i=_i: self.check_set(i))


class Kdf(unittest.TestCase):
    def test_fixed_vectors_gba_md_4_2(self):
        nafid = gba.naf_id("bmsc.example.org", H("0100000001"))
        self.assertEqual(nafid.hex(), "626d73632e6578616d706c652e6f72670100000001")
        self.assertEqual(gba.ks_naf(KS1, RAND1, IMPI, nafid, gba.LABEL_ME).hex(), KS_EXT_1)
        self.assertEqual(gba.ks_naf(KS1, RAND1, IMPI, nafid, gba.LABEL_U).hex(), KS_INT_1)

    def test_s_layout_against_hand_built(self):
        impi = "x" * 300  # L2 > 255: both length bytes matter
        nafid = gba.naf_id("naf.example.org", H("0100000002"))
        s = (b"\x01" + b"gba-u" + b"\x00\x05" + RAND1 + b"\x00\x10" + impi.encode() + b"\x01\x2c" + nafid +
             bytes([0, len(nafid)]))
        self.assertEqual(gba.ks_naf(KS1, RAND1, impi, nafid, gba.LABEL_U), hmac.new(KS1, s, hashlib.sha256).digest())

    def test_cli_kdf(self):
        r = cli("kdf", "--ks", KS1.hex(), "--rand", RAND1.hex(), "--impi", IMPI, "--naf", "bmsc.example.org",
                "--ua", "0100000001", "--label", "gba-me", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["key"], KS_EXT_1)

    def test_btid(self):
        self.assertEqual(gba.btid(RAND1, "bsf.example.org"), "I1U8vpY3qJ0hiuZNrke/NQ==@bsf.example.org")


class Aka(unittest.TestCase):
    V1 = {k: H(x) for k, x in zip(milenage.TEST_SET_FIELDS, milenage.TEST_SETS[0])}

    def test_autn_gba_u_mac_star_round_trip(self):
        v = self.V1
        av = gba.vector(v["k"], v["opc"], v["sqn"], v["amf"], v["rand"])
        self.assertEqual(av["mac"], v["f1"])
        self.assertEqual(av["mac_star"], bytes(a ^ b for a, b in zip(v["f1"], hashlib.sha1(v["f4"]).digest()[:8])))
        self.assertEqual(av["autn"][:6], bytes(a ^ b for a, b in zip(v["sqn"], v["f5"])))
        self.assertEqual(av["autn"].hex(), "55f328b43577b9b98c7f3f0d723fb244")
        self.assertEqual((av["res"], av["ks"]), (v["f2"], v["f3"] + v["f4"]))
        self.assertEqual(base64.b64decode(av["nonce"]), v["rand"] + av["autn"])
        got = gba.check_autn(v["k"], v["opc"], v["rand"], av["autn"])
        self.assertEqual((got["sqn"], got["res"]), (int.from_bytes(v["sqn"], "big"), v["f2"]))
        self.assertEqual(Card(v["k"], v["opc"]).run(v["rand"], av["autn"]), ("ok", v["f2"]))

    def test_autn_gba_me_plain_mac_and_mismatches(self):
        v = self.V1
        me = gba.vector(v["k"], v["opc"], v["sqn"], v["amf"], v["rand"], gba_u=False)
        self.assertEqual(me["autn"][8:], v["f1"])
        gba.check_autn(v["k"], v["opc"], v["rand"], me["autn"], gba_u=False)
        with self.assertRaises(gba.GbaError):
            gba.check_autn(v["k"], v["opc"], v["rand"], me["autn"], gba_u=True)
        u = gba.vector(v["k"], v["opc"], v["sqn"], v["amf"], v["rand"])["autn"]
        for i in (0, 6, 15):
            bad = bytearray(u)
            bad[i] ^= 0x01
            with self.assertRaises(gba.GbaError):
                gba.check_autn(v["k"], v["opc"], v["rand"], bytes(bad))

    def test_auts_round_trip_and_bad(self):
        v = self.V1
        for sqn_ms in (0, 0x20, 0xFFFFFFFFFFE0, int.from_bytes(v["sqn"], "big")):
            auts = gba.make_auts(v["k"], v["opc"], v["rand"], sqn_ms)
            self.assertEqual(len(auts), 14)
            self.assertEqual(gba.check_auts(v["k"], v["opc"], v["rand"], auts), sqn_ms)
        auts = gba.make_auts(v["k"], v["opc"], v["rand"], v["sqn"])
        self.assertEqual(auts[:6], bytes(a ^ b for a, b in zip(v["sqn"], v["f5star"])))
        for i in (0, 5, 6, 13):
            bad = bytearray(auts)
            bad[i] ^= 0x80
            with self.assertRaises(gba.GbaError):
                gba.check_auts(v["k"], v["opc"], v["rand"], bytes(bad))
        with self.assertRaises(gba.GbaError):
            gba.check_auts(v["k"], v["opc"], bytes(16), auts)  # another RAND

    def test_cli_vector_and_auts(self):
        v = self.V1
        r = cli("vector", "--k", v["k"].hex(), "--op", v["op"].hex(), "--sqn", v["sqn"].hex(), "--amf",
                v["amf"].hex(), "--rand", v["rand"].hex(), "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        self.assertEqual((j["opc"], j["res"], j["ak"], j["mac"]), (v["opc"].hex(), v["f2"].hex(), v["f5"].hex(),
                                                                   v["f1"].hex()))
        r = cli("auts", "--k", v["k"].hex(), "--opc", v["opc"].hex(), "--rand", v["rand"].hex(), "--sqn-ms",
                "000000001020", "--json")
        auts = json.loads(r.stdout)["auts"]
        r = cli("auts", "--k", v["k"].hex(), "--opc", v["opc"].hex(), "--rand", v["rand"].hex(), "--check", auts,
                "--json")
        self.assertEqual((r.returncode, json.loads(r.stdout)["sqn_ms"]), (0, "000000001020"))
        bad = auts[:-1] + ("0" if auts[-1] != "0" else "1")
        r = cli("auts", "--k", v["k"].hex(), "--opc", v["opc"].hex(), "--rand", v["rand"].hex(), "--check", bad)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(cli("vector", "--k", "00").returncode, 2)

    def test_sqn_scheme(self):
        self.assertEqual(gba.sqn_next(0x20), 0x40)
        self.assertEqual(gba.sqn_next(0x3F), 0x40)  # IND 31 -> SEQ+1, fixed IND 0
        self.assertEqual(gba.sqn_next(0x21, ind_cycle=True), 0x42)
        self.assertEqual(gba.sqn_next(0x3F, ind_cycle=True), 0x40)
        self.assertEqual(gba.sqn_next(0x20, fixed_ind=7), 0x47)

    def test_digest_parser(self):
        p = gba.parse_digest('Digest username="a\\"b", realm="r,1", nonce="", qop=auth-int, nc=00000001')
        self.assertEqual(p, {"username": 'a"b', "realm": "r,1", "nonce": "", "qop": "auth-int", "nc": "00000001"})
        for bad in ('Basic abc', 'Digest username="x', 'Digest a=1, a=2', 'Digest =1', 'Digest a="1" b=2'):
            with self.assertRaises(gba.GbaError, msg=bad):
                gba.parse_digest(bad)
        self.assertEqual(gba.digest_response("u", "r", b"", "GET", "/", "n", "00000001", "c", "auth-int"),
                         client_response("u", "r", b"", "GET", "/", "n", "00000001", "c"))


# --- the live server ------------------------------------------------------------------------------------------

class Serve:
    def __init__(self, d, *extra):
        self.dir = d
        self.pf, self.pidf, self.logf = (os.path.join(d, n) for n in ("port", "pid", "bsf.jsonl"))
        self.p = subprocess.Popen([PY, CLI, "serve", d, "--port", "0", "--port-file", self.pf, "--pid-file",
                                   self.pidf, "--log", self.logf, "--lifetime-s", "600"] + list(extra),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(200):
            if os.path.exists(self.pf) or self.p.poll() is not None:
                break
            time.sleep(0.025)
        with open(self.pf) as f:
            self.port = int(f.read())

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        rc = self.p.wait(timeout=10)
        self.p.stdout.close()
        self.p.stderr.close()
        return rc

    def log(self):
        with open(self.logf) as f:
            return [json.loads(line) for line in f]


def subscriber(d, impi):
    with open(os.path.join(d, "subscribers.json")) as f:
        return json.load(f)["subscribers"][impi]


def add_sub(d, impi, sqn="000000000020"):
    r = cli("add-subscriber", d, "--impi", impi, "--k", bsf_server.DEFAULT_K, "--op", bsf_server.DEFAULT_OP,
            "--sqn", sqn, "--amf", "8000")
    assert r.returncode == 0, r.stderr
    s = subscriber(d, impi)
    return Card(H(s["k"]), H(s["opc"]))


class Ub(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = tempfile.mkdtemp(prefix="bsf-sim-test.")
        r = cli("init", cls.d)
        assert r.returncode == 0, r.stderr
        cls.srv = Serve(cls.d)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        shutil.rmtree(cls.d, ignore_errors=True)

    def client(self, impi=IMPI):
        c = UbClient(self.srv.port, impi)
        self.addCleanup(c.close)
        return c

    def test_a_full_bootstrap_default_subscriber(self):
        s = subscriber(self.d, IMPI)
        self.assertEqual(s["opc"], "69d5c2eb2e2e624750541d3bbc692ba5")
        card = Card(H(s["k"]), H(s["opc"]))
        c = self.client()
        st, r, body = c.first()
        self.assertEqual(st, 401)
        ch = c.challenge(r)
        self.assertEqual((ch["realm"], len(ch["raw"])), ("bsf.example.org", 32))
        res = card.run(ch["rand"], ch["autn"])
        self.assertEqual(res[0], "ok")
        self.assertEqual(card.sqn_ms, 0x40)  # init: SQN 0x20 = SEQ 1 -> first challenge SEQ 2, IND 0
        self.assertEqual(subscriber(self.d, IMPI)["sqn"], "000000000040")  # persisted
        st, r, body = c.answer(ch, res[1], cnonce="6629fae49393a05397450978507c4ef1")
        self.assertEqual(st, 200, body)
        self.assertEqual(r.getheader("Content-Type"), "application/vnd.3gpp.bsf+xml")
        m = XML_RE.fullmatch(body.decode())
        self.assertTrue(m, body)
        btid = m.group(1)
        self.assertEqual(btid, base64.b64encode(ch["rand"]).decode() + "@bsf.example.org")
        a = AINFO_RE.fullmatch(r.getheader("Authentication-Info") or "")
        self.assertTrue(a, r.getheader("Authentication-Info"))
        self.assertEqual(a.group(2, 3), ("6629fae49393a05397450978507c4ef1", "00000001"))
        want = md5(md5(IMPI.encode() + b":bsf.example.org:" + res[1]).encode() + (
            ":%s:00000001:6629fae49393a05397450978507c4ef1:auth-int:" % ch["nonce"]).encode() +
            md5((":/:" + md5(body)).encode()).encode())
        self.assertEqual(a.group(1), want)  # rspauth: HA2 = MD5(":" uri ":" MD5(body))
        with open(os.path.join(self.d, "bootstraps.json")) as f:
            b = json.load(f)[btid]
        ks = card.last["ck"] + card.last["ik"]
        self.assertEqual((b["impi"], b["rand"], b["ks"], b["lifetime"], b["gba_type"]),
                         (IMPI, ch["rand"].hex(), ks.hex(), m.group(2), "GBA_U"))
        # /zn answers what the card would derive, and what `kdf` and `naf-key` print
        nafid = gba.naf_id("bmsc.example.org")
        c.c.request("GET", "/zn?btid=%s&naf_id_hex=%s" % (btid.replace("+", "%2B").replace("/", "%2F")
                                                          .replace("=", "%3D").replace("@", "%40"), nafid.hex()))
        zr = c.c.getresponse()
        z = json.loads(zr.read())
        self.assertEqual(zr.status, 200)
        c.c.request("GET", "/zn?naf_id_hex=%s&btid=%s" % (nafid.hex(), btid))  # unencoded: "+" is literal
        zr = c.c.getresponse()
        self.assertEqual((zr.status, json.loads(zr.read())), (200, z))
        self.assertEqual(z["ks_ext_naf"], gba.ks_naf(ks, ch["rand"], IMPI, nafid, gba.LABEL_ME).hex())
        self.assertEqual(z["ks_int_naf"], gba.ks_naf(ks, ch["rand"], IMPI, nafid, gba.LABEL_U).hex())
        self.assertEqual((z["impi"], z["lifetime"], z["btid"]), (IMPI, m.group(2), btid))
        for label, key in (("gba-me", "ks_ext_naf"), ("gba-u", "ks_int_naf")):
            r2 = cli("kdf", "--ks", ks.hex(), "--rand", ch["rand"].hex(), "--impi", IMPI, "--naf",
                     "bmsc.example.org", "--ua", "0100000001", "--label", label, "--json")
            self.assertEqual(json.loads(r2.stdout)["key"], z[key])
        r2 = cli("naf-key", self.d, "--btid", btid, "--naf", "bmsc.example.org", "--ua", "0100000001", "--json")
        self.assertEqual(r2.returncode, 0, r2.stderr)
        self.assertEqual(json.loads(r2.stdout)["ks_int_naf"], z["ks_int_naf"])
        self.assertEqual(cli("naf-key", self.d, "--btid", "nope@bsf.example.org", "--naf", "x.org").returncode, 1)
        # replaying the spent nonce gets a fresh challenge, not a second bootstrap
        st, r, _ = c.answer(ch, res[1])
        self.assertEqual(st, 401)
        self.assertNotEqual(c.challenge(r)["nonce"], ch["nonce"])
        kinds = [(x["kind"], x["status"]) for x in self.srv.log() if x.get("impi") == IMPI]
        self.assertEqual(kinds[:5], [("challenge", 401), ("bootstrapped", 200), ("zn", 200), ("zn", 200),
                                     ("stale-nonce", 401)])

    def test_wrong_response_then_success(self):
        impi = "wrong@ims.example.org"
        card = add_sub(self.d, impi)
        c = self.client(impi)
        ch = c.challenge(c.first()[1])
        res = card.run(ch["rand"], ch["autn"])[1]
        st, r, _ = c.answer(ch, bytes(8))  # wrong password
        self.assertEqual(st, 401)
        ch2 = c.challenge(r)
        self.assertNotEqual(ch2["nonce"], ch["nonce"])
        st, r, _ = c.answer(ch2, res)  # the old RES does not answer the new challenge
        self.assertEqual(st, 401)
        ch3 = c.challenge(r)
        st, _, _ = c.answer(ch3, card.run(ch3["rand"], ch3["autn"])[1])
        self.assertEqual(st, 200)
        recs = [x for x in self.srv.log() if x.get("impi") == impi]
        self.assertEqual([x["kind"] for x in recs], ["challenge", "wrong-response", "wrong-response", "bootstrapped"])
        self.assertEqual([x.get("failures") for x in recs[1:3]], [1, 2])
        self.assertEqual([int(x["sqn"], 16) for x in recs[:3]], [0x40, 0x60, 0x80])  # SEQ + 1 per vector

    def test_sync_failure_resync_success(self):
        impi = "resync@ims.example.org"
        card = add_sub(self.d, impi)
        card.sqn_ms = 0x1000  # the card has seen more than the BSF thinks
        c = self.client(impi)
        ch = c.challenge(c.first()[1])
        kind, auts = card.run(ch["rand"], ch["autn"])
        self.assertEqual(kind, "sync")
        st, r, _ = c.answer(ch, b"", auts=auts)  # RFC 3310 §3.4: empty password
        self.assertEqual(st, 401)
        ch2 = c.challenge(r)
        kind, res = card.run(ch2["rand"], ch2["autn"])
        self.assertEqual(kind, "ok")
        self.assertEqual(card.sqn_ms, 0x1020)  # SQN_MS honoured: SEQ_MS + 1
        st, _, _ = c.answer(ch2, res)
        self.assertEqual(st, 200)
        self.assertEqual(subscriber(self.d, impi)["sqn"], "000000001020")
        recs = [x for x in self.srv.log() if x.get("impi") == impi]
        self.assertEqual([x["kind"] for x in recs], ["challenge", "resync", "bootstrapped"])
        self.assertEqual(recs[1]["sqn_ms"], "000000001000")

    def test_bad_auts_and_auts_with_res_password(self):
        impi = "badauts@ims.example.org"
        card = add_sub(self.d, impi)
        card.sqn_ms = 0x5000
        c = self.client(impi)
        ch = c.challenge(c.first()[1])
        _, auts = card.run(ch["rand"], ch["autn"])
        bad = bytes([auts[0]]) + auts[1:13] + bytes([auts[13] ^ 1])
        st, r, _ = c.answer(ch, b"", auts=bad)
        self.assertEqual(st, 401)
        self.assertEqual(subscriber(self.d, impi)["sqn"], "000000000060")  # no resync: next SEQ only
        ch2 = c.challenge(r)
        _, auts = card.run(ch2["rand"], ch2["autn"])
        st, r, _ = c.answer(ch2, b"not-empty", auts=auts)  # response not made with the empty password
        self.assertEqual(st, 401)
        self.assertEqual(subscriber(self.d, impi)["sqn"], "000000000080")
        kinds = [x["kind"] for x in self.srv.log() if x.get("impi") == impi]
        self.assertEqual(kinds, ["challenge", "bad-auts", "wrong-response-auts"])

    def test_unknown_impi_no_auth_and_bad_requests(self):
        c = self.client("nobody@ims.example.org")
        st, r, body = c.first()
        self.assertEqual((st, r.getheader("WWW-Authenticate")), (403, None))
        st, r, body = c.get(None)
        self.assertEqual((st, r.getheader("WWW-Authenticate")), (401, None))
        self.assertIn(b"username=", body)
        self.assertEqual(c.get("Basic Zm9vOmJhcg==")[0], 400)
        c2 = self.client(IMPI)
        ch = c2.challenge(c2.first()[1])
        st, _, body = c2.get('Digest username="%s", realm="bsf.example.org", nonce="%s", uri="/"'
                             % (IMPI, ch["nonce"]))
        self.assertEqual(st, 400)
        self.assertIn(b"lacks", body)
        c2.c.request("GET", "/zn?btid=unknown@bsf.example.org&naf_id_hex=626d73630100000001")
        r = c2.c.getresponse()
        self.assertEqual((r.status, json.loads(r.read())["error"]), (404, "unknown B-TID"))


class Process(unittest.TestCase):
    def test_gba_me_mode_and_sigterm(self):
        d = tempfile.mkdtemp(prefix="bsf-sim-test-me.")
        self.addCleanup(shutil.rmtree, d, True)
        self.assertEqual(cli("init", d).returncode, 0)
        self.assertEqual(cli("init", d).returncode, 1)  # refuses to overwrite SQN state
        srv = Serve(d, "--gba-me")
        try:
            with open(srv.pidf) as f:
                self.assertEqual(int(f.read()), srv.p.pid)
            s = subscriber(d, IMPI)
            card = Card(H(s["k"]), H(s["opc"]), gba_u=False)
            c = UbClient(srv.port, IMPI)
            ch = c.challenge(c.first()[1])
            self.assertEqual(Card(H(s["k"]), H(s["opc"])).run(ch["rand"], ch["autn"])[0], "mac-failure")
            kind, res = card.run(ch["rand"], ch["autn"])
            self.assertEqual(kind, "ok")
            st, _, body = c.answer(ch, res)
            self.assertEqual(st, 200)
            btid = XML_RE.fullmatch(body.decode()).group(1)
            r = cli("naf-key", d, "--btid", btid, "--naf", "bmsc.example.org", "--json")
            j = json.loads(r.stdout)
            self.assertEqual((j["gba_type"], j["ks_int_naf"]), ("GBA_ME", None))
            c.close()
        finally:
            self.assertEqual(srv.stop(), 0)
        self.assertFalse(os.path.exists(srv.pf) or os.path.exists(srv.pidf))
        self.assertEqual([x["kind"] for x in srv.log()], ["challenge", "bootstrapped"])


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print("SUITE bsf-sim passed=%d failed=%d" % (result.testsRun - failed - len(result.skipped), failed))
    sys.exit(1 if failed else 0)
