package org.scagent.jcsubset.samples.bad;

/** Breaks ALLOCATION only: newarray in an ordinary method. */
public class AllocationInProcess {
    void process() {
        byte[] b = new byte[4];
        b[0] = 1;
    }
}
