/*
 * driver: the commands (see driver.h). Every command compiles specs into
 * plans through compile_spec; build then emits every target in memory and
 * only writes when all of them, for every spec and environment, succeeded.
 */
#include "driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "emit.h"
#include "merge.h"

static int finish(Arena *a, Diags *d, int status) {
  diag_print(d, stderr);
  arena_free(a);
  return status;
}

/* The environments a command covers for one spec: the one named, or with
 * all_envs the base spec and every environment it declares. */
static int env_list(Arena *a, Diags *d, const char *spec, const Options *o, const char ***out) {
  const char **v = arena_alloc(a, sizeof(char *) * 2);
  if (!o->all_envs) {
    v[0] = o->env;
    *out = v;
    return 1;
  }
  Value *root = spec_resolve(a, d, spec, NULL);
  if (!root)
    return -1;
  const char **names;
  int n = spec_env_names(a, root, &names);
  v = arena_alloc(a, sizeof(char *) * (size_t)(n + 1));
  v[0] = NULL;
  memcpy(v + 1, names, sizeof(char *) * (size_t)n);
  *out = v;
  return n + 1;
}

/* Run one emitter in a scratch arena and stage its files at once (see
 * out_stage; nothing visible changes until out_finish), then give the
 * arena back: the trees an emitter builds are several times the size of
 * what it writes, and neither has to outlive it. After a failure the
 * emitters still run, for their diagnostics, but stage nothing. */
static bool emit_staged(Arena *a, Diags *d, Staging *st, const Plan *p, const char *env_dir,
                        const Target *t, bool stage) {
  Arena *scratch = arena_new();
  scratch->parent = a;
  Output out = {.arena = scratch};
  bool ok = t->emit(scratch, d, p, &out);
  if (ok && stage)
    ok = out_stage(d, st, env_dir, t, &out);
  arena_free(scratch);
  return ok;
}

/* finish, then give back the scratch arenas its diagnostics pointed into */
static int finish_kept(Arena *a, Diags *d, Vec *kept, int status) {
  diag_print(d, stderr);
  int n = kept->len;
  Arena **v = n ? malloc(sizeof *v * (size_t)n) : NULL;
  for (int i = 0; v && i < n; i++)
    v[i] = kept->items[i];
  arena_free(a);
  for (int i = 0; v && i < n; i++)
    arena_free(v[i]);
  free(v);
  return status;
}

int run_build(const Options *o) {
  Arena *a = arena_new();
  Diags d;
  diag_init(&d, a);
  const Target *chosen[16];
  int nchosen = 0;
  const char *list = o->targets ? o->targets : "all";
  char *copy = arena_strdup(a, list), *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (!strcmp(t, "all")) {
      nchosen = 0;
      for (const Target *x = emit_targets; x->name && nchosen < 16; x++)
        chosen[nchosen++] = x;
      break;
    }
    const Target *x = emit_target(t);
    if (!x) {
      Buf b;
      buf_init(&b);
      for (const Target *y = emit_targets; y->name; y++)
        buf_printf(&b, "%s, ", y->name);
      buf_puts(&b, "all");
      diag_error(&d, (Pos){0}, NULL, "unknown target '%s'; choose from %s", t, b.data);
      buf_release(&b);
      return finish(a, &d, EXIT_INVALID);
    }
    bool dup = false;
    for (int i = 0; i < nchosen; i++)
      dup |= chosen[i] == x;
    if (!dup && nchosen < 16)
      chosen[nchosen++] = x;
  }
  const char *dir = o->out_dir ? o->out_dir : "out";
  Vec plans = {0};  /* the plans to write */
  Vec kept = {0};   /* scratch arenas that diagnostics point into */
  /* Every environment is compiled, also those not being written: a spec
   * is valid only when all of its overlays are, and build writes nothing
   * for an invalid spec. */
  Options every = *o;
  every.all_envs = true;
  for (int s = 0; s < o->nspecs; s++) {
    const char **envs;
    int nenvs = env_list(a, &d, o->specs[s], &every, &envs);
    bool named = false;
    for (int e = 0; e < nenvs; e++)
      named |= str_eq(envs[e], o->env);
    if (nenvs > 0 && !named) {
      /* an --env the spec does not declare: let the merge report it */
      envs[0] = o->env;
      nenvs = 1;
    }
    for (int e = 0; e < nenvs; e++) {
      bool wanted = o->all_envs || str_eq(envs[e], o->env);
      if (!wanted) {
        /* Compiled to be checked, not written: in a scratch arena, given
         * back at once unless its diagnostics point into it (a large spec
         * held every environment's plan otherwise). */
        Arena *scratch = arena_new();
        scratch->parent = a;
        int before = d.list.len;
        compile_spec(scratch, &d, o->specs[s], envs[e]);
        if (d.list.len == before)
          arena_free(scratch);
        else
          vec_push(a, &kept, scratch);
        continue;
      }
      Plan *p = compile_spec(a, &d, o->specs[s], envs[e]);
      if (p)
        vec_push(a, &plans, p);
    }
  }
  if (d.errors)
    return finish_kept(a, &d, &kept, EXIT_INVALID);
  /* Every target of every environment is staged before any is swapped
   * in, so a failure anywhere leaves the whole previous output. */
  Staging st = {.arena = a};
  bool ok = true;
  for (int i = 0; i < plans.len; i++) {
    const Plan *p = plans.items[i];
    const char *env_dir = arena_printf(a, "%s/%s/%s", dir, p->m->name, p->m->env);
    for (int t = 0; t < nchosen; t++)
      ok &= emit_staged(a, &d, &st, p, env_dir, chosen[t], ok);
  }
  if (!out_finish(&d, &st, ok && !d.errors))
    return finish_kept(a, &d, &kept, EXIT_INVALID);
  return finish_kept(a, &d, &kept, EXIT_OK);
}

int run_plan(const Options *o) {
  Arena *a = arena_new();
  Diags d;
  diag_init(&d, a);
  if (o->nspecs != 1) {
    diag_error(&d, (Pos){0}, NULL, "plan takes exactly one SPEC (found %d)", o->nspecs);
    return finish(a, &d, EXIT_INVALID);
  }
  const char *format = o->format ? o->format : "text";
  if (strcmp(format, "text") && strcmp(format, "json")) {
    diag_error(&d, (Pos){0}, NULL, "unknown format '%s' for plan; choose text or json", format);
    return finish(a, &d, EXIT_INVALID);
  }
  Plan *p = compile_spec(a, &d, o->specs[0], o->env);
  if (!p)
    return finish(a, &d, EXIT_INVALID);
  if (!strcmp(format, "json")) {
    Buf b;   /* straight to stdout, no copy into the arena */
    buf_init(&b);
    plan_write_json(p, &b);
    buf_putc(&b, '\n');
    fwrite(b.data, 1, b.len, stdout);
    buf_release(&b);
  } else {
    Buf b;
    buf_init(&b);
    plan_print_text(p, &b);
    fwrite(b.data, 1, b.len, stdout);
    buf_release(&b);
  }
  return finish(a, &d, fflush(stdout) == 0 ? EXIT_OK : EXIT_INVALID);
}
