#!/usr/bin/env bash
# Tests for build-cap.sh without Oracle's kit: the "no usable SDK" paths (exit 2), and full runs against fake
# kits whose com.sun.javacard.converter.Main only records its arguments and writes a dummy CAP file.
# Needs a JDK (javac, jar). Usage: tools/cap/test-build-cap.sh     Prints "N passed, M failed"; exit 1 on failure.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCRIPT="$HERE/build-cap.sh"
TMP=$(mktemp -d)
trap 'rm -rf "${TMP:?}"' EXIT

PASS=0
FAIL=0
ok() {
    PASS=$((PASS + 1))
    printf 'ok   %s\n' "$1"
}
not_ok() {
    FAIL=$((FAIL + 1))
    printf 'FAIL %s\n' "$1"
    [ -f "$TMP/out.txt" ] && sed 's/^/     | /' "$TMP/out.txt"
}

# run NAME EXPECTED_STATUS [VAR=VALUE ...] -- ARGS...: runs build-cap.sh with JC_* cleared, output in $TMP/out.txt
run() {
    local name=$1 want=$2 envs=() status
    shift 2
    while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
        envs+=("$1")
        shift
    done
    [ "$#" -gt 0 ] && shift
    env -u JC_HOME -u JC_TARGET -u JC_JAVA_HOME -u JC_MAX_CLASS_MAJOR -u JC_INT -u JC_DEBUG -u JC_CONVERTER_OPTS \
        ${envs[@]+"${envs[@]}"} "$SCRIPT" "$@" >"$TMP/out.txt" 2>&1
    status=$?
    if [ "$status" -eq "$want" ]; then
        ok "$name (exit $status)"
        return 0
    fi
    not_ok "$name: exit $status, expected $want"
    return 1
}

# expect NAME PATTERN FILE: FILE has a line matching the fixed string PATTERN
expect() {
    if grep -qF -- "$2" "$3"; then
        ok "$1"
    else
        not_ok "$1: no '$2' in $3"
        sed 's/^/     | /' "$3"
    fi
}

# --------------------------------------------------------------------------------------- no usable SDK: exit 2

run "JC_HOME unset" 2 --
expect "unset: says JC_HOME is not set" "JC_HOME is not set" "$TMP/out.txt"
expect "unset: names the Oracle download" "oracle.com/java/technologies/javacard-downloads.html" "$TMP/out.txt"
expect "unset: names the target version" "Java Card 3.0.4" "$TMP/out.txt"
expect "unset: mentions gp -install" "gp -install build/cap/scagent.cap" "$TMP/out.txt"
expect "unset: not on Maven Central" "not on Maven Central" "$TMP/out.txt"

run "JC_HOME does not exist" 2 JC_HOME="$TMP/nope" --
expect "nonexistent: says so" "is not a directory" "$TMP/out.txt"

mkdir -p "$TMP/empty/lib"
run "JC_HOME without converter" 2 JC_HOME="$TMP/empty" --
expect "no converter: names lib/tools.jar" "has no lib/tools.jar" "$TMP/out.txt"

mkdir -p "$TMP/jc222/lib" && : >"$TMP/jc222/lib/converter.jar"
run "Java Card 2.x kit" 2 JC_HOME="$TMP/jc222" --
expect "2.x kit: refused" "Java Card 2.x kit" "$TMP/out.txt"

mkdir -p "$TMP/noexp/lib" && : >"$TMP/noexp/lib/tools.jar"
run "kit without export files" 2 JC_HOME="$TMP/noexp" --
expect "no export files: says so" "export files are missing" "$TMP/out.txt"

run "bad option" 64 -- --frobnicate

# --------------------------------------------------------------------------------------- fake kits

