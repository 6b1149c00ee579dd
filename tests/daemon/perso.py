#!/usr/bin/env python3
"""scagentd's issuer methods (perso.*) end to end against the card (driven by tests/daemon/run after suite.py, only
with a card): starts its own scagentd instances on a temporary socket — without issuer keys, with a key file
(wrong keys, then none, then the test keys), with issuer_keys = test — and checks every perso method through the
NDJSON protocol, reading the results back through id.show, dm.servers, dm.policy, gba.status and raw GET DATA.
Prints one line per check and "PHASE perso passed=N failed=M" (tests/daemon/run adds them to the SUITE line)."""
import argparse
import base64
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import ndjson
from ndjson import LIB_CODES, check, code, res


def Conn(timeout=60):  # noqa: N802 (perso steps such as RSA key generation take long)
    return ndjson.Conn(timeout=timeout)


A = argparse.ArgumentParser()
A.add_argument("--build", required=True)
A.add_argument("--tmp", required=True)
A.add_argument("--reader", default="Virtual PCD 00 00")
ARGS = A.parse_args()
DIR = os.path.join(ARGS.tmp, "perso")
os.makedirs(DIR, exist_ok=True)
SOCK = os.path.join(DIR, "scagentd.sock")
CONF = os.path.join(DIR, "scagentd.conf")
LOG = os.path.join(DIR, "scagentd.log")
ndjson.SOCK = SOCK
KEYS = os.path.join(DIR, "issuer-keys.conf")
DAEMON = None

TEST_KEY = "404142434445464748494A4B4C4D4E4F"  # the documented test issuer keys (public test values)
WRONG_KEY = "000102030405060708090A0B0C0D0E0F"
# the P-256 base point: a valid public key with no private key anyone would use
POINT_G = ("046B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296"
           "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5")
IMEI = "490154203237518"
GBA_K = "465B5CE8B199B49FAA5F0A2EE238A6BC"
GBA_OPC = "CD63CB71954A9F4E48A5994E37A02BAF"
TOKEN_KEY = "00112233445566778899AABBCCDDEEFF"


def write_conf(perso="yes", roles="admin", issuer_keys=None, level="info"):
    with open(CONF, "w") as f:
        f.write("socket = %s\ncard = pcsc\nreader = %s\nroot_all_roles = no\ndefault_roles = %s\nperso = %s\n"
                "log_level = %s\n" % (SOCK, ARGS.reader, roles, perso, level))
        if issuer_keys:
            f.write("issuer_keys = %s\n" % issuer_keys)


def start(**conf):
    global DAEMON
    stop()
    write_conf(**conf)
    DAEMON, up = ndjson.start_daemon(os.path.join(ARGS.build, "bin", "scagentd"), CONF, LOG)
    return up


def stop():
    global DAEMON
    if DAEMON is None:
        return
    if DAEMON.poll() is None:
        DAEMON.send_signal(signal.SIGTERM)
        try:
            DAEMON.wait(timeout=10)
        except subprocess.TimeoutExpired:
            DAEMON.kill()
            DAEMON.wait()
    DAEMON = None


def reload_conf(**conf):
    """SIGHUP with a new configuration; wait until a new connection's hello shows it."""
    write_conf(**conf)
    DAEMON.send_signal(signal.SIGHUP)
    want = conf.get("perso") == "yes" and "admin" in conf.get("roles", "admin")
    for _ in range(100):
        c = Conn()
        on = "perso.fields" in c.hello["hello"]["capabilities"]
        roles = c.hello["hello"]["roles"]
        c.close()
        if on == want and roles == conf.get("roles", "admin"):
            return True
        time.sleep(0.05)
    return False


def write_keys(key):
    with open(KEYS, "w") as f:
        f.write("# scagentd perso test\nissuer_key_enc=%s\nissuer_key_mac=%s\nissuer_key_version=1\n" % (key, key))
    os.chmod(KEYS, 0o600)


def openssl(*args, data=None):
    return subprocess.run(["openssl"] + list(args), input=data, capture_output=True)


def pem_der(pem):
    body = "".join(l for l in pem.splitlines() if l and not l.startswith("-----"))
    return base64.b64decode(body)


