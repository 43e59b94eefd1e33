/*
 * names: physical names that respect each service's limits. A name that
 * must be shortened keeps a stable hash suffix of the full name, so it
 * never collides with its neighbours and never changes between runs.
 */
#ifndef INFRAC_NAMES_H
#define INFRAC_NAMES_H

#include "util.h"

enum {
  NAME_LOWER = 1,          /* fold to lowercase (RDS identifiers) */
  NAME_NO_UNDERSCORE = 2,  /* '_' and other separators become '-' (ALB, RDS, DNS) */
  NAME_DNS = 4,            /* a DNS-1123 label: [a-z0-9-], starts and ends alphanumeric */
};

/* Fit 'full' into 'limit' characters under 'flags'. */
const char *name_fit(Arena *a, const char *full, int limit, unsigned flags);
/* The 6-character base-36 suffix used when shortening. */
void name_hash(const char *s, char out[7]);

/* Kubernetes names that IAM must repeat exactly (the IRSA trust of a task
 * role names system:serviceaccount:<namespace>:<service account>), so the
 * Kubernetes target and the plan both take them from here.
 *
 * The namespace of spec 'name' in environment 'env': <name> for the base
 * spec (env "base" or NULL), else <name>-<env>, as a DNS-1123 label. */
const char *name_k8s_namespace(Arena *a, const char *name, const char *env);
/* The ServiceAccount (and workload) name of the service with spec key 'key'. */
const char *name_k8s_service_account(Arena *a, const char *key);

#endif
