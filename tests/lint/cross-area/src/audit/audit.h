/* src/audit/audit.h - fixture */
#include "util/str.h"
