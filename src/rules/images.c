/*
 * images: what a service runs (INF-IMG-*): a pinned tag or digest, from
 * the spec's own registries when it declares any. Image references follow
 * the container reference grammar: [HOST[:PORT]/]PATH[:TAG][@DIGEST],
 * where the first component is a host when it has a '.' or a ':' or is
 * "localhost".
 */
#include <string.h>

#include "rules.h"

/* "123456789012.dkr.ecr.us-east-1.amazonaws.com[.cn]": account and region. */
static bool ecr_host(Arena *a, const char *host, const char **account, const char **region) {
  const char *dkr = strstr(host, ".dkr.ecr.");
  if (!dkr || dkr - host != 12 || strspn(host, "0123456789") != 12)
    return false;
  const char *r = dkr + 9, *dot = strchr(r, '.');
  if (!dot || dot == r || (strcmp(dot, ".amazonaws.com") && strcmp(dot, ".amazonaws.com.cn")))
    return false;
  *account = arena_strndup(a, host, 12);
  *region = arena_strndup(a, r, (size_t)(dot - r));
  return true;
}

ImageRef check_image_ref(Arena *a, const char *image) {
  ImageRef r = {"", "", "", "", "", ""};
  const char *at = strchr(image, '@');
  const char *name = at ? arena_strndup(a, image, (size_t)(at - image)) : image;
  if (at)
    r.digest = at + 1;
  const char *slash = strchr(name, '/');
  if (slash) {
    size_t n = (size_t)(slash - name);
    const char *first = arena_strndup(a, name, n);
    if (strchr(first, '.') || strchr(first, ':') || !strcmp(first, "localhost")) {
      r.host = first;
      name = slash + 1;
    }
  }
  const char *last = strrchr(name, '/');
  const char *colon = strrchr(last ? last : name, ':');
  if (colon) {
    r.tag = colon + 1;
    r.repo = arena_strndup(a, name, (size_t)(colon - name));
  } else {
    r.repo = name;
  }
  ecr_host(a, r.host, &r.ecr_account, &r.ecr_region);
  return r;
}

void check_images(Check *c) {
  const Model *m = c->m;
  for (int i = 0; i < m->nservices; i++) {
    const Service *s = &m->services[i];
    const Value *iv = check_at(s->at, "image");
    Pos at = iv ? iv->pos : s->at->pos;
    const char *path = arena_printf(c->a, "services.%s.image", s->key);
    ImageRef ref = check_image_ref(c->a, s->image);
    if (!*ref.digest && (!*ref.tag || !strcmp(ref.tag, "latest")))
      check_report(c, "INF-IMG-001", at, path, "service", s->key, "image", s->image, "why",
                   *ref.tag ? "with the tag latest" : "with no tag (which means latest)", NULL);
    if (!m->nregistries)
      continue;
    bool own = *ref.ecr_account && (!m->account || !strcmp(ref.ecr_account, m->account)) &&
               !strcmp(ref.ecr_region, m->region) && model_registry(m, ref.repo);
    if (own)
      continue;
    Buf b;
    buf_init(&b);
    for (int k = 0; k < m->nregistries && k < 5; k++)
      buf_printf(&b, "%s%s", k ? ", " : "", m->registries[k].key);
    if (m->nregistries > 5)
      buf_printf(&b, " and %d more", m->nregistries - 5);
    check_report(c, "INF-IMG-002", at, path, "service", s->key, "image", s->image, "registries", buf_finish(&b, c->a),
                 NULL);
  }
}
