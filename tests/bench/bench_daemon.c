/* scagentd benchmarks, on a fresh emulated card, against a scagentd started here on a temporary socket:
 *   - per-request overhead: pin.status (one GET DATA in one card transaction) through the daemon (client library ->
 *     Unix socket -> the daemon's loop -> libscagent) against sca_pin_get_status called directly on the same card in
 *     the same run, half before the daemon starts and half after it stopped (the applet is not multi-selectable: two
 *     sessions cannot both have it selected) (target ratio <= 1.2). Two series of each:
 *       - back to back, the next call as soon as the answer is in (daemon_overhead): the cost per request of a
 *         client that keeps the card busy. The previous request's SCardEndTransaction, which the daemon does after
 *         answering, is often still running when the next request comes;
 *       - isolated requests, GAP_US apart as the STKM series (daemon_overhead_isolated): the latency of a call that
 *         comes now and then, as a terminal's do. The CPUs are idle in between, every wake-up costs more, and the
 *         daemon's transaction end is off the client's path;
 *     and both series again through a minimal JSON server (bench_floor.h: a line, jansson, the same library call,
 *     jansson, a line; nothing else), in halves next to the direct ones: the least any JSON-over-socket service adds
 *     on this machine (daemon_overhead_floor, daemon_overhead_isolated_floor), and scagentd against it
 *     (daemon_overhead_vs_floor: what the daemon's queue, access control, checks and events cost on top);
 *   - STKM -> TEK (mbms.stkm, urgent) p50 and p99: direct sca_mbms_mtk, then through the daemon with 1 client, with 64
 *     concurrent clients, and with 1 client while another client has the card hash a package of a few MB (fu.hash
 *     in parts, one card transaction per chunk): target p99 during the hash <= 3x the idle p99.
 * The card is personalized here (DM server and originator as bench-dm; GBA, MBMS setup and one MSK as bench-mbms,
 * with the BM-SC side of mbms_msgs_bench.c); every MTK is compared with the one the BM-SC put in its STKM.
 * With 64 clients the STKMs are numbered in the order they are sent, but the daemon may read two sockets in the
 * other order: the card then refuses the older one as stale (9865, after the same MAC work); such refusals are
 * counted and reported, and their round trips are part of the latencies.
 * Usage: bench-daemon [READER] [N] [SCAGENTD] [HASH_BYTES] [HASH_CHUNK] */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "bench_common.h"
#include "bench_floor.h"
#include "mbms_msgs_bench.h"
#include "sca_contract.h"
#include "scagent/client.h"
#include "scagent/mbms.h"
#include "scagent/scagent.h"

#define CLIENTS 64
/* A broadcast's STKMs come now and then, not back to back; the idle and the during-hash series are paced alike, so
 * their p99s span the same time (about a second each) and see the same background (JIT, other processes). The
 * isolated PIN status series take the same gap. */
#define GAP_US 2000
#define HASH_PART (16 * 1024) /* package bytes per fu.hash request, as scagent -S fu verify --on-card */
#define DM_ID "bench.dm.test"

static pid_t daemon_pid;

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "bench-daemon: %s: %s\n", what, msg ? msg : "failed");
    if (daemon_pid > 0) { /* never leave our scagentd behind */
        kill(daemon_pid, SIGTERM);
        waitpid(daemon_pid, NULL, 0);
    }
    exit(1);
}

/* ---- the STKMs, built ahead: index i carries MTK ID i+1, counter i+1 and an MTK of bytes (i & 0xFF) ---- */
static uint8_t msk[16];
static uint8_t (*stkms)[MBMS_BENCH_STKM_MAX];
static size_t *stkm_len;
static char **stkm_b64;

static void build_stkms(int total)
{
    stkms = malloc((size_t)total * sizeof *stkms);
    stkm_len = malloc((size_t)total * sizeof *stkm_len);
    stkm_b64 = malloc((size_t)total * sizeof *stkm_b64);
    uint8_t mtk[16];
    for (int i = 0; i < total; i++) {
        memset(mtk, (uint8_t)i, sizeof mtk);
        stkm_len[i] = mbms_bench_stkm(msk, (unsigned)(i + 1), (uint32_t)(i + 1), mtk, stkms[i]);
        stkm_b64[i] = malloc(4 * ((stkm_len[i] + 2) / 3) + 1);
        EVP_EncodeBlock((unsigned char *)stkm_b64[i], stkms[i], (int)stkm_len[i]);
    }
}

