package org.scagent.jcsubset.samples.bad;

/** Breaks SYNCHRONIZED only: monitorenter/monitorexit. */
public class SynchronizedBlock {
    short value;

    void work() {
        synchronized (this) {
            value = 1;
        }
    }
}
