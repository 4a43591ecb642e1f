#!/usr/bin/env python3
"""Offline checks of deploy/aws/template.yaml (run with .tools/venv/bin/python).

1. Translates the SAM template with aws-sam-translator, as `sam deploy` has CloudFormation do, after replacing the
   local CodeUri with an s3:// placeholder (what `sam package` does after uploading the zip).
2. Lints the result with cfn-lint (errors, warnings and informational findings): none may remain except the
   checks the template suppresses in `Metadata: cfn-lint: config: ignore_checks`, each with a comment saying why.
3. Asserts what the design needs on the translated template, for both ways of deploying it (a new pool, and
   ExistingUserPoolId), by evaluating its Conditions, Rules and intrinsic functions with concrete parameters.
4. Plants known mistakes, one per copy of the template, and requires each to be caught by 2 or 3.

Prints one line per check (`ok NAME` / `FAIL NAME: why`) and ends with `N passed, M failed`; exits 1 on any
failure.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TEMPLATE = HERE / "template.yaml"

# samtranslator asks boto3 for a region to fill AWS::Region; nothing here talks to AWS.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
for _var in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
    os.environ.pop(_var, None)

try:
    import cfnlint.api
    from cfnlint.decode import cfn_yaml
    from samtranslator.translator.transform import transform
except ImportError as e:  # pragma: no cover - environment problem, said clearly
    print(f"FAIL imports: {e} (run with .tools/venv/bin/python after `cargo xtask setup`)")
    print("0 passed, 1 failed")
    sys.exit(1)

# samtranslator warns at exit about usage metrics it keeps for AWS's own service; nothing is published here.
logging.getLogger("samtranslator.metrics").setLevel(logging.ERROR)

REGION = "us-east-1"
ACCOUNT = "123456789012"
PSEUDO = {
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::Partition": "aws",
    "AWS::StackName": "handoff",
    "AWS::URLSuffix": "amazonaws.com",
}
LINT_REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]
CODE_PLACEHOLDER = "s3://handoff-deploy-placeholder/handoff-triggers.zip"
EDGE = "https://handoff.example.com"
EXISTING_POOL = "eu-west-1_AbCdEf123"
EXISTING_WEB_CLIENTS = "1example23456789abcdefghij,2example23456789abcdefghij"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:handoff-alarms"

# The three Cognito triggers Handoff serves, in the pool's LambdaConfig.
TRIGGERS = ("DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse")
# What an ExistingUserPoolId stack may create: the function and what it needs, nothing of Cognito's.
EXISTING_MODE_TYPES = {
    "AWS::Lambda::Function",
    "AWS::Logs::LogGroup",
    "AWS::IAM::Role",
    "AWS::SecretsManager::Secret",
    "AWS::Lambda::Permission",
    "AWS::CloudWatch::Alarm",
}
# Outputs named after the edge's variables and the landing page's config.
OUTPUTS = {
    "CognitoIssuer": "COGNITO_ISSUER",
    "CognitoJwksUrl": "COGNITO_JWKS_URL",
    "Audiences": "AUDIENCES",
    "MobileClientIds": "MOBILE_CLIENT_IDS",
    "UserPoolId": "userPoolId",
    "WebClientId": "clientId",
    "Region": "region",
    "RedeemSecretArn": "REDEEM_SECRETS",
    "FunctionArn": "--function-arn",
}


class Failure(Exception):
    """A check's finding."""


def need(cond: Any, why: str) -> None:
    if not cond:
        raise Failure(why)


# --- loading, translating, linting ------------------------------------------------------------------------------


def load_sam(text: str) -> dict:
    """The SAM template as plain JSON data (cfn-lint's YAML loader understands the short-form !Tags)."""
    node = cfn_yaml.loads(text)
    return json.loads(json.dumps(node))


def x86_64_variant(text: str) -> str:
    """The x86_64 edition README.md shows (`sed` with exactly these two substitutions)."""
    return text.replace("handoff-triggers-arm64.zip", "handoff-triggers-x86_64.zip").replace(
        "Default: arm64", "Default: x86_64"
    )


def translate(sam: dict) -> dict:
    """SAM -> CloudFormation, with local code paths replaced by an S3 placeholder as `sam package` does."""
    sam = copy.deepcopy(sam)
    for res in sam.get("Resources", {}).values():
        props = res.get("Properties") or {}
        if res.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            if not props["CodeUri"].startswith("s3://"):
                props["CodeUri"] = CODE_PLACEHOLDER

    class NoManagedPolicies:
        """The template names no managed policy; SAM asks for the map only when one is used."""

        def load(self) -> dict:
            return {}

    return transform(sam, {}, NoManagedPolicies())


