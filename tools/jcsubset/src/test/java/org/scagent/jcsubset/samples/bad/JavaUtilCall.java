package org.scagent.jcsubset.samples.bad;

/** Breaks JAVA_API only: a call into java.util. */
public class JavaUtilCall {
    void clear(byte[] b) {
        java.util.Arrays.fill(b, (byte) 0);
    }
}
