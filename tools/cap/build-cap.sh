#!/usr/bin/env bash
# build-cap.sh: convert the scagent applet classes into a Java Card CAP file (build/cap/scagent.cap) with the
# converter of Oracle's Java Card Development Kit, found through JC_HOME. Target platform: Java Card 3.0.4 classic.
#
# Usage: tools/cap/build-cap.sh [options]        (tools/cap/build-cap.sh --help for the options)
#
# Exit status: 0 CAP written; 1 conversion or input error; 2 no usable Java Card SDK or JDK (nothing was
# attempted; a Makefile may treat 2 as "skipped"); 64 bad command line.
#
# Environment:
#   JC_HOME              the unpacked Java Card kit (required). Supported: the Tools of Java Card Development Kit
#                        3.1 / 3.2 (jc310*, jc320v24.x, v25.x: lib/tools.jar + api_export_files_3.0.4/, used with
#                        -target 3.0.4) and the Classic Development Kits 3.0.4 / 3.0.5 (jc304_kit, jc305u*_kit:
#                        lib/tools.jar + lib/api_classic.jar + api_export_files/).
#   JC_TARGET            Java Card version to target with a 3.1/3.2 kit (default 3.0.4)
#   JC_JAVA_HOME         JDK that runs javac and the converter (default: JAVA_HOME, else java on PATH)
#   JC_MAX_CLASS_MAJOR   class file major version the converter accepts (default from the kit: 3.0.3/3.0.4 -> 50,
#                        3.0.5, 3.1, 3.2 v24 -> 51, v25 and later -> 54); newer classes are recompiled from source
#   JC_INT=1             pass -i (32-bit int support) to the converter; the card must support int
#   JC_DEBUG=1           pass -debug (debug component in the CAP)
#   JC_CONVERTER_OPTS    extra converter options, split on blanks
# No network is used.
set -euo pipefail

PROG=build-cap
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

CLASSES_DIR="$ROOT/applet-spec/target/classes"
OUT_CAP="$ROOT/build/cap/scagent.cap"
CONTRACT="$ROOT/apdu/contract.toml"
JCSUBSET_JAR="$ROOT/tools/jcsubset/target/scagent-jcsubset.jar"
APPLET_CLASS=""
SOURCES=()
RECOMPILE=0
CHECK=1
JC_TARGET=${JC_TARGET:-3.0.4}