mkdir -p "$TMP/fake-src/com/sun/javacard/converter" "$TMP/fake-bin"
cat >"$TMP/fake-src/com/sun/javacard/converter/Main.java" <<'EOF'
package com.sun.javacard.converter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Stand-in for Oracle's converter: logs its arguments and the classes it was given, writes a dummy CAP. */
public class Main {
    public static void main(String[] args) throws Exception {
        List<String> log = new ArrayList<>();
        for (String a : args) {
            log.add("arg " + a);
        }
        log.add("jc.home " + System.getProperty("jc.home"));
        String mode = System.getenv().getOrDefault("FAKE_JC_MODE", "ok");
        String classdir = null;
        String out = null;
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("-classdir")) classdir = args[i + 1];
            if (args[i].equals("-d")) out = args[i + 1];
        }
        final Path root = Paths.get(classdir);
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> p.toString().endsWith(".class")).forEach(p -> {
                try {
                    byte[] b = Files.readAllBytes(p);
                    log.add("class " + root.relativize(p) + " major " + ((b[6] & 0xff) << 8 | (b[7] & 0xff)));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
        }
        Files.write(Paths.get(System.getenv("FAKE_JC_LOG")), log);
        if (mode.equals("fail")) System.exit(3);
        if (mode.equals("nocap")) return;
        String pkg = args[args.length - 3];
        Path dir = Paths.get(out, pkg.replace('.', '/'), "javacard");
        Files.createDirectories(dir);
        String last = pkg.substring(pkg.lastIndexOf('.') + 1);
        Files.write(dir.resolve(last + ".cap"), "FAKE CAP".getBytes());
        Files.write(dir.resolve(last + ".exp"), "FAKE EXP".getBytes());
    }
}
EOF
javac --release 8 -nowarn -d "$TMP/fake-bin" "$TMP/fake-src/com/sun/javacard/converter/Main.java" ||
    { not_ok "compile the fake converter"; }

# make_kit DIR VERSION KIND: KIND multi (3.1/3.2 Tools) or classic (3.0.x)
make_kit() {
    local dir=$1 version=$2 kind=$3
    mkdir -p "$dir/lib" "$TMP/props/com/sun/javacard"
    printf 'converter.version=%s\n' "$version" >"$TMP/props/com/sun/javacard/toolsversion.properties"
    jar cf "$dir/lib/tools.jar" -C "$TMP/fake-bin" . -C "$TMP/props" .
    jar cf "$dir/lib/asm-stand-in.jar" -C "$TMP/props" .
    if [ "$kind" = multi ]; then
        mkdir -p "$dir/api_export_files_3.0.4" "$dir/api_export_files_3.2.0"
        jar cf "$dir/lib/api_classic-3.0.4.jar" -C "$TMP/props" .
    else
        mkdir -p "$dir/api_export_files"
        jar cf "$dir/lib/api_classic.jar" -C "$TMP/props" .
    fi
}
make_kit "$TMP/jc320" 24.1 multi
make_kit "$TMP/jc304" 3.0.4 classic

# A stand-in applet (plain Java: the fake converter does not care), as Java 7 and as Java 17 class files.
mkdir -p "$TMP/src/org/scagent/applet"
cat >"$TMP/src/org/scagent/applet/ScAgentApplet.java" <<'EOF'
package org.scagent.applet;

public class ScAgentApplet {
    private final byte[] buffer;

    private ScAgentApplet() {
        buffer = new byte[4];
    }

    public static void install(byte[] bArray, short bOffset, byte bLength) {
        new ScAgentApplet();
    }

    short size() {
        return (short) buffer.length;
    }
}
EOF
javac --release 7 -nowarn -Xlint:-options -d "$TMP/classes7" "$TMP/src/org/scagent/applet/ScAgentApplet.java" 2>/dev/null
javac --release 17 -d "$TMP/classes17" "$TMP/src/org/scagent/applet/ScAgentApplet.java"
mkdir -p "$TMP/classes7/org/other" && cp "$TMP/classes7/org/scagent/applet/ScAgentApplet.class" "$TMP/classes7/org/other/"

LOG="$TMP/converter.log"
P_AID="0xF0:0x53:0x43:0x41:0x47:0x45:0x4E:0x54"

