/* Registration signalling: helpers shared by register.c and its unit tests (internal). */
#ifndef SCA_REGISTER_INT_H
#define SCA_REGISTER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* "User-Agent: BCAST_Client_ID=<Base64>" (5.1.7.3.1: standard Base64 with padding, no line breaks), malloc'd;
 * NULL when out of memory or `len` is 0 or above SCA_REGISTER_MAX_ID. */
char *sca_register_ua_header(const uint8_t *id, size_t len);
/* "Date: Thu, 08 Jan 2004 10:13:18 GMT" (RFC 9110 IMF-fixdate, C locale names whatever the process locale). */
void sca_register_date_header(time_t t, char *out, size_t cap);

#endif
