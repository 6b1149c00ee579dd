"""The BM-SC simulator's state: DIR/config.json, DIR/msks.json, DIR/muks.json, and the key material they lead to
(MUK/MRK from the bsf-sim bootstrap record with the TS 33.220 Annex B KDF of ../bsf-sim/gba.py), plus the message
makers (LTKM, STKM, trigger) that read and advance the counters.

config.json  {"fqdn", "realm", "key_domain" (6 hex), "bsf_dir" (absolute path)}
msks.json    {MSK ID (8 hex): {"key_domain", "msk" (32 hex), "vf", "vt" (ints; null when KV 0), "counter" (last
              MTK-message counter used), "mtk_id" (last MTK ID used), "items" [purchase item IDs]}}
muks.json    {B-TID: {"counter" (last MSK-message counter sent), "services" [registered ids], "reregistrations" (n),
              "last_registration" (ISO time)}}
Every change is read-modify-write under flock(DIR/.lock), files replaced atomically.
"""

import base64
import fcntl
import json
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BSF_SIM = os.path.join(os.path.dirname(HERE), "bsf-sim")
if BSF_SIM not in sys.path:
    sys.path.insert(0, BSF_SIM)

import bsf_server  # noqa: E402
import gba  # noqa: E402
import mikey_codec as mc  # noqa: E402

CONFIG, MSKS, MUKS, LOCK = "config.json", "msks.json", "muks.json", ".lock"
DEFAULT_FQDN = "bmsc.example.org"
# Key Domain ID = MCC || MNC in 3 bytes, encoded as the TS 24.008 PLMN identity (BCD, nibble-swapped, MNC digit 3
# = F for a 2-digit MNC): MCC 001, MNC 01 -> 00 F1 10. [G: mbms-facts says only "MCC || MNC, 3 bytes"]
DEFAULT_KEY_DOMAIN = "00f110"


class StateError(Exception):
    pass


class UnknownBtid(StateError):
    pass


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def plmn_key_domain(mcc, mnc):
    """TS 24.008 PLMN identity: MCC 3 digits, MNC 2 or 3 digits -> 3 bytes."""
    m3 = mnc[2] if len(mnc) == 3 else "F"
    return bytes.fromhex(mcc[1] + mcc[0] + m3 + mcc[2] + mnc[1] + mnc[0])


