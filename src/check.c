/*
 * check: `infrac check`, the rule engine. Each spec is compiled in the
 * environments the command covers (with no --env: the base spec and every
 * environment it declares, so a broken overlay is caught before anyone
 * deploys it); every compiled environment runs the rules of src/rules/ on
 * its Model and Plan.
 *
 * The rules' metadata is data: templates/checks/rules.yaml gives each rule
 * its severity, scope, title, message template and --explain text; the C
 * table below lists the IDs the code reports, and the two must agree. A
 * spec's `checks:` map (already shaped by validation) skips rules and
 * changes severities per environment; unknown IDs are errors. A finding
 * met in several environments is reported once, and says in which
 * environments when that is not all of those where the rule is in scope.
 *
 * Exit status: 2 when any spec or environment is invalid (or the registry
 * is broken), 1 when a finding has severity error (or warning with
 * --strict), else 0. Text goes to stderr like every diagnostic; json and
 * sarif are documents on stdout (docs/checks.md).
 */
#include "driver.h"

#include <fnmatch.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compile.h"
#include "merge.h"
#include "rules/rules.h"
#include "tmpl.h"

#ifndef INFRAC_VERSION
#define INFRAC_VERSION "0.0.0"
#endif

#define REGISTRY "checks/rules.yaml"

/* Every rule the code reports. ORDER: templates/checks/rules.yaml, which
 * must list exactly these. */
static const char *const known_rules[] = {
    "INF-NET-001",   "INF-NET-002",   "INF-NET-003",   "INF-NET-004",   "INF-NET-005",
    "INF-DATA-001",  "INF-DATA-002",  "INF-DATA-003",  "INF-DATA-004",  "INF-DATA-005",
    "INF-DATA-006",  "INF-IAM-001",   "INF-IAM-002",   "INF-SEC-001",   "INF-AVAIL-001",
    "INF-AVAIL-002", "INF-AVAIL-003", "INF-AVAIL-004", "INF-AVAIL-005", "INF-AVAIL-006",
    "INF-AVAIL-007", "INF-IMG-001",   "INF-IMG-002",   "INF-SPEC-001",  NULL};

/* The rule that SARIF names for a validation error without a rule of its own. */
#define SPEC_RULE "INF-SPEC-001"

static void (*const areas[])(Check *) = {check_exposure, check_data, check_identity,
                                         check_availability, check_images};

/* ---- the registry ---- */

typedef struct RuleDef {
  const char *id, *title, *message, *why, *fix;
  Severity sev;
  bool production;   /* scope: production */
  bool skippable;
  const Value *params, *tags;
} RuleDef;

typedef struct RuleSet {
  RuleDef *rules;
  int n;
  bool base_production;
  const Value *production;   /* environment name patterns */
  const char *skipped;       /* the message of a skip note */
} RuleSet;

static bool parse_severity(const char *s, Severity *out) {
  if (!strcmp(s, "error"))
    *out = SEV_ERROR;
  else if (!strcmp(s, "warning"))
    *out = SEV_WARNING;
  else if (!strcmp(s, "info"))
    *out = SEV_INFO;
  else
    return false;
  return true;
}

static const char *str_field(Diags *d, const Value *map, const char *key, const char *id, bool required) {
  const Value *v = val_get(map, key);
  if (!v) {
    if (required)
      diag_error(d, map->pos, id, "'%s' is required", key);
    return NULL;
  }
  if (v->kind != V_STR) {
    diag_error(d, v->pos, id, "'%s' must be a string", key);
    return NULL;
  }
  return v->s;
}

