"""The architecture diagram, read back by the tools that draw it.

Every spec in specs/, examples/ and tests/graph/specs/ is built once per
process (targets graph and plan, every environment). The DOT is read back
through Graphviz itself (`dot -Tjson0`), never by matching strings, and
compared with the plan it was drawn from (Structure) and with what the
spec asks for (Intent). The Mermaid files go through the npm mermaid
package's parser and must describe the same picture (Mermaid). Escaping
is proven with a diagram of hostile strings written by the unit test
binary (Escaping), and docs/cartful.svg must be what dot renders today
(Fresh).

INFRAC names the binary; GRAPH_HOSTILE the test_graph binary. Graphviz and
Node.js are required: a missing tool fails with the command that installs it.
"""
import atexit
import glob
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SYNTHETIC = {"internet", "clients", "endpoints", "legend"}
# The class of the node drawing each kind of plan resource.
NODE_CLASS = {
    "subnet": "subnet", "nat_gateway": "nat", "internet_gateway": "igw", "load_balancer": "alb",
    "ecs_service": "service", "db_instance": "database", "dynamodb_table": "table",
    "ecr_repository": "registry", "trusted_policy": "principal",
}


def infrac():
    path = os.environ.get("INFRAC")
    if not path or not os.access(path, os.X_OK):
        raise AssertionError("INFRAC must name the infrac binary")
    return path


def need(tool, install):
    if not shutil.which(tool):
        raise AssertionError(f"{tool} is missing: {install}")


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def spec_files():
    found = []
    for pattern in ("specs/*.yaml", "specs/*.json", "examples/*/spec.yaml", "examples/*/spec.json",
                    "tests/graph/specs/*.yaml", "tests/graph/specs/*.json"):
        found += sorted(glob.glob(os.path.join(TOP, pattern)))
    return found


_CASES = None


def cases():
    """Every (spec, environment) built once: a list of dicts with the
    diagram files, the plan and the spec they came from."""
    global _CASES
    if _CASES is not None:
        return _CASES
    tmp = tempfile.mkdtemp(prefix="graph-test-")
    atexit.register(shutil.rmtree, tmp, True)
    _CASES = []
    for spec in spec_files():
        out = os.path.join(tmp, str(len(_CASES)) + "-" + os.path.basename(os.path.dirname(spec)))
        r = run([infrac(), "build", "--target", "graph,plan", "--all-envs", "-o", out, spec])
        if r.returncode != 0:
            raise AssertionError(f"infrac build failed for {spec}:\n{r.stderr}")
        for env_dir in sorted(glob.glob(os.path.join(out, "*", "*"))):
            with open(os.path.join(env_dir, "plan.json")) as f:
                plan = json.load(f)
            _CASES.append({
                "spec": spec, "env": os.path.basename(env_dir), "dir": env_dir, "plan": plan,
                "dot": os.path.join(env_dir, "diagram.dot"), "mmd": os.path.join(env_dir, "diagram.mmd"),
                "name": f"{os.path.relpath(spec, TOP)} [{os.path.basename(env_dir)}]",
            })
    if not _CASES:
        raise AssertionError("no spec produced a diagram")
    return _CASES


def label_text(label):
    """The text a reader sees in an HTML-like DOT label."""
    if label is None:
        return ""
    s = re.sub(r"<br\s*/?>", "\n", label)
    s = re.sub(r"<[^>]*>", "", s)
    return html.unescape(s)


