#!/usr/bin/env bash
# DM bootstrap HMAC test vectors (applet-spec/dm-bootstrap.md), computed with the openssl command line, sed and
# xxd only: independently of libscagent.
#   tests/vectors/dm-bootstrap/make.sh [OUTDIR]     (default: this directory)
# writes OUTDIR/vectors.txt (key=value lines) and three raw WAP push PDUs OUTDIR/push-*.wsp.
#
# The body, bootstrap.wbxml, is bootstrap.xml (a SyncML DM 1.2 bootstrap: an Add of a DMAcc account) encoded once
# with libwbxml's tool (Debian package libwbxml2-utils 0.11.8):   xml2wbxml -v 1.2 -o bootstrap.wbxml bootstrap.xml
# Both files are committed; this script only reads bootstrap.wbxml.
#
# For each SEC value the HMAC-SHA1 key is built here from its inputs (OMA DM Security 5.7.2.1, seed 004):
#   NETWORKID              the IMSI in semi-octets (TS 24.008 10.5.1.4 Mobile Identity = EF_IMSI bytes 2.., TS 31.102
#                          4.2.2): first nibble the parity and type (9 = 1001b odd digit count, 1 = 0001b even), then
#                          the digits, an F filler when the count is even, the two nibbles of every byte swapped;
#                          or the ESN as its 4 bytes
#   USERPIN                the PIN's ASCII bytes
#   USERPIN_NETWORKID      PIN, ':' (3A), then the NETWORKID bytes above
#   NETWORKID_GBA          Ks_NAF (32 bytes)
#   USERPIN_NETWORKID_GBA  PIN, ':' (3A), then Ks_NAF
# and the MAC is computed twice, with `openssl mac` and `openssl dgst -mac HMAC`, which must agree.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE}
BODY=$HERE/bootstrap.wbxml
mkdir -p "$OUT"

IMSI_ODD=310260801674539    # 15 digits (the Funambol TestMac IMSI; key 3901628010765493, host-patterns 5.3)
IMSI_EVEN=21407650123456    # 14 digits (key 21417056103254F6, host-patterns 5.3)
ESN=8E012345                # 8 hex digits, a CDMA ESN (manufacturer code 8E, serial 012345)
PIN=1234
KS_NAF=000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F

