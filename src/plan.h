/*
 * plan: the target-neutral resources a Model implies.
 *
 * Every resource has a stable identity, "<kind>.<key>", built from spec
 * names and AZ identities (never list positions or map order), so adding
 * an AZ or a service renames nothing else. Attributes are Values; a V_REF
 * names another resource's attribute ("id", "arn", "name", "dns_name",
 * "endpoint", "resource_id", ...) and each emitter renders it in its own
 * idiom. Emitters, diff, graph, check and policy all read this plan.
 *
 * Resource kinds and their attributes are documented in docs/plan.md.
 */
#ifndef INFRAC_PLAN_H
#define INFRAC_PLAN_H

#include "model.h"

/* Past this many resources a spec is refused (see plan.c's full()). */
#define PLAN_MAX_RESOURCES 100000

typedef struct Resource {
  const char *kind;     /* vpc, subnet, nat_gateway, iam_role, ... */
  const char *key;      /* identity within the kind: main, public_a, user_metadata */
  const char *id;       /* kind.key */
  const char *name;     /* physical name, NULL when the target picks one */
  Value *attrs;         /* V_MAP */
  Vec deps;             /* ids this resource refers to, sorted */
  Vec after;            /* ids it must be created after without referring to them */
  Pos origin;           /* where the spec asked for it */
  int az;               /* AZ index, -1 when not per AZ */
  int seq;              /* position in Plan.resources, for emitters' side tables */
  bool taggable;        /* carries the Name tag and the spec's tags */
  bool external;        /* a document for another account, not deployed here */
} Resource;

typedef struct Plan {
  Arena *arena;
  Model *m;
  const char *partition;
  Vec resources;        /* of Resource *, in a deterministic creation order */
  Resource **index;     /* open-addressed hash table by id */
  int index_cap;
  /* plan_of_kind's index: the resources sorted by kind, then plan order;
   * complete when plan_build returns, and rebuilt only while it runs */
  Resource **by_kind;
  int by_kind_len;
} Plan;

/* Build the plan; NULL (with diagnostics) when a template is broken. */
Plan *plan_build(Arena *a, Diags *d, Model *m);
Resource *plan_find(const Plan *p, const char *id);
/* Append a resource (identity unique), indexed and numbered. */
void plan_insert(Plan *p, Resource *r);
/* Resources of one kind, in plan order: a view into the plan's index,
 * to be read, never changed. */
int plan_of_kind(const Plan *p, const char *kind, Resource ***out);
/* "arn:<partition>:<service>:<region>:<account>:<rest>" in a, NULL without an account. */
const char *plan_arn(Arena *a, const Plan *p, const char *service, bool regional, const char *rest);

void plan_print_text(const Plan *p, Buf *out);
/* The plan as JSON, documented in docs/plan.md: appended to 'out', or
 * as a string in the plan's arena. */
void plan_write_json(const Plan *p, Buf *out);
char *plan_to_json(const Plan *p, size_t *len);

#endif