class Dot:
    """A DOT file as Graphviz reads it (`dot -Tjson0`)."""

    def __init__(self, path):
        need("dot", "apt-get install graphviz (tools/deps installs it)")
        r = run(["dot", "-Tjson0", path])
        if r.returncode != 0 or r.stderr:
            raise AssertionError(f"dot cannot read {path}:\n{r.stderr}")
        j = json.loads(r.stdout)
        objs = j.get("objects", [])
        nsub = j.get("_subgraph_cnt", 0)
        self.clusters = {}     # name -> {"parent": name or None, "text": str, "cls": attrs}
        parent_of_sub = {}
        for o in objs[:nsub]:
            for c in o.get("subgraphs", []):
                parent_of_sub[c] = o["_gvid"]
        for o in objs[:nsub]:
            if not o["name"].startswith("cluster"):
                continue
            p = parent_of_sub.get(o["_gvid"])
            self.clusters[o["name"]] = {
                "parent": objs[p]["name"] if p is not None else None,
                "text": label_text(o.get("label")), "style": o.get("style", ""),
                "nodes": set(o.get("nodes", [])),
            }
        self.nodes = {}
        by_gvid = {}
        for o in objs[nsub:]:
            # infrac doubles a backslash in an ID; Graphviz keeps it so.
            name = o["name"].replace("\\\\", "\\")
            n = {"id": name, "cls": o.get("class"), "text": label_text(o.get("label")), "box": None}
            self.nodes[name] = n
            by_gvid[o["_gvid"]] = n
        # A node's box is the deepest cluster that lists it.
        for name, c in self.clusters.items():
            for g in c["nodes"]:
                n = by_gvid[g]
                if n["box"] is None or self.depth(name) > self.depth(n["box"]):
                    n["box"] = name
        self.edges = []
        for e in j.get("edges", []):
            self.edges.append({
                "from": by_gvid[e["tail"]]["id"], "to": by_gvid[e["head"]]["id"], "cls": e.get("class"),
                "text": label_text(e.get("label") or e.get("xlabel")), "dir": e.get("dir", "forward"),
                "style": e.get("style", ""),
            })

    def depth(self, cluster):
        d = 0
        while cluster:
            cluster = self.clusters[cluster]["parent"]
            d += 1
        return d

    def chain(self, node_id):
        """The boxes around a node, innermost first."""
        out, c = [], self.nodes[node_id]["box"]
        while c:
            out.append(c)
            c = self.clusters[c]["parent"]
        return out

    def visible(self):
        return [e for e in self.edges if e["cls"] != "layout"]


_DOTS = {}


def dot_of(case):
    if case["dot"] not in _DOTS:
        _DOTS[case["dot"]] = Dot(case["dot"])
    return _DOTS[case["dot"]]


# ---- what the plan says should be drawn ----

def refs(v):
    """Every resource a value names through a reference."""
    if isinstance(v, dict):
        if "ref" in v:
            return [v["ref"]]
        if "join" in v:
            return [r for p in v["join"] for r in refs(p)]
        return []
    if isinstance(v, list):
        return [r for x in v for r in refs(x)]
    return []


def ref(v):
    return v.get("ref") if isinstance(v, dict) else None


def actions_template():
    with open(os.path.join(TOP, "templates", "iam", "actions.yaml")) as f:
        return yaml.safe_load(f)


def set_name(actions, statement, prefix):
    acts = statement.get("Action")
    acts = sorted([acts] if isinstance(acts, str) else acts or [])
    for name, listed in actions.items():
        if name.startswith(prefix) and sorted(listed) == acts:
            return name[len(prefix):]
    return None


