package org.scagent.emu;

import com.licel.jcardsim.base.SimulatorRuntime;
import javacard.framework.AID;

/**
 * jCardSim's runtime with one addition: deselecting the current applet without selecting another one
 * (jCardSim only deselects as part of a SELECT). Used when a logical channel is closed and after a failed SELECT.
 */
final class BridgeRuntime extends SimulatorRuntime {

    /** Calls the applet's deselect(), clears CLEAR_ON_DESELECT memory and leaves no applet selected. */
    void deselectCurrent() {
        AID current = getAID();
        if (current != null) {
            deselect(lookupApplet(current));
            currentAID = null;
        }
    }

    boolean hasSelectedApplet() {
        return getAID() != null;
    }
}
