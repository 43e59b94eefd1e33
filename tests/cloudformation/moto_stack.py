"""Deploy a CloudFormation template into moto and hand back the clients.

deployed(case) uploads the template to a mocked S3 bucket (a real stack
reads bodies over 51,200 bytes from S3 too), creates what the template
refers to but does not create (an ACM certificate, an existing Elastic IP
allocation), calls create_stack with CAPABILITY_NAMED_IAM in the spec's
region and account, and yields a Deployment. Each deployment runs in its
own mock_aws context, so the stacks of one spec's environments, which
reuse physical names, never meet.

moto does not do everything CloudFormation does. The gaps are named here
and nowhere silently skipped:
  - resource types moto's CloudFormation cannot create: create_stack warns
    "Tried to parse <type> but it's not supported" and goes on. Each
    Deployment lists them in .unsupported, and the tests check those
    resources in the template instead (test_deploy.TEMPLATE_CHECKS); a
    type with no such check fails the test.
  - Fn::GetAtt DbiResourceId of AWS::RDS::DBInstance (documented by
    CloudFormation; moto 5 knows only Endpoint.Address and Endpoint.Port):
    added below, answering the instance's own DbiResourceId.
  - AWS::EC2::SubnetRouteTableAssociation: moto records it where
    DescribeRouteTables never looks; below it goes through moto's own
    AssociateRouteTable, so the associations can be asserted.
  - AWS::IAM::Role Policies: moto keeps each PolicyDocument as a Python
    dict and GetRolePolicy answers its repr(); below it is kept as JSON
    text, as IAM does.
  - Fn::GetAZs "": moto answers us-east-1's zones in every region; below
    it answers the stack's region, as CloudFormation documents.
  - properties moto accepts but ignores (a subnet's MapPublicIpOnLaunch,
    an EIP's Address, a DB instance's VPCSecurityGroups, ...): the tests
    that need them say so and read them from the template.
"""

import contextlib
import os
import re
import warnings

import boto3
from moto import mock_aws

DEFAULT_ACCOUNT = "123456789012"
# No template names an AMI; loading moto's catalogue of them costs seconds per region.
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
_CLIENTS = {}


def client(service, region):
    """One client per service and region for the whole run: creating one
    costs tens of milliseconds, and every mock_aws context intercepts it."""
    key = (service, region)
    if key not in _CLIENTS:
        _CLIENTS[key] = boto3.client(service, region_name=region, aws_access_key_id="testing",
                                     aws_secret_access_key="testing")
    return _CLIENTS[key]
UNSUPPORTED = re.compile(r"Tried to parse (\S+) but it's not supported")


