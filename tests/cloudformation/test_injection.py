"""Hostile strings come back from the CloudFormation template byte for byte.

Two specs, in every environment: injection/spec.yaml (Fn::Sub syntax, JSON
that looks like an intrinsic function, bidi overrides, punctuation in
table and role keys) and the Terraform tests' own,
tests/terraform/injection/spec.json (HCL interpolation and directives,
their escapes, quotes, backslashes, newlines, emoji, in env values of the
base and of an environment, the health check path and table key
attributes). Their tags hold every kind of text AWS allows in a tag:
letters and numbers of other scripts, other spaces, + - = . _ : / @, keys
that read as intrinsic functions, values that read as numbers, booleans
or null. The spec file, read by Python's own parser (PyYAML, json), is the
oracle. The template must hold every string as the same plain string,
never an object CloudFormation would evaluate, and moto, after deploying
the template, must hand back unchanged the env values, the health check
and every tag.

AWS refuses the hostile strings in tags, so the front end refuses them
first: each string of both specs, as a tag key and as a tag value, is
refused (exit 2, nothing written, the tag's line named) exactly when AWS's
tag pattern refuses it.

Run: INFRAC=build/infrac python3 -m unittest -v test_injection
"""

import json
import os
import re
import subprocess
import unicodedata
import unittest

import yaml

import cfn_cases
import moto_stack

SPECS = [os.path.join(cfn_cases.HERE, "injection", "spec.yaml"),
         os.path.join(cfn_cases.TOP, "tests", "terraform", "injection", "spec.json")]
INTRINSICS = {"Ref", "Fn::GetAtt", "Fn::Join", "Fn::Select", "Fn::GetAZs", "Fn::Sub"}


def read_spec(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f) if path.endswith(".json") else yaml.safe_load(f)


def merge(base, over):
    """Overlay semantics: maps merge key by key, null removes, the rest replaces."""
    if not isinstance(base, dict) or not isinstance(over, dict):
        return over
    out = dict(base)
    for k, v in over.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge(base.get(k), v)
    return out


def aws_tag_text(s, key=False):
    """Whether AWS accepts s in a tag: letters, separators (spaces), numbers and _ . : / = + - @;
    a key is 1-128 characters, a value at most 256."""
    return (all(unicodedata.category(ch)[0] in "LZN" or ch in "_.:/=+-@" for ch in s)
            and (1 if key else 0) <= len(s) <= (128 if key else 256))


def strings(node):
    """Every string anywhere in a JSON tree, keys included."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield k
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


def values(node):
    """Every string value in a JSON tree, keys left out (an intrinsic's
    own name, such as a nested Fn::Sub, may equal a tag key)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from values(v)
    elif isinstance(node, list):
        for v in node:
            yield from values(v)


