/*
 * identity: the IAM documents in the plan (INF-IAM-*). Every attribute of
 * every resource is searched for policy documents (a map with a
 * Statement list), so a new kind of document is checked without a change
 * here. Wildcards are judged on the document as planned: references to
 * other resources are written ${kind.attr} when matched against the
 * allowed exceptions of templates/checks/rules.yaml.
 */
#include <string.h>
#include <strings.h>

#include "rules.h"

#define WILDCARD_RULE "INF-IAM-002"

/* A value as text: references as ${kind.attr} ('pattern'), or as their
 * known value when there is one, else ${id.attr} (for messages). */
static void text_of(Buf *b, const Value *v, bool pattern) {
  if (v->kind == V_STR) {
    buf_puts(b, v->s);
  } else if (v->kind == V_REF) {
    if (pattern) {
      const char *dot = strchr(v->ref.res, '.');
      size_t n = dot ? (size_t)(dot - v->ref.res) : strlen(v->ref.res);
      buf_printf(b, "${%.*s.%s}", (int)n, v->ref.res, v->ref.attr);
    } else if (v->ref.known) {
      buf_puts(b, v->ref.known);
    } else {
      buf_printf(b, "${%s.%s}", v->ref.res, v->ref.attr);
    }
  } else if (v->kind == V_CONCAT) {
    for (int i = 0; i < v->concat.n; i++)
      text_of(b, v->concat.parts[i], pattern);
  } else {
    val_write_text(b, v);
  }
}

static char *text(Arena *a, const Value *v, bool pattern) {
  Buf b;
  buf_init(&b);
  text_of(&b, v, pattern);
  return buf_finish(&b, a);
}

static bool wild(const char *s) { return strchr(s, '*') || strchr(s, '?'); }

/* The items of a string-or-list field. */
static int items(const Value *v, const Value ***out) {
  static const Value *one[1];
  if (!v)
    return 0;
  if (v->kind == V_LIST) {
    *out = (const Value **)v->list.items;
    return v->list.n;
  }
  one[0] = v;
  *out = one;
  return 1;
}

static bool in_list(const Value *list, const char *s) {
  for (int i = 0; list && list->kind == V_LIST && i < list->list.n; i++)
    if (list->list.items[i]->kind == V_STR && !strcmp(list->list.items[i]->s, s))
      return true;
  return false;
}

/* Every action of the statement is in 'allowed'. */
static bool all_actions_in(const Value *actions, const Value *allowed) {
  const Value **v;
  int n = items(actions, &v);
  for (int i = 0; i < n; i++)
    if (v[i]->kind != V_STR || !in_list(allowed, v[i]->s))
      return false;
  return n > 0;
}

static bool resource_allowed(Check *c, const Value *stmt, const char *pattern) {
  const Value *allowed = check_param(c, WILDCARD_RULE, "allowed");
  for (int i = 0; allowed && allowed->kind == V_LIST && i < allowed->list.n; i++) {
    const Value *e = allowed->list.items[i];
    const Value *res = check_at(e, "resource"), *acts = check_at(e, "actions");
    if (!res || res->kind != V_STR || strcmp(res->s, pattern))
      continue;
    if (!acts || all_actions_in(val_get(stmt, "Action"), acts))
      return true;
  }
  return false;
}

static bool action_allowed(Check *c, const char *action) {
  const Value *allowed = check_param(c, WILDCARD_RULE, "allowed");
  for (int i = 0; allowed && allowed->kind == V_LIST && i < allowed->list.n; i++)
    if (in_list(check_at(allowed->list.items[i], "actions"), action))
      return true;
  return false;
}

