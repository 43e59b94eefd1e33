/*
 * cidr: IPv4 prefix arithmetic. Carving follows the contract: slots of
 * size /prefix are numbered from the start of the VPC CIDR.
 */
#include "cidr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ip_parse(const char *s, uint32_t *out) {
  uint32_t addr = 0;
  for (int i = 0; i < 4; i++) {
    if (*s < '0' || *s > '9')
      return false;
    int v = 0, digits = 0;
    while (*s >= '0' && *s <= '9') {
      v = v * 10 + (*s++ - '0');
      if (++digits > 3 || v > 255)
        return false;
    }
    if (digits > 1 && s[-digits] == '0')
      return false;   /* no leading zeros: 010 is ambiguous (octal?) */
    addr = addr << 8 | (uint32_t)v;
    if (i < 3 && *s++ != '.')
      return false;
  }
  if (*s)
    return false;
  *out = addr;
  return true;
}

bool cidr_parse(const char *s, Cidr *out) {
  const char *slash = strchr(s, '/');
  if (!slash || slash - s > 15)
    return false;
  char ip[16];
  memcpy(ip, s, (size_t)(slash - s));
  ip[slash - s] = '\0';
  const char *p = slash + 1;
  if (!*p || strlen(p) > 2 || (p[0] == '0' && p[1]))
    return false;
  int prefix = 0;
  for (; *p; p++) {
    if (*p < '0' || *p > '9')
      return false;
    prefix = prefix * 10 + (*p - '0');
  }
  if (prefix > 32 || !ip_parse(ip, &out->addr))
    return false;
  out->prefix = prefix;
  return true;
}

static uint32_t mask(int prefix) {
  return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

bool cidr_aligned(Cidr c) { return (c.addr & ~mask(c.prefix)) == 0; }

bool cidr_contains(Cidr outer, Cidr inner) {
  return inner.prefix >= outer.prefix &&
         (inner.addr & mask(outer.prefix)) == (outer.addr & mask(outer.prefix));
}

bool cidr_overlaps(Cidr a, Cidr b) {
  int p = a.prefix < b.prefix ? a.prefix : b.prefix;
  return (a.addr & mask(p)) == (b.addr & mask(p));
}

bool cidr_slot(Cidr base, int prefix, int n, Cidr *out) {
  if (prefix < base.prefix || prefix > 32 || n < 0)
    return false;
  uint64_t slots = 1ull << (prefix - base.prefix);
  if ((uint64_t)n >= slots)
    return false;
  out->addr = (base.addr & mask(base.prefix)) + (uint32_t)((uint64_t)n << (32 - prefix));
  out->prefix = prefix;
  return true;
}

char *ip_format(uint32_t a, char *buf) {
  snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
  return buf;
}

char *cidr_format(Cidr c, char *buf) {
  char ip[16];
  snprintf(buf, 19, "%s/%d", ip_format(c.addr, ip), c.prefix);
  return buf;
}

bool ip_is_public(uint32_t a) {
  static const struct { uint32_t net; int prefix; } reserved[] = {
      {0x00000000, 8},  {0x0a000000, 8},  {0x64400000, 10}, {0x7f000000, 8},
      {0xa9fe0000, 16}, {0xac100000, 12}, {0xc0000000, 24}, {0xc0000200, 24},
      {0xc0a80000, 16}, {0xc6120000, 15}, {0xc6336400, 24}, {0xcb007100, 24},
      {0xe0000000, 4},  {0xf0000000, 4},
  };
  for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
    if ((a & mask(reserved[i].prefix)) == reserved[i].net)
      return false;
  return true;
}
