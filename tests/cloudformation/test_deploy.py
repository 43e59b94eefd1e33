"""Every generated template deploys into moto; CartFul's network facts hold.

One Python process builds every spec in specs/ and examples/ in every
environment (cfn_cases), deploys each template into its own moto account
(moto_stack) and asks moto's APIs what was made:

  - every stack reaches CREATE_COMPLETE and holds every template resource;
  - the resource types moto's CloudFormation cannot create are named and
    checked in the template against the plan (TEMPLATE_CHECKS); a type
    without a check fails;
  - subnets exist with the plan's CIDRs in the AZs Fn::GetAZs gives;
  - every IAM role carries exactly the plan's trust and inline policies;
  - every export is named <name>-<env>-...;
  - for CartFul (specs/cartful.yaml), the facts of issue 4: six subnets with
    the contract's CIDRs, public IPs mapped only in the public ones,
    private default routes to the NAT gateway and public ones to the
    internet gateway, the ALB the only thing reachable from the internet,
    RDS private, encrypted and multi-AZ in base, and the database's
    security group open only to the services that list it.

Where moto accepts a property but ignores it, the check reads it from the
template and says so (a "note:" line on stderr).

Run: INFRAC=build/infrac python3 -m unittest -v test_deploy
"""

import ipaddress
import json
import os
import sys
import unittest

import yaml

import cfn_cases
import moto_stack
from expect import Template, is_join, is_ref

CASES = []
NOTES = set()


def setUpModule():
    CASES.extend(cfn_cases.build_cases())


def note(message):
    if message not in NOTES:
        NOTES.add(message)
        print("note: " + message, file=sys.stderr)


def by_kind(case, kind):
    return case.resources(kind)


# ---- resource types moto cannot create: checked in the template ----

def check_network_acls(t, case, tm):
    plan = by_kind(case, "network_acl")
    t.assertEqual(len(case.of_type("AWS::EC2::NetworkAcl")), len(plan))
    for r in plan:
        p = tm.props(r["id"])
        t.assertEqual(p["VpcId"], tm.render(r["attributes"]["vpc"]), r["id"])
        t.assertIn({"Key": "Name", "Value": r["name"]}, p["Tags"], r["id"])


def check_network_acl_entries(t, case, tm):
    plan = by_kind(case, "network_acl_rule")
    t.assertEqual(len(case.of_type("AWS::EC2::NetworkAclEntry")), len(plan))
    for r in plan:
        a = r["attributes"]
        want = {"NetworkAclId": tm.render(a["network_acl"]), "RuleNumber": a["rule_number"],
                "Egress": a["egress"], "Protocol": int(a["protocol"]), "RuleAction": a["rule_action"],
                "CidrBlock": a["cidr_block"]}
        if "from_port" in a:
            want["PortRange"] = {"From": a["from_port"], "To": a["to_port"]}
        t.assertEqual(tm.props(r["id"]), want, r["id"])


def check_network_acl_associations(t, case, tm):
    plan = by_kind(case, "network_acl_association")
    t.assertEqual(len(case.of_type("AWS::EC2::SubnetNetworkAclAssociation")), len(plan))
    for r in plan:
        a = r["attributes"]
        t.assertEqual(tm.props(r["id"]), {"NetworkAclId": tm.render(a["network_acl"]),
                                          "SubnetId": tm.render(a["subnet"])}, r["id"])


def sg_rule_props(tm, a):
    want = {"GroupId": tm.render(a["security_group"]), "IpProtocol": a["protocol"],
            "FromPort": a["from_port"], "ToPort": a["to_port"], "Description": a["description"]}
    if "cidr_block" in a:
        want["CidrIp"] = a["cidr_block"]
    else:
        peer = "DestinationSecurityGroupId" if a["direction"] == "egress" else "SourceSecurityGroupId"
        want[peer] = tm.render(a["peer_security_group"])
    return want


def check_sg_egress(t, case, tm):
    plan = [r for r in by_kind(case, "security_group_rule") if r["attributes"]["direction"] == "egress"]
    t.assertEqual(len(case.of_type("AWS::EC2::SecurityGroupEgress")), len(plan))
    for r in plan:
        t.assertEqual(tm.resource(r["id"])["Type"], "AWS::EC2::SecurityGroupEgress", r["id"])
        t.assertEqual(tm.props(r["id"]), sg_rule_props(tm, r["attributes"]), r["id"])