class PlanView:
    def __init__(self, plan):
        self.plan = plan
        self.res = {r["id"]: r for r in plan["resources"]}

    def of(self, kind):
        return [r for r in self.plan["resources"] if r["kind"] == kind]

    def attr(self, rid, key, default=None):
        r = self.res.get(rid)
        return r["attributes"].get(key, default) if r else default

    def statements(self, role):
        out = []
        for p in self.of("iam_role_policy"):
            if ref(p["attributes"].get("role")) == role:
                out += p["attributes"]["policy"]["Statement"]
        return out

    def sg_owner(self):
        owner = {}
        for kind in ("load_balancer", "ecs_service", "db_instance"):
            for r in self.of(kind):
                for sg in r["attributes"].get("security_groups", []):
                    owner[ref(sg)] = r["id"]
        return owner

    def tier(self, subnet_id):
        return self.attr(subnet_id, "tier")

    def expected_edges(self, actions):
        """(from, to, class) -> label fragments, for every edge the plan wires."""
        E = {}

        def add(key, *parts):
            E.setdefault(key, [])
            E[key] += [p for p in parts if p]

        igw = "internet_gateway.main" if "internet_gateway.main" in self.res else None
        if igw:
            add(("internet", igw, "traffic"))
        owner = self.sg_owner()
        rules = self.of("security_group_rule")
        for lb in self.of("load_balancer"):
            internal = lb["attributes"].get("internal")
            sgs = {ref(s) for s in lb["attributes"].get("security_groups", [])}
            ports = [str(r["attributes"]["from_port"]) for r in rules
                     if ref(r["attributes"].get("security_group")) in sgs
                     and r["attributes"].get("direction") == "ingress" and "cidr_block" in r["attributes"]]
            add(("clients" if internal or not igw else igw, lb["id"], "traffic"), *ports)
        for r in rules:
            a = r["attributes"]
            if a.get("direction") != "ingress" or "peer_security_group" not in a:
                continue
            to, frm = owner.get(ref(a["security_group"])), owner.get(ref(a["peer_security_group"]))
            if not to or not frm:
                continue
            tk, fk = self.res[to]["kind"], self.res[frm]["kind"]
            cls = "data" if tk == "db_instance" else "call" if tk == fk == "ecs_service" else "traffic"
            add((frm, to, cls), str(a["from_port"]))
        for svc in self.of("ecs_service"):
            role = ref(self.attr(ref(svc["attributes"]["task_definition"]), "task_role"))
            for st in self.statements(role) if role else []:
                for target in refs(st.get("Resource")):
                    kind = self.res.get(target, {}).get("kind")
                    if kind == "dynamodb_table":
                        add((svc["id"], target, "data"), set_name(actions, st, "table_") or "IAM grant")
                    elif kind == "db_instance" and "rds-db:connect" in st.get("Action", []):
                        add((svc["id"], target, "data"), "rds-db:connect")
        assocs = self.of("route_table_association")
        for route in self.of("route"):
            nat = ref(route["attributes"].get("nat_gateway"))
            if not nat:
                continue
            for a in assocs:
                if ref(a["attributes"]["route_table"]) == ref(route["attributes"]["route_table"]):
                    add((ref(a["attributes"]["subnet"]), nat, "egress"))
        for nat in self.of("nat_gateway"):
            if igw:
                add((nat["id"], igw, "egress"))
        for tp in self.of("trusted_policy"):
            for dep in tp.get("depends_on", []):
                if self.res.get(dep, {}).get("kind") != "iam_role":
                    continue
                conds = json.dumps(self.attr(dep, "assume_role_policy"))
                add((tp["id"], dep, "trust"), "sts:AssumeRole",
                    "external ID" if "sts:ExternalId" in conds else None,
                    "MFA" if "aws:MultiFactorAuthPresent" in conds else None)
        for role in self.of("iam_role"):
            if "trusted_account" not in role["attributes"]:
                continue
            for st in self.statements(role["id"]):
                for target in refs(st.get("Resource")):
                    add((role["id"], target, "grant"), set_name(actions, st, "ecr_") or "IAM grant")
        return E


# ---- the suites ----