/* The registry, checked against known_rules; NULL after reporting. */
static RuleSet *load_rules(Arena *a, Diags *d) {
  Value *t = tmpl_get(a, d, REGISTRY);
  if (!t)
    return NULL;
  int before = d->errors;
  RuleSet *rs = arena_alloc(a, sizeof *rs);
  Value *rules = val_get(t, "rules");
  MapEntry *re = val_entry(t, "rules");
  if (!rules || rules->kind != V_MAP) {
    diag_error(d, re ? re->key_pos : t->pos, "rules", "expected a map of rule IDs to rules");
    return NULL;
  }
  Value *prod = val_get(t, "production");
  rs->base_production = true;
  if (prod && prod->kind == V_MAP) {
    Value *b = val_get(prod, "base");
    if (b && b->kind == V_BOOL)
      rs->base_production = b->b;
    else if (b)
      diag_error(d, b->pos, "production.base", "expected true or false");
    rs->production = val_get(prod, "environments");
    if (rs->production && rs->production->kind != V_LIST)
      diag_error(d, rs->production->pos, "production.environments", "expected a list of patterns");
  } else if (prod) {
    diag_error(d, prod->pos, "production", "expected a map {base, environments}");
  }
  rs->skipped = str_field(d, t, "skipped", "skipped", true);
  /* In the template's order: areas together, as the team wrote them. */
  MapEntry **es = arena_alloc(a, sizeof(MapEntry *) * (size_t)(rules->map.n + 1));
  for (int i = 0; i < rules->map.n; i++)
    es[i] = &rules->map.entries[i];
  rs->rules = arena_alloc(a, sizeof(RuleDef) * (size_t)(rules->map.n + 1));
  for (int i = 0; i < rules->map.n; i++) {
    const char *id = es[i]->key;
    const Value *x = es[i]->val;
    bool known = false;
    for (const char *const *k = known_rules; *k; k++)
      known |= !strcmp(*k, id);
    if (!known) {
      diag_error(d, es[i]->key_pos, id, "no check reports %s: remove it, or add its check to src/rules/", id);
      continue;
    }
    if (x->kind != V_MAP) {
      diag_error(d, x->pos, id, "a rule is a map");
      continue;
    }
    RuleDef *r = &rs->rules[rs->n++];
    r->id = id;
    r->title = str_field(d, x, "title", id, true);
    r->message = str_field(d, x, "message", id, true);
    r->why = str_field(d, x, "why", id, true);
    r->fix = str_field(d, x, "fix", id, true);
    const char *sev = str_field(d, x, "severity", id, true);
    if (sev && !parse_severity(sev, &r->sev))
      diag_error(d, val_get(x, "severity")->pos, id, "severity is error, warning or info");
    const char *scope = str_field(d, x, "scope", id, false);
    if (scope && strcmp(scope, "all") && strcmp(scope, "production"))
      diag_error(d, val_get(x, "scope")->pos, id, "scope is all or production");
    r->production = scope && !strcmp(scope, "production");
    const Value *sk = val_get(x, "skippable");
    r->skippable = !sk || (sk->kind == V_BOOL && sk->b);
    r->params = val_get(x, "params");
    r->tags = val_get(x, "tags");
    if (r->tags && r->tags->kind != V_LIST)
      diag_error(d, r->tags->pos, id, "tags is a list");
  }
  for (const char *const *k = known_rules; *k; k++)
    if (!val_get(rules, *k))
      diag_error(d, re->key_pos.file ? re->key_pos : rules->pos, "rules", "no entry for %s, which the code reports",
                 *k);
  return d->errors > before ? NULL : rs;
}

static int rule_index(const RuleSet *rs, const char *id) {
  for (int i = 0; i < rs->n; i++)
    if (!strcmp(rs->rules[i].id, id))
      return i;
  return -1;
}

static const char *closest_rule(const RuleSet *rs, const char *id) {
  const char *best = NULL;
  int bestd = 4;
  for (int i = 0; i < rs->n; i++) {
    int dist = str_distance(id, rs->rules[i].id, 3);
    if (dist < bestd) {
      bestd = dist;
      best = rs->rules[i].id;
    }
  }
  return best;
}

/* "${name}" in 'tmpl' replaced by the value given for it; unknown names
 * stay as written, so a typo in the template shows. */
static char *expand(Arena *a, const char *tmpl, const char *const *vars, int nvars) {
  Buf b;
  buf_init(&b);
  for (const char *p = tmpl; *p;) {
    const char *start = strstr(p, "${");
    const char *end = start ? strchr(start, '}') : NULL;
    if (!start || !end) {
      buf_puts(&b, p);
      break;
    }
    buf_add(&b, p, (size_t)(start - p));
    const char *val = NULL;
    for (int i = 0; i + 1 < nvars; i += 2)
      if (strlen(vars[i]) == (size_t)(end - start - 2) && !strncmp(vars[i], start + 2, (size_t)(end - start - 2)))
        val = vars[i + 1];
    if (val)
      buf_puts(&b, val);
    else
      buf_add(&b, start, (size_t)(end - start + 1));
    p = end + 1;
  }
  return buf_finish(&b, a);
}

/* ---- one run: the findings of every spec and environment ---- */

