// check.cjs MODE OUT: checks the Kubernetes output of every spec built
// into OUT (OUT/<name>/<env>/{kubernetes/,plan.json}), in one process.
//
//   schema       every document validates against the kubernetes-models
//                classes (external-secrets.io/v1 objects, and the
//                ClusterSecretStore docs/kubernetes.md shows, against
//                @kubernetes-models/external-secrets), and carries no field
//                the schema does not know (a misspelt field would otherwise
//                be dropped silently by the API server).
//   consistency  selectors match pod labels, every Service selects a
//                workload, every reference resolves, names are DNS-1123,
//                kustomization.yaml lists exactly the files written, the
//                objects agree with the plan, and the secure defaults are
//                there; the network policies allow exactly what the plan's
//                security groups allow, and the Ingress carries the plan's
//                load balancer, listeners and routes.
//   dump FILE    writes every document as read by js-yaml (a YAML 1.2
//                reader) to FILE as JSON, for yaml11.py to compare with
//                PyYAML (a YAML 1.1 reader).
//
// Each mode first checks itself on broken documents, so it can fail.
"use strict";
const fs = require("fs");
const path = require("path");
const url = require("url");
const yaml = require("js-yaml");

const [mode, outDir, extra] = process.argv.slice(2);
const failures = [];
const fail = (where, msg) => failures.push(`${where}: ${msg}`);

// Every env folder with a kubernetes/ folder: {dir, name, env, plan, files}.
function envs() {
  const out = [];
  for (const name of fs.readdirSync(outDir).sort())
    for (const env of fs.readdirSync(path.join(outDir, name)).sort()) {
      const dir = path.join(outDir, name, env);
      const kdir = path.join(dir, "kubernetes");
      if (!fs.existsSync(kdir)) continue;
      const files = {};
      for (const f of fs.readdirSync(kdir).sort())
        files[f] = yaml.loadAll(fs.readFileSync(path.join(kdir, f), "utf8"));
      const planFile = path.join(dir, "plan.json");
      const plan = fs.existsSync(planFile) ? JSON.parse(fs.readFileSync(planFile, "utf8")) : null;
      out.push({ dir: kdir, name, env, plan, files });
    }
  if (!out.length) throw new Error(`no kubernetes output under ${outDir}`);
  return out;
}

function documents(e) {
  const docs = [];
  for (const [file, ds] of Object.entries(e.files))
    if (file !== "kustomization.yaml") for (const d of ds) docs.push({ file, d });
  return docs;
}

// ---- schema ----

const modules = {
  v1: "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "policy/v1": "kubernetes-models/policy/v1",
  "autoscaling/v2": "kubernetes-models/autoscaling/v2",
  "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
};
// external-secrets stopped serving v1beta1 in v0.17.0: only v1 has a model
// here, so an object written for the old API fails.
const ESO = "@kubernetes-models/external-secrets";
const esoApis = { "external-secrets.io/v1": "external-secrets.io/v1/index.js" };
const loaded = {};

// The external-secrets models are ES modules only, and import() does not
// search NODE_PATH: find the package where require would, import its file.
async function loadModels() {
  const dirs = (process.env.NODE_PATH || "").split(path.delimiter).filter(Boolean);
  const dir = dirs.map((d) => path.join(d, ESO)).find((d) => fs.existsSync(path.join(d, "package.json")));
  if (!dir) throw new Error(`${ESO} is not on NODE_PATH`);
  for (const [api, file] of Object.entries(esoApis)) {
    if (!fs.existsSync(path.join(dir, file))) {
      const { version } = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
      throw new Error(`${ESO}@${version} has no ${api} models; tests/tools/npm-packages names the version that ` +
                      `has (delete ${dir} so that tests/tools/ensure-npm installs it)`);
    }
    loaded[api] = await import(url.pathToFileURL(path.join(dir, file)).href);
  }
}

function modelClass(d) {
  const mod = loaded[d.apiVersion] || (modules[d.apiVersion] && require(modules[d.apiVersion]));
  const cls = mod && mod[d.kind];
  if (!cls) throw new Error(`no published model for ${d.apiVersion} ${d.kind}`);
  return cls;
}