class Render(unittest.TestCase):
    """Graphviz renders every diagram without a single warning."""

    def test_every_diagram_renders_cleanly(self):
        need("dot", "apt-get install graphviz (tools/deps installs it)")
        for case in cases():
            with self.subTest(case["name"]):
                r = run(["dot", "-Tsvg", case["dot"], "-o", os.devnull])
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stderr, "", "dot warned")

    def test_graph_command_prints_the_built_files(self):
        # `infrac graph` prints exactly what the graph target writes.
        for case in cases():
            if case["spec"].endswith("cartful.yaml") or "internal" in case["spec"]:
                args = [] if case["env"] == "base" else ["--env", case["env"]]
                for fmt, key in (("dot", "dot"), ("mermaid", "mmd")):
                    r = run([infrac(), "graph", *args, "--format", fmt, case["spec"]])
                    self.assertEqual(r.returncode, 0, r.stderr)
                    with open(case[key]) as f:
                        self.assertEqual(r.stdout, f.read(), f"{case['name']} {fmt}")

    def test_command_errors(self):
        spec = os.path.join(TOP, "specs", "cartful.yaml")
        for args, message in (
            (["--format", "svg", spec], "unknown format 'svg' for graph; choose dot or mermaid"),
            ([spec, spec], "graph takes exactly one SPEC (found 2)"),
            (["--env", "nope", spec], "nope"),
            (["--target", "x", spec], "unknown option '--target'"),
        ):
            with self.subTest(args=args):
                r = run([infrac(), "graph", *args])
                self.assertEqual(r.returncode, 2)
                self.assertEqual(r.stdout, "")
                self.assertIn(message, r.stderr)