typedef struct Finding {
  int rule;
  Severity sev;
  Pos pos;
  const char *path;
  const char *msg;
  int env;          /* index into the spec's environments */
  bool note;        /* a skip note, not a finding of the rule */
} Finding;

/* What the JSON and SARIF formats add to a diagnostic that is a finding. */
typedef struct Reported {
  const Diag *diag;
  const char **envs;
  int nenvs;
} Reported;

struct CheckRun {
  RuleSet *rs;
  Vec findings;        /* of Finding *, for the spec being checked */
  int env;
  bool production;
  Severity *sev;       /* per rule, in this environment */
  bool *skipped;       /* per rule, in this environment */
};

void check_report(Check *c, const char *rule, Pos pos, const char *path, ...) {
  CheckRun *r = c->run;
  int i = rule_index(r->rs, rule);
  if (i < 0) {
    diag_error(c->d, pos, path, "internal: %s is not in %s", rule, REGISTRY);
    return;
  }
  const RuleDef *def = &r->rs->rules[i];
  if (r->skipped[i] || (def->production && !r->production))
    return;
  const char *vars[32];
  int nvars = 0;
  va_list ap;
  va_start(ap, path);
  for (const char *k; nvars < 30 && (k = va_arg(ap, const char *));) {
    vars[nvars++] = k;
    const char *v = va_arg(ap, const char *);
    vars[nvars++] = v ? v : "";
  }
  va_end(ap);
  Finding *f = arena_alloc(c->a, sizeof *f);
  *f = (Finding){i, r->sev[i], pos, path, expand(c->a, def->message, vars, nvars), r->env, false};
  vec_push(c->a, &r->findings, f);
}

const Value *check_param(Check *c, const char *rule, const char *name) {
  int i = rule_index(c->run->rs, rule);
  return i < 0 ? NULL : val_get(c->run->rs->rules[i].params, name);
}

Pos check_key_pos(const Value *parent, const char *key, const Value *x) {
  const MapEntry *e = parent && parent->kind == V_MAP ? val_entry(parent, key) : NULL;
  if (e && e->key_pos.file && e->key_pos.line > 0)
    return e->key_pos;
  return x ? x->pos : parent ? parent->pos : (Pos){0};
}

static bool same_pos(Pos a, Pos b) {
  return a.line == b.line && a.col == b.col && str_eq(a.file, b.file) && str_eq(a.path, b.path);
}

/* The key whose map or list value sits at 'p', searched depth-first. */
static const MapEntry *key_at(const Value *v, Pos p, int depth) {
  if (!v || depth > 64)
    return NULL;
  if (v->kind == V_MAP) {
    for (int i = 0; i < v->map.n; i++) {
      const MapEntry *e = &v->map.entries[i];
      if ((e->val->kind == V_MAP || e->val->kind == V_LIST) && same_pos(e->val->pos, p))
        return e;
      const MapEntry *in = key_at(e->val, p, depth + 1);
      if (in)
        return in;
    }
  } else if (v->kind == V_LIST) {
    for (int i = 0; i < v->list.n; i++) {
      const MapEntry *in = key_at(v->list.items[i], p, depth + 1);
      if (in)
        return in;
    }
  }
  return NULL;
}

Pos check_origin(Check *c, const Resource *r) {
  const MapEntry *e = key_at(c->m->root, r->origin, 0);
  return e && e->key_pos.file && e->key_pos.line > 0 ? e->key_pos : r->origin;
}

const Value *check_at(const Value *at, const char *key) {
  return at && at->kind == V_MAP ? val_get(at, key) : NULL;
}

/* Whether the rules of scope production run in env: the spec's
 * checks.production where it says, else the registry's patterns. */
static bool is_production(const RuleSet *rs, const Model *m, const char *env) {
  const Value *own = val_get(m->checks, "production");
  if (own && own->kind == V_BOOL)
    return own->b;
  if (!env)
    return rs->base_production;
  for (int i = 0; rs->production && i < rs->production->list.n; i++) {
    const Value *p = rs->production->list.items[i];
    if (p->kind == V_STR && fnmatch(p->s, env, 0) == 0)
      return true;
  }
  return false;
}

/* The spec's checks: map for this environment; false when it names rules
 * that do not exist or cannot be skipped. */