def lint(cfn: dict) -> list[str]:
    """cfn-lint findings (E, W and I) on a translated template, honouring the template's own suppressions."""
    matches = cfnlint.api.lint(
        json.dumps(cfn, indent=1),
        config=cfnlint.api.ManualArgs(regions=LINT_REGIONS, include_checks=["I"]),
    )
    out = []
    for m in matches:
        path = "/".join(str(p) for p in (getattr(m, "path", None) or [])) or f"line {m.linenumber}"
        out.append(f"{m.rule.id} {m.message} [{path}]")
    return out


# --- evaluating the template for concrete parameters --------------------------------------------------------------

NOVALUE = object()


class Stack:
    """What CloudFormation would create for `params`: Conditions evaluated, Fn::If / Ref / Sub resolved.

    References to resources stay symbolic: `{{ref:Name}}` and `{{getatt:Name.Attr}}`.
    """

    def __init__(self, cfn: dict, params: dict[str, str]):
        self.cfn = cfn
        self.params = {}
        for name, spec in (cfn.get("Parameters") or {}).items():
            if name in params:
                self.params[name] = str(params[name])
            elif "Default" in spec:
                self.params[name] = str(spec["Default"])
            else:  # CloudFormation would ask for it
                self.params[name] = f"<{name}>"
        unknown = set(params) - set(self.params)
        need(not unknown, f"unknown parameters {sorted(unknown)}")
        self.conditions: dict[str, bool] = {}
        for name in cfn.get("Conditions") or {}:
            self.condition(name)
        self.resources = {
            name: res
            for name, res in cfn["Resources"].items()
            if "Condition" not in res or self.condition(res["Condition"])
        }
        self.props = {
            name: self.resolve(res.get("Properties") or {}) for name, res in self.resources.items()
        }
        self.outputs = {
            name: self.resolve(out.get("Value"))
            for name, out in (cfn.get("Outputs") or {}).items()
            if "Condition" not in out or self.condition(out["Condition"])
        }

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            self.conditions[name] = self.truth(self.cfn["Conditions"][name])
        return self.conditions[name]

    def truth(self, expr: Any) -> bool:
        (fn, arg), = expr.items()
        if fn == "Fn::Equals":
            return self.resolve(arg[0]) == self.resolve(arg[1])
        if fn == "Fn::Not":
            return not self.truth(arg[0])
        if fn == "Fn::And":
            return all(self.truth(a) for a in arg)
        if fn == "Fn::Or":
            return any(self.truth(a) for a in arg)
        if fn == "Condition":
            return self.condition(arg)
        raise Failure(f"unsupported condition function {fn}")

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NOVALUE
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.params:
            return self.params[name]
        need(name in self.resources, f"Ref to {name}, which this stack does not create")
        return "{{ref:" + name + "}}"

    def getatt(self, name: str, attr: str) -> str:
        need(name in self.resources, f"GetAtt of {name}, which this stack does not create")
        return "{{getatt:" + name + "." + attr + "}}"

    def sub(self, text: str, variables: dict) -> str:
        def one(m: re.Match) -> str:
            key = m.group(1)
            if key.startswith("!"):
                return "${" + key[1:] + "}"
            if key in variables:
                return str(variables[key])
            if "." in key and key.split(".", 1)[0] not in self.params:
                return self.getatt(*key.split(".", 1))
            return str(self.ref(key))

        return re.sub(r"\$\{([^}]+)\}", one, text)

    def resolve(self, v: Any) -> Any:
        if isinstance(v, list):
            return [x for x in (self.resolve(x) for x in v) if x is not NOVALUE]
        if not isinstance(v, dict):
            return v
        if len(v) == 1:
            (k, arg), = v.items()
            if k == "Ref":
                return self.ref(arg)
            if k == "Fn::If":
                return self.resolve(arg[1] if self.condition(arg[0]) else arg[2])
            if k == "Fn::GetAtt":
                name, attr = arg.split(".", 1) if isinstance(arg, str) else arg
                return self.getatt(name, attr)
            if k == "Fn::Sub":
                if isinstance(arg, str):
                    return self.sub(arg, {})
                return self.sub(arg[0], {n: self.resolve(x) for n, x in arg[1].items()})
            if k == "Fn::Join":
                return arg[0].join(str(x) for x in self.resolve(arg[1]))
        return {k: x for k, x in ((k, self.resolve(x)) for k, x in v.items()) if x is not NOVALUE}

    def of_type(self, rtype: str) -> dict[str, dict]:
        return {n: self.props[n] for n, r in self.resources.items() if r["Type"] == rtype}

    def one(self, rtype: str) -> tuple[str, dict]:
        found = self.of_type(rtype)
        need(len(found) == 1, f"expected one {rtype}, found {sorted(found) or 'none'}")
        return next(iter(found.items()))

    def rule_failures(self) -> list[str]:
        """CloudFormation's Rules for these parameters: the AssertDescriptions that would stop the stack."""
        out = []
        for name, rule in (self.cfn.get("Rules") or {}).items():
            if "RuleCondition" in rule and not self.truth(rule["RuleCondition"]):
                continue
            for a in rule.get("Assertions") or []:
                if not self.truth(a["Assert"]):
                    out.append(f"{name}: {a.get('AssertDescription', '')}")
        return out


