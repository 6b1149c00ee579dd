package org.scagent.jcsubset.samples.bad;

/** Breaks JAVA_API only: Java Card's java.lang.Object has no hashCode(). */
public class ObjectHashCode {
    short hash(Object o) {
        return (short) o.hashCode();
    }
}
