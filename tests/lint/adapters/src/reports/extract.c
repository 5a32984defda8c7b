/* tests/lint/adapters/src/reports/extract.c - a layer above the adapter may not */
#include <stdio.h>
#include <zlib.h>
#include <gmime/gmime-message.h>
#include <archive.h>
#include <zlibfoo.h>
#include "mime/mime.h"
