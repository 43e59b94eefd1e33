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
  int cost;            /* relative, for the order threads take targets in */
} Target;

/* Every target, in the order `--target all` runs them; NULL-terminated. */
extern const Target emit_targets[];
const Target *emit_target(const char *name);

/* Writing is two-phase, so a build of several targets swaps them in
 * together: out_stage writes a target's files to temporary names beside
 * their place (nothing a reader sees changes); out_finish then syncs
 * everything staged and renames it into place, or, with ok false (or when
 * syncing fails), removes it all. Either way the previous folders are
 * untouched on failure. */
typedef struct Staging {
  Arena *arena;
  Vec items;           /* what out_stage wrote, for out_finish */
  int job;             /* tells apart the temporary names of stagings made
                          at once on several threads (see jobs.h) */
} Staging;

/* Before staging from several threads: SIGINT, SIGTERM and SIGHUP from
 * now until out_finish only stop the writing (out_stage does it too, for
 * one thread). */
void out_begin(void);
bool out_stage(Diags *d, Staging *s, const char *env_dir, const Target *t, Output *o);
bool out_finish(Diags *d, Staging *s, bool ok);
/* Both for one target. out_finish takes the items of several stagings
 * appended into one, in the order they are to be swapped in. */
bool out_commit(Diags *d, const char *env_dir, const Target *t, Output *o);

#endif
