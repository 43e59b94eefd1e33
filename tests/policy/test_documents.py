"""Grammar of every generated IAM document, and IAM (moto) accepting them.

One infrac run builds the policies target of every spec in specs/,
examples/ and tests/policy/specs/, in every environment. Then:
  * iam_eval.lint finds nothing wrong with any document: Version
    2012-10-17, Effect/Action/Resource well-formed, ARNs that follow the
    partition, region and account rules, Principal only in trust policies,
    Sids unique and alphanumeric (lint also reads the text for duplicate
    keys);
  * every placeholder follows docs/policies.md: ${<resource id>.<attr>}
    naming a resource the plan holds, or ${account} where the spec names
    no account;
  * the index and the files agree: no document without an index entry;
  * moto's IAM creates a role for every trust policy and a role policy and
    a managed policy from every other document.

Run: INFRAC=build/infrac python3 -m unittest -v test_documents (from here)
"""

import json
import re
import tempfile
import unittest
from pathlib import Path

import generated
from iam_eval import lint
from moto_accepts import accept

PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")

ENVS = []
PLANS = {}   # (name, env) -> set of resource ids
ACCOUNTS = {}   # (name, env) -> the spec's account, or None
_tmp = None


def setUpModule():
    global _tmp
    _tmp = tempfile.TemporaryDirectory(prefix="infrac-policy-")
    out = Path(_tmp.name)
    specs = generated.spec_files()
    generated.build(specs, out)
    ENVS.extend(generated.environments(out))
    for spec in specs:
        # The plan of each environment, to check what placeholders name.
        base = json.loads(generated.run("plan", "--format", "json", str(spec)).stdout)
        envs = [None] + sorted(generated.load_spec(spec).get("environments") or {})
        for env in envs:
            plan = base if env is None else json.loads(
                generated.run("plan", "--format", "json", "--env", env, str(spec)).stdout)
            PLANS[(plan["name"], plan["env"])] = {r["id"] for r in plan["resources"]}
            ACCOUNTS[(plan["name"], plan["env"])] = plan["account"]


def tearDownModule():
    _tmp.cleanup()


class TestGrammar(unittest.TestCase):
    def test_there_is_something_to_check(self):
        kinds = {kind for env in ENVS for _, kind, _, _ in env.documents()}
        self.assertEqual(kinds, {"trust", "identity"})
        self.assertIn(("cartful", "base"), {(e.name, e.env) for e in ENVS})

    def test_every_document_is_well_formed(self):
        for env in ENVS:
            for label, kind, _, text in env.documents():
                with self.subTest(label):
                    self.assertEqual(lint(text, kind), [])

    def test_principal_only_in_trust_policies(self):
        # lint checks this too; stated on its own because it is the rule that
        # keeps a trust policy from being pasted where a permission belongs.
        for env in ENVS:
            for label, kind, doc, _ in env.documents():
                with self.subTest(label):
                    has_principal = any("Principal" in st or "NotPrincipal" in st
                                        for st in doc["Statement"])
                    self.assertEqual(has_principal, kind == "trust")
                    self.assertEqual(doc["Version"], "2012-10-17")

    def test_placeholders_name_plan_resources(self):
        seen = 0
        for env in ENVS:
            ids = PLANS[(env.name, env.env)]
            for label, _, _, text in env.documents():
                for inner in PLACEHOLDER.findall(text):
                    seen += 1
                    with self.subTest(label, placeholder=inner):
                        self.assertNotIn(":", inner, "a placeholder must not look like ${aws:...}")
                        if inner == "account":
                            # only where the spec names no account
                            self.assertIsNone(ACCOUNTS[(env.name, env.env)])
                            continue
                        resource, _, attr = inner.rpartition(".")
                        self.assertRegex(attr, r"^[a-z_]+$")
                        self.assertIn(resource, ids)
        # CartFul's rds-db:connect needs the database's resource ID.
        self.assertGreater(seen, 0)

    def test_index_names_every_file(self):
        for env in ENVS:
            with self.subTest(f"{env.name}/{env.env}"):
                on_disk = {str(p.relative_to(env.folder)) for p in env.folder.rglob("*.json")}
                named = {role.meta[d] for role in env.roles for d in role.documents}
                self.assertEqual(on_disk - {"index.json"}, named)

    def test_file_names_follow_spec_keys(self):
        for env in ENVS:
            for role in env.roles:
                for name in role.documents:
                    prefix = f"{role.section}/" if role.section else ""
                    self.assertEqual(role.meta[name], f"{prefix}{role.key}.{name}.json")


class TestIamAccepts(unittest.TestCase):
    def test_moto_accepts_every_document(self):
        documents = {label: text for env in ENVS for label, _, _, text in env.documents()}
        created = accept(documents)
        self.assertEqual(set(created), set(documents))
        for label, arn in created.items():
            kind = "role" if label.endswith(".trust") else "policy"
            self.assertRegex(arn, rf"^arn:aws:iam::\d{{12}}:{kind}/", label)


if __name__ == "__main__":
    unittest.main()