static void statement(Check *c, const Resource *r, const char *doc, const Value *s, int index) {
  const Value *effect = val_get(s, "Effect");
  if (effect && effect->kind == V_STR && strcmp(effect->s, "Allow"))
    return;   /* a Deny with a wildcard only takes away */
  const Value *sidv = val_get(s, "Sid");
  const char *sid = sidv && sidv->kind == V_STR ? sidv->s : arena_printf(c->a, "#%d", index + 1);
  const Value **v;
  int n = items(val_get(s, "Action"), &v);
  for (int i = 0; i < n; i++)
    if (v[i]->kind == V_STR && wild(v[i]->s) && !action_allowed(c, v[i]->s))
      check_report(c, WILDCARD_RULE, check_origin(c, r), NULL, "document", doc, "sid", sid, "field", "action", "value",
                   v[i]->s, NULL);
  n = items(val_get(s, "Resource"), &v);
  for (int i = 0; i < n; i++) {
    const char *pattern = text(c->a, v[i], true);
    if (wild(pattern) && !resource_allowed(c, s, pattern))
      check_report(c, WILDCARD_RULE, check_origin(c, r), NULL, "document", doc, "sid", sid, "field", "resource", "value",
                   text(c->a, v[i], false), NULL);
  }
  const Value *pr = val_get(s, "Principal");
  const Value *aws = pr && pr->kind == V_MAP ? val_get(pr, "AWS") : pr;
  n = items(aws, &v);
  for (int i = 0; i < n; i++)
    if (v[i]->kind == V_STR && !strcmp(v[i]->s, "*"))
      check_report(c, WILDCARD_RULE, check_origin(c, r), NULL, "document", doc, "sid", sid, "field", "principal", "value",
                   "*", NULL);
}

static void documents(Check *c, const Resource *r, const char *name, const Value *v, int depth) {
  if (!v || depth > 16)
    return;
  if (v->kind == V_MAP) {
    const Value *st = val_get(v, "Statement");
    if (st && (st->kind == V_LIST || st->kind == V_MAP)) {
      const Value **s;
      int n = items(st, &s);
      for (int i = 0; i < n; i++)
        if (s[i]->kind == V_MAP)
          statement(c, r, name, s[i], i);
      return;
    }
    for (int i = 0; i < v->map.n; i++)
      if (v->map.entries[i].val->kind == V_MAP || v->map.entries[i].val->kind == V_LIST)
        documents(c, r, arena_printf(c->a, "%s.%s", name, v->map.entries[i].key), v->map.entries[i].val,
                  depth + 1);
  } else if (v->kind == V_LIST) {
    for (int i = 0; i < v->list.n; i++)
      if (v->list.items[i]->kind == V_MAP || v->list.items[i]->kind == V_LIST)
        documents(c, r, arena_printf(c->a, "%s[%d]", name, i), v->list.items[i], depth + 1);
  }
}

/* A condition of the trust names 'key' (any operator) with a usable value. */
static bool has_condition(const Value *trust, const char *key, bool must_be_true) {
  const Value *st = val_get(trust, "Statement");
  for (int i = 0; st && st->kind == V_LIST && i < st->list.n; i++) {
    const Value *cond = check_at(st->list.items[i], "Condition");
    for (int k = 0; cond && cond->kind == V_MAP && k < cond->map.n; k++) {
      const Value *op = cond->map.entries[k].val;
      for (int j = 0; op && op->kind == V_MAP && j < op->map.n; j++) {
        if (strcasecmp(op->map.entries[j].key, key))
          continue;
        const Value *x = op->map.entries[j].val;
        if (!must_be_true || (x->kind == V_BOOL && x->b) || (x->kind == V_STR && !strcasecmp(x->s, "true")))
          return true;
      }
    }
  }
  return false;
}

void check_identity(Check *c) {
  const Model *m = c->m;
  for (int i = 0; i < m->nroles; i++) {
    const CrossRole *x = &m->roles[i];
    const Resource *r = plan_find(c->p, arena_printf(c->a, "iam_role.cross_%s", x->key));
    const Value *trust = r ? val_get(r->attrs, "assume_role_policy") : NULL;
    if (!trust || has_condition(trust, "sts:ExternalId", false) ||
        has_condition(trust, "aws:MultiFactorAuthPresent", true))
      continue;
    const char *principal = x->trusted_principal
                                ? arena_printf(c->a, "%s of account %s", x->trusted_principal, x->trusted_account)
                                : arena_printf(c->a, "account %s", x->trusted_account);
    check_report(c, "INF-IAM-001", check_key_pos(val_get(m->root, "cross_account_roles"), x->key, x->at),
                 arena_printf(c->a, "cross_account_roles.%s", x->key), "role", r->name, "principal", principal, NULL);
  }
  for (int i = 0; i < c->p->resources.len; i++) {
    const Resource *r = c->p->resources.items[i];
    for (int k = 0; k < r->attrs->map.n; k++) {
      const MapEntry *e = &r->attrs->map.entries[k];
      if (e->val->kind == V_MAP || e->val->kind == V_LIST)   /* documents are maps, in maps or lists */
        documents(c, r, arena_printf(c->a, "%s.%s", r->id, e->key), e->val, 0);
    }
  }
}
