/*
 * policy: the IAM documents of a plan, as JSON a person or a tool can
 * read without deploying anything. Used by `infrac policy` and by the
 * "policies" build target; both print the same documents.
 *
 * The plan holds every document as a Value tree whose strings may refer
 * to other resources (V_REF) or be built from parts (V_CONCAT). Here a
 * reference whose value is known before deploy (an ARN built from the
 * account) becomes that literal; any other one becomes the placeholder
 * "${<resource id>.<attr>}", e.g. "${db_instance.orders.resource_id}"
 * (docs/policies.md). Placeholders never contain ':' and so cannot be
 * taken for an IAM policy variable such as ${aws:username}.
 *
 * Functions returning json_t * return a new reference the caller releases
 * with json_decref, at the edge where it is printed or copied out.
 */
#ifndef INFRAC_POLICY_H
#define INFRAC_POLICY_H

#include <jansson.h>

#include "plan.h"

/* One IAM role of the plan with the documents that belong to it. */
typedef struct PolRole {
  const char *section;      /* "cross_account_roles" or "services"; NULL for a shared role */
  const char *key;          /* spec key, or "task_execution" / "flow_logs" for shared roles */
  const Resource *role;     /* iam_role: name, assume_role_policy */
  const Resource *policy;   /* iam_role_policy holding its permissions, NULL when none */
  const Resource *trusted;  /* trusted_policy for the trusted account, NULL when none */
} PolRole;

/* The document names, in the order files and keys list them. */
extern const char *const pol_document_names[];   /* trust, permissions, trusted_side, NULL */

/* Every role of the plan: cross-account roles, then each service's task
 * role (by spec key), then the shared task execution and flow-log roles. */
int pol_roles(Arena *a, const Plan *p, PolRole **out);
/* A role's document by name (see pol_document_names), NULL when it has none. */
const Value *pol_role_document(const PolRole *r, const char *name);

/* A plan value as JSON, references resolved as described above. One more
 * case: the ARN of a resource is fully known but for the account when the
 * spec gives none; there "${account}" stands in for it alone, so the
 * document keeps the ARN's shape and stays valid IAM. */
json_t *pol_resolve(const Plan *p, const Value *v);
/* The role as `infrac policy SPEC ROLE` prints it: its documents and what
 * a reader needs beside them (role name and ARN, session length, where the
 * trusted side's policy goes). */
json_t *pol_role_json(Arena *a, const Plan *p, const PolRole *r);
/* Every role: {"cross_account_roles": {KEY: role}, "services": {KEY: role},
 * "task_execution": role, "flow_logs": role}, shared roles when present. */
json_t *pol_all_json(Arena *a, const Plan *p);
/* The JSON text of a document as files carry it: sorted keys, two-space
 * indent, final newline; copied into a. */
char *pol_dump(Arena *a, const json_t *j, size_t *len);

#endif
