package org.scagent.emu;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.scagent.emu.standin.StandInApplet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The card model without sockets: channels, T=0 transport, reset semantics, install data. */
class EmulatedCardTest {
    static final String AID = "F053434147454E5401";
    static final String SELECT = "00A4040009" + AID;
    static final String FCI = "6F0B8409" + AID;

    static Options options(String... extra) throws Options.UsageException {
        List<String> args = new ArrayList<>(List.of("--applet-class", StandInApplet.class.getName(), "-q"));
        args.addAll(Arrays.asList(extra));
        return Options.parse(args.toArray(new String[0]));
    }

    static EmulatedCard card(String... extra) throws Exception {
        return new EmulatedCard(options(extra), new Log(Log.QUIET));
    }

    static String tx(EmulatedCard c, String hex) {
        return Hex.of(c.transmit(Hex.parse(hex))).replace(" ", "");
    }

    @Nested
    class Install {
        @Test
        void defaultInstallDataIsGlobalPlatformLayoutWithNoParameters() throws Exception {
            assertArrayEquals(Hex.parse("09" + AID + "0100" + "00"), options().installData());
        }

        @Test
        void parametersReachTheApplet() throws Exception {
            EmulatedCard c = card("--params", "C1 01 05 C5 01 02");
            assertEquals(FCI + "9000", tx(c, SELECT));
            assertEquals("C10105C501029000", tx(c, "8012000000"));
            EmulatedCard d = card();
            assertEquals(FCI + "9000", tx(d, SELECT));
            assertEquals("9000", tx(d, "8012000000"));
        }

        @Test
        void theRealAppletInstallsWithTheDefaults() throws Exception {
            EmulatedCard c = new EmulatedCard(Options.parse("-q"), new Log(Log.QUIET));
            String fci = tx(c, SELECT);
            assertTrue(fci.startsWith("6F") && fci.endsWith("9000"), fci);
            EmulatedCard t0 = new EmulatedCard(Options.parse("-q", "--t0"), new Log(Log.QUIET));
            assertEquals("61" + String.format("%02X", fci.length() / 2 - 2), tx(t0, SELECT));
        }

        @Test
        void missingAppletClassIsAClearError() {
            EmulatedCard.InstallException e = assertThrows(EmulatedCard.InstallException.class,
                    () -> new EmulatedCard(Options.parse("--applet-class", "no.such.Applet"), new Log(Log.QUIET)));
            assertTrue(e.getMessage().contains("not on the classpath"), e.getMessage());
        }

        @Test
        void badOptionsAreRejected() {
            assertThrows(Options.UsageException.class, () -> Options.parse("--reinsert-after", "10"));
            assertThrows(Options.UsageException.class, () -> Options.parse("--params", "C1F"));
            assertThrows(Options.UsageException.class, () -> Options.parse("--aid", "F0"));
            assertThrows(Options.UsageException.class, () -> Options.parse("--bogus"));
        }
    }

    @Nested
    class T1 {
        @Test
        void atrOffersT1Only() throws Exception {
            byte[] atr = card().atr();
            assertEquals(0x88, atr[1] & 0xFF);           // TD1 present, 8 historical bytes
            assertEquals(0x01, atr[2] & 0xFF);           // TD1: T=1, nothing further
            byte x = 0;
            for (int i = 1; i < atr.length; i++) {
                x ^= atr[i];
            }
            assertEquals(0, x, "TCK");
        }

        @Test
        void responsesPassThrough() throws Exception {
            EmulatedCard c = card();
            assertEquals(FCI + "9000", tx(c, SELECT));
            assertEquals("0001019000", tx(c, "8010000000"));
            assertEquals("0102039000", tx(c, "80EE000003010203"));           // case 3: data comes back anyway
            assertEquals("CAFE6283", tx(c, "8016000000"));
            assertEquals(256 * 2 + 4, tx(c, "8014010000").length());
        }

        @Test
        void partialAidSelects() throws Exception {
            EmulatedCard c = card();
            assertEquals(FCI + "9000", tx(c, "00A4040008F053434147454E54"));
            assertEquals("0001019000", tx(c, "8010000000"));
        }

        @Test
        void resetKeepsPersistentStateAndClearsTransientStateAndSelection() throws Exception {
            EmulatedCard c = card();
            tx(c, SELECT);
            assertEquals("0001019000", tx(c, "8010000000"));
            assertEquals("0002029000", tx(c, "8010000000"));
            c.reset();
            assertEquals("6D00", tx(c, "8010000000"));               // nothing selected after reset
            tx(c, SELECT);
            assertEquals("0003019000", tx(c, "8010000000"));
        }

