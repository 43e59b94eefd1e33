/*
 * hcl: a small writer for HCL, Terraform's native syntax. The Terraform
 * emitter builds a tree of bodies, blocks, attributes and expressions, and
 * hcl_render prints it exactly as `terraform fmt` would: two-space indent,
 * `=` aligned across runs of single-line attributes and object entries,
 * one blank line between top-level blocks, a trailing newline.
 *
 * Safety: text from a spec only ever becomes a quoted string (hcl_str,
 * object keys, hcl_tmpl_lit, labels), escaped so it cannot open an
 * interpolation or a directive (`${` is written `$${`, `%{` as `%%{`).
 * Live HCL comes only from hcl_ref, hcl_tmpl_ref and hcl_call, whose text
 * must be made by C code; they check its shape and abort on anything that
 * is not a plain traversal or function name, so a spec string passed there
 * by mistake fails loudly instead of being evaluated.
 *
 * Ownership: every node and every string lives in the Arena given to
 * hcl_file (or to the expression constructors). Functions copy the strings
 * they are given; the caller keeps its own. Nothing is freed piecemeal;
 * arena_free releases it all. Nodes must be built in one arena.
 *
 * Invalid UTF-8 in any text becomes U+FFFD. Terraform normalizes string
 * literals to Unicode NFC when it reads them, so a decomposed string comes
 * back composed; the writer does not normalize.
 */
#ifndef INFRAC_EMIT_HCL_H
#define INFRAC_EMIT_HCL_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

typedef struct HclBody HclBody; /* a file, or the inside of a block */
typedef struct HclExpr HclExpr; /* a value on the right of `=` */

/* A new, empty file (the top-level body). */
HclBody *hcl_file(Arena *a);
/* Appends a block `type "label1" "label2" { ... }` to parent and returns its
 * body. Labels may be NULL (0, 1 or 2 labels; label2 needs label1). type
 * must be an identifier; labels must be ASCII without '$' or '%', because
 * terraform fmt rewrites or drops other labels. Aborts otherwise. */
HclBody *hcl_block(HclBody *parent, const char *type, const char *label1,
                   const char *label2);
/* Sets attribute `name = value` (name must be an identifier). Setting the
 * same name again replaces the value where it first stood. */
void hcl_attr(HclBody *b, const char *name, HclExpr *value);
/* A blank line between the items around it. Repeated gaps collapse; gaps
 * at the start or end of a body are dropped. */
void hcl_gap(HclBody *b);
/* `# text` lines (one per line of text); a comment placed before a
 * top-level block stays attached to it. */
void hcl_comment(HclBody *b, const char *text);

/* Scalars. hcl_strn takes a length, so the text may hold NUL bytes.
 * hcl_num writes the shortest form that reads back as the same double;
 * NaN and infinities have no HCL literal and are written as null. */
HclExpr *hcl_str(Arena *a, const char *s);
HclExpr *hcl_strn(Arena *a, const char *s, size_t n);
HclExpr *hcl_int(Arena *a, long long v);
HclExpr *hcl_num(Arena *a, double v);
HclExpr *hcl_bool(Arena *a, bool v);
HclExpr *hcl_null(Arena *a);
/* A trusted traversal: `name(.name | [N] | [*] | .*)*` with at most one
 * splat, and only `.name` after `.*`; for example "aws_subnet.private_a.id",
 * "aws_nat_gateway.main[*].id" or
 * "data.aws_availability_zones.available.names[0]". Aborts on other text. */
HclExpr *hcl_ref(Arena *a, const char *traversal);

/* A list: on one line when its items are all single-line and it fits in
 * 80 columns, else one item per line with trailing commas. */
HclExpr *hcl_list(Arena *a);
void hcl_list_add(HclExpr *list, HclExpr *item);
/* An object, always one entry per line (`{}` when empty). Keys are any
 * text: identifiers stay bare, others are quoted and escaped. Adding a key
 * again replaces its value in place. */
HclExpr *hcl_obj(Arena *a);
void hcl_obj_add(HclExpr *obj, const char *key, HclExpr *value);
/* A function call fn(arg, ...); arg may be NULL for no arguments. */
HclExpr *hcl_call(Arena *a, const char *fn, HclExpr *arg);
void hcl_call_add(HclExpr *call, HclExpr *arg);
/* A string template: escaped literal parts and trusted interpolations, as
 * in "arn:${data.aws_partition.current.partition}:s3:::b". A template that is just
 * one interpolation is written as the bare reference, as terraform fmt
 * would rewrite it. */
HclExpr *hcl_tmpl(Arena *a);
void hcl_tmpl_lit(HclExpr *t, const char *text);
void hcl_tmpl_ref(HclExpr *t, const char *traversal);

/* The text of the whole file, NUL-terminated, owned by the file's arena.
 * *len (if len is not NULL) gets its length. */
char *hcl_render(HclBody *file, size_t *len);

/* The checks behind the aborts above, for callers that want to test first. */
bool hcl_is_ident(const char *s);
bool hcl_is_traversal(const char *s);

#endif
