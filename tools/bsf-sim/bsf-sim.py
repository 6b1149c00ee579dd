#!/usr/bin/python3
"""GBA Bootstrapping Server Function (BSF) simulator: Ub over HTTP Digest AKA, MILENAGE, GBA_U. See README.md here.

  bsf-sim.py init DIR [--force] [--realm R]
  bsf-sim.py add-subscriber DIR --impi IMPI --k HEX (--opc HEX | --op HEX) [--sqn HEX12] [--amf HEX4] [--ind N]
  bsf-sim.py serve DIR [--port N] [--port-file F] [--pid-file F] [--lifetime-s N] [--log F.jsonl] [-v] [--gba-me]
                       [--ind-cycle]
  bsf-sim.py naf-key DIR --btid B --naf FQDN [--ua HEX10] [--json]
  bsf-sim.py vector --k HEX (--opc HEX | --op HEX) --sqn HEX12 --amf HEX4 --rand HEX32 [--gba-me] [--json]
  bsf-sim.py auts --k HEX (--opc HEX | --op HEX) --rand HEX32 (--sqn-ms HEX12 | --check AUTS) [--json]
  bsf-sim.py kdf --ks HEX64 --rand HEX32 --impi S --naf FQDN [--ua HEX10] --label gba-me|gba-u [--json]

Exit status: 0 ok, 1 failure, 2 bad command line.
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

import bsf_server  # noqa: E402
import gba  # noqa: E402
import milenage  # noqa: E402


def die(msg, code=1):
    print("bsf-sim: " + msg, file=sys.stderr)
    sys.exit(code)


def hexbytes(n):
    def parse(s):
        try:
            b = bytes.fromhex(re.sub(r"[\s:]", "", s))
        except ValueError:
            raise argparse.ArgumentTypeError("not hex: %r" % s) from None
        if len(b) != n:
            raise argparse.ArgumentTypeError("%d bytes, want %d" % (len(b), n))
        return b
    return parse


def auts_arg(s):
    """AUTS as 28 hex digits or as Base64 (as in the auts="..." Digest parameter)."""
    t = re.sub(r"[\s:]", "", s)
    try:
        b = bytes.fromhex(t) if re.fullmatch(r"[0-9a-fA-F]{28}", t) else base64.b64decode(t, validate=True)
    except ValueError:
        raise argparse.ArgumentTypeError("AUTS is neither 28 hex digits nor Base64: %r" % s) from None
    if len(b) != 14:
        raise argparse.ArgumentTypeError("AUTS is 14 bytes, got %d" % len(b))
    return b


def out(args, d, order):
    """Print d as JSON (--json) or as aligned NAME value lines in the given order."""
    if getattr(args, "json", False):
        print(json.dumps({k: d[k] for k in order}, sort_keys=False))
    else:
        w = max(len(k) for k in order)
        for k in order:
            print("%-*s %s" % (w, k.upper(), d[k] if d[k] is not None else "-"))


def opc_of(args):
    if args.opc is not None:
        return args.opc
    return milenage.opc(args.k, args.op)


def need_dir(d):
    st = bsf_server.Store(d)
    if not st.exists():
        die("%s is not a simulator directory; create it with: bsf-sim.py init %s" % (d, d))
    return st


# --- commands -------------------------------------------------------------------------------------------------

def cmd_init(args):
    if os.path.exists(os.path.join(args.dir, bsf_server.SUBSCRIBERS)) and not args.force:
        die("%s already holds subscribers.json (SQN state); use --force to replace it" % args.dir)
    impi, e = bsf_server.init_dir(args.dir, realm=args.realm)
    print("bsf-sim: %s written; realm and B-TID domain %s" % (os.path.join(args.dir, bsf_server.SUBSCRIBERS),
                                                              args.realm))
    print("IMPI %s" % impi)
    print("K    %s" % e["k"])
    print("OP   %s" % e["op"])
    print("OPC  %s" % e["opc"])
    print("SQN  %s (last issued; the first challenge carries SEQ+1)" % e["sqn"])
    print("AMF  %s" % e["amf"])


def cmd_add_subscriber(args):
    st = need_dir(args.dir)
    if not 0 <= args.ind < 32:
        die("--ind must be 0..31", 2)
    opc = opc_of(args)
    entry = bsf_server.make_subscriber(args.k, opc, args.op, args.sqn, args.amf, args.ind)
    with st.locked():
        cfg = st.load_config()
        if args.impi in cfg["subscribers"] and not args.replace:
            die("subscriber %s exists; use --replace" % args.impi)
        cfg["subscribers"][args.impi] = entry
        st.save_config(cfg)
    print("bsf-sim: subscriber %s added (OPc %s, SQN %s, AMF %s)" % (args.impi, entry["opc"], entry["sqn"],
                                                                     entry["amf"]))


def cmd_serve(args):
    st = need_dir(args.dir)
    try:
        st.load_config()
    except bsf_server.StoreError as e:
        die(str(e))
    if args.lifetime_s <= 0:
        die("--lifetime-s must be positive", 2)
    opts = bsf_server.Options(lifetime_s=args.lifetime_s, gba_me=args.gba_me, ind_cycle=args.ind_cycle,
                              verbose=args.verbose)
    bsf = bsf_server.Bsf(args.dir, opts, args.log)
    try:
        srv = bsf_server.Server(bsf, args.port)
    except OSError as e:
        bsf.close()
        die("cannot listen on 127.0.0.1:%d: %s (pick another --port, or 0 for any free one)" % (args.port, e.strerror))
    stop = bsf.stop
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: stop.set())
    port = srv.server_address[1]
    if args.pid_file:
        bsf_server.write_atomic(args.pid_file, b"%d\n" % os.getpid())
    if args.port_file:  # written last: once it exists, the server accepts connections
        bsf_server.write_atomic(args.port_file, b"%d\n" % port)
    print("bsf-sim: %s BSF, realm %s, on http://127.0.0.1:%d/" % ("GBA_ME" if args.gba_me else "GBA_U", bsf.realm,
                                                                   port), flush=True)
    t = threading.Thread(target=srv.serve_forever, name="bsf-serve")
    t.start()
    while not stop.wait(0.5):
        pass
    srv.shutdown()
    t.join()
    srv.server_close()
    bsf.close()
    for f in (args.pid_file, args.port_file):
        if f:
            try:
                os.unlink(f)
            except OSError:
                pass


def cmd_naf_key(args):
    st = need_dir(args.dir)
    try:
        nafid = gba.naf_id(args.naf, args.ua)
        status, ans = bsf_server.zn_answer(st, args.btid, nafid)
    except (bsf_server.StoreError, gba.GbaError) as e:
        die(str(e))
    if status != 200:
        die("%s: %s" % (args.btid, ans["error"]))
    out(args, ans, ("btid", "impi", "gba_type", "naf_id_hex", "ks_ext_naf", "ks_int_naf", "lifetime"))


def cmd_vector(args):
    opc = opc_of(args)
    av = gba.vector(args.k, opc, args.sqn, args.amf, args.rand, gba_u=not args.gba_me)
    d = {k: (v.hex() if isinstance(v, bytes) else v) for k, v in av.items()}
    d["opc"] = opc.hex()
    out(args, d, ("gba_type", "opc", "rand", "sqn", "amf", "ak", "mac", "mac_star", "autn", "res", "ck", "ik", "ks",
                  "nonce"))


def cmd_auts(args):
    opc = opc_of(args)
    if args.check is not None:
        try:
            sqn_ms = gba.check_auts(args.k, opc, args.rand, args.check)
        except gba.GbaError as e:
            die(str(e))
        d = {"auts": args.check.hex(), "auts_b64": base64.b64encode(args.check).decode(), "sqn_ms": "%012x" % sqn_ms}
        seq, ind = gba.sqn_split(sqn_ms)
        d["seq"], d["ind"] = seq, ind
        out(args, d, ("auts", "auts_b64", "sqn_ms", "seq", "ind"))
        return
    auts = gba.make_auts(args.k, opc, args.rand, args.sqn_ms)
    out(args, {"auts": auts.hex(), "auts_b64": base64.b64encode(auts).decode(), "sqn_ms": args.sqn_ms.hex()},
        ("sqn_ms", "auts", "auts_b64"))


def cmd_kdf(args):
    key = gba.ks_naf(args.ks, args.rand, args.impi, gba.naf_id(args.naf, args.ua), args.label.encode("ascii"))
    out(args, {"label": args.label, "naf_id_hex": gba.naf_id(args.naf, args.ua).hex(), "key": key.hex()},
        ("label", "naf_id_hex", "key"))


def main():
    ap = argparse.ArgumentParser(prog="bsf-sim.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    subkeys = argparse.ArgumentParser(add_help=False)
    subkeys.add_argument("--k", type=hexbytes(16), required=True, help="subscriber key K (16 bytes hex)")
    g = subkeys.add_mutually_exclusive_group(required=True)
    g.add_argument("--opc", type=hexbytes(16), help="OPc (16 bytes hex)")
    g.add_argument("--op", type=hexbytes(16), help="OP (16 bytes hex); OPc = OP xor E_K(OP)")

    js = argparse.ArgumentParser(add_help=False)
    js.add_argument("--json", action="store_true", help="one JSON object instead of NAME value lines")

    p = sub.add_parser("init", help="write DIR/subscribers.json with the default subscriber")
    p.add_argument("dir")
    p.add_argument("--force", action="store_true")
    p.add_argument("--realm", default=bsf_server.DEFAULT_REALM, help="realm and B-TID domain (%(default)s)")

    p = sub.add_parser("add-subscriber", parents=[subkeys], help="add a subscriber to DIR")
    p.add_argument("dir")
    p.add_argument("--impi", required=True)
    p.add_argument("--sqn", type=hexbytes(6), default=bytes.fromhex(bsf_server.DEFAULT_SQN),
                   help="last SQN issued (default %s)" % bsf_server.DEFAULT_SQN)
    p.add_argument("--amf", type=hexbytes(2), default=bytes.fromhex(bsf_server.DEFAULT_AMF))
    p.add_argument("--ind", type=int, default=0, help="fixed IND (0..31) of this subscriber's SQNs")
    p.add_argument("--replace", action="store_true")

    p = sub.add_parser("serve", help="run the BSF (Ub and /zn) on 127.0.0.1")
    p.add_argument("dir")
    p.add_argument("--port", type=int, default=0, help="0 (default): any free port, see --port-file")
    p.add_argument("--port-file", help="write the port here once listening (removed on exit)")
    p.add_argument("--pid-file", help="write the pid here (removed on exit)")
    p.add_argument("--lifetime-s", type=int, default=3600, help="bootstrap key lifetime (default %(default)s)")
    p.add_argument("--log", help="append one JSON line per request")
    p.add_argument("--gba-me", action="store_true", help="GBA_ME: AUTN carries the plain MAC, no Ks_int_NAF")
    p.add_argument("--ind-cycle", action="store_true", help="IND = previous IND + 1 mod 32 instead of fixed")
    p.add_argument("-v", "--verbose", action="store_true")

    p = sub.add_parser("naf-key", parents=[js], help="the NAF keys for a recorded B-TID (like /zn)")
    p.add_argument("dir")
    p.add_argument("--btid", required=True)
    p.add_argument("--naf", required=True, metavar="FQDN")
    p.add_argument("--ua", type=hexbytes(5), default=gba.UA_MBMS, help="Ua security protocol id (0100000001)")

    p = sub.add_parser("vector", parents=[subkeys, js], help="compute one AKA vector")
    p.add_argument("--sqn", type=hexbytes(6), required=True)
    p.add_argument("--amf", type=hexbytes(2), required=True)
    p.add_argument("--rand", type=hexbytes(16), required=True)
    p.add_argument("--gba-me", action="store_true", help="plain MAC in AUTN (default GBA_U: MAC*)")

    p = sub.add_parser("auts", parents=[subkeys, js], help="make an AUTS, or check one (--check)")
    p.add_argument("--rand", type=hexbytes(16), required=True)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--sqn-ms", type=hexbytes(6))
    g.add_argument("--check", type=auts_arg, metavar="AUTS", help="28 hex digits or Base64; prints SQN_MS")

    p = sub.add_parser("kdf", parents=[js], help="TS 33.220 Annex B NAF key derivation")
    p.add_argument("--ks", type=hexbytes(32), required=True)
    p.add_argument("--rand", type=hexbytes(16), required=True)
    p.add_argument("--impi", required=True)
    p.add_argument("--naf", required=True, metavar="FQDN")
    p.add_argument("--ua", type=hexbytes(5), default=gba.UA_MBMS)
    p.add_argument("--label", choices=("gba-me", "gba-u"), required=True)

    args = ap.parse_args()
    return {"init": cmd_init, "add-subscriber": cmd_add_subscriber, "serve": cmd_serve, "naf-key": cmd_naf_key,
            "vector": cmd_vector, "auts": cmd_auts, "kdf": cmd_kdf}[args.cmd](args)


if __name__ == "__main__":
    try:
        main()
    except (bsf_server.StoreError, milenage.MilenageError, gba.GbaError) as e:
        die(str(e))
    except BrokenPipeError:
        sys.exit(1)
