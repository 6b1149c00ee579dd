package org.scagent.jcsubset;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command line: {@code java -jar scagent-jcsubset.jar [--strict-int] [--allow-class X]... DIR_OR_JAR...}.
 *
 * <p>Exit status: 0 no violation, 1 violations found (listed on standard output), 2 usage or input error.
 */
public final class Main {

    public static final int OK = 0;
    public static final int VIOLATIONS = 1;
    public static final int ERROR = 2;

    static final String USAGE = """
            usage: java -jar scagent-jcsubset.jar [options] DIR_OR_JAR_OR_CLASS...
              Checks every .class file against the Java Card 3.0.4 classic subset.
              Exit status: 0 clean, 1 violations found, 2 usage or input error.
            options:
              --allow-class X   also accept the java.* class X (java.lang.Integer or java/lang/Integer;
                                java.util.* accepts a package); may be repeated
              --strict-int      also report int (optional in Java Card, off by default)
              -h, --help        this text""";

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the checker; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean strictInt = false;
        List<String> allow = new ArrayList<>();
        List<Path> inputs = new ArrayList<>();
        boolean options = true;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (options && a.equals("--")) {
                options = false;
            } else if (options && (a.equals("-h") || a.equals("--help"))) {
                out.println(USAGE);
                return OK;
            } else if (options && a.equals("--strict-int")) {
                strictInt = true;
            } else if (options && a.equals("--allow-class")) {
                if (i + 1 >= args.length || args[i + 1].isBlank()) {
                    err.println("jcsubset: --allow-class needs a class name");
                    err.println(USAGE);
                    return ERROR;
                }
                allow.add(args[++i]);
            } else if (options && a.startsWith("--allow-class=")) {
                String v = a.substring("--allow-class=".length());
                if (v.isBlank()) {
                    err.println("jcsubset: --allow-class needs a class name");
                    return ERROR;
                }
                allow.add(v);
            } else if (options && a.startsWith("-") && a.length() > 1) {
                err.println("jcsubset: unknown option " + a);
                err.println(USAGE);
                return ERROR;
            } else {
                inputs.add(Path.of(a));
            }
        }
        if (inputs.isEmpty()) {
            err.println("jcsubset: no input given");
            err.println(USAGE);
            return ERROR;
        }

        SubsetChecker.Report report;
        try {
            report = new SubsetChecker(strictInt, allow).check(inputs);
        } catch (IOException | UncheckedIOException e) {
            err.println("jcsubset: " + e.getMessage());
            return ERROR;
        } catch (IllegalArgumentException e) {
            err.println("jcsubset: " + e.getMessage());
            return ERROR;
        }
        if (report.classes() == 0) {
            err.println("jcsubset: no .class files found in " + inputs + " (not compiled yet?)");
            return ERROR;
        }
        if (report.clean()) {
            out.println(report.summary());
            return OK;
        }
        out.println("jcsubset: the classes break the Java Card 3.0.4 classic subset:");
        for (Violation v : report.violations()) {
            out.println("  " + v.format());
        }
        out.println("rules broken:");
        for (Rule r : SubsetChecker.rulesIn(report.violations())) {
            out.println("  " + r.name() + ": " + r.description());
        }
        out.println(report.summary());
        return VIOLATIONS;
    }
}