/* The MTK of an mbms.stkm result is the BM-SC's. */
static int mtk_ok(const json_t *r, int i)
{
    const char *s = json_string_value(json_object_get(r, "mtk"));
    uint8_t got[24], want[16];
    if (s == NULL || strlen(s) != 24 || EVP_DecodeBlock(got, (const unsigned char *)s, 24) != 18)
        return 0;
    memset(want, (uint8_t)i, sizeof want);
    int ok = memcmp(got, want, 16) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return ok;
}

/* One STKM through the daemon: latency in us; *refused set when the card found it stale. */
static double stkm_call(sca_client *cl, int i, int *refused)
{
    sca_error err;
    json_t *r = NULL;
    double t0 = bench_now_us();
    sca_rc rc = sca_client_call(cl, "mbms.stkm", json_pack("{s:s}", "stkm", stkm_b64[i]), 30000, &r, &err);
    double dt = bench_now_us() - t0;
    if (rc != SCA_OK) {
        if (refused && err.sw == 0x9865) {
            (*refused)++;
            return dt;
        }
        die("mbms.stkm through scagentd", err.msg);
    }
    if (!mtk_ok(r, i))
        die("mbms.stkm", "the card's MTK differs from the BM-SC's");
    json_decref(r);
    return dt;
}

/* ---- 64 clients: indices handed out under a lock, in sending order ---- */
typedef struct many {
    const char *sock;
    pthread_mutex_t mu;
    int next, end, refused;
    double *lat; /* by index - first */
    int first;
} many;

static void *many_client(void *arg)
{
    many *m = arg;
    sca_client *cl;
    sca_error err;
    if (sca_client_connect(m->sock, 5000, &cl, &err) != SCA_OK)
        die("connect", err.msg);
    for (;;) {
        json_int_t id;
        pthread_mutex_lock(&m->mu);
        int i = m->next++;
        if (i >= m->end) {
            pthread_mutex_unlock(&m->mu);
            break;
        }
        double t0 = bench_now_us();
        if (sca_client_send(cl, "mbms.stkm", json_pack("{s:s}", "stkm", stkm_b64[i]), &id, &err) != SCA_OK)
            die("send", err.msg);
        pthread_mutex_unlock(&m->mu);
        json_t *r = NULL;
        sca_rc rc = sca_client_wait(cl, id, 60000, &r, &err);
        m->lat[i - m->first] = bench_now_us() - t0;
        if (rc != SCA_OK) {
            if (err.sw != 0x9865)
                die("mbms.stkm (64 clients)", err.msg);
            pthread_mutex_lock(&m->mu);
            m->refused++;
            pthread_mutex_unlock(&m->mu);
        } else if (!mtk_ok(r, i)) {
            die("mbms.stkm (64 clients)", "the card's MTK differs from the BM-SC's");
        }
        json_decref(r);
    }
    sca_client_close(cl);
    return NULL;
}

/* ---- the package hash on the card, from its own client, in rounds until told to stop ---- */
typedef struct hasher {
    const char *sock;
    EVP_PKEY *orig;
    uint8_t *pkg;
    size_t size;
    volatile int stop, running, rounds;
    double bytes, seconds;
} hasher;

static json_t *b64(const uint8_t *b, size_t n)
{
    char *s = malloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)s, b, (int)n);
    json_t *o = json_string(s);
    free(s);
    return o;
}

