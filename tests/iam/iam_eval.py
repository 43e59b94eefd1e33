"""IAM policy checker and evaluator for infrac's tests.

This module models how AWS decides on a request, so that tests can check that
the IAM documents infrac generates mean what the spec says. Examples: only
the trusted CI user, with the right external ID, can assume the ECR push role.
The role can push only to the listed repositories. Each task role reaches only
its own table. Standard library only.

Public API
    lint(doc, kind) -> list[str]
        Grammar problems of a policy document; kind is "identity", "resource"
        or "trust". An empty list means the document is well-formed.
    arn_problems(arn) -> list[str]
        Problems with one resource ARN (wildcards allowed where IAM allows them).
    Request(action, resource, principal=None, principal_account=None,
            resource_account=None, context={})
    evaluate(request, identity_policies=(), resource_policy=None,
             trust_policy=None) -> "Allow" | "ExplicitDeny" | "ImplicitDeny"
    is_allowed(request, ...) -> bool
    assume_role_decision(principal_arn, role_arn, trust_policy,
                         principal_identity_policies, context=None,
                         action="sts:AssumeRole") -> decision
    can_assume(...same arguments...) -> bool
    PolicyError: raised by evaluate() for a document it cannot interpret.

The semantics below follow the AWS IAM User Guide: "Policy evaluation logic",
"Cross-account policy evaluation logic", and the pages on the "Condition
operators", "Resource" and "Principal" policy elements.

Decision
  * Any statement that applies to the request and has Deny gives ExplicitDeny.
    This holds for identity, resource and trust policies alike.
  * Otherwise an Allow is needed. Where it must come from depends on the
    accounts:
    - Cross-account (the caller's account differs from the resource's): the
      resource-based or trust policy must allow the caller, either by name or
      through its account. The caller's identity policies must also allow the
      request.
    - Same account, resource-based policy: an Allow in the identity policies
      is enough. So is a resource-policy Allow that names the caller directly
      (its ARN or "*"). A resource-policy Allow that names only the account
      (`arn:aws:iam::ACCOUNT:root` or a bare account ID) hands the decision to
      the account's identity policies, so it grants nothing alone.
    - Same account, trust policy: trust policies are an exception, because they
      must always allow the caller explicitly. If the trust policy names the
      caller, no identity policy is needed. If it names only the caller's
      account, the identity policies must allow sts:AssumeRole too. An
      identity Allow without the trust policy grants nothing.
    - With no resource-based policy, identity policies decide within the
      account. A request for a resource in another account is denied.
    - Service principals (`ecs-tasks.amazonaws.com`), web-identity providers
      and anonymous callers have no identity policies. Only the
      resource/trust policy can grant them access.
  * Only identity, resource and trust policies are modelled. SCPs, permission
    boundaries and session policies are not.

Matching
  * Action/NotAction: `*` matches any run of characters and `?` exactly one.
    Case-insensitive. NotAction applies when the action matches none of the
    listed patterns.
  * Resource/NotResource: case-sensitive. In the first five ARN segments,
    `*` and `?` stay inside their segment. A `*` that ends a segment may run
    past colons (IAM docs). In the resource part they match anything. A
    resource or trust statement without Resource applies to the resource the
    policy is attached to.
  * Principal: "*" and {"AWS": "*"} match everyone. An account root ARN or a
    bare account ID matches every IAM principal of that account, as an
    account-level grant (see above). A user ARN matches that user. A role ARN
    matches the role's sessions, and an assumed-role ARN matches only that
    session. Service and Federated entries match a caller given as that
    service or provider name. Partial wildcards never match (IAM does not
    support them). NotPrincipal applies to callers that match none of its
    entries. There a role ARN does not cover the role's sessions, as AWS
    documents.
  * A request's principal is one of:
    - an IAM user, root, assumed-role or federated-user ARN;
    - a role ARN, meaning some session of that role;
    - a service or provider name;
    - None, for an anonymous caller.

Conditions
  * Operators AND together, keys under one operator AND together, and the
    values of one key OR together (NOR for negated operators). Key names are
    case-insensitive.
  * Operators: String(Not)Equals, String(Not)EqualsIgnoreCase,
    String(Not)Like, Numeric*, Date*, Bool, BinaryEquals,
    (Not)IpAddress, Arn(Not)Equals, Arn(Not)Like, Null. Any operator but Null
    takes an `IfExists` suffix. Any operator takes a `ForAnyValue:` or
    `ForAllValues:` prefix.
  * A key missing from the request context (absent, None or an empty list):
    - positive operators are false;
    - negated operators (StringNotEquals, StringNotLike, ArnNotLike,
      NotIpAddress, ...) are TRUE, as the "Condition operators" page says;
    - `...IfExists` is true;
    - ForAllValues is true and ForAnyValue is false;
    - Null:true is true and Null:false is false.
  * Single-valued operators on a list value: positive means some value
    matches, and negated means no value matches.
  * ForAnyValue: at least one context value satisfies the operator.
    ForAllValues: every context value satisfies it.
  * ArnEquals and ArnLike both accept wildcards and compare each of the six
    ARN components separately.
  * Policy variables `${key}`, `${key, 'default'}`, `${*}`, `${?}` and `${$}`
    are substituted in Resource/NotResource and in String and Arn condition
    values. A variable whose key is missing and has no default makes that
    pattern match nothing.
  * The request context automatically holds aws:PrincipalArn (the role ARN
    for a role session), aws:PrincipalAccount, aws:username (IAM users) and
    aws:ResourceAccount, where they are known. Keys given in the request
    context override these, and a value of None removes one.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import operator
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

__all__ = [
    "ALLOW", "EXPLICIT_DENY", "IMPLICIT_DENY", "KINDS", "PolicyError", "Request",
    "arn_problems", "assume_role_decision", "can_assume", "evaluate", "is_allowed",
    "lint",
]

ALLOW = "Allow"
EXPLICIT_DENY = "ExplicitDeny"
IMPLICIT_DENY = "ImplicitDeny"

POLICY_VERSION = "2012-10-17"
KINDS = ("identity", "resource", "trust")
PARTITIONS = ("aws", "aws-cn", "aws-us-gov")

TOP_LEVEL_KEYS = ("Version", "Id", "Statement")
STATEMENT_KEYS = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
                  "Resource", "NotResource", "Condition")
# Actions a role trust policy may grant (IAM rejects others there).
TRUST_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity",
                 "sts:TagSession", "sts:SetSourceIdentity", "sts:SetContext")

# ARN layout rules per service. They change together with arn_problems().
GLOBAL_SERVICES = {"iam", "sts", "cloudfront", "route53", "organizations", "waf"}
REGION_REQUIRED = {"ecr", "dynamodb", "ecs", "logs", "secretsmanager", "rds", "rds-db",
                   "kms", "sqs", "sns", "lambda", "elasticloadbalancing", "ssm", "ec2"}
ACCOUNT_REQUIRED = (REGION_REQUIRED - {"ec2"}) | {"iam", "sts"}


class PolicyError(ValueError):
    """A policy document that evaluate() cannot interpret; lint() lists why."""


# --------------------------------------------------------------------------
# Small shared helpers

_ACCOUNT_ID_RE = re.compile(r"^\d{12}$")
_VARIABLE_RE = re.compile(r"\$\{([^}]*)\}")
_NAME = r"[\w+=,.@-]+"
_IAM_PRINCIPAL_RE = re.compile(
    r"^arn:(aws|aws-cn|aws-us-gov):(iam|sts)::(\d{12}):(.+)$")
_PRINCIPAL_ARN_RE = re.compile(
    rf"^arn:(aws|aws-cn|aws-us-gov):(iam::\d{{12}}:(root|user/({_NAME}/)*{_NAME}|role/({_NAME}/)*{_NAME})"
    rf"|sts::\d{{12}}:(assumed-role/{_NAME}/{_NAME}|federated-user/{_NAME}))$")
_SERVICE_PRINCIPAL_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$")
_ACTION_RE = re.compile(r"^([A-Za-z0-9-]+):([A-Za-z0-9*?]+)$")
# prefix:name, where a web-identity provider's prefix is its issuer URL
# without the scheme, path included (oidc.eks.REGION.amazonaws.com/id/ID:sub).
_CONDITION_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*(/[A-Za-z0-9._~-]+)*:\S+$")
_SID_RE = re.compile(r"^[A-Za-z0-9]+$")


def _load(doc: Any) -> Any:
    """A policy given as JSON text or as already-parsed data."""
    if isinstance(doc, (str, bytes)):
        return json.loads(doc)
    return doc


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _text(value: Any) -> str:
    """A JSON scalar as IAM compares it: booleans are "true"/"false"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _arn_account(arn: str | None) -> str | None:
    parts = arn.split(":", 5) if arn else []
    if len(parts) == 6 and parts[0] == "arn" and _ACCOUNT_ID_RE.match(parts[4]):
        return parts[4]
    return None


