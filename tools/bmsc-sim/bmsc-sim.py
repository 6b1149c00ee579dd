#!/usr/bin/python3
"""BM-SC / BSM simulator: MBMS MIKEY LTKM/STKM/trigger messages and the OMA BCAST provisioning HTTP interface.
See README.md here.

  bmsc-sim.py init DIR --bsf BSFDIR [--fqdn F] [--key-domain HEX6] [--realm R] [--force]
  bmsc-sim.py keys DIR --btid B [--json]
  bmsc-sim.py add-msk DIR --msk-id HEX8 [--msk HEX32] [--vf N --vt N | --no-validity] [--item ID ...] [--json]
  bmsc-sim.py ltkm DIR --btid B --msk-id HEX8 [--msk HEX32] [--vf N --vt N | --no-validity] [--counter N] [--v]
                  [--csb HEX8] [--rand HEX] [--bcast-ext] [--sp] [--item ID ...] [--out FILE] [--json]
  bmsc-sim.py stkm DIR --msk-id HEX8 [--mtk-id N] [--counter N] [--mtk HEX32] [--salt HEX28 | --no-salt]
                  [--no-key-domain] [--csb HEX8] [--bcast-ext] [--sp] [--out FILE] [--json]
  bmsc-sim.py trigger DIR --btid B --key-group N [--counter N] [--bcast-ext] [--out FILE] [--json]
  bmsc-sim.py verify-v DIR --btid B --ltkm FILE --v FILE
  bmsc-sim.py decode FILE [--json]
  bmsc-sim.py wap-push FILE --out PDU [--tid N]
  bmsc-sim.py send-udp HOST PORT FILE
  bmsc-sim.py serve DIR [--port N] [--port-file F] [--pid-file F] [--log F.jsonl] [-v]

Exit status: 0 ok, 1 failure, 2 bad command line.
"""

import argparse
import json
import os
import re
import signal
import socket
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bmsc_state  # noqa: E402  (puts ../bsf-sim on sys.path)
import bmsc_server  # noqa: E402
import gba  # noqa: E402
import mikey_codec as mc  # noqa: E402


def die(msg, code=1):
    print("bmsc-sim: " + msg, file=sys.stderr)
    sys.exit(code)


def hexbytes(n):
    def parse(s):
        try:
            b = bytes.fromhex(re.sub(r"[\s:]", "", s))
        except ValueError:
            raise argparse.ArgumentTypeError("not hex: %r" % s) from None
        if n is not None and len(b) != n:
            raise argparse.ArgumentTypeError("%d bytes, want %d" % (len(b), n))
        return b
    return parse


def uint(maxv):
    def parse(s):
        try:
            v = int(s, 0)
        except ValueError:
            raise argparse.ArgumentTypeError("not a number: %r" % s) from None
        if not 0 <= v <= maxv:
            raise argparse.ArgumentTypeError("%d not in 0..%d" % (v, maxv))
        return v
    return parse


def out(args, d, order):
    if getattr(args, "json", False):
        print(json.dumps({k: d[k] for k in order}))
    else:
        w = max(len(k) for k in order)
        for k in order:
            v = d[k]
            print("%-*s %s" % (w, k.upper(), "-" if v is None or v == "" else
                               (("1" if v else "0") if isinstance(v, bool) else v)))


def need_dir(d):
    st = bmsc_state.Store(d)
    if not st.exists():
        die("%s is not a bmsc-sim directory; create it with: bmsc-sim.py init %s --bsf BSFDIR" % (d, d))
    return st