def parameter_errors(cfn: dict, name: str, value: str) -> list[str]:
    """CloudFormation's own parameter validation (AllowedPattern, AllowedValues, lengths) of one value."""
    spec = cfn["Parameters"][name]
    errs = []
    if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], value):
        errs.append(f"{name}={value!r} does not match AllowedPattern")
    if "AllowedValues" in spec and value not in [str(x) for x in spec["AllowedValues"]]:
        errs.append(f"{name}={value!r} not in AllowedValues")
    if "MinLength" in spec and len(value) < int(spec["MinLength"]):
        errs.append(f"{name}={value!r} shorter than MinLength")
    if "MaxLength" in spec and len(value) > int(spec["MaxLength"]):
        errs.append(f"{name}={value!r} longer than MaxLength")
    return errs


# --- the assertions ---------------------------------------------------------------------------------------------


class Subject:
    """One template under test: its text, SAM data, translation and the stacks it makes."""

    def __init__(self, text: str):
        self.text = text
        self.sam = load_sam(text)
        self.cfn = translate(self.sam)
        new = {"EdgeUrl": EDGE}
        self.new = Stack(self.cfn, new)
        self.existing = Stack(
            self.cfn,
            {**new, "ExistingUserPoolId": EXISTING_POOL, "ExistingWebClientIds": EXISTING_WEB_CLIENTS},
        )
        self.with_topic = Stack(self.cfn, {**new, "AlarmTopicArn": TOPIC})
        self._lint: list[str] | None = None

    def lint(self) -> list[str]:
        if self._lint is None:
            self._lint = lint(self.cfn)
        return self._lint


def pool_arn_of(stack: Stack) -> str:
    if "UserPool" in stack.resources:
        return stack.getatt("UserPool", "Arn")
    return f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{stack.params['ExistingUserPoolId']}"


def function_arn_of(stack: Stack) -> str:
    name, props = stack.one("AWS::Lambda::Function")
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{props['FunctionName']}"


def check_lint(s: Subject) -> None:
    findings = s.lint()
    need(not findings, f"{len(findings)} cfn-lint finding(s): " + "; ".join(findings))


def check_suppressions_explained(s: Subject) -> None:
    ignored = (((s.sam.get("Metadata") or {}).get("cfn-lint") or {}).get("config") or {}).get("ignore_checks") or []
    comments = [line.split("#", 1)[1] for line in s.text.splitlines() if "#" in line]
    for check in ignored:
        need(
            any(re.search(rf"\b{re.escape(check)}\b\s*[:-]\s*\S", c) for c in comments),
            f"cfn-lint check {check} is suppressed without a `# {check}: why` comment",
        )


def check_function(s: Subject) -> None:
    name, p = s.new.one("AWS::Lambda::Function")
    need(p.get("Runtime") == "provided.al2023", f"Runtime is {p.get('Runtime')!r}, want provided.al2023")
    need(p.get("Handler") == "bootstrap", f"Handler is {p.get('Handler')!r}, want bootstrap")
    need(p.get("Timeout") == 5, f"Timeout is {p.get('Timeout')!r}, want 5 (seconds: Cognito waits 5 s)")
    need(p.get("MemorySize") == 128, f"MemorySize is {p.get('MemorySize')!r}, want 128")
    need(p.get("FunctionName") == "handoff-triggers", f"FunctionName resolves to {p.get('FunctionName')!r}")


def check_architectures(s: Subject) -> None:
    raw = s.cfn["Resources"]
    fn = next(n for n, r in raw.items() if r["Type"] == "AWS::Lambda::Function")
    archs = raw[fn]["Properties"].get("Architectures")
    need(archs == [{"Ref": "Architecture"}], f"Architectures is {archs!r}, want [!Ref Architecture]")
    spec = s.cfn["Parameters"]["Architecture"]
    need(sorted(spec.get("AllowedValues", [])) == ["arm64", "x86_64"], f"Architecture AllowedValues {spec!r}")
    need(spec.get("Default") == "arm64", f"Architecture Default is {spec.get('Default')!r}, want arm64")
    for arch in ("arm64", "x86_64"):
        stack = Stack(s.cfn, {"EdgeUrl": EDGE, "Architecture": arch})
        need(stack.one("AWS::Lambda::Function")[1]["Architectures"] == [arch], f"Architecture={arch} not applied")


