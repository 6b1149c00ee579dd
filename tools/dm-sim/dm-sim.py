#!/usr/bin/python3
"""Operator-side tools for DM firmware-update control (applet-spec/dm-firmware.md). See README.md here.

  dm-sim.py init DIR [--force]
  dm-sim.py sign-manifest DIR --originator N --package FILE --kind firmware|software --manufacturer N --model N
            --from-min N --from-max N --to N --seq N --server ID [--imei 15DIGITS] [--card-id HEX16] [--out FILE]
  dm-sim.py show-manifest DIR FILE
  dm-sim.py token DIR --manifest FILE --card-id HEX16 [--key HEX] [--out FILE]
  dm-sim.py auth-sign DIR --server a|b --card-id HEX16 --challenge HEX16 [--out FILE]
  dm-sim.py register-card DIR --card-id HEX16 --card-key FILE
  dm-sim.py verify-log DIR [--card-key FILE] --card-id HEX16 --nonce HEX --export FILE [--json]
  dm-sim.py make-log DIR --card-id HEX16 --nonce HEX --records N --out FILE [--register]
  dm-sim.py serve DIR [--port N] [--port-file F] [--pid-file F] [--log F.jsonl] [--servers a,b] [-v]
"""

import argparse
import json
import os
import re
import signal
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dm_codec as codec  # noqa: E402
import dm_keys  # noqa: E402
import dm_server  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402


def die(msg, code=1):
    print("dm-sim: " + msg, file=sys.stderr)
    sys.exit(code)


def hexbytes(lo, hi=None):
    hi = lo if hi is None else hi

    def parse(s):
        try:
            b = bytes.fromhex(re.sub(r"[\s:]", "", s))
        except ValueError:
            raise argparse.ArgumentTypeError("not hex: %r" % s) from None
        if not lo <= len(b) <= hi:
            raise argparse.ArgumentTypeError("%d bytes, want %s" % (len(b), lo if lo == hi else "%d..%d" % (lo, hi)))
        return b
    return parse


def uint(bits):
    def parse(s):
        try:
            v = int(s, 0)
        except ValueError:
            raise argparse.ArgumentTypeError("not an integer: %r" % s) from None
        if not 0 <= v < 1 << bits:
            raise argparse.ArgumentTypeError("%d does not fit %d bits" % (v, bits))
        return v
    return parse


def imei15(s):
    if len(s) != 15 or not s.isdigit():
        raise argparse.ArgumentTypeError("an IMEI has 15 decimal digits")
    return s


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        die("cannot read %s: %s" % (path, e.strerror))


def read_manifest(path):
    """Binary, or the hex text sign-manifest prints without --out."""
    data = read(path)
    text = b"".join(data.split())
    if text[:8].upper() == codec.MAGIC.hex().upper().encode():
        try:
            return bytes.fromhex(text.decode("ascii"))
        except ValueError:
            pass
    return data


def config(d):
    try:
        return dm_keys.load_config(d)
    except dm_keys.ConfigError as e:
        die(str(e))


# --- commands -------------------------------------------------------------------------------------------------

def cmd_init(args):
    if os.path.exists(os.path.join(args.dir, dm_keys.CONFIG)) and not args.force:
        die("%s already holds keys (cards may trust its originators); use --force to replace them" % args.dir)
    cfg = dm_keys.init(args.dir)
    print("dm-sim: keys written to %s: originators %s, DM servers %s (ids %s), token-key.hex"
          % (args.dir, ", ".join(o["name"] for o in cfg["originators"]),
             ", ".join(s["name"] for s in cfg["dm_servers"].values()),
             ", ".join(s["id"] for s in cfg["dm_servers"].values())))