class Structure(unittest.TestCase):
    """The DOT holds what the plan holds, in the right boxes."""

    def test_nodes_one_per_resource(self):
        for case in cases():
            with self.subTest(case["name"]):
                dot, pv = dot_of(case), PlanView(case["plan"])
                want = {}
                for r in case["plan"]["resources"]:
                    if r["kind"] in NODE_CLASS:
                        want[r["id"]] = NODE_CLASS[r["kind"]]
                    elif r["kind"] == "iam_role" and "trusted_account" in r["attributes"]:
                        want[r["id"]] = "role"
                drawn = {i: n["cls"] for i, n in dot.nodes.items() if i not in SYNTHETIC}
                self.assertEqual(drawn, want)
                if pv.of("vpc_endpoint"):
                    self.assertIn("endpoints", dot.nodes)

    def test_containers(self):
        for case in cases():
            with self.subTest(case["name"]):
                dot, pv = dot_of(case), PlanView(case["plan"])
                for s in pv.of("subnet"):
                    chain = dot.chain(s["id"])
                    letter = s["key"].rsplit("_", 1)[1]
                    self.assertEqual(chain[0], "cluster_" + s["id"])
                    for box in ("cluster_az." + letter, "cluster_vpc.main", "cluster_region"):
                        self.assertIn(box, chain)
                    self.assertIn(s["attributes"]["cidr_block"], dot.nodes[s["id"]]["text"])
                    self.assertIn(s["attributes"]["tier"] + " subnet", dot.clusters[chain[0]]["text"])
                    zone = s["attributes"]["availability_zone"]
                    if isinstance(zone, str):
                        self.assertIn(zone, dot.clusters["cluster_az." + letter]["text"])
                for nat in pv.of("nat_gateway"):
                    self.assertEqual(dot.chain(nat["id"])[0], "cluster_" + ref(nat["attributes"]["subnet"]))
                spanning = [(r, r["attributes"].get("subnets")) for r in pv.of("load_balancer") + pv.of("ecs_service")]
                spanning += [(db, pv.attr(ref(db["attributes"]["db_subnet_group"]), "subnets"))
                             for db in pv.of("db_instance")]
                for r, subnets in spanning:
                    chain = dot.chain(r["id"])
                    self.assertEqual(chain[0], "cluster_tier." + pv.tier(ref(subnets[0])), r["id"])
                    self.assertIn("cluster_vpc.main", chain)
                    self.assertFalse([c for c in chain if c.startswith("cluster_az.")], "drawn once, not per AZ")
                for kind in ("dynamodb_table", "ecr_repository"):
                    for r in pv.of(kind):
                        chain = dot.chain(r["id"])
                        self.assertIn("cluster_region", chain)
                        self.assertNotIn("cluster_vpc.main", chain)
                for r in pv.of("trusted_policy"):
                    self.assertNotIn("cluster_region", dot.chain(r["id"]))
                if "cluster_region" in dot.clusters:
                    self.assertIn(case["plan"]["region"], dot.clusters["cluster_region"]["text"])

    def test_labels(self):
        for case in cases():
            with self.subTest(case["name"]):
                dot, pv = dot_of(case), PlanView(case["plan"])
                text = lambda rid: dot.nodes[rid]["text"]
                for nat in pv.of("nat_gateway"):
                    alloc = nat["attributes"].get("allocation_id")
                    address = pv.attr(ref(alloc), "address") if ref(alloc) else None
                    want = address if address else alloc if isinstance(alloc, str) else "allocated by AWS"
                    self.assertIn(want, text(nat["id"]))
                for svc in pv.of("ecs_service"):
                    td = pv.res[ref(svc["attributes"]["task_definition"])]["attributes"]
                    port = td["containers"][0]["portMappings"][0]["containerPort"]
                    self.assertIn(f"port {port}", text(svc["id"]))
                    scaling = pv.res.get("autoscaling_target." + svc["key"])
                    lo, hi = ((scaling["attributes"]["min_capacity"], scaling["attributes"]["max_capacity"])
                              if scaling else (svc["attributes"]["desired_count"],) * 2)
                    self.assertIn(f"replicas {lo}\u2013{hi}", text(svc["id"]))
                for lb in pv.of("load_balancer"):
                    self.assertIn("internal" if lb["attributes"]["internal"] else "internet-facing", text(lb["id"]))
                    for listener in pv.of("listener"):
                        a = listener["attributes"]
                        self.assertIn(f"{a['protocol']} {a['port']}", text(lb["id"]))
                for db in pv.of("db_instance"):
                    a = db["attributes"]
                    self.assertIn("Multi-AZ" if a["multi_az"] else "single AZ", text(db["id"]))
                    self.assertIn("encrypted" if a["storage_encrypted"] else "NOT encrypted", text(db["id"]))
                    self.assertIn(f"{a['engine']} {a['engine_version']}", text(db["id"]))
                for t in pv.of("dynamodb_table"):
                    self.assertIn(t["name"], text(t["id"]))
                    if t["attributes"].get("server_side_encryption"):
                        self.assertIn("encrypted", text(t["id"]))
                for tp in pv.of("trusted_policy"):
                    principal = tp["attributes"].get("principal", "")
                    self.assertIn(principal.split(":", 5)[-1], text(tp["id"]))
                    self.assertIn(tp["attributes"]["account"], dot.clusters[dot.chain(tp["id"])[0]]["text"])

    def test_edges_exactly_those_the_plan_wires(self):
        actions = actions_template()
        for case in cases():
            with self.subTest(case["name"]):
                dot = dot_of(case)
                want = PlanView(case["plan"]).expected_edges(actions)
                drawn = {(e["from"], e["to"], e["cls"]): e for e in dot.visible()}
                self.assertEqual(len(drawn), len(dot.visible()), "an edge is drawn twice")
                self.assertEqual(sorted(drawn), sorted(want))
                for key, parts in want.items():
                    for part in parts:
                        self.assertIn(part, drawn[key]["text"], key)
                if ("internet", "internet_gateway.main", "traffic") in drawn:
                    self.assertEqual(drawn[("internet", "internet_gateway.main", "traffic")]["dir"], "both")

    def test_layout_edges_are_invisible(self):
        for case in cases():
            with self.subTest(case["name"]):
                for e in dot_of(case).edges:
                    self.assertEqual(e["cls"] == "layout", e["style"] == "invis", e)


def load_spec(path):
    with open(path) as f:
        return json.load(f) if path.endswith(".json") else yaml.safe_load(f)


