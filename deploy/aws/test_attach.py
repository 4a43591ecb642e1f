#!/usr/bin/env python3
"""Tests of attach_triggers.py (run with .tools/venv/bin/python).

Unit tests: the pure describe -> update mapping over a recorded, realistic DescribeUserPool answer
(fixtures/describe-user-pool.json), against botocore's own model of UpdateUserPool's input.

Integration test: ministack (the local Cognito emulator in the venv) on a free 127.0.0.1 port: a pool with
non-default settings, the script run for real (CLI and in-process), DescribeUserPool again: everything but the
three triggers unchanged. ministack MERGES an UpdateUserPool into the pool where Cognito RESETS what is omitted, so
the test also captures the request the script sends and checks that it carries every setting itself.

Prints `ok NAME` / `FAIL NAME: why` per check and ends with `N passed, M failed`; exits 1 on any failure.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCRIPT = HERE / "attach_triggers.py"
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the work tree

import attach_triggers as at  # noqa: E402
import botocore.session  # noqa: E402
from botocore.validate import ParamValidator  # noqa: E402

MODEL = botocore.session.get_session().get_service_model("cognito-idp")
POOL_SHAPE = MODEL.operation_model("UpdateUserPool").input_shape
CLIENT_SHAPE = MODEL.operation_model("UpdateUserPoolClient").input_shape
FIXTURE = json.loads((HERE / "fixtures" / "describe-user-pool.json").read_text())["UserPool"]
CLIENT_FIXTURE = json.loads((HERE / "fixtures" / "describe-user-pool-client.json").read_text())["UserPoolClient"]
ARN = "arn:aws:lambda:eu-west-1:123456789012:function:handoff-triggers"
OTHER_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:someone-elses-define"
# What DescribeUserPool returns that UpdateUserPool does not take (read-only, or fixed when the pool was created).
READ_ONLY = {
    "Arn", "CreationDate", "CustomDomain", "Domain", "EstimatedNumberOfUsers", "LastModifiedDate", "SchemaAttributes",
    "SmsConfigurationFailure", "Status", "UsernameAttributes", "UsernameConfiguration",
}

RESULTS = {"passed": 0, "failed": 0}


def check(name: str, fn: Callable[[], None]) -> bool:
    try:
        fn()
    except AssertionError as e:
        RESULTS["failed"] += 1
        print(f"FAIL {name}: {e}", flush=True)
        return False
    except Exception:  # noqa: BLE001 - a crash is a failure of that check, with its trace
        RESULTS["failed"] += 1
        print(f"FAIL {name}: " + traceback.format_exc(limit=4).strip().replace("\n", " | "), flush=True)
        return False
    RESULTS["passed"] += 1
    print(f"ok {name}", flush=True)
    return True


def valid(request: dict, shape: Any) -> None:
    report = ParamValidator().validate(request, shape)
    assert not report.has_errors(), "botocore refuses the request: " + report.generate_report()


# --- unit tests over the fixture ------------------------------------------------------------------------------------


def t_fixture_covers_update_shape() -> None:
    # Every setting UpdateUserPool takes appears in the fixture, so the tests below exercise each one; a botocore
    # that learns a new setting makes this fail until the fixture has it too.
    missing = [m for m in POOL_SHAPE.members if at.POOL_RENAMED.get(m, m) not in FIXTURE]
    assert not missing, f"fixture lacks {missing} (UpdateUserPool takes them)"


def t_every_setting_carried() -> None:
    request, dropped, notes = at.pool_update_request(FIXTURE, ARN, POOL_SHAPE)
    for member in POOL_SHAPE.members:
        source = at.POOL_RENAMED.get(member, member)
        want = copy.deepcopy(FIXTURE[source])
        if member == "LambdaConfig":
            want.update({t: ARN for t in at.TRIGGERS})
        if member == "AdminCreateUserConfig":
            del want["UnusedAccountValidityDays"]
        assert request.get(member) == want, f"{member}: {request.get(member)!r} != {want!r}"
    assert set(request) == set(POOL_SHAPE.members), f"request keys {sorted(set(POOL_SHAPE.members) - set(request))}"


def t_non_default_settings_by_name() -> None:
    r, _, _ = at.pool_update_request(FIXTURE, ARN, POOL_SHAPE)
    assert r["UserPoolId"] == "eu-west-1_AbCdEf123" and r["PoolName"] == "acme-customers", "id/name renamed"
    assert r["MfaConfiguration"] == "OPTIONAL", "MFA"
    pp = r["Policies"]["PasswordPolicy"]
    assert (pp["MinimumLength"], pp["PasswordHistorySize"], pp["TemporaryPasswordValidityDays"]) == (14, 5, 2), pp
    assert r["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"] == ["PASSWORD", "EMAIL_OTP"], "sign-in policy"
    assert r["EmailConfiguration"]["SourceArn"].endswith("identity/acme.example"), "SES email"
    assert r["EmailConfiguration"]["EmailSendingAccount"] == "DEVELOPER", "email account"
    assert r["SmsConfiguration"]["SnsCallerArn"].endswith("role/acme-cognito-sms"), "SMS"
    lc = r["LambdaConfig"]
    assert lc["PreSignUp"].endswith("acme-pre-signup") and lc["PostConfirmation"].endswith("acme-post-confirmation")
    assert lc["PreTokenGenerationConfig"]["LambdaVersion"] == "V2_0", "pre token generation v2"
    assert lc["CustomEmailSender"]["LambdaArn"].endswith("acme-email-sender") and lc["KMSKeyID"], "custom sender"
    assert [m["Name"] for m in r["AccountRecoverySetting"]["RecoveryMechanisms"]] == [
        "verified_email", "verified_phone_number"], "account recovery"
    assert r["UserAttributeUpdateSettings"]["AttributesRequireVerificationBeforeUpdate"] == ["email", "phone_number"]
    assert r["DeletionProtection"] == "ACTIVE", "deletion protection"
    assert r["UserPoolTags"] == {"team": "identity", "cost-center": "4711"}, "tags"
    assert r["UserPoolAddOns"]["AdvancedSecurityMode"] == "ENFORCED", "threat protection"
    assert r["UserPoolTier"] == "PLUS", "tier"
    assert r["DeviceConfiguration"]["ChallengeRequiredOnNewDevice"] is True, "devices"
    assert r["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True, "admin-only sign-up"
    assert r["VerificationMessageTemplate"]["DefaultEmailOption"] == "CONFIRM_WITH_CODE", "verification template"
    assert r["KeyConfiguration"]["KeyType"] == "CUSTOMER_MANAGED_KEY", "key configuration"


def t_triggers_set_others_kept() -> None:
    r, _, _ = at.pool_update_request(FIXTURE, ARN, POOL_SHAPE)
    for t in at.TRIGGERS:
        assert r["LambdaConfig"][t] == ARN, t
    before = {k: v for k, v in FIXTURE["LambdaConfig"].items()}
    after = {k: v for k, v in r["LambdaConfig"].items() if k not in at.TRIGGERS}
    assert after == before, f"other triggers changed: {after} != {before}"


def t_dropped_are_read_only() -> None:
    _, dropped, notes = at.pool_update_request(FIXTURE, ARN, POOL_SHAPE)
    assert set(dropped) == READ_ONLY, f"dropped {sorted(dropped)}, want {sorted(READ_ONLY)}"
    assert any("UnusedAccountValidityDays" in n for n in notes), f"notes {notes}"


def t_request_valid_for_botocore() -> None:
    r, _, _ = at.pool_update_request(FIXTURE, ARN, POOL_SHAPE)
    valid(r, POOL_SHAPE)


def t_unused_days_kept_without_temporary_days() -> None:
    pool = copy.deepcopy(FIXTURE)
    del pool["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"]
    r, _, notes = at.pool_update_request(pool, ARN, POOL_SHAPE)
    assert r["AdminCreateUserConfig"]["UnusedAccountValidityDays"] == 2, "the only expiry setting was dropped"
    assert not notes, notes


def t_refuses_other_trigger() -> None:
    pool = copy.deepcopy(FIXTURE)
    pool["LambdaConfig"]["DefineAuthChallenge"] = OTHER_ARN
    try:
        at.pool_update_request(pool, ARN, POOL_SHAPE)
    except at.Refusal as e:
        assert "DefineAuthChallenge" in str(e) and "--force" in str(e), str(e)
    else:
        raise AssertionError("an existing different Define trigger was overwritten without --force")
    r, _, notes = at.pool_update_request(pool, ARN, POOL_SHAPE, force=True)
    assert r["LambdaConfig"]["DefineAuthChallenge"] == ARN and any("--force" in n for n in notes), notes


def t_idempotent() -> None:
    pool = copy.deepcopy(FIXTURE)
    pool["LambdaConfig"].update({t: ARN for t in at.TRIGGERS})
    r, _, _ = at.pool_update_request(pool, ARN, POOL_SHAPE)
    current, _, _ = at.pool_settings(pool, POOL_SHAPE)
    assert at.diff(current, r) == [], at.diff(current, r)


def t_diff_shows_only_triggers() -> None:
    r, _, _ = at.pool_update_request(FIXTURE, ARN, POOL_SHAPE)
    current, _, _ = at.pool_settings(FIXTURE, POOL_SHAPE)
    lines = at.diff(current, r)
    assert sorted(lines) == sorted(f'LambdaConfig.{t}: (unset) -> "{ARN}"' for t in at.TRIGGERS), lines


def t_nulls_and_empty_structures() -> None:
    # What an emulator (or an older pool) may answer: nulls and empty structures, which botocore refuses as input.
    pool = copy.deepcopy(FIXTURE)
    pool["SmsConfiguration"] = {}
    pool["EmailVerificationMessage"] = None
    pool["LambdaConfig"]["PreAuthentication"] = None
    r, dropped, _ = at.pool_update_request(pool, ARN, POOL_SHAPE)
    assert "SmsConfiguration" not in r and "EmailVerificationMessage" not in r, sorted(r)
    assert "PreAuthentication" not in r["LambdaConfig"], r["LambdaConfig"]
    assert "SmsConfiguration (empty)" in dropped and "EmailVerificationMessage (null)" in dropped, dropped
    valid(r, POOL_SHAPE)


def t_client_every_setting_carried() -> None:
    r, dropped, warnings = at.client_update_request(CLIENT_FIXTURE, CLIENT_SHAPE)
    for member in CLIENT_SHAPE.members:
        assert member in CLIENT_FIXTURE, f"client fixture lacks {member}"
        want = CLIENT_FIXTURE[member]
        if member == "ExplicitAuthFlows":
            want = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH"]
        assert r.get(member) == want, f"{member}: {r.get(member)!r} != {want!r}"
    assert set(dropped) == {"CreationDate", "LastModifiedDate"}, dropped
    assert not warnings, warnings
    valid(r, CLIENT_SHAPE)


def t_client_refuses_legacy_flows_and_warns() -> None:
    c = copy.deepcopy(CLIENT_FIXTURE)
    c["ExplicitAuthFlows"] = ["USER_PASSWORD_AUTH"]
    try:
        at.client_update_request(c, CLIENT_SHAPE)
    except at.Refusal as e:
        assert "legacy" in str(e), str(e)
    else:
        raise AssertionError("legacy flow names were mixed with ALLOW_* names")
    c = copy.deepcopy(CLIENT_FIXTURE)
    c.update(ClientSecret="s3cr3t", PreventUserExistenceErrors="LEGACY")
    c["ExplicitAuthFlows"].append("ALLOW_USER_PASSWORD_AUTH")
    _, _, warnings = at.client_update_request(c, CLIENT_SHAPE)
    assert len(warnings) == 3, warnings


def t_cli_argument_checks() -> None:
    good = ["--pool-id", "eu-west-1_AbC123", "--function-arn", ARN, "--region", "eu-west-1"]
    assert at.parse_args(good).pool_id == "eu-west-1_AbC123"
    bad = [
        ["--pool-id", "eu-west-1_AbC123", "--function-arn", ARN, "--region", "us-east-1"],
        ["--pool-id", "nope", "--function-arn", ARN, "--region", "eu-west-1"],
        ["--pool-id", "eu-west-1_AbC123", "--function-arn", "arn:aws:lambda:us-east-1:123456789012:function:x",
         "--region", "eu-west-1"],
        ["--pool-id", "eu-west-1_AbC123", "--function-arn", "handoff-triggers", "--region", "eu-west-1"],
    ]
    for argv in bad:
        with contextlib.redirect_stderr(io.StringIO()):
            try:
                at.parse_args(argv)
            except SystemExit as e:
                assert e.code == 2, e.code
                continue
        raise AssertionError(f"accepted {argv}")


# --- integration test against ministack -----------------------------------------------------------------------------

REGION = "us-east-1"
LOCAL_FN = f"arn:aws:lambda:{REGION}:000000000000:function:handoff-triggers"
LOCAL_OTHER = f"arn:aws:lambda:{REGION}:000000000000:function:someone-elses-define"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Ministack:
    """ministack on a free loopback port with its own state dir; stopped (its whole process group) on exit."""

    def __init__(self) -> None:
        # The venv this runs in (.tools/venv) has ministack next to its python.
        self.exe = Path(sys.executable).parent / "ministack"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="handoff-attach-"))
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Ministack":
        assert self.exe.is_file(), f"{self.exe} is missing: run `cargo xtask setup` (and this with .tools/venv/bin/python)"
        env = dict(os.environ)
        env.update(
            BIND_HOST="127.0.0.1",
            GATEWAY_PORT=str(self.port),
            STATE_DIR=str(self.dir / "state"),
            IOT_MTLS_ENABLED="0",
        )
        self.log = open(self.dir / "ministack.log", "wb")
        self.proc = subprocess.Popen(
            [str(self.exe)], cwd=self.dir, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"ministack exited ({self.proc.returncode}): {self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_ministack/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"ministack not healthy on {self.url} after 60 s: {self.tail()}")
            time.sleep(0.3)

    def tail(self) -> str:
        try:
            return (self.dir / "ministack.log").read_text(errors="replace")[-800:].replace("\n", " | ")
        except OSError:
            return "(no log)"

    def __exit__(self, *exc: Any) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def cognito_client(url: str) -> Any:
    import boto3

    return boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


NON_DEFAULT_POOL = dict(
    PoolName="acme-customers",
    Policies={
        "PasswordPolicy": {
            "MinimumLength": 14,
            "RequireUppercase": True,
            "RequireLowercase": True,
            "RequireNumbers": True,
            "RequireSymbols": False,
            "PasswordHistorySize": 5,
            "TemporaryPasswordValidityDays": 2,
        }
    },
    DeletionProtection="ACTIVE",
    LambdaConfig={
        "PreSignUp": f"arn:aws:lambda:{REGION}:000000000000:function:acme-pre-signup",
        "PostConfirmation": f"arn:aws:lambda:{REGION}:000000000000:function:acme-post-confirmation",
        "CustomMessage": f"arn:aws:lambda:{REGION}:000000000000:function:acme-custom-message",
    },
    AutoVerifiedAttributes=["email"],
    UsernameAttributes=["email"],
    UsernameConfiguration={"CaseSensitive": False},
    SmsVerificationMessage="Your Acme code is {####}",
    EmailVerificationMessage="Welcome to Acme. Your code is {####}",
    EmailVerificationSubject="Your Acme verification code",
    VerificationMessageTemplate={
        "SmsMessage": "Your Acme code is {####}",
        "EmailMessage": "Welcome to Acme. Your code is {####}",
        "EmailSubject": "Your Acme verification code",
        "DefaultEmailOption": "CONFIRM_WITH_CODE",
    },
    SmsAuthenticationMessage="Your Acme sign-in code is {####}",
    UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
    MfaConfiguration="OPTIONAL",
    DeviceConfiguration={"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True},
    EmailConfiguration={
        "SourceArn": f"arn:aws:ses:{REGION}:000000000000:identity/acme.example",
        "ReplyToEmailAddress": "support@acme.example",
        "EmailSendingAccount": "DEVELOPER",
        "From": "Acme <no-reply@acme.example>",
    },
    SmsConfiguration={"SnsCallerArn": "arn:aws:iam::000000000000:role/acme-cognito-sms", "ExternalId": "acme-7f3c"},
    UserPoolTags={"team": "identity", "cost-center": "4711"},
    AdminCreateUserConfig={
        "AllowAdminCreateUserOnly": True,
        "InviteMessageTemplate": {"EmailSubject": "Your Acme account",
                                  "EmailMessage": "User {username}, password {####}"},
    },
    UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"},
    AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
    UserPoolTier="PLUS",
)
NON_DEFAULT_CLIENT = dict(
    ClientName="acme-web",
    GenerateSecret=False,
    ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    RefreshTokenValidity=12,
    AccessTokenValidity=30,
    IdTokenValidity=45,
    TokenValidityUnits={"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "hours"},
    ReadAttributes=["email", "email_verified"],
    WriteAttributes=["email"],
    PreventUserExistenceErrors="ENABLED",
    EnableTokenRevocation=True,
    AuthSessionValidity=5,
)


def comparable(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "LastModifiedDate"}


def run_cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
    env.pop("AWS_PROFILE", None)
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--region", REGION, "--endpoint-url", url, *args],
        capture_output=True, text=True, env=env, timeout=60,
    )


def integration() -> None:
    with Ministack() as ms:
        c = cognito_client(ms.url)
        pool_id = c.create_user_pool(**NON_DEFAULT_POOL)["UserPool"]["Id"]
        client_id = c.create_user_pool_client(UserPoolId=pool_id, **NON_DEFAULT_CLIENT)["UserPoolClient"]["ClientId"]
        before = c.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        client_before = c.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
        base = ["--pool-id", pool_id, "--function-arn", LOCAL_FN]
        state: dict[str, Any] = {}

        def t_pool_created_as_asked() -> None:
            for k, v in NON_DEFAULT_POOL.items():
                got = before.get("Name" if k == "PoolName" else k)
                assert got == v, f"ministack stored {k}={got!r}, asked {v!r} (the test's premise)"

        def t_dry_run_changes_nothing() -> None:
            p = run_cli(ms.url, *base, "--web-client-id", client_id, "--dry-run")
            assert p.returncode == 0, f"exit {p.returncode}: {p.stdout} {p.stderr}"
            for t in at.TRIGGERS:
                assert f"LambdaConfig.{t}: (unset) -> \"{LOCAL_FN}\"" in p.stdout, p.stdout
            assert "ExplicitAuthFlows" in p.stdout and "dry run, nothing changed" in p.stdout, p.stdout
            assert comparable(c.describe_user_pool(UserPoolId=pool_id)["UserPool"]) == comparable(before), "changed"

        def t_attach_in_process() -> None:
            sent: dict[str, Any] = {}

            def capture(params: dict, model: Any, **_: Any) -> None:
                sent[model.name] = copy.deepcopy(params)

            c.meta.events.register("before-parameter-build.cognito-idp.*", capture)
            args = at.parse_args(base + ["--region", REGION, "--endpoint-url", ms.url, "--web-client-id", client_id])
            out = io.StringIO()
            code = at.run(args, c, out=out)
            c.meta.events.unregister("before-parameter-build.cognito-idp.*", capture)
            assert code == 0, out.getvalue()
            assert "UpdateUserPool" in sent and "UpdateUserPoolClient" in sent, f"calls {sorted(sent)}"
            state["sent"], state["out"] = sent, out.getvalue()

        def t_request_carries_every_setting() -> None:
            # ministack would keep an omitted setting; Cognito would reset it: so the request itself must hold all.
            req = state["sent"]["UpdateUserPool"]
            for member in POOL_SHAPE.members:
                source = at.POOL_RENAMED.get(member, member)
                if before.get(source) in (None, {}, [], ""):
                    continue
                assert member in req, f"UpdateUserPool request omits {member} (Cognito would reset it)"
            creq = state["sent"]["UpdateUserPoolClient"]
            for member in CLIENT_SHAPE.members:
                if client_before.get(member) not in (None, {}, [], ""):
                    assert member in creq, f"UpdateUserPoolClient request omits {member} (Cognito would reset it)"

        def t_pool_unchanged_but_triggers() -> None:
            after = c.describe_user_pool(UserPoolId=pool_id)["UserPool"]
            want_lc = dict(before["LambdaConfig"], **{t: LOCAL_FN for t in at.TRIGGERS})
            assert after["LambdaConfig"] == want_lc, f"LambdaConfig {after['LambdaConfig']} != {want_lc}"
            a = {k: v for k, v in comparable(after).items() if k != "LambdaConfig"}
            b = {k: v for k, v in comparable(before).items() if k != "LambdaConfig"}
            assert a == b, "changed: " + "; ".join(at.diff(b, a))

        def t_client_unchanged_but_flows() -> None:
            after = c.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
            flows = after.get("ExplicitAuthFlows")
            assert set(flows) == set(client_before["ExplicitAuthFlows"]) | set(at.WEB_FLOWS), flows
            a = {k: v for k, v in comparable(after).items() if k != "ExplicitAuthFlows"}
            b = {k: v for k, v in comparable(client_before).items() if k != "ExplicitAuthFlows"}
            assert a == b, "changed: " + "; ".join(at.diff(b, a))

        def t_rerun_is_a_no_op() -> None:
            mark = c.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LastModifiedDate"]
            time.sleep(1.1)
            p = run_cli(ms.url, *base, "--web-client-id", client_id)
            assert p.returncode == 0, f"exit {p.returncode}: {p.stdout} {p.stderr}"
            assert "already name" in p.stdout and "already allows" in p.stdout, p.stdout
            now = c.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LastModifiedDate"]
            assert now == mark, "a rerun called UpdateUserPool again"

        def t_refuses_other_function_without_force() -> None:
            snapshot = comparable(c.describe_user_pool(UserPoolId=pool_id)["UserPool"])
            p = run_cli(ms.url, "--pool-id", pool_id, "--function-arn", LOCAL_OTHER)
            assert p.returncode == 1 and "refused" in p.stdout and "--force" in p.stdout, p.stdout + p.stderr
            assert comparable(c.describe_user_pool(UserPoolId=pool_id)["UserPool"]) == snapshot, "changed on refusal"
            p = run_cli(ms.url, "--pool-id", pool_id, "--function-arn", LOCAL_OTHER, "--force")
            assert p.returncode == 0, p.stdout + p.stderr
            lc = c.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LambdaConfig"]
            assert all(lc[t] == LOCAL_OTHER for t in at.TRIGGERS), lc
            assert lc["PreSignUp"] == NON_DEFAULT_POOL["LambdaConfig"]["PreSignUp"], lc

        def t_unknown_pool_fails_clearly() -> None:
            p = run_cli(ms.url, "--pool-id", f"{REGION}_doesNotExist1", "--function-arn", LOCAL_FN)
            assert p.returncode == 1 and "DescribeUserPool failed: ResourceNotFoundException" in p.stdout, p.stdout

        check("ministack-pool-created-as-asked", t_pool_created_as_asked)
        check("ministack-dry-run-changes-nothing", t_dry_run_changes_nothing)
        if check("ministack-attach", t_attach_in_process):
            check("ministack-request-carries-every-setting", t_request_carries_every_setting)
            check("ministack-pool-unchanged-but-triggers", t_pool_unchanged_but_triggers)
            check("ministack-client-unchanged-but-flows", t_client_unchanged_but_flows)
            check("ministack-rerun-is-a-no-op", t_rerun_is_a_no_op)
            check("ministack-refuses-other-function-without-force", t_refuses_other_function_without_force)
        check("ministack-unknown-pool-fails-clearly", t_unknown_pool_fails_clearly)

        # Not a check: how the emulator differs from Cognito, shown so nobody reads its merge as Cognito's.
        probe = c.create_user_pool(PoolName="probe", MfaConfiguration="OPTIONAL",
                                   SmsConfiguration=NON_DEFAULT_POOL["SmsConfiguration"])["UserPool"]["Id"]
        c.update_user_pool(UserPoolId=probe, LambdaConfig={"DefineAuthChallenge": LOCAL_FN})
        kept = c.describe_user_pool(UserPoolId=probe)["UserPool"].get("MfaConfiguration")
        print(f"note: ministack {'keeps' if kept == 'OPTIONAL' else 'resets'} settings an UpdateUserPool omits "
              f"(MfaConfiguration after a LambdaConfig-only update: {kept}); Cognito resets them", flush=True)


def main() -> int:
    units = [(n[2:].replace("_", "-"), f) for n, f in globals().items() if n.startswith("t_") and callable(f)]
    for name, fn in units:
        check(name, fn)
    try:
        integration()
    except Exception:  # noqa: BLE001 - ministack could not be started or set up
        check("ministack", lambda: (_ for _ in ()).throw(AssertionError(traceback.format_exc(limit=4))))
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    return 0 if RESULTS["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