def cmd_sign_manifest(args):
    cfg = config(args.dir)
    if args.package:
        try:
            sha, size = codec.package_digest(args.package)
        except OSError as e:
            die("cannot read %s: %s" % (args.package, e.strerror))
    elif args.sha256 is None or args.size is None:
        die("give --package FILE (or both --sha256 and --size)", 2)
    else:
        sha, size = None, None
    sha = args.sha256 if args.sha256 is not None else sha
    size = args.size if args.size is not None else size
    try:
        key = dm_keys.originator_key(args.dir, cfg, args.originator)
        tlvs = codec.manifest_tlvs(sha, size, codec.KINDS[args.kind], args.manufacturer, args.model, args.from_min,
                                   args.from_max, args.to, args.seq, args.server,
                                   args.originator if args.slot is None else args.slot,
                                   imei=args.imei, card_id=args.card_id)
        m = codec.sign_manifest(key, tlvs, bad_signature=args.bad_signature, format_error=args.format_error)
    except (codec.CodecError, dm_keys.ConfigError) as e:
        die(str(e), 2)
    if args.out:
        dm_keys.write_atomic(args.out, m)
        print("dm-sim: manifest (%d bytes) in %s: %s %d -> %d, seq %d, package %d bytes sha256 %s"
              % (len(m), args.out, args.kind, args.from_min, args.to, args.seq, size, sha.hex()))
    else:
        print(m.hex().upper())


def cmd_show_manifest(args):
    cfg = config(args.dir)
    try:
        out = codec.parse_manifest(read_manifest(args.file))
    except codec.CodecError as e:
        print(json.dumps({"valid": False, "error": str(e)}, sort_keys=True))
        return 1
    signed, sig = out.pop("_signed"), out.pop("_signature")
    out["valid"] = True
    try:
        key = dm_keys.originator_key(args.dir, cfg, out["slot"])
        out["signature_ok"] = codec.ecdsa_verify(key.public_key(), sig, signed)
    except dm_keys.ConfigError:
        out["signature_ok"] = None  # no originator in that slot here
    print(json.dumps(out, sort_keys=True))
    return 0 if out["signature_ok"] else 1


def cmd_token(args):
    cfg = config(args.dir)
    try:
        k = args.key if args.key is not None else dm_keys.token_key(args.dir, cfg)
        t = codec.token(k, read_manifest(args.manifest), args.card_id)
    except (OSError, dm_keys.ConfigError, codec.CodecError) as e:
        die(str(e))
    if args.out:
        dm_keys.write_atomic(args.out, t)
    print(t.hex().upper())


def cmd_auth_sign(args):
    cfg = config(args.dir)
    short = dm_keys.server_name(cfg, args.server)
    if short is None:
        die("no DM server %r in %s (a, b)" % (args.server, args.dir), 2)
    sig = codec.auth_sign(dm_keys.server_key(args.dir, cfg, short), args.card_id, args.challenge)
    if args.bad_signature:
        sig = codec.corrupt_der_signature(sig)
    if args.out:
        dm_keys.write_atomic(args.out, sig)
    print(sig.hex().upper())


def cmd_register_card(args):
    config(args.dir)
    try:
        pub = codec.load_public(read(args.card_key))
    except codec.CodecError as e:
        die("%s: %s" % (args.card_key, e))
    rel = dm_keys.register_card(args.dir, args.card_id, pub)
    print("dm-sim: card %s registered with its log key in %s" % (args.card_id.hex().upper(),
                                                                  os.path.join(args.dir, rel)))


def cmd_verify_log(args):
    cfg = config(args.dir)
    if args.card_key:
        try:
            pub = codec.load_public(read(args.card_key))
        except codec.CodecError as e:
            die("%s: %s" % (args.card_key, e))
    else:
        pub = dm_keys.card_key(args.dir, args.card_id, cfg)
        if pub is None:
            die("card %s is not registered: give --card-key FILE or run register-card" % args.card_id.hex(), 2)
    out = {"verified": False, "reason": None, "count": None, "dropped": None, "first_seq": None, "head": None,
           "records": []}
    try:
        out.update(codec.verify_export(read(args.export), pub, args.card_id, args.nonce, args.capacity))
        out["verified"] = True
    except codec.CodecError as e:
        out["reason"] = str(e)
    if args.json:
        print(json.dumps(out, sort_keys=True))
    elif out["verified"]:
        print("verified: card %s, count %d, first retained seq %d, dropped %d, head %s"
              % (args.card_id.hex().upper(), out["count"], out["first_seq"], out["dropped"], out["head"]))
        for r in out["records"]:
            print("  seq %d  %s  %s %s  result %d  from %d to %d  imei %s  flags %02X%s  server %s  sha256 %s  "
                  "manifest seq %d" % (r["seq"], r["time_iso"], r["kind_name"], r["status_name"], r["result"],
                                       r["from"], r["to"], r["imei"] or "-", r["flags"],
                                       " (%s)" % ",".join(r["flag_names"]) if r["flag_names"] else "",
                                       r["server_id"] or "-", r["sha256"], r["manifest_seq"]))
    else:
        print("NOT verified: %s" % out["reason"])
    return 0 if out["verified"] else 1


