/* The client library's waiting (host/lib/client.c): blocking reads capped by the socket's receive timeout, so a call
 * keeps its deadline whatever the previous call's timeout was; answers that arrive in pieces; a server that goes
 * away; the non-blocking event poll. Against a scripted server on a temporary Unix socket. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "scagent/client.h"

enum script {
    ANSWER_FIRST_THEN_SILENT, /* answer the first request at once, then read and never answer */
    ANSWER_IN_PIECES,         /* the answer's line in two writes, 100 ms apart */
    CLOSE_AFTER_REQUEST,      /* read one request, close */
    SILENT                    /* hello, then nothing */
};

typedef struct server {
    char dir[64], path[128];
    int lfd;
    enum script script;
    pthread_t th;
} server;

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void put(int fd, const char *s)
{
    ssize_t n = write(fd, s, strlen(s));
    (void)n;
}

/* One request line (or what is left when the client goes): 1 read one, 0 the client is gone. */
static int read_line(int fd)
{
    char ch;
    for (;;) {
        if (read(fd, &ch, 1) != 1)
            return 0;
        if (ch == '\n')
            return 1;
    }
}

static void *serve(void *arg)
{
    server *s = arg;
    int fd = accept(s->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    put(fd, "{\"hello\":{\"protocol\":1,\"server\":\"test\"}}\n");
    switch (s->script) {
    case ANSWER_FIRST_THEN_SILENT:
        if (read_line(fd))
            put(fd, "{\"id\":1,\"result\":{\"ok\":true}}\n");
        while (read_line(fd))
            ;
        break;
    case ANSWER_IN_PIECES:
        if (read_line(fd)) {
            put(fd, "{\"id\":1,\"res");
            usleep(100000);
            put(fd, "ult\":{\"ok\":true}}\n");
        }
        while (read_line(fd))
            ;
        break;
    case CLOSE_AFTER_REQUEST:
        read_line(fd);
        break;
    case SILENT:
        while (read_line(fd))
            ;
        break;
    }
    close(fd);
    return NULL;
}

static void start(server *s, enum script script)
{
    memset(s, 0, sizeof *s);
    strcpy(s->dir, "/tmp/scagent-client-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    snprintf(s->path, sizeof s->path, "%s/s", s->dir);
    s->script = script;
    s->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(s->lfd >= 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, s->path);
    assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->lfd, 1), 0);
    assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
}

static void stop(server *s, sca_client *cl)
{
    sca_client_close(cl); /* the server's reads end */
    pthread_join(s->th, NULL);
    close(s->lfd);
    unlink(s->path);
    rmdir(s->dir);
}

static sca_client *connect_to(server *s)
{
    sca_client *cl = NULL;
    sca_error err;
    assert_int_equal(sca_client_connect(s->path, 2000, &cl, &err), SCA_OK);
    return cl;
}

/* A call with a long timeout, then one with a short one: the second keeps its own deadline. */
static void test_short_timeout_after_long(void **state)
{
    (void)state;
    server s;
    start(&s, ANSWER_FIRST_THEN_SILENT);
    sca_client *cl = connect_to(&s);
    sca_error err;
    json_t *r = NULL;
    assert_int_equal(sca_client_call(cl, "x", NULL, 10000, &r, &err), SCA_OK);
    assert_true(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    double t0 = now_ms();
    assert_int_equal(sca_client_call(cl, "x", NULL, 250, &r, &err), SCA_E_TIMEOUT);
    double took = now_ms() - t0;
    assert_null(r);
    assert_true(took >= 240 && took < 900);
    assert_non_null(strstr(err.msg, "within 250 ms"));
    stop(&s, cl);
}

/* Longer than one receive slice: the wait goes on past it, and ends at the deadline. */
static void test_timeout_longer_than_a_slice(void **state)
{
    (void)state;
    server s;
    start(&s, SILENT);
    sca_client *cl = connect_to(&s);
    sca_error err;
    json_t *r = NULL;
    double t0 = now_ms();
    assert_int_equal(sca_client_call(cl, "x", NULL, 1300, &r, &err), SCA_E_TIMEOUT);
    double took = now_ms() - t0;
    assert_true(took >= 1290 && took < 2000);
    stop(&s, cl);
}

static void test_answer_in_pieces(void **state)
{
    (void)state;
    server s;
    start(&s, ANSWER_IN_PIECES);
    sca_client *cl = connect_to(&s);
    sca_error err;
    json_t *r = NULL;
    assert_int_equal(sca_client_call(cl, "x", NULL, 5000, &r, &err), SCA_OK);
    assert_true(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    stop(&s, cl);
}

static void test_server_goes_away(void **state)
{
    (void)state;
    server s;
    start(&s, CLOSE_AFTER_REQUEST);
    sca_client *cl = connect_to(&s);
    sca_error err;
    json_t *r = NULL;
    double t0 = now_ms();
    assert_int_equal(sca_client_call(cl, "x", NULL, 5000, &r, &err), SCA_E_NO_SERVICE);
    assert_true(now_ms() - t0 < 1000);
    assert_non_null(strstr(err.msg, "closed the connection"));
    stop(&s, cl);
}

/* Polling for events never waits. */
static void test_poll_events_does_not_wait(void **state)
{
    (void)state;
    server s;
    start(&s, SILENT);
    sca_client *cl = connect_to(&s);
    sca_error err;
    double t0 = now_ms();
    assert_int_equal(sca_client_poll_events(cl, &err), SCA_OK);
    assert_true(now_ms() - t0 < 100);
    stop(&s, cl);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_short_timeout_after_long),
    cmocka_unit_test(test_timeout_longer_than_a_slice),
    cmocka_unit_test(test_answer_in_pieces),
    cmocka_unit_test(test_server_goes_away),
    cmocka_unit_test(test_poll_events_does_not_wait),
};

RUN_SUITE("client-wait", tests)
