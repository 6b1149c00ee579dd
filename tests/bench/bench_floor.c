/* The floor of a JSON-over-socket service's overhead (bench_floor.h). */
#include "bench_floor.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "scagent/json_results.h"
#include "scagent/pin.h"
#include "scagent/scagent.h"

/* Read one line into buf (the line's length, without its '\n'); 0 at end of stream, -1 on an error. Lines here are
 * one request or one answer, so a line never shares a read with the next one. */
static long read_line(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    for (;;) {
        ssize_t r = recv(fd, buf + len, cap - len, 0);
        if (r <= 0)
            return r == 0 && len == 0 ? 0 : -1;
        len += (size_t)r;
        if (buf[len - 1] == '\n')
            return (long)len - 1;
        if (len == cap)
            return -1;
    }
}

/* The child: answer pin.status lines as scagentd does (the same result object) until the socket closes. */
static int serve(int fd, const char *reader)
{
    sca_open_opts o = {.reader = reader};
    sca_card *card;
    sca_error err;
    if (sca_card_open(&o, &card, &err) != SCA_OK) {
        fprintf(stderr, "bench floor server: %s\n", err.msg);
        return 1;
    }
    /* answer before the transaction's end, as scagentd does: the end then overlaps the answer's way back */
    sca_card_defer_end(card, 1);
    char in[4096], out[4096];
    long n;
    int rc = 0;
    while ((n = read_line(fd, in, sizeof in)) > 0) {
        json_t *req = json_loadb(in, (size_t)n, 0, NULL);
        sca_pin_status st;
        if (req == NULL || sca_pin_get_status(card, &st, &err) != SCA_OK) {
            json_decref(req);
            rc = 1;
            break;
        }
        json_t *res = sca_json_pin_status(&st);
        json_object_set_new(res, "verified", json_boolean(st.verified));
        json_object_set_new(res, "verified_on_card", json_boolean(st.verified));
        json_t *ans = json_pack("{s:O, s:o}", "id", json_object_get(req, "id"), "result", res);
        size_t len = json_dumpb(ans, out, sizeof out - 1, JSON_COMPACT);
        json_decref(ans);
        json_decref(req);
        if (len == 0 || len >= sizeof out - 1) {
            rc = 1;
            break;
        }
        out[len++] = '\n';
        if (send(fd, out, len, MSG_NOSIGNAL) != (ssize_t)len) {
            rc = 1;
            break;
        }
        sca_card_flush(card);
    }
    sca_card_close(card);
    return rc;
}

int bench_floor_start(bench_floor *f, const char *reader)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        perror("bench floor: socketpair");
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("bench floor: fork");
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    if (pid == 0) {
        close(sv[0]);
        _exit(serve(sv[1], reader));
    }
    close(sv[1]);
    f->pid = pid;
    f->fd = sv[0];
    f->id = 0;
    return 0;
}

void bench_floor_call(void *arg)
{
    bench_floor *f = arg;
    char req[96];
    int n = snprintf(req, sizeof req, "{\"id\":%llu,\"method\":\"pin.status\",\"params\":{}}\n", ++f->id);
    long len;
    json_t *ans = NULL;
    if (send(f->fd, req, (size_t)n, MSG_NOSIGNAL) == n && (len = read_line(f->fd, f->buf, sizeof f->buf)) > 0)
        ans = json_loadb(f->buf, (size_t)len, 0, NULL);
    if (ans == NULL || json_object_get(ans, "result") == NULL) {
        fprintf(stderr, "bench floor: no answer to pin.status (see the server's message above)\n");
        kill(f->pid, SIGTERM);
        waitpid(f->pid, NULL, 0);
        exit(1);
    }
    json_decref(ans);
}

void bench_floor_stop(bench_floor *f)
{
    close(f->fd);
    waitpid(f->pid, NULL, 0);
}
