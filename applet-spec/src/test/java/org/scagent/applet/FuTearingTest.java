package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/**
 * Power loss at every write of a log append (dm-firmware.md §3.3). {@link NvWriter} lets n writes complete and tears
 * the next (half of its bytes written, then the command dies as in a power loss; jCardSim has no rollback, so this is
 * the case without a transaction). For every n across a confirmation record, a refused and a verified manifest, and
 * an install commit, on a short log and on a full ring: reset, reselect (which runs the recovery), then the log must
 * verify (chain, signed checkpoint), hold either the old records exactly or the old ones plus the new one, and the
 * version and the originator's sequence number must agree with the committed record.
 */
class FuTearingTest {
    static final TestManifest M = TestManifest.firmware(FuFlowTest.PKG, DmCard.SERVER, 0x0105, 7);

    static NvWriter nv(Card c) throws ReflectiveOperationException {
        Field f = ScAgentApplet.class.getDeclaredField("dm");
        f.setAccessible(true);
        return ((DmFirmware) f.get(c.applet())).nv;
    }

    /** The state a torn operation is judged against. */
    record Before(List<byte[]> records, int firmware, String originators) {
    }

    /**
     * Runs {@code op} with a fault after n writes for n = 0, 1, ... until it completes; asserts it completes at
     * exactly {@code writes}. {@code setup} makes the card (with {@code extra} confirmations first); {@code newRecord}
     * is the kind/status/result/flags of the record the operation appends.
     */
    static void tearEverywhere(int extra, Consumer<DmCard> setup, ToIntFunction<DmCard> op, int writes, String newRecord,
            boolean install) throws Exception {
        tearEverywhere(extra, setup, op, 0x9000, writes, newRecord, install);
    }

    /** As above; the completed operation answers {@code doneSw}. */
    static void tearEverywhere(int extra, Consumer<DmCard> setup, ToIntFunction<DmCard> op, int doneSw, int writes,
            String newRecord, boolean install) throws Exception {
        for (int n = 0; ; n++) {
            DmCard d = DmCard.ready();
            for (int i = 0; i < extra; i++) {
                FuLogTest.confirmation(d);
            }
            setup.accept(d);
            Before before = new Before(d.verifiedLog(), d.firmware(), Hex.s(d.card.getData(0xDF54)));
            NvWriter nv = nv(d.card);
            nv.arm((short) n);
            int sw = op.applyAsInt(d);
            boolean torn = !nv.armed();
            nv.disarm();
            if (!torn) {
                assertEquals(String.format("%04X", doneSw), String.format("%04X", sw), "completes");
                assertEquals(writes, n, "persistent writes of the operation");
                check(d, before, newRecord, install, true);
                return;
            }
            assertEquals(0x6F00, sw, "the power loss, at write " + n);
            d.card.sim.reset();
            d.card.select();
            d.lostSession();
            check(d, before, newRecord, install, null);
            assertTrue(n < writes, "torn at write " + n + " of " + writes);
        }
    }

    /** The log is the old one or the old one plus the new record ({@code appended} null: either). */
    static void check(DmCard d, Before before, String newRecord, boolean install, Boolean appended) {
        List<byte[]> now = d.verifiedLog(); // the chain and the signed checkpoint verify
        long oldCount = before.records().isEmpty() ? 0 : TestLog.u32(before.records().get(before.records().size() - 1), 0);
        long count = d.status()[0];
        assertTrue(count == oldCount || count == oldCount + 1, "count " + count + " after " + oldCount);
        boolean isNew = count == oldCount + 1;
        if (appended != null) {
            assertEquals(appended, isNew);
        }
        // every old record still in the window is unchanged
        int dropped = now.isEmpty() || before.records().isEmpty() ? 0
                : (int) (TestLog.u32(now.get(0), 0) - TestLog.u32(before.records().get(0), 0));
        for (int i = dropped; i < before.records().size(); i++) {
            assertArrayEquals(before.records().get(i), now.get(i - dropped), "old record " + i);
        }
        if (isNew) {
            assertEquals(newRecord, DmCard.brief(now.get(now.size() - 1)));
        }
        boolean installed = install && isNew;
        assertEquals(installed ? 0x0105 : before.firmware(), d.firmware(), "version agrees with the log");
        String orig = Hex.s(d.card.getData(0xDF54));
        if (installed) {
            assertEquals("00" + Hex.s(TestManifest.point(DmCard.ORIGINATOR)) + "00000007", orig);
        } else {
            assertEquals(before.originators(), orig, "sequence number agrees with the log");
        }
    }

