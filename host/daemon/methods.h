/* The one dispatch table of scagentd: every method's name, the roles that may call it, its queue priority,
 * its parameter schema and its handler. The socket thread looks methods up, checks roles and parameters;
 * the card thread runs the handlers, which call the same libscagent functions as the CLI. */
#ifndef SCD_METHODS_H
#define SCD_METHODS_H

#include <stddef.h>

#include "job.h"
#include "schema.h"
#include "worker.h"

struct scd_cardctx;
typedef scd_step (*scd_handler)(struct scd_cardctx *x, scd_job *j);

#define SCD_M_LOCAL 0x01u /* answered by the socket thread (hello, cancel): never queued */
#define SCD_M_PERSO 0x02u /* issuer/personalization: off unless perso = yes */
#define SCD_M_OFFCARD 0x08u /* talks HTTP: runs on a thread of its own, its card steps go through the queue */

typedef struct scd_method {
    const char *name;
    unsigned roles;       /* any of these roles may call it; 0: everyone connected */
    scd_prio prio;
    unsigned flags;
    const scd_param *params;
    scd_handler run;      /* NULL for SCD_M_LOCAL */
} scd_method;

extern const scd_method scd_methods[];
extern const size_t scd_method_count;

const scd_method *scd_method_find(const char *name);
/* May a peer with `roles` call `m`, with perso methods `perso_enabled`? 0 yes; else -1 and why in `msg`. */
int scd_method_allowed(const scd_method *m, unsigned roles, int perso_enabled, char *msg, size_t cap);

/* Every handler, as an X-macro so the table, the declarations and the fuzz target's stubs stay in step. */
#define SCD_HANDLERS(X)                                                                                              \
    X(scd_h_info) X(scd_h_pin_status) X(scd_h_pin_verify) X(scd_h_pin_change) X(scd_h_id_show) X(scd_h_id_header)  \
    X(scd_h_upgrade_verify) X(scd_h_dm_servers) X(scd_h_dm_policy) X(scd_h_dm_check) X(scd_h_dm_confirm)           \
    X(scd_h_fu_verify_manifest) X(scd_h_fu_digest) X(scd_h_fu_hash) X(scd_h_fu_report) X(scd_h_fu_log_read)        \
    X(scd_h_fu_log_relay)                                                                                          \
    X(scd_h_dmboot_verify) X(scd_h_gba_bootstrap) X(scd_h_gba_status) X(scd_h_gba_naf_key) X(scd_h_apdu)           \
    X(scd_h_mbms_stkm) X(scd_h_mbms_ltkm) X(scd_h_mbms_setup) X(scd_h_mbms_status) X(scd_h_mbms_delete)          \
    X(scd_h_bcast_provision) X(scd_h_register) X(scd_h_id_verify)                                                 \
    /* the issuer's personalization (m_perso.c): perso = yes and issuer_keys only */                              \
    X(scd_h_perso_fields) X(scd_h_perso_version) X(scd_h_perso_naf_anchor) X(scd_h_perso_keygen)                   \
    X(scd_h_perso_csr) X(scd_h_perso_cert) X(scd_h_perso_dm) X(scd_h_perso_imsi) X(scd_h_perso_gba)                \
    X(scd_h_perso_dmboot_tries)

#define SCD_DECLARE_HANDLER(n) scd_step n(struct scd_cardctx *x, scd_job *j);
SCD_HANDLERS(SCD_DECLARE_HANDLER)

#endif
