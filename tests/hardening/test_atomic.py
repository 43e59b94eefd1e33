"""Atomic output: whatever stops a build, out/ holds the previous output.

Each case first builds spec A (every target), keeps a copy of what it
wrote, then stops a build of spec B (same name, different content) in one
of these ways and checks what is left:

  invalid spec      B does not validate: exit 2, out/ exactly A
  full disk         out/ on a tmpfs with room for A but not for B: exit 2,
                    out/ exactly A, no temporary folder left
  file size limit   ulimit -f below B's largest file, SIGXFSZ ignored: the
                    write fails with EFBIG, exit 2, out/ exactly A
                    (and with SIGXFSZ on, the process dies mid-write: out/
                    still exactly A)
  SIGINT, SIGKILL   sent while B's files are being written (as soon as a
                    temporary folder appears): out/ exactly A, and after
                    SIGINT not even a temporary file (SIGKILL leaves them
                    for the next build to sweep); the build dies of the
                    signal, as the shell expects
  SIGINT at random  sent after random delays: out/ is exactly A or exactly
                    B, never a mix of targets, never a half-written folder

After every interrupted build, the next build succeeds and removes the
temporary folders the interrupted one left behind.

The tmpfs needs mount(2) (root in CI); where it cannot be mounted the
case says so and the file-size cases still cover a full disk.

Run: INFRAC=build/infrac python3 -m unittest -v test_atomic
"""
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import hardening

GEN = os.path.join(hardening.TOP, "bench", "gen")
TIMEOUT = 300


def gen(n, changed=0.0):
    args = [sys.executable, GEN, str(n), "--name", "atom"]
    if changed:
        args += ["--changed", str(changed)]
    return subprocess.run(args, check=True, capture_output=True).stdout


def temporaries(out):
    found = []
    for root, dirs, files in os.walk(out):
        found += [os.path.join(root, x) for x in dirs + files if ".tmp-" in x]
    return found


