package org.scagent.jcsubset.samples.bad;

/** Breaks JAVA_API only: threads. */
public class ThreadYield {
    void pause() {
        Thread.yield();
    }
}
