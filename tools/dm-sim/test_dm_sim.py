#!/usr/bin/python3
"""Self-test of the DM firmware-update operator tools: manifest, token, auth signature, log verification, and the
DM server over real HTTP (http.client). The expected values are computed here independently of dm_codec: a
minimal manifest parser, RFC 4493 AES-CMAC from raw AES, records packed with struct, the chain and checkpoint
built by a fake card in this file.

Run: /usr/bin/python3 tools/dm-sim/test_dm_sim.py   (ends with "SUITE dm-sim passed=N failed=M")
"""

import base64
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)

import dm_codec as codec  # noqa: E402
import dm_keys  # noqa: E402
import dm_server  # noqa: E402
from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402

CLI = os.path.join(HERE, "dm-sim.py")
D = None              # the simulator directory, made once
PKG = None            # a package file of 3 MiB + 5 bytes (more than one read chunk)
CARD = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
OTHER_CARD = bytes.fromhex("00112233445566778899AABBCCDDEEFE")
NONCE = bytes(range(16))
IMEI = "490154203237518"
IMEI_BCD = bytes.fromhex("4A09512430325781")   # TS 24.008 §10.5.1.4
CARD_KEY = None       # the fake card's log key


def setUpModule():
    global D, PKG, CARD_KEY
    D = tempfile.mkdtemp(prefix="dm-sim-test.")
    dm_keys.init(os.path.join(D, "k"))
    PKG = os.path.join(D, "package.bin")
    with open(PKG, "wb") as f:
        f.write(os.urandom(3 * (1 << 20) + 5))
    CARD_KEY = ec.generate_private_key(ec.SECP256R1())


def tearDownModule():
    shutil.rmtree(D, ignore_errors=True)


def K():
    return os.path.join(D, "k")


def cli(*args, ok=True):
    r = subprocess.run([sys.executable, CLI] + [str(a) for a in args], capture_output=True)
    if ok and r.returncode != 0:
        raise AssertionError("dm-sim.py %s: rc %d: %s" % (" ".join(map(str, args)), r.returncode, r.stderr.decode()))
    return r


def point(name):
    with open(os.path.join(K(), name + ".pub.bin"), "rb") as f:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), f.read())


