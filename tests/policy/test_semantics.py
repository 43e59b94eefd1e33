"""What the generated IAM documents allow, proved with tests/iam/iam_eval.

Every document here is read from what `infrac build --target policies`
wrote (never a hand-written copy), for every environment of
specs/cartful.yaml and of tests/policy/specs/proofs.yaml. What each
request should get is derived from the spec itself (its accounts,
registries, grants, access lists, secrets) and from the action sets in
templates/iam/actions.yaml, so a wrong document fails here.

  * the cross-account role: only the trusted principal, and only with
    the ExternalId / MFA the spec asks for, can assume it; the trusted
    side's policy allows sts:AssumeRole on that role alone;
  * the role pushes to exactly the listed repositories, pulls from the
    pull-listed ones, and can do nothing else to them;
  * each task role reaches only the tables its service lists, with
    exactly the declared mode, and connects only to its databases;
  * the task execution role pulls only the services' images, writes only
    the services' log groups and reads only the services' secrets;
  * with kubernetes.oidc_provider (examples/eks-irsa), the web identity of
    each ServiceAccount the Kubernetes target writes (its namespace and
    name, read from the manifests) with audience sts.amazonaws.com can
    assume the task role its annotation names, and no other service's
    ServiceAccount, namespace, audience or cluster can.

Run: INFRAC=build/infrac python3 -m unittest -v test_semantics (from here)
"""

import json
import re
import tempfile
import unittest
from pathlib import Path

import generated
import yaml
from iam_eval import ALLOW, Request, can_assume, evaluate

ACTIONS = yaml.safe_load((generated.TOP / "templates" / "iam" / "actions.yaml").read_text())
TABLE_MODES = {"read": ACTIONS["table_read"], "write": ACTIONS["table_write"],
               "read_write": ACTIONS["table_read_write"]}
ALL_TABLE_ACTIONS = sorted(set().union(*TABLE_MODES.values()))
ECR_ALL = sorted(set(ACTIONS["ecr_push"]) | set(ACTIONS["ecr_pull"])
                 | {"ecr:DeleteRepository", "ecr:SetRepositoryPolicy", "ecr:BatchDeleteImage"})

CARTFUL = generated.TOP / "specs" / "cartful.yaml"
PROOFS = generated.HERE / "specs" / "proofs.yaml"
IRSA = generated.TOP / "examples" / "eks-irsa" / "spec.yaml"
CI_PUSHER = "arn:aws:iam::210987654321:user/ci-pusher"   # the principal the issue names

SPECS = {}   # name -> (spec dict, [Environment], {env: plan})
_tmp = None


def setUpModule():
    global _tmp
    _tmp = tempfile.TemporaryDirectory(prefix="infrac-semantics-")
    out = Path(_tmp.name)
    # The Kubernetes target too: the IRSA proofs read the ServiceAccounts it writes.
    generated.run("build", "--target", "policies,kubernetes", "--all-envs", "-o", str(out),
                  *map(str, (CARTFUL, PROOFS, IRSA)))
    envs = generated.environments(out)
    for path in (CARTFUL, PROOFS, IRSA):
        spec = generated.load_spec(path)
        plans = {}
        for env in [None] + sorted(spec.get("environments") or {}):
            args = ["plan", "--format", "json", str(path)] + (["--env", env] if env else [])
            plans[env or "base"] = json.loads(generated.run(*args).stdout)
        SPECS[spec["name"]] = (spec, [e for e in envs if e.name == spec["name"]], plans)
    assert {e.env for e in SPECS["cartful"][1]} == {"base", "dev", "prod"}, SPECS["cartful"][1]


def tearDownModule():
    _tmp.cleanup()


def allowed(principal, action, resource, policies, context=None):
    return evaluate(Request(action, resource, principal=principal, context=context or {}),
                    policies) == ALLOW


def session(account, role_name):
    return f"arn:aws:sts::{account}:assumed-role/{role_name}/proof"


def deployed(text):
    """A document as it is after deploy: each ${db_instance.X.resource_id}
    placeholder becomes that database's (made-up) resource ID."""
    return json.loads(re.sub(r"\$\{db_instance\.([a-z0-9-]+)\.resource_id\}",
                             lambda m: resource_id(m.group(1)), text))


def resource_id(db):
    return "db-" + re.sub(r"[^A-Z0-9]", "", db.upper()) + "0PROOF"