static void *hash_client(void *arg)
{
    hasher *h = arg;
    sca_client *cl;
    sca_error err;
    json_t *r;
    if (sca_client_connect(h->sock, 5000, &cl, &err) != SCA_OK)
        die("connect", err.msg);
    uint8_t digest[32];
    EVP_Digest(h->pkg, h->size, digest, NULL, EVP_sha256(), NULL);
    for (uint32_t seq = 1; !h->stop; seq++) {
        sca_fu_manifest m = {.size = h->size, .kind = SCA_FU_KIND_FIRMWARE, .manufacturer = 7, .model = 9,
                             .from_min = 1, .from_max = 1, .to = 2, .seq = seq, .originator = 0};
        memcpy(m.sha256, digest, 32);
        memcpy(m.server_id, DM_ID, strlen(DM_ID));
        m.server_id_len = strlen(DM_ID);
        uint8_t *mbuf;
        size_t mlen;
        if (sca_fu_manifest_build(&m, h->orig, &mbuf, &mlen, &err) != SCA_OK)
            die("manifest", err.msg);
        if (sca_client_call(cl, "dm.check", json_pack("{s:s}", "server", DM_ID), 30000, &r, &err) != SCA_OK)
            die("dm.check", err.msg);
        json_decref(r);
        if (sca_client_call(cl, "fu.verify-manifest", json_pack("{s:o}", "manifest", b64(mbuf, mlen)), 30000, &r,
                            &err) != SCA_OK)
            die("fu.verify-manifest", err.msg);
        json_decref(r);
        free(mbuf);
        double t0 = bench_now_us();
        h->running = 1;
        for (size_t off = 0; off < h->size; off += HASH_PART) {
            size_t n = h->size - off < HASH_PART ? h->size - off : HASH_PART;
            json_t *p = json_pack("{s:o, s:b, s:b}", "data", b64(h->pkg + off, n), "first", off == 0, "last",
                                  off + n == h->size);
            if (sca_client_call(cl, "fu.hash", p, 600000, &r, &err) != SCA_OK)
                die("fu.hash", err.msg);
            if (off + n == h->size && !json_is_true(json_object_get(r, "matched")))
                die("fu.hash", "the card's digest does not match");
            json_decref(r);
        }
        h->seconds += (bench_now_us() - t0) / 1e6;
        h->bytes += (double)h->size;
        h->rounds++;
    }
    h->running = 0;
    sca_client_close(cl);
    return NULL;
}

/* ---- the card: DM server and originator (as bench-dm), then GBA/MBMS and one MSK (as bench-mbms) ---- */
static EVP_PKEY *personalize(sca_card *card)
{
    sca_error err;
    EVP_PKEY *orig = NULL;
    if (bench_dm_personalize(card, DM_ID, &orig, &err) != SCA_OK)
        die("personalize (a fresh emulated card is needed: tools/emu stop; tools/emu start)", err.msg);
    uint8_t muk[32], m[512];
    mbms_bench_personalize_and_bootstrap(card, muk);
    memset(msk, 0x4D, sizeof msk);
    size_t ml = mbms_bench_ltkm(muk, msk, 1, m);
    size_t vl = 0;
    if (sca_mbms_msk_update(card, m, ml, NULL, 0, &vl, &err) != SCA_OK)
        die("LTKM", err.msg);
    OPENSSL_cleanse(muk, sizeof muk);
    return orig;
}

/* n calls back to back, then n_gap calls GAP_US apart, each timed into lat and lat_gap. */
static void timed_series(void (*call)(void *), void *ctx, double *lat, int n, double *lat_gap, int n_gap)
{
    for (int i = 0; i < n + n_gap; i++) {
        if (i >= n)
            usleep(GAP_US);
        double t0 = bench_now_us();
        call(ctx);
        *(i < n ? &lat[i] : &lat_gap[i - n]) = bench_now_us() - t0;
    }
}

/* The direct baseline of a one-APDU method: a PIN status read on a session of its own. */
static void direct_pin_status(void *card)
{
    sca_error err;
    sca_pin_status st;
    if (sca_pin_get_status(card, &st, &err) != SCA_OK)
        die("direct pin status", err.msg);
}

/* The same through the daemon. */
static void via_pin_status(void *client)
{
    sca_error err;
    json_t *r;
    if (sca_client_call(client, "pin.status", NULL, 10000, &r, &err) != SCA_OK)
        die("pin.status through scagentd", err.msg);
    json_decref(r);
}

/* The direct series on a session of its own, after a warm-up. */
static void direct_series(sca_card *c, double *lat, int n, double *lat_gap, int n_gap)
{
    for (int i = 0; i < n / 4 + 1; i++)
        direct_pin_status(c);
    timed_series(direct_pin_status, c, lat, n, lat_gap, n_gap);
}