static bool apply_config(Arena *a, Diags *d, CheckRun *r, const Model *m) {
  const RuleSet *rs = r->rs;
  for (int i = 0; i < rs->n; i++) {
    r->sev[i] = rs->rules[i].sev;
    r->skipped[i] = false;
  }
  if (!m->checks || m->checks->kind != V_MAP)
    return true;
  bool ok = true;
  const Value *skip = val_get(m->checks, "skip");
  for (int k = 0; skip && skip->kind == V_LIST && k < skip->list.n; k++) {
    const Value *x = skip->list.items[k];
    const char *path = arena_printf(a, "checks.skip[%d]", k);
    if (x->kind != V_STR)
      continue;   /* validation reported it */
    int i = rule_index(rs, x->s);
    if (i < 0) {
      const char *best = closest_rule(rs, x->s);
      if (best)
        diag_error(d, x->pos, path, "unknown rule '%s'; did you mean '%s'?", x->s, best);
      else
        diag_error(d, x->pos, path, "unknown rule '%s'; infrac check --explain RULE-ID describes each rule", x->s);
      ok = false;
      continue;
    }
    if (!rs->rules[i].skippable) {
      diag_error(d, x->pos, path, "%s cannot be skipped: validation enforces it", x->s);
      ok = false;
      continue;
    }
    r->skipped[i] = true;
    const char *vars[] = {"rule", rs->rules[i].id, "title", rs->rules[i].title};
    Finding *f = arena_alloc(a, sizeof *f);
    *f = (Finding){i, SEV_INFO, x->pos, path, expand(a, rs->skipped, vars, 4), r->env, true};
    vec_push(a, &r->findings, f);
  }
  const Value *sev = val_get(m->checks, "severity");
  for (int k = 0; sev && sev->kind == V_MAP && k < sev->map.n; k++) {
    const MapEntry *e = &sev->map.entries[k];
    const char *path = arena_printf(a, "checks.severity.%s", e->key);
    Pos kp = e->key_pos.file ? e->key_pos : e->val->pos;
    int i = rule_index(rs, e->key);
    if (i < 0) {
      const char *best = closest_rule(rs, e->key);
      if (best)
        diag_error(d, kp, path, "unknown rule '%s'; did you mean '%s'?", e->key, best);
      else
        diag_error(d, kp, path, "unknown rule '%s'; infrac check --explain RULE-ID describes each rule", e->key);
      ok = false;
      continue;
    }
    if (!rs->rules[i].skippable) {
      diag_error(d, kp, path, "the severity of %s cannot change: validation enforces it", e->key);
      ok = false;
      continue;
    }
    Severity s;
    if (e->val->kind == V_STR && parse_severity(e->val->s, &s))
      r->sev[i] = s;
  }
  return ok;
}

static int cmp_pos(const Pos *a, const Pos *b) {
  int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
  if (c)
    return c;
  if (a->line != b->line)
    return a->line - b->line;
  if (a->col != b->col)
    return a->col - b->col;
  return strcmp(a->path ? a->path : "", b->path ? b->path : "");
}

/* Findings that are the same apart from their environment sort together. */
static int cmp_finding(const void *x, const void *y) {
  const Finding *a = *(const Finding *const *)x, *b = *(const Finding *const *)y;
  int c = cmp_pos(&a->pos, &b->pos);
  if (c)
    return c;
  if (a->rule != b->rule)
    return a->rule - b->rule;
  if (a->note != b->note)
    return a->note - b->note;
  if (a->sev != b->sev)
    return (int)a->sev - (int)b->sev;
  if ((c = strcmp(a->path ? a->path : "", b->path ? b->path : "")))
    return c;
  if ((c = strcmp(a->msg, b->msg)))
    return c;
  return a->env - b->env;
}

static bool same_finding(const Finding *a, const Finding *b) {
  return a->rule == b->rule && a->note == b->note && a->sev == b->sev && !cmp_pos(&a->pos, &b->pos) &&
         str_eq(a->path ? a->path : "", b->path ? b->path : "") && !strcmp(a->msg, b->msg);
}

typedef struct SpecEnvs {
  const char **names;   /* "base" or the environment name */
  int n;
  bool *compiled;
  bool **ran;           /* [env][rule]: the rule is in scope there (skipped or not) */
} SpecEnvs;

