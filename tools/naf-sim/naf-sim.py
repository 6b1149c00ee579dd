#!/usr/bin/python3
"""NAF (Rights Issuer) simulator for OMA BCAST registration signalling (5.1.7.3). See README.md here.

  naf-sim.py init DIR
  naf-sim.py serve DIR --policy P [--port N] [--port-file F] [--pid-file F] [--log F.jsonl] [--tls] ...
  naf-sim.py make-client-id DIR --out FILE [--fields HEX19] [--rsa] [--no-cert] [--name NAME] [--base64]
  naf-sim.py make-upgrade DIR --out FILE (--fields HEX19 | --client-id FILE) [--critical] [--pushed] ...
  naf-sim.py issue DIR --csr FILE --out CERT [--register NAME]
  naf-sim.py decode DIR FILE [--kind id|upgrade] [--fields HEX19 | --client-id FILE]
"""

import argparse
import base64
import json
import os
import re
import signal
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bcast_codec as codec  # noqa: E402
import naf_pki  # noqa: E402
import naf_server  # noqa: E402


def die(msg, code=1):
    print("naf-sim: " + msg, file=sys.stderr)
    sys.exit(code)


def hex19(s):
    try:
        b = bytes.fromhex(s.replace(":", " "))
    except ValueError:
        raise argparse.ArgumentTypeError("not hex: %r" % s) from None
    if len(b) != codec.FIELDS_LEN:
        raise argparse.ArgumentTypeError("fields are 19 bytes, got %d" % len(b))
    return b


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        die("cannot read %s: %s" % (path, e.strerror))


def write_atomic(path, data):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def need_dir(d):
    if not os.path.isfile(os.path.join(d, "client-ca.pem")):
        die("%s is not a simulator directory; create it with: naf-sim.py init %s" % (d, d))


def fields_of(args):
    if getattr(args, "fields", None) is not None:
        return args.fields
    if getattr(args, "client_id", None):
        try:
            return codec.parse_client_id(read(args.client_id))["fields"]
        except codec.CodecError as e:
            die("%s: not a BCAST_Client_ID: %s" % (args.client_id, e))
    return None


# --- commands -------------------------------------------------------------------------------------------------

def cmd_init(args):
    if os.path.exists(os.path.join(args.dir, "naf-ca.pem")) and not args.force:
        die("%s already holds a PKI (cards may trust its CA); use --force to replace it" % args.dir)
    naf_pki.init(args.dir)
    print("naf-sim: test PKI written to %s (NAF anchor: %s)" % (args.dir, os.path.join(args.dir, "naf-ca.der")))


def cmd_serve(args):
    need_dir(args.dir)
    opts = naf_server.Options(policy=args.policy, critical=args.critical, pushed=args.pushed, dm_uri=args.dm_uri,
                              upgrade_uri=args.upgrade_uri, signer=args.signer, delay_ms=args.delay_ms,
                              verbose=args.verbose)
    if args.policy in naf_server.UPGRADE_POLICIES and not args.pushed:
        uri = (args.dm_uri or args.upgrade_uri).encode("ascii", "replace")
        if not 1 <= len(uri) <= codec.MAX_URI or any(c < 0x21 or c > 0x7E for c in uri):
            die("the upgrade message's URI must be 1..255 printable ASCII characters without spaces", 2)
    naf = naf_server.Naf(args.dir, opts, args.log)
    try:
        srv = naf_server.Server(naf, args.port, tls=args.tls)
    except OSError as e:
        naf.close()
        die("cannot listen on 127.0.0.1:%d: %s (pick another --port, or 0 for any free one)" % (args.port, e.strerror))
    stop = naf.stop
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: stop.set())
    port = srv.server_address[1]
    if args.pid_file:
        write_atomic(args.pid_file, b"%d\n" % os.getpid())
    if args.port_file:  # written last: once it exists, the server accepts connections
        write_atomic(args.port_file, b"%d\n" % port)
    print("naf-sim: policy %s on %s://127.0.0.1:%d/" % (args.policy, "https" if args.tls else "http", port),
          flush=True)
    t = threading.Thread(target=srv.serve_forever, name="naf-serve")
    t.start()
    while not stop.wait(0.5):
        pass
    srv.shutdown()
    t.join()
    srv.server_close()
    naf.close()
    for f in (args.pid_file, args.port_file):
        if f:
            try:
                os.unlink(f)
            except OSError:
                pass


