/*
 * out: write emitted files so that a reader never sees a half-written
 * target folder. Every target's files go to a temporary folder beside the
 * target (out_stage); once all are written they are synced with one
 * syncfs and swapped in together with renameat2(RENAME_EXCHANGE), or a
 * plain rename when there was none (out_finish). A failure, a full disk
 * or SIGINT while writing leaves the previous folders untouched, SIGINT
 * during the swap waits for it to end, and stale temporary folders of an
 * interrupted run are removed by the next one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emit.h"

void out_add(Output *o, const char *path, const char *data, size_t len) {
  OutFile *f = arena_alloc(o->arena, sizeof *f);
  f->path = arena_strdup(o->arena, path);
  f->data = data;
  f->len = len;
  vec_push(o->arena, &o->files, f);
}

const Target *emit_target(const char *name) {
  for (const Target *t = emit_targets; t->name; t++)
    if (!strcmp(t->name, name))
      return t;
  return NULL;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static void rm_tree(const char *path) { nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static bool mkdirs(const char *path) {
  char buf[4096];
  size_t n = strlen(path);
  if (n >= sizeof buf)
    return false;
  memcpy(buf, path, n + 1);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return false;
      *p = '/';
    }
  return mkdir(buf, 0777) == 0 || errno == EEXIST;
}

static bool write_file(const char *path, const char *data, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0)
    return false;
  size_t off = 0;
  while (off < len) {
    ssize_t w = write(fd, data + off, len - off);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      int e = errno;
      close(fd);
      errno = e;
      return false;
    }
    off += (size_t)w;
  }
  /* not synced here: sync_files does every file at once */
  return close(fd) == 0;
}

/* Make every file written so far durable before anything is renamed:
 * one syncfs for the whole folder instead of an fsync per file, which
 * cost a journal commit each (seconds for a thousand services). syncfs
 * reports write-back errors since Linux 5.8. */
static bool sync_files(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return false;
  if (syncfs(fd) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return false;
  }
  return close(fd) == 0;
}

static void sync_dir(const char *path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

/* Remove temporary folders and files an interrupted run left behind
 * (named NAME.tmp-PID-JOB-N), but not what this run has staged. */
static void sweep(const char *dir, const char *prefix) {
  DIR *d = opendir(dir);
  if (!d)
    return;
  struct dirent *e;
  size_t n = strlen(prefix);
  char mine[32];
  snprintf(mine, sizeof mine, ".tmp-%d-", (int)getpid());
  while ((e = readdir(d)))
    if (!strncmp(e->d_name, prefix, n) && strstr(e->d_name, ".tmp-") && !strstr(e->d_name, mine)) {
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      rm_tree(path);
    }
  closedir(d);
}

static bool fail(Diags *d, const char *path, const char *what) {
  diag_error(d, (Pos){.file = path}, NULL, "cannot %s: %s; the previous output is unchanged", what,
             strerror(errno));
  return false;
}

/* ---- signals: an interrupted build removes what it staged ---- */

/* While files are staged, SIGINT, SIGTERM and SIGHUP only set a flag: the
 * write loop stops at the next file, out_finish removes everything staged,
 * and the signal is raised again with its old disposition, so the shell
 * still sees the build killed by it. SIGKILL leaves temporaries, which the
 * next build sweeps. */
static const int caught[] = {SIGINT, SIGTERM, SIGHUP};
static struct sigaction saved[3];
static volatile sig_atomic_t interrupted;
static bool catching;

static void on_signal(int sig) { interrupted = sig; }

static void catch_signals(void) {
  if (catching)
    return;
  catching = true;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 3; i++)
    sigaction(caught[i], &sa, &saved[i]);
}

void out_begin(void) { catch_signals(); }

static void release_signals(void) {
  if (!catching)
    return;
  catching = false;
  for (int i = 0; i < 3; i++)
    sigaction(caught[i], &saved[i], NULL);
  if (interrupted)
    raise(interrupted);
}

static bool stopped(void) {
  if (!interrupted)
    return false;
  errno = EINTR;
  return true;
}

/* ---- staging: everything written beside its final place, then swapped ---- */

typedef struct Staged {
  const char *tmp, *final, *env_dir;
  bool dir;        /* a target folder; else one file of the env folder */
  bool swapped;    /* tmp now holds the previous folder, to be removed */
} Staged;

static void stage_push(Staging *s, const char *tmp, const char *final, const char *env_dir, bool dir) {
  Staged *x = arena_alloc(s->arena, sizeof *x);
  *x = (Staged){tmp, final, env_dir, dir, false};
  vec_push(s->arena, &s->items, x);
}

static void unstage(Staged *x) {
  if (x->dir)
    rm_tree(x->tmp);
  else
    unlink(x->tmp);
}