# --------------------------------------------------------------------------
# Wildcards and policy variables
#
# A pattern is a list of (char, wild) pairs. `wild` is False for characters
# that came from a policy variable: they must match literally.

Pattern = list[tuple[str, bool]]


def _policy_pattern(text: str) -> Pattern:
    return [(c, True) for c in text]


def _expand(text: str, ctx: "_Context") -> Pattern | None:
    """Substitute ${...} policy variables. Returns None if one has no value."""
    out: Pattern = []
    pos = 0
    for m in _VARIABLE_RE.finditer(text):
        out += _policy_pattern(text[pos:m.start()])
        pos = m.end()
        inner = m.group(1).strip()
        if inner in ("*", "?", "$"):
            out.append((inner, False))
            continue
        key, _, default = inner.partition(",")
        values = ctx.get(key.strip())
        if values is not None and len(values) == 1:
            value = _text(values[0])
        elif default.strip().startswith("'") and default.strip().endswith("'"):
            value = default.strip()[1:-1]
        else:
            return None
        out += [(c, False) for c in value]
    out += _policy_pattern(text[pos:])
    return out


def _wildcard_regex(pattern: Pattern, mode: str, ignore_case: bool = False) -> re.Pattern:
    """Compile a wildcard pattern.

    mode "plain": `*` and `?` match anything (actions, StringLike).
    mode "resource": ARN-segment aware, as for the Resource element. In the
      first five segments wildcards stay in their segment, except a `*` that
      ends a segment.
    mode "arn": ARN-segment aware, as for ArnLike. Each of the six components
      is compared on its own.
    """
    out = []
    segment = 0
    for i, (ch, wild) in enumerate(pattern):
        in_head = mode != "plain" and segment < 5
        if in_head and ch == ":":
            segment += 1
            out.append(":")
        elif wild and ch == "*":
            ends_segment = i + 1 == len(pattern) or pattern[i + 1][0] == ":"
            if not in_head or (mode == "resource" and ends_segment):
                out.append(".*")
            else:
                out.append("[^:]*")
        elif wild and ch == "?":
            out.append("[^:]" if in_head else ".")
        else:
            out.append(re.escape(ch))
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("".join(out), flags)


