package org.scagent.jcsubset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.scagent.jcsubset.samples.bad.AllocationInInstanceInstall;
import org.scagent.jcsubset.samples.bad.AllocationInProcess;
import org.scagent.jcsubset.samples.bad.AllocationInStaticInit;
import org.scagent.jcsubset.samples.bad.AllocationNewObject;
import org.scagent.jcsubset.samples.bad.CatchForeignException;
import org.scagent.jcsubset.samples.bad.CharArrayField;
import org.scagent.jcsubset.samples.bad.CharCast;
import org.scagent.jcsubset.samples.bad.ClassLiteral;
import org.scagent.jcsubset.samples.bad.DoubleArithmetic;
import org.scagent.jcsubset.samples.bad.FloatArithmetic;
import org.scagent.jcsubset.samples.bad.ForeignSuperclass;
import org.scagent.jcsubset.samples.bad.IntCounter;
import org.scagent.jcsubset.samples.bad.JavaUtilCall;
import org.scagent.jcsubset.samples.bad.Lambda;
import org.scagent.jcsubset.samples.bad.LongArithmetic;
import org.scagent.jcsubset.samples.bad.LongField;
import org.scagent.jcsubset.samples.bad.MultiArrayField;
import org.scagent.jcsubset.samples.bad.MultiArrayInConstructor;
import org.scagent.jcsubset.samples.bad.NativeMethod;
import org.scagent.jcsubset.samples.bad.ObjectHashCode;
import org.scagent.jcsubset.samples.bad.StringConstant;
import org.scagent.jcsubset.samples.bad.StringParameter;
import org.scagent.jcsubset.samples.bad.SynchronizedBlock;
import org.scagent.jcsubset.samples.bad.SynchronizedMethod;
import org.scagent.jcsubset.samples.bad.ThreadYield;
import org.scagent.jcsubset.samples.good.GoodApplet;
import org.scagent.jcsubset.samples.good.GoodPlain;

class SubsetCheckerTest {

