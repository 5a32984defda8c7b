/* src/policy/tls_probes.h - fixture */
#include "audit/audit.h"
#include "policy/mtasts_state.h"
