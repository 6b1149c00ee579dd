package org.scagent.emu;

import java.io.ByteArrayOutputStream;

/** Command-line options of the bridge. {@link #parse} throws {@link UsageException} on bad input. */
final class Options {
    /** The scagent applet AID (apdu/contract.toml [applet] aid). */
    static final String DEFAULT_AID = "F053434147454E5401";
    static final String DEFAULT_APPLET_CLASS = "org.scagent.applet.ScAgentApplet";

    String host = "127.0.0.1";
    int port = 35963;
    boolean t0;
    byte[] atr;                      // null: the default ATR of the protocol mode
    byte[] aid = Hex.parse(DEFAULT_AID);
    String appletClass = DEFAULT_APPLET_CLASS;
    byte[] privileges = {0x00};
    byte[] params = new byte[0];
    byte[] installData;              // null: built from aid, privileges, params
    long faultAfter = -1;            // -1: no fault injection
    long reinsertAfterMs = -1;       // -1: exit after the fault
    long connectTimeoutMs = 10_000;
    boolean keepChannelBits;         // forward CLA with its channel bits (a real runtime does) instead of stripping them
    int verbosity = Log.INFO;
    boolean help;

    static final String USAGE = String.join("\n",
            "usage: java -cp ... org.scagent.emu.Bridge [options]",
            "Runs the scagent applet in jCardSim as a vsmartcard-vpcd virtual card (connects to vpcd).",
            "  --host HOST             vpcd host (default 127.0.0.1)",
            "  --port PORT             vpcd port (default 35963 = reader \"Virtual PCD 00 00\")",
            "  --t0                    behave as a T=0 card (T=0 ATR, 61xx/6Cxx, GET RESPONSE)",
            "  --atr HEX               override the ATR",
            "  --aid HEX               applet instance AID (default " + DEFAULT_AID + ")",
            "  --applet-class NAME     applet class (default " + DEFAULT_APPLET_CLASS + ")",
            "  --params HEX            application-specific install parameters (default none)",
            "  --privileges HEX        GlobalPlatform privileges in the install data (default 00)",
            "  --install-data HEX      raw install data passed to install() (overrides --aid LV/--privileges/--params)",
            "  --fault-after N         drop the connection instead of answering APDU number N+1",
            "  --reinsert-after MS     after a fault, reconnect after MS milliseconds (state kept)",
            "  --connect-timeout MS    keep retrying the connection to vpcd this long (default 10000)",
            "  --keep-channel-bits     pass the CLA channel bits on to the applet (default: stripped)",
            "  -v, --verbose           per-APDU hex traces on stderr",
            "  -q, --quiet             errors only",
            "  -h, --help              this text",
            "Exit status: 0 when vpcd closed the connection (or after a fault without --reinsert-after),",
            "1 when vpcd cannot be reached, 2 on bad options or when the applet cannot be installed.");

    static final class UsageException extends Exception {
        UsageException(String msg) {
            super(msg);
        }
    }

    static Options parse(String... args) throws UsageException {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--host": o.host = value(args, ++i, a); break;
                case "--port": o.port = (int) number(args, ++i, a, 1, 65535); break;
                case "--t0": o.t0 = true; break;
                case "--atr": o.atr = hex(args, ++i, a); break;
                case "--aid": o.aid = hex(args, ++i, a); break;
                case "--applet-class": o.appletClass = value(args, ++i, a); break;
                case "--params": o.params = hex(args, ++i, a); break;
                case "--privileges": o.privileges = hex(args, ++i, a); break;
                case "--install-data": o.installData = hex(args, ++i, a); break;
                case "--fault-after": o.faultAfter = number(args, ++i, a, 0, Long.MAX_VALUE); break;
                case "--reinsert-after": o.reinsertAfterMs = number(args, ++i, a, 0, 3_600_000); break;
                case "--connect-timeout": o.connectTimeoutMs = number(args, ++i, a, 0, 3_600_000); break;
                case "--keep-channel-bits": o.keepChannelBits = true; break;
                case "-v": case "--verbose": o.verbosity = Log.TRACE; break;
                case "-q": case "--quiet": o.verbosity = Log.QUIET; break;
                case "-h": case "--help": o.help = true; break;
                default: throw new UsageException("unknown option: " + a);
            }
        }
        if (o.aid.length < 5 || o.aid.length > 16) {
            throw new UsageException("--aid: an AID has 5 to 16 bytes");
        }
        if (o.atr != null && (o.atr.length < 2 || o.atr.length > 33)) {
            throw new UsageException("--atr: an ATR has 2 to 33 bytes");
        }
        if (o.reinsertAfterMs >= 0 && o.faultAfter < 0) {
            throw new UsageException("--reinsert-after needs --fault-after");
        }
        if (o.installData().length > 127) {
            throw new UsageException("install data longer than 127 bytes");
        }
        return o;
    }

    /** GlobalPlatform install data: instance AID LV, privileges LV, application parameters LV. */
    byte[] installData() {
        if (installData != null) {
            return installData;
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] lv : new byte[][] {aid, privileges, params}) {
            b.write(lv.length);
            b.write(lv, 0, lv.length);
        }
        return b.toByteArray();
    }

    private static String value(String[] args, int i, String opt) throws UsageException {
        if (i >= args.length) {
            throw new UsageException(opt + " needs a value");
        }
        return args[i];
    }

    private static byte[] hex(String[] args, int i, String opt) throws UsageException {
        try {
            return Hex.parse(value(args, i, opt));
        } catch (IllegalArgumentException e) {
            throw new UsageException(opt + ": " + e.getMessage());
        }
    }

    private static long number(String[] args, int i, String opt, long min, long max) throws UsageException {
        String v = value(args, i, opt);
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException(opt + ": not a number: " + v);
        }
        if (n < min || n > max) {
            throw new UsageException(opt + ": out of range " + min + ".." + max + ": " + v);
        }
        return n;
    }
}
