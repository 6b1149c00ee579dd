"""MBMS MIKEY messages of applet-spec/mbms.md (§4 MSK message / LTKM, §4.5 verification message, §5 MTK message /
STKM) and the solicited-pull trigger (mikey.md §5), written from the specs as an independent cross-check of the
card (applet) and the host (host/lib/mikey_*.c).

Layouts (RFC 3830 §6, code points from the IANA registry as recorded in applet-spec/mikey.md):

  HDR    version 1 | data type | next | V(1) PRF(7) | CSB ID (4) | #CS 0 | map type 1 (Empty)      10 bytes
  EXT    next | type | len (2) | data       type 3 Key ID: {Key ID type (1) | len (2) | value}*;  type 5 OMA BCAST:
                                           subtype (1) | rest
  T      next | 2 (COUNTER) | counter (4)
  RAND   next | len (1) | RAND
  ID     next | ID type (1) | len (2) | ID
  SP     next | policy no | prot type | param len (2) | {type len value}*
  KEMAC  next 0 | encr alg 1 | encr len (2) | encr data | MAC alg 1 | MAC (20)
  V      next 0 | auth alg 1 | MAC (20)
  Key data (plaintext of KEMAC): next 0 | type(4) KV(4) | key len (2) | key | [salt len (2) | salt] | KV data
                                 KV 2 Interval: VF len (1) | VF | VT len (1) | VT

Keys (RFC 3830 §4.1.2 / §4.1.4): PRF(inkey, const || FF || CSB ID || RAND); AES-CM-128 (§4.2.3) with
IV = (salt || 0000) XOR (0000 || CSB ID || 00000000 || counter || 0000).
"""

import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# payload types (next payload values)
PT_LAST, PT_KEMAC, PT_T, PT_ID, PT_V, PT_SP, PT_RAND, PT_ERR, PT_KEYDATA, PT_EXT = 0, 1, 5, 6, 9, 10, 11, 12, 20, 21
PT_NAMES = {PT_KEMAC: "KEMAC", PT_T: "T", PT_ID: "ID", PT_V: "V", PT_SP: "SP", PT_RAND: "RAND", PT_ERR: "ERR",
            PT_EXT: "EXT"}
DT_PSK, DT_PSK_VERIF, DT_ERROR = 0, 1, 6
MAP_EMPTY = 1
TS_COUNTER = 2
ENCR_NULL, ENCR_AES_CM_128 = 0, 1
MAC_NULL, MAC_HMAC_SHA1_160 = 0, 1
MAC_LEN = {MAC_NULL: 0, MAC_HMAC_SHA1_160: 20, 2: 32}
EXT_KEY_ID, EXT_OMA_BCAST = 3, 5
KID_DOMAIN, KID_MSK, KID_MTK = 0, 1, 2
KID_LEN = {KID_DOMAIN: 3, KID_MSK: 4, KID_MTK: 2}
BCAST_LTKM, BCAST_STKM = 1, 2
ID_NAI, ID_URI = 0, 1
KD_TGK, KD_TGK_SALT, KD_TEK, KD_TEK_SALT = 0, 1, 2, 3
KV_NULL, KV_SPI, KV_INTERVAL = 0, 1, 2

C_ENCR, C_AUTH, C_SALT = 0x150533E1, 0x2D22AC75, 0x29B88916
KEY_LENGTHS = {C_ENCR: 16, C_AUTH: 20, C_SALT: 14}


class MikeyError(ValueError):
    pass


# --- PRF and keys ------------------------------------------------------------------------------------------------

def _p(s, label, m):
    """P(s, label, m) of RFC 3830 §4.1.2: HMAC-SHA1(s, A1 || label) || ... || HMAC-SHA1(s, Am || label)."""
    out, a = b"", label
    for _ in range(m):
        a = hmac.new(s, a, hashlib.sha1).digest()
        out += hmac.new(s, a + label, hashlib.sha1).digest()
    return out


def prf(inkey, label, outlen):
    """RFC 3830 §4.1.2 PRF: inkey in 256-bit chunks (the last may be shorter), the P outputs XORed, truncated."""
    if not inkey:
        raise MikeyError("empty inkey")
    m = (outlen * 8 + 159) // 160
    acc = bytes(m * 20)
    for i in range(0, len(inkey), 32):
        acc = bytes(x ^ y for x, y in zip(acc, _p(inkey[i:i + 32], label, m)))
    return acc[:outlen]


