/* Logging sink and level. */
#include "scagent/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int level_cached = -1;
static sca_log_sink sink_fn;
static void *sink_user;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

sca_log_level sca_log_get_level(void)
{
    if (level_cached < 0) {
        level_cached = SCA_LOG_WARN;
        const char *env = getenv("SCAGENT_LOG");
        for (int i = 0; env != NULL && i <= SCA_LOG_DEBUG; i++)
            if (strcmp(env, level_names[i]) == 0)
                level_cached = i;
    }
    return (sca_log_level)level_cached;
}

void sca_log_set_level(sca_log_level level) { level_cached = (int)level; }

void sca_log_set_sink(sca_log_sink sink, void *user)
{
    sink_fn = sink;
    sink_user = user;
}

void sca_log(sca_log_level level, const char *fmt, ...)
{
    if (!sca_log_enabled(level))
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (sink_fn != NULL)
        sink_fn(level, line, sink_user);
    else
        fprintf(stderr, "scagent: %s: %s\n", level_names[level], line);
}