# ------------------------------------------------------------------------------------------------------------
def gating():
    print("== perso gating: perso = no, no issuer keys, roles")
    if not check("scagentd (perso = no) starts", start(perso="no")):
        return
    c = Conn()
    r = c.call("perso.version", {"which": "firmware", "value": 1})
    check("perso = no: denied", code(r) == "denied" and "perso = yes" in r["error"]["message"], r)
    check("perso = no: no perso method offered", not any(m.startswith("perso.") for m in c.hello["hello"]["capabilities"]))
    c.close()
    if check("reload: perso = yes, no issuer_keys", reload_conf(perso="yes")):
        c = Conn()
        caps = c.hello["hello"]["capabilities"]
        want = {"perso.fields", "perso.version", "perso.naf-anchor", "perso.keygen", "perso.csr", "perso.cert",
                "perso.dm", "perso.imsi", "perso.gba", "perso.dmboot-tries"}
        check("every perso method offered to admin", want <= set(caps), sorted(want - set(caps)))
        for method, params in [("perso.version", {"which": "firmware", "value": 1}),
                               ("perso.naf-anchor", {"action": "list"}), ("perso.dmboot-tries", {"limit": 3})]:
            r = c.call(method, params)
            check("%s without issuer_keys: not-supported, says to set issuer_keys" % method,
                  code(r) == "not-supported" and "issuer_keys" in r["error"]["message"], r)
        r = c.call("perso.fields", {"imei": IMEI})
        check("perso.fields with members missing: bad-params (before the keys)", code(r) == "bad-params", r)
        c.close()
    if check("reload: perso = yes, role terminal", reload_conf(perso="yes", roles="terminal")):
        c = Conn()
        r = c.call("perso.keygen", {})
        check("perso.keygen without the admin role: denied", code(r) == "denied", r)
        c.close()
    stop()


def key_file():
    print("== issuer_keys = FILE: wrong keys, no file, the right keys (read per request)")
    write_keys(WRONG_KEY)
    if not check("scagentd (issuer_keys = file) starts", start(issuer_keys=KEYS)):
        return
    c = Conn()
    r = c.call("perso.dmboot-tries", {"limit": 3})
    check("wrong issuer keys: auth-failed, the card cryptogram did not verify", code(r) == "auth-failed" and
          "cryptogram" in r["error"]["message"], r)
    check("no key material in the message", WRONG_KEY.lower() not in json.dumps(r).lower(), r)
    os.unlink(KEYS)
    r = c.call("perso.dmboot-tries", {"limit": 3})
    check("key file gone: invalid-argument naming the file", code(r) == "invalid-argument" and KEYS in
          r["error"]["message"], r)
    write_keys(TEST_KEY)
    r = c.call("perso.naf-anchor", {"action": "list"})
    check("the right keys in the file: perso.naf-anchor list", "anchors" in res(r), r)
    pol = res(c.call("dm.policy"))
    back = {"deny": "deny", "warn-confirm": "warn", "confirm-pin": "pin"}.get(pol.get("policy"), "warn")
    r = c.call("perso.dm", {"action": "policy", "policy": back, "token_required": bool(pol.get("token_required")),
                            "bootstrap_add": bool(pol.get("bootstrap_add"))})
    check("the right keys in the file: an issuer command (the DM policy set as it was)", res(r) == pol, (r, pol))
    c.close()
    stop()
    os.unlink(KEYS)


def fields(c, info):
    selectable = info.get("lifecycle", "").startswith("selectable")
    p = {"imei": IMEI, "firmware": 1, "manufacturer": 4660, "model": 22, "serial": 123456, "software": 7}
    r = c.call("perso.fields", p)
    if selectable:
        ok = res(r).get("fields", "").startswith("4A09512430325781")
        check("perso.fields writes the 19 bytes", ok, r)
        s = res(c.call("id.show"))
        check("id.show reads the fields back", (s.get("fields") or {}).get("hex") == res(r).get("fields"), s)
    else:
        check("perso.fields on a personalized card: conditions (6985)", code(r) == "conditions" and
              r["error"].get("sw") == "6985", r)
    r = c.call("perso.fields", dict(p, imei=IMEI[:-1] + "9"))
    check("perso.fields with a wrong IMEI check digit: bad-params", code(r) == "bad-params", r)
    r = c.call("perso.fields", dict(p, serial=1 << 24))
    check("perso.fields with serial out of range: bad-params", code(r) == "bad-params", r)


def version(c):
    s = res(c.call("id.show"))
    r = c.call("perso.version", {"which": "hardware", "value": 2})
    check("perso.version which=hardware: bad-params", code(r) == "bad-params", r)
    if not s.get("fields"):
        r = c.call("perso.version", {"which": "firmware", "value": 2})
        check("perso.version without fields: a card error", code(r) in LIB_CODES, r)
        return
    fw = s["fields"]["firmware_version"]
    r = c.call("perso.version", {"which": "firmware", "value": fw + 1})
    check("perso.version raises the firmware version", res(r) == {"version": "firmware", "value": fw + 1}, r)
    s = res(c.call("id.show"))
    check("id.show shows the new version", (s.get("fields") or {}).get("firmware_version") == fw + 1, s)
    r = c.call("perso.version", {"which": "firmware", "value": fw + 1})
    check("perso.version refuses the same version again", code(r) in LIB_CODES, r)