# 3.2 Tools, Java 7 classes: converted as they are, with -target 3.0.4.
rm -f "$LOG"
if run "3.2 kit converts" 0 JC_HOME="$TMP/jc320" FAKE_JC_LOG="$LOG" -- --classes "$TMP/classes7" --out "$TMP/o1/scagent.cap"; then
    expect "3.2: -target 3.0.4" "arg -target" "$LOG"
    expect "3.2: target value" "arg 3.0.4" "$LOG"
    expect "3.2: applet AID" "arg $P_AID:0x01" "$LOG"
    expect "3.2: applet class" "arg org.scagent.applet.ScAgentApplet" "$LOG"
    expect "3.2: package" "arg org.scagent.applet" "$LOG"
    expect "3.2: package AID is the last but one" "arg $P_AID" "$LOG"
    expect "3.2: package version" "arg 0.1" "$LOG"
    expect "3.2: CAP and EXP" "arg EXP" "$LOG"
    expect "3.2: jc.home" "jc.home $TMP/jc320" "$LOG"
    expect "3.2: only the package is staged" "class org/scagent/applet/ScAgentApplet.class major 51" "$LOG"
    expect "3.2: warns about other packages" "only package org.scagent.applet is converted" "$TMP/out.txt"
    expect "3.2: gp hint" "gp -install $TMP/o1/scagent.cap" "$TMP/out.txt"
    if [ "$(cat "$TMP/o1/scagent.cap")" = "FAKE CAP" ] && [ -f "$TMP/o1/scagent.exp" ]; then
        ok "3.2: CAP and EXP copied"
    else
        not_ok "3.2: CAP and EXP copied"
    fi
    if grep -q '^arg -exportpath' "$LOG" || grep -q '^class org/other' "$LOG"; then
        not_ok "3.2: no -exportpath and no foreign class"
    else
        ok "3.2: no -exportpath and no foreign class"
    fi
    last3=$(grep '^arg ' "$LOG" | tail -n 3 | tr '\n' ' ')
    if [ "$last3" = "arg org.scagent.applet arg $P_AID arg 0.1 " ]; then
        ok "3.2: positional arguments last"
    else
        not_ok "3.2: positional arguments last: $last3"
    fi
fi

# 3.2 Tools, Java 17 classes: recompiled from --sources for Java 7.
rm -f "$LOG"
if run "3.2 kit recompiles Java 17 classes" 0 JC_HOME="$TMP/jc320" FAKE_JC_LOG="$LOG" -- \
    --classes "$TMP/classes17" --sources "$TMP/src" --out "$TMP/o2/scagent.cap" --no-check; then
    expect "recompile: said so" "recompiling" "$TMP/out.txt"
    expect "recompile: Java 7 classes converted" "class org/scagent/applet/ScAgentApplet.class major 51" "$LOG"
fi

# 3.0.4 Classic kit: export path, no -target; Java 7 classes need Java 6, which JDK 17 cannot make.
rm -f "$LOG"
JDK_FEATURE=$(javac -version 2>&1 | awk '{ split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]) }')
if [ "$JDK_FEATURE" -ge 12 ]; then
    run "3.0.4 kit with JDK $JDK_FEATURE and Java 7 classes" 2 JC_HOME="$TMP/jc304" FAKE_JC_LOG="$LOG" -- \
        --classes "$TMP/classes7" --sources "$TMP/src" --out "$TMP/o3/scagent.cap"
    expect "3.0.4: asks for an older JDK" "Set JC_JAVA_HOME to a JDK 8 or 11" "$TMP/out.txt"
fi
if run "3.0.4 kit, JC_MAX_CLASS_MAJOR=51" 0 JC_HOME="$TMP/jc304" JC_MAX_CLASS_MAJOR=51 FAKE_JC_LOG="$LOG" JC_INT=1 \
    JC_CONVERTER_OPTS="-verbose -noverify" -- --classes "$TMP/classes7" --out "$TMP/o3/scagent.cap"; then
    expect "3.0.4: -exportpath" "arg $TMP/jc304/api_export_files" "$LOG"
    expect "3.0.4: JC_INT gives -i" "arg -i" "$LOG"
    expect "3.0.4: JC_CONVERTER_OPTS" "arg -noverify" "$LOG"
    if grep -q '^arg -target' "$LOG"; then not_ok "3.0.4: no -target"; else ok "3.0.4: no -target"; fi
