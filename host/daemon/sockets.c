/* Listening sockets. */
#include "sockets.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

size_t scd_listen_fds(int *fds, size_t cap)
{
    const char *pid = getenv("LISTEN_PID"), *nfds = getenv("LISTEN_FDS");
    size_t n = 0;
    if (pid != NULL && nfds != NULL) {
        char *end;
        long p = strtol(pid, &end, 10);
        long k = (*end == '\0' && p == (long)getpid()) ? strtol(nfds, &end, 10) : 0;
        if (*end != '\0' || k < 0)
            k = 0;
        for (long i = 0; i < k && n < cap; i++) {
            int fd = 3 + (int)i; /* SD_LISTEN_FDS_START */
            fcntl(fd, F_SETFD, FD_CLOEXEC);
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
            fds[n++] = fd;
        }
    }
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    return n;
}

static sca_rc make_dir(const char *path, gid_t gid, sca_error *err)
{
    char dir[sizeof ((struct sockaddr_un *)0)->sun_path];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir)
        return SCA_OK;
    *slash = '\0';
    struct stat st;
    if (stat(dir, &st) == 0)
        return S_ISDIR(st.st_mode) ? SCA_OK : sca_error_set(err, SCA_E_INVALID_ARG, "%s is not a directory", dir);
    if (mkdir(dir, 0750) != 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "cannot create %s: %s", dir, strerror(errno));
    if (gid != (gid_t)-1 && chown(dir, (uid_t)-1, gid) != 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "cannot give %s to group %u: %s", dir, (unsigned)gid,
                             strerror(errno));
    return SCA_OK;
}

sca_rc scd_listen_path(const scd_config *cfg, int *out, sca_error *err)
{
    gid_t gid = (gid_t)-1;
    if (cfg->socket_group[0]) {
        struct group *g = getgrnam(cfg->socket_group);
        if (g == NULL)
            return sca_error_set(err, SCA_E_INVALID_ARG, "socket_group: no group '%s'", cfg->socket_group);
        gid = g->gr_gid;
    }
    sca_rc rc = make_dir(cfg->socket_path, gid, err);
    if (rc != SCA_OK)
        return rc;
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", cfg->socket_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return sca_error_set(err, SCA_E_INTERNAL, "socket: %s", strerror(errno));
    struct stat st;
    if (lstat(a.sun_path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            close(fd);
            return sca_error_set(err, SCA_E_INVALID_ARG, "%s exists and is not a socket", a.sun_path);
        }
        /* a socket nobody answers on is left over from a crash; one that answers belongs to a live daemon */
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int live = probe >= 0 && connect(probe, (struct sockaddr *)&a, sizeof a) == 0;
        if (probe >= 0)
            close(probe);
        if (live) {
            close(fd);
            return sca_error_set(err, SCA_E_SHARING, "another scagentd listens on %s", a.sun_path);
        }
        unlink(a.sun_path);
    }
    /* created with no access at all, then opened up: never a window with wider permissions than configured */
    mode_t old = umask(0777);
    int b = bind(fd, (struct sockaddr *)&a, sizeof a);
    umask(old);
    if (b != 0 || chmod(a.sun_path, cfg->socket_mode) != 0 ||
        (gid != (gid_t)-1 && chown(a.sun_path, (uid_t)-1, gid) != 0) || listen(fd, 128) != 0) {
        int e = errno;
        close(fd);
        if (b == 0)
            unlink(a.sun_path);
        return sca_error_set(err, SCA_E_INVALID_ARG, "cannot listen on %s: %s", a.sun_path, strerror(e));
    }
    *out = fd;
    return SCA_OK;
}