def check_scalable_targets(t, case, tm):
    plan = by_kind(case, "autoscaling_target")
    t.assertEqual(len(case.of_type("AWS::ApplicationAutoScaling::ScalableTarget")), len(plan))
    for r in plan:
        a = r["attributes"]
        t.assertEqual(tm.props(r["id"]), {
            "ResourceId": tm.render(a["resource_id"]), "ServiceNamespace": a["service_namespace"],
            "ScalableDimension": a["scalable_dimension"], "MinCapacity": a["min_capacity"],
            "MaxCapacity": a["max_capacity"]}, r["id"])


def check_scaling_policies(t, case, tm):
    plan = by_kind(case, "autoscaling_policy")
    t.assertEqual(len(case.of_type("AWS::ApplicationAutoScaling::ScalingPolicy")), len(plan))
    for r in plan:
        a = r["attributes"]
        t.assertEqual(tm.props(r["id"]), {
            "PolicyName": r["name"], "PolicyType": a["policy_type"], "ScalingTargetId": tm.render(a["target"]),
            "TargetTrackingScalingPolicyConfiguration": {
                "PredefinedMetricSpecification": {"PredefinedMetricType": a["metric"]},
                "TargetValue": a["target_value"], "ScaleInCooldown": a["scale_in_cooldown"],
                "ScaleOutCooldown": a["scale_out_cooldown"]}}, r["id"])


TEMPLATE_CHECKS = {
    "AWS::EC2::NetworkAcl": check_network_acls,
    "AWS::EC2::NetworkAclEntry": check_network_acl_entries,
    "AWS::EC2::SubnetNetworkAclAssociation": check_network_acl_associations,
    "AWS::EC2::SecurityGroupEgress": check_sg_egress,
    "AWS::ApplicationAutoScaling::ScalableTarget": check_scalable_targets,
    "AWS::ApplicationAutoScaling::ScalingPolicy": check_scaling_policies,
}


# ---- deployed values ----

def physical(d, lid):
    for r in d.resources:
        if r["LogicalResourceId"] == lid:
            return r["PhysicalResourceId"]
    raise KeyError("no stack resource %s" % lid)


def lookup(d, tm, pid, attr):
    """The deployed value of a reference the plan could not compute."""
    kind = pid.split(".", 1)[0]
    phys = physical(d, tm.lid[pid])
    if (kind, attr) == ("db_instance", "resource_id"):
        return d.client("rds").describe_db_instances(DBInstanceIdentifier=phys)["DBInstances"][0]["DbiResourceId"]
    if (kind, attr) == ("iam_role", "arn"):
        return d.client("iam").get_role(RoleName=phys)["Role"]["Arn"]
    if (kind, attr) == ("dynamodb_table", "arn"):
        return d.client("dynamodb").describe_table(TableName=phys)["Table"]["TableArn"]
    if (kind, attr) == ("ecr_repository", "arn"):
        return d.client("ecr").describe_repositories(repositoryNames=[phys])["repositories"][0]["repositoryArn"]
    if (kind, attr) == ("log_group", "arn"):
        account = d.client("sts").get_caller_identity()["Account"]
        return "arn:aws:logs:%s:%s:log-group:%s" % (d.region, account, phys)
    raise KeyError("cannot look up %s of %s in moto" % (attr, pid))


def resolve(d, tm, v):
    """A plan value with every reference replaced by its deployed value."""
    if is_ref(v):
        return v["value"] if "value" in v else lookup(d, tm, v["ref"], v["attr"])
    if is_join(v):
        return "".join(resolve(d, tm, p) for p in v["join"])
    if isinstance(v, dict):
        return {k: resolve(d, tm, x) for k, x in v.items()}
    if isinstance(v, list):
        return [resolve(d, tm, x) for x in v]
    return v


def tag(obj, key):
    for t in obj.get("Tags", []):
        if t["Key"] == key:
            return t["Value"]
    return None