def check_code_uri(s: Subject) -> None:
    fn = next(r for r in s.sam["Resources"].values() if r["Type"] == "AWS::Serverless::Function")
    uri = fn["Properties"].get("CodeUri")
    need(isinstance(uri, str), f"CodeUri must be a plain string for `sam deploy` to upload it, got {uri!r}")
    arch = s.sam["Parameters"]["Architecture"]["Default"]
    want = ROOT / "target" / "package" / "lambda" / f"handoff-triggers-{arch}.zip"
    got = (TEMPLATE.parent / uri).resolve()
    need(got == want, f"CodeUri {uri!r} is {got}, want the packaged zip for the default architecture {want}")


def check_logs(s: Subject) -> None:
    _, fn = s.new.one("AWS::Lambda::Function")
    group_name, group = s.new.one("AWS::Logs::LogGroup")
    need(group.get("LogGroupName") == f"/aws/lambda/{fn['FunctionName']}", f"log group {group.get('LogGroupName')!r}")
    need(group.get("RetentionInDays") == "30", f"RetentionInDays resolves to {group.get('RetentionInDays')!r}")
    raw = s.cfn["Resources"][group_name]["Properties"].get("RetentionInDays")
    need(raw == {"Ref": "LogRetentionDays"}, f"RetentionInDays is {raw!r}, want !Ref LogRetentionDays")
    need(
        (fn.get("LoggingConfig") or {}).get("LogGroup") == "{{ref:" + group_name + "}}",
        f"LoggingConfig {fn.get('LoggingConfig')!r} does not name the log group",
    )


def check_environment(s: Subject) -> None:
    for stack, clients in ((s.new, "{{ref:WebClient}}"), (s.existing, EXISTING_WEB_CLIENTS)):
        _, fn = stack.one("AWS::Lambda::Function")
        env = (fn.get("Environment") or {}).get("Variables") or {}
        secret_name, _ = stack.one("AWS::SecretsManager::Secret")
        want = {
            "HANDOFF_EDGE_URL": EDGE,
            "HANDOFF_REDEEM_SECRET_ARN": "{{ref:" + secret_name + "}}",
            "HANDOFF_WEB_CLIENT_IDS": clients,
        }
        need(env == want, f"environment {env!r}, want {want!r}")


def check_edge_url(s: Subject) -> None:
    good = [EDGE, "https://edge.example.com/handoff", "https://127.0.0.1:8443"]
    bad = ["http://handoff.example.com", "handoff.example.com", "https://handoff.example.com/", "https://", ""]
    for v in good:
        need(not parameter_errors(s.cfn, "EdgeUrl", v), f"EdgeUrl refuses {v!r}")
    for v in bad:
        need(parameter_errors(s.cfn, "EdgeUrl", v), f"EdgeUrl accepts {v!r}")
    need("Default" not in s.cfn["Parameters"]["EdgeUrl"], "EdgeUrl must not have a default")


def check_secret(s: Subject) -> None:
    name, p = s.new.one("AWS::SecretsManager::Secret")
    res = s.cfn["Resources"][name]
    gen = p.get("GenerateSecretString") or {}
    need(gen.get("PasswordLength") == 64, f"GenerateSecretString.PasswordLength is {gen.get('PasswordLength')!r}")
    need(gen.get("ExcludePunctuation") is True, "GenerateSecretString.ExcludePunctuation must be true")
    need("SecretString" not in p, "the secret must be generated, not given as SecretString")
    need(res.get("DeletionPolicy") == "Retain", f"secret DeletionPolicy {res.get('DeletionPolicy')!r}")
    need(res.get("UpdateReplacePolicy") == "Retain", f"secret UpdateReplacePolicy {res.get('UpdateReplacePolicy')!r}")


def check_no_plaintext_secret(s: Subject) -> None:
    for pname, spec in (s.cfn.get("Parameters") or {}).items():
        need(not re.search(r"secret|password|token|key", pname, re.I), f"parameter {pname} looks like a secret")
        need(not spec.get("NoEcho"), f"parameter {pname} is NoEcho: a secret does not belong in a parameter")
    for stack in (s.new, s.existing):
        _, fn = stack.one("AWS::Lambda::Function")
        env = (fn.get("Environment") or {}).get("Variables") or {}
        need("HANDOFF_REDEEM_SECRET" not in env, "HANDOFF_REDEEM_SECRET (the value) is in the environment")
    def walk(v: Any, path: str) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                need(k != "SecretString", f"a plain SecretString at {path}/{k}")
                walk(x, f"{path}/{k}")
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, f"{path}/{i}")
        elif isinstance(v, str):
            need("{{resolve:secretsmanager" not in v, f"a dynamic reference puts the secret into {path}")

    walk(s.cfn, "")


