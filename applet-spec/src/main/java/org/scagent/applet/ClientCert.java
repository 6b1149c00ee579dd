package org.scagent.applet;

import javacard.framework.ISOException;
import javacard.framework.Util;

/**
 * The client certificate (DER X.509, at most CERT_MAX bytes), loaded with PUT DATA BCAST_CERTIFICATE in a command
 * chain (bcast-identity.md §5). The length is 0 from the first command of a chain until the last one has arrived
 * and the data is one DER SEQUENCE of exactly that length, so an interrupted or refused load leaves "no
 * certificate", never a partial one. The length is a single persistent field (atomic write).
 */
final class ClientCert {
    private final byte[] data;
    private short length;

    ClientCert() {
        data = new byte[Contract.CERT_MAX];
    }

    /** The array the certificate lives in (registered as a response tail at install). */
    byte[] data() {
        return data;
    }

    short length() {
        return length;
    }

    /** No certificate (first command of a load, key generation). The bytes stay until overwritten: they are public. */
    void invalidate() {
        length = 0;
    }

    /** Writes {@code n} bytes of a load at offset {@code received}; returns the new total. Beyond CERT_MAX: 6700. */
    short append(byte[] src, short off, short n, short received) {
        if (n > (short) (Contract.CERT_MAX - received)) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        return Util.arrayCopyNonAtomic(src, off, data, received, n);
    }

    /** Last command of a load: {@code total} bytes must be one DER SEQUENCE (else 6A80); then they count. */
    void commit(short total) {
        if (!Der.isOneSequence(data, (short) 0, total)) {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        length = total;
    }
}
