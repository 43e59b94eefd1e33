"""The shape of every template, checked against the plan it renders.

For every spec in specs/ and examples/ in every environment:
  - the template's header: format version, a Description naming the spec;
  - one CloudFormation resource per deployable plan resource, of the type
    the plan kind maps to, with an alphanumeric logical ID of at most 255
    characters; inline policies and lifecycle policies folded into their
    role and repository; external trusted policies as Outputs only;
  - references: every plan attribute that CloudFormation takes as a
    property is rendered with the documented Ref/Fn::GetAtt (expect.py);
    counted AZs are Fn::Select over Fn::GetAZs, listed ones names;
  - DependsOn exactly where CloudFormation needs it: the EIP, the NAT, the
    routes to the internet gateway and an internet-facing ALB wait for the
    gateway attachment, ECS services wait for their listener rules;
  - Tags from the spec's tags plus Name, on every resource whose type takes
    Tags (per cfn-lint's schemas) and on no other;
  - Outputs exported as <name>-<env>-..., unique, in CloudFormation's
    character set; RDS with ManageMasterUserPassword and no password;
  - a spec with nothing to deploy still gives a valid stack.

Run: INFRAC=build/infrac python3 -m unittest -v test_template
"""

import re
import unittest

import cfn_cases
from expect import Template, is_ref

CASES = []

# plan kind -> CloudFormation type (None: folded into another resource or an Output)
TYPES = {
    "vpc": "AWS::EC2::VPC", "internet_gateway": "AWS::EC2::InternetGateway", "subnet": "AWS::EC2::Subnet",
    "eip": "AWS::EC2::EIP", "nat_gateway": "AWS::EC2::NatGateway", "route_table": "AWS::EC2::RouteTable",
    "route": "AWS::EC2::Route", "route_table_association": "AWS::EC2::SubnetRouteTableAssociation",
    "network_acl": "AWS::EC2::NetworkAcl", "network_acl_rule": "AWS::EC2::NetworkAclEntry",
    "network_acl_association": "AWS::EC2::SubnetNetworkAclAssociation", "log_group": "AWS::Logs::LogGroup",
    "iam_role": "AWS::IAM::Role", "iam_role_policy": None, "flow_log": "AWS::EC2::FlowLog",
    "vpc_endpoint": "AWS::EC2::VPCEndpoint", "security_group": "AWS::EC2::SecurityGroup",
    "security_group_rule": ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"),
    "load_balancer": "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "target_group": "AWS::ElasticLoadBalancingV2::TargetGroup",
    "listener": "AWS::ElasticLoadBalancingV2::Listener", "listener_rule": "AWS::ElasticLoadBalancingV2::ListenerRule",
    "ecs_cluster": "AWS::ECS::Cluster", "task_definition": "AWS::ECS::TaskDefinition",
    "ecs_service": "AWS::ECS::Service", "autoscaling_target": "AWS::ApplicationAutoScaling::ScalableTarget",
    "autoscaling_policy": "AWS::ApplicationAutoScaling::ScalingPolicy", "db_subnet_group": "AWS::RDS::DBSubnetGroup",
    "db_instance": "AWS::RDS::DBInstance", "dynamodb_table": "AWS::DynamoDB::Table",
    "ecr_repository": "AWS::ECR::Repository", "ecr_lifecycle_policy": None, "trusted_policy": None,
}

