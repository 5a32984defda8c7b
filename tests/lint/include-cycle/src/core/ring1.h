/* src/core/ring1.h - a ring of three */
#include "core/ring2.h"