usage() {
    cat <<EOF
usage: tools/cap/build-cap.sh [options]
Converts the applet classes into a Java Card 3.0.4 CAP file with the Oracle Java Card converter (JC_HOME).

options:
  --classes DIR     compiled applet classes (default: applet-spec/target/classes)
  --out FILE        CAP file to write (default: build/cap/scagent.cap); the export file goes beside it (.exp)
  --contract FILE   contract with the [applet] table: package_aid, aid, version_major, version_minor and
                    optionally package / class (default: apdu/contract.toml)
  --class NAME      applet class (default: [applet] class, else org.scagent.applet.ScAgentApplet)
  --sources DIR     source root for a recompile (repeatable; default: applet-spec/src/main/java and
                    applet-spec/target/generated-sources/*)
  --recompile       always recompile the sources against the kit's API jar
  --no-check        skip the Java Card subset check (tools/jcsubset) before converting
  -h, --help        this text

Environment: JC_HOME (required), JC_TARGET, JC_JAVA_HOME, JC_MAX_CLASS_MAJOR, JC_INT, JC_DEBUG,
JC_CONVERTER_OPTS; see the head of this script. Exit status: 0 ok, 1 error, 2 no usable SDK/JDK, 64 usage.
EOF
}

info() { printf '%s: %s\n' "$PROG" "$*"; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
die() {
    printf '%s: error: %s\n' "$PROG" "$*" >&2
    exit 1
}

# Prints what is missing and how to get it, then exits 2.
missing_sdk() {
    cat >&2 <<EOF
$PROG: cannot build the CAP file: $*

The CAP file is made by the converter of Oracle's Java Card Development Kit. It is not on Maven Central and
this build does not download it (no network is used): get it yourself under Oracle's licence from
  https://www.oracle.com/java/technologies/javacard-downloads.html
unpack it, and point JC_HOME at the kit. The applet targets Java Card 3.0.4 (classic). Either of:
  - Java Card Development Kit Tools 3.1 / 3.2 (e.g. jc320v24.0_kit, or the v25 tools), run with JDK 17:
    the CAP is made with "-target 3.0.4" (JC_TARGET). Recommended.
        JC_HOME=\$HOME/javacard/jc320v24.0_kit tools/cap/build-cap.sh
  - Java Card Classic Development Kit 3.0.4 (jc304_kit) or 3.0.5 (jc305u*_kit): lib/tools.jar,
    lib/api_classic.jar, api_export_files/. Its converter reads Java 6 (3.0.4) or Java 7 (3.0.5) class files,
    so a recompile for 3.0.4 needs a JDK 8 or 11 (JC_JAVA_HOME).
        JC_HOME=\$HOME/javacard/jc304_kit JC_JAVA_HOME=/usr/lib/jvm/java-11-openjdk-amd64 tools/cap/build-cap.sh

Then load the CAP onto a physical card with GlobalPlatformPro (gp), using the card's own keys if they are not
the default test keys:
  gp -install build/cap/scagent.cap
EOF
    exit 2
}

need_arg() {
    if [ "$#" -lt 2 ] || [ -z "$2" ]; then
        printf '%s: %s needs a value\n' "$PROG" "$1" >&2
        usage >&2
        exit 64
    fi
}

while [ "$#" -gt 0 ]; do
    case "$1" in
        --classes) need_arg "$@"; CLASSES_DIR=$2; shift 2 ;;
        --classes=*) CLASSES_DIR=${1#*=}; shift ;;
        --out) need_arg "$@"; OUT_CAP=$2; shift 2 ;;
        --out=*) OUT_CAP=${1#*=}; shift ;;
        --contract) need_arg "$@"; CONTRACT=$2; shift 2 ;;
        --contract=*) CONTRACT=${1#*=}; shift ;;
        --class) need_arg "$@"; APPLET_CLASS=$2; shift 2 ;;
        --class=*) APPLET_CLASS=${1#*=}; shift ;;
        --sources) need_arg "$@"; SOURCES+=("$2"); shift 2 ;;
        --sources=*) SOURCES+=("${1#*=}"); shift ;;
        --recompile) RECOMPILE=1; shift ;;
        --no-check) CHECK=0; shift ;;
        -h | --help) usage; exit 0 ;;
        *)
            printf '%s: unknown argument: %s\n' "$PROG" "$1" >&2
            usage >&2
            exit 64
            ;;
    esac
done

# ------------------------------------------------------------------------------------------------ the kit

# converter.version from lib/tools.jar (3.0.4, 3.0.5, 3.1.0, 3.2.0, 24.1, 25.0, ...), or empty.
kit_version() {
    local jar=$1 props="com/sun/javacard/toolsversion.properties" text="" tmp
    if command -v unzip >/dev/null 2>&1; then
        text=$(unzip -p "$jar" "$props" 2>/dev/null || true)
    fi
    if [ -z "$text" ] && [ -n "${JAR_TOOL:-}" ]; then
        tmp=$(mktemp -d)
        (cd "$tmp" && "$JAR_TOOL" xf "$jar" "$props" >/dev/null 2>&1) || true
        [ -f "$tmp/$props" ] && text=$(cat "$tmp/$props")
        rm -rf "${tmp:?}"
    fi
    printf '%s\n' "$text" | awk '
        !found && /^[[:space:]]*converter\.version[[:space:]]*=/ {
            sub(/^[^=]*=[[:space:]]*/, ""); sub(/[[:space:]\r]*$/, ""); print; found = 1
        }'
}

if [ -z "${JC_HOME:-}" ]; then
    missing_sdk "JC_HOME is not set."
fi
if [ ! -d "$JC_HOME" ]; then
    missing_sdk "JC_HOME=$JC_HOME is not a directory."
fi
JC_HOME=$(cd "$JC_HOME" && pwd)
LIB="$JC_HOME/lib"
if [ ! -f "$LIB/tools.jar" ]; then
    if [ -f "$LIB/converter.jar" ]; then
        missing_sdk "JC_HOME=$JC_HOME looks like a Java Card 2.x kit (lib/converter.jar); it cannot target Java Card 3.0.4. Use a 3.0.4/3.0.5 Classic kit or the 3.1/3.2 Tools."
    fi
    missing_sdk "JC_HOME=$JC_HOME has no lib/tools.jar (the converter), so it is not a Java Card 3.x kit. (Unpacked the Simulator bundle instead of the Tools, or pointed at its parent directory?)"
fi

