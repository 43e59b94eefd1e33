"""Check that IAM (as moto models it) accepts policy documents.

accept(documents) opens a fresh moto.mock_aws() account. There it creates an
IAM role for each trust policy, and puts each identity policy both as an
inline role policy and as a managed policy (create_policy). If any call is
refused, it raises PolicyRejected. The message names the document, the call
and IAM's reason. Moto checks documents roughly as IAM does: Version,
Statement shape, Effect, Action prefixes, Resource ARNs, Sid uniqueness and
condition operators.

The document's kind decides what happens to it. A document in which any
statement has Principal or NotPrincipal is a trust policy. Any other document
is an identity policy. Resource-based policies (bucket or repository
policies) are not IAM documents, and this module does not handle them.

Moto's create_role stores a trust policy unchecked. So the role is created
and then given the same document through update_assume_role_policy, which
does check it.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Mapping

import boto3
from botocore.exceptions import ClientError
from moto import mock_aws

__all__ = ["PolicyRejected", "accept", "kind_of"]

# The role that carries inline identity policies. Its trust policy is a
# known-good one.
_CARRIER_ROLE = "infrac-policy-carrier"
_CARRIER_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}


class PolicyRejected(AssertionError):
    """IAM refused a document. It subclasses AssertionError so tests fail, not error."""


def kind_of(document: Mapping[str, Any]) -> str:
    """"trust" if any statement names a Principal or NotPrincipal, else "identity"."""
    statements = document.get("Statement") if isinstance(document, Mapping) else None
    statements = [statements] if isinstance(statements, Mapping) else statements
    if isinstance(statements, list) and any(
            isinstance(s, Mapping) and ("Principal" in s or "NotPrincipal" in s) for s in statements):
        return "trust"
    return "identity"


def _named(documents: Mapping[str, Any] | Iterable[Any]) -> list[tuple[str, Any]]:
    if isinstance(documents, Mapping):
        return list(documents.items())
    return [(f"document-{i}", doc) for i, doc in enumerate(documents)]


def _iam_name(name: str, index: int, limit: int = 64) -> str:
    """An IAM-safe, unique entity name derived from the caller's label."""
    suffix = f"-{index}"
    clean = re.sub(r"[^\w+=,.@-]", "-", name)[: limit - len(suffix)]
    return clean + suffix


def accept(documents: Mapping[str, Any] | Iterable[Any]) -> dict[str, str]:
    """Submit every document to a mocked IAM; return {name: ARN of what it created}.

    documents is a mapping {name: document} or an iterable of documents. A
    document is a dict or JSON text. Raises PolicyRejected on the first
    document IAM refuses.
    """
    created: dict[str, str] = {}
    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_role(RoleName=_CARRIER_ROLE, AssumeRolePolicyDocument=json.dumps(_CARRIER_TRUST))
        for index, (name, document) in enumerate(_named(documents)):
            text = document if isinstance(document, str) else json.dumps(document)
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as e:
                raise PolicyRejected(f"{name}: not valid JSON: {e}") from None
            kind = kind_of(parsed)
            entity = _iam_name(name, index)
            call = ""
            try:
                if kind == "trust":
                    call = "CreateRole"
                    role = iam.create_role(RoleName=entity, AssumeRolePolicyDocument=text)
                    call = "UpdateAssumeRolePolicy"
                    iam.update_assume_role_policy(RoleName=entity, PolicyDocument=text)
                    created[name] = role["Role"]["Arn"]
                else:
                    call = "PutRolePolicy"
                    iam.put_role_policy(RoleName=_CARRIER_ROLE, PolicyName=entity, PolicyDocument=text)
                    call = "CreatePolicy"
                    managed = iam.create_policy(PolicyName=entity, PolicyDocument=text)
                    created[name] = managed["Policy"]["Arn"]
            except ClientError as e:
                error = e.response.get("Error", {})
                raise PolicyRejected(
                    f"{name} ({kind} policy): IAM rejected it in {call}: "
                    f"{error.get('Code', '?')}: {error.get('Message', e)}") from None
    return created
