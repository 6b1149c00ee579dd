package org.scagent.jcsubset;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ConstantDynamic;
import org.objectweb.asm.FieldVisitor;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Checks compiled classes against the Java Card 3.0.4 classic language subset.
 *
 * <p>Everything is decided from the bytecode of each class alone (no class hierarchy is loaded), so a few
 * things the converter would catch are out of reach, e.g. {@code hashCode()} called through the applet's own
 * class rather than through {@code java.lang.Object}. The checker is meant to fail fast in a plain Java build;
 * the Java Card converter stays the final word.
 */
public final class SubsetChecker {

    /** java.* classes that exist in Java Card 3.0.4 classic (besides java.lang.Object). */
    public static final Set<String> JAVA_CARD_EXCEPTIONS = Set.of(
            "java/lang/Throwable",
            "java/lang/Exception",
            "java/lang/RuntimeException",
            "java/lang/ArithmeticException",
            "java/lang/ArrayIndexOutOfBoundsException",
            "java/lang/ArrayStoreException",
            "java/lang/ClassCastException",
            "java/lang/IndexOutOfBoundsException",
            "java/lang/NegativeArraySizeException",
            "java/lang/NullPointerException",
            "java/lang/SecurityException",
            "java/io/IOException",
            "java/rmi/Remote",
            "java/rmi/RemoteException");

    private static final Set<String> STRING_CLASSES = Set.of(
            "java/lang/String", "java/lang/StringBuilder", "java/lang/StringBuffer");

    /** Package prefixes of the Java SE platform; none of them is on a card except the classes above. */
    private static final List<String> PLATFORM_PREFIXES = List.of("java/", "javax/", "jdk/", "sun/");

    private static final String INSTALL_DESC = "([BSB)V";

    /** Result of one run. */
    public record Report(int classes, int methods, List<Violation> violations) {
        public Report {
            violations = List.copyOf(violations);
        }

        public boolean clean() {
            return violations.isEmpty();
        }

        public String summary() {
            return "jcsubset: " + classes + " classes, " + methods + " methods checked, "
                    + violations.size() + (violations.size() == 1 ? " violation" : " violations");
        }
    }

    /** Result for one class file; {@code className} is null for a skipped module-info. */
    public record ClassResult(String className, int methods, List<Violation> violations) {
    }

    private final boolean strictInt;
    private final Set<String> allowedClasses = new HashSet<>();
    private final List<String> allowedPrefixes = new ArrayList<>();

    public SubsetChecker() {
        this(false, List.of());
    }

    /**
     * @param strictInt     also report uses of {@code int}
     * @param allowClasses  extra java.* classes to accept, dotted or slashed; {@code java.util.*} accepts a package
     */
    public SubsetChecker(boolean strictInt, Collection<String> allowClasses) {
        this.strictInt = strictInt;
        for (String c : allowClasses) {
            String n = toInternalName(c);
            if (n.endsWith("/*")) {
                allowedPrefixes.add(n.substring(0, n.length() - 1));
            } else {
                allowedClasses.add(n);
            }
        }
    }

    /** {@code java.lang.Integer}, {@code java/lang/Integer} or {@code java.lang.Integer.class} to internal form. */
    public static String toInternalName(String name) {
        String n = name.trim();
        if (n.endsWith(".class")) {
            n = n.substring(0, n.length() - ".class".length());
        }
        return n.replace('.', '/');
    }

    // ------------------------------------------------------------------------------------------------ inputs

    /** Checks every .class file under the given directories, in the given jars/zips, or given directly. */
    public Report check(List<Path> inputs) throws IOException {
        int classes = 0;
        int methods = 0;
        List<Violation> all = new ArrayList<>();
        for (Path input : inputs) {
            for (byte[] bytes : readClasses(input)) {
                ClassResult r = checkClass(bytes);
                if (r.className() == null) {
                    continue;
                }
                classes++;
                methods += r.methods();
                all.addAll(r.violations());
            }
        }
        return new Report(classes, methods, all);
    }

