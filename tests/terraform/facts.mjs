#!/usr/bin/env node
// facts.mjs [SPEC]: builds the CartFul spec (specs/cartful.yaml) to
// Terraform and asserts what the contract promises, on values read back
// with hcl2json and evaluated (tree.mjs), never on text:
//  - 3 public and 3 private subnets with the contract's CIDRs, public and
//    private told apart by where their route tables send 0.0.0.0/0, in
//    AZs looked up among the region's own (no opted-in Local Zone);
//  - every private default route goes through one NAT gateway, in a public
//    subnet, whose Elastic IP claims 55.55.55.55;
//  - the three services run on 1010, 2020 and 3030 behind an
//    internet-facing ALB in the public subnets;
//  - the RDS security group admits 5432 only from the security groups of
//    the services that list `orders` in access;
//  - each task role reaches only its own table and database;
//  - the cross-account role trusts only user/ci-pusher in 210987654321,
//    with the sts:ExternalId condition, and the trusted account's document
//    names that role.
import path from "node:path";
import { asList, build, check, equal, evalDeep, finish, loadTree, refAddr, resources, tmpdir, top } from "./tree.mjs";

const spec = process.argv[2] || path.join(top, "specs/cartful.yaml");
const out = build(spec, tmpdir("facts"));
const conf = await loadTree(path.join(out, "cartful/base/terraform"));

const R = (type) => resources(conf, type);
const addr = (type, name) => `${type}.${name}`;
const sorted = (xs) => [...xs].sort();

// ---- subnets and routing ----

