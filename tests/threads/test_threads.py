"""Threads change nothing a user sees.

build compiles every environment and then emits every target on several
threads, and diff compiles its two sides at once (src/jobs.h). Each piece
has its own arena and diagnostics, merged in a fixed order, so the files,
their bytes, stderr and the exit status must be what one thread gives.

  Same     every spec and example (--all-envs, every target), every error
           case, a generated spec of 100 services and every diff case, run
           with --jobs 1 and with --jobs 8 (more threads than pieces or
           CPUs, so pieces finish in every order): everything compared
  Races    the same runs, by a ThreadSanitizer build (INFRAC_TSAN=1): any
           data race ends the run with status 66 and a report

Run: INFRAC=build/infrac python3 -m unittest -v test_threads
"""
import glob
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "hardening"))
from hardening import files_under  # noqa: E402  (relative path -> bytes of every file)
INFRAC = os.environ.get("INFRAC") or os.path.join(TOP, "build", "infrac")
TSAN = os.environ.get("INFRAC_TSAN") == "1"
TIMEOUT = 600


def read_args(folder):
    """A case's extra arguments (its args file), or none."""
    path = os.path.join(folder, "args")
    if not os.path.isfile(path):
        return []
    with open(path) as f:
        return f.read().split()


def specs():
    """Every spec and example, and every error case, with its extra args."""
    found = [(p, []) for p in sorted(glob.glob(os.path.join(TOP, "specs", "*.yaml")))]
    for d in sorted(glob.glob(os.path.join(TOP, "examples", "*"))):
        for name in ("spec.yaml", "spec.json"):
            if os.path.isfile(os.path.join(d, name)):
                found.append((os.path.join(d, name), []))
    for d in sorted(glob.glob(os.path.join(TOP, "tests", "errors", "*"))):
        for name in ("spec.yaml", "spec.yml", "spec.json"):
            if os.path.isfile(os.path.join(d, name)):
                found.append((os.path.join(d, name), read_args(d)))
                break
    return found


def diff_cases():
    for d in sorted(glob.glob(os.path.join(TOP, "tests", "diff", "*"))):
        if os.path.isfile(os.path.join(d, "new.yaml")):
            args = read_args(d)
            old = "old.yaml" if os.path.isfile(os.path.join(d, "old.yaml")) else "/dev/null"
            yield d, args + [old, "new.yaml"]


def run(args, cwd):
    p = subprocess.run([INFRAC] + args, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=TIMEOUT)
    if TSAN and (p.returncode == 66 or b"ThreadSanitizer" in p.stderr):
        raise AssertionError("data race in infrac %s (in %s):\n%s" %
                             (" ".join(args), cwd, p.stderr.decode(errors="replace")))
    return p


def generated(work, n):
    path = os.path.join(work, "gen%d.yaml" % n)
    changed = os.path.join(work, "gen%d-changed.yaml" % n)
    gen = os.path.join(TOP, "bench", "gen")
    with open(path, "wb") as f:
        f.write(subprocess.run([sys.executable, gen, str(n)], check=True, capture_output=True).stdout)
    with open(changed, "wb") as f:
        f.write(subprocess.run([sys.executable, gen, str(n), "--changed", "1"], check=True,
                               capture_output=True).stdout)
    return path, changed


class Same(unittest.TestCase):
    jobs = ["1", "8"]

    def build_both(self, spec, args):
        """Build with each --jobs value; the runs, to compare."""
        results = []
        with tempfile.TemporaryDirectory() as work:
            for j in self.jobs:
                out = os.path.join(work, "out-" + j)
                p = run(["build", "--jobs", j, "--target", "all"] + args + ["-o", out, spec],
                        cwd=os.path.dirname(spec))
                results.append((j, p, files_under(out) if os.path.isdir(out) else {}))
        return results

    def assert_same(self, what, results):
        (j0, p0, t0) = results[0]
        for (j, p, t) in results[1:]:
            self.assertEqual(p0.returncode, p.returncode, "%s: exit status, --jobs %s vs %s" % (what, j0, j))
            self.assertEqual(p0.stderr.decode(), p.stderr.decode(), "%s: stderr, --jobs %s vs %s" % (what, j0, j))
            self.assertEqual(sorted(t0), sorted(t), "%s: files written, --jobs %s vs %s" % (what, j0, j))
            for rel in t0:
                self.assertTrue(t0[rel] == t[rel], "%s: %s differs, --jobs %s vs %s" % (what, rel, j0, j))

    def test_specs_examples_and_error_cases(self):
        cases = specs()
        self.assertGreater(len(cases), 80)
        for spec, args in cases:
            with self.subTest(spec=os.path.relpath(spec, TOP)):
                extra = args if args else ["--all-envs"]
                results = self.build_both(spec, extra)
                self.assert_same(os.path.relpath(spec, TOP), results)

    def test_every_environment_of_cartful_in_one_build(self):
        """Three environments, six targets: eighteen emitters at once."""
        spec = os.path.join(TOP, "specs", "cartful.yaml")
        results = self.build_both(spec, ["--all-envs"])
        self.assertEqual(results[0][1].returncode, 0, results[0][1].stderr.decode())
        self.assertGreater(len(results[0][2]), 30)
        self.assert_same("cartful --all-envs", results)

    def test_generated_spec_and_its_refusal(self):
        """100 services: every target but CloudFormation, which refuses the
        size (one emitter failing while the others stage their files)."""
        with tempfile.TemporaryDirectory() as work:
            spec, _ = generated(work, 100)
            ok = self.build_both(spec, ["--target", "plan,terraform,kubernetes,policies,graph"])
            self.assertEqual(ok[0][1].returncode, 0, ok[0][1].stderr.decode())
            self.assert_same("gen 100", ok)
            refused = self.build_both(spec, [])
            self.assertEqual(refused[0][1].returncode, 2)
            self.assertIn(b"cloudformation", refused[0][1].stderr)
            self.assertEqual(refused[0][2], {}, "a refused build wrote files")
            self.assert_same("gen 100, all targets", refused)

    def test_diff_cases(self):
        cases = list(diff_cases())
        self.assertGreater(len(cases), 30)
        for d, args in cases:
            with self.subTest(case=os.path.basename(d)):
                outs = [run(["diff", "--jobs", j, "--format", "json"] + args, cwd=d) for j in self.jobs]
                self.assertIn(outs[0].returncode, (0, 1), outs[0].stderr.decode())
                for p in outs[1:]:
                    self.assertEqual((outs[0].returncode, outs[0].stdout, outs[0].stderr),
                                     (p.returncode, p.stdout, p.stderr))

    def test_diff_of_generated_specs(self):
        with tempfile.TemporaryDirectory() as work:
            spec, changed = generated(work, 100)
            outs = [run(["diff", "--jobs", j, spec, changed], cwd=work) for j in self.jobs]
            self.assertEqual(outs[0].returncode, 1, outs[0].stderr.decode())
            self.assertEqual([(p.returncode, p.stdout, p.stderr) for p in outs[1:]],
                             [(outs[0].returncode, outs[0].stdout, outs[0].stderr)] * (len(outs) - 1))


class Races(Same):
    """Under ThreadSanitizer (run() fails on a report); one --jobs value
    with more threads than CPUs is enough to race, and the comparison with
    one thread still holds."""
    jobs = ["1", "4"]


if __name__ == "__main__":
    unittest.main()
