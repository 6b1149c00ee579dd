/* The firmware package on the host: SHA-256 of a file in constant memory with an exact size check, and the
 * package fed in parts to a callback (hashing on the card). applet-spec/dm-firmware.md §4 step 4. */
#include "scagent/fu.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

/* Large enough that the read() calls cost little next to SHA-256, small enough to stay in the cache between
 * read() and the digest. tests/bench/bench_fu_hash measured 64 KiB .. 4 MiB within noise of each other, all at
 * or above `openssl dgst` (1.05x); 256 KiB keeps the memory small. */
#define HASH_BUF_LEN ((size_t)256 * 1024)
#define STREAM_BUF_LEN ((size_t)1024 * 1024)
#define STREAM_CHUNK_MAX ((size_t)16 * 1024 * 1024)

/* Progress at most about every 1% of the total, and once at the end. */
typedef struct progress_state {
    sca_fu_progress cb;
    void *ctx;
    uint64_t total, step, next, last;
    int called;
} progress_state;

static void progress_init(progress_state *p, sca_fu_progress cb, void *ctx, uint64_t total)
{
    p->cb = cb;
    p->ctx = ctx;
    p->total = total;
    p->step = total / 100 + (total % 100 != 0); /* ceil(total / 100): at most 100 calls and the last */
    if (p->step == 0)
        p->step = 1;
    p->next = p->step;
    p->last = 0;
    p->called = 0;
}

static void progress_at(progress_state *p, uint64_t done)
{
    if (p->cb == NULL || done < p->next)
        return;
    p->cb(done, p->total, p->ctx);
    p->last = done;
    p->called = 1;
    p->next = done + p->step;
}

static void progress_end(progress_state *p, uint64_t done)
{
    if (p->cb != NULL && (!p->called || p->last != done))
        p->cb(done, p->total, p->ctx);
}

/* read() that retries EINTR; -1 with errno on an error. */
static ssize_t read_some(int fd, uint8_t *buf, size_t len)
{
    for (;;) {
        ssize_t r = read(fd, buf, len);
        if (r >= 0 || errno != EINTR)
            return r;
    }
}

/* Fill buf with up to len bytes; fewer only at the end of the file. */
static sca_rc read_full(int fd, const char *name, uint8_t *buf, size_t len, size_t *got, sca_error *err)
{
    *got = 0;
    while (*got < len) {
        ssize_t r = read_some(fd, buf + *got, len - *got);
        if (r < 0)
            return sca_error_set(err, SCA_E_INVALID_ARG, "%s: read failed: %s", name, strerror(errno));
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    return SCA_OK;
}

/* 1 when the file has at least one more byte, 0 at its end, -1 on a read error (errno). */
static int has_more(int fd)
{
    uint8_t b;
    ssize_t r = read_some(fd, &b, 1);
    return r < 0 ? -1 : r > 0;
}

static sca_rc short_file(sca_error *err, const char *name, uint64_t got, uint64_t size)
{
    return sca_error_set(err, SCA_E_PARSE, "%s: the file is shorter than the manifest says: it ends after %llu "
                         "bytes, the package has %llu; it is incomplete or not this package", name,
                         (unsigned long long)got, (unsigned long long)size);
}

static sca_rc long_file(sca_error *err, const char *name, uint64_t size)
{
    return sca_error_set(err, SCA_E_PARSE, "%s: the file is longer than the manifest says (more than %llu bytes); "
                         "it is not this package", name, (unsigned long long)size);
}

/* The bytes left in a regular file from the current offset, or -1 when unknown (pipe, device). */
static long long remaining_of(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return -1;
    off_t pos = lseek(fd, 0, SEEK_CUR);
    if (pos < 0 || pos > st.st_size)
        return -1;
    return (long long)(st.st_size - pos);
}

sca_rc sca_fu_hash_fd(int fd, const char *name, uint64_t size, sca_fu_progress progress, void *ctx,
                      uint8_t digest[32], uint64_t *size_out, sca_error *err)
{
    if (size_out != NULL)
        *size_out = 0;
    if (name == NULL)
        name = "the package";
    if (fd < 0 || digest == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "%s: no file descriptor or digest buffer", name);
    long long rem = remaining_of(fd);
    if (size != SCA_FU_SIZE_ANY && rem >= 0 && (uint64_t)rem != size)
        return (uint64_t)rem < size ? short_file(err, name, (uint64_t)rem, size) : long_file(err, name, size);
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

    uint8_t *buf = malloc(HASH_BUF_LEN);
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    sca_rc rc = SCA_OK;
    if (buf == NULL || md == NULL || mctx == NULL || EVP_DigestInit_ex2(mctx, md, NULL) != 1) {
        rc = buf == NULL || mctx == NULL ? sca_error_set(err, SCA_E_NO_MEMORY, "%s: out of memory", name)
                                         : sca_error_set(err, SCA_E_CRYPTO, "%s: SHA-256 is not available in "
                                                         "OpenSSL", name);
        goto out;
    }
    progress_state ps;
    progress_init(&ps, progress, ctx, size != SCA_FU_SIZE_ANY ? size : rem >= 0 ? (uint64_t)rem : 0);
    uint64_t done = 0;
    for (;;) {
        size_t want = HASH_BUF_LEN;
        if (size != SCA_FU_SIZE_ANY && size - done < want)
            want = (size_t)(size - done);
        if (want == 0)
            break;
        ssize_t r = read_some(fd, buf, want);
        if (r < 0) {
            rc = sca_error_set(err, SCA_E_INVALID_ARG, "%s: read failed after %llu bytes: %s", name,
                               (unsigned long long)done, strerror(errno));
            goto out;
        }
        if (r == 0) {
            if (size != SCA_FU_SIZE_ANY) {
                rc = short_file(err, name, done, size);
                goto out;
            }
            break;
        }
        if (EVP_DigestUpdate(mctx, buf, (size_t)r) != 1) {
            rc = sca_error_set(err, SCA_E_CRYPTO, "%s: SHA-256 failed in OpenSSL", name);
            goto out;
        }
        done += (uint64_t)r;
        progress_at(&ps, done);
    }
    if (size != SCA_FU_SIZE_ANY) {
        int more = has_more(fd);
        if (more != 0) {
            rc = more > 0 ? long_file(err, name, size)
                          : sca_error_set(err, SCA_E_INVALID_ARG, "%s: read failed at its end: %s", name,
                                          strerror(errno));
            goto out;
        }
    }
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(mctx, digest, &n) != 1 || n != 32) {
        rc = sca_error_set(err, SCA_E_CRYPTO, "%s: SHA-256 failed in OpenSSL", name);
        goto out;
    }
    if (size_out != NULL)
        *size_out = done;
    ps.total = size != SCA_FU_SIZE_ANY ? size : done;
    progress_end(&ps, done);
out:
    EVP_MD_CTX_free(mctx);
    EVP_MD_free(md);
    free(buf);
    if (rc != SCA_OK)
        ERR_clear_error();
    return rc;
}