# The JDK: javac (for a recompile), java (the converter), jar (to read the kit version without unzip).
if [ -n "${JC_JAVA_HOME:-}" ]; then
    [ -x "$JC_JAVA_HOME/bin/java" ] || missing_sdk "JC_JAVA_HOME=$JC_JAVA_HOME has no bin/java."
    JDK_BIN="$JC_JAVA_HOME/bin"
elif [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    JDK_BIN="$JAVA_HOME/bin"
elif command -v java >/dev/null 2>&1; then
    JDK_BIN=$(dirname "$(command -v java)")
else
    missing_sdk "no Java runtime found (set JC_JAVA_HOME or JAVA_HOME, or put java on PATH)."
fi
JAVA="$JDK_BIN/java"
JAVAC="$JDK_BIN/javac"
JAR_TOOL=""
[ -x "$JDK_BIN/jar" ] && JAR_TOOL="$JDK_BIN/jar"

KIT_VERSION=$(kit_version "$LIB/tools.jar")
EXPORT_PATH=""
TARGET_OPTS=()
if [ -d "$JC_HOME/api_export_files_3.0.4" ] || [ -d "$JC_HOME/api_export_files_3.1.0" ]; then
    # Java Card Development Kit Tools 3.1 / 3.2: one converter for several targets.
    KIT_KIND="multi"
    KIT_DESC="Java Card Development Kit Tools ${KIT_VERSION:-3.1+}"
    if [ ! -d "$JC_HOME/api_export_files_$JC_TARGET" ]; then
        missing_sdk "$KIT_DESC in $JC_HOME has no api_export_files_$JC_TARGET, so it cannot target Java Card $JC_TARGET (JC_TARGET)."
    fi
    TARGET_OPTS=(-target "$JC_TARGET")
    API_JAR="$LIB/api_classic-$JC_TARGET.jar"
    if [ ! -f "$API_JAR" ]; then
        API_JAR=$(find "$LIB" -maxdepth 1 -name 'api_classic-*.jar' ! -name '*annotations*' | sort -V | tail -n 1)
    fi
    case "$KIT_VERSION" in
        2[5-9].* | [3-9][0-9].*) DEFAULT_MAJOR=54 ;; # v25+: Java 10 class files (Oracle's Tools User Guide)
        *) DEFAULT_MAJOR=51 ;;                    # 3.1.0, 3.2.0 (v24): Java 7
    esac
elif [ -d "$JC_HOME/api_export_files" ]; then
    # Java Card Classic Development Kit 3.0.x: the kit's own API version is the target.
    KIT_KIND="classic"
    KIT_DESC="Java Card Classic Development Kit ${KIT_VERSION:-3.0.x}"
    EXPORT_PATH="$JC_HOME/api_export_files"
    API_JAR="$LIB/api_classic.jar"
    case "$KIT_VERSION" in
        3.0.5*) DEFAULT_MAJOR=51 ;;
        *) DEFAULT_MAJOR=50 ;;
    esac
    if [ "${KIT_VERSION:-}" != "" ] && [ "${KIT_VERSION#3.0.4}" = "$KIT_VERSION" ]; then
        warn "$KIT_DESC builds against its own API export files (Java Card $KIT_VERSION), not 3.0.4: a Java Card 3.0.4 card may refuse the CAP. Use the 3.0.4 kit or the 3.1/3.2 Tools (-target 3.0.4)."
    fi
    if [ "$JC_TARGET" != "3.0.4" ]; then
        warn "JC_TARGET=$JC_TARGET is ignored by $KIT_DESC (it only targets its own version)."
    fi
else
    missing_sdk "JC_HOME=$JC_HOME has lib/tools.jar but neither api_export_files/ (3.0.x Classic kit) nor api_export_files_3.0.4/ (3.1/3.2 Tools): the Java Card API export files are missing."
fi
MAX_MAJOR=${JC_MAX_CLASS_MAJOR:-$DEFAULT_MAJOR}
case "$MAX_MAJOR" in
    '' | *[!0-9]*) die "JC_MAX_CLASS_MAJOR must be a number (e.g. 51), not '$MAX_MAJOR'" ;;
esac
info "kit: $KIT_DESC in $JC_HOME (target Java Card $([ "$KIT_KIND" = multi ] && echo "$JC_TARGET" || echo "${KIT_VERSION:-3.0.x}"), class files up to major $MAX_MAJOR)"

# ------------------------------------------------------------------------------------------------ the applet

