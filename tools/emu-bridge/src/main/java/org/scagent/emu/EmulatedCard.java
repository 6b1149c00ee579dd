package org.scagent.emu;

import org.scagent.applet.Contract;

import com.licel.jcardsim.base.Simulator;
import com.licel.jcardsim.utils.AIDUtil;
import javacard.framework.AID;
import javacard.framework.Applet;

import java.util.Arrays;

/**
 * The card as the reader sees it: jCardSim with our applet installed, plus what jCardSim lacks and a real
 * (U)SIM-like multi-channel card has: logical channels 0..3 (MANAGE CHANNEL, channel bits in CLA) and, in T=0
 * mode, the T=0 transport behaviour (61xx / 6Cxx / GET RESPONSE). See README.md for the exact rules.
 *
 * <p>Not thread-safe: the bridge drives it from one thread.
 */
final class EmulatedCard {
    /** T=1 only (TD1 = 01), historical bytes "SCAGENT1", TCK. */
    static final byte[] ATR_T1 = withTck(Hex.parse("3B 88 01 53 43 41 47 45 4E 54 31"));
    /** T=0 only (no interface bytes: T=0 implied), historical bytes "SCAGENT0", no TCK (T=0 only). */
    static final byte[] ATR_T0 = Hex.parse("3B 08 53 43 41 47 45 4E 54 30");

    static final int CHANNELS = 4;

    // Status words come from the wire contract (apdu/contract.toml), through the applet's generated class.
    static final int SW_OK = Contract.SW_OK & 0xFFFF;
    static final int SW_WRONG_LENGTH = Contract.SW_WRONG_LENGTH & 0xFFFF;
    static final int SW_CHANNEL_NOT_SUPPORTED = Contract.SW_CHANNEL_NOT_SUPPORTED & 0xFFFF;
    static final int SW_CONDITIONS = Contract.SW_CONDITIONS & 0xFFFF;
    static final int SW_FUNC_NOT_SUPPORTED = Contract.SW_FUNC_NOT_SUPPORTED & 0xFFFF;
    static final int SW_FILE_NOT_FOUND = Contract.SW_FILE_NOT_FOUND & 0xFFFF;
    static final int SW_INCORRECT_P1P2 = Contract.SW_INCORRECT_P1P2 & 0xFFFF;
    static final int SW_INS_NOT_SUPPORTED = Contract.SW_INS_NOT_SUPPORTED & 0xFFFF;
    static final int SW_CLA_NOT_SUPPORTED = Contract.SW_CLA_NOT_SUPPORTED & 0xFFFF;
    static final int SW_UNKNOWN = Contract.SW_UNKNOWN & 0xFFFF;

    private final BridgeRuntime runtime = new BridgeRuntime();
    private final Simulator sim = new Simulator(runtime);
    private final byte[] aid;
    private final boolean t0;
    private final boolean keepChannelBits;
    private final byte[] atr;
    private final Log log;

    private final boolean[] open = new boolean[CHANNELS];
    /** The channel on which our applet is selected, or -1. jCardSim has one selection: at most one channel. */
    private int selectedOn = -1;
    /** T=0: response data not yet fetched with GET RESPONSE. */
    private Pending pending;

    private static final class Pending {
        final int channel;
        final byte[] data;
        final int sw;
        int offset;

        Pending(int channel, byte[] data, int sw) {
            this.channel = channel;
            this.data = data;
            this.sw = sw;
        }

        int remaining() {
            return data.length - offset;
        }
    }

    static final class InstallException extends Exception {
        InstallException(String msg, Throwable cause) {
            super(msg, cause);
        }
    }

    EmulatedCard(Options o, Log log) throws InstallException {
        this.aid = o.aid.clone();
        this.t0 = o.t0;
        this.keepChannelBits = o.keepChannelBits;
        this.atr = o.atr != null ? o.atr.clone() : (o.t0 ? ATR_T0 : ATR_T1);
        this.log = log;
        Class<? extends Applet> cls;
        try {
            cls = Class.forName(o.appletClass, true, EmulatedCard.class.getClassLoader()).asSubclass(Applet.class);
        } catch (ClassNotFoundException e) {
            throw new InstallException("applet class " + o.appletClass + " is not on the classpath", e);
        } catch (ClassCastException e) {
            throw new InstallException(o.appletClass + " is not a javacard.framework.Applet", e);
        }
        byte[] data = o.installData();
        try {
            AID instance = AIDUtil.create(aid);
            sim.installApplet(instance, cls, data, (short) 0, (byte) data.length);
        } catch (RuntimeException | LinkageError e) {
            throw new InstallException("installing " + o.appletClass + " with install data " + Hex.of(data)
                    + " failed: " + e, e);
        }
        sim.changeProtocol(t0 ? "T=0" : "T=1");
        reset();
    }

