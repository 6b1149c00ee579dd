package org.scagent.jcsubset.samples.bad;

/** Breaks ALLOCATION only: new of an object outside a constructor. */
public class AllocationNewObject {
    Object make() {
        return new AllocationNewObject();
    }
}
