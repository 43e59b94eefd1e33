"""CloudFormation and Terraform carry exactly the IAM documents `infrac policy` prints.

One infrac run builds the plan, cloudformation, terraform and policies
targets of every spec and example (and tests/policy/specs/) in every
environment. For each environment the template's IAM parts are read back:
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

The Terraform tree is read the same way: every .tf file of every
environment through @cdktf/hcl2json (one node process, hcl2json.mjs), then
each `jsonencode(...)` expression parsed (the HCL expressions infrac
writes: objects, lists, strings and templates, numbers, booleans, null,
references; any other function or a template directive fails the test):
  * every aws_iam_role: its name, max_session_duration and
    assume_role_policy, with the policy of every aws_iam_role_policy (and
    aws_iam_policy through aws_iam_role_policy_attachment, or an
    inline_policy block) whose role refers to it;
  * every output whose value is a jsonencode'd policy document: the
    trusted side.
A reference aws_<type>.<label>.<attr> names the plan resource of plan.json
whose kind the type names (aws_<kind>, or ending in _<kind> as
aws_cloudwatch_log_group does) and whose key is the label (or the label
snake_name makes of a key that is not lower snake case); the attribute
goes back to the plan's name (unique_id is id, as docs/terraform.md and
src/emit/terraform.c map them). It resolves to the value the plan knows,
else to the placeholder ${<plan id>.<attr>}, and data sources to the
plan's account, partition and region. The documents must equal, after
parsing, those of the policies target, role for role.

Specs without an account are left out: there the template writes
${AWS::AccountId} and Terraform the log group's arn where the policies
print ${account}, and all are right.

Run: INFRAC=build/infrac python3 -m unittest -v test_targets_agree (from here)
"""

import json
import re
import subprocess
import tempfile
import unittest
from pathlib import Path

import generated

# CloudFormation attribute names -> plan attribute names (docs/plan.md).
CFN_ATTRS = {"Arn": "arn", "DbiResourceId": "resource_id", "RoleId": "id",
             "Endpoint.Address": "endpoint", "DNSName": "dns_name", "AllocationId": "allocation_id"}
POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")

CASES = []      # (label, template, plan, Environment)
TF_CASES = []   # (label, {file: hcl2json of it}, plan, Environment)
_tmp = None