# plan attribute -> CloudFormation property, where the two are one value
PROPERTIES = {
    "vpc": {"cidr_block": "CidrBlock", "enable_dns_support": "EnableDnsSupport",
            "enable_dns_hostnames": "EnableDnsHostnames"},
    "subnet": {"vpc": "VpcId", "cidr_block": "CidrBlock", "availability_zone": "AvailabilityZone",
               "map_public_ip_on_launch": "MapPublicIpOnLaunch"},
    "eip": {"domain": "Domain", "address": "Address"},
    "nat_gateway": {"allocation_id": "AllocationId", "subnet": "SubnetId", "connectivity_type": "ConnectivityType"},
    "route_table": {"vpc": "VpcId"},
    "route": {"route_table": "RouteTableId", "destination_cidr_block": "DestinationCidrBlock",
              "gateway": "GatewayId", "nat_gateway": "NatGatewayId"},
    "route_table_association": {"route_table": "RouteTableId", "subnet": "SubnetId"},
    "network_acl": {"vpc": "VpcId"},
    "log_group": {"retention_in_days": "RetentionInDays"},
    "iam_role": {"assume_role_policy": "AssumeRolePolicyDocument", "max_session_duration": "MaxSessionDuration"},
    "flow_log": {"vpc": "ResourceId", "traffic_type": "TrafficType", "log_destination_type": "LogDestinationType",
                 "log_destination": "LogDestination", "iam_role": "DeliverLogsPermissionArn",
                 "max_aggregation_interval": "MaxAggregationInterval"},
    "vpc_endpoint": {"vpc": "VpcId", "service_name": "ServiceName", "vpc_endpoint_type": "VpcEndpointType",
                     "route_tables": "RouteTableIds", "subnets": "SubnetIds", "security_groups": "SecurityGroupIds",
                     "private_dns_enabled": "PrivateDnsEnabled"},
    "security_group": {"vpc": "VpcId", "description": "GroupDescription"},
    "load_balancer": {"load_balancer_type": "Type", "subnets": "Subnets", "security_groups": "SecurityGroups"},
    "target_group": {"port": "Port", "protocol": "Protocol", "target_type": "TargetType", "vpc": "VpcId"},
    "listener": {"load_balancer": "LoadBalancerArn", "port": "Port", "protocol": "Protocol",
                 "ssl_policy": "SslPolicy"},
    "listener_rule": {"listener": "ListenerArn", "priority": "Priority"},
    "task_definition": {"network_mode": "NetworkMode", "execution_role": "ExecutionRoleArn",
                        "task_role": "TaskRoleArn"},
    "ecs_service": {"cluster": "Cluster", "task_definition": "TaskDefinition", "desired_count": "DesiredCount",
                    "launch_type": "LaunchType", "platform_version": "PlatformVersion",
                    "propagate_tags": "PropagateTags", "enable_execute_command": "EnableExecuteCommand",
                    "health_check_grace_period": "HealthCheckGracePeriodSeconds"},
    "db_subnet_group": {"description": "DBSubnetGroupDescription", "subnets": "SubnetIds"},
    "db_instance": {"engine": "Engine", "engine_version": "EngineVersion", "instance_class": "DBInstanceClass",
                    "max_allocated_storage": "MaxAllocatedStorage", "storage_type": "StorageType",
                    "storage_encrypted": "StorageEncrypted", "multi_az": "MultiAZ",
                    "backup_retention_period": "BackupRetentionPeriod",
                    "iam_database_authentication_enabled": "EnableIAMDatabaseAuthentication",
                    "deletion_protection": "DeletionProtection",
                    "manage_master_user_password": "ManageMasterUserPassword", "username": "MasterUsername",
                    "db_subnet_group": "DBSubnetGroupName", "security_groups": "VPCSecurityGroups",
                    "publicly_accessible": "PubliclyAccessible", "copy_tags_to_snapshot": "CopyTagsToSnapshot",
                    "auto_minor_version_upgrade": "AutoMinorVersionUpgrade",
                    "cloudwatch_logs_exports": "EnableCloudwatchLogsExports"},
    "dynamodb_table": {"billing_mode": "BillingMode", "deletion_protection": "DeletionProtectionEnabled"},
    "ecr_repository": {"image_tag_mutability": "ImageTagMutability"},
}

# physical names: plan resource name -> property
NAMES = {
    "log_group": "LogGroupName", "iam_role": "RoleName", "security_group": "GroupName", "load_balancer": "Name",
    "target_group": "Name", "ecs_cluster": "ClusterName", "task_definition": "Family", "ecs_service": "ServiceName",
    "autoscaling_policy": "PolicyName", "db_subnet_group": "DBSubnetGroupName",
    "db_instance": "DBInstanceIdentifier", "dynamodb_table": "TableName", "ecr_repository": "RepositoryName",
}


def setUpModule():
    CASES.extend(cfn_cases.build_cases())


def taggable_types():
    """CloudFormation types whose schema (cfn-lint's, us-east-1) has Tags."""
    from cfnlint.schema.manager import PROVIDER_SCHEMA_MANAGER

    out = set()
    for t in set(TYPES.values()) | {"AWS::EC2::VPCGatewayAttachment"}:
        for one in (t if isinstance(t, tuple) else (t,)):
            if one and "Tags" in PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", one).schema["properties"]:
                out.add(one)
    return out


