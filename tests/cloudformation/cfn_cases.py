"""The CloudFormation templates under test, built fresh by the infrac under test.

Every spec in specs/ and examples/ is built with --target cloudformation
--all-envs into one temporary folder (one infrac run per spec, milliseconds
each), and each template is paired with its plan (`infrac plan --format
json`), so tests compare the template with the plan and the contract, never
with a copy of earlier output.

INFRAC names the binary (ctest sets it); the default is build/infrac.
"""

import atexit
import glob
import json
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
INFRAC = os.environ.get("INFRAC", os.path.join(TOP, "build", "infrac"))


def scratch(prefix="infrac-cfn-"):
    """A temporary folder removed when the test process ends."""
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, True)
    return path


def spec_files():
    """Every spec golden-check builds: examples/*/spec.{yaml,json}, specs/*.{yaml,json}."""
    found = []
    for pattern in ("examples/*/spec.yaml", "examples/*/spec.json", "specs/*.yaml", "specs/*.json"):
        found += sorted(glob.glob(os.path.join(TOP, pattern)))
    if not found:
        raise RuntimeError("no specs found under %s" % TOP)
    return found


def run(args, **kw):
    """Run infrac; a failure raises with its stderr."""
    if not os.path.exists(INFRAC):
        raise RuntimeError("infrac binary not found at %s (set INFRAC)" % INFRAC)
    proc = subprocess.run([INFRAC] + args, capture_output=True, **kw)
    if proc.returncode != 0:
        raise RuntimeError("infrac %s: exit %d\n%s" % (" ".join(args), proc.returncode,
                                                        proc.stderr.decode(errors="replace")))
    return proc


class Case:
    """One template: spec, environment, the template path and text, its plan."""

    def __init__(self, spec, name, env, path):
        self.spec, self.name, self.env, self.path = spec, name, env, path
        with open(path, "rb") as f:
            self.body = f.read()
        self.template = json.loads(self.body)
        args = ["plan", "--format", "json", spec]
        if env != "base":
            args[1:1] = ["--env", env]
        self.plan = json.loads(run(args).stdout)

    @property
    def label(self):
        return "%s/%s" % (self.name, self.env)

    def resources(self, kind):
        return [r for r in self.plan["resources"] if r["kind"] == kind]

    def of_type(self, cfn_type):
        return {lid: r for lid, r in self.template["Resources"].items() if r["Type"] == cfn_type}


def build_spec(spec, dest):
    """Build one spec in every environment into dest; its Cases."""
    run(["build", "--target", "cloudformation", "--all-envs", "-o", dest, spec])
    cases = []
    for path in sorted(glob.glob(os.path.join(dest, "*", "*", "cloudformation", "*.json"))):
        parts = path[len(dest) + 1:].split(os.sep)
        cases.append(Case(spec, parts[0], parts[1], path))
    return cases


def build_cases(out_dir=None):
    """Build every spec in every environment; a list of Case, sorted by label."""
    out_dir = out_dir or scratch()
    cases = []
    for i, spec in enumerate(spec_files()):
        cases += build_spec(spec, os.path.join(out_dir, "%02d" % i))
    return sorted(cases, key=lambda c: c.label)
