/* src/core/left.h - a diamond: no cycle */
#include "core/base.h"
