"""Tests for moto_accepts: mocked IAM takes good documents and refuses bad ones.

This needs boto3 and moto; without them the suite fails at import, loudly,
rather than skipping (a skipped proof proves nothing).

Run from this folder: python3 -m unittest -v test_moto_accepts
"""

import copy
import json
import unittest

import cartful_documents as cartful
from iam_eval import lint

from moto_accepts import PolicyRejected, accept, kind_of

IAM_DOCUMENTS = {name: doc for name, kind, doc in cartful.ALL_DOCUMENTS if kind != "resource"}


def _broken(document, edit):
    """A deep copy of document with edit(copy) applied."""
    doc = copy.deepcopy(document)
    edit(doc)
    return doc


# (name, document, fragments the rejection message must contain)
REJECTED = [
    ("old-version", _broken(cartful.ECR_PUSH_PERMISSIONS, lambda d: d.update(Version="2008-10-17")),
     ["old-version (identity policy)", "MalformedPolicyDocument", "2012-10-17"]),
    ("no-effect", _broken(cartful.ECR_PUSH_PERMISSIONS, lambda d: d["Statement"][1].pop("Effect")),
     ["no-effect (identity policy)", "MalformedPolicyDocument"]),
    ("no-vendor", _broken(cartful.CI_PUSHER_IDENTITY,
                          lambda d: d["Statement"][0].update(Action="AssumeRole")),
     ["prefaced by a vendor"]),
    ("dup-sid", _broken(cartful.ECR_PUSH_PERMISSIONS,
                        lambda d: d["Statement"][1].update(Sid=d["Statement"][0]["Sid"])),
     ["unique"]),
    ("no-resource", _broken(cartful.CI_PUSHER_IDENTITY, lambda d: d["Statement"][0].pop("Resource")),
     ["must contain resources"]),
    ("unknown-operator", _broken(cartful.ECR_PUSH_PERMISSIONS,
                                 lambda d: d["Statement"][0].update(Condition={"StringEqualz": {"a:b": "c"}})),
     ["MalformedPolicyDocument"]),
    ("trust-resource", _broken(cartful.ECR_PUSH_TRUST,
                               lambda d: d["Statement"][0].update(Resource=cartful.ECR_PUSH_ROLE_ARN)),
     ["trust-resource (trust policy)", "UpdateAssumeRolePolicy", "prohibited field Resource"]),
    ("trust-action", _broken(cartful.ECR_PUSH_TRUST,
                             lambda d: d["Statement"][0].update(Action="ecr:PutImage")),
     ["actions can only be sts:AssumeRole"]),
]


class TestAccept(unittest.TestCase):
    def assertRejected(self, documents, *fragments):
        with self.assertRaises(PolicyRejected) as caught:
            accept(documents)
        for fragment in fragments:
            self.assertIn(fragment, str(caught.exception))

    def test_cartful_documents_are_accepted(self):
        created = accept(IAM_DOCUMENTS)
        self.assertEqual(set(created), set(IAM_DOCUMENTS))
        self.assertRegex(created["cartful-ecr-push-trust"], r"^arn:aws:iam::\d{12}:role/")
        self.assertRegex(created["cartful-ecr-push"], r"^arn:aws:iam::\d{12}:policy/")

    def test_documents_as_json_text_and_as_a_list(self):
        created = accept([json.dumps(cartful.ECR_PUSH_PERMISSIONS), cartful.TASK_TRUST])
        self.assertEqual(len(created), 2)

    def test_kind_is_inferred_from_principal(self):
        self.assertEqual(kind_of(cartful.ECR_PUSH_TRUST), "trust")
        self.assertEqual(kind_of(cartful.CI_PUSHER_IDENTITY), "identity")

    def test_malformed_documents_are_rejected(self):
        for name, doc, fragments in REJECTED:
            with self.subTest(name):
                self.assertRejected({name: doc}, *fragments)

    def test_invalid_json_is_rejected(self):
        self.assertRejected({"truncated": '{"Version": "2012-10-17",'}, "truncated", "not valid JSON")

    def test_first_bad_document_stops_the_run(self):
        bad = _broken(cartful.CI_PUSHER_IDENTITY, lambda d: d.update(Version="2008-10-17"))
        self.assertRejected({"good": cartful.ECR_PUSH_PERMISSIONS, "bad": bad}, "bad (identity policy)")


class TestLintAgreesWithIam(unittest.TestCase):
    def test_lint_flags_whatever_iam_rejects(self):
        for name, doc, _ in REJECTED:
            kind = "trust" if name.startswith("trust-") else "identity"
            with self.subTest(name):
                self.assertNotEqual(lint(doc, kind), [])


if __name__ == "__main__":
    unittest.main()
