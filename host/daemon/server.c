/* The socket loop of scagentd: one poll() loop over the listening sockets, the connections, the card runner's
 * wake-up pipe and the signal pipe; in one-loop mode it also runs the card steps, one per turn. Sockets are
 * non-blocking; every connection has its own output queue with a cap, so one client that does not read costs
 * only its own connection. */
#define _GNU_SOURCE /* struct ucred */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "methods.h"
#include "proto.h"
#include "scagent/log.h"

#define MAX_GIDS 64
#define READ_CHUNK 65536
#define FLUSH_AT_EXIT_MS 2000

typedef struct conn {
    int fd;
    uint64_t serial;
    uid_t uid;
    pid_t pid;
    gid_t gids[MAX_GIDS];
    size_t n_gids;
    scd_framer in;
    char *out;
    size_t out_len, out_off, out_cap;
    uint64_t last_active_ms;
    uint64_t partial_since_ms;
    unsigned pending;
    int dead; /* to be closed at the end of this loop turn */
} conn;

struct scd_server {
    scd_config cfg;
    int listen[8];
    size_t n_listen;
    int sig_fd;
    scd_worker *w;
    scd_reload_fn reload;
    void *reload_ctx;
    conn **conns;
    size_t n_conns, cap_conns;
    uint64_t next_serial;
    int stopping;
    struct pollfd *pfd;
    size_t pfd_cap;
};

json_t *scd_hello(const scd_config *cfg, unsigned roles)
{
    json_t *caps = json_array();
    char dummy[8];
    for (size_t i = 0; i < scd_method_count; i++)
        if (scd_method_allowed(&scd_methods[i], roles, cfg->perso, dummy, 0) == 0)
            json_array_append_new(caps, json_string(scd_methods[i].name));
    char r[64];
    scd_roles_str(roles, r, sizeof r);
    return json_pack("{s:{s:i, s:s, s:s, s:o, s:s, s:{s:I, s:i, s:i, s:i}}}", "hello", "protocol",
                     SCD_PROTOCOL_VERSION, "server", "scagentd", "version", SCD_VERSION, "capabilities", caps, "roles",
                     r, "limits", "max_message", (json_int_t)cfg->max_message, "max_depth", (int)cfg->max_depth,
                     "max_pending", (int)cfg->max_pending, "default_deadline_ms", (int)cfg->deadline_ms);
}

/* --- output -------------------------------------------------------------------------------------------- */

static void conn_flush(conn *c)
{
    while (!c->dead && c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n > 0) {
            c->out_off += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                c->dead = 1; /* the peer is gone */
            break;
        }
    }
    if (c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
}

