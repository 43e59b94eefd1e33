"""What a plan value must look like in a CloudFormation template.

Each template resource records the plan resource it renders in
Metadata["infrac:id"]; render() turns a plan attribute (as `infrac plan
--format json` prints it: {"ref", "attr"} references, {"join": [...]}
concatenations, {"az": i}) into the CloudFormation the template must hold,
from CloudFormation's documented return values restated here (Ref or
Fn::GetAtt per type and attribute), independently of the emitter's table.
"""

# (CloudFormation type, plan attribute) -> None for Ref, else the Fn::GetAtt name.
# From the "Return values" section of each type's page in the AWS
# CloudFormation User Guide.
RETURN_VALUES = {
    ("AWS::EC2::VPC", "id"): None,
    ("AWS::EC2::Subnet", "id"): None,
    ("AWS::EC2::InternetGateway", "id"): None,
    ("AWS::EC2::EIP", "allocation_id"): "AllocationId",
    ("AWS::EC2::EIP", "public_ip"): None,
    ("AWS::EC2::NatGateway", "id"): None,
    ("AWS::EC2::RouteTable", "id"): None,
    ("AWS::EC2::NetworkAcl", "id"): None,
    ("AWS::EC2::SecurityGroup", "id"): "GroupId",
    ("AWS::Logs::LogGroup", "name"): None,
    ("AWS::IAM::Role", "name"): None,
    ("AWS::IAM::Role", "arn"): "Arn",
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "arn"): None,
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "dns_name"): "DNSName",
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "arn"): None,
    ("AWS::ElasticLoadBalancingV2::Listener", "arn"): None,
    ("AWS::ECS::Cluster", "name"): None,
    ("AWS::ECS::Cluster", "arn"): "Arn",
    ("AWS::ECS::TaskDefinition", "arn"): None,
    ("AWS::ECS::Service", "name"): "Name",
    ("AWS::ApplicationAutoScaling::ScalableTarget", "id"): None,
    ("AWS::RDS::DBSubnetGroup", "name"): None,
    ("AWS::RDS::DBInstance", "endpoint"): "Endpoint.Address",
    ("AWS::RDS::DBInstance", "port"): "Endpoint.Port",
    ("AWS::RDS::DBInstance", "resource_id"): "DbiResourceId",
    ("AWS::DynamoDB::Table", "name"): None,
    ("AWS::DynamoDB::Table", "arn"): "Arn",
    ("AWS::ECR::Repository", "name"): None,
    ("AWS::ECR::Repository", "arn"): "Arn",
}


def is_ref(v):
    return isinstance(v, dict) and "ref" in v and "attr" in v


def is_join(v):
    return isinstance(v, dict) and set(v) == {"join"}


class Template:
    """A template with its plan-id index."""

    def __init__(self, template):
        self.t = template
        self.lid = {}            # plan id -> logical ID
        self.attachment = {}     # internet gateway plan id -> its attachment's logical ID
        for lid, r in template["Resources"].items():
            meta = r.get("Metadata", {})
            pid = meta.get("infrac:id")
            if pid is None:
                continue
            if meta.get("infrac:part") == "attachment":
                self.attachment[pid] = lid
            else:
                assert pid not in self.lid, "two resources claim %s" % pid
                self.lid[pid] = lid

    def resource(self, pid):
        return self.t["Resources"][self.lid[pid]]

    def props(self, pid):
        return self.resource(pid).get("Properties", {})

    def render(self, v):
        """The CloudFormation a plan value must be rendered as."""
        if is_ref(v):
            lid = self.lid[v["ref"]]
            rtype = self.t["Resources"][lid]["Type"]
            if rtype == "AWS::Logs::LogGroup" and v["attr"] == "arn":
                # GetAtt Arn ends in ":*"; the ARN itself is built from the name.
                return {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${%s}"
                        % lid}
            key = (rtype, v["attr"])
            if key not in RETURN_VALUES:
                raise KeyError("no documented return value for %s of %s" % (v["attr"], rtype))
            att = RETURN_VALUES[key]
            return {"Ref": lid} if att is None else {"Fn::GetAtt": [lid, att]}
        if is_join(v):
            parts = []
            for p in v["join"]:
                r = self.render(p)
                if isinstance(r, str) and parts and isinstance(parts[-1], str):
                    parts[-1] += r
                else:
                    parts.append(r)
            return parts[0] if len(parts) == 1 else {"Fn::Join": ["", parts]}
        if isinstance(v, dict) and set(v) == {"az"}:
            return {"Fn::Select": [v["az"], {"Fn::GetAZs": ""}]}
        if isinstance(v, dict):
            return {k: self.render(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self.render(x) for x in v]
        return v