def identity(c):
    r = c.call("perso.keygen", {"alg": "dsa"})
    check("perso.keygen alg=dsa: bad-params", code(r) == "bad-params", r)
    r = c.call("perso.keygen", {"alg": "ec"})
    pub = res(r).get("public_key", "")
    check("perso.keygen ec: the public key as PEM", res(r).get("algorithm") == "ec-p256" and
          pub.startswith("-----BEGIN PUBLIC KEY-----"), r)
    s = res(c.call("id.show"))
    check("id.show: an EC key, the certificate erased",
          s.get("key") == "ec-p256" and s.get("certificate_length") == 0, s)
    r = c.call("perso.csr", {"subject": "/CN=scagentd perso test/O=scagent"})
    csr = res(r).get("csr", "")
    check("perso.csr: a PEM request", csr.startswith("-----BEGIN CERTIFICATE REQUEST-----"), r)
    v = openssl("req", "-verify", "-noout", data=csr.encode())
    check("openssl req -verify accepts the card's signature", v.returncode == 0, v.stderr[-300:])
    r = c.call("perso.csr", {"subject": ""})
    check("perso.csr with an empty subject: bad-params", code(r) == "bad-params", r)
    ca_key, ca_pem = os.path.join(DIR, "ca.key"), os.path.join(DIR, "ca.pem")
    g = openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca_key,
                "-out", ca_pem, "-subj", "/CN=scagentd perso test CA", "-days", "2")
    csr_path, cert_path = os.path.join(DIR, "csr.pem"), os.path.join(DIR, "client.pem")
    open(csr_path, "w").write(csr)
    x = openssl("x509", "-req", "-in", csr_path, "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial", "-days", "2",
                "-out", cert_path)
    if not check("a test CA issues the certificate (openssl)", g.returncode == 0 and x.returncode == 0,
                 (g.stderr + x.stderr)[-300:]):
        return None
    cert = open(cert_path).read()
    r = c.call("perso.cert", {"pem": cert})
    n = res(r).get("certificate_length", 0)
    check("perso.cert loads the PEM certificate", n == len(pem_der(cert)), r)
    check("id.show: the certificate's length", res(c.call("id.show")).get("certificate_length") == n)
    r = c.call("perso.cert", {"der": base64.b64encode(pem_der(cert)).decode()})
    check("perso.cert loads the same as DER (Base64)", res(r).get("certificate_length") == n, r)
    r = c.call("perso.cert", {"pem": open(ca_pem).read()})
    check("perso.cert of another key's certificate is refused", code(r) in LIB_CODES, r)
    r = c.call("perso.cert", {})
    check("perso.cert without pem or der: bad-params", code(r) == "bad-params", r)
    r = c.call("perso.cert", {"der": "AAAA"})
    check("perso.cert of 3 bytes of DER: parse", code(r) == "parse", r)
    return open(ca_pem).read()


def anchors(c, ca):
    r = c.call("perso.naf-anchor", {"action": "list"})
    before = res(r).get("anchors")
    check("perso.naf-anchor list", res(r).get("capacity") == 4 and isinstance(before, list), r)
    for bad in ({"action": "bogus"}, {"action": "add"}, {"action": "add", "pem": ca, "slot": 1},
                {"action": "remove"}, {}):
        r = c.call("perso.naf-anchor", bad)
        check("perso.naf-anchor %s: bad-params" % json.dumps(bad)[:50], code(r) == "bad-params", r)
    if ca is None or before is None:
        return
    r = c.call("perso.naf-anchor", {"action": "add", "pem": ca})
    slot = res(r).get("slot")
    check("perso.naf-anchor add (PEM)", isinstance(slot, int), r)
    fp = hashlib.sha256(pem_der(ca)).hexdigest().upper()
    lst = res(c.call("perso.naf-anchor", {"action": "list"})).get("anchors", [])
    check("the list has it with the CA's SHA-256", any(a["slot"] == slot and a["sha256"] == fp for a in lst), lst)
    check("id.show counts it", res(c.call("id.show")).get("naf_anchors") == len(before) + 1)
    r = c.call("perso.naf-anchor", {"action": "add", "der": base64.b64encode(pem_der(ca)).decode()})
    check("the same anchor again as DER answers its slot", res(r).get("slot") == slot, r)
    r = c.call("perso.naf-anchor", {"action": "remove", "slot": slot})
    check("perso.naf-anchor remove", res(r).get("removed") == slot, r)
    r = c.call("perso.naf-anchor", {"action": "remove", "slot": slot})
    check("removing the empty slot again: a card error", code(r) in LIB_CODES, r)
    lst = res(c.call("perso.naf-anchor", {"action": "list"})).get("anchors")
    check("the list is as before", lst == before, lst)


