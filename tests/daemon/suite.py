#!/usr/bin/env python3
"""scagentd end to end (driven by tests/daemon/run): starts the daemon on a temporary socket and checks it through
its protocol. Prints one line per check and "SUITE daemon passed=N failed=M"."""
import argparse
import base64
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import ndjson
from ndjson import LIB_CODES, PROTO_CODES, Conn, check, code, res  # noqa: F401

A = argparse.ArgumentParser()
A.add_argument("--build", required=True)
A.add_argument("--root", required=True)
A.add_argument("--tmp", required=True)
A.add_argument("--card", default="pcsc")
A.add_argument("--reader", default="Virtual PCD 00 00")
A.add_argument("--load", type=int, default=60)
A.add_argument("--own-emu", action="store_true")
ARGS = A.parse_args()
NOCARD = ARGS.card == "none"
SOCK = os.path.join(ARGS.tmp, "scagentd.sock")
CONF = os.path.join(ARGS.tmp, "scagentd.conf")
LOG = os.path.join(ARGS.tmp, "scagentd.log")
ndjson.SOCK = SOCK
# who may call what (PROTOCOL.md section 6); admin may call everything; P: only with perso = yes
T, D, AD = "terminal", "dm-client", "admin"
ACL = {
    "hello": "any", "cancel": "any", "info": {T, D}, "pin.status": {T, D}, "pin.verify": {T}, "pin.change": {T},
    "gba.naf-key": {T}, "mbms.stkm": {T}, "id.show": {T}, "id.header": {T}, "upgrade.verify": {T},
    "dm.servers": {T, D}, "dm.policy": {T, D}, "dm.check": {D}, "dm.confirm": {T}, "fu.verify-manifest": {D},
    "fu.digest": {D}, "fu.hash": {D}, "fu.report": {D}, "fu.log.read": {D}, "fu.log.relay": {D}, "dmboot.verify": {D},
    "gba.status": {T}, "gba.bootstrap": {T}, "mbms.ltkm": {T}, "mbms.setup": {T}, "mbms.status": {T},
    "mbms.delete": {T}, "bcast.provision": {T}, "register": {T}, "id.verify": {T, D}, "apdu": {AD}, "perso.fields": "P",
    "perso.version": "P", "perso.naf-anchor": "P", "perso.dm": "P",
}


def write_conf(roles="terminal,dm-client", perso="no", extra=""):
    with open(CONF, "w") as f:
        f.write("socket = %s\ncard = %s\nreader = %s\nroot_all_roles = no\ndefault_roles = %s\nperso = %s\n"
                "max_output = 65536\nread_timeout_ms = 2000\nlog_level = info\n%s"
                % (SOCK, ARGS.card, ARGS.reader, roles, perso, extra))


DAEMON = None


def start_daemon():
    global DAEMON
    DAEMON, up = ndjson.start_daemon(os.path.join(ARGS.build, "bin", "scagentd"), CONF, LOG)
    return up


def reload_roles(roles, perso="no"):
    write_conf(roles, perso)
    DAEMON.send_signal(signal.SIGHUP)
    want = roles.replace(" ", "")
    want_perso = perso == "yes" and "admin" in want.split(",")
    for _ in range(100):  # the next hello shows the new roles (and perso) once the reload is done
        c = Conn()
        got = c.hello["hello"]["roles"]
        perso_on = "perso.fields" in c.hello["hello"]["capabilities"]
        c.close()
        # the roles alone do not tell admin/perso no from admin/perso yes: wait for the perso methods too
        if (got == (want if want else "none") or (want == "none" and got == "none")) and perso_on == want_perso:
            return True
        time.sleep(0.05)
    return False


