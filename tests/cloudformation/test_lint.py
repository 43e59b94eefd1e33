"""cfn-lint finds nothing at all in any generated template.

Every spec in specs/ and examples/, in every environment, is built fresh
(cfn_cases) and linted in one cfn-lint run with its default rules. Any
finding (error, warning or informational) fails the test: there is no
tolerated rule and no tolerated template. A spec whose database asks for
an engine version that AWS has deprecated is fixed in the spec.

The same run lints one deliberately broken copy of a template (its
database moved to a version cfn-lint's data marks deprecated), which must
be reported: the test proves the linter runs and that its findings reach
the assertion, so a silent cfn-lint cannot pass for a clean one.

Run: INFRAC=build/infrac python3 -m unittest -v test_lint
"""

import copy
import json
import os
import shutil
import subprocess
import unittest

import cfn_cases


def cfn_lint(paths):
    exe = shutil.which("cfn-lint")
    if not exe:
        raise AssertionError("cfn-lint not found on PATH (pip install cfn-lint)")
    proc = subprocess.run([exe, "--format", "json", "--"] + paths, capture_output=True, text=True)
    # exit status: bit 2 errors, 4 warnings, 8 informational; 1 is a failure of cfn-lint itself
    if proc.returncode & 1 or not proc.stdout.strip():
        raise AssertionError("cfn-lint failed (exit %d): %s" % (proc.returncode, proc.stderr))
    return json.loads(proc.stdout)


def deprecated_version(engine):
    """One engine version cfn-lint's RDS data marks deprecated (W3691)."""
    import cfnlint

    path = os.path.join(os.path.dirname(cfnlint.__file__), "data", "schemas", "extensions",
                        "aws_rds_dbinstance", "engine_version_deprecated.json")
    with open(path) as f:
        schema = json.load(f)
    for rule in schema.get("allOf", []):
        props = rule.get("if", {}).get("properties", {})
        if props.get("Engine", {}).get("const") == engine and props.get("EngineVersion", {}).get("enum"):
            return sorted(props["EngineVersion"]["enum"])[0]
    raise AssertionError("cfn-lint's data lists no deprecated %s version" % engine)


class TestLint(unittest.TestCase):
    maxDiff = None

    def test_every_template_lints_clean(self):
        cases = cfn_cases.build_cases()
        self.assertGreaterEqual(len(cases), 1)
        self.assertIn("cartful/base", [c.label for c in cases])
        paths = sorted(os.path.abspath(c.path) for c in cases)

        # The broken copy: CartFul's template with a deprecated engine version.
        [cartful] = [c for c in cases if c.label == "cartful/base"]
        broken = copy.deepcopy(cartful.template)
        [db] = [r for r in broken["Resources"].values() if r["Type"] == "AWS::RDS::DBInstance"]
        db["Properties"]["EngineVersion"] = deprecated_version(db["Properties"]["Engine"])
        sentinel = os.path.join(cfn_cases.scratch("infrac-cfn-lint-"), "broken.json")
        with open(sentinel, "w") as f:
            json.dump(broken, f, indent=2)

        findings = cfn_lint(paths + [sentinel])
        by_file = {}
        for m in findings:
            by_file.setdefault(os.path.abspath(m["Filename"]), []).append(m)

        self.assertIn("W3691", [m["Rule"]["Id"] for m in by_file.pop(sentinel, [])],
                      "cfn-lint did not report the deprecated engine version in the broken copy")
        self.assertEqual(["%s: %s %s %s" % (m["Filename"], m["Level"], m["Rule"]["Id"], m["Message"])
                          for f in sorted(by_file) for m in by_file[f]], [])


if __name__ == "__main__":
    unittest.main()
