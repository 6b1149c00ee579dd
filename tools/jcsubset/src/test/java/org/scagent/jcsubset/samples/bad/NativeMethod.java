package org.scagent.jcsubset.samples.bad;

/** Breaks NATIVE only. */
public class NativeMethod {
    native void work();
}
