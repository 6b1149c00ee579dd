"""BCAST_Client_ID and upgrade_available_msg, the network side's own implementation.

OMA BCAST Smartcard Profile 5.1.7.1 / 5.1.7.2, with the choices of applet-spec/bcast-identity.md §2, §3, §7.
Written independently of the C codecs on purpose: the simulator checks the terminal, it does not share its bugs.
Only cryptography 38 APIs (Debian 12's python3-cryptography) and the standard library.
"""

import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (decode_dss_signature,
                                                             encode_dss_signature)

FIELDS_LEN = 19
UPGRADE_TYPE = "application/vnd.oma.bcast.upgrade-available-msg"
MAX_URI = 255


class CodecError(ValueError):
    """Malformed or unverifiable bytes; the text says what is wrong."""


# --- the 19 bytes of fields ---------------------------------------------------------------------------------

def encode_imei(digits):
    """15 IMEI digits -> the 8 octets of a TS 24.008 §10.5.1.4 mobile identity (type IMEI, odd)."""
    if len(digits) != 15 or not digits.isdigit():
        raise CodecError("an IMEI has 15 decimal digits")
    d = [int(c) for c in digits]
    out = [d[0] << 4 | 0x8 | 0x2]
    for i in range(1, 15, 2):          # digit i+1 low nibble, digit i+2 high nibble
        out.append(d[i + 1] << 4 | d[i])
    return bytes(out)


def decode_imei(b):
    """8 octets -> 15 digits. Octet 1: digit 1 in the high nibble, then odd bit and type 010; each further octet
    holds the lower-numbered digit in its low nibble."""
    if len(b) != 8:
        raise CodecError("IMEI: 8 octets expected")
    if b[0] & 0x0F != 0x0A:
        raise CodecError("IMEI: octet 1 low nibble is %X, want A (odd, type IMEI 010)" % (b[0] & 0x0F))
    nibbles = [b[0] >> 4]
    for o in b[1:]:
        nibbles += [o & 0x0F, o >> 4]
    if any(n > 9 for n in nibbles):
        raise CodecError("IMEI: a digit nibble is above 9")
    return "".join(str(n) for n in nibbles)


def luhn_ok(digits):
    """TS 23.003 check digit (the 15th digit) over the first 14."""
    total = 0
    for i, c in enumerate(digits[:14]):
        v = int(c) * (2 if i % 2 else 1)
        total += v // 10 + v % 10
    return (10 - total % 10) % 10 == int(digits[14])


def parse_fields(f):
    """The 19 bytes -> a dict for logs. Raises CodecError for a malformed IMEI."""
    if len(f) != FIELDS_LEN:
        raise CodecError("fields: %d bytes, want 19" % len(f))
    imei = decode_imei(f[0:8])
    return {
        "imei": imei,
        "imei_luhn_ok": luhn_ok(imei),
        "terminal_firmware_version": int.from_bytes(f[8:10], "big"),
        "client_manufacturer_code": int.from_bytes(f[10:12], "big"),
        "client_model_no": int.from_bytes(f[12:14], "big"),
        "client_serial_no": int.from_bytes(f[14:17], "big"),
        "client_software_version": int.from_bytes(f[17:19], "big"),
        "hex": f.hex().upper(),
    }


def make_fields(imei="490154203237518", firmware=1, manufacturer=0x5343, model=1, serial=1, software=1):
    return (encode_imei(imei) + firmware.to_bytes(2, "big") + manufacturer.to_bytes(2, "big")
            + model.to_bytes(2, "big") + serial.to_bytes(3, "big") + software.to_bytes(2, "big"))


# --- signatures ------------------------------------------------------------------------------------------------

def sig_len_for(key):
    """The fixed signature length a key produces (bcast-identity.md §3: it is signed, so known beforehand)."""
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        if key.curve.name != "secp256r1":
            raise CodecError("EC key on %s; only P-256 is defined" % key.curve.name)
        return 64
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return (key.key_size + 7) // 8
    raise CodecError("unsupported key type %s" % type(key).__name__)


