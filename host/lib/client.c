/* The scagentd client: NDJSON over a Unix stream socket (PROTOCOL.md). */
#include "scagent/client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CLIENT_LINE_MAX (64u * 1024 * 1024)

typedef struct answer {
    struct answer *next;
    json_int_t id;
    json_t *msg;
} answer;

struct sca_client {
    int fd;
    json_t *hello;
    json_int_t next_id;
    char *buf; /* received bytes not yet framed */
    size_t len, cap;
    answer *kept; /* answers for other ids */
    sca_client_event_cb on_event;
    void *user;
    char last_code[48];
    int rcv_slice_ms; /* the socket's SO_RCVTIMEO (0: none set yet) */
};

const char *sca_client_default_socket(void)
{
    const char *s = getenv("SCAGENT_SOCKET");
    return s && *s ? s : "/run/scagent/scagentd.sock";
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One blocking read waits at most this long (its socket's SO_RCVTIMEO) before the deadline is checked again. */
#define RECV_SLICE_MS 1000

/* Cap the next blocking read at `ms`; only when it changes (a call with a long timeout sets it once). */
static void recv_slice(sca_client *c, int ms)
{
    if (ms == c->rcv_slice_ms)
        return;
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0)
        c->rcv_slice_ms = ms;
}

/* Read more bytes, waiting until `deadline` (ms, monotonic; <0: forever; 0: do not wait). 1 read something,
 * 0 timed out, error otherwise. A blocking recv, not poll and recv: one system call per answer, and the answer
 * wakes the reader itself. */
static sca_rc fill(sca_client *c, long long deadline, int *got, sca_error *err)
{
    *got = 0;
    for (;;) {
        if (c->cap - c->len < 65536) {
            if (c->cap >= CLIENT_LINE_MAX)
                return sca_error_set(err, SCA_E_PROTOCOL, "scagentd sent a line longer than %u bytes",
                                     CLIENT_LINE_MAX);
            size_t cap = c->cap ? 2 * c->cap : 131072;
            char *b = realloc(c->buf, cap);
            if (b == NULL)
                return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
            c->buf = b;
            c->cap = cap;
        }
        int flags = 0;
        if (deadline == 0) {
            flags = MSG_DONTWAIT;
        } else {
            long long left = deadline < 0 ? RECV_SLICE_MS : deadline - now_ms();
            if (left <= 0)
                return SCA_OK;
            recv_slice(c, left < RECV_SLICE_MS ? (int)left : RECV_SLICE_MS);
        }
        ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, flags);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (deadline == 0)
                return SCA_OK;
            continue; /* the slice ran out: check the deadline */
        }
        if (n <= 0)
            return sca_error_set(err, SCA_E_NO_SERVICE, "scagentd closed the connection%s%s", n < 0 ? ": " : "",
                                 n < 0 ? strerror(errno) : "");
        c->len += (size_t)n;
        *got = 1;
        return SCA_OK;
    }
}

/* The next complete message, or NULL when none is buffered. */
static sca_rc next_msg(sca_client *c, json_t **out, sca_error *err)
{
    *out = NULL;
    char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
    if (nl == NULL)
        return SCA_OK;
    size_t n = (size_t)(nl - c->buf);
    json_error_t je;
    json_t *m = json_loadb(c->buf, n, 0, &je);
    memmove(c->buf, nl + 1, c->len - n - 1);
    c->len -= n + 1;
    if (!json_is_object(m)) {
        json_decref(m);
        return sca_error_set(err, SCA_E_PROTOCOL, "scagentd sent something that is not a JSON object");
    }
    *out = m;
    return SCA_OK;
}

/* Route one message: events to the callback (then freed), answers returned. */
static json_t *route(sca_client *c, json_t *m)
{
    if (json_object_get(m, "event") != NULL) {
        if (c->on_event)
            c->on_event(m, c->user);
        json_decref(m);
        return NULL;
    }
    return m;
}

