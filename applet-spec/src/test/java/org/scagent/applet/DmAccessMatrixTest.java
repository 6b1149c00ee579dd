package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The access-control matrix of dm-firmware.md §1 as a table: every DM firmware-update command × every role gives the
 * status word in the table, and every refusal leaves the persistent state as it was: the whole applet's persistent
 * memory (PersistentState, by reflection) and the GET DATA objects DF50..DF55 and DF40. The one refusal the design
 * records (a manifest from a server that is neither authorized nor confirmed: 6982 with a REFUSED record, §4.2 step
 * 2) must add exactly that record and change nothing else.
 *
 * Roles: NOBODY (selected, nothing else), and, each with a firmware-update session for an unlisted server (the
 * doc's "nobody/terminal"): TERMINAL, PIN (verified), ISSUER (channel open), DM_SERVER (authenticated, READ_LOG).
 * Every cell runs on a fresh card.
 */
class DmAccessMatrixTest {
    enum Role { NOBODY, TERMINAL, PIN, ISSUER, DM_SERVER }

    /** A command under test: sends it in the given role, returns the status word. */
    interface Op {
        int run(DmCard d, Role role);
    }

    /** {@code sw} per role; {@code recorded}: the refusals that add one REFUSED record by design. */
    record Row(String name, int policy, Op op, int[] sw, boolean[] recorded) {
    }

    static final int OK = 0x9000;
    static final int DENIED = 0x6982;
    static final int COND = 0x6985;
    static final boolean[] NONE_RECORDED = new boolean[5];
    static final String FW_ONLY = "fw-only.example";

    static int[] all(int sw) {
        return new int[] {sw, sw, sw, sw, sw};
    }

    static int[] sw(int nobody, int terminal, int pin, int issuer, int dm) {
        return new int[] {nobody, terminal, pin, issuer, dm};
    }

    static Row row(String name, Op op, int[] sw) {
        return new Row(name, 0, op, sw, NONE_RECORDED);
    }

    /**
     * An issuer command: wrapped in the open channel for the ISSUER role; for every other role the same command with
     * CLA 84 and a made-up C-MAC (no channel is open, so it must be 6982 before anything is looked at).
     */
    static Op issuer(int ins, int p1, int p2, byte[] data) {
        return (d, role) -> role == Role.ISSUER ? d.issuer(ins, p1, p2, data)
                : d.card.send(Hex.cat(new byte[] {(byte) 0x84, (byte) ins, (byte) p1, (byte) p2,
                        (byte) (data.length + 8)}, data, new byte[8])).sw();
    }

    static Op getData(int tag) {
        return (d, role) -> d.card.sendAll(new byte[] {(byte) 0x80, (byte) 0xCA, (byte) (tag >> 8), (byte) tag, 0},
                null).sw();
    }

    static Op apdu(String hex) {
        return (d, role) -> d.card.sendAll(Hex.b(hex), null).sw();
    }

    static List<Row> rows() {
        List<Row> t = new ArrayList<>();
        for (int tag : new int[] {0xDF50, 0xDF51, 0xDF52, 0xDF53, 0xDF54, 0xDF55}) {
            t.add(row(String.format("GET DATA %04X", tag), getData(tag), all(OK)));
        }
        int[] issuerOnly = sw(DENIED, DENIED, DENIED, OK, DENIED);
        t.add(row("DM_SERVER_PUT", issuer(0xD2, 2, 0,
                DmCard.serverEntry(1, 0, 0xFFFFFFFFL, DmCard.OTHER, "new.example")), issuerOnly));
        t.add(row("DM_SERVER_DELETE", issuer(0xD4, 1, 0, new byte[0]), issuerOnly));
        t.add(row("DM_POLICY_SET", issuer(0xD6, 1, 1, new byte[0]), issuerOnly));
        t.add(row("FU_ORIGINATOR_PUT", issuer(0xD8, 1, 0, TestManifest.point(DmCard.OTHER)), issuerOnly));
        t.add(row("FU_ORIGINATOR_DELETE", issuer(0xDC, 2, 0, new byte[0]), issuerOnly));
        t.add(row("FU_TOKEN_KEY_PUT", issuer(0xDE, 0, 0, DmCard.TOKEN_KEY), issuerOnly));
        t.add(row("DM_CHECK_SERVER", (d, r) -> d.check(DmCard.TIME, DmCard.SERVER).sw(), all(OK)));
        Op confirm = (d, r) -> d.confirm(DmCard.UNLISTED);
        t.add(new Row("DM_CONFIRM WARN_CONFIRM", 2, confirm, sw(COND, OK, OK, OK, OK), NONE_RECORDED));
        t.add(new Row("DM_CONFIRM CONFIRM_PIN", 3, confirm, sw(COND, DENIED, OK, DENIED, DENIED), NONE_RECORDED));
        t.add(new Row("DM_CONFIRM DENY", 1, confirm, all(COND), NONE_RECORDED));
        byte[] manifest = TestManifest.firmware(FuFlowTest.PKG, DmCard.UNLISTED, 0x0105, 1).sign(DmCard.ORIGINATOR);
        t.add(new Row("FU_VERIFY_MANIFEST (server not confirmed)", 0, (d, r) -> d.verifySw(manifest),
                sw(COND, DENIED, DENIED, DENIED, DENIED), new boolean[] {false, true, true, true, true}));
        t.add(row("FU_PACKAGE_DIGEST", (d, r) -> d.digest(TestManifest.sha256(FuFlowTest.PKG), FuFlowTest.PKG.length),
                all(COND)));
        t.add(row("FU_HASH start", apdu("8038010004AABBCCDD"), all(COND)));
        t.add(row("FU_HASH more", apdu("8038020004AABBCCDD"), all(COND)));
        t.add(row("FU_HASH last", apdu("8038030004AABBCCDD"), all(COND)));
        t.add(row("FU_REPORT started", (d, r) -> d.report(1, DmCard.TIME, 0), all(COND)));
        t.add(row("FU_REPORT installed", (d, r) -> d.report(3, DmCard.TIME, 200), all(COND)));
        t.add(row("FU_REPORT failed", (d, r) -> d.report(4, DmCard.TIME, 410), all(COND)));
        t.add(row("LOG_AUTH_BEGIN + LOG_AUTH (READ_LOG)", (d, r) -> d.auth(0, DmCard.SERVER_KEY), all(OK)));
        t.add(row("LOG_AUTH (no READ_LOG)", (d, r) -> d.auth(1, DmCard.OTHER), all(DENIED)));
        t.add(row("LOG_AUTH (wrong key)", (d, r) -> d.auth(0, DmCard.OTHER), all(0x6300)));
        int[] dmOnly = sw(DENIED, DENIED, DENIED, DENIED, OK);
        t.add(row("LOG_READ", apdu("8040000100"), dmOnly));
        t.add(row("LOG_CHECKPOINT", apdu("804400001000112233445566778899AABBCCDDEEFF00"), dmOnly));
        return t;
    }

    /** The card of every cell: DmCard.ready(), a PIN, a FW-only server in slot 1, OTHER in originator slot 2. */
    static DmCard card(int policy) {
        DmCard d = DmCard.ready();
        assertEquals(OK, d.putServer(1, DmCard.PERM_FW, 0, 0xFFFFFFFFL, DmCard.OTHER, FW_ONLY));
        assertEquals(OK, d.putOriginator(2, DmCard.OTHER));
        // one record in the log (a confirmation under the default policy), so the log is not trivially empty
        d.check(DmCard.UNLISTED);
        assertEquals(OK, d.confirm(DmCard.UNLISTED));
        // the session is persistent: end it (a manifest verified, then the update reported failed) so that NOBODY
        // starts without one
        assertEquals(OK, d.verifySw(TestManifest.firmware(FuFlowTest.PKG, DmCard.UNLISTED, 0x0105, 1)
                .sign(DmCard.ORIGINATOR)));
        assertEquals(OK, d.report(4, DmCard.TIME, 401));
        if (policy != 0) {
            assertEquals(OK, d.setPolicy(policy, 0));
        }
        d.card.setPin("1234");
        d.card.select();
        d.lostSession();
        return d;
    }

    static void enter(DmCard d, Role role) {
        if (role == Role.NOBODY) {
            return;
        }
        d.check(DmCard.UNLISTED);
        switch (role) {
            case PIN -> d.card.ok(Hex.s(Card.verifyApdu("1234")));
            case ISSUER -> d.host = d.card.openIssuer();
            case DM_SERVER -> assertEquals(OK, d.auth(0, DmCard.SERVER_KEY));
            default -> {
            }
        }
    }

    /** GET DATA of the persistent DM objects and the fields. */
    static String objects(DmCard d) {
        StringBuilder b = new StringBuilder();
        for (int tag : new int[] {0xDF40, 0xDF50, 0xDF51, 0xDF52, 0xDF53, 0xDF54, 0xDF55}) {
            Card.Resp r = d.card.sendAll(new byte[] {(byte) 0x80, (byte) 0xCA, (byte) (tag >> 8), (byte) tag, 0}, null);
            b.append(String.format("%04X %s %04X%n", tag, r.hex(), r.sw()));
        }
        return b.toString();
    }

    /** The snapshot itself: it sees every kind of DM write (else "unchanged" would prove nothing). */
    @Test
    void snapshotSeesEveryWrite() {
        DmCard d = card(0);
        String s0 = PersistentState.of(d.card);
        assertTrue(s0.contains(".slots=") && s0.contains(".records=") && s0.contains(".blocks=")
                && s0.contains(".originators.keys=") && s0.contains(".policy.value="), s0);
        assertEquals(OK, d.setPolicy(3, 1));
        String s1 = PersistentState.of(d.card);
        assertNotEquals(s0, s1, "policy");
        assertEquals(OK, d.putTokenKey(DmCard.TOKEN_KEY));
        String s2 = PersistentState.of(d.card);
        assertNotEquals(s1, s2, "token key");
        assertEquals(OK, d.issuer(0xDC, 2, 0, new byte[0]));
        String s3 = PersistentState.of(d.card);
        assertNotEquals(s2, s3, "originator");
        assertEquals(OK, d.issuer(0xD4, 1, 0, new byte[0]));
        String s4 = PersistentState.of(d.card);
        assertNotEquals(s3, s4, "server");
        String s4NoLog = PersistentState.of(d.card, FuLog.class, FuSession.class);
        d.check(DmCard.UNLISTED);
        d.card.ok(Hex.s(Card.verifyApdu("1234")));
        assertEquals(OK, d.confirm(DmCard.UNLISTED));
        assertNotEquals(s4, PersistentState.of(d.card), "log");
        // the (persistent) session records the confirmation too; nothing else changes
        assertEquals(s4NoLog, PersistentState.of(d.card, FuLog.class, FuSession.class),
                "a record changes the log and the session only");
    }

    @TestFactory
    Stream<DynamicTest> matrix() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Row row : rows()) {
            for (Role role : Role.values()) {
                tests.add(DynamicTest.dynamicTest(row.name() + " as " + role, () -> cell(row, role)));
            }
        }
        return tests.stream();
    }

    static void cell(Row row, Role role) {
        DmCard d = card(row.policy());
        enter(d, role);
        String before = PersistentState.of(d.card);
        String beforeNoLog = PersistentState.of(d.card, FuLog.class);
        String objectsBefore = objects(d);
        long count = d.status()[0];
        int want = row.sw()[role.ordinal()];
        assertEquals(String.format("%04X", want), String.format("%04X", row.op().run(d, role)),
                row.name() + " as " + role);
        if (want == OK) {
            return;
        }
        if (row.recorded()[role.ordinal()]) {
            assertEquals(beforeNoLog, PersistentState.of(d.card, FuLog.class), "only the log changes");
            assertEquals(count + 1, d.status()[0], "one REFUSED record");
            assertEquals(Contract.LOG_STATUS_REFUSED, d.lastRecord()[9]);
            return;
        }
        assertEquals(before, PersistentState.of(d.card), "persistent state after a refusal");
        assertEquals(objectsBefore, objects(d), "GET DATA after a refusal");
    }
}