class TestAtomic(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="infrac-atomic-")
        cls.a_spec = os.path.join(cls.work, "a.yaml")
        cls.b_spec = os.path.join(cls.work, "b.yaml")
        # B is big enough that writing it takes a while (about 600 files)
        with open(cls.a_spec, "wb") as f:
            f.write(gen(20))
        with open(cls.b_spec, "wb") as f:
            f.write(gen(200, changed=50))
        # Every target that takes B (CloudFormation refuses a stack this big)
        r = hardening.run(["build", "--target", "?", "-o", cls.work, cls.a_spec])
        names = r.stderr.split("choose from ", 1)[1].split(";")[0].strip().split(", ")
        cls.targets = [t for t in names if t != "all" and hardening.run(
            ["build", "--target", t, "-o", os.path.join(cls.work, "probe"), cls.b_spec], timeout=TIMEOUT).returncode == 0]
        assert "plan" in cls.targets and len(cls.targets) >= 3, cls.targets
        cls.a = cls.build_into(os.path.join(cls.work, "ref-a"), cls.a_spec)
        cls.b = cls.build_into(os.path.join(cls.work, "ref-b"), cls.b_spec)
        assert cls.a and cls.b and cls.a != cls.b

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    @staticmethod
    def build_into(out, spec):
        r = hardening.run(["build", "--target", ",".join(TestAtomic.targets), "-o", out, spec], timeout=TIMEOUT)
        if r.returncode != 0:
            raise AssertionError("build of %s failed: %s" % (spec, r.stderr[-2000:]))
        return hardening.files_under(out)

    def fresh_out(self):
        out = tempfile.mkdtemp(prefix="out-", dir=self.work)
        self.assertEqual(self.build_into(out, self.a_spec), self.a)
        return out

    def assertIsA(self, out, what, temporaries_too=True):
        now = hardening.files_under(out)
        if not temporaries_too:   # SIGKILL: what it staged stays until the next build
            now = {k: v for k, v in now.items() if ".tmp-" not in k}
        if now != self.a:
            changed = sorted(k for k in set(now) | set(self.a) if now.get(k) != self.a.get(k))
            self.fail("%s: out/ is not the previous output; %d files differ, e.g. %s" %
                      (what, len(changed), changed[:5]))

    def assertRecovers(self, out, what):
        again = self.build_into(out, self.b_spec)
        self.assertEqual(again, self.b, what + ": the next build did not write B")
        self.assertEqual(temporaries(out), [], what + ": temporary folders left after the next build")

    def clean_failure(self, r, what):
        why = r.why_unclean(TIMEOUT)
        self.assertIsNone(why, "%s: %s\n%s" % (what, why, r.stderr[-2000:]))
        self.assertEqual(r.returncode, 2, "%s: exit %s\n%s" % (what, r.returncode, r.stderr[-2000:]))
        self.assertIn("the previous output is unchanged", r.stderr)

    # ---- failures ----

    def test_invalid_spec(self):
        out = self.fresh_out()
        bad = os.path.join(self.work, "bad.yaml")
        with open(self.b_spec) as f, open(bad, "w") as g:
            g.write(f.read().replace("  cidr: ", "  cidr_block: ", 1))
        r = hardening.run(["build", "--target", ",".join(self.targets), "-o", out, bad], timeout=TIMEOUT)
        self.assertEqual(r.returncode, 2, r.stderr[-2000:])
        self.assertIsA(out, "invalid spec")
        self.assertEqual(temporaries(out), [])

    def test_full_disk_tmpfs(self):
        mnt = tempfile.mkdtemp(prefix="tmpfs-", dir=self.work)
        size_a = sum(len(v) for v in self.a.values())
        size_b = sum(len(v) for v in self.b.values())
        size = size_a * 3 + 256 * 1024   # A and its metadata fit; B does not
        self.assertLess(size, size_b)
        m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d" % size, "tmpfs", mnt],
                           capture_output=True, text=True)
        if m.returncode != 0:
            print("test_full_disk_tmpfs: cannot mount a tmpfs here (%s); the ulimit -f cases "
                  "cover a full disk" % m.stderr.strip(), file=sys.stderr)
            return
        try:
            out = os.path.join(mnt, "out")
            self.assertEqual(self.build_into(out, self.a_spec), self.a)
            r = hardening.run(["build", "--target", ",".join(self.targets), "-o", out, self.b_spec],
                              timeout=TIMEOUT)
            self.clean_failure(r, "full tmpfs")
            self.assertIn("No space left on device", r.stderr)
            self.assertIsA(out, "full tmpfs")
            self.assertEqual(temporaries(out), [], "a failed build left temporary folders")
        finally:
            subprocess.run(["umount", mnt], check=True)

    def test_file_size_limit(self):
        out = self.fresh_out()
        biggest_a = max(len(v) for v in self.a.values())
        limit = biggest_a + 4096   # A's files fit, B's largest does not
        self.assertLess(limit, max(len(v) for v in self.b.values()))

        def limited():
            hardening.ignore_sigxfsz()
            import resource
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        r = hardening.run(["build", "--target", ",".join(self.targets), "-o", out, self.b_spec],
                          timeout=TIMEOUT, preexec_fn=limited)
        self.clean_failure(r, "ulimit -f")
        self.assertIn("File too large", r.stderr)
        self.assertIsA(out, "ulimit -f")
        self.assertEqual(temporaries(out), [], "a failed build left temporary folders")

    def test_file_size_signal(self):
        out = self.fresh_out()
        limit = max(len(v) for v in self.a.values()) + 4096

        def limited():
            import resource
            signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        r = hardening.run(["build", "--target", ",".join(self.targets), "-o", out, self.b_spec],
                          timeout=TIMEOUT, preexec_fn=limited)
        self.assertEqual(r.returncode, -signal.SIGXFSZ, r.stderr[-2000:])
        self.assertIsA(out, "killed by SIGXFSZ", temporaries_too=False)   # like SIGKILL
        self.assertRecovers(out, "killed by SIGXFSZ")

    # ---- signals ----

    def interrupt(self, out, sig, delay=None):
        """Start building B into out; send 'sig' after 'delay' seconds, or
        as soon as a temporary folder appears. True when it was sent while
        the build was still running."""
        proc = subprocess.Popen([hardening.INFRAC, "build", "--target", ",".join(self.targets), "-o", out,
                                 self.b_spec],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        env_dir = os.path.join(out, "atom", "base")
        start = time.monotonic()
        sent = False
        while proc.poll() is None and time.monotonic() - start < TIMEOUT:
            if delay is not None:
                if time.monotonic() - start >= delay:
                    proc.send_signal(sig)
                    sent = True
                    break
            elif os.path.isdir(env_dir) and any(".tmp-" in x for x in os.listdir(env_dir)):
                proc.send_signal(sig)
                sent = True
                break
            time.sleep(0.0005)
        _, err = proc.communicate(timeout=TIMEOUT)
        for mark in hardening.SANITIZER_MARKS[:4]:
            self.assertNotIn(mark, err.decode("utf-8", "replace"))
        return sent and proc.returncode == -sig

    def test_sigint_while_writing(self):
        for sig in (signal.SIGINT, signal.SIGKILL):
            with self.subTest(signal=sig.name):
                out = self.fresh_out()
                if not self.interrupt(out, sig):
                    self.fail("the build ended before %s could be sent mid-write" % sig.name)
                # SIGINT removes what was staged; SIGKILL cannot
                self.assertIsA(out, sig.name + " mid-write", temporaries_too=sig != signal.SIGKILL)
                self.assertRecovers(out, sig.name + " mid-write")

    def test_sigint_at_random(self):
        rng = random.Random(1234)
        start = time.monotonic()
        self.build_into(os.path.join(self.work, "timing"), self.b_spec)
        total = time.monotonic() - start
        outcomes = {"A": 0, "B": 0}
        for _ in range(5):
            out = self.fresh_out()
            self.interrupt(out, signal.SIGINT, delay=rng.uniform(0, total * 1.2))
            now = hardening.files_under(out)
            if now == self.a:
                outcomes["A"] += 1
            elif now == self.b:
                outcomes["B"] += 1
            else:
                changed = sorted(k for k in set(now) | set(self.a) if now.get(k) != self.a.get(k))
                self.fail("SIGINT left a mix of A and B: %s" % changed[:8])
            self.assertRecovers(out, "SIGINT at random")
        self.assertGreater(outcomes["A"], 0, outcomes)


if __name__ == "__main__":
    unittest.main()