def dm(c):
    servers = res(c.call("dm.servers"))
    pol = res(c.call("dm.policy"))
    used = {s["slot"] for s in servers.get("servers", [])}
    free = [s for s in range(servers.get("capacity", 0)) if s not in used]
    for bad in ({}, {"action": "server-add", "slot": 16, "id": "x", "key": POINT_G},
                {"action": "server-add", "slot": 0, "id": "x", "key": POINT_G, "perms": ["root"]},
                {"action": "server-add", "slot": 0, "id": "x"},
                {"action": "server-add", "slot": 0, "id": "x", "key": "05" + POINT_G[2:]},
                {"action": "server-add", "slot": 0, "id": "x", "key": POINT_G, "policy": "deny"},
                {"action": "policy", "policy": "maybe"}, {"action": "token-key", "token_key": "0011"},
                {"action": "originator-add", "slot": 4, "key": POINT_G}, {"action": "reboot"}):
        r = c.call("perso.dm", bad)
        check("perso.dm %s: bad-params" % json.dumps(bad)[:60], code(r) == "bad-params", r)
    if not check("dm.servers has two free slots", len(free) >= 2, servers):
        return
    r = c.call("perso.dm", {"action": "server-add", "slot": free[0], "id": "perso-a.example", "key": POINT_G,
                            "perms": ["fw", "log"], "not_before": 1000, "not_after": 2000000000})
    check("perso.dm server-add (hex key)", res(r) == {"slot": free[0], "id": "perso-a.example"}, r)
    lst = {s["slot"]: s for s in res(c.call("dm.servers")).get("servers", [])}
    s = lst.get(free[0], {})
    check("dm.servers reads it back", s.get("id") == "perso-a.example" and s.get("key") == POINT_G and
          s.get("perms") == ["fw", "log"] and s.get("not_before") == 1000 and s.get("not_after") == 2000000000, s)
    g = openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
    pub = openssl("pkey", "-pubout", data=g.stdout).stdout.decode()
    r = c.call("perso.dm", {"action": "server-add", "slot": free[1], "id": "perso-b.example", "key_pem": pub,
                            "perms": ["other"]})
    check("perso.dm server-add (PEM key)", res(r).get("slot") == free[1], r)
    lst = {s["slot"]: s for s in res(c.call("dm.servers")).get("servers", [])}
    check("dm.servers: its key and no expiry", lst.get(free[1], {}).get("key", "").startswith("04") and
          lst.get(free[1], {}).get("not_after") == 0xFFFFFFFF, lst.get(free[1]))
    for slot in free[:2]:
        r = c.call("perso.dm", {"action": "server-remove", "slot": slot})
        check("perso.dm server-remove %d" % slot, res(r).get("removed") == slot, r)
    after = res(c.call("dm.servers")).get("servers")
    check("dm.servers is as before", after == servers.get("servers"), after)
    r = c.call("perso.dm", {"action": "policy", "policy": "pin", "token_required": True})
    got = res(c.call("dm.policy"))
    check("perso.dm policy pin + token: dm.policy reads it back", res(r) == got and got.get("policy") ==
          "confirm-pin" and got.get("token_required") and not got.get("bootstrap_add"), (r, got))
    back = {"deny": "deny", "warn-confirm": "warn", "confirm-pin": "pin"}.get(pol.get("policy"), "warn")
    r = c.call("perso.dm", {"action": "policy", "policy": back, "token_required": bool(pol.get("token_required")),
                            "bootstrap_add": bool(pol.get("bootstrap_add"))})
    check("perso.dm policy restored", res(c.call("dm.policy")) == pol, r)
    r = c.call("perso.dm", {"action": "originator-add", "slot": 3, "key": POINT_G})
    check("perso.dm originator-add", res(r) == {"slot": 3}, r)
    r = c.call("perso.dm", {"action": "originator-remove", "slot": 3})
    check("perso.dm originator-remove", res(r) == {"removed": 3}, r)
    r = c.call("perso.dm", {"action": "token-key", "token_key": TOKEN_KEY})
    check("perso.dm token-key, not echoed", res(r) == {"token_key_written": True}, r)


