/* The firmware package on the host: SHA-256 of a file (against `openssl dgst` and EVP), the exact size check
 * (short and long files), progress, and the package streamed in parts for hashing on the card. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "scagent/fu.h"

static char dir[64];

static void cleanup_dir(void)
{
    if (dir[0] != '\0') {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
}

static const char *tmpdir(void)
{
    if (dir[0] == '\0') {
        snprintf(dir, sizeof dir, "/tmp/scagent-fuhash-XXXXXX");
        assert_non_null(mkdtemp(dir));
        atexit(cleanup_dir);
    }
    return dir;
}

/* A file of `size` pseudo-random bytes; its path in `path`. */
static void make_file(char *path, size_t cap, const char *name, size_t size)
{
    snprintf(path, cap, "%s/%s", tmpdir(), name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint32_t x = (uint32_t)size * 2654435761u + 1;
    for (size_t i = 0; i < size; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        fputc((int)(x & 0xFF), f);
    }
    assert_int_equal(fclose(f), 0);
}

static void sha256_hex(const uint8_t d[32], char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The digest by the openssl command line: "openssl dgst -sha256 -r" prints "<hex> *<path>". */
static void openssl_dgst(const char *path, char out[65])
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "openssl dgst -sha256 -r '%s'", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[256] = {0};
    assert_non_null(fgets(line, sizeof line, p));
    assert_int_equal(pclose(p), 0);
    memcpy(out, line, 64);
    out[64] = '\0';
}

typedef struct prog {
    int calls;
    uint64_t last_done, total;
    int monotonic;
} prog;

static void on_progress(uint64_t done, uint64_t total, void *ctx)
{
    prog *p = ctx;
    if (p->calls && done <= p->last_done)
        p->monotonic = 0;
    p->calls++;
    p->last_done = done;
    p->total = total;
}

static void test_hash_matches_openssl(void **state)
{
    (void)state;
    size_t sizes[] = {0, 1, 55, 64, 1024 * 1024 + 1, 3 * 256 * 1024};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char path[128], name[32], want[65], got_hex[65];
        snprintf(name, sizeof name, "pkg%zu", sizes[i]);
        make_file(path, sizeof path, name, sizes[i]);
        openssl_dgst(path, want);
        uint8_t d[32];
        uint64_t n = 99;
        prog p = {.monotonic = 1};
        sca_error err;
        if (sca_fu_hash_file(path, sizes[i], on_progress, &p, d, &n, &err) != SCA_OK)
            fail_msg("%s", err.msg);
        sha256_hex(d, got_hex);
        assert_string_equal(got_hex, want);
        assert_int_equal(n, sizes[i]);
        assert_true(p.calls >= 1 && p.calls <= 102);
        assert_true(p.monotonic);
        assert_int_equal(p.last_done, sizes[i]);
        assert_int_equal(p.total, sizes[i]);
        /* the whole file, size unknown */
        memset(d, 0, sizeof d);
        assert_int_equal(sca_fu_hash_file(path, SCA_FU_SIZE_ANY, NULL, NULL, d, &n, &err), SCA_OK);
        sha256_hex(d, got_hex);
        assert_string_equal(got_hex, want);
        assert_int_equal(n, sizes[i]);
        /* through a descriptor */
        int fd = open(path, O_RDONLY);
        assert_true(fd >= 0);
        assert_int_equal(sca_fu_hash_fd(fd, NULL, sizes[i], NULL, NULL, d, &n, &err), SCA_OK);
        close(fd);
        sha256_hex(d, got_hex);
        assert_string_equal(got_hex, want);
    }
}

static void test_hash_size_mismatch(void **state)
{
    (void)state;
    char path[128];
    make_file(path, sizeof path, "mismatch", 300000);
    uint8_t d[32];
    uint64_t n = 7;
    sca_error err;
    assert_int_equal(sca_fu_hash_file(path, 300001, NULL, NULL, d, &n, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "shorter"));
    assert_int_equal(n, 0);
    assert_int_equal(sca_fu_hash_file(path, 299999, NULL, NULL, d, &n, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "longer"));
    assert_int_equal(sca_fu_hash_file(path, 0, NULL, NULL, d, &n, &err), SCA_E_PARSE);
    /* a pipe: no size up front, the reading itself finds the difference */
    for (int delta = -1; delta <= 1; delta++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            uint8_t buf[1000];
            memset(buf, 0x61, sizeof buf);
            for (int i = 0; i < 100; i++)
                if (write(fds[1], buf, sizeof buf) != (ssize_t)sizeof buf)
                    _exit(1);
            _exit(0);
        }
        close(fds[1]);
        sca_rc rc = sca_fu_hash_fd(fds[0], "pipe", (uint64_t)(100000 + delta), NULL, NULL, d, &n, &err);
        close(fds[0]);
        int status;
        waitpid(pid, &status, 0);
        if (delta == 0) {
            assert_int_equal(rc, SCA_OK);
            assert_int_equal(n, 100000);
        } else {
            assert_int_equal(rc, SCA_E_PARSE);
            assert_non_null(strstr(err.msg, delta < 0 ? "longer" : "shorter"));
        }
    }
    /* files that cannot be read */
    assert_int_equal(sca_fu_hash_file("/nonexistent/pkg", 1, NULL, NULL, d, &n, &err), SCA_E_INVALID_ARG);
    assert_non_null(strstr(err.msg, "/nonexistent/pkg"));
    assert_int_equal(sca_fu_hash_file(tmpdir(), 1, NULL, NULL, d, &n, &err), SCA_E_INVALID_ARG);
    assert_non_null(strstr(err.msg, "directory"));
}