static sca_rc open_file(const char *path, int *fd, sca_error *err)
{
    *fd = -1;
    if (path == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "no package file given");
    do
        *fd = open(path, O_RDONLY | O_CLOEXEC);
    while (*fd < 0 && errno == EINTR);
    if (*fd < 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "%s: cannot open the package: %s", path, strerror(errno));
    struct stat st;
    if (fstat(*fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(*fd);
        *fd = -1;
        return sca_error_set(err, SCA_E_INVALID_ARG, "%s: is a directory, not a package file", path);
    }
    return SCA_OK;
}

sca_rc sca_fu_hash_file(const char *path, uint64_t size, sca_fu_progress progress, void *ctx,
                        uint8_t digest[32], uint64_t *size_out, sca_error *err)
{
    if (size_out != NULL)
        *size_out = 0;
    int fd;
    sca_rc rc = open_file(path, &fd, err);
    if (rc != SCA_OK)
        return rc;
    rc = sca_fu_hash_fd(fd, path, size, progress, ctx, digest, size_out, err);
    close(fd);
    return rc;
}

sca_rc sca_fu_stream_file(const char *path, uint64_t size, size_t chunk, sca_fu_chunk_cb cb, void *ctx,
                          sca_fu_progress progress, sca_error *err)
{
    if (cb == NULL || chunk == 0 || chunk > STREAM_CHUNK_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "streaming the package: a callback and a part size of "
                             "1..%zu bytes are required (got %zu)", STREAM_CHUNK_MAX, chunk);
    if (size == SCA_FU_SIZE_ANY)
        return sca_error_set(err, SCA_E_INVALID_ARG, "streaming the package: the size from the manifest is "
                             "required");
    int fd;
    sca_rc rc = open_file(path, &fd, err);
    if (rc != SCA_OK)
        return rc;
    long long rem = remaining_of(fd);
    if (rem >= 0 && (uint64_t)rem != size) {
        rc = (uint64_t)rem < size ? short_file(err, path, (uint64_t)rem, size) : long_file(err, path, size);
        close(fd);
        return rc;
    }
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    /* a whole number of parts, at least one */
    size_t cap = chunk >= STREAM_BUF_LEN ? chunk : STREAM_BUF_LEN / chunk * chunk;
    uint8_t *buf = malloc(cap);
    if (buf == NULL) {
        close(fd);
        return sca_error_set(err, SCA_E_NO_MEMORY, "%s: out of memory", path);
    }
    progress_state ps;
    progress_init(&ps, progress, ctx, size);
    size_t have = 0, pos = 0; /* buf[pos..have) is read and not yet delivered */
    uint64_t off = 0;
    for (;;) {
        size_t n = size - off < chunk ? (size_t)(size - off) : chunk;
        if (have - pos < n) {
            memmove(buf, buf + pos, have - pos);
            have -= pos;
            pos = 0;
            size_t got = 0;
            rc = read_full(fd, path, buf + have, cap - have, &got, err);
            if (rc != SCA_OK)
                break;
            have += got;
            if (have < n) {
                rc = short_file(err, path, off + have, size);
                break;
            }
        }
        int last = off + n == size;
        if (last) {
            int more = have - pos > n ? 1 : has_more(fd);
            if (more != 0) {
                rc = more > 0 ? long_file(err, path, size)
                              : sca_error_set(err, SCA_E_INVALID_ARG, "%s: read failed at its end: %s", path,
                                              strerror(errno));
                break;
            }
        }
        rc = cb(buf + pos, n, off, last, ctx, err);
        if (rc != SCA_OK)
            break;
        pos += n;
        off += n;
        if (last) {
            progress_end(&ps, off);
            break;
        }
        progress_at(&ps, off);
    }
    free(buf);
    close(fd);
    return rc;
}