// Run the model's validator on a proxy that records every property the
// schema looks at; a property it never looked at is unknown to it.
function unknownFields(cls, doc) {
  const read = new WeakMap();
  const proxies = new WeakMap();
  const wrap = (o) => {
    if (o === null || typeof o !== "object") return o;
    if (proxies.has(o)) return proxies.get(o);
    read.set(o, new Set());
    const p = new Proxy(o, {
      get(t, k, r) {
        if (typeof k === "string") read.get(t).add(k);
        return wrap(Reflect.get(t, k, r));
      },
      has(t, k) {
        if (typeof k === "string") read.get(t).add(k);
        return Reflect.has(t, k);
      },
    });
    proxies.set(o, p);
    return p;
  };
  const copy = JSON.parse(JSON.stringify(doc));
  try {
    cls.prototype.validate.call(wrap(copy));
  } catch (e) {
    /* reported by the plain validation */
  }
  const unknown = [];
  const walk = (o, at) => {
    if (o === null || typeof o !== "object") return;
    if (Array.isArray(o)) return o.forEach((x, i) => walk(x, `${at}[${i}]`));
    const seen = read.get(o) || new Set();
    for (const k of Object.keys(o)) {
      if (!seen.has(k)) unknown.push(`${at}.${k}`);
      else walk(o[k], `${at}.${k}`);
    }
  };
  walk(copy, "");
  return unknown;
}

function schemaCheck(where, d) {
  let cls;
  try {
    cls = modelClass(d);
  } catch (e) {
    return fail(where, e.message);
  }
  try {
    new cls(d).validate();
  } catch (e) {
    fail(where, `${d.apiVersion} ${d.kind}: ${e.message}`);
  }
  for (const f of unknownFields(cls, d)) fail(where, `${d.kind}: field ${f} is not in the schema`);
}

// The YAML examples of kind ClusterSecretStore in docs/kubernetes.md: the
// store a platform team copies must be one the operator accepts.
function documentedStores() {
  const doc = fs.readFileSync(path.join(__dirname, "../../docs/kubernetes.md"), "utf8");
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].flatMap((m) => yaml.loadAll(m[1]));
  return blocks.filter((d) => d && d.kind === "ClusterSecretStore");
}

function runSchema() {
  let n = 0;
  for (const e of envs())
    for (const { file, d } of documents(e)) {
      schemaCheck(`${e.name}/${e.env}/${file} ${d.kind}/${d.metadata && d.metadata.name}`, d);
      n++;
    }
  const stores = documentedStores();
  if (!stores.length) fail("docs/kubernetes.md", "shows no ClusterSecretStore");
  for (const d of stores) {
    schemaCheck(`docs/kubernetes.md ClusterSecretStore/${d.metadata && d.metadata.name}`, d);
    n++;
  }
  return n;
}

// ---- consistency ----

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;   // DNS-1123 label
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const subset = (sel, labels) =>
  !!sel && Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels && labels[k] === v);

