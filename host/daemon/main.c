/* scagentd: the local socket service that owns the card (PROTOCOL.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "cardexec.h"
#include "config.h"
#include "server.h"
#include "sockets.h"
#include "worker.h"

static const char usage[] =
    "usage: scagentd [-f] [-c CONFIG] [-S SOCKET] [-v] [--check-config]\n"
    "  -f, --foreground    stay in the foreground, log to stderr (unless log = syslog)\n"
    "  -c, --config FILE   configuration (default /etc/scagent/scagentd.conf when it exists)\n"
    "  -S, --socket PATH   listen here instead of the configured socket (ignored under socket activation)\n"
    "  -v, --verbose       log level debug\n"
    "      --check-config  parse the configuration, print the effective roles rules, exit\n"
    "signals: SIGTERM/SIGINT clean shutdown, SIGHUP reload the configuration\n";

#define DEFAULT_CONFIG "/etc/scagent/scagentd.conf"

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int e = errno;
    char b = sig == SIGHUP ? 'H' : 'T';
    ssize_t r = write(sig_pipe[1], &b, 1);
    (void)r;
    errno = e;
}

static void syslog_sink(sca_log_level level, const char *line, void *user)
{
    (void)user;
    static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
    syslog(prio[level <= SCA_LOG_DEBUG ? level : SCA_LOG_DEBUG], "%s", line);
}

struct reload_ctx {
    const char *path;
    int verbose;
};

static int reload(scd_config *cfg, void *ctx)
{
    struct reload_ctx *r = ctx;
    scd_config nc;
    scd_config_defaults(&nc);
    sca_error err;
    if (r->path && scd_config_load(r->path, &nc, &err) != SCA_OK) {
        sca_log(SCA_LOG_ERROR, "reload: %s (keeping the old configuration)", err.msg);
        return -1;
    }
    if (r->verbose)
        nc.log_level = SCA_LOG_DEBUG;
    *cfg = nc;
    return 0;
}

static int daemonize(void)
{
    pid_t p = fork();
    if (p < 0)
        return -1;
    if (p > 0)
        _exit(0);
    if (setsid() < 0)
        return -1;
    p = fork(); /* not a session leader: can never get a controlling terminal */
    if (p < 0)
        return -1;
    if (p > 0)
        _exit(0);
    if (chdir("/") != 0)
        return -1;
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0)
        return -1;
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2)
        close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    int foreground = 0, verbose = 0, check = 0;
    const char *cfg_path = NULL, *socket_path = NULL;
    static const struct option opts[] = {
        {"foreground", no_argument, NULL, 'f'}, {"config", required_argument, NULL, 'c'},
        {"socket", required_argument, NULL, 'S'}, {"verbose", no_argument, NULL, 'v'},
        {"check-config", no_argument, NULL, 'C'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "fc:S:vh", opts, NULL)) != -1) {
        switch (o) {
        case 'f': foreground = 1; break;
        case 'c': cfg_path = optarg; break;
        case 'S': socket_path = optarg; break;
        case 'v': verbose = 1; break;
        case 'C': check = 1; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (optind != argc) {
        fputs(usage, stderr);
        return 2;
    }
    if (cfg_path == NULL && access(DEFAULT_CONFIG, R_OK) == 0)
        cfg_path = DEFAULT_CONFIG;
    scd_config cfg;
    scd_config_defaults(&cfg);
    sca_error err;
    if (cfg_path && scd_config_load(cfg_path, &cfg, &err) != SCA_OK) {
        fprintf(stderr, "scagentd: %s\n", err.msg);
        return 2;
    }
    if (socket_path) {
        if (socket_path[0] != '/' || strlen(socket_path) >= sizeof cfg.socket_path) {
            fprintf(stderr, "scagentd: -S takes an absolute path under %zu bytes\n", sizeof cfg.socket_path);
            return 2;
        }
        snprintf(cfg.socket_path, sizeof cfg.socket_path, "%s", socket_path);
    }
    if (verbose)
        cfg.log_level = SCA_LOG_DEBUG;
    if (check) {
        printf("socket %s mode %04o group %s, card %s, perso %s, %zu uid/gid rules\n", cfg.socket_path,
               cfg.socket_mode, cfg.socket_group[0] ? cfg.socket_group : "(daemon's)",
               cfg.card == SCD_CARD_NONE ? "none" : "pcsc", cfg.perso ? "on" : "off", cfg.n_rules);
        return 0;
    }

    int listen_fds[8];
    size_t n_listen = scd_listen_fds(listen_fds, 8);
    int activated = n_listen > 0;
    if (!foreground && !activated && daemonize() != 0) {
        perror("scagentd: daemonize");
        return 1;
    }
    sca_log_set_level(cfg.log_level);
    if (cfg.log_syslog || (!foreground && !activated)) {
        openlog("scagentd", LOG_PID, LOG_DAEMON);
        sca_log_set_sink(syslog_sink, NULL);
    }
    if (!activated) {
        int fd;
        if (scd_listen_path(&cfg, &fd, &err) != SCA_OK) {
            sca_log(SCA_LOG_ERROR, "%s", err.msg);
            return 1;
        }
        listen_fds[n_listen++] = fd;
    }

    if (pipe(sig_pipe) != 0)
        return 1;
    for (int i = 0; i < 2; i++) {
        fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* the card thread must not take the signals: block them there, the socket thread's pipe gets them */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    static scd_worker w;
    static scd_cardctx x;
    scd_cardctx_init(&x, &cfg, &w);
    scd_executor ex = scd_cardexec(&x, cfg.poll_ms);
    int started = cfg.card_thread ? scd_worker_start(&w, &ex) : scd_worker_start_inline(&w, &ex);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (started != 0) {
        sca_log(SCA_LOG_ERROR, "cannot start the card thread");
        return 1;
    }
    struct reload_ctx rc = {cfg_path, verbose};
    scd_server *s = scd_server_new(&cfg, listen_fds, n_listen, sig_pipe[0], &w, reload, &rc);
    if (s == NULL)
        return 1;
    sca_log(SCA_LOG_INFO, "scagentd %s listening on %s%s, card %s", SCD_VERSION,
            activated ? "the sockets from systemd" : cfg.socket_path, activated ? "" : "",
            cfg.card == SCD_CARD_NONE ? "none (card = none)" : cfg.reader[0] ? cfg.reader : "(first with the applet)");
    int r = scd_server_run(s);
    scd_server_free(s);
    scd_worker_destroy(&w);
    for (size_t i = 0; i < n_listen; i++)
        close(listen_fds[i]);
    if (!activated) /* under systemd the socket unit owns the path */
        unlink(cfg.socket_path);
    sca_log(SCA_LOG_INFO, "stopped");
    return r == 0 ? 0 : 1;
}