def sign(key, data):
    """P-256: ECDSA SHA-256 as 64-byte r||s; RSA: PKCS#1 v1.5 SHA-256."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def verify(pub, sig, data):
    """Raises CodecError when `sig` is not a valid signature of `data` by `pub`."""
    want = sig_len_for(pub)
    if len(sig) != want:
        raise CodecError("signature is %d bytes, the certificate's key gives %d" % (len(sig), want))
    try:
        if isinstance(pub, ec.EllipticCurvePublicKey):
            der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
            pub.verify(der, data, ec.ECDSA(hashes.SHA256()))
        else:
            pub.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise CodecError("signature does not verify") from None


# --- certificates -------------------------------------------------------------------------------------------

def _validity(cert):
    # cryptography 38 gives naive UTC datetimes; newer versions add the *_utc properties.
    nb = getattr(cert, "not_valid_before_utc", None) or cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)
    na = getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    return nb, na


def check_issued_by(cert, ca, what="certificate"):
    """A path of length one: `cert` names `ca` as issuer, carries its signature, and both are in their validity
    period. Raises CodecError saying which check failed."""
    now = datetime.datetime.now(datetime.timezone.utc)
    for c, name in ((cert, what), (ca, "its CA certificate")):
        nb, na = _validity(c)
        if not nb <= now <= na:
            raise CodecError("%s is outside its validity period (%s .. %s)" % (name, nb.isoformat(), na.isoformat()))
    if cert.issuer != ca.subject:
        raise CodecError("%s was issued by '%s', not by the trusted CA '%s'"
                         % (what, cert.issuer.rfc4514_string(), ca.subject.rfc4514_string()))
    pub = ca.public_key()
    try:
        if isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        elif isinstance(pub, rsa.RSAPublicKey):
            pub.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
        else:
            raise CodecError("CA key type %s unsupported" % type(pub).__name__)
    except InvalidSignature:
        raise CodecError("%s's signature does not verify with the trusted CA's key" % what) from None


def trusted_by(cert, anchors, what):
    """The certificate is one of the anchors or issued by one of them."""
    der = cert.public_bytes(serialization.Encoding.DER)
    errors = []
    for a in anchors:
        if a.public_bytes(serialization.Encoding.DER) == der:
            return
        try:
            check_issued_by(cert, a, what)
            return
        except CodecError as e:
            errors.append(str(e))
    raise CodecError("; ".join(errors) if errors else "no trust anchor")


def _cert_summary(cert):
    key = cert.public_key()
    alg = "ecdsa-p256" if isinstance(key, ec.EllipticCurvePublicKey) else "rsa-%d" % key.key_size
    return {"subject": cert.subject.rfc4514_string(), "serial": "%X" % cert.serial_number, "key": alg}


# --- BCAST_Client_ID (5.1.7.1) --------------------------------------------------------------------------------

def build_client_id(fields, key, cert_der=b""):
    """fields || signature_length || signature || certificate_length || certificate; signed over the first 21."""
    if len(fields) != FIELDS_LEN:
        raise CodecError("fields must be 19 bytes")
    tbs = fields + sig_len_for(key).to_bytes(2, "big")
    return tbs + sign(key, tbs) + len(cert_der).to_bytes(2, "big") + cert_der


def parse_client_id(data):
    """Strict parse; every length checked, nothing may follow the certificate."""
    if len(data) < FIELDS_LEN + 2:
        raise CodecError("truncated: %d bytes, the fields and signature_length alone need 21" % len(data))
    sl = int.from_bytes(data[19:21], "big")
    if sl == 0:
        raise CodecError("signature_length is 0")
    if len(data) < 21 + sl + 2:
        raise CodecError("truncated: signature_length %d but only %d bytes follow" % (sl, len(data) - 21))
    cl = int.from_bytes(data[21 + sl:23 + sl], "big")
    end = 23 + sl + cl
    if len(data) < end:
        raise CodecError("truncated: certificate_length %d but only %d bytes follow" % (cl, len(data) - 23 - sl))
    if len(data) > end:
        raise CodecError("%d bytes after the certificate" % (len(data) - end))
    return {"fields": data[:19], "tbs": data[:21], "signature": data[21:21 + sl], "certificate": data[23 + sl:end]}


def verify_client_id(data, client_cas, registered=()):
    """Parse and verify. The certificate must chain to one of `client_cas`; when the identifier carries none
    (certificate_length 0, allowed by 5.1.7.1), the `registered` client certificates are tried. Returns a dict
    for the log; raises CodecError with the reason."""
    p = parse_client_id(data)
    info = {"fields": parse_fields(p["fields"]), "signature_length": len(p["signature"])}
    if p["certificate"]:
        try:
            cert = x509.load_der_x509_certificate(p["certificate"])
        except ValueError as e:
            raise CodecError("certificate is not DER X.509: %s" % e) from None
        trusted_by(cert, client_cas, "client certificate")
        verify(cert.public_key(), p["signature"], p["tbs"])
        info["certificate"] = dict(_cert_summary(cert), source="embedded")
        return info
    for cert in registered:
        try:
            verify(cert.public_key(), p["signature"], p["tbs"])
        except CodecError:
            continue
        trusted_by(cert, client_cas, "registered client certificate")
        info["certificate"] = dict(_cert_summary(cert), source="registered")
        return info
    raise CodecError("no certificate in the identifier and no registered client certificate verifies its signature")


# --- upgrade_available_msg (5.1.7.2) ------------------------------------------------------------------------

def build_upgrade(fields, key, cert_der, critical=False, pushed=False, contact_dm=False, uri="",
                  protocol_version=0, corrupt_signature=False):
    """The message of bcast-identity.md §7; `corrupt_signature` flips the signature's last bit (for tests)."""
    if len(fields) != FIELDS_LEN:
        raise CodecError("fields must be 19 bytes")
    if not 0 <= protocol_version <= 15:
        raise CodecError("protocol_version is 4 bits")
    out = bytes([protocol_version << 4, (critical << 7) | (pushed << 6) | (contact_dm << 5)]) + fields
    if not pushed:
        u = uri.encode("ascii")
        if not 1 <= len(u) <= MAX_URI or any(c < 0x21 or c > 0x7E for c in u):
            raise CodecError("URI must be 1..255 printable ASCII characters")
        out += bytes([len(u)]) + u
    out += sig_len_for(key).to_bytes(2, "big")
    sig = sign(key, out)
    if corrupt_signature:
        sig = sig[:-1] + bytes([sig[-1] ^ 0x01])
    return out + sig + len(cert_der).to_bytes(2, "big") + cert_der


