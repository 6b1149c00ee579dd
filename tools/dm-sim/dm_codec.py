"""Bytes of DM firmware-update control (applet-spec/dm-firmware.md), written from the spec alone, independently
of the C and Java implementations: the signed manifest (§4.1), the subscriber token (§4.2 check 8), the DM server's
log-authentication signature (§5), log records, the signed checkpoint and the export container (§3), and the
verifier of an exported log.

Every parser is strict and raises CodecError (a ValueError) with a reason; nothing else escapes on bad bytes.
"""

import datetime
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import cmac, hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers import algorithms


class CodecError(ValueError):
    """Malformed or unverifiable bytes; the text says what is wrong."""


# --- constants (apdu/contract.toml [limits], dm-firmware.md) --------------------------------------------------

MAGIC = b"SCFU"
FORMAT = 0x01
FU_MANIFEST_MAX = 512
FU_ORIGINATORS = 4
FU_TOKEN_LEN = 16
CARD_ID_LEN = 16
DM_ID_MAX = 64
DM_CHALLENGE_LEN = 16
AUTH_LABEL = b"SCAGENT-DM-AUTH-1"              # 17 bytes
LOG_RECORD_LEN = 96
LOG_CAPACITY = 32
LOG_NONCE_MIN, LOG_NONCE_MAX = 16, 32
CHECKPOINT_MAGIC = b"SCAGENT-LOG-CHECKPOINT-1"  # 24 bytes
H0 = bytes(32)

# manifest tags: name, fixed length (or (min, max)), required
T_SHA256, T_SIZE, T_KIND, T_MANUFACTURER, T_MODEL, T_RANGE, T_TO, T_SEQ, T_SERVER, T_IMEI, T_CARD, T_SLOT = range(1, 13)
T_SIGNATURE = 0x5F
TAGS = {
    T_SHA256: ("sha256", (32, 32), True),
    T_SIZE: ("size", (8, 8), True),
    T_KIND: ("kind", (1, 1), True),
    T_MANUFACTURER: ("manufacturer", (2, 2), True),
    T_MODEL: ("model", (2, 2), True),
    T_RANGE: ("from", (4, 4), True),
    T_TO: ("to", (2, 2), True),
    T_SEQ: ("seq", (4, 4), True),
    T_SERVER: ("server_id", (1, DM_ID_MAX), True),
    T_IMEI: ("imei", (8, 8), False),
    T_CARD: ("card_id", (16, 16), False),
    T_SLOT: ("slot", (1, 1), True),
    T_SIGNATURE: ("signature", (70, 72), True),
}
KINDS = {"firmware": 0x01, "software": 0x02}

LOG_KINDS = {0x01: "firmware", 0x02: "software", 0x10: "confirmation"}
LOG_STATUSES = {0x01: "started", 0x02: "verified", 0x03: "installed", 0x04: "failed", 0x05: "refused",
                0x06: "confirmed"}
LOG_FLAGS = ((0x01, "authorized"), (0x02, "confirmed"), (0x04, "token"), (0x08, "hashed-on-card"))

FORMAT_ERRORS = ("magic", "version", "order", "duplicate", "unknown-tag", "bad-length", "missing", "trailing")


# --- IMEI (TS 24.008 §10.5.1.4 mobile identity, type IMEI, odd) ---------------------------------------------

def encode_imei(digits):
    """15 digits -> 8 octets: octet 1 = digit1 << 4 | 8 (odd) | 2 (IMEI); then digit(2k+1) << 4 | digit(2k)."""
    if len(digits) != 15 or not digits.isascii() or not digits.isdigit():
        raise CodecError("an IMEI has 15 decimal digits, got %r" % digits)
    d = [int(c) for c in digits]
    return bytes([d[0] << 4 | 0x08 | 0x02] + [d[i + 1] << 4 | d[i] for i in range(1, 15, 2)])


