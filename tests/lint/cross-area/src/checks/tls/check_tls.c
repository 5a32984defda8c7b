/* src/checks/tls/check_tls.c - an area including two others */
#include "checks/tls/check_tls.h"
#include "policy/tls_probes.h"
#include "checks/mtasts/check_mtasts.h"
#include "audit/audit.h"
#include "checks/dane/check_dane.h"