def subscriber(c):
    r = c.call("perso.imsi", {"imsi": "001010123456789"})
    ef = res(r).get("ef_imsi")
    check("perso.imsi: EF_IMSI", ef is not None and len(ef) == 18 and ef.startswith("08"), r)
    r = c.call("apdu", {"apdu": "80CADF6000"})
    check("GET DATA IMSI reads it back", res(r).get("data") == ef and res(r).get("sw") == "9000", r)
    for bad in ({"imsi": "12345"}, {"imsi": "0010101234567x"}, {}):
        r = c.call("perso.imsi", bad)
        check("perso.imsi %s: bad-params" % json.dumps(bad), code(r) == "bad-params", r)
    impi = "perso-test@ims.example.org"
    r = c.call("perso.gba", {"k": GBA_K, "opc": GBA_OPC, "impi": impi})
    check("perso.gba k, opc, impi", res(r) == {"keys_written": True, "impi_written": True}, r)
    check("gba.status reads the IMPI back", res(c.call("gba.status")).get("impi") == impi)
    r = c.call("perso.gba", {"k": GBA_K, "op": GBA_OPC})
    check("perso.gba with op (OPc computed on the host)", res(r) == {"keys_written": True, "impi_written": False}, r)
    for bad in ({"k": GBA_K}, {"k": GBA_K, "op": GBA_OPC, "opc": GBA_OPC}, {"k": GBA_K[:30], "opc": GBA_OPC}):
        r = c.call("perso.gba", bad)
        check("perso.gba %s: bad-params" % ",".join(sorted(bad)), code(r) == "bad-params", r)
    before = res(c.call("apdu", {"apdu": "80CADF6400"})).get("data", "")
    r = c.call("perso.dmboot-tries", {"limit": 5})
    check("perso.dmboot-tries 5: the tries start again", res(r) == {"limit": 5, "tries_left": 5}, r)
    check("GET DATA reads 05 05 back", res(c.call("apdu", {"apdu": "80CADF6400"})).get("data") == "0505")
    for bad in (0, 16):
        r = c.call("perso.dmboot-tries", {"limit": bad})
        check("perso.dmboot-tries %d: bad-params" % bad, code(r) == "bad-params", r)
    if len(before) == 4:
        r = c.call("perso.dmboot-tries", {"limit": int(before[2:], 16)})
        check("perso.dmboot-tries limit restored", res(r).get("limit") == int(before[2:], 16), r)