def decode_imei(b):
    """8 octets -> 15 digits; None when the octets are not a TS 24.008 IMEI (zeros: no IMEI)."""
    if len(b) != 8 or b[0] & 0x0F != 0x0A:
        return None
    nibbles = [b[0] >> 4]
    for o in b[1:]:
        nibbles += [o & 0x0F, o >> 4]
    if any(n > 9 for n in nibbles):
        return None
    return "".join(str(n) for n in nibbles)


# --- P-256 keys -----------------------------------------------------------------------------------------------

def raw_point(pub):
    """The 65-byte uncompressed point 04 || X || Y the card stores."""
    return pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def load_public(data):
    """A P-256 public key from SPKI DER, SPKI PEM or a raw 65-byte point."""
    try:
        if data.lstrip().startswith(b"-----"):
            pub = serialization.load_pem_public_key(data)
        elif len(data) == 65 and data[0] == 0x04:
            pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), data)
        else:
            pub = serialization.load_der_public_key(data)
    except (ValueError, TypeError) as e:
        raise CodecError("not a public key (SPKI DER/PEM or 65-byte point): %s" % e) from None
    if not isinstance(pub, ec.EllipticCurvePublicKey) or pub.curve.name != "secp256r1":
        raise CodecError("not a P-256 public key")
    return pub


def ecdsa_sign(key, data):
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def ecdsa_verify(pub, sig, data):
    """True when `sig` (DER) is a valid ECDSA P-256 SHA-256 signature of `data`."""
    try:
        pub.verify(sig, data, ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, ValueError):
        return False


def corrupt_der_signature(sig):
    """Flip the lowest bit of s (the last byte): still well-formed DER, no longer valid."""
    return sig[:-1] + bytes([sig[-1] ^ 0x01])


# --- the manifest (§4.1) -------------------------------------------------------------------------------------

def package_digest(path, chunk=1 << 20):
    """(sha256, size) of a file, streamed."""
    h, n = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while True:
            b = f.read(chunk)
            if not b:
                break
            h.update(b)
            n += len(b)
    return h.digest(), n


def _tlv(tag, value):
    if len(value) > 255:
        raise CodecError("TLV %02X: value of %d bytes does not fit a 1-byte length" % (tag, len(value)))
    return bytes([tag, len(value)]) + value


def _u(n, width, what):
    if not isinstance(n, int) or not 0 <= n < 1 << (8 * width):
        raise CodecError("%s: %r does not fit %d bytes" % (what, n, width))
    return n.to_bytes(width, "big")


def manifest_tlvs(sha256, size, kind, manufacturer, model, from_min, from_max, to, seq, server_id, slot,
                  imei=None, card_id=None):
    """The TLVs before the signature, as (tag, value) in increasing tag order."""
    if len(sha256) != 32:
        raise CodecError("the package SHA-256 is 32 bytes")
    if kind not in KINDS.values():
        raise CodecError("kind: 1 (firmware) or 2 (software)")
    if isinstance(server_id, str):
        server_id = server_id.encode("utf-8")
    if not 1 <= len(server_id) <= DM_ID_MAX:
        raise CodecError("the DM server id is 1..%d bytes" % DM_ID_MAX)
    t = [(T_SHA256, sha256), (T_SIZE, _u(size, 8, "size")), (T_KIND, bytes([kind])),
         (T_MANUFACTURER, _u(manufacturer, 2, "manufacturer")), (T_MODEL, _u(model, 2, "model")),
         (T_RANGE, _u(from_min, 2, "from-min") + _u(from_max, 2, "from-max")), (T_TO, _u(to, 2, "to")),
         (T_SEQ, _u(seq, 4, "seq")), (T_SERVER, server_id)]
    if imei is not None:
        t.append((T_IMEI, encode_imei(imei) if isinstance(imei, str) else bytes(imei)))
    if card_id is not None:
        if len(card_id) != CARD_ID_LEN:
            raise CodecError("the card id is 16 bytes")
        t.append((T_CARD, bytes(card_id)))
    t.append((T_SLOT, _u(slot, 1, "slot")))
    return t