    byte[] atr() {
        return atr.clone();
    }

    boolean isT0() {
        return t0;
    }

    /**
     * Power on, warm reset and power off: jCardSim's reset (persistent objects stay, CLEAR_ON_RESET and
     * CLEAR_ON_DESELECT memory is cleared, no applet selected), all logical channels but the basic one closed,
     * any pending T=0 response dropped.
     */
    void reset() {
        sim.reset();
        Arrays.fill(open, false);
        open[0] = true;
        selectedOn = -1;
        pending = null;
    }

    /** One command APDU in, one response APDU (data and SW1 SW2) out. */
    byte[] transmit(byte[] command) {
        CommandApdu a = CommandApdu.parse(command);
        if (a == null) {
            pending = null;
            return sw(SW_WRONG_LENGTH);
        }
        if (a.cla == 0xFF) {            // invalid class (ISO 7816-4 §5.4.1)
            pending = null;
            return sw(SW_CLA_NOT_SUPPORTED);
        }
        if ((a.cla & 0x40) != 0) {      // further interindustry class: channels 4..19, not supported here
            pending = null;
            return sw(SW_CHANNEL_NOT_SUPPORTED);
        }
        int channel = a.cla & 0x03;
        int baseCla = a.cla & ~0x03;
        if (!open[channel]) {
            pending = null;
            return sw(SW_CHANNEL_NOT_SUPPORTED);
        }
        boolean plainIso = baseCla == 0x00;   // interindustry, no SM, no chaining
        if (t0 && plainIso && a.ins == 0xC0) {
            if (pending != null && pending.channel == channel) {
                return getResponse(a);
            }
            // nothing pending here: a Java Card runtime passes the command to the applet selected on the channel,
            // which answers the 61xx it sent itself (applet-level response chaining); no applet there: 6985
            if (selectedOn != channel) {
                return sw(SW_CONDITIONS);
            }
        }
        pending = null;
        if (t0 && a.extended) {
            return sw(SW_WRONG_LENGTH);       // T=0 carries short APDUs only
        }
        byte[] raw;
        if (plainIso && a.ins == 0x70) {
            raw = manageChannel(channel, a);
        } else if (plainIso && a.ins == 0xA4 && a.p1 == 0x04 && (a.p2 & 0xE3) == 0 && !a.extended) {
            raw = selectByAid(channel, a, command);
        } else if (selectedOn == channel) {
            raw = forward(command, baseCla);
        } else if (a.ins == 0xA4) {
            raw = sw(SW_FILE_NOT_FOUND);      // other SELECTs: the default application has no such file
        } else {
            raw = sw(SW_INS_NOT_SUPPORTED);   // the default application does not know the instruction
        }
        return t0 ? shapeT0(channel, a, raw) : raw;
    }

    private byte[] selectByAid(int channel, CommandApdu a, byte[] command) {
        if (!matchesOurAid(command, a)) {
            // Java Card: a SELECT that selects no applet goes to the applet selected on the channel, if any.
            return selectedOn == channel ? forward(command, 0x00) : sw(SW_FILE_NOT_FOUND);
        }
        if (selectedOn >= 0 && selectedOn != channel) {
            return sw(SW_CONDITIONS);         // already active on another channel, not multi-selectable
        }
        byte[] r = forward(command, 0x00);
        int sw = swOf(r);
        if (sw == SW_OK || (sw >> 8) == 0x61) {
            selectedOn = channel;
        } else {
            // jCardSim leaves a failed applet "current"; a real card leaves no applet selected on the channel.
            runtime.deselectCurrent();
            selectedOn = -1;
        }
        return r;
    }

    /** Full AID or a right-truncated prefix of at least 5 bytes (a RID), as jCardSim's partial matching. */
    private boolean matchesOurAid(byte[] command, CommandApdu a) {
        if (a.nc < 5 || a.nc > aid.length) {
            return false;
        }
        for (int i = 0; i < a.nc; i++) {
            if (command[a.dataOffset + i] != aid[i]) {
                return false;
            }
        }
        return true;
    }