    static byte[] bytesOf(Class<?> c) {
        String resource = c.getName().substring(c.getPackageName().length() + 1) + ".class";
        try (InputStream in = c.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no class file for " + c);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path classDirOf(Class<?> c) {
        try {
            return Path.of(c.getResource(c.getSimpleName() + ".class").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Set<Rule> rules(List<Violation> vs) {
        return vs.stream().map(Violation::rule).collect(Collectors.toCollection(() -> EnumSet.noneOf(Rule.class)));
    }

    static Stream<Arguments> badSamples() {
        return Stream.of(
                Arguments.of(LongField.class, Rule.LONG),
                Arguments.of(LongArithmetic.class, Rule.LONG),
                Arguments.of(FloatArithmetic.class, Rule.FLOAT),
                Arguments.of(DoubleArithmetic.class, Rule.DOUBLE),
                Arguments.of(CharCast.class, Rule.CHAR),
                Arguments.of(CharArrayField.class, Rule.CHAR),
                Arguments.of(StringConstant.class, Rule.STRING),
                Arguments.of(StringParameter.class, Rule.STRING),
                Arguments.of(JavaUtilCall.class, Rule.JAVA_API),
                Arguments.of(ThreadYield.class, Rule.JAVA_API),
                Arguments.of(ObjectHashCode.class, Rule.JAVA_API),
                Arguments.of(CatchForeignException.class, Rule.JAVA_API),
                Arguments.of(ForeignSuperclass.class, Rule.JAVA_API),
                Arguments.of(ClassLiteral.class, Rule.CLASS_LITERAL),
                Arguments.of(Lambda.class, Rule.INVOKEDYNAMIC),
                Arguments.of(AllocationInProcess.class, Rule.ALLOCATION),
                Arguments.of(AllocationInStaticInit.class, Rule.ALLOCATION),
                Arguments.of(AllocationNewObject.class, Rule.ALLOCATION),
                Arguments.of(AllocationInInstanceInstall.class, Rule.ALLOCATION),
                Arguments.of(SynchronizedMethod.class, Rule.SYNCHRONIZED),
                Arguments.of(SynchronizedBlock.class, Rule.SYNCHRONIZED),
                Arguments.of(NativeMethod.class, Rule.NATIVE),
                Arguments.of(MultiArrayField.class, Rule.MULTI_ARRAY),
                Arguments.of(MultiArrayInConstructor.class, Rule.MULTI_ARRAY));
    }

    @ParameterizedTest(name = "{0} breaks only {1}")
    @MethodSource("badSamples")
    void eachBadSampleBreaksExactlyItsRule(Class<?> sample, Rule expected) {
        SubsetChecker.ClassResult r = new SubsetChecker().checkClass(bytesOf(sample));
        assertEquals(sample.getName(), r.className());
        assertFalse(r.violations().isEmpty(), () -> sample.getSimpleName() + ": nothing reported");
        assertEquals(EnumSet.of(expected), rules(r.violations()),
                () -> sample.getSimpleName() + " reported " + r.violations());
        for (Violation v : r.violations()) {
            assertEquals(sample.getName(), v.className());
            assertTrue(v.format().startsWith("[" + expected.name() + "] " + sample.getName() + " "), v::format);
        }
    }

    @ParameterizedTest(name = "{0} is also clean of other rules under --strict-int, except INT")
    @MethodSource("badSamples")
    void strictIntAddsOnlyIntToBadSamples(Class<?> sample, Rule expected) {
        Set<Rule> got = rules(new SubsetChecker(true, List.of()).checkClass(bytesOf(sample)).violations());
        got.remove(Rule.INT);
        assertEquals(EnumSet.of(expected), got);
    }

    @Test
    void instructionViolationsCarryLineAndSourceFile() {
        List<Violation> vs = new SubsetChecker().checkClass(bytesOf(StringConstant.class)).violations();
        assertEquals(1, vs.size(), vs::toString);
        Violation v = vs.get(0);
        assertEquals("method name()Ljava/lang/Object;", v.member());
        assertEquals("StringConstant.java", v.sourceFile());
        assertEquals(6, v.line());
        assertEquals(0, v.instruction());
        assertTrue(v.detail().contains("\"scagent\""), v::detail);
        assertEquals("[STRING] org.scagent.jcsubset.samples.bad.StringConstant method name()Ljava/lang/Object;"
                + " at StringConstant.java:6 (instruction 0): ldc String constant \"scagent\"", v.format());
    }

    @Test
    void declarationViolationsHaveNoLine() {
        List<Violation> vs = new SubsetChecker().checkClass(bytesOf(LongField.class)).violations();
        assertEquals(1, vs.size(), vs::toString);
        assertEquals("field counter:J", vs.get(0).member());
        assertEquals(-1, vs.get(0).line());
        assertEquals(-1, vs.get(0).instruction());
    }

    @Test
    void oneReportPerInstructionAndRule() {
        // i2l, ldc2_w, ladd, l2i and the lstore/lload pairs: each one reported once
        List<Violation> vs = new SubsetChecker().checkClass(bytesOf(LongArithmetic.class)).violations();
        long distinct = vs.stream().map(v -> v.member() + "#" + v.instruction()).distinct().count();
        assertEquals(vs.size(), distinct, vs::toString);
        assertTrue(vs.stream().anyMatch(v -> v.detail().startsWith("ldc2_w long constant 70000")), vs::toString);
        assertTrue(vs.stream().anyMatch(v -> v.detail().equals("i2l")), vs::toString);
        assertTrue(vs.stream().anyMatch(v -> v.detail().equals("l2i")), vs::toString);
    }

    @Test
    void goodSamplesAreClean() {
        for (Class<?> c : List.of(GoodApplet.class, GoodApplet.class.getDeclaredClasses()[0], GoodPlain.class)) {
            List<Violation> vs = new SubsetChecker().checkClass(bytesOf(c)).violations();
            assertEquals(List.of(), vs, c.getName());
            List<Violation> strict = new SubsetChecker(true, List.of()).checkClass(bytesOf(c)).violations();
            assertEquals(List.of(), strict, c.getName() + " --strict-int");
        }
    }

    @Test
    void goodPackageDirectoryIsClean() throws IOException {
        SubsetChecker.Report r = new SubsetChecker().check(List.of(classDirOf(GoodApplet.class)));
        assertTrue(r.clean(), () -> r.violations().toString());
        assertEquals(3, r.classes());
        assertTrue(r.methods() >= 10, () -> "methods: " + r.methods());
        assertEquals("jcsubset: 3 classes, " + r.methods() + " methods checked, 0 violations", r.summary());
    }

    @Test
    void intIsReportedOnlyWithStrictInt() {
        byte[] b = bytesOf(IntCounter.class);
        assertEquals(List.of(), new SubsetChecker().checkClass(b).violations());
        List<Violation> strict = new SubsetChecker(true, List.of()).checkClass(b).violations();
        assertEquals(EnumSet.of(Rule.INT), rules(strict));
        Set<String> details = strict.stream().map(Violation::detail).collect(Collectors.toSet());
        assertTrue(details.stream().anyMatch(d -> d.startsWith("field type int")), details::toString);
        assertTrue(details.contains("newarray int"), details::toString);
        assertTrue(details.contains("iastore"), details::toString);
        assertTrue(details.contains("ldc int constant 100000"), details::toString);
    }

    @Test
    void allowClassAcceptsAJavaClassOrPackage() {
        byte[] b = bytesOf(JavaUtilCall.class);
        assertEquals(List.of(), new SubsetChecker(false, List.of("java.util.Arrays")).checkClass(b).violations());
        assertEquals(List.of(), new SubsetChecker(false, List.of("java/util/Arrays")).checkClass(b).violations());
        assertEquals(List.of(), new SubsetChecker(false, List.of("java.util.*")).checkClass(b).violations());
        assertFalse(new SubsetChecker(false, List.of("java.util.List")).checkClass(b).violations().isEmpty());
        byte[] hash = bytesOf(ObjectHashCode.class);
        assertEquals(List.of(), new SubsetChecker(false, List.of("java.lang.Object")).checkClass(hash).violations());
    }

    @Test
    void jarInputIsScanned(@TempDir Path tmp) throws IOException {
        Path jar = tmp.resolve("mixed.jar");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(os)) {
            for (Class<?> c : List.of(GoodPlain.class, NativeMethod.class, ClassLiteral.class)) {
                jos.putNextEntry(new JarEntry(c.getName().replace('.', '/') + ".class"));
                jos.write(bytesOf(c));
                jos.closeEntry();
            }
            jos.putNextEntry(new JarEntry("META-INF/notes.txt"));
            jos.write("not a class".getBytes());
            jos.closeEntry();
        }
        SubsetChecker.Report r = new SubsetChecker().check(List.of(jar));
        assertEquals(3, r.classes());
        assertEquals(EnumSet.of(Rule.NATIVE, Rule.CLASS_LITERAL), rules(r.violations()));
        assertTrue(r.summary().endsWith(" 2 violations"), r.summary());
    }

    @Test
    void missingInputIsAnError(@TempDir Path tmp) {
        assertThrows(IOException.class, () -> new SubsetChecker().check(List.of(tmp.resolve("nope"))));
    }

    @Test
    void moduleInfoIsSkipped() {
        ClassWriter cw = new ClassWriter(0);
        cw.visit(Opcodes.V17, Opcodes.ACC_MODULE, "module-info", null, null, null);
        cw.visitModule("demo", 0, null).visitEnd();
        cw.visitEnd();
        assertNull(new SubsetChecker().checkClass(cw.toByteArray()).className());
    }

    /** Opcodes javac never emits for these samples, built by hand: monitors, long arrays, ldc of a method type. */
    @Test
    void handMadeBytecode() {
        ClassWriter cw = new ClassWriter(0);
        cw.visit(Opcodes.V1_6, Opcodes.ACC_PUBLIC, "demo/Hand", null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_STATIC, "f", "()V", null, null);
        mv.visitCode();
        mv.visitInsn(Opcodes.ICONST_1);
        mv.visitIntInsn(Opcodes.NEWARRAY, Opcodes.T_LONG);
        mv.visitInsn(Opcodes.POP);
        mv.visitLdcInsn(org.objectweb.asm.Type.getMethodType("()V"));
        mv.visitInsn(Opcodes.POP);
        mv.visitInsn(Opcodes.RETURN);
        mv.visitMaxs(2, 0);
        mv.visitEnd();
        cw.visitEnd();
        List<Violation> vs = new SubsetChecker().checkClass(cw.toByteArray()).violations();
        assertEquals(EnumSet.of(Rule.ALLOCATION, Rule.LONG, Rule.INVOKEDYNAMIC), rules(vs), vs::toString);
        assertTrue(vs.stream().allMatch(v -> v.line() == -1 && v.instruction() >= 0), vs::toString);
        assertTrue(vs.get(0).format().contains(" at instruction 1: "), vs.get(0)::format);
    }

    @Test
    void allRulesButIntAreExercisedBySamples() {
        Set<Rule> covered = badSamples().map(a -> (Rule) a.get()[1])
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Rule.class)));
        covered.add(Rule.INT); // IntCounter, strict mode
        assertEquals(EnumSet.allOf(Rule.class), covered);
    }
}