def sign_manifest(key, tlvs, bad_signature=False, format_error=None):
    """"SCFU" || 01 || TLVs || 5F len DER-signature over every earlier byte.

    The signature is redrawn until its DER form is 70..72 bytes (the length §4.1 allows; ECDSA is randomized,
    about 1 signature in 100 is shorter). `format_error` (one of FORMAT_ERRORS) makes a manifest that breaks
    exactly one format rule, signed over its (malformed) bytes so that only the format is at fault.
    """
    magic, version, tlvs = MAGIC, FORMAT, list(tlvs)
    if format_error == "magic":
        magic = b"SCFV"
    elif format_error == "version":
        version = 0x02
    elif format_error == "order":
        tlvs[0], tlvs[1] = tlvs[1], tlvs[0]
    elif format_error == "duplicate":
        tlvs.insert(3, tlvs[2])
    elif format_error == "unknown-tag":
        tlvs.append((0x0D, b"\x00"))
    elif format_error == "bad-length":
        tlvs[1] = (tlvs[1][0], tlvs[1][1][1:])      # size in 7 bytes
    elif format_error == "missing":
        tlvs = [t for t in tlvs if t[0] != T_SEQ]
    elif format_error not in (None, "trailing"):
        raise CodecError("unknown format error %r (one of %s)" % (format_error, ", ".join(FORMAT_ERRORS)))
    body = magic + bytes([version]) + b"".join(_tlv(t, v) for t, v in tlvs)
    while True:
        sig = ecdsa_sign(key, body)
        if 70 <= len(sig) <= 72:
            break
    if bad_signature:
        sig = corrupt_der_signature(sig)
    out = body + _tlv(T_SIGNATURE, sig)
    if format_error == "trailing":
        out += b"\x00"
    if len(out) > FU_MANIFEST_MAX:
        raise CodecError("manifest of %d bytes, over FU_MANIFEST_MAX %d" % (len(out), FU_MANIFEST_MAX))
    return out


def parse_manifest(data):
    """Strict §4.1 parse -> dict of decoded fields plus 'signed' (the bytes the signature covers) and 'signature'."""
    if len(data) > FU_MANIFEST_MAX:
        raise CodecError("manifest of %d bytes, over %d" % (len(data), FU_MANIFEST_MAX))
    if len(data) < 5 or data[:4] != MAGIC:
        raise CodecError("no SCFU magic")
    if data[4] != FORMAT:
        raise CodecError("format %02X, want 01" % data[4])
    pos, last, raw = 5, 0, {}
    while pos < len(data):
        if pos + 2 > len(data):
            raise CodecError("truncated TLV header at offset %d" % pos)
        tag, ln = data[pos], data[pos + 1]
        if tag not in TAGS:
            raise CodecError("unknown tag %02X at offset %d" % (tag, pos))
        if tag <= last:
            raise CodecError("tag %02X at offset %d out of order or repeated" % (tag, pos))
        lo, hi = TAGS[tag][1]
        if not lo <= ln <= hi:
            raise CodecError("tag %02X: length %d, want %d..%d" % (tag, ln, lo, hi))
        if pos + 2 + ln > len(data):
            raise CodecError("tag %02X: value runs past the end" % tag)
        raw[tag] = (pos, data[pos + 2:pos + 2 + ln])
        last, pos = tag, pos + 2 + ln
        if tag == T_SIGNATURE and pos != len(data):
            raise CodecError("%d bytes after the signature" % (len(data) - pos))
    for tag, (name, _, required) in TAGS.items():
        if required and tag not in raw:
            raise CodecError("required tag %02X (%s) missing" % (tag, name))
    v = {t: val for t, (_, val) in raw.items()}
    out = {
        "sha256": v[T_SHA256].hex(), "size": int.from_bytes(v[T_SIZE], "big"), "kind": v[T_KIND][0],
        "manufacturer": int.from_bytes(v[T_MANUFACTURER], "big"), "model": int.from_bytes(v[T_MODEL], "big"),
        "from_min": int.from_bytes(v[T_RANGE][:2], "big"), "from_max": int.from_bytes(v[T_RANGE][2:], "big"),
        "to": int.from_bytes(v[T_TO], "big"), "seq": int.from_bytes(v[T_SEQ], "big"),
        "server_id": v[T_SERVER].decode("utf-8", "replace"), "server_id_hex": v[T_SERVER].hex(),
        "imei": None, "imei_hex": None, "card_id": None, "slot": v[T_SLOT][0],
        "signature": v[T_SIGNATURE].hex(), "length": len(data),
    }
    if T_IMEI in v:
        out["imei"], out["imei_hex"] = decode_imei(v[T_IMEI]), v[T_IMEI].hex()
    if T_CARD in v:
        out["card_id"] = v[T_CARD].hex()
    out["kind_name"] = {1: "firmware", 2: "software"}.get(out["kind"], "unknown")
    out["_signed"] = data[:raw[T_SIGNATURE][0]]
    out["_signature"] = v[T_SIGNATURE]
    return out


