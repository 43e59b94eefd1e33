"""Hostile strings come back from the CloudFormation template byte for byte.

injection/spec.yaml puts Terraform and HCL template syntax, JSON that
looks like an intrinsic function, Fn::Sub syntax, quotes, backslashes,
control characters, bidi overrides and emoji in tag keys and values and
in env values, and punctuation in table and cross-account role keys.
PyYAML reads the spec as the oracle. The template must hold every one as
the same plain string (never an object CloudFormation would evaluate),
and moto, after deploying it, must hand back unchanged the env values and
the tags AWS accepts (AWS refuses most of these in tags, so the front end,
not this emitter, is where such tags should be stopped).

Run: INFRAC=build/infrac python3 -m unittest -v test_injection
"""

import copy
import json
import os
import tempfile
import unicodedata
import unittest

import yaml

import cfn_cases
import moto_stack

SPEC = os.path.join(cfn_cases.HERE, "injection", "spec.yaml")


def aws_tag_text(s):
    """Whether AWS accepts s in a tag: letters, separators (spaces), numbers and _ . : / = + - @."""
    return all(unicodedata.category(ch)[0] in "LZN" or ch in "_.:/=+-@" for ch in s)


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


class TestInjection(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        with open(SPEC, encoding="utf-8") as f:
            cls.spec = yaml.safe_load(f)
        out = tempfile.mkdtemp(prefix="infrac-cfn-inject-")
        cfn_cases.run(["build", "--target", "cloudformation", "-o", out, SPEC])
        cls.case = cfn_cases.Case(SPEC, cls.spec["name"], "base",
                                  os.path.join(out, cls.spec["name"], "base", "cloudformation",
                                               cls.spec["name"] + ".json"))
        cls.t = cls.case.template

    def test_the_spec_is_hostile(self):
        # The oracle really holds what this test is about.
        text = json.dumps(self.spec, ensure_ascii=False)
        for needle in ['${file(\\"/etc/passwd\\")}', "%{ if", "\\\\", "\\n", "\\r", "🚀", '\\"', "\u202e"]:
            self.assertIn(needle, text)

    def test_tags_come_back_exactly(self):
        want = [{"Key": k, "Value": v} for k, v in self.spec["tags"].items()]
        tagged = [(lid, r) for lid, r in self.t["Resources"].items() if "Tags" in r.get("Properties", {})]
        self.assertGreater(len(tagged), 10)
        for lid, r in tagged:
            tags = r["Properties"]["Tags"]
            for w in want:
                self.assertEqual(tags.count(w), 1, "%s: %r" % (lid, w))
            names = [x for x in tags if x["Key"] == "Name"]
            self.assertEqual(len(names), 1, lid)
            self.assertEqual(len(tags), len(want) + 1, lid)

    def test_env_values_come_back_exactly(self):
        env = self.spec["services"]["api"]["env"]
        tds = self.case.of_type("AWS::ECS::TaskDefinition")
        self.assertEqual(len(tds), 1)
        got = next(iter(tds.values()))["Properties"]["ContainerDefinitions"][0]["Environment"]
        self.assertEqual({e["Name"]: e["Value"] for e in got}, env)
        for e in got:
            self.assertIsInstance(e["Value"], str)

    def test_punctuated_names_come_back_exactly(self):
        table = next(iter(self.spec["tables"]))
        role = next(iter(self.spec["cross_account_roles"]))
        tables = [r["Properties"]["TableName"] for r in self.case.of_type("AWS::DynamoDB::Table").values()]
        self.assertEqual(tables, ["%s-%s" % (self.spec["name"], table)])
        roles = [r["Properties"]["RoleName"] for r in self.case.of_type("AWS::IAM::Role").values()]
        self.assertIn("%s-%s" % (self.spec["name"], role), roles)

    def test_identifiers_stay_safe(self):
        import re
        ident = re.compile(r"^[A-Za-z0-9]{1,255}$")
        for lid in list(self.t["Resources"]) + list(self.t.get("Outputs", {})):
            self.assertRegex(lid, ident)
        for o in self.t.get("Outputs", {}).values():
            self.assertRegex(o["Export"]["Name"], r"^[A-Za-z0-9:-]{1,255}$")

    def test_user_text_is_never_an_intrinsic(self):
        # A string that looks like {"Ref": ...} must stay a string, and the
        # only intrinsic functions are the ones the emitter writes.
        user = set(self.spec["tags"].values()) | set(self.spec["services"]["api"]["env"].values())
        found = set(strings(self.t))
        self.assertTrue(user <= found)
        allowed = {"Ref", "Fn::GetAtt", "Fn::Join", "Fn::Select", "Fn::GetAZs", "Fn::Sub"}

        def walk(node):
            if isinstance(node, dict):
                for k, v in node.items():
                    if k.startswith("Fn::") or k == "Ref":
                        self.assertIn(k, allowed)
                        self.assertNotIn(json.dumps(v, ensure_ascii=False), user)
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)
        walk(self.t["Resources"])

    def test_the_file_is_utf8_with_literal_emoji(self):
        self.case.body.decode("utf-8")
        self.assertIn("🚀".encode("utf-8"), self.case.body)
        self.assertTrue(self.case.body.endswith(b"}\n"))

    def test_moto_hands_them_back(self):
        # AWS (and moto) refuse tags outside [\p{L}\p{Z}\p{N}_.:/=+\-@]; those
        # were checked in the template above and are left out of the deploy.
        deployable = {k: v for k, v in self.spec["tags"].items() if aws_tag_text(k) and aws_tag_text(v)}
        self.assertEqual(sorted(deployable), ["punctuation", "unicode"])
        self.assertLess(len(deployable), len(self.spec["tags"]))
        case = copy.copy(self.case)
        case.template = copy.deepcopy(self.t)
        for r in case.template["Resources"].values():
            tags = r.get("Properties", {}).get("Tags")
            if tags is not None:
                tags[:] = [t for t in tags if t["Key"] == "Name" or t["Key"] in deployable]
        case.body = json.dumps(case.template, ensure_ascii=False).encode("utf-8")
        with moto_stack.deployed(case) as d:
            self.assertEqual(d.status, "CREATE_COMPLETE", d.reason)
            ec2 = d.client("ec2")
            want = deployable
            subnets = ec2.describe_subnets(Filters=[{"Name": "tag:Name", "Values": ["inject-*"]}])["Subnets"]
            self.assertEqual(len(subnets), 4)
            for s in subnets:
                got = {t["Key"]: t["Value"] for t in s["Tags"] if not t["Key"].startswith("aws:")}
                self.assertEqual({k: v for k, v in got.items() if k != "Name"}, want)
            ecs = d.client("ecs")
            arn = ecs.list_task_definitions()["taskDefinitionArns"][0]
            env = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["containerDefinitions"][0]
            self.assertEqual({e["name"]: e["value"] for e in env["environment"]},
                             self.spec["services"]["api"]["env"])
            table = "%s-%s" % (self.spec["name"], next(iter(self.spec["tables"])))
            self.assertEqual(d.client("dynamodb").describe_table(TableName=table)["Table"]["TableName"], table)


if __name__ == "__main__":
    unittest.main()
