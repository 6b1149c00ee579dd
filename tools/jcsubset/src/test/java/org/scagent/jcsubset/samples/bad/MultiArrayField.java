package org.scagent.jcsubset.samples.bad;

/** Breaks MULTI_ARRAY only. */
public class MultiArrayField {
    byte[][] rows;
}