class Store:
    def __init__(self, d):
        self.dir = d
        self.tlock = threading.RLock()

    def path(self, name):
        return os.path.join(self.dir, name)

    def exists(self):
        return os.path.isfile(self.path(CONFIG))

    class _Locked:
        def __init__(self, store):
            self.store = store

        def __enter__(self):
            self.store.tlock.acquire()
            self.f = open(self.store.path(LOCK), "a")
            fcntl.flock(self.f, fcntl.LOCK_EX)
            return self.store

        def __exit__(self, *exc):
            fcntl.flock(self.f, fcntl.LOCK_UN)
            self.f.close()
            self.store.tlock.release()

    def locked(self):
        return Store._Locked(self)

    def load(self, name, default=None):
        try:
            with open(self.path(name), "r", encoding="utf-8") as f:
                v = json.load(f)
        except FileNotFoundError:
            if default is None:
                raise StateError("%s is missing (run init)" % self.path(name)) from None
            return default
        except (OSError, ValueError) as e:
            raise StateError("%s: %s" % (self.path(name), e)) from None
        if not isinstance(v, dict):
            raise StateError("%s is malformed" % self.path(name))
        return v

    def save(self, name, obj):
        bsf_server.write_atomic(self.path(name), (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode("utf-8"))

    def config(self):
        return self.load(CONFIG)

    def snapshot(self):
        with self.locked():
            return {"config": self.config(), "msks": self.load(MSKS, {}), "muks": self.load(MUKS, {})}


def init_dir(d, bsf_dir, fqdn=DEFAULT_FQDN, key_domain=DEFAULT_KEY_DOMAIN, realm=None, force=False):
    st = Store(d)
    if st.exists() and not force:
        raise StateError("%s exists (use --force)" % st.path(CONFIG))
    if not os.path.isdir(bsf_dir):
        raise StateError("bsf-sim directory %s does not exist" % bsf_dir)
    os.makedirs(d, exist_ok=True)
    cfg = {"fqdn": fqdn, "realm": realm or fqdn, "key_domain": key_domain.lower(),
           "bsf_dir": os.path.abspath(bsf_dir)}
    with st.locked():
        st.save(CONFIG, cfg)
        st.save(MSKS, {})
        st.save(MUKS, {})
    return cfg


# --- keys from the bootstrap ------------------------------------------------------------------------------------

def bootstrap_keys(cfg, btid, now=None):
    """MUK = Ks_int_NAF, MRK = Ks_ext_NAF for NAF_Id = FQDN || 01 00 00 00 01 (GBA_ME: both = Ks_NAF).
    -> dict muk, mrk (bytes), mrk_b64 (the Digest password), impi, gba_type. UnknownBtid when unknown/expired."""
    bst = bsf_server.Store(cfg["bsf_dir"])
    with bst.locked():
        rec = bst.load_bootstraps().get(btid)
    if rec is None:
        raise UnknownBtid("unknown B-TID %s" % btid)
    if "expires" in rec and (now or time.time()) >= rec["expires"]:
        raise UnknownBtid("B-TID %s expired at %s" % (btid, rec.get("lifetime")))
    ks, rand = bytes.fromhex(rec["ks"]), bytes.fromhex(rec["rand"])
    nafid = gba.naf_id(cfg["fqdn"], gba.UA_MBMS)
    mrk = gba.ks_naf(ks, rand, rec["impi"], nafid, gba.LABEL_ME)
    gba_u = rec.get("gba_type", "GBA_U") == "GBA_U"
    muk = gba.ks_naf(ks, rand, rec["impi"], nafid, gba.LABEL_U) if gba_u else mrk
    return {"muk": muk, "mrk": mrk, "mrk_b64": base64.b64encode(mrk).decode("ascii"), "impi": rec["impi"],
            "gba_type": "GBA_U" if gba_u else "GBA_ME"}


# --- message makers ---------------------------------------------------------------------------------------------

def _next_ltkm_counter(st, btid, counter):
    muks = st.load(MUKS, {})
    ent = muks.setdefault(btid, {"counter": 0, "services": [], "reregistrations": 0})
    c = ent.get("counter", 0) + 1 if counter is None else counter
    if not 0 <= c <= 0xFFFFFFFF:
        raise StateError("counter out of range")
    ent["counter"] = c
    st.save(MUKS, muks)
    return c


def make_ltkm(st, btid, msk_id, msk=None, vf=None, vt=None, validity=True, counter=None, v=False, csb_id=None,
              bcast_ext=False, items=(), rand=None, sp=False, record=True):
    """Build an LTKM for B-TID with the MSK msk_id (4 bytes). msk None: the stored key for that MSK ID, or a new
    random one. vf/vt None: stored values, else 1 / 0xFFFF. Records the MSK (and items) and the counter.
    -> (message, info dict with hex values)."""
    with st.locked():
        cfg = st.config()
        keys = bootstrap_keys(cfg, btid)
        msks = st.load(MSKS, {})
        old = msks.get(msk_id.hex())
        if msk is None:
            msk = bytes.fromhex(old["msk"]) if old else os.urandom(16)
        if validity:
            vf = vf if vf is not None else (old["vf"] if old and old.get("vf") is not None else 1)
            vt = vt if vt is not None else (old["vt"] if old and old.get("vt") is not None else 0xFFFF)
        kd = bytes.fromhex(cfg["key_domain"])
        c = _next_ltkm_counter(st, btid, counter)
        msg, info = mc.build_ltkm(keys["muk"], cfg["fqdn"], btid, kd, msk_id, msk, c, csb_id=csb_id, rand=rand,
                                  vf=vf, vt=vt, validity=validity, v=v, bcast_ext=bcast_ext,
                                  sp=mc.sp_payload_body() if sp else None)
        if record:
            same_key = old is not None and old["msk"] == msk.hex()
            ent = {"key_domain": cfg["key_domain"], "msk": msk.hex(), "vf": vf if validity else None,
                   "vt": vt if validity else None,
                   "counter": old["counter"] if same_key else 0, "mtk_id": old["mtk_id"] if same_key else 0,
                   "items": sorted(set((old or {}).get("items", [])) | set(items))}
            msks[msk_id.hex()] = ent
            st.save(MSKS, msks)
    return msg, {"hex": msg.hex(), "btid": btid, "fqdn": cfg["fqdn"], "key_domain": cfg["key_domain"],
                 "msk_id": msk_id.hex(), "msk": msk.hex(), "vf": vf if validity else None,
                 "vt": vt if validity else None, "counter": c, "csb_id": info["csb_id"].hex(),
                 "rand": info["rand"].hex(), "v": bool(v), "muk": keys["muk"].hex(),
                 "auth_key": info["keys"]["auth"].hex()}


def add_msk(st, msk_id, msk=None, vf=1, vt=0xFFFF, validity=True, items=()):
    with st.locked():
        cfg = st.config()
        msks = st.load(MSKS, {})
        old = msks.get(msk_id.hex())
        msk = msk if msk is not None else (bytes.fromhex(old["msk"]) if old else os.urandom(16))
        same_key = old is not None and old["msk"] == msk.hex()
        msks[msk_id.hex()] = {"key_domain": cfg["key_domain"], "msk": msk.hex(), "vf": vf if validity else None,
                              "vt": vt if validity else None, "counter": old["counter"] if same_key else 0,
                              "mtk_id": old["mtk_id"] if same_key else 0,
                              "items": sorted(set((old or {}).get("items", [])) | set(items))}
        st.save(MSKS, msks)
        return dict(msks[msk_id.hex()], msk_id=msk_id.hex())


def make_stkm(st, msk_id, mtk_id=None, counter=None, mtk=None, salt=None, no_salt=False, key_domain=True,
              csb_id=None, bcast_ext=False, sp=False):
    """Build an STKM under the stored MSK msk_id. mtk_id None: last + 1. counter None: last + 1. mtk/salt None:
    random (salt 14 bytes unless no_salt). -> (message, info)."""
    with st.locked():
        cfg = st.config()
        msks = st.load(MSKS, {})
        ent = msks.get(msk_id.hex())
        if ent is None:
            raise StateError("unknown MSK ID %s (make an LTKM or add-msk first)" % msk_id.hex())
        mtk_id = ent["mtk_id"] + 1 if mtk_id is None else mtk_id
        c = ent["counter"] + 1 if counter is None else counter
        if not 0 <= mtk_id <= 0xFFFF or not 0 <= c <= 0xFFFFFFFF:
            raise StateError("MTK ID or counter out of range")
        mtk = os.urandom(16) if mtk is None else mtk
        if no_salt:
            salt = None
        elif salt is None:
            salt = os.urandom(14)
        kd = bytes.fromhex(ent["key_domain"]) if key_domain else None
        msg, info = mc.build_stkm(bytes.fromhex(ent["msk"]), kd, msk_id, mtk_id, mtk, c, salt=salt, csb_id=csb_id,
                                  bcast_ext=bcast_ext, sp=mc.sp_payload_body() if sp else None)
        ent["counter"], ent["mtk_id"] = c, mtk_id
        st.save(MSKS, msks)
    return msg, {"hex": msg.hex(), "msk_id": msk_id.hex(), "key_domain": ent["key_domain"] if key_domain else None,
                 "mtk_id": mtk_id, "counter": c, "mtk": mtk.hex(), "salt": salt.hex() if salt is not None else "",
                 "csb_id": info["csb_id"].hex(), "card_output": (mtk + (salt or b"")).hex()}


def make_trigger(st, btid, key_group, counter=None, bcast_ext=False):
    with st.locked():
        cfg = st.config()
        keys = bootstrap_keys(cfg, btid)
        c = _next_ltkm_counter(st, btid, counter)
        msg, info = mc.build_trigger(keys["muk"], cfg["fqdn"], btid, bytes.fromhex(cfg["key_domain"]), key_group, c,
                                     bcast_ext=bcast_ext)
    return msg, {"hex": msg.hex(), "btid": btid, "key_group": key_group, "counter": c,
                 "msk_id": (key_group.to_bytes(2, "big") + bytes(2)).hex(),
                 "meaning": "REREGISTER_ALL_SERVICES" if key_group == 0 else "SOLICITED_PULL"}


def msks_for(st, key_domain, msk_id):
    """Stored MSK IDs (hex) matching a requested MSK ID; Key Number 0000 = every MSK of the Key Group."""
    msks = st.load(MSKS, {})
    out = []
    for mid, ent in msks.items():
        if ent["key_domain"] != key_domain.hex():
            continue
        b = bytes.fromhex(mid)
        if b == msk_id or (msk_id[2:] == b"\0\0" and b[:2] == msk_id[:2]):
            out.append(mid)
    return out


def msks_of_item(st, item):
    return [mid for mid, ent in st.load(MSKS, {}).items() if item in ent.get("items", [])]


def record_registration(st, btid, services):
    with st.locked():
        muks = st.load(MUKS, {})
        ent = muks.setdefault(btid, {"counter": 0, "services": [], "reregistrations": 0})
        for s in services:
            if s == "urn:allServices":
                ent["reregistrations"] = ent.get("reregistrations", 0) + 1
            elif s not in ent["services"]:
                ent["services"].append(s)
        ent["last_registration"] = now_iso()
        st.save(MUKS, muks)
        return ent