def label(const, csb_id, rand=b""):
    """const (4) || 0xFF || CSB ID (4) || RAND (empty for MTK messages, mbms.md §5 step 3)."""
    return const.to_bytes(4, "big") + b"\xff" + _b4(csb_id) + bytes(rand)


def derive_keys(inkey, csb_id, rand=b""):
    """-> dict encr (16), auth (20), salt (14)."""
    return {name: prf(inkey, label(c, csb_id, rand), KEY_LENGTHS[c])
            for name, c in (("encr", C_ENCR), ("auth", C_AUTH), ("salt", C_SALT))}


def _b4(csb_id):
    if isinstance(csb_id, int):
        return csb_id.to_bytes(4, "big")
    if len(csb_id) != 4:
        raise MikeyError("CSB ID must be 4 bytes")
    return bytes(csb_id)


def aes_cm_iv(salt, csb_id, counter):
    """(salt (14) || 0000) XOR (0000 || CSB ID (4) || T64 (8) || 0000), T64 = 00000000 || counter (4)
    (mbms.md §4.4)."""
    if len(salt) != 14:
        raise MikeyError("salt_key must be 14 bytes")
    t64 = bytes(4) + counter.to_bytes(4, "big")
    b = bytes(2) + _b4(csb_id) + t64 + bytes(2)
    return bytes(x ^ y for x, y in zip(bytes(salt) + bytes(2), b))


def aes_cm(key, iv, data):
    """AES-128 counter mode: keystream block i = AES(key, IV + i), big-endian addition on the 128-bit block."""
    enc = Cipher(algorithms.AES(bytes(key)), modes.CTR(bytes(iv))).encryptor()
    return enc.update(bytes(data)) + enc.finalize()


def hmac_sha1(key, data):
    return hmac.new(bytes(key), bytes(data), hashlib.sha1).digest()


# --- payload builders -------------------------------------------------------------------------------------------

def hdr(data_type, next_pt, csb_id, v=False, prf_id=0):
    return bytes([1, data_type, next_pt, (0x80 if v else 0) | (prf_id & 0x7F)]) + _b4(csb_id) + bytes([0, MAP_EMPTY])


def key_id_data(ids):
    """ids: list of (Key ID type, bytes) -> {type (1) | len (2) | value}*."""
    out = b""
    for t, v in ids:
        out += bytes([t]) + len(v).to_bytes(2, "big") + bytes(v)
    return out


def key_data(kd_type, key, salt=None, kv=KV_NULL, vf=None, vt=None):
    """Key data sub-payload (next 0). kv=KV_INTERVAL needs vf, vt as ints (2 bytes each)."""
    out = bytes([0, (kd_type << 4) | kv]) + len(key).to_bytes(2, "big") + bytes(key)
    if kd_type in (KD_TGK_SALT, KD_TEK_SALT):
        salt = salt or b""
        out += len(salt).to_bytes(2, "big") + bytes(salt)
    if kv == KV_INTERVAL:
        f, t = vf.to_bytes(2, "big"), vt.to_bytes(2, "big")
        out += bytes([len(f)]) + f + bytes([len(t)]) + t
    elif kv != KV_NULL:
        raise MikeyError("only KV 0 and 2 are built")
    return out


def sp_payload_body(policy_no=0, prot_type=0, params=((1, b"\x01"),)):
    p = b"".join(bytes([t, len(v)]) + bytes(v) for t, v in params)
    return bytes([policy_no, prot_type]) + len(p).to_bytes(2, "big") + p


def _chain(payloads):
    """payloads: list of (type, body-without-next-byte). Returns (header next value, concatenated payload bytes)."""
    out = b""
    for i, (t, body) in enumerate(payloads):
        nxt = payloads[i + 1][0] if i + 1 < len(payloads) else PT_LAST
        out += bytes([nxt]) + body
    return (payloads[0][0] if payloads else PT_LAST), out