/* Half of the floor series (bench_floor.h): the least any JSON-over-socket service adds, after a warm-up. */
static void floor_series(const char *reader, double *lat, int n, double *lat_gap, int n_gap)
{
    bench_floor f;
    if (bench_floor_start(&f, reader) != 0)
        die("the floor server", "could not start");
    for (int i = 0; i < n / 4 + 1; i++)
        bench_floor_call(&f);
    timed_series(bench_floor_call, &f, lat, n, lat_gap, n_gap);
    bench_floor_stop(&f);
}

/* One series of the one-APDU overhead: the direct call, through scagentd and through the minimal server. */
typedef struct overhead {
    double d_med, d_p99, v_med, v_p99, f_med;
} overhead;

static overhead overhead_of(double *direct, double *via, double *flo, int n)
{
    return (overhead){.d_med = bench_pct(direct, n, 0.5), .d_p99 = bench_pct(direct, n, 0.99),
                      .v_med = bench_pct(via, n, 0.5), .v_p99 = bench_pct(via, n, 0.99),
                      .f_med = bench_pct(flo, n, 0.5)};
}

static void overhead_print(const overhead *o)
{
    double ratio = o->v_med / o->d_med;
    printf("    direct libscagent:  median %8.1f us   p99 %8.1f us\n", o->d_med, o->d_p99);
    printf("    through scagentd:   median %8.1f us   p99 %8.1f us   (overhead %.1f us)\n", o->v_med, o->v_p99,
           o->v_med - o->d_med);
    printf("    minimal JSON server: median %8.1f us   ratio %.3f (the least any such service adds here)\n", o->f_med,
           o->f_med / o->d_med);
    printf("    ratio %.3f (target <= 1.2: %s); %.3f of the minimal server's\n", ratio, ratio <= 1.2 ? "met" : "NOT met",
           o->v_med / o->f_med);
}

static pid_t start_daemon(const char *daemon, const char *conf)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl(daemon, daemon, "-f", "-c", conf, (char *)NULL);
        perror("bench: exec scagentd");
        _exit(127);
    }
    daemon_pid = pid;
    return pid;
}

static void stop_daemon(void)
{
    if (daemon_pid > 0) {
        kill(daemon_pid, SIGTERM);
        waitpid(daemon_pid, NULL, 0);
    }
    daemon_pid = 0;
}

