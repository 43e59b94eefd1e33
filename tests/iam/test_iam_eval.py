"""Unit tests for iam_eval: the grammar check and the evaluation rules.

Every document here is hand-written. A test states one rule of AWS's policy
language and asserts the concrete outcome, so a wrong evaluator fails it. The
last groups replay the cartful example (cross-account ECR push, ECS task
roles) with the documents in cartful_documents.py.

Run from this folder: python3 -m unittest -v test_iam_eval
"""

import json
import unittest

import cartful_documents as cartful
from iam_eval import (ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, PolicyError, Request,
                      arn_problems, assume_role_decision, can_assume, evaluate,
                      is_allowed, lint)

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
THIRD_ACCOUNT = "333333333333"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
APP_ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
APP_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/session-1"
OUTSIDER = f"arn:aws:iam::{OTHER_ACCOUNT}:user/outsider"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(action, resource, *statements, principal=ALICE, context=None):
    """Decision for one identity policy made of the given statements."""
    request = Request(action, resource, principal=principal, context=context or {})
    return evaluate(request, [policy(*statements)] if statements else [])


def holds(condition, context=None, principal=ALICE):
    """Whether a condition block holds, seen through an identity-policy Allow."""
    decision = decide("sqs:SendMessage", QUEUE,
                      allow("sqs:SendMessage", "*", Condition=condition),
                      principal=principal, context=context)
    return decision == ALLOW


class ProblemAssertions(unittest.TestCase):
    def assertProblem(self, problems, fragment):
        self.assertTrue(any(fragment in p for p in problems),
                        f"no problem mentions {fragment!r}: {problems}")


class TestLintDocuments(ProblemAssertions):
    def test_cartful_documents_are_clean(self):
        for name, kind, doc in cartful.ALL_DOCUMENTS:
            with self.subTest(name):
                self.assertEqual(lint(doc, kind), [])

    def test_version_must_be_2012_10_17(self):
        doc = policy(allow("s3:GetObject"))
        doc["Version"] = "2008-10-17"
        self.assertProblem(lint(doc, "identity"), "Version must be \"2012-10-17\"")
        del doc["Version"]
        self.assertProblem(lint(doc, "identity"), "Version must be")

    def test_statement_is_an_object_or_a_nonempty_list(self):
        single = {"Version": "2012-10-17", "Statement": allow("s3:GetObject")}
        self.assertEqual(lint(single, "identity"), [])
        for bad in ("Allow everything", [], None):
            doc = {"Version": "2012-10-17", "Statement": bad}
            self.assertProblem(lint(doc, "identity"), "Statement must be")
        self.assertProblem(lint(policy("Allow"), "identity"), "Statement[0]: must be an object")

    def test_effect_is_allow_or_deny(self):
        st = allow("s3:GetObject")
        del st["Effect"]
        self.assertProblem(lint(policy(st), "identity"), "Statement[0].Effect")
        self.assertProblem(lint(policy(dict(allow("s3:GetObject"), Effect="allow")), "identity"),
                           "must be \"Allow\" or \"Deny\"")

    def test_exactly_one_of_action_and_notaction(self):
        both = dict(allow("s3:GetObject"), NotAction="s3:PutObject")
        self.assertProblem(lint(policy(both), "identity"), "has both Action and NotAction")
        neither = {"Effect": "Allow", "Resource": "*"}
        self.assertProblem(lint(policy(neither), "identity"), "needs Action or NotAction")

    def test_actions_are_service_colon_action(self):
        for good in ("*", "ecr:PutImage", "ecr:*", "ecr:Put*", "dynamodb:Batch?etItem",
                     ["ecr:PutImage", "ecr:BatchGetImage"]):
            with self.subTest(good=good):
                self.assertEqual(lint(policy(allow(good)), "identity"), [])
        for bad in ("PutImage", "ecr-PutImage", "ecr:Put:Image", "ec*:PutImage", "ecr:",
                    "ecr:Put Image"):
            with self.subTest(bad=bad):
                self.assertProblem(lint(policy(allow(bad)), "identity"), "is not shaped service:Action")
        for bad in ([], 5, ["ecr:PutImage", 5]):
            with self.subTest(bad=bad):
                self.assertProblem(lint(policy(allow(bad)), "identity"),
                                   "must be a string or a non-empty list of strings")

    def test_identity_policies_need_resource_and_no_principal(self):
        no_resource = {"Effect": "Allow", "Action": "s3:GetObject"}
        self.assertProblem(lint(policy(no_resource), "identity"), "needs Resource or NotResource")
        both = dict(allow("s3:GetObject"), NotResource="arn:aws:s3:::b")
        self.assertProblem(lint(policy(both), "identity"), "has both Resource and NotResource")
        named = dict(allow("s3:GetObject"), Principal={"AWS": ALICE})
        self.assertProblem(lint(policy(named), "identity"), "identity policies cannot have Principal")
        self.assertProblem(lint(policy(dict(allow("s3:GetObject"), NotPrincipal="*")), "identity"),
                           "identity policies cannot have NotPrincipal")

    def test_trust_policies_need_principal_and_no_resource(self):
        good = policy({"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"})
        self.assertEqual(lint(good, "trust"), [])
        with_resource = policy(dict(good["Statement"][0], Resource=APP_ROLE))
        self.assertProblem(lint(with_resource, "trust"), "trust policies have no Resource")
        no_principal = policy({"Effect": "Allow", "Action": "sts:AssumeRole"})
        self.assertProblem(lint(no_principal, "trust"), "needs Principal or NotPrincipal")
        not_principal = policy({"Effect": "Deny", "NotPrincipal": {"AWS": ALICE},
                                "Action": "sts:AssumeRole"})
        self.assertProblem(lint(not_principal, "trust"), "NotPrincipal is not supported")

    def test_trust_policies_grant_only_sts_role_actions(self):
        def trust(action):
            return policy({"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": action})
        for good in ("sts:AssumeRole", "sts:TagSession", "sts:AssumeRoleWith*",
                     ["sts:AssumeRole", "sts:SetSourceIdentity"]):
            with self.subTest(good=good):
                self.assertEqual(lint(trust(good), "trust"), [])
        for bad in ("ecr:PutImage", "sts:GetCallerIdentity", "*", "s3:*"):
            with self.subTest(bad=bad):
                self.assertProblem(lint(trust(bad), "trust"), "cannot appear in a trust policy")

    def test_resource_policies_need_principal_and_may_omit_resource(self):
        self.assertEqual(lint(cartful.USER_METADATA_REPOSITORY_POLICY, "resource"), [])
        anonymous = policy(allow("sqs:SendMessage", QUEUE))
        self.assertProblem(lint(anonymous, "resource"), "needs Principal or NotPrincipal")
        both = policy(dict(allow("sqs:SendMessage", QUEUE), Principal="*", NotPrincipal="*"))
        self.assertProblem(lint(both, "resource"), "has both Principal and NotPrincipal")
        with_resource = policy(dict(allow("sqs:SendMessage", QUEUE), Principal={"AWS": ACCOUNT}))
        self.assertEqual(lint(with_resource, "resource"), [])

    def test_sid_is_optional_alphanumeric_and_unique(self):
        self.assertEqual(lint(policy(allow("s3:GetObject", Sid="Read1"),
                                     allow("s3:PutObject", Sid="Write1")), "identity"), [])
        for bad in ("Read-1", "read only", "", 7):
            with self.subTest(bad=bad):
                self.assertProblem(lint(policy(allow("s3:GetObject", Sid=bad)), "identity"),
                                   "letters and digits only")
        dup = policy(allow("s3:GetObject", Sid="Same"), allow("s3:PutObject", Sid="Same"))
        self.assertProblem(lint(dup, "identity"), "Statement[1].Sid: 'Same' is not unique")

    def test_unknown_elements_are_reported(self):
        doc = policy(allow("s3:GetObject"))
        doc["Statements"] = []
        self.assertProblem(lint(doc, "identity"), "unknown top-level element 'Statements'")
        typo = {"Effect": "Allow", "Actions": "s3:GetObject", "Resource": "*"}
        problems = lint(policy(typo), "identity")
        self.assertProblem(problems, "unknown element 'Actions'")
        self.assertProblem(problems, "needs Action or NotAction")

    def test_bad_resource_arn_is_located(self):
        doc = policy(allow("s3:GetObject"), allow("ecr:PutImage", ["arn:aws:ecr::1:repository/x"]))
        problems = lint(doc, "identity")
        self.assertProblem(problems, "Statement[1].Resource: 'arn:aws:ecr::1:repository/x'")

    def test_text_input_reports_duplicate_keys_and_bad_json(self):
        text = ('{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Effect": "Deny", '
                '"Action": "s3:GetObject", "Resource": "*"}}')
        self.assertEqual(lint(text, "identity"), ["duplicate key 'Effect'"])
        self.assertProblem(lint('{"Version": "2012-10-17",', "identity"), "not valid JSON")
        self.assertEqual(lint(json.dumps(cartful.ECR_PUSH_TRUST), "trust"), [])

    def test_kind_must_be_known(self):
        with self.assertRaises(ValueError):
            lint(policy(allow("s3:GetObject")), "session")

    def test_garbage_gives_problems_not_exceptions(self):
        for doc in (None, [1, 2], "null", {"Statement": [None, 3, "x", {}]},
                    policy({"Effect": "Allow", "Action": {"a": 1}, "Resource": [None],
                            "Condition": "x"})):
            with self.subTest(doc=doc):
                self.assertNotEqual(lint(doc, "identity"), [])


