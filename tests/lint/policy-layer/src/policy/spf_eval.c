/* src/policy/spf_eval.c - policy/ may not include what sits above it */
#include "policy/spf_parse.h"
#include "audit/audit.h"
#include "checks/spf/check_spf.h"
#include "records/gen.h"
