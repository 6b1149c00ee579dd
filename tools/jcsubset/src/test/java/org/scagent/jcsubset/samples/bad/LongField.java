package org.scagent.jcsubset.samples.bad;

/** Breaks LONG only: a long field. */
public class LongField {
    long counter;
}
