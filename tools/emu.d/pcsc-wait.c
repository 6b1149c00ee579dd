/*
 * pcsc-wait: wait until a PC/SC reader shows a card (or no card), with a timeout. Used by tools/emu.
 *
 * usage: pcsc-wait [--absent] [--timeout MS] [--print] READER
 *   --absent      wait for "no card" instead of "card present"
 *   --timeout MS  give up after MS milliseconds (default 10000; 0 = look once)
 *   --print       print the final state on stdout: "present <ATR hex>", "mute", "empty" or "unknown"
 * exit status: 0 reached, 1 timed out (or the reader does not exist), 2 PC/SC error or bad usage.
 *
 * Build: cc -O2 -o pcsc-wait pcsc-wait.c $(pkg-config --cflags --libs libpcsclite)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void print_state(const SCARD_READERSTATE *rs, int known)
{
    DWORD s = rs->dwEventState;
    if (!known || (s & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE))) {
        printf("unknown\n");
    } else if (s & SCARD_STATE_PRESENT) {
        if (s & SCARD_STATE_MUTE) {
            printf("mute\n");
        } else {
            printf("present ");
            for (DWORD i = 0; i < rs->cbAtr; i++)
                printf("%02X", rs->rgbAtr[i]);
            printf("\n");
        }
    } else {
        printf("empty\n");
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: pcsc-wait [--absent] [--timeout MS] [--print] READER\n");
    return 2;
}

int main(int argc, char **argv)
{
    int want_absent = 0, print = 0;
    long timeout = 10000;
    const char *reader = NULL;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--absent") == 0) {
            want_absent = 1;
        } else if (strcmp(argv[i], "--print") == 0) {
            print = 1;
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            char *end;
            timeout = strtol(argv[++i], &end, 10);
            if (*end != '\0' || timeout < 0)
                return usage();
        } else if (argv[i][0] == '-' || reader != NULL) {
            return usage();
        } else {
            reader = argv[i];
        }
    }
    if (reader == NULL)
        return usage();

    SCARDCONTEXT ctx;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "pcsc-wait: cannot reach pcscd: %s\n", pcsc_stringify_error(rv));
        return 2;
    }

    SCARD_READERSTATE rs;
    memset(&rs, 0, sizeof rs);
    rs.szReader = reader;
    rs.dwCurrentState = SCARD_STATE_UNAWARE;

    long long deadline = now_ms() + timeout;
    int known = 0, result;
    for (;;) {
        long long left = deadline - now_ms();
        if (left < 0)
            left = 0;
        /* the first call (state UNAWARE) returns at once with the current state */
        rv = SCardGetStatusChange(ctx, known ? (DWORD)left : 0, &rs, 1);
        if (rv == SCARD_E_UNKNOWN_READER) {
            known = 0;
            if (left == 0) {
                fprintf(stderr, "pcsc-wait: no reader \"%s\"\n", reader);
                result = 1;
                break;
            }
            sleep_ms(left < 100 ? left : 100);
            rs.dwCurrentState = SCARD_STATE_UNAWARE;
            continue;
        }
        if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
            fprintf(stderr, "pcsc-wait: SCardGetStatusChange: %s\n", pcsc_stringify_error(rv));
            result = 2;
            break;
        }
        if (rv == SCARD_S_SUCCESS) {
            known = 1;
            DWORD s = rs.dwEventState;
            int present = (s & SCARD_STATE_PRESENT) && !(s & SCARD_STATE_MUTE);
            int empty = (s & SCARD_STATE_EMPTY) != 0;
            if (want_absent ? empty : present) {
                result = 0;
                break;
            }
            rs.dwCurrentState = s & ~SCARD_STATE_CHANGED;
        }
        if (now_ms() >= deadline) {
            result = 1;
            break;
        }
    }
    if (print)
        print_state(&rs, known);
    SCardReleaseContext(ctx);
    return result;
}