# toml_get FILE SECTION KEY: the value of KEY in [SECTION], quotes and trailing comment removed.
toml_get() {
    awk -v want="$2" -v key="$3" '
        /^[[:space:]]*\[/ {
            s = $0
            sub(/^[[:space:]]*\[[[:space:]]*/, "", s)
            sub(/[[:space:]]*\].*$/, "", s)
            insec = (s == want)
            next
        }
        insec {
            line = $0
            sub(/^[[:space:]]*/, "", line)
            if (index(line, key) != 1) next
            rest = substr(line, length(key) + 1)
            if (rest !~ /^[[:space:]]*=/) next
            sub(/^[[:space:]]*=[[:space:]]*/, "", rest)
            if (substr(rest, 1, 1) == "\"") {
                rest = substr(rest, 2)
                rest = substr(rest, 1, index(rest, "\"") - 1)
            } else {
                sub(/[[:space:]]*(#.*)?$/, "", rest)
            }
            print rest
            exit
        }' "$1"
}

# "F0 53 43 41 47" -> hex string without separators, upper case; fails unless 5..16 bytes.
aid_hex() {
    local hex
    hex=$(printf '%s' "$1" | tr -d ' :\t' | tr 'abcdef' 'ABCDEF')
    [[ $hex =~ ^([0-9A-F][0-9A-F]){5,16}$ ]] || return 1
    printf '%s\n' "$hex"
}

# F053434147 -> 0xF0:0x53:0x43:0x41:0x47 (the converter's AID syntax)
aid_converter() {
    local hex=$1 out="" i
    for ((i = 0; i < ${#hex}; i += 2)); do
        out+="${out:+:}0x${hex:i:2}"
    done
    printf '%s\n' "$out"
}

[ -f "$CONTRACT" ] || die "contract $CONTRACT not found (--contract)"
PKG_AID_RAW=$(toml_get "$CONTRACT" applet package_aid)
APPLET_AID_RAW=$(toml_get "$CONTRACT" applet aid)
V_MAJOR=$(toml_get "$CONTRACT" applet version_major)
V_MINOR=$(toml_get "$CONTRACT" applet version_minor)
C_PACKAGE=$(toml_get "$CONTRACT" applet package)
C_CLASS=$(toml_get "$CONTRACT" applet class)

PKG_AID=$(aid_hex "$PKG_AID_RAW") || die "[applet] package_aid in $CONTRACT is not 5..16 hex bytes: '$PKG_AID_RAW'"
APPLET_AID=$(aid_hex "$APPLET_AID_RAW") || die "[applet] aid in $CONTRACT is not 5..16 hex bytes: '$APPLET_AID_RAW'"
[ "${APPLET_AID:0:10}" = "${PKG_AID:0:10}" ] ||
    die "the applet AID $APPLET_AID and the package AID $PKG_AID must share the RID (first 5 bytes)"
for v in "$V_MAJOR" "$V_MINOR"; do
    if ! [[ $v =~ ^[0-9]+$ ]] || [ "$((10#$v))" -gt 127 ]; then
        die "[applet] version_major/version_minor in $CONTRACT must be integers 0..127, got '$V_MAJOR'.'$V_MINOR'"
    fi
done
PKG_VERSION="$((10#$V_MAJOR)).$((10#$V_MINOR))"

if [ -z "$APPLET_CLASS" ]; then
    APPLET_CLASS=${C_CLASS:-ScAgentApplet}
fi
if [[ $APPLET_CLASS != *.* ]]; then
    APPLET_CLASS="${C_PACKAGE:-org.scagent.applet}.$APPLET_CLASS"
fi
PKG=${APPLET_CLASS%.*}
if [ -n "$C_PACKAGE" ] && [ "$C_PACKAGE" != "$PKG" ]; then
    die "applet class $APPLET_CLASS is not in the contract's package $C_PACKAGE"
fi
PKG_PATH=${PKG//.//}
CLASS_FILE="${APPLET_CLASS//.//}.class"

# ------------------------------------------------------------------------------------------------ the classes

# Class file major version (bytes 6..7).
class_major() {
    od -An -tu1 -j6 -N2 "$1" | awk '{ print $1 * 256 + $2 }'
}

# Highest major version of the .class files directly in $1 (the package directory).
max_major_in() {
    local f m max=0
    for f in "$1"/*.class; do
        [ -f "$f" ] || continue
        m=$(class_major "$f")
        if [ "$m" -gt "$max" ]; then
            max=$m
        fi
    done
    printf '%s\n' "$max"
}

OUT_DIR=$(dirname "$OUT_CAP")
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
OUT_CAP="$OUT_DIR/$(basename "$OUT_CAP")"
WORK="$OUT_DIR/work"
rm -rf "${WORK:?}"
mkdir -p "$WORK/classes/$PKG_PATH" "$WORK/out"

if [ "$RECOMPILE" -eq 0 ]; then
    if [ ! -f "$CLASSES_DIR/$CLASS_FILE" ]; then
        die "$CLASSES_DIR/$CLASS_FILE not found: compile the applet first (mvn -q -f pom.xml -pl applet-spec compile), or pass --classes DIR"
    fi
    HAVE_MAJOR=$(max_major_in "$CLASSES_DIR/$PKG_PATH")
    if [ "$HAVE_MAJOR" -gt "$MAX_MAJOR" ]; then
        info "classes in $CLASSES_DIR are class file version $HAVE_MAJOR, newer than $KIT_DESC reads ($MAX_MAJOR): recompiling"
        RECOMPILE=1
    else
        cp "$CLASSES_DIR/$PKG_PATH"/*.class "$WORK/classes/$PKG_PATH/"
        if [ -n "$(find "$CLASSES_DIR" -name '*.class' ! -path "$CLASSES_DIR/$PKG_PATH/*" -print -quit)" ]; then
            warn "$CLASSES_DIR has classes outside $PKG; only package $PKG is converted"
        fi
        info "classes: $CLASSES_DIR/$PKG_PATH (class file version $HAVE_MAJOR)"
    fi
fi

if [ "$RECOMPILE" -eq 1 ]; then
    if [ "${#SOURCES[@]}" -eq 0 ]; then
        SOURCES=("$ROOT/applet-spec/src/main/java")
        for d in "$ROOT"/applet-spec/target/generated-sources/*/; do
            [ -d "$d" ] && SOURCES+=("${d%/}")
        done
    fi
    [ -x "$JAVAC" ] || missing_sdk "a recompile is needed but $JDK_BIN has no javac (set JC_JAVA_HOME to a JDK)."
    if [ -z "$API_JAR" ] || [ ! -f "$API_JAR" ]; then
        missing_sdk "$KIT_DESC in $JC_HOME has no Java Card API jar (${API_JAR:-lib/api_classic*.jar}) to compile against."
    fi
    SRC_FILES=()
    for d in "${SOURCES[@]}"; do
        [ -d "$d" ] || die "source directory $d not found (--sources)"
        while IFS= read -r -d '' f; do
            SRC_FILES+=("$f")
        done < <(find "$d" -name '*.java' -print0 | sort -z)
    done
    [ "${#SRC_FILES[@]}" -gt 0 ] || die "no .java files in ${SOURCES[*]}"
    JDK_VERSION=$("$JAVAC" -version 2>&1 | awk '!found && /^javac/ { print $2; found = 1 }')
    case "$JDK_VERSION" in
        1.*) JDK_FEATURE=$(printf '%s' "$JDK_VERSION" | cut -d. -f2) ;;
        *) JDK_FEATURE=${JDK_VERSION%%[.-]*} ;;
    esac
    [[ $JDK_FEATURE =~ ^[0-9]+$ ]] || die "cannot tell the version of $JAVAC ('$JDK_VERSION')"
    RELEASE=$((MAX_MAJOR - 44))
    if [ "$RELEASE" -gt 8 ]; then
        RELEASE=8
    fi
    # Oldest class files each javac still writes: JDK 12..19 -> Java 7, JDK 20 and later -> Java 8.
    MIN_RELEASE=6
    if [ "$JDK_FEATURE" -ge 20 ]; then
        MIN_RELEASE=8
    elif [ "$JDK_FEATURE" -ge 12 ]; then
        MIN_RELEASE=7
    fi
    if [ "$RELEASE" -lt "$MIN_RELEASE" ]; then
        if [ "$RELEASE" -lt 7 ]; then
            missing_sdk "$KIT_DESC reads Java $RELEASE class files at most, and JDK $JDK_FEATURE ($JAVAC) cannot produce them. Set JC_JAVA_HOME to a JDK 8 or 11, or use the 3.1/3.2 Tools with -target 3.0.4."
        fi
        missing_sdk "$KIT_DESC reads Java $RELEASE class files at most, and JDK $JDK_FEATURE ($JAVAC) cannot produce them. Set JC_JAVA_HOME to a JDK 8, 11 or 17."
    fi
    if [ "$JDK_FEATURE" -ge 9 ]; then
        JAVAC_OPTS=(--release "$RELEASE")
    else
        JAVAC_OPTS=(-source "1.$RELEASE" -target "1.$RELEASE")
    fi
    mkdir -p "$WORK/recompiled"
    info "recompiling ${#SRC_FILES[@]} source files with JDK $JDK_FEATURE for Java $RELEASE against $API_JAR"
    "$JAVAC" "${JAVAC_OPTS[@]}" -g -encoding UTF-8 -Xlint:-options -nowarn -cp "$API_JAR" \
        -d "$WORK/recompiled" "${SRC_FILES[@]}" ||
        die "javac failed"
    [ -f "$WORK/recompiled/$CLASS_FILE" ] || die "the sources do not define $APPLET_CLASS"
    cp "$WORK/recompiled/$PKG_PATH"/*.class "$WORK/classes/$PKG_PATH/"
fi

# ------------------------------------------------------------------------------------------------ subset check

if [ "$CHECK" -eq 1 ]; then
    if [ -f "$JCSUBSET_JAR" ]; then
        info "checking the Java Card subset (tools/jcsubset)"
        "$JAVA" -jar "$JCSUBSET_JAR" "$WORK/classes" || die "the applet breaks the Java Card subset (see above); fix it or pass --no-check"
    else
        warn "subset check skipped: $JCSUBSET_JAR not built (mvn -q -f pom.xml -pl tools/jcsubset package)"
    fi
fi

# ------------------------------------------------------------------------------------------------ convert

CP="$LIB/tools.jar"
for j in "$LIB"/*.jar; do
    [ "$j" = "$LIB/tools.jar" ] || CP="$CP:$j"
done
printf '%s\n' 'handlers = java.util.logging.ConsoleHandler' '.level = WARNING' >"$WORK/logging.properties"

CONV_OPTS=(-classdir "$WORK/classes" -d "$WORK/out" -out CAP EXP -nobanner)
[ -n "$EXPORT_PATH" ] && CONV_OPTS+=(-exportpath "$EXPORT_PATH")
if [ "${#TARGET_OPTS[@]}" -gt 0 ]; then
    CONV_OPTS+=("${TARGET_OPTS[@]}")
fi
if [ "${JC_INT:-0}" = 1 ]; then
    CONV_OPTS+=(-i)
fi
if [ "${JC_DEBUG:-0}" = 1 ]; then
    CONV_OPTS+=(-debug)
fi
if [ -n "${JC_CONVERTER_OPTS:-}" ]; then
    read -r -a EXTRA <<<"$JC_CONVERTER_OPTS"
    if [ "${#EXTRA[@]}" -gt 0 ]; then
        CONV_OPTS+=("${EXTRA[@]}")
    fi
fi
CONV_OPTS+=(-applet "$(aid_converter "$APPLET_AID")" "$APPLET_CLASS" "$PKG" "$(aid_converter "$PKG_AID")" "$PKG_VERSION")

info "converting $PKG (AID $PKG_AID, version $PKG_VERSION), applet $APPLET_CLASS (AID $APPLET_AID)"
printf '%s: %s' "$PROG" "$JAVA -cp <kit lib/*.jar> com.sun.javacard.converter.Main"
printf ' %q' "${CONV_OPTS[@]}"
printf '\n'
set +e
(cd "$WORK" && "$JAVA" -Djc.home="$JC_HOME" -Djava.util.logging.config.file="$WORK/logging.properties" \
    -cp "$CP" com.sun.javacard.converter.Main "${CONV_OPTS[@]}")
RC=$?
set -e

LAST=${PKG##*.}
CAP="$WORK/out/$PKG_PATH/javacard/$LAST.cap"
EXP="$WORK/out/$PKG_PATH/javacard/$LAST.exp"
# Some converter releases exit 0 after errors: the CAP file is the proof.
if [ "$RC" -ne 0 ]; then
    die "the converter failed (exit status $RC)"
fi
if [ ! -s "$CAP" ]; then
    die "the converter wrote no CAP file ($CAP); see its messages above"
fi
cp "$CAP" "$OUT_CAP"
if [ -f "$EXP" ]; then
    cp "$EXP" "${OUT_CAP%.cap}.exp"
fi
info "wrote $OUT_CAP ($(wc -c <"$OUT_CAP" | tr -d ' ') bytes)"
info "load it onto a card with GlobalPlatformPro: gp -install $OUT_CAP"
