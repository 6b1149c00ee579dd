"""The simulator's test credentials: two firmware originators, two DM servers, a per-card token key, and the
cards' log keys registered with the servers. Everything is made on the spot by `dm-sim.py init DIR`; nothing here
is secret. Files in DIR (private keys PEM PKCS#8 unencrypted, public keys SPKI PEM and the card's raw point):

  originator0.key, originator0.pub.pem, originator0.pub.bin, originator0.pub.hex   originator, card slot 0
  originator1.{key,pub.pem,pub.bin,pub.hex}                                          originator, card slot 1
  dmserver-a.{key,pub.pem,pub.bin,pub.hex}, dmserver-a.entry.hex                     the authorized DM server
  dmserver-b.{...}                                                                    a DM server for negative tests
  token-key.hex                 the per-card AES-128 K_token (32 hex digits)
  cards/<card id>.spki.der      card log keys registered with register-card
  config.json                   what is where (below)
"""

import json
import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import dm_codec as codec

CONFIG = "config.json"
CONFIG_FORMAT = "scagent-dm-sim-1"
ORIGINATORS = ("originator0", "originator1")
SERVERS = {
    # short name: (file base, DM server id, authorized on the test card, permissions FW_UPDATE|READ_LOG)
    "a": ("dmserver-a", "dm-a.scagent.test", True, 0x03),
    "b": ("dmserver-b", "dm-b.scagent.test", False, 0x03),
}
NOT_BEFORE, NOT_AFTER = 0x00000000, 0xFFFFFFFF


class ConfigError(Exception):
    pass


def write_atomic(path, data, mode=0o644):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _write_key_set(d, base, key):
    pub = key.public_key()
    write_atomic(os.path.join(d, base + ".key"),
                 key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()), 0o600)
    write_atomic(os.path.join(d, base + ".pub.pem"),
                 pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    raw = codec.raw_point(pub)
    write_atomic(os.path.join(d, base + ".pub.bin"), raw)
    write_atomic(os.path.join(d, base + ".pub.hex"), raw.hex().upper().encode() + b"\n")
    return raw


def server_entry(permissions, raw_pub, server_id, not_before=NOT_BEFORE, not_after=NOT_AFTER):
    """DM_SERVER_PUT data before the C-MAC (dm-firmware.md §2)."""
    sid = server_id.encode("utf-8")
    return (bytes([permissions]) + not_before.to_bytes(4, "big") + not_after.to_bytes(4, "big") + raw_pub
            + bytes([len(sid)]) + sid)


def init(d):
    os.makedirs(os.path.join(d, "cards"), exist_ok=True)
    cfg = {"format": CONFIG_FORMAT, "originators": [], "dm_servers": {}, "token_key": "token-key.hex", "cards": {}}
    for slot, base in enumerate(ORIGINATORS):
        raw = _write_key_set(d, base, ec.generate_private_key(ec.SECP256R1()))
        cfg["originators"].append({"slot": slot, "name": base, "private_key": base + ".key",
                                   "public_key": base + ".pub.pem", "point_bin": base + ".pub.bin",
                                   "point_hex": raw.hex().upper()})
    for short, (base, sid, authorized, perms) in sorted(SERVERS.items()):
        raw = _write_key_set(d, base, ec.generate_private_key(ec.SECP256R1()))
        entry = server_entry(perms, raw, sid)
        write_atomic(os.path.join(d, base + ".entry.hex"), entry.hex().upper().encode() + b"\n")
        cfg["dm_servers"][short] = {"name": base, "id": sid, "authorized": authorized, "permissions": perms,
                                    "not_before": NOT_BEFORE, "not_after": NOT_AFTER,
                                    "private_key": base + ".key", "public_key": base + ".pub.pem",
                                    "point_bin": base + ".pub.bin", "point_hex": raw.hex().upper(),
                                    "entry_hex": base + ".entry.hex"}
    write_atomic(os.path.join(d, "token-key.hex"), os.urandom(16).hex().upper().encode() + b"\n", 0o600)
    save_config(d, cfg)
    return cfg


def load_config(d):
    p = os.path.join(d, CONFIG)
    try:
        with open(p, "r", encoding="utf-8") as f:
            cfg = json.load(f)
    except OSError as e:
        raise ConfigError("%s: %s (create it with: dm-sim.py init %s)" % (p, e.strerror, d)) from None
    except ValueError as e:
        raise ConfigError("%s: not JSON: %s" % (p, e)) from None
    if not isinstance(cfg, dict) or cfg.get("format") != CONFIG_FORMAT:
        raise ConfigError("%s: not a dm-sim configuration" % p)
    return cfg


def save_config(d, cfg):
    write_atomic(os.path.join(d, CONFIG), (json.dumps(cfg, indent=2, sort_keys=True) + "\n").encode())


def load_private(path):
    with open(path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ConfigError("%s: not an EC private key" % path)
    return key


def originator_key(d, cfg, slot):
    for o in cfg["originators"]:
        if o["slot"] == slot:
            return load_private(os.path.join(d, o["private_key"]))
    raise ConfigError("no originator %d in %s (have %s)" % (slot, d, ", ".join(str(o["slot"]) for o in cfg["originators"])))


def server_name(cfg, name):
    """'a', 'dmserver-a' or the server id 'dm-a.scagent.test' -> 'a'; None when unknown."""
    for short, s in cfg["dm_servers"].items():
        if name in (short, s["name"], s["id"]):
            return short
    return None


def server_key(d, cfg, short):
    return load_private(os.path.join(d, cfg["dm_servers"][short]["private_key"]))


def token_key(d, cfg):
    with open(os.path.join(d, cfg["token_key"]), "r", encoding="ascii") as f:
        k = bytes.fromhex(f.read().strip())
    if len(k) != 16:
        raise ConfigError("%s: K_token must be 16 bytes" % cfg["token_key"])
    return k


def register_card(d, card_id, pub):
    """Record a card's log key (SPKI DER) for its card id; replaces an earlier registration."""
    cfg = load_config(d)
    rel = os.path.join("cards", card_id.hex().upper() + ".spki.der")
    os.makedirs(os.path.join(d, "cards"), exist_ok=True)
    write_atomic(os.path.join(d, rel), pub.public_bytes(serialization.Encoding.DER,
                                                        serialization.PublicFormat.SubjectPublicKeyInfo))
    cfg.setdefault("cards", {})[card_id.hex().upper()] = rel
    save_config(d, cfg)
    return rel


def card_key(d, card_id, cfg=None):
    """The registered log key of a card, or None."""
    cfg = cfg or load_config(d)
    rel = cfg.get("cards", {}).get(card_id.hex().upper())
    if not rel:
        return None
    with open(os.path.join(d, rel), "rb") as f:
        return codec.load_public(f.read())