class Intent(unittest.TestCase):
    """The diagram of each base spec against the spec itself: its
    services, access grants, NAT mode and addresses, roles."""

    def base_cases(self):
        for case in cases():
            spec = load_spec(case["spec"])
            if case["env"] == "base" and "include" not in spec:
                yield case, spec

    def test_cartful_elements(self):
        case = next(c for c in cases() if c["spec"].endswith("specs/cartful.yaml") and c["env"] == "base")
        dot = dot_of(case)
        nat = dot.nodes["nat_gateway.a"]["text"]
        self.assertIn("55.55.55.55", nat)
        self.assertIn("cluster_subnet.public_a", dot.chain("nat_gateway.a"))
        alb = dot.nodes["load_balancer.main"]["text"]
        for s in ("HTTPS 443", "HTTP 80", "redirect to 443", "internet-facing"):
            self.assertIn(s, alb)
        orders = dot.nodes["db_instance.orders"]["text"]
        self.assertIn("Multi-AZ", orders)
        self.assertIn("encrypted", orders)
        self.assertIn("user/ci-pusher", dot.nodes["trusted_policy.ecr-push"]["text"])
        self.assertEqual(sorted(c for c in dot.clusters if c.startswith("cluster_az.")),
                         ["cluster_az.a", "cluster_az.b", "cluster_az.c"])

    def test_access_grants(self):
        n = 0
        for case, spec in self.base_cases():
            with self.subTest(case["name"]):
                dot = dot_of(case)
                drawn = {(e["from"], e["to"], e["cls"]): e["text"] for e in dot.visible()}

                def edges(key):
                    self.assertIn(key, drawn, "edge missing")
                    return drawn[key]

                services = spec.get("services") or {}
                self.assertEqual(sorted(i for i, x in dot.nodes.items() if x["cls"] == "service"),
                                 sorted("ecs_service." + k for k in services))
                for key, svc in services.items():
                    me = "ecs_service." + key
                    if svc.get("route"):
                        self.assertIn(svc["route"], edges(("load_balancer.main", me, "traffic")))
                        self.assertIn(str(svc["port"]), edges(("load_balancer.main", me, "traffic")))
                    for grant in svc.get("access") or []:
                        n += 1
                        if "database" in grant:
                            self.assertIn("rds-db:connect", edges((me, "db_instance." + grant["database"], "data")))
                        elif "table" in grant:
                            label = edges((me, "dynamodb_table." + grant["table"], "data"))
                            self.assertEqual(label.split("\n"), [grant.get("mode", "read")])
                        else:
                            peer = services[grant["service"]]
                            label = edges((me, "ecs_service." + grant["service"], "call"))
                            self.assertIn(f"{peer['port']}/tcp", label)
        self.assertGreater(n, 5, "the specs exercise access grants")

    def test_nat_and_roles(self):
        for case, spec in self.base_cases():
            with self.subTest(case["name"]):
                dot = dot_of(case)
                network = spec.get("network") or {}
                nat = network.get("nat", "per_az")
                nat = nat if isinstance(nat, dict) else {"mode": nat}
                azs = network.get("azs", 3)
                nazs = len(azs) if isinstance(azs, list) else azs
                nats = sorted(i for i, x in dot.nodes.items() if x["cls"] == "nat")
                if not network:
                    self.assertEqual(nats, [])
                    continue
                count = {"per_az": nazs, "single": 1, "none": 0}[nat.get("mode", "per_az")]
                self.assertEqual(len(nats), count)
                for key in ("eip", "eip_allocation"):
                    if nat.get(key):
                        self.assertIn(nat[key], dot.nodes[nats[0]]["text"])
                private = [i for i, x in dot.nodes.items() if x["cls"] == "subnet" and ".private_" in i]
                egress = {e["from"] for e in dot.visible() if e["cls"] == "egress" and e["to"] in nats}
                self.assertEqual(egress, set(private) if count else set())
                for key, role in (spec.get("cross_account_roles") or {}).items():
                    trust = [e for e in dot.visible() if e["cls"] == "trust"
                             and e["to"] == "iam_role.cross_" + key]
                    self.assertEqual(len(trust), 1)
                    self.assertEqual("external ID" in trust[0]["text"], bool(role.get("external_id")))
                    self.assertEqual("MFA" in trust[0]["text"], bool(role.get("require_mfa")))
                    for grant in role.get("grants", []):
                        for mode, repos in grant.items():
                            for repo in repos:
                                e = [x for x in dot.visible() if x["from"] == "iam_role.cross_" + key
                                     and x["to"] == "ecr_repository." + repo]
                                self.assertEqual(len(e), 1)
                                self.assertIn(mode.split("_")[1], e[0]["text"])