/* Make room for `len` more bytes of output (compacting first); -1 when out of memory. */
static int out_reserve(conn *c, size_t len)
{
    if (c->out_off > 0 && c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
    if (c->out_len + len <= c->out_cap)
        return 0;
    if (c->out_off > 0) { /* compact before growing */
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
    }
    size_t cap = c->out_cap ? c->out_cap : 4096;
    while (cap < c->out_len + len)
        cap *= 2;
    char *b = realloc(c->out, cap);
    if (b == NULL)
        return -1;
    c->out = b;
    c->out_cap = cap;
    return 0;
}

static int out_append(const char *buf, size_t size, void *data)
{
    conn *c = data;
    if (out_reserve(c, size) != 0)
        return -1;
    memcpy(c->out + c->out_len, buf, size);
    c->out_len += size;
    return 0;
}

/* Queue one JSON object (consumed) as a line: encoded straight into the connection's output queue (compact and
 * ASCII-only, as scd_dump_line), then sent if it can be. */
static void conn_send(scd_server *s, conn *c, json_t *obj)
{
    if (c->dead || obj == NULL) {
        json_decref(obj);
        return;
    }
    size_t queued = c->out_len - c->out_off; /* kept across the compaction out_reserve may do */
    int bad = json_dump_callback(obj, out_append, c, JSON_COMPACT | JSON_ENSURE_ASCII) != 0 ||
              out_append("\n", 1, c) != 0;
    json_decref(obj);
    if (bad) {
        c->out_len = c->out_off + queued; /* drop the partial line: out of memory */
        c->dead = 1;
        return;
    }
    if (c->out_len - c->out_off > s->cfg.max_output) {
        c->out_len = c->out_off + queued;
        sca_log(SCA_LOG_WARN, "client %llu (uid %u pid %d) does not read its answers (%zu bytes queued): "
                              "disconnected", (unsigned long long)c->serial, (unsigned)c->uid, (int)c->pid,
                c->out_len - c->out_off);
        c->dead = 1;
        return;
    }
    conn_flush(c); /* most answers leave at once; the rest waits for POLLOUT */
}

static conn *find_conn(scd_server *s, uint64_t serial)
{
    for (size_t i = 0; i < s->n_conns; i++)
        if (s->conns[i]->serial == serial)
            return s->conns[i];
    return NULL;
}

/* --- requests ------------------------------------------------------------------------------------------ */

static unsigned conn_roles(const scd_server *s, const conn *c)
{
    /* computed per request, so a SIGHUP reload applies to open connections too */
    return scd_roles_for(&s->cfg, c->uid, c->gids, c->n_gids);
}

static void local_method(scd_server *s, conn *c, const scd_method *m, scd_request *r)
{
    if (!strcmp(m->name, "hello")) {
        json_t *h = scd_hello(&s->cfg, conn_roles(s, c));
        json_t *inner = json_incref(json_object_get(h, "hello"));
        json_decref(h);
        conn_send(s, c, scd_result(r->id, inner));
        return;
    }
    /* cancel */
    json_t *target = json_object_get(r->params, "id");
    int st = scd_worker_cancel(s->w, c->serial, target);
    static const char *states[] = {"unknown", "queued", "running"};
    conn_send(s, c, scd_result(r->id, json_pack("{s:O, s:b, s:s}", "id", target, "cancelled", st == 1,
                                               "state", states[st])));
}

static void on_line(const char *line, size_t len, void *ctx)
{
    conn *c = ((void **)ctx)[0];
    scd_server *s = ((void **)ctx)[1];
    if (c->dead)
        return;
    c->last_active_ms = scd_now_ms();
    if (line == NULL) {
        char m[128];
        snprintf(m, sizeof m, "a message longer than %zu bytes was discarded", s->cfg.max_message);
        conn_send(s, c, scd_error(NULL, SCD_E_TOO_LARGE, m, 0));
        return;
    }
    scd_request r;
    scd_proto_error e;
    if (scd_request_parse(line, len, s->cfg.max_depth, &r, &e) != 0) {
        conn_send(s, c, scd_error(r.id, e.code, e.message, 0));
        scd_request_free(&r);
        return;
    }
    char msg[320];
    const scd_method *m = scd_method_find(r.method);
    if (m == NULL) {
        snprintf(msg, sizeof msg, "no method \"%.64s\" (the hello message lists the methods of this connection)",
                 r.method);
        conn_send(s, c, scd_error(r.id, SCD_E_UNKNOWN, msg, 0));
    } else if (scd_method_allowed(m, conn_roles(s, c), s->cfg.perso, msg, sizeof msg) != 0) {
        sca_log(SCA_LOG_INFO, "denied %s to uid %u pid %d", m->name, (unsigned)c->uid, (int)c->pid);
        conn_send(s, c, scd_error(r.id, SCD_E_DENIED, msg, 0));
    } else if (scd_params_check(m->params, r.params, s->cfg.max_deadline_ms, msg, sizeof msg) != 0) {
        char full[400];
        snprintf(full, sizeof full, "%s: %s", m->name, msg);
        conn_send(s, c, scd_error(r.id, SCD_E_BAD_PARAMS, full, 0));
    } else if (m->flags & SCD_M_LOCAL) {
        local_method(s, c, m, &r);
    } else if (c->pending >= s->cfg.max_pending) {
        snprintf(msg, sizeof msg, "%u requests of this connection are in flight already; wait for answers",
                 s->cfg.max_pending);
        conn_send(s, c, scd_error(r.id, SCD_E_BUSY, msg, 0));
    } else {
        scd_job *j = calloc(1, sizeof *j);
        if (j == NULL) {
            conn_send(s, c, scd_error(r.id, "no-memory", "out of memory", 0));
            scd_request_free(&r);
            return;
        }
        j->client = c->serial;
        j->method = m;
        j->prio = m->prio;
        j->offcard = (m->flags & SCD_M_OFFCARD) != 0;
        j->root = r.root;
        j->id = r.id;
        j->params = r.params;
        j->uid = c->uid;
        j->pid = c->pid;
        json_t *d = json_object_get(r.params, SCD_PARAM_DEADLINE);
        j->deadline_ms = scd_now_ms() + (d ? (uint64_t)json_integer_value(d) : s->cfg.deadline_ms);
        sca_log(SCA_LOG_DEBUG, "client %llu: %s", (unsigned long long)c->serial, m->name);
        if (scd_worker_submit(s->w, j) == 0) {
            c->pending++;
            return; /* the job owns the request now */
        }
        j->root = NULL;
        scd_job_free(j);
        conn_send(s, c, scd_error(r.id, SCD_E_SHUTDOWN, "the daemon is shutting down", 0));
    }
    scd_request_free(&r);
}

/* --- answers from the card thread ---------------------------------------------------------------------- */

static void deliver_done(scd_server *s)
{
    scd_job *l = scd_worker_take_done(s->w);
    while (l) {
        scd_job *j = l;
        l = l->next;
        if (j->method == NULL) { /* an event: to everyone */
            for (size_t i = 0; i < s->n_conns; i++)
                conn_send(s, s->conns[i], json_incref(j->result));
        } else {
            conn *c = find_conn(s, j->client);
            if (c != NULL) { /* else the client left: nobody to answer */
                if (c->pending)
                    c->pending--;
                c->last_active_ms = scd_now_ms();
                if (j->ecode)
                    conn_send(s, c, scd_error(j->id, j->ecode, j->emsg, j->sw));
                else {
                    conn_send(s, c, scd_result(j->id, j->result));
                    j->result = NULL;
                }
            }
        }
        scd_job_free(j);
    }
}

/* --- connections --------------------------------------------------------------------------------------- */

static void peer_groups(conn *c, gid_t gid)
{
    c->gids[0] = gid;
    c->n_gids = 1;
    struct passwd pw, *res = NULL;
    char buf[4096];
    if (getpwuid_r(c->uid, &pw, buf, sizeof buf, &res) != 0 || res == NULL)
        return;
    int n = MAX_GIDS;
    gid_t g[MAX_GIDS];
    if (getgrouplist(pw.pw_name, gid, g, &n) < 0)
        n = MAX_GIDS; /* more than we keep: the first ones */
    for (int i = 0; i < n && c->n_gids < MAX_GIDS; i++)
        if (g[i] != gid)
            c->gids[c->n_gids++] = g[i];
}

static void accept_all(scd_server *s, int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN, or a transient error: poll again */
        struct ucred cr;
        socklen_t cl = sizeof cr;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0) {
            sca_log(SCA_LOG_WARN, "no peer credentials on a new connection: closed");
            close(fd);
            continue;
        }
        if (s->n_conns >= s->cfg.max_clients) {
            sca_log(SCA_LOG_WARN, "connection of uid %u pid %d refused: %u clients already", (unsigned)cr.uid,
                    (int)cr.pid, s->cfg.max_clients);
            json_t *e = scd_error(NULL, SCD_E_BUSY, "too many clients", 0);
            size_t n;
            char *l = scd_dump_line(e, &n);
            if (l) {
                ssize_t w = send(fd, l, n, MSG_NOSIGNAL | MSG_DONTWAIT);
                (void)w;
            }
            free(l);
            json_decref(e);
            close(fd);
            continue;
        }
        if (s->n_conns == s->cap_conns) {
            size_t cap = s->cap_conns ? 2 * s->cap_conns : 16;
            conn **a = realloc(s->conns, cap * sizeof *a);
            if (a == NULL) {
                close(fd);
                continue;
            }
            s->conns = a;
            s->cap_conns = cap;
        }
        conn *c = calloc(1, sizeof *c);
        if (c == NULL) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->serial = ++s->next_serial;
        c->uid = cr.uid;
        c->pid = cr.pid;
        peer_groups(c, cr.gid);
        scd_framer_init(&c->in, s->cfg.max_message);
        c->last_active_ms = scd_now_ms();
        s->conns[s->n_conns++] = c;
        unsigned roles = conn_roles(s, c);
        char r[64];
        scd_roles_str(roles, r, sizeof r);
        sca_log(SCA_LOG_INFO, "client %llu connected: uid %u gid %u pid %d, roles %s", (unsigned long long)c->serial,
                (unsigned)cr.uid, (unsigned)cr.gid, (int)cr.pid, r);
        conn_send(s, c, scd_hello(&s->cfg, roles)); /* the server speaks first: PROTOCOL.md §2 */
    }
}

