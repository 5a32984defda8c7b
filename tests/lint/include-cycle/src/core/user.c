/* src/core/user.c - includes a cycle without being in it: not reported */
#include "core/a.h"
#include "core/ring1.h"