function consistency(e) {
  const where = `${e.name}/${e.env}`;
  const all = documents(e);
  const of = (kind) => all.filter((x) => x.d.kind === kind).map((x) => x.d);
  const byName = (kind, name) => of(kind).find((d) => d.metadata.name === name);

  // kustomization lists exactly the files written
  const kust = e.files["kustomization.yaml"];
  if (!kust || kust.length !== 1) return fail(where, "kustomization.yaml must hold one document");
  const k = kust[0];
  if (k.apiVersion !== "kustomize.config.k8s.io/v1beta1" || k.kind !== "Kustomization")
    fail(where, "kustomization.yaml is not a Kustomization");
  const written = Object.keys(e.files).filter((f) => f !== "kustomization.yaml").sort();
  const listed = [...(k.resources || [])].sort();
  if (JSON.stringify(written) !== JSON.stringify(listed))
    fail(where, `kustomization lists ${JSON.stringify(listed)} but the folder holds ${JSON.stringify(written)}`);

  // one namespace; every object in it; DNS-1123 names, valid labels
  const nss = of("Namespace");
  if (nss.length !== 1) return fail(where, `expected one Namespace, found ${nss.length}`);
  const ns = nss[0].metadata.name;
  const want = e.env === "base" ? e.name : `${e.name}-${e.env}`;
  if (ns !== want) fail(where, `namespace ${ns}, expected ${want}`);
  const seen = new Set();
  for (const { file, d } of all) {
    const md = d.metadata || {};
    const id = `${where}/${file} ${d.kind}/${md.name}`;
    if (!LABEL.test(md.name || "") || md.name.length > 63) fail(id, "name is not a DNS-1123 label");
    if (d.kind !== "Namespace" && md.namespace !== ns) fail(id, `namespace ${md.namespace}, expected ${ns}`);
    if (seen.has(`${d.kind}/${md.name}`)) fail(id, "defined twice");
    seen.add(`${d.kind}/${md.name}`);
    for (const [lk, lv] of Object.entries(md.labels || {}))
      if (typeof lv !== "string" || !LABEL_VALUE.test(lv) || lv.length > 63) fail(id, `label ${lk}=${lv} is not a valid label value`);
    for (const [ak, av] of Object.entries(md.annotations || {}))
      if (typeof av !== "string") fail(id, `annotation ${ak} is not a string`);
  }

  const deployments = of("Deployment");
  const podsOf = (sel) => deployments.filter((d) => subset(sel, d.spec.template.metadata.labels));
  const secretKeys = {};
  for (const es of of("ExternalSecret"))
    secretKeys[es.spec.target.name] = new Set(es.spec.data.map((x) => x.secretKey));

  for (const dep of deployments) {
    const id = `${where} Deployment/${dep.metadata.name}`;
    const pod = dep.spec.template;
    if (!subset(dep.spec.selector.matchLabels, pod.metadata.labels)) fail(id, "selector does not match its pod labels");
    if (podsOf(dep.spec.selector.matchLabels).length !== 1) fail(id, "selector matches the pods of another Deployment");
    const ps = pod.spec;
    if (!byName("ServiceAccount", ps.serviceAccountName)) fail(id, `no ServiceAccount ${ps.serviceAccountName}`);
    const volumes = new Set((ps.volumes || []).map((v) => v.name));
    for (const c of ps.containers) {
      if (!LABEL.test(c.name)) fail(id, `container name ${c.name} is not DNS-1123`);
      for (const p of c.ports || []) if (!PORT_NAME.test(p.name) || p.name.length > 15) fail(id, `port name ${p.name}`);
      for (const src of c.envFrom || [])
        if (src.configMapRef && !byName("ConfigMap", src.configMapRef.name) && !src.configMapRef.optional)
          fail(id, `envFrom names a missing ConfigMap ${src.configMapRef.name}`);
      for (const ev of c.env || []) {
        const ref = ev.valueFrom && ev.valueFrom.secretKeyRef;
        if (ref && !(secretKeys[ref.name] && secretKeys[ref.name].has(ref.key)))
          fail(id, `env ${ev.name} reads ${ref.name}/${ref.key}, which no ExternalSecret makes`);
      }
      for (const m of c.volumeMounts || []) if (!volumes.has(m.name)) fail(id, `mount of a missing volume ${m.name}`);
      for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"]) {
        const pr = c[probe];
        if (pr && pr.httpGet && !(c.ports || []).some((p) => p.name === pr.httpGet.port || p.containerPort === pr.httpGet.port))
          fail(id, `${probe} uses an unknown port ${pr.httpGet.port}`);
      }
    }
    // the secure, highly available defaults
    const c = ps.containers[0];
    const sc = c.securityContext || {};
    const checks = {
      "rolling update keeps the desired count": dep.spec.strategy.type === "RollingUpdate" && dep.spec.strategy.rollingUpdate.maxUnavailable === 0,
      "spreads over zones": (ps.topologySpreadConstraints || []).some(
        (t) => t.topologyKey === "topology.kubernetes.io/zone" && subset(t.labelSelector.matchLabels, pod.metadata.labels)),
      "readiness probe": !!(c.readinessProbe && c.readinessProbe.httpGet),
      "liveness probe": !!(c.livenessProbe && c.livenessProbe.httpGet),
      "requests and limits": !!(c.resources && c.resources.requests && c.resources.limits &&
        c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.cpu && c.resources.limits.memory),
      runAsNonRoot: sc.runAsNonRoot === true && ps.securityContext.runAsNonRoot === true,
      runAsUser: Number.isInteger(sc.runAsUser) && sc.runAsUser > 0,
      readOnlyRootFilesystem: sc.readOnlyRootFilesystem === true,
      "emptyDir for /tmp": (c.volumeMounts || []).some((m) => m.mountPath === "/tmp" &&
        (ps.volumes || []).some((v) => v.name === m.name && v.emptyDir)),
      "allowPrivilegeEscalation false": sc.allowPrivilegeEscalation === false,
      "capabilities drop ALL": !!(sc.capabilities && sc.capabilities.drop && sc.capabilities.drop.includes("ALL")),
      "seccomp RuntimeDefault": (sc.seccompProfile || ps.securityContext.seccompProfile || {}).type === "RuntimeDefault",
      "no service account token": ps.automountServiceAccountToken === false,
      "a Service": of("Service").some((s) => s.metadata.name === dep.metadata.name && subset(s.spec.selector, pod.metadata.labels)),
      "a PodDisruptionBudget of one pod": of("PodDisruptionBudget").some(
        (p) => subset(p.spec.selector.matchLabels, pod.metadata.labels) && p.spec.maxUnavailable === 1),
      "a NetworkPolicy": of("NetworkPolicy").some((p) => subset(p.spec.podSelector.matchLabels, pod.metadata.labels)),
    };
    for (const [what, ok] of Object.entries(checks)) if (!ok) fail(id, `missing default: ${what}`);
  }

  for (const svc of of("Service")) {
    const id = `${where} Service/${svc.metadata.name}`;
    const pods = podsOf(svc.spec.selector);
    if (pods.length !== 1) { fail(id, `selects ${pods.length} workloads, expected 1`); continue; }
    if (svc.spec.type !== "ClusterIP") fail(id, "is not ClusterIP");
    const ports = pods[0].spec.template.spec.containers.flatMap((c) => c.ports || []);
    for (const p of svc.spec.ports)
      if (!ports.some((cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort))
        fail(id, `targetPort ${p.targetPort} is no container port`);
  }
  for (const pdb of of("PodDisruptionBudget"))
    if (podsOf(pdb.spec.selector.matchLabels).length !== 1) fail(`${where} PodDisruptionBudget/${pdb.metadata.name}`, "selects no single workload");
  for (const h of of("HorizontalPodAutoscaler")) {
    const t = h.spec.scaleTargetRef;
    if (t.kind !== "Deployment" || !byName("Deployment", t.name)) fail(`${where} HorizontalPodAutoscaler/${h.metadata.name}`, `targets a missing ${t.kind} ${t.name}`);
    if (!(h.spec.maxReplicas > h.spec.minReplicas)) fail(`${where} HorizontalPodAutoscaler/${h.metadata.name}`, "max is not above min");
  }
  for (const np of of("NetworkPolicy")) {
    const id = `${where} NetworkPolicy/${np.metadata.name}`;
    const sel = np.spec.podSelector.matchLabels;
    if (sel && podsOf(sel).length !== 1) fail(id, "selects no single workload");
    if (!sel && (np.spec.ingress || np.spec.egress)) fail(id, "a namespace-wide policy that allows traffic");
    for (const r of [...(np.spec.ingress || []).flatMap((x) => x.from || []), ...(np.spec.egress || []).flatMap((x) => x.to || [])])
      if (r.podSelector && !r.namespaceSelector && podsOf(r.podSelector.matchLabels).length !== 1)
        fail(id, `peer ${JSON.stringify(r.podSelector)} selects no single workload`);
  }
  for (const ing of of("Ingress"))
    for (const rule of ing.spec.rules)
      for (const p of rule.http.paths) {
        const s = byName("Service", p.backend.service.name);
        if (!s || !s.spec.ports.some((sp) => sp.port === p.backend.service.port.number))
          fail(`${where} Ingress/${ing.metadata.name}`, `path ${p.path} goes to a missing Service port ${p.backend.service.name}:${p.backend.service.port.number}`);
      }

  // the objects agree with the plan every other target reads
  if (!e.plan) return fail(where, "no plan.json beside the kubernetes folder");
  const res = (kind) => e.plan.resources.filter((r) => r.kind === kind);
  const dns = (key) => key.replace(/_/g, "-");
  const services = res("ecs_service");
  if (deployments.length !== services.length) fail(where, `${deployments.length} Deployments for ${services.length} services`);
  for (const s of services) {
    const dep = byName("Deployment", dns(s.key));
    if (!dep) { fail(where, `no Deployment for service ${s.key}`); continue; }
    const id = `${where} Deployment/${dep.metadata.name}`;
    if (dep.spec.replicas !== s.attributes.desired_count) fail(id, `replicas ${dep.spec.replicas}, the plan has ${s.attributes.desired_count}`);
    const td = res("task_definition").find((t) => t.key === s.key);
    const c = dep.spec.template.spec.containers[0];
    const ct = td.attributes.containers[0];
    if (c.image !== ct.image) fail(id, "image differs from the task definition");
    if (c.ports[0].containerPort !== ct.portMappings[0].containerPort) fail(id, "port differs from the task definition");
    if (String(c.securityContext.runAsUser) !== ct.user) fail(id, `runAsUser ${c.securityContext.runAsUser}, the task runs as ${ct.user}`);
    const cpu = `${(td.attributes.cpu * 1000) / 1024}m`, mem = `${td.attributes.memory}Mi`;
    if (c.resources.requests.cpu !== cpu || c.resources.requests.memory !== mem)
      fail(id, `requests ${JSON.stringify(c.resources.requests)}, expected ${cpu} and ${mem}`);
    const sa = byName("ServiceAccount", dep.spec.template.spec.serviceAccountName);
    const arn = td.attributes.task_role.value;
    const ann = (sa.metadata.annotations || {})["eks.amazonaws.com/role-arn"];
    if (arn ? ann !== arn : ann !== undefined) fail(id, `IRSA role ${ann}, the task role is ${arn}`);
    const env = Object.fromEntries(ct.environment.map((x) => [x.name, x.value]));
    const cm = byName("ConfigMap", `${dep.metadata.name}-env`);
    if (JSON.stringify(cm ? cm.data : {}) !== JSON.stringify(env)) fail(id, "the env ConfigMap differs from the task's environment");
    const secrets = ct.secrets.map((x) => x.name).sort();
    const envSecrets = (c.env || []).filter((x) => x.valueFrom).map((x) => x.name).sort();
    if (JSON.stringify(secrets) !== JSON.stringify(envSecrets)) fail(id, "secrets differ from the task's secrets");
    const at = res("autoscaling_target").find((t) => t.key === s.key);
    const hpa = byName("HorizontalPodAutoscaler", dep.metadata.name);
    if (!!at !== !!hpa) fail(id, `autoscaling target ${!!at}, HorizontalPodAutoscaler ${!!hpa}`);
    if (at && hpa && (hpa.spec.minReplicas !== at.attributes.min_capacity || hpa.spec.maxReplicas !== at.attributes.max_capacity))
      fail(id, "HorizontalPodAutoscaler bounds differ from the plan");
  }
  const routed = res("listener_rule").length > 0;
  if (routed !== (of("Ingress").length === 1)) fail(where, `listener rules ${routed}, Ingress ${of("Ingress").length}`);
  networkPolicies(where, e.plan, all, podsOf);
  ingressAgrees(where, e.plan, of("Ingress")[0]);
}