def build_message(csb_id, counter, key_ids, inkey, plaintext, rand=None, idi=None, idr=None, v=False,
                  bcast_subtype=None, sp=None, encr_alg=ENCR_AES_CM_128, idi_type=ID_URI, idr_type=ID_NAI):
    """Build an MSK message (rand, idi, idr given) or an MTK message (none of them). plaintext: the Key data
    sub-payload (b"" for the solicited-pull trigger). Returns (message bytes, derived keys)."""
    keys = derive_keys(inkey, csb_id, rand or b"")
    payloads = []
    kid = key_id_data(key_ids)
    payloads.append((PT_EXT, bytes([EXT_KEY_ID]) + len(kid).to_bytes(2, "big") + kid))
    if bcast_subtype is not None:
        payloads.append((PT_EXT, bytes([EXT_OMA_BCAST]) + (1).to_bytes(2, "big") + bytes([bcast_subtype])))
    payloads.append((PT_T, bytes([TS_COUNTER]) + counter.to_bytes(4, "big")))
    if rand is not None:
        payloads.append((PT_RAND, bytes([len(rand)]) + bytes(rand)))
    if idi is not None:
        payloads.append((PT_ID, bytes([idi_type]) + len(idi).to_bytes(2, "big") + bytes(idi)))
    if idr is not None:
        payloads.append((PT_ID, bytes([idr_type]) + len(idr).to_bytes(2, "big") + bytes(idr)))
    if sp is not None:
        payloads.append((PT_SP, sp))
    iv = aes_cm_iv(keys["salt"], csb_id, counter)
    enc = aes_cm(keys["encr"], iv, plaintext) if encr_alg == ENCR_AES_CM_128 else bytes(plaintext)
    payloads.append((PT_KEMAC, bytes([encr_alg]) + len(enc).to_bytes(2, "big") + enc + bytes([MAC_HMAC_SHA1_160])))
    first, body = _chain(payloads)
    msg = hdr(DT_PSK, first, csb_id, v=v) + body
    return msg + hmac_sha1(keys["auth"], msg), keys


def build_ltkm(muk, fqdn, btid, key_domain, msk_id, msk, counter, csb_id=None, rand=None, vf=1, vt=0xFFFF,
               validity=True, v=False, bcast_ext=False, sp=None):
    """MSK message (mbms.md §4.1). vf/vt: MTK ID interval (KV 2) unless validity is False (KV 0). -> (msg, info)."""
    rand = os.urandom(16) if rand is None else bytes(rand)
    csb_id = msk_id if csb_id is None else csb_id
    kd = key_data(KD_TGK, msk, kv=KV_INTERVAL if validity else KV_NULL, vf=vf, vt=vt)
    msg, keys = build_message(csb_id, counter, [(KID_DOMAIN, key_domain), (KID_MSK, msk_id)], muk, kd, rand=rand,
                              idi=_enc(fqdn), idr=_enc(btid), v=v,
                              bcast_subtype=BCAST_LTKM if bcast_ext else None, sp=sp)
    return msg, {"rand": rand, "csb_id": _b4(csb_id), "keys": keys, "key_data": kd}


def build_trigger(muk, fqdn, btid, key_domain, key_group, counter, csb_id=None, rand=None, bcast_ext=False):
    """Solicited pull trigger (seed 001 6.6.1): MSK ID = Key Group || 0000, KEMAC Encr data length 0, V clear,
    MAC with the MUK-derived auth key. key_group 0 = re-register with urn:allServices (6.6.2)."""
    msk_id = key_group.to_bytes(2, "big") + bytes(2)
    rand = os.urandom(16) if rand is None else bytes(rand)
    csb_id = msk_id if csb_id is None else csb_id
    msg, keys = build_message(csb_id, counter, [(KID_DOMAIN, key_domain), (KID_MSK, msk_id)], muk, b"", rand=rand,
                              idi=_enc(fqdn), idr=_enc(btid), v=False,
                              bcast_subtype=BCAST_LTKM if bcast_ext else None)
    return msg, {"rand": rand, "csb_id": _b4(csb_id), "keys": keys}


def build_stkm(msk, key_domain, msk_id, mtk_id, mtk, counter, salt=None, csb_id=None, bcast_ext=False, sp=None):
    """MTK message (mbms.md §5). key_domain None: no Key Domain ID. salt None: Key data type 2 (TEK), else type 3
    (TEK+SALT). -> (msg, info)."""
    csb_id = msk_id if csb_id is None else csb_id
    ids = ([(KID_DOMAIN, key_domain)] if key_domain is not None else []) + \
        [(KID_MSK, msk_id), (KID_MTK, mtk_id.to_bytes(2, "big"))]
    kd = key_data(KD_TEK if salt is None else KD_TEK_SALT, mtk, salt=salt)
    msg, keys = build_message(csb_id, counter, ids, msk, kd, bcast_subtype=BCAST_STKM if bcast_ext else None, sp=sp)
    return msg, {"csb_id": _b4(csb_id), "keys": keys, "key_data": kd}


