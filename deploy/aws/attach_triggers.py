#!/usr/bin/env python3
"""Attach Handoff's trigger function to an EXISTING Cognito user pool, changing nothing else.

    attach_triggers.py --pool-id eu-west-1_AbC123 --function-arn arn:aws:lambda:eu-west-1:123456789012:function:handoff-triggers \\
        --region eu-west-1 [--web-client-id ID] [--dry-run] [--force] [--endpoint-url http://127.0.0.1:4566]

Cognito's UpdateUserPool and UpdateUserPoolClient RESET every setting the request omits to its default (MFA,
password policy, email and SMS configuration, other triggers, ...). So this script reads the pool with
DescribeUserPool, carries every setting UpdateUserPool accepts over into the request, and changes only the three
custom-auth triggers (DefineAuthChallenge, CreateAuthChallenge, VerifyAuthChallengeResponse). The list of accepted
settings is read at run time from botocore's model of UpdateUserPool's input, so it cannot drift from the API.

Settings DescribeUserPool returns under another name:  Id -> UserPoolId,  Name -> PoolName.
Settings it returns that UpdateUserPool does not take are dropped and listed (read-only ones such as Arn, Status,
CreationDate, EstimatedNumberOfUsers, Domain, and ones fixed at creation such as SchemaAttributes, UsernameAttributes,
AliasAttributes, UsernameConfiguration). AdminCreateUserConfig.UnusedAccountValidityDays is dropped when
Policies.PasswordPolicy.TemporaryPasswordValidityDays is set: it is its deprecated alias and Cognito refuses both.

With --web-client-id, the web app's client is also given ALLOW_CUSTOM_AUTH and ALLOW_REFRESH_TOKEN_AUTH the same
way (DescribeUserPoolClient, every setting carried over, only ExplicitAuthFlows extended).

A trigger already set to ANOTHER function is not overwritten without --force. --dry-run prints what would change
and calls nothing but the Describe operations. Credentials come from the usual AWS chain (env, profile, role).
Exit status: 0 done (or nothing to do), 1 error or refusal.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from typing import Any

# The triggers Handoff's one `bootstrap` serves.
TRIGGERS = ("DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse")
# UpdateUserPool input member -> the DescribeUserPool (UserPoolType) member holding its value.
POOL_RENAMED = {"UserPoolId": "Id", "PoolName": "Name"}
# The web client's flows for the landing page.
WEB_FLOWS = ("ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
# Pre-2019 flow names: Cognito refuses a list that mixes them with ALLOW_* names.
LEGACY_FLOWS = {"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"}
FUNCTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:lambda:(?P<region>[a-z]{2}(-[a-z]+)+-\d):(?P<account>\d{12}):function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$"
)
POOL_ID = re.compile(r"^(?P<region>[a-z]{2}(-[a-z]+)+-\d)_[0-9A-Za-z]+$")

MISSING = object()


class Refusal(Exception):
    """The script will not make this change (a clear message for the operator)."""


# --- pure part: Describe output -> Update request -------------------------------------------------------------------


def fit(value: Any, shape: Any, path: str, dropped: list[str]) -> Any:
    """`value` reduced to what `shape` (a botocore input shape) accepts; what does not fit is named in `dropped`.

    Nulls, empty structures and strings shorter than the shape allows are dropped too (an emulator may return
    `"SmsConfiguration": {}` or `"DefaultRedirectURI": ""`, which botocore refuses as input; omitting them means
    the same: not configured).
    """
    if value is None:
        dropped.append(f"{path} (null)")
        return MISSING
    kind = shape.type_name
    if kind == "string" and isinstance(value, str) and len(value) < shape.metadata.get("min", 0):
        dropped.append(f"{path} (empty)")
        return MISSING
    if kind == "structure":
        if not isinstance(value, dict):
            raise Refusal(f"{path}: expected an object, DescribeUserPool gave {value!r}")
        out = {}
        for key, v in value.items():
            if key not in shape.members:
                dropped.append(f"{path}.{key}")
                continue
            fitted = fit(v, shape.members[key], f"{path}.{key}", dropped)
            if fitted is not MISSING:
                out[key] = fitted
        if not out:
            dropped.append(f"{path} (empty)")
            return MISSING
        return out
    if kind == "list":
        items = [fit(v, shape.member, f"{path}[{i}]", dropped) for i, v in enumerate(value)]
        return [v for v in items if v is not MISSING]
    if kind == "map":
        return {k: v for k, v in value.items() if v is not None}
    return value


def carry_over(items: dict, input_shape: Any, renamed: dict[str, str]) -> tuple[dict, list[str]]:
    """Every member of `input_shape` found in `items` (under its own name or `renamed[name]`), fitted to the
    shape; and the names of what could not be carried."""
    request: dict[str, Any] = {}
    dropped: list[str] = []
    used = set()
    for member, shape in input_shape.members.items():
        source = renamed.get(member, member)
        if source not in items:
            continue
        used.add(source)
        value = fit(items[source], shape, member, dropped)
        if value is not MISSING:
            request[member] = value
    dropped.extend(sorted(k for k in items if k not in used))
    return request, dropped


def pool_settings(pool: dict, input_shape: Any) -> tuple[dict, list[str], list[str]]:
    """The UpdateUserPool request that changes nothing: every setting of `pool` (a DescribeUserPool `UserPool`)
    that UpdateUserPool takes. Returns (request, dropped, notes)."""
    request, dropped = carry_over(copy.deepcopy(pool), input_shape, POOL_RENAMED)
    notes: list[str] = []
    if "UserPoolId" not in request:
        raise Refusal("DescribeUserPool gave no Id")
    temp_days = ((request.get("Policies") or {}).get("PasswordPolicy") or {}).get("TemporaryPasswordValidityDays")
    admin = request.get("AdminCreateUserConfig") or {}
    if temp_days is not None and "UnusedAccountValidityDays" in admin:
        del admin["UnusedAccountValidityDays"]
        notes.append(
            "AdminCreateUserConfig.UnusedAccountValidityDays left out: it is the deprecated alias of "
            f"Policies.PasswordPolicy.TemporaryPasswordValidityDays ({temp_days}), and Cognito refuses both"
        )
    return request, dropped, notes


def pool_update_request(
    pool: dict, function_arn: str, input_shape: Any, force: bool = False
) -> tuple[dict, list[str], list[str]]:
    """The UpdateUserPool request that keeps every setting of `pool` (a DescribeUserPool `UserPool`) and sets the
    three custom-auth triggers to `function_arn`.

    Returns (request, dropped, notes): `dropped` names what DescribeUserPool returned that UpdateUserPool does not
    take, `notes` the adjustments made. Raises Refusal when a trigger already names another function and not `force`.
    """
    request, dropped, notes = pool_settings(pool, input_shape)
    lambda_config = request.setdefault("LambdaConfig", {})
    conflicts = [
        f"{t} is {lambda_config[t]}"
        for t in TRIGGERS
        if lambda_config.get(t) and lambda_config[t] != function_arn
    ]
    if conflicts and not force:
        raise Refusal(
            "the pool already has other custom-auth triggers: "
            + "; ".join(conflicts)
            + f". Handoff needs all three on {function_arn}; rerun with --force to replace them"
        )
    for t in conflicts:
        notes.append(f"--force: replacing {t}")
    for t in TRIGGERS:
        lambda_config[t] = function_arn
    return request, dropped, notes


def client_update_request(client: dict, input_shape: Any) -> tuple[dict, list[str], list[str]]:
    """The UpdateUserPoolClient request that keeps every setting of `client` (DescribeUserPoolClient's
    `UserPoolClient`) and adds ALLOW_CUSTOM_AUTH and ALLOW_REFRESH_TOKEN_AUTH to its flows.

    Returns (request, dropped, warnings).
    """
    request, dropped = carry_over(copy.deepcopy(client), input_shape, {})
    warnings: list[str] = []
    flows = list(request.get("ExplicitAuthFlows") or [])
    legacy = sorted(set(flows) & LEGACY_FLOWS)
    if legacy:
        raise Refusal(
            f"client {client.get('ClientId')} uses legacy flow names {legacy}, which Cognito will not mix with "
            "ALLOW_* names: change them to their ALLOW_* equivalents first"
        )
    for flow in WEB_FLOWS:
        if flow not in flows:
            flows.append(flow)
    request["ExplicitAuthFlows"] = flows
    if client.get("ClientSecret"):
        warnings.append("the client has a secret: a browser cannot sign in with it (the landing page needs a public client)")
    if request.get("PreventUserExistenceErrors") != "ENABLED":
        warnings.append("PreventUserExistenceErrors is not ENABLED: unknown usernames are told apart from known ones")
    risky = sorted(set(flows) & {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_AUTH"})
    if risky:
        warnings.append(f"the web client also allows {risky}: a dedicated CUSTOM_AUTH-only client is safer")
    return request, dropped, warnings


def diff(before: Any, after: Any, path: str = "") -> list[str]:
    """Lines `path: old -> new` for every leaf that differs (both sides as given, JSON-shown)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in list(before) + [k for k in after if k not in before]:
            out += diff(before.get(key, MISSING), after.get(key, MISSING), f"{path}.{key}" if path else key)
        return out
    if before == after:
        return []

    def show(v: Any) -> str:
        return "(unset)" if v is MISSING else json.dumps(v, default=str)

    return [f"{path}: {show(before)} -> {show(after)}"]


