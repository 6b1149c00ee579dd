package org.scagent.jcsubset;

import static org.objectweb.asm.Opcodes.*;

/**
 * The operand-less and local-variable opcodes that by themselves break a rule: everything that works on
 * long, float, double or char values, monitors, and (for --strict-int) int arrays.
 *
 * @param mnemonic the JVM mnemonic, for the report
 * @param rule     the rule the opcode breaks
 */
record Opcode(String mnemonic, Rule rule) {

    private static final Opcode[] TABLE = new Opcode[256];

    private static void put(int opcode, String mnemonic, Rule rule) {
        if (TABLE[opcode] != null) {
            throw new IllegalStateException("duplicate opcode " + opcode);
        }
        TABLE[opcode] = new Opcode(mnemonic, rule);
    }

    static {
        // long
        put(LCONST_0, "lconst_0", Rule.LONG);
        put(LCONST_1, "lconst_1", Rule.LONG);
        put(LLOAD, "lload", Rule.LONG);
        put(LSTORE, "lstore", Rule.LONG);
        put(LALOAD, "laload", Rule.LONG);
        put(LASTORE, "lastore", Rule.LONG);
        put(LADD, "ladd", Rule.LONG);
        put(LSUB, "lsub", Rule.LONG);
        put(LMUL, "lmul", Rule.LONG);
        put(LDIV, "ldiv", Rule.LONG);
        put(LREM, "lrem", Rule.LONG);
        put(LNEG, "lneg", Rule.LONG);
        put(LSHL, "lshl", Rule.LONG);
        put(LSHR, "lshr", Rule.LONG);
        put(LUSHR, "lushr", Rule.LONG);
        put(LAND, "land", Rule.LONG);
        put(LOR, "lor", Rule.LONG);
        put(LXOR, "lxor", Rule.LONG);
        put(I2L, "i2l", Rule.LONG);
        put(L2I, "l2i", Rule.LONG);
        put(L2F, "l2f", Rule.LONG);
        put(L2D, "l2d", Rule.LONG);
        put(LCMP, "lcmp", Rule.LONG);
        put(LRETURN, "lreturn", Rule.LONG);
        // float
        put(FCONST_0, "fconst_0", Rule.FLOAT);
        put(FCONST_1, "fconst_1", Rule.FLOAT);
        put(FCONST_2, "fconst_2", Rule.FLOAT);
        put(FLOAD, "fload", Rule.FLOAT);
        put(FSTORE, "fstore", Rule.FLOAT);
        put(FALOAD, "faload", Rule.FLOAT);
        put(FASTORE, "fastore", Rule.FLOAT);
        put(FADD, "fadd", Rule.FLOAT);
        put(FSUB, "fsub", Rule.FLOAT);
        put(FMUL, "fmul", Rule.FLOAT);
        put(FDIV, "fdiv", Rule.FLOAT);
        put(FREM, "frem", Rule.FLOAT);
        put(FNEG, "fneg", Rule.FLOAT);
        put(I2F, "i2f", Rule.FLOAT);
        put(F2I, "f2i", Rule.FLOAT);
        put(F2L, "f2l", Rule.FLOAT);
        put(F2D, "f2d", Rule.FLOAT);
        put(FCMPL, "fcmpl", Rule.FLOAT);
        put(FCMPG, "fcmpg", Rule.FLOAT);
        put(FRETURN, "freturn", Rule.FLOAT);
        // double
        put(DCONST_0, "dconst_0", Rule.DOUBLE);
        put(DCONST_1, "dconst_1", Rule.DOUBLE);
        put(DLOAD, "dload", Rule.DOUBLE);
        put(DSTORE, "dstore", Rule.DOUBLE);
        put(DALOAD, "daload", Rule.DOUBLE);
        put(DASTORE, "dastore", Rule.DOUBLE);
        put(DADD, "dadd", Rule.DOUBLE);
        put(DSUB, "dsub", Rule.DOUBLE);
        put(DMUL, "dmul", Rule.DOUBLE);
        put(DDIV, "ddiv", Rule.DOUBLE);
        put(DREM, "drem", Rule.DOUBLE);
        put(DNEG, "dneg", Rule.DOUBLE);
        put(I2D, "i2d", Rule.DOUBLE);
        put(D2I, "d2i", Rule.DOUBLE);
        put(D2L, "d2l", Rule.DOUBLE);
        put(D2F, "d2f", Rule.DOUBLE);
        put(DCMPL, "dcmpl", Rule.DOUBLE);
        put(DCMPG, "dcmpg", Rule.DOUBLE);
        put(DRETURN, "dreturn", Rule.DOUBLE);
        // char
        put(CALOAD, "caload", Rule.CHAR);
        put(CASTORE, "castore", Rule.CHAR);
        put(I2C, "i2c", Rule.CHAR);
        // threads
        put(MONITORENTER, "monitorenter", Rule.SYNCHRONIZED);
        put(MONITOREXIT, "monitorexit", Rule.SYNCHRONIZED);
        // int arrays (reported with --strict-int only)
        put(IALOAD, "iaload", Rule.INT);
        put(IASTORE, "iastore", Rule.INT);
    }

    static Opcode of(int opcode) {
        return opcode >= 0 && opcode < TABLE.length ? TABLE[opcode] : null;
    }
}
