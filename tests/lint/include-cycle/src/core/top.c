/* src/core/top.c - a diamond: no cycle */
#include "core/left.h"
#include "core/right.h"
