"""fuzz/regressions/ through the infrac command line.

Every input the fuzzers have ever tripped on (and the hostile inputs kept
beside them) is also run the way a user runs infrac: the files written to
a scratch folder, then check (every format), plan, build --target all,
graph, policy, and diff against the input's new.yaml (or itself). Each
command must end cleanly (exit 0, 1 or 2; no signal, no sanitizer report)
within its time limit, and a build that fails must write no file.

A pipeline input holds several files (fuzz/fuzz.h): the main spec until a
line "#%file NAME". Names are written under a nested scratch folder, so a
name with ".." stays inside it; an absolute name is not written (the fuzz
reader serves it, the file system does not).

Run: INFRAC=build/infrac python3 -m unittest -v test_regressions
"""
import glob
import os
import shutil
import tempfile
import unittest

import hardening

REGRESSIONS = os.path.join(hardening.TOP, "fuzz", "regressions")
MARK = b"#%file "
TIMEOUT = 120


def split(data):
    """(main name, [(name, bytes)]) as fuzz_split does it."""
    main = "spec.json" if data.lstrip(b" \t\r\n")[:1] == b"{" else "spec.yaml"
    files, name, start, pos = [], main, 0, 0
    while pos < len(data):
        nl = data.find(b"\n", pos)
        nxt = len(data) if nl < 0 else nl + 1
        if data.startswith(MARK, pos) and len(data) - pos > len(MARK) and len(files) < 15:
            files.append((name, data[start:pos]))
            name = data[pos + len(MARK):(nl if nl >= 0 else len(data))].decode("utf-8", "replace")[:63]
            start = nxt
        pos = nxt
    files.append((name, data[start:]))
    return main, files


class TestRegressions(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="infrac-regressions-")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def clean(self, args, cwd, what):
        r = hardening.run(args, cwd=cwd, timeout=TIMEOUT)
        why = r.why_unclean(TIMEOUT)
        self.assertIsNone(why, "%s: infrac %s: %s\n%s" % (what, " ".join(args), why, r.stderr[-3000:]))
        return r

    def write(self, root, files):
        for name, data in files:
            if not name or name.startswith("/") or "\0" in name:
                continue
            path = os.path.normpath(os.path.join(root, name))
            if not path.startswith(self.work + os.sep):
                continue
            if os.path.isdir(path):
                continue
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
            except (IsADirectoryError, NotADirectoryError, FileExistsError):
                pass   # a name that is a folder of another: the fuzz reader has no folders

    def run_all(self, root, main, other, what):
        for fmt in ("text", "json", "sarif"):
            self.clean(["check", "--format", fmt, main], root, what)
        self.clean(["plan", "--format", "json", main], root, what)
        self.clean(["graph", main], root, what)
        self.clean(["policy", main], root, what)
        self.clean(["diff", "--format", "json", main, other], root, what)
        out = os.path.join(self.work, "out")
        shutil.rmtree(out, ignore_errors=True)
        r = self.clean(["build", "--target", "all", "--all-envs", "-o", out, main], root, what)
        if r.returncode != 0:
            written = [f for f in hardening.files_under(out)] if os.path.isdir(out) else []
            self.assertEqual(written, [], "%s: a failed build wrote files" % what)

    def test_inputs_run_clean(self):
        count = 0
        for target in ("yaml", "json", "pipeline"):
            paths = sorted(glob.glob(os.path.join(REGRESSIONS, target, "*")))
            self.assertTrue(paths, "no inputs under fuzz/regressions/%s" % target)
            for path in paths:
                with open(path, "rb") as f:
                    data = f.read()
                what = os.path.relpath(path, hardening.TOP)
                root = os.path.join(self.work, "a", "b", "c")
                shutil.rmtree(os.path.join(self.work, "a"), ignore_errors=True)
                os.makedirs(root)
                if target == "pipeline":
                    main, files = split(data)
                else:
                    main, files = ("spec." + target), [("spec." + target, data)]
                self.write(root, files)
                other = "new.yaml" if os.path.isfile(os.path.join(root, "new.yaml")) else main
                with self.subTest(input=what):
                    self.run_all(root, main, other, what)
                count += 1
        self.assertGreater(count, 0)


if __name__ == "__main__":
    unittest.main()
