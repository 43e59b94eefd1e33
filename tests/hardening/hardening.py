"""What the hardening suites share: where infrac is, how to run it with a
time limit and its peak memory, and how to tell a clean refusal from a
crash.

A run is clean when infrac exits 0, 1 or 2 (never a signal, never another
status), within its time limit, and no sanitizer said anything.
"""
import os
import signal
import subprocess
import time

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
INFRAC = os.environ.get("INFRAC") or os.path.join(TOP, "build", "infrac")
if not os.path.isfile(INFRAC):
    raise SystemExit("hardening: no infrac at %s (set INFRAC, or build first)" % INFRAC)

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:", "Segmentation fault", "Aborted")


class Run:
    def __init__(self, args, returncode, stdout, stderr, seconds, max_rss_kib):
        self.args, self.returncode = args, returncode
        self.stdout, self.stderr = stdout, stderr
        self.seconds, self.max_rss_kib = seconds, max_rss_kib

    def why_unclean(self, timeout):
        if self.returncode is None:
            return "still running after %d s (a hang)" % timeout
        if self.returncode < 0:
            return "killed by signal %d" % -self.returncode
        if self.returncode not in (0, 1, 2):
            return "exit status %d" % self.returncode
        for mark in SANITIZER_MARKS:
            if mark in self.stderr:
                return "sanitizer report: " + mark
        return None


def run(args, cwd=None, timeout=60, env=None, preexec_fn=None):
    """Run infrac with 'args', output to temporary files; the peak RSS is
    this child's own, from wait4."""
    import tempfile
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen([INFRAC] + list(args), cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, env=env, preexec_fn=preexec_fn)
        status, rusage = None, None
        while time.monotonic() - start < timeout:
            pid, st, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status, rusage = st, ru
                break
            time.sleep(0.005)
        seconds = time.monotonic() - start
        if status is None:
            proc.kill()
            os.wait4(proc.pid, 0)
        proc.returncode = 0   # reaped here; keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        o = out.read().decode("utf-8", "replace")
        e = err.read().decode("utf-8", "replace")
    if status is None:
        return Run(args, None, o, e, seconds, 0)
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return Run(args, code, o, e, seconds, rusage.ru_maxrss)


def files_under(d):
    out = {}
    for root, _, names in os.walk(d):
        for n in names:
            p = os.path.join(root, n)
            with open(p, "rb") as f:
                out[os.path.relpath(p, d)] = f.read()
    return out


def ignore_sigxfsz():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
