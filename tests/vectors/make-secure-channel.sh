#!/usr/bin/env bash
# Compute the issuer secure-channel test vector with the openssl command line only, independently of
# libscagent and of the applet, and print it as key=value lines (tests/vectors/secure-channel.txt).
# Usage: tests/vectors/make-secure-channel.sh > tests/vectors/secure-channel.txt
set -euo pipefail
K=404142434445464748494A4B4C4D4E4F
HOST=0001020304050607
CARD=1011121314151617
PIN_BLOCK=31323334FFFFFFFF   # PIN "1234"

cmac() { # key hexdata -> hex
    printf '%s' "$2" | xxd -r -p | openssl mac -cipher AES-128-CBC -macopt "hexkey:$1" CMAC | tr 'a-f' 'A-F'
}
dd() { # constant L
    printf '0000000000000000000000%s00%s01%s%s' "$1" "$2" "$HOST" "$CARD"
}
S_ENC=$(cmac "$K" "$(dd 04 0080)")
S_MAC=$(cmac "$K" "$(dd 06 0080)")
CARD_CG=$(cmac "$S_MAC" "$(dd 00 0040)" | cut -c1-16)
HOST_CG=$(cmac "$S_MAC" "$(dd 01 0040)" | cut -c1-16)
# EXTERNAL AUTHENTICATE: MCV = 0, data not encrypted.
EA_FULL=$(cmac "$S_MAC" "00000000000000000000000000000000""8482330010""$HOST_CG")
EA_MAC=${EA_FULL:0:16}
# First wrapped command: RESET RETRY COUNTER 04 2C 02 81 with PIN block, counter 1.
IV=$(printf '%s' 00000000000000000000000000000001 | xxd -r -p |
     openssl enc -aes-128-ecb -K "$S_ENC" -nopad | xxd -p -c 256 | tr 'a-f' 'A-F')
CT=$(printf '%s' "${PIN_BLOCK}8000000000000000" | xxd -r -p |
     openssl enc -aes-128-cbc -K "$S_ENC" -iv "$IV" -nopad | xxd -p -c 256 | tr 'a-f' 'A-F')
RRC_FULL=$(cmac "$S_MAC" "${EA_FULL}042C028118${CT}")
RRC_MAC=${RRC_FULL:0:16}
cat <<OUT
# Issuer secure channel test vector (applet-spec/secure-channel.md), computed by
# tests/vectors/make-secure-channel.sh with the openssl command line.
key_enc=$K
key_mac=$K
host_challenge=$HOST
card_challenge=$CARD
s_enc=$S_ENC
s_mac=$S_MAC
card_cryptogram=$CARD_CG
host_cryptogram=$HOST_CG
external_authenticate=8482330010${HOST_CG}${EA_MAC}
reset_retry_counter_pin_1234=042C028118${CT}${RRC_MAC}
OUT