upper() { tr 'a-f' 'A-F'; }
semi_octet() { # DIGITS -> hex: parity/type nibble, digits, F filler when even, nibbles swapped pairwise
    local d=$1
    if [ $((${#d} % 2)) -eq 1 ]; then d="9$d"; else d="1${d}F"; fi
    printf '%s' "$d" | sed 's/\(.\)\(.\)/\2\1/g'
}
ascii_hex() { printf '%s' "$1" | xxd -p -c 256 | tr -d '\n' | upper; }
hmac() { # hexkey -> hex MAC over the body; two openssl front ends must agree
    local a b
    a=$(openssl mac -digest SHA1 -macopt "hexkey:$1" -in "$BODY" HMAC | upper)
    b=$(openssl dgst -sha1 -mac HMAC -macopt "hexkey:$1" "$BODY" | sed 's/.*= *//' | upper)
    if [ "$a" != "$b" ]; then
        echo "make.sh: openssl mac and openssl dgst disagree for key $1" >&2
        exit 1
    fi
    printf '%s' "$a"
}

K_IMSI_ODD=$(semi_octet "$IMSI_ODD")
K_IMSI_EVEN=$(semi_octet "$IMSI_EVEN")
# cross-check the shell encoding against the published examples (host-patterns 5.3)
[ "$K_IMSI_ODD" = 3901628010765493 ] && [ "$K_IMSI_EVEN" = 21417056103254F6 ] &&
    [ "$(semi_octet 123456789012345)" = 1932547698103254 ] || { echo "make.sh: semi-octet encoding broken" >&2; exit 1; }
K_PIN=$(ascii_hex "$PIN")
COLON=3A

# id  SEC  key(hex)
CASES="networkid NETWORKID $K_IMSI_ODD
networkid_even NETWORKID $K_IMSI_EVEN
networkid_esn NETWORKID $ESN
userpin USERPIN $K_PIN
userpin_networkid USERPIN_NETWORKID $K_PIN$COLON$K_IMSI_ODD
networkid_gba NETWORKID_GBA $KS_NAF
userpin_networkid_gba USERPIN_NETWORKID_GBA $K_PIN$COLON$KS_NAF"

declare -A MAC
{
    echo "# DM bootstrap HMAC-SHA1 vectors over bootstrap.wbxml, made by tests/vectors/dm-bootstrap/make.sh"
    echo "# with the openssl command line (applet-spec/dm-bootstrap.md). Do not edit: rerun make.sh."
    echo "body_len=$(wc -c <"$BODY" | tr -d ' ')"
    echo "body_sha256=$(openssl dgst -sha256 -r "$BODY" | cut -d' ' -f1 | upper)"
    echo "imsi_odd=$IMSI_ODD"
    echo "imsi_odd_key=$K_IMSI_ODD"
    echo "imsi_even=$IMSI_EVEN"
    echo "imsi_even_key=$K_IMSI_EVEN"
    echo "esn=$ESN"
    echo "pin=$PIN"
    echo "ks_naf=$KS_NAF"
    while read -r id sec key; do
        mac=$(hmac "$key")
        MAC[$id]=$mac
        echo "$id.sec=$sec"
        echo "$id.key=$key"
        echo "$id.mac=$mac"
        echo "$id.content_type=application/vnd.syncml.dm+wbxml; SEC=$sec; MAC=$mac"
    done <<<"$CASES"
} >"$OUT/vectors.txt"

# --- raw WAP push PDUs (WAP-230-WSP 8.2.4.1 Push PDU; 8.4.2.24 Content-type; 8.4.2.4 parameters) -----------------
uintvar() { # N -> hex, 7 bits per octet, most significant first, continuation bit on all but the last
    local n=$1 out
    out=$(printf '%02X' $((n & 0x7F)))
    n=$((n >> 7))
    while [ "$n" -gt 0 ]; do
        out=$(printf '%02X' $(((n & 0x7F) | 0x80)))$out
        n=$((n >> 7))
    done
    printf '%s' "$out"
}
value_length() { # hex of a general-form value -> Value-length (Short-length 0..30, else 1F + uintvar)
    local n=$((${#1} / 2))
    if [ "$n" -le 30 ]; then printf '%02X' "$n"; else printf '1F%s' "$(uintvar "$n")"; fi
}
push() { # FILE CONTENT_TYPE_VALUE_HEX: TID 01, PDU type 06 (Push), headers length, content type, then
         # X-Wap-Application-Id: x-wap-application:syncml.dm (AF 87, skipped by the client), then the body
    local ct=$2 headers
    headers=${ct}AF87
    printf '%s%s%s' 0106 "$(uintvar $((${#headers} / 2)))" "$headers" | xxd -r -p >"$OUT/$1"
    cat "$BODY" >>"$OUT/$1"
}
text() { ascii_hex "$1"; printf '00'; } # Token-text / Text-string: the characters, End-of-string
# 1. well-known content type C2 (0x42 application/vnd.syncml.dm+wbxml), SEC as the WSP 1.4 typed parameter
#    91 (0x11) with the ProvBoot short-integer 80 (NETWPIN = NETWORKID), MAC as typed parameter 92 (0x12) with the
#    upper-case hex Text-string (as Kannel's ota_prov.c encodes it)
v=C2918092$(text "${MAC[networkid]}")
push push-networkid.wsp "$(value_length "$v")$v"
# 2. the same for USERPIN (81), the MAC in lower case as a Quoted-string (22 ... 00), MAC before SEC
v=C29222$(text "$(printf '%s' "${MAC[userpin]}" | tr 'A-F' 'a-f')")9181
push push-userpin.wsp "$(value_length "$v")$v"
# 3. the media type as Extension-media text, SEC and MAC as untyped parameters (Token-text names "SEC", "MAC"
#    with Text-string values): how DM SEC names without a WSP code (the GBA ones) travel
v=$(text application/vnd.syncml.dm+wbxml)$(text SEC)$(text USERPIN_NETWORKID_GBA)$(text MAC)$(text "${MAC[userpin_networkid_gba]}")
push push-userpin-networkid-gba.wsp "$(value_length "$v")$v"