bool out_stage(Diags *d, Staging *s, const char *env_dir, const Target *t, Output *o) {
  Arena *a = s->arena;
  catch_signals();
  if (!mkdirs(env_dir))
    return fail(d, env_dir, "create the folder");
  int pid = (int)getpid();
  if (!*t->dir) {
    /* Files that live in the environment folder itself (plan.json,
     * diagrams): each one is written beside its final name. */
    for (int i = 0; i < o->files.len; i++) {
      OutFile *f = o->files.items[i];
      sweep(env_dir, arena_printf(a, ".%s", f->path));
      const char *tmp = arena_printf(a, "%s/.%s.tmp-%d-%d-%d", env_dir, f->path, pid, s->job, s->items.len);
      const char *final = arena_printf(a, "%s/%s", env_dir, f->path);
      if (stopped() || !write_file(tmp, f->data, f->len)) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return fail(d, final, "write");
      }
      stage_push(s, tmp, final, env_dir, false);
    }
    return true;
  }
  sweep(env_dir, arena_printf(a, ".%s", t->dir));
  const char *final = arena_printf(a, "%s/%s", env_dir, t->dir);
  /* unique per staged item: one build may stage the same folder twice
   * (two specs of one name), and the last one wins as it always did */
  const char *tmp = arena_printf(a, "%s/.%s.tmp-%d-%d-%d", env_dir, t->dir, pid, s->job, s->items.len);
  rm_tree(tmp);
  if (mkdir(tmp, 0777) != 0)
    return fail(d, tmp, "create the folder");
  const char *made = NULL;   /* the subfolder made for the previous file */
  size_t made_len = 0;
  for (int i = 0; i < o->files.len; i++) {
    OutFile *f = o->files.items[i];
    const char *path = arena_printf(a, "%s/%s", tmp, f->path);
    const char *slash = strrchr(f->path, '/');
    size_t sub = slash ? (size_t)(slash - f->path) : 0;
    bool known = slash && made && sub == made_len && !strncmp(made, f->path, sub);
    if (slash && !known) {
      made = f->path;
      made_len = sub;
    }
    if (slash && !known && !mkdirs(arena_printf(a, "%s/%.*s", tmp, (int)sub, f->path))) {
      int e = errno;
      rm_tree(tmp);
      errno = e;
      return fail(d, path, "create the folder");
    }
    if (stopped() || !write_file(path, f->data, f->len)) {
      int e = errno;
      rm_tree(tmp);
      errno = e;
      return fail(d, arena_printf(a, "%s/%s", final, f->path), "write");
    }
  }
  stage_push(s, tmp, final, env_dir, true);
  return true;
}

/* Each environment folder once, in staging order. */
static bool first_of_env(Staging *s, int i) {
  for (int k = 0; k < i; k++)
    if (!strcmp(((Staged *)s->items.items[k])->env_dir, ((Staged *)s->items.items[i])->env_dir))
      return false;
  return true;
}

bool out_finish(Diags *d, Staging *s, bool ok) {
  int n = s->items.len;
  /* Durable before visible: one syncfs per environment folder covers
   * every file staged there. */
  for (int i = 0; ok && i < n; i++) {
    Staged *x = s->items.items[i];
    if (first_of_env(s, i) && !sync_files(x->env_dir)) {
      fail(d, x->env_dir, "write");
      ok = false;
    }
  }
  if (ok && n && stopped())
    ok = fail(d, ((Staged *)s->items.items[0])->env_dir, "write");
  if (!ok) {
    for (int i = 0; i < n; i++)
      unstage(s->items.items[i]);
    release_signals();
    return false;
  }
  /* The swap: a few renames, with SIGINT, SIGTERM and SIGHUP held back so
   * an interrupted build still leaves either every folder old or every
   * folder new (a signal arriving now is delivered right after). */
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGHUP);
  sigprocmask(SIG_BLOCK, &block, &old);
  for (int i = 0; i < n; i++) {
    Staged *x = s->items.items[i];
    struct stat st;
    int r;
    if (!x->dir)
      r = rename(x->tmp, x->final);
    else if (lstat(x->final, &st) == 0 && (r = renameat2(AT_FDCWD, x->tmp, AT_FDCWD, x->final, RENAME_EXCHANGE)) == 0)
      x->swapped = true;
    else
      r = rename(x->tmp, x->final);
    if (r != 0) {
      int e = errno;
      for (int k = i; k < n; k++)
        unstage(s->items.items[k]);
      errno = e;
      ok = fail(d, x->final, "replace");
      break;
    }
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  for (int i = 0; i < n; i++) {
    Staged *x = s->items.items[i];
    if (x->swapped)
      rm_tree(x->tmp);   /* the previous output */
    if (first_of_env(s, i))
      sync_dir(x->env_dir);
  }
  release_signals();   /* a signal that came during the swap ends the run now */
  return ok;
}

bool out_commit(Diags *d, const char *env_dir, const Target *t, Output *o) {
  Staging s = {.arena = o->arena};
  bool ok = out_stage(d, &s, env_dir, t, o);
  return out_finish(d, &s, ok);
}
