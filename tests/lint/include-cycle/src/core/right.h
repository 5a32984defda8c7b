/* src/core/right.h - a diamond: no cycle */
#include "core/base.h"
