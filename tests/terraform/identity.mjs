#!/usr/bin/env node
// identity.mjs: adding an AZ, a service, tables, a registry and a role
// renames nothing. identity/grown.yaml includes specs/cartful.yaml and adds
// them (a table 2fa.codes, whose name takes a hash, and a role ci-pull);
// every resource,
// data source and output address of CartFul's base tree must still exist
// in the grown tree, every subnet keeps its CIDR and AZ index, and the
// resources the addition does not touch keep their arguments exactly (a
// VPC, a table, a registry, a database). Every resource and output name
// is lower snake case ([a-z0-9_], Terraform's convention), in both trees.
import path from "node:path";
import { build, check, equal, finish, here, loadTree, resources, tmpdir, top } from "./tree.mjs";

const outA = build(path.join(top, "specs/cartful.yaml"), tmpdir("identity-a"));
const outB = build(path.join(here, "identity/grown.yaml"), tmpdir("identity-b"));
const a = await loadTree(path.join(outA, "cartful/base/terraform"));
const b = await loadTree(path.join(outB, "cartful/base/terraform"));

const addresses = (conf) => [
  ...Object.entries(conf.resource).flatMap(([t, byName]) => Object.keys(byName).map((n) => `${t}.${n}`)),
  ...Object.entries(conf.data).flatMap(([t, byName]) => Object.keys(byName).map((n) => `data.${t}.${n}`)),
  ...Object.keys(conf.output).map((n) => `output.${n}`),
];
const before = addresses(a), after = new Set(addresses(b));
for (const x of [...before, ...after]) {
  const name = x.split(".").pop();
  check(/^[a-z_][a-z0-9_]*$/.test(name), `${x}: the name is lower snake case`);
}
check(before.length > 100, `CartFul's tree has its resources (${before.length})`);
for (const x of before) check(after.has(x), `${x} keeps its address`);
check(after.size > before.length, "the grown tree has more resources");
for (const x of ["aws_subnet.public_d", "aws_subnet.private_d", "aws_ecs_service.checkout", "aws_dynamodb_table.carts", "aws_ecr_repository.checkout",
                 "aws_iam_role.cross_ci_pull", "output.trusted_policy_ci_pull"])
  check(after.has(x), `${x} is added under its own name`);
check([...after].some((x) => /^aws_dynamodb_table\._2fa_codes__[a-z0-9]{6}$/.test(x)), "table 2fa.codes takes a hash");
check(before.includes("aws_iam_role.cross_ecr_push"), "CartFul's role ecr-push reads cross_ecr_push");

const sa = resources(a, "aws_subnet"), sb = resources(b, "aws_subnet");
for (const [name, s] of Object.entries(sa))
  equal([sb[name]?.cidr_block, sb[name]?.availability_zone], [s.cidr_block, s.availability_zone], `aws_subnet.${name} keeps its CIDR and AZ`);
for (const [type, name] of [["aws_vpc", "main"], ["aws_dynamodb_table", "configs"], ["aws_ecr_repository", "user_metadata"], ["aws_db_instance", "orders"], ["aws_ecs_cluster", "main"]])
  equal(resources(b, type)[name], resources(a, type)[name], `${type}.${name} is unchanged`);
finish("identity");
