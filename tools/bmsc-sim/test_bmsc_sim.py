#!/usr/bin/python3
"""Self-test of the BM-SC simulator: PRF known answers (and an independent PRF), LTKM/STKM/trigger round trips
through an independent parse path written here, tampering, the verification message, the WAP push bytes, the CLI,
and the HTTP Digest interface of a live `serve` (port 0) with a Digest client written here, UDP pushes included.

Run: /usr/bin/python3 tools/bmsc-sim/test_bmsc_sim.py
     (one line per check on stderr; ends with "SUITE bmsc-sim passed=N failed=M")
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import bmsc_state  # noqa: E402
import mikey_codec as mc  # noqa: E402
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402

PY = "/usr/bin/python3"
CLI = os.path.join(HERE, "bmsc-sim.py")
BSF_CLI = os.path.join(os.path.dirname(HERE), "bsf-sim", "bsf-sim.py")
H = bytes.fromhex

# TS 35.208 set 1 as a bootstrap, and the values mbms-facts.md §4.3 gives for it (self-computed by the guide author)
BTID = "I1U8vpY3qJ0hiuZNrke/NQ==@bsf.example.org"
IMPI = "001010000000001@ims.mnc001.mcc001.3gppnetwork.org"
RAND1 = "23553cbe9637a89d218ae64dae47bf35"
KS1 = "b40ba9a3c58b2a05bbf0d987b21bf8cb" + "f769bcd751044604127672711c6d3441"
KS_INT_NAF = H("5ecf80629e0becb2def8d9b3cb80ae3f99ab18f9c50f49fd5da0e6cfb6d0ee5f")
KS_EXT_NAF = H("79d8098e4b9ef12c858a0da3471f6b2d29b4cbb549500dcb3c88154562de340d")
MRK_B64 = "edgJjkue8SyFig2jRx9rLSm0y7VJUA3LPIgVRWLeNA0="
FQDN = "bmsc.example.org"

T = None  # temp root
BSF = DIR = None


def write_bootstrap(bsf_dir, btid, impi, rand_hex, ks_hex, expires=4070908800, gba_type="GBA_U"):
    """A bootstraps.json record in bsf-sim's format (bsf_server.Bsf.record_bootstrap)."""
    p = os.path.join(bsf_dir, "bootstraps.json")
    with open(p) as f:
        b = json.load(f)
    b[btid] = {"impi": impi, "rand": rand_hex, "ks": ks_hex, "lifetime": "2099-01-01T00:00:00Z",
               "expires": expires, "created": "2026-01-01T00:00:00Z", "gba_type": gba_type, "sqn": "000000000040"}
    with open(p, "w") as f:
        json.dump(b, f)


def load_json(p):
    with open(p) as f:
        return json.load(f)


def cli(*args):
    return subprocess.run([PY, "-B", CLI] + list(args), capture_output=True, text=True, timeout=30)