class TestLintArns(unittest.TestCase):
    def test_well_formed_arns(self):
        for arn in (
            "*",
            "arn:aws:ecr:us-east-1:123456789012:repository/user_metadata",
            "arn:aws:ecr:*:123456789012:repository/*",
            "arn:aws:iam::123456789012:role/cartful-ecr-push",
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn:aws:sts::123456789012:assumed-role/app/session-1",
            "arn:aws:s3:::cartful-tfstate",
            "arn:aws:s3:::cartful-tfstate/*",
            "arn:aws:s3:::home/${aws:username}/*",
            "arn:aws:s3:us-east-1:123456789012:accesspoint/reports",
            "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/cartful:*",
            "arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0",
            "arn:aws:dynamodb:us-east-1:123456789012:table/cartful-configs/index/*",
            "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/configs",
            "arn:aws-us-gov:ecr:us-gov-west-1:123456789012:repository/x",
            "arn:aws:ecr:us-east-1:*:repository/x",
        ):
            with self.subTest(arn=arn):
                self.assertEqual(arn_problems(arn), [])

    def test_malformed_arns(self):
        for arn, fragment in (
            ("arn:aws:ecr:us-east-1:123456789012", "is not shaped arn:PARTITION"),
            ("aws:ecr:us-east-1:123456789012:repository/x:y", "is not shaped arn:PARTITION"),
            ("arn:aws-foo:ecr:us-east-1:123456789012:repository/x", "partition 'aws-foo'"),
            ("arn:aws:ec*:us-east-1:123456789012:repository/x", "service 'ec*'"),
            ("arn:aws:iam:us-east-1:123456789012:role/x", "iam ARNs have no region"),
            ("arn:aws:sts:us-east-1:123456789012:assumed-role/a/b", "sts ARNs have no region"),
            ("arn:aws:ecr::123456789012:repository/x", "ecr ARNs need a region"),
            ("arn:aws:ecr:useast1:123456789012:repository/x", "is not a region name"),
            ("arn:aws:ecr:us-east-1:12345678901:repository/x", "is not 12 digits"),
            ("arn:aws:ecr:us-east-1:1234567890123:repository/x", "is not 12 digits"),
            ("arn:aws:ecr:us-east-1::repository/x", "ecr ARNs need an account"),
            ("arn:aws:iam:::role/x", "iam ARNs need an account"),
            ("arn:aws:iam::aws:role/x", "only for AWS managed policies"),
            ("arn:aws:s3::123456789012:bucket", "S3 bucket and object ARNs have no account"),
            ("arn:aws:s3:us-east-1::accesspoint/x", "S3 access point ARNs need an account"),
            ("arn:aws:ecr:us-east-1:123456789012:", "the resource part is empty"),
            (42, "is not a string"),
        ):
            with self.subTest(arn=arn):
                problems = arn_problems(arn)
                self.assertTrue(any(fragment in p for p in problems), problems)