def _enc(s):
    return s.encode("utf-8") if isinstance(s, str) else bytes(s)


# --- parser -----------------------------------------------------------------------------------------------------

def parse(msg):
    """Parse a MIKEY message of the MBMS profile. -> dict: data_type, v, prf, csb_id, next, payloads [list of dicts
    with type, start, end (raw bytes msg[start:end]) and fields], key_ids {type: bytes}, bcast_subtype, counter,
    rand, idi, idr (bytes), id_raw [raw bytes], t_raw, kemac {encr_alg, encr, mac_alg, mac, mac_offset},
    vpay {auth_alg, mac, mac_offset}. Raises MikeyError."""
    msg = bytes(msg)
    if len(msg) < 10:
        raise MikeyError("shorter than HDR")
    if msg[0] != 1:
        raise MikeyError("version %d" % msg[0])
    r = {"data_type": msg[1], "next": msg[2], "v": bool(msg[3] & 0x80), "prf": msg[3] & 0x7F, "csb_id": msg[4:8],
         "n_cs": msg[8], "map_type": msg[9], "payloads": [], "key_ids": {}, "key_id_list": [], "exts": [],
         "bcast_subtype": None, "counter": None, "rand": None, "ids": [], "id_raw": [], "t_raw": None,
         "kemac": None, "vpay": None, "sp": []}
    if r["n_cs"] != 0 or r["map_type"] != MAP_EMPTY:
        raise MikeyError("only #CS 0 with the Empty map")
    pos, nxt = 10, msg[2]

    def need(n):
        if pos + n > len(msg):
            raise MikeyError("truncated payload at %d" % pos)

    while nxt != PT_LAST:
        if len(r["payloads"]) >= 16:
            raise MikeyError("too many payloads")
        start, t = pos, nxt
        need(1)
        nxt = msg[pos]
        pos += 1
        p = {"type": t, "start": start}
        if t == PT_EXT:
            need(3)
            et, ln = msg[pos], int.from_bytes(msg[pos + 1:pos + 3], "big")
            pos += 3
            need(ln)
            data = msg[pos:pos + ln]
            pos += ln
            p.update(ext_type=et, data=data)
            r["exts"].append((et, data))
            if et == EXT_KEY_ID:
                i = 0
                while i < len(data):
                    if i + 3 > len(data):
                        raise MikeyError("truncated Key ID")
                    kt, kl = data[i], int.from_bytes(data[i + 1:i + 3], "big")
                    if i + 3 + kl > len(data):
                        raise MikeyError("Key ID overruns the extension")
                    kv = data[i + 3:i + 3 + kl]
                    if kt in KID_LEN and kl != KID_LEN[kt]:
                        raise MikeyError("Key ID type %d length %d" % (kt, kl))
                    if kt in r["key_ids"]:
                        raise MikeyError("Key ID type %d repeated" % kt)
                    r["key_ids"][kt] = kv
                    r["key_id_list"].append((kt, kv))
                    i += 3 + kl
            elif et == EXT_OMA_BCAST and data:
                r["bcast_subtype"] = data[0]
        elif t == PT_T:
            need(1)
            tt = msg[pos]
            pos += 1
            if tt != TS_COUNTER:
                raise MikeyError("TS type %d (only COUNTER)" % tt)
            need(4)
            r["counter"] = int.from_bytes(msg[pos:pos + 4], "big")
            pos += 4
            r["t_raw"] = msg[start:pos]
        elif t == PT_RAND:
            need(1)
            ln = msg[pos]
            pos += 1
            need(ln)
            if ln == 0:
                raise MikeyError("empty RAND")
            r["rand"] = msg[pos:pos + ln]
            pos += ln
        elif t == PT_ID:
            need(3)
            it, ln = msg[pos], int.from_bytes(msg[pos + 1:pos + 3], "big")
            pos += 3
            need(ln)
            if ln == 0 or len(r["ids"]) >= 2:
                raise MikeyError("bad ID payload")
            r["ids"].append((it, msg[pos:pos + ln]))
            pos += ln
            r["id_raw"].append(msg[start:pos])
        elif t == PT_SP:
            need(4)
            ln = int.from_bytes(msg[pos + 2:pos + 4], "big")
            pos += 4
            need(ln)
            r["sp"].append(msg[pos - 4:pos + ln])
            pos += ln
        elif t == PT_KEMAC:
            need(3)
            ea, ln = msg[pos], int.from_bytes(msg[pos + 1:pos + 3], "big")
            pos += 3
            need(ln + 1)
            encr = msg[pos:pos + ln]
            pos += ln
            ma = msg[pos]
            pos += 1
            if ma not in MAC_LEN:
                raise MikeyError("MAC alg %d" % ma)
            need(MAC_LEN[ma])
            r["kemac"] = {"encr_alg": ea, "encr": encr, "mac_alg": ma, "mac": msg[pos:pos + MAC_LEN[ma]],
                          "mac_offset": pos}
            pos += MAC_LEN[ma]
            if nxt != PT_LAST:
                raise MikeyError("KEMAC is not the last payload")
        elif t == PT_V:
            need(1)
            aa = msg[pos]
            pos += 1
            if aa not in MAC_LEN:
                raise MikeyError("auth alg %d" % aa)
            need(MAC_LEN[aa])
            r["vpay"] = {"auth_alg": aa, "mac": msg[pos:pos + MAC_LEN[aa]], "mac_offset": pos}
            pos += MAC_LEN[aa]
            if nxt != PT_LAST:
                raise MikeyError("V is not the last payload")
        else:
            raise MikeyError("payload type %d not supported" % t)
        p["end"] = pos
        r["payloads"].append(p)
    if pos != len(msg):
        raise MikeyError("%d trailing bytes" % (len(msg) - pos))
    if r["ids"]:
        r["idi"] = r["ids"][0][1]
        r["idr"] = r["ids"][1][1] if len(r["ids"]) > 1 else None
    else:
        r["idi"] = r["idr"] = None
    return r


