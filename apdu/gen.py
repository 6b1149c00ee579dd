#!/usr/bin/env python3
"""Generate the C and Java views of the wire contract (apdu/contract.toml).

    gen.py c OUTDIR          -> OUTDIR/sca_contract.h, OUTDIR/sca_contract.c
    gen.py java OUTDIR       -> OUTDIR/org/scagent/applet/Contract.java
    gen.py --check FILE...   -> exit 1 if a generated file is stale or was edited by hand

Every generated file starts with a header that records the SHA-256 of the contract it was made from and the
SHA-256 of its own body, so `--check` can tell "made from another contract" (stale) from "edited" (hand-made).
"""
import hashlib
import os
import re
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
CONTRACT = os.path.join(HERE, "contract.toml")
MARK = "GENERATED FROM apdu/contract.toml BY apdu/gen.py; DO NOT EDIT"


class ContractError(Exception):
    pass


def hexint(v, what):
    if isinstance(v, int):
        return v
    s = str(v).replace(" ", "")
    if not re.fullmatch(r"[0-9A-Fa-f]+", s):
        raise ContractError(f"{what}: '{v}' is not hex")
    return int(s, 16)


def hexbytes(v, what):
    s = str(v).replace(" ", "")
    if len(s) % 2 or not re.fullmatch(r"[0-9A-Fa-f]*", s):
        raise ContractError(f"{what}: '{v}' is not a hex byte string")
    return bytes.fromhex(s)


def load(path=CONTRACT):
    raw = open(path, "rb").read()
    doc = tomllib.loads(raw.decode("utf-8"))
    digest = hashlib.sha256(raw).hexdigest()
    validate(doc)
    return doc, digest


def validate(doc):
    for section in ("contract", "applet", "cla", "access", "command", "tag", "install", "capability",
                    "pin_flag", "lifecycle", "limits", "sw"):
        if section not in doc:
            raise ContractError(f"missing section [{section}]")
    aid = hexbytes(doc["applet"]["aid"], "applet.aid")
    pkg = hexbytes(doc["applet"]["package_aid"], "applet.package_aid")
    if not 5 <= len(aid) <= 16 or not aid.startswith(pkg[:5]):
        raise ContractError("applet.aid must be 5..16 bytes and share the package RID")
    for name, c in doc["command"].items():
        for key in ("cla", "ins", "case", "access", "data", "response"):
            if key not in c:
                raise ContractError(f"command {name}: missing '{key}'")
        if c["cla"] not in doc["cla"]:
            raise ContractError(f"command {name}: unknown cla '{c['cla']}'")
        if c["access"] not in doc["access"]:
            raise ContractError(f"command {name}: unknown access '{c['access']}'")
        if c["case"] not in (1, 2, 3, 4):
            raise ContractError(f"command {name}: case must be 1..4")
        hexint(c["ins"], f"command {name}.ins")
    seen = {}
    for name, t in list(doc["tag"].items()) + list(doc["install"].items()):
        v = hexint(t["value"], f"tag {name}")
        seen.setdefault(v, name)
    for name, s in doc["sw"].items():
        hexint(s["value"], f"sw {name}")
        if "error" not in s:
            raise ContractError(f"sw {name}: missing 'error'")


def error_classes(doc):
    out = []
    for s in doc["sw"].values():
        if s["error"] not in out:
            out.append(s["error"])
    return out


# --- C -----------------------------------------------------------------------------------------------