# --- I/O part -------------------------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Attach Handoff's Define/Create/Verify triggers to an existing Cognito user pool, "
        "carrying every other setting over (UpdateUserPool resets what it is not given)."
    )
    p.add_argument("--pool-id", required=True, help="the user pool id, e.g. eu-west-1_AbC123")
    p.add_argument("--function-arn", required=True, help="the trigger function's ARN (the stack's FunctionArn output)")
    p.add_argument("--region", required=True, help="the pool's region")
    p.add_argument("--endpoint-url", help="a Cognito endpoint other than AWS's (a local emulator)")
    p.add_argument("--web-client-id", help="also allow ALLOW_CUSTOM_AUTH + ALLOW_REFRESH_TOKEN_AUTH on this client")
    p.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    p.add_argument("--force", action="store_true", help="replace custom-auth triggers that name another function")
    args = p.parse_args(argv)
    m = POOL_ID.match(args.pool_id)
    if not m:
        p.error(f"--pool-id {args.pool_id!r} is not a user pool id (REGION_ID, e.g. eu-west-1_AbC123)")
    if m.group("region") != args.region:
        p.error(f"--pool-id {args.pool_id} is in {m.group('region')}, not --region {args.region}")
    f = FUNCTION_ARN.match(args.function_arn)
    if not f:
        p.error(f"--function-arn {args.function_arn!r} is not a Lambda function ARN")
    if f.group("region") != args.region:
        p.error(f"the function is in {f.group('region')}: Cognito invokes triggers in the pool's region {args.region}")
    return args


