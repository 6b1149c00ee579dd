package org.scagent.jcsubset.samples.bad;

/** Breaks MULTI_ARRAY only: allocation in a constructor is fine, but not of a two-dimensional array. */
public class MultiArrayInConstructor {
    final Object grid;

    MultiArrayInConstructor() {
        grid = new byte[2][3];
    }
}