# ---- Mermaid ----

def mermaid_read(files):
    # Pinned: jsdom 24 is the last major that runs on Debian 12's Node 18.
    need("node", "apt-get install nodejs npm (tools/deps installs them)")
    r = run([os.path.join(TOP, "tests", "tools", "ensure-npm"), "mermaid@11.17.2", "jsdom@24.1.3"])
    if r.returncode != 0:
        raise AssertionError("cannot install mermaid and jsdom:\n" + r.stderr)
    env = dict(os.environ, NODE_PATH=r.stdout.strip())
    r = run(["node", os.path.join(HERE, "mermaid.mjs"), *files], env=env)
    if r.returncode != 0:
        raise AssertionError("mermaid.mjs failed:\n" + r.stderr)
    return {d["file"]: d for d in json.loads(r.stdout)}


def mermaid_text(s):
    """Label text as a reader sees it: mermaid keeps entity codes as
    private markers (fl°name¶ß) until it renders; decode them, then the
    markup."""
    s = re.sub(r"<br\s*/?>", "\n", s)
    s = re.sub(r"<[^>]*>", "", s)
    s = re.sub(r"\ufb02\u00b0\u00b0(\d+)\u00b6\u00df", lambda m: chr(int(m.group(1))), s)
    return re.sub(r"\ufb02\u00b0(\w+)\u00b6\u00df", lambda m: html.unescape(f"&{m.group(1)};"), s)


def fnv1a(s):
    h = 2166136261
    for b in s.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def mermaid_ids(names):
    plain = {n: re.sub(r"[^A-Za-z0-9_]", "_", n) for n in names}
    seen = {}
    for n, p in plain.items():
        seen.setdefault(p, []).append(n)
    return {n: p if len(seen[p]) == 1 else f"{p}_{fnv1a(n):08x}" for n, p in plain.items()}


def compare_mermaid(test, dot, mm, case_name):
    test.assertNotIn("error", mm, mm.get("error"))
    test.assertEqual(mm["type"], "flowchart-v2")
    clusters = [c for c in dot.clusters if c not in ("cluster_zones", "cluster_lanes")]
    ids = mermaid_ids([n for n in dot.nodes if n != "legend"] + clusters)
    sub = {s["id"]: s for s in mm["subgraphs"]}
    test.assertEqual(sorted(sub), sorted(ids[c] for c in clusters))
    vertices = {k: v for k, v in mm["vertices"].items() if k not in sub}
    test.assertEqual(sorted(vertices), sorted(ids[n] for n in dot.nodes if n != "legend"))
    for n, node in dot.nodes.items():
        if n == "legend":
            continue
        test.assertEqual(mermaid_text(vertices[ids[n]]["text"]), node["text"], n)
        # The innermost box, groups (Graphviz-only) aside.
        box = next((c for c in dot.chain(n) if c in clusters), None)
        holders = [s for s in mm["subgraphs"] if ids[n] in s["nodes"]]
        test.assertEqual([s["id"] for s in holders], [ids[box]] if box else [], n)
    for c in clusters:
        test.assertEqual(mermaid_text(sub[ids[c]]["title"]), dot.clusters[c]["text"], c)
        parent = next((p for p in [dot.clusters[c]["parent"]] if p), None)
        while parent in ("cluster_zones", "cluster_lanes"):
            parent = dot.clusters[parent]["parent"]
        holders = [s["id"] for s in mm["subgraphs"] if ids[c] in s["nodes"]]
        test.assertEqual(holders, [ids[parent]] if parent else [], c)
    drawn = sorted((e["from"], e["to"], e["stroke"], e["type"], mermaid_text(e["text"]))
                   for e in mm["edges"] if e["stroke"] != "invisible")
    dotted = {"egress", "trust", "grant"}
    want = sorted((ids[e["from"]], ids[e["to"]], "dotted" if e["cls"] in dotted else "normal",
                   "double_arrow_point" if e["dir"] == "both" else "arrow_point", e["text"])
                  for e in dot.visible())
    test.assertEqual(drawn, want)