        @Test
        void unknownAidAndOtherSelects() throws Exception {
            EmulatedCard c = card();
            assertEquals("6A82", tx(c, "00A4040005A000000001"));
            assertEquals("6A82", tx(c, "00A4000C023F00"));
            assertEquals("6A82", tx(c, "00A4040000"));                // no AID: would select the ISD
            tx(c, SELECT);
            // Java Card: a SELECT matching no applet goes to the applet selected on the channel
            assertEquals("6D00", tx(c, "00A4040005A000000001"));
            assertEquals("0001019000", tx(c, "8010000000"));          // still selected
        }

        @Test
        void malformedAndInvalidClass() throws Exception {
            EmulatedCard c = card();
            tx(c, SELECT);
            assertEquals("6700", tx(c, "80EE"));
            assertEquals("6700", tx(c, "80EE00000501"));
            assertEquals("6E00", tx(c, "FF10000000"));
            assertEquals("6881", tx(c, "4010000000"));                // further interindustry class: channel 4+
            assertEquals("0001019000", tx(c, "8010000000"));
        }

        @Test
        void getResponseIsAnOrdinaryCommandInT1() throws Exception {
            EmulatedCard c = card();
            tx(c, SELECT);
            assertEquals("6D00", tx(c, "00C0000000"));                // reached the applet, which does not know it
        }

        @Test
        void extendedLengthPassesInT1() throws Exception {
            EmulatedCard c = card();
            tx(c, SELECT);
            // the stand-in is not ExtendedLength: jCardSim answers 6700, which shows the APDU reached it
            assertEquals("6700", tx(c, "80EE000000000301020300"));
        }
    }

    @Nested
    class Channels {
        @Test
        void openUseAndClose() throws Exception {
            EmulatedCard c = card();
            assertEquals("019000", tx(c, "0070000001"));
            assertEquals("6D00", tx(c, "8110000000"));                // channel 1 open, applet not selected there
            assertEquals(FCI + "9000", tx(c, "01A4040009" + AID));
            assertEquals("0001019000", tx(c, "8110000000"));          // proprietary class with channel bits
            assertEquals("6D00", tx(c, "8010000000"));                // basic channel: default application
            assertEquals("6D00", tx(c, "8410000000"));
            assertEquals("0002029000", tx(c, "8510000000"));          // 84|1: secure-messaging class, channel 1
            int before = StandInApplet.deselects;
            assertEquals("9000", tx(c, "0070800100"));                // close from the basic channel
            assertEquals(before + 1, StandInApplet.deselects);      // closing deselected the applet
            assertEquals("6881", tx(c, "8110000000"));
            assertEquals("6881", tx(c, "01A4040009" + AID));
        }

        @Test
        void channelBitsReachTheAppletOnlyWhenAskedFor() throws Exception {
            EmulatedCard c = card("--keep-channel-bits");
            tx(c, "0070000001");
            assertEquals(FCI + "9000", tx(c, "01A4040009" + AID));
            assertEquals("6F01", tx(c, "8110000000"));                // the stand-in refuses unmasked channel bits
        }

        @Test
        void unknownChannelAndTooMany() throws Exception {
            EmulatedCard c = card();
            assertEquals("6881", tx(c, "8210000000"));
            assertEquals("6881", tx(c, "0370000001"));                // MANAGE CHANNEL from a closed channel
            assertEquals("019000", tx(c, "0070000001"));
            assertEquals("029000", tx(c, "0070000001"));
            assertEquals("039000", tx(c, "0070000001"));
            assertEquals("6A81", tx(c, "0070000001"));
            assertEquals("9000", tx(c, "0070800200"));
            assertEquals("029000", tx(c, "0070000001"));              // lowest free channel again
            assertEquals("6881", tx(c, "0070800400"));
            assertEquals("6A81", tx(c, "0070800000"));                // the basic channel cannot be closed
            assertEquals("9000", tx(c, "0370800000"));                // P2 = 00: close the channel of the CLA
            assertEquals("6881", tx(c, "0070800300"));                // already closed
        }

        @Test
        void openSpecificChannel() throws Exception {
            EmulatedCard c = card();
            assertEquals("9000", tx(c, "00700002"));
            assertEquals("6A81", tx(c, "00700002"));
            assertEquals("6881", tx(c, "00700005"));
            assertEquals("019000", tx(c, "0070000001"));
        }

        @Test
        void appletSelectableOnOneChannelAtATime() throws Exception {
            EmulatedCard c = card();
            tx(c, "0070000001");
            tx(c, "0070000001");
            assertEquals(FCI + "9000", tx(c, "01A4040009" + AID));
            assertEquals("6985", tx(c, "02A4040009" + AID));
            assertEquals("6985", tx(c, SELECT));
            assertEquals(FCI + "9000", tx(c, "01A4040009" + AID));   // re-selecting on its own channel is fine
            tx(c, "0070800100");
            assertEquals(FCI + "9000", tx(c, "02A4040009" + AID));
        }