def check_iam(s: Subject) -> None:
    _, fn = s.new.one("AWS::Lambda::Function")
    role_name, role = s.new.one("AWS::IAM::Role")
    need(fn.get("Role") == "{{getatt:" + role_name + ".Arn}}", f"function Role {fn.get('Role')!r}")
    need(not role.get("ManagedPolicyArns"), f"managed policies {role.get('ManagedPolicyArns')!r} grant more")
    trust = role["AssumeRolePolicyDocument"]["Statement"]
    need(
        [st.get("Principal") for st in trust] == [{"Service": "lambda.amazonaws.com"}],
        f"trust policy {trust!r}",
    )
    group_name, _ = s.new.one("AWS::Logs::LogGroup")
    secret_name, _ = s.new.one("AWS::SecretsManager::Secret")
    grants = set()
    for pol in role.get("Policies") or []:
        for st in pol["PolicyDocument"]["Statement"]:
            need(st.get("Effect") == "Allow" and "NotAction" not in st and "NotResource" not in st, f"statement {st!r}")
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
            for a in actions:
                for r in resources:
                    need("*" not in a and r != "*", f"wildcard grant {a} on {r}")
                    grants.add((a, r))
    want = {
        ("logs:CreateLogStream", "{{getatt:" + group_name + ".Arn}}"),
        ("logs:PutLogEvents", "{{getatt:" + group_name + ".Arn}}"),
        ("secretsmanager:GetSecretValue", "{{ref:" + secret_name + "}}"),
    }
    need(grants == want, f"role grants {sorted(grants)}, want exactly {sorted(want)}")


def check_permission(s: Subject) -> None:
    for stack in (s.new, s.existing):
        perms = stack.of_type("AWS::Lambda::Permission")
        need(len(perms) == 1, f"expected one Lambda permission, found {sorted(perms)}")
        (_, p), = perms.items()
        fn_name, _ = stack.one("AWS::Lambda::Function")
        need(p.get("Principal") == "cognito-idp.amazonaws.com", f"Principal {p.get('Principal')!r}")
        need(p.get("Action") == "lambda:InvokeFunction", f"Action {p.get('Action')!r}")
        need(p.get("FunctionName") in ("{{ref:" + fn_name + "}}", "{{getatt:" + fn_name + ".Arn}}"), "FunctionName")
        need(p.get("SourceArn") == pool_arn_of(stack), f"SourceArn {p.get('SourceArn')!r}, want {pool_arn_of(stack)}")
        need(p.get("SourceAccount") == ACCOUNT, f"SourceAccount {p.get('SourceAccount')!r}")


def check_pool_triggers(s: Subject) -> None:
    _, pool = s.new.one("AWS::Cognito::UserPool")
    cfg = pool.get("LambdaConfig") or {}
    arn = function_arn_of(s.new)
    for t in TRIGGERS:
        need(cfg.get(t) == arn, f"LambdaConfig.{t} is {cfg.get(t)!r}, want {arn}")
    extra = set(cfg) - set(TRIGGERS)
    need(not extra, f"LambdaConfig sets other triggers too: {sorted(extra)}")
    raw = json.dumps(s.cfn["Resources"]["UserPool"])
    need("TriggerFunction" not in raw, "the pool refers to the function resource (a dependency cycle)")


def check_pool_retained(s: Subject) -> None:
    name, pool = s.new.one("AWS::Cognito::UserPool")
    res = s.cfn["Resources"][name]
    need(pool.get("DeletionProtection") == "ACTIVE", f"DeletionProtection {pool.get('DeletionProtection')!r}")
    need(res.get("DeletionPolicy") == "Retain", f"pool DeletionPolicy {res.get('DeletionPolicy')!r}")
    need(res.get("UpdateReplacePolicy") == "Retain", f"pool UpdateReplacePolicy {res.get('UpdateReplacePolicy')!r}")


def clients(stack: Stack) -> dict[str, dict]:
    found = stack.of_type("AWS::Cognito::UserPoolClient")
    need(set(found) == {"WebClient", "MobileClient"}, f"clients {sorted(found)}, want WebClient and MobileClient")
    return found