def _action_matches(pattern: str, action: str) -> bool:
    if not isinstance(pattern, str):
        raise PolicyError(f"action {pattern!r} is not a string")
    return bool(_wildcard_regex(_policy_pattern(pattern), "plain", ignore_case=True)
                .fullmatch(action))


def _resource_matches(pattern: str, resource: str, ctx: "_Context") -> bool:
    if not isinstance(pattern, str):
        raise PolicyError(f"resource {pattern!r} is not a string")
    expanded = _expand(pattern, ctx)
    return expanded is not None and bool(_wildcard_regex(expanded, "resource").fullmatch(resource))


# --------------------------------------------------------------------------
# The request and its context


@dataclass(frozen=True)
class Request:
    """One API call as the authorizer sees it.

    principal: the caller. This is an IAM user/root/federated-user ARN, an
      assumed-role session ARN, a role ARN (meaning any session of the role),
      a service principal such as "ecs-tasks.amazonaws.com" or a web-identity
      provider, or None for an anonymous caller.
    principal_account: optional. If given, it must agree with the ARN.
    resource_account: needed only when the resource ARN carries no account
      (S3) and a resource-based policy is evaluated.
    context: condition keys. Values are scalars or lists (multivalued keys).
    """

    action: str
    resource: str
    principal: str | None = None
    principal_account: str | None = None
    resource_account: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)


class _Context:
    """Request context with case-insensitive keys. A value is a list or None."""

    def __init__(self, values: Mapping[str, Any]):
        self._values = {}
        for key, value in values.items():
            if value is None:
                continue
            items = sorted(value) if isinstance(value, (set, frozenset)) else _as_list(value)
            if items:
                self._values[key.lower()] = items

    def get(self, key: str) -> list | None:
        return self._values.get(key.lower())


@dataclass(frozen=True)
class _Caller:
    kind: str                      # anonymous | external | user | root | role | federated-user
    name: str | None = None        # ARN or service/provider name as given
    account: str | None = None
    role_name: str | None = None   # role sessions only
    session_arn: str | None = None  # the exact assumed-role ARN, when known
    principal_arn: str | None = None  # what aws:PrincipalArn holds

    @property
    def has_identity_policies(self) -> bool:
        return self.kind not in ("anonymous", "external")


def _parse_caller(principal: str | None, account: str | None) -> _Caller:
    if principal is None:
        return _Caller("anonymous")
    if not principal.startswith("arn:") or re.search(r":(saml|oidc)-provider/", principal):
        return _Caller("external", name=principal)
    m = _IAM_PRINCIPAL_RE.match(principal)
    if not m:
        raise ValueError(f"not a principal ARN: {principal!r}")
    partition, service, acct, rest = m.groups()
    if account is not None and account != acct:
        raise ValueError(f"principal_account {account} disagrees with {principal}")
    if service == "iam" and rest == "root":
        return _Caller("root", principal, acct, principal_arn=principal)
    if service == "iam" and rest.startswith("user/"):
        return _Caller("user", principal, acct, principal_arn=principal)
    if service == "iam" and rest.startswith("role/"):
        return _Caller("role", principal, acct, role_name=rest.rsplit("/", 1)[1],
                       principal_arn=principal)
    session = re.fullmatch(r"assumed-role/([^/]+)/([^/]+)", rest)
    if service == "sts" and session:
        role_arn = f"arn:{partition}:iam::{acct}:role/{session.group(1)}"
        return _Caller("role", principal, acct, role_name=session.group(1),
                       session_arn=principal, principal_arn=role_arn)
    if service == "sts" and rest.startswith("federated-user/"):
        return _Caller("federated-user", principal, acct, principal_arn=principal)
    raise ValueError(f"not a principal ARN: {principal!r}")


def _request_context(req: Request, caller: _Caller, resource_account: str | None) -> _Context:
    implicit: dict[str, Any] = {}
    if caller.principal_arn:
        implicit["aws:PrincipalArn"] = caller.principal_arn
    if caller.account:
        implicit["aws:PrincipalAccount"] = caller.account
    if caller.kind == "user":
        implicit["aws:username"] = caller.name.rsplit("/", 1)[1]
    if resource_account:
        implicit["aws:ResourceAccount"] = resource_account
    merged = {k.lower(): v for k, v in implicit.items()}
    merged.update({k.lower(): v for k, v in req.context.items()})
    return _Context(merged)


def _coerce_request(request: Request | Mapping[str, Any]) -> Request:
    if isinstance(request, Request):
        req = request
    elif isinstance(request, Mapping):
        req = Request(**request)
    else:
        raise TypeError("request must be a Request or a mapping of its fields")
    if not isinstance(req.action, str) or ":" not in req.action:
        raise ValueError(f"request action must look like service:Action, got {req.action!r}")
    if not isinstance(req.resource, str):
        raise ValueError("request resource must be an ARN string")
    return req


