package org.scagent.jcsubset.samples.bad;

/** Breaks INVOKEDYNAMIC only (the functional interface is our own). */
public class Lambda {
    interface Op {
        short apply(short x);
    }

    Op identity() {
        return x -> x;
    }
}
