"""`infrac policy [--env E] SPEC [ROLE]`: what it prints, and how it fails.

  * the documents it prints are byte-for-byte those of the policies target;
  * `policy specs/cartful.yaml ecr-push` prints the three documents;
  * a ROLE is found by spec key, service key or physical role name, and
    prints exactly that role's entry of the full output;
  * an unknown or ambiguous ROLE, a broken spec or too many arguments exit
    with status 2, print nothing on stdout and say why on stderr;
  * the action sets come from templates/: `--templates DIR` changes them
    without C, and a broken template is an error, not a silent default.

Run: INFRAC=build/infrac python3 -m unittest -v test_command (from here)
"""

import json
import shutil
import tempfile
import unittest
from pathlib import Path

import generated
import yaml

CARTFUL = str(generated.TOP / "specs" / "cartful.yaml")
PROOFS = str(generated.HERE / "specs" / "proofs.yaml")


def policy(*args, check=True):
    proc = generated.run("policy", *args, check=check)
    return json.loads(proc.stdout) if check else proc


class TestOutput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="infrac-policy-cmd-")
        out = Path(cls.tmp.name)
        generated.build([Path(CARTFUL), Path(PROOFS)], out)
        cls.envs = {(e.name, e.env): e for e in generated.environments(out)}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_printed_documents_are_the_built_files(self):
        for spec, name, envs in ((CARTFUL, "cartful", [None, "dev", "prod"]), (PROOFS, "proofs", [None, "staging"])):
            for env in envs:
                with self.subTest(name=name, env=env):
                    printed = policy(*(["--env", env] if env else []), spec)
                    built = self.envs[(name, env or "base")]
                    count = 0
                    for role in built.roles:
                        entry = printed[role.section][role.key] if role.section else printed[role.key]
                        for doc_name, doc in role.documents.items():
                            self.assertEqual(entry[doc_name], doc, f"{role.key}.{doc_name}")
                            count += 1
                        # Same metadata, documents aside.
                        meta = {k: v for k, v in entry.items() if k not in generated.DOCUMENT_KINDS}
                        self.assertEqual(meta, {k: v for k, v in role.meta.items()
                                                if k not in generated.DOCUMENT_KINDS})
                    self.assertGreater(count, 0)
                    shared = {k for k in printed if k not in generated.SECTIONS}
                    self.assertEqual(shared, {r.key for r in built.roles if r.section is None})

    def test_ecr_push_prints_the_three_documents(self):
        role = policy(CARTFUL, "ecr-push")
        self.assertLessEqual({"trust", "permissions", "trusted_side"}, set(role))
        for name in ("trust", "permissions", "trusted_side"):
            self.assertEqual(role[name]["Version"], "2012-10-17")
            self.assertTrue(role[name]["Statement"])
        self.assertEqual(role["role"], "cartful-ecr-push")
        self.assertEqual(role["arn"], "arn:aws:iam::123456789012:role/cartful-ecr-push")
        self.assertEqual(role["trusted_account"], "210987654321")
        self.assertEqual(role["trusted_principal"], "arn:aws:iam::210987654321:user/ci-pusher")

    def test_role_by_key_service_or_name(self):
        everything = policy(CARTFUL)
        spec = yaml.safe_load(Path(CARTFUL).read_text())
        cases = [("ecr-push", everything["cross_account_roles"]["ecr-push"]),
                 ("cartful-ecr-push", everything["cross_account_roles"]["ecr-push"]),
                 ("task_execution", everything["task_execution"]),
                 ("cartful-task-execution", everything["task_execution"]),
                 ("flow_logs", everything["flow_logs"])]
        for svc in spec["services"]:
            cases += [(svc, everything["services"][svc]),
                      (everything["services"][svc]["role"], everything["services"][svc])]
        for want, entry in cases:
            with self.subTest(want):
                self.assertEqual(policy(CARTFUL, want), entry)

    def test_env_is_applied(self):
        base = policy(CARTFUL, "ecr-push")
        dev = policy("--env", "dev", CARTFUL, "ecr-push")
        self.assertEqual(base, dev)   # the dev overlay touches no IAM; the run must still succeed
        proc = policy("--env", "nope", CARTFUL, check=False)
        self.assertEqual((proc.returncode, proc.stdout), (2, ""))
        self.assertIn("nope", proc.stderr)


