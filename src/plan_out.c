/*
 * plan_out: the plan as text (one line per resource) and as JSON.
 *
 * JSON encodes the plan's own value kinds as small objects:
 *   {"ref": "vpc.main", "attr": "id"}        another resource's attribute
 *   {"join": [part, ...]}                     a string built from parts
 *   {"az": 0}                                 the AZ with that index
 * A reference whose value is known before deploy also carries "value".
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

static json_t *to_json(const Value *v) {
  switch (v->kind) {
  case V_NULL: return json_null();
  case V_BOOL: return json_boolean(v->b);
  case V_INT: return json_integer(v->i);
  case V_FLOAT: return json_real(v->f);
  case V_STR: return json_string(v->s);
  case V_AZ: return json_pack("{s:i}", "az", v->az);
  case V_REF: {
    json_t *o = json_pack("{s:s,s:s}", "ref", v->ref.res, "attr", v->ref.attr);
    if (v->ref.known)
      json_object_set_new(o, "value", json_string(v->ref.known));
    return o;
  }
  case V_CONCAT:
  case V_LIST: {
    json_t *a = json_array();
    for (int i = 0; i < v->list.n; i++)
      json_array_append_new(a, to_json(v->list.items[i]));
    return v->kind == V_LIST ? a : json_pack("{s:o}", "join", a);
  }
  case V_MAP: {
    json_t *o = json_object();
    for (int i = 0; i < v->map.n; i++)
      json_object_set_new(o, v->map.entries[i].key, to_json(v->map.entries[i].val));
    return o;
  }
  }
  return json_null();
}

static json_t *ids(const Vec *v) {
  json_t *a = json_array();
  for (int i = 0; i < v->len; i++)
    json_array_append_new(a, json_string(v->items[i]));
  return a;
}

char *plan_to_json(const Plan *p, size_t *len) {
  const Model *m = p->m;
  json_t *root = json_object();
  json_object_set_new(root, "infrac", json_integer(1));
  json_object_set_new(root, "name", json_string(m->name));
  json_object_set_new(root, "env", json_string(m->env));
  json_object_set_new(root, "region", json_string(m->region));
  json_object_set_new(root, "partition", json_string(p->partition));
  json_object_set_new(root, "account", m->account ? json_string(m->account) : json_null());
  json_t *tags = json_object();
  for (int i = 0; i < m->ntags; i++)
    json_object_set_new(tags, m->tags[i].key, json_string(m->tags[i].value));
  json_object_set_new(root, "tags", tags);
  json_t *rs = json_array();
  for (int i = 0; i < p->resources.len; i++) {
    const Resource *r = p->resources.items[i];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(r->id));
    json_object_set_new(o, "kind", json_string(r->kind));
    json_object_set_new(o, "key", json_string(r->key));
    json_object_set_new(o, "name", r->name ? json_string(r->name) : json_null());
    if (r->az >= 0)
      json_object_set_new(o, "az", json_integer(r->az));
    if (r->external)
      json_object_set_new(o, "external", json_true());
    json_object_set_new(o, "attributes", to_json(r->attrs));
    json_object_set_new(o, "depends_on", ids(&r->deps));
    if (r->after.len)
      json_object_set_new(o, "after", ids(&r->after));
    json_array_append_new(rs, o);
  }
  json_object_set_new(root, "resources", rs);
  char *s = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
  json_decref(root);
  char *out = arena_strdup(p->arena, s);
  free(s);
  *len = strlen(out);
  return out;
}

void plan_print_text(const Plan *p, Buf *out) {
  int width = 0;
  for (int i = 0; i < p->resources.len; i++) {
    int n = (int)strlen(((Resource *)p->resources.items[i])->id);
    if (n > width)
      width = n;
  }
  if (width > 60)
    width = 60;
  buf_printf(out, "# %s (%s), %s: %d resources\n", p->m->name, p->m->env, p->m->region, p->resources.len);
  for (int i = 0; i < p->resources.len; i++) {
    const Resource *r = p->resources.items[i];
    buf_printf(out, "%-*s  %s", width, r->id, r->name ? r->name : "-");
    for (int k = 0; k < r->attrs->map.n; k++) {
      const MapEntry *e = &r->attrs->map.entries[k];
      if (e->val->kind == V_MAP || e->val->kind == V_LIST || e->val->kind == V_REF)
        continue;
      buf_printf(out, " %s=", e->key);
      val_write_text(out, e->val);
    }
    if (r->external)
      buf_puts(out, " (for the trusted account)");
    buf_putc(out, '\n');
  }
}
