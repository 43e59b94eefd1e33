/*
 * tags: what AWS accepts as a resource tag. Keys are 1-128 characters,
 * values at most 256, counted in Unicode characters; both hold only
 * letters, numbers and spaces (Unicode categories L, N and Z) and
 * + - = . _ : / @ (the pattern ^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$ that the AWS
 * tagging APIs enforce). Anything else is refused at deploy time, so the
 * front end refuses it first.
 */
#ifndef INFRAC_TAGS_H
#define INFRAC_TAGS_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

/* Whether AWS accepts the code point cp inside a tag key or value. */
bool tag_char_ok(uint32_t cp);
/* Why AWS refuses s as a tag key (key true) or value, as a message for a
 * diagnostic allocated in a; NULL when AWS accepts it. */
const char *tag_problem(Arena *a, const char *s, bool key);

#endif
