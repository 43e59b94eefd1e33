"""CloudFormation carries exactly the IAM documents `infrac policy` prints.

One infrac run builds the plan, cloudformation and policies targets of
every spec and example (and tests/policy/specs/) in every environment.
For each environment the template's IAM parts are read back:
  * every AWS::IAM::Role (found through its Metadata "infrac:id"): its
    RoleName, MaxSessionDuration, AssumeRolePolicyDocument and the
    documents of its inline Policies and of any AWS::IAM::Policy or
    ManagedPolicy attached to it;
  * every Output whose value is a policy document: the trusted side.
Intrinsic functions are evaluated the way a deploy would, with the values
the plan already knows (plan.json: references that carry a "value", the
resources' physical names, the partition, region and account); a value
known only after deploy becomes the same placeholder docs/policies.md
defines, ${<resource id>.<attr>}. The result must equal, after parsing,
the documents of the policies target, role for role.

Specs without an account are left out: there the template writes
${AWS::AccountId} where the policies print ${account}, and both are right.

The Terraform half (iam.tf through @cdktf/hcl2json) is not written yet:
there is no Terraform emitter to compare with.

Run: INFRAC=build/infrac python3 -m unittest -v test_targets_agree (from here)
"""

import json
import re
import tempfile
import unittest
from pathlib import Path

import generated

# CloudFormation attribute names -> plan attribute names (docs/plan.md).
CFN_ATTRS = {"Arn": "arn", "DbiResourceId": "resource_id", "RoleId": "id",
             "Endpoint.Address": "endpoint", "DNSName": "dns_name", "AllocationId": "allocation_id"}
POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")

CASES = []   # (label, template, plan, Environment)
_tmp = None


def setUpModule():
    global _tmp
    _tmp = tempfile.TemporaryDirectory(prefix="infrac-agree-")
    out = Path(_tmp.name)
    generated.run("build", "--target", "plan,cloudformation,policies", "--all-envs", "-o", str(out),
                  *map(str, generated.spec_files()))
    for env in generated.environments(out):
        env_dir = env.folder.parent
        plan = json.loads((env_dir / "plan.json").read_text())
        if plan["account"] is None:
            continue
        [template] = (env_dir / "cloudformation").glob("*.json")
        CASES.append((f"{env.name}/{env.env}", json.loads(template.read_text()), plan, env))


def tearDownModule():
    _tmp.cleanup()


class Deploy:
    """Evaluates a template's intrinsic functions with what the plan knows."""

    def __init__(self, template, plan):
        self.resources = template["Resources"]
        self.ids = {logical: r.get("Metadata", {}).get("infrac:id") for logical, r in self.resources.items()}
        self.names = {r["id"]: r["name"] for r in plan["resources"]}
        self.known = {}
        self.pseudo = {"AWS::Partition": plan["partition"], "AWS::Region": plan["region"],
                       "AWS::AccountId": plan["account"], "AWS::URLSuffix": "amazonaws.com"}

        def collect(v):
            if isinstance(v, dict):
                if "ref" in v and "attr" in v and "value" in v:
                    self.known[(v["ref"], v["attr"])] = v["value"]
                for x in v.values():
                    collect(x)
            elif isinstance(v, list):
                for x in v:
                    collect(x)
        collect(plan["resources"])

    def plan_id(self, logical):
        pid = self.ids.get(logical)
        if not pid:
            raise AssertionError(f"template resource {logical} has no Metadata infrac:id")
        return pid

    def get_att(self, logical, attr):
        pid = self.plan_id(logical)
        name = CFN_ATTRS.get(attr, re.sub(r"(?<!^)(?=[A-Z])", "_", attr).lower())
        return self.known.get((pid, name), f"${{{pid}.{name}}}")

    def ref(self, logical):
        if logical in self.pseudo:
            return self.pseudo[logical]
        pid = self.plan_id(logical)
        return self.names.get(pid) or f"${{{pid}.id}}"

    def sub(self, text, variables):
        def one(m):
            inner = m.group(1)
            if inner.startswith("!"):
                return "${" + inner[1:] + "}"
            if inner in variables:
                return self.value(variables[inner])
            if "." in inner and inner.split(".", 1)[0] in self.resources:
                return self.get_att(*inner.split(".", 1))
            return self.ref(inner)
        return re.sub(r"\$\{([^}]*)\}", one, text)

    def value(self, v):
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if not isinstance(v, dict):
            return v
        if len(v) == 1:
            [(fn, arg)] = v.items()
            if fn == "Ref":
                return self.ref(arg)
            if fn == "Fn::GetAtt":
                logical, attr = arg.split(".", 1) if isinstance(arg, str) else arg
                return self.get_att(logical, attr)
            if fn == "Fn::Join":
                sep, parts = arg
                return sep.join(self.text(p) for p in parts)
            if fn == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else arg
                return self.sub(text, variables)
            if fn.startswith("Fn::"):
                raise AssertionError(f"{fn} in an IAM document: the comparison does not know it")
        return {k: self.value(x) for k, x in v.items()}

    def text(self, v):
        out = self.value(v)
        if not isinstance(out, str):
            raise AssertionError(f"Fn::Join of a non-string: {out!r}")
        return out


class TestCloudFormationCarriesThePolicies(unittest.TestCase):
    def test_there_is_something_to_compare(self):
        self.assertIn("cartful/base", [label for label, *_ in CASES])

    def test_roles_carry_exactly_the_documents(self):
        for label, template, plan, env in CASES:
            with self.subTest(label):
                deploy = Deploy(template, plan)
                roles = {logical: r for logical, r in template["Resources"].items()
                         if r["Type"] == "AWS::IAM::Role"}
                attached = {logical: [] for logical in roles}
                for logical, r in roles.items():
                    for inline in r["Properties"].get("Policies", []):
                        attached[logical].append(deploy.value(inline["PolicyDocument"]))
                for r in template["Resources"].values():
                    if r["Type"] in POLICY_TYPES:
                        for role in r["Properties"].get("Roles", []):
                            attached[role["Ref"]].append(deploy.value(r["Properties"]["PolicyDocument"]))
                mine = {r.meta["role"]: r for r in env.roles}
                seen = set()
                for logical, r in roles.items():
                    props = r["Properties"]
                    name = props["RoleName"]
                    self.assertIn(name, mine, f"{logical}: a role the policies target does not have")
                    role = mine[name]
                    seen.add(name)
                    self.assertEqual(deploy.value(props["AssumeRolePolicyDocument"]), role.documents["trust"], name)
                    want = [role.documents["permissions"]] if "permissions" in role.documents else []
                    self.assertEqual(attached[logical], want, name)
                    self.assertEqual(props.get("MaxSessionDuration"), role.meta.get("max_session_duration"), name)
                self.assertEqual(seen, set(mine))

    def test_outputs_carry_the_trusted_sides(self):
        for label, template, plan, env in CASES:
            with self.subTest(label):
                deploy = Deploy(template, plan)
                found = []
                for output in template.get("Outputs", {}).values():
                    value = deploy.value(output["Value"])
                    if isinstance(value, str) and value.startswith("{"):
                        doc = json.loads(value)
                        if isinstance(doc, dict) and "Statement" in doc:
                            found.append(doc)
                want = [r.documents["trusted_side"] for r in env.roles if "trusted_side" in r.documents]
                key = lambda d: json.dumps(d, sort_keys=True)
                self.assertEqual(sorted(found, key=key), sorted(want, key=key))


if __name__ == "__main__":
    unittest.main()