def verifies(pub, sig, data):
    try:
        pub.verify(sig, data, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


# --- independent helpers --------------------------------------------------------------------------------------

def mini_parse(m):
    """A minimal manifest walker: [(tag, value, offset)], checks only what it needs to walk."""
    assert m[:5] == b"SCFU\x01", m[:5]
    out, p = [], 5
    while p < len(m):
        t, n = m[p], m[p + 1]
        out.append((t, m[p + 2:p + 2 + n], p))
        p += 2 + n
    assert p == len(m)
    return out


def aes_cmac(key, msg):
    """RFC 4493 from raw AES-ECB."""
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    E = enc.update

    def dbl(b):
        v = int.from_bytes(b, "big") << 1
        if v >> 128:
            v = (v ^ 0x87) & ((1 << 128) - 1)
        return v.to_bytes(16, "big")
    k1 = dbl(E(bytes(16)))
    k2 = dbl(k1)
    blocks = [msg[i:i + 16] for i in range(0, len(msg), 16)] or [b""]
    last = blocks[-1]
    if len(last) == 16:
        last = bytes(a ^ b for a, b in zip(last, k1))
    else:
        last = bytes(a ^ b for a, b in zip(last + b"\x80" + bytes(15 - len(last)), k2))
    x = bytes(16)
    for b in blocks[:-1] + [last]:
        x = E(bytes(a ^ c for a, c in zip(x, b)))
    return x


def record(seq, kind=1, status=3, result=200, frm=1, to=2, imei=IMEI_BCD, flags=0x05, sid=b"dm-a.scagent.test",
           sha=None, mseq=None, reserved=0):
    """§3.1, packed with struct."""
    return struct.pack(">IIBBHHH8sBB32s32sIH", seq, 1700000000 + seq, kind, status, result, frm, to, imei, flags,
                       len(sid), sid, sha if sha is not None else bytes([seq & 0xFF]) * 32,
                       seq if mseq is None else mseq, reserved)


def fake_card_export(n_total, capacity=32, nonce=NONCE, card_id=CARD, key=None, mutate=None, count=None,
                     first=None, window=None):
    """A card that appended records 1..n_total: export of its window and a checkpoint it signs. `mutate(records)`
    changes the record list before the chain is computed (a lying card); count/first/window override."""
    recs = [record(i) for i in range(1, n_total + 1)]
    if mutate:
        recs = mutate(recs)
    hs = [bytes(32)]
    for r in recs:
        hs.append(hashlib.sha256(hs[-1] + r).digest())
    cnt = n_total if count is None else count
    fst = (max(1, cnt - capacity + 1) if cnt else 1) if first is None else first
    win = recs[max(0, len(recs) - (cnt - fst + 1)):] if window is None else window
    hb = hs[len(recs) - len(win)]
    tbs = (b"SCAGENT-LOG-CHECKPOINT-1" + card_id + struct.pack(">II", cnt, fst) + hs[-1] + bytes([len(nonce)])
           + nonce)
    sig = (key or CARD_KEY).sign(tbs, ec.ECDSA(hashes.SHA256()))
    cp = tbs + bytes([len(sig)]) + sig
    return hb + struct.pack(">H", len(win)) + b"".join(win) + struct.pack(">H", len(cp)) + cp


def card_pub():
    return CARD_KEY.public_key()


def sign_args(**over):
    a = {"originator": 0, "package": PKG, "kind": "firmware", "manufacturer": 0x5343, "model": 0x0102,
         "from-min": 3, "from-max": 5, "to": 6, "seq": 0x01020304, "server": "dm-a.scagent.test"}
    a.update(over)
    out = ["sign-manifest", K()]
    for k, v in a.items():
        if v is True:
            out.append("--" + k)
        elif v is not None:
            out += ["--" + k, v]
    return out


# --- tests ----------------------------------------------------------------------------------------------------

class Manifest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.path = os.path.join(D, "m-full.bin")
        cli(*sign_args(imei=IMEI, **{"card-id": CARD.hex(), "out": cls.path}))
        with open(cls.path, "rb") as f:
            cls.m = f.read()
        with open(PKG, "rb") as f:
            cls.pkg = f.read()

    def test_layout(self):
        tl = mini_parse(self.m)
        self.assertEqual([t for t, _, _ in tl], [1, 2, 3, 4, 5, 6, 7, 8, 9, 0x0A, 0x0B, 0x0C, 0x5F])
        v = {t: val for t, val, _ in tl}
        self.assertEqual(v[1], hashlib.sha256(self.pkg).digest())
        self.assertEqual(v[2], len(self.pkg).to_bytes(8, "big"))
        self.assertEqual(v[3], b"\x01")
        self.assertEqual(v[4], b"\x53\x43")
        self.assertEqual(v[5], b"\x01\x02")
        self.assertEqual(v[6], b"\x00\x03\x00\x05")
        self.assertEqual(v[7], b"\x00\x06")
        self.assertEqual(v[8], b"\x01\x02\x03\x04")
        self.assertEqual(v[9], b"dm-a.scagent.test")
        self.assertEqual(v[0x0A], IMEI_BCD)
        self.assertEqual(v[0x0B], CARD)
        self.assertEqual(v[0x0C], b"\x00")
        self.assertTrue(70 <= len(v[0x5F]) <= 72)
        sig_off = tl[-1][2]
        self.assertTrue(verifies(point("originator0"), v[0x5F], self.m[:sig_off]))
        self.assertFalse(verifies(point("originator1"), v[0x5F], self.m[:sig_off]))

    def test_imei_encoding(self):
        self.assertEqual(codec.encode_imei(IMEI), IMEI_BCD)
        self.assertEqual(codec.decode_imei(IMEI_BCD), IMEI)
        self.assertEqual(codec.encode_imei("123456789012345").hex().upper(), "1A32547698103254")
        self.assertIsNone(codec.decode_imei(bytes(8)))

    def test_optional_tags_and_other_originator(self):
        p = os.path.join(D, "m-min.bin")
        cli(*sign_args(originator=1, kind="software", out=p))
        with open(p, "rb") as f:
            m = f.read()
        tl = mini_parse(m)
        self.assertEqual([t for t, _, _ in tl], [1, 2, 3, 4, 5, 6, 7, 8, 9, 0x0C, 0x5F])
        self.assertEqual((tl[2][1], tl[9][1]), (b"\x02", b"\x01"))
        self.assertTrue(verifies(point("originator1"), tl[-1][1], m[:tl[-1][2]]))
        info = codec.parse_manifest(m)
        self.assertEqual((info["kind_name"], info["slot"], info["imei"], info["card_id"]), ("software", 1, None, None))

    def test_hex_output_and_show(self):
        r = cli(*sign_args(imei=IMEI))
        m = bytes.fromhex(r.stdout.decode().strip())
        self.assertEqual(mini_parse(m)[0][1], hashlib.sha256(self.pkg).digest())
        out = json.loads(cli("show-manifest", K(), self.path).stdout)
        self.assertEqual((out["valid"], out["signature_ok"], out["imei"], out["seq"], out["card_id"]),
                         (True, True, IMEI, 0x01020304, CARD.hex()))

    def test_signature_length_always_70_to_72(self):
        key = dm_keys.originator_key(K(), dm_keys.load_config(K()), 0)
        tlvs = codec.manifest_tlvs(bytes(32), 1, 1, 1, 1, 0, 0, 1, 1, "x", 0)
        for _ in range(300):
            self.assertTrue(70 <= len(mini_parse(codec.sign_manifest(key, tlvs))[-1][1]) <= 72)

    def test_negative_options(self):
        p = os.path.join(D, "m-neg.bin")
        cli(*sign_args(out=p, **{"bad-signature": True}))
        with open(p, "rb") as f:
            m = f.read()
        tl = mini_parse(m)
        self.assertFalse(verifies(point("originator0"), tl[-1][1], m[:tl[-1][2]]))
        self.assertEqual(json.loads(cli("show-manifest", K(), p, ok=False).stdout)["signature_ok"], False)
        cli(*sign_args(out=p, slot=1))  # signed by originator 0, claims slot 1
        with open(p, "rb") as f:
            m = f.read()
        tl = mini_parse(m)
        self.assertEqual(tl[-2][1], b"\x01")
        self.assertFalse(verifies(point("originator1"), tl[-1][1], m[:tl[-1][2]]))
        cli(*sign_args(out=p, package=None, sha256="AB" * 32, size=77))
        with open(p, "rb") as f:
            tl = mini_parse(f.read())
        self.assertEqual((tl[0][1], tl[1][1]), (b"\xab" * 32, (77).to_bytes(8, "big")))
        for fe in codec.FORMAT_ERRORS:
            cli(*sign_args(out=p, **{"format-error": fe}))
            with open(p, "rb") as f:
                m = f.read()
            with self.assertRaises(codec.CodecError, msg=fe):
                codec.parse_manifest(m)
        self.assertEqual(cli(*sign_args(server="x" * 65), ok=False).returncode, 2)
        self.assertEqual(cli(*sign_args(imei="12345"), ok=False).returncode, 2)

    def test_every_truncation_and_trailer(self):
        for n in range(len(self.m)):
            with self.assertRaises(codec.CodecError):
                codec.parse_manifest(self.m[:n])
        with self.assertRaisesRegex(codec.CodecError, "after the signature"):
            codec.parse_manifest(self.m + b"\0")


class Token(unittest.TestCase):
    def test_rfc4493_vectors_of_the_reference(self):
        k = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
        msg = bytes.fromhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
                            "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710")
        for n, want in ((0, "bb1d6929e95937287fa37d129b756746"), (16, "070a16b46b4d4144f79bdd9dd04a287c"),
                        (40, "dfa66747de9ae63030ca32611497c827"), (64, "51f0bebf7e3b9d92fc49741779363cfe")):
            self.assertEqual(aes_cmac(k, msg[:n]).hex(), want)

    def test_token_matches_independent(self):
        with open(os.path.join(D, "m-tok.bin"), "wb") as f:
            f.write(bytes.fromhex(cli(*sign_args(seq=0xA1B2C3D4)).stdout.decode().strip()))
        with open(os.path.join(D, "m-tok.bin"), "rb") as f:
            m = f.read()
        with open(os.path.join(K(), "token-key.hex")) as f:
            kt = bytes.fromhex(f.read().strip())
        want = aes_cmac(kt, hashlib.sha256(m).digest() + CARD + bytes.fromhex("A1B2C3D4"))
        self.assertEqual(codec.token(kt, m, CARD), want)
        out = os.path.join(D, "tok.bin")
        r = cli("token", K(), "--manifest", os.path.join(D, "m-tok.bin"), "--card-id", CARD.hex(), "--out", out)
        self.assertEqual(r.stdout.decode().strip().lower(), want.hex())
        with open(out, "rb") as f:
            self.assertEqual(f.read(), want)
        k2 = bytes(range(16))
        r = cli("token", K(), "--manifest", os.path.join(D, "m-tok.bin"), "--card-id", OTHER_CARD.hex(),
                "--key", k2.hex())
        self.assertEqual(r.stdout.decode().strip().lower(),
                         aes_cmac(k2, hashlib.sha256(m).digest() + OTHER_CARD + bytes.fromhex("A1B2C3D4")).hex())