def read_msg(path):
    """Raw bytes, or hex text (whitespace allowed)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        die("%s: %s" % (path, e.strerror))
    t = data.strip()
    if t and re.fullmatch(rb"[0-9a-fA-F\s]+", t) and len(re.sub(rb"\s", b"", t)) % 2 == 0:
        return bytes.fromhex(t.decode("ascii"))
    return data


def write_out(path, data):
    try:
        bmsc_server.bmsc_state.bsf_server.write_atomic(path, data)
    except OSError as e:
        die("%s: %s" % (path, e.strerror))


def validity_args(args):
    if args.no_validity:
        if args.vf is not None or args.vt is not None:
            die("--no-validity excludes --vf/--vt", 2)
        return False
    if (args.vf is None) != (args.vt is None):
        die("give --vf and --vt together", 2)
    if args.vf is not None and args.vf > args.vt:
        die("--vf must be <= --vt", 2)
    return True


# --- commands -------------------------------------------------------------------------------------------------

def cmd_init(args):
    try:
        cfg = bmsc_state.init_dir(args.dir, args.bsf, fqdn=args.fqdn, key_domain=args.key_domain.hex(),
                                  realm=args.realm, force=args.force)
    except bmsc_state.StateError as e:
        die(str(e))
    print("bmsc-sim: %s written" % os.path.join(args.dir, bmsc_state.CONFIG))
    for k in ("fqdn", "realm", "key_domain", "bsf_dir"):
        print("%-10s %s" % (k.upper(), cfg[k]))


def cmd_keys(args):
    st = need_dir(args.dir)
    cfg = st.config()
    try:
        k = bmsc_state.bootstrap_keys(cfg, args.btid)
    except bmsc_state.UnknownBtid as e:
        die(str(e))
    d = {"btid": args.btid, "impi": k["impi"], "gba_type": k["gba_type"],
         "naf_id_hex": gba.naf_id(cfg["fqdn"]).hex(), "muk": k["muk"].hex(), "mrk": k["mrk"].hex(),
         "password": k["mrk_b64"]}
    out(args, d, ("btid", "impi", "gba_type", "naf_id_hex", "muk", "mrk", "password"))


def cmd_add_msk(args):
    st = need_dir(args.dir)
    validity = validity_args(args)
    ent = bmsc_state.add_msk(st, args.msk_id, args.msk, vf=args.vf if args.vf is not None else 1,
                             vt=args.vt if args.vt is not None else 0xFFFF, validity=validity, items=args.item)
    ent["items"] = ",".join(ent["items"])
    out(args, ent, ("msk_id", "key_domain", "msk", "vf", "vt", "counter", "mtk_id", "items"))


def cmd_ltkm(args):
    st = need_dir(args.dir)
    validity = validity_args(args)
    try:
        msg, info = bmsc_state.make_ltkm(st, args.btid, args.msk_id, msk=args.msk, vf=args.vf, vt=args.vt,
                                         validity=validity, counter=args.counter, v=args.v, csb_id=args.csb,
                                         bcast_ext=args.bcast_ext, items=args.item, rand=args.rand, sp=args.sp)
    except bmsc_state.StateError as e:
        die(str(e))
    if args.out:
        write_out(args.out, msg)
    out(args, info, ("btid", "key_domain", "msk_id", "msk", "vf", "vt", "counter", "csb_id", "rand", "v", "muk",
                     "auth_key", "hex"))


def cmd_stkm(args):
    st = need_dir(args.dir)
    if args.no_salt and args.salt is not None:
        die("--no-salt excludes --salt", 2)
    try:
        msg, info = bmsc_state.make_stkm(st, args.msk_id, args.mtk_id, counter=args.counter, mtk=args.mtk,
                                         salt=args.salt, no_salt=args.no_salt, key_domain=not args.no_key_domain,
                                         csb_id=args.csb, bcast_ext=args.bcast_ext, sp=args.sp)
    except bmsc_state.StateError as e:
        die(str(e))
    if args.out:
        write_out(args.out, msg)
    out(args, info, ("msk_id", "key_domain", "mtk_id", "counter", "csb_id", "mtk", "salt", "card_output", "hex"))


def cmd_trigger(args):
    st = need_dir(args.dir)
    try:
        msg, info = bmsc_state.make_trigger(st, args.btid, args.key_group, counter=args.counter,
                                            bcast_ext=args.bcast_ext)
    except bmsc_state.StateError as e:
        die(str(e))
    if args.out:
        write_out(args.out, msg)
    out(args, info, ("btid", "key_group", "msk_id", "counter", "meaning", "hex"))


def strip_answer(v):
    """Accept the bare verification message, DB || message, or 53 L DB || message (the card's answer)."""
    if len(v) >= 3 and v[0] == 0x53 and v[1] == len(v) - 2 and v[2] == 0xDB:
        return v[3:]
    if len(v) == 39 and v[0] == 0xDB:
        return v[1:]
    return v


def cmd_verify_v(args):
    st = need_dir(args.dir)
    ltkm, v = read_msg(args.ltkm), strip_answer(read_msg(args.v))
    try:
        k = bmsc_state.bootstrap_keys(st.config(), args.btid)
        r = mc.parse(ltkm)
        keys = mc.derive_keys(k["muk"], r["csb_id"], r["rand"] or b"")
        mc.verify_verification(v, ltkm, keys["auth"])
    except (bmsc_state.StateError, mc.MikeyError) as e:
        die("verification message NOT OK: %s" % e)
    print("bmsc-sim: verification message OK (counter %d)" % r["counter"])


def cmd_decode(args):
    m = read_msg(args.file)
    try:
        r = mc.parse(m)
    except mc.MikeyError as e:
        die("not a MIKEY message of the MBMS profile: %s" % e)
    kinds = {mc.KID_DOMAIN: "key_domain", mc.KID_MSK: "msk_id", mc.KID_MTK: "mtk_id"}
    d = {"data_type": r["data_type"], "v": r["v"], "csb_id": r["csb_id"].hex(), "counter": r["counter"],
         "payloads": " ".join(mc.PT_NAMES.get(p["type"], str(p["type"])) for p in r["payloads"]),
         "key_domain": None, "msk_id": None, "mtk_id": None, "bcast_subtype": r["bcast_subtype"],
         "rand": r["rand"].hex() if r["rand"] else None,
         "idi": r["idi"].decode("utf-8", "replace") if r["idi"] else None,
         "idr": r["idr"].decode("utf-8", "replace") if r["idr"] else None,
         "encr_len": len(r["kemac"]["encr"]) if r["kemac"] else None, "classification": None}
    for t, v in r["key_ids"].items():
        if t in kinds:
            d[kinds[t]] = v.hex()
    try:
        if r["data_type"] == mc.DT_PSK and mc.KID_MTK not in r["key_ids"]:
            d["classification"] = mc.classify_ltkm(r)
        elif mc.KID_MTK in r["key_ids"]:
            d["classification"] = "STKM"
    except mc.MikeyError:
        pass
    out(args, d, ("data_type", "v", "csb_id", "counter", "payloads", "key_domain", "msk_id", "mtk_id",
                  "bcast_subtype", "rand", "idi", "idr", "encr_len", "classification"))


def cmd_wap_push(args):
    pdu = mc.wap_push(read_msg(args.file), args.tid)
    write_out(args.out, pdu)
    print("bmsc-sim: WAP push PDU, %d bytes, written to %s" % (len(pdu), args.out))


def cmd_send_udp(args):
    data = read_msg(args.file)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(data, (args.host, args.port))
    except OSError as e:
        die("send to %s:%d: %s" % (args.host, args.port, e))
    print("bmsc-sim: %d bytes sent to %s:%d/udp" % (len(data), args.host, args.port))


def cmd_serve(args):
    st = need_dir(args.dir)
    try:
        b = bmsc_server.Bmsc(args.dir, bmsc_server.Options(verbose=args.verbose), args.log)
    except (bmsc_state.StateError, OSError) as e:
        die(str(e))
    try:
        srv = bmsc_server.Server(b, args.port)
    except OSError as e:
        b.close()
        die("cannot listen on 127.0.0.1:%d: %s (pick another --port, or 0 for any free one)" % (args.port, e.strerror))
    stop = threading.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: stop.set())
    port = srv.server_address[1]
    wa = bmsc_state.bsf_server.write_atomic
    if args.pid_file:
        wa(args.pid_file, b"%d\n" % os.getpid())
    if args.port_file:  # written last: once it exists, the server accepts connections
        wa(args.port_file, b"%d\n" % port)
    print("bmsc-sim: BM-SC %s, Key Domain %s, on http://127.0.0.1:%d/bmsc/" % (
        b.cfg["fqdn"], b.cfg["key_domain"], port), flush=True)
    t = threading.Thread(target=srv.serve_forever, name="bmsc-serve")
    t.start()
    while not stop.wait(0.5):
        pass
    srv.shutdown()
    t.join()
    srv.server_close()
    b.close()
    for f in (args.pid_file, args.port_file):
        if f:
            try:
                os.unlink(f)
            except OSError:
                pass
    del st


