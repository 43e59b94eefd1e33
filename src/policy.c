/*
 * policy: the IAM documents of a plan as JSON (see policy.h), and the
 * `infrac policy [--env E] SPEC [ROLE]` command.
 *
 * Nothing here decides what a document says: plan.c builds every trust
 * and permission policy from templates/iam/ once, and every target reads
 * the same Values. This stage only finds the documents that belong to
 * each role and resolves the references in them. It assumes a plan that
 * compiled: every role named by the model exists in it.
 */
#include "policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "driver.h"

/* ORDER: the keys pol_role_json writes and the files the policies target
 * writes follow this list. */
const char *const pol_document_names[] = {"trust", "permissions", "trusted_side", NULL};

static const char *attr_str(const Resource *r, const char *k) {
  const Value *v = r ? val_get(r->attrs, k) : NULL;
  return v && v->kind == V_STR ? v->s : NULL;
}

static void add_role(Arena *a, const Plan *p, Vec *v, const char *section, const char *key,
                     const char *suffix) {
  Resource *role = plan_find(p, arena_printf(a, "iam_role.%s", suffix));
  if (!role)
    return;
  PolRole *r = arena_alloc(a, sizeof *r);
  r->section = section;
  r->key = key;
  r->role = role;
  r->policy = plan_find(p, arena_printf(a, "iam_role_policy.%s", suffix));
  if (section && !strcmp(section, "cross_account_roles"))
    r->trusted = plan_find(p, arena_printf(a, "trusted_policy.%s", key));
  vec_push(a, v, r);
}

int pol_roles(Arena *a, const Plan *p, PolRole **out) {
  const Model *m = p->m;
  Vec v = {0};
  for (int i = 0; i < m->nroles; i++)
    add_role(a, p, &v, "cross_account_roles", m->roles[i].key,
             arena_printf(a, "cross_%s", m->roles[i].key));
  for (int i = 0; i < m->nservices; i++)
    add_role(a, p, &v, "services", m->services[i].key, arena_printf(a, "task_%s", m->services[i].key));
  add_role(a, p, &v, NULL, "task_execution", "execution");
  add_role(a, p, &v, NULL, "flow_logs", "flow_logs");
  PolRole *list = arena_alloc(a, sizeof(PolRole) * (size_t)(v.len + 1));
  for (int i = 0; i < v.len; i++)
    list[i] = *(PolRole *)v.items[i];
  *out = list;
  return v.len;
}

const Value *pol_role_document(const PolRole *r, const char *name) {
  if (!strcmp(name, "trust"))
    return val_get(r->role->attrs, "assume_role_policy");
  if (!strcmp(name, "permissions"))
    return r->policy ? val_get(r->policy->attrs, "policy") : NULL;
  if (!strcmp(name, "trusted_side"))
    return r->trusted ? val_get(r->trusted->attrs, "policy") : NULL;
  return NULL;
}

/* ---- resolving references ---- */

/* A resource's ARN when the spec names no account: the plan leaves the
 * reference unknown, but the ARN's shape is fixed, so the document stays
 * valid IAM with only the account left open ("${account}").
 * MATCH: the plan_arn calls beside each RK(..., "arn", ...) in plan.c. */
static const struct {
  const char *kind, *service;
  bool regional;
  const char *rest;   /* printf format taking the physical name */
} arn_shapes[] = {
    {"dynamodb_table", "dynamodb", true, "table/%s"},
    {"ecr_repository", "ecr", true, "repository/%s"},
    {"iam_role", "iam", false, "role/%s"},
    {"log_group", "logs", true, "log-group:%s"},
    {NULL, NULL, false, NULL},
};

static bool write_arn_shape(Buf *b, const Plan *p, const Value *ref) {
  if (!p || strcmp(ref->ref.attr, "arn"))
    return false;
  const Resource *r = plan_find(p, ref->ref.res);
  if (!r || !r->name)
    return false;
  for (int i = 0; arn_shapes[i].kind; i++)
    if (!strcmp(arn_shapes[i].kind, r->kind)) {
      buf_printf(b, "arn:%s:%s:%s:%s:", p->partition, arn_shapes[i].service,
                 arn_shapes[i].regional ? p->m->region : "", p->m->account ? p->m->account : "${account}");
      buf_printf(b, arn_shapes[i].rest, r->name);
      return true;
    }
  return false;
}

