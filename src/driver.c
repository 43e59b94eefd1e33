/*
 * driver: the commands (see driver.h). Every command compiles specs into
 * plans through compile_spec; build then emits every target in memory and
 * only writes when all of them, for every spec and environment, succeeded.
 * build's compiles, and then its emitters, run on several threads.
 */
#include "driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "emit.h"
#include "jobs.h"
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

/* ---- build: compile every environment, then emit every target ---- */

/* One environment of one spec to compile. Its plan and its diagnostics
 * live in their own arenas: compiles run on several threads (see jobs.h),
 * each in its own, as do the emitters after them. */
typedef struct Compile {
  const char *spec, *env;
  bool wanted;       /* written; else only checked, with the others */
  Arena *arena;      /* the plan's (a scratch arena of the root) */
  Arena *keep;       /* the diagnostics' */
  Diags d;
  Plan *plan;
} Compile;

/* One target of one plan to emit and stage. */
typedef struct Emit {
  const Plan *plan;
  const char *env_dir;
  const Target *target;
  Arena *keep;       /* the diagnostics' and the staged list's */
  Diags d;
  Staging st;
  bool ok;
} Emit;

typedef struct Build {
  Arena *root;
  Compile *compiles;
  Emit *emits;
  int *order;        /* emits, costly targets first */
} Build;

static void compile_one(void *ctx, int i) {
  Build *b = ctx;
  Compile *c = &b->compiles[i];
  c->arena = arena_new();
  c->arena->parent = b->root;
  c->keep = arena_new();
  diag_init(&c->d, c->keep);
  c->plan = compile_spec(c->arena, &c->d, c->spec, c->env);
}

/* Run one emitter in a scratch arena and stage its files at once (see
 * out_stage; nothing visible changes until out_finish), then give the
 * arena back: the trees an emitter builds are several times the size of
 * what it writes, and neither has to outlive it. */
static void emit_one(void *ctx, int k) {
  Build *b = ctx;
  int i = b->order[k];
  Emit *e = &b->emits[i];
  e->keep = arena_new();
  diag_init(&e->d, e->keep);
  e->st = (Staging){.arena = e->keep, .job = i};
  Arena *scratch = arena_new();
  scratch->parent = b->root;
  Output out = {.arena = scratch};
  e->ok = e->target->emit(scratch, &e->d, e->plan, &out) && !e->d.errors &&
          out_stage(&e->d, &e->st, e->env_dir, e->target, &out);
  arena_free(scratch);
}

/* finish, then give back the arenas its diagnostics and plans point
 * into */
static int finish_kept(Arena *a, Diags *d, Vec *kept, int status) {
  diag_print(d, stderr);
  jobs_free(a, kept);
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
  Vec kept = {0};   /* arenas that plans and diagnostics point into */
  /* Every environment is compiled, also those not being written: a spec
   * is valid only when all of its overlays are, and build writes nothing
   * for an invalid spec. Each spec's files are read here, once, in order;
   * the compiles then find them parsed. */
  Vec todo = {0};
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
      Compile *c = arena_alloc(a, sizeof *c);
      c->spec = o->specs[s];
      c->env = envs[e];
      c->wanted = o->all_envs || str_eq(envs[e], o->env);
      vec_push(a, &todo, c);
    }
  }
  Build b = {.root = a, .compiles = arena_alloc(a, sizeof(Compile) * (size_t)(todo.len + 1))};
  for (int i = 0; i < todo.len; i++)
    b.compiles[i] = *(Compile *)todo.items[i];
  jobs_run(todo.len, compile_one, &b);
  /* Diagnostics in compile order, as one thread would have reported
   * them. A plan not written is given back at once unless diagnostics
   * point into it (a large spec held every environment's plan else). */
  Vec plans = {0};
  for (int i = 0; i < todo.len; i++) {
    Compile *c = &b.compiles[i];
    diag_merge(&d, &c->d);
    vec_push(a, &kept, c->keep);
    if (c->wanted && c->plan)
      vec_push(a, &plans, c->plan);
    if (c->wanted || c->d.list.len)
      vec_push(a, &kept, c->arena);
    else
      arena_free(c->arena);
  }
  if (d.errors)
    return finish_kept(a, &d, &kept, EXIT_INVALID);
  /* Every target of every environment is staged before any is swapped
   * in, so a failure anywhere leaves the whole previous output. */
  int nemits = plans.len * nchosen;
  b.emits = arena_alloc(a, sizeof(Emit) * (size_t)(nemits + 1));
  for (int i = 0; i < plans.len; i++) {
    const Plan *p = plans.items[i];
    const char *env_dir = arena_printf(a, "%s/%s/%s", dir, p->m->name, p->m->env);
    for (int t = 0; t < nchosen; t++)
      b.emits[i * nchosen + t] = (Emit){.plan = p, .env_dir = env_dir, .target = chosen[t]};
  }
  b.order = arena_alloc(a, sizeof(int) * (size_t)(nemits + 1));
  int top = 0, k = 0;
  for (int t = 0; t < nchosen; t++)
    top = chosen[t]->cost > top ? chosen[t]->cost : top;
  for (int c = top; c >= 0; c--)
    for (int i = 0; i < nemits; i++)
      if (b.emits[i].target->cost == c)
        b.order[k++] = i;
  out_begin();
  jobs_run(nemits, emit_one, &b);
  Staging st = {.arena = a};
  bool ok = true;
  for (int i = 0; i < nemits; i++) {
    Emit *e = &b.emits[i];
    diag_merge(&d, &e->d);
    vec_push(a, &kept, e->keep);
    ok &= e->ok;
    for (int k = 0; k < e->st.items.len; k++)
      vec_push(a, &st.items, e->st.items.items[k]);
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