/* Turn one spec's findings into diagnostics, one per distinct finding. */
static void flush(Arena *a, Diags *d, CheckRun *r, const SpecEnvs *se, Vec *reported) {
  int n = r->findings.len;
  Finding **v = (Finding **)r->findings.items;
  if (n > 1)
    qsort(v, (size_t)n, sizeof *v, cmp_finding);
  for (int i = 0; i < n;) {
    int j = i;
    while (j < n && same_finding(v[i], v[j]))
      j++;
    const char **envs = arena_alloc(a, sizeof(char *) * (size_t)(j - i + 1));
    int nenvs = 0;
    for (int k = i; k < j; k++)
      if (!nenvs || strcmp(envs[nenvs - 1], se->names[v[k]->env]))
        envs[nenvs++] = se->names[v[k]->env];
    int applicable = 0;
    for (int e = 0; e < se->n; e++)
      applicable += se->compiled[e] && (v[i]->note || se->ran[e][v[i]->rule]);
    const char *suffix = "";
    if (se->n > 1 && nenvs < applicable) {
      Buf b;
      buf_init(&b);
      buf_printf(&b, " (in %s ", nenvs == 1 ? "environment" : "environments");
      for (int k = 0; k < nenvs; k++)
        buf_printf(&b, "%s%s", k ? ", " : "", envs[k]);
      buf_putc(&b, ')');
      suffix = buf_finish(&b, a);
    }
    const Finding *f = v[i];
    diag_add(d, f->sev, r->rs->rules[f->rule].id, f->pos, f->path, "%s%s", f->msg, suffix);
    Reported *rep = arena_alloc(a, sizeof *rep);
    *rep = (Reported){d->list.items[d->list.len - 1], envs, nenvs};
    vec_push(a, reported, rep);
    i = j;
  }
  r->findings.len = 0;
}

/* ---- output ---- */

static const Reported *reported_of(const Vec *reported, const Diag *g) {
  for (int i = 0; i < reported->len; i++)
    if (((Reported *)reported->items[i])->diag == g)
      return reported->items[i];
  return NULL;
}

static void dump(json_t *doc) {
  char *s = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
  if (s) {
    fputs(s, stdout);
    fputc('\n', stdout);
    free(s);
  }
  json_decref(doc);
}

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

static void print_json(Diags *d, const Vec *reported, bool strict, int status) {
  int n, counts[3] = {0};
  Diag **v = diag_sorted(d, &n);
  json_t *list = json_array();
  for (int i = 0; i < n; i++) {
    const Diag *g = v[i];
    const Reported *rep = reported_of(reported, g);
    counts[g->sev]++;
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(rep ? "finding" : "error"));
    json_object_set_new(o, "rule", str_or_null(g->rule));
    json_object_set_new(o, "severity", json_string(diag_severity_name(g->sev)));
    json_object_set_new(o, "message", json_string(g->msg));
    json_object_set_new(o, "file", str_or_null(g->pos.file));
    json_object_set_new(o, "line", g->pos.line > 0 ? json_integer(g->pos.line) : json_null());
    json_object_set_new(o, "column", g->pos.line > 0 ? json_integer(g->pos.col) : json_null());
    json_object_set_new(o, "path", str_or_null(g->path ? g->path : g->pos.path));
    if (rep) {
      json_t *envs = json_array();
      for (int k = 0; k < rep->nenvs; k++)
        json_array_append_new(envs, json_string(rep->envs[k]));
      json_object_set_new(o, "environments", envs);
    }
    json_array_append_new(list, o);
  }
  json_t *doc = json_object();
  json_object_set_new(doc, "format", json_integer(1));
  json_object_set_new(doc, "tool", json_pack("{s:s, s:s}", "name", "infrac", "version", INFRAC_VERSION));
  json_object_set_new(doc, "strict", json_boolean(strict));
  json_object_set_new(doc, "exit_status", json_integer(status));
  json_object_set_new(doc, "summary", json_pack("{s:i, s:i, s:i}", "error", counts[SEV_ERROR], "warning",
                                                counts[SEV_WARNING], "info", counts[SEV_INFO]));
  json_object_set_new(doc, "findings", list);
  dump(doc);
}

/* A spec's path relative to the root of the git work tree holding it (the
 * folder with .git), so code scanning can place it; as given when there
 * is none. Percent-encoded as a URI reference. */
