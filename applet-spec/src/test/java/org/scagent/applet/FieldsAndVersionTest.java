package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** PUT DATA BCAST_FIELDS (IMEI checks, only before PERSONALIZED), GET DATA DF40, RAISE VERSION. */
class FieldsAndVersionTest {
    /** The 19 field bytes with another IMEI first octet-string. */
    static String withImei(String imei) {
        return imei + BcastCard.FIELDS.substring(16);
    }

    @Test
    void fieldsAreWrittenAndRead() {
        BcastCard b = BcastCard.fresh();
        b.card.expect(0x6A88, "80CADF4000");
        assertEquals(0x9000, b.putFields(BcastCard.FIELDS));
        assertEquals(BcastCard.FIELDS, Hex.s(b.card.getData(0xDF40)));
        assertEquals("0001000000", Hex.s(b.card.getData(0xDF43)));
        // rewritten while still SELECTABLE
        String other = withImei("3A21436587092143");
        assertEquals(0x9000, b.putFields(other));
        assertEquals(other, Hex.s(b.card.getData(0xDF40)));
    }

    @Test
    void imeiOctetsAreChecked() {
        BcastCard b = BcastCard.fresh();
        assertEquals(0x6A80, b.putFields(withImei("4209512430325781")));  // even indicator
        assertEquals(0x6A80, b.putFields(withImei("4909512430325781")));  // type 001 (IMSI)
        assertEquals(0x6A80, b.putFields(withImei("4B09512430325781")));  // type 011
        assertEquals(0x6A80, b.putFields(withImei("AA09512430325781")));  // digit 1 = A
        assertEquals(0x6A80, b.putFields(withImei("4A095124303257F1")));  // a digit F
        assertEquals(0x6A80, b.putFields(withImei("4A0951243032578A")));  // digit 14 = A
        b.card.expect(0x6A88, "80CADF4000");                             // nothing was written
        assertEquals(0x9000, b.putFields(withImei("9A99999999999999")));  // all nines
        assertEquals(0x9000, b.putFields(withImei("0A00000000000000")));
    }

    @Test
    void lengthsClassesAndAccess() {
        BcastCard b = BcastCard.fresh();
        Card c = b.card;
        assertEquals(0x6700, b.putFields(BcastCard.FIELDS.substring(2)));
        assertEquals(0x6700, b.putFields(BcastCard.FIELDS + "00"));
        c.expect(0x6A86, b.host.wrap(0x84, 0xDA, 0xDF, 0x45, Hex.b(BcastCard.FIELDS)));   // not a PUT DATA tag
        c.expect(0x6A86, b.host.wrap(0x84, 0xDA, 0xDF, 0x41, Hex.b(BcastCard.FIELDS)));   // read-only object
        c.expect(0x6884, b.host.wrap(0x94, 0xDA, 0xDF, 0x40, Hex.b(BcastCard.FIELDS)));   // no chaining for DF40
        b.reopen();                                                                       // (6884 left the MCV behind)
        c.expect(0x6E00, "80DADF4013" + BcastCard.FIELDS);
        c.select();
        c.expect(0x6982, "84DADF4023" + "00".repeat(35));
        c.expect(0x6A88, "80CADF4000");
    }

    @Test
    void onlyBeforePersonalization() {
        BcastCard b = BcastCard.fresh();
        assertEquals(0x9000, b.putFields(BcastCard.FIELDS));
        b.card.ok(Hex.s(IssuerChannelTest.setStatus(b.host, 0x0F)));
        assertEquals(0x6985, b.putFields(withImei("3A21436587092143")));
        assertEquals(BcastCard.FIELDS, Hex.s(b.card.getData(0xDF40)));
        // syntax before state: a bad IMEI is still 6A80
        assertEquals(0x6A80, b.putFields(withImei("4209512430325781")));
        // the versions still go up after personalization
        assertEquals(0x9000, b.raise(0x01, 0x0200));
        assertEquals("0200", Hex.s(b.card.getData(0xDF40)).substring(16, 20));
        // and fields never written stay unwritable once personalized
        BcastCard p = BcastCard.fresh();
        p.card.ok(Hex.s(IssuerChannelTest.setStatus(p.host, 0x0F)));
        assertEquals(0x6985, p.putFields(BcastCard.FIELDS));
    }

    @Test
    void versionsOnlyGoUp() {
        BcastCard b = BcastCard.fresh();
        assertEquals(0x6985, b.raise(0x01, 0x0200));                   // no fields yet
        assertEquals(0x9000, b.putFields(BcastCard.FIELDS));           // firmware 0102, software 0203
        assertEquals(0x6A80, b.raise(0x01, 0x0102));                   // equal
        assertEquals(0x6A80, b.raise(0x01, 0x0101));                   // down
        assertEquals(0x6A80, b.raise(0x02, 0x0000));
        assertEquals(0x9000, b.raise(0x01, 0x0103));
        assertEquals(0x9000, b.raise(0x02, 0x7FFF));
        assertEquals(0x9000, b.raise(0x02, 0x8000));                   // unsigned: 8000 > 7FFF
        assertEquals(0x9000, b.raise(0x02, 0xFFFF));
        assertEquals(0x6A80, b.raise(0x02, 0x0001));                   // unsigned: 0001 < FFFF
        assertEquals("4A09512430325781" + "0103" + "0A0B0C0D0E0F10" + "FFFF", Hex.s(b.card.getData(0xDF40)));
    }

    @Test
    void raiseVersionParameters() {
        BcastCard b = BcastCard.fresh();
        Card c = b.card;
        assertEquals(0x9000, b.putFields(BcastCard.FIELDS));
        assertEquals(0x6A86, b.raise(0x03, 0x0300));
        assertEquals(0x6A86, b.raise(0x00, 0x0300));
        c.expect(0x6A86, b.host.wrap(0x84, 0x5E, 0x01, 0x01, Hex.b("0300")));
        c.expect(0x6700, b.host.wrap(0x84, 0x5E, 0x01, 0x00, Hex.b("03")));
        c.expect(0x6700, b.host.wrap(0x84, 0x5E, 0x01, 0x00, Hex.b("030000")));
        c.expect(0x6700, b.host.wrap(0x84, 0x5E, 0x01, 0x00, new byte[0]));
        c.expect(0x6E00, "805E0100020300");
        c.expect(0x6884, b.host.wrap(0x94, 0x5E, 0x01, 0x00, Hex.b("0300")));
        c.select();
        c.expect(0x6982, "845E010018" + "00".repeat(24));
        assertEquals(BcastCard.FIELDS, Hex.s(c.getData(0xDF40)));
    }
}