def cli(c):
    """scagent -S SOCK perso ...: the CLI through the daemon's perso methods, with the direct command's text and
    --json output; the card is left as it was (or as the protocol checks above left it)."""
    print("== scagent -S perso ... (the CLI through the perso methods)")
    exe = os.path.join(ARGS.build, "bin", "scagent")

    def sc(*args, js=False):
        return subprocess.run([exe, "-S", SOCK] + (["--json"] if js else []) + list(args), capture_output=True,
                              text=True, timeout=180)

    def jout(p):
        try:
            return json.loads(p.stdout)
        except ValueError:
            return {}

    # the daemon's issuer keys decide: --test-keys / --issuer-keys are a usage error
    for opt in (["--test-keys"], ["--issuer-keys", os.path.join(DIR, "none.conf")]):
        p = sc(*opt, "perso", "dmboot-tries", "3")
        check("scagent -S %s perso: exit 2, the daemon uses its configured issuer keys" % opt[0],
              p.returncode == 2 and "configured issuer keys" in p.stderr, (p.returncode, p.stderr))
    p = sc("perso", "bogus")
    check("scagent -S perso bogus: exit 2", p.returncode == 2 and "unknown step" in p.stderr, (p.returncode, p.stderr))
    # fields: written only while SELECTABLE (the same values again: nothing changes), else conditions (exit 8)
    info = res(c.call("info"))
    s = res(c.call("id.show"))
    f = s.get("fields") or {}
    vals = {"--imei": f.get("imei", IMEI), "--firmware": f.get("firmware_version", 1),
            "--manufacturer": f.get("manufacturer", 4660), "--model": f.get("model", 22),
            "--serial": f.get("serial", 123456), "--software": f.get("software_version", 7)}
    args = [str(x) for kv in vals.items() for x in kv]
    p = sc("perso", "fields", *args)
    if info.get("lifecycle", "").startswith("selectable"):
        hexf = res(c.call("id.show")).get("fields", {}).get("hex")
        check("scagent -S perso fields: the direct command's text", p.returncode == 0 and
              p.stdout == "wrote the identifier fields %s\n" % hexf, (p.returncode, p.stdout, p.stderr))
        p = sc("perso", "fields", *args, js=True)
        check("scagent -S --json perso fields: ok and the fields", jout(p) == {"ok": True, "fields": hexf},
              (p.returncode, p.stdout))
    else:
        check("scagent -S perso fields on a personalized card: exit 8 (conditions)", p.returncode == 8,
              (p.returncode, p.stdout, p.stderr))
        p = sc("perso", "fields", *args, js=True)
        check("scagent -S --json perso fields there: ok false", p.returncode == 8 and jout(p).get("ok") is False,
              (p.returncode, p.stdout))
    bad = list(args)
    bad[1] = IMEI[:-1] + "9"
    p = sc("perso", "fields", *bad)
    check("scagent -S perso fields with a wrong IMEI check digit: exit 2", p.returncode == 2, (p.returncode, p.stderr))
    p = sc("perso", "fields", "--imei", IMEI)
    check("scagent -S perso fields without the numbers: exit 2, says which", p.returncode == 2 and
          "--firmware" in p.stderr, (p.returncode, p.stderr))
    # version (only with fields): raised by one
    s = res(c.call("id.show"))
    if s.get("fields"):
        sw = s["fields"]["software_version"] + 1
        p = sc("perso", "version", "software", str(sw), js=True)
        check("scagent -S --json perso version software", p.returncode == 0 and
              jout(p) == {"ok": True, "version": "software", "value": sw}, (p.returncode, p.stdout, p.stderr))
        check("id.show shows it", (res(c.call("id.show")).get("fields") or {}).get("software_version") == sw)
    # keygen, csr (to --out), cert load: the card ends with a key and its certificate, as identity() left it
    p = sc("perso", "keygen", "ec")
    check("scagent -S perso keygen ec: the public key (PEM) and the direct command's note", p.returncode == 0 and
          p.stdout.startswith("-----BEGIN PUBLIC KEY-----") and "generated a P-256 key pair" in p.stderr,
          (p.returncode, p.stdout[:80], p.stderr))
    p = sc("perso", "csr", "--subject", "/CN=scagent -S perso/O=scagent", js=True)
    csr = jout(p).get("csr", "")
    check("scagent -S --json perso csr: ok and the PEM request", jout(p).get("ok") is True and
          csr.startswith("-----BEGIN CERTIFICATE REQUEST-----"), (p.returncode, p.stdout[:200], p.stderr))
    csr_path, cert_path = os.path.join(DIR, "cli-csr.pem"), os.path.join(DIR, "cli-client.pem")
    p = sc("perso", "csr", "--subject", "/CN=scagent -S perso/O=scagent", "--out", csr_path)
    check("scagent -S perso csr --out FILE", p.returncode == 0 and
          open(csr_path).read().startswith("-----BEGIN CERTIFICATE REQUEST-----"), (p.returncode, p.stderr))
    ca_key, ca_pem = os.path.join(DIR, "cli-ca.key"), os.path.join(DIR, "cli-ca.pem")
    g = openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca_key,
                "-out", ca_pem, "-subj", "/CN=scagent -S perso test CA", "-days", "2")
    x = openssl("x509", "-req", "-in", csr_path, "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial", "-days", "2",
                "-out", cert_path)
    if check("a test CA issues the certificate (openssl)", g.returncode == 0 and x.returncode == 0,
             (g.stderr + x.stderr)[-300:]):
        n = len(pem_der(open(cert_path).read()))
        p = sc("perso", "cert", "load", cert_path)
        check("scagent -S perso cert load FILE: the direct command's text",
              p.returncode == 0 and p.stdout == "loaded the client certificate (%d bytes)\n" % n,
              (p.returncode, p.stdout, p.stderr))
        check("id.show: the certificate's length", res(c.call("id.show")).get("certificate_length") == n)
    # naf-anchor add FILE (PEM), list (text and --json), remove: the list ends as it began
    before = res(c.call("perso.naf-anchor", {"action": "list"})).get("anchors")
    p = sc("perso", "naf-anchor", "add", ca_pem)
    slot = int(p.stdout.split()[-1]) if p.returncode == 0 and p.stdout.startswith("NAF trust anchor in slot") else None
    check("scagent -S perso naf-anchor add PEM: the direct command's text", slot is not None,
          (p.returncode, p.stdout, p.stderr))
    if slot is not None:
        fp = hashlib.sha256(pem_der(open(ca_pem).read())).hexdigest().upper()
        p = sc("perso", "naf-anchor", "list", js=True)
        o = jout(p)
        check("scagent -S --json perso naf-anchor list: ok, capacity and the anchor",
              o.get("ok") is True and o.get("capacity") == 4 and
              any(a["slot"] == slot and a["sha256"] == fp for a in o.get("anchors", [])), (p.returncode, p.stdout))
        p = sc("perso", "naf-anchor", "list")
        check("scagent -S perso naf-anchor list: the direct command's text", p.returncode == 0 and
              ("slot %d: %d bytes, SHA-256 %s" % (slot, len(pem_der(open(ca_pem).read())), fp)) in p.stdout,
              (p.returncode, p.stdout))
        p = sc("perso", "naf-anchor", "remove", str(slot), js=True)
        check("scagent -S --json perso naf-anchor remove", jout(p) == {"ok": True, "removed": slot},
              (p.returncode, p.stdout))
    check("the anchors are as before", res(c.call("perso.naf-anchor", {"action": "list"})).get("anchors") == before)
    # dm server add with a PEM key file, dm servers shows it, remove; policy; originator add/remove
    servers = res(c.call("dm.servers"))
    pol = res(c.call("dm.policy"))
    used = {x["slot"] for x in servers.get("servers", [])}
    free = [i for i in range(servers.get("capacity", 0)) if i not in used]
    pub_path = os.path.join(DIR, "cli-dm.pub.pem")
    g = openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
    open(pub_path, "wb").write(openssl("pkey", "-pubout", data=g.stdout).stdout)
    if check("dm.servers has a free slot", len(free) >= 1, servers):
        sl = str(free[0])
        p = sc("perso", "dm", "server", "add", sl, "--id", "cli-perso.example", "--key", pub_path, "--perms",
               "fw,log", "--not-before", "1000")
        check("scagent -S perso dm server add (PEM key file): the direct command's text",
              p.returncode == 0 and p.stdout == "authorized DM server written\n", (p.returncode, p.stdout, p.stderr))
        p = sc("dm", "servers")
        check("scagent -S dm servers shows it", p.returncode == 0 and "cli-perso.example" in p.stdout and
              "fw log" in p.stdout, p.stdout)
        e = {x["slot"]: x for x in res(c.call("dm.servers")).get("servers", [])}.get(free[0], {})
        check("dm.servers: its key, perms and validity", e.get("key", "").startswith("04") and len(e.get("key")) == 130
              and e.get("perms") == ["fw", "log"] and e.get("not_before") == 1000 and
              e.get("not_after") == 0xFFFFFFFF, e)
        p = sc("perso", "dm", "server", "remove", sl, js=True)
        check("scagent -S --json perso dm server remove: ok", p.returncode == 0 and jout(p) == {"ok": True},
              (p.returncode, p.stdout))
        check("dm.servers is as before", res(c.call("dm.servers")).get("servers") == servers.get("servers"))
    p = sc("perso", "dm", "server", "add", "0", "--id", "x", "--key", pub_path)
    check("scagent -S perso dm server add without --perms: exit 2 (as the direct command)", p.returncode == 2,
          (p.returncode, p.stderr))
    p = sc("perso", "dm", "policy", "pin", "--token-required")
    got = res(c.call("dm.policy"))
    check("scagent -S perso dm policy pin --token-required: text, dm.policy reads it back",
          p.stdout == "DM policy set\n" and got.get("policy") == "confirm-pin" and got.get("token_required") and
          not got.get("bootstrap_add"), (p.returncode, p.stdout, p.stderr, got))
    back = {"deny": "deny", "warn-confirm": "warn", "confirm-pin": "pin"}.get(pol.get("policy"), "warn")
    flags = (["--token-required"] if pol.get("token_required") else []) + \
        (["--bootstrap-add"] if pol.get("bootstrap_add") else [])
    p = sc("perso", "dm", "policy", back, *flags, js=True)
    check("scagent -S --json perso dm policy (restored): ok", jout(p) == {"ok": True} and
          res(c.call("dm.policy")) == pol, (p.returncode, p.stdout))
    p = sc("perso", "dm", "originator", "add", "3", pub_path)
    check("scagent -S perso dm originator add SLOT PEM", p.stdout == "software originator key written\n",
          (p.returncode, p.stdout, p.stderr))
    p = sc("perso", "dm", "originator", "remove", "3")
    check("scagent -S perso dm originator remove", p.stdout == "software originator key removed\n",
          (p.returncode, p.stdout, p.stderr))
    # imsi (the same IMSI as subscriber() wrote: EF_IMSI unchanged)
    ef_before = res(c.call("apdu", {"apdu": "80CADF6000"})).get("data")
    p = sc("perso", "imsi", "001010123456789")
    ef = res(c.call("apdu", {"apdu": "80CADF6000"})).get("data")
    check("scagent -S perso imsi: the direct command's text, GET DATA reads it back",
          p.returncode == 0 and p.stdout == "wrote the IMSI (EF_IMSI %s)\n" % ef, (p.returncode, p.stdout, p.stderr))
    p = sc("perso", "imsi", "001010123456789", js=True)
    check("scagent -S --json perso imsi: ok and EF_IMSI", jout(p) == {"ok": True, "ef_imsi": ef}, p.stdout)
    check("EF_IMSI as before", ef == ef_before, (ef, ef_before))
    p = sc("perso", "imsi", "12345")
    check("scagent -S perso imsi 12345: exit 2", p.returncode == 2, (p.returncode, p.stderr))
    # gba (the keys subscriber() wrote)
    impi = "perso-test@ims.example.org"
    p = sc("perso", "gba", "--k", GBA_K, "--opc", GBA_OPC, "--impi", impi, js=True)
    check("scagent -S --json perso gba: ok, impi_written", jout(p) == {"ok": True, "impi_written": True},
          (p.returncode, p.stdout, p.stderr))
    p = sc("perso", "gba", "--k", GBA_K, "--op", GBA_OPC)
    check("scagent -S perso gba --op: the direct command's text",
          p.stdout == "wrote the GBA keys (K, OPc; SQN state and Ks reset)\n", (p.returncode, p.stdout, p.stderr))
    p = sc("perso", "gba", "--k", GBA_K)
    check("scagent -S perso gba without --opc/--op: exit 2", p.returncode == 2, (p.returncode, p.stderr))
    # dmboot-tries, restored
    before = res(c.call("apdu", {"apdu": "80CADF6400"})).get("data", "")
    p = sc("perso", "dmboot-tries", "4", js=True)
    check("scagent -S --json perso dmboot-tries 4: ok, limit", jout(p) == {"ok": True, "limit": 4},
          (p.returncode, p.stdout, p.stderr))
    check("GET DATA reads 04 04 back", res(c.call("apdu", {"apdu": "80CADF6400"})).get("data") == "0404")
    p = sc("perso", "dmboot-tries", "16")
    check("scagent -S perso dmboot-tries 16: exit 2", p.returncode == 2, (p.returncode, p.stderr))
    if len(before) == 4:
        n = int(before[2:], 16)
        p = sc("perso", "dmboot-tries", str(n))
        check("scagent -S perso dmboot-tries (restored): the direct command's text",
              p.stdout == "the DM bootstrap PIN try limit is %d; the tries start again\n" % n,
              (p.returncode, p.stdout, p.stderr))