def parse_key_data(pt):
    """Key data sub-payload -> dict type, kv, key, salt (or None), vf, vt (ints or None). Must fill pt exactly."""
    pt = bytes(pt)
    if len(pt) < 4 or pt[0] != 0:
        raise MikeyError("bad Key data header")
    kd_type, kv = pt[1] >> 4, pt[1] & 0x0F
    kl = int.from_bytes(pt[2:4], "big")
    pos = 4 + kl
    if pos > len(pt):
        raise MikeyError("key overruns")
    out = {"type": kd_type, "kv": kv, "key": pt[4:pos], "salt": None, "vf": None, "vt": None}
    if kd_type in (KD_TGK_SALT, KD_TEK_SALT):
        if pos + 2 > len(pt):
            raise MikeyError("truncated salt length")
        sl = int.from_bytes(pt[pos:pos + 2], "big")
        if pos + 2 + sl > len(pt):
            raise MikeyError("salt overruns")
        out["salt"] = pt[pos + 2:pos + 2 + sl]
        pos += 2 + sl
    if kv == KV_INTERVAL:
        vals = []
        for _ in range(2):
            if pos >= len(pt):
                raise MikeyError("truncated interval")
            ln = pt[pos]
            if pos + 1 + ln > len(pt):
                raise MikeyError("interval overruns")
            vals.append(int.from_bytes(pt[pos + 1:pos + 1 + ln], "big"))
            pos += 1 + ln
        out["vf"], out["vt"] = vals
    elif kv == KV_SPI:
        if pos >= len(pt) or pos + 1 + pt[pos] > len(pt):
            raise MikeyError("bad SPI")
        pos += 1 + pt[pos]
    elif kv != KV_NULL:
        raise MikeyError("KV %d" % kv)
    if pos != len(pt):
        raise MikeyError("trailing bytes after Key data")
    return out


def open_message(msg, inkey, with_rand=True):
    """Verify the KEMAC MAC with keys from inkey (RAND from the message when with_rand) and decrypt.
    -> (parsed, keys, plaintext). Raises MikeyError on a layout error or a MAC mismatch."""
    r = parse(msg)
    if r["data_type"] != DT_PSK or r["kemac"] is None:
        raise MikeyError("not a pre-shared MIKEY message with KEMAC")
    k = r["kemac"]
    if k["encr_alg"] != ENCR_AES_CM_128 or k["mac_alg"] != MAC_HMAC_SHA1_160 or r["counter"] is None:
        raise MikeyError("need AES-CM-128, HMAC-SHA-1-160 and a COUNTER")
    keys = derive_keys(inkey, r["csb_id"], (r["rand"] or b"") if with_rand else b"")
    if not hmac.compare_digest(hmac_sha1(keys["auth"], bytes(msg)[:k["mac_offset"]]), k["mac"]):
        raise MikeyError("MAC mismatch")
    pt = aes_cm(keys["encr"], aes_cm_iv(keys["salt"], r["csb_id"], r["counter"]), k["encr"])
    return r, keys, pt