const subnets = R("aws_subnet");
const tables = R("aws_route_table");
const routes = Object.values(R("aws_route"));
const assoc = Object.values(R("aws_route_table_association"));
const defaultRoute = (rt) => routes.filter((r) => refAddr(r.route_table_id) === rt && r.destination_cidr_block === "0.0.0.0/0");
const tierOf = (subnet) => {
  const a = assoc.filter((x) => refAddr(x.subnet_id) === subnet);
  if (a.length !== 1) return `associated with ${a.length} route tables`;
  const d = defaultRoute(refAddr(a[0].route_table_id));
  if (d.length !== 1) return "no default route";
  if (refAddr(d[0].gateway_id)?.startsWith("aws_internet_gateway.")) return "public";
  if (refAddr(d[0].nat_gateway_id)?.startsWith("aws_nat_gateway.")) return "private";
  return "unknown";
};
const byTier = { public: [], private: [] };
for (const [name, s] of Object.entries(subnets)) {
  const tier = tierOf(addr("aws_subnet", name));
  check(tier in byTier, `aws_subnet.${name}: ${tier}`);
  if (tier in byTier) byTier[tier].push({ name, ...s });
}
equal(sorted(byTier.public.map((s) => s.cidr_block)), sorted(["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]), "public subnet CIDRs");
equal(sorted(byTier.private.map((s) => s.cidr_block)), sorted(["10.0.8.0/24", "10.0.9.0/24", "10.0.10.0/24"]), "private subnet CIDRs");
equal(Object.keys(subnets).length, 6, "subnet count");
for (const tier of ["public", "private"]) {
  const azs = sorted(byTier[tier].map((s) => s.availability_zone));
  equal(azs, [0, 1, 2].map((i) => `\${data.aws_availability_zones.available.names[${i}]}`), `${tier} subnets: one per looked-up AZ`);
  for (const s of byTier[tier])
    equal(s.map_public_ip_on_launch, tier === "public", `aws_subnet.${s.name}: map_public_ip_on_launch`);
}
equal(conf.data.aws_availability_zones?.available?.state, "available", "AZs are looked up with state = available");
equal(evalDeep(conf.data.aws_availability_zones?.available?.filter), [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
  "only the region's own AZs are looked up, as Fn::GetAZs gives them (no Local or Wavelength Zone)");

// ---- NAT ----

const nats = R("aws_nat_gateway");
equal(Object.keys(nats).length, 1, "one NAT gateway");
const natAddrs = new Set();
for (const s of byTier.private) {
  const a = assoc.find((x) => refAddr(x.subnet_id) === addr("aws_subnet", s.name));
  for (const r of defaultRoute(refAddr(a.route_table_id))) natAddrs.add(refAddr(r.nat_gateway_id));
}
equal([...natAddrs], Object.keys(nats).map((n) => addr("aws_nat_gateway", n)), "every private default route uses the one NAT gateway");
for (const [name, nat] of Object.entries(nats)) {
  check(byTier.public.some((s) => addr("aws_subnet", s.name) === refAddr(nat.subnet_id)), `aws_nat_gateway.${name} sits in a public subnet`);
  const eip = refAddr(nat.allocation_id);
  check(eip?.startsWith("aws_eip."), `aws_nat_gateway.${name} takes its allocation from an aws_eip`);
  const e = eip && R("aws_eip")[eip.split(".")[1]];
  equal(e?.address, "55.55.55.55", `${eip}: address`);
  equal(e?.domain, "vpc", `${eip}: domain`);
}
check(Object.keys(tables).length === 4, "one public and three private route tables");

// ---- services behind the ALB ----

const lbs = R("aws_lb");
equal(Object.keys(lbs).length, 1, "one load balancer");
const [lbName, lb] = Object.entries(lbs)[0];
equal(lb.internal, false, "the ALB is internet-facing");
equal(lb.load_balancer_type, "application", "the load balancer is an ALB");
equal(sorted(lb.subnets.map(refAddr)), sorted(byTier.public.map((s) => addr("aws_subnet", s.name))), "the ALB sits in the public subnets");
const listeners = R("aws_lb_listener");
const rules = R("aws_lb_listener_rule");
const tgs = R("aws_lb_target_group");
const services = R("aws_ecs_service");
const taskDefs = R("aws_ecs_task_definition");
const ports = {};
for (const [name, svc] of Object.entries(services)) {
  const lbb = asList(svc.load_balancer);
  equal(lbb.length, 1, `aws_ecs_service.${name}: one load_balancer block`);
  const tg = refAddr(lbb[0]?.target_group_arn);
  const t = tg && tgs[tg.split(".")[1]];
  check(t, `aws_ecs_service.${name}: its target group is declared`);
  equal(t?.port, lbb[0]?.container_port, `aws_ecs_service.${name}: target group port = container port`);
  ports[name] = lbb[0]?.container_port;
  // A listener rule of this ALB forwards to that target group.
  const fwd = Object.values(rules).filter((r) =>
    asList(r.action).some((a) => a.type === "forward" && refAddr(a.target_group_arn) === tg));
  check(fwd.length > 0, `aws_ecs_service.${name}: a listener rule forwards to ${tg}`);
  for (const r of fwd) {
    const l = listeners[refAddr(r.listener_arn)?.split(".")[1]];
    equal(refAddr(l?.load_balancer_arn), addr("aws_lb", lbName), `${tg}: its rule's listener belongs to the ALB`);
  }
  const td = taskDefs[refAddr(svc.task_definition)?.split(".")[1]];
  const containers = td?.container_definitions;
  equal(containers?.[0]?.portMappings?.[0]?.containerPort, ports[name], `aws_ecs_service.${name}: the container listens on the service port`);
  const nc = asList(svc.network_configuration)[0];
  equal(nc?.assign_public_ip, false, `aws_ecs_service.${name}: no public IP`);
  equal(sorted(nc?.subnets.map(refAddr)), sorted(byTier.private.map((s) => addr("aws_subnet", s.name))), `aws_ecs_service.${name}: runs in the private subnets`);
}
equal(ports, { flight_metadata: 2020, flights_availability: 3030, user_metadata: 1010 }, "service ports");

// ---- the database's security group ----

const sgOfService = (name) => asList(asList(services[name]?.network_configuration)[0]?.security_groups).map(refAddr);
const dbs = R("aws_db_instance");
const orders = dbs.orders;
check(orders, "aws_db_instance.orders exists");
equal(orders?.publicly_accessible, false, "the database is not publicly accessible");
equal(orders?.manage_master_user_password, true, "the master password is managed by RDS");
const dbSgs = asList(orders?.vpc_security_group_ids).map(refAddr);
equal(dbSgs.length, 1, "the database has one security group");
const ingress = Object.values(R("aws_vpc_security_group_ingress_rule")).filter((r) => refAddr(r.security_group_id) === dbSgs[0]);
const dbSgBody = R("aws_security_group")[dbSgs[0]?.split(".")[1]];
check(dbSgBody && dbSgBody.ingress === undefined, "the database security group has no inline ingress");
for (const r of ingress) {
  equal([r.ip_protocol, r.from_port, r.to_port], ["tcp", 5432, 5432], `${dbSgs[0]}: ingress is 5432/tcp only`);
  check(r.cidr_ipv4 === undefined && r.cidr_ipv6 === undefined && r.prefix_list_id === undefined, `${dbSgs[0]}: no address range is admitted`);
}
equal(sorted(ingress.map((r) => refAddr(r.referenced_security_group_id))),
  sorted([...sgOfService("user_metadata"), ...sgOfService("flight_metadata")]),
  "the database admits exactly the services that list orders");

// ---- task roles ----

const roles = R("aws_iam_role");
const rolePolicies = Object.values(R("aws_iam_role_policy"));
check(Object.keys(R("aws_iam_role_policy_attachment")).length === 0, "no managed policies are attached");
const statementsOf = (roleAddr) =>
  rolePolicies.filter((p) => refAddr(p.role) === roleAddr).flatMap((p) => asList(p.policy.Statement));
const tableArn = "${aws_dynamodb_table.configs.arn}";
const expect = {
  user_metadata: { tables: [tableArn, `${tableArn}/index/*`], databases: ["orders"] },
  flight_metadata: { tables: [tableArn, `${tableArn}/index/*`], databases: ["orders"] },
  flights_availability: { tables: [tableArn, `${tableArn}/index/*`], databases: [] },
};
for (const [svc, want] of Object.entries(expect)) {
  const td = taskDefs[refAddr(services[svc]?.task_definition)?.split(".")[1]];
  const role = refAddr(td?.task_role_arn);
  check(role && roles[role.split(".")[1]], `aws_ecs_service.${svc}: has a task role`);
  check(role !== refAddr(td?.execution_role_arn), `aws_ecs_service.${svc}: the task role is not the execution role`);
  const tablesSeen = [], dbsSeen = [];
  for (const st of statementsOf(role)) {
    equal(st.Effect, "Allow", `${role}: ${st.Sid} allows`);
    for (const res of asList(st.Resource)) {
      const actions = asList(st.Action);
      check(res !== "*", `${role}: ${st.Sid} is scoped to resources`);
      if (actions.every((a) => a.startsWith("dynamodb:"))) tablesSeen.push(res);
      else if (actions.every((a) => a === "rds-db:connect")) {
        const m = /^arn:aws:rds-db:us-east-1:123456789012:dbuser:\$\{aws_db_instance\.([a-z0-9_-]+)\.resource_id\}\/app$/.exec(res);
        check(m, `${role}: rds-db:connect on a database user ARN (${res})`);
        if (m) dbsSeen.push(m[1]);
      } else check(false, `${role}: unexpected actions ${actions.join(",")}`);
    }
  }
  equal(sorted(tablesSeen), sorted(want.tables), `${role}: tables it reaches`);
  equal(sorted(dbsSeen), sorted(want.databases), `${role}: databases it reaches`);
}

// ---- the cross-account role ----

const cross = Object.entries(roles).filter(([, r]) => r.name === "cartful-ecr-push");
equal(cross.length, 1, "the cross-account role cartful-ecr-push exists");
const trust = cross[0]?.[1].assume_role_policy;
equal(asList(trust?.Statement).length, 1, "its trust policy has one statement");
const st = asList(trust?.Statement)[0] || {};
equal(st.Effect, "Allow", "trust: Allow");
equal(asList(st.Action), ["sts:AssumeRole"], "trust: sts:AssumeRole only");
equal(st.Principal, { AWS: "arn:aws:iam::210987654321:user/ci-pusher" }, "trust: only user/ci-pusher in 210987654321");
equal(st.Condition, { StringEquals: { "sts:ExternalId": "cartful-ci-7f3a" } }, "trust: the ExternalId condition");
check(st.NotPrincipal === undefined, "trust: no NotPrincipal");
const doc = Object.entries(conf.output).find(([n]) => n.startsWith("trusted_policy_"));
check(doc, "an output carries the trusted account's policy");
const trusted = doc && resources({ resource: { x: { y: { v: doc[1].value } } } }, "x").y.v;
equal(asList(trusted?.Statement).map((s) => [s.Effect, asList(s.Action), s.Resource]),
  [["Allow", ["sts:AssumeRole"], `\${aws_iam_role.${cross[0]?.[0]}.arn}`]], "the trusted account may assume exactly that role");

finish("facts");
