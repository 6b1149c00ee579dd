package org.scagent.jcsubset.samples.bad;

/** Breaks JAVA_API only: extends a java.* class that is not in Java Card. */
public class ForeignSuperclass extends java.util.Observable {
}
