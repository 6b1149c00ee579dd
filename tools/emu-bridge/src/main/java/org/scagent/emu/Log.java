package org.scagent.emu;

import java.io.PrintStream;

/** Minimal stderr logger: 0 = errors only, 1 = lifecycle events (default), 2 = per-APDU traces. */
final class Log {
    static final int QUIET = 0;
    static final int INFO = 1;
    static final int TRACE = 2;

    private final int level;
    private final PrintStream out;

    Log(int level) {
        this(level, System.err);
    }

    Log(int level, PrintStream out) {
        this.level = level;
        this.out = out;
    }

    boolean tracing() {
        return level >= TRACE;
    }

    void error(String msg) {
        out.println("emu-bridge: error: " + msg);
    }

    void info(String msg) {
        if (level >= INFO) {
            out.println("emu-bridge: " + msg);
        }
    }

    void trace(String msg) {
        if (level >= TRACE) {
            out.println("emu-bridge: " + msg);
        }
    }
}