static void conn_read(scd_server *s, conn *c)
{
    static char buf[READ_CHUNK];
    void *ctx[2] = {c, s};
    /* a bounded number of reads per turn: one chatty client cannot starve the loop */
    for (int k = 0; k < 4 && !c->dead; k++) {
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n > 0) {
            int was_partial = scd_framer_partial(&c->in);
            if (scd_framer_feed(&c->in, buf, (size_t)n, on_line, ctx) != 0)
                c->dead = 1;
            if (!scd_framer_partial(&c->in))
                c->partial_since_ms = 0;
            else if (!was_partial || c->partial_since_ms == 0)
                c->partial_since_ms = scd_now_ms();
            if ((size_t)n < sizeof buf)
                return;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
                c->dead = 1;
            return;
        }
    }
}

static void conn_close(scd_server *s, size_t i)
{
    conn *c = s->conns[i];
    scd_worker_drop_client(s->w, c->serial);
    sca_log(SCA_LOG_INFO, "client %llu disconnected", (unsigned long long)c->serial);
    close(c->fd);
    scd_framer_free(&c->in);
    free(c->out);
    free(c);
    s->conns[i] = s->conns[--s->n_conns];
}

static void check_timeouts(scd_server *s, uint64_t now)
{
    for (size_t i = 0; i < s->n_conns; i++) {
        conn *c = s->conns[i];
        if (c->dead)
            continue;
        if (c->partial_since_ms && now - c->partial_since_ms > s->cfg.read_timeout_ms) {
            char m[128];
            snprintf(m, sizeof m, "a message was not completed within %u ms", s->cfg.read_timeout_ms);
            conn_send(s, c, scd_error(NULL, SCD_E_TIMEOUT, m, 0));
            conn_flush(c);
            c->dead = 1;
        } else if (s->cfg.idle_timeout_ms && c->pending == 0 && c->out_len == 0 &&
                   now - c->last_active_ms > s->cfg.idle_timeout_ms) {
            sca_log(SCA_LOG_INFO, "client %llu idle for %u ms: disconnected", (unsigned long long)c->serial,
                    s->cfg.idle_timeout_ms);
            c->dead = 1;
        }
    }
}

