# Shared helpers of the shell test suites (sourced). The caller sets TMP; results go to $pass / $fail.
pass=${pass:-0}
fail=${fail:-0}
ok() { pass=$((pass + 1)); echo "  ok   $1"; }
bad() { fail=$((fail + 1)); echo "  FAIL $1"; }
# expect_exit CODE NAME CMD...: run CMD (with a time limit), check its exit code; stdout in $TMP/out, stderr in
# $TMP/err
expect_exit() {
    local want=$1 name=$2 got
    shift 2
    timeout "${EXPECT_TIMEOUT:-30}" "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    if [ "$got" -eq "$want" ]; then ok "$name"; else bad "$name (exit $got, want $want): $(head -c 300 "$TMP/err")"; fi
}
# expect_json NAME PYTHON-EXPR: the last command's stdout is JSON for which EXPR (over `j`) holds
expect_json() {
    if python3 -c "import json,sys; j=json.load(open('$TMP/out')); sys.exit(0 if ($2) else 1)" 2>/dev/null; then
        ok "$1"
    else
        bad "$1: $(head -c 300 "$TMP/out")"
    fi
}
# check NAME CMD...: a plain predicate
check() {
    local name=$1
    shift
    if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi
}