def cmd_make_client_id(args):
    need_dir(args.dir)
    name = args.name or ("client-rsa" if args.rsa else "client")
    key, cert = naf_pki.new_client(args.dir, name, "rsa" if args.rsa else "ec")
    fields = args.fields if args.fields is not None else codec.make_fields()
    cert_der = b"" if args.no_cert else cert.public_bytes(naf_pki.serialization.Encoding.DER)
    cid = codec.build_client_id(fields, key, cert_der)
    write_atomic(args.out, base64.b64encode(cid) + b"\n" if args.base64 else cid)
    print("naf-sim: BCAST_Client_ID (%d bytes) in %s; client key and certificate in %s"
          % (len(cid), args.out, os.path.join(args.dir, "clients", name + ".{key,pem,der}")))


def cmd_make_upgrade(args):
    need_dir(args.dir)
    fields = fields_of(args)
    if fields is None:
        die("give the client's fields: --fields HEX19 or --client-id FILE")
    if args.other_client:
        serial = (int.from_bytes(fields[14:17], "big") + 1) % (1 << 24)
        fields = fields[:14] + serial.to_bytes(3, "big") + fields[17:]
    base = os.path.join(args.dir, naf_server.SIGNERS[args.signer])
    key = naf_pki.load_key(base + ".key")
    try:
        msg = codec.build_upgrade(fields, key, read(base + ".der"), critical=args.critical, pushed=args.pushed,
                                  contact_dm=args.dm_uri is not None, uri=args.dm_uri or args.upgrade_uri,
                                  protocol_version=args.protocol_version, corrupt_signature=args.bad_signature)
    except codec.CodecError as e:
        die(str(e), 2)
    write_atomic(args.out, msg)
    print("naf-sim: upgrade_available_msg (%d bytes) in %s" % (len(msg), args.out))


def cmd_issue(args):
    need_dir(args.dir)
    try:
        cert = naf_pki.issue_from_csr(args.dir, read(args.csr), args.days)
    except ValueError as e:
        die("%s: %s" % (args.csr, e))
    pem = cert.public_bytes(naf_pki.serialization.Encoding.PEM)
    der = cert.public_bytes(naf_pki.serialization.Encoding.DER)
    write_atomic(args.out, der if args.out.endswith(".der") else pem)
    if args.register:
        naf_pki.write_cert(os.path.join(args.dir, "clients", args.register), cert)
    print("naf-sim: client certificate for '%s' in %s" % (cert.subject.rfc4514_string(), args.out))


def cmd_decode(args):
    need_dir(args.dir)
    data = read(args.file)
    text = b"".join(data.split())
    if text and re.fullmatch(rb"[A-Za-z0-9+/]+={0,2}", text):  # Base64 text (make-client-id --base64)
        try:
            data = base64.b64decode(text, validate=True)
        except ValueError:
            pass
    kind = args.kind
    out = {"kind": kind, "file": args.file, "length": len(data)}
    try:
        if kind == "id":
            out.update(codec.verify_client_id(data, [naf_pki.load_cert(os.path.join(args.dir, "client-ca.pem"))],
                                              naf_pki.registered_clients(args.dir)))
        else:
            out.update(codec.verify_upgrade(data, [naf_pki.load_cert(os.path.join(args.dir, "naf-ca.pem"))],
                                            fields_of(args)))
        out["verified"] = True
    except codec.CodecError as e:
        out["verified"], out["error"] = False, str(e)
    print(json.dumps(out, sort_keys=True))
    return 0 if out["verified"] else 1