    private byte[] manageChannel(int channel, CommandApdu a) {
        if (a.nc != 0) {
            return sw(SW_WRONG_LENGTH);
        }
        if (a.p1 == 0x00) {                   // open
            if (a.p2 == 0) {
                if (t0 && a.apduCase == 2 && a.ne != 1) {
                    return sw(0x6C01);        // T=0: wrong Le, checked before anything is opened
                }
                for (int c = 1; c < CHANNELS; c++) {
                    if (!open[c]) {
                        open[c] = true;
                        log.trace("channel " + c + " opened");
                        return new byte[] {(byte) c, (byte) 0x90, 0x00};
                    }
                }
                return sw(SW_FUNC_NOT_SUPPORTED);
            }
            if (a.p2 >= CHANNELS) {
                return sw(SW_CHANNEL_NOT_SUPPORTED);
            }
            if (open[a.p2]) {
                return sw(SW_FUNC_NOT_SUPPORTED);
            }
            open[a.p2] = true;
            log.trace("channel " + a.p2 + " opened");
            return sw(SW_OK);
        }
        if (a.p1 == 0x80) {                   // close
            int target = a.p2 == 0 ? channel : a.p2;
            if (target == 0) {
                return sw(SW_FUNC_NOT_SUPPORTED);   // the basic channel cannot be closed
            }
            if (target >= CHANNELS || !open[target]) {
                return sw(SW_CHANNEL_NOT_SUPPORTED);
            }
            open[target] = false;
            if (selectedOn == target) {
                runtime.deselectCurrent();
                selectedOn = -1;
            }
            log.trace("channel " + target + " closed");
            return sw(SW_OK);
        }
        return sw(SW_INCORRECT_P1P2);
    }

    /**
     * jCardSim's short APDU buffer holds 260 bytes, one short of the longest short case-4 APDU (Lc = 255 plus Le),
     * which a real card takes; the applet then fails with 6F00. Such an APDU is handed over in the equivalent
     * extended form (same data, same Ne) instead; every other APDU passes as it is.
     */
    static byte[] fitJCardSimBuffer(byte[] c) {
        if (c.length != 261 || (c[4] & 0xFF) != 255) {
            return c;
        }
        int ne = (c[260] & 0xFF) == 0 ? 256 : (c[260] & 0xFF);
        byte[] e = new byte[4 + 3 + 255 + 2];
        System.arraycopy(c, 0, e, 0, 4);
        e[4] = 0;
        e[5] = 0;
        e[6] = (byte) 255;
        System.arraycopy(c, 5, e, 7, 255);
        e[262] = (byte) (ne >> 8);
        e[263] = (byte) ne;
        return e;
    }

    private byte[] forward(byte[] command, int baseCla) {
        byte[] c = fitJCardSimBuffer(command.clone());
        if (!keepChannelBits) {
            c[0] = (byte) baseCla;
        }
        try {
            return sim.transmitCommand(c);
        } catch (Throwable e) {   // jCardSim lets some runtime errors escape; a card answers 6F00
            log.error("jCardSim failed on " + Hex.of(c) + ": " + e);
            return sw(SW_UNKNOWN);
        }
    }

    /**
     * T=0 transport rules applied to a response as T=1 would carry it: response data of a case 1/3/4 command is
     * announced with 61xx and kept for GET RESPONSE; a case 2 command whose Le differs from the data length gets
     * 6Cxx (the command is then re-sent with the right Le, and runs again).
     */
    private byte[] shapeT0(int channel, CommandApdu a, byte[] raw) {
        int n = raw.length - 2;
        if (n <= 0) {
            return raw;
        }
        if (a.apduCase == 2) {
            if (n == a.ne) {
                return raw;
            }
            if (n <= 256) {
                return sw(0x6C00 | (n & 0xFF));
            }
        }
        pending = new Pending(channel, Arrays.copyOf(raw, n), swOf(raw));
        return sw(0x6100 | (n >= 256 ? 0 : n));
    }

    /** T=0 GET RESPONSE 00 C0 00 00 Le (channel bits allowed) for the runtime's own pending response. */
    private byte[] getResponse(CommandApdu a) {
        if (a.p1 != 0 || a.p2 != 0) {
            return sw(SW_INCORRECT_P1P2);
        }
        if (a.apduCase != 2 || a.extended) {
            return sw(SW_WRONG_LENGTH);
        }
        Pending p = pending;
        int rem = p.remaining();
        int le = a.ne;
        if (le > rem) {
            return sw(0x6C00 | (rem & 0xFF));
        }
        byte[] out = new byte[le + 2];
        System.arraycopy(p.data, p.offset, out, 0, le);
        p.offset += le;
        int left = p.remaining();
        int sw;
        if (left > 0) {
            sw = 0x6100 | (left >= 256 ? 0 : left);
        } else {
            sw = p.sw;
            pending = null;
        }
        out[le] = (byte) (sw >> 8);
        out[le + 1] = (byte) sw;
        return out;
    }

    static byte[] sw(int sw) {
        return new byte[] {(byte) (sw >> 8), (byte) sw};
    }

    static int swOf(byte[] r) {
        return ((r[r.length - 2] & 0xFF) << 8) | (r[r.length - 1] & 0xFF);
    }

    private static byte[] withTck(byte[] atrWithoutTck) {
        byte tck = 0;
        for (int i = 1; i < atrWithoutTck.length; i++) {
            tck ^= atrWithoutTck[i];
        }
        byte[] out = Arrays.copyOf(atrWithoutTck, atrWithoutTck.length + 1);
        out[out.length - 1] = tck;
        return out;
    }
}