# ------------------------------------------------------------------------------------------------------------
def conformance():
    print("== protocol conformance")
    c = Conn()
    h = c.hello.get("hello", {})
    check("hello first, protocol 1", h.get("protocol") == 1 and h.get("server") == "scagentd", c.hello)
    check("hello lists capabilities and limits",
          "info" in h.get("capabilities", []) and h.get("limits", {}).get("max_message") == 1048576, h)
    check("perso methods not offered", not any(m.startswith("perso.") for m in h.get("capabilities", [])))
    r = c.call("hello", id_="h")
    check("hello as a method", r.get("id") == "h" and r["result"]["protocol"] == 1, r)
    r = c.call("info", id_=12345678901)
    if NOCARD:
        check("info without a card: no-card", code(r) == "no-card", r)
    else:
        check("info from the card", "applet_version" in r.get("result", {}), r)
    for method, key in [("pin.status", "tries_left"), ("dm.servers", "servers"), ("dm.policy", "policy"),
                        ("gba.status", "bootstrapped"), ("id.show", "key"), ("fu.log.read", "count")]:
        r = c.call(method, id_=method)
        check("%s answers (id echoed)" % method, r.get("id") == method and
              (code(r) == "no-card" if NOCARD else key in r.get("result", {})), r)
    cases = [
        (b"not json\n", "parse-error", None),
        (b'{"id":1,"method":"info"} x\n', "parse-error", None),
        (b"[1,2]\n", "invalid-request", None),
        (b'{"id":2.5,"method":"info"}\n', "invalid-request", None),
        (b'{"id":"' + b"i" * 200 + b'","method":"info"}\n', "invalid-request", None),
        (b'{"id":3}\n', "invalid-request", 3),
        (b'{"id":4,"method":"info","params":[]}\n', "invalid-request", 4),
        (b'{"id":5,"method":"info","x":1}\n', "invalid-request", 5),
        (b'{"id":6,"method":"no.such"}\n', "unknown-method", 6),
        (b'{"id":7,"method":"dm.check"}\n', "bad-params", 7),
        (b'{"id":8,"method":"dm.check","params":{"server":""}}\n', "bad-params", 8),
        (b'{"id":9,"method":"upgrade.verify","params":{"msg":"not base64!"}}\n', "bad-params", 9),
        (b'{"id":10,"method":"info","params":{"deadline_ms":0}}\n', "bad-params", 10),
        (b'{"id":11,"method":"apdu","params":{"apdu":"00A4"}}\n', "denied", 11),
        (b'{"id":12,"method":"mbms.stkm","params":{"mikey":"AAAA"}}\n', "bad-params", 12),
        (b'{"id":13,"method":"mbms.ltkm","params":{"ltkm":"AAAA"}}\n', "no-card" if NOCARD else "parse", 13),
        (b'{"id":15,"method":"bcast.provision","params":{"kind":"register","url":"http://127.0.0.1:1",'
         b'"bmsc_fqdn":"b","services":[1]}}\n', "bad-params", 15),
        (b'{"id":16,"method":"mbms.delete","params":{"what":"msk","key_group":70000}}\n', "bad-params", 16),
        (b"\x00\xff\xfe{garbage\n", "parse-error", None),
        (b"[" * 100000 + b"\n", "too-deep", None),
        (b'{"id":14,"method":"info","params":{"a":"' + b"x" * (1536 * 1024) + b'"}}\n', "too-large", None),
    ]
    for raw, want, want_id in cases:
        c.send_raw(raw)
        m = c.read()
        check("%s for %r" % (want, raw[:40]), code(m) == want and m.get("id") == want_id and
              isinstance(m["error"].get("message"), str) and m["error"]["message"], m)
    r = c.call("cancel", {"id": 999}, id_=20)
    check("cancel of an unknown id", r.get("result", {}).get("state") == "unknown", r)
    r = c.call("info", id_="after")
    check("the connection is still usable after every error", r is not None and r.get("id") == "after", r)
    # every error code is a defined one
    bad = [m for m in [c.call(x, id_=x) for x in ("pin.verify", "fu.report", "dm.confirm")]
           if code(m) and code(m) not in LIB_CODES | PROTO_CODES]
    check("error codes are defined ones", not bad, bad)
    c.close()


def acl():
    print("== access-control matrix (roles switched with SIGHUP)")
    phases = [("none", "no"), ("terminal", "no"), ("dm-client", "no"), ("terminal,dm-client", "no"),
              ("admin", "no"), ("admin", "yes"), ("terminal", "yes")]
    for roles, perso in phases:
        if not check("reload: roles %s, perso %s" % (roles, perso), reload_roles(roles, perso)):
            continue
        have = set() if roles == "none" else set(roles.split(","))
        c = Conn()
        caps = set(c.hello["hello"]["capabilities"])
        wrong = []
        for i, (method, who) in enumerate(sorted(ACL.items())):
            if who == "any":
                allowed = True
            elif who == "P":
                allowed = AD in have and perso == "yes"
            else:
                allowed = bool(have & (who | {AD}))
            # an unknown parameter: an allowed call stops at bad-params, so the matrix never touches the card
            m = c.call(method, {"acl_probe": 1}, id_=i)
            got = code(m)
            if got != ("bad-params" if allowed else "denied") or (method in caps) != allowed:
                wrong.append((method, got, method in caps))
            if got == "denied" and method not in m["error"]["message"]:
                wrong.append((method, "message does not name the method"))
        check("matrix for %s/perso %s (%d methods)" % (roles, perso, len(ACL)), not wrong, wrong)
        c.close()
    reload_roles("terminal,dm-client")