def main():
    ap = argparse.ArgumentParser(prog="naf-sim.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("init", help="create the test PKI in DIR")
    p.add_argument("dir")
    p.add_argument("--force", action="store_true")

    upg = argparse.ArgumentParser(add_help=False)
    upg.add_argument("--critical", action="store_true", help="upgrade_critical_flag 1 (403 Forbidden when served)")
    upg.add_argument("--pushed", action="store_true", help="upgrade_pushed_flag 1: no URI")
    upg.add_argument("--dm-uri", metavar="URI", help="contact_dm_server_flag 1 with this dm_server_URI")
    upg.add_argument("--upgrade-uri", metavar="URI", default="http://127.0.0.1/bcast/upgrade")
    upg.add_argument("--signer", choices=sorted(naf_server.SIGNERS), default="naf",
                     help="naf (P-256, default), naf-rsa (RSA-2048), other (untrusted CA)")

    p = sub.add_parser("serve", parents=[upg], help="run the NAF on 127.0.0.1")
    p.add_argument("dir")
    p.add_argument("--policy", required=True, choices=naf_server.POLICIES)
    p.add_argument("--port", type=int, default=0, help="0 (default): any free port, see --port-file")
    p.add_argument("--port-file", help="write the port here once listening (removed on exit)")
    p.add_argument("--pid-file", help="write the pid here (removed on exit)")
    p.add_argument("--log", help="append one JSON line per request")
    p.add_argument("--tls", action="store_true", help="HTTPS with naf.pem (trust naf-ca.pem)")
    p.add_argument("--delay-ms", type=int, default=0, help="wait this long before each answer")
    p.add_argument("-v", "--verbose", action="store_true")

    p = sub.add_parser("make-client-id", help="a test client key+certificate and a signed BCAST_Client_ID")
    p.add_argument("dir")
    p.add_argument("--out", required=True)
    p.add_argument("--fields", type=hex19, help="the 19 field bytes (default: IMEI 490154203237518, versions 1)")
    p.add_argument("--rsa", action="store_true", help="RSA-2048 client key instead of P-256")
    p.add_argument("--no-cert", action="store_true", help="certificate_length 0 (the server uses DIR/clients/)")
    p.add_argument("--name", help="file name under DIR/clients/ (default client or client-rsa)")
    p.add_argument("--base64", action="store_true", help="write Base64 text instead of bytes")

    p = sub.add_parser("make-upgrade", parents=[upg], help="write an upgrade_available_msg")
    p.add_argument("dir")
    p.add_argument("--out", required=True)
    p.add_argument("--fields", type=hex19)
    p.add_argument("--client-id", metavar="FILE", help="take the fields from this BCAST_Client_ID")
    p.add_argument("--bad-signature", action="store_true", help="flip a bit of the signature")
    p.add_argument("--other-client", action="store_true", help="serial number + 1 (a message for someone else)")
    p.add_argument("--protocol-version", type=int, default=0)

    p = sub.add_parser("issue", help="issue a client certificate from a PKCS#10 CSR with the client CA")
    p.add_argument("dir")
    p.add_argument("--csr", required=True)
    p.add_argument("--out", required=True, help="PEM, or DER when the name ends in .der")
    p.add_argument("--days", type=int, default=730)
    p.add_argument("--register", metavar="NAME", help="also store it as DIR/clients/NAME.pem")

    p = sub.add_parser("decode", help="verify and print (JSON) a BCAST_Client_ID or upgrade_available_msg")
    p.add_argument("dir")
    p.add_argument("file")
    p.add_argument("--kind", choices=("id", "upgrade"), default="id")
    p.add_argument("--fields", type=hex19, help="upgrade: the fields it must carry")
    p.add_argument("--client-id", metavar="FILE", help="upgrade: take the expected fields from this identifier")

    args = ap.parse_args()
    return {"init": cmd_init, "serve": cmd_serve, "make-client-id": cmd_make_client_id,
            "make-upgrade": cmd_make_upgrade, "issue": cmd_issue, "decode": cmd_decode}[args.cmd](args) or 0


if __name__ == "__main__":
    sys.exit(main())