class Auth(unittest.TestCase):
    def test_auth_signature(self):
        ch = bytes.fromhex("F0E1D2C3B4A5968778695A4B3C2D1E0F")
        msg = b"SCAGENT-DM-AUTH-1" + CARD + ch
        self.assertEqual(len(b"SCAGENT-DM-AUTH-1"), 17)
        for srv, name in (("a", "dmserver-a"), ("b", "dmserver-b"), ("dmserver-a", "dmserver-a")):
            sig = bytes.fromhex(cli("auth-sign", K(), "--server", srv, "--card-id", CARD.hex(),
                                    "--challenge", ch.hex()).stdout.decode().strip())
            self.assertTrue(verifies(point(name), sig, msg), srv)
            self.assertFalse(verifies(point(name), sig, b"SCAGENT-DM-AUTH-1" + OTHER_CARD + ch))
        sig = bytes.fromhex(cli("auth-sign", K(), "--server", "a", "--card-id", CARD.hex(), "--challenge", ch.hex(),
                                "--bad-signature").stdout.decode().strip())
        self.assertFalse(verifies(point("dmserver-a"), sig, msg))
        self.assertEqual(cli("auth-sign", K(), "--server", "c", "--card-id", CARD.hex(), "--challenge", ch.hex(),
                             ok=False).returncode, 2)
        self.assertEqual(cli("auth-sign", K(), "--server", "a", "--card-id", CARD.hex(), "--challenge", "00" * 8,
                             ok=False).returncode, 2)

    def test_init_files(self):
        cfg = dm_keys.load_config(K())
        for base in ("originator0", "originator1", "dmserver-a", "dmserver-b"):
            for ext in (".key", ".pub.pem", ".pub.bin", ".pub.hex"):
                self.assertTrue(os.path.isfile(os.path.join(K(), base + ext)), base + ext)
            with open(os.path.join(K(), base + ".pub.hex")) as f:
                hx = f.read().strip()
            self.assertEqual(len(bytes.fromhex(hx)), 65)
            self.assertEqual(hx[:2], "04")
        self.assertEqual(cfg["dm_servers"]["a"]["id"], "dm-a.scagent.test")
        with open(os.path.join(K(), "dmserver-a.entry.hex")) as f:
            e = bytes.fromhex(f.read().strip())
        self.assertEqual(e[:9], b"\x03\x00\x00\x00\x00\xff\xff\xff\xff")
        self.assertEqual(e[9:74], codec.raw_point(point("dmserver-a")))
        self.assertEqual(e[74:], bytes([17]) + b"dm-a.scagent.test")
        self.assertEqual(cli("init", K(), ok=False).returncode, 1)  # refuses to overwrite