sca_rc sca_client_connect(const char *path, int timeout_ms, sca_client **out, sca_error *err)
{
    *out = NULL;
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (path == NULL)
        path = sca_client_default_socket();
    if (strlen(path) >= sizeof a.sun_path)
        return sca_error_set(err, SCA_E_INVALID_ARG, "socket path too long: %s", path);
    memcpy(a.sun_path, path, strlen(path) + 1);
    sca_client *c = calloc(1, sizeof *c);
    if (c == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    c->next_id = 1;
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        sca_client_close(c);
        return sca_error_set(err, SCA_E_NO_SERVICE, "cannot connect to scagentd at %s: %s (is it running? "
                             "-S/--socket or $SCAGENT_SOCKET choose another socket)", path, strerror(e));
    }
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 5000);
    sca_rc rc = SCA_OK;
    while (rc == SCA_OK && c->hello == NULL) {
        json_t *m;
        rc = next_msg(c, &m, err);
        if (rc != SCA_OK)
            break;
        if (m == NULL) {
            int got;
            rc = fill(c, deadline, &got, err);
            if (rc == SCA_OK && !got)
                rc = sca_error_set(err, SCA_E_TIMEOUT, "scagentd at %s sent no hello", path);
            continue;
        }
        json_t *h = json_object_get(m, "hello");
        if (h == NULL) { /* e.g. "busy": too many clients */
            json_t *e = json_object_get(m, "error");
            rc = sca_error_set(err, SCA_E_NO_SERVICE, "scagentd refused the connection: %s",
                               e ? json_string_value(json_object_get(e, "message")) : "no hello");
        } else if (json_integer_value(json_object_get(h, "protocol")) != 1) {
            rc = sca_error_set(err, SCA_E_PROTOCOL, "scagentd speaks protocol %lld, this client 1",
                               (long long)json_integer_value(json_object_get(h, "protocol")));
        } else {
            c->hello = json_incref(h);
        }
        json_decref(m);
    }
    if (rc != SCA_OK) {
        sca_client_close(c);
        return rc;
    }
    *out = c;
    return SCA_OK;
}

void sca_client_close(sca_client *c)
{
    if (c == NULL)
        return;
    if (c->fd >= 0)
        close(c->fd);
    json_decref(c->hello);
    while (c->kept) {
        answer *n = c->kept->next;
        json_decref(c->kept->msg);
        free(c->kept);
        c->kept = n;
    }
    free(c->buf);
    free(c);
}

const json_t *sca_client_hello(const sca_client *c)
{
    return c->hello;
}

int sca_client_can(const sca_client *c, const char *method)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(c->hello, "capabilities"), i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), method) == 0)
            return 1;
    }
    return 0;
}

void sca_client_on_event(sca_client *c, sca_client_event_cb cb, void *user)
{
    c->on_event = cb;
    c->user = user;
}

int sca_client_fd(const sca_client *c)
{
    return c->fd;
}

const char *sca_client_last_code(const sca_client *c)
{
    return c->last_code;
}

/* A method name that needs no JSON escaping (the daemon's are all like "pin.status"). */
static int plain_name(const char *m)
{
    if (*m == '\0' || strlen(m) > 64)
        return 0;
    for (; *m; m++)
        if (!((*m >= 'a' && *m <= 'z') || (*m >= 'A' && *m <= 'Z') || (*m >= '0' && *m <= '9') || *m == '.' ||
              *m == '-' || *m == '_'))
            return 0;
    return 1;
}

