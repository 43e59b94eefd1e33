/*
 * cidr: IPv4 prefixes, parsing and the carving of subnets out of the VPC.
 */
#ifndef INFRAC_CIDR_H
#define INFRAC_CIDR_H

#include <stdbool.h>
#include <stdint.h>

typedef struct Cidr {
  uint32_t addr;
  int prefix;
} Cidr;

/* Parse "a.b.c.d/n". Returns false on any malformation. */
bool cidr_parse(const char *s, Cidr *out);
/* Parse a bare dotted-quad address. */
bool ip_parse(const char *s, uint32_t *out);
/* Host bits are all zero. */
bool cidr_aligned(Cidr c);
bool cidr_contains(Cidr outer, Cidr inner);
bool cidr_overlaps(Cidr a, Cidr b);
/* The n-th block of size /prefix counted from the start of 'base'. */
bool cidr_slot(Cidr base, int prefix, int n, Cidr *out);
/* Writes "a.b.c.d/n" into buf (at least 19 bytes). */
char *cidr_format(Cidr c, char *buf);
char *ip_format(uint32_t addr, char *buf);
/* Whether an address is private (RFC 1918), loopback or otherwise not
 * routable on the internet, which a static Elastic IP can never be. */
bool ip_is_public(uint32_t addr);

#endif