static const char *repo_uri(Arena *a, const char *file) {
  const char *rel = file;
  char abs[PATH_MAX];
  if (realpath(file, abs)) {
    char *dir = arena_strdup(a, abs);
    for (char *slash = strrchr(dir, '/'); slash; slash = strrchr(dir, '/')) {
      *slash = '\0';
      if (access(arena_printf(a, "%s/.git", *dir ? dir : ""), F_OK) == 0) {
        rel = arena_strdup(a, abs + strlen(dir) + 1);
        break;
      }
    }
  }
  while (str_starts(rel, "./"))
    rel += 2;
  Buf b;
  buf_init(&b);
  for (const unsigned char *p = (const unsigned char *)rel; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
      buf_putc(&b, (char)*p);
    else
      buf_printf(&b, "%%%02X", *p);
  }
  return buf_finish(&b, a);
}

static const char *sarif_level(Severity s) {
  return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "note";
}

static char *explain_text(Arena *a, const RuleSet *rs, const RuleDef *r, bool markdown);

/* Paragraphs with their line breaks turned into spaces. */
static char *flowed(Arena *a, const char *text) {
  char *s = arena_strdup(a, text);
  size_t n = strlen(s);
  while (n && s[n - 1] == '\n')
    s[--n] = '\0';
  for (size_t i = 0; i < n; i++)
    if (s[i] == '\n' && s[i + 1] != '\n' && (i == 0 || s[i - 1] != '\n'))
      s[i] = ' ';
  return s;
}

static json_t *sarif_rule(Arena *a, const RuleSet *rs, const RuleDef *r) {
  json_t *o = json_object();
  json_object_set_new(o, "id", json_string(r->id));
  json_object_set_new(o, "shortDescription", json_pack("{s:s}", "text", r->title));
  json_object_set_new(o, "fullDescription", json_pack("{s:s}", "text", flowed(a, r->why)));
  json_object_set_new(o, "help", json_pack("{s:s, s:s}", "text", explain_text(a, rs, r, false), "markdown",
                                           explain_text(a, rs, r, true)));
  json_object_set_new(o, "defaultConfiguration", json_pack("{s:s}", "level", sarif_level(r->sev)));
  json_t *props = json_object();
  json_t *tags = json_array();
  bool security = false;
  for (int i = 0; r->tags && i < r->tags->list.n; i++)
    if (r->tags->list.items[i]->kind == V_STR) {
      json_array_append_new(tags, json_string(r->tags->list.items[i]->s));
      security |= !strcmp(r->tags->list.items[i]->s, "security");
    }
  json_object_set_new(props, "tags", tags);
  /* GitHub ranks security alerts by this score (0-10). */
  if (security)
    json_object_set_new(props, "security-severity",
                        json_string(r->sev == SEV_ERROR ? "8.0" : r->sev == SEV_WARNING ? "5.0" : "2.0"));
  json_object_set_new(o, "properties", props);
  return o;
}