typedef struct sink {
    prog p;
    EVP_MD_CTX *md;
    uint64_t next_off;
    int parts, lasts, fail_at;
    size_t chunk;
    int ok;
} sink;

static sca_rc on_chunk(const uint8_t *data, size_t len, uint64_t offset, int last, void *ctx, sca_error *err)
{
    sink *s = ctx;
    if (offset != s->next_off || (len != s->chunk && !last) || len > s->chunk)
        s->ok = 0;
    if (s->fail_at && s->parts + 1 == s->fail_at)
        return sca_error_set(err, SCA_E_CARD, "the card refused part %d", s->parts + 1);
    EVP_DigestUpdate(s->md, data, len);
    s->next_off += len;
    s->parts++;
    s->lasts += last;
    return SCA_OK;
}

static void on_stream_progress(uint64_t done, uint64_t total, void *ctx)
{
    on_progress(done, total, &((sink *)ctx)->p);
}

static void test_stream(void **state)
{
    (void)state;
    size_t sizes[] = {0, 1, 255, 256, 1000, 1024 * 1024 + 1};
    size_t chunks[] = {1, 255, 256, 4096, 2 * 1024 * 1024};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char path[128], name[32];
        snprintf(name, sizeof name, "stream%zu", sizes[i]);
        make_file(path, sizeof path, name, sizes[i]);
        uint8_t want[32];
        assert_int_equal(sca_fu_hash_file(path, sizes[i], NULL, NULL, want, NULL, NULL), SCA_OK);
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            if (chunks[c] == 1 && sizes[i] > 1000)
                continue; /* a million callbacks prove nothing more */
            sink s = {.p = {.monotonic = 1}, .md = EVP_MD_CTX_new(), .chunk = chunks[c], .ok = 1};
            EVP_DigestInit_ex2(s.md, EVP_sha256(), NULL);
            sca_error err;
            if (sca_fu_stream_file(path, sizes[i], chunks[c], on_chunk, &s, on_stream_progress, &err) != SCA_OK)
                fail_msg("%s", err.msg);
            uint8_t got[32];
            unsigned int n = 0;
            EVP_DigestFinal_ex(s.md, got, &n);
            EVP_MD_CTX_free(s.md);
            assert_true(s.ok);
            assert_memory_equal(got, want, 32);
            assert_int_equal(s.lasts, 1);
            size_t want_parts = sizes[i] == 0 ? 1 : (sizes[i] + chunks[c] - 1) / chunks[c];
            assert_int_equal(s.parts, want_parts);
            assert_true(s.p.monotonic);
            assert_true(s.p.calls >= 1 && s.p.calls <= 102);
            assert_int_equal(s.p.last_done, sizes[i]);
            assert_int_equal(s.p.total, sizes[i]);
        }
    }
}

static void test_stream_wrong_size_and_errors(void **state)
{
    (void)state;
    char path[128];
    make_file(path, sizeof path, "streambad", 10000);
    sca_error err;
    for (int delta = -1; delta <= 1; delta += 2) {
        sink s = {.md = EVP_MD_CTX_new(), .chunk = 255, .ok = 1};
        EVP_DigestInit_ex2(s.md, EVP_sha256(), NULL);
        assert_int_equal(sca_fu_stream_file(path, (uint64_t)(10000 + delta), 255, on_chunk, &s, NULL, &err),
                         SCA_E_PARSE);
        assert_non_null(strstr(err.msg, delta < 0 ? "longer" : "shorter"));
        assert_int_equal(s.lasts, 0); /* no "last" ever sent for a wrong file */
        assert_int_equal(s.parts, 0); /* the size is known up front: nothing sent */
        EVP_MD_CTX_free(s.md);
    }
    /* the callback's failure stops the stream and is returned */
    sink s = {.md = EVP_MD_CTX_new(), .chunk = 1000, .ok = 1, .fail_at = 3};
    EVP_DigestInit_ex2(s.md, EVP_sha256(), NULL);
    assert_int_equal(sca_fu_stream_file(path, 10000, 1000, on_chunk, &s, NULL, &err), SCA_E_CARD);
    assert_non_null(strstr(err.msg, "part 3"));
    assert_int_equal(s.parts, 2);
    EVP_MD_CTX_free(s.md);
    assert_int_equal(sca_fu_stream_file(path, 10000, 0, on_chunk, NULL, NULL, &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_fu_stream_file(path, 10000, 100, NULL, NULL, NULL, &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_fu_stream_file(path, SCA_FU_SIZE_ANY, 100, on_chunk, NULL, NULL, &err),
                     SCA_E_INVALID_ARG);
    assert_int_equal(sca_fu_stream_file("/nonexistent", 1, 100, on_chunk, NULL, NULL, &err),
                     SCA_E_INVALID_ARG);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_hash_matches_openssl),
    cmocka_unit_test(test_hash_size_mismatch),
    cmocka_unit_test(test_stream),
    cmocka_unit_test(test_stream_wrong_size_and_errors),
};
RUN_SUITE("fu_hash", tests)