# --- the subscriber token (§4.2 check 8) ----------------------------------------------------------------------

def token(k_token, manifest, card_id):
    """AES-CMAC(K_token, SHA-256(manifest) || card id (16) || manifest sequence number (4))."""
    if len(k_token) != 16:
        raise CodecError("K_token is an AES-128 key (16 bytes)")
    if len(card_id) != CARD_ID_LEN:
        raise CodecError("the card id is 16 bytes")
    seq = int(parse_manifest(manifest)["seq"]).to_bytes(4, "big")
    c = cmac.CMAC(algorithms.AES(k_token))
    c.update(hashlib.sha256(manifest).digest() + card_id + seq)
    return c.finalize()


# --- log authentication (§5) ----------------------------------------------------------------------------------

def auth_message(card_id, challenge):
    if len(card_id) != CARD_ID_LEN:
        raise CodecError("the card id is 16 bytes")
    if len(challenge) != DM_CHALLENGE_LEN:
        raise CodecError("the challenge is %d bytes" % DM_CHALLENGE_LEN)
    return AUTH_LABEL + card_id + challenge


def auth_sign(key, card_id, challenge):
    return ecdsa_sign(key, auth_message(card_id, challenge))


# --- log records (§3.1) ---------------------------------------------------------------------------------------

def build_record(seq, time=0, kind=0x01, status=0x02, result=200, from_rel=0, to_rel=0, imei=None, flags=0,
                 server_id=b"", sha256=bytes(32), manifest_seq=0):
    """A 96-byte record as the card stores it (server ids longer than 32 bytes are cut, as the card does)."""
    if isinstance(server_id, str):
        server_id = server_id.encode("utf-8")
    server_id = server_id[:32]
    im = bytes(8) if imei is None else (encode_imei(imei) if isinstance(imei, str) else bytes(imei))
    r = (_u(seq, 4, "seq") + _u(time, 4, "time") + bytes([kind, status]) + _u(result, 2, "result")
         + _u(from_rel, 2, "from") + _u(to_rel, 2, "to") + im + bytes([flags, len(server_id)])
         + server_id.ljust(32, b"\0") + sha256 + _u(manifest_seq, 4, "manifest seq") + b"\0\0")
    assert len(r) == LOG_RECORD_LEN
    return r


