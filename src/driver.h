/*
 * driver: one function per command, each running the stages in order for
 * the specs and environments the command line names. main.c only parses
 * flags into Options and calls these; they return the exit status.
 */
#ifndef INFRAC_DRIVER_H
#define INFRAC_DRIVER_H

#include <stdbool.h>

typedef struct Options {
  const char *command;
  const char **specs;     /* positional arguments */
  int nspecs;
  const char *env;        /* --env */
  bool all_envs;          /* --all-envs */
  const char *format;     /* --format */
  const char *targets;    /* --target, comma-separated */
  const char *out_dir;    /* -o */
  const char *base;       /* --base REV (diff) */
  const char *explain;    /* --explain RULE (check) */
  bool strict;            /* --strict (check) */
} Options;

enum { EXIT_OK = 0, EXIT_FINDINGS = 1, EXIT_INVALID = 2 };

int run_build(const Options *o);
int run_check(const Options *o);
int run_plan(const Options *o);
int run_diff(const Options *o);     /* diff.c */
int run_policy(const Options *o);   /* policy.c */
int run_graph(const Options *o);    /* graph.c */

#endif