class Log(unittest.TestCase):
    def ok(self, data, **kw):
        return codec.verify_export(data, kw.get("pub", card_pub()), kw.get("card", CARD), kw.get("nonce", NONCE))

    def bad(self, data, why, **kw):
        with self.assertRaisesRegex(codec.CodecError, why):
            self.ok(data, **kw)

    def test_small_log(self):
        out = self.ok(fake_card_export(5))
        self.assertEqual((out["count"], out["first_seq"], out["dropped"]), (5, 1, 0))
        self.assertEqual([r["seq"] for r in out["records"]], [1, 2, 3, 4, 5])
        r = out["records"][2]
        self.assertEqual((r["kind_name"], r["status_name"], r["result"], r["from"], r["to"], r["imei"], r["flags"],
                          r["server_id"], r["sha256"], r["manifest_seq"], r["time_iso"]),
                         ("firmware", "installed", 200, 1, 2, IMEI, 5, "dm-a.scagent.test", "03" * 32, 3,
                          "2023-11-14T22:13:23Z"))
        self.assertEqual(r["flag_names"], ["authorized", "token"])

    def test_wrapped_and_full_and_empty(self):
        out = self.ok(fake_card_export(40))
        self.assertEqual((out["count"], out["first_seq"], out["dropped"], len(out["records"])), (40, 9, 8, 32))
        out = self.ok(fake_card_export(32))
        self.assertEqual((out["first_seq"], out["dropped"], len(out["records"])), (1, 0, 32))
        out = self.ok(fake_card_export(0))
        self.assertEqual((out["count"], out["dropped"], out["records"]), (0, 0, []))

    def test_codec_make_log_agrees(self):
        recs = [codec.build_record(i, 1700000000 + i, 1, 3, 200, 1, 2, IMEI, 5, "dm-a.scagent.test",
                                   bytes([i]) * 32, i) for i in range(1, 41)]
        self.assertEqual(recs, [record(i) for i in range(1, 41)])
        data = codec.make_log(CARD_KEY, CARD, NONCE, recs)
        cut = data.index(b"SCAGENT-LOG") - 2  # up to checkpoint_len (the signatures differ)
        self.assertEqual(data[:cut], fake_card_export(40)[:cut])
        self.ok(data)

    def test_every_flipped_byte_fails(self):
        for data in (fake_card_export(3), fake_card_export(40)):
            self.ok(data)
            for i in range(len(data)):
                bad = bytearray(data)
                bad[i] ^= 0x01
                with self.assertRaises(codec.CodecError, msg="byte %d of %d" % (i, len(data))):
                    self.ok(bytes(bad))
            for i in range(len(data)):
                bad = bytearray(data)
                bad[i] ^= 0x80
                with self.assertRaises(codec.CodecError, msg="byte %d of %d" % (i, len(data))):
                    self.ok(bytes(bad))

    def test_truncations_and_trailer(self):
        data = fake_card_export(2)
        for n in range(len(data)):
            with self.assertRaises(codec.CodecError):
                self.ok(data[:n])
        self.bad(data + b"\0", "checkpoint_len")

    def test_old_nonce_wrong_card_wrong_key(self):
        self.bad(fake_card_export(4, nonce=bytes(16)), "nonce")
        self.bad(fake_card_export(4), "nonce", nonce=NONCE[::-1])
        self.bad(fake_card_export(4, card_id=OTHER_CARD), "is for card")
        self.bad(fake_card_export(4), "is for card", card=OTHER_CARD)
        self.bad(fake_card_export(4), "signature", pub=ec.generate_private_key(ec.SECP256R1()).public_key())
        self.ok(fake_card_export(4, nonce=bytes(range(32))), nonce=bytes(range(32)))

    def test_gap_and_lying_cards(self):
        # a gap: the card chains and signs records 1,2,4,5 (seq 3 missing) with count 5, first 1... one short
        gap = lambda rs: rs[:2] + rs[3:]  # noqa: E731
        self.bad(fake_card_export(5, mutate=gap, count=5, first=1), "records exported")
        # ... and with the window it claims complete: seq 4 where 3 belongs
        self.bad(fake_card_export(5, mutate=lambda rs: gap(rs) + [record(6)], count=5, first=1), "gap")
        # reordered
        self.bad(fake_card_export(4, mutate=lambda rs: [rs[0], rs[2], rs[1], rs[3]]), "gap or reordering")
        # a partial window (the last 8 of 40): the dropped count would be wrong
        full = [record(i) for i in range(1, 41)]
        self.bad(fake_card_export(40, window=full[-8:]), "records exported")
        # first retained seq inconsistent with the ring
        self.bad(fake_card_export(40, first=5, window=full[4:]), "retains from 9")
        # a non-zero reserved field, a long server id length
        self.bad(fake_card_export(3, mutate=lambda rs: rs[:2] + [record(3, reserved=1)]), "reserved")
        self.bad(fake_card_export(3, mutate=lambda rs: rs[:2] + [rs[2][:25] + b"\x21" + rs[2][26:]]), "over 32")
        # seq 1 but a non-zero h_before_first (the card signs over a chain that did not start at h_0)
        data = bytearray(fake_card_export(3))
        data[0] ^= 1
        self.bad(bytes(data), "h_0")

    def test_cli_verify_log(self):
        ex, key = os.path.join(D, "export.bin"), os.path.join(D, "card.spki.der")
        with open(ex, "wb") as f:
            f.write(fake_card_export(40))
        with open(key, "wb") as f:
            f.write(card_pub().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo))
        r = cli("verify-log", K(), "--card-key", key, "--card-id", CARD.hex(), "--nonce", NONCE.hex(),
                "--export", ex, "--json")
        out = json.loads(r.stdout)
        self.assertEqual((out["verified"], out["count"], out["dropped"], len(out["records"])), (True, 40, 8, 32))
        r = cli("verify-log", K(), "--card-key", key, "--card-id", CARD.hex(), "--nonce", NONCE.hex(), "--export", ex)
        self.assertIn(b"dropped 8", r.stdout)
        self.assertIn(b"seq 40  2023-11-14T22:14:00Z  firmware installed  result 200", r.stdout)
        r = cli("verify-log", K(), "--card-key", key, "--card-id", CARD.hex(), "--nonce", "00" * 16,
                "--export", ex, ok=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"NOT verified: the checkpoint carries nonce", r.stdout)
        r = cli("verify-log", K(), "--card-key", key, "--card-id", OTHER_CARD.hex(), "--nonce", NONCE.hex(),
                "--export", ex, "--json", ok=False)
        self.assertEqual((r.returncode, json.loads(r.stdout)["verified"]), (1, False))
        # registered instead of --card-key
        cli("register-card", K(), "--card-id", CARD.hex(), "--card-key", key)
        cli("verify-log", K(), "--card-id", CARD.hex(), "--nonce", NONCE.hex(), "--export", ex)
        self.assertEqual(cli("verify-log", K(), "--card-id", OTHER_CARD.hex(), "--nonce", NONCE.hex(),
                             "--export", ex, ok=False).returncode, 2)

    def test_cli_make_log(self):
        ex = os.path.join(D, "made.bin")
        cli("make-log", K(), "--card-id", OTHER_CARD.hex(), "--nonce", NONCE.hex(), "--records", 37, "--out", ex)
        with open(os.path.join(K(), "fake-card.spki.der"), "rb") as f:
            pub = serialization.load_der_public_key(f.read())
        with open(ex, "rb") as f:
            out = codec.verify_export(f.read(), pub, OTHER_CARD, NONCE)
        self.assertEqual((out["count"], out["dropped"]), (37, 5))