sca_rc sca_client_send(sca_client *c, const char *method, json_t *params, json_int_t *id, sca_error *err)
{
    json_int_t my = c->next_id++;
    char *s = NULL;
    size_t n = 0;
    if (plain_name(method)) {
        /* the same bytes json_dumps writes for {"id", "method", "params"}, without building that object */
        char *ps = params ? json_dumps(params, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY) : NULL;
        json_decref(params);
        if (params != NULL && ps == NULL)
            return sca_error_set(err, SCA_E_INVALID_ARG, "cannot encode the request for %s", method);
        const char *p = ps ? ps : "{}";
        size_t cap = strlen(method) + strlen(p) + 64;
        s = malloc(cap);
        if (s != NULL)
            n = (size_t)snprintf(s, cap, "{\"id\":%" JSON_INTEGER_FORMAT ",\"method\":\"%s\",\"params\":%s}", my,
                                 method, p);
        free(ps);
    } else {
        json_t *req = json_pack("{s:I, s:s, s:o}", "id", my, "method", method, "params",
                                params ? params : json_object());
        if (req == NULL)
            return sca_error_set(err, SCA_E_INVALID_ARG, "cannot encode the request for %s", method);
        s = json_dumps(req, JSON_COMPACT | JSON_ENSURE_ASCII);
        json_decref(req);
        if (s != NULL)
            n = strlen(s);
    }
    if (s == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    size_t off = 0;
    s[n++] = '\n'; /* the string's NUL becomes the newline; it is not used as a C string after this */
    sca_rc rc = SCA_OK;
    while (off < n) {
        ssize_t w = send(c->fd, s + off, n - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = sca_error_set(err, SCA_E_NO_SERVICE, "sending to scagentd: %s", strerror(errno));
            break;
        }
        off += (size_t)w;
    }
    free(s);
    if (rc == SCA_OK && id)
        *id = my;
    return rc;
}

static sca_rc rc_from_code(const char *code)
{
    for (int r = 1; r < SCA_E__COUNT; r++)
        if (strcmp(sca_rc_name((sca_rc)r), code) == 0)
            return (sca_rc)r;
    if (!strcmp(code, "denied"))
        return SCA_E_DENIED;
    if (!strcmp(code, "deadline-exceeded") || !strcmp(code, "cancelled") || !strcmp(code, "read-timeout"))
        return SCA_E_TIMEOUT;
    if (!strcmp(code, "not-supported"))
        return SCA_E_NOT_SUPPORTED;
    if (!strcmp(code, "shutting-down") || !strcmp(code, "busy"))
        return SCA_E_NO_SERVICE;
    if (!strcmp(code, "bad-params") || !strcmp(code, "unknown-method"))
        return SCA_E_INVALID_ARG;
    return SCA_E_PROTOCOL; /* parse-error, invalid-request, too-large, too-deep: this client sent bad bytes */
}

static sca_rc take(sca_client *c, json_t *m, json_t **result, sca_error *err)
{
    json_t *e = json_object_get(m, "error");
    sca_rc rc = SCA_OK;
    c->last_code[0] = '\0';
    if (e != NULL) {
        const char *code = json_string_value(json_object_get(e, "code"));
        const char *msg = json_string_value(json_object_get(e, "message"));
        const char *sw = json_string_value(json_object_get(e, "sw"));
        snprintf(c->last_code, sizeof c->last_code, "%s", code ? code : "error");
        rc = sca_error_set(err, rc_from_code(c->last_code), "%s", msg ? msg : c->last_code);
        if (err && sw)
            err->sw = (uint16_t)strtoul(sw, NULL, 16);
        if (err && rc == SCA_E_WRONG_PIN) { /* "..., N tries left" */
            const char *t = msg ? strstr(msg, " tries left") : NULL;
            if (t) {
                while (t > msg && t[-1] >= '0' && t[-1] <= '9')
                    t--;
                err->tries_left = atoi(t);
            }
        }
    } else if (result) {
        *result = json_incref(json_object_get(m, "result"));
    }
    json_decref(m);
    return rc;
}

sca_rc sca_client_wait(sca_client *c, json_int_t id, int timeout_ms, json_t **result, sca_error *err)
{
    if (result)
        *result = NULL;
    for (answer **pp = &c->kept; *pp; pp = &(*pp)->next)
        if ((*pp)->id == id) {
            answer *a = *pp;
            *pp = a->next;
            json_t *m = a->msg;
            free(a);
            return take(c, m, result, err);
        }
    long long deadline = timeout_ms > 0 ? now_ms() + timeout_ms : -1;
    for (;;) {
        json_t *m;
        sca_rc rc = next_msg(c, &m, err);
        if (rc != SCA_OK)
            return rc;
        if (m == NULL) {
            int got;
            rc = fill(c, deadline, &got, err);
            if (rc != SCA_OK)
                return rc;
            if (!got)
                return sca_error_set(err, SCA_E_TIMEOUT, "no answer from scagentd within %d ms", timeout_ms);
            continue;
        }
        if ((m = route(c, m)) == NULL)
            continue;
        json_t *mid = json_object_get(m, "id");
        if (json_is_integer(mid) && json_integer_value(mid) == id)
            return take(c, m, result, err);
        if (!json_is_integer(mid)) { /* id null: about bytes we sent that it could not read */
            take(c, m, NULL, err);
            return err ? err->rc : SCA_E_PROTOCOL;
        }
        answer *a = malloc(sizeof *a);
        if (a == NULL) {
            json_decref(m);
            return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
        }
        a->id = json_integer_value(mid);
        a->msg = m;
        a->next = c->kept;
        c->kept = a;
    }
}

sca_rc sca_client_call(sca_client *c, const char *method, json_t *params, int timeout_ms, json_t **result,
                       sca_error *err)
{
    json_int_t id;
    sca_rc rc = sca_client_send(c, method, params, &id, err);
    return rc != SCA_OK ? rc : sca_client_wait(c, id, timeout_ms, result, err);
}

sca_rc sca_client_poll_events(sca_client *c, sca_error *err)
{
    for (;;) {
        int got;
        sca_rc rc = fill(c, 0, &got, err);
        if (rc != SCA_OK)
            return rc;
        json_t *m;
        for (;;) {
            rc = next_msg(c, &m, err);
            if (rc != SCA_OK || m == NULL)
                break;
            if ((m = route(c, m)) == NULL)
                continue;
            json_t *mid = json_object_get(m, "id");
            answer *a = malloc(sizeof *a);
            if (a == NULL) {
                json_decref(m);
                return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
            }
            a->id = json_is_integer(mid) ? json_integer_value(mid) : -1;
            a->msg = m;
            a->next = c->kept;
            c->kept = a;
        }
        if (rc != SCA_OK || !got)
            return rc;
    }
}
