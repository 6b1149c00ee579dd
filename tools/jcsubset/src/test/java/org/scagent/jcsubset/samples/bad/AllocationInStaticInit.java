package org.scagent.jcsubset.samples.bad;

/** Breaks ALLOCATION only: an array initialised in <clinit>. */
public class AllocationInStaticInit {
    static byte[] table = {1, 2, 3};
}
