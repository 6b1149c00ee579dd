package org.scagent.jcsubset.samples.bad;

/** Breaks INT only, and only with --strict-int: int is optional in Java Card. */
public class IntCounter {
    int counter;
    int[] history = new int[4];

    int next() {
        counter = counter + 100000;
        history[0] = counter;
        return counter;
    }
}
