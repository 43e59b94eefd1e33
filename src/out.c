/*
 * out: write emitted files so that a reader never sees a half-written
 * target folder. Files go to a temporary folder beside the target, are
 * synced, and the folder is swapped in with renameat2(RENAME_EXCHANGE)
 * (or a plain rename when there was none). A crash, a full disk or SIGINT
 * leaves either the old folder or the new one, and stale temporary
 * folders are removed by the next run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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
  /* Start writing it back now; sync_files waits for all of it at once. */
  sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
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

/* Remove temporary folders and files an interrupted run left behind. */
static void sweep(const char *dir, const char *prefix) {
  DIR *d = opendir(dir);
  if (!d)
    return;
  struct dirent *e;
  size_t n = strlen(prefix);
  while ((e = readdir(d)))
    if (!strncmp(e->d_name, prefix, n) && strstr(e->d_name, ".tmp-")) {
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

/* Files that live in the environment folder itself (diagrams): each one
 * is written beside its final name and renamed over it. */
static bool commit_loose(Diags *d, const char *env_dir, Output *o) {
  Arena *a = o->arena;
  const char **tmps = arena_alloc(a, sizeof(char *) * (size_t)(o->files.len + 1));
  for (int i = 0; i < o->files.len; i++) {
    OutFile *f = o->files.items[i];
    tmps[i] = arena_printf(a, "%s/.%s.tmp-%d", env_dir, f->path, (int)getpid());
    if (!write_file(tmps[i], f->data, f->len)) {
      int e = errno;
      for (int k = 0; k <= i; k++)
        unlink(tmps[k]);
      errno = e;
      return fail(d, arena_printf(a, "%s/%s", env_dir, f->path), "write");
    }
  }
  if (!sync_files(env_dir)) {
    int e = errno;
    for (int k = 0; k < o->files.len; k++)
      unlink(tmps[k]);
    errno = e;
    return fail(d, env_dir, "write");
  }
  for (int i = 0; i < o->files.len; i++) {
    OutFile *f = o->files.items[i];
    const char *final = arena_printf(a, "%s/%s", env_dir, f->path);
    const char *tmp = tmps[i];
    if (rename(tmp, final) != 0) {
      int e = errno;
      unlink(tmp);
      errno = e;
      return fail(d, final, "replace");
    }
  }
  sync_dir(env_dir);
  return true;
}

bool out_commit(Diags *d, const char *env_dir, const Target *t, Output *o) {
  Arena *a = o->arena;
  if (!mkdirs(env_dir))
    return fail(d, env_dir, "create the folder");
  if (!*t->dir)
    return commit_loose(d, env_dir, o);
  sweep(env_dir, arena_printf(a, ".%s", t->dir));
  const char *final = arena_printf(a, "%s/%s", env_dir, t->dir);
  const char *tmp = arena_printf(a, "%s/.%s.tmp-%d", env_dir, t->dir, (int)getpid());
  rm_tree(tmp);
  if (mkdir(tmp, 0777) != 0)
    return fail(d, tmp, "create the folder");
  for (int i = 0; i < o->files.len; i++) {
    OutFile *f = o->files.items[i];
    const char *path = arena_printf(a, "%s/%s", tmp, f->path);
    const char *slash = strrchr(f->path, '/');
    if (slash && !mkdirs(arena_printf(a, "%s/%.*s", tmp, (int)(slash - f->path), f->path))) {
      int e = errno;
      rm_tree(tmp);
      errno = e;
      return fail(d, path, "create the folder");
    }
    if (!write_file(path, f->data, f->len)) {
      int e = errno;
      rm_tree(tmp);
      errno = e;
      return fail(d, arena_printf(a, "%s/%s", final, f->path), "write");
    }
  }
  if (!sync_files(tmp)) {
    int e = errno;
    rm_tree(tmp);
    errno = e;
    return fail(d, final, "write");
  }
  struct stat st;
  if (lstat(final, &st) == 0) {
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_EXCHANGE) != 0) {
      int e = errno;
      rm_tree(tmp);
      errno = e;
      return fail(d, final, "replace");
    }
    rm_tree(tmp);   /* now the previous output */
  } else if (rename(tmp, final) != 0) {
    int e = errno;
    rm_tree(tmp);
    errno = e;
    return fail(d, final, "create");
  }
  sync_dir(env_dir);
  return true;
}
