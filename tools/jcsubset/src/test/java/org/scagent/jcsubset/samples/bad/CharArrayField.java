package org.scagent.jcsubset.samples.bad;

/** Breaks CHAR only: a char[] field. */
public class CharArrayField {
    char[] name;
}
