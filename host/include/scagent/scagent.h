/* libscagent: the host side of scagent. One include for everything. */
#ifndef SCAGENT_SCAGENT_H
#define SCAGENT_SCAGENT_H

#include "scagent/apdu.h"
#include "scagent/bcast.h"
#include "scagent/bcastid.h"
#include "scagent/bootstrap.h"
#include "scagent/card.h"
#include "scagent/dm.h"
#include "scagent/dmboot_card.h"
#include "scagent/error.h"
#include "scagent/fu.h"
#include "scagent/fulog.h"
#include "scagent/gba.h"
#include "scagent/imsi.h"
#include "scagent/info.h"
#include "scagent/issuer.h"
#include "scagent/log.h"
#include "scagent/pin.h"
#include "scagent/register.h"
#include "scagent/tlv.h"
#include "scagent/transport.h"
#include "scagent/upgrade.h"
#include "scagent/usim.h"

#endif
