/*
 * secrets: recognise plaintext values that look like credentials, so a
 * spec can never carry one. Used by validation (every string in a spec)
 * and by the check rules. Messages name the kind, never the value.
 */
#ifndef INFRAC_SECRETS_H
#define INFRAC_SECRETS_H

#include <stdbool.h>

/* What kind of credential 'value' (written under 'key', may be NULL) looks
 * like, e.g. "an AWS access key ID", or NULL when it looks like none. */
const char *secret_kind(const char *key, const char *value);
/* Shannon entropy in bits per character. */
double secret_entropy(const char *s);
/* Whether a key name suggests a credential: password, secret, token... */
bool secret_key_name(const char *key);

#endif