class Http(unittest.TestCase):
    """Each test runs a server in-process on a free port and talks to it with http.client."""

    def start(self, servers=None):
        self.log = os.path.join(D, "log-%s.jsonl" % self.id().split(".")[-1])
        self.dm = dm_server.Dm(K(), servers, self.log)
        self.srv = dm_server.Server(self.dm, 0)
        self.port = self.srv.server_address[1]
        self.t = threading.Thread(target=self.srv.serve_forever, args=(0.05,))
        self.t.start()

    def tearDown(self):
        if getattr(self, "srv", None):
            self.dm.stop.set()
            self.srv.shutdown()
            self.t.join()
            self.srv.server_close()
            self.dm.close()

    def post(self, path, obj=None, raw=None, method="POST", headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        body = raw if raw is not None else (json.dumps(obj).encode() if obj is not None else b"")
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        self.assertEqual(r.getheader("Content-Type"), "application/json")
        return r.status, json.loads(data)

    def logs(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f]

    def nonce(self):
        st, out = self.post("/dm/nonce")
        self.assertEqual(st, 200)
        n = bytes.fromhex(out["nonce"])
        self.assertEqual(len(n), 16)
        return n

    def test_nonce_fresh(self):
        self.start()
        ns = {self.nonce() for _ in range(20)}
        self.assertEqual(len(ns), 20)

    def test_auth(self):
        self.start()
        ch = os.urandom(16)
        st, out = self.post("/dm/auth", {"server": "a", "card_id": CARD.hex(), "challenge": ch.hex()})
        self.assertEqual((st, out["server_id"]), (200, "dm-a.scagent.test"))
        self.assertTrue(verifies(point("dmserver-a"), bytes.fromhex(out["signature"]),
                                 b"SCAGENT-DM-AUTH-1" + CARD + ch))
        st, out = self.post("/dm/auth", {"server": "c", "card_id": CARD.hex(), "challenge": ch.hex()})
        self.assertEqual(st, 403)
        self.assertIn("holds no key", out["error"])

    def test_auth_refuses_servers_it_does_not_hold(self):
        self.start(servers=["a"])
        ch = os.urandom(16)
        self.assertEqual(self.post("/dm/auth", {"server": "a", "card_id": CARD.hex(), "challenge": ch.hex()})[0], 200)
        self.assertEqual(self.post("/dm/auth", {"server": "b", "card_id": CARD.hex(), "challenge": ch.hex()})[0], 403)
        self.assertEqual(self.logs()[-1]["refused"], True)

    def test_log_registered_card_and_nonce_once(self):
        self.start()
        dm_keys.register_card(K(), CARD, card_pub())
        n = self.nonce()
        req = {"card_id": CARD.hex(), "nonce": n.hex(), "export": base64.b64encode(fake_card_export(40, nonce=n)).decode()}
        st, out = self.post("/dm/log", req)
        self.assertEqual((st, out["verified"], out["count"], out["dropped"], len(out["records"]), out["key_source"]),
                         (200, True, 40, 8, 32, "registered"))
        self.assertEqual(out["records"][-1]["seq"], 40)
        st, out = self.post("/dm/log", req)  # the same nonce again
        self.assertEqual((st, out["verified"]), (200, False))
        self.assertIn("already used", out["reason"])
        # a nonce never issued
        req["nonce"] = os.urandom(16).hex()
        self.assertIn("not issued", self.post("/dm/log", req)[1]["reason"])
        # an issued nonce but a checkpoint over an older one
        req["nonce"] = self.nonce().hex()
        st, out = self.post("/dm/log", req)
        self.assertEqual(out["verified"], False)
        self.assertIn("carries nonce", out["reason"])
        # a tampered record
        n = self.nonce()
        data = bytearray(fake_card_export(6, nonce=n))
        data[34 + 96 * 2 + 10] ^= 1
        st, out = self.post("/dm/log", {"card_id": CARD.hex(), "nonce": n.hex(), "export": base64.b64encode(bytes(data)).decode()})
        self.assertEqual((out["verified"], out["records"]), (False, []))
        self.assertIn("chain", out["reason"])
        self.assertEqual([x["verified"] for x in self.logs() if x["path"] == "/dm/log"], [True, False, False, False, False])

    def test_log_key_in_request(self):
        self.start()
        card = os.urandom(16)
        key = ec.generate_private_key(ec.SECP256R1())
        spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        n = self.nonce()
        exp = base64.b64encode(fake_card_export(3, nonce=n, card_id=card, key=key)).decode()
        st, out = self.post("/dm/log", {"card_id": card.hex(), "nonce": n.hex(), "export": exp})
        self.assertEqual(st, 400)
        self.assertIn("not registered", out["error"])
        st, out = self.post("/dm/log", {"card_id": card.hex(), "nonce": n.hex(), "export": exp,
                                        "card_key": base64.b64encode(spki).decode()})
        self.assertEqual((st, out["verified"], out["key_source"]), (200, True, "request"))
        # a registered card: the key the host sends does not replace the registered one
        dm_keys.register_card(K(), card, ec.generate_private_key(ec.SECP256R1()).public_key())
        n = self.nonce()
        exp = base64.b64encode(fake_card_export(3, nonce=n, card_id=card, key=key)).decode()
        st, out = self.post("/dm/log", {"card_id": card.hex(), "nonce": n.hex(), "export": exp,
                                        "card_key": base64.b64encode(spki).decode()})
        self.assertEqual((out["verified"], out["key_source"]), (False, "registered"))

    def test_bad_requests(self):
        self.start()
        good = {"card_id": os.urandom(16).hex(), "nonce": NONCE.hex(), "export": "AAAA"}  # an unregistered card
        cases = [("/dm/log", b"{", "not JSON"), ("/dm/log", b"[1]", "JSON object"), ("/dm/log", b"\xff\xfe", "not JSON"),
                 ("/dm/log", dict(good, card_id="zz"), "not hex"), ("/dm/log", dict(good, card_id="00"), "16"),
                 ("/dm/log", dict(good, nonce=None), "nonce"), ("/dm/log", dict(good, nonce="00" * 8), "16..32"),
                 ("/dm/log", dict(good, export="@@@"), "Base64"), ("/dm/log", dict(good, export=5), "Base64"),
                 ("/dm/log", dict(good, card_key="AAAA"), "card_key"),
                 ("/dm/auth", {"card_id": CARD.hex(), "challenge": NONCE.hex()}, "server"),
                 ("/dm/auth", {"server": "a", "card_id": CARD.hex(), "challenge": "00"}, "challenge"),
                 ("/dm/auth", {"server": ["a"], "card_id": CARD.hex(), "challenge": NONCE.hex()}, "server")]
        for path, body, why in cases:
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            st, out = self.post(path, raw=raw)
            self.assertEqual(st, 400, (path, body))
            self.assertIn(why, out["error"], (path, body))
        self.assertEqual(self.post("/elsewhere", {})[0], 404)
        self.assertEqual(self.post("/dm/nonce", method="GET")[0], 405)
        self.assertEqual(self.post("/dm/log", raw=b"", headers={"Content-Length": "x"})[0], 400)
        self.assertEqual(self.post("/dm/log", raw=b"", headers={"Content-Length": str(10 << 20)})[0], 413)
        # an unregistered card with garbage export but a valid key: 200 verified false, not a crash
        key = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        for exp in (b"", b"\0" * 34, os.urandom(500)):
            n = self.nonce()
            st, out = self.post("/dm/log", {"card_id": os.urandom(16).hex(), "nonce": n.hex(),
                                            "export": base64.b64encode(exp).decode(),
                                            "card_key": base64.b64encode(key).decode()})
            self.assertEqual((st, out["verified"]), (200, False))
        for raw in (b"POST /dm/log HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                    b"\x00\xff / HTTP/1.1\r\n\r\n"):
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as c:
                c.sendall(raw)
                self.assertTrue(c.recv(100).startswith(b"HTTP/1."), raw)
        self.assertEqual(self.post("/dm/nonce")[0], 200)  # still serving
        self.assertTrue(all("status" in x for x in self.logs()))


class Process(unittest.TestCase):
    def test_serve_files_and_sigterm(self):
        t = tempfile.mkdtemp(dir=D)
        pf, pidf, log = (os.path.join(t, n) for n in ("port", "pid", "log.jsonl"))
        p = subprocess.Popen([sys.executable, CLI, "serve", K(), "--port", "0", "--port-file", pf, "--pid-file", pidf,
                              "--log", log], stdout=subprocess.PIPE)
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
            c.request("POST", "/dm/nonce", body=b"{}")
            r = c.getresponse()
            self.assertEqual(r.status, 200)
            self.assertEqual(len(bytes.fromhex(json.loads(r.read())["nonce"])), 16)
            p.send_signal(signal.SIGTERM)  # the keep-alive connection stays open across SIGTERM
            self.assertEqual(p.wait(timeout=5), 0)
            c.close()
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
        self.assertFalse(os.path.exists(pf) or os.path.exists(pidf))
        with open(log) as f:
            line = json.loads(f.readline())
        self.assertEqual((line["path"], line["status"]), ("/dm/nonce", 200))


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=1).result
    failed = len(result.failures) + len(result.errors)
    print("SUITE dm-sim passed=%d failed=%d" % (result.testsRun - failed - len(result.skipped), failed))
    sys.exit(1 if failed else 0)