class TestInjection(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.cases = []      # (case, the spec as the oracle reads it for that environment)
        out = cfn_cases.scratch("infrac-cfn-inject-")
        for i, path in enumerate(SPECS):
            raw = read_spec(path)
            for case in cfn_cases.build_spec(path, os.path.join(out, str(i))):
                spec = raw if case.env == "base" else merge(raw, raw["environments"][case.env])
                cls.cases.append((case, spec))

    def each(self):
        self.assertEqual(len({c.spec for c, _ in self.cases}), len(SPECS))
        self.assertGreater(len(self.cases), len(SPECS))      # environments too
        return self.cases

    def test_the_specs_are_hostile(self):
        # The oracles really hold what this test is about.
        text = json.dumps([s for _, s in self.cases], ensure_ascii=False)
        for needle in ['${file(\\"/etc/passwd\\")}', "%{ if", "$${", "%%{", "\\\\", "\\n", "\\r", "🚀", '\\"',
                       "\u202e", '{\\"Ref\\"', "${AWS::"]:
            self.assertIn(needle, text)

    def test_tags_come_back_exactly(self):
        for case, spec in self.each():
            with self.subTest(os.path.relpath(case.spec, cfn_cases.TOP) + " " + case.env):
                want = [{"Key": k, "Value": v} for k, v in spec["tags"].items()]
                tagged = [(lid, r) for lid, r in case.template["Resources"].items()
                          if "Tags" in r.get("Properties", {})]
                self.assertGreater(len(tagged), 10)
                for lid, r in tagged:
                    tags = r["Properties"]["Tags"]
                    for w in want:
                        self.assertEqual(tags.count(w), 1, "%s: %r" % (lid, w))
                    self.assertEqual(len([x for x in tags if x["Key"] == "Name"]), 1, lid)
                    self.assertEqual(len(tags), len(want) + 1, lid)

    def test_health_check_comes_back_exactly(self):
        for case, spec in self.each():
            with self.subTest(os.path.relpath(case.spec, cfn_cases.TOP) + " " + case.env):
                (svc,) = spec["services"].values()
                tgs = case.of_type("AWS::ElasticLoadBalancingV2::TargetGroup")
                self.assertEqual(len(tgs), 1)
                self.assertEqual(next(iter(tgs.values()))["Properties"]["HealthCheckPath"], svc["health_check"])

    def test_env_values_come_back_exactly(self):
        for case, spec in self.each():
            with self.subTest(os.path.relpath(case.spec, cfn_cases.TOP) + " " + case.env):
                (svc,) = spec["services"].values()
                tds = case.of_type("AWS::ECS::TaskDefinition")
                self.assertEqual(len(tds), 1)
                got = next(iter(tds.values()))["Properties"]["ContainerDefinitions"][0]["Environment"]
                self.assertEqual({e["Name"]: e["Value"] for e in got}, svc["env"])
                for e in got:
                    self.assertIsInstance(e["Value"], str)

    def test_names_and_key_attributes_come_back_exactly(self):
        for case, spec in self.each():
            with self.subTest(os.path.relpath(case.spec, cfn_cases.TOP) + " " + case.env):
                tables = case.of_type("AWS::DynamoDB::Table")
                self.assertEqual(sorted(r["Properties"]["TableName"] for r in tables.values()),
                                 sorted("%s-%s" % (spec["name"], k) for k in spec["tables"]))
                for key, t in spec["tables"].items():
                    (props,) = [r["Properties"] for r in tables.values()
                                if r["Properties"]["TableName"] == "%s-%s" % (spec["name"], key)]
                    want = [{"AttributeName": t["key"]["hash"], "KeyType": "HASH"}]
                    if "range" in t["key"]:
                        want.append({"AttributeName": t["key"]["range"], "KeyType": "RANGE"})
                    self.assertEqual(props["KeySchema"], want)
                    for name, ix in t.get("indexes", {}).items():
                        (gsi,) = [g for g in props["GlobalSecondaryIndexes"] if g["IndexName"] == name]
                        self.assertEqual(gsi["KeySchema"][0], {"AttributeName": ix["hash"], "KeyType": "HASH"})
                roles = [r["Properties"]["RoleName"] for r in case.of_type("AWS::IAM::Role").values()]
                for key in spec.get("cross_account_roles", {}):
                    self.assertIn("%s-%s" % (spec["name"], key), roles)

    def test_identifiers_stay_safe(self):
        ident = re.compile(r"^[A-Za-z0-9]{1,255}$")
        for case, _ in self.each():
            with self.subTest(os.path.relpath(case.spec, cfn_cases.TOP) + " " + case.env):
                for lid in list(case.template["Resources"]) + list(case.template.get("Outputs", {})):
                    self.assertRegex(lid, ident)
                for o in case.template.get("Outputs", {}).values():
                    self.assertRegex(o["Export"]["Name"], r"^[A-Za-z0-9:-]{1,255}$")

    def test_user_text_is_never_an_intrinsic(self):
        # A string that looks like {"Ref": ...} stays a string, and the only
        # intrinsic functions are the ones the emitter writes.
        for case, spec in self.each():
            with self.subTest(os.path.relpath(case.spec, cfn_cases.TOP) + " " + case.env):
                (svc,) = spec["services"].values()
                user = (set(spec["tags"]) | set(spec["tags"].values()) | set(svc["env"].values())
                        | {svc["health_check"]}) - {""}
                self.assertTrue(user <= set(strings(case.template)))

                def walk(node):
                    if isinstance(node, dict):
                        for k, v in node.items():
                            if k.startswith("Fn::") or k == "Ref":
                                self.assertIn(k, INTRINSICS)
                                self.assertFalse(set(values(v)) & user, "%s over user text" % k)
                            walk(v)
                    elif isinstance(node, list):
                        for v in node:
                            walk(v)
                walk(case.template["Resources"])

    def test_the_files_are_utf8_with_literal_emoji(self):
        for case, _ in self.each():
            with self.subTest(os.path.relpath(case.spec, cfn_cases.TOP) + " " + case.env):
                case.body.decode("utf-8")
                self.assertIn("🚀".encode("utf-8"), case.body)
                self.assertTrue(case.body.endswith(b"}\n"))

    def test_moto_hands_them_back(self):
        deployable_somewhere = set()
        for case, spec in self.each():
            with self.subTest(os.path.relpath(case.spec, cfn_cases.TOP) + " " + case.env):
                # Every tag is one AWS accepts (the front end refuses the others),
                # so the template deploys as it is, with all of them.
                for k, v in spec["tags"].items():
                    self.assertTrue(aws_tag_text(k, key=True) and aws_tag_text(v), (k, v))
                deployable = spec["tags"]
                deployable_somewhere |= set(deployable)
                with moto_stack.deployed(case) as d:
                    self.assertEqual(d.status, "CREATE_COMPLETE", d.reason)
                    subnets = d.client("ec2").describe_subnets(
                        Filters=[{"Name": "tag:Name", "Values": [spec["name"] + "-*"]}])["Subnets"]
                    self.assertEqual(len(subnets), 4)
                    for s in subnets:
                        got = {t["Key"]: t["Value"] for t in s["Tags"]
                               if not t["Key"].startswith("aws:") and t["Key"] != "Name"}
                        self.assertEqual(got, deployable)
                    ecs = d.client("ecs")
                    arn = ecs.list_task_definitions()["taskDefinitionArns"][0]
                    env = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["containerDefinitions"][0]
                    (svc,) = spec["services"].values()
                    self.assertEqual({e["name"]: e["value"] for e in env["environment"]}, svc["env"])
                    (tg,) = d.client("elbv2").describe_target_groups()["TargetGroups"]
                    self.assertEqual(tg["HealthCheckPath"], svc["health_check"])
                    for key in spec["tables"]:
                        table = "%s-%s" % (spec["name"], key)
                        got = d.client("dynamodb").describe_table(TableName=table)["Table"]
                        self.assertEqual(got["KeySchema"][0]["AttributeName"], spec["tables"][key]["key"]["hash"])
        self.assertTrue({"unicode", "punctuation", "Fn::Sub"} <= deployable_somewhere)

    def test_hostile_tags_are_refused(self):
        # Every string of both specs (env values, health checks, table keys,
        # tags), as a tag value and as a tag key, one tag per line of a
        # generated spec: infrac reports exactly the lines AWS would refuse,
        # and neither check nor build of such a spec writes anything.
        texts = set()
        for _, spec in self.cases:
            (svc,) = spec["services"].values()
            texts |= set(spec["tags"]) | set(spec["tags"].values()) | set(svc["env"].values())
            texts |= {svc["health_check"]} | {t["key"]["hash"] for t in spec["tables"].values()}
        texts = sorted(s for s in texts if s != "Name" and not s.lower().startswith("aws:"))
        for key in (False, True):
            self.assertTrue(any(aws_tag_text(s, key) for s in texts) and not all(aws_tag_text(s, key) for s in texts))
        work = cfn_cases.scratch("infrac-cfn-tags-")
        for key in (False, True):
            for start in range(0, len(texts), 40):
                chunk = texts[start:start + 40]
                label = "tag %s %d..%d" % ("keys" if key else "values", start, start + len(chunk) - 1)
                with self.subTest(label):
                    lines = ['{', '  "infrac": 1,', '  "name": "tags",', '  "region": "us-east-1",', '  "tags": {']
                    want = []
                    for i, s in enumerate(chunk):
                        k, v = (s, "v") if key else ("t%d" % i, s)
                        lines.append("    %s: %s%s" % (json.dumps(k), json.dumps(v), "," if i + 1 < len(chunk) else ""))
                        if not aws_tag_text(s, key):
                            want.append(len(lines))
                    lines += ["  }", "}"]
                    path = os.path.join(work, "%s-%d.json" % ("keys" if key else "values", start))
                    with open(path, "w", encoding="utf-8") as f:
                        f.write("\n".join(lines) + "\n")
                    check = subprocess.run([cfn_cases.INFRAC, "check", path], capture_output=True, text=True)
                    got = [int(n) for n in re.findall(r"^.*\.json:(\d+):\d+: error: tags\.", check.stderr, re.M)]
                    self.assertEqual(got, want, check.stderr)
                    out = os.path.join(work, "out-%d-%d" % (key, start))
                    build = subprocess.run([cfn_cases.INFRAC, "build", "--target", "cloudformation", "-o", out, path],
                                           capture_output=True, text=True)
                    if want:
                        self.assertEqual((check.returncode, build.returncode), (2, 2))
                        self.assertEqual([f for _, _, fs in os.walk(out) for f in fs], [])
                    else:
                        self.assertEqual(build.returncode, 0, build.stderr)


if __name__ == "__main__":
    unittest.main()
