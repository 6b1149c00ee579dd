/* key=value test-vector files (vectors.h). */
#include "vectors.h"

#include "harness.h"

#include <stdlib.h>
#include <string.h>

const char *vectors_root(void)
{
    const char *d = getenv("SCAGENT_SRC");
    return d ? d : ".";
}

static void load(vectors *v)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", vectors_root(), v->path);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[512];
    while (fgets(line, sizeof line, f) && v->n < VECTORS_MAX) {
        if (line[0] == '#' || strchr(line, '=') == NULL)
            continue;
        line[strcspn(line, "\n")] = 0;
        char *eq = strchr(line, '=');
        *eq = 0;
        snprintf(v->kv[v->n][0], sizeof v->kv[v->n][0], "%s", line);
        snprintf(v->kv[v->n][1], sizeof v->kv[v->n][1], "%s", eq + 1);
        v->n++;
    }
    fclose(f);
}

const char *vectors_get(vectors *v, const char *key)
{
    if (v->n == 0)
        load(v);
    for (int i = 0; i < v->n; i++)
        if (strcmp(v->kv[i][0], key) == 0)
            return v->kv[i][1];
    fail_msg("%s has no %s", v->path, key);
    return NULL;
}
