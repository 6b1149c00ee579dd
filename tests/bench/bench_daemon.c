/* Per-request overhead of scagentd: pin.status (one GET DATA in one card transaction) through the daemon
 * (client library -> Unix socket -> socket thread -> card thread -> libscagent) against sca_pin_get_status called
 * directly on the same card in the same run, alternating blocks so drift hits both alike. Starts its own
 * scagentd on a temporary socket. Prints medians, p99 and one BENCH line (target ratio <= 1.2).
 * Usage: bench-daemon [READER] [N] [SCAGENTD] */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scagent/client.h"
#include "scagent/scagent.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[(int)fmin(n - 1, floor(p * n))];
}

int main(int argc, char **argv)
{
    const char *reader = argc > 1 ? argv[1] : "Virtual PCD 00 00";
    int n = argc > 2 ? atoi(argv[2]) : 2000;
    const char *daemon = argc > 3 ? argv[3] : "build/bin/scagentd";
    if (n < 10)
        n = 10;
    char dir[] = "/tmp/bench-daemon-XXXXXX", conf[64], sock[64];
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(conf, sizeof conf, "%s/conf", dir);
    snprintf(sock, sizeof sock, "%s/s.sock", dir);
    FILE *f = fopen(conf, "w");
    if (f == NULL)
        return 1;
    fprintf(f, "socket = %s\nreader = %s\nlog_level = warn\ndefault_roles = terminal\n", sock, reader);
    fclose(f);
    pid_t pid = fork();
    if (pid == 0) {
        execl(daemon, daemon, "-f", "-c", conf, (char *)NULL);
        perror("bench: exec scagentd");
        _exit(127);
    }
    sca_client *cl = NULL;
    sca_error err;
    for (int i = 0; i < 100 && sca_client_connect(sock, 2000, &cl, &err) != SCA_OK; i++)
        usleep(50000);
    sca_open_opts o = {.reader = reader};
    sca_card *c = NULL;
    int rc = 1;
    double *direct = calloc((size_t)n, sizeof *direct), *via = calloc((size_t)n, sizeof *via);
    if (cl == NULL) {
        fprintf(stderr, "bench: scagentd did not come up: %s\n", err.msg);
        goto out;
    }
    if (sca_card_open(&o, &c, &err) != SCA_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        goto out;
    }
    sca_pin_status st;
    json_t *r;
    for (int i = 0; i < n / 4; i++) { /* warm up both paths (the daemon opens the card on its first request) */
        if (sca_pin_get_status(c, &st, &err) != SCA_OK || sca_client_call(cl, "pin.status", NULL, 10000, &r, &err)) {
            fprintf(stderr, "bench: warm-up failed: %s\n", err.msg);
            goto out;
        }
        json_decref(r);
    }
    for (int done = 0; done < n;) {
        int block = n - done < 100 ? n - done : 100;
        for (int i = 0; i < block; i++) {
            double t0 = now_us();
            sca_rc x = sca_pin_get_status(c, &st, &err);
            direct[done + i] = now_us() - t0;
            if (x != SCA_OK) {
                fprintf(stderr, "bench: direct pin status failed: %s\n", err.msg);
                goto out;
            }
        }
        for (int i = 0; i < block; i++) {
            double t0 = now_us();
            sca_rc x = sca_client_call(cl, "pin.status", NULL, 10000, &r, &err);
            via[done + i] = now_us() - t0;
            if (x != SCA_OK) {
                fprintf(stderr, "bench: pin.status through scagentd failed: %s\n", err.msg);
                goto out;
            }
            json_decref(r);
        }
        done += block;
    }
    double d_med = pct(direct, n, 0.5), d_p99 = pct(direct, n, 0.99);
    double v_med = pct(via, n, 0.5), v_p99 = pct(via, n, 0.99);
    printf("one-APDU method (PIN status), %d calls each, same card (%s), alternating blocks of 100\n", n, reader);
    printf("  direct libscagent:  median %8.1f us   p99 %8.1f us\n", d_med, d_p99);
    printf("  through scagentd:   median %8.1f us   p99 %8.1f us   (overhead %.1f us)\n", v_med, v_p99,
           v_med - d_med);
    printf("  target ratio <= 1.2: %s\n", v_med / d_med <= 1.2 ? "met" : "NOT met");
    printf("BENCH daemon_overhead value=%.1f baseline=%.1f ratio=%.3f unit=us\n", v_med, d_med, v_med / d_med);
    rc = 0;
out:
    sca_card_close(c);
    sca_client_close(cl);
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    unlink(conf);
    unlink(sock);
    rmdir(dir);
    free(direct);
    free(via);
    return rc;
}