static void print_sarif(Arena *a, Diags *d, const RuleSet *rs, const Vec *reported) {
  json_t *rules = json_array();
  for (int i = 0; rs && i < rs->n; i++)
    json_array_append_new(rules, sarif_rule(a, rs, &rs->rules[i]));
  if (!rs) {   /* the registry itself is broken: its errors still need a rule */
    const char *text = "templates/checks/rules.yaml (or its --templates override) is broken; the results say where.";
    json_array_append_new(rules, json_pack("{s:s, s:{s:s}, s:{s:s, s:s}, s:{s:s}}", "id", SPEC_RULE,
                                           "shortDescription", "text", "The check registry is invalid", "help",
                                           "text", text, "markdown", text, "defaultConfiguration", "level",
                                           "error"));
  }
  int n;
  Diag **v = diag_sorted(d, &n);
  json_t *results = json_array();
  for (int i = 0; i < n; i++) {
    const Diag *g = v[i];
    const Reported *rep = reported_of(reported, g);
    const char *id = g->rule ? g->rule : SPEC_RULE;
    json_t *o = json_object();
    json_object_set_new(o, "ruleId", json_string(id));
    int k = rs ? rule_index(rs, id) : 0;
    if (k >= 0)
      json_object_set_new(o, "ruleIndex", json_integer(k));
    json_object_set_new(o, "level", json_string(sarif_level(g->sev)));
    const char *path = g->path ? g->path : g->pos.path;
    const char *text = path && *path && !rep ? arena_printf(a, "%s: %s", path, g->msg) : g->msg;
    json_object_set_new(o, "message", json_pack("{s:s}", "text", text));
    if (g->pos.file && g->pos.file[0] != '<') {
      json_t *phys = json_object();
      json_object_set_new(phys, "artifactLocation",
                          json_pack("{s:s, s:s}", "uri", repo_uri(a, g->pos.file), "uriBaseId", "%SRCROOT%"));
      /* JSON specs carry a key path, no line: the finding is on the file. */
      json_object_set_new(phys, "region", g->pos.line > 0 ? json_pack("{s:i, s:i}", "startLine", g->pos.line,
                                                                      "startColumn", g->pos.col > 0 ? g->pos.col : 1)
                                                          : json_pack("{s:i}", "startLine", 1));
      json_t *loc = json_object();
      json_object_set_new(loc, "physicalLocation", phys);
      if (path && *path)
        json_object_set_new(loc, "logicalLocations",
                            json_pack("[{s:s, s:s}]", "fullyQualifiedName", path, "kind", "member"));
      json_object_set_new(o, "locations", json_pack("[o]", loc));
    }
    if (rep) {
      json_t *envs = json_array();
      for (int e = 0; e < rep->nenvs; e++)
        json_array_append_new(envs, json_string(rep->envs[e]));
      json_object_set_new(o, "properties", json_pack("{s:o}", "environments", envs));
    }
    json_array_append_new(results, o);
  }
  json_t *driver = json_pack("{s:s, s:s, s:s, s:o}", "name", "infrac", "version", INFRAC_VERSION,
                             "semanticVersion", INFRAC_VERSION, "rules", rules);
  json_t *run = json_pack("{s:{s:o}, s:o, s:s}", "tool", "driver", driver, "results", results, "columnKind",
                          "unicodeCodePoints");
  json_t *doc = json_pack("{s:s, s:s, s:[o]}", "$schema", "https://json.schemastore.org/sarif-2.1.0.json",
                          "version", "2.1.0", "runs", run);
  dump(doc);
}

/* ---- --explain ---- */

static void indent(Buf *b, const char *text, const char *prefix) {
  for (const char *p = text; *p;) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    if (n)
      buf_printf(b, "%s%.*s\n", prefix, (int)n, p);
    else
      buf_putc(b, '\n');
    p += n + (nl ? 1 : 0);
  }
}

static const char *scope_text(Arena *a, const RuleSet *rs, const RuleDef *r) {
  if (!r->production)
    return "every environment";
  Buf b;
  buf_init(&b);
  buf_puts(&b, "production environments only (");
  int k = 0;
  if (rs->base_production)
    buf_printf(&b, "%sthe base spec", k++ ? ", " : "");
  for (int i = 0; rs->production && i < rs->production->list.n; i++)
    if (rs->production->list.items[i]->kind == V_STR)
      buf_printf(&b, "%s%s", k++ ? ", " : "", rs->production->list.items[i]->s);
  buf_puts(&b, "; an environment's checks.production: true or false overrides)");
  return buf_finish(&b, a);
}

static char *explain_text(Arena *a, const RuleSet *rs, const RuleDef *r, bool md) {
  Buf b;
  buf_init(&b);
  const char *sev = diag_severity_name(r->sev);
  if (md)
    buf_printf(&b, "**%s: %s**\n\nSeverity: %s. Runs in: %s.\n\n**Why it matters.**\n\n", r->id, r->title, sev,
               scope_text(a, rs, r));
  else
    buf_printf(&b, "%s: %s\nSeverity: %s\nRuns in: %s\n\nWhy it matters:\n", r->id, r->title, sev,
               scope_text(a, rs, r));
  indent(&b, r->why, md ? "" : "  ");
  buf_puts(&b, md ? "\n**How to fix.**\n\n" : "\nHow to fix:\n");
  indent(&b, r->fix, md ? "" : "  ");
  buf_puts(&b, md ? "\n**How to skip.**\n\n" : "\nHow to skip:\n");
  if (r->skippable)
    buf_printf(&b, md ? "`checks: {skip: [%s]}` in the spec or an environment (reported as info), or "
                        "`checks: {severity: {%s: info}}`.\n"
                      : "  checks: {skip: [%s]} in the spec or an environment (reported as info),\n"
                        "  or checks: {severity: {%s: info}}\n",
               r->id, r->id);
  else
    buf_puts(&b, md ? "It cannot be skipped: validation enforces it.\n"
                    : "  It cannot be skipped: validation enforces it.\n");
  return buf_finish(&b, a);
}

