"""The simulator's test PKI: the NAF CA and server certificates, the client test CA, and an untrusted "other" CA.

Everything is a test credential made on the spot by `naf-sim.py init DIR`; nothing here is secret.
Files in DIR (each key PEM PKCS#8, each certificate PEM and DER):
  naf-ca.{key,pem,der}        NAF CA (P-256), the anchor terminals load onto the card (NAF_ANCHOR_ADD)
  naf.{key,pem,der}           NAF server (P-256), issued by naf-ca: signs upgrade messages, serves TLS
  naf-rsa.{key,pem,der}       NAF server with an RSA-2048 key, issued by naf-ca (RSA-signed upgrade messages)
  client-ca.{key,pem,der}     client test CA (P-256): issues BCAST client certificates from card CSRs
  other-ca.{key,pem,der}      a CA nobody trusts
  other-naf.{key,pem,der}     a NAF server issued by other-ca (the `untrusted` policy)
  clients/                    client certificates the server knows (used when an identifier carries none)
"""

import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DAY = datetime.timedelta(days=1)


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "scagent test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def new_key(kind="ec"):
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _builder(subject, issuer_name, pub, days):
    now = _now()
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name).public_key(pub)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - DAY).not_valid_after(now + days * DAY)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False))


def make_ca(cn, key):
    """Self-signed CA with the extensions strict X.509 checkers (OpenSSL X509_V_FLAG_X509_STRICT) want."""
    pub = key.public_key()
    b = (_builder(_name(cn), _name(cn), pub, 3650)
         .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
         .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                      data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                      crl_sign=True, encipher_only=False, decipher_only=False), critical=True))
    return b.sign(key, hashes.SHA256())


def issue(ca_cert, ca_key, cn_or_name, pub, server=False, days=730):
    """An end-entity certificate; `server` adds serverAuth and SAN localhost / 127.0.0.1 (for --tls)."""
    subject = cn_or_name if isinstance(cn_or_name, x509.Name) else _name(cn_or_name)
    b = (_builder(subject, ca_cert.subject, pub, days)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                      data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                      crl_sign=False, encipher_only=False, decipher_only=False), critical=True))
    if server:
        b = (b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
             .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                         x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                            critical=False))
    return b.sign(ca_key, hashes.SHA256())


def write_key(path, key):
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def write_cert(base, cert):
    with open(base + ".pem", "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(base + ".der", "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.DER))


def load_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def load_cert(path):
    with open(path, "rb") as f:
        data = f.read()
    if data.lstrip().startswith(b"-----"):
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def init(d):
    os.makedirs(os.path.join(d, "clients"), exist_ok=True)
    made = {}
    for ca in ("naf-ca", "client-ca", "other-ca"):
        key = new_key()
        made[ca] = (make_ca("%s (scagent test)" % ca, key), key)
        write_key(os.path.join(d, ca + ".key"), key)
        write_cert(os.path.join(d, ca), made[ca][0])
    for name, ca, kind in (("naf", "naf-ca", "ec"), ("naf-rsa", "naf-ca", "rsa"), ("other-naf", "other-ca", "ec")):
        key = new_key(kind)
        cert = issue(made[ca][0], made[ca][1], "BCAST NAF Server %s (scagent test)" % name, key.public_key(),
                     server=True)
        write_key(os.path.join(d, name + ".key"), key)
        write_cert(os.path.join(d, name), cert)


def new_client(d, name, kind="ec"):
    """A client key and certificate from the client CA, registered in DIR/clients/. Returns (key, cert)."""
    ca_cert, ca_key = load_cert(os.path.join(d, "client-ca.pem")), load_key(os.path.join(d, "client-ca.key"))
    key = new_key(kind)
    cert = issue(ca_cert, ca_key, "BCAST client %s (scagent test)" % name, key.public_key())
    base = os.path.join(d, "clients", name)
    write_key(base + ".key", key)
    write_cert(base, cert)
    return key, cert


def issue_from_csr(d, csr_bytes, days=730):
    """Issue a client certificate from a (card-made) PKCS#10 request, after checking its signature."""
    if csr_bytes.lstrip().startswith(b"-----"):
        csr = x509.load_pem_x509_csr(csr_bytes)
    else:
        csr = x509.load_der_x509_csr(csr_bytes)
    if not csr.is_signature_valid:
        raise ValueError("the CSR's signature does not verify with its own public key")
    ca_cert, ca_key = load_cert(os.path.join(d, "client-ca.pem")), load_key(os.path.join(d, "client-ca.key"))
    return issue(ca_cert, ca_key, csr.subject, csr.public_key(), days=days)


def registered_clients(d):
    out = []
    cdir = os.path.join(d, "clients")
    for n in sorted(os.listdir(cdir)) if os.path.isdir(cdir) else ():
        if n.endswith(".pem"):
            try:
                out.append(load_cert(os.path.join(cdir, n)))
            except ValueError:
                pass  # not a certificate; the directory is the operator's
    return out