/* The text a string part stands for: the literal, the known value of a
 * reference, or its placeholder. */
static void write_part(Buf *b, const Plan *p, const Value *v, int depth) {
  if (!v || depth > 64)
    return;
  switch (v->kind) {
  case V_STR: buf_puts(b, v->s); break;
  case V_INT: buf_printf(b, "%lld", v->i); break;
  case V_FLOAT: buf_printf(b, "%.17g", v->f); break;
  case V_BOOL: buf_puts(b, v->b ? "true" : "false"); break;
  case V_REF:
    if (v->ref.known)
      buf_puts(b, v->ref.known);
    else if (!write_arn_shape(b, p, v))
      buf_printf(b, "${%s.%s}", v->ref.res, v->ref.attr);
    break;
  case V_AZ: buf_printf(b, "${az.%d}", v->az); break;
  case V_CONCAT:
    for (int i = 0; i < v->concat.n; i++)
      write_part(b, p, v->concat.parts[i], depth + 1);
    break;
  default:
    /* a list or map inside a string cannot be rendered; the canonical
     * text keeps it visible instead of dropping it silently */
    val_write_text(b, v);
    break;
  }
}

static json_t *jstr(const char *s) {
  json_t *j = json_string(s);
  return j ? j : json_null();   /* not UTF-8: loaders reject such input first */
}

static json_t *resolve(const Plan *p, const Value *v, int depth) {
  if (!v || depth > 64)
    return json_null();
  switch (v->kind) {
  case V_NULL: return json_null();
  case V_BOOL: return json_boolean(v->b);
  case V_INT: return json_integer(v->i);
  case V_FLOAT: return json_real(v->f);
  case V_STR: return jstr(v->s);
  case V_REF:
  case V_CONCAT:
  case V_AZ: {
    Buf b;
    buf_init(&b);
    write_part(&b, p, v, depth);
    json_t *j = jstr(b.data ? b.data : "");
    buf_release(&b);
    return j;
  }
  case V_LIST: {
    json_t *a = json_array();
    for (int i = 0; i < v->list.n; i++)
      json_array_append_new(a, resolve(p, v->list.items[i], depth + 1));
    return a;
  }
  case V_MAP: {
    json_t *o = json_object();
    for (int i = 0; i < v->map.n; i++)
      json_object_set_new(o, v->map.entries[i].key, resolve(p, v->map.entries[i].val, depth + 1));
    return o;
  }
  }
  return json_null();
}

json_t *pol_resolve(const Plan *p, const Value *v) { return resolve(p, v, 0); }

/* ---- the JSON the command prints ---- */

json_t *pol_role_json(Arena *a, const Plan *p, const PolRole *r) {
  json_t *o = json_object();
  const char *name = r->role->name ? r->role->name : r->role->key;
  json_object_set_new(o, "role", jstr(name));
  Value *ref = val_ref(a, r->role->id, "arn", plan_arn(a, p, "iam", false, arena_printf(a, "role/%s", name)));
  json_object_set_new(o, "arn", pol_resolve(p, ref));
  const Value *msd = val_get(r->role->attrs, "max_session_duration");
  if (msd)
    json_object_set_new(o, "max_session_duration", pol_resolve(p, msd));
  for (int i = 0; pol_document_names[i]; i++) {
    const Value *d = pol_role_document(r, pol_document_names[i]);
    if (d)
      json_object_set_new(o, pol_document_names[i], pol_resolve(p, d));
  }
  if (r->trusted) {
    /* Where the trusted account attaches trusted_side, and under what name. */
    const char *acct = attr_str(r->trusted, "account"), *who = attr_str(r->trusted, "principal");
    if (acct)
      json_object_set_new(o, "trusted_account", jstr(acct));
    if (who)
      json_object_set_new(o, "trusted_principal", jstr(who));
    if (r->trusted->name)
      json_object_set_new(o, "trusted_side_name", jstr(r->trusted->name));
  }
  return o;
}