def classify_ltkm(r):
    """seed 001 6.6.1/6.6.2 on a parsed LTKM: -> 'SOLICITED_PULL', 'REREGISTER_ALL_SERVICES' or 'NORMAL_UPDATE'."""
    msk_id = r["key_ids"].get(KID_MSK)
    if msk_id is None or KID_DOMAIN not in r["key_ids"] or KID_MTK in r["key_ids"] or r["kemac"] is None:
        raise MikeyError("not an LTKM")
    if msk_id[2:4] == b"\0\0" and len(r["kemac"]["encr"]) == 0 and not r["v"]:
        return "REREGISTER_ALL_SERVICES" if msk_id[0:2] == b"\0\0" else "SOLICITED_PULL"
    return "NORMAL_UPDATE"


# --- verification message (mbms.md §4.5) ----------------------------------------------------------------------

def _ltkm_parts(ltkm):
    r = parse(ltkm)
    if len(r["id_raw"]) != 2 or r["t_raw"] is None:
        raise MikeyError("LTKM without IDi, IDr and T")
    return r


def build_verification(ltkm, auth_key):
    """The card's answer to an LTKM with V set: HDR(type 1) | T (the LTKM's counter) | V, 38 bytes."""
    r = _ltkm_parts(ltkm)
    head = bytes([1, DT_PSK_VERIF, PT_T, 0]) + r["csb_id"] + bytes([0, MAP_EMPTY]) + \
        bytes([PT_V, TS_COUNTER]) + r["counter"].to_bytes(4, "big") + bytes([PT_LAST, MAC_HMAC_SHA1_160])
    mac = hmac_sha1(auth_key, head + r["id_raw"][0] + r["id_raw"][1] + r["t_raw"])
    return head + mac


def verify_verification(vmsg, ltkm, auth_key):
    """Check a verification message against the LTKM it answers. -> True, or raises MikeyError saying why."""
    vmsg = bytes(vmsg)
    r = _ltkm_parts(ltkm)
    if len(vmsg) != 38:
        raise MikeyError("verification message is %d bytes, want 38" % len(vmsg))
    v = parse(vmsg)
    if v["data_type"] != DT_PSK_VERIF or v["v"] or v["prf"] != 0:
        raise MikeyError("HDR is not a PSK verification header")
    if v["csb_id"] != r["csb_id"]:
        raise MikeyError("CSB ID differs from the LTKM's")
    if [p["type"] for p in v["payloads"]] != [PT_T, PT_V] or v["vpay"]["auth_alg"] != MAC_HMAC_SHA1_160:
        raise MikeyError("payloads are not T | V (HMAC-SHA-1-160)")
    if v["counter"] != r["counter"]:
        raise MikeyError("counter %d differs from the LTKM's %d" % (v["counter"], r["counter"]))
    want = hmac_sha1(auth_key, vmsg[:v["vpay"]["mac_offset"]] + r["id_raw"][0] + r["id_raw"][1] + r["t_raw"])
    if not hmac.compare_digest(want, v["vpay"]["mac"]):
        raise MikeyError("verification MAC mismatch")
    return True


# --- WAP push (SMS bearer) --------------------------------------------------------------------------------------

WSP_PUSH = 0x06
WSP_CT_APPLICATION_MIKEY = 0x52          # AOSP WspTypeDecoder / PduContentTypes (mbms-facts S14)
WSP_HDR_X_WAP_APPLICATION_ID = 0x2F      # WSP well-known header field
WSP_APPID_BCAST_UA = 0x13                # x-oma-application:bcast.ua


def uintvar(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def wap_push(body, tid=0):
    """Connectionless WSP Push PDU: TID | 06 | HeadersLen (uintvar) | Content-Type 0xD2 | 0xAF 0x93 | body."""
    headers = bytes([0x80 | WSP_CT_APPLICATION_MIKEY, 0x80 | WSP_HDR_X_WAP_APPLICATION_ID,
                     0x80 | WSP_APPID_BCAST_UA])
    return bytes([tid & 0xFF, WSP_PUSH]) + uintvar(len(headers)) + headers + bytes(body)
