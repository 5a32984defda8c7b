/* src/checks/dane/check_dane.c - what two areas share, from policy/: fine */
#include "checks/dane/check_dane.h"
#include "policy/tls_probes.h"
#include "audit/audit.h"
#include "util/str.h"