fi

# JDK choice.
run "JC_JAVA_HOME without java" 2 JC_HOME="$TMP/jc320" JC_JAVA_HOME="$TMP/nojdk" -- --classes "$TMP/classes7" --out "$TMP/o7/x.cap"
for jdk in /usr/lib/jvm/*/; do
    v=$("$jdk/bin/javac" -version 2>&1 | awk '!f && /^javac/ { split($2, a, "."); print a[1]; f = 1 }')
    if [[ $v =~ ^[0-9]+$ ]] && [ "$v" -ge 20 ]; then
        run "JDK $v cannot recompile for Java 7" 2 JC_HOME="$TMP/jc320" JC_JAVA_HOME="${jdk%/}" FAKE_JC_LOG="$LOG" -- \
            --classes "$TMP/classes17" --sources "$TMP/src" --out "$TMP/o7/x.cap"
        expect "JDK $v: suggests another JDK" "Set JC_JAVA_HOME to a JDK 8, 11 or 17" "$TMP/out.txt"
        break
    fi
done

# Converter failures.
run "converter exit status" 1 JC_HOME="$TMP/jc320" FAKE_JC_LOG="$LOG" FAKE_JC_MODE=fail -- \
    --classes "$TMP/classes7" --out "$TMP/o4/scagent.cap"
run "converter without CAP" 1 JC_HOME="$TMP/jc320" FAKE_JC_LOG="$LOG" FAKE_JC_MODE=nocap -- \
    --classes "$TMP/classes7" --out "$TMP/o4/scagent.cap"
expect "no CAP: says so" "wrote no CAP file" "$TMP/out.txt"

# Input errors.
run "classes missing" 1 JC_HOME="$TMP/jc320" FAKE_JC_LOG="$LOG" -- --classes "$TMP/none" --out "$TMP/o5/scagent.cap"
expect "classes missing: says how to compile" "mvn -q -f pom.xml -pl applet-spec compile" "$TMP/out.txt"
printf '[applet]\npackage_aid = "F0 53 43 41 47 45 4E 54"\naid = "A0 00 00 00 01 01"\nversion_major = 0\nversion_minor = 1\n' \
    >"$TMP/bad.toml"
run "RID mismatch" 1 JC_HOME="$TMP/jc320" -- --contract "$TMP/bad.toml" --classes "$TMP/classes7" --out "$TMP/o5/x.cap"
printf '[applet]\npackage_aid = "F0 53"\naid = "F0 53 43 41 47 45 4E 54 01"\nversion_major = 0\nversion_minor = 1\n' \
    >"$TMP/short.toml"
run "short package AID" 1 JC_HOME="$TMP/jc320" -- --contract "$TMP/short.toml" --classes "$TMP/classes7" --out "$TMP/o5/x.cap"
run "JC_TARGET the kit lacks" 2 JC_HOME="$TMP/jc320" JC_TARGET=3.1.0 -- --classes "$TMP/classes7" --out "$TMP/o5/x.cap"

# The real applet classes with the default --classes, when they have been compiled (mvn -pl applet-spec compile).
REAL="$HERE/../../applet-spec/target/classes/org/scagent/applet/ScAgentApplet.class"
if [ -f "$REAL" ]; then
    rm -f "$LOG"
    if run "real applet classes" 0 JC_HOME="$TMP/jc320" FAKE_JC_LOG="$LOG" -- --out "$TMP/o6/scagent.cap"; then
        expect "real: ScAgentApplet staged" "class org/scagent/applet/ScAgentApplet.class major" "$LOG"
        expect "real: Contract staged" "class org/scagent/applet/Contract.class major" "$LOG"
    fi
else
    printf 'skip real applet classes (not compiled)\n'
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