class Proofs(unittest.TestCase):
    def each_env(self, name):
        """(spec, environment, plan) for every environment of one spec; each
        loop body runs in its own subTest."""
        spec, envs, plans = SPECS[name]
        self.assertTrue(envs)
        return [(spec, env, plans[env.env]) for env in envs]


class TestCrossAccountRoles(Proofs):
    def test_ci_pusher_assumes_only_with_the_external_id(self):
        for spec, env, _ in self.each_env("cartful"):
            with self.subTest(f"{env.name}/{env.env}"):
                x = spec["cross_account_roles"]["ecr-push"]
                self.assertEqual(CI_PUSHER, f"arn:aws:iam::{x['trusted_account']}:{x['trusted_principal']}")
                role = env.role("ecr-push", "cross_account_roles")
                trust, side, arn = role.documents["trust"], role.documents["trusted_side"], role.meta["arn"]
                good = {"sts:ExternalId": x["external_id"]}
                self.assertTrue(can_assume(CI_PUSHER, arn, trust, [side], good))
                self.assertFalse(can_assume(CI_PUSHER, arn, trust, [side]))
                self.assertFalse(can_assume(CI_PUSHER, arn, trust, [side], {"sts:ExternalId": "guess"}))
                # Both halves are needed across accounts.
                self.assertFalse(can_assume(CI_PUSHER, arn, trust, [], good))

    def test_nobody_else_in_the_trusted_account_can_assume(self):
        for spec, env, _ in self.each_env("cartful"):
            with self.subTest(f"{env.name}/{env.env}"):
                x = spec["cross_account_roles"]["ecr-push"]
                role = env.role("ecr-push", "cross_account_roles")
                trust, side, arn = role.documents["trust"], role.documents["trusted_side"], role.meta["arn"]
                good = {"sts:ExternalId": x["external_id"]}
                acct = x["trusted_account"]
                for other in (f"arn:aws:iam::{acct}:user/ci-other", f"arn:aws:iam::{acct}:root",
                              session(acct, "ci-pusher"), "arn:aws:iam::333333333333:user/ci-pusher",
                              f"arn:aws:iam::{spec['account']}:user/ci-pusher"):
                    self.assertFalse(can_assume(other, arn, trust, [side], good), other)

    def test_trust_names_exactly_the_principal_and_only_the_asked_conditions(self):
        for name in ("cartful", "proofs"):
            for spec, env, plan in self.each_env(name):
                with self.subTest(f"{env.name}/{env.env}"):
                    for key, x in spec["cross_account_roles"].items():
                        role = env.role(key, "cross_account_roles")
                        [st] = role.documents["trust"]["Statement"]
                        who = x.get("trusted_principal", "root")
                        self.assertEqual(st["Principal"], {"AWS": f"arn:aws:iam::{x['trusted_account']}:{who}"})
                        want = {}
                        if "external_id" in x:
                            want["StringEquals"] = {"sts:ExternalId": x["external_id"]}
                        if x.get("require_mfa"):
                            want["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
                        self.assertEqual(st.get("Condition", {}), want, key)
                        self.assertEqual(role.meta["max_session_duration"], 3600 * x.get("max_session_hours", 1))
                        self.assertEqual(role.meta["trusted_principal"], st["Principal"]["AWS"])

    def test_trusted_side_allows_assuming_that_role_only(self):
        for name in ("cartful", "proofs"):
            for spec, env, _ in self.each_env(name):
                with self.subTest(f"{env.name}/{env.env}"):
                    for key, x in spec["cross_account_roles"].items():
                        role = env.role(key, "cross_account_roles")
                        side = [role.documents["trusted_side"]]
                        caller = role.meta["trusted_principal"].replace(":root", ":user/someone")
                        arn = role.meta["arn"]
                        self.assertEqual(arn, f"arn:aws:iam::{spec['account']}:role/{spec['name']}-{key}")
                        # A stand-in trust policy that admits the whole trusted account,
                        # so the decision rests on the trusted side's policy alone.
                        admit = {"Version": "2012-10-17", "Statement": [{
                            "Effect": "Allow", "Action": "sts:*",
                            "Principal": {"AWS": f"arn:aws:iam::{x['trusted_account']}:root"}}]}
                        self.assertTrue(can_assume(caller, arn, admit, side))
                        for other in (arn + "-admin", arn.rsplit("/", 1)[0] + "/admin",
                                      arn.replace(spec["account"], "999999999999")):
                            self.assertFalse(can_assume(caller, other, admit, side), other)
                        self.assertFalse(can_assume(caller, arn, admit, side, action="sts:TagSession"))

    def test_account_root_trust_without_conditions_still_works(self):
        # No principal, no ExternalId, no MFA: generated, and any principal of the
        # trusted account whose own policy allows it can assume the role.
        for spec, env, _ in self.each_env("proofs"):
            with self.subTest(f"{env.name}/{env.env}"):
                role = env.role("deploy", "cross_account_roles")
                trust, side, arn = role.documents["trust"], role.documents["trusted_side"], role.meta["arn"]
                self.assertNotIn("Condition", trust["Statement"][0])
                for caller in ("arn:aws:iam::444455556666:user/anyone", session("444455556666", "ci")):
                    self.assertTrue(can_assume(caller, arn, trust, [side]), caller)
                    self.assertFalse(can_assume(caller, arn, trust, []), caller)
                self.assertFalse(can_assume("arn:aws:iam::444455550000:user/anyone", arn, trust, [side]))

    def test_mfa_and_external_id_both_required_when_asked(self):
        for spec, env, _ in self.each_env("proofs"):
            with self.subTest(f"{env.name}/{env.env}"):
                x = spec["cross_account_roles"]["audit-reader"]
                role = env.role("audit-reader", "cross_account_roles")
                trust, side, arn = role.documents["trust"], role.documents["trusted_side"], role.meta["arn"]
                auditor = session(x["trusted_account"], "auditor")
                both = {"sts:ExternalId": x["external_id"], "aws:MultiFactorAuthPresent": True}
                self.assertTrue(can_assume(auditor, arn, trust, [side], both))
                self.assertFalse(can_assume(auditor, arn, trust, [side], {"sts:ExternalId": x["external_id"]}))
                self.assertFalse(can_assume(auditor, arn, trust, [side],
                                            {**both, "aws:MultiFactorAuthPresent": False}))
                self.assertFalse(can_assume(auditor, arn, trust, [side], {"aws:MultiFactorAuthPresent": True}))
                self.assertFalse(can_assume(session(x["trusted_account"], "intern"), arn, trust, [side], both))


class TestRegistryGrants(Proofs):
    def check_grants(self, spec, env, key):
        x = spec["cross_account_roles"][key]
        role = env.role(key, "cross_account_roles")
        perms = [role.documents["permissions"]]
        me = session(spec["account"], role.meta["role"])
        listed = {"ecr_push": set(), "ecr_pull": set()}
        for grant in x["grants"]:
            for kind, regs in grant.items():
                listed[kind] |= {regs} if isinstance(regs, str) else set(regs)
        repo = f"arn:aws:ecr:{spec['region']}:{spec['account']}:repository/%s"
        for reg in sorted(set(spec.get("registries", {})) | {"not-listed"}):
            can = set()
            if reg in listed["ecr_push"]:
                can |= set(ACTIONS["ecr_push"])
            if reg in listed["ecr_pull"]:
                can |= set(ACTIONS["ecr_pull"])
            for action in ECR_ALL:
                self.assertEqual(allowed(me, action, repo % reg, perms), action in can, (reg, action))
        # The same repository names elsewhere are out of reach.
        for reg in listed["ecr_push"] | listed["ecr_pull"]:
            self.assertFalse(allowed(me, "ecr:BatchGetImage", repo.replace(spec["account"], "999999999999") % reg, perms))
            self.assertFalse(allowed(me, "ecr:BatchGetImage", repo.replace(spec["region"], "ap-south-1") % reg, perms))
        # The token is account-wide by design: its own statement, on "*" only.
        self.assertTrue(allowed(me, "ecr:GetAuthorizationToken", "*", perms))
        token = [st for st in perms[0]["Statement"] if "ecr:GetAuthorizationToken" in st["Action"]]
        self.assertEqual(len(token), 1)
        self.assertEqual((token[0]["Action"], token[0]["Resource"]), (["ecr:GetAuthorizationToken"], "*"))
        for st in perms[0]["Statement"]:
            if st is not token[0]:
                self.assertNotIn("*", st["Resource"])

    def test_ecr_push_role_pushes_to_exactly_the_listed_repositories(self):
        for spec, env, _ in self.each_env("cartful"):
            with self.subTest(f"{env.name}/{env.env}"):
                self.check_grants(spec, env, "ecr-push")
                role = env.role("ecr-push", "cross_account_roles")
                me, perms = session(spec["account"], role.meta["role"]), [role.documents["permissions"]]
                for reg in spec["cross_account_roles"]["ecr-push"]["grants"][0]["ecr_push"]:
                    arn = f"arn:aws:ecr:{spec['region']}:{spec['account']}:repository/{reg}"
                    self.assertTrue(allowed(me, "ecr:PutImage", arn, perms))
                    self.assertFalse(allowed(me, "ecr:DeleteRepository", arn, perms))
                unlisted = f"arn:aws:ecr:{spec['region']}:{spec['account']}:repository/unlisted"
                self.assertFalse(allowed(me, "ecr:PutImage", unlisted, perms))

    def test_split_grants_merge_and_pull_is_read_only(self):
        for spec, env, _ in self.each_env("proofs"):
            with self.subTest(f"{env.name}/{env.env}"):
                for key in spec["cross_account_roles"]:
                    self.check_grants(spec, env, key)
                sids = [st["Sid"] for st in env.role("deploy").documents["permissions"]["Statement"]]
                self.assertEqual(sids, ["EcrAuthorizationToken", "EcrPush", "EcrPull"])


class TestTaskRoles(Proofs):
    def check_tables(self, spec, env):
        tables = sorted(spec.get("tables", {}))
        self.assertTrue(tables)
        for svc, s in spec["services"].items():
            role = env.role(svc, "services")
            perms = [role.documents["permissions"]] if "permissions" in role.documents else []
            me = session(spec["account"], role.meta["role"])
            modes = {a["table"]: a.get("mode", "read") for a in s.get("access", []) if "table" in a}
            for table in tables + ["not-in-spec"]:
                arn = f"arn:aws:dynamodb:{spec['region']}:{spec['account']}:table/{spec['name']}-{table}"
                can = set(TABLE_MODES[modes[table]]) if table in modes else set()
                for action in ALL_TABLE_ACTIONS + ["dynamodb:DeleteTable", "dynamodb:UpdateTable"]:
                    for res in (arn, arn + "/index/by_owner"):
                        self.assertEqual(allowed(me, action, res, perms), action in can, (svc, table, action, res))
                self.assertFalse(allowed(me, "dynamodb:GetItem", arn + "-copy", perms))

    def check_databases(self, spec, env):
        for svc, s in spec["services"].items():
            role = env.role(svc, "services")
            perms = [deployed(role.texts["permissions"])] if "permissions" in role.texts else []
            me = session(spec["account"], role.meta["role"])
            listed = {a["database"] for a in s.get("access", []) if "database" in a}
            for db, d in spec.get("databases", {}).items():
                user = d.get("username", "app")
                arn = f"arn:aws:rds-db:{spec['region']}:{spec['account']}:dbuser:{resource_id(db)}/%s"
                can = db in listed and d.get("iam_auth", True)
                self.assertEqual(allowed(me, "rds-db:connect", arn % user, perms), can, (svc, db))
                self.assertFalse(allowed(me, "rds-db:connect", arn % "admin", perms), (svc, db))
                other = arn.replace(resource_id(db), "db-SOMEOTHERDB0") % user
                self.assertFalse(allowed(me, "rds-db:connect", other, perms), (svc, db))

    def test_each_task_role_reaches_its_own_tables_with_the_declared_mode(self):
        for name in ("cartful", "proofs"):
            for spec, env, _ in self.each_env(name):
                with self.subTest(f"{env.name}/{env.env}"):
                    self.check_tables(spec, env)

    def test_each_task_role_connects_only_to_its_databases(self):
        for name in ("cartful", "proofs"):
            for spec, env, _ in self.each_env(name):
                with self.subTest(f"{env.name}/{env.env}"):
                    self.check_databases(spec, env)

    def test_a_service_without_access_has_no_permissions(self):
        for spec, env, _ in self.each_env("proofs"):
            with self.subTest(f"{env.name}/{env.env}"):
                self.assertNotIn("permissions", env.role("idle", "services").documents)

    def test_task_trust_is_ecs_tasks_of_this_account(self):
        for name in ("cartful", "proofs", "pods"):
            for spec, env, _ in self.each_env(name):
                with self.subTest(f"{env.name}/{env.env}"):
                    for svc in spec["services"]:
                        role = env.role(svc, "services")
                        trust, arn = role.documents["trust"], role.meta["arn"]
                        src = {"aws:SourceAccount": spec["account"],
                               "aws:SourceArn": f"arn:aws:ecs:{spec['region']}:{spec['account']}:task/x/1"}
                        ok = Request("sts:AssumeRole", arn, principal="ecs-tasks.amazonaws.com", context=src)
                        self.assertEqual(evaluate(ok, trust_policy=trust), ALLOW)
                        deputy = Request("sts:AssumeRole", arn, principal="ecs-tasks.amazonaws.com",
                                         context={**src, "aws:SourceAccount": "999999999999"})
                        self.assertNotEqual(evaluate(deputy, trust_policy=trust), ALLOW)
                        self.assertFalse(can_assume(f"arn:aws:iam::{spec['account']}:user/dev", arn, trust, []))


WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"


def service_accounts(env):
    """{(namespace, name): role ARN annotation} of every ServiceAccount the
    Kubernetes target wrote for this environment."""
    found = {}
    for path in sorted((env.folder.parent / "kubernetes").glob("service-*.yaml")):
        for obj in yaml.safe_load_all(path.read_text()):
            if obj and obj.get("kind") == "ServiceAccount":
                meta = obj["metadata"]
                found[(meta["namespace"], meta["name"])] = (meta.get("annotations") or {}).get(
                    "eks.amazonaws.com/role-arn")
    return found


class TestServiceAccountTrust(Proofs):
    """IRSA: pods assume their service's task role through the cluster's OIDC provider."""

    def provider(self, spec, env):
        overlay = (spec.get("environments") or {}).get(env.env) or {}
        return (overlay.get("kubernetes") or spec["kubernetes"])["oidc_provider"]

    def web_identity(self, spec, provider, namespace, name, aud="sts.amazonaws.com"):
        """(principal, context) of a pod's projected token as STS sees it."""
        principal = f"arn:aws:iam::{spec['account']}:oidc-provider/{provider}"
        context = {f"{provider}:sub": f"system:serviceaccount:{namespace}:{name}"}
        if aud is not None:
            context[f"{provider}:aud"] = aud
        return principal, context

    def test_each_service_account_assumes_its_own_task_role_only(self):
        for spec, env, _ in self.each_env("pods"):
            with self.subTest(f"{env.name}/{env.env}"):
                provider = self.provider(spec, env)
                accounts = service_accounts(env)
                self.assertEqual(len(accounts), len(spec["services"]))
                namespaces = {ns for ns, _ in accounts}
                self.assertEqual(namespaces, {spec["name"] if env.env == "base" else f"{spec['name']}-{env.env}"})
                roles = {env.role(svc, "services").meta["arn"]: env.role(svc, "services")
                         for svc in spec["services"]}
                self.assertEqual(set(accounts.values()), set(roles))
                for (ns, name), arn in accounts.items():
                    trust = roles[arn].documents["trust"]
                    who, ctx = self.web_identity(spec, provider, ns, name)
                    self.assertTrue(can_assume(who, arn, trust, [], ctx, action=WEB_IDENTITY), (ns, name))
                    # Not with another verb, audience, namespace or cluster.
                    self.assertFalse(can_assume(who, arn, trust, [], ctx), (ns, name))
                    for aud in ("sts.amazonaws.com.evil", "https://kubernetes.default.svc", None):
                        bad_who, bad = self.web_identity(spec, provider, ns, name, aud)
                        self.assertFalse(can_assume(bad_who, arn, trust, [], bad, action=WEB_IDENTITY), aud)
                    for other_ns in ("default", "kube-system", ns + "-x", spec["name"] + "-prod"):
                        bad_who, bad = self.web_identity(spec, provider, other_ns, name)
                        self.assertFalse(can_assume(bad_who, arn, trust, [], bad, action=WEB_IDENTITY), other_ns)
                    # Another cluster's provider, with its own claims or with these.
                    other_cluster = provider.rsplit("/", 1)[0] + "/0BADC0FFEE0BADC0FFEE0BADC0FFEE00"
                    bad_who, bad = self.web_identity(spec, other_cluster, ns, name)
                    self.assertFalse(can_assume(bad_who, arn, trust, [], bad, action=WEB_IDENTITY))
                    self.assertFalse(can_assume(bad_who, arn, trust, [], ctx, action=WEB_IDENTITY))
                    # Every other ServiceAccount of the namespace, and the default one, is refused.
                    for ons, oname in (set(accounts) - {(ns, name)}) | {(ns, "default")}:
                        bad_who, bad = self.web_identity(spec, provider, ons, oname)
                        self.assertFalse(can_assume(bad_who, arn, trust, [], bad, action=WEB_IDENTITY), oname)

    def test_other_environments_clusters_cannot_assume(self):
        spec, envs, _ = SPECS["pods"]
        by_env = {e.env: e for e in envs}
        self.assertEqual(set(by_env), {"base", "dev"})
        for env in envs:
            for other in envs:
                if other is env:
                    continue
                with self.subTest(f"{other.env} -> {env.env}"):
                    provider = self.provider(spec, other)
                    self.assertNotEqual(provider, self.provider(spec, env))
                    other_ns = {ns for ns, _ in service_accounts(other)}
                    for (ns, name), arn in service_accounts(env).items():
                        trust = next(r for r in env.roles if r.meta.get("arn") == arn).documents["trust"]
                        for claim_ns in {ns} | other_ns:
                            who, ctx = self.web_identity(spec, provider, claim_ns, name)
                            self.assertFalse(can_assume(who, arn, trust, [], ctx, action=WEB_IDENTITY))

    def test_no_web_identity_without_oidc_provider(self):
        for name in ("cartful", "proofs"):
            for spec, env, _ in self.each_env(name):
                with self.subTest(f"{env.name}/{env.env}"):
                    self.assertNotIn("kubernetes", spec)
                    for svc in spec["services"]:
                        trust = env.role(svc, "services").documents["trust"]
                        self.assertEqual([st["Action"] for st in trust["Statement"]], ["sts:AssumeRole"])
                        self.assertNotIn("Federated", json.dumps(trust))


class TestTaskExecutionRole(Proofs):
    def test_pulls_logs_and_secrets_of_the_services_only(self):
        for name in ("cartful", "proofs"):
            for spec, env, plan in self.each_env(name):
                with self.subTest(f"{env.name}/{env.env}"):
                    role = env.role("task_execution")
                    perms = [role.documents["permissions"]]
                    me = session(spec["account"], role.meta["role"])
                    acct, region = spec["account"], spec["region"]
                    prefix = f"{acct}.dkr.ecr.{region}.amazonaws.com/"
                    images = {s["image"][len(prefix):].split(":")[0] for s in spec["services"].values()
                              if s["image"].startswith(prefix)}
                    for reg in sorted(set(spec.get("registries", {})) | {"not-listed"}):
                        arn = f"arn:aws:ecr:{region}:{acct}:repository/{reg}"
                        for action in ECR_ALL:
                            want = reg in images and action in ACTIONS["ecr_pull"]
                            self.assertEqual(allowed(me, action, arn, perms), want, (reg, action))
                    groups = {r["key"]: r["name"] for r in plan["resources"] if r["kind"] == "log_group"}
                    for svc in spec["services"]:
                        group = groups[f"service_{svc}"]
                        stream = f"arn:aws:logs:{region}:{acct}:log-group:{group}:log-stream:ecs/{svc}/1"
                        self.assertTrue(allowed(me, "logs:PutLogEvents", stream, perms))
                        self.assertFalse(allowed(me, "logs:DeleteLogGroup", stream, perms))
                    for key, group in groups.items():
                        if not key.startswith("service_"):
                            stream = f"arn:aws:logs:{region}:{acct}:log-group:{group}:log-stream:x"
                            self.assertFalse(allowed(me, "logs:PutLogEvents", stream, perms), group)
                    secrets = [v for s in spec["services"].values() for v in (s.get("secrets") or {}).values()]
                    for arn in secrets:
                        self.assertTrue(allowed(me, "secretsmanager:GetSecretValue", arn, perms))
                    other = f"arn:aws:secretsmanager:{region}:{acct}:secret:{spec['name']}/other-AbCdEf"
                    self.assertFalse(allowed(me, "secretsmanager:GetSecretValue", other, perms))
                    self.assertFalse(allowed(me, "dynamodb:GetItem",
                                             f"arn:aws:dynamodb:{region}:{acct}:table/{spec['name']}-x", perms))


if __name__ == "__main__":
    unittest.main()
