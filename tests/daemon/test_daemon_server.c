/* The socket side of scagentd against a fake card: hello, pipelined requests with id echo, every protocol error
 * with the connection staying usable, a client that does not read, read timeouts, clients leaving mid-request,
 * cancel and deadlines through the protocol, events, the client limit, shutdown, and 64 concurrent clients.
 * Every test runs twice: with the card on a thread of its own, and in one loop (the daemon's default). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fake_exec.h"
#include "harness.h"
#include "scagent/client.h"
#include "scagent/log.h"
#include "server.h"
#include "sockets.h"

/* A failed assertion leaves its server running; its writes to closed sockets must not kill the run. */
__attribute__((constructor)) static void no_sigpipe(void)
{
    signal(SIGPIPE, SIG_IGN);
    alarm(300); /* and a hung test ends the run instead of blocking it */
}

typedef struct srv {
    char dir[64];
    scd_config cfg;
    fake f;
    scd_worker w;
    int sig[2];
    int lfd;
    scd_server *s;
    pthread_t th;
} srv;

static int one_loop; /* the second pass: the card's steps run in the server's loop */

static void *serve(void *arg)
{
    srv *v = arg;
    scd_server_run(v->s);
    return NULL;
}

static void cfg_base(scd_config *c)
{
    scd_config_defaults(c);
    c->card = SCD_CARD_NONE;
    c->root_all = 0; /* the same roles whether the tests run as root or not */
    c->default_roles = SCD_ROLE_TERMINAL | SCD_ROLE_DM;
}

static void start(srv *v, const scd_config *cfg)
{
    memset(v, 0, sizeof *v);
    sca_log_set_level(SCA_LOG_ERROR);
    snprintf(v->dir, sizeof v->dir, "/tmp/scd-test-XXXXXX");
    assert_non_null(mkdtemp(v->dir));
    v->cfg = *cfg;
    snprintf(v->cfg.socket_path, sizeof v->cfg.socket_path, "%s/s.sock", v->dir);
    fake_init(&v->f);
    scd_executor e = fake_executor(&v->f);
    assert_int_equal(one_loop ? scd_worker_start_inline(&v->w, &e) : scd_worker_start(&v->w, &e), 0);
    sca_error err;
    assert_int_equal(scd_listen_path(&v->cfg, &v->lfd, &err), SCA_OK);
    assert_int_equal(pipe(v->sig), 0);
    fcntl(v->sig[0], F_SETFL, O_NONBLOCK);
    v->s = scd_server_new(&v->cfg, &v->lfd, 1, v->sig[0], &v->w, NULL, NULL);
    pthread_create(&v->th, NULL, serve, v);
}

static void stop(srv *v)
{
    assert_int_equal(write(v->sig[1], "T", 1), 1);
    pthread_join(v->th, NULL);
    scd_server_free(v->s);
    scd_worker_destroy(&v->w);
    close(v->lfd);
    close(v->sig[0]);
    close(v->sig[1]);
    unlink(v->cfg.socket_path);
    rmdir(v->dir);
}

static int raw_connect(const srv *v)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", v->cfg.socket_path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* Read one line (blocking, 5 s), parsed. NULL at EOF. */
static json_t *raw_line(int fd)
{
    char buf[1 << 16];
    size_t n = 0;
    while (n < sizeof buf - 1) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 5000) != 1)
            fail_msg("no answer within 5 s");
        ssize_t r = recv(fd, buf + n, 1, 0);
        if (r <= 0)
            return NULL;
        if (buf[n] == '\n')
            break;
        n++;
    }
    json_error_t je;
    json_t *o = json_loadb(buf, n, 0, &je);
    if (o == NULL)
        fail_msg("not JSON: %.*s", (int)n, buf);
    return o;
}