class TestDeploy(unittest.TestCase):
    maxDiff = None

    def test_every_spec_and_environment(self):
        self.assertTrue(CASES, "no templates were built")
        labels = [c.label for c in CASES]
        self.assertIn("cartful/base", labels)
        for case in CASES:
            with self.subTest(case.label):
                with moto_stack.deployed(case) as d:
                    self.check_generic(case, d)
                    if case.name == "cartful":
                        self.check_cartful(case, d)

    # -- every template --

    def check_generic(self, case, d):
        tm = Template(case.template)
        self.assertEqual(d.status, "CREATE_COMPLETE", "%s: %s" % (case.label, d.reason))
        # moto lists what it skipped without a logical ID
        made = sorted(lid for lid, r in case.template["Resources"].items() if r["Type"] not in d.unsupported)
        self.assertEqual(sorted(r["LogicalResourceId"] for r in d.resources if r["LogicalResourceId"]), made)
        self.assertEqual(len(d.resources), len(case.template["Resources"]))
        for rtype in sorted(d.unsupported):
            self.assertIn(rtype, TEMPLATE_CHECKS,
                          "moto cannot create %s and no template check covers it" % rtype)
            note("moto's CloudFormation cannot create %s: checked in the template instead" % rtype)
            TEMPLATE_CHECKS[rtype](self, case, tm)
        self.check_subnets(case, d, tm)
        self.check_roles(case, d, tm)
        prefix = "%s-%s-" % (case.name, case.env)
        exports = d.client("cloudformation").list_exports()["Exports"]
        self.assertEqual(len(exports), len(case.template.get("Outputs", {})))
        for e in exports:
            self.assertTrue(e["Name"].startswith(prefix), e["Name"])

    def check_subnets(self, case, d, tm):
        ec2 = d.client("ec2")
        zones = sorted(z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"])
        for r in by_kind(case, "subnet"):
            sid = physical(d, tm.lid[r["id"]])
            s = ec2.describe_subnets(SubnetIds=[sid])["Subnets"][0]
            a = r["attributes"]
            self.assertEqual(s["CidrBlock"], a["cidr_block"], r["id"])
            az = a["availability_zone"]
            self.assertEqual(s["AvailabilityZone"], zones[az["az"]] if isinstance(az, dict) else az, r["id"])
            self.assertEqual(tag(s, "Name"), r["name"])

    def check_roles(self, case, d, tm):
        iam = d.client("iam")
        policies = {}
        for p in by_kind(case, "iam_role_policy"):
            policies.setdefault(p["attributes"]["role"]["ref"], {})[p["name"]] = p["attributes"]["policy"]
        for r in by_kind(case, "iam_role"):
            role = iam.get_role(RoleName=r["name"])["Role"]
            self.assertEqual(role["AssumeRolePolicyDocument"],
                             resolve(d, tm, r["attributes"]["assume_role_policy"]), r["id"])
            if "max_session_duration" in r["attributes"]:
                self.assertEqual(role["MaxSessionDuration"], r["attributes"]["max_session_duration"])
            want = policies.get(r["id"], {})
            self.assertEqual(sorted(iam.list_role_policies(RoleName=r["name"])["PolicyNames"]), sorted(want))
            for name, doc in want.items():
                got = iam.get_role_policy(RoleName=r["name"], PolicyName=name)["PolicyDocument"]
                self.assertEqual(got, resolve(d, tm, doc), "%s policy %s" % (r["id"], name))
        for r in by_kind(case, "trusted_policy"):
            outputs = {o["OutputKey"]: o["OutputValue"]
                       for o in d.client("cloudformation").describe_stacks(StackName=case.name)["Stacks"][0]
                       .get("Outputs", [])}
            docs = [json.loads(v) for k, v in outputs.items() if k.startswith("TrustedPolicy")]
            self.assertIn(resolve(d, tm, r["attributes"]["policy"]), docs, r["id"])

    # -- CartFul --

    def check_cartful(self, case, d):
        tm = Template(case.template)
        ec2, spec = d.client("ec2"), yaml.safe_load(open(case.spec))
        vpc_id = physical(d, tm.lid["vpc.main"])
        subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
        public = {"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"}
        private = {"10.0.8.0/24", "10.0.9.0/24", "10.0.10.0/24"}

        with self.subTest("six subnets with the contract's CIDRs"):
            self.assertEqual(sorted(s["CidrBlock"] for s in subnets), sorted(public | private))
            for s in subnets:
                tier = "public" if s["CidrBlock"] in public else "private"
                self.assertTrue(tag(s, "Name").startswith("cartful-%s-" % tier), tag(s, "Name"))

        with self.subTest("public IPs mapped only in the public subnets"):
            note("moto ignores MapPublicIpOnLaunch of AWS::EC2::Subnet: read from the template")
            by_cidr = {}
            for lid, r in case.of_type("AWS::EC2::Subnet").items():
                by_cidr[r["Properties"]["CidrBlock"]] = r["Properties"].get("MapPublicIpOnLaunch")
            self.assertEqual(by_cidr, {**{c: True for c in public}, **{c: False for c in private}})

        with self.subTest("private subnets route to the NAT gateway, public ones to the internet gateway"):
            igws = ec2.describe_internet_gateways(
                Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
            self.assertEqual(len(igws), 1)
            nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
            self.assertEqual(len(nats), 1, "nat: single")
            public_ids = {s["SubnetId"] for s in subnets if s["CidrBlock"] in public}
            self.assertIn(nats[0]["SubnetId"], public_ids, "the NAT gateway sits in a public subnet")
            for s in subnets:
                tables = ec2.describe_route_tables(
                    Filters=[{"Name": "association.subnet-id", "Values": [s["SubnetId"]]}])["RouteTables"]
                self.assertEqual(len(tables), 1, s["CidrBlock"])
                default = [r for r in tables[0]["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
                self.assertEqual(len(default), 1, s["CidrBlock"])
                if s["CidrBlock"] in public:
                    self.assertEqual(default[0].get("GatewayId"), igws[0]["InternetGatewayId"])
                    self.assertNotIn("NatGatewayId", default[0])
                else:
                    self.assertEqual(default[0].get("NatGatewayId"), nats[0]["NatGatewayId"])
                    self.assertNotIn("GatewayId", default[0])

        with self.subTest("the NAT's Elastic IP claims the spec's static address"):
            note("moto ignores Address of AWS::EC2::EIP: read from the template")
            eips = case.of_type("AWS::EC2::EIP")
            self.assertEqual(len(eips), 1)
            want = case.resources("eip")[0]["attributes"].get("address")
            self.assertEqual(next(iter(eips.values()))["Properties"].get("Address"), want)
            if case.env == "base":
                self.assertEqual(want, spec["network"]["nat"]["eip"])

        with self.subTest("the ALB is the only internet-facing resource"):
            lbs = d.client("elbv2").describe_load_balancers()["LoadBalancers"]
            self.assertEqual([lb["Scheme"] for lb in lbs], ["internet-facing"])
            self.assertEqual({z["SubnetId"] for z in lbs[0]["AvailabilityZones"]}, public_ids)
            vpc_net = ipaddress.ip_network(spec["network"]["cidr"])
            open_groups = set()
            for g in ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]:
                for perm in g["IpPermissions"]:
                    for rng in perm.get("IpRanges", []):
                        if not ipaddress.ip_network(rng["CidrIp"]).subnet_of(vpc_net):
                            open_groups.add(g["GroupId"])
            self.assertEqual(open_groups, set(lbs[0]["SecurityGroups"]))
            for db in d.client("rds").describe_db_instances()["DBInstances"]:
                self.assertFalse(db["PubliclyAccessible"])
            note("moto ignores NetworkConfiguration of AWS::ECS::Service: read from the template")
            for lid, svc in case.of_type("AWS::ECS::Service").items():
                vpc_conf = svc["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]
                self.assertEqual(vpc_conf["AssignPublicIp"], "DISABLED", lid)
                for ref in vpc_conf["Subnets"]:
                    cidr = case.template["Resources"][ref["Ref"]]["Properties"]["CidrBlock"]
                    self.assertIn(cidr, private, lid)

        with self.subTest("RDS: not public, encrypted, multi-AZ in base"):
            dbs = d.client("rds").describe_db_instances()["DBInstances"]
            self.assertEqual(len(dbs), 1)
            db = dbs[0]
            self.assertFalse(db["PubliclyAccessible"])
            self.assertTrue(db["StorageEncrypted"])
            multi_az = case.resources("db_instance")[0]["attributes"]["multi_az"]
            self.assertEqual(db["MultiAZ"], multi_az)
            if case.env == "base":
                self.assertTrue(db["MultiAZ"])
            self.assertEqual({s["SubnetIdentifier"] for s in db["DBSubnetGroup"]["Subnets"]},
                             {s["SubnetId"] for s in subnets if s["CidrBlock"] in private})
            note("moto ignores ManageMasterUserPassword of AWS::RDS::DBInstance: read from the template")
            self.assertIs(case.template["Resources"][tm.lid["db_instance.orders"]]["Properties"]
                          ["ManageMasterUserPassword"], True)

        with self.subTest("the database accepts only the services that list it"):
            listing = sorted(k for k, s in spec["services"].items()
                             if any(a.get("database") == "orders" for a in s.get("access", [])))
            self.assertTrue(listing)
            db_sg = physical(d, tm.lid["security_group.database_orders"])
            service_sg = {k: physical(d, tm.lid["security_group.service_%s" % k]) for k in spec["services"]}
            g = ec2.describe_security_groups(GroupIds=[db_sg])["SecurityGroups"][0]
            sources = set()
            for perm in g["IpPermissions"]:
                self.assertEqual(perm.get("IpRanges", []), [])
                self.assertEqual((perm["FromPort"], perm["ToPort"]), (5432, 5432))
                sources |= {p["GroupId"] for p in perm["UserIdGroupPairs"]}
            self.assertEqual(sources, {service_sg[k] for k in listing})
            note("moto ignores VPCSecurityGroups of AWS::RDS::DBInstance: read from the template")
            self.assertEqual(case.template["Resources"][tm.lid["db_instance.orders"]]["Properties"]
                             ["VPCSecurityGroups"],
                             [{"Fn::GetAtt": [tm.lid["security_group.database_orders"], "GroupId"]}])

        with self.subTest("DynamoDB and ECR"):
            table = d.client("dynamodb").describe_table(TableName="cartful-configs")["Table"]
            self.assertEqual(table["KeySchema"], [{"AttributeName": "config_id", "KeyType": "HASH"},
                                                  {"AttributeName": "version", "KeyType": "RANGE"}])
            self.assertEqual(table["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
            repos = d.client("ecr").describe_repositories()["repositories"]
            self.assertEqual(sorted(r["repositoryName"] for r in repos), sorted(spec["registries"]))
            for r in repos:
                self.assertEqual(r["imageTagMutability"], "IMMUTABLE")
            note("moto ignores LifecyclePolicy of AWS::ECR::Repository: read from the template")
            for lp in case.resources("ecr_lifecycle_policy"):
                props = tm.props(lp["attributes"]["repository"]["ref"])
                self.assertEqual(json.loads(props["LifecyclePolicy"]["LifecyclePolicyText"]),
                                 lp["attributes"]["policy"])

        with self.subTest("exports name the VPC, subnets, ALB, database, table and roles"):
            exports = {e["Name"]: e["Value"] for e in d.client("cloudformation").list_exports()["Exports"]}
            p = "cartful-%s-" % case.env
            self.assertEqual(exports[p + "vpc-id"], vpc_id)
            for s in subnets:
                self.assertEqual(exports[p + "subnet-%s-id" % tag(s, "Name")[len("cartful-"):]], s["SubnetId"])
            lb = d.client("elbv2").describe_load_balancers()["LoadBalancers"][0]
            self.assertEqual(exports[p + "alb-dns-name"], lb["DNSName"])
            db = d.client("rds").describe_db_instances()["DBInstances"][0]
            self.assertEqual(exports[p + "db-orders-endpoint"], db["Endpoint"]["Address"])
            self.assertEqual(exports[p + "table-configs-arn"], table["TableArn"])
            self.assertEqual(exports[p + "role-cross-ecr-push-arn"],
                             d.client("iam").get_role(RoleName="cartful-ecr-push")["Role"]["Arn"])
            addresses = ec2.describe_addresses()["Addresses"]
            self.assertEqual(exports[p + "nat-a-public-ip"], addresses[0]["PublicIp"])


if __name__ == "__main__":
    unittest.main()
