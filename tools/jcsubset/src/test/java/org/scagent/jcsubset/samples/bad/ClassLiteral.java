package org.scagent.jcsubset.samples.bad;

/** Breaks CLASS_LITERAL only. */
public class ClassLiteral {
    Object kind() {
        return ClassLiteral.class;
    }
}