def setUpModule():
    global T, BSF, DIR
    T = tempfile.mkdtemp(prefix="bmsc-sim-test.")
    BSF, DIR = os.path.join(T, "bsf"), os.path.join(T, "bmsc")
    r = subprocess.run([PY, "-B", BSF_CLI, "init", BSF], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    write_bootstrap(BSF, BTID, IMPI, RAND1, KS1)
    write_bootstrap(BSF, "expired@bsf.example.org", IMPI, RAND1, KS1, expires=1000)
    r = cli("init", DIR, "--bsf", BSF)
    assert r.returncode == 0, r.stderr


def tearDownModule():
    shutil.rmtree(T, ignore_errors=True)


# --- an independent implementation of the pieces, written for the test only ------------------------------------

def ind_prf(inkey, label_, n):
    """RFC 3830 §4.1.2 written plainly: chunks of 32 bytes, A_i chain, outputs XORed."""
    chunks = [inkey[i:i + 32] for i in range(0, len(inkey), 32)]
    blocks = -(-n // 20)
    result = bytearray(blocks * 20)
    for s in chunks:
        a, stream = label_, b""
        for _ in range(blocks):
            a = hmac.new(s, a, "sha1").digest()
            stream += hmac.new(s, a + label_, "sha1").digest()
        for i in range(len(result)):
            result[i] ^= stream[i]
    return bytes(result[:n])


def ind_keys(inkey, csb, rand):
    lab = lambda c: H(c) + b"\xff" + csb + rand  # noqa: E731
    return ind_prf(inkey, lab("150533e1"), 16), ind_prf(inkey, lab("2d22ac75"), 20), ind_prf(inkey, lab("29b88916"), 14)


def ind_aes_cm(key, salt, csb, counter, data):
    """Counter blocks computed by hand, each encrypted with AES-ECB."""
    iv = int.from_bytes(salt + b"\0\0", "big") ^ int.from_bytes(b"\0\0" + csb + bytes(4) + counter + b"\0\0", "big")
    ecb = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    out = b""
    for i in range(0, len(data), 16):
        ks = ecb.update(((iv + i // 16) % (1 << 128)).to_bytes(16, "big"))
        out += bytes(x ^ y for x, y in zip(data[i:i + 16], ks))
    return out


def ind_open_ltkm(msg, muk):
    """Walk an LTKM of the layout HDR | EXT(3) [| EXT(5)] | T | RAND | IDi | IDr | [SP] | KEMAC by offsets."""
    f = {}
    assert msg[0:2] == b"\x01\x00" and msg[8:10] == b"\x00\x01"
    f["v"], f["csb"] = bool(msg[3] & 0x80), msg[4:8]
    p, nxt = 10, msg[2]
    while nxt != 0:
        t, nxt = nxt, msg[p]
        if t == 21:
            et, ln = msg[p + 1], int.from_bytes(msg[p + 2:p + 4], "big")
            data = msg[p + 4:p + 4 + ln]
            if et == 3:
                i = 0
                while i < ln:
                    kl = int.from_bytes(data[i + 1:i + 3], "big")
                    f[{0: "kd", 1: "msk_id", 2: "mtk_id"}[data[i]]] = data[i + 3:i + 3 + kl]
                    i += 3 + kl
            else:
                f["ext%d" % et] = data
            p += 4 + ln
        elif t == 5:
            assert msg[p + 1] == 2
            f["counter"] = msg[p + 2:p + 6]
            p += 6
        elif t == 11:
            f["rand"] = msg[p + 2:p + 2 + msg[p + 1]]
            p += 2 + msg[p + 1]
        elif t == 6:
            ln = int.from_bytes(msg[p + 2:p + 4], "big")
            f.setdefault("ids", []).append((msg[p + 1], msg[p + 4:p + 4 + ln]))
            p += 4 + ln
        elif t == 10:
            p += 5 + int.from_bytes(msg[p + 3:p + 5], "big")
        elif t == 1:
            assert msg[p + 1] == 1
            ln = int.from_bytes(msg[p + 2:p + 4], "big")
            f["encr"] = msg[p + 4:p + 4 + ln]
            assert msg[p + 4 + ln] == 1
            f["mac"] = msg[p + 5 + ln:p + 25 + ln]
            assert p + 25 + ln == len(msg), "KEMAC must end the message"
            f["mac_end"] = p + 5 + ln
            p += 25 + ln
        else:
            raise AssertionError("payload %d" % t)
    ek, ak, sk = ind_keys(muk, f["csb"], f.get("rand", b""))
    f["mac_ok"] = hmac.compare_digest(hmac.new(ak, msg[:f["mac_end"]], "sha1").digest(), f["mac"])
    f["plain"] = ind_aes_cm(ek, sk, f["csb"], f["counter"], f["encr"])
    f["auth_key"] = ak
    return f


def ind_keydata(pt):
    t, kv = pt[1] >> 4, pt[1] & 15
    kl = int.from_bytes(pt[2:4], "big")
    d = {"type": t, "kv": kv, "key": pt[4:4 + kl]}
    p = 4 + kl
    if t in (1, 3):
        sl = int.from_bytes(pt[p:p + 2], "big")
        d["salt"] = pt[p + 2:p + 2 + sl]
        p += 2 + sl
    if kv == 2:
        d["vf"] = pt[p + 1:p + 1 + pt[p]]
        p += 1 + pt[p]
        d["vt"] = pt[p + 1:p + 1 + pt[p]]
        p += 1 + pt[p]
    d["rest"] = pt[p:]
    return d


# --- tests ------------------------------------------------------------------------------------------------------

class Prf(unittest.TestCase):
    def test_known_answers_mbms_facts(self):
        k = mc.derive_keys(KS_INT_NAF, 0x11223344, bytes(range(16)))
        self.assertEqual(k["encr"].hex(), "db0d378ceb807c45ab2294be3371521f")
        self.assertEqual(k["auth"].hex(), "67afb270ac46c443e2f59f74741794b55214e5ba")
        self.assertEqual(k["salt"].hex(), "9fa3a1ea872c58de88f16de5210b")

    def test_independent_prf_agrees(self):
        csb, rand = H("11223344"), bytes(range(16))
        e, a, s = ind_keys(KS_INT_NAF, csb, rand)
        k = mc.derive_keys(KS_INT_NAF, csb, rand)
        self.assertEqual((k["encr"], k["auth"], k["salt"]), (e, a, s))
        for inkey in (os.urandom(16), os.urandom(32), os.urandom(40), os.urandom(64), os.urandom(97)):
            for n in (14, 16, 20, 21, 40, 41):
                self.assertEqual(mc.prf(inkey, b"label" + inkey[:3], n), ind_prf(inkey, b"label" + inkey[:3], n))

    def test_label_layout(self):
        self.assertEqual(mc.label(mc.C_ENCR, H("11223344"), H("aabb")).hex(), "150533e1ff11223344aabb")
        self.assertEqual(mc.label(mc.C_SALT, 1).hex(), "29b88916ff00000001")

    def test_aes_cm_iv_and_counter_carry(self):
        iv = mc.aes_cm_iv(bytes(14), H("01020304"), 0x0A0B0C0D)
        self.assertEqual(iv.hex(), "000001020304000000000a0b0c0d0000")
        key, salt = os.urandom(16), H("ff" * 14)
        data = os.urandom(70)
        self.assertEqual(mc.aes_cm(key, mc.aes_cm_iv(salt, H("00000000"), 0), data),
                         ind_aes_cm(key, salt, bytes(4), bytes(4), data))  # 5 blocks, the last partial


class Keys(unittest.TestCase):
    def test_muk_mrk_from_bootstrap(self):
        k = bmsc_state.bootstrap_keys(bmsc_state.Store(DIR).config(), BTID)
        self.assertEqual((k["muk"], k["mrk"], k["mrk_b64"]), (KS_INT_NAF, KS_EXT_NAF, MRK_B64))
        self.assertEqual(len(k["mrk_b64"]), 44)

    def test_unknown_and_expired_btid(self):
        cfg = bmsc_state.Store(DIR).config()
        for b in ("nobody@bsf.example.org", "expired@bsf.example.org"):
            with self.assertRaises(bmsc_state.UnknownBtid):
                bmsc_state.bootstrap_keys(cfg, b)

    def test_key_domain_bcd(self):
        self.assertEqual(bmsc_state.plmn_key_domain("001", "01").hex(), "00f110")
        self.assertEqual(bmsc_state.Store(DIR).config()["key_domain"], "00f110")


class Ltkm(unittest.TestCase):
    def build(self, **kw):
        args = dict(csb_id=H("11223344"), rand=bytes(range(16)))
        args.update(kw)
        return mc.build_ltkm(KS_INT_NAF, FQDN, BTID, H("00f110"), H("00010002"), H("00112233445566778899aabbccddeeff"),
                             7, **args)

    def test_round_trip_independent(self):
        msg, info = self.build(vf=3, vt=0x1234, v=True)
        f = ind_open_ltkm(msg, KS_INT_NAF)
        self.assertTrue(f["mac_ok"])
        self.assertEqual((f["kd"], f["msk_id"], f["counter"], f["csb"], f["v"]),
                         (H("00f110"), H("00010002"), (7).to_bytes(4, "big"), H("11223344"), True))
        self.assertEqual(f["ids"], [(1, FQDN.encode()), (0, BTID.encode())])
        kd = ind_keydata(f["plain"])
        self.assertEqual((kd["type"], kd["kv"], kd["key"].hex(), kd["vf"], kd["vt"], kd["rest"]),
                         (0, 2, "00112233445566778899aabbccddeeff", H("0003"), H("1234"), b""))
        # exact header and payload chain
        self.assertEqual(msg[:10], bytes([1, 0, 21, 0x80]) + H("11223344") + b"\x00\x01")
        self.assertEqual([p["type"] for p in mc.parse(msg)["payloads"]], [21, 5, 11, 6, 6, 1])

    def test_codec_open_and_no_validity(self):
        msg, _ = self.build(validity=False, bcast_ext=True, sp=mc.sp_payload_body())
        r, keys, pt = mc.open_message(msg, KS_INT_NAF)
        self.assertEqual(r["bcast_subtype"], 1)
        kd = mc.parse_key_data(pt)
        self.assertEqual((kd["type"], kd["kv"], kd["vf"], kd["vt"]), (0, 0, None, None))
        f = ind_open_ltkm(msg, KS_INT_NAF)
        self.assertTrue(f["mac_ok"])
        self.assertEqual(f["ext5"], b"\x01")
        self.assertEqual(mc.classify_ltkm(r), "NORMAL_UPDATE")

    def test_tamper_every_byte(self):
        msg, info = self.build()
        ak = info["keys"]["auth"]
        parsed_ok = 0
        for i in range(len(msg)):
            t = bytearray(msg)
            t[i] ^= 0x01
            t = bytes(t)
            # the MAC (with the original auth key) no longer matches, whichever byte changed
            self.assertNotEqual(hmac.new(ak, t[:-20], "sha1").digest(), t[-20:], "byte %d" % i)
            try:
                mc.parse(t)
            except mc.MikeyError:
                with self.assertRaises(mc.MikeyError):       # a layout error: refused before the MAC
                    mc.open_message(t, KS_INT_NAF)
                continue
            parsed_ok += 1
            with self.assertRaisesRegex(mc.MikeyError, "MAC mismatch|not a pre-shared|need AES-CM", msg="byte %d" % i):
                mc.open_message(t, KS_INT_NAF)
        self.assertGreater(parsed_ok, len(msg) * 3 // 4)
        with self.assertRaises(mc.MikeyError):
            mc.open_message(msg, os.urandom(32))

    def test_verification_message(self):
        msg, info = self.build(v=True)
        ak = info["keys"]["auth"]
        v = mc.build_verification(msg, ak)
        # independent construction per mbms.md §4.5
        r = mc.parse(msg)
        head = H("01010500") + H("11223344") + H("0001") + H("0902") + (7).to_bytes(4, "big") + H("0001")
        raw = msg[r["payloads"][3]["start"]:r["payloads"][5]["start"]] + msg[r["payloads"][1]["start"]:
                                                                              r["payloads"][2]["start"]]
        self.assertEqual(v, head + hmac.new(ak, head + raw, "sha1").digest())
        self.assertEqual(len(v), 38)
        self.assertTrue(mc.verify_verification(v, msg, ak))
        for i in range(len(v)):
            t = bytearray(v)
            t[i] ^= 0x80
            with self.assertRaises(mc.MikeyError):
                mc.verify_verification(bytes(t), msg, ak)
        other, _ = self.build(v=True, rand=bytes(16))
        with self.assertRaises(mc.MikeyError):  # another LTKM (other RAND → other auth key), same counter
            mc.verify_verification(v, other, mc.derive_keys(KS_INT_NAF, H("11223344"), bytes(16))["auth"])


class Stkm(unittest.TestCase):
    def test_round_trip_independent(self):
        msk, mtk, salt = os.urandom(16), os.urandom(16), os.urandom(14)
        msg, info = mc.build_stkm(msk, H("00f110"), H("00010002"), 5, mtk, 9, salt=salt)
        f = ind_open_ltkm(msg, msk)   # same walker; no RAND → empty RAND in the label
        self.assertTrue(f["mac_ok"])
        self.assertNotIn("rand", f)
        self.assertEqual((f["kd"], f["msk_id"], f["mtk_id"]), (H("00f110"), H("00010002"), H("0005")))
        kd = ind_keydata(f["plain"])
        self.assertEqual((kd["type"], kd["kv"], kd["key"], kd["salt"], kd["rest"]), (3, 0, mtk, salt, b""))

    def test_no_salt_no_key_domain(self):
        msk, mtk = os.urandom(16), os.urandom(16)
        msg, _ = mc.build_stkm(msk, None, H("00010002"), 1, mtk, 1)
        r, _, pt = mc.open_message(msg, msk, with_rand=False)
        self.assertNotIn(mc.KID_DOMAIN, r["key_ids"])
        kd = mc.parse_key_data(pt)
        self.assertEqual((kd["type"], kd["key"], kd["salt"]), (2, mtk, None))

    def test_cli_stkm_counters(self):
        r = cli("ltkm", DIR, "--btid", BTID, "--msk-id", "00050001", "--msk", "000102030405060708090a0b0c0d0e0f",
                "--vf", "1", "--vt", "100", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        a = json.loads(cli("stkm", DIR, "--msk-id", "00050001", "--json").stdout)
        b = json.loads(cli("stkm", DIR, "--msk-id", "00050001", "--mtk-id", "9", "--no-salt", "--json").stdout)
        self.assertEqual((a["mtk_id"], a["counter"], b["mtk_id"], b["counter"], b["salt"]), (1, 1, 9, 2, ""))
        msk = H("000102030405060708090a0b0c0d0e0f")
        for j in (a, b):
            f = ind_open_ltkm(H(j["hex"]), msk)
            self.assertTrue(f["mac_ok"])
            kd = ind_keydata(f["plain"])
            self.assertEqual((kd["key"] + kd.get("salt", b"")).hex(), j["card_output"])
        self.assertEqual(cli("stkm", DIR, "--msk-id", "7777aaaa").returncode, 1)


class Trigger(unittest.TestCase):
    def test_fields_and_classification(self):
        for kg, meaning in ((0, "REREGISTER_ALL_SERVICES"), (0x0005, "SOLICITED_PULL")):
            msg, _ = mc.build_trigger(KS_INT_NAF, FQDN, BTID, H("00f110"), kg, 3)
            f = ind_open_ltkm(msg, KS_INT_NAF)
            self.assertTrue(f["mac_ok"])
            self.assertEqual((f["msk_id"], f["encr"], f["v"]), (kg.to_bytes(2, "big") + b"\0\0", b"", False))
            self.assertEqual(mc.classify_ltkm(mc.parse(msg)), meaning)

    def test_cli_trigger_and_near_miss(self):
        r = cli("trigger", DIR, "--btid", BTID, "--key-group", "7", "--json")
        j = json.loads(r.stdout)
        self.assertEqual((j["msk_id"], j["meaning"]), ("00070000", "SOLICITED_PULL"))
        msg, _ = mc.build_ltkm(KS_INT_NAF, FQDN, BTID, H("00f110"), H("00070000"), os.urandom(16), 1)
        self.assertEqual(mc.classify_ltkm(mc.parse(msg)), "NORMAL_UPDATE")  # key present: a normal update


class WapPush(unittest.TestCase):
    def test_bytes(self):
        body = H("0100")
        self.assertEqual(mc.wap_push(body, 0x2A), H("2a0603d2af93") + body)
        self.assertEqual(mc.uintvar(3), b"\x03")
        self.assertEqual(mc.uintvar(200), H("8148"))
        self.assertEqual(mc.uintvar(16384), H("818000"))

    def test_cli(self):
        src, dst = os.path.join(T, "w.in"), os.path.join(T, "w.pdu")
        with open(src, "w") as f:
            f.write("01 00 15\n")     # hex text is accepted
        r = cli("wap-push", src, "--out", dst, "--tid", "5")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(dst, "rb") as f:
            self.assertEqual(f.read(), H("050603d2af93010015"))


class Cli(unittest.TestCase):
    def test_exit_codes(self):
        self.assertEqual(cli("ltkm", DIR, "--btid", BTID).returncode, 2)                  # missing --msk-id
        self.assertEqual(cli("ltkm", DIR, "--btid", BTID, "--msk-id", "0102").returncode, 2)
        self.assertEqual(cli("ltkm", DIR, "--btid", BTID, "--msk-id", "00010001", "--vf", "3").returncode, 2)
        self.assertEqual(cli("ltkm", DIR, "--btid", "x@y", "--msk-id", "00010001").returncode, 1)
        self.assertEqual(cli("ltkm", os.path.join(T, "nope"), "--btid", BTID, "--msk-id", "00010001").returncode, 1)
        self.assertEqual(cli("init", DIR, "--bsf", BSF).returncode, 1)                   # exists, no --force
        self.assertEqual(cli("keys", DIR, "--btid", BTID, "--json").returncode, 0)

    def test_ltkm_counter_and_verify_v(self):
        lf, vf = os.path.join(T, "l.bin"), os.path.join(T, "v.bin")
        a = json.loads(cli("ltkm", DIR, "--btid", BTID, "--msk-id", "00030001", "--v", "--out", lf, "--json").stdout)
        b = json.loads(cli("ltkm", DIR, "--btid", BTID, "--msk-id", "00030001", "--json").stdout)
        self.assertEqual(b["counter"], a["counter"] + 1)
        self.assertEqual(a["msk"], b["msk"])           # the stored key is re-delivered
        with open(lf, "rb") as f:
            msg = f.read()
        self.assertEqual(msg.hex(), a["hex"])
        f_ = ind_open_ltkm(msg, KS_INT_NAF)
        self.assertTrue(f_["mac_ok"] and f_["v"])
        self.assertEqual(ind_keydata(f_["plain"])["key"].hex(), a["msk"])
        v = mc.build_verification(msg, f_["auth_key"])
        for data, rc in ((v, 0), (b"\xdb" + v, 0), (H("5327db") + v, 0), (v.hex().encode(), 0),
                         (v[:-1] + bytes([v[-1] ^ 1]), 1)):
            with open(vf, "wb") as f:
                f.write(data)
            r = cli("verify-v", DIR, "--btid", BTID, "--ltkm", lf, "--v", vf)
            self.assertEqual(r.returncode, rc, r.stdout + r.stderr)
        st = load_json(os.path.join(DIR, "msks.json"))
        self.assertEqual(st["00030001"]["msk"], a["msk"])


# --- live server ------------------------------------------------------------------------------------------------

def md5(b):
    return hashlib.md5(b).hexdigest()


class DigestClient:
    """An HTTP Digest (MD5, qop=auth-int) client written for the test."""

    def __init__(self, port, btid, password):
        self.port, self.btid, self.password = port, btid, password
        self.cnonce_n = 0

    def post(self, path, body, auth=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        h = {"Content-Type": "application/xml"}
        if auth:
            h["Authorization"] = auth
        c.request("POST", path, body=body, headers=h)
        r = c.getresponse()
        out = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        c.close()
        return out

    @staticmethod
    def challenge(hdr):
        m = re.fullmatch(r'Digest realm="([^"]*)", nonce="([^"]*)", qop="auth-int", algorithm=MD5, '
                         r'opaque="([0-9a-f]{32})"(, stale=true)?', hdr)
        assert m, hdr
        return {"realm": m.group(1), "nonce": m.group(2), "opaque": m.group(3), "stale": bool(m.group(4))}

    def authorization(self, ch, path, body, nc=1, password=None, username=None):
        self.cnonce_n += 1
        cnonce = "c%08x" % self.cnonce_n
        ncs = "%08x" % nc
        user = username or self.btid
        ha1 = md5(("%s:%s:%s" % (user, ch["realm"], password or self.password)).encode())
        ha2 = md5(("POST:%s:%s" % (path, md5(body))).encode())
        resp = md5(("%s:%s:%s:%s:auth-int:%s" % (ha1, ch["nonce"], ncs, cnonce, ha2)).encode())
        self.last = (ha1, ch["nonce"], ncs, cnonce, path)
        return ('Digest username="%s", realm="%s", nonce="%s", uri="%s", qop=auth-int, nc=%s, cnonce="%s", '
                'response="%s", opaque="%s", algorithm=MD5' % (user, ch["realm"], ch["nonce"], path, ncs, cnonce,
                                                               resp, ch["opaque"]))

    def rspauth_ok(self, headers, body):
        ha1, nonce, ncs, cnonce, path = self.last
        ha2 = md5((":%s:%s" % (path, md5(body))).encode())
        want = md5(("%s:%s:%s:%s:auth-int:%s" % (ha1, nonce, ncs, cnonce, ha2)).encode())
        return headers.get("authentication-info") == 'qop=auth-int, rspauth="%s", cnonce="%s", nc=%s' % (
            want, cnonce, ncs)

    def request(self, path, body):
        st, h, _ = self.post(path, body)
        assert st == 401, st
        ch = self.challenge(h["www-authenticate"])
        st, h, b = self.post(path, body, self.authorization(ch, path, body))
        return st, h, b, ch


class Serve(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = os.path.join(T, "srv")
        assert cli("init", cls.dir, "--bsf", BSF).returncode == 0
        assert cli("add-msk", cls.dir, "--msk-id", "00020001", "--msk", "11" * 16,
                   "--item", "urn:ex:news").returncode == 0
        assert cli("add-msk", cls.dir, "--msk-id", "00020002", "--msk", "22" * 16, "--item", "urn:ex:news",
                   "--item", "urn:ex:sport").returncode == 0
        cls.pf, cls.logf = os.path.join(cls.dir, "port"), os.path.join(cls.dir, "log.jsonl")
        cls.p = subprocess.Popen([PY, "-B", CLI, "serve", cls.dir, "--port", "0", "--port-file", cls.pf,
                                  "--pid-file", os.path.join(cls.dir, "pid"), "--log", cls.logf],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(cls.pf):
                break
            time.sleep(0.025)
        with open(cls.pf) as f:
            cls.port = int(f.read())
        cls.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        cls.udp.bind(("127.0.0.1", 0))
        cls.udp.settimeout(3)
        cls.uport = cls.udp.getsockname()[1]

    @classmethod
    def tearDownClass(cls):
        cls.udp.close()
        if cls.p.poll() is None:
            cls.p.terminate()
            cls.p.wait(10)

    def recv_all(self, n):
        return [self.udp.recvfrom(4096)[0] for _ in range(n)]

    def client(self, password=MRK_B64):
        return DigestClient(self.port, BTID, password)

    def test_a_register_all_services(self):
        c = self.client()
        body = b'<RegistrationRequest requestID="r1"><ServiceID>urn:allServices</ServiceID></RegistrationRequest>'
        st, h, b, ch = c.request("/bmsc/register", body)
        self.assertEqual(st, 200, b)
        self.assertEqual(ch["realm"], FQDN)
        self.assertTrue(c.rspauth_ok(h, b))
        self.assertEqual(b, b'<?xml version="1.0" encoding="UTF-8"?>\n<RegistrationResponse requestID="r1" '
                            b'globalStatusCode="0"><ServiceID statusCode="0">urn:allServices</ServiceID>'
                            b'</RegistrationResponse>')
        self.assertTrue(h["content-type"].startswith("application/xml"))
        muks = load_json(os.path.join(self.dir, "muks.json"))
        self.assertGreaterEqual(muks[BTID]["reregistrations"], 1)

    def test_b_service_request_pushes(self):
        c = self.client()
        body = ('<ServiceRequest requestID="r2"><PurchaseItem globalIDRef="urn:ex:news"/>'
                '<LTKMDelivery address="127.0.0.1" port="%d"/></ServiceRequest>' % self.uport).encode()
        st, h, b, _ = c.request("/bmsc/service-request", body)
        self.assertEqual(st, 200, b)
        root = ET.fromstring(b)
        self.assertEqual((root.tag, root.get("globalStatusCode")), ("ServiceResponse", "0"))
        got = self.recv_all(2)
        keys = sorted(ind_keydata(ind_open_ltkm(m, KS_INT_NAF)["plain"])["key"].hex() for m in got)
        self.assertEqual(keys, ["11" * 16, "22" * 16])
        for m in got:
            self.assertTrue(ind_open_ltkm(m, KS_INT_NAF)["mac_ok"])

    def test_c_token_purchase_unknown_item(self):
        c = self.client()
        body = (b'<TokenPurchaseRequest requestID="r3"><PurchaseItem globalIDRef="urn:ex:sport"/>'
                b'<PurchaseItem globalIDRef="urn:ex:none"/></TokenPurchaseRequest>')
        st, h, b, _ = c.request("/bmsc/token-purchase", body)
        root = ET.fromstring(b)
        self.assertEqual((st, root.tag, root.get("globalStatusCode")), (200, "TokenPurchaseResponse", "3"))
        self.assertEqual([(e.get("globalIDRef"), e.get("itemwiseStatusCode")) for e in root],
                         [("urn:ex:sport", "0"), ("urn:ex:none", "3")])

    def test_d_ltkm_request_body_and_push(self):
        c = self.client()
        body = ('<LTKMRequest requestID="r4"><KeyDomainID>00F110</KeyDomainID><MSKID>00020000</MSKID>'
                '<MSKID>00099999</MSKID><LTKMDelivery port="%d"/></LTKMRequest>' % self.uport).encode()
        st, h, b, _ = c.request("/bmsc/ltkm-request", body)
        self.assertEqual(st, 200, b)
        self.assertTrue(c.rspauth_ok(h, b))
        root = ET.fromstring(b)
        self.assertEqual(root.get("globalStatusCode"), "3")
        self.assertEqual([(e.text, e.get("statusCode")) for e in root.findall("MSKID")],
                         [("00020000", "0"), ("00099999", "3")])
        in_body = [base64.b64decode(e.text) for e in root.findall("LTKM")]
        self.assertEqual([e.get("mskID") for e in root.findall("LTKM")], ["00020001", "00020002"])
        pushed = self.recv_all(2)
        self.assertEqual(sorted(in_body), sorted(pushed))
        counters = [int.from_bytes(ind_open_ltkm(m, KS_INT_NAF)["counter"], "big") for m in in_body]
        self.assertEqual(counters[1], counters[0] + 1)

    def test_e_wrong_password_then_ok_and_nonce_reuse(self):
        c = self.client()
        body = b'<RegistrationRequest requestID="r5"><ServiceID>urn:ex:news</ServiceID></RegistrationRequest>'
        st, h, _ = c.post("/bmsc/register", body)
        ch = c.challenge(h["www-authenticate"])
        st, h, _ = c.post("/bmsc/register", body, c.authorization(ch, "/bmsc/register", body,
                                                                   password=base64.b64encode(bytes(32)).decode()))
        self.assertEqual(st, 401)
        ch2 = c.challenge(h["www-authenticate"])
        self.assertFalse(ch2["stale"])
        self.assertNotEqual(ch2["nonce"], ch["nonce"])
        # the raw MRK hex as password is wrong too: the password is the Base64 text
        st, h, _ = c.post("/bmsc/register", body, c.authorization(ch2, "/bmsc/register", body,
                                                                   password=KS_EXT_NAF.hex()))
        self.assertEqual(st, 401)
        ch3 = c.challenge(h["www-authenticate"])
        st, h, b = c.post("/bmsc/register", body, c.authorization(ch3, "/bmsc/register", body))
        self.assertEqual(st, 200)
        st, h, b = c.post("/bmsc/register", body, c.authorization(ch3, "/bmsc/register", body, nc=2))
        self.assertEqual(st, 200)                         # same nonce, higher nc
        st, h, _ = c.post("/bmsc/register", body, c.authorization(ch3, "/bmsc/register", body, nc=2))
        self.assertEqual(st, 401)                         # nc replay
        self.assertTrue(c.challenge(h["www-authenticate"])["stale"])
        # a body changed after signing (auth-int)
        st, h, _ = c.post("/bmsc/register", body + b" ", c.authorization(ch3, "/bmsc/register", body, nc=3))
        self.assertEqual(st, 401)

    def test_f_unknown_btid_and_bad_requests(self):
        c = self.client()
        body = b'<RegistrationRequest requestID="r6"><ServiceID>x</ServiceID></RegistrationRequest>'
        st, h, _ = c.post("/bmsc/register", body)
        ch = c.challenge(h["www-authenticate"])
        st, _, _ = c.post("/bmsc/register", body, c.authorization(ch, "/bmsc/register", body,
                                                                   username="nobody@bsf.example.org"))
        self.assertEqual(st, 403)
        st, _, _ = c.post("/bmsc/register", body, c.authorization(ch, "/bmsc/register", body,
                                                                   username="expired@bsf.example.org"))
        self.assertEqual(st, 403)
        st, _, _ = c.post("/bmsc/register", body, "Basic eDp5")
        self.assertEqual(st, 400)
        st, _, _ = c.post("/bmsc/register", body, c.authorization(ch, "/bmsc/other", body))
        self.assertEqual(st, 400)                          # uri differs from the request target
        bad = b"<ServiceRequest requestID='x'/>"
        st, h, _ = c.post("/bmsc/register", bad)
        ch = c.challenge(h["www-authenticate"])
        st, _, _ = c.post("/bmsc/register", bad, c.authorization(ch, "/bmsc/register", bad))
        self.assertEqual(st, 400)                          # wrong root for the endpoint
        st, _, _ = c.post("/bmsc/nothing", b"")
        self.assertEqual(st, 404)

    def test_g_admin_trigger_and_state(self):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request("POST", "/bmsc/admin/trigger?btid=%s&key_group=0&port=%d" % (BTID, self.uport))
        r = c.getresponse()
        j = json.loads(r.read())
        self.assertEqual(r.status, 200)
        m = self.recv_all(1)[0]
        self.assertEqual(m.hex(), j["hex"])
        f = ind_open_ltkm(m, KS_INT_NAF)
        self.assertTrue(f["mac_ok"])
        self.assertEqual(mc.classify_ltkm(mc.parse(m)), "REREGISTER_ALL_SERVICES")
        c.request("POST", "/bmsc/admin/trigger?btid=nobody&key_group=1&port=%d" % self.uport)
        r = c.getresponse()
        r.read()
        self.assertEqual(r.status, 403)
        c.request("POST", "/bmsc/admin/push-ltkm?btid=%s&msk_id=00020001&port=%d&v=1" % (BTID, self.uport))
        r = c.getresponse()
        j = json.loads(r.read())
        m = self.recv_all(1)[0]
        f = ind_open_ltkm(m, KS_INT_NAF)
        self.assertTrue(f["mac_ok"] and f["v"])
        c.request("GET", "/bmsc/admin/state")
        r = c.getresponse()
        s = json.loads(r.read())
        self.assertEqual(s["msks"]["00020001"]["msk"], "11" * 16)
        self.assertEqual(s["muks"][BTID]["counter"], j["counter"])
        c.close()

    def test_h_log(self):
        with open(self.logf) as f:
            kinds = [json.loads(x)["kind"] for x in f]
        for k in ("challenge", "register", "service-request", "token-purchase", "ltkm-request", "wrong-response",
                  "nc-replay", "unknown-btid", "bad-authorization", "bad-xml", "admin-trigger", "admin-state"):
            self.assertIn(k, kinds)

    def test_z_sigterm(self):
        self.p.terminate()
        self.assertEqual(self.p.wait(10), 0)
        self.assertFalse(os.path.exists(self.pf) or os.path.exists(os.path.join(self.dir, "pid")))


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print("SUITE bmsc-sim passed=%d failed=%d" % (result.testsRun - failed - len(result.skipped), failed))
    sys.exit(1 if failed else 0)