class TestLintPrincipals(ProblemAssertions):
    def lint_principal(self, principal):
        return lint(policy({"Effect": "Allow", "Principal": principal,
                            "Action": "sts:AssumeRole"}), "trust")

    def test_well_formed_principals(self):
        for principal in (
            "*",
            {"AWS": "*"},
            {"AWS": OTHER_ACCOUNT},
            {"AWS": [f"arn:aws:iam::{OTHER_ACCOUNT}:root", cartful.CI_PUSHER_ARN]},
            {"AWS": f"arn:aws:iam::{ACCOUNT}:role/path/to/app"},
            {"AWS": APP_SESSION},
            {"AWS": f"arn:aws:sts::{ACCOUNT}:federated-user/carol"},
            {"Service": ["ecs-tasks.amazonaws.com", "ec2.amazonaws.com"]},
            {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"},
            {"Federated": "cognito-identity.amazonaws.com"},
        ):
            with self.subTest(principal=principal):
                self.assertEqual(self.lint_principal(principal), [])

    def test_malformed_principals(self):
        for principal, fragment in (
            ({"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:user/ci-*"}, "no partial wildcards"),
            ({"AWS": "2109876543"}, "is not an account ID or an IAM"),
            ({"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:group/devs"}, "is not an account ID or an IAM"),
            ({"AWS": f"arn:aws:s3:::bucket"}, "is not an account ID or an IAM"),
            ({"Service": "ecs-tasks"}, "is not a service principal"),
            ({"Federated": f"arn:aws:iam::{ACCOUNT}:user/x"}, "not a SAML or OIDC provider"),
            ({"Group": "devs"}, "unknown principal type 'Group'"),
            ({"AWS": []}, "non-empty list of strings"),
            (["*"], "must be \"*\" or an object"),
            ({}, "must be \"*\" or an object"),
        ):
            with self.subTest(principal=principal):
                self.assertProblem(self.lint_principal(principal), fragment)


class TestLintConditions(ProblemAssertions):
    def lint_condition(self, condition):
        return lint(policy(allow("s3:GetObject", Condition=condition)), "identity")

    def test_well_formed_conditions(self):
        for condition in (
            {"StringEquals": {"sts:ExternalId": "cartful-ci-7f3a"}},
            {"StringEqualsIfExists": {"aws:RequestTag/team": ["a", "b"]}},
            {"ForAnyValue:StringLike": {"aws:TagKeys": "team*"}},
            {"ForAllValues:StringNotEqualsIgnoreCase": {"aws:TagKeys": "Secret"}},
            {"Bool": {"aws:MultiFactorAuthPresent": True}},
            {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            {"Null": {"aws:TokenIssueTime": "true"}},
            {"NumericLessThanEquals": {"aws:MultiFactorAuthAge": 3600}},
            {"DateGreaterThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}},
            {"IpAddress": {"aws:SourceIp": ["10.0.0.0/16", "2001:db8::/32"]}},
            {"ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"}},
            {"ArnEquals": {"aws:PrincipalArn": "${aws:PrincipalArn}"}},
            {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}},
            {"StringEquals": {"oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF:aud":
                              "sts.amazonaws.com"}},
        ):
            with self.subTest(condition=condition):
                self.assertEqual(self.lint_condition(condition), [])

    def test_malformed_conditions(self):
        for condition, fragment in (
            ({"StringEqualz": {"sts:ExternalId": "x"}}, "unknown condition operator 'StringEqualz'"),
            ({"ForSomeValues:StringEquals": {"aws:TagKeys": "x"}}, "unknown condition operator"),
            ({"NullIfExists": {"aws:TokenIssueTime": "true"}}, "takes no IfExists"),
            ({"Bool": {"aws:MultiFactorAuthPresent": "yes"}}, "is not true or false"),
            ({"Null": {"aws:TokenIssueTime": 1}}, "is not true or false"),
            ({"NumericLessThan": {"s3:max-keys": "ten"}}, "is not a number"),
            ({"DateLessThan": {"aws:CurrentTime": "soon"}}, "is not an ISO 8601 date"),
            ({"IpAddress": {"aws:SourceIp": "10.0.0.0/33"}}, "is not an IP address or CIDR"),
            ({"ArnLike": {"aws:SourceArn": "cartful"}}, "is not shaped like an ARN"),
            ({"StringEquals": "sts:ExternalId"}, "must be a non-empty object {Key"),
            ({"StringEquals": {}}, "must be a non-empty object {Key"),
            ({"StringEquals": {"ExternalId": "x"}}, "key 'ExternalId' is not shaped prefix:name"),
            ({"StringEquals": {"oidc.eks.x.amazonaws.com//id:sub": "x"}}, "is not shaped prefix:name"),
            ({"StringEquals": {"sts:ExternalId": []}}, "empty list of values"),
            ({"StringEquals": {"sts:ExternalId": {"a": 1}}}, "is not a scalar"),
            ([], "must be a non-empty object {Operator"),
        ):
            with self.subTest(condition=condition):
                self.assertProblem(self.lint_condition(condition), fragment)


class TestActions(unittest.TestCase):
    def test_exact_and_wildcard_actions(self):
        self.assertEqual(decide("sqs:SendMessage", QUEUE, allow("sqs:SendMessage")), ALLOW)
        self.assertEqual(decide("sqs:DeleteQueue", QUEUE, allow("sqs:SendMessage")), IMPLICIT_DENY)
        self.assertEqual(decide("sqs:DeleteQueue", QUEUE, allow("*")), ALLOW)
        self.assertEqual(decide("sqs:DeleteQueue", QUEUE, allow("sqs:*")), ALLOW)

    def test_service_prefix_must_match_whole(self):
        self.assertEqual(decide("ecr-public:PutImage", "*", allow("ecr:*")), IMPLICIT_DENY)
        self.assertEqual(decide("sts:AssumeRole", APP_ROLE, allow("ecr:*")), IMPLICIT_DENY)

    def test_actions_are_case_insensitive(self):
        self.assertEqual(decide("sqs:SendMessage", QUEUE, allow("SQS:sendmessage")), ALLOW)
        self.assertEqual(decide("SQS:SENDMESSAGE", QUEUE, allow("sqs:SendMessage")), ALLOW)
        self.assertEqual(decide("sqs:sendmessage", QUEUE, allow("sqs:Send*")), ALLOW)

    def test_wildcard_in_the_middle(self):
        pattern = allow("dynamodb:Batch*Item")
        table = cartful.table_arn("t")
        self.assertEqual(decide("dynamodb:BatchGetItem", table, pattern), ALLOW)
        self.assertEqual(decide("dynamodb:BatchWriteItem", table, pattern), ALLOW)
        self.assertEqual(decide("dynamodb:BatchExecuteStatement", table, pattern), IMPLICIT_DENY)
        self.assertEqual(decide("dynamodb:GetItem", table, pattern), IMPLICIT_DENY)

    def test_question_mark_is_exactly_one_character(self):
        pattern = allow("ecr:Put?mage")
        self.assertEqual(decide("ecr:PutImage", "*", pattern), ALLOW)
        self.assertEqual(decide("ecr:PutImmage", "*", pattern), IMPLICIT_DENY)
        self.assertEqual(decide("ecr:Putmage", "*", pattern), IMPLICIT_DENY)

    def test_list_and_string_forms_agree(self):
        for form in ("sqs:SendMessage", ["sqs:SendMessage"], ["sqs:ReceiveMessage", "sqs:SendMessage"]):
            with self.subTest(form=form):
                self.assertEqual(decide("sqs:SendMessage", QUEUE, allow(form)), ALLOW)
        self.assertEqual(decide("sqs:DeleteQueue", QUEUE,
                                allow(["sqs:ReceiveMessage", "sqs:SendMessage"])), IMPLICIT_DENY)

    def test_notaction_with_allow_grants_everything_else(self):
        everything_but_iam = {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
        self.assertEqual(decide("s3:GetObject", "arn:aws:s3:::b/k", everything_but_iam), ALLOW)
        self.assertEqual(decide("iam:CreateUser", ALICE, everything_but_iam), IMPLICIT_DENY)
        self.assertEqual(decide("IAM:CreateUser", ALICE, everything_but_iam), IMPLICIT_DENY)

    def test_notaction_with_deny_denies_everything_else(self):
        guard = {"Effect": "Deny", "NotAction": ["ecr:*", "sts:GetCallerIdentity"], "Resource": "*"}
        self.assertEqual(decide("ecr:PutImage", "*", allow("*"), guard), ALLOW)
        self.assertEqual(decide("sts:GetCallerIdentity", "*", allow("*"), guard), ALLOW)
        self.assertEqual(decide("s3:DeleteBucket", "arn:aws:s3:::b", allow("*"), guard), EXPLICIT_DENY)
        # A Deny that does not apply grants nothing by itself.
        self.assertEqual(decide("ecr:PutImage", "*", guard), IMPLICIT_DENY)


class TestResources(unittest.TestCase):
    REPO = "arn:aws:ecr:us-east-1:123456789012:repository/"

    def test_exact_resource(self):
        self.assertEqual(decide("ecr:PutImage", self.REPO + "a", allow("ecr:PutImage", self.REPO + "a")), ALLOW)
        self.assertEqual(decide("ecr:PutImage", self.REPO + "b", allow("ecr:PutImage", self.REPO + "a")),
                         IMPLICIT_DENY)

    def test_resources_are_case_sensitive(self):
        st = allow("ecr:PutImage", self.REPO + "user_metadata")
        self.assertEqual(decide("ecr:PutImage", self.REPO + "User_Metadata", st), IMPLICIT_DENY)
        st = allow("ecr:PutImage", self.REPO.upper() + "user_metadata")
        self.assertEqual(decide("ecr:PutImage", self.REPO + "user_metadata", st), IMPLICIT_DENY)

    def test_star_and_question_mark(self):
        star = allow("ecr:PutImage", self.REPO + "user_*")
        self.assertEqual(decide("ecr:PutImage", self.REPO + "user_metadata", star), ALLOW)
        self.assertEqual(decide("ecr:PutImage", self.REPO + "flight_metadata", star), IMPLICIT_DENY)
        one = allow("ecr:PutImage", self.REPO + "flight?metadata")
        self.assertEqual(decide("ecr:PutImage", self.REPO + "flight_metadata", one), ALLOW)
        self.assertEqual(decide("ecr:PutImage", self.REPO + "flight-metadata", one), ALLOW)
        self.assertEqual(decide("ecr:PutImage", self.REPO + "flight__metadata", one), IMPLICIT_DENY)
        self.assertEqual(decide("ecr:PutImage", self.REPO + "flightmetadata", one), IMPLICIT_DENY)

    def test_lone_star_matches_every_resource(self):
        self.assertEqual(decide("s3:GetObject", "arn:aws:s3:::b/k", allow("s3:GetObject", "*")), ALLOW)

    def test_wildcards_stay_inside_their_segment(self):
        # '*' inside the account segment does not run across the colon, so
        # "1*2" cannot swallow "1:2". A plain glob would match this ARN.
        st = allow("logs:PutLogEvents", "arn:aws:logs:us-east-1:1*2:log-group:x")
        self.assertEqual(decide("logs:PutLogEvents", "arn:aws:logs:us-east-1:1:2:log-group:x", st),
                         IMPLICIT_DENY)
        self.assertEqual(decide("logs:PutLogEvents", "arn:aws:logs:us-east-1:1002:log-group:x", st),
                         ALLOW)
        region = allow("ecr:PutImage", "arn:aws:ecr:us-*-1:123456789012:repository/x")
        self.assertEqual(decide("ecr:PutImage", "arn:aws:ecr:us-west-1:123456789012:repository/x",
                                region), ALLOW)
        self.assertEqual(decide("ecr:PutImage", "arn:aws:ecr:eu-west-1:123456789012:repository/x",
                                region), IMPLICIT_DENY)

    def test_star_ending_a_segment_runs_past_colons(self):
        st = allow("iam:GetRole", "arn:aws:iam::*")
        self.assertEqual(decide("iam:GetRole", APP_ROLE, st), ALLOW)
        any_region = allow("ecr:PutImage", "arn:aws:ecr:*:123456789012:repository/x")
        self.assertEqual(decide("ecr:PutImage", "arn:aws:ecr:eu-west-1:123456789012:repository/x",
                                any_region), ALLOW)
        self.assertEqual(decide("ecr:PutImage", "arn:aws:ecr:eu-west-1:999999999999:repository/x",
                                any_region), IMPLICIT_DENY)

    def test_resource_part_wildcards_cross_colons_and_slashes(self):
        st = allow("logs:PutLogEvents", "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/cartful:*")
        self.assertEqual(decide("logs:PutLogEvents",
                                "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/cartful:log-stream:a/b",
                                st), ALLOW)
        self.assertEqual(decide("logs:PutLogEvents",
                                "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/other:log-stream:a",
                                st), IMPLICIT_DENY)

    def test_list_of_resources(self):
        st = allow("ecr:PutImage", [self.REPO + "a", self.REPO + "b"])
        self.assertEqual(decide("ecr:PutImage", self.REPO + "b", st), ALLOW)
        self.assertEqual(decide("ecr:PutImage", self.REPO + "c", st), IMPLICIT_DENY)

    def test_notresource(self):
        outside_secret = {"Effect": "Allow", "Action": "s3:GetObject",
                          "NotResource": "arn:aws:s3:::b/secret/*"}
        self.assertEqual(decide("s3:GetObject", "arn:aws:s3:::b/public/x", outside_secret), ALLOW)
        self.assertEqual(decide("s3:GetObject", "arn:aws:s3:::b/secret/x", outside_secret), IMPLICIT_DENY)
        guard = {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]}
        self.assertEqual(decide("s3:GetObject", "arn:aws:s3:::b/x", allow("s3:*"), guard), ALLOW)
        self.assertEqual(decide("s3:GetObject", "arn:aws:s3:::c/x", allow("s3:*"), guard), EXPLICIT_DENY)

    def test_policy_variables_in_resources(self):
        home = allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*")
        self.assertEqual(decide("s3:GetObject", "arn:aws:s3:::home/alice/notes", home), ALLOW)
        self.assertEqual(decide("s3:GetObject", "arn:aws:s3:::home/bob/notes", home), IMPLICIT_DENY)
        # A role session has no aws:username: the pattern matches nothing.
        self.assertEqual(decide("s3:GetObject", "arn:aws:s3:::home/app/notes", home,
                                principal=APP_SESSION), IMPLICIT_DENY)
        shared = allow("s3:GetObject", "arn:aws:s3:::home/${aws:username, 'shared'}/*")
        self.assertEqual(decide("s3:GetObject", "arn:aws:s3:::home/shared/x", shared,
                                principal=APP_SESSION), ALLOW)
        literal = allow("s3:GetObject", "arn:aws:s3:::b/${*}")
        self.assertEqual(decide("s3:GetObject", "arn:aws:s3:::b/*", literal), ALLOW)
        self.assertEqual(decide("s3:GetObject", "arn:aws:s3:::b/x", literal), IMPLICIT_DENY)
        # A substituted value is literal: a '*' in it is no wildcard.
        tagged = allow("s3:GetObject", "arn:aws:s3:::b/${aws:PrincipalTag/team}/x")
        self.assertEqual(decide("s3:GetObject", "arn:aws:s3:::b/ops/x", tagged,
                                context={"aws:PrincipalTag/team": "*"}), IMPLICIT_DENY)
        self.assertEqual(decide("s3:GetObject", "arn:aws:s3:::b/*/x", tagged,
                                context={"aws:PrincipalTag/team": "*"}), ALLOW)


class TestConditions(unittest.TestCase):
    def test_string_equals(self):
        cond = {"StringEquals": {"sts:ExternalId": "abc"}}
        self.assertTrue(holds(cond, {"sts:ExternalId": "abc"}))
        self.assertFalse(holds(cond, {"sts:ExternalId": "ABC"}))
        self.assertFalse(holds(cond, {"sts:ExternalId": "abcd"}))
        self.assertFalse(holds(cond, {}))

    def test_string_equals_ignore_case(self):
        cond = {"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "Platform"}}
        self.assertTrue(holds(cond, {"aws:PrincipalTag/team": "PLATFORM"}))
        self.assertFalse(holds(cond, {"aws:PrincipalTag/team": "platforms"}))
        negated = {"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/team": "Platform"}}
        self.assertFalse(holds(negated, {"aws:PrincipalTag/team": "platform"}))

    def test_negated_operator_with_missing_key_is_true(self):
        # IAM docs: if the key is absent, negated operators (StringNotEquals,
        # StringNotLike, ArnNotLike, ...) evaluate to true.
        self.assertTrue(holds({"StringNotEquals": {"aws:PrincipalTag/team": "ops"}}, {}))
        self.assertTrue(holds({"StringNotLike": {"aws:PrincipalTag/team": "op*"}}, {}))
        self.assertTrue(holds({"ArnNotLike": {"aws:SourceArn": "arn:aws:ecs:*:*:*"}}, {}))
        self.assertTrue(holds({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {}))
        self.assertTrue(holds({"NumericNotEquals": {"s3:max-keys": "10"}}, {}))
        self.assertTrue(holds({"StringNotEquals": {"aws:PrincipalTag/team": "ops"}},
                              {"aws:PrincipalTag/team": "dev"}))
        self.assertFalse(holds({"StringNotEquals": {"aws:PrincipalTag/team": "ops"}},
                               {"aws:PrincipalTag/team": "ops"}))

    def test_positive_operators_with_missing_key_are_false(self):
        for cond in ({"StringLike": {"k:a": "*"}}, {"Bool": {"k:a": "false"}},
                     {"NumericGreaterThanEquals": {"k:a": "0"}}, {"ArnLike": {"k:a": "arn:*:*:*:*:*"}},
                     {"IpAddress": {"k:a": "0.0.0.0/0"}}, {"DateGreaterThan": {"k:a": "1970-01-01T00:00:00Z"}}):
            with self.subTest(cond=cond):
                self.assertFalse(holds(cond, {}))

    def test_if_exists(self):
        cond = {"StringEqualsIfExists": {"aws:RequestTag/team": "ops"}}
        self.assertTrue(holds(cond, {}))
        self.assertTrue(holds(cond, {"aws:RequestTag/team": "ops"}))
        self.assertFalse(holds(cond, {"aws:RequestTag/team": "dev"}))
        negated = {"StringNotEqualsIfExists": {"aws:RequestTag/team": "ops"}}
        self.assertTrue(holds(negated, {}))
        self.assertFalse(holds(negated, {"aws:RequestTag/team": "ops"}))
        self.assertTrue(holds({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, {}))
        self.assertFalse(holds({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
                               {"aws:MultiFactorAuthPresent": "false"}))

    def test_null(self):
        absent = {"Null": {"aws:TokenIssueTime": "true"}}
        self.assertTrue(holds(absent, {}))
        self.assertFalse(holds(absent, {"aws:TokenIssueTime": "2025-01-01T00:00:00Z"}))
        present = {"Null": {"aws:TokenIssueTime": False}}
        self.assertTrue(holds(present, {"aws:TokenIssueTime": "2025-01-01T00:00:00Z"}))
        self.assertFalse(holds(present, {}))
        self.assertTrue(holds(absent, {"aws:TokenIssueTime": None}))
        self.assertTrue(holds(absent, {"aws:TokenIssueTime": []}))

    def test_string_like(self):
        cond = {"StringLike": {"s3:prefix": ["home/*/docs", "tmp/??"]}}
        self.assertTrue(holds(cond, {"s3:prefix": "home/alice/docs"}))
        self.assertTrue(holds(cond, {"s3:prefix": "tmp/ab"}))
        self.assertFalse(holds(cond, {"s3:prefix": "tmp/abc"}))
        self.assertFalse(holds(cond, {"s3:prefix": "Home/alice/docs"}))
        self.assertFalse(holds({"StringNotLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/x"}))

    def test_values_or_and_negated_values_nor(self):
        self.assertTrue(holds({"StringEquals": {"aws:PrincipalTag/team": ["ops", "dev"]}},
                              {"aws:PrincipalTag/team": "dev"}))
        negated = {"StringNotEquals": {"aws:PrincipalTag/team": ["ops", "dev"]}}
        self.assertFalse(holds(negated, {"aws:PrincipalTag/team": "dev"}))
        self.assertTrue(holds(negated, {"aws:PrincipalTag/team": "qa"}))

    def test_keys_and_operators_are_anded(self):
        cond = {"StringEquals": {"sts:ExternalId": "abc", "aws:PrincipalTag/team": "ops"},
                "Bool": {"aws:SecureTransport": "true"}}
        full = {"sts:ExternalId": "abc", "aws:PrincipalTag/team": "ops", "aws:SecureTransport": True}
        self.assertTrue(holds(cond, full))
        for missing in full:
            with self.subTest(missing=missing):
                self.assertFalse(holds(cond, {k: v for k, v in full.items() if k != missing}))
        self.assertFalse(holds(cond, dict(full, **{"aws:SecureTransport": False})))

    def test_bool_accepts_json_and_string_booleans(self):
        for policy_value in ("true", True, "True"):
            for context_value in ("true", True):
                with self.subTest(policy_value=policy_value, context_value=context_value):
                    self.assertTrue(holds({"Bool": {"aws:MultiFactorAuthPresent": policy_value}},
                                          {"aws:MultiFactorAuthPresent": context_value}))
        self.assertFalse(holds({"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                               {"aws:MultiFactorAuthPresent": False}))
        self.assertFalse(holds({"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                               {"aws:MultiFactorAuthPresent": "yes"}))

    def test_numeric(self):
        self.assertTrue(holds({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": 9}))
        self.assertFalse(holds({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}))
        self.assertTrue(holds({"NumericLessThanEquals": {"s3:max-keys": 10}}, {"s3:max-keys": "10"}))
        self.assertTrue(holds({"NumericGreaterThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "10.5"}))
        self.assertFalse(holds({"NumericGreaterThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": 9}))
        self.assertTrue(holds({"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10.0"}))
        self.assertFalse(holds({"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "ten"}))

    def test_dates(self):
        cond = {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}
        self.assertTrue(holds(cond, {"aws:CurrentTime": "2025-06-01T12:00:00Z"}))
        self.assertFalse(holds(cond, {"aws:CurrentTime": "2031-06-01T12:00:00Z"}))
        self.assertTrue(holds({"DateGreaterThan": {"aws:EpochTime": "1700000000"}},
                              {"aws:EpochTime": 1800000000}))
        self.assertTrue(holds({"DateEquals": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}},
                              {"aws:CurrentTime": "2025-01-01T01:00:00+01:00"}))

    def test_ip_address(self):
        cond = {"IpAddress": {"aws:SourceIp": ["10.0.0.0/16", "192.0.2.7"]}}
        self.assertTrue(holds(cond, {"aws:SourceIp": "10.0.5.5"}))
        self.assertTrue(holds(cond, {"aws:SourceIp": "192.0.2.7"}))
        self.assertFalse(holds(cond, {"aws:SourceIp": "10.1.0.1"}))
        self.assertFalse(holds(cond, {"aws:SourceIp": "2001:db8::1"}))
        self.assertTrue(holds({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/16"}},
                              {"aws:SourceIp": "10.1.0.1"}))

    def test_arn_operators_compare_component_by_component(self):
        task = "arn:aws:ecs:us-east-1:123456789012:task/cartful/0123abcd"
        for op in ("ArnLike", "ArnEquals"):
            with self.subTest(op=op):
                cond = {op: {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"}}
                self.assertTrue(holds(cond, {"aws:SourceArn": task}))
                self.assertFalse(holds(cond, {"aws:SourceArn": task.replace("123456789012", "999999999999")}))
        # In ArnLike a '*' in a component never spans a colon.
        self.assertFalse(holds({"ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-*:123456789012:*"}},
                               {"aws:SourceArn": "arn:aws:ecs:us:x:123456789012:task/t"}))
        self.assertFalse(holds({"ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"}},
                               {"aws:SourceArn": "not-an-arn"}))
        self.assertFalse(holds({"ArnNotLike": {"aws:SourceArn": "arn:aws:ecs:*:123456789012:*"}},
                               {"aws:SourceArn": task}))

    def test_for_any_value(self):
        cond = {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "owner"]}}
        self.assertTrue(holds(cond, {"aws:TagKeys": ["owner", "zone"]}))
        self.assertFalse(holds(cond, {"aws:TagKeys": ["zone"]}))
        self.assertFalse(holds(cond, {}))
        self.assertFalse(holds(cond, {"aws:TagKeys": []}))
        negated = {"ForAnyValue:StringNotEquals": {"aws:TagKeys": "team"}}
        self.assertTrue(holds(negated, {"aws:TagKeys": ["team", "zone"]}))
        self.assertFalse(holds(negated, {"aws:TagKeys": ["team"]}))
        self.assertFalse(holds(negated, {}))
        self.assertTrue(holds({"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "team"}}, {}))

    def test_for_all_values(self):
        cond = {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "owner"]}}
        self.assertTrue(holds(cond, {"aws:TagKeys": ["team", "owner"]}))
        self.assertTrue(holds(cond, {"aws:TagKeys": ["team"]}))
        self.assertFalse(holds(cond, {"aws:TagKeys": ["team", "zone"]}))
        self.assertTrue(holds(cond, {}))
        self.assertTrue(holds(cond, {"aws:TagKeys": []}))

    def test_for_all_values_string_not_like_matches_the_docs_table(self):
        # The table in the IAM docs' "Multivalued context key examples".
        cond = {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}
        self.assertFalse(holds(cond, {"aws:TagKeys": ["key1:legal"]}))
        self.assertFalse(holds(cond, {"aws:TagKeys": ["key1:hr", "key1:personnel"]}))
        self.assertTrue(holds(cond, {"aws:TagKeys": ["key2:audit"]}))
        self.assertTrue(holds(cond, {}))

    def test_single_valued_operator_on_a_list(self):
        self.assertTrue(holds({"StringEquals": {"aws:TagKeys": "team"}}, {"aws:TagKeys": ["zone", "team"]}))
        self.assertFalse(holds({"StringNotEquals": {"aws:TagKeys": "team"}},
                               {"aws:TagKeys": ["zone", "team"]}))

    def test_key_names_are_case_insensitive(self):
        self.assertTrue(holds({"StringEquals": {"sts:externalid": "abc"}}, {"STS:ExternalId": "abc"}))

    def test_binary_equals(self):
        self.assertTrue(holds({"BinaryEquals": {"k:blob": "QUJD"}}, {"k:blob": b"ABC"}))
        self.assertFalse(holds({"BinaryEquals": {"k:blob": "QUJD"}}, {"k:blob": b"ABD"}))

    def test_policy_variables_in_conditions(self):
        cond = {"StringEquals": {"aws:PrincipalTag/owner": "${aws:username}"}}
        self.assertTrue(holds(cond, {"aws:PrincipalTag/owner": "alice"}))
        self.assertFalse(holds(cond, {"aws:PrincipalTag/owner": "bob"}))
        self.assertFalse(holds(cond, {"aws:PrincipalTag/owner": "${aws:username}"}))
        self.assertFalse(holds(cond, {"aws:PrincipalTag/owner": "alice"}, principal=APP_SESSION))

    def test_implicit_principal_keys(self):
        self.assertTrue(holds({"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}))
        self.assertTrue(holds({"ArnEquals": {"aws:PrincipalArn": APP_ROLE}}, principal=APP_SESSION))
        self.assertTrue(holds({"StringEquals": {"aws:username": "alice"}}))
        self.assertFalse(holds({"StringEquals": {"aws:username": "alice"}}, {"aws:username": None}))
        self.assertTrue(holds({"StringEquals": {"aws:ResourceAccount": ACCOUNT}}))

    def test_uninterpretable_conditions_raise(self):
        for cond in ({"StringEqualz": {"k:a": "x"}}, {"NullIfExists": {"k:a": "true"}},
                     {"Bool": {"k:a": "yes"}}, {"NumericEquals": {"k:a": "ten"}}, {"StringEquals": "k:a"}):
            with self.subTest(cond=cond), self.assertRaises(PolicyError):
                holds(cond, {"k:a": "true"})


class TestDecisions(unittest.TestCase):
    def test_nothing_allows_by_default(self):
        self.assertEqual(evaluate(Request("sqs:SendMessage", QUEUE, ALICE)), IMPLICIT_DENY)

    def test_explicit_deny_beats_allow(self):
        self.assertEqual(decide("sqs:SendMessage", QUEUE, allow("sqs:*"), deny("sqs:SendMessage")),
                         EXPLICIT_DENY)
        request = Request("sqs:SendMessage", QUEUE, ALICE)
        self.assertEqual(evaluate(request, [policy(allow("*")), policy(deny("sqs:Send*", QUEUE))]),
                         EXPLICIT_DENY)
        named = {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sqs:*", "Resource": QUEUE}
        refuse = dict(named, Effect="Deny")
        self.assertEqual(evaluate(request, [policy(allow("sqs:*"))], policy(refuse)), EXPLICIT_DENY)
        self.assertEqual(evaluate(request, [policy(deny("sqs:*"))], policy(named)), EXPLICIT_DENY)

    def test_deny_with_unmet_condition_does_not_deny(self):
        conditional = deny("sqs:*", Condition={"Bool": {"aws:SecureTransport": "false"}})
        self.assertEqual(decide("sqs:SendMessage", QUEUE, allow("sqs:*"), conditional,
                                context={"aws:SecureTransport": True}), ALLOW)
        self.assertEqual(decide("sqs:SendMessage", QUEUE, allow("sqs:*"), conditional,
                                context={"aws:SecureTransport": False}), EXPLICIT_DENY)

    def resource_policy(self, principal, effect="Allow"):
        return policy({"Effect": effect, "Principal": principal, "Action": "sqs:SendMessage",
                       "Resource": QUEUE})

    def test_same_account_resource_policy_naming_the_caller_is_enough(self):
        request = Request("sqs:SendMessage", QUEUE, ALICE)
        self.assertEqual(evaluate(request, [], self.resource_policy({"AWS": ALICE})), ALLOW)
        self.assertEqual(evaluate(request, [], self.resource_policy({"AWS": BOB})), IMPLICIT_DENY)
        self.assertEqual(evaluate(request, [], self.resource_policy("*")), ALLOW)
        self.assertEqual(evaluate(request, [], self.resource_policy({"AWS": "*"})), ALLOW)

    def test_same_account_resource_policy_naming_the_account_delegates_to_iam(self):
        request = Request("sqs:SendMessage", QUEUE, ALICE)
        for principal in ({"AWS": ACCOUNT}, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}):
            with self.subTest(principal=principal):
                self.assertEqual(evaluate(request, [], self.resource_policy(principal)), IMPLICIT_DENY)
                self.assertEqual(evaluate(request, [policy(allow("sqs:SendMessage"))],
                                          self.resource_policy(principal)), ALLOW)

    def test_same_account_identity_policy_alone_is_enough(self):
        request = Request("sqs:SendMessage", QUEUE, ALICE)
        self.assertEqual(evaluate(request, [policy(allow("sqs:SendMessage"))],
                                  self.resource_policy({"AWS": BOB})), ALLOW)

    def test_cross_account_needs_both_sides(self):
        request = Request("sqs:SendMessage", QUEUE, OUTSIDER)
        identity = [policy(allow("sqs:SendMessage", QUEUE))]
        self.assertEqual(evaluate(request, identity), IMPLICIT_DENY)
        self.assertEqual(evaluate(request, [], self.resource_policy({"AWS": OUTSIDER})), IMPLICIT_DENY)
        self.assertEqual(evaluate(request, [], self.resource_policy("*")), IMPLICIT_DENY)
        for principal in ({"AWS": OUTSIDER}, {"AWS": OTHER_ACCOUNT},
                          {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}, "*"):
            with self.subTest(principal=principal):
                self.assertEqual(evaluate(request, identity, self.resource_policy(principal)), ALLOW)
        self.assertEqual(evaluate(request, identity, self.resource_policy({"AWS": THIRD_ACCOUNT})),
                         IMPLICIT_DENY)
        self.assertEqual(evaluate(request, identity, self.resource_policy({"AWS": ACCOUNT})),
                         IMPLICIT_DENY)

    def test_role_arn_covers_its_sessions_and_session_arn_only_itself(self):
        other_session = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/session-2"
        by_role = self.resource_policy({"AWS": APP_ROLE})
        self.assertEqual(evaluate(Request("sqs:SendMessage", QUEUE, APP_SESSION), [], by_role), ALLOW)
        self.assertEqual(evaluate(Request("sqs:SendMessage", QUEUE, APP_ROLE), [], by_role), ALLOW)
        worker = f"arn:aws:sts::{ACCOUNT}:assumed-role/worker/session-1"
        self.assertEqual(evaluate(Request("sqs:SendMessage", QUEUE, worker), [], by_role), IMPLICIT_DENY)
        by_session = self.resource_policy({"AWS": APP_SESSION})
        self.assertEqual(evaluate(Request("sqs:SendMessage", QUEUE, APP_SESSION), [], by_session), ALLOW)
        self.assertEqual(evaluate(Request("sqs:SendMessage", QUEUE, other_session), [], by_session),
                         IMPLICIT_DENY)

    def test_partial_wildcards_in_principals_match_nothing(self):
        request = Request("sqs:SendMessage", QUEUE, ALICE)
        self.assertEqual(evaluate(request, [], self.resource_policy({"AWS": f"arn:aws:iam::{ACCOUNT}:user/*"})),
                         IMPLICIT_DENY)

    def test_not_principal_deny(self):
        fence = policy(
            {"Effect": "Deny", "NotPrincipal": {"AWS": [BOB, APP_SESSION]}, "Action": "sqs:*",
             "Resource": QUEUE},
            {"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": QUEUE})
        def decision(principal):
            return evaluate(Request("sqs:SendMessage", QUEUE, principal), [], fence)
        self.assertEqual(decision(BOB), ALLOW)
        self.assertEqual(decision(APP_SESSION), ALLOW)
        self.assertEqual(decision(ALICE), EXPLICIT_DENY)
        # In NotPrincipal a role ARN does not exempt the role's sessions.
        by_role = policy({"Effect": "Deny", "NotPrincipal": {"AWS": APP_ROLE}, "Action": "sqs:*",
                          "Resource": QUEUE})
        self.assertEqual(evaluate(Request("sqs:SendMessage", QUEUE, APP_SESSION),
                                  [policy(allow("sqs:*"))], by_role), EXPLICIT_DENY)

    def test_anonymous_callers(self):
        public = self.resource_policy("*")
        self.assertEqual(evaluate(Request("sqs:SendMessage", QUEUE), [], public), ALLOW)
        self.assertEqual(evaluate(Request("sqs:SendMessage", QUEUE), [], self.resource_policy({"AWS": ACCOUNT})),
                         IMPLICIT_DENY)
        self.assertEqual(evaluate(Request("sqs:SendMessage", QUEUE)), IMPLICIT_DENY)
        with self.assertRaises(ValueError):
            evaluate(Request("sqs:SendMessage", QUEUE), [policy(allow("*"))])

    def test_web_identity_needs_that_provider_the_action_and_the_claims(self):
        # An EKS IRSA trust: a Federated OIDC provider and the token's claims.
        issuer = "oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
        provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{issuer}"
        trust = policy({"Effect": "Allow", "Principal": {"Federated": provider},
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {"StringEquals": {f"{issuer}:sub": "system:serviceaccount:shop:api",
                                                       f"{issuer}:aud": "sts.amazonaws.com"}}})
        claims = {f"{issuer}:sub": "system:serviceaccount:shop:api", f"{issuer}:aud": "sts.amazonaws.com"}
        web = "sts:AssumeRoleWithWebIdentity"
        self.assertTrue(can_assume(provider, APP_ROLE, trust, [], claims, action=web))
        self.assertFalse(can_assume(provider, APP_ROLE, trust, [], claims))   # sts:AssumeRole
        self.assertFalse(can_assume(provider.replace("ABCDEF", "000000"), APP_ROLE, trust, [], claims, action=web))
        self.assertFalse(can_assume(provider, APP_ROLE, trust, [],
                                    {**claims, f"{issuer}:sub": "system:serviceaccount:shop:worker"}, action=web))
        self.assertFalse(can_assume(provider, APP_ROLE, trust, [], {f"{issuer}:sub": claims[f"{issuer}:sub"]},
                                    action=web))
        # An IAM principal of the account is not the provider, and a provider has no identity policies.
        self.assertFalse(can_assume(ALICE, APP_ROLE, trust, [policy(allow("sts:*"))], claims, action=web))
        with self.assertRaises(ValueError):
            can_assume(provider, APP_ROLE, trust, [policy(allow("sts:*"))], claims, action=web)

    def test_resource_statement_without_resource_applies_to_its_resource(self):
        request = Request("ecr:BatchGetImage", cartful.repository_arn("user_metadata"), ALICE)
        repo_policy = policy({"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "ecr:BatchGetImage"})
        self.assertEqual(evaluate(request, [], repo_policy), ALLOW)

    def test_s3_resource_policies_need_the_resource_account(self):
        bucket_policy = policy({"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "s3:GetObject",
                                "Resource": "arn:aws:s3:::b/*"})
        with self.assertRaises(ValueError):
            evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k", ALICE), [], bucket_policy)
        self.assertEqual(evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k", ALICE,
                                          resource_account=ACCOUNT), [], bucket_policy), ALLOW)
        self.assertEqual(evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k", ALICE,
                                          resource_account=OTHER_ACCOUNT), [], bucket_policy), IMPLICIT_DENY)
        # Without a resource policy the identity policy decides.
        self.assertEqual(decide("s3:GetObject", "arn:aws:s3:::b/k", allow("s3:GetObject")), ALLOW)

    def test_request_forms_and_errors(self):
        as_dict = {"action": "sqs:SendMessage", "resource": QUEUE, "principal": ALICE}
        self.assertEqual(evaluate(as_dict, [json.dumps(policy(allow("sqs:SendMessage")))]), ALLOW)
        self.assertTrue(is_allowed(as_dict, [policy(allow("sqs:SendMessage"))]))
        self.assertFalse(is_allowed(as_dict, [policy(allow("sqs:ReceiveMessage"))]))
        with self.assertRaises(ValueError):
            evaluate(dict(as_dict, action="SendMessage"))
        with self.assertRaises(ValueError):
            evaluate(dict(as_dict, principal="arn:aws:iam::123456789012:group/devs"))
        with self.assertRaises(ValueError):
            evaluate(dict(as_dict, principal_account=OTHER_ACCOUNT))
        with self.assertRaises(ValueError):
            evaluate(as_dict, [], policy(), policy())

    def test_uninterpretable_documents_raise(self):
        for statement in ({"Action": "sqs:*", "Resource": "*"},
                          {"Effect": "Allow", "Action": "sqs:*"},
                          {"Effect": "Allow", "Resource": "*"},
                          dict(allow("sqs:*"), Principal="*")):
            with self.subTest(statement=statement), self.assertRaises(PolicyError):
                decide("sqs:SendMessage", QUEUE, statement)
        with self.assertRaises(PolicyError):
            evaluate(Request("sqs:SendMessage", QUEUE, ALICE), [{"Version": "2012-10-17"}])


class TestAssumeRole(unittest.TestCase):
    ROLE = cartful.ECR_PUSH_ROLE_ARN
    GOOD = {"sts:ExternalId": cartful.EXTERNAL_ID}

    def assume(self, principal, identity=(cartful.CI_PUSHER_IDENTITY,), context=GOOD,
               trust=cartful.ECR_PUSH_TRUST, role=ROLE):
        return assume_role_decision(principal, role, trust, list(identity), context)

    def test_ci_pusher_with_the_external_id_can_assume(self):
        self.assertEqual(self.assume(cartful.CI_PUSHER_ARN), ALLOW)
        self.assertTrue(can_assume(cartful.CI_PUSHER_ARN, self.ROLE, cartful.ECR_PUSH_TRUST,
                                   [cartful.CI_PUSHER_IDENTITY], self.GOOD))

    def test_wrong_or_missing_external_id_is_refused(self):
        self.assertEqual(self.assume(cartful.CI_PUSHER_ARN, context={"sts:ExternalId": "guess"}),
                         IMPLICIT_DENY)
        self.assertEqual(self.assume(cartful.CI_PUSHER_ARN, context={"sts:ExternalId": "CARTFUL-CI-7F3A"}),
                         IMPLICIT_DENY)
        self.assertEqual(self.assume(cartful.CI_PUSHER_ARN, context={}), IMPLICIT_DENY)

    def test_another_user_of_the_trusted_account_is_refused(self):
        other = f"arn:aws:iam::{cartful.TRUSTED_ACCOUNT}:user/intern"
        self.assertEqual(self.assume(other), IMPLICIT_DENY)
        session = f"arn:aws:sts::{cartful.TRUSTED_ACCOUNT}:assumed-role/ci-pusher/build"
        self.assertEqual(self.assume(session), IMPLICIT_DENY)
        self.assertEqual(self.assume(f"arn:aws:iam::{THIRD_ACCOUNT}:user/ci-pusher"), IMPLICIT_DENY)

    def test_the_trusted_account_must_grant_its_half(self):
        self.assertEqual(self.assume(cartful.CI_PUSHER_ARN, identity=()), IMPLICIT_DENY)
        elsewhere = policy(allow("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/cartful-admin"))
        self.assertEqual(self.assume(cartful.CI_PUSHER_ARN, identity=[elsewhere]), IMPLICIT_DENY)
        broad = policy(allow("sts:*", "*"))
        self.assertEqual(self.assume(cartful.CI_PUSHER_ARN, identity=[broad]), ALLOW)
        refused = policy(deny("sts:AssumeRole", self.ROLE))
        self.assertEqual(self.assume(cartful.CI_PUSHER_ARN, identity=[broad, refused]), EXPLICIT_DENY)

    def test_trusting_the_account_root_delegates_to_its_identity_policies(self):
        trust = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{cartful.TRUSTED_ACCOUNT}:root"},
                        "Action": "sts:AssumeRole"})
        anyone = f"arn:aws:iam::{cartful.TRUSTED_ACCOUNT}:user/intern"
        self.assertEqual(self.assume(anyone, trust=trust), ALLOW)
        self.assertEqual(self.assume(anyone, trust=trust, identity=()), IMPLICIT_DENY)
        self.assertEqual(self.assume(f"arn:aws:iam::{THIRD_ACCOUNT}:user/x", trust=trust), IMPLICIT_DENY)

    def test_mfa_condition(self):
        trust = policy({"Effect": "Allow", "Principal": {"AWS": cartful.CI_PUSHER_ARN}, "Action": "sts:AssumeRole",
                        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"},
                                      "StringEquals": {"sts:ExternalId": cartful.EXTERNAL_ID}}})
        self.assertEqual(self.assume(cartful.CI_PUSHER_ARN, trust=trust), IMPLICIT_DENY)
        self.assertEqual(self.assume(cartful.CI_PUSHER_ARN, trust=trust,
                                     context=dict(self.GOOD, **{"aws:MultiFactorAuthPresent": True})), ALLOW)
        self.assertEqual(self.assume(cartful.CI_PUSHER_ARN, trust=trust,
                                     context=dict(self.GOOD, **{"aws:MultiFactorAuthPresent": "false"})),
                         IMPLICIT_DENY)

    def test_same_account_rules(self):
        role = f"arn:aws:iam::{ACCOUNT}:role/deployer"
        names_alice = policy({"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"})
        names_account = policy({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"})
        may_assume = [policy(allow("sts:AssumeRole", role))]
        self.assertTrue(can_assume(ALICE, role, names_alice, []))
        self.assertFalse(can_assume(BOB, role, names_alice, may_assume))
        self.assertFalse(can_assume(BOB, role, names_account, []))
        self.assertTrue(can_assume(BOB, role, names_account, may_assume))

    def test_ecs_tasks_service_with_confused_deputy_guard(self):
        role = f"arn:aws:iam::{ACCOUNT}:role/cartful-user_metadata-task"
        source = {"aws:SourceAccount": ACCOUNT,
                  "aws:SourceArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:task/cartful/0123abcd"}
        self.assertTrue(can_assume("ecs-tasks.amazonaws.com", role, cartful.TASK_TRUST, [], source))
        self.assertFalse(can_assume("ecs-tasks.amazonaws.com", role, cartful.TASK_TRUST, [],
                                    {"aws:SourceArn": source["aws:SourceArn"]}))
        self.assertFalse(can_assume("ecs-tasks.amazonaws.com", role, cartful.TASK_TRUST, [],
                                    {"aws:SourceAccount": ACCOUNT,
                                     "aws:SourceArn": source["aws:SourceArn"].replace(ACCOUNT, THIRD_ACCOUNT)}))
        self.assertFalse(can_assume("lambda.amazonaws.com", role, cartful.TASK_TRUST, [], source))
        self.assertFalse(can_assume(ALICE, role, cartful.TASK_TRUST, [policy(allow("sts:AssumeRole"))], source))

    def test_a_role_needs_a_trust_policy(self):
        with self.assertRaises(ValueError):
            can_assume(ALICE, APP_ROLE, None, [])


class TestEcrPushRole(unittest.TestCase):
    SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/cartful-ecr-push/ci-build-42"

    def decision(self, action, resource):
        return evaluate(Request(action, resource, self.SESSION), [cartful.ECR_PUSH_PERMISSIONS])

    def test_pushes_to_every_listed_repository(self):
        for registry in cartful.REGISTRIES:
            for action in cartful.ECR_PUSH_ACTIONS:
                with self.subTest(registry=registry, action=action):
                    self.assertEqual(self.decision(action, cartful.repository_arn(registry)), ALLOW)
        self.assertEqual(self.decision("ecr:GetAuthorizationToken", "*"), ALLOW)

    def test_cannot_push_elsewhere(self):
        for arn in (cartful.repository_arn("payments"),
                    cartful.repository_arn("user_metadata", account=THIRD_ACCOUNT),
                    cartful.repository_arn("user_metadata", region="eu-west-1"),
                    cartful.repository_arn("User_Metadata"),
                    cartful.repository_arn("user_metadata-old")):
            with self.subTest(arn=arn):
                self.assertEqual(self.decision("ecr:PutImage", arn), IMPLICIT_DENY)

    def test_cannot_administer_repositories(self):
        for action in ("ecr:DeleteRepository", "ecr:BatchDeleteImage", "ecr:SetRepositoryPolicy",
                       "ecr:PutLifecyclePolicy", "ecr:CreateRepository"):
            with self.subTest(action=action):
                self.assertEqual(self.decision(action, cartful.repository_arn("user_metadata")), IMPLICIT_DENY)

    def test_trusted_account_pulls_through_the_repository_policy(self):
        repo = cartful.repository_arn("user_metadata")
        pull = policy(allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], repo))
        request = Request("ecr:BatchGetImage", repo, cartful.CI_PUSHER_ARN)
        self.assertEqual(evaluate(request, [pull], cartful.USER_METADATA_REPOSITORY_POLICY), ALLOW)
        self.assertEqual(evaluate(request, [], cartful.USER_METADATA_REPOSITORY_POLICY), IMPLICIT_DENY)
        self.assertEqual(evaluate(request, [pull]), IMPLICIT_DENY)
        push = Request("ecr:PutImage", repo, cartful.CI_PUSHER_ARN)
        self.assertEqual(evaluate(push, [policy(allow("ecr:*"))], cartful.USER_METADATA_REPOSITORY_POLICY),
                         IMPLICIT_DENY)
        stranger = Request("ecr:BatchGetImage", repo, f"arn:aws:iam::{THIRD_ACCOUNT}:user/x")
        self.assertEqual(evaluate(stranger, [pull], cartful.USER_METADATA_REPOSITORY_POLICY), IMPLICIT_DENY)


class TestTaskRoles(unittest.TestCase):
    CONFIGS = cartful.table_arn("cartful-configs")

    def decision(self, role_policy, action, resource, role="task"):
        session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/ecs-task"
        return evaluate(Request(action, resource, session), [role_policy])

    def test_read_write_role_reads_and_writes_its_table(self):
        for action in cartful.DYNAMODB_READ + cartful.DYNAMODB_WRITE:
            with self.subTest(action=action):
                self.assertEqual(self.decision(cartful.USER_METADATA_TASK_ROLE, action, self.CONFIGS), ALLOW)
        self.assertEqual(self.decision(cartful.USER_METADATA_TASK_ROLE, "dynamodb:Query",
                                       self.CONFIGS + "/index/by_owner"), ALLOW)

    def test_read_role_only_reads(self):
        for action in cartful.DYNAMODB_READ:
            with self.subTest(action=action):
                self.assertEqual(self.decision(cartful.FLIGHT_METADATA_TASK_ROLE, action, self.CONFIGS), ALLOW)
        for action in cartful.DYNAMODB_WRITE + ["dynamodb:DeleteTable", "dynamodb:UpdateTable"]:
            with self.subTest(action=action):
                self.assertEqual(self.decision(cartful.FLIGHT_METADATA_TASK_ROLE, action, self.CONFIGS),
                                 IMPLICIT_DENY)

    def test_no_role_reaches_another_table(self):
        for role_policy in (cartful.USER_METADATA_TASK_ROLE, cartful.FLIGHT_METADATA_TASK_ROLE):
            for table in (cartful.table_arn("cartful-sessions"), cartful.table_arn("cartful-configs-archive"),
                          self.CONFIGS + "/stream/2025-01-01T00:00:00.000"):
                with self.subTest(table=table):
                    self.assertEqual(self.decision(role_policy, "dynamodb:GetItem", table), IMPLICIT_DENY)

    def test_database_connect_only_where_declared(self):
        dbuser = f"arn:aws:rds-db:us-east-1:{ACCOUNT}:dbuser:db-ORDERS0EXAMPLE0/app"
        self.assertEqual(self.decision(cartful.USER_METADATA_TASK_ROLE, "rds-db:connect", dbuser), ALLOW)
        self.assertEqual(self.decision(cartful.USER_METADATA_TASK_ROLE, "rds-db:connect",
                                       dbuser.replace("/app", "/admin")), IMPLICIT_DENY)
        self.assertEqual(self.decision(cartful.FLIGHT_METADATA_TASK_ROLE, "rds-db:connect", dbuser),
                         IMPLICIT_DENY)


if __name__ == "__main__":
    unittest.main()
