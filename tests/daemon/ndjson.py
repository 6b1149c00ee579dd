"""What the scagentd test scripts (suite.py, perso.py) share: the check counter, a line-framed NDJSON connection,
the error codes a daemon may answer, and the simulators' start-up."""
import json
import os
import socket
import subprocess
import time

# the library's error codes (sca_rc_name) and the protocol's: every error must carry one of them
LIB_CODES = {"invalid-argument", "no-memory", "buffer-too-small", "internal", "parse", "crypto", "timeout",
             "no-service", "no-reader", "no-card", "card-removed", "card-reset", "sharing-violation", "transport",
             "no-applet", "protocol", "card-error", "auth-failed", "wrong-pin", "pin-blocked", "bad-request",
             "not-supported", "denied", "conditions", "not-found"}
PROTO_CODES = {"parse-error", "invalid-request", "too-large", "too-deep", "unknown-method", "bad-params", "denied",
               "busy", "cancelled", "deadline-exceeded", "shutting-down", "not-supported", "read-timeout"}

SOCK = None  # the daemon's socket: each script sets it
COUNTS = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    COUNTS["passed" if ok else "failed"] += 1
    print(("  ok   " + name) if ok else ("  FAIL " + name + (": " + str(detail)[:400] if detail else "")), flush=True)
    return ok


def code(m):
    return (m or {}).get("error", {}).get("code")


def res(m):
    return (m or {}).get("result") or {}


class Conn:
    """One connection, line framed: answers are matched by id (others kept for later), events collected."""

    def __init__(self, timeout=15):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(SOCK)
        self.buf = b""
        self.events = []
        self.kept = {}
        self.n = 0
        self.hello = self.read()

    def send_raw(self, b):
        self.s.sendall(b)

    def send(self, id_, method, params=None):
        m = {"id": id_, "method": method}
        if params is not None:
            m["params"] = params
        self.s.sendall(json.dumps(m).encode() + b"\n")

    def read(self):
        while b"\n" not in self.buf:
            d = self.s.recv(1 << 16)
            if not d:
                return None
            self.buf += d
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def answer(self, id_):
        """The answer to id_, keeping others and collecting events."""
        key = json.dumps(id_)
        if key in self.kept:
            return self.kept.pop(key)
        while True:
            m = self.read()
            if m is None:
                return None
            if "event" in m:
                self.events.append(m["event"])
                continue
            if m.get("id") == id_:
                return m
            self.kept[json.dumps(m.get("id"))] = m

    def call(self, method, params=None, id_=None):
        if id_ is None:
            self.n += 1
            id_ = self.n
        self.send(id_, method, params)
        return self.answer(id_)

    def close(self):
        self.s.close()


def start_daemon(scagentd, conf, log):
    """scagentd -f -c conf (stderr appended to log); the process once its socket answers a hello, else None (the
    process stays the caller's to stop)."""
    p = subprocess.Popen([scagentd, "-f", "-c", conf], stderr=open(log, "a"))
    for _ in range(200):
        if os.path.exists(SOCK):
            try:
                Conn().close()
                return p, True
            except OSError:
                pass
        if p.poll() is not None:
            break
        time.sleep(0.05)
    return p, False


def serve(argv, port_file):
    """Start a simulator that writes its port to port_file; (the process, its port as text) once listening."""
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(port_file) and os.path.getsize(port_file):
            break
        time.sleep(0.05)
    return p, open(port_file).read().strip()
