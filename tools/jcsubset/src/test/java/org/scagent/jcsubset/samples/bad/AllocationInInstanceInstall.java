package org.scagent.jcsubset.samples.bad;

/** Breaks ALLOCATION only: install([BSB)V must be static to be the applet's install method. */
public class AllocationInInstanceInstall {
    byte[] copy;

    public void install(byte[] bArray, short bOffset, byte bLength) {
        copy = new byte[bLength];
    }
}
