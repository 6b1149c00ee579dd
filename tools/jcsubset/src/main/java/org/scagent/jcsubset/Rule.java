package org.scagent.jcsubset;

/** The Java Card 3.0.4 classic subset rules the checker enforces. Each violation names exactly one. */
public enum Rule {
    LONG("long is not a Java Card type"),
    FLOAT("float is not a Java Card type"),
    DOUBLE("double is not a Java Card type"),
    CHAR("char is not a Java Card type"),
    STRING("String, StringBuilder, StringBuffer and String constants are not in Java Card"),
    JAVA_API("only java.lang.Object (<init>, equals) and the Java Card exception classes (<init>) exist in Java Card"),
    CLASS_LITERAL("class literals (ldc of a class) are not in Java Card"),
    INVOKEDYNAMIC("invokedynamic, method handles and dynamic constants (lambdas, string concatenation) are not in Java Card"),
    ALLOCATION("allocate only in constructors or in static install([BSB)V (no new/newarray in process(), <clinit>, ...)"),
    MULTI_ARRAY("Java Card arrays are one-dimensional only"),
    SYNCHRONIZED("Java Card has no threads: no synchronized methods or blocks"),
    NATIVE("native methods are not allowed in applet code"),
    INT("int is optional in Java Card 3.0.4 (reported with --strict-int only)");

    private final String description;

    Rule(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
