/* src/engine/registry.c - the registry above the areas includes them all: fine */
#include "checks/tls/check_tls.h"
#include "checks/dane/check_dane.h"
#include "checks/mtasts/check_mtasts.h"
