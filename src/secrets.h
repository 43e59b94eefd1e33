/*
 * secrets: recognise plaintext values that look like credentials, so a
 * spec can never carry one. Used by validation (every string in a spec)
 * and by the check rules. Messages name the kind, never the value.
 */
#ifndef INFRAC_SECRETS_H
#define INFRAC_SECRETS_H

#include <stdbool.h>

#include "diag.h"

/* What kind of credential 'value' (written under 'key', may be NULL) looks
 * like, e.g. "an AWS access key ID", or NULL when it looks like none. */
const char *secret_kind(const char *key, const char *value);
/* The same, with the key-name words of templates/checks/secrets.yaml
 * ('words' from secret_words; NULL: the built-in list). */
const char *secret_kind_with(const char *key, const char *value, const char *const *words);
/* The key_words of templates/checks/secrets.yaml, lower-case and
 * NULL-terminated, parsed into 'a'; NULL after reporting a broken template. */
const char *const *secret_words(Arena *a, Diags *d);
/* Shannon entropy in bits per character. */
double secret_entropy(const char *s);
/* Whether a key name suggests a credential: password, secret, token... */
bool secret_key_name(const char *key);

#endif