json_t *pol_all_json(Arena *a, const Plan *p) {
  PolRole *roles;
  int n = pol_roles(a, p, &roles);
  json_t *root = json_object();
  json_object_set_new(root, "cross_account_roles", json_object());
  json_object_set_new(root, "services", json_object());
  for (int i = 0; i < n; i++) {
    json_t *j = pol_role_json(a, p, &roles[i]);
    if (roles[i].section)
      json_object_set_new(json_object_get(root, roles[i].section), roles[i].key, j);
    else
      json_object_set_new(root, roles[i].key, j);
  }
  return root;
}

char *pol_dump(Arena *a, const json_t *j, size_t *len) {
  char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
  if (!s) {
    *len = 0;
    return arena_strdup(a, "");
  }
  char *out = arena_printf(a, "%s\n", s);
  free(s);
  *len = strlen(out);
  return out;
}

/* ---- the command ---- */

static const char *describe(Arena *a, const PolRole *r) {
  if (r->section && !strcmp(r->section, "cross_account_roles"))
    return arena_printf(a, "cross-account role %s (%s)", r->key, r->role->name);
  if (r->section)
    return arena_printf(a, "task role of service %s (%s)", r->key, r->role->name);
  return arena_printf(a, "%s (%s)", r->key, r->role->name);
}

static bool names_role(const PolRole *r, const char *want) {
  return str_eq(r->key, want) || str_eq(r->role->name, want);
}

static int finish(Arena *a, Diags *d, int status) {
  diag_print(d, stderr);
  arena_free(a);
  return status;
}

int run_policy(const Options *o) {
  Arena *a = arena_new();
  Diags d;
  diag_init(&d, a);
  if (o->nspecs < 1 || o->nspecs > 2) {
    diag_error(&d, (Pos){0}, NULL, "policy takes a SPEC and at most one ROLE (found %d arguments)", o->nspecs);
    return finish(a, &d, EXIT_INVALID);
  }
  Plan *p = compile_spec(a, &d, o->specs[0], o->env);
  if (!p)
    return finish(a, &d, EXIT_INVALID);
  json_t *out = NULL;
  if (o->nspecs == 1) {
    out = pol_all_json(a, p);
  } else {
    const char *want = o->specs[1];
    PolRole *roles;
    int n = pol_roles(a, p, &roles), hits = 0, hit = -1;
    for (int i = 0; i < n; i++)
      if (names_role(&roles[i], want)) {
        hits++;
        hit = i;
      }
    if (hits != 1) {
      /* Name every candidate (or every role), so the next try succeeds. */
      Buf b;
      buf_init(&b);
      const char *close = NULL;
      int best = 3;
      for (int i = 0; i < n; i++) {
        if (hits > 1 && !names_role(&roles[i], want))
          continue;
        buf_printf(&b, "%s%s", b.len ? ", " : "", describe(a, &roles[i]));
        int dist = str_distance(want, roles[i].key, best);
        if (dist < best) {
          best = dist;
          close = roles[i].key;
        }
      }
      if (hits > 1)
        diag_error(&d, (Pos){.file = o->specs[0]}, NULL,
                   "'%s' names more than one role: %s; give the role name instead", want, b.data);
      else if (n == 0)
        diag_error(&d, (Pos){.file = o->specs[0]}, NULL, "no role '%s': this spec makes no IAM roles", want);
      else
        diag_error(&d, (Pos){.file = o->specs[0]}, NULL, "no role '%s'%s%s%s; the roles are: %s", want,
                   close ? " (did you mean '" : "", close ? close : "", close ? "'?)" : "", b.data);
      buf_release(&b);
      return finish(a, &d, EXIT_INVALID);
    }
    out = pol_role_json(a, p, &roles[hit]);
  }
  size_t len;
  char *text = pol_dump(a, out, &len);
  json_decref(out);
  fwrite(text, 1, len, stdout);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    diag_error(&d, (Pos){0}, NULL, "cannot write the documents to stdout: %s", strerror(errno));
    return finish(a, &d, EXIT_INVALID);
  }
  return finish(a, &d, EXIT_OK);
}