    static int confirm(DmCard d) {
        d.check(DmCard.UNLISTED);
        return d.confirm(DmCard.UNLISTED);
    }

    @Test
    void confirmationOnAShortLog() throws Exception {
        tearEverywhere(1, d -> { }, FuTearingTest::confirm, 4, "10/06/0/02", false);
    }

    @Test
    void confirmationOnAFullRing() throws Exception {
        // 33 records: the spare slot holds h_{count-32}, the base of the window, which the append overwrites
        tearEverywhere(33, d -> { }, FuTearingTest::confirm, 4, "10/06/0/02", false);
        tearEverywhere(31, d -> { }, FuTearingTest::confirm, 4, "10/06/0/02", false);
        tearEverywhere(32, d -> { }, FuTearingTest::confirm, 4, "10/06/0/02", false);
    }

    @Test
    void refusedManifest() throws Exception {
        tearEverywhere(2, d -> d.check(DmCard.SERVER), d -> d.verifySw(M.sign(DmCard.OTHER)), 0x6982, 4,
                "01/05/404/01", false);
    }

    @Test
    void verifiedManifest() throws Exception {
        tearEverywhere(34, d -> d.check(DmCard.SERVER), d -> d.verifySw(M.sign(DmCard.ORIGINATOR)), 4,
                "01/02/200/01", false);
    }

    @Test
    void installCommit() throws Exception {
        Consumer<DmCard> ready = d -> {
            d.check(DmCard.SERVER);
            assertEquals(0x9000, d.verifySw(M.sign(DmCard.ORIGINATOR)));
            assertEquals(0x9000, d.digest(TestManifest.sha256(M.pkg), M.pkg.length));
        };
        ToIntFunction<DmCard> installed = d -> d.report(3, DmCard.TIME + 60, 200);
        // record, hash, state block, selector, version: 5 writes
        tearEverywhere(0, ready, installed, 5, "01/03/200/01", true);
        tearEverywhere(40, ready, installed, 5, "01/03/200/01", true);
    }

    @Test
    void recoveryRaisesTheVersionAtSelect() throws Exception {
        // torn after the selector flip: before the reselect the version lags; SELECT completes it, once
        DmCard d = DmCard.ready();
        d.check(DmCard.SERVER);
        assertEquals(0x9000, d.verifySw(M.sign(DmCard.ORIGINATOR)));
        assertEquals(0x9000, d.digest(TestManifest.sha256(M.pkg), M.pkg.length));
        NvWriter nv = nv(d.card);
        nv.arm((short) 4);
        assertEquals(0x6F00, d.report(3, DmCard.TIME, 200));
        assertFalse(nv.armed());
        d.card.sim.reset();
        // no SELECT yet: the fields still show the old version (read through the object, no APDU selects)
        Field f = ScAgentApplet.class.getDeclaredField("bcast");
        f.setAccessible(true);
        assertEquals(0x0102, ((BcastIdentity) f.get(d.card.applet())).version((byte) 1));
        d.card.select();
        d.lostSession();
        assertEquals(0x0105, d.firmware());
        d.card.select();
        assertEquals(0x0105, d.firmware());
        assertEquals("01/03/200/01", DmCard.brief(d.lastRecord()));
        // later versions are not pulled back by the old record
        assertEquals(0x9000, d.issuer(0x5E, 1, 0, new byte[] {0x02, 0x00}));
        d.card.select();
        assertEquals(0x0200, d.firmware());
    }
}
