"""cfn-lint finds no error and no warning in any generated template.

Every spec in specs/ and examples/, in every environment, is built fresh
(cfn_cases) and linted in one cfn-lint run with its default rules. Each
error or warning fails the test, with one exception that the test proves
rather than assumes: a database engine version that cfn-lint's data marks
as deprecated (W3691, and E3062 for the instance classes that data no
longer lists for it) is the spec's choice, not the emitter's. For those
templates the test lints a copy where each such version is replaced by
the newest current version of the same engine and major version from
cfn-lint's own data, and that copy must lint clean; the spec versions are
then printed as notes for the spec's owner.

Run: INFRAC=build/infrac python3 -m unittest -v test_lint
"""

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import cfn_cases

SPEC_DATA_RULES = {"W3691", "E3062"}


def cfn_lint(paths):
    exe = shutil.which("cfn-lint")
    if not exe:
        raise AssertionError("cfn-lint not found on PATH (pip install cfn-lint)")
    proc = subprocess.run([exe, "--format", "json", "--"] + paths, capture_output=True, text=True)
    # exit status: bit 2 errors, 4 warnings, 8 informational; 1 is a failure of cfn-lint itself
    if proc.returncode & 1 or not proc.stdout.strip():
        raise AssertionError("cfn-lint failed (exit %d): %s" % (proc.returncode, proc.stderr))
    return json.loads(proc.stdout)


def version_key(v):
    return [int(p) if p.isdigit() else -1 for p in v.replace("-", ".").split(".")]


def engine_versions(engine):
    """(current, deprecated) engine versions in cfn-lint's RDS data."""
    import cfnlint

    base = os.path.join(os.path.dirname(cfnlint.__file__), "data", "schemas", "extensions", "aws_rds_dbinstance")

    def versions(name):
        with open(os.path.join(base, name)) as f:
            schema = json.load(f)
        for rule in schema.get("allOf", []):
            props = rule.get("if", {}).get("properties", {})
            if props.get("Engine", {}).get("const") != engine:
                continue
            if "enum" in props.get("EngineVersion", {}):    # deprecated: "if these versions, then false"
                return set(props["EngineVersion"]["enum"])
            return set(rule.get("then", {}).get("properties", {}).get("EngineVersion", {}).get("enum", []))
        return set()

    deprecated = versions("engine_version_deprecated.json")
    return versions("engine_version.json") - deprecated, deprecated


def current_version(engine, version):
    """The newest current version in the same release line: 8.0.x for
    MySQL 8.0.39, else 16.x for PostgreSQL 16.4."""
    current, _ = engine_versions(engine)
    parts = version.split(".")
    for n in (2, 1):
        line = [v for v in current if v.split(".")[:n] == parts[:n]]
        if line:
            return max(line, key=version_key)
    return None


def references(node):
    """Logical IDs a resource refers to (Ref, Fn::GetAtt, Fn::Sub, DependsOn)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "Ref" and isinstance(v, str) and not v.startswith("AWS::"):
                yield v
            elif k == "Fn::GetAtt":
                yield v[0] if isinstance(v, list) else v.split(".", 1)[0]
            elif k == "Fn::Sub":
                text = v if isinstance(v, str) else v[0]
                for name in re.findall(r"\$\{([^}!][^}]*)\}", text):
                    if not name.startswith("AWS::"):
                        yield name.split(".", 1)[0]
                yield from references(v)
            elif k == "DependsOn":
                yield from ([v] if isinstance(v, str) else v)
            else:
                yield from references(v)
    elif isinstance(node, list):
        for v in node:
            yield from references(v)


def closure(resources, roots):
    """roots and every resource they refer to, transitively."""
    seen, todo = set(), list(roots)
    while todo:
        lid = todo.pop()
        if lid not in seen:
            seen.add(lid)
            todo.extend(references(resources[lid]))
    return seen


class TestLint(unittest.TestCase):
    maxDiff = None

    def test_every_template_lints_clean(self):
        cases = cfn_cases.build_cases()
        self.assertGreaterEqual(len(cases), 1)
        by_path = {os.path.abspath(c.path): c for c in cases}
        work = tempfile.mkdtemp(prefix="infrac-cfn-lint-")
        try:
            # Copies of the templates whose database engine version cfn-lint's
            # data marks deprecated, with the newest current version of the
            # same release line: linted in the same run, they must be clean.
            copies, deprecated_dbs = {}, {}
            for path, case in sorted(by_path.items()):
                t = copy.deepcopy(case.template)
                for lid, r in sorted(t["Resources"].items()):
                    if r["Type"] != "AWS::RDS::DBInstance":
                        continue
                    p = r["Properties"]
                    engine, version = p["Engine"], p["EngineVersion"]
                    if version not in engine_versions(engine)[1]:
                        continue
                    newer = current_version(engine, version)
                    self.assertIsNotNone(newer, "no current %s version in the line of %s" % (engine, version))
                    p["EngineVersion"] = newer
                    deprecated_dbs.setdefault(path, set()).add(lid)
                    print("note: %s (%s) asks for %s %s, which cfn-lint's RDS data marks deprecated for new "
                          "instances; the test lints it with %s too" % (case.label, lid, engine, version, newer),
                          file=sys.stderr)
                if path in deprecated_dbs:
                    # Only the databases and what they refer to: the rest of
                    # the template is linted as it is above.
                    keep = closure(t["Resources"], deprecated_dbs[path])
                    small = {"AWSTemplateFormatVersion": t["AWSTemplateFormatVersion"],
                             "Resources": {lid: t["Resources"][lid] for lid in sorted(keep)}}
                    out = os.path.join(work, "%02d-%s-%s.json" % (len(copies), case.name, case.env))
                    with open(out, "w") as f:
                        json.dump(small, f, indent=2)
                    copies[os.path.abspath(out)] = case
            findings = [m for m in cfn_lint(sorted(by_path) + sorted(copies)) if m["Level"] in ("Error", "Warning")]
        finally:
            shutil.rmtree(work)

        def explained(m):
            """W3691/E3062 on a database whose version is deprecated, in an original template."""
            path = os.path.abspath(m["Filename"])
            return (m["Rule"]["Id"] in SPEC_DATA_RULES and path in by_path
                    and m["Location"]["Path"][1] in deprecated_dbs.get(path, ()))

        self.assertEqual(["%s: %s %s" % (m["Filename"], m["Rule"]["Id"], m["Message"])
                          for m in findings if not explained(m)], [])


if __name__ == "__main__":
    unittest.main()
