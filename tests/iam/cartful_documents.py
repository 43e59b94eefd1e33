"""Hand-written IAM documents for the cartful example spec (shared test data).

These are what infrac should produce for specs/cartful.yaml (see
/work/shared/SPEC-v1.md), written out by hand. The evaluator tests prove with
them that the evaluator gets the realistic cases right. The moto tests prove
that IAM accepts them. The documents are:
  * the cross-account ECR push role cartful-ecr-push in 123456789012: its
    trust policy (CI user of 210987654321, with an external ID), its
    permission policy (push to the three registries), and the identity policy
    the trusted account attaches to ci-pusher;
  * ECS task roles: the shared task trust policy (ecs-tasks.amazonaws.com
    with confused-deputy conditions), and the permission policies of
    user_metadata (read_write on configs, rds-db:connect on orders) and
    flight_metadata (read on configs);
  * a repository policy (resource kind) that lets the trusted account pull
    user_metadata.
"""

ACCOUNT = "123456789012"
TRUSTED_ACCOUNT = "210987654321"
REGION = "us-east-1"
EXTERNAL_ID = "cartful-ci-7f3a"

CI_PUSHER_ARN = f"arn:aws:iam::{TRUSTED_ACCOUNT}:user/ci-pusher"
ECR_PUSH_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/cartful-ecr-push"
REGISTRIES = ("user_metadata", "flight_metadata", "flights_availability")


def repository_arn(name: str, account: str = ACCOUNT, region: str = REGION) -> str:
    return f"arn:aws:ecr:{region}:{account}:repository/{name}"


def table_arn(name: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


ECR_PUSH_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
]

ECR_PUSH_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "TrustedPrincipal",
        "Effect": "Allow",
        "Principal": {"AWS": CI_PUSHER_ARN},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
    }],
}

ECR_PUSH_PERMISSIONS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "EcrAuthorizationToken",
            "Effect": "Allow",
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*",
        },
        {
            "Sid": "EcrPush",
            "Effect": "Allow",
            "Action": ECR_PUSH_ACTIONS,
            "Resource": [repository_arn(r) for r in REGISTRIES],
        },
    ],
}

# Attached by the trusted account (210987654321) to ci-pusher.
CI_PUSHER_IDENTITY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "AssumeCartfulEcrPush",
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": ECR_PUSH_ROLE_ARN,
    }],
}

TASK_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {
            "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:*"},
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
        },
    }],
}

DYNAMODB_READ = [
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
]
DYNAMODB_WRITE = [
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
]

USER_METADATA_TASK_ROLE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "TableConfigs",
            "Effect": "Allow",
            "Action": DYNAMODB_READ + DYNAMODB_WRITE,
            "Resource": [table_arn("cartful-configs"), table_arn("cartful-configs") + "/index/*"],
        },
        {
            "Sid": "DatabaseOrders",
            "Effect": "Allow",
            "Action": "rds-db:connect",
            "Resource": f"arn:aws:rds-db:{REGION}:{ACCOUNT}:dbuser:db-ORDERS0EXAMPLE0/app",
        },
    ],
}

FLIGHT_METADATA_TASK_ROLE = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "TableConfigs",
        "Effect": "Allow",
        "Action": DYNAMODB_READ,
        "Resource": [table_arn("cartful-configs"), table_arn("cartful-configs") + "/index/*"],
    }],
}

# Repository policy on user_metadata: the trusted account may pull.
USER_METADATA_REPOSITORY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "TrustedAccountPull",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{TRUSTED_ACCOUNT}:root"},
        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
    }],
}

# (name, kind, document) for every document above.
ALL_DOCUMENTS = [
    ("cartful-ecr-push-trust", "trust", ECR_PUSH_TRUST),
    ("cartful-ecr-push", "identity", ECR_PUSH_PERMISSIONS),
    ("ci-pusher-assume-cartful-ecr-push", "identity", CI_PUSHER_IDENTITY),
    ("cartful-task-trust", "trust", TASK_TRUST),
    ("cartful-user_metadata-task", "identity", USER_METADATA_TASK_ROLE),
    ("cartful-flight_metadata-task", "identity", FLIGHT_METADATA_TASK_ROLE),
    ("user_metadata-repository", "resource", USER_METADATA_REPOSITORY_POLICY),
]
