/* Package hashing on the host: sca_fu_hash_file (exact size, progress, constant memory) against
 * `openssl dgst -sha256` on the same 1 GiB file in the same run, both from the page cache (one warm-up pass each
 * first). Prints a report, the peak RSS of this process and one line
 *   BENCH fu_hash value=<MB/s> baseline=<openssl MB/s> ratio=<v/b> unit=MB/s   (higher is better)
 * Exit status 1 when the digests differ or something fails; the goal (ratio >= 0.95, RSS < 32 MiB) is reported,
 * not enforced. Environment: BENCH_FU_HASH_MB (file size in MiB, default 1024), BENCH_FU_HASH_RUNS (default 3,
 * the median is taken), TMPDIR (where the file goes; it is deleted at the end). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"
#include "scagent/fu.h"

static char dir[512], path[600];

static void cleanup(void)
{
    if (path[0] != '\0')
        unlink(path);
    if (dir[0] != '\0')
        rmdir(dir);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A file of `mib` MiB of pseudo-random bytes, written from one 1 MiB block with a counter per block. */
static int make_file(unsigned mib)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/scagent-bench-fuhash-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        dir[0] = '\0';
        return -1;
    }
    snprintf(path, sizeof path, "%s/package.bin", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    size_t blk = 1024 * 1024;
    uint64_t *b = malloc(blk);
    if (b == NULL) {
        close(fd);
        return -1;
    }
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < blk / 8; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        b[i] = x;
    }
    int rc = 0;
    for (unsigned m = 0; m < mib && rc == 0; m++) {
        b[0] = m;
        size_t off = 0;
        while (off < blk) {
            ssize_t w = write(fd, (uint8_t *)b + off, blk - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                rc = -1;
                break;
            }
            off += (size_t)w;
        }
    }
    free(b);
    if (close(fd) != 0)
        rc = -1;
    return rc;
}

/* `openssl dgst -sha256 -r path`: its wall time, and the hex digest it printed into hex (65 bytes). */
static double run_openssl(char hex[65])
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(p[1], STDOUT_FILENO);
        close(p[0]);
        close(p[1]);
        execlp("openssl", "openssl", "dgst", "-sha256", "-r", path, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char line[256] = {0};
    size_t n = 0;
    ssize_t r;
    while ((r = read(p[0], line + n, sizeof line - 1 - n)) > 0 && n < sizeof line - 1)
        n += (size_t)r;
    close(p[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    double t = now_s() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || n < 64)
        return -1;
    memcpy(hex, line, 64);
    hex[64] = '\0';
    return t;
}

static int progress_calls;
static void on_progress(uint64_t done, uint64_t total, void *ctx)
{
    (void)done;
    (void)total;
    (void)ctx;
    progress_calls++;
}

static double run_ours(uint64_t size, char hex[65])
{
    uint8_t d[32];
    sca_error err;
    progress_calls = 0;
    double t0 = now_s();
    if (sca_fu_hash_file(path, size, on_progress, NULL, d, NULL, &err) != SCA_OK) {
        fprintf(stderr, "bench_fu_hash: %s\n", err.msg);
        return -1;
    }
    double t = now_s() - t0;
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return t;
}

int main(void)
{
    const char *e = getenv("BENCH_FU_HASH_MB");
    unsigned mib = e && atoi(e) > 0 ? (unsigned)atoi(e) : 1024;
    e = getenv("BENCH_FU_HASH_RUNS");
    int runs = e && atoi(e) > 0 ? atoi(e) : 3;
    if (runs > 31)
        runs = 31;
    uint64_t size = (uint64_t)mib * 1024 * 1024;
    atexit(cleanup);
    double t0 = now_s();
    if (make_file(mib) != 0) {
        fprintf(stderr, "bench_fu_hash: cannot create a %u MiB file in %s: %s\n", mib, dir, strerror(errno));
        return 1;
    }
    double t_make = now_s() - t0;
    char h_ours[65], h_ssl[65];
    /* warm-up: the file into the page cache, both code paths once */
    if (run_openssl(h_ssl) < 0 || run_ours(size, h_ours) < 0) {
        fprintf(stderr, "bench_fu_hash: warm-up failed (is the openssl command installed?)\n");
        return 1;
    }
    if (strcmp(h_ours, h_ssl) != 0) {
        fprintf(stderr, "bench_fu_hash: digests differ: ours %s, openssl %s\n", h_ours, h_ssl);
        return 1;
    }
    double ours[31], ssl[31];
    for (int i = 0; i < runs; i++) { /* alternate, so drifts hit both */
        ssl[i] = run_openssl(h_ssl);
        ours[i] = run_ours(size, h_ours);
        if (ssl[i] < 0 || ours[i] < 0 || strcmp(h_ours, h_ssl) != 0) {
            fprintf(stderr, "bench_fu_hash: run %d failed or the digests differ\n", i + 1);
            return 1;
        }
    }
    bench_sort(ours, runs);
    bench_sort(ssl, runs);
    double v = (double)size / 1e6 / ours[runs / 2], b = (double)size / 1e6 / ssl[runs / 2];
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double rss_mib = (double)ru.ru_maxrss / 1024.0;
    printf("SHA-256 of a %u MiB file from the page cache (made in %.1f s), median of %d runs each\n", mib, t_make,
           runs);
    printf("  sca_fu_hash_file:        %8.1f MB/s  (%d progress calls per run)\n", v, progress_calls);
    printf("  openssl dgst -sha256:    %8.1f MB/s\n", b);
    printf("  ratio %.3f (goal >= 0.95): %s\n", v / b, v / b >= 0.95 ? "yes" : "NO");
    printf("  peak RSS of this process: %.1f MiB (goal < 32 MiB): %s\n", rss_mib, rss_mib < 32 ? "yes" : "NO");
    printf("BENCH fu_hash value=%.1f baseline=%.1f ratio=%.3f unit=MB/s\n", v, b, v / b);
    return 0;
}