def _teach_moto():
    from moto.rds.models import DBInstance

    if getattr(DBInstance, "_infrac_dbi_resource_id", False):
        return
    has, get = DBInstance.has_cfn_attr.__func__, DBInstance.get_cfn_attribute

    def has_cfn_attr(cls, attr):
        return attr == "DbiResourceId" or has(cls, attr)

    def get_cfn_attribute(self, attr):
        if attr == "DbiResourceId":
            return self.dbi_resource_id
        return get(self, attr)

    DBInstance.has_cfn_attr = classmethod(has_cfn_attr)
    DBInstance.get_cfn_attribute = get_cfn_attribute
    DBInstance._infrac_dbi_resource_id = True

    from moto.ec2.models import ec2_backends
    from moto.ec2.models.subnets import SubnetRouteTableAssociation

    def associate(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = ec2_backends[account_id][region_name]
        backend.associate_route_table(route_table_id=props["RouteTableId"], subnet_id=props["SubnetId"])
        return backend.create_subnet_association(route_table_id=props["RouteTableId"], subnet_id=props["SubnetId"])

    SubnetRouteTableAssociation.create_from_cloudformation_json = classmethod(associate)

    import json

    from moto.iam.models import Role

    put_policy = Role.put_policy

    def put_json_policy(self, name, document):
        put_policy(self, name, document if isinstance(document, str) else json.dumps(document))

    Role.put_policy = put_json_policy

    import moto.cloudformation.parsing as parsing

    clean_json = parsing.clean_json

    def clean_json_azs(resource_json, resources_map):
        if isinstance(resource_json, dict) and resource_json.get("Fn::GetAZs") == "":
            resource_json = {"Fn::GetAZs": resources_map["AWS::Region"]}
        return clean_json(resource_json, resources_map)

    parsing.clean_json = clean_json_azs


_teach_moto()


def _literal_strings(node, key):
    """Every literal string value under `key` anywhere in node."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key and isinstance(v, str):
                yield v
            else:
                yield from _literal_strings(v, key)
    elif isinstance(node, list):
        for v in node:
            yield from _literal_strings(v, key)


def _prerequisites(template, region):
    """Create what the template names but does not create, under the exact
    identifiers it names (moto picks random ones, so they are renamed)."""
    from moto.acm.models import acm_backends
    from moto.ec2.models import ec2_backends

    for arn in sorted(set(_literal_strings(template["Resources"], "CertificateArn"))):
        _, _, _, cert_region, account, _ = arn.split(":", 5)
        acm = client("acm", cert_region)
        made = acm.request_certificate(DomainName="prerequisite.example.com")["CertificateArn"]
        backend = acm_backends[account][cert_region]
        bundle = backend._certificates.pop(made)
        bundle.arn = arn
        backend._certificates[arn] = bundle
    for alloc in sorted(set(_literal_strings(template["Resources"], "AllocationId"))):
        ec2 = client("ec2", region)
        made = ec2.allocate_address(Domain="vpc")["AllocationId"]
        account = client("sts", region).get_caller_identity()["Account"]
        for address in ec2_backends[account][region].addresses:
            if address.allocation_id == made:
                address.allocation_id = address.id = alloc


class Deployment:
    """A stack created in moto, with a client per service."""

    def __init__(self, case, region, status, reason, unsupported):
        self.case, self.region = case, region
        self.status, self.reason = status, reason
        self.unsupported = unsupported          # resource types moto's CloudFormation skipped
        self.resources = []                     # list_stack_resources

    def client(self, service):
        return client(service, self.region)

    def stack_resources(self):
        cf = self.client("cloudformation")
        out, token = [], None
        while True:
            page = cf.list_stack_resources(StackName=self.case.name, **({"NextToken": token} if token else {}))
            out += page["StackResourceSummaries"]
            token = page.get("NextToken")
            if not token:
                return out


@contextlib.contextmanager
def deployed(case):
    region = case.plan["region"]
    account = case.plan.get("account") or DEFAULT_ACCOUNT
    saved = {k: os.environ.get(k) for k in ("MOTO_ACCOUNT_ID", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                            "AWS_DEFAULT_REGION")}
    os.environ.update(MOTO_ACCOUNT_ID=account, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                      AWS_DEFAULT_REGION=region)
    try:
        with mock_aws():
            s3 = client("s3", "us-east-1")
            s3.create_bucket(Bucket="infrac-templates")
            key = "%s/%s.json" % (case.env, case.name)
            s3.put_object(Bucket="infrac-templates", Key=key, Body=case.body)
            _prerequisites(case.template, region)
            cf = client("cloudformation", region)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                cf.create_stack(StackName=case.name,
                                TemplateURL="https://infrac-templates.s3.amazonaws.com/" + key,
                                Capabilities=["CAPABILITY_NAMED_IAM"])
                stack = cf.describe_stacks(StackName=case.name)["Stacks"][0]
                d = Deployment(case, region, stack["StackStatus"], stack.get("StackStatusReason"), set())
                d.resources = d.stack_resources()
            for w in caught:
                m = UNSUPPORTED.search(str(w.message))
                if m:
                    d.unsupported.add(m.group(1))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield d
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