static void raw_send(int fd, const char *s)
{
    size_t n = strlen(s);
    assert_int_equal(send(fd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

static const char *err_code(const json_t *o)
{
    return json_string_value(json_object_get(json_object_get(o, "error"), "code"));
}

/* --------------------------------------------------------------------------------------------------------- */

static void hello_and_call(void **state)
{
    (void)state;
    srv v;
    scd_config c;
    cfg_base(&c);
    start(&v, &c);
    sca_client *cl;
    sca_error err;
    assert_int_equal(sca_client_connect(v.cfg.socket_path, 0, &cl, &err), SCA_OK);
    assert_int_equal(json_integer_value(json_object_get(sca_client_hello(cl), "protocol")), 1);
    assert_true(sca_client_can(cl, "info"));
    assert_true(sca_client_can(cl, "dm.check"));
    assert_false(sca_client_can(cl, "apdu"));         /* admin only */
    assert_false(sca_client_can(cl, "perso.fields")); /* perso off */
    json_t *r;
    assert_int_equal(sca_client_call(cl, "info", NULL, 2000, &r, &err), SCA_OK);
    assert_string_equal(json_string_value(json_object_get(r, "method")), "info");
    json_decref(r);
    assert_int_equal(sca_client_call(cl, "apdu", json_pack("{s:s}", "apdu", "00A40400"), 2000, &r, &err),
                     SCA_E_DENIED);
    assert_string_equal(sca_client_last_code(cl), "denied");
    assert_int_equal(sca_client_call(cl, "pin.verify", json_pack("{s:s}", "pin", "12"), 2000, &r, &err),
                     SCA_E_INVALID_ARG);
    assert_string_equal(sca_client_last_code(cl), "bad-params");
    sca_client_close(cl);
    stop(&v);
}

static void pipelined_ids_echoed(void **state)
{
    (void)state;
    srv v;
    scd_config c;
    cfg_base(&c);
    c.max_pending = 1000;
    start(&v, &c);
    int fd = raw_connect(&v);
    json_decref(raw_line(fd)); /* hello */
    static const char *methods[] = {"info", "pin.status", "id.show", "dm.servers"};
    char *big = malloc(200 * 96), *p = big;
    for (int i = 0; i < 200; i++) {
        if (i % 2)
            p += sprintf(p, "{\"id\":%d,\"method\":\"%s\"}\n", i, methods[i % 4]);
        else
            p += sprintf(p, "{\"id\":\"s-%d\",\"method\":\"%s\"}\n", i, methods[i % 4]);
    }
    raw_send(fd, big);
    free(big);
    int seen[200] = {0};
    for (int k = 0; k < 200; k++) {
        json_t *o = raw_line(fd);
        assert_non_null(o);
        json_t *id = json_object_get(o, "id");
        int i = json_is_integer(id) ? (int)json_integer_value(id) : atoi(json_string_value(id) + 2);
        assert_true(i >= 0 && i < 200);
        assert_int_equal(json_is_integer(id), i % 2); /* the id comes back with its type */
        seen[i]++;
        assert_string_equal(json_string_value(json_object_get(json_object_get(o, "result"), "method")),
                            methods[i % 4]);
        json_decref(o);
    }
    for (int i = 0; i < 200; i++)
        assert_int_equal(seen[i], 1);
    close(fd);
    stop(&v);
}

static void errors_keep_the_connection(void **state)
{
    (void)state;
    srv v;
    scd_config c;
    cfg_base(&c);
    c.max_message = 256;
    c.max_depth = 4;
    start(&v, &c);
    int fd = raw_connect(&v);
    json_decref(raw_line(fd));
    char big[1200];
    memset(big, 'x', sizeof big);
    memcpy(big, "{\"id\":5,\"method\":\"info\",\"params\":{\"a\":\"", 39);
    big[sizeof big - 2] = '\n';
    big[sizeof big - 1] = '\0';
    static const struct {
        const char *send;
        const char *code; /* NULL: success */
        int id;           /* -1: null */
    } steps[] = {
        {"this is not json\n", SCD_E_PARSE, -1},
        {NULL, SCD_E_TOO_LARGE, -1}, /* the big line */
        {"{\"id\":1,\"method\":\"info\",\"params\":{\"a\":[[[[1]]]]}}\n", SCD_E_TOO_DEEP, -1},
        {"{\"id\":2,\"method\":\"no.such\"}\n", SCD_E_UNKNOWN, 2},
        {"{\"id\":3,\"method\":\"dm.check\",\"params\":{}}\n", SCD_E_BAD_PARAMS, 3},
        {"{\"id\":4,\"method\":\"dm.check\",\"params\":{\"server\":\"x\",\"bogus\":1}}\n", SCD_E_BAD_PARAMS, 4},
        {"{\"id\":6,\"method\":\"apdu\",\"params\":{\"apdu\":\"00A40400\"}}\n", SCD_E_DENIED, 6},
        {"{\"id\":7}\n", SCD_E_INVALID, 7},
        {"{\"id\":8,\"method\":\"info\",\"params\":\"x\"}\n", SCD_E_INVALID, 8},
        {"{\"id\":9,\"method\":\"mbms.stkm\",\"params\":{\"mikey\":\"AAAA\"}}\n", SCD_E_BAD_PARAMS, 9},
        {"{\"id\":11,\"method\":\"bcast.provision\",\"params\":{\"kind\":\"register\",\"url\":\"http://x\","
         "\"bmsc_fqdn\":\"b\",\"services\":[\"a b\"]}}\n", SCD_E_BAD_PARAMS, 11},
        {"{\"id\":12,\"method\":\"bcast.provision\",\"params\":{\"kind\":\"register\",\"url\":\"http://x\","
         "\"bmsc_fqdn\":\"b\",\"services\":\"s\"}}\n", SCD_E_BAD_PARAMS, 12},
        /* an off-card method and an executor without off-card support */
        {"{\"id\":13,\"method\":\"gba.bootstrap\",\"params\":{\"url\":\"http://x\"}}\n", SCD_E_NOT_SUPPORTED, 13},
        {"\r\n\n{\"id\":10,\"method\":\"info\"}\r\n", NULL, 10},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        raw_send(fd, steps[i].send ? steps[i].send : big);
        json_t *o = raw_line(fd);
        assert_non_null(o);
        json_t *id = json_object_get(o, "id");
        if (steps[i].id < 0)
            assert_true(json_is_null(id));
        else
            assert_int_equal(json_integer_value(id), steps[i].id);
        if (steps[i].code == NULL)
            assert_non_null(json_object_get(o, "result"));
        else if (err_code(o) == NULL || strcmp(err_code(o), steps[i].code))
            fail_msg("step %zu: got %s, want %s", i, err_code(o) ? err_code(o) : "result", steps[i].code);
        json_decref(o);
    }
    close(fd);
    stop(&v);
}

static void slow_reader_is_cut_off_others_go_on(void **state)
{
    (void)state;
    srv v;
    scd_config c;
    cfg_base(&c);
    c.max_output = 4096;
    c.max_pending = 100000;
    start(&v, &c);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", v.cfg.socket_path);
    int slow = socket(AF_UNIX, SOCK_STREAM, 0);
    int small = 4096;
    setsockopt(slow, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    assert_int_equal(connect(slow, (struct sockaddr *)&a, sizeof a), 0);
    fcntl(slow, F_SETFL, O_NONBLOCK);
    const char *req = "{\"id\":1,\"method\":\"id.show\"}\n";
    int sent = 0, broken = 0;
    for (int i = 0; i < 20000 && !broken; i++) {
        ssize_t r = send(slow, req, strlen(req), MSG_NOSIGNAL);
        if (r < 0 && errno == EAGAIN) {
            usleep(1000);
            i--;
            continue;
        }
        if (r < 0)
            broken = 1;
        else
            sent++;
    }
    /* meanwhile another client is served normally */
    sca_client *cl;
    sca_error err;
    json_t *r;
    assert_int_equal(sca_client_connect(v.cfg.socket_path, 2000, &cl, &err), SCA_OK);
    assert_int_equal(sca_client_call(cl, "info", NULL, 2000, &r, &err), SCA_OK);
    json_decref(r);
    sca_client_close(cl);
    /* the slow one was disconnected: draining its socket ends in EOF or a reset */
    fcntl(slow, F_SETFL, 0);
    char buf[65536];
    ssize_t n;
    long total = 0;
    struct pollfd p = {.fd = slow, .events = POLLIN};
    while (poll(&p, 1, 5000) == 1 && (n = recv(slow, buf, sizeof buf, 0)) > 0)
        total += n;
    assert_true(total < (long)sent * 60); /* it never got all its answers */
    close(slow);
    stop(&v);
}

static void read_timeout(void **state)
{
    (void)state;
    srv v;
    scd_config c;
    cfg_base(&c);
    c.read_timeout_ms = 100;
    start(&v, &c);
    int fd = raw_connect(&v);
    json_decref(raw_line(fd));
    raw_send(fd, "{\"id\":1,\"meth");
    json_t *o = raw_line(fd);
    assert_non_null(o);
    assert_string_equal(err_code(o), SCD_E_TIMEOUT);
    json_decref(o);
    assert_null(raw_line(fd)); /* then closed */
    close(fd);
    stop(&v);
}

static void cancel_deadline_and_leaving(void **state)
{
    (void)state;
    srv v;
    scd_config c;
    cfg_base(&c);
    start(&v, &c);
    v.f.bulk_steps = 50;
    v.f.delay_us = 10000; /* 10 ms a step: 0.5 s for a whole fu.hash */
    sca_client *cl;
    sca_error err;
    json_t *r;
    assert_int_equal(sca_client_connect(v.cfg.socket_path, 2000, &cl, &err), SCA_OK);
    /* cancel a running stepping job */
    json_int_t id;
    assert_int_equal(sca_client_send(cl, "fu.hash", json_pack("{s:s, s:b}", "data", "", "first", 1), &id, &err),
                     SCA_OK);
    usleep(30000);
    assert_int_equal(sca_client_call(cl, "cancel", json_pack("{s:I}", "id", id), 2000, &r, &err), SCA_OK);
    /* in one loop a cancel can only be read between two steps, when the job waits in the queue again */
    assert_string_equal(json_string_value(json_object_get(r, "state")), one_loop ? "queued" : "running");
    json_decref(r);
    assert_int_equal(sca_client_wait(cl, id, 2000, &r, &err), SCA_E_TIMEOUT);
    assert_string_equal(sca_client_last_code(cl), SCD_E_CANCELLED);
    /* a deadline that passes between steps */
    assert_int_equal(sca_client_call(cl, "fu.hash", json_pack("{s:s, s:b, s:i}", "data", "", "first", 1,
                                                              "deadline_ms", 50),
                                     3000, &r, &err),
                     SCA_E_TIMEOUT);
    assert_string_equal(sca_client_last_code(cl), SCD_E_DEADLINE);
    /* a client that leaves mid-request: the job stops at its next step, others are served at once */
    int fd = raw_connect(&v);
    json_decref(raw_line(fd));
    raw_send(fd, "{\"id\":1,\"method\":\"fu.hash\",\"params\":{\"data\":\"\",\"first\":true}}\n");
    usleep(20000);
    close(fd);
    usleep(30000);
    uint64_t t0 = scd_now_ms();
    assert_int_equal(sca_client_call(cl, "info", NULL, 2000, &r, &err), SCA_OK);
    json_decref(r);
    assert_true(scd_now_ms() - t0 < 200);
    sca_client_close(cl);
    stop(&v);
}

static int events_seen;
static void on_event(const json_t *e, void *user)
{
    (void)user;
    if (!strcmp(json_string_value(json_object_get(e, "event")), "card-reset"))
        events_seen++;
}

static void events_reach_every_client(void **state)
{
    (void)state;
    srv v;
    scd_config c;
    cfg_base(&c);
    start(&v, &c);
    sca_client *a, *b;
    sca_error err;
    json_t *r;
    assert_int_equal(sca_client_connect(v.cfg.socket_path, 2000, &a, &err), SCA_OK);
    assert_int_equal(sca_client_connect(v.cfg.socket_path, 2000, &b, &err), SCA_OK);
    sca_client_on_event(a, on_event, NULL);
    sca_client_on_event(b, on_event, NULL);
    assert_int_equal(sca_client_call(a, "info", NULL, 2000, &r, &err), SCA_OK); /* both registered by now */
    json_decref(r);
    assert_int_equal(sca_client_call(b, "info", NULL, 2000, &r, &err), SCA_OK);
    json_decref(r);
    events_seen = 0;
    scd_worker_post_event(&v.w, scd_event("card-reset", NULL));
    assert_int_equal(sca_client_call(a, "info", NULL, 2000, &r, &err), SCA_OK);
    json_decref(r);
    assert_int_equal(sca_client_call(b, "info", NULL, 2000, &r, &err), SCA_OK);
    json_decref(r);
    assert_int_equal(events_seen, 2);
    sca_client_close(a);
    sca_client_close(b);
    stop(&v);
}

static void client_limit_and_busy(void **state)
{
    (void)state;
    srv v;
    scd_config c;
    cfg_base(&c);
    c.max_clients = 2;
    c.max_pending = 2;
    start(&v, &c);
    v.f.delay_us = 20000;
    sca_client *a, *b, *x;
    sca_error err;
    assert_int_equal(sca_client_connect(v.cfg.socket_path, 2000, &a, &err), SCA_OK);
    assert_int_equal(sca_client_connect(v.cfg.socket_path, 2000, &b, &err), SCA_OK);
    assert_int_equal(sca_client_connect(v.cfg.socket_path, 2000, &x, &err), SCA_E_NO_SERVICE);
    assert_non_null(strstr(err.msg, "too many clients"));
    json_int_t i0, i1, i2, i3;
    /* b's request keeps the card 20 ms: a's three arrive while it runs (in one loop: no socket is read then) */
    sca_client_send(b, "info", NULL, &i0, &err);
    usleep(5000);
    sca_client_send(a, "info", NULL, &i1, &err);
    sca_client_send(a, "info", NULL, &i2, &err);
    sca_client_send(a, "info", NULL, &i3, &err);
    json_t *r;
    assert_int_equal(sca_client_wait(a, i3, 2000, &r, &err), SCA_E_NO_SERVICE);
    assert_string_equal(sca_client_last_code(a), SCD_E_BUSY);
    assert_int_equal(sca_client_wait(a, i1, 2000, &r, &err), SCA_OK);
    json_decref(r);
    assert_int_equal(sca_client_wait(a, i2, 2000, &r, &err), SCA_OK);
    json_decref(r);
    assert_int_equal(sca_client_wait(b, i0, 2000, &r, &err), SCA_OK);
    json_decref(r);
    sca_client_close(a);
    sca_client_close(b);
    stop(&v);
}

static void shutdown_fails_in_flight(void **state)
{
    (void)state;
    srv v;
    scd_config c;
    cfg_base(&c);
    start(&v, &c);
    v.f.bulk_steps = 100;
    v.f.delay_us = 10000;
    sca_client *cl;
    sca_error err;
    json_int_t id;
    assert_int_equal(sca_client_connect(v.cfg.socket_path, 2000, &cl, &err), SCA_OK);
    sca_client_send(cl, "fu.hash", json_pack("{s:s, s:b}", "data", "", "first", 1), &id, &err);
    usleep(30000);
    assert_int_equal(write(v.sig[1], "T", 1), 1);
    json_t *r;
    assert_int_equal(sca_client_wait(cl, id, 3000, &r, &err), SCA_E_NO_SERVICE);
    assert_string_equal(sca_client_last_code(cl), SCD_E_SHUTDOWN);
    sca_client_close(cl);
    pthread_join(v.th, NULL);
    scd_server_free(v.s);
    scd_worker_destroy(&v.w);
    close(v.lfd);
    close(v.sig[0]);
    close(v.sig[1]);
    unlink(v.cfg.socket_path);
    rmdir(v.dir);
}

/* --- 64 clients at once ---------------------------------------------------------------------------------- */

#define CLIENTS 64
#define PER_CLIENT 300
#define IN_FLIGHT 8

typedef struct load {
    const char *path;
    int ok, bad;
} load;

static void *load_client(void *arg)
{
    load *l = arg;
    static const char *methods[] = {"info", "pin.status", "id.show", "dm.servers", "mbms.stkm", "no.such"};
    sca_client *cl;
    sca_error err;
    if (sca_client_connect(l->path, 5000, &cl, &err) != SCA_OK) {
        l->bad = PER_CLIENT;
        return NULL;
    }
    json_int_t ids[PER_CLIENT];
    int next = 0, done = 0;
    while (done < PER_CLIENT) {
        while (next < PER_CLIENT && next - done < IN_FLIGHT) {
            const char *m = methods[next % 6];
            json_t *p = !strcmp(m, "mbms.stkm") ? json_pack("{s:s}", "stkm", "AAAA") : NULL;
            if (sca_client_send(cl, m, p, &ids[next], &err) != SCA_OK)
                break;
            next++;
        }
        json_t *r = NULL;
        sca_rc rc = sca_client_wait(cl, ids[done], 10000, &r, &err);
        const char *m = methods[done % 6];
        int good;
        if (!strcmp(m, "no.such"))
            good = rc != SCA_OK && !strcmp(sca_client_last_code(cl), "unknown-method");
        else
            good = rc == SCA_OK && !strcmp(json_string_value(json_object_get(r, "method")), m);
        json_decref(r);
        if (good)
            l->ok++;
        else
            l->bad++;
        done++;
    }
    sca_client_close(cl);
    return NULL;
}

static void sixty_four_clients(void **state)
{
    (void)state;
    srv v;
    scd_config c;
    cfg_base(&c);
    start(&v, &c);
    pthread_t t[CLIENTS];
    load l[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        l[i] = (load){.path = v.cfg.socket_path};
        pthread_create(&t[i], NULL, load_client, &l[i]);
    }
    int ok = 0, bad = 0;
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(t[i], NULL);
        ok += l[i].ok;
        bad += l[i].bad;
    }
    assert_int_equal(bad, 0);
    assert_int_equal(ok, CLIENTS * PER_CLIENT);
    stop(&v);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(hello_and_call),
    cmocka_unit_test(pipelined_ids_echoed),
    cmocka_unit_test(errors_keep_the_connection),
    cmocka_unit_test(slow_reader_is_cut_off_others_go_on),
    cmocka_unit_test(read_timeout),
    cmocka_unit_test(cancel_deadline_and_leaving),
    cmocka_unit_test(events_reach_every_client),
    cmocka_unit_test(client_limit_and_busy),
    cmocka_unit_test(shutdown_fails_in_flight),
    cmocka_unit_test(sixty_four_clients),
};
int main(void)
{
    int failed = cmocka_run_group_tests_name("daemon-server (card thread)", tests, NULL, NULL);
    one_loop = 1;
    failed += cmocka_run_group_tests_name("daemon-server (one loop)", tests, NULL, NULL);
    size_t total = 2 * (sizeof tests / sizeof tests[0]);
    printf("SUITE daemon-server passed=%zu failed=%d\n", total - (size_t)failed, failed);
    return failed ? 1 : 0;
}