def check_web_client(s: Subject) -> None:
    c = clients(s.new)["WebClient"]
    flows = c.get("ExplicitAuthFlows") or []
    need(sorted(flows) == ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], f"web client ExplicitAuthFlows {flows}")
    need(c.get("AuthSessionValidity") == 3, f"AuthSessionValidity {c.get('AuthSessionValidity')!r}, want 3")
    need(c.get("GenerateSecret") is False, f"GenerateSecret {c.get('GenerateSecret')!r}, want false")
    need(c.get("EnableTokenRevocation") is True, "EnableTokenRevocation must be true")
    need(c.get("UserPoolId") == "{{ref:UserPool}}", f"UserPoolId {c.get('UserPoolId')!r}")


def check_mobile_client(s: Subject) -> None:
    c = clients(s.new)["MobileClient"]
    flows = set(c.get("ExplicitAuthFlows") or [])
    need({"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"} <= flows, f"mobile client flows {sorted(flows)}")
    bad = flows & {"ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ADMIN_NO_SRP_AUTH"}
    need(not bad, f"mobile client allows {sorted(bad)}")
    need(c.get("GenerateSecret") is False, f"GenerateSecret {c.get('GenerateSecret')!r}, want false (public app)")


def check_prevent_user_existence_errors(s: Subject) -> None:
    for name, c in clients(s.new).items():
        need(c.get("PreventUserExistenceErrors") == "ENABLED", f"{name}.PreventUserExistenceErrors is not ENABLED")


def check_alarm(s: Subject) -> None:
    name, a = s.new.one("AWS::CloudWatch::Alarm")
    fn_name, _ = s.new.one("AWS::Lambda::Function")
    want = {
        "Namespace": "AWS/Lambda",
        "MetricName": "Errors",
        "Statistic": "Sum",
        "Period": 300,
        "EvaluationPeriods": 1,
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
    }
    for k, v in want.items():
        need(a.get(k) == v, f"alarm {k} is {a.get(k)!r}, want {v!r}")
    dims = a.get("Dimensions")
    need(dims == [{"Name": "FunctionName", "Value": "{{ref:" + fn_name + "}}"}], f"alarm Dimensions {dims!r}")
    need(not a.get("AlarmActions"), f"no topic given, yet AlarmActions {a.get('AlarmActions')!r}")
    _, t = s.with_topic.one("AWS::CloudWatch::Alarm")
    need(t.get("AlarmActions") == [TOPIC], f"with AlarmTopicArn, AlarmActions {t.get('AlarmActions')!r}")


def check_outputs(s: Subject) -> None:
    for name, var in OUTPUTS.items():
        out = (s.cfn.get("Outputs") or {}).get(name)
        need(out is not None, f"output {name} missing")
        need(var in out.get("Description", ""), f"output {name} description does not name {var}")
    o = s.new.outputs
    issuer = f"https://cognito-idp.{REGION}.amazonaws.com/" + "{{ref:UserPool}}"
    expect = {
        "CognitoIssuer": issuer,
        "CognitoJwksUrl": issuer + "/.well-known/jwks.json",
        "Audiences": "{{ref:WebClient}}",
        "MobileClientIds": "{{ref:MobileClient}}",
        "UserPoolId": "{{ref:UserPool}}",
        "WebClientId": "{{ref:WebClient}}",
        "Region": REGION,
    }
    for k, v in expect.items():
        need(o.get(k) == v, f"output {k} is {o.get(k)!r}, want {v!r}")
    e = s.existing.outputs
    issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{EXISTING_POOL}"
    need(e.get("CognitoIssuer") == issuer, f"existing-pool CognitoIssuer {e.get('CognitoIssuer')!r}")
    need(e.get("CognitoJwksUrl") == issuer + "/.well-known/jwks.json", "existing-pool CognitoJwksUrl")
    need(e.get("Audiences") == EXISTING_WEB_CLIENTS, f"existing-pool Audiences {e.get('Audiences')!r}")
    need(e.get("UserPoolId") == EXISTING_POOL, f"existing-pool UserPoolId {e.get('UserPoolId')!r}")


def check_existing_pool_mode(s: Subject) -> None:
    types = {r["Type"] for r in s.existing.resources.values()}
    need(types == EXISTING_MODE_TYPES, f"ExistingUserPoolId stack creates {sorted(types)}, want {sorted(EXISTING_MODE_TYPES)}")
    need(len(s.existing.resources) == len(EXISTING_MODE_TYPES), f"resources {sorted(s.existing.resources)}")
    new_types = {r["Type"] for r in s.new.resources.values()}
    need({"AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient"} <= new_types, "a new-pool stack creates no pool")
    need(not parameter_errors(s.cfn, "ExistingUserPoolId", EXISTING_POOL), "ExistingUserPoolId refuses a pool id")
    need(parameter_errors(s.cfn, "ExistingUserPoolId", "arn:aws:cognito-idp:x"), "ExistingUserPoolId takes an ARN")


