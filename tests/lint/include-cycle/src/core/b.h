/* src/core/b.h - the other one */
#include "core/a.h"