def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def gen_c(doc):
    h, c = [], []
    h.append("#ifndef SCA_CONTRACT_H\n#define SCA_CONTRACT_H\n")
    h.append("#include <stddef.h>\n#include <stdint.h>\n")
    h.append(f"#define SCA_CONTRACT_VERSION {doc['contract']['version']}")
    a = doc["applet"]
    aid = hexbytes(a["aid"], "aid")
    pkg = hexbytes(a["package_aid"], "package_aid")
    h.append(f"#define SCA_APPLET_AID {{{', '.join(f'0x{b:02X}' for b in aid)}}}")
    h.append(f"#define SCA_APPLET_AID_LEN {len(aid)}")
    h.append(f"#define SCA_PACKAGE_AID {{{', '.join(f'0x{b:02X}' for b in pkg)}}}")
    h.append(f"#define SCA_PACKAGE_AID_LEN {len(pkg)}")
    for k in ("version_major", "version_minor", "version_patch"):
        h.append(f"#define SCA_APPLET_{k.upper()} {a[k]}")
    h.append("\n/* class bytes */")
    for name, v in doc["cla"].items():
        h.append(f"#define SCA_CLA_{name} 0x{hexint(v, name):02X}")
    h.append("\n/* instructions */")
    for name, cmd in doc["command"].items():
        h.append(f"#define SCA_INS_{name} 0x{hexint(cmd['ins'], name):02X}")
    for name, cmd in doc["command"].items():
        for pk in ("p1", "p2"):
            if isinstance(cmd.get(pk), dict):
                for val in cmd[pk]:
                    h.append(f"#define SCA_{name}_{pk.upper()}_{val.upper()} 0x{hexint(val, name):02X}")
    h.append("\n/* data-object tags */")
    for name, t in doc["tag"].items():
        h.append(f"#define SCA_TAG_{name} 0x{hexint(t['value'], name):04X}")
    h.append("\n/* install-parameter tags */")
    for name, t in doc["install"].items():
        h.append(f"#define SCA_INSTALL_{name} 0x{hexint(t['value'], name):02X}")
    h.append("\n/* capability bits (bit numbers in the 32-bit CAPABILITIES map) */")
    for name, bit in doc["capability"].items():
        h.append(f"#define SCA_CAP_{name} (1u << {bit})")
    h.append("\n/* PIN status flags */")
    for name, bit in doc["pin_flag"].items():
        h.append(f"#define SCA_PIN_FLAG_{name} (1u << {bit})")
    h.append("\n/* life-cycle states */")
    for name, v in doc["lifecycle"].items():
        h.append(f"#define SCA_LIFECYCLE_{name} 0x{hexint(v, name):02X}")
    for ename, members in doc.get("enum", {}).items():
        h.append(f"\n/* enum {ename} */")
        for name, v in members.items():
            h.append(f"#define SCA_{ename}_{name} 0x{hexint(v, name):02X}")
    h.append("\n/* limits */")
    for name, v in doc["limits"].items():
        h.append(f"#define SCA_{name} {v}")
    h.append("\n/* status words */")
    for name, s in doc["sw"].items():
        h.append(f"#define SCA_SW_{name} 0x{hexint(s['value'], name):04X}")
    h.append("""
/* One row per status word of the contract: masked match `(sw & mask) == value`. `error` names the libscagent
 * error class (enum sca_rc in scagent/error.h) the host maps it to. */
struct sca_sw_info {
    uint16_t value;
    uint16_t mask;
    const char *name;
    const char *meaning;
    int error; /* enum sca_rc */
};
extern const struct sca_sw_info sca_sw_table[];
extern const size_t sca_sw_table_len;

/* One row per command of the contract. */
struct sca_cmd_info {
    const char *name;
    uint8_t cla;
    uint8_t ins;
    uint8_t iso_case;
    uint8_t sensitive; /* data field must be masked in traces */
    const char *access;
};
extern const struct sca_cmd_info sca_cmd_table[];
extern const size_t sca_cmd_table_len;
""")
    h.append("#endif")

    c.append('#include "sca_contract.h"\n#include "scagent/error.h"\n')
    c.append("const struct sca_sw_info sca_sw_table[] = {")
    for name, s in doc["sw"].items():
        mask = hexint(s.get("mask", "FFFF"), name)
        c.append(f"    {{0x{hexint(s['value'], name):04X}, 0x{mask:04X}, {c_str(name)}, {c_str(s['meaning'])}, "
                 f"SCA_E_{s['error'] if s['error'] != 'OK' else 'OK'}}},")
    c.append("};")
    c.append("const size_t sca_sw_table_len = sizeof sca_sw_table / sizeof sca_sw_table[0];\n")
    c.append("const struct sca_cmd_info sca_cmd_table[] = {")
    for name, cmd in doc["command"].items():
        cla = hexint(doc["cla"][cmd["cla"]], name)
        c.append(f"    {{{c_str(name)}, 0x{cla:02X}, 0x{hexint(cmd['ins'], name):02X}, {cmd['case']}, "
                 f"{1 if cmd.get('sensitive') else 0}, {c_str(cmd['access'])}}},")
    c.append("};")
    c.append("const size_t sca_cmd_table_len = sizeof sca_cmd_table / sizeof sca_cmd_table[0];")
    return "\n".join(h) + "\n", "\n".join(c) + "\n"


# --- Java ----------------------------------------------------------------------------------------------