scd_server *scd_server_new(const scd_config *cfg, const int *listen_fds, size_t n_listen, int sig_fd, scd_worker *w,
                           scd_reload_fn reload, void *reload_ctx)
{
    scd_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->cfg = *cfg;
    for (size_t i = 0; i < n_listen && i < sizeof s->listen / sizeof s->listen[0]; i++)
        s->listen[s->n_listen++] = listen_fds[i];
    s->sig_fd = sig_fd;
    s->w = w;
    s->reload = reload;
    s->reload_ctx = reload_ctx;
    return s;
}

static void handle_signals(scd_server *s)
{
    char b[16];
    ssize_t n;
    while ((n = read(s->sig_fd, b, sizeof b)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (b[i] == 'T' && !s->stopping) {
                sca_log(SCA_LOG_INFO, "shutting down");
                s->stopping = 1;
            } else if (b[i] == 'H' && s->reload) {
                scd_config nc = s->cfg;
                if (s->reload(&nc, s->reload_ctx) == 0) {
                    /* the socket, reader and card mode stay as they were: they need a restart */
                    snprintf(nc.socket_path, sizeof nc.socket_path, "%s", s->cfg.socket_path);
                    snprintf(nc.reader, sizeof nc.reader, "%s", s->cfg.reader);
                    nc.card = s->cfg.card;
                    nc.max_message = s->cfg.max_message; /* open framers were sized with it */
                    s->cfg = nc;
                    sca_log_set_level(nc.log_level);
                    sca_log(SCA_LOG_INFO, "configuration reloaded");
                }
            }
        }
    }
}

