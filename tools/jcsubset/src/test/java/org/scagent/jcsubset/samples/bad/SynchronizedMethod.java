package org.scagent.jcsubset.samples.bad;

/** Breaks SYNCHRONIZED only. */
public class SynchronizedMethod {
    synchronized void work() {
    }
}
