package org.scagent.jcsubset;

import java.util.Objects;

/**
 * One break of the subset.
 *
 * @param rule        the rule broken
 * @param className   binary class name with dots, e.g. {@code org.scagent.applet.ScAgentApplet}
 * @param member      where in the class: {@code "class header"}, {@code "field name:desc"} or
 *                    {@code "method name(desc)ret"}
 * @param sourceFile  the SourceFile attribute, or null
 * @param line        source line number, or -1 when unknown (no LineNumberTable, or not inside code)
 * @param instruction index of the instruction in the method's code (0-based), or -1 when not an instruction
 * @param detail      what exactly was found
 */
public record Violation(Rule rule, String className, String member, String sourceFile, int line, int instruction,
                        String detail) {

    public Violation {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(member, "member");
        Objects.requireNonNull(detail, "detail");
    }

    /** One line for humans, e.g. {@code [STRING] org.x.A method f()V at A.java:12 (instruction 3): ldc "hi"}. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        sb.append('[').append(rule.name()).append("] ").append(className).append(' ').append(member);
        if (line >= 0 || instruction >= 0) {
            sb.append(" at");
            if (line >= 0) {
                sb.append(' ').append(sourceFile != null ? sourceFile : "line").append(':').append(line);
            }
            if (instruction >= 0) {
                sb.append(line >= 0 ? " (instruction " : " instruction ").append(instruction);
                sb.append(line >= 0 ? ")" : "");
            }
        }
        sb.append(": ").append(detail);
        return sb.toString();
    }

    @Override
    public String toString() {
        return format();
    }
}