class TestTemplate(unittest.TestCase):
    maxDiff = None

    def each(self):
        self.assertTrue(CASES)
        return [(case, Template(case.template)) for case in CASES]

    def test_header(self):
        for case, tm in self.each():
            with self.subTest(case.label):
                t = case.template
                self.assertEqual(t["AWSTemplateFormatVersion"], "2010-09-09")
                self.assertIn(case.name, t["Description"])
                self.assertIn(case.env, t["Description"])
                self.assertLessEqual(len(t["Description"].encode()), 1024)
                self.assertEqual(set(t) - {"AWSTemplateFormatVersion", "Description", "Resources", "Outputs"}, set())

    def test_one_resource_per_plan_resource(self):
        ident = re.compile(r"^[A-Za-z0-9]{1,255}$")
        for case, tm in self.each():
            with self.subTest(case.label):
                deployable = [r for r in case.plan["resources"] if TYPES[r["kind"]] is not None]
                self.assertEqual(sorted(tm.lid), sorted(r["id"] for r in deployable))
                igws = [r["id"] for r in case.plan["resources"] if r["kind"] == "internet_gateway"]
                self.assertEqual(sorted(tm.attachment), sorted(igws))
                self.assertEqual(len(case.template["Resources"]), len(deployable) + len(igws))
                for r in deployable:
                    want = TYPES[r["kind"]]
                    if isinstance(want, tuple):
                        want = want[r["attributes"]["direction"] == "egress"]
                    self.assertEqual(tm.resource(r["id"])["Type"], want, r["id"])
                for lid in list(case.template["Resources"]) + list(case.template.get("Outputs", {})):
                    self.assertRegex(lid, ident)

    def test_properties_render_the_plan(self):
        for case, tm in self.each():
            with self.subTest(case.label):
                for r in case.plan["resources"]:
                    props = tm.props(r["id"]) if r["id"] in tm.lid else None
                    for attr, prop in PROPERTIES.get(r["kind"], {}).items():
                        if attr in r["attributes"]:
                            self.assertEqual(props.get(prop), tm.render(r["attributes"][attr]),
                                             "%s %s" % (r["id"], attr))
                    if r["kind"] in NAMES:
                        self.assertEqual(props[NAMES[r["kind"]]], r["name"], r["id"])

    def test_folded_policies(self):
        for case, tm in self.each():
            with self.subTest(case.label):
                want = {}
                for p in case.resources("iam_role_policy"):
                    want.setdefault(p["attributes"]["role"]["ref"], []).append(
                        {"PolicyName": p["name"], "PolicyDocument": tm.render(p["attributes"]["policy"])})
                for r in case.resources("iam_role"):
                    self.assertEqual(tm.props(r["id"]).get("Policies"), want.get(r["id"]), r["id"])
                for lp in case.resources("ecr_lifecycle_policy"):
                    import json
                    text = tm.props(lp["attributes"]["repository"]["ref"])["LifecyclePolicy"]["LifecyclePolicyText"]
                    self.assertEqual(json.loads(text), lp["attributes"]["policy"])
                for tp in case.resources("trusted_policy"):
                    self.assertNotIn(tp["id"], tm.lid)
                    outs = [k for k in case.template.get("Outputs", {}) if k.startswith("TrustedPolicy")]
                    self.assertTrue(outs, tp["id"])

    def test_availability_zones(self):
        for case, tm in self.each():
            with self.subTest(case.label):
                for r in case.resources("subnet"):
                    az = tm.props(r["id"])["AvailabilityZone"]
                    plan_az = r["attributes"]["availability_zone"]
                    if isinstance(plan_az, dict):
                        self.assertEqual(az, {"Fn::Select": [plan_az["az"], {"Fn::GetAZs": ""}]})
                    else:
                        self.assertRegex(az, "^%s[a-z]$" % re.escape(case.plan["region"]))

    def test_depends_on_only_where_needed(self):
        for case, tm in self.each():
            with self.subTest(case.label):
                igw = {i: tm.attachment[i] for i in tm.attachment}
                for r in case.plan["resources"]:
                    if r["id"] not in tm.lid:
                        continue
                    want = set()
                    for a in r.get("after", []):
                        want.add(igw.get(a, tm.lid.get(a)))
                    gw = r["attributes"].get("gateway")
                    if r["kind"] == "route" and is_ref(gw) and gw["ref"] in igw:
                        want.add(igw[gw["ref"]])
                    # a wait already implied by a reference is not repeated
                    want -= {tm.lid[d] for d in r["depends_on"] if d in tm.lid and d not in igw}
                    got = tm.resource(r["id"]).get("DependsOn", [])
                    self.assertEqual(sorted(got), sorted(want), r["id"])
                for r in case.resources("eip") + case.resources("nat_gateway"):
                    self.assertEqual(tm.resource(r["id"]).get("DependsOn"), list(igw.values()), r["id"])
                for r in case.resources("ecs_service"):
                    if "load_balancer" in r["attributes"]:
                        rules = [tm.lid[a] for a in r.get("after", []) if a.startswith("listener_rule.")]
                        self.assertTrue(rules, r["id"])
                        self.assertTrue(set(rules) <= set(tm.resource(r["id"])["DependsOn"]), r["id"])

    def test_tags(self):
        taggable = taggable_types()
        for case, tm in self.each():
            with self.subTest(case.label):
                spec_tags = [{"Key": k, "Value": v} for k, v in case.plan["tags"].items()]
                for r in case.plan["resources"]:
                    if r["id"] not in tm.lid:
                        continue
                    res = tm.resource(r["id"])
                    tags = res["Properties"].get("Tags")
                    if res["Type"] not in taggable:
                        self.assertIsNone(tags, r["id"])
                        continue
                    want = spec_tags + ([{"Key": "Name", "Value": r["name"]}] if r["name"] else [])
                    self.assertEqual(sorted(map(str, tags or [])), sorted(map(str, want)), r["id"])

    def test_outputs(self):
        for case, tm in self.each():
            with self.subTest(case.label):
                outputs = case.template.get("Outputs", {})
                self.assertLessEqual(len(outputs), 200)
                names = [o["Export"]["Name"] for o in outputs.values()]
                self.assertEqual(len(names), len(set(names)))
                for n in names:
                    self.assertRegex(n, r"^[A-Za-z0-9:-]{1,255}$")
                    self.assertTrue(n.startswith("%s-%s-" % (case.name, case.env)), n)
                if case.resources("vpc"):
                    self.assertIn({"Ref": tm.lid["vpc.main"]}, [o["Value"] for o in outputs.values()])
                for r in case.resources("subnet") + case.resources("eip"):
                    self.assertIn({"Ref": tm.lid[r["id"]]}, [o["Value"] for o in outputs.values()], r["id"])
                values = [o["Value"] for o in outputs.values()]
                for kind, att in (("load_balancer", "DNSName"), ("db_instance", "Endpoint.Address"),
                                  ("dynamodb_table", "Arn"), ("iam_role", "Arn")):
                    for r in case.resources(kind):
                        self.assertIn({"Fn::GetAtt": [tm.lid[r["id"]], att]}, values, r["id"])

    def test_databases_keep_their_password_in_secrets_manager(self):
        for case, tm in self.each():
            with self.subTest(case.label):
                for lid, r in case.of_type("AWS::RDS::DBInstance").items():
                    self.assertIs(r["Properties"]["ManageMasterUserPassword"], True)
                    self.assertNotIn("MasterUserPassword", r["Properties"])
                    self.assertIs(r["Properties"]["PubliclyAccessible"], False)
                    self.assertIs(r["Properties"]["StorageEncrypted"], True)


class TestNothingToDeploy(unittest.TestCase):
    def test_a_spec_without_resources_still_gives_a_valid_stack(self):
        # A stack needs one resource: the handle creates nothing in the account.
        import json
        import os
        work = cfn_cases.scratch("infrac-cfn-empty-")
        spec = os.path.join(work, "spec.yaml")
        with open(spec, "w") as f:
            f.write("infrac: 1\nname: empty\nregion: us-east-1\n")
        cfn_cases.run(["build", "--target", "cloudformation", "-o", work, spec])
        with open(os.path.join(work, "empty", "base", "cloudformation", "empty.json")) as f:
            t = json.load(f)
        self.assertEqual(t["Resources"], {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}})
        self.assertNotIn("Outputs", t)


if __name__ == "__main__":
    unittest.main()