class TestErrors(unittest.TestCase):
    def assertFails(self, proc, *fragments):
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertEqual(proc.stdout, "")
        for f in fragments:
            self.assertIn(f, proc.stderr)

    def test_unknown_role_lists_the_known_ones(self):
        proc = policy(CARTFUL, "ecr-pusher", check=False)
        everything = policy(CARTFUL)
        known = list(everything["cross_account_roles"]) + list(everything["services"])
        self.assertFails(proc, "no role 'ecr-pusher'", "did you mean 'ecr-push'", "task_execution",
                         *known, *(everything["services"][s]["role"] for s in everything["services"]))

    def test_ambiguous_role_asks_for_the_role_name(self):
        with tempfile.TemporaryDirectory() as tmp:
            spec = yaml.safe_load(Path(PROOFS).read_text())
            spec["cross_account_roles"]["reader"] = spec["cross_account_roles"].pop("deploy")
            path = Path(tmp) / "twice.yaml"
            path.write_text(yaml.safe_dump(spec))
            proc = policy(str(path), "reader", check=False)
            self.assertFails(proc, "'reader' names more than one role", "proofs-reader", "proofs-reader-task")
            self.assertEqual(policy(str(path), "proofs-reader")["role"], "proofs-reader")
            self.assertEqual(policy(str(path), "proofs-reader-task")["role"], "proofs-reader-task")

    def test_usage_and_invalid_specs(self):
        self.assertFails(policy(CARTFUL, "ecr-push", "extra", check=False), "at most one ROLE")
        self.assertFails(generated.run("policy", check=False), "no SPEC")
        with tempfile.TemporaryDirectory() as tmp:
            bad = Path(tmp) / "bad.yaml"
            bad.write_text(Path(CARTFUL).read_text().replace("max_session_hours: 1", "max_session_hours: 13"))
            self.assertFails(policy(str(bad), check=False), "max_session_hours")
            self.assertFails(policy(str(Path(tmp) / "missing.yaml"), check=False), "missing.yaml")

    def test_build_writes_nothing_for_an_invalid_spec(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = Path(tmp) / "bad.yaml"
            bad.write_text(Path(CARTFUL).read_text().replace('trusted_account: "210987654321"', "trusted_account: 42"))
            proc = generated.run("build", "--target", "policies", "-o", str(Path(tmp) / "out"), str(bad), check=False)
            self.assertEqual(proc.returncode, 2)
            self.assertFalse((Path(tmp) / "out").exists())


class TestTemplates(unittest.TestCase):
    def test_action_sets_come_from_templates(self):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(generated.TOP / "templates", Path(tmp) / "templates")
            path = Path(tmp) / "templates" / "iam" / "actions.yaml"
            actions = yaml.safe_load(path.read_text())
            actions["ecr_push"] = actions["ecr_push"] + ["ecr:TagResource"]
            actions["table_read"] = ["dynamodb:GetItem"]
            path.write_text(yaml.safe_dump(actions))
            proc = generated.run("--templates", str(Path(tmp) / "templates"), "policy", CARTFUL)
            printed = json.loads(proc.stdout)
            push = [st for st in printed["cross_account_roles"]["ecr-push"]["permissions"]["Statement"]
                    if st["Sid"] == "EcrPush"]
            self.assertEqual(push[0]["Action"], actions["ecr_push"])
            read = [st for st in printed["services"]["flight_metadata"]["permissions"]["Statement"]
                    if st["Sid"].startswith("Table")]
            self.assertEqual(read[0]["Action"], ["dynamodb:GetItem"])
            self.assertNotEqual(printed, policy(CARTFUL))

    def test_a_broken_action_set_is_an_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "iam").mkdir()
            text = (generated.TOP / "templates" / "iam" / "actions.yaml").read_text()
            (Path(tmp) / "iam" / "actions.yaml").write_text(text.replace(
                "ecr_push:\n", "ecr_push: ecr:PutImage\nunused:\n", 1))
            proc = generated.run("--templates", tmp, "policy", CARTFUL, check=False)
            self.assertEqual((proc.returncode, proc.stdout), (2, ""))
            self.assertIn("ecr_push", proc.stderr)


if __name__ == "__main__":
    unittest.main()