def cmd_make_log(args):
    """A log as a well-behaved card would export it, signed by a fake card key kept in DIR/fake-card.key."""
    cfg = config(args.dir)
    kp = os.path.join(args.dir, "fake-card.key")
    if os.path.exists(kp):
        key = dm_keys.load_private(kp)
    else:
        key = ec.generate_private_key(ec.SECP256R1())
        dm_keys.write_atomic(kp, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()), 0o600)
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    dm_keys.write_atomic(os.path.join(args.dir, "fake-card.spki.der"), spki)
    sid = cfg["dm_servers"]["a"]["id"]
    recs = []
    for i in range(1, args.records + 1):
        if i % 4 == 0:
            recs.append(codec.build_record(i, 1700000000 + 60 * i, 0x10, 0x06, 0, flags=0x02, server_id="dm.other.test"))
        else:
            st = (0x02, 0x03, 0x05)[i % 4 - 1]
            recs.append(codec.build_record(i, 1700000000 + 60 * i, 0x01, st, {2: 200, 3: 200, 5: 405}[st], i, i + 1,
                                           imei="490154203237518", flags=0x01 | 0x08, server_id=sid,
                                           sha256=bytes([i]) * 32, manifest_seq=i))
    data = codec.make_log(key, args.card_id, args.nonce, recs, args.capacity)
    dm_keys.write_atomic(args.out, data)
    if args.register:
        dm_keys.register_card(args.dir, args.card_id, key.public_key())
    print("dm-sim: export of %d records (%d bytes) in %s; card log key %s"
          % (args.records, len(data), args.out, os.path.join(args.dir, "fake-card.spki.der")))


def cmd_serve(args):
    config(args.dir)
    servers = [s for s in args.servers.split(",") if s] if args.servers else None
    try:
        dm = dm_server.Dm(args.dir, servers, args.log, args.verbose)
    except dm_keys.ConfigError as e:
        die(str(e), 2)
    try:
        srv = dm_server.Server(dm, args.port)
    except OSError as e:
        dm.close()
        die("cannot listen on 127.0.0.1:%d: %s (pick another --port, or 0 for any free one)" % (args.port, e.strerror))
    stop = dm.stop
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: stop.set())
    port = srv.server_address[1]
    if args.pid_file:
        dm_keys.write_atomic(args.pid_file, b"%d\n" % os.getpid())
    if args.port_file:  # written last: once it exists, the server accepts connections
        dm_keys.write_atomic(args.port_file, b"%d\n" % port)
    print("dm-sim: DM server (%s) on http://127.0.0.1:%d/dm/" % (",".join(sorted(dm.keys)), port), flush=True)
    t = threading.Thread(target=srv.serve_forever, name="dm-serve")
    t.start()
    while not stop.wait(0.5):
        pass
    srv.shutdown()
    t.join()
    srv.server_close()
    dm.close()
    for f in (args.pid_file, args.port_file):
        if f:
            try:
                os.unlink(f)
            except OSError:
                pass