    private static List<byte[]> readClasses(Path input) throws IOException {
        List<byte[]> out = new ArrayList<>();
        if (Files.isDirectory(input)) {
            List<Path> files;
            try (Stream<Path> walk = Files.walk(input)) {
                files = walk.filter(p -> p.getFileName().toString().endsWith(".class") && Files.isRegularFile(p))
                        .sorted(Comparator.comparing(Path::toString))
                        .toList();
            }
            for (Path f : files) {
                out.add(Files.readAllBytes(f));
            }
        } else if (Files.isRegularFile(input)) {
            String fn = input.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            if (fn.endsWith(".class")) {
                out.add(Files.readAllBytes(input));
            } else if (fn.endsWith(".jar") || fn.endsWith(".zip")) {
                try (ZipFile zip = new ZipFile(input.toFile())) {
                    List<? extends ZipEntry> entries = Collections.list(zip.entries()).stream()
                            .filter(e -> !e.isDirectory() && e.getName().endsWith(".class"))
                            .sorted(Comparator.comparing(ZipEntry::getName))
                            .toList();
                    for (ZipEntry e : entries) {
                        try (InputStream in = zip.getInputStream(e)) {
                            out.add(in.readAllBytes());
                        }
                    }
                }
            } else {
                throw new IOException("not a directory, .jar, .zip or .class file: " + input);
            }
        } else {
            throw new IOException("no such file or directory: " + input);
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ one class

    /** Checks one class file. */
    public ClassResult checkClass(byte[] classFile) {
        ClassReader reader;
        try {
            reader = new ClassReader(classFile);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a valid class file: " + e, e);
        }
        ClassCheck cc = new ClassCheck();
        reader.accept(cc, ClassReader.SKIP_FRAMES);
        if (cc.skipped) {
            return new ClassResult(null, 0, List.of());
        }
        return new ClassResult(cc.dottedName, cc.methods, List.copyOf(cc.violations));
    }

    /** A problem of a type or class reference, before it is placed. */
    private record Problem(Rule rule, String reason) {
    }

    private boolean userAllowed(String internalName) {
        if (allowedClasses.contains(internalName)) {
            return true;
        }
        for (String p : allowedPrefixes) {
            if (internalName.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isPlatform(String internalName) {
        for (String p : PLATFORM_PREFIXES) {
            if (internalName.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isBuiltinAllowed(String internalName) {
        return internalName.equals("java/lang/Object") || JAVA_CARD_EXCEPTIONS.contains(internalName);
    }

    private static String dotted(String internalName) {
        return internalName.replace('/', '.');
    }

    /** Problems of a class reference (internal name, or an array descriptor as found in checkcast etc.). */
    private void classProblems(String internalName, List<Problem> out) {
        if (internalName.startsWith("[")) {
            typeProblems(Type.getType(internalName), out);
            return;
        }
        if (userAllowed(internalName)) {
            return;
        }
        if (STRING_CLASSES.contains(internalName)) {
            out.add(new Problem(Rule.STRING, "uses " + dotted(internalName)));
        } else if (isPlatform(internalName) && !isBuiltinAllowed(internalName)) {
            out.add(new Problem(Rule.JAVA_API, dotted(internalName) + " is not in the Java Card API"));
        }
    }

    /** Problems of a field, array or method type. */
    private void typeProblems(Type t, List<Problem> out) {
        switch (t.getSort()) {
            case Type.LONG -> out.add(new Problem(Rule.LONG, "uses long"));
            case Type.FLOAT -> out.add(new Problem(Rule.FLOAT, "uses float"));
            case Type.DOUBLE -> out.add(new Problem(Rule.DOUBLE, "uses double"));
            case Type.CHAR -> out.add(new Problem(Rule.CHAR, "uses char"));
            case Type.INT -> {
                if (strictInt) {
                    out.add(new Problem(Rule.INT, "uses int"));
                }
            }
            case Type.ARRAY -> {
                if (t.getDimensions() > 1) {
                    out.add(new Problem(Rule.MULTI_ARRAY, "uses " + t.getClassName()));
                }
                typeProblems(t.getElementType(), out);
            }
            case Type.OBJECT -> classProblems(t.getInternalName(), out);
            case Type.METHOD -> {
                for (Type a : t.getArgumentTypes()) {
                    typeProblems(a, out);
                }
                typeProblems(t.getReturnType(), out);
            }
            default -> {
                // boolean, byte, short, void: fine
            }
        }
    }

    private List<Problem> problemsOfDescriptor(String descriptor) {
        List<Problem> out = new ArrayList<>();
        typeProblems(Type.getType(descriptor), out);
        return out;
    }

    private List<Problem> problemsOfClass(String internalName) {
        List<Problem> out = new ArrayList<>();
        classProblems(internalName, out);
        return out;
    }

    // ------------------------------------------------------------------------------------------------ visitors

    private final class ClassCheck extends ClassVisitor {
        String dottedName = "?";
        String sourceFile;
        int methods;
        boolean skipped;
        final List<Violation> violations = new ArrayList<>();
        private final Set<String> seen = new HashSet<>();

        ClassCheck() {
            super(Opcodes.ASM9);
        }

        void report(Rule rule, String member, int line, int insn, String detail) {
            // One report per instruction and rule; declarations: one per distinct detail.
            String key = member + '\u0000' + insn + '\u0000' + rule + (insn < 0 ? '\u0000' + detail : "");
            if (seen.add(key)) {
                violations.add(new Violation(rule, dottedName, member, sourceFile, line, insn, detail));
            }
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName,
                          String[] interfaces) {
            dottedName = dotted(name);
            if ((access & Opcodes.ACC_MODULE) != 0) {
                skipped = true;
                return;
            }
            if (superName != null) {
                for (Problem p : problemsOfClass(superName)) {
                    report(p.rule(), "class header", -1, -1, "superclass: " + p.reason());
                }
            }
            if (interfaces != null) {
                for (String itf : interfaces) {
                    for (Problem p : problemsOfClass(itf)) {
                        report(p.rule(), "class header", -1, -1, "implemented interface: " + p.reason());
                    }
                }
            }
        }

        @Override
        public void visitSource(String source, String debug) {
            sourceFile = source;
        }

        @Override
        public FieldVisitor visitField(int access, String name, String descriptor, String signature, Object value) {
            if (skipped) {
                return null;
            }
            String member = "field " + name + ":" + descriptor;
            for (Problem p : problemsOfDescriptor(descriptor)) {
                report(p.rule(), member, -1, -1, "field type " + Type.getType(descriptor).getClassName()
                        + " " + p.reason());
            }
            return null;
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                         String[] exceptions) {
            if (skipped) {
                return null;
            }
            methods++;
            String member = "method " + name + descriptor;
            if ((access & Opcodes.ACC_SYNCHRONIZED) != 0) {
                report(Rule.SYNCHRONIZED, member, -1, -1, "method is declared synchronized");
            }
            if ((access & Opcodes.ACC_NATIVE) != 0) {
                report(Rule.NATIVE, member, -1, -1, "method is declared native");
            }
            for (Problem p : problemsOfDescriptor(descriptor)) {
                report(p.rule(), member, -1, -1, "method descriptor " + p.reason());
            }
            if (exceptions != null) {
                for (String ex : exceptions) {
                    for (Problem p : problemsOfClass(ex)) {
                        report(p.rule(), member, -1, -1, "throws clause: " + p.reason());
                    }
                }
            }
            boolean allocationAllowed = name.equals("<init>")
                    || (name.equals("install") && descriptor.equals(INSTALL_DESC)
                    && (access & Opcodes.ACC_STATIC) != 0);
            return new MethodCheck(this, member, allocationAllowed);
        }
    }

    private final class MethodCheck extends MethodVisitor {
        private final ClassCheck cls;
        private final String member;
        private final boolean allocationAllowed;
        private int line = -1;
        private int insn = -1;

        MethodCheck(ClassCheck cls, String member, boolean allocationAllowed) {
            super(Opcodes.ASM9);
            this.cls = cls;
            this.member = member;
            this.allocationAllowed = allocationAllowed;
        }

        private void report(Rule rule, String detail) {
            cls.report(rule, member, line, insn, detail);
        }

        private void reportAll(List<Problem> problems, String what) {
            for (Problem p : problems) {
                report(p.rule(), what + ": " + p.reason());
            }
        }

        private void allocation(String what) {
            if (!allocationAllowed) {
                report(Rule.ALLOCATION, what + " outside a constructor or static install([BSB)V");
            }
        }

        @Override
        public void visitLineNumber(int line, Label start) {
            this.line = line;
        }

        @Override
        public void visitTryCatchBlock(Label start, Label end, Label handler, String type) {
            if (type != null) {
                for (Problem p : problemsOfClass(type)) {
                    cls.report(p.rule(), member, -1, -1, "catch clause: " + p.reason());
                }
            }
        }

        @Override
        public void visitLocalVariable(String name, String descriptor, String signature, Label start, Label end,
                                       int index) {
            // Only int needs the LocalVariableTable: the other types show in the opcodes that use them.
            if (strictInt && descriptor.equals("I")) {
                cls.report(Rule.INT, member, -1, -1, "local variable " + name + " is an int");
            }
        }

        @Override
        public void visitInsn(int opcode) {
            insn++;
            Opcode op = Opcode.of(opcode);
            if (op != null && op.rule() != null) {
                if (op.rule() != Rule.INT || strictInt) {
                    report(op.rule(), op.mnemonic());
                }
            }
        }

        @Override
        public void visitIntInsn(int opcode, int operand) {
            insn++;
            if (opcode != Opcodes.NEWARRAY) {
                return;
            }
            String type = switch (operand) {
                case Opcodes.T_BOOLEAN -> "boolean";
                case Opcodes.T_CHAR -> "char";
                case Opcodes.T_FLOAT -> "float";
                case Opcodes.T_DOUBLE -> "double";
                case Opcodes.T_BYTE -> "byte";
                case Opcodes.T_SHORT -> "short";
                case Opcodes.T_INT -> "int";
                case Opcodes.T_LONG -> "long";
                default -> "type " + operand;
            };
            String what = "newarray " + type;
            allocation(what);
            switch (operand) {
                case Opcodes.T_CHAR -> report(Rule.CHAR, what);
                case Opcodes.T_FLOAT -> report(Rule.FLOAT, what);
                case Opcodes.T_DOUBLE -> report(Rule.DOUBLE, what);
                case Opcodes.T_LONG -> report(Rule.LONG, what);
                case Opcodes.T_INT -> {
                    if (strictInt) {
                        report(Rule.INT, what);
                    }
                }
                default -> {
                    // boolean, byte, short arrays are fine
                }
            }
        }

        @Override
        public void visitVarInsn(int opcode, int varIndex) {
            insn++;
            Opcode op = Opcode.of(opcode);
            if (op != null && op.rule() != null) {
                report(op.rule(), op.mnemonic() + " " + varIndex);
            }
        }

        @Override
        public void visitTypeInsn(int opcode, String type) {
            insn++;
            String mnemonic = switch (opcode) {
                case Opcodes.NEW -> "new";
                case Opcodes.ANEWARRAY -> "anewarray";
                case Opcodes.CHECKCAST -> "checkcast";
                case Opcodes.INSTANCEOF -> "instanceof";
                default -> "opcode " + opcode;
            };
            String what = mnemonic + " " + (type.startsWith("[") ? Type.getType(type).getClassName() : dotted(type));
            if (opcode == Opcodes.NEW || opcode == Opcodes.ANEWARRAY) {
                allocation(what);
            }
            if (opcode == Opcodes.ANEWARRAY && type.startsWith("[")) {
                report(Rule.MULTI_ARRAY, what + ": creates an array of arrays");
            }
            reportAll(problemsOfClass(type), what);
        }

        @Override
        public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
            insn++;
            String mnemonic = switch (opcode) {
                case Opcodes.GETSTATIC -> "getstatic";
                case Opcodes.PUTSTATIC -> "putstatic";
                case Opcodes.GETFIELD -> "getfield";
                case Opcodes.PUTFIELD -> "putfield";
                default -> "opcode " + opcode;
            };
            String what = mnemonic + " " + dotted(owner) + "." + name + ":" + descriptor;
            List<Problem> problems = problemsOfClass(owner);
            if (problems.isEmpty() && isBuiltinAllowed(owner) && !userAllowed(owner)) {
                problems.add(new Problem(Rule.JAVA_API, "Java Card's " + dotted(owner) + " has no field " + name));
            }
            problems.addAll(problemsOfDescriptor(descriptor));
            reportAll(problems, what);
        }

        @Override
        public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
            insn++;
            String mnemonic = switch (opcode) {
                case Opcodes.INVOKEVIRTUAL -> "invokevirtual";
                case Opcodes.INVOKESPECIAL -> "invokespecial";
                case Opcodes.INVOKESTATIC -> "invokestatic";
                case Opcodes.INVOKEINTERFACE -> "invokeinterface";
                default -> "opcode " + opcode;
            };
            boolean arrayOwner = owner.startsWith("[");
            String ownerName = arrayOwner ? Type.getType(owner).getClassName() : dotted(owner);
            String what = mnemonic + " " + ownerName + "." + name + descriptor;
            List<Problem> problems = new ArrayList<>();
            if (arrayOwner) {
                // Methods called on arrays are java.lang.Object's (clone, getClass, ...), none of which Java Card has.
                problems.add(new Problem(Rule.JAVA_API, "arrays have no " + name + "() in Java Card"));
                classProblems(owner, problems);
            } else {
                classProblems(owner, problems);
                if (problems.isEmpty() && isBuiltinAllowed(owner) && !userAllowed(owner)
                        && !builtinMemberExists(owner, name, descriptor)) {
                    problems.add(new Problem(Rule.JAVA_API,
                            "Java Card's " + dotted(owner) + " has no " + name + descriptor));
                }
            }
            problems.addAll(problemsOfDescriptor(descriptor));
            reportAll(problems, what);
        }

        @Override
        public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrapMethodHandle,
                                           Object... bootstrapMethodArguments) {
            insn++;
            report(Rule.INVOKEDYNAMIC, "invokedynamic " + name + descriptor + " (bootstrap "
                    + dotted(bootstrapMethodHandle.getOwner()) + "." + bootstrapMethodHandle.getName()
                    + "; a lambda, method reference or string concatenation?)");
        }

        @Override
        public void visitJumpInsn(int opcode, Label label) {
            insn++;
        }

        @Override
        public void visitLdcInsn(Object value) {
            insn++;
            if (value instanceof String s) {
                if (!userAllowed("java/lang/String")) {
                    report(Rule.STRING, "ldc String constant \"" + abbreviate(s) + "\"");
                }
            } else if (value instanceof Long l) {
                report(Rule.LONG, "ldc2_w long constant " + l + "L");
            } else if (value instanceof Double d) {
                report(Rule.DOUBLE, "ldc2_w double constant " + d);
            } else if (value instanceof Float f) {
                report(Rule.FLOAT, "ldc float constant " + f + "f");
            } else if (value instanceof Integer i) {
                if (strictInt) {
                    report(Rule.INT, "ldc int constant " + i);
                }
            } else if (value instanceof Type t) {
                if (t.getSort() == Type.METHOD) {
                    report(Rule.INVOKEDYNAMIC, "ldc method type constant " + t.getDescriptor());
                } else {
                    report(Rule.CLASS_LITERAL, "ldc class literal " + t.getClassName() + ".class");
                }
            } else if (value instanceof Handle h) {
                report(Rule.INVOKEDYNAMIC, "ldc method handle " + dotted(h.getOwner()) + "." + h.getName());
            } else if (value instanceof ConstantDynamic c) {
                report(Rule.INVOKEDYNAMIC, "ldc dynamic constant " + c.getName());
            }
        }

        @Override
        public void visitIincInsn(int varIndex, int increment) {
            insn++;
        }

        @Override
        public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
            insn++;
        }

        @Override
        public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
            insn++;
        }

        @Override
        public void visitMultiANewArrayInsn(String descriptor, int numDimensions) {
            insn++;
            Type t = Type.getType(descriptor);
            String what = "multianewarray " + t.getClassName();
            allocation(what);
            List<Problem> problems = new ArrayList<>();
            typeProblems(t, problems);
            if (problems.stream().noneMatch(p -> p.rule() == Rule.MULTI_ARRAY)) {
                problems.add(new Problem(Rule.MULTI_ARRAY, "uses " + t.getClassName()));
            }
            reportAll(problems, what);
        }
    }

    /** Members of the java.* classes Java Card has: Object() / Object.equals, and the exceptions' no-arg constructors. */
    private static boolean builtinMemberExists(String owner, String name, String descriptor) {
        if (name.equals("<init>") && descriptor.equals("()V")) {
            return true;
        }
        return owner.equals("java/lang/Object") && name.equals("equals") && descriptor.equals("(Ljava/lang/Object;)Z");
    }

    private static String abbreviate(String s) {
        String t = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        StringBuilder sb = new StringBuilder();
        for (char c : t.toCharArray()) {
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Visible for the CLI: the rules in a stable order, for the report legend. */
    static Set<Rule> rulesIn(List<Violation> violations) {
        Set<Rule> rules = new LinkedHashSet<>();
        for (Rule r : Rule.values()) {
            for (Violation v : violations) {
                if (v.rule() == r) {
                    rules.add(r);
                    break;
                }
            }
        }
        return rules;
    }
}