        @Test
        void resetClosesChannels() throws Exception {
            EmulatedCard c = card();
            tx(c, "0070000001");
            tx(c, "01A4040009" + AID);
            c.reset();
            assertEquals("6881", tx(c, "8110000000"));
            assertEquals("019000", tx(c, "0070000001"));
            assertEquals("6D00", tx(c, "8110000000"));
        }
    }

    @Nested
    class T0 {
        @Test
        void atrIsT0() throws Exception {
            assertArrayEquals(EmulatedCard.ATR_T0, card("--t0").atr());
            assertArrayEquals(Hex.parse("3B02AABB"), card("--t0", "--atr", "3B02AABB").atr());
        }

        @Test
        void case4AnswersWith61xxAndGetResponse() throws Exception {
            EmulatedCard c = card("--t0");
            assertEquals("610D", tx(c, SELECT));
            assertEquals(FCI + "9000", tx(c, "00C000000D"));
            // nothing pending any more: the GET RESPONSE goes to the applet (the stand-in does not know it)
            assertEquals("6D00", tx(c, "00C000000D"));
            assertEquals("6103", tx(c, "80EE00000301020300"));
            assertEquals("0102039000", tx(c, "00C0000003"));
        }

        @Test
        void getResponseInParts() throws Exception {
            EmulatedCard c = card("--t0");
            assertEquals("610D", tx(c, SELECT));
            assertEquals("6F0B8409F0" + "6108", tx(c, "00C0000005"));  // 5 bytes, 8 left
            assertEquals("6C08", tx(c, "00C0000010"));                // too long: exact length
            assertEquals("6C08", tx(c, "00C0000000"));                // 00 = 256
            assertEquals(AID.substring(2) + "9000", tx(c, "00C0000008"));
        }

        @Test
        void case2WrongLeGets6CxxAndRunsAgain() throws Exception {
            EmulatedCard c = card("--t0");
            tx(c, SELECT);
            tx(c, "00C000000D");
            assertEquals("6C03", tx(c, "8010000000"));
            assertEquals("0002029000", tx(c, "8010000003"));          // the first attempt ran too
            assertEquals("6C03", tx(c, "8010000010"));
            assertEquals("9000", tx(c, "8012000000"));                // no data: SW only
        }

        @Test
        void fullLengthResponses() throws Exception {
            EmulatedCard c = card("--t0");
            tx(c, SELECT);
            tx(c, "00C000000D");
            String all = tx(c, "8014010000");                         // case 2, Le 00 = 256: exact
            assertEquals(256 * 2 + 4, all.length());
            assertTrue(all.endsWith("FF9000"));
            assertEquals("6100", tx(c, "8014010001FF"));              // case 3 with 256 bytes of response
            String got = tx(c, "00C0000000");
            assertEquals(all, got);
        }

        @Test
        void warningSwComesWithTheLastPart() throws Exception {
            EmulatedCard c = card("--t0");
            tx(c, SELECT);
            tx(c, "00C000000D");
            assertEquals("6102", tx(c, "80160000"));                  // case 1 returning data
            assertEquals("CAFE6283", tx(c, "00C0000002"));
        }

        @Test
        void anyOtherCommandDropsThePendingResponse() throws Exception {
            EmulatedCard c = card("--t0");
            tx(c, SELECT);
            tx(c, "00C000000D");
            assertEquals("6103", tx(c, "80EE00000301020300"));
            assertEquals("6C03", tx(c, "8010000000"));
            assertEquals("6D00", tx(c, "00C0000003"));                // dropped: on to the applet
        }

        @Test
        void getResponseBelongsToTheChannel() throws Exception {
            EmulatedCard c = card("--t0");
            assertEquals("6C01", tx(c, "0070000000"));                // MANAGE CHANNEL open is case 2 too
            assertEquals("019000", tx(c, "0070000001"));              // the wrong Le opened nothing
            assertEquals("610D", tx(c, "01A4040009" + AID));
            assertEquals("6985", tx(c, "00C000000D"));                // no applet on channel 0: the runtime
            assertEquals(FCI + "9000", tx(c, "01C000000D"));
        }

        @Test
        void badGetResponseAndExtendedLength() throws Exception {
            EmulatedCard c = card("--t0");
            assertEquals("610D", tx(c, SELECT));
            assertEquals("6A86", tx(c, "00C0010000"));
            assertEquals("6700", tx(c, "00C00000"));
            assertEquals(FCI + "9000", tx(c, "00C000000D"));          // still pending after the bad ones
            assertEquals("6700", tx(c, "80EE000000000301020300"));    // no extended length over T=0
        }
    }
}