def gen_java(doc):
    j = ["package org.scagent.applet;", "",
         "/** The wire contract, generated from apdu/contract.toml. Compile-time constants only (inlined by javac). */",
         "public final class Contract {", "    private Contract() {}", ""]

    def b(name, v):
        j.append(f"    public static final byte {name} = (byte) 0x{v:02X};")

    def s(name, v):
        j.append(f"    public static final short {name} = (short) 0x{v:04X};")

    j.append(f"    public static final byte CONTRACT_VERSION = {doc['contract']['version']};")
    a = doc["applet"]
    for k in ("version_major", "version_minor", "version_patch"):
        j.append(f"    public static final byte APPLET_{k.upper()} = {a[k]};")
    j.append(f"    public static final byte APPLET_AID_LEN = {len(hexbytes(a['aid'], 'aid'))};")
    j.append(f"    public static final byte PACKAGE_AID_LEN = {len(hexbytes(a['package_aid'], 'package_aid'))};")
    for name, v in doc["cla"].items():
        b(f"CLA_{name}", hexint(v, name))
    for name, cmd in doc["command"].items():
        b(f"INS_{name}", hexint(cmd["ins"], name))
    for name, cmd in doc["command"].items():
        for pk in ("p1", "p2"):
            if isinstance(cmd.get(pk), dict):
                for val in cmd[pk]:
                    b(f"{name}_{pk.upper()}_{val.upper()}", hexint(val, name))
    for name, t in doc["tag"].items():
        s(f"TAG_{name}", hexint(t["value"], name))
    for name, t in doc["install"].items():
        b(f"INSTALL_{name}", hexint(t["value"], name))
    for name, bit in doc["capability"].items():
        j.append(f"    public static final byte CAP_BIT_{name} = {bit};")
    for name, bit in doc["pin_flag"].items():
        b(f"PIN_FLAG_{name}", 1 << bit)
    for name, v in doc["lifecycle"].items():
        b(f"LIFECYCLE_{name}", hexint(v, name))
    for ename, members in doc.get("enum", {}).items():
        for name, v in members.items():
            b(f"{ename}_{name}", hexint(v, name))
    for name, v in doc["limits"].items():
        j.append(f"    public static final short {name} = {v};")
    for name, sw in doc["sw"].items():
        s(f"SW_{name}", hexint(sw["value"], name))
    j.append("}")
    return "\n".join(j) + "\n"


# --- header / check ------------------------------------------------------------------------------------

def with_header(body, contract_digest, comment):
    body_digest = hashlib.sha256(body.encode()).hexdigest()
    head = (f"{comment} {MARK}\n"
            f"{comment} contract-sha256: {contract_digest}\n"
            f"{comment} body-sha256: {body_digest}\n")
    return head + body


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # Only touch the file when it changes, so make and Maven do not rebuild for nothing.
    if os.path.exists(path) and open(path).read() == text:
        return
    with open(path, "w") as f:
        f.write(text)


def check(paths, contract_digest):
    bad = 0
    for p in paths:
        try:
            lines = open(p).read().split("\n", 3)
        except OSError as e:
            print(f"{p}: cannot read ({e.strerror}); run the build to generate it", file=sys.stderr)
            bad += 1
            continue
        m1 = re.search(r"contract-sha256: ([0-9a-f]{64})", lines[1] if len(lines) > 1 else "")
        m2 = re.search(r"body-sha256: ([0-9a-f]{64})", lines[2] if len(lines) > 2 else "")
        if MARK not in lines[0] or not m1 or not m2 or len(lines) < 4:
            print(f"{p}: no generator header: this file was not made by apdu/gen.py", file=sys.stderr)
            bad += 1
            continue
        if hashlib.sha256(lines[3].encode()).hexdigest() != m2.group(1):
            print(f"{p}: edited by hand (body does not match its recorded hash); regenerate it", file=sys.stderr)
            bad += 1
        elif m1.group(1) != contract_digest:
            print(f"{p}: stale (made from another apdu/contract.toml); regenerate it", file=sys.stderr)
            bad += 1
    return bad


def main(argv):
    try:
        doc, digest = load(os.environ.get("SCA_CONTRACT", CONTRACT))
    except (OSError, ContractError, tomllib.TOMLDecodeError) as e:
        print(f"apdu/gen.py: contract: {e}", file=sys.stderr)
        return 2
    if len(argv) >= 2 and argv[0] == "--check":
        return 1 if check(argv[1:], digest) else 0
    if len(argv) == 2 and argv[0] == "c":
        hdr, src = gen_c(doc)
        write(os.path.join(argv[1], "sca_contract.h"), with_header(hdr, digest, "//"))
        write(os.path.join(argv[1], "sca_contract.c"), with_header(src, digest, "//"))
        return 0
    if len(argv) == 2 and argv[0] == "java":
        write(os.path.join(argv[1], "org", "scagent", "applet", "Contract.java"),
              with_header(gen_java(doc), digest, "//"))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