def load():
    print("== %d clients x %d mixed requests" % (64, ARGS.load))
    mix = [("info", None, "applet_version"), ("pin.status", None, "tries_left"), ("dm.servers", None, "servers"),
           ("dm.policy", None, "policy"), ("gba.status", None, "bootstrapped"), ("fu.log.read", {}, "count"),
           ("no.such", None, "unknown-method"), ("dm.check", {"bogus": 1}, "bad-params"),
           ("cancel", {"id": "none"}, "state"), ("mbms.stkm", {"mikey": "AAAA"}, "bad-params"),
           ("mbms.status", None, "msks")]
    results = []
    lock = threading.Lock()

    def client(k):
        ok = bad = 0
        errors = []
        try:
            c = Conn(timeout=120)
            rnd = random.Random(k)
            plan = [rnd.choice(mix) for _ in range(ARGS.load)]
            inflight = {}
            sent = 0
            done = 0
            while done < len(plan):
                while sent < len(plan) and len(inflight) < 4:
                    rid = "c%d-%d" % (k, sent) if sent % 2 else k * 100000 + sent
                    c.send(rid, plan[sent][0], plan[sent][1])
                    inflight[json.dumps(rid)] = plan[sent]
                    sent += 1
                m = c.read()
                if m is None:
                    errors.append("connection closed")
                    break
                if "event" in m:
                    continue
                key = json.dumps(m.get("id"))
                if key not in inflight:
                    bad += 1
                    errors.append(("unexpected id", m.get("id")))
                    continue
                method, _, want = inflight.pop(key)
                done += 1
                if want in PROTO_CODES:
                    good = code(m) == want
                elif method == "cancel":
                    good = "state" in m.get("result", {})
                elif NOCARD:
                    good = code(m) == "no-card"
                else:
                    good = want in m.get("result", {})
                if good:
                    ok += 1
                else:
                    bad += 1
                    errors.append((method, m))
            c.close()
        except Exception as e:  # noqa: BLE001 - a client that dies counts as failed, with the reason
            errors.append(repr(e))
        with lock:
            results.append((ok, bad, errors[:3]))

    t0 = time.time()
    ts = [threading.Thread(target=client, args=(k,)) for k in range(64)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    ok = sum(r[0] for r in results)
    bad = sum(r[1] for r in results)
    errs = [e for r in results for e in r[2]][:5]
    check("64 clients: %d answers, none lost or mismatched (%.1f s)" % (ok, time.time() - t0),
          ok == 64 * ARGS.load and bad == 0, errs)
    check("the daemon is still running", DAEMON.poll() is None)


def rough_clients():
    print("== clients leaving mid-request, a client that does not read")
    for k in range(10):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(SOCK)
        s.sendall(b"".join(b'{"id":%d,"method":"info"}\n' % i for i in range(20)))
        if k % 2:
            s.sendall(b'{"id":99,"method":"in')  # and a half line
        s.close()
    c = Conn()
    r = c.call("info", id_="alive")
    check("served after 10 clients left mid-request", r is not None and r.get("id") == "alive", r)
    c.close()
    slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect(SOCK)
    slow.settimeout(0.05)
    line = b'{"id":1,"method":"no.such"}\n'
    sent = 0
    for _ in range(40000):
        try:
            slow.send(line)
            sent += 1
        except socket.timeout:
            pass
        except OSError:
            break
    c = Conn()
    t0 = time.time()
    r = c.call("info", id_="meanwhile")
    check("another client is served while one does not read", r is not None and time.time() - t0 < 5, r)
    c.close()
    slow.settimeout(10)
    total = 0
    try:
        while True:
            d = slow.recv(1 << 16)
            if not d:
                break
            total += len(d)
    except OSError:
        pass
    check("the client that did not read was disconnected (%d of %d answers' bytes)" % (total, sent * 90),
          total < sent * 90)
    slow.close()
    check("the daemon is still running", DAEMON.poll() is None)


def cli():
    print("== the CLI through the daemon")
    sc = os.path.join(ARGS.build, "bin", "scagent")
    p = subprocess.run([sc, "-S", SOCK, "--json", "info"], capture_output=True, text=True)
    j = json.loads(p.stdout or "{}")
    if NOCARD:
        check("scagent -S info: no card, exit 3", p.returncode == 3 and j.get("ok") is False, p)
    else:
        check("scagent -S info", p.returncode == 0 and j.get("ok") and "applet_version" in j, p)
    p = subprocess.run([sc, "-S", SOCK, "--json", "pin", "status"], capture_output=True, text=True)
    check("scagent -S pin status", p.returncode == (3 if NOCARD else 0), p)
    p = subprocess.run([sc, "-S", SOCK, "apdu", "80CADF3000"], capture_output=True, text=True)
    check("scagent -S apdu needs admin: exit 8", p.returncode == 8 and "admin" in p.stderr, p)
    p = subprocess.run([sc, "-S", SOCK, "readers"], capture_output=True, text=True)
    check("a command the daemon does not carry: exit 2", p.returncode == 2 and "not available" in p.stderr, p)
    env = dict(os.environ, SCAGENT_SOCKET=SOCK)
    p = subprocess.run([sc, "--daemon", "--json", "gba", "status"], capture_output=True, text=True, env=env)
    check("scagent --daemon uses $SCAGENT_SOCKET", p.returncode == (3 if NOCARD else 0), p)
    if NOCARD:
        return
    # the direct command's output through the daemon (the direct CLI cannot run beside the daemon: the applet is
    # not multi-selectable, so its SELECT would be refused while the daemon's session has it selected)
    r = subprocess.run([sc, "-S", SOCK, "--json", "gba", "status"], capture_output=True, text=True)
    j = json.loads(r.stdout or "{}")
    check("scagent -S --json gba status: the direct command's members",
          r.returncode == 0 and j.get("ok") is True and isinstance(j.get("bootstrapped"), bool) and
          set(j) <= {"ok", "bootstrapped", "impi", "rand", "btid", "lifetime"}, r)
    r = subprocess.run([sc, "-S", SOCK, "gba", "status"], capture_output=True, text=True)
    check("scagent -S gba status: the direct command's text", r.returncode == 0 and r.stdout.startswith("IMPI:      "), r)
    r = subprocess.run([sc, "-S", SOCK, "--json", "mbms", "status"], capture_output=True, text=True)
    j = json.loads(r.stdout or "{}")
    check("scagent -S --json mbms status", r.returncode == 0 and set(j) == {"ok", "muks", "msks"}, r)
    r = subprocess.run([sc, "-S", SOCK, "mbms", "status"], capture_output=True, text=True)
    check("scagent -S mbms status: the direct command's text",
          r.returncode == 0 and r.stdout.startswith("MUKs (") and "\nMSKs (" in r.stdout, r)
    junk = os.path.join(ARGS.tmp, "junk.mikey")
    with open(junk, "w") as f:
        f.write("01 00 15 00\n")
    r = subprocess.run([sc, "-S", SOCK, "--json", "mbms", "ltkm", junk], capture_output=True, text=True)
    check("a malformed LTKM through the daemon: exit 9 (bad data) as the direct command",
          r.returncode == 9 and json.loads(r.stdout or "{}").get("ok") is False, r)
    c = Conn()
    m = c.call("mbms.stkm", {"stkm": "AQAVAA=="}, id_="nopin")
    check("mbms.stkm without the PIN verified by this process: denied", code(m) == "denied", m)
    m = c.call("mbms.ltkm", {"ltkm": "AQAVAA=="}, id_="badltkm")
    check("mbms.ltkm classifies before the card: parse", code(m) == "parse", m)
    m = c.call("bcast.provision", {"kind": "bogus", "url": "http://127.0.0.1:9", "bmsc_fqdn": "b"}, id_="k")
    check("bcast.provision with an unknown kind: invalid-argument", code(m) == "invalid-argument", m)
    c.close()


SIMS = []
E2E = {}


def sim(name, argv):
    """A simulator serving on a free port (logging to NAME.log in the run's directory): its port, once listening."""
    w = ARGS.tmp
    p, port = ndjson.serve(argv + ["--port", "0", "--port-file", os.path.join(w, name + ".port"), "--log",
                                   os.path.join(w, name + ".log")], os.path.join(w, name + ".port"))
    SIMS.append(p)
    return port


def sims_start():
    """Card mode, before the daemon holds the card (the applet is not multi-selectable): the BSF and BM-SC simulators
    and the card's GBA keys (an issuer step, so directly)."""
    py = sys.executable
    sc = os.path.join(ARGS.build, "bin", "scagent")
    bsf = os.path.join(ARGS.root, "tools", "bsf-sim", "bsf-sim.py")
    bmsc = os.path.join(ARGS.root, "tools", "bmsc-sim", "bmsc-sim.py")
    w = ARGS.tmp
    init = subprocess.run([py, bsf, "init", os.path.join(w, "bsf")], capture_output=True, text=True).stdout
    field = {l.split(None, 1)[0]: l.split(None, 1)[1].strip() for l in init.splitlines() if len(l.split(None, 1)) == 2}
    subprocess.run([py, bmsc, "init", os.path.join(w, "bmsc"), "--bsf", os.path.join(w, "bsf")], capture_output=True)
    subprocess.run([py, bmsc, "add-msk", os.path.join(w, "bmsc"), "--msk-id", "00010002", "--item",
                    "urn:example:item:news"], capture_output=True)
    for name, tool in (("bsf", bsf), ("bmsc", bmsc)):
        E2E[name] = "http://127.0.0.1:%s" % sim(name, [py, tool, "serve", os.path.join(w, name)])
    # the identity's fields are fixed once the card is personalized: they come first, then the PIN and life cycle
    E2E["identity"] = identity_perso(sc)
    subprocess.run([os.path.join(ARGS.build, "bin", "scagent-perso"), "--profile",
                    os.path.join(ARGS.root, "tools", "perso", "test-profile.conf")], capture_output=True)
    p = subprocess.run([sc, "--test-keys", "perso", "gba", "--k", field.get("K", ""), "--opc", field.get("OPC", ""),
                        "--impi", field.get("IMPI", "")], capture_output=True, text=True)
    E2E["perso"] = p.returncode == 0
    E2E["dm"] = dm_perso(sc)
    E2E["bmsc_dir"] = os.path.join(w, "bmsc")
    E2E["bmsc_tool"] = bmsc
    return E2E["perso"]


def identity_perso(sc):
    """The BCAST client identity, as the issuer writes it (directly, before the daemon holds the card): fields, a key
    made on the card, its certificate from the NAF simulator's client CA, the NAF's trust anchor."""
    py, w = sys.executable, ARGS.tmp
    naf = os.path.join(ARGS.root, "tools", "naf-sim", "naf-sim.py")
    E2E["naf_tool"], E2E["naf_dir"] = naf, os.path.join(w, "naf")
    steps = [[py, naf, "init", E2E["naf_dir"]],
             [sc, "--test-keys", "perso", "fields", "--imei", "490154203237518", "--firmware", "3", "--manufacturer",
              "4660", "--model", "22", "--serial", "123456", "--software", "7"],
             [sc, "--test-keys", "perso", "keygen", "ec", "--out", os.path.join(w, "client-pub.pem")],
             [sc, "--test-keys", "perso", "csr", "--subject", "/CN=daemon suite client", "--out",
              os.path.join(w, "client.csr")],
             ["openssl", "x509", "-req", "-in", os.path.join(w, "client.csr"), "-CA",
              os.path.join(E2E["naf_dir"], "client-ca.pem"), "-CAkey", os.path.join(E2E["naf_dir"], "client-ca.key"),
              "-CAcreateserial", "-days", "30", "-out", os.path.join(w, "client.pem")],
             [sc, "--test-keys", "perso", "cert", "load", os.path.join(w, "client.pem")],
             [sc, "--test-keys", "perso", "naf-anchor", "add", os.path.join(E2E["naf_dir"], "naf-ca.pem")]]
    for st in steps:
        p = subprocess.run(st, capture_output=True, text=True)
        if p.returncode != 0:
            E2E["identity_error"] = "%s: %s" % (" ".join(st[:4]), p.stderr.strip()[-300:])
            return False
    for policy in ("optional-upgrade", "critical-upgrade", "refuse"):
        port = sim("naf-" + policy, [py, naf, "serve", E2E["naf_dir"], "--policy", policy, "--upgrade-uri",
                                     "https://upgrade.example.test/client"])
        E2E["naf-" + policy] = "http://127.0.0.1:%s/bcast/registration" % port
    return True


def dm_perso(sc):
    """The operator's DM server with the READ_LOG permission, and the DM server simulator that knows the card's log
    key (read directly, before the daemon holds the card)."""
    py, w = sys.executable, ARGS.tmp
    dm = os.path.join(ARGS.root, "tools", "dm-sim", "dm-sim.py")
    d = os.path.join(w, "dm")
    info = subprocess.run([sc, "--json", "info"], capture_output=True, text=True)
    card_id = json.loads(info.stdout or "{}").get("card_id", "")
    key = subprocess.run([sc, "--json", "apdu", "80CADF5300"], capture_output=True, text=True)
    try:
        open(os.path.join(w, "card-log-key.der"), "wb").write(
            bytes.fromhex(json.loads(key.stdout)["responses"][0]["data"]))
    except (ValueError, KeyError, IndexError):
        E2E["dm_error"] = "the card's log key: %s" % key.stderr[-200:]
        return False
    for st in ([py, dm, "init", d],
               [sc, "--test-keys", "perso", "dm", "server", "add", "0", "--id", "dm-a.scagent.test", "--key",
                os.path.join(d, "dmserver-a.pub.pem"), "--perms", "fw,log"],
               [sc, "--test-keys", "perso", "dm", "originator", "add", "0", os.path.join(d, "originator0.pub.pem")],
               [py, dm, "register-card", d, "--card-id", card_id, "--card-key", os.path.join(w, "card-log-key.der")]):
        p = subprocess.run(st, capture_output=True, text=True)
        if p.returncode != 0:
            E2E["dm_error"] = "%s: %s" % (" ".join(st[:4]), p.stderr.strip()[-300:])
            return False
    E2E["dm_url"] = "http://127.0.0.1:%s" % sim("dm", [py, dm, "serve", d])
    E2E["dm_tool"], E2E["dm_dir"], E2E["card_id"] = dm, d, card_id
    return True


def dm_log_e2e():
    print("== the firmware-update log read by a remote DM server through the daemon's relay")
    if not check("the card has a DM server with READ_LOG (operator step before the daemon started)", E2E.get("dm"),
                 E2E.get("dm_error", "")):
        return
    sc = [os.path.join(ARGS.build, "bin", "scagent"), "-S", SOCK]
    # a firmware update hashed on the card through the daemon: 16 KiB requests, cut into one transaction per chunk
    w = ARGS.tmp
    pkg, man = os.path.join(w, "fw.bin"), os.path.join(w, "fw.manifest")
    with open(pkg, "wb") as f:
        f.write(os.urandom(300 * 1024 + 7))
    subprocess.run([sys.executable, E2E["dm_tool"], "sign-manifest", E2E["dm_dir"], "--originator", "0", "--package",
                    pkg, "--kind", "firmware", "--manufacturer", "4660", "--model", "22", "--from-min", "1",
                    "--from-max", "3", "--to", "4", "--seq", "1", "--server", "dm-a.scagent.test", "--card-id",
                    E2E["card_id"], "--out", man], capture_output=True)
    r = subprocess.run(sc + ["fu", "verify", pkg, "--manifest", man, "--server", "dm-a.scagent.test", "--on-card"],
                       capture_output=True, text=True)
    check("fu verify --on-card through the daemon: the card hashed the package and matched the manifest",
          r.returncode == 0 and "verified" in r.stdout, r)
    r = subprocess.run(sc + ["--json", "fu", "report", "installed"], capture_output=True, text=True)
    check("fu report installed through the daemon", r.returncode == 0, r)
    r = subprocess.run(sc + ["--json", "fu", "log", "--dm-server", E2E["dm_url"], "--server", "dm-a.scagent.test"],
                       capture_output=True, text=True)
    j = json.loads(r.stdout or "{}")
    check("fu log --dm-server through the daemon: the simulator verified the export (its key, the card's checkpoint)",
          r.returncode == 0 and j.get("ok") is True and j.get("verified") is True, r)
    recs = [(x.get("kind_name"), x.get("status_name")) for x in j.get("records", [])]
    check("the log holds the update verified, then installed after the card hashed it", recs[-2:] == [
        ("firmware", "verified"), ("firmware", "installed")] and "hashed-on-card" in j["records"][-1].get("flag_names",
                                                                                                     []), j)
    r = subprocess.run(sc + ["fu", "log", "--dm-server", E2E["dm_url"], "--server", "dm-a.scagent.test"],
                       capture_output=True, text=True)
    check("fu log --dm-server: the direct command's text", r.returncode == 0 and
          r.stdout.startswith("the DM server verified the log:"), r)
    r = subprocess.run(sc + ["--json", "fu", "log", "--dm-server", E2E["dm_url"], "--server", "dm-z.scagent.test"],
                       capture_output=True, text=True)
    check("a DM server not on the card's list: exit 8", r.returncode == 8, r)
    r = subprocess.run(sc + ["fu", "log", "--server-key", "k.pem"], capture_output=True, text=True)
    check("fu log --server-key through the daemon: exit 2 (the terminal would hold the server's key)",
          r.returncode == 2 and "--dm-server" in r.stderr, r)


def identity_e2e():
    print("== BCAST identity through the daemon: id header, id verify, register with upgrade offers, upgrade verify")
    if not check("the card has a client identity (issuer steps before the daemon started)", E2E.get("identity"),
                 E2E.get("identity_error", "")):
        return
    sc = [os.path.join(ARGS.build, "bin", "scagent"), "-S", SOCK]
    w, ca = ARGS.tmp, os.path.join(E2E["naf_dir"], "client-ca.pem")
    r = subprocess.run(sc + ["--json", "id", "header"], capture_output=True, text=True)
    ua = json.loads(r.stdout or "{}").get("user_agent", "")
    if not check("id header through the daemon", r.returncode == 0 and ua.startswith("BCAST_Client_ID="), r):
        return
    with open(os.path.join(w, "ua.txt"), "w") as f:
        f.write(ua + "\n")
    raw = base64.b64decode(ua.split("=", 1)[1])
    with open(os.path.join(w, "id.bin"), "wb") as f:
        f.write(raw)
    r = subprocess.run(sc + ["--json", "id", "verify", os.path.join(w, "ua.txt"), "--ca", ca], capture_output=True,
                       text=True)
    j = json.loads(r.stdout or "{}")
    check("id verify through the daemon: signature and chain, the fields the issuer wrote",
          r.returncode == 0 and j.get("signature_valid") is True and j.get("chain_checked") is True and
          j.get("fields", {}).get("imei") == "490154203237518" and j.get("fields", {}).get("serial") == 123456, r)
    r = subprocess.run(sc + ["id", "verify", os.path.join(w, "id.bin")], capture_output=True, text=True)
    check("id verify (binary, no --ca): the direct command's text",
          r.returncode == 0 and r.stdout.startswith("IMEI:                      490154203237518") and
          "not checked (no --ca)" in r.stdout, r)
    bad = bytearray(raw)
    bad[3] ^= 1  # in the signed fields (the IMEI)
    with open(os.path.join(w, "id-bad.bin"), "wb") as f:
        f.write(bytes(bad))
    r = subprocess.run(sc + ["--json", "id", "verify", os.path.join(w, "id-bad.bin")], capture_output=True, text=True)
    check("a tampered identifier: exit 9, ok false", r.returncode == 9 and json.loads(r.stdout or "{}").get("ok") is False,
          r)
    c = Conn()
    m = c.call("id.verify", {"id": base64.b64encode(raw).decode(), "user_agent": ua}, id_="both")
    check("id.verify with both id and user_agent: invalid-argument", code(m) == "invalid-argument", m)
    m = c.call("id.verify", {"user_agent": ua, "ca": "no PEM here"}, id_="badca")
    check("id.verify with a ca without certificates: invalid-argument", code(m) == "invalid-argument", m)
    m = c.call("register", {"url": E2E["naf-optional-upgrade"], "bogus": 1}, id_="regbad")
    check("register with an unknown parameter: bad-params", code(m) == "bad-params", m)
    c.close()
    r = subprocess.run(sc + ["--json", "register", E2E["naf-optional-upgrade"]], capture_output=True, text=True)
    j = json.loads(r.stdout or "{}")
    check("register through the daemon: an optional upgrade offer, verified against the card's NAF anchor",
          r.returncode == 0 and j.get("ok") is True and j.get("outcome") == "upgrade-optional" and
          j.get("upgrade", {}).get("verified") is True and j.get("upgrade", {}).get("critical") is False, r)
    r = subprocess.run(sc + ["register", E2E["naf-optional-upgrade"]], capture_output=True, text=True)
    check("register: the direct command's text", r.returncode == 0 and
          r.stdout.startswith("registration: upgrade-optional (HTTP 200)") and "upgrade message: verified" in r.stdout, r)
    r = subprocess.run(sc + ["--json", "register", E2E["naf-critical-upgrade"]], capture_output=True, text=True)
    j = json.loads(r.stdout or "{}")
    check("register with a critical upgrade required: exit 10, ok false",
          r.returncode == 10 and j.get("ok") is False and j.get("upgrade", {}).get("critical") is True, r)
    r = subprocess.run(sc + ["--json", "register", E2E["naf-refuse"]], capture_output=True, text=True)
    j = json.loads(r.stdout or "{}")
    check("register refused: exit 10 with the reason", r.returncode == 10 and j.get("outcome") == "refused" and
          j.get("refusal", {}).get("reason"), r)
    py, naf = sys.executable, E2E["naf_tool"]
    good, forged = os.path.join(w, "up.bin"), os.path.join(w, "up-forged.bin")
    subprocess.run([py, naf, "make-upgrade", E2E["naf_dir"], "--client-id", os.path.join(w, "id.bin"),
                    "--dm-uri", "https://dm.example.test/", "--out", good], capture_output=True)
    subprocess.run([py, naf, "make-upgrade", E2E["naf_dir"], "--client-id", os.path.join(w, "id.bin"),
                    "--signer", "other", "--out", forged], capture_output=True)
    r = subprocess.run(sc + ["--json", "upgrade", "verify", good], capture_output=True, text=True)
    j = json.loads(r.stdout or "{}")
    check("upgrade verify through the daemon: DM server URI", r.returncode == 0 and j.get("verified") is True and
          j.get("uri_kind") == "dm-server" and j.get("uri") == "https://dm.example.test/", r)
    r = subprocess.run(sc + ["--json", "upgrade", "verify", forged], capture_output=True, text=True)
    check("an upgrade message signed by an untrusted NAF: exit 9", r.returncode == 9, r)
    r = subprocess.run(sc + ["--json", "id", "show"], capture_output=True, text=True)
    check("id show through the daemon", r.returncode == 0 and json.loads(r.stdout or "{}").get("ok") is True, r)


def mbms_e2e():
    print("== GBA, BCAST provisioning, an LTKM and STKMs through the daemon (BSF and BM-SC simulators)")
    if not check("the card has the BSF's GBA keys (perso gba before the daemon started)", E2E.get("perso")):
        return
    py = sys.executable
    sc = [os.path.join(ARGS.build, "bin", "scagent"), "-S", SOCK, "--pin", "1234"]
    p = subprocess.run(sc + ["--json", "gba", "bootstrap", E2E["bsf"] + "/"], capture_output=True, text=True)
    j = json.loads(p.stdout or "{}")
    if not check("gba bootstrap through the daemon (Ub off the card thread)", p.returncode == 0 and j.get("btid"), p):
        return
    p = subprocess.run(sc + ["--json", "mbms", "setup", "--bmsc-fqdn", "bmsc.example.org"], capture_output=True,
                       text=True)
    j = json.loads(p.stdout or "{}")
    check("mbms setup: the MUK on the card, no MRK in the answer", p.returncode == 0 and j.get("idi") ==
          "bmsc.example.org" and "mrk" not in p.stdout.lower(), p)
    p = subprocess.run(sc + ["--json", "bcast", "register", E2E["bmsc"], "--bmsc-fqdn", "bmsc.example.org"],
                       capture_output=True, text=True)
    j = json.loads(p.stdout or "{}")
    check("bcast register through the daemon (HTTP Digest off the card thread)", p.returncode == 0 and j.get("ok")
          and j.get("kind") == "register", p)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    u.settimeout(20)
    p = subprocess.run(sc + ["--json", "bcast", "service-request", E2E["bmsc"], "--bmsc-fqdn", "bmsc.example.org",
                             "--service", "urn:example:item:news", "--udp-port", str(u.getsockname()[1])],
                       capture_output=True, text=True)
    check("bcast service-request through the daemon", p.returncode == 0, p)
    try:
        ltkm = u.recv(4096)
    except OSError as e:
        check("the BM-SC pushed the LTKM", False, repr(e))
        return
    u.close()
    lf = os.path.join(ARGS.tmp, "ltkm.bin")
    open(lf, "wb").write(ltkm)
    p = subprocess.run(sc + ["--json", "mbms", "ltkm", lf], capture_output=True, text=True)
    j = json.loads(p.stdout or "{}")
    check("mbms ltkm through the daemon: the MSK stored", p.returncode == 0 and j.get("stored") is True, p)
    c = Conn()
    good = 0
    for n in range(1, 6):
        sf = os.path.join(ARGS.tmp, "stkm%d.bin" % n)
        q = subprocess.run([py, E2E["bmsc_tool"], "stkm", E2E["bmsc_dir"], "--msk-id", "00010002", "--json", "--out",
                            sf], capture_output=True, text=True)
        want = json.loads(q.stdout or "{}").get("card_output", "?")
        if n % 2:  # the CLI through the daemon
            p = subprocess.run(sc + ["--json", "mbms", "stkm", sf], capture_output=True, text=True)
            j = json.loads(p.stdout or "{}")
            got = (j.get("mtk", "") + j.get("salt", "")).lower()
        else:  # the protocol itself: Base64 in and out
            import base64
            m = c.call("mbms.stkm", {"stkm": base64.b64encode(open(sf, "rb").read()).decode(), "pin": "1234"},
                       id_="stkm%d" % n)
            r = m.get("result", {})
            got = (base64.b64decode(r.get("mtk", "")) + base64.b64decode(r.get("salt", ""))).hex()
        good += got == want
        if got != want:
            print("     STKM %d: %s != the BM-SC's %s" % (n, got, want))
    c.close()
    check("5 STKMs through the daemon: TEK||salt equal to the BM-SC's (as the direct CLI's)", good == 5, good)
    listen_e2e(sc)


def listen_e2e(sc):
    """scagent -S mbms listen: the BSM's solicited pull triggers arrive over UDP here; the card's part (the LTKMs of
    the LTKM Request's answer, the B-TID and MRK of the requests) goes through the daemon."""
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    port = u.getsockname()[1]
    u.close()
    p = subprocess.Popen(sc + ["--json", "mbms", "listen", "--udp", str(port), "--count", "2", "--timeout", "20000",
                               "--bmsc", E2E["bmsc"], "--bmsc-fqdn", "bmsc.example.org"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = p.stdout.readline()
    btid = json.loads(subprocess.run(sc + ["--json", "gba", "status"], capture_output=True, text=True).stdout or
                      "{}").get("btid", "")
    q = urllib.parse.quote(btid, safe="")
    for group in (1, 0):  # 1: the Key Group of the MSK 00010002 the BM-SC has
        urllib.request.urlopen(urllib.request.Request(
            "%s/bmsc/admin/trigger?btid=%s&key_group=%d&port=%d" % (E2E["bmsc"], q, group, port), method="POST"),
            timeout=10).read()
        time.sleep(0.5)
    out, err = p.communicate(timeout=30)
    ev = [json.loads(l) for l in (first + out).splitlines() if l.strip()]
    got = [(e.get("via"), e.get("action"), e.get("result")) for e in ev if e.get("event") == "ltkm"]
    check("mbms listen through the daemon: an LTKM Request whose LTKM the card stores, then a re-registration",
          p.returncode == 0 and got == [("udp", "ltkm-request", "requested"),
                                        ("ltkm-response", "process-on-card", "stored"),
                                        ("udp", "reregister-all-services", "registered")], (got, err[-300:]))
    push_delete_e2e(sc, btid)


def push_delete_e2e(sc, btid):
    """scagent -S mbms push (the WAP push parsed here, its LTKM through the daemon) and mbms delete."""
    py, tool, d, w = sys.executable, E2E["bmsc_tool"], E2E["bmsc_dir"], ARGS.tmp
    lt, pdu = os.path.join(w, "push-ltkm.bin"), os.path.join(w, "push.pdu")
    subprocess.run([py, tool, "ltkm", d, "--btid", btid, "--msk-id", "00010002", "--out", lt], capture_output=True)
    subprocess.run([py, tool, "wap-push", lt, "--out", pdu], capture_output=True)
    r = subprocess.run(sc + ["--json", "mbms", "push", pdu], capture_output=True, text=True)
    j = json.loads(r.stdout or "{}")
    check("mbms push through the daemon: the LTKM of a WAP push stored", r.returncode == 0 and j.get("stored") is True
          and j.get("via") == "wap-push", r)
    r = subprocess.run(sc + ["mbms", "delete", "msk", "--key-domain", "00F110", "--key-group", "1"],
                       capture_output=True, text=True)
    check("mbms delete msk through the daemon: the direct command's text", r.returncode == 0 and
          r.stdout == "deleted (msk)\n", r)
    r = subprocess.run(sc + ["--json", "mbms", "delete", "msk", "--key-domain", "00F110", "--key-group", "1"],
                       capture_output=True, text=True)
    check("again: nothing to delete, exit 1 (6A88) as the direct command", r.returncode == 1 and
          json.loads(r.stdout or "{}").get("error", {}).get("sw") == "6A88", r)
    r = subprocess.run(sc + ["mbms", "delete", "msk", "--key-domain", "00F110"], capture_output=True, text=True)
    check("mbms delete msk without --key-group: exit 2", r.returncode == 2, r)


def removal():
    print("== card removal and reinsertion (the emulator restarted under the daemon)")
    emu = os.path.join(ARGS.root, "tools", "emu")
    listener = Conn(timeout=60)
    c = Conn(timeout=60)
    stop_flag = []
    answers = []

    slowest = [0.0]

    def stream():
        i = 0
        while not stop_flag:
            t0 = time.time()
            r = c.call("info", id_="r%d" % i)
            slowest[0] = max(slowest[0], time.time() - t0)
            answers.append(r)
            i += 1
            if code(r):
                time.sleep(0.02)  # an outage answers at once: do not spin

    t = threading.Thread(target=stream)
    t.start()
    time.sleep(0.5)
    subprocess.run([emu, "stop"], capture_output=True)
    time.sleep(3)
    subprocess.run([emu, "start", "--personalize"], capture_output=True)
    time.sleep(5)
    stop_flag.append(1)
    t.join()
    lost = [a for a in answers if a is None]
    codes = {code(a) for a in answers if a and code(a)}
    check("requests across the removal all answered (%d, errors %s)" % (len(answers), sorted(codes)),
          not lost and codes <= LIB_CODES)
    check("requests during the outage fail fast (slowest %.2f s)" % slowest[0], slowest[0] < 3.0)
    check("the outage is reported as card-removed or no-service", bool(codes & {"card-removed", "no-service"}),
          sorted(codes))
    listener.s.settimeout(0.5)
    try:
        while True:
            m = listener.read()
            if m is None:
                break
            if "event" in m:
                listener.events.append(m["event"])
    except OSError:
        pass
    ev = listener.events + c.events
    check("card-removed announced", "card-removed" in ev, ev)
    check("card-inserted announced", "card-inserted" in ev, ev)
    r = Conn().call("info", id_="back")
    check("info works again after reinsertion", "applet_version" in (r or {}).get("result", {}), r)


def shutdown():
    print("== SIGTERM")
    c = Conn()
    for i in range(50):
        c.send(i, "info")
    DAEMON.send_signal(signal.SIGTERM)
    got = set()
    while True:
        m = c.read()
        if m is None:
            break
        if "id" in m:
            got.add(m["id"])
    check("every request in flight answered before the socket closed (%d/50)" % len(got), len(got) == 50)
    try:
        rc = DAEMON.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = None
        DAEMON.kill()
    check("clean exit (status 0)", rc == 0, rc)
    check("socket removed", not os.path.exists(SOCK))


def main():
    write_conf()
    if not NOCARD:
        sims_start()
    if not check("scagentd starts on %s" % SOCK, start_daemon()):
        print(open(LOG).read()[-2000:])
        print("SUITE daemon passed=%(passed)d failed=%(failed)d" % ndjson.COUNTS)
        return 1
    try:
        conformance()
        acl()
        load()
        rough_clients()
        cli()
        if not NOCARD:
            mbms_e2e()
            identity_e2e()
            dm_log_e2e()
        if ARGS.own_emu and not NOCARD:
            removal()
        shutdown()
    except Exception as e:  # noqa: BLE001
        check("suite ran to the end", False, repr(e))
    finally:
        if DAEMON.poll() is None:
            DAEMON.kill()
        for p in SIMS:
            p.terminate()
            p.wait()
    if ndjson.COUNTS["failed"]:
        print("--- scagentd log (tail)")
        print(open(LOG).read()[-3000:])
    print("SUITE daemon passed=%(passed)d failed=%(failed)d" % ndjson.COUNTS)
    return 0 if ndjson.COUNTS["failed"] == 0 else 1


sys.exit(main())
