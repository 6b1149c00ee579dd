package org.scagent.jcsubset.samples.bad;

/** Breaks STRING only: String in a method descriptor. */
public class StringParameter {
    void log(String message) {
    }
}
