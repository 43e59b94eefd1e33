/*
 * data: durability of what a stack stores and ships (INF-DATA-*): RDS
 * multi-AZ and backups, deletion protection, DynamoDB point-in-time
 * recovery, ECR tag immutability and scanning. Each reads the model; the
 * defaults are all safe, so a finding always points at a value the spec
 * wrote.
 */
#include "rules.h"

/* The value 'key' of a model element, else the key naming the element. */
static Pos where(const Model *m, const char *section, const char *name, const Value *at, const char *key) {
  const Value *v = check_at(at, key);
  return v ? v->pos : check_key_pos(val_get(m->root, section), name, at);
}

static const char *path_of(Check *c, const char *section, const char *name, const char *key) {
  return arena_printf(c->a, "%s.%s.%s", section, name, key);
}

void check_data(Check *c) {
  const Model *m = c->m;
  const Value *mp = check_param(c, "INF-DATA-002", "min_days");
  int min_days = mp && mp->kind == V_INT ? (int)mp->i : 7;
  const char *min_text = arena_printf(c->a, "%d", min_days);
  for (int i = 0; i < m->ndatabases; i++) {
    const Database *db = &m->databases[i];
    if (!db->multi_az)
      check_report(c, "INF-DATA-001", where(m, "databases", db->key, db->at, "multi_az"),
                   path_of(c, "databases", db->key, "multi_az"), "db", db->key, NULL);
    if (db->backup_days < min_days)
      check_report(c, "INF-DATA-002", where(m, "databases", db->key, db->at, "backup_days"),
                   path_of(c, "databases", db->key, "backup_days"), "db", db->key, "days",
                   arena_printf(c->a, "%d", db->backup_days), "min", min_text, NULL);
    if (!db->deletion_protection)
      check_report(c, "INF-DATA-003", where(m, "databases", db->key, db->at, "deletion_protection"),
                   path_of(c, "databases", db->key, "deletion_protection"), "what",
                   arena_printf(c->a, "database %s", db->key), NULL);
  }
  for (int i = 0; i < m->ntables; i++) {
    const Table *t = &m->tables[i];
    if (!t->deletion_protection)
      check_report(c, "INF-DATA-003", where(m, "tables", t->key, t->at, "deletion_protection"),
                   path_of(c, "tables", t->key, "deletion_protection"), "what",
                   arena_printf(c->a, "table %s", t->key), NULL);
    if (!t->pitr)
      check_report(c, "INF-DATA-004", where(m, "tables", t->key, t->at, "pitr"), path_of(c, "tables", t->key, "pitr"),
                   "table", t->key, NULL);
  }
  if (m->lb && !m->lb->deletion_protection) {
    const Value *v = check_at(m->lb->at, "deletion_protection");
    check_report(c, "INF-DATA-003", v ? v->pos : check_key_pos(m->root, "load_balancer", m->lb->at),
                 "load_balancer.deletion_protection", "what", "the load balancer", NULL);
  }
  for (int i = 0; i < m->nregistries; i++) {
    const Registry *r = &m->registries[i];
    if (!r->immutable_tags)
      check_report(c, "INF-DATA-005", where(m, "registries", r->key, r->at, "immutable_tags"),
                   path_of(c, "registries", r->key, "immutable_tags"), "registry", r->key, NULL);
    if (!r->scan_on_push)
      check_report(c, "INF-DATA-006", where(m, "registries", r->key, r->at, "scan_on_push"),
                   path_of(c, "registries", r->key, "scan_on_push"), "registry", r->key, NULL);
  }
}