class Mermaid(unittest.TestCase):
    """Every diagram.mmd parses with mermaid's own parser and describes
    the same picture as its DOT: nodes, labels, boxes and edges."""

    def test_every_diagram_parses_as_the_same_picture(self):
        read = mermaid_read([c["mmd"] for c in cases()])
        for case in cases():
            with self.subTest(case["name"]):
                compare_mermaid(self, dot_of(case), read[case["mmd"]], case["name"])

    def test_a_broken_file_fails(self):
        # The reader is not a rubber stamp.
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "bad.mmd")
            with open(bad, "w") as f:
                f.write('flowchart TB\n  a["unclosed] --> b\n')
            self.assertIn("error", mermaid_read([bad])[bad])


class Escaping(unittest.TestCase):
    """Hostile IDs and labels (quotes, backslashes, markup, entity-looking
    text, arrows, keywords, newlines) read back exactly through dot and
    mermaid."""

    def setUp(self):
        binary = os.environ.get("GRAPH_HOSTILE")
        if not binary or not os.access(binary, os.X_OK):
            raise AssertionError("GRAPH_HOSTILE must name the test_graph binary (it needs cmocka)")
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        r = run([binary, "--write", self.tmp])
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.tmp, "hostile.json")) as f:
            self.want = json.load(f)

    def test_dot(self):
        dot = Dot(os.path.join(self.tmp, "hostile.dot"))
        r = run(["dot", "-Tsvg", os.path.join(self.tmp, "hostile.dot"), "-o", os.devnull])
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertEqual({n: x["text"] for n, x in dot.nodes.items() if n != "legend"},
                         {n: t.replace("\t", " ") for n, t in self.want["nodes"].items()})
        self.assertEqual(sorted((e["from"], e["to"], e["text"]) for e in dot.edges),
                         sorted((e["from"], e["to"], e["text"]) for e in self.want["edges"]))

    def test_mermaid(self):
        path = os.path.join(self.tmp, "hostile.mmd")
        mm = mermaid_read([path])[path]
        self.assertNotIn("error", mm, mm.get("error"))
        dot = Dot(os.path.join(self.tmp, "hostile.dot"))
        compare_mermaid(self, dot, mm, "hostile")
        for vid in mm["vertices"]:
            self.assertRegex(vid, r"^[A-Za-z0-9_]+$")


class Fresh(unittest.TestCase):
    """docs/cartful.svg is what dot renders from CartFul's diagram today."""

    def test_cartful_svg(self):
        need("dot", "apt-get install graphviz (tools/deps installs it)")
        committed = os.path.join(TOP, "docs", "cartful.svg")
        self.assertTrue(os.path.exists(committed), "docs/cartful.svg is missing: run tools/bootstrap")
        r = run([infrac(), "graph", os.path.join(TOP, "specs", "cartful.yaml")])
        self.assertEqual(r.returncode, 0, r.stderr)
        svg = run(["dot", "-Tsvg"], input=r.stdout)
        self.assertEqual(svg.returncode, 0, svg.stderr)
        with open(committed) as f:
            old = f.read()
        if old == svg.stdout:
            return
        version = lambda s: (re.search(r"Generated by graphviz version (.*?)\s*-->", s, re.S) or [None, None])[1]
        hint = "docs/cartful.svg is stale: regenerate it with tools/bootstrap (or " \
               "`build/infrac graph specs/cartful.yaml | dot -Tsvg -o docs/cartful.svg`)"
        # The same Graphviz must give the same bytes; another version may
        # lay out differently, so then only the content must agree.
        self.assertNotEqual(version(old), version(svg.stdout), hint)
        content = lambda s: sorted(re.findall(r"<(?:title|text)[^>]*>([^<]*)</", s))
        self.assertEqual(content(old), content(svg.stdout), hint)


if __name__ == "__main__":
    unittest.main()