def check_rules(s: Subject) -> None:
    need(not s.new.rule_failures(), f"a new-pool stack breaks Rules: {s.new.rule_failures()}")
    need(not s.existing.rule_failures(), f"an existing-pool stack breaks Rules: {s.existing.rule_failures()}")
    lonely = Stack(s.cfn, {"EdgeUrl": EDGE, "ExistingUserPoolId": EXISTING_POOL})
    need(lonely.rule_failures(), "ExistingUserPoolId without ExistingWebClientIds passes the Rules")


def check_x86_64_variant(s: Subject) -> None:
    v = Subject(x86_64_variant(s.text))
    check_code_uri(v)
    need(v.sam["Parameters"]["Architecture"]["Default"] == "x86_64", "the variant's default is not x86_64")
    findings = v.lint()
    need(not findings, "cfn-lint on the x86_64 variant: " + "; ".join(findings))


CHECKS: list[tuple[str, Callable[[Subject], None]]] = [
    ("cfn-lint", check_lint),
    ("cfn-lint-suppressions-explained", check_suppressions_explained),
    ("function-runtime-timeout-memory", check_function),
    ("function-architectures-param", check_architectures),
    ("function-code-uri", check_code_uri),
    ("function-log-group-retention", check_logs),
    ("function-environment", check_environment),
    ("edge-url-https-only", check_edge_url),
    ("redeem-secret-generated-retained", check_secret),
    ("no-plaintext-secret", check_no_plaintext_secret),
    ("iam-least-privilege", check_iam),
    ("permission-cognito-source-arn", check_permission),
    ("pool-triggers", check_pool_triggers),
    ("pool-deletion-protection-retain", check_pool_retained),
    ("web-client", check_web_client),
    ("mobile-client", check_mobile_client),
    ("prevent-user-existence-errors", check_prevent_user_existence_errors),
    ("alarm-on-errors", check_alarm),
    ("outputs-edge-vars", check_outputs),
    ("existing-pool-mode", check_existing_pool_mode),
    ("rules", check_rules),
    ("x86_64-variant", check_x86_64_variant),
]


def findings_of(text: str) -> list[str]:
    """Everything the checks above find in a template: translation errors, cfn-lint findings, failed asserts."""
    try:
        s = Subject(text)
    except Exception as e:  # noqa: BLE001 - a template SAM or the evaluator refuses is a finding too
        return [f"translation: {type(e).__name__}: {e}"]
    out = [f"cfn-lint {f}" for f in s.lint()]
    for name, fn in CHECKS:
        if name in ("cfn-lint", "x86_64-variant"):
            continue
        try:
            fn(s)
        except Failure as e:
            out.append(f"{name}: {e}")
        except Exception as e:  # noqa: BLE001
            out.append(f"{name}: {type(e).__name__}: {e}")
    return out


# --- planted mistakes -------------------------------------------------------------------------------------------


def edit(old: str, new: str, count: int = 1) -> Callable[[str], str]:
    """A textual mistake, as a person would make it; refuses to plant anything if `old` is not there."""

    def apply(text: str) -> str:
        n = text.count(old)
        if n != count:
            raise AssertionError(f"plant expects {count} occurrence(s) of {old!r}, found {n}")
        return text.replace(old, new)

    return apply


def drop_line(fragment: str, after: str) -> Callable[[str], str]:
    """Deletes the first line containing `fragment` after the first line containing `after`."""

    def apply(text: str) -> str:
        lines = text.splitlines(keepends=True)
        start = next(i for i, line in enumerate(lines) if after in line)
        i = next(i for i in range(start, len(lines)) if fragment in lines[i])
        return "".join(lines[:i] + lines[i + 1 :])

    return apply


