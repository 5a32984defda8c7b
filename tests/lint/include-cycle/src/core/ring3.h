/* src/core/ring3.h - a ring of three */
#include "core/ring1.h"
