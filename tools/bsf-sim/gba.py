"""GBA computations of the BSF (TS 33.220, TS 33.102): AKA vectors for GBA_U / GBA_ME, AUTS, the Annex B KDF, B-TID,
SQN = SEQ || IND (TS 33.102 Annex C), and the RFC 3310 / RFC 2617 Digest (AKAv1-MD5, qop=auth-int) arithmetic.

Written from the specifications (see README.md "Sources and confidence"); an independent cross-check of the card's
Java and the host's C.
"""

import base64
import hashlib
import hmac

import milenage

IND_BITS = 5                      # TS 33.102 C.3.2: IND length 5 bits (32 array entries)
SQN_MAX = (1 << 48) - 1
LABEL_ME = b"gba-me"              # Ks_NAF (GBA_ME) / Ks_ext_NAF (GBA_U)
LABEL_U = b"gba-u"                # Ks_int_NAF (GBA_U)
UA_MBMS = bytes.fromhex("0100000001")


class GbaError(ValueError):
    pass


def xor(a, b):
    return milenage.xor(a, b)


def _b(name, v, n):
    if not isinstance(v, (bytes, bytearray)) or len(v) != n:
        raise GbaError("%s must be %d bytes" % (name, n))
    return bytes(v)


# --- SQN (TS 33.102 Annex C) ------------------------------------------------------------------------------------

def sqn_split(sqn):
    """48-bit SQN (int) -> (SEQ, IND)."""
    return sqn >> IND_BITS, sqn & ((1 << IND_BITS) - 1)


def sqn_join(seq, ind):
    if not 0 <= ind < 1 << IND_BITS:
        raise GbaError("IND %d does not fit %d bits" % (ind, IND_BITS))
    sqn = (seq << IND_BITS) | ind
    if not 0 <= sqn <= SQN_MAX:
        raise GbaError("SQN overflow (SEQ %d)" % seq)
    return sqn


def sqn_next(last, ind_cycle=False, fixed_ind=0):
    """The SQN of the next vector after the last one issued (or after a re-synchronised SQN_MS): SEQ + 1, and IND
    either the subscriber's fixed value (default 0) or, with ind_cycle, the last IND + 1 modulo 32."""
    seq, ind = sqn_split(last)
    return sqn_join(seq + 1, (ind + 1) % (1 << IND_BITS) if ind_cycle else fixed_ind)


def sqn_bytes(sqn):
    return sqn.to_bytes(6, "big")


# --- AKA vector and AUTS ----------------------------------------------------------------------------------------

def mac_star_mask(ik):
    """GBA_U: MAC* = MAC xor (first 8 octets of SHA-1(IK)) (TS 33.220 §5.3.2, Trunc to 64 bits; see README)."""
    return hashlib.sha1(_b("IK", ik, 16)).digest()[:8]


def vector(k, opc, sqn, amf, rand, gba_u=True):
    """An authentication vector. sqn: 6 bytes or int. Returns a dict of bytes: rand, sqn, amf, autn, res (= XRES), ck,
    ik, ks, ak, mac, mac_star, and nonce (base64 text of RAND || AUTN)."""
    if isinstance(sqn, int):
        sqn = sqn_bytes(sqn)
    sqn, amf, rand = _b("SQN", sqn, 6), _b("AMF", amf, 2), _b("RAND", rand, 16)
    m = milenage.Milenage(k, opc, rand)
    mac, res, ck, ik, ak = m.f1(sqn, amf), m.f2(), m.f3(), m.f4(), m.f5()
    mac_star = xor(mac, mac_star_mask(ik))
    autn = xor(sqn, ak) + amf + (mac_star if gba_u else mac)
    return {"rand": rand, "sqn": sqn, "amf": amf, "autn": autn, "res": res, "ck": ck, "ik": ik, "ks": ck + ik,
            "ak": ak, "mac": mac, "mac_star": mac_star, "gba_type": "GBA_U" if gba_u else "GBA_ME",
            "nonce": base64.b64encode(rand + autn).decode("ascii")}


def check_autn(k, opc, rand, autn, gba_u=True):
    """What a card does with (RAND, AUTN): recover SQN, check the MAC (MAC* for GBA_U). Returns a dict with sqn (int),
    amf, res, ck, ik, ks; raises GbaError on a MAC mismatch. The SQN freshness check is the caller's."""
    rand, autn = _b("RAND", rand, 16), _b("AUTN", autn, 16)
    m = milenage.Milenage(k, opc, rand)
    ak, ik = m.f5(), m.f4()
    sqn, amf, got = xor(autn[:6], ak), autn[6:8], autn[8:]
    mac = m.f1(sqn, amf)
    want = xor(mac, mac_star_mask(ik)) if gba_u else mac
    if not hmac.compare_digest(got, want):
        raise GbaError("AUTN MAC mismatch")
    ck = m.f3()
    return {"sqn": int.from_bytes(sqn, "big"), "amf": amf, "res": m.f2(), "ck": ck, "ik": ik, "ks": ck + ik}


AUTS_AMF = bytes(2)  # TS 33.102 §6.3.3: MAC-S is computed with a dummy AMF of all zeros


