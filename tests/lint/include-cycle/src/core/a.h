/* src/core/a.h - one of two headers including each other */
#include "core/b.h"