def parse_upgrade(data):
    if len(data) < 2 + FIELDS_LEN:
        raise CodecError("truncated: %d bytes" % len(data))
    m = {"protocol_version": data[0] >> 4, "critical": bool(data[1] & 0x80), "pushed": bool(data[1] & 0x40),
         "contact_dm": bool(data[1] & 0x20), "fields": data[2:21], "uri": None}
    off = 21
    if not m["pushed"]:
        if len(data) < off + 1:
            raise CodecError("truncated before uri_length")
        ul = data[off]
        if ul == 0 or len(data) < off + 1 + ul:
            raise CodecError("uri_length %d is 0 or runs past the end" % ul)
        u = data[off + 1:off + 1 + ul]
        if any(c < 0x21 or c > 0x7E for c in u):
            raise CodecError("URI has a non-printable octet")
        m["uri"] = u.decode("ascii")
        off += 1 + ul
    if len(data) < off + 2:
        raise CodecError("truncated before signature_length")
    sl = int.from_bytes(data[off:off + 2], "big")
    m["tbs"] = data[:off + 2]
    if sl == 0 or len(data) < off + 2 + sl + 2:
        raise CodecError("signature_length %d is 0 or runs past the end" % sl)
    m["signature"] = data[off + 2:off + 2 + sl]
    off += 2 + sl
    cl = int.from_bytes(data[off:off + 2], "big")
    if len(data) != off + 2 + cl:
        raise CodecError("certificate_length %d does not end the message (%d bytes left)" % (cl, len(data) - off - 2))
    m["certificate"] = data[off + 2:]
    return m


def verify_upgrade(data, naf_anchors, expected_fields=None):
    """The terminal's checks (§7 order): parse, NAF certificate against the anchors, signature, fields.
    Returns a dict; raises CodecError. A protocol_version other than 0 is reported, not verified."""
    m = parse_upgrade(data)
    out = {k: m[k] for k in ("protocol_version", "critical", "pushed", "contact_dm", "uri")}
    out["fields"] = m["fields"].hex().upper()
    if m["protocol_version"] != 0:
        out["unsupported"] = True
        return out
    try:
        cert = x509.load_der_x509_certificate(m["certificate"])
    except ValueError as e:
        raise CodecError("NAF certificate is not DER X.509: %s" % e) from None
    trusted_by(cert, naf_anchors, "NAF certificate")
    verify(cert.public_key(), m["signature"], m["tbs"])
    if expected_fields is not None and m["fields"] != expected_fields:
        raise CodecError("the message is for another client (fields %s, ours %s)"
                         % (m["fields"].hex().upper(), expected_fields.hex().upper()))
    out["certificate"] = _cert_summary(cert)
    return out