int scd_server_run(scd_server *s)
{
    int wake = s->w->wake[0];
    if (s->w->inline_mode)
        scd_worker_bind_loop(s->w);
    while (!s->stopping) {
        size_t need = 2 + s->n_listen + s->n_conns;
        if (need > s->pfd_cap) {
            struct pollfd *p = realloc(s->pfd, need * 2 * sizeof *p);
            if (p == NULL)
                return -1;
            s->pfd = p;
            s->pfd_cap = need * 2;
        }
        struct pollfd *p = s->pfd;
        size_t k = 0;
        p[k++] = (struct pollfd){.fd = s->sig_fd, .events = POLLIN};
        p[k++] = (struct pollfd){.fd = wake, .events = POLLIN};
        for (size_t i = 0; i < s->n_listen; i++)
            p[k++] = (struct pollfd){.fd = s->listen[i], .events = POLLIN};
        size_t first_conn = k, n_polled = s->n_conns;
        for (size_t i = 0; i < n_polled; i++)
            p[k++] = (struct pollfd){.fd = s->conns[i]->fd,
                                     .events = (short)(POLLIN | (s->conns[i]->out_len ? POLLOUT : 0))};
        /* in one-loop mode a queued step means "do not sleep"; idle, the card's presence poll sets the pace */
        int timeout = 100, due = scd_worker_idle_tick(s->w, scd_now_ms());
        if (due >= 0 && due < timeout)
            timeout = due;
        int r = poll(p, k, timeout);
        if (r < 0 && errno != EINTR)
            return -1;
        if (p[0].revents)
            handle_signals(s);
        for (size_t i = 0; i < s->n_listen; i++)
            if (p[2 + i].revents & POLLIN)
                accept_all(s, s->listen[i]);
        for (size_t i = 0; i < n_polled; i++) { /* conns added by accept_all are past n_polled */
            conn *c = s->conns[i];
            short re = p[first_conn + i].revents;
            if (re & POLLIN)
                conn_read(s, c);
            else if (re & (POLLHUP | POLLERR | POLLNVAL))
                c->dead = 1;
            if ((re & POLLOUT) && !c->dead)
                conn_flush(c);
        }
        uint64_t now = scd_now_ms();
        check_timeouts(s, now);
        scd_worker_expire(s->w, now);
        /* one loop: one card step per turn, so new requests (an urgent STKM) are read between two steps */
        scd_worker_run_one(s->w);
        deliver_done(s); /* its answer, and those of the card thread or the off-card threads */
        scd_worker_flush(s->w); /* then the end of the step's card transaction */
        for (size_t i = s->n_conns; i-- > 0;)
            if (s->conns[i]->dead)
                conn_close(s, i);
    }
    /* shutdown: the card thread finishes its step and answers the rest "shutting-down"; flush what we can */
    scd_worker_stop(s->w);
    deliver_done(s);
    uint64_t until = scd_now_ms() + FLUSH_AT_EXIT_MS;
    if (s->pfd_cap < s->n_conns + 1) {
        struct pollfd *p = realloc(s->pfd, (s->n_conns + 1) * sizeof *p);
        if (p == NULL)
            until = 0;
        else
            s->pfd = p, s->pfd_cap = s->n_conns + 1;
    }
    for (;;) {
        size_t k = 0;
        for (size_t i = 0; i < s->n_conns && until; i++)
            if (!s->conns[i]->dead && s->conns[i]->out_len)
                s->pfd[k++] = (struct pollfd){.fd = s->conns[i]->fd, .events = POLLOUT};
        if (k == 0 || scd_now_ms() >= until)
            break;
        poll(s->pfd, k, 50);
        for (size_t i = 0; i < s->n_conns; i++)
            if (!s->conns[i]->dead && s->conns[i]->out_len)
                conn_flush(s->conns[i]);
    }
    while (s->n_conns)
        conn_close(s, s->n_conns - 1);
    return 0;
}

void scd_server_free(scd_server *s)
{
    if (s == NULL)
        return;
    while (s->n_conns)
        conn_close(s, s->n_conns - 1);
    free(s->conns);
    free(s->pfd);
    free(s);
}
