/*
 * main: read the command line into Options and run the command. No logic
 * lives here beyond flags; see driver.c for the commands themselves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "jobs.h"
#include "tmpl.h"

#ifndef INFRAC_VERSION
#define INFRAC_VERSION "0.0.0"
#endif

typedef struct Command {
  const char *name;
  int (*run)(const Options *o);
  const char *usage;
  const char *flags;   /* the flags this command accepts, space-separated */
} Command;

static const Command commands[] = {
    {"build", run_build,
     "usage: infrac build [--target terraform,cloudformation,kubernetes,policies|all]\n"
     "                    [--env E | --all-envs] [-o DIR] [--jobs N] SPEC...\n"
     "Writes DIR/<name>/<env>/<target>/ (DIR defaults to out, <env> to base).\n"
     "Nothing is written unless every spec and environment is valid; each\n"
     "target folder is replaced atomically. --jobs N compiles and emits on N\n"
     "threads (default: one per CPU); the output is the same for every N.\n",
     "--target --env --all-envs -o --jobs"},
    {"check", run_check,
     "usage: infrac check [--env E] [--format text|json|sarif] [--strict] SPEC...\n"
     "       infrac check --explain RULE-ID\n"
     "Validates the spec and runs the check rules; without --env, the base spec\n"
     "and every environment. Exit 1 on a finding of severity error (or warning\n"
     "with --strict), 2 on an invalid spec. --explain says why a rule matters,\n"
     "how to fix it and how to skip it (docs/checks.md lists every rule).\n",
     "--env --format --strict --explain"},
    {"plan", run_plan,
     "usage: infrac plan [--env E] [--format text|json] SPEC\n"
     "Prints the target-neutral plan: every resource with its stable identity.\n",
     "--env --format"},
    {"policy", run_policy,
     "usage: infrac policy [--env E] SPEC [ROLE]\n"
     "Prints the IAM documents as JSON: for each cross-account role its trust,\n"
     "permissions and trusted_side (what the trusted account attaches to its\n"
     "principal); for each service its task role; the shared roles. ROLE is a\n"
     "spec key (ecr-push, a service key, task_execution) or a role name.\n",
     "--env"},
    {"diff", run_diff,
     "usage: infrac diff [--env E | --all-envs] [--format text|markdown|json] OLD NEW\n"
     "       infrac diff [--env E | --all-envs] [--format ...] --base GIT-REV SPEC\n"
     "Compares the plans of two specs, or of SPEC and its version (with its\n"
     "includes) at GIT-REV: what is added, changed, replaced and destroyed, the\n"
     "attribute that forces each replacement, data loss, and security-relevant\n"
     "changes. Exit status 0: no differences, 1: differences, 2: error.\n"
     "The two sides compile at once, on two threads unless --jobs 1.\n",
     "--env --all-envs --format --base --jobs"},
    {"graph", run_graph,
     "usage: infrac graph [--env E] [--format dot|mermaid] SPEC\n"
     "Prints the architecture diagram drawn from the plan: region, VPC, AZs and\n"
     "subnets; gateways and NAT addresses; the load balancer, services, databases,\n"
     "tables, registries and cross-account roles, with the traffic, data access,\n"
     "egress and trust between them. Graphviz renders dot (the default):\n"
     "  infrac graph SPEC | dot -Tsvg > diagram.svg\n",
     "--env --format"},
    {NULL, NULL, NULL, NULL},
};

static void usage(FILE *f) {
  fputs("usage: infrac [--templates DIR] COMMAND [OPTIONS] SPEC...\n\n"
        "Compiles one declarative infrastructure spec into Terraform, CloudFormation,\n"
        "Kubernetes manifests and IAM policies.\n\ncommands:\n", f);
  for (const Command *c = commands; c->name; c++)
    fprintf(f, "  %s\n", c->name);
  fputs("\ninfrac COMMAND --help shows a command's options.\n"
        "--templates DIR reads templates from DIR before the built-in ones.\n", f);
}

static int usage_error(const Command *c, const char *fmt, const char *arg) {
  fputs("infrac: error: ", stderr);
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  if (c)
    fputs(c->usage, stderr);
  else
    usage(stderr);
  return EXIT_INVALID;
}

