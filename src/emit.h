/*
 * emit: the contract between emitters and the writer.
 *
 * An emitter turns a Plan into files in memory, never touching the disk;
 * the writer (out.c) puts a whole target folder in place atomically once
 * every emitter has succeeded. Emitters report problems as diagnostics and
 * return false; nothing is written then.
 */
#ifndef INFRAC_EMIT_H
#define INFRAC_EMIT_H

#include "plan.h"

typedef struct OutFile {
  const char *path;    /* relative to the target folder, e.g. "network.tf" */
  const char *data;
  size_t len;
} OutFile;

typedef struct Output {
  Arena *arena;
  Vec files;           /* of OutFile * */
} Output;

void out_add(Output *o, const char *path, const char *data, size_t len);

typedef bool (*Emitter)(Arena *a, Diags *d, const Plan *p, Output *out);

typedef struct Target {
  const char *name;    /* terraform, cloudformation, kubernetes, policies */
  Emitter emit;
  const char *dir;     /* folder under DIR/<name>/<env>/, "" for the env folder itself */
} Target;

/* Every target, in the order `--target all` runs them; NULL-terminated. */
extern const Target emit_targets[];
const Target *emit_target(const char *name);

/* Replace DIR/<target->dir> by the files of 'o', atomically: everything is
 * written to a temporary folder beside it, fsynced, then swapped in with
 * one rename. On failure the previous folder is untouched. */
bool out_commit(Diags *d, const char *env_dir, const Target *t, Output *o);

#endif