// ---- network policies and the Ingress against the plan ----

const refOf = (v) => (v && v.ref) || null;
// JSON with sorted keys, so that the order of fields never matters
const canon = (o) => (o === null || typeof o !== "object" ? JSON.stringify(o)
  : Array.isArray(o) ? `[${o.map(canon).join(",")}]`
  : `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canon(o[k])}`).join(",")}}`);
const sortedJSON = (xs) => JSON.stringify([...xs].sort());
const listText = (xs) => `[${[...xs].sort().join(", ")}]`;
const dnsName = (key) => key.replace(/_/g, "-");

// What each security group of the plan stands for on Kubernetes: a
// service's pods (by Deployment name) or the subnets of the load balancer
// or a database. Keyed by security group id.
function sgSides(plan) {
  const byId = Object.fromEntries(plan.resources.map((r) => [r.id, r]));
  const cidrs = (subnets) => (subnets || []).map((s) => byId[refOf(s)].attributes.cidr_block);
  const sides = {};
  for (const r of plan.resources) {
    const a = r.attributes;
    const sgs = (a.security_groups || []).map(refOf);
    if (r.kind === "ecs_service") for (const sg of sgs) sides[sg] = { pods: dnsName(r.key) };
    if (r.kind === "load_balancer") for (const sg of sgs) sides[sg] = { lb: true, cidrs: cidrs(a.subnets) };
    if (r.kind === "db_instance")
      for (const sg of sgs) sides[sg] = { cidrs: cidrs(byId[refOf(a.db_subnet_group)].attributes.subnets) };
  }
  return sides;
}

// A NetworkPolicy rule as text that does not depend on order: its peers
// (the Deployment a podSelector selects, an ipBlock's CIDR, or the peer as
// written) and its ports.
function ruleText(rule, peers, podsOf) {
  const peer = (p) => {
    const keys = Object.keys(p).sort().join(",");
    if (keys === "podSelector") {
      const pods = podsOf(p.podSelector.matchLabels);
      return pods.length === 1 ? `pods:${pods[0].metadata.name}` : `pods?${JSON.stringify(p.podSelector)}`;
    }
    if (keys === "ipBlock" && Object.keys(p.ipBlock).join() === "cidr") return `cidr:${p.ipBlock.cidr}`;
    return canon(p);
  };
  const port = (p) => `${p.protocol || "TCP"}/${p.port}${p.endPort ? `-${p.endPort}` : ""}`;
  // an empty or missing list matches everything
  const ps = !peers || !peers.length ? ["ANY PEER"] : peers.map(peer);
  const ports = !rule.ports || !rule.ports.length ? ["ANY PORT"] : rule.ports.map(port);
  return `${listText(ps)} on ${listText(ports)}`;
}

// A plan security-group rule as the NetworkPolicy rule text it must become.
function planRuleText(r, sides) {
  const a = r.attributes;
  const side = a.cidr_block ? { cidrs: [a.cidr_block] } : sides[refOf(a.peer_security_group)] || {};
  const peers = side.pods ? [`pods:${side.pods}`] : (side.cidrs || ["NO KUBERNETES PEER"]).map((c) => `cidr:${c}`);
  const proto = a.protocol === "-1" ? "ANY PORT" : null;
  const ports = proto ? [proto] : [`${a.protocol.toUpperCase()}/${a.from_port}${a.to_port > a.from_port ? `-${a.to_port}` : ""}`];
  return `${listText(peers)} on ${listText(ports)}`;
}

const within = (cidr, net) => {
  const ip = (s) => s.split("/")[0].split(".").reduce((n, o) => n * 256 + Number(o), 0);
  const bits = (s) => Number(s.split("/")[1]);
  if (bits(cidr) < bits(net)) return false;
  const size = 2 ** (32 - bits(net));
  return Math.floor(ip(cidr) / size) === Math.floor(ip(net) / size);
};

function networkPolicies(where, plan, all, podsOf) {
  const res = (kind) => plan.resources.filter((r) => r.kind === kind);
  const policies = all.filter((x) => x.d.kind === "NetworkPolicy");
  // a namespace-wide default deny: every pod, both directions, no rule
  const deny = policies.filter(({ d }) => JSON.stringify(d.spec.podSelector) === "{}");
  const denies = ({ d }) => sortedJSON(d.spec.policyTypes || []) === sortedJSON(["Ingress", "Egress"]) &&
    !(d.spec.ingress || []).length && !(d.spec.egress || []).length;
  if (deny.length !== 1 || !denies(deny[0]) || deny[0].file !== "shared.yaml")
    fail(where, `expected one namespace-wide default deny in shared.yaml (podSelector {}, both policyTypes, no rules), found ${JSON.stringify(deny.map((x) => x.d.spec))}`);

  const sides = sgSides(plan);
  const vpc = res("vpc").map((v) => v.attributes.cidr_block);
  const rules = res("security_group_rule");
  for (const s of res("ecs_service")) {
    const name = dnsName(s.key);
    const id = `${where} NetworkPolicy/${name}`;
    const own = policies.filter(({ d }) => d.spec.podSelector.matchLabels &&
      podsOf(d.spec.podSelector.matchLabels).some((dep) => dep.metadata.name === name));
    if (own.length !== 1) { fail(id, `${own.length} NetworkPolicies select the pods of ${s.key}, expected 1`); continue; }
    const np = own[0].d;
    if (sortedJSON(np.spec.policyTypes || []) !== sortedJSON(["Ingress", "Egress"])) fail(id, "does not cover both Ingress and Egress");
    const sg = refOf(s.attributes.security_groups[0]);
    const mine = rules.filter((r) => refOf(r.attributes.security_group) === sg);
    const port = s.attributes.load_balancer && s.attributes.load_balancer.container_port;
    // ingress: the port from the load balancer's subnets when routed, and
    // from the pods of each service that may call this one; nothing else
    const want = [];
    for (const r of mine.filter((r) => r.attributes.direction === "ingress")) {
      const side = sides[refOf(r.attributes.peer_security_group)] || {};
      if (side.lb && r.attributes.from_port !== port) fail(id, `the plan lets the load balancer reach port ${r.attributes.from_port}, the target group is on ${port}`);
      if (!side.lb && !side.pods) fail(id, `the plan lets ${JSON.stringify(r.attributes)} in; only the load balancer and services may reach a service`);
      want.push(planRuleText(r, sides));
    }
    if (port && !mine.some((r) => r.attributes.direction === "ingress" && (sides[refOf(r.attributes.peer_security_group)] || {}).lb))
      fail(id, "routed, but the plan has no rule from the load balancer");
    const got = (np.spec.ingress || []).map((r) => ruleText(r, r.from, podsOf));
    if (sortedJSON(got) !== sortedJSON(want))
      fail(id, `ingress allows ${got.sort().join("; ")}; the plan allows ${want.sort().join("; ")}`);
    for (const r of np.spec.ingress || [])
      for (const p of r.from || [])
        if (p.ipBlock && !vpc.some((net) => within(p.ipBlock.cidr, net)))
          fail(id, `ingress from ${p.ipBlock.cidr}, outside the VPC`);
    // egress: cluster DNS, then exactly the plan's egress rules
    const kubeDns = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                      podSelector: { matchLabels: { "k8s-app": "kube-dns" } } };
    const dns = `${listText([canon(kubeDns)])} on ${listText(["UDP/53", "TCP/53"])}`;
    const wantOut = [dns, ...mine.filter((r) => r.attributes.direction === "egress").map((r) => planRuleText(r, sides))];
    const gotOut = (np.spec.egress || []).map((r) => ruleText(r, r.to, podsOf));
    if (sortedJSON(gotOut) !== sortedJSON(wantOut))
      fail(id, `egress allows ${gotOut.sort().join("; ")}; the plan allows ${wantOut.sort().join("; ")}`);
  }
}

// The Ingress carries the plan's load balancer: scheme, target type,
// listeners, certificates, redirect, allowed CIDRs, and the routes in the
// order the ALB evaluates them.
function ingressAgrees(where, plan, ing) {
  if (!ing) return;
  const id = `${where} Ingress/${ing.metadata.name}`;
  const res = (kind) => plan.resources.filter((r) => r.kind === kind);
  const ann = ing.metadata.annotations || {};
  const A = (k) => ann[`alb.ingress.kubernetes.io/${k}`];
  const expect = (key, got, want) => {
    if (JSON.stringify(got) !== JSON.stringify(want)) fail(id, `${key}: ${JSON.stringify(got)}, the plan says ${JSON.stringify(want)}`);
  };
  const lb = res("load_balancer")[0];
  const listeners = res("listener");
  expect("ingressClassName", ing.spec.ingressClassName, "alb");
  expect("scheme", A("scheme"), lb.attributes.internal ? "internal" : "internet-facing");
  const types = [...new Set(res("target_group").map((t) => t.attributes.target_type))];
  expect("target-type", [A("target-type")], types);
  let ports = [];
  try { ports = JSON.parse(A("listen-ports") || "[]").flatMap((o) => Object.entries(o).map(([p, n]) => `${p}:${n}`)); }
  catch (err) { fail(id, `listen-ports is not JSON: ${A("listen-ports")}`); }
  expect("listen-ports", ports.sort(), listeners.map((l) => `${l.attributes.protocol}:${l.attributes.port}`).sort());
  const certs = [...new Set(listeners.map((l) => l.attributes.certificate_arn).filter(Boolean))].sort();
  expect("certificate-arn", A("certificate-arn") === undefined ? [] : A("certificate-arn").split(",").sort(), certs);
  // The controller's ssl-redirect redirects every HTTP listener to one
  // HTTPS port; any other redirect must have stopped the build.
  const http = listeners.filter((l) => l.attributes.protocol === "HTTP");
  const redirects = listeners.filter((l) => l.attributes.default_action.type === "redirect");
  const to = [...new Set(redirects.map((l) => `${l.attributes.default_action.protocol}:${l.attributes.default_action.port}`))];
  if (!redirects.length) expect("ssl-redirect", A("ssl-redirect"), undefined);
  else if (redirects.length === http.length && redirects.every((l) => l.attributes.protocol === "HTTP") &&
           to.length === 1 && to[0].startsWith("HTTPS:"))
    expect("ssl-redirect", A("ssl-redirect"), to[0].slice(6));
  else fail(id, `the plan's listeners redirect ${JSON.stringify(redirects.map((l) => l.id))} to ${to}, which no Ingress can carry`);
  const alb = refOf(lb.attributes.security_groups[0]);
  const inbound = [...new Set(res("security_group_rule").filter((r) => refOf(r.attributes.security_group) === alb &&
    r.attributes.direction === "ingress" && r.attributes.cidr_block).map((r) => r.attributes.cidr_block))].sort();
  expect("inbound-cidrs", A("inbound-cidrs") === undefined ? [] : A("inbound-cidrs").split(",").sort(), inbound);
  // routes: each listener rule's patterns as Prefix paths, by priority
  const tgs = Object.fromEntries(res("target_group").map((t) => [t.id, t]));
  const want = [];
  for (const r of res("listener_rule").sort((a, b) => a.attributes.priority - b.attributes.priority)) {
    const tg = tgs[refOf(r.attributes.target_group)];
    for (const pat of r.attributes.path_patterns) {
      const prefix = pat.endsWith("/*") ? pat.slice(0, -2) || "/" : pat;
      const text = `${prefix} Prefix ${dnsName(tg.key)}:${tg.attributes.port}`;
      if (!want.includes(text)) want.push(text);
    }
  }
  const got = [];
  for (const rule of ing.spec.rules || []) {
    if (rule.host) fail(id, `a rule for host ${rule.host}, which the plan does not have`);
    for (const p of (rule.http || {}).paths || [])
      got.push(`${p.path} ${p.pathType} ${p.backend.service.name}:${p.backend.service.port.number}`);
  }
  expect("the routes", got, want);
}