def iso_time(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_record(r):
    """96 bytes -> dict. Raises CodecError for a record the card could not have written (reserved bytes, id
    length over 32, non-zero padding, an unknown kind or status)."""
    if len(r) != LOG_RECORD_LEN:
        raise CodecError("a record is %d bytes" % LOG_RECORD_LEN)
    seq = int.from_bytes(r[0:4], "big")
    idl = r[25]
    if idl > 32:
        raise CodecError("record %d: server id length %d over 32" % (seq, idl))
    if any(r[26 + idl:58]):
        raise CodecError("record %d: server id padding is not zero" % seq)
    if r[94:96] != b"\0\0":
        raise CodecError("record %d: reserved bytes %s, want 0000" % (seq, r[94:96].hex()))
    if r[8] not in LOG_KINDS:
        raise CodecError("record %d: unknown kind %02X" % (seq, r[8]))
    if r[9] not in LOG_STATUSES:
        raise CodecError("record %d: unknown status %02X" % (seq, r[9]))
    t = int.from_bytes(r[4:8], "big")
    sid = r[26:26 + idl]
    return {
        "seq": seq, "time": t, "time_iso": iso_time(t),
        "kind": r[8], "kind_name": LOG_KINDS[r[8]], "status": r[9], "status_name": LOG_STATUSES[r[9]],
        "result": int.from_bytes(r[10:12], "big"),
        "from": int.from_bytes(r[12:14], "big"), "to": int.from_bytes(r[14:16], "big"),
        "imei": decode_imei(r[16:24]), "imei_hex": r[16:24].hex(),
        "flags": r[24], "flag_names": [n for b, n in LOG_FLAGS if r[24] & b],
        "server_id": sid.decode("utf-8", "replace"), "server_id_hex": sid.hex(),
        "sha256": r[58:90].hex(), "manifest_seq": int.from_bytes(r[90:94], "big"),
    }


def chain(h, record):
    return hashlib.sha256(h + record).digest()


# --- the checkpoint (§3.4) and the export container -----------------------------------------------------------

def checkpoint_tbs(card_id, count, first_seq, head, nonce):
    return (CHECKPOINT_MAGIC + card_id + _u(count, 4, "count") + _u(first_seq, 4, "first seq") + head
            + bytes([len(nonce)]) + nonce)


def build_checkpoint(card_key, card_id, count, first_seq, head, nonce):
    tbs = checkpoint_tbs(card_id, count, first_seq, head, nonce)
    sig = ecdsa_sign(card_key, tbs)
    return tbs + bytes([len(sig)]) + sig


def parse_checkpoint(cp):
    """-> dict with card_id, count, first_seq, head, nonce, signature, tbs (bytes)."""
    fixed = len(CHECKPOINT_MAGIC) + 16 + 4 + 4 + 32
    if len(cp) < fixed + 1:
        raise CodecError("checkpoint truncated (%d bytes)" % len(cp))
    if cp[:24] != CHECKPOINT_MAGIC:
        raise CodecError("checkpoint magic is not SCAGENT-LOG-CHECKPOINT-1")
    nl = cp[fixed]
    if not LOG_NONCE_MIN <= nl <= LOG_NONCE_MAX:
        raise CodecError("checkpoint nonce length %d, want %d..%d" % (nl, LOG_NONCE_MIN, LOG_NONCE_MAX))
    p = fixed + 1 + nl
    if len(cp) < p + 1:
        raise CodecError("checkpoint truncated in the nonce or before signature_len")
    sl = cp[p]
    if len(cp) != p + 1 + sl:
        raise CodecError("checkpoint: signature_len %d but %d bytes follow" % (sl, len(cp) - p - 1))
    if not 8 <= sl <= 72:
        raise CodecError("checkpoint: signature_len %d is no DER ECDSA P-256 signature" % sl)
    return {"card_id": cp[24:40], "count": int.from_bytes(cp[40:44], "big"),
            "first_seq": int.from_bytes(cp[44:48], "big"), "head": cp[48:80], "nonce": cp[fixed + 1:p],
            "signature": cp[p + 1:], "tbs": cp[:p]}


def build_export(h_before_first, records, checkpoint):
    """h_before_first (32) || n (2) || n records (96 each) || checkpoint_len (2) || checkpoint."""
    if len(h_before_first) != 32:
        raise CodecError("h_before_first is 32 bytes")
    return (h_before_first + _u(len(records), 2, "n") + b"".join(records) + _u(len(checkpoint), 2, "checkpoint_len")
            + checkpoint)


def parse_export(data):
    """-> (h_before_first, [records], checkpoint bytes); the lengths must account for every byte."""
    if len(data) < 34:
        raise CodecError("export truncated (%d bytes, the header alone is 34)" % len(data))
    n = int.from_bytes(data[32:34], "big")
    p = 34 + n * LOG_RECORD_LEN
    if len(data) < p + 2:
        raise CodecError("export: n = %d records but only %d bytes" % (n, len(data)))
    cl = int.from_bytes(data[p:p + 2], "big")
    if len(data) != p + 2 + cl:
        raise CodecError("export: checkpoint_len %d but %d bytes follow" % (cl, len(data) - p - 2))
    recs = [data[34 + i * LOG_RECORD_LEN:34 + (i + 1) * LOG_RECORD_LEN] for i in range(n)]
    return data[:32], recs, data[p + 2:]


def verify_export(data, card_pub, card_id, nonce, capacity=LOG_CAPACITY):
    """Verify an export container (§3.2, §3.4). Returns a dict (count, first_seq, dropped, head, records) or
    raises CodecError with the first reason it fails."""
    if len(card_id) != CARD_ID_LEN:
        raise CodecError("the card id is 16 bytes")
    h_prev, records, cp_bytes = parse_export(data)
    cp = parse_checkpoint(cp_bytes)
    if not ecdsa_verify(card_pub, cp["signature"], cp["tbs"]):
        raise CodecError("the checkpoint signature does not verify with the card's log key")
    if cp["card_id"] != card_id:
        raise CodecError("the checkpoint is for card %s, not %s" % (cp["card_id"].hex(), card_id.hex()))
    if cp["nonce"] != nonce:
        raise CodecError("the checkpoint carries nonce %s, not the one issued (%s)" % (cp["nonce"].hex(), nonce.hex()))
    count, first = cp["count"], cp["first_seq"]
    if count == 0:
        if records or first not in (0, 1) or cp["head"] != H0 or h_prev != H0:
            raise CodecError("an empty log (count 0) needs no records, first seq 0 or 1, zero head and h_before")
        return {"count": 0, "first_seq": first, "dropped": 0, "head": H0.hex(), "records": []}
    want_first = max(1, count - capacity + 1)
    if first != want_first:
        raise CodecError("first retained seq %d, but a ring of %d with count %d retains from %d"
                         % (first, capacity, count, want_first))
    if len(records) != count - first + 1:
        raise CodecError("%d records exported, the checkpoint's window %d..%d has %d"
                         % (len(records), first, count, count - first + 1))
    if first == 1 and h_prev != H0:
        raise CodecError("the log starts at seq 1 but h_before_first is not h_0 (32 zero bytes)")
    out = []
    for i, r in enumerate(records):
        seq = int.from_bytes(r[:4], "big")
        if seq != first + i:
            raise CodecError("record %d has seq %d, want %d (a gap or reordering)" % (i, seq, first + i))
        h_prev = chain(h_prev, r)
        out.append(parse_record(r))
    if h_prev != cp["head"]:
        raise CodecError("the chain over the records ends at %s, the signed head is %s"
                         % (h_prev.hex(), cp["head"].hex()))
    return {"count": count, "first_seq": first, "dropped": first - 1, "head": cp["head"].hex(), "records": out}


def make_log(card_key, card_id, nonce, records, capacity=LOG_CAPACITY):
    """What a well-behaved card exports: `records` are all records ever appended (seq 1..count); the export holds
    the retained window and the checkpoint over it. Used by the self-test and `dm-sim.py make-log`."""
    h, hs = H0, [H0]
    for r in records:
        h = chain(h, r)
        hs.append(h)
    count = len(records)
    first = max(1, count - capacity + 1) if count else 1
    window = records[first - 1:] if count else []
    cp = build_checkpoint(card_key, card_id, count, first, h, nonce)
    return build_export(hs[first - 1] if count else H0, window, cp)