int main(int argc, char **argv)
{
    const char *reader = argc > 1 ? argv[1] : "Virtual PCD 00 00";
    int n = argc > 2 ? atoi(argv[2]) : 2000;
    const char *daemon = argc > 3 ? argv[3] : "build/bin/scagentd";
    size_t hash_bytes = argc > 4 ? (size_t)atol(argv[4]) : 4u * 1024 * 1024;
    long hash_chunk = argc > 5 ? atol(argv[5]) : 0; /* scagentd's hash_chunk (0: its default) */
    if (n < 100)
        n = 100;
    int n_stkm = n / 4 < 500 ? 500 : n / 4, n_many = CLIENTS * 40, n_hash_max = 20000;
    int total = 2 * n_stkm + n_many + n_hash_max;
    if (total > 0xFFFF)
        die("arguments", "too many STKMs for the MTK ID space");
    sca_error err;
    sca_open_opts o = {.reader = reader};
    sca_card *c = NULL;
    json_t *r;
    if (sca_card_open(&o, &c, &err) != SCA_OK)
        die("open", err.msg);
    EVP_PKEY *orig = personalize(c);
    build_stkms(total);
    /* The applet is not multi-selectable: a direct session and the daemon's cannot both have it selected (the
     * second SELECT gets 6985). So the direct baselines run on a session of their own before the daemon starts
     * and after it stopped, on the same card in the same run (the two halves bracket the daemon's run). */
    int n_gap = n / 4; /* the isolated series: about a second each at GAP_US */
    double *direct = calloc((size_t)n, sizeof *direct), *via = calloc((size_t)n, sizeof *via);
    double *direct_gap = calloc((size_t)n_gap, sizeof *direct_gap), *via_gap = calloc((size_t)n_gap, sizeof *via_gap);
    direct_series(c, direct, n / 2, direct_gap, n_gap / 2);
    int k = 0;
    double *sd = calloc((size_t)n_stkm, sizeof *sd), *s1 = calloc((size_t)n_stkm, sizeof *s1);
    uint8_t mtk[16], salt[14], want[16];
    for (int i = 0; i < n_stkm; i++, k++) {
        size_t sl;
        double t0 = bench_now_us();
        if (sca_mbms_mtk(c, stkms[k], stkm_len[k], mtk, salt, &sl, &err) != SCA_OK)
            die("direct STKM", err.msg);
        sd[i] = bench_now_us() - t0;
        usleep(GAP_US);
        memset(want, (uint8_t)k, sizeof want);
        if (memcmp(mtk, want, 16) != 0)
            die("direct STKM", "the card's MTK differs from the BM-SC's");
    }
    OPENSSL_cleanse(mtk, sizeof mtk);
    sca_card_close(c);
    c = NULL;
    double *flo = calloc((size_t)n, sizeof *flo), *flo_gap = calloc((size_t)n_gap, sizeof *flo_gap);
    floor_series(reader, flo, n / 2, flo_gap, n_gap / 2);

    char dir[] = "/tmp/bench-daemon-XXXXXX", conf[64], sock[64];
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(conf, sizeof conf, "%s/conf", dir);
    snprintf(sock, sizeof sock, "%s/s.sock", dir);
    FILE *f = fopen(conf, "w");
    if (f == NULL)
        return 1;
    fprintf(f, "socket = %s\nreader = %s\nlog_level = warn\ndefault_roles = terminal,dm-client\nhash_chunk = %ld\n",
            sock, reader, hash_chunk);
    fclose(f);
    start_daemon(daemon, conf);
    sca_client *cl = NULL;
    for (int i = 0; i < 100 && sca_client_connect(sock, 2000, &cl, &err) != SCA_OK; i++)
        usleep(50000);
    if (cl == NULL)
        die("scagentd did not come up", err.msg);

    /* 1. per-request overhead of a one-APDU method */
    for (int i = 0; i < n / 4; i++) /* warm up (the daemon opens the card on its first request) */
        via_pin_status(cl);
    timed_series(via_pin_status, cl, via, n, via_gap, n_gap);

    /* 2. STKM -> TEK through the daemon with one client (the PIN verified once for this process) */
    if (sca_client_call(cl, "pin.verify", json_pack("{s:s}", "pin", MBMS_BENCH_PIN), 10000, &r, &err) != SCA_OK)
        die("pin.verify through scagentd", err.msg);
    json_decref(r);
    for (int i = 0; i < n_stkm; i++, k++) {
        s1[i] = stkm_call(cl, k, NULL);
        usleep(GAP_US);
    }
    double sd50 = bench_pct(sd, n_stkm, 0.5), sd99 = bench_pct(sd, n_stkm, 0.99);
    double s150 = bench_pct(s1, n_stkm, 0.5), s199 = bench_pct(s1, n_stkm, 0.99);

    /* 3. 64 concurrent clients */
    many m = {.sock = sock, .next = k, .end = k + n_many, .first = k};
    pthread_mutex_init(&m.mu, NULL);
    m.lat = calloc((size_t)n_many, sizeof *m.lat);
    pthread_t th[CLIENTS];
    double t0 = bench_now_us();
    for (int i = 0; i < CLIENTS; i++)
        pthread_create(&th[i], NULL, many_client, &m);
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(th[i], NULL);
    double many_s = (bench_now_us() - t0) / 1e6;
    k += n_many;
    double m50 = bench_pct(m.lat, n_many, 0.5), m99 = bench_pct(m.lat, n_many, 0.99);

    /* 4. one STKM client while another client has the card hash a package */
    hasher h = {.sock = sock, .orig = orig, .size = hash_bytes};
    h.pkg = malloc(hash_bytes);
    RAND_bytes(h.pkg, (int)hash_bytes);
    pthread_t hth;
    pthread_create(&hth, NULL, hash_client, &h);
    while (!h.running)
        usleep(1000);
    double *sh = calloc((size_t)n_hash_max, sizeof *sh);
    int nh = 0;
    while (nh < n_hash_max && (h.rounds == 0 || nh < 500)) { /* at least one whole package hashed meanwhile */
        sh[nh++] = stkm_call(cl, k++, NULL);
        usleep(GAP_US);
    }
    h.stop = 1;
    pthread_join(hth, NULL);
    double h50 = bench_pct(sh, nh, 0.5), h99 = bench_pct(sh, nh, 0.99);
    sca_client_close(cl);
    stop_daemon();

    /* the second halves of the floor and of the direct baseline, the daemon gone */
    floor_series(reader, flo + n / 2, n - n / 2, flo_gap + n_gap / 2, n_gap - n_gap / 2);
    if (sca_card_open(&o, &c, &err) != SCA_OK)
        die("reopen", err.msg);
    direct_series(c, direct + n / 2, n - n / 2, direct_gap + n_gap / 2, n_gap - n_gap / 2);
    sca_card_close(c);

    overhead b2b = overhead_of(direct, via, flo, n), iso = overhead_of(direct_gap, via_gap, flo_gap, n_gap);
    printf("one-APDU method (PIN status), same card (%s); direct before and after the daemon's run\n", reader);
    printf("  isolated (%d calls each, %d us apart):\n", n_gap, GAP_US);
    overhead_print(&iso);
    printf("  back to back (%d calls each):\n", n);
    overhead_print(&b2b);
    printf("STKM -> TEK, %d each: direct p50 %.1f us p99 %.1f us; through scagentd (1 client) p50 %.1f us p99 %.1f "
           "us\n", n_stkm, sd50, sd99, s150, s199);
    printf("STKM -> TEK, %d clients, %d STKMs in %.2f s (%.0f/s): p50 %.1f us p99 %.1f us; %d refused as stale "
           "(sent in one order, read in another)\n", CLIENTS, n_many, many_s, n_many / many_s, m50, m99, m.refused);
    printf("STKM -> TEK while the card hashes %zu-byte packages (%d rounds, %.0f KiB/s): %d STKMs, p50 %.1f us "
           "p99 %.1f us (idle p99 %.1f us); target p99 <= 3x idle: %s\n", hash_bytes, h.rounds,
           h.bytes / 1024 / h.seconds, nh, h50, h99, s199, h99 / s199 <= 3 ? "met" : "NOT met");
    printf("BENCH daemon_overhead value=%.1f baseline=%.1f ratio=%.3f unit=us\n", b2b.v_med, b2b.d_med,
           b2b.v_med / b2b.d_med);
    printf("BENCH daemon_overhead_isolated value=%.1f baseline=%.1f ratio=%.3f unit=us\n", iso.v_med, iso.d_med,
           iso.v_med / iso.d_med);
    printf("BENCH daemon_overhead_floor value=%.1f baseline=%.1f ratio=%.3f unit=us\n", b2b.f_med, b2b.d_med,
           b2b.f_med / b2b.d_med);
    printf("BENCH daemon_overhead_isolated_floor value=%.1f baseline=%.1f ratio=%.3f unit=us\n", iso.f_med, iso.d_med,
           iso.f_med / iso.d_med);
    printf("BENCH daemon_overhead_vs_floor value=%.1f baseline=%.1f ratio=%.3f unit=us\n", b2b.v_med, b2b.f_med,
           b2b.v_med / b2b.f_med);
    printf("BENCH daemon_stkm_p50 value=%.1f baseline=%.1f ratio=%.3f unit=us\n", s150, sd50, s150 / sd50);
    printf("BENCH daemon_stkm_p99 value=%.1f baseline=%.1f ratio=%.3f unit=us\n", s199, sd99, s199 / sd99);
    printf("BENCH daemon_stkm_p50_64clients value=%.1f baseline=%.1f ratio=%.3f unit=us\n", m50, s150, m50 / s150);
    printf("BENCH daemon_stkm_p99_64clients value=%.1f baseline=%.1f ratio=%.3f unit=us\n", m99, s199, m99 / s199);
    printf("BENCH daemon_stkm_p50_during_hash value=%.1f baseline=%.1f ratio=%.3f unit=us\n", h50, s150, h50 / s150);
    printf("BENCH daemon_stkm_p99_during_hash value=%.1f baseline=%.1f ratio=%.3f unit=us\n", h99, s199, h99 / s199);
    unlink(conf);
    unlink(sock);
    rmdir(dir);
    EVP_PKEY_free(orig);
    return 0;
}
