/* src/core/self.h - a header including itself */
#include "core/self.h"
