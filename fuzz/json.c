/*
 * fuzz/json: the JSON loader (load.c) on arbitrary bytes, then the
 * diagnostics printer (diag.c), which quotes source lines and places
 * carets by column and so reads the same bytes again.
 *
 * Assumes nothing about the input: any bytes, NULs included, of any
 * length. A crash, a leak, a sanitizer report or a slow input is a bug.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Arena *a = arena_new();
  Diags d;
  diag_init(&d, a);
  /* A NUL after the text, as file_read leaves it. */
  char *text = arena_strndup(a, (const char *)data, size);
  Value *v = spec_load_text(a, &d, "fuzz.json", text, size, true);
  if (v) {
    Buf b;
    buf_init(&b);
    val_write_text(&b, v);
    buf_release(&b);
  }
  diag_print(&d, fuzz_devnull());
  arena_free(a);
  return 0;
}