def hcl2json(dirs):
    """{dir: {file: parsed}} for every .tf file of each dir, in one node process."""
    proc = subprocess.run(["node", str(generated.HERE / "hcl2json.mjs"), *map(str, dirs)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError(f"hcl2json.mjs exited {proc.returncode} (node and npm are required):\n{proc.stderr}")
    return json.loads(proc.stdout)


def setUpModule():
    global _tmp
    _tmp = tempfile.TemporaryDirectory(prefix="infrac-agree-")
    out = Path(_tmp.name)
    generated.run("build", "--target", "plan,cloudformation,terraform,policies", "--all-envs", "-o", str(out),
                  *map(str, generated.spec_files()))
    tf = []
    for env in generated.environments(out):
        env_dir = env.folder.parent
        plan = json.loads((env_dir / "plan.json").read_text())
        if plan["account"] is None:
            continue
        [template] = (env_dir / "cloudformation").glob("*.json")
        CASES.append((f"{env.name}/{env.env}", json.loads(template.read_text()), plan, env))
        tf.append((f"{env.name}/{env.env}", env_dir / "terraform", plan, env))
    trees = hcl2json([d for _, d, _, _ in tf])
    for label, tf_dir, plan, env in tf:
        TF_CASES.append((label, trees[str(tf_dir)], plan, env))


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


class Ref:
    """A Terraform reference (a traversal such as aws_iam_role.x.arn)."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return f"Ref({self.text})"


class Concat:
    """A string template: literal strings and interpolated values, in order."""

    def __init__(self, parts):
        self.parts = parts


class JsonEncoded:
    """The value of jsonencode(x): the document x."""

    def __init__(self, value):
        self.value = value


class Hcl:
    """The HCL expressions infrac writes, parsed from hcl2json's strings.

    hcl2json reports an attribute as Terraform's JSON syntax does: a string
    is a template (a literal "${" is written "$${"), and an expression that
    is not a plain string is the template "${<native HCL source>}". The
    native source is parsed here: objects (keys bare or quoted, = or :),
    lists, quoted strings with escapes and interpolations, numbers, true,
    false, null, traversals and jsonencode(). Anything else fails."""

    ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}

    def __init__(self, text):
        self.s, self.i = text, 0

    @classmethod
    def template_value(cls, text):
        """The value of a whole JSON-syntax template string."""
        p = cls(text)
        return p.template(None, quoted=False)

    def fail(self, msg):
        raise AssertionError(f"{msg} at {self.i} in {self.s[max(0, self.i - 40):self.i + 40]!r}")

    def ws(self):
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t\r\n":
                self.i += 1
            elif c == "#" or self.s.startswith("//", self.i):
                while self.i < len(self.s) and self.s[self.i] != "\n":
                    self.i += 1
            else:
                return

    def eat(self, tok):
        self.ws()
        if self.s.startswith(tok, self.i):
            self.i += len(tok)
            return True
        return False

    def expect(self, tok):
        if not self.eat(tok):
            self.fail(f"expected {tok}")

    def ident(self):
        self.ws()
        m = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*").match(self.s, self.i)
        if not m:
            return None
        self.i = m.end()
        return m.group(0)

    def expr(self):
        self.ws()
        c = self.s[self.i:self.i + 1]
        if c == '"':
            self.i += 1
            return self.template('"', quoted=True)
        if c == "[":
            self.i += 1
            items = []
            while not self.eat("]"):
                items.append(self.expr())
                if not self.eat(","):
                    self.expect("]")
                    break
            return items
        if c == "{":
            self.i += 1
            obj = {}
            while not self.eat("}"):
                self.ws()
                if self.s[self.i:self.i + 1] == '"':
                    self.i += 1
                    key = self.template('"', quoted=True)
                    if not isinstance(key, str):
                        self.fail("an object key must be a plain string")
                else:
                    key = self.ident()
                if key is None:
                    self.fail("expected an object key")
                if not self.eat("=") and not self.eat(":"):
                    self.fail("expected = after an object key")
                if key in obj:
                    self.fail(f"duplicate key {key}")
                obj[key] = self.expr()
                self.eat(",")
            return obj
        m = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?").match(self.s, self.i)
        if m:
            self.i = m.end()
            return float(m.group(0)) if m.group(1) or m.group(2) else int(m.group(0))
        start = self.i
        name = self.ident()
        if name is None:
            self.fail("expected an expression")
        if name in ("true", "false", "null") and self.s[self.i:self.i + 1] not in (".", "["):
            return {"true": True, "false": False, "null": None}[name]
        if self.s[self.i:self.i + 1] == "(":
            self.i += 1
            if name != "jsonencode":
                self.fail(f"function {name}() is not one the comparison knows")
            arg = self.expr()
            self.expect(")")
            return JsonEncoded(arg)
        while True:   # a traversal: .name or [index]
            if self.s[self.i:self.i + 1] == "." and re.match(r"[A-Za-z_]", self.s[self.i + 1:self.i + 2]):
                self.i += 1
                self.ident()
            elif self.s[self.i:self.i + 1] == "[":
                close = self.s.find("]", self.i)
                if close < 0:
                    self.fail("unclosed index")
                self.i = close + 1
            else:
                break
        return Ref(self.s[start:self.i])

    def template(self, end, quoted):
        """A template up to end (None: the whole text); quoted: native escapes."""
        parts, lit = [], ""
        while True:
            if self.i >= len(self.s):
                if end is None:
                    break
                self.fail("unterminated string")
            c = self.s[self.i]
            if end is not None and c == end:
                self.i += 1
                break
            if quoted and c == "\\":
                e = self.s[self.i + 1:self.i + 2]
                if e in self.ESCAPES:
                    lit += self.ESCAPES[e]
                    self.i += 2
                elif e in ("u", "U"):
                    n = 4 if e == "u" else 8
                    digits = self.s[self.i + 2:self.i + 2 + n]
                    if not re.fullmatch(r"[0-9A-Fa-f]{%d}" % n, digits):
                        self.fail("bad unicode escape")
                    lit += chr(int(digits, 16))
                    self.i += 2 + n
                else:
                    self.fail(f"bad escape \\{e}")
                continue
            if c in "$%" and self.s.startswith(c + c + "{", self.i):
                lit += c + "{"
                self.i += 3
                continue
            if c == "%" and self.s.startswith("%{", self.i):
                self.fail("a template directive")
            if c == "$" and self.s.startswith("${", self.i):
                self.i += 2
                if lit:
                    parts.append(lit)
                lit = ""
                parts.append(self.expr())
                self.expect("}")
                continue
            lit += c
            self.i += 1
        if lit:
            parts.append(lit)
        if len(parts) == 1:
            return parts[0]
        return Concat(parts) if parts else ""


# Terraform attribute names -> plan attribute names where they differ
# (src/emit/terraform.c, KINDS; docs/plan.md).
TF_ATTRS = {("aws_iam_role", "unique_id"): "id", ("aws_db_instance", "identifier"): "id",
            ("aws_ecr_repository", "repository_url"): "url"}
TF_DATA = {"data.aws_caller_identity.current.account_id": "account",
           "data.aws_partition.current.partition": "partition",
           "data.aws_region.current.name": "region", "data.aws_region.current.region": "region"}
IAM_TYPES = {"aws_iam_role", "aws_iam_role_policy", "aws_iam_policy", "aws_iam_role_policy_attachment"}


def fnv1a(s):
    h = 2166136261
    for b in s.encode("utf-8"):
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def snake_name(key):
    """src/emit/terraform.c snake_name: the resource name of a plan key."""
    if re.fullmatch(r"[a-z][a-z0-9]*([_-][a-z0-9]+)*", key):
        return key.replace("-", "_")
    digits, h, suffix = "0123456789abcdefghijklmnopqrstuvwxyz", fnv1a(key), ""
    for _ in range(6):
        suffix += digits[h % 36]
        h //= 36
    raw = key.encode("utf-8").lower()   # byte by byte, as the C code walks it
    words = re.sub(rb"[^a-z0-9]+", b"_", raw).strip(b"_").decode("ascii")
    head = "_" if words[:1].isdigit() else ""
    return head + words + "__" + suffix


class TerraformDeploy:
    """Resolves a Terraform tree's references with what the plan knows."""

    def __init__(self, files, plan):
        self.resources, self.outputs = {}, {}
        for f, j in sorted(files.items()):
            for rtype, by_label in j.get("resource", {}).items():
                for label, bodies in by_label.items():
                    if (rtype, label) in self.resources:
                        raise AssertionError(f"{rtype}.{label} declared twice")
                    self.resources[(rtype, label)] = bodies[0]
            for name, bodies in j.get("output", {}).items():
                self.outputs[name] = bodies[0]
        self.plan = plan
        self.known = Deploy({"Resources": {}}, plan).known
        self.by_kind = {}
        for r in plan["resources"]:
            self.by_kind.setdefault(r["kind"], []).append(r)

    def plan_id(self, rtype, label):
        kinds = [k for k in self.by_kind if rtype == "aws_" + k or rtype.endswith("_" + k)]
        found = [r["id"] for k in kinds for r in self.by_kind[k] if label in (r["key"], snake_name(r["key"]))]
        if len(found) != 1:
            raise AssertionError(f"{rtype}.{label} names {len(found)} plan resources: {found}")
        return found[0]

    def ref(self, text):
        if text in TF_DATA:
            return self.plan[TF_DATA[text]]
        m = re.fullmatch(r"(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)", text)
        if not m:
            raise AssertionError(f"reference {text} in an IAM document: the comparison does not know it")
        rtype, label, attr = m.groups()
        pid = self.plan_id(rtype, label)
        attr = TF_ATTRS.get((rtype, attr), attr)
        return self.known.get((pid, attr), f"${{{pid}.{attr}}}")

    def value(self, v):
        if isinstance(v, Ref):
            return self.ref(v.text)
        if isinstance(v, Concat):
            parts = [self.value(p) for p in v.parts]
            if not all(isinstance(p, str) for p in parts):
                raise AssertionError(f"a template of a non-string: {parts!r}")
            return "".join(parts)
        if isinstance(v, JsonEncoded):
            return self.value(v.value)
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if isinstance(v, dict):
            return {k: self.value(x) for k, x in v.items()}
        return v

    def attr(self, body, name):
        """An attribute of a block as hcl2json reports it, parsed and resolved."""
        raw = body.get(name)
        return self.value(Hcl.template_value(raw)) if isinstance(raw, str) else raw

    def document(self, body, name):
        raw = body.get(name)
        parsed = Hcl.template_value(raw) if isinstance(raw, str) else None
        if not isinstance(parsed, JsonEncoded):
            raise AssertionError(f"{name} is not a jsonencode(...) document: {raw!r}")
        return self.value(parsed)

    def role_label(self, body, name):
        """The aws_iam_role label a role or policy_arn argument refers to."""
        parsed = Hcl.template_value(body[name])
        if not isinstance(parsed, Ref):
            raise AssertionError(f"{name} = {body[name]!r} is not a reference")
        return parsed.text.split(".")[1]


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



class TestTerraformCarriesThePolicies(unittest.TestCase):
    def test_there_is_something_to_compare(self):
        self.assertIn("cartful/base", [label for label, *_ in TF_CASES])
        self.assertEqual([label for label, *_ in TF_CASES], [label for label, *_ in CASES])

    def test_roles_carry_exactly_the_documents(self):
        for label, files, plan, env in TF_CASES:
            with self.subTest(label):
                tf = TerraformDeploy(files, plan)
                types = {rtype for rtype, _ in tf.resources}
                unknown = {t for t in types if t.startswith("aws_iam_")} - IAM_TYPES
                self.assertEqual(unknown, set(), "IAM resource types the comparison does not read")
                roles = {lbl: body for (rtype, lbl), body in tf.resources.items() if rtype == "aws_iam_role"}
                attached = {lbl: [] for lbl in roles}
                managed = {lbl: tf.document(body, "policy") for (rtype, lbl), body in tf.resources.items()
                           if rtype == "aws_iam_policy"}
                for lbl, body in roles.items():
                    for inline in body.get("inline_policy", []):
                        attached[lbl].append(tf.document(inline, "policy"))
                for (rtype, lbl), body in tf.resources.items():
                    if rtype == "aws_iam_role_policy":
                        attached[tf.role_label(body, "role")].append(tf.document(body, "policy"))
                    elif rtype == "aws_iam_role_policy_attachment":
                        attached[tf.role_label(body, "role")].append(managed[tf.role_label(body, "policy_arn")])
                mine = {r.meta["role"]: r for r in env.roles}
                seen = set()
                for lbl, body in roles.items():
                    name = tf.attr(body, "name")
                    self.assertIn(name, mine, f"aws_iam_role.{lbl}: a role the policies target does not have")
                    role = mine[name]
                    seen.add(name)
                    self.assertEqual(tf.document(body, "assume_role_policy"), role.documents["trust"], name)
                    want = [role.documents["permissions"]] if "permissions" in role.documents else []
                    self.assertEqual(attached[lbl], want, name)
                    self.assertEqual(tf.attr(body, "max_session_duration"), role.meta.get("max_session_duration"), name)
                self.assertEqual(seen, set(mine))

    def test_outputs_carry_the_trusted_sides(self):
        for label, files, plan, env in TF_CASES:
            with self.subTest(label):
                tf = TerraformDeploy(files, plan)
                found = []
                for name, output in tf.outputs.items():
                    raw = output.get("value")
                    parsed = Hcl.template_value(raw) if isinstance(raw, str) else None
                    if isinstance(parsed, JsonEncoded):
                        doc = tf.value(parsed)
                        if isinstance(doc, dict) and "Statement" in doc:
                            found.append(doc)
                want = [r.documents["trusted_side"] for r in env.roles if "trusted_side" in r.documents]
                key = lambda d: json.dumps(d, sort_keys=True)
                self.assertEqual(sorted(found, key=key), sorted(want, key=key))


class TestTheParser(unittest.TestCase):
    """The expression reader itself, on the forms infrac writes."""

    def test_values_templates_and_references(self):
        v = Hcl.template_value('${jsonencode({\n  A = "x${aws_s3_bucket.b.arn}/*"\n  "k:y" = [1, true, null, "$${lit}",]\n'
                               '  R = aws_iam_role.r-1.arn\n})}')
        self.assertIsInstance(v, JsonEncoded)
        self.assertEqual(list(v.value), ["A", "k:y", "R"])
        self.assertEqual([p if isinstance(p, str) else p.text for p in v.value["A"].parts], ["x", "aws_s3_bucket.b.arn", "/*"])
        self.assertEqual(v.value["k:y"], [1, True, None, "${lit}"])
        self.assertEqual(v.value["R"].text, "aws_iam_role.r-1.arn")
        self.assertEqual(Hcl.template_value('a\\"$${b}'), 'a\\"${b}')

    def test_what_infrac_never_writes_fails(self):
        for text in ('${jsonencode(file("x"))}', '%{ if true }x%{ endif }', '${jsonencode({A = "\\q"})}',
                     '${jsonencode({A = 1, A = 2})}'):
            with self.assertRaises(AssertionError):
                Hcl.template_value(text)

    def test_snake_name_matches_the_emitter(self):
        # tests/policy/specs hold no such key; the label infrac writes for one is the oracle
        self.assertEqual(snake_name("configs"), "configs")
        self.assertEqual(snake_name("ledger-api"), "ledger_api")
        self.assertRegex(snake_name("ledger.api"), r"^ledger_api__[0-9a-z]{6}$")
        out = Path(_tmp.name) / "ident"
        spec = out / "spec.yaml"
        out.mkdir()
        spec.write_text('infrac: 1\nname: ident\nregion: us-east-1\naccount: "123456789012"\n'
                        'tables: {"2fa.codes": {key: {hash: id}}, "Orders.v2-Final": {key: {hash: id}},'
                        ' "ledger-api": {key: {hash: id}}, "ledger.api": {key: {hash: id}}}\n')
        generated.run("build", "--target", "terraform", "-o", str(out / "out"), str(spec))
        tf = (out / "out" / "ident" / "base" / "terraform" / "tables.tf").read_text()
        for key in ("2fa.codes", "Orders.v2-Final", "ledger-api", "ledger.api"):
            self.assertIn(f'resource "aws_dynamodb_table" "{snake_name(key)}"', tf)


if __name__ == "__main__":
    unittest.main()