def make_auts(k, opc, rand, sqn_ms):
    """AUTS = (SQN_MS xor AK*) || MAC-S, AK* = f5*(K, RAND), MAC-S = f1*(K, SQN_MS, RAND, AMF = 0000); 14 bytes."""
    if isinstance(sqn_ms, int):
        sqn_ms = sqn_bytes(sqn_ms)
    sqn_ms = _b("SQN_MS", sqn_ms, 6)
    m = milenage.Milenage(k, opc, _b("RAND", rand, 16))
    return xor(sqn_ms, m.f5star()) + m.f1star(sqn_ms, AUTS_AMF)


def check_auts(k, opc, rand, auts):
    """-> SQN_MS (int) or GbaError when MAC-S does not verify."""
    auts = _b("AUTS", auts, 14)
    m = milenage.Milenage(k, opc, _b("RAND", rand, 16))
    sqn_ms = xor(auts[:6], m.f5star())
    if not hmac.compare_digest(m.f1star(sqn_ms, AUTS_AMF), auts[6:]):
        raise GbaError("AUTS MAC-S mismatch")
    return int.from_bytes(sqn_ms, "big")


# --- KDF (TS 33.220 Annex B) and identifiers -------------------------------------------------------------------

def kdf(key, fc, *params):
    """HMAC-SHA-256(key, FC || P0 || L0 || P1 || L1 || ...), Li = 2-byte big-endian length of Pi."""
    s = bytearray([fc])
    for p in params:
        if len(p) > 0xFFFF:
            raise GbaError("KDF parameter longer than 65535 bytes")
        s += p + len(p).to_bytes(2, "big")
    return hmac.new(key, bytes(s), hashlib.sha256).digest()


def naf_id(fqdn, ua=UA_MBMS):
    """NAF_Id = FQDN (UTF-8) || Ua security protocol identifier (5 bytes)."""
    return fqdn.encode("utf-8") + _b("Ua security protocol id", ua, 5)


def ks_naf(ks, rand, impi, nafid, label=LABEL_ME):
    """Ks_NAF / Ks_ext_NAF (label b"gba-me") or Ks_int_NAF (label b"gba-u"), 32 bytes."""
    if label not in (LABEL_ME, LABEL_U):
        raise GbaError("label must be gba-me or gba-u")
    impi_b = impi.encode("utf-8") if isinstance(impi, str) else impi
    return kdf(_b("Ks", ks, 32), 0x01, label, _b("RAND", rand, 16), impi_b, nafid)


def btid(rand, domain):
    """B-TID = base64(RAND) "@" BSF server domain (TS 33.220 §4.5.2, NAI format)."""
    return base64.b64encode(_b("RAND", rand, 16)).decode("ascii") + "@" + domain


# --- HTTP Digest AKA (RFC 3310 over RFC 2617) --------------------------------------------------------------------

def md5hex(b):
    return hashlib.md5(b).hexdigest()


def digest_response(username, realm, password, method, uri, nonce, nc, cnonce, qop, body=b""):
    """RFC 2617 request-digest for algorithm AKAv1-MD5 (= MD5 with the AKA RES as the password) and qop=auth-int:
    HA1 = MD5(username ":" realm ":" password), password = RES as raw octets (b"" after a sync failure);
    HA2 = MD5(method ":" uri ":" MD5(entity-body)); response = MD5(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2).
    For rspauth (Authentication-Info) pass method="" and the response body."""
    if qop != "auth-int":
        raise GbaError("only qop=auth-int is supported")
    ha1 = md5hex(username.encode("utf-8") + b":" + realm.encode("utf-8") + b":" + bytes(password))
    ha2 = md5hex(method.encode("ascii") + b":" + uri.encode("utf-8") + b":" + md5hex(body).encode("ascii"))
    return md5hex(":".join((ha1, nonce, nc, cnonce, qop, ha2)).encode("utf-8"))


def parse_digest(header):
    """Parse `Digest k=v, k="v", ...` (RFC 2617 auth-param list, quoted-string with backslash escapes).
    -> dict with lower-case keys; raises GbaError when the header is not a well-formed Digest header."""
    h = header.strip()
    if h[:6].lower() != "digest" or (len(h) > 6 and not h[6].isspace()):
        raise GbaError("not a Digest header")
    s, i, out = h[6:], 0, {}
    n = len(s)
    while True:
        while i < n and s[i] in " \t\r\n,":
            i += 1
        if i >= n:
            return out
        j = i
        while j < n and s[j] not in "= \t,":
            j += 1
        key = s[i:j].lower()
        if not key:
            raise GbaError("empty parameter name")
        while j < n and s[j] in " \t":
            j += 1
        if j >= n or s[j] != "=":
            raise GbaError("parameter %s has no value" % key)
        j += 1
        while j < n and s[j] in " \t":
            j += 1
        if j < n and s[j] == '"':
            j += 1
            val = []
            while True:
                if j >= n:
                    raise GbaError("unterminated quoted value of %s" % key)
                c = s[j]
                if c == "\\" and j + 1 < n:
                    val.append(s[j + 1])
                    j += 2
                    continue
                if c == '"':
                    j += 1
                    break
                val.append(c)
                j += 1
            value = "".join(val)
        else:
            k = j
            while j < n and s[j] not in ", \t":
                j += 1
            value = s[k:j]
        if key in out:
            raise GbaError("parameter %s repeated" % key)
        out[key] = value
        while j < n and s[j] in " \t":
            j += 1
        if j < n and s[j] != ",":
            raise GbaError("junk after the value of %s" % key)
        i = j


def quote(v):
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
