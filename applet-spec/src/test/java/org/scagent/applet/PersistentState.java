package org.scagent.applet;

import com.licel.jcardsim.base.TransientMemory;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import javacard.framework.JCSystem;
import javacard.framework.OwnerPIN;
import javacard.security.AESKey;
import javacard.security.ECPrivateKey;
import javacard.security.ECPublicKey;
import javacard.security.Key;
import javacard.security.KeyBuilder;
import javacard.security.RSAPrivateCrtKey;
import javacard.security.RSAPublicKey;

/**
 * A dump of every persistent byte of the applet, read by reflection (no APDU can do this): the fields of every
 * applet object, every persistent array (transient ones, which jCardSim registers in its TransientMemory, are left
 * out), the persistent keys' values and the PIN's try counter. Two dumps are equal exactly when the persistent state
 * is: what "a refused command changes nothing" is checked against.
 *
 * Left out as well: {@link EcVerifier}, whose public-key object is scratch (Java Card has no transient EC public
 * key type; each verification sets the point of the key it checks against before using it, so its value is never
 * state).
 */
final class PersistentState {
    private final TransientMemory transientMemory;
    private final Class<?>[] skip;
    private final StringBuilder out = new StringBuilder();
    private final Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());

    private PersistentState(Card c, Class<?>[] skip) {
        this.transientMemory = c.runtime.getTransientMemory();
        this.skip = skip;
    }

    /** The dump of card {@code c}'s applet. */
    static String of(Card c) {
        return of(c, new Class<?>[0]);
    }

    /** The dump without the objects of the classes {@code skip} (e.g. FuLog when a refusal is recorded by design). */
    static String of(Card c, Class<?>... skip) {
        PersistentState s = new PersistentState(c, skip);
        try {
            s.walk("applet", c.applet());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        return s.out.toString();
    }

    private void walk(String path, Object o) throws ReflectiveOperationException {
        if (o == null || !seen.add(o) || java.util.Arrays.asList(skip).contains(o.getClass())
                || o.getClass() == EcVerifier.class) {
            return;
        }
        if (o.getClass().isArray()) {
            if (transientMemory.isTransient(o) != JCSystem.NOT_A_TRANSIENT_OBJECT) {
                return;
            }
            if (o instanceof byte[] b) {
                out.append(path).append('=').append(Hex.s(b)).append('\n');
            } else if (o instanceof short[] s) {
                out.append(path).append('=').append(java.util.Arrays.toString(s)).append('\n');
            } else if (o instanceof Object[] a) {
                for (int i = 0; i < a.length; i++) {
                    walk(path + "[" + i + "]", a[i]);
                }
            } else {
                out.append(path).append('=').append(java.util.Arrays.deepToString(new Object[] {o})).append('\n');
            }
            return;
        }
        if (o instanceof Key k) {
            key(path, k);
            return;
        }
        if (o instanceof OwnerPIN p) {
            out.append(path).append(".tries=").append(p.getTriesRemaining()).append('\n');
            return;
        }
        if (!o.getClass().getName().startsWith("org.scagent.applet.")) {
            return; // Signature, MessageDigest, Cipher, RandomData, KeyPair: no state of ours
        }
        for (Field f : o.getClass().getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            f.setAccessible(true);
            Object v = f.get(o);
            if (f.getType().isPrimitive()) {
                out.append(path).append('.').append(f.getName()).append('=').append(v).append('\n');
            } else {
                walk(path + "." + f.getName(), v);
            }
        }
    }

    private void key(String path, Key k) {
        byte type = k.getType();
        if (type == KeyBuilder.TYPE_AES_TRANSIENT_DESELECT || type == KeyBuilder.TYPE_AES_TRANSIENT_RESET) {
            return;
        }
        byte[] b = new byte[600];
        String v;
        if (!k.isInitialized()) {
            v = "uninitialized";
        } else if (k instanceof AESKey a) {
            v = Hex.s(java.util.Arrays.copyOf(b, a.getKey(b, (short) 0)));
        } else if (k instanceof ECPublicKey e) {
            v = Hex.s(java.util.Arrays.copyOf(b, e.getW(b, (short) 0)));
        } else if (k instanceof ECPrivateKey e) {
            v = Hex.s(java.util.Arrays.copyOf(b, e.getS(b, (short) 0)));
        } else if (k instanceof RSAPublicKey r) {
            v = Hex.s(java.util.Arrays.copyOf(b, r.getModulus(b, (short) 0)));
        } else if (k instanceof RSAPrivateCrtKey r) {
            v = Hex.s(java.util.Arrays.copyOf(b, r.getP(b, (short) 0)));
        } else {
            v = k.getClass().getName();
        }
        out.append(path).append('=').append(v).append('\n');
    }
}