def main():
    ap = argparse.ArgumentParser(prog="bmsc-sim.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    js = argparse.ArgumentParser(add_help=False)
    js.add_argument("--json", action="store_true", help="one JSON object instead of NAME value lines")
    val = argparse.ArgumentParser(add_help=False)
    val.add_argument("--vf", type=uint(0xFFFF), help="first MTK ID this MSK may deliver (KV 2 Interval)")
    val.add_argument("--vt", type=uint(0xFFFF), help="last MTK ID this MSK may deliver")
    val.add_argument("--no-validity", action="store_true", help="KV 0 (no key validity)")
    val.add_argument("--item", action="append", default=[], help="purchase item ID served by this MSK (repeatable)")

    p = sub.add_parser("init", help="write DIR/config.json, msks.json, muks.json")
    p.add_argument("dir")
    p.add_argument("--bsf", required=True, metavar="BSFDIR", help="the bsf-sim state directory (bootstraps.json)")
    p.add_argument("--fqdn", default=bmsc_state.DEFAULT_FQDN)
    p.add_argument("--key-domain", type=hexbytes(3), default=bytes.fromhex(bmsc_state.DEFAULT_KEY_DOMAIN),
                   help="MCC||MNC as 3 bytes (TS 24.008 BCD; default 00F110 = MCC 001 MNC 01)")
    p.add_argument("--realm", help="Digest realm (default: the FQDN)")
    p.add_argument("--force", action="store_true")

    p = sub.add_parser("keys", parents=[js], help="MUK, MRK and the Digest password for a B-TID")
    p.add_argument("dir")
    p.add_argument("--btid", required=True)

    p = sub.add_parser("add-msk", parents=[js, val], help="record an MSK without building a message")
    p.add_argument("dir")
    p.add_argument("--msk-id", type=hexbytes(4), required=True)
    p.add_argument("--msk", type=hexbytes(16))

    p = sub.add_parser("ltkm", parents=[js, val], help="build an MSK message (LTKM) for a B-TID")
    p.add_argument("dir")
    p.add_argument("--btid", required=True)
    p.add_argument("--msk-id", type=hexbytes(4), required=True)
    p.add_argument("--msk", type=hexbytes(16), help="default: the stored key of this MSK ID, else random")
    p.add_argument("--counter", type=uint(0xFFFFFFFF), help="T COUNTER (default: last sent to this B-TID + 1)")
    p.add_argument("--v", action="store_true", help="set the V bit (ask for a verification message)")
    p.add_argument("--csb", type=hexbytes(4), help="CSB ID (default: the MSK ID)")
    p.add_argument("--rand", type=hexbytes(None), help="RAND (default: 16 random bytes)")
    p.add_argument("--bcast-ext", action="store_true", help="add EXT type 5 (OMA BCAST) subtype 1 (LTKM)")
    p.add_argument("--sp", action="store_true", help="add a small SP payload before KEMAC")
    p.add_argument("--out", help="write the raw message here")

    p = sub.add_parser("stkm", parents=[js], help="build an MTK message (STKM) under a stored MSK")
    p.add_argument("dir")
    p.add_argument("--msk-id", type=hexbytes(4), required=True)
    p.add_argument("--mtk-id", type=uint(0xFFFF), help="default: last MTK ID + 1")
    p.add_argument("--counter", type=uint(0xFFFFFFFF), help="T COUNTER (default: last for this MSK + 1)")
    p.add_argument("--mtk", type=hexbytes(16))
    p.add_argument("--salt", type=hexbytes(14))
    p.add_argument("--no-salt", action="store_true", help="Key data type 2 (TEK) without salt")
    p.add_argument("--no-key-domain", action="store_true", help="leave the Key Domain ID out of the Key ID EXT")
    p.add_argument("--csb", type=hexbytes(4), help="CSB ID (default: the MSK ID)")
    p.add_argument("--bcast-ext", action="store_true", help="add EXT type 5 (OMA BCAST) subtype 2 (STKM)")
    p.add_argument("--sp", action="store_true", help="add a small SP payload before KEMAC")
    p.add_argument("--out")

    p = sub.add_parser("trigger", parents=[js], help="build a solicited-pull trigger LTKM")
    p.add_argument("dir")
    p.add_argument("--btid", required=True)
    p.add_argument("--key-group", type=uint(0xFFFF), required=True, help="0 = re-register with urn:allServices")
    p.add_argument("--counter", type=uint(0xFFFFFFFF))
    p.add_argument("--bcast-ext", action="store_true")
    p.add_argument("--out")

    p = sub.add_parser("verify-v", help="check a card's verification message against the LTKM it answers")
    p.add_argument("dir")
    p.add_argument("--btid", required=True)
    p.add_argument("--ltkm", required=True, metavar="FILE")
    p.add_argument("--v", required=True, metavar="FILE")

    p = sub.add_parser("decode", parents=[js], help="parse a MIKEY message and print its fields")
    p.add_argument("file")

    p = sub.add_parser("wap-push", help="wrap a MIKEY message in a connectionless WSP Push PDU (SMS form)")
    p.add_argument("file")
    p.add_argument("--out", required=True, metavar="PDU")
    p.add_argument("--tid", type=uint(255), default=0)

    p = sub.add_parser("send-udp", help="send a file as one UDP datagram")
    p.add_argument("host")
    p.add_argument("port", type=uint(65535))
    p.add_argument("file")

    p = sub.add_parser("serve", help="run the BM-SC HTTP interface on 127.0.0.1")
    p.add_argument("dir")
    p.add_argument("--port", type=uint(65535), default=0)
    p.add_argument("--port-file")
    p.add_argument("--pid-file")
    p.add_argument("--log", help="append one JSON line per request")
    p.add_argument("-v", "--verbose", action="store_true")

    args = ap.parse_args()
    return {"init": cmd_init, "keys": cmd_keys, "add-msk": cmd_add_msk, "ltkm": cmd_ltkm, "stkm": cmd_stkm,
            "trigger": cmd_trigger, "verify-v": cmd_verify_v, "decode": cmd_decode, "wap-push": cmd_wap_push,
            "send-udp": cmd_send_udp, "serve": cmd_serve}[args.cmd](args)


if __name__ == "__main__":
    try:
        main()
    except (bmsc_state.StateError, mc.MikeyError, gba.GbaError) as e:
        die(str(e))
    except BrokenPipeError:
        sys.exit(1)
