package org.scagent.jcsubset.samples.bad;

/** Breaks DOUBLE only. */
public class DoubleArithmetic {
    short scale(short a) {
        double d = a * 1.5;
        return (short) d;
    }
}
