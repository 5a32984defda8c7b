/* src/core/ring2.h - a ring of three */
#include "core/ring3.h"