def no_session(c):
    """The host keeps no issuer session after a perso request: a wrapped command that is not from the session
    (no valid C-MAC) is refused by the card, and refused again once the card closed its half."""
    c.call("perso.dmboot-tries", {"limit": 3})
    forged = "84DADF6409" + "0F" + "00" * 8
    r1 = c.call("apdu", {"apdu": forged})
    r2 = c.call("apdu", {"apdu": forged})
    check("a forged wrapped command after a perso request: refused (6988 or 6982)",
          res(r1).get("sw") in {"6988", "6982"}, r1)
    check("and again: no session (6982)", res(r2).get("sw") == "6982", r2)
    check("the try limit is unchanged", res(c.call("apdu", {"apdu": "80CADF6400"})).get("data", "")[2:] == "03")
    r = c.call("perso.dmboot-tries", {"limit": 3})
    check("the next perso request opens its own session", res(r).get("limit") == 3, r)


def methods():
    print("== perso methods with issuer_keys = test (read back through id.show, dm.*, gba.status, GET DATA)")
    if not check("scagentd (perso = yes, issuer_keys = test) starts", start(issuer_keys="test", level="debug")):
        return
    c = Conn(timeout=120)
    info = res(c.call("info"))
    if not check("info: the card is there (%s)" % info.get("lifecycle"), "lifecycle" in info, info):
        return
    fields(c, info)
    version(c)
    ca = identity(c)
    anchors(c, ca)
    dm(c)
    subscriber(c)
    cli(c)
    no_session(c)
    c.close()
    stop()
    log = open(LOG).read()
    check("the daemon log holds no key material (GBA K/OPc, token key, issuer keys)",
          not any(k in log.upper() for k in (GBA_K, GBA_OPC, TOKEN_KEY, TEST_KEY)))
    check("the log warns about the test keys", "issuer_keys = test" in log)


def main():
    if shutil.which("openssl") is None:
        check("openssl is installed (test PKI)", False)
    try:
        gating()
        key_file()
        methods()
    except Exception as e:  # noqa: BLE001 - a crash counts as a failure, with the reason
        check("perso checks ran to the end", False, repr(e))
    finally:
        stop()
    if ndjson.COUNTS["failed"]:
        print("--- scagentd log (tail)")
        print(open(LOG).read()[-3000:] if os.path.exists(LOG) else "(none)")
    print("PHASE perso passed=%(passed)d failed=%(failed)d" % ndjson.COUNTS)
    return 0 if ndjson.COUNTS["failed"] == 0 else 1


sys.exit(main())
