package org.scagent.jcsubset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scagent.jcsubset.samples.bad.NativeMethod;
import org.scagent.jcsubset.samples.bad.StringConstant;
import org.scagent.jcsubset.samples.good.GoodApplet;

class MainTest {

    record Run(int status, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String goodDir() {
        return SubsetCheckerTest.classDirOf(GoodApplet.class).toString();
    }

    static String badDir() {
        return SubsetCheckerTest.classDirOf(NativeMethod.class).toString();
    }

    @Test
    void cleanInputExitsZeroWithOneLineSummary() {
        Run r = run(goodDir());
        assertEquals(Main.OK, r.status(), r.err());
        assertTrue(r.out().matches("jcsubset: 3 classes, \\d+ methods checked, 0 violations\\R"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void violationsExitOneWithReport() {
        Run r = run(badDir());
        assertEquals(Main.VIOLATIONS, r.status());
        assertTrue(r.out().startsWith("jcsubset: the classes break the Java Card 3.0.4 classic subset:"), r.out());
        assertTrue(r.out().contains("[NATIVE] org.scagent.jcsubset.samples.bad.NativeMethod method work()V: "
                + "method is declared native"), r.out());
        assertTrue(r.out().contains("  [STRING] org.scagent.jcsubset.samples.bad.StringConstant method "
                + "name()Ljava/lang/Object; at StringConstant.java:6"), r.out());
        assertTrue(r.out().contains("rules broken:\n") || r.out().contains("rules broken:\r\n"), r.out());
        assertTrue(r.out().strip().lines().reduce((a, b) -> b).orElseThrow()
                .matches("jcsubset: \\d+ classes, \\d+ methods checked, \\d+ violations"), r.out());
    }

    @Test
    void singleClassFileAndAllowClass() {
        String cls = SubsetCheckerTest.classDirOf(StringConstant.class).resolve("StringConstant.class").toString();
        assertEquals(Main.VIOLATIONS, run(cls).status());
        assertEquals(Main.OK, run("--allow-class", "java.lang.String", cls).status());
        assertEquals(Main.OK, run("--allow-class=java/lang/String", cls).status());
    }

    @Test
    void strictIntFlag() {
        String cls = SubsetCheckerTest.classDirOf(StringConstant.class).resolve("IntCounter.class").toString();
        assertEquals(Main.OK, run(cls).status());
        Run strict = run("--strict-int", cls);
        assertEquals(Main.VIOLATIONS, strict.status());
        assertTrue(strict.out().contains("[INT]"), strict.out());
    }

    @Test
    void usageErrorsExitTwo(@TempDir Path tmp) throws IOException {
        assertEquals(Main.ERROR, run().status());
        assertEquals(Main.ERROR, run("--bogus", goodDir()).status());
        assertEquals(Main.ERROR, run("--allow-class").status());
        assertEquals(Main.ERROR, run(tmp.resolve("missing").toString()).status());
        assertEquals(Main.ERROR, run(tmp.toString()).status()); // no class files
        Path txt = Files.writeString(tmp.resolve("x.txt"), "hello");
        assertEquals(Main.ERROR, run(txt.toString()).status());
        Path broken = Files.write(tmp.resolve("Broken.class"), new byte[] {1, 2, 3});
        Run r = run(broken.toString());
        assertEquals(Main.ERROR, r.status());
        assertTrue(r.err().startsWith("jcsubset: "), r.err());
        Run help = run("--help");
        assertEquals(Main.OK, help.status());
        assertTrue(help.out().startsWith("usage:"), help.out());
    }

    /** The real process: System.exit codes as a shell sees them. */
    @Test
    void processExitCodes() throws Exception {
        assertEquals(0, exec(goodDir()));
        assertEquals(1, exec(badDir()));
        assertEquals(2, exec());
        assertEquals(2, exec("/nonexistent/jcsubset/input"));
    }

    private static int exec(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + cmd);
        return p.exitValue();
    }
}
