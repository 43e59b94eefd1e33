/*
 * diag: diagnostics are collected, never fatal, so one run reports every
 * problem like a compiler does. Only main decides the exit code.
 *
 * A diagnostic prints as
 *   file:line:col: error: key.path: message
 * followed by the source line and a caret, or, for findings with a rule,
 *   file:line:col: warning[INF-DATA-001]: message
 * JSON values have no line and column; their key path stands in.
 */
#ifndef INFRAC_DIAG_H
#define INFRAC_DIAG_H

#include <stdbool.h>
#include <stdio.h>

#include "value.h"

typedef enum { SEV_ERROR, SEV_WARNING, SEV_INFO } Severity;

typedef struct Diag {
  Severity sev;
  Pos pos;
  const char *path;   /* dotted key path, may be NULL */
  const char *rule;   /* rule ID for findings, NULL for errors */
  const char *msg;
  int seq;            /* insertion order, the last sort key */
} Diag;

typedef struct Source {
  const char *file;
  const char *text;
  size_t len;
  size_t *lines;   /* offset of each line's start, built on first use */
  int nlines;
} Source;

typedef struct Diags {
  Arena *arena;
  Vec list;     /* of Diag * */
  Vec sources;  /* of Source *, in the order files were read */
  Vec redacted; /* of Pos *: values whose source text is never printed */
  bool redacted_sorted;
  int errors;
} Diags;

void diag_init(Diags *d, Arena *a);
void diag_source(Diags *d, const char *file, const char *text, size_t len);
void diag_error(Diags *d, Pos pos, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void diag_add(Diags *d, Severity sev, const char *rule, Pos pos, const char *path,
              const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The value written at 'pos' looks like a credential: whenever its source
 * line is shown under a diagnostic, the value is masked. */
void diag_redact(Diags *d, Pos pos);
/* Sort by file, line and column, drop exact repeats, print with carets. */
void diag_print(Diags *d, FILE *out);
const char *diag_severity_name(Severity s);
/* The sorted, de-duplicated list, for the json and sarif formats. */
Diag **diag_sorted(Diags *d, int *n);
/* The text of a source line (no newline), or NULL. */
const char *diag_line(Diags *d, const char *file, int line, size_t *len);
/* The source registered under 'file', or NULL. */
const Source *diag_find_source(const Diags *d, const char *file);
/* Append what 'from' collected to 'into': its sources (those 'into' does
 * not have yet), diagnostics and redactions, in the order 'from' had them,
 * as if they had been reported to 'into'. The memory stays 'from's: its
 * arena must outlive 'into's use of them. */
void diag_merge(Diags *into, Diags *from);

#endif