# --------------------------------------------------------------------------
# Condition operators


def _policy_string(value: Any) -> str:
    if not isinstance(value, (str, bool, int, float)):
        raise PolicyError(f"condition value {value!r} is not a string")
    return _text(value)


def _policy_bool(value: Any) -> str:
    text = _text(value).lower() if isinstance(value, (str, bool)) else None
    if text not in ("true", "false"):
        raise PolicyError(f"condition value {value!r} is not true or false")
    return text


def _policy_number(value: Any) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError
        return float(value)
    except (TypeError, ValueError):
        raise PolicyError(f"condition value {value!r} is not a number") from None


def _policy_date(value: Any) -> datetime.datetime:
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
        if isinstance(value, str) and value.isdigit():
            return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)
        parsed = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError, OverflowError):
        raise PolicyError(f"condition value {value!r} is not an ISO 8601 date or epoch") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def _policy_network(value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(value, strict=False)
    except (TypeError, ValueError):
        raise PolicyError(f"condition value {value!r} is not an IP address or CIDR") from None


def _policy_arn(value: Any) -> str:
    text = _policy_string(value)
    if not _VARIABLE_RE.search(text) and (not text.startswith("arn:") or text.count(":") < 5):
        raise PolicyError(f"condition value {value!r} is not shaped like an ARN")
    return text


def _policy_base64(value: Any) -> str:
    text = _policy_string(value)
    try:
        base64.b64decode(text, validate=True)
    except ValueError:
        raise PolicyError(f"condition value {value!r} is not base64") from None
    return text


def _tolerant(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A context-side parser: a value that does not parse matches nothing."""
    def parse_or_none(value):
        try:
            return parse(value)
        except PolicyError:
            return None
    return parse_or_none


_context_number = _tolerant(_policy_number)
_context_date = _tolerant(_policy_date)


def _string_equals(actual, expected, ctx, fold=False):
    pattern = _expand(_policy_string(expected), ctx)
    if pattern is None:
        return False
    want = "".join(c for c, _ in pattern)
    have = _text(actual)
    return have.lower() == want.lower() if fold else have == want


def _string_like(actual, expected, ctx):
    pattern = _expand(_policy_string(expected), ctx)
    return pattern is not None and bool(_wildcard_regex(pattern, "plain").fullmatch(_text(actual)))


def _arn_like(actual, expected, ctx):
    pattern = _expand(_policy_arn(expected), ctx)
    return pattern is not None and bool(_wildcard_regex(pattern, "arn").fullmatch(_text(actual)))


def _compare(parse_policy, parse_context, cmp):
    def matcher(actual, expected, ctx):
        want = parse_policy(expected)
        have = parse_context(actual)
        return have is not None and cmp(have, want)
    return matcher


def _bool_equals(actual, expected, ctx):
    want = _policy_bool(expected)
    return isinstance(actual, (str, bool)) and _text(actual).lower() == want


def _binary_equals(actual, expected, ctx):
    have = base64.b64encode(actual).decode() if isinstance(actual, bytes) else _text(actual)
    return have == _policy_base64(expected)


def _ip_in(actual, expected, ctx):
    network = _policy_network(expected)
    try:
        return ipaddress.ip_address(_text(actual)) in network
    except ValueError:
        return False


# Positive base operators: (matcher, policy-value parser used by lint()).
# The negated operators and their positive forms are listed in _NEGATED; the
# two tables change together.
_BASE_OPERATORS: dict[str, tuple[Callable, Callable]] = {
    "StringEquals": (_string_equals, _policy_string),
    "StringEqualsIgnoreCase": (lambda a, e, c: _string_equals(a, e, c, fold=True), _policy_string),
    "StringLike": (_string_like, _policy_string),
    "NumericEquals": (_compare(_policy_number, _context_number, operator.eq), _policy_number),
    "NumericLessThan": (_compare(_policy_number, _context_number, operator.lt), _policy_number),
    "NumericLessThanEquals": (_compare(_policy_number, _context_number, operator.le), _policy_number),
    "NumericGreaterThan": (_compare(_policy_number, _context_number, operator.gt), _policy_number),
    "NumericGreaterThanEquals": (_compare(_policy_number, _context_number, operator.ge), _policy_number),
    "DateEquals": (_compare(_policy_date, _context_date, operator.eq), _policy_date),
    "DateLessThan": (_compare(_policy_date, _context_date, operator.lt), _policy_date),
    "DateLessThanEquals": (_compare(_policy_date, _context_date, operator.le), _policy_date),
    "DateGreaterThan": (_compare(_policy_date, _context_date, operator.gt), _policy_date),
    "DateGreaterThanEquals": (_compare(_policy_date, _context_date, operator.ge), _policy_date),
    "Bool": (_bool_equals, _policy_bool),
    "BinaryEquals": (_binary_equals, _policy_base64),
    "IpAddress": (_ip_in, _policy_network),
    "ArnEquals": (_arn_like, _policy_arn),
    "ArnLike": (_arn_like, _policy_arn),
    "Null": (None, _policy_bool),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


@dataclass(frozen=True)
class _Operator:
    set_op: str | None   # "ForAnyValue" | "ForAllValues" | None
    base: str            # positive base operator name
    negated: bool
    if_exists: bool

    @property
    def matcher(self) -> Callable:
        return _BASE_OPERATORS[self.base][0]

    @property
    def parse_value(self) -> Callable:
        return _BASE_OPERATORS[self.base][1]


def _parse_operator(name: str) -> _Operator:
    if not isinstance(name, str):
        raise PolicyError(f"condition operator {name!r} is not a string")
    rest, set_op = name, None
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        if rest.startswith(prefix):
            set_op, rest = prefix[:-1], rest[len(prefix):]
            break
    if_exists = rest.endswith("IfExists")
    if if_exists:
        rest = rest[:-len("IfExists")]
    if rest == "Null" and if_exists:
        raise PolicyError("the Null operator takes no IfExists suffix")
    base = _NEGATED.get(rest, rest)
    if base not in _BASE_OPERATORS:
        raise PolicyError(f"unknown condition operator {name!r}")
    return _Operator(set_op, base, rest in _NEGATED, if_exists)


def _key_holds(op: _Operator, key: str, expected: Any, ctx: _Context) -> bool:
    expected = _as_list(expected)
    values = ctx.get(key)
    if op.base == "Null":
        want = "true" if values is None else "false"
        return any(_policy_bool(e) == want for e in expected)
    if values is None:
        if op.if_exists or op.set_op == "ForAllValues":
            return True
        if op.set_op == "ForAnyValue":
            return False
        return op.negated

    def satisfies(value) -> bool:
        hit = any(op.matcher(value, e, ctx) for e in expected)
        return not hit if op.negated else hit

    if op.set_op == "ForAllValues":
        return all(satisfies(v) for v in values)
    if op.set_op == "ForAnyValue":
        return any(satisfies(v) for v in values)
    hit = any(op.matcher(v, e, ctx) for v in values for e in expected)
    return not hit if op.negated else hit


def _condition_holds(condition: Any, ctx: _Context) -> bool:
    if condition is None:
        return True
    if not isinstance(condition, Mapping):
        raise PolicyError("Condition must be an object")
    for op_name, block in condition.items():
        op = _parse_operator(op_name)
        if not isinstance(block, Mapping):
            raise PolicyError(f"Condition {op_name} must map keys to values")
        for key, expected in block.items():
            if not _key_holds(op, key, expected, ctx):
                return False
    return True


# --------------------------------------------------------------------------
# Principals

_NO_MATCH, _ACCOUNT_MATCH, _DIRECT_MATCH = 0, 1, 2


def _entry_match(ptype: str, value: Any, caller: _Caller, strict: bool) -> int:
    """How one Principal entry matches the caller.

    strict is True for NotPrincipal. There a role ARN does not cover the
    role's sessions.
    """
    if not isinstance(value, str):
        raise PolicyError(f"principal {value!r} is not a string")
    if ptype == "AWS":
        if value == "*":
            return _DIRECT_MATCH
        if not caller.has_identity_policies:
            return _NO_MATCH
        if _ACCOUNT_ID_RE.match(value):
            return _ACCOUNT_MATCH if value == caller.account else _NO_MATCH
        m = _IAM_PRINCIPAL_RE.match(value)
        if not m:
            return _NO_MATCH
        _, service, account, rest = m.groups()
        if service == "iam" and rest == "root":
            return _ACCOUNT_MATCH if account == caller.account else _NO_MATCH
        if caller.kind == "role":
            if value == caller.session_arn:
                return _DIRECT_MATCH
            same_role = (service == "iam" and rest.startswith("role/")
                         and account == caller.account
                         and rest.rsplit("/", 1)[1] == caller.role_name)
            return _DIRECT_MATCH if same_role and not strict else _NO_MATCH
        return _DIRECT_MATCH if value == caller.name else _NO_MATCH
    if ptype in ("Service", "Federated"):
        return _DIRECT_MATCH if caller.kind == "external" and value == caller.name else _NO_MATCH
    if ptype == "CanonicalUser":
        return _NO_MATCH
    raise PolicyError(f"unknown principal type {ptype!r}")


def _principal_match(element: Any, caller: _Caller, strict: bool = False) -> int:
    if element == "*":
        return _DIRECT_MATCH
    if not isinstance(element, Mapping):
        raise PolicyError(f"Principal {element!r} must be \"*\" or an object")
    return max((_entry_match(ptype, v, caller, strict)
                for ptype, values in element.items() for v in _as_list(values)),
               default=_NO_MATCH)


# --------------------------------------------------------------------------
# Statements and decisions


def _statements(doc: Any) -> list[Mapping]:
    doc = _load(doc)
    if not isinstance(doc, Mapping):
        raise PolicyError("a policy document must be a JSON object")
    statements = doc.get("Statement")
    if isinstance(statements, Mapping):
        return [statements]
    if isinstance(statements, list) and all(isinstance(s, Mapping) for s in statements):
        return statements
    raise PolicyError("Statement must be an object or a list of objects")


def _one_of(statement: Mapping, positive: str, negative: str) -> tuple[list, bool] | None:
    """(patterns, negated) for an Action/NotAction-style pair, or None if absent."""
    if positive in statement and negative in statement:
        raise PolicyError(f"a statement cannot have both {positive} and {negative}")
    if positive in statement:
        return _as_list(statement[positive]), False
    if negative in statement:
        return _as_list(statement[negative]), True
    return None


def _applies(statement: Mapping, kind: str, req: Request, caller: _Caller,
             ctx: _Context) -> tuple[str, int] | None:
    """(effect, principal match) if the statement applies to the request."""
    effect = statement.get("Effect")
    if effect not in (ALLOW, "Deny"):
        raise PolicyError(f"Effect must be Allow or Deny, got {effect!r}")

    actions = _one_of(statement, "Action", "NotAction")
    if actions is None:
        raise PolicyError("a statement needs Action or NotAction")
    patterns, negated = actions
    if any(_action_matches(p, req.action) for p in patterns) == negated:
        return None

    resources = _one_of(statement, "Resource", "NotResource")
    if resources is None and kind == "identity":
        raise PolicyError("an identity policy statement needs Resource or NotResource")
    if resources is not None:
        patterns, negated = resources
        if any(_resource_matches(p, req.resource, ctx) for p in patterns) == negated:
            return None

    if kind == "identity":
        if "Principal" in statement or "NotPrincipal" in statement:
            raise PolicyError("identity policies cannot name a Principal")
        match = _DIRECT_MATCH
    elif "Principal" in statement and "NotPrincipal" in statement:
        raise PolicyError("a statement cannot have both Principal and NotPrincipal")
    elif "Principal" in statement:
        match = _principal_match(statement["Principal"], caller)
    elif "NotPrincipal" in statement:
        excluded = _principal_match(statement["NotPrincipal"], caller, strict=True)
        match = _NO_MATCH if excluded else _DIRECT_MATCH
    else:
        raise PolicyError(f"a {kind} policy statement needs Principal or NotPrincipal")
    if match == _NO_MATCH:
        return None

    if not _condition_holds(statement.get("Condition"), ctx):
        return None
    return effect, match


def evaluate(request: Request | Mapping[str, Any],
             identity_policies: Iterable[Any] = (),
             resource_policy: Any = None,
             trust_policy: Any = None) -> str:
    """Decide a request: ALLOW, EXPLICIT_DENY or IMPLICIT_DENY.

    identity_policies: the documents attached to the caller (dicts or JSON).
    resource_policy: the resource-based policy of the resource, if any.
    trust_policy: the trust policy, when the resource is a role and the
      action is sts:AssumeRole or similar. Give at most one of the two.
    """
    req = _coerce_request(request)
    if resource_policy is not None and trust_policy is not None:
        raise ValueError("give either resource_policy or trust_policy, not both")
    identity_policies = list(identity_policies)
    caller = _parse_caller(req.principal, req.principal_account)
    if identity_policies and not caller.has_identity_policies:
        raise ValueError(f"{req.principal or 'an anonymous caller'} has no identity policies")
    resource_account = req.resource_account or _arn_account(req.resource)
    ctx = _request_context(req, caller, resource_account)

    attached_kind = "trust" if trust_policy is not None else "resource"
    attached_doc = trust_policy if trust_policy is not None else resource_policy

    identity_hits = [hit for doc in identity_policies for st in _statements(doc)
                     if (hit := _applies(st, "identity", req, caller, ctx))]
    attached_hits = [] if attached_doc is None else [
        hit for st in _statements(attached_doc)
        if (hit := _applies(st, attached_kind, req, caller, ctx))]

    if any(effect == "Deny" for effect, _ in identity_hits + attached_hits):
        return EXPLICIT_DENY
    identity_allows = bool(identity_hits)
    granted = max((match for _, match in attached_hits), default=_NO_MATCH)

    if not caller.has_identity_policies:
        allowed = granted != _NO_MATCH
    elif attached_doc is None:
        same_account = resource_account in (None, caller.account)
        allowed = identity_allows and same_account
    elif resource_account is None:
        raise ValueError(f"cannot tell which account owns {req.resource}; pass resource_account")
    elif resource_account != caller.account:
        allowed = identity_allows and granted != _NO_MATCH
    elif granted == _DIRECT_MATCH:
        allowed = True
    elif attached_kind == "trust":
        allowed = identity_allows and granted == _ACCOUNT_MATCH
    else:
        allowed = identity_allows
    return ALLOW if allowed else IMPLICIT_DENY


def is_allowed(request: Request | Mapping[str, Any], identity_policies: Iterable[Any] = (),
               resource_policy: Any = None, trust_policy: Any = None) -> bool:
    """evaluate() == ALLOW."""
    return evaluate(request, identity_policies, resource_policy, trust_policy) == ALLOW


def assume_role_decision(principal_arn: str, role_arn: str, trust_policy: Any,
                         principal_identity_policies: Iterable[Any],
                         context: Mapping[str, Any] | None = None,
                         action: str = "sts:AssumeRole") -> str:
    """Decide whether principal_arn may assume role_arn.

    The two halves of an assume-role are the role's trust policy (in the
    role's account) and the caller's identity policies (in the caller's
    account). Across accounts both must allow it. Within one account a trust
    policy that names the caller directly is enough.
    """
    if trust_policy is None:
        raise ValueError("a role always has a trust policy")
    request = Request(action=action, resource=role_arn, principal=principal_arn,
                      context=dict(context or {}))
    return evaluate(request, principal_identity_policies, trust_policy=trust_policy)


def can_assume(principal_arn: str, role_arn: str, trust_policy: Any,
               principal_identity_policies: Iterable[Any],
               context: Mapping[str, Any] | None = None,
               action: str = "sts:AssumeRole") -> bool:
    """assume_role_decision() == ALLOW."""
    return assume_role_decision(principal_arn, role_arn, trust_policy,
                                principal_identity_policies, context, action) == ALLOW


# --------------------------------------------------------------------------
# Grammar check


def arn_problems(arn: Any) -> list[str]:
    """Problems with a resource ARN as IAM would parse it ([] if well-formed).

    The layout is arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE. Wildcards may
    appear in the region, account and resource parts. Policy variables count
    as wildcards.
    """
    if not isinstance(arn, str):
        return [f"{arn!r} is not a string"]
    if arn == "*":
        return []
    parts = _VARIABLE_RE.sub("*", arn).split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return [f"{arn!r} is not shaped arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE"]
    _, partition, service, region, account, resource = parts
    problems = []
    if partition not in PARTITIONS:
        problems.append(f"{arn!r}: partition {partition!r} is not one of {', '.join(PARTITIONS)}")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", service):
        problems.append(f"{arn!r}: service {service!r} is not a service prefix (no wildcards)")
    wild = re.compile(r"[*?]")
    if service in GLOBAL_SERVICES and region:
        problems.append(f"{arn!r}: {service} ARNs have no region")
    elif service in REGION_REQUIRED and not region:
        problems.append(f"{arn!r}: {service} ARNs need a region")
    elif region and not (re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d+", region)
                         or (wild.search(region) and re.fullmatch(r"[a-z0-9*?-]+", region))):
        problems.append(f"{arn!r}: region {region!r} is not a region name")
    if service == "s3" and not region and account:
        problems.append(f"{arn!r}: S3 bucket and object ARNs have no account")
    elif service == "s3" and region and not account:
        problems.append(f"{arn!r}: S3 access point ARNs need an account")
    if account == "aws":
        if service != "iam" or not resource.startswith("policy/"):
            problems.append(f"{arn!r}: account 'aws' is only for AWS managed policies")
    elif account and not (_ACCOUNT_ID_RE.match(account)
                          or (wild.search(account) and re.fullmatch(r"[0-9*?]+", account))):
        problems.append(f"{arn!r}: account {account!r} is not 12 digits")
    elif not account and service in ACCOUNT_REQUIRED:
        problems.append(f"{arn!r}: {service} ARNs need an account")
    if not resource:
        problems.append(f"{arn!r}: the resource part is empty")
    return problems


def _strings(where: str, value: Any) -> tuple[list[str], list[str]]:
    """A string-or-list-of-strings element: (items, problems)."""
    if isinstance(value, str):
        return [value], []
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value, []
    return [], [f"{where}: must be a string or a non-empty list of strings"]


def _lint_actions(where: str, value: Any, kind: str) -> list[str]:
    actions, problems = _strings(where, value)
    for action in actions:
        m = _ACTION_RE.match(action)
        if action != "*" and not m:
            problems.append(f"{where}: {action!r} is not shaped service:Action")
        elif kind == "trust" and not (m and m.group(1).lower() == "sts"
                                      and any(_action_matches(action, a) for a in TRUST_ACTIONS)):
            problems.append(f"{where}: {action!r} cannot appear in a trust policy "
                            f"(only {', '.join(TRUST_ACTIONS)})")
    return problems


def _lint_resources(where: str, value: Any) -> list[str]:
    resources, problems = _strings(where, value)
    for resource in resources:
        problems += [f"{where}: {p}" for p in arn_problems(resource)]
    return problems


def _lint_principal_entry(where: str, ptype: str, value: str) -> list[str]:
    if ptype == "AWS":
        if value == "*" or _ACCOUNT_ID_RE.match(value) or _PRINCIPAL_ARN_RE.match(value):
            return []
        if "*" in value or "?" in value:
            return [f"{where}: {value!r}: principals take no partial wildcards "
                    "(use \"*\" with a condition on aws:PrincipalArn)"]
        return [f"{where}: {value!r} is not an account ID or an IAM user, role, "
                "root or session ARN"]
    if ptype == "Service":
        ok = _SERVICE_PRINCIPAL_RE.match(value)
        return [] if ok else [f"{where}: {value!r} is not a service principal like ecs-tasks.amazonaws.com"]
    if ptype == "Federated":
        if value.startswith("arn:"):
            ok = re.match(r"^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:(saml-provider|oidc-provider)/.+$", value)
            return [] if ok else [f"{where}: {value!r} is not a SAML or OIDC provider ARN"]
        return [] if value else [f"{where}: empty federated principal"]
    if ptype == "CanonicalUser":
        ok = re.fullmatch(r"[0-9a-f]{64}", value)
        return [] if ok else [f"{where}: {value!r} is not a canonical user ID"]
    return [f"{where}: unknown principal type {ptype!r} (AWS, Service, Federated, CanonicalUser)"]


def _lint_principal(where: str, value: Any) -> list[str]:
    if value == "*":
        return []
    if not isinstance(value, Mapping) or not value:
        return [f"{where}: must be \"*\" or an object such as {{\"AWS\": ...}}"]
    problems = []
    for ptype, entries in value.items():
        items, bad = _strings(f"{where}.{ptype}", entries)
        problems += bad
        for item in items:
            problems += _lint_principal_entry(f"{where}.{ptype}", ptype, item)
    return problems


def _lint_condition(where: str, condition: Any) -> list[str]:
    if not isinstance(condition, Mapping) or not condition:
        return [f"{where}: must be a non-empty object {{Operator: {{Key: value}}}}"]
    problems = []
    for op_name, block in condition.items():
        here = f"{where}.{op_name}"
        try:
            op = _parse_operator(op_name)
        except PolicyError as e:
            problems.append(f"{here}: {e}")
            continue
        if not isinstance(block, Mapping) or not block:
            problems.append(f"{here}: must be a non-empty object {{Key: value-or-list}}")
            continue
        for key, values in block.items():
            if not _CONDITION_KEY_RE.match(key):
                problems.append(f"{here}: key {key!r} is not shaped prefix:name")
            if isinstance(values, list) and not values:
                problems.append(f"{here}.{key}: empty list of values")
            for value in _as_list(values):
                if not isinstance(value, (str, bool, int, float)):
                    problems.append(f"{here}.{key}: {value!r} is not a scalar")
                    continue
                try:
                    op.parse_value(value)
                except PolicyError as e:
                    problems.append(f"{here}.{key}: {e}")
    return problems


def _lint_statement(where: str, st: Any, kind: str, sids: set[str]) -> list[str]:
    if not isinstance(st, Mapping):
        return [f"{where}: must be an object"]
    problems = [f"{where}: unknown element {key!r}" for key in st if key not in STATEMENT_KEYS]

    if "Sid" in st:
        sid = st["Sid"]
        if not isinstance(sid, str) or not _SID_RE.match(sid):
            problems.append(f"{where}.Sid: {sid!r} must be letters and digits only")
        elif sid in sids:
            problems.append(f"{where}.Sid: {sid!r} is not unique in the document")
        else:
            sids.add(sid)

    if st.get("Effect") not in (ALLOW, "Deny"):
        problems.append(f"{where}.Effect: must be \"Allow\" or \"Deny\", got {st.get('Effect')!r}")

    def exactly_one(a: str, b: str, required: bool) -> str | None:
        present = [k for k in (a, b) if k in st]
        if len(present) == 2:
            problems.append(f"{where}: has both {a} and {b}")
        elif not present and required:
            problems.append(f"{where}: needs {a} or {b}")
        return present[0] if len(present) == 1 else None

    action_key = exactly_one("Action", "NotAction", required=True)
    if action_key:
        problems += _lint_actions(f"{where}.{action_key}", st[action_key], kind)
        if kind == "trust" and action_key == "NotAction":
            problems.append(f"{where}: trust policies list their actions with Action")

    if kind == "trust":
        problems += [f"{where}: trust policies have no {k}" for k in ("Resource", "NotResource") if k in st]
    else:
        resource_key = exactly_one("Resource", "NotResource", required=kind == "identity")
        if resource_key:
            problems += _lint_resources(f"{where}.{resource_key}", st[resource_key])

    if kind == "identity":
        problems += [f"{where}: identity policies cannot have {k}"
                     for k in ("Principal", "NotPrincipal") if k in st]
    elif kind == "trust" and "NotPrincipal" in st:
        problems.append(f"{where}: trust policies need Principal; NotPrincipal is not supported")
    else:
        principal_key = exactly_one("Principal", "NotPrincipal", required=True)
        if principal_key:
            problems += _lint_principal(f"{where}.{principal_key}", st[principal_key])

    if "Condition" in st:
        problems += _lint_condition(f"{where}.Condition", st["Condition"])
    return problems


def lint(doc: Any, kind: str) -> list[str]:
    """Grammar problems of a policy document, [] when it is well-formed.

    doc is a dict or JSON text. Duplicate keys are reported only for text,
    since a dict has already lost them. kind is "identity" (attached to a user
    or role), "resource" (attached to a resource, names a Principal) or
    "trust" (a role's assume-role policy: Principal, no Resource, sts
    actions only).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    problems: list[str] = []
    if isinstance(doc, (str, bytes)):
        def no_duplicates(pairs):
            keys = [k for k, _ in pairs]
            problems.extend(f"duplicate key {k!r}" for k in sorted({k for k in keys if keys.count(k) > 1}))
            return dict(pairs)
        try:
            doc = json.loads(doc, object_pairs_hook=no_duplicates)
        except json.JSONDecodeError as e:
            return [f"not valid JSON: {e}"]
    if not isinstance(doc, Mapping):
        return problems + ["a policy document must be a JSON object"]

    problems += [f"unknown top-level element {key!r}" for key in doc if key not in TOP_LEVEL_KEYS]
    if doc.get("Version") != POLICY_VERSION:
        problems.append(f"Version must be \"{POLICY_VERSION}\", got {doc.get('Version')!r}")
    if "Id" in doc and not isinstance(doc["Id"], str):
        problems.append("Id must be a string")

    statements = doc.get("Statement")
    if isinstance(statements, Mapping):
        labelled = [("Statement", statements)]
    elif isinstance(statements, list) and statements:
        labelled = [(f"Statement[{i}]", st) for i, st in enumerate(statements)]
    else:
        problems.append("Statement must be an object or a non-empty list of objects")
        labelled = []
    sids: set[str] = set()
    for where, st in labelled:
        problems += _lint_statement(where, st, kind, sids)
    return problems
