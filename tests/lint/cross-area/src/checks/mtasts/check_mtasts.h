/* src/checks/mtasts/check_mtasts.h - fixture */
#include "policy/mtasts_state.h"
