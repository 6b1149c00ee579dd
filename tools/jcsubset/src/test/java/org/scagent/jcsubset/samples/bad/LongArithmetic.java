package org.scagent.jcsubset.samples.bad;

/** Breaks LONG only: long arithmetic in a method body (i2l, ldc2_w, ladd, l2i). */
public class LongArithmetic {
    short widen(short a) {
        long x = a;
        x += 70000L;
        return (short) x;
    }
}