static bool accepts(const Command *c, const char *flag) {
  const char *p = c->flags;
  size_t n = strlen(flag);
  while ((p = strstr(p, flag))) {
    if ((p == c->flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
      return true;
    p += n;
  }
  return false;
}

int main(int argc, char **argv) {
  int i = 1;
  while (i < argc && argv[i][0] == '-') {
    if (!strcmp(argv[i], "--version")) {
      printf("infrac %s\n", INFRAC_VERSION);
      return EXIT_OK;
    }
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return EXIT_OK;
    }
    if (!strcmp(argv[i], "--templates") && i + 1 < argc) {
      tmpl_set_dir(argv[i + 1]);
      i += 2;
      continue;
    }
    return usage_error(NULL, "unknown option '%s'", argv[i]);
  }
  if (i >= argc)
    return usage_error(NULL, "%s", "no command given");
  const Command *cmd = NULL;
  for (const Command *c = commands; c->name; c++)
    if (!strcmp(c->name, argv[i]))
      cmd = c;
  if (!cmd)
    return usage_error(NULL, "unknown command '%s'", argv[i]);
  Options o = {.command = cmd->name};
  o.specs = calloc((size_t)argc, sizeof(char *));
  if (!o.specs)
    return EXIT_INVALID;
  int status = EXIT_INVALID;
  for (i++; i < argc; i++) {
    const char *f = argv[i];
    const char *val = NULL;
    if (f[0] != '-' || !strcmp(f, "-")) {
      o.specs[o.nspecs++] = f;
      continue;
    }
    if (!strcmp(f, "--help") || !strcmp(f, "-h")) {
      fputs(cmd->usage, stdout);
      status = EXIT_OK;
      goto done;
    }
    if (!strcmp(f, "--")) {
      while (++i < argc)
        o.specs[o.nspecs++] = argv[i];
      break;
    }
    /* --flag=value or --flag value */
    char name[64];
    const char *eq = strchr(f, '=');
    size_t n = eq ? (size_t)(eq - f) : strlen(f);
    if (n >= sizeof name) {
      status = usage_error(cmd, "unknown option '%s'", f);
      goto done;
    }
    memcpy(name, f, n);
    name[n] = '\0';
    if (!accepts(cmd, name)) {
      status = usage_error(cmd, "unknown option '%s'", name);
      goto done;
    }
    bool boolean = !strcmp(name, "--all-envs") || !strcmp(name, "--strict");
    if (!boolean) {
      if (eq)
        val = eq + 1;
      else if (i + 1 < argc)
        val = argv[++i];
      else {
        status = usage_error(cmd, "option '%s' needs a value", name);
        goto done;
      }
    }
    if (!strcmp(name, "--env"))
      o.env = val;
    else if (!strcmp(name, "--all-envs"))
      o.all_envs = true;
    else if (!strcmp(name, "--format"))
      o.format = val;
    else if (!strcmp(name, "--target"))
      o.targets = val;
    else if (!strcmp(name, "-o"))
      o.out_dir = val;
    else if (!strcmp(name, "--base"))
      o.base = val;
    else if (!strcmp(name, "--explain"))
      o.explain = val;
    else if (!strcmp(name, "--strict"))
      o.strict = true;
    else if (!strcmp(name, "--jobs")) {
      char *end = NULL;
      errno = 0;
      long n = val ? strtol(val, &end, 10) : 0;
      if (errno || end == val || *end || n < 1 || n > JOBS_MAX) {
        status = usage_error(cmd, "--jobs takes a number of threads from 1 to 64, found '%s'", val);
        goto done;
      }
      jobs_set((int)n);
    }
  }
  if (o.env && o.all_envs) {
    status = usage_error(cmd, "%s", "--env and --all-envs exclude each other");
    goto done;
  }
  if (o.nspecs == 0 && !o.explain) {
    status = usage_error(cmd, "%s", "no SPEC given");
    goto done;
  }
  status = cmd->run(&o);
done:
  free(o.specs);
  return status;
}
