package org.scagent.jcsubset.samples.bad;

/** Breaks FLOAT only. */
public class FloatArithmetic {
    short scale(short a) {
        float x = a;
        x = x * 2.5f;
        return (short) x;
    }
}
