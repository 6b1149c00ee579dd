#!/usr/bin/env python3
"""Build check (Maven validate phase): the jCardSim jar the applet compiles against must carry the Java Card API.

    check-jcapi.py JAR

The applet is compiled against com.klinec:jcardsim alone; that jar bundles the (patched) javacard.* and javacardx.*
API classes. A jar without them (another jCardSim build, a relocation, a broken download) would make the compile
fail with hundreds of confusing "package javacard.framework does not exist" errors, or make the tests pick up some
other API jar. Fail early with one clear message instead.
"""
import sys
import zipfile

REQUIRED = (
    "javacard/framework/APDU.class",
    "javacard/framework/Applet.class",
    "javacard/framework/ISOException.class",
    "javacard/framework/JCSystem.class",
    "javacard/framework/OwnerPIN.class",
    "javacard/framework/Util.class",
    "javacard/security/AESKey.class",
    "javacard/security/KeyBuilder.class",
    "javacard/security/RandomData.class",
    "javacardx/apdu/ExtendedLength.class",
    "javacardx/crypto/Cipher.class",
    "com/licel/jcardsim/smartcardio/CardSimulator.class",
)


def main(argv):
    if len(argv) != 1 or argv[0].startswith("${"):
        print("check-jcapi: ERROR: the path of the com.klinec:jcardsim jar was not resolved "
              "(expected the property ${com.klinec:jcardsim:jar} from maven-dependency-plugin:properties)",
              file=sys.stderr)
        return 2
    jar = argv[0]
    try:
        with zipfile.ZipFile(jar) as z:
            names = set(z.namelist())
    except (OSError, zipfile.BadZipFile) as e:
        print(f"check-jcapi: ERROR: cannot read the jCardSim jar {jar}: {e}", file=sys.stderr)
        return 1
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        print(f"check-jcapi: ERROR: {jar} does not contain the Java Card API classes the applet is compiled "
              f"against; missing: {', '.join(missing)}. Use the com.klinec:jcardsim jar from Maven Central "
              f"(it bundles javacard.*/javacardx.*), pinned in the root pom.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
