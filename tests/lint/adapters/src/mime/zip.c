/* tests/lint/adapters/src/mime/zip.c - the adapter may include the libraries behind it */
#include <archive.h>
#include <archive_entry.h>
#include <gmime/gmime.h>
#include <zlib.h>
