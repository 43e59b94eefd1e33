"""Limits: hostile or oversized input is a clear error, never a crash.

Each case writes an input just past one limit, runs `infrac check` on it
and requires exit status 2, the limit's message with a file:line:col (or
the file) in front, a clean run (no signal, no sanitizer report), and an
answer within TIME_LIMIT seconds; `infrac build` of it must write nothing.
Cases just under a limit must be accepted, so the limit is where it says.

  nesting depth     YAML flow and block, JSON arrays and objects, 100000 deep
                    (a recursive reader would overflow the stack)
  file size         the spec itself and an include, one byte past 8 MiB
  include depth     a chain of 17 includes; 16 pass
  include fan-out   each file including the next twice, 15 levels deep:
                    2^15 reads without a budget
  alias expansion   a billion laughs
  sections          10001 services; 10000 pass (bench/gen 5000 needs 5000)
  resources         services that all reach one another: 300,000
                    resources without PLAN_MAX_RESOURCES
  long values       a 4 MiB string and a 100,000-byte key

Run: INFRAC=build/infrac python3 -m unittest -v test_limits
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import hardening

TIME_LIMIT = 60   # seconds; generous for a sanitized build on a loaded CI machine
POSITION = re.compile(r"^\S+?:(\d+:\d+:)? error", re.M)


class TestLimits(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="infrac-limits-")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def write(self, name, data):
        path = os.path.join(self.work, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return path

    def run_ok(self, args, timeout=TIME_LIMIT):
        r = hardening.run(args, cwd=self.work, timeout=timeout)
        why = r.why_unclean(timeout)
        self.assertIsNone(why, "infrac %s: %s\n%s" % (" ".join(args), why, r.stderr[-2000:]))
        return r

    def refused(self, spec, message, timeout=TIME_LIMIT):
        r = self.run_ok(["check", spec], timeout)
        self.assertEqual(r.returncode, 2, r.stderr[-2000:])
        self.assertIn(message, r.stderr)
        self.assertRegex(r.stderr, POSITION, "the error names no file and position")
        self.assertLess(r.seconds, timeout)
        out = os.path.join(self.work, "out")
        b = self.run_ok(["build", "-o", out, spec], timeout)
        self.assertEqual(b.returncode, 2, b.stderr[-2000:])
        self.assertEqual(hardening.files_under(out) if os.path.isdir(out) else {}, {},
                         "a refused build wrote files")
        return r

    def accepted(self, spec):
        r = self.run_ok(["check", spec])
        self.assertIn(r.returncode, (0, 1), r.stderr[-2000:])
        return r

    HEAD = 'infrac: 1\nname: lim\nregion: us-east-1\naccount: "123456789012"\n'
    NET = "network: {cidr: 10.0.0.0/16, azs: 2, nat: single, flow_logs: false, nacls: false}\n"

    # ---- nesting depth ----

    def test_yaml_flow_nesting(self):
        self.refused(self.write("spec.yaml", self.HEAD + "tags: " + "[" * 100000 + "\n"),
                     "nesting deeper than 64")

    def test_yaml_block_nesting(self):
        deep = "".join("  " * i + "k%d:\n" % i for i in range(70)) + "  " * 70 + "x: 1\n"
        self.refused(self.write("spec.yaml", self.HEAD + "tags:\n" + "".join("  " + l + "\n" for l in deep.splitlines())),
                     "nesting deeper than 64")

    def test_json_nesting(self):
        for name, text in (("a.json", '{"infrac": 1, "tags": ' + "[" * 100000 + "]" * 100000 + "}"),
                           ("o.json", '{"infrac": 1, "tags": ' + '{"a": ' * 100000 + "1" + "}" * 100001)):
            with self.subTest(name=name):
                self.refused(self.write(name, text), "nesting deeper than 64")

    def test_nesting_just_under(self):
        # 63 collections below the root map: allowed by the loader, then
        # refused by validation for what it is, not for its depth
        spec = self.write("spec.yaml", self.HEAD + "checks: " + "[" * 62 + "]" * 62 + "\n")
        r = self.run_ok(["check", spec])
        self.assertNotIn("nesting deeper", r.stderr)

    # ---- file size ----

    def test_file_size(self):
        big = self.HEAD + "# " + "x" * (8 * 1024 * 1024) + "\n"
        self.refused(self.write("spec.yaml", big), "larger than the 8 MiB limit")
        self.write("frag.yaml", big[len(self.HEAD):])
        self.refused(self.write("inc.yaml", self.HEAD + "include: [frag.yaml]\n"), "larger than the 8 MiB limit")

    def test_file_size_just_under(self):
        spec = self.HEAD + "#"
        spec += "x" * (8 * 1024 * 1024 - len(spec) - 1) + "\n"
        self.assertEqual(len(spec), 8 * 1024 * 1024)
        self.accepted(self.write("spec.yaml", spec))

    # ---- includes ----

    def chain(self, n):
        for i in range(n):
            nxt = "include: [c%02d.yaml]\n" % (i + 1) if i + 1 < n else "tags: {deep: yes}\n"
            self.write("c%02d.yaml" % i, nxt)
        return self.write("spec.yaml", self.HEAD + "include: [c00.yaml]\n")

    def test_include_depth(self):
        self.refused(self.chain(17), "includes nest deeper than 16 files")

    def test_include_depth_just_under(self):
        self.accepted(self.chain(16))

    def test_include_fan_out(self):
        for i in range(15):
            self.write("f%02d.yaml" % i, "include: [f%02d.yaml, f%02d.yaml]\n" % (i + 1, i + 1))
        self.write("f15.yaml", "tags: {a: b}\n")
        r = self.refused(self.write("spec.yaml", self.HEAD + "include: [f00.yaml, f00.yaml]\n"),
                         "the includes read more than")
        self.assertLess(r.seconds, 10, "the read budget should stop this early")

    # ---- expansion ----

    def test_alias_bomb(self):
        lol = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for i in range(1, 9):
            lol += "%s: &%s [%s]\n" % (chr(97 + i), chr(97 + i), ", ".join(["*" + chr(96 + i)] * 10))
        self.refused(self.write("spec.yaml", self.HEAD + "checks:\n" + "".join("  " + l + "\n" for l in lol.splitlines())),
                     "more than 1000000 nodes")

    # ---- sections and resources ----

    def services(self, n, access=None):
        lines = ["services:"]
        for i in range(n):
            acc = access(i) if access else ""
            lines.append("  s%05d: {image: \"a/b:1\", port: 8080%s}" % (i, acc))
        return "\n".join(lines) + "\n"

    def test_sections(self):
        self.refused(self.write("spec.yaml", self.HEAD + self.NET + self.services(10001)),
                     "a spec holds at most 10000 services, found 10001")

    def test_resources(self):
        n = 260   # 260 * 259 grants, two security group rules each: 134,680
        mesh = lambda i: ", access: [%s]" % ", ".join("{service: s%05d}" % j for j in range(n) if j != i)
        r = self.refused(self.write("spec.yaml", self.HEAD + self.NET + self.services(n, mesh)),
                         "the spec makes more than 100000 resources")
        self.assertLess(r.max_rss_kib, 3 * 1024 * 1024, "stopping at the limit should bound memory")

    def test_big_spec_accepted(self):
        # the benchmark's largest size must stay within every limit
        text = subprocess.run([sys.executable, os.path.join(hardening.TOP, "bench", "gen"), "5000"],
                              check=True, capture_output=True).stdout
        r = self.run_ok(["plan", self.write("spec.yaml", text)], timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])

    # ---- long values ----

    def test_long_values(self):
        spec = self.write("spec.yaml", self.HEAD + "tags: {big: \"" + "v" * (4 * 1024 * 1024) + "\"}\n" +
                          "k" * 100000 + ": 1\n")
        r = self.run_ok(["check", spec])
        self.assertEqual(r.returncode, 2, r.stderr[-2000:])
        self.assertLess(len(r.stderr), 200000, "an error quotes a long line in full")


if __name__ == "__main__":
    unittest.main()
