"""The rule registry (templates/checks/rules.yaml) against everything that
describes or exercises it:
- `infrac check --explain ID` for every rule: title, severity, scope, why,
  how to fix, how to skip; an unknown ID fails with a suggestion;
- docs/checks.md has a section for every rule, with its severity and scope,
  and no section for a rule that does not exist;
- every rule has a case that fires it and a case where it stays silent
  (cases/*/covers), proven on each case's SARIF output.
Run from tests/check with INFRAC naming the binary.
"""
import json
import os
import re
import subprocess
import unittest

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
INFRAC = os.environ.get("INFRAC") or os.path.join(TOP, "build", "infrac")
CASES = os.path.join(HERE, "cases")

# Rules no spec can make fire, and the test that fires them instead.
FIRED_ELSEWHERE = {"INF-NET-001": ("test_check.c", "public_exposure")}

with open(os.path.join(TOP, "templates", "checks", "rules.yaml")) as f:
    REGISTRY = yaml.safe_load(f)
RULES = REGISTRY["rules"]


def infrac(*args, cwd=None):
    return subprocess.run([INFRAC, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def scope_text(rule):
    return "production" if rule.get("scope") == "production" else "every environment"


class Explain(unittest.TestCase):
    def test_registry_shape(self):
        self.assertGreaterEqual(len(RULES), 20)
        for rid, rule in RULES.items():
            self.assertRegex(rid, r"^INF-[A-Z]+-\d{3}$")
            self.assertIn(rule["severity"], ("error", "warning", "info"), rid)
            for key in ("title", "message", "why", "fix"):
                self.assertTrue(rule.get(key), f"{rid}: no {key}")
            self.assertNotIn("\n", rule["title"], f"{rid}: the title is one line")

    def test_every_rule(self):
        for rid, rule in RULES.items():
            with self.subTest(rule=rid):
                r = infrac("check", "--explain", rid)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stderr, "")
                out = r.stdout
                self.assertTrue(out.startswith(f"{rid}: {rule['title']}\n"), out[:200])
                self.assertIn(f"Severity: {rule['severity']}\n", out)
                self.assertIn(f"Runs in: {scope_text(rule)}", out)
                for heading in ("Why it matters:", "How to fix:", "How to skip:"):
                    self.assertIn(heading, out)
                self.assertIn(rule["why"].splitlines()[0], out)
                self.assertIn(rule["fix"].splitlines()[0], out)
                if rule.get("skippable", True):
                    self.assertIn(f"checks: {{skip: [{rid}]}}", out)
                else:
                    self.assertIn("cannot be skipped", out)

    def test_unknown_rule(self):
        r = infrac("check", "--explain", "INF-DATA-03")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, "")
        self.assertEqual(r.stderr, "infrac: error: unknown rule 'INF-DATA-03'; did you mean 'INF-DATA-003'?\n")

    def test_explain_takes_no_spec(self):
        r = infrac("check", "--explain", "INF-DATA-003", os.path.join(TOP, "specs", "cartful.yaml"))
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, "")


class Docs(unittest.TestCase):
    def test_every_rule_documented(self):
        with open(os.path.join(TOP, "docs", "checks.md")) as f:
            lines = f.read().splitlines()
        documented = {}
        for i, line in enumerate(lines):
            m = re.match(r"^### (INF-[A-Z]+-\d{3}): (.*)$", line)
            if m:
                following = next(l for l in lines[i + 1:] if l.strip())
                documented[m.group(1)] = (m.group(2), following)
        self.assertEqual(sorted(documented), sorted(RULES), "docs/checks.md sections vs the registry")
        for rid, rule in RULES.items():
            title, meta = documented[rid]
            self.assertEqual(title, rule["title"], rid)
            self.assertIn(f"Severity: **{rule['severity']}**", meta, rid)
            self.assertIn(scope_text(rule), meta, rid)


class Coverage(unittest.TestCase):
    def claims(self):
        out = []
        for case in sorted(os.listdir(CASES)):
            path = os.path.join(CASES, case, "covers")
            if os.path.exists(path):
                with open(path) as f:
                    for line in f:
                        if line.strip():
                            kind, rid = line.split()
                            out.append((case, kind, rid))
        return out

    def sarif_rules(self, case):
        d = os.path.join(CASES, case)
        spec = open(os.path.join(d, "spec-path")).read().strip() if os.path.exists(os.path.join(d, "spec-path")) \
            else next(f for f in ("spec.yaml", "spec.yml", "spec.json") if os.path.exists(os.path.join(d, f)))
        args = open(os.path.join(d, "args")).read().split() if os.path.exists(os.path.join(d, "args")) else []
        glob = ["--templates", "templates"] if os.path.isdir(os.path.join(d, "templates")) else []
        r = infrac(*glob, "check", "--format", "sarif", *args, spec, cwd=d)
        return {res["ruleId"] for res in json.loads(r.stdout)["runs"][0]["results"]}

    def test_claims_hold(self):
        for case, kind, rid in self.claims():
            with self.subTest(case=case, claim=f"{kind} {rid}"):
                self.assertIn(rid, RULES)
                self.assertIn(kind, ("fires", "clean"))
                found = rid in self.sarif_rules(case)
                self.assertEqual(found, kind == "fires")

    def test_every_rule_fires_somewhere_and_is_clean_somewhere(self):
        claims = self.claims()
        for rid in RULES:
            with self.subTest(rule=rid):
                self.assertTrue(any(k == "clean" and r == rid for _, k, r in claims), f"{rid}: no clean case")
                if rid in FIRED_ELSEWHERE:
                    source, test = FIRED_ELSEWHERE[rid]
                    with open(os.path.join(HERE, source)) as f:
                        text = f.read()
                    self.assertIn(rid, text)
                    self.assertIn(f"cmocka_unit_test({test})", text)
                else:
                    self.assertTrue(any(k == "fires" and r == rid for _, k, r in claims), f"{rid}: no firing case")


if __name__ == "__main__":
    unittest.main()
