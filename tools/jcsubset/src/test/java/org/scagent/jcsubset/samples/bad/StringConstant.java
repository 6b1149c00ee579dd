package org.scagent.jcsubset.samples.bad;

/** Breaks STRING only: ldc of a String constant (the return type is Object). */
public class StringConstant {
    Object name() {
        return "scagent";
    }
}