# (name, the mistake, the finding that must report it: a regex over "<check>: <why>" / "cfn-lint <ID> <message>")
PLANTS: list[tuple[str, Callable[[str], str], str]] = [
    (
        "wrong-auth-flow-name",
        edit("[ALLOW_CUSTOM_AUTH, ALLOW_REFRESH_TOKEN_AUTH]", "[ALLOW_CUSTOM_AUTHENTICATION, ALLOW_REFRESH_TOKEN_AUTH]"),
        r"^cfn-lint E3030 'ALLOW_CUSTOM_AUTHENTICATION'",
    ),
    (
        "wrong-permission-principal",
        edit("Principal: cognito-idp.amazonaws.com", "Principal: cognito.amazonaws.com"),
        r"^cfn-lint W3664 |^permission-cognito-source-arn: Principal",
    ),
    (
        "web-client-no-prevent-user-existence-errors",
        drop_line("PreventUserExistenceErrors", "  WebClient:"),
        r"^prevent-user-existence-errors: WebClient",
    ),
    (
        "mobile-client-no-prevent-user-existence-errors",
        drop_line("PreventUserExistenceErrors", "  MobileClient:"),
        r"^prevent-user-existence-errors: MobileClient",
    ),
    (
        "architectures-x86",
        edit("Architectures: [!Ref Architecture]", "Architectures: [x86]"),
        r"^cfn-lint E3030 'x86'",
    ),
    ("timeout-5000", edit("Timeout: 5\n", "Timeout: 5000\n"), r"^cfn-lint E3(717|034) 5000"),
    (
        "web-client-allows-user-password-auth",
        edit(
            "[ALLOW_CUSTOM_AUTH, ALLOW_REFRESH_TOKEN_AUTH]",
            "[ALLOW_CUSTOM_AUTH, ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_PASSWORD_AUTH]",
        ),
        r"^web-client: web client ExplicitAuthFlows",
    ),
    (
        "permission-without-source-arn",
        lambda t: re.sub(r"      SourceArn: !If\n(        - .*\n){3}", "", t),
        r"^permission-cognito-source-arn: SourceArn None",
    ),
    (
        "existing-pool-mode-creates-pool",
        drop_line("Condition: CreatePool", "  UserPool:"),
        r"^existing-pool-mode: ExistingUserPoolId stack creates",
    ),
    (
        "pool-refers-to-function-cycle",
        edit(
            "DefineAuthChallenge: !Sub arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${FunctionName}",
            "DefineAuthChallenge: !GetAtt TriggerFunction.Arn",
        ),
        r"^cfn-lint E3004 Circular",
    ),
    (
        "redeem-secret-as-plain-parameter",
        lambda t: edit("Parameters:\n", "Parameters:\n  RedeemSecretValue:\n    Type: String\n    NoEcho: true\n")(
            edit("HANDOFF_REDEEM_SECRET_ARN: !Ref RedeemSecret", "HANDOFF_REDEEM_SECRET: !Ref RedeemSecretValue")(t)
        ),
        r"^no-plaintext-secret: parameter RedeemSecretValue",
    ),
    (
        "pool-deletion-protection-inactive",
        edit("DeletionProtection: ACTIVE", "DeletionProtection: INACTIVE"),
        r"^pool-deletion-protection-retain: DeletionProtection",
    ),
    (
        "log-retention-dropped",
        drop_line("RetentionInDays", "  TriggerLogGroup:"),
        r"^function-log-group-retention: RetentionInDays",
    ),
    (
        "alarm-treats-missing-data-as-breaching",
        edit("TreatMissingData: notBreaching", "TreatMissingData: breaching"),
        r"^alarm-on-errors: alarm TreatMissingData",
    ),
    (
        "web-client-auth-session-15",
        edit("AuthSessionValidity: 3", "AuthSessionValidity: 15"),
        r"^web-client: AuthSessionValidity",
    ),
]


# --- main -------------------------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    template = Path(argv[1]) if len(argv) > 1 else TEMPLATE
    text = template.read_text()
    passed = failed = 0

    def report(name: str, problem: str | None) -> None:
        nonlocal passed, failed
        if problem is None:
            passed += 1
            print(f"ok {name}", flush=True)
        else:
            failed += 1
            print(f"FAIL {name}: {problem}", flush=True)

    try:
        subject = Subject(text)
    except Exception as e:  # noqa: BLE001
        report("translate", f"{type(e).__name__}: {e}")
        print(f"{passed} passed, {failed} failed")
        return 1
    report("translate", None)

    for name, fn in CHECKS:
        try:
            fn(subject)
            report(name, None)
        except Failure as e:
            report(name, str(e))
        except Exception:  # noqa: BLE001 - a crash in a check is that check failing, with its trace
            report(name, traceback.format_exc(limit=3).strip().replace("\n", " | "))

    for name, plant, expect in PLANTS:
        try:
            found = findings_of(plant(text))
        except Exception as e:  # noqa: BLE001
            report(f"planted {name}", f"could not plant: {e}")
            continue
        hits = [f for f in found if re.search(expect, f)]
        if hits:
            shown = hits[0] if len(hits[0]) < 150 else hits[0][:147] + "..."
            passed += 1
            print(f"ok planted {name} (caught: {shown})", flush=True)
        elif found:
            report(f"planted {name}", f"not reported as expected ({expect}); other findings: {found[:3]}")
        else:
            report(f"planted {name}", "NOT caught by cfn-lint or the assertions")

    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