static int explain(Arena *a, Diags *d, const RuleSet *rs, const char *id) {
  int i = rule_index(rs, id);
  if (i < 0) {
    const char *best = closest_rule(rs, id);
    if (best)
      diag_error(d, (Pos){0}, NULL, "unknown rule '%s'; did you mean '%s'?", id, best);
    else
      diag_error(d, (Pos){0}, NULL, "unknown rule '%s'; rules are named like INF-NET-001", id);
    return EXIT_INVALID;
  }
  fputs(explain_text(a, rs, &rs->rules[i], false), stdout);
  return fflush(stdout) == 0 ? EXIT_OK : EXIT_INVALID;
}

/* ---- the command ---- */

static int finish(Arena *a, Diags *d, int status) {
  diag_print(d, stderr);
  arena_free(a);
  return status;
}

int run_check(const Options *o) {
  Arena *a = arena_new();
  Diags d;
  diag_init(&d, a);
  const char *format = o->format ? o->format : "text";
  if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "sarif")) {
    diag_error(&d, (Pos){0}, NULL, "unknown format '%s' for check; choose text, json or sarif", format);
    return finish(a, &d, EXIT_INVALID);
  }
  if (o->explain && o->nspecs) {
    diag_error(&d, (Pos){0}, NULL, "--explain takes a rule ID and no SPEC");
    return finish(a, &d, EXIT_INVALID);
  }
  RuleSet *rs = load_rules(a, &d);
  if (o->explain) {
    int status = rs ? explain(a, &d, rs, o->explain) : EXIT_INVALID;
    return finish(a, &d, status);
  }
  bool invalid = !rs;
  Vec reported = {0};
  CheckRun run = {.rs = rs};
  if (rs) {
    run.sev = arena_alloc(a, sizeof(Severity) * (size_t)(rs->n + 1));
    run.skipped = arena_alloc(a, sizeof(bool) * (size_t)(rs->n + 1));
  }
  for (int s = 0; rs && s < o->nspecs; s++) {
    const char *spec = o->specs[s];
    SpecEnvs se = {0};
    if (o->env) {
      se.names = arena_alloc(a, sizeof(char *));
      se.names[0] = o->env;
      se.n = 1;
    } else {
      Value *root = spec_resolve(a, &d, spec, NULL);
      if (!root) {
        invalid = true;
        continue;
      }
      const char **names;
      int n = spec_env_names(a, root, &names);
      se.names = arena_alloc(a, sizeof(char *) * (size_t)(n + 1));
      se.names[0] = "base";
      if (n)
        memcpy(se.names + 1, names, sizeof(char *) * (size_t)n);
      se.n = n + 1;
    }
    se.compiled = arena_alloc(a, sizeof(bool) * (size_t)se.n);
    se.ran = arena_alloc(a, sizeof(bool *) * (size_t)se.n);
    for (int e = 0; e < se.n; e++) {
      const char *env = o->env ? o->env : e ? se.names[e] : NULL;
      se.ran[e] = arena_alloc(a, sizeof(bool) * (size_t)(rs->n + 1));
      Plan *p = compile_spec(a, &d, spec, env);
      if (!p) {
        invalid = true;
        continue;
      }
      se.compiled[e] = true;
      run.env = e;
      run.production = is_production(rs, p->m, env);
      if (!apply_config(a, &d, &run, p->m))
        invalid = true;
      for (int i = 0; i < rs->n; i++)
        se.ran[e][i] = !rs->rules[i].production || run.production;
      Check c = {a, &d, p->m, p, &run};
      for (size_t k = 0; k < sizeof areas / sizeof *areas; k++)
        areas[k](&c);
    }
    flush(a, &d, &run, &se, &reported);
  }
  int status = EXIT_OK;
  if (invalid) {
    status = EXIT_INVALID;
  } else {
    int n;
    Diag **v = diag_sorted(&d, &n);
    for (int i = 0; i < n; i++)
      if (v[i]->sev == SEV_ERROR || (o->strict && v[i]->sev == SEV_WARNING))
        status = EXIT_FINDINGS;
  }
  if (!strcmp(format, "text"))
    return finish(a, &d, status);
  if (!strcmp(format, "json"))
    print_json(&d, &reported, o->strict, status);
  else
    print_sarif(a, &d, rs, &reported);
  if (fflush(stdout) != 0)
    status = EXIT_INVALID;
  arena_free(a);
  return status;
}
