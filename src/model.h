/*
 * model: the validated spec as typed C structs, defaults applied.
 *
 * spec_validate walks the merged Value tree, reports every problem with
 * its position and dotted key path, and fills a Model. Every collection
 * is sorted by its spec key, so map order in a file never reaches the
 * plan. Each element keeps the Value it came from ('at') for positions.
 */
#ifndef INFRAC_MODEL_H
#define INFRAC_MODEL_H

#include "cidr.h"
#include "diag.h"

typedef enum { TIER_PUBLIC, TIER_PRIVATE, TIER_ISOLATED, TIER_COUNT } Tier;
typedef enum { NAT_PER_AZ, NAT_SINGLE, NAT_NONE } NatMode;
typedef enum { ACCESS_DATABASE, ACCESS_TABLE, ACCESS_SERVICE } AccessKind;
typedef enum { MODE_READ, MODE_WRITE, MODE_READ_WRITE } AccessMode;

typedef struct KV {
  const char *key;
  const char *value;
  Value *at;
} KV;

typedef struct Network {
  Value *at;
  Cidr cidr;
  int az_count;
  const char **az_names;      /* NULL when azs is a count */
  const char **az_keys;       /* identity per AZ: "a", "b", ... */
  int count[TIER_COUNT];      /* subnets per tier: 0 or az_count */
  Cidr *subnets[TIER_COUNT];  /* [tier][az] */
  int prefix;
  NatMode nat;
  const char *eip;            /* static address claimed by the single NAT */
  const char *eip_allocation; /* or an existing allocation to reuse */
  Value *nat_at;
  bool flow_logs;
  bool nacls;
  const char **endpoints;     /* interface endpoint services, sorted */
  int nendpoints;
} Network;

typedef struct Listener {
  Value *at;
  int port;
  const char *protocol;       /* HTTP or HTTPS */
  const char *certificate;
  int redirect;               /* port, 0 when none */
} Listener;

typedef struct LoadBalancer {
  Value *at;
  bool public;
  Listener *listeners;
  int nlisteners;
  const char **allowed_cidrs;
  int nallowed;
  bool deletion_protection;
} LoadBalancer;

typedef struct Access {
  Value *at;
  AccessKind kind;
  const char *target;
  AccessMode mode;            /* tables only */
} Access;

typedef struct Service {
  Value *at;
  const char *key;
  const char *image;
  int port;
  int cpu, memory;
  int min, max, cpu_target;
  const char *route;          /* NULL: not behind the load balancer */
  const char *health_check;
  int user;
  KV *env;
  int nenv;
  KV *secrets;
  int nsecrets;
  Access *access;
  int naccess;
  double availability;        /* target availability in percent, 0 when unset */
  double instance_availability;
} Service;

typedef struct Database {
  Value *at;
  const char *key;
  const char *engine;
  const char *version;
  const char *instance;
  int storage_gb, max_storage_gb;
  bool multi_az;
  int backup_days;
  bool iam_auth;
  bool deletion_protection;
  int port;
  const char *username;
} Database;

typedef struct TableIndex {
  Value *at;
  const char *key;
  const char *hash, *range;
  const char *projection;     /* all | keys_only */
} TableIndex;

typedef struct Table {
  Value *at;
  const char *key;
  const char *hash, *range;
  KV *attributes;             /* name -> S | N | B, sorted */
  int nattributes;
  bool on_demand;
  int read, write;
  bool pitr;
  bool deletion_protection;
  const char *ttl;
  TableIndex *indexes;
  int nindexes;
  const char *stream;         /* NULL or new_image | old_image | new_and_old_images | keys_only */
} Table;

typedef struct Registry {
  Value *at;
  const char *key;
  bool scan_on_push;
  bool immutable_tags;
  int keep_last;
} Registry;

typedef enum { GRANT_ECR_PUSH, GRANT_ECR_PULL } GrantKind;

typedef struct Grant {
  Value *at;
  GrantKind kind;
  const char **registries;    /* sorted */
  int nregistries;
} Grant;

typedef struct CrossRole {
  Value *at;
  const char *key;
  const char *trusted_account;
  const char *trusted_principal;   /* user/NAME or role/NAME, NULL: account root */
  const char *external_id;
  bool require_mfa;
  int max_session_hours;
  Grant *grants;
  int ngrants;
} CrossRole;

typedef struct State {
  Value *at;
  const char *bucket;
  const char *key;
  const char *lock;           /* "lockfile" or a DynamoDB table name */
} State;

/* The EKS side of the Kubernetes target (top-level kubernetes:). */
typedef struct Kubernetes {
  Value *at;
  const char *oidc_provider;  /* the cluster's OIDC issuer without https://; NULL: no IRSA trust */
} Kubernetes;

typedef struct Model {
  Value *root;
  const char *file;
  const char *env;            /* "base" without --env */
  const char *name;
  const char *region;
  const char *account;        /* NULL when not given */
  KV *tags;
  int ntags;
  Network *network;           /* NULL when absent */
  LoadBalancer *lb;           /* NULL when absent */
  Service *services;
  int nservices;
  Database *databases;
  int ndatabases;
  Table *tables;
  int ntables;
  Registry *registries;
  int nregistries;
  CrossRole *roles;
  int nroles;
  State *state;
  Kubernetes *k8s;            /* NULL when absent */
  const char **environments;  /* declared environment names, sorted */
  int nenvironments;
  Value *checks;              /* the checks: map, read by the rule engine */
} Model;

/* Validate the merged tree; NULL when there were errors. */
Model *spec_validate(Arena *a, Diags *d, Value *root, const char *file, const char *env);

Service *model_service(const Model *m, const char *key);
Database *model_database(const Model *m, const char *key);
Table *model_table(const Model *m, const char *key);
Registry *model_registry(const Model *m, const char *key);
const char *tier_name(Tier t);
const char *access_mode_name(AccessMode m);
int engine_default_port(const char *engine);

#endif
