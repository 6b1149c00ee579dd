package org.scagent.emu;

/**
 * A parsed command APDU (ISO/IEC 7816-4 §5.1): header, the case (1..4), Nc, Ne, short or extended length.
 * {@link #parse} returns null for byte strings that are no well-formed APDU.
 */
final class CommandApdu {
    final int cla;
    final int ins;
    final int p1;
    final int p2;
    /** ISO 7816-3 case: 1 (no data, no Le), 2 (Le only), 3 (data only), 4 (data and Le). */
    final int apduCase;
    final boolean extended;
    /** Length of the data field (Nc) and its offset in the APDU. */
    final int nc;
    final int dataOffset;
    /** Maximum number of response bytes expected (Ne): 1..256 short, 1..65536 extended; 0 when no Le. */
    final int ne;

    private CommandApdu(byte[] a, int apduCase, boolean extended, int nc, int dataOffset, int ne) {
        this.cla = a[0] & 0xFF;
        this.ins = a[1] & 0xFF;
        this.p1 = a[2] & 0xFF;
        this.p2 = a[3] & 0xFF;
        this.apduCase = apduCase;
        this.extended = extended;
        this.nc = nc;
        this.dataOffset = dataOffset;
        this.ne = ne;
    }

    static CommandApdu parse(byte[] a) {
        int len = a.length;
        if (len < 4) {
            return null;
        }
        if (len == 4) {
            return new CommandApdu(a, 1, false, 0, 4, 0);
        }
        int b4 = a[4] & 0xFF;
        if (len == 5) {
            return new CommandApdu(a, 2, false, 0, 5, b4 == 0 ? 256 : b4);
        }
        if (b4 != 0) {
            if (len == 5 + b4) {
                return new CommandApdu(a, 3, false, b4, 5, 0);
            }
            if (len == 6 + b4) {
                int le = a[len - 1] & 0xFF;
                return new CommandApdu(a, 4, false, b4, 5, le == 0 ? 256 : le);
            }
            return null;
        }
        // b4 == 0 and more than 5 bytes: extended length
        if (len < 7) {
            return null;
        }
        int l = ((a[5] & 0xFF) << 8) | (a[6] & 0xFF);
        if (len == 7) {
            return new CommandApdu(a, 2, true, 0, 7, l == 0 ? 65536 : l);
        }
        if (l == 0) {
            return null;
        }
        if (len == 7 + l) {
            return new CommandApdu(a, 3, true, l, 7, 0);
        }
        if (len == 9 + l) {
            int le = ((a[len - 2] & 0xFF) << 8) | (a[len - 1] & 0xFF);
            return new CommandApdu(a, 4, true, l, 7, le == 0 ? 65536 : le);
        }
        return null;
    }
}