def client_for(args: argparse.Namespace) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "cognito-idp",
        region_name=args.region,
        endpoint_url=args.endpoint_url,
        config=Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=5, read_timeout=30),
    )


def run(args: argparse.Namespace, cognito: Any, out: Any = sys.stdout) -> int:
    """Attaches the triggers with `cognito` (a boto3 cognito-idp client); returns the exit status."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.validate import ParamValidator

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    model = cognito.meta.service_model
    verb = "would" if args.dry_run else "will"
    try:
        pool = cognito.describe_user_pool(UserPoolId=args.pool_id)["UserPool"]
        shape = model.operation_model("UpdateUserPool").input_shape
        cshape = model.operation_model("UpdateUserPoolClient").input_shape
        request, dropped, notes = pool_update_request(pool, args.function_arn, shape, force=args.force)
        current, _, _ = pool_settings(pool, shape)
        changes = diff(current, request)
        say(f"attach: user pool {args.pool_id} ({pool.get('Name')}): {len(request) - 1} settings carried over")
        for n in notes:
            say(f"attach: note: {n}")
        if dropped:
            say("attach: not settable through UpdateUserPool, left as they are: " + ", ".join(dropped))
        if changes:
            say(f"attach: user pool {args.pool_id}: {verb} change")
            for line in changes:
                say(f"  {line}")
        else:
            say(f"attach: user pool {args.pool_id}: the triggers already name {args.function_arn}")
        client_request = None
        if args.web_client_id:
            c = cognito.describe_user_pool_client(UserPoolId=args.pool_id, ClientId=args.web_client_id)
            c = c["UserPoolClient"]
            client_request, _, warnings = client_update_request(c, cshape)
            client_current, _ = carry_over(c, cshape, {})
            client_changes = diff(client_current, client_request)
            for w in warnings:
                say(f"attach: warning: web client {args.web_client_id}: {w}")
            if client_changes:
                say(f"attach: web client {args.web_client_id}: {verb} change")
                for line in client_changes:
                    say(f"  {line}")
            else:
                say(f"attach: web client {args.web_client_id}: already allows {', '.join(WEB_FLOWS)}")
                client_request = None
        # Both requests are checked against the API model before either is sent: no half-done change.
        problems = ParamValidator().validate(request, shape)
        if problems.has_errors():
            raise Refusal("the UpdateUserPool request would be refused: " + problems.generate_report())
        if client_request is not None:
            problems = ParamValidator().validate(client_request, cshape)
            if problems.has_errors():
                raise Refusal("the UpdateUserPoolClient request would be refused: " + problems.generate_report())
        if args.dry_run:
            say("attach: dry run, nothing changed")
            return 0
        if changes:
            cognito.update_user_pool(**request)
            say(f"attach: user pool {args.pool_id} updated")
        if client_request is not None:
            cognito.update_user_pool_client(**client_request)
            say(f"attach: web client {args.web_client_id} updated")
        if changes:
            say(
                "attach: Cognito must be allowed to invoke the function: the stack's CognitoInvokePermission does "
                "that (principal cognito-idp.amazonaws.com, SourceArn = this pool)"
            )
        return 0
    except Refusal as e:
        say(f"attach: refused: {e}")
        return 1
    except ClientError as e:
        err = e.response.get("Error", {})
        say(f"attach: {e.operation_name} failed: {err.get('Code')}: {err.get('Message')}")
        return 1
    except BotoCoreError as e:
        say(f"attach: AWS call failed: {e}")
        return 1


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    return run(args, client_for(args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