def main():
    ap = argparse.ArgumentParser(prog="dm-sim.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    card = hexbytes(codec.CARD_ID_LEN)

    p = sub.add_parser("init", help="create the test keys in DIR")
    p.add_argument("dir")
    p.add_argument("--force", action="store_true")

    p = sub.add_parser("sign-manifest", help="write a signed firmware-update manifest (dm-firmware.md 4.1)")
    p.add_argument("dir")
    p.add_argument("--originator", type=int, required=True, choices=(0, 1), help="signing key and slot (0C)")
    p.add_argument("--package", help="the package file (hashed streaming)")
    p.add_argument("--kind", choices=sorted(codec.KINDS), required=True)
    p.add_argument("--manufacturer", type=uint(16), required=True)
    p.add_argument("--model", type=uint(16), required=True)
    p.add_argument("--from-min", type=uint(16), required=True)
    p.add_argument("--from-max", type=uint(16), required=True)
    p.add_argument("--to", type=uint(16), required=True)
    p.add_argument("--seq", type=uint(32), required=True)
    p.add_argument("--server", required=True, help="the delivering DM server id (tag 09), e.g. dm-a.scagent.test")
    p.add_argument("--imei", type=imei15, help="target IMEI (tag 0A)")
    p.add_argument("--card-id", type=card, help="card binding (tag 0B), 16 bytes hex")
    p.add_argument("--out", help="write the binary manifest here (default: hex on standard output)")
    g = p.add_argument_group("negative tests")
    g.add_argument("--bad-signature", action="store_true", help="flip the last bit of the signature")
    g.add_argument("--slot", type=uint(8), help="claim this originator slot in 0C (signed by --originator)")
    g.add_argument("--sha256", type=hexbytes(32), help="claim this package SHA-256")
    g.add_argument("--size", type=uint(64), help="claim this package size")
    g.add_argument("--format-error", choices=codec.FORMAT_ERRORS, help="break one format rule (signed anyway)")

    p = sub.add_parser("show-manifest", help="parse a manifest and check its signature (JSON)")
    p.add_argument("dir")
    p.add_argument("file")

    p = sub.add_parser("token", help="the subscriber token for a manifest and card (hex)")
    p.add_argument("dir")
    p.add_argument("--manifest", required=True)
    p.add_argument("--card-id", type=card, required=True)
    p.add_argument("--key", type=hexbytes(16), help="K_token (default: DIR/token-key.hex)")
    p.add_argument("--out", help="also write the 16 bytes here")

    p = sub.add_parser("auth-sign", help="a DM server's LOG_AUTH signature (DER, hex)")
    p.add_argument("dir")
    p.add_argument("--server", required=True, help="a or b (or dmserver-a, or the server id)")
    p.add_argument("--card-id", type=card, required=True)
    p.add_argument("--challenge", type=hexbytes(codec.DM_CHALLENGE_LEN), required=True)
    p.add_argument("--out", help="also write the DER signature here")
    p.add_argument("--bad-signature", action="store_true", help="flip the last bit")

    p = sub.add_parser("register-card", help="record a card's log key (GET DATA DF53) for its card id")
    p.add_argument("dir")
    p.add_argument("--card-id", type=card, required=True)
    p.add_argument("--card-key", required=True, help="SPKI DER (or PEM)")

    p = sub.add_parser("verify-log", help="verify an exported log; exit 0 verified, 1 not")
    p.add_argument("dir")
    p.add_argument("--card-key", help="the card's log key, SPKI DER or PEM (default: the registered one)")
    p.add_argument("--card-id", type=card, required=True)
    p.add_argument("--nonce", type=hexbytes(codec.LOG_NONCE_MIN, codec.LOG_NONCE_MAX), required=True)
    p.add_argument("--export", required=True, help="the export container (README.md)")
    p.add_argument("--capacity", type=int, default=codec.LOG_CAPACITY, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("make-log", help="a synthetic export signed by a fake card key (DIR/fake-card.*)")
    p.add_argument("dir")
    p.add_argument("--card-id", type=card, required=True)
    p.add_argument("--nonce", type=hexbytes(codec.LOG_NONCE_MIN, codec.LOG_NONCE_MAX), required=True)
    p.add_argument("--records", type=uint(16), required=True, help="records ever appended (count)")
    p.add_argument("--out", required=True)
    p.add_argument("--capacity", type=int, default=codec.LOG_CAPACITY, help=argparse.SUPPRESS)
    p.add_argument("--register", action="store_true", help="also register the fake card key for --card-id")

    p = sub.add_parser("serve", help="run the DM server simulator on 127.0.0.1")
    p.add_argument("dir")
    p.add_argument("--port", type=int, default=0, help="0 (default): any free port, see --port-file")
    p.add_argument("--port-file", help="write the port here once listening (removed on exit)")
    p.add_argument("--pid-file", help="write the pid here (removed on exit)")
    p.add_argument("--log", help="append one JSON line per request")
    p.add_argument("--servers", help="the DM servers whose keys it holds, comma-separated (default: all)")
    p.add_argument("-v", "--verbose", action="store_true")

    args = ap.parse_args()
    return {"init": cmd_init, "sign-manifest": cmd_sign_manifest, "show-manifest": cmd_show_manifest,
            "token": cmd_token, "auth-sign": cmd_auth_sign, "register-card": cmd_register_card,
            "verify-log": cmd_verify_log, "make-log": cmd_make_log, "serve": cmd_serve}[args.cmd](args) or 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `dm-sim.py verify-log ... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