function runConsistency() {
  const es = envs();
  for (const e of es) consistency(e);
  return es.length;
}

// ---- self-checks: each mode must catch a broken input ----

function selfCheck() {
  const before = failures.length;
  const dep = {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" },
    spec: { replicas: "3", selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "x", image: "i", readOnlyRootFileSystem: true }] } } },
  };
  schemaCheck("self-check", dep);
  const es = (api, spec) => ({ apiVersion: api, kind: "ExternalSecret", metadata: { name: "x", namespace: "y" }, spec });
  schemaCheck("self-check", es("external-secrets.io/v1beta1", {}));
  schemaCheck("self-check", es("external-secrets.io/v1", { target: { creationPolicy: "Sometimes" }, secretStoreRefs: {} }));
  const caught = failures.splice(before);
  const want = ["must be integer", "readOnlyRootFileSystem is not in the schema", "no published model for external-secrets.io/v1beta1",
    "creationPolicy must be equal to one of the allowed values", "field .spec.secretStoreRefs is not in the schema"];
  for (const w of want)
    if (!caught.some((f) => f.includes(w))) fail("self-check", `a broken document was not caught (${w}): ${JSON.stringify(caught)}`);
}

function consistencySelfCheck(es) {
  const called = (d) => d.kind === "NetworkPolicy" && (d.spec.ingress || []).some((r) => (r.from || []).some((p) => p.podSelector));
  const redirects = (d) => d.kind === "Ingress" && d.metadata.annotations["alb.ingress.kubernetes.io/ssl-redirect"];
  const e = es.find((x) => x.plan && documents(x).some(({ d }) => redirects(d)) && documents(x).some(({ d }) => called(d)));
  if (!e) return fail("self-check", "no output with a redirecting Ingress and a service another one calls, to check the checks on");
  const before = failures.length;
  const broken = JSON.parse(JSON.stringify(e));
  const file = Object.keys(broken.files).find((f) => f.startsWith("service-"));
  for (const d of broken.files[file]) if (d.kind === "Service") d.spec.selector = { nothing: "here" };
  broken.files["extra.yaml"] = [];
  // no default deny, every policy open to all sources and destinations, a
  // bare Ingress with its routes out of order
  broken.files["shared.yaml"] = broken.files["shared.yaml"].filter((d) => !(d.kind === "NetworkPolicy" && !d.spec.podSelector.matchLabels));
  for (const ds of Object.values(broken.files))
    for (const d of ds) {
      if (d.kind === "NetworkPolicy") {
        d.spec.ingress = [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }];
        d.spec.egress = [{ ports: [{ protocol: "TCP", port: 443 }] }];
      }
      if (d.kind === "Ingress") {
        d.metadata.annotations = {};
        d.spec.rules[0].http.paths.reverse();
      }
    }
  consistency(broken);
  const caught = failures.splice(before);
  const want = ["selects 0 workloads", "kustomization lists", "namespace-wide default deny", "ingress allows",
    "outside the VPC", "egress allows", "scheme:", "target-type:", "listen-ports:", "ssl-redirect:", "inbound-cidrs:"];
  if (broken.files["shared.yaml"].some((d) => d.kind === "Ingress" && d.spec.rules[0].http.paths.length > 1))
    want.push("the routes:");
  for (const w of want)
    if (!caught.some((f) => f.includes(w))) fail("self-check", `a broken folder was not caught (${w})`);
}

// ---- main ----

async function main() {
  let count = 0;
  if (mode === "schema") {
    await loadModels();
    selfCheck();
    count = runSchema();
  } else if (mode === "consistency") {
    const es = envs();
    consistencySelfCheck(es);
    count = runConsistency();
  } else if (mode === "dump") {
    const dump = {};
    for (const e of envs())
      for (const [file, docs] of Object.entries(e.files)) dump[path.join(e.dir, file)] = docs;
    fs.writeFileSync(extra, JSON.stringify(dump));
    count = Object.keys(dump).length;
  } else {
    console.error("usage: check.cjs schema|consistency|dump OUT [FILE]");
    process.exit(2);
  }
  for (const f of failures) console.error(`FAIL ${f}`);
  console.log(`kubernetes ${mode}: ${count} checked, ${failures.length} problems`);
  process.exit(failures.length ? 1 : 0);
}

main().catch((err) => {
  console.error(`FAIL ${err.stack}`);
  process.exit(1);
});
