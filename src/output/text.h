/* src/output/text.h - one audited domain as text (check and lint's default format) */
#ifndef MAILSEC_OUTPUT_TEXT_H
#define MAILSEC_OUTPUT_TEXT_H

#include <stdbool.h>
#include <stdio.h>

#include "audit/audit.h"

/*
 * out_text_domain - a's domain, its findings by area (each area with its
 * grade, docs/grades.md), evidence and advice of what is not a pass, and a
 * summary line, on fp; published text goes through the terminal escape
 * (util/termsafe.h), colours only when color.  a is borrowed.
 */
void out_text_domain(FILE *fp, const struct audit *a, bool color);

#endif
