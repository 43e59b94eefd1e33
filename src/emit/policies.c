/*
 * policies: the "policies" target, every IAM document of the plan as its
 * own JSON file under policies/, exactly what `infrac policy` prints:
 *
 *   cross_account_roles/<key>.trust.json         the role's trust policy
 *   cross_account_roles/<key>.permissions.json   its permission policy
 *   cross_account_roles/<key>.trusted_side.json  for the trusted account
 *   services/<key>.trust.json, .permissions.json each service's task role
 *   task_execution.*.json, flow_logs.*.json      the shared roles
 *   index.json   every role with its name, ARN and session length, and the
 *                file of each of its documents
 *
 * Names come from spec keys, never from positions, so they are stable.
 * Keys hold no '/' (validation), and the fixed ".<document>.json" ending
 * keeps two keys from ever sharing a file. index.json is always written,
 * so a spec without roles still gets a (reviewable) folder.
 */
#include "emit.h"
#include "policy.h"

bool pol_emit(Arena *a, Diags *d, const Plan *p, Output *out) {
  (void)d;
  PolRole *roles;
  int n = pol_roles(a, p, &roles);
  json_t *index = pol_all_json(a, p);
  for (int i = 0; i < n; i++) {
    const PolRole *r = &roles[i];
    json_t *entry = r->section ? json_object_get(json_object_get(index, r->section), r->key)
                               : json_object_get(index, r->key);
    for (int k = 0; pol_document_names[k]; k++) {
      const Value *doc = pol_role_document(r, pol_document_names[k]);
      if (!doc)
        continue;
      const char *path = r->section ? arena_printf(a, "%s/%s.%s.json", r->section, r->key, pol_document_names[k])
                                    : arena_printf(a, "%s.%s.json", r->key, pol_document_names[k]);
      json_t *j = pol_resolve(p, doc);
      size_t len;
      char *text = pol_dump(a, j, &len);
      json_decref(j);
      out_add(out, path, text, len);
      /* the index points at the file instead of repeating the document */
      json_object_set_new(entry, pol_document_names[k], json_string(path));
    }
  }
  size_t len;
  char *text = pol_dump(a, index, &len);
  json_decref(index);
  out_add(out, "index.json", text, len);
  return true;
}
