package org.scagent.jcsubset.samples.bad;

/** Breaks JAVA_API only: catches an exception class Java Card does not have. */
public class CatchForeignException {
    static void work() {
    }

    void run() {
        try {
            work();
        } catch (IllegalStateException e) {
            work();
        }
    }
}
