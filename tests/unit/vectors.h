/* Test vectors kept as `key=value` lines (comments with '#') in files under tests/vectors/, read once per file. */
#ifndef TEST_VECTORS_H
#define TEST_VECTORS_H

#define VECTORS_MAX 64

typedef struct vectors {
    const char *path;   /* relative to $SCAGENT_SRC (default "."), e.g. "tests/vectors/secure-channel.txt" */
    int n;              /* 0: not read yet */
    char kv[VECTORS_MAX][2][512];
} vectors;

/* The value of `key`; the test fails when the file or the key is missing. */
const char *vectors_get(vectors *v, const char *key);
/* $SCAGENT_SRC, or "." */
const char *vectors_root(void);

#endif
