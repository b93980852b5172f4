"""Unit tests of the Custom::SsmActivation Lambda handler (templates/activation/handler.py),
with botocore's Stubber: each case states the exact API calls the handler makes and the
response it PUTs to CloudFormation's ResponseURL. The activation code must never reach a
response, a log record or standard output/error."""

import contextlib
import importlib.util
import io
import json
import logging
import os
import pathlib
import time
import unittest
import zipfile
from datetime import datetime, timedelta, timezone
from unittest import mock

import botocore.session
from botocore.stub import Stubber

HANDLER = pathlib.Path(__file__).resolve().parents[2] / "templates" / "activation" / "handler.py"

REGION = "eu-west-1"
CODE = "Sq8XbTn2Vr5Lm0Kd7Wc4PzHy"  # CreateActivation's ActivationCode is 20 to 250 characters
AID = "0d9f7c2e-1b2a-4c3d-8e9f-0123456789ab"
NEW_AID = "7e6d5c4b-3a29-4180-9f0e-dcba98765432"
NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ssm/factory-plc-gateways-AbCdEf"
TOKEN = "arn:aws:lambda:eu-west-1:123456789012:function:ssm-activation"
URL = "https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x?X-Amz-Signature=ab"
PROPS = {
    "ServiceToken": TOKEN,
    "IamRole": "ssm/hybrid/factory-plc-gateways-role",
    "RegistrationLimit": "25",
    "ExpiryHours": "336",
    "DefaultInstanceName": "plc-gateway",
    "Description": "factory PLC gateways",
    "Tags": [{"Key": "ssmgen:fleet", "Value": "factory-plc-gateways"}],
    "SecretId": SECRET,
    "Renewal": "2025-03",
}
# CreateActivation as the handler must call it for PROPS at NOW.
CREATE_PARAMS = {
    "IamRole": "ssm/hybrid/factory-plc-gateways-role",
    "RegistrationLimit": 25,
    "ExpirationDate": NOW + timedelta(hours=336),
    "DefaultInstanceName": "plc-gateway",
    "Description": "factory PLC gateways",
    "Tags": [{"Key": "ssmgen:fleet", "Value": "factory-plc-gateways"}],
}
PUT_RESULT = {"ARN": SECRET, "Name": "ssm/factory-plc-gateways", "VersionId": "v" * 32}

# Where CloudFormation's documentation puts the limit on inline code: "This zip file
# cannot exceed 4MB" (AWS::Lambda::Function Code, ZipFile, as of cfn-lint 1.58.0's schema
# and https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-code.html).
# The 4096-character limit of old was lifted in 2022 (aws-cdk commit a014c30, #20624).
ZIP_LIMIT = 4 * 1024 * 1024
# ssmgen's own budget: the handler is inlined in the template, and a template body sent
# in the request is limited to 51,200 bytes; the handler keeps to 8 KiB of it.
BUDGET = 8 * 1024


def load_handler():
    spec = importlib.util.spec_from_file_location("activation_handler", HANDLER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FixedClock(datetime):
    @classmethod
    def now(cls, tz=None):
        return NOW.astimezone(tz) if tz else NOW.replace(tzinfo=None)


class SecretJson:
    """Equal to a JSON string holding this value (key order does not matter)."""

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return isinstance(other, str) and json.loads(other) == self.value

    def __repr__(self):
        return "SecretJson(...)"


class Context:
    def __init__(self, millis):
        self.millis = millis

    def get_remaining_time_in_millis(self):
        return self.millis


def secret_of(aid):
    return SecretJson({"ActivationId": aid, "ActivationCode": CODE,
                       "ExpirationDate": "2025-03-15T12:00:00+00:00", "Region": REGION})


def event(kind, props=None, old=None, pid=None):
    e = {"RequestType": kind, "ResponseURL": URL, "ResourceType": "Custom::SsmActivation",
         "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/ssm/0f1e2d3c",
         "RequestId": "7bfe2a13-5f2c-4a4f-9c51-000000000001",
         "LogicalResourceId": "FactoryPlcGatewaysActivation",
         "ResourceProperties": dict(props or PROPS)}
    if old is not None:
        e["OldResourceProperties"] = old
    if pid is not None:
        e["PhysicalResourceId"] = pid
    return e


PLACEHOLDER = "failed-7bfe2a13-5f2c-4a4f-9c51-000000000001"


class HandlerTest(unittest.TestCase):
    def setUp(self):
        env = {"AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
               "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "not-a-secret",
               "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
        patcher = mock.patch.dict(os.environ, env)
        patcher.start()
        self.addCleanup(patcher.stop)
        # The handler logs as in Lambda, whose runtime gives the root logger a handler;
        # without one, logging would print every record on standard error.
        quiet = logging.NullHandler()
        logging.getLogger().addHandler(quiet)
        self.addCleanup(logging.getLogger().removeHandler, quiet)
        self.mod = load_handler()
        self.mod.datetime = FixedClock
        session = botocore.session.get_session()
        self.clients = {name: session.create_client(name, region_name=REGION)
                        for name in ("ssm", "secretsmanager")}
        self.ssm = Stubber(self.clients["ssm"])
        self.sm = Stubber(self.clients["secretsmanager"])
        self.ssm.activate()
        self.sm.activate()
        self.mod.client = lambda name: self.clients[name]
        self.requests = []
        self.mod.urlopen = self.fake_urlopen

    def tearDown(self):
        self.ssm.assert_no_pending_responses()
        self.sm.assert_no_pending_responses()

    def fake_urlopen(self, request, timeout=None):
        self.requests.append(request)
        return io.BytesIO(b"")

    def run_handler(self, e, millis=60_000):
        self.mod.handler(e, Context(millis))
        self.assertEqual(len(self.requests), 1, "exactly one response to CloudFormation")
        request = self.requests[0]
        self.assertEqual(request.get_method(), "PUT")
        self.assertEqual(request.full_url, URL)
        # The URL is presigned for an empty Content-Type (urllib files it as Content-type).
        self.assertEqual(request.get_header("Content-type"), "")
        return json.loads(request.data)

    def assert_response(self, body, e, status, pid):
        self.assertEqual(body["Status"], status)
        self.assertEqual(body["PhysicalResourceId"], pid)
        self.assertEqual(body["Data"], {})
        for key in ("StackId", "RequestId", "LogicalResourceId"):
            self.assertEqual(body[key], e[key])
        if status == "FAILED":
            self.assertTrue(body["Reason"])
            self.assertNotIn("\n", body["Reason"])
            self.assertLessEqual(len(body["Reason"]), 400)
        self.assertNotIn(CODE, json.dumps(body))

    def expect_create(self, aid=AID, params=CREATE_PARAMS):
        self.ssm.add_response("create_activation", {"ActivationId": aid, "ActivationCode": CODE},
                              dict(params))

    def expect_secret(self, aid=AID):
        self.sm.add_response("put_secret_value", PUT_RESULT,
                             {"SecretId": SECRET, "SecretString": secret_of(aid)})

    # -- Create -------------------------------------------------------------------------

    def test_create_makes_the_activation_and_writes_the_secret(self):
        self.expect_create()
        self.expect_secret()
        e = event("Create")
        self.assert_response(self.run_handler(e), e, "SUCCESS", AID)

    def test_create_without_the_optional_properties(self):
        props = {k: v for k, v in PROPS.items()
                 if k not in ("DefaultInstanceName", "Description", "Tags", "Renewal")}
        self.expect_create(params={k: CREATE_PARAMS[k]
                                   for k in ("IamRole", "RegistrationLimit", "ExpirationDate")})
        self.expect_secret()
        e = event("Create", props)
        self.assert_response(self.run_handler(e), e, "SUCCESS", AID)

    def test_create_api_error_answers_failed_with_the_error(self):
        self.ssm.add_client_error("create_activation", "InvalidParameters",
                                  "Nonexistent role or missing ssm service principal in trust policy",
                                  expected_params=CREATE_PARAMS)
        e = event("Create")
        body = self.run_handler(e)
        self.assert_response(body, e, "FAILED", PLACEHOLDER)
        self.assertEqual(body["Reason"], "InvalidParameters: Nonexistent role or missing ssm "
                                         "service principal in trust policy")

    def test_missing_secret_deletes_the_activation_and_fails(self):
        self.expect_create()
        self.sm.add_client_error("put_secret_value", "ResourceNotFoundException",
                                 "Secrets Manager can't find the specified secret.",
                                 expected_params={"SecretId": SECRET, "SecretString": secret_of(AID)})
        self.ssm.add_response("delete_activation", {}, {"ActivationId": AID})
        e = event("Create")
        body = self.run_handler(e)
        self.assert_response(body, e, "FAILED", PLACEHOLDER)
        self.assertEqual(body["Reason"], "ResourceNotFoundException: Secrets Manager can't find "
                                         "the specified secret.; activation %s deleted" % AID)

    def test_secret_error_echoing_the_code_is_masked(self):
        self.expect_create()
        self.sm.add_client_error("put_secret_value", "InvalidParameterException",
                                 "bad SecretString {\"ActivationCode\": \"%s\"}" % CODE)
        self.ssm.add_client_error("delete_activation", "InternalServerError", "try later",
                                  expected_params={"ActivationId": AID})
        e = event("Create")
        body = self.run_handler(e)
        self.assert_response(body, e, "FAILED", PLACEHOLDER)
        self.assertIn("***", body["Reason"])
        self.assertIn("activation %s NOT deleted: InternalServerError" % AID, body["Reason"])

    def test_invalid_properties_fail_before_any_call(self):
        cases = {"721": "ExpiryHours 721: an activation lasts 1 to 720 hours (30 days)",
                 "0": "ExpiryHours 0: an activation lasts 1 to 720 hours (30 days)"}
        for hours, reason in cases.items():
            with self.subTest(hours=hours):
                self.requests.clear()
                e = event("Create", dict(PROPS, ExpiryHours=hours))
                body = self.run_handler(e)
                self.assert_response(body, e, "FAILED", PLACEHOLDER)
                self.assertEqual(body["Reason"], reason)
        self.requests.clear()
        e = event("Create", {k: v for k, v in PROPS.items() if k != "SecretId"})
        body = self.run_handler(e)
        self.assertEqual(body["Reason"], "missing properties: SecretId")

    # -- Update -------------------------------------------------------------------------

    def test_update_with_a_changed_property_issues_a_new_activation(self):
        changes = {"Renewal": ("2025-02", "2025-03"), "RegistrationLimit": ("10", "25"),
                   "Tags": ([], PROPS["Tags"])}
        for key, (before, after) in changes.items():
            with self.subTest(changed=key):
                self.requests.clear()
                self.expect_create(NEW_AID)
                self.expect_secret(NEW_AID)
                e = event("Update", dict(PROPS, **{key: after}),
                          old=dict(PROPS, **{key: before}), pid=AID)
                self.assert_response(self.run_handler(e), e, "SUCCESS", NEW_AID)
                self.ssm.assert_no_pending_responses()
                self.sm.assert_no_pending_responses()

    def test_update_of_the_service_token_only_changes_nothing(self):
        e = event("Update", PROPS, old=dict(PROPS, ServiceToken=TOKEN + "-old"), pid=AID)
        self.assert_response(self.run_handler(e), e, "SUCCESS", AID)

    def test_update_whose_secret_write_fails_keeps_the_old_activation(self):
        self.expect_create(NEW_AID)
        self.sm.add_client_error("put_secret_value", "ResourceNotFoundException", "no secret")
        self.ssm.add_response("delete_activation", {}, {"ActivationId": NEW_AID})
        e = event("Update", PROPS, old=dict(PROPS, Renewal="2025-02"), pid=AID)
        self.assert_response(self.run_handler(e), e, "FAILED", AID)

    # -- Delete -------------------------------------------------------------------------

    def test_delete_deletes_the_activation(self):
        self.ssm.add_response("delete_activation", {}, {"ActivationId": AID})
        e = event("Delete", pid=AID)
        self.assert_response(self.run_handler(e), e, "SUCCESS", AID)

    def test_delete_of_an_activation_already_gone_succeeds(self):
        for code in ("InvalidActivation", "InvalidActivationId"):
            with self.subTest(code=code):
                self.requests.clear()
                self.ssm.add_client_error("delete_activation", code, "The activation isn't valid.",
                                          expected_params={"ActivationId": AID})
                e = event("Delete", pid=AID)
                self.assert_response(self.run_handler(e), e, "SUCCESS", AID)

    def test_delete_of_a_failed_create_placeholder_calls_nothing(self):
        e = event("Delete", pid=PLACEHOLDER)
        self.assert_response(self.run_handler(e), e, "SUCCESS", PLACEHOLDER)

    def test_delete_retries_too_many_updates_then_fails(self):
        with mock.patch("time.sleep"):
            self.ssm.add_client_error("delete_activation", "TooManyUpdates", "busy",
                                      expected_params={"ActivationId": AID})
            self.ssm.add_response("delete_activation", {}, {"ActivationId": AID})
            e = event("Delete", pid=AID)
            self.assert_response(self.run_handler(e), e, "SUCCESS", AID)
            self.requests.clear()
            for _ in range(3):
                self.ssm.add_client_error("delete_activation", "TooManyUpdates", "busy",
                                          expected_params={"ActivationId": AID})
            body = self.run_handler(e)
            self.assert_response(body, e, "FAILED", AID)
            self.assertEqual(body["Reason"], "TooManyUpdates: busy")

    def test_delete_error_answers_failed(self):
        self.ssm.add_client_error("delete_activation", "AccessDeniedException",
                                  "not authorized to perform: ssm:DeleteActivation",
                                  expected_params={"ActivationId": AID})
        e = event("Delete", pid=AID)
        body = self.run_handler(e)
        self.assert_response(body, e, "FAILED", AID)
        self.assertTrue(body["Reason"].startswith("AccessDeniedException: "))

    # -- Secrecy, time, size ------------------------------------------------------------

    def test_the_code_never_reaches_logs_stdout_or_responses(self):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                self.assertLogs(level=logging.DEBUG) as logs:
            self.expect_create()
            self.expect_secret()
            self.mod.handler(event("Create"), Context(60_000))
            self.expect_create(NEW_AID)
            self.sm.add_client_error("put_secret_value", "ResourceNotFoundException", "no secret")
            self.ssm.add_response("delete_activation", {}, {"ActivationId": NEW_AID})
            self.mod.handler(event("Update", PROPS, old=dict(PROPS, Renewal="x"), pid=AID),
                             Context(60_000))
            # botocore logs request and response bodies at DEBUG (the Stubber skips that
            # part): should the root logger be at DEBUG, botocore must stay quieter.
            self.assertGreater(logging.getLogger("botocore").getEffectiveLevel(), logging.DEBUG)
        captured = "\n".join(logs.output) + out.getvalue() + err.getvalue()
        self.assertIn(AID, captured)  # the activation id is logged, so logging was captured
        self.assertNotIn(CODE, captured)
        for request in self.requests:
            self.assertNotIn(CODE, request.data.decode())

    def test_timeout_guard_answers_failed_and_removes_the_late_activation(self):
        # CreateActivation takes 0.5 s; with 0.4 s left the guard answers at 0.2 s.
        self.clients["ssm"].meta.events.register(
            "before-parameter-build.ssm.CreateActivation", lambda **_: time.sleep(0.5))
        self.expect_create()
        self.expect_secret()
        self.ssm.add_response("delete_activation", {}, {"ActivationId": AID})
        e = event("Create")
        body = self.run_handler(e, millis=400)
        self.assert_response(body, e, "FAILED", PLACEHOLDER)
        self.assertTrue(body["Reason"].startswith("timed out"))

    def test_response_put_is_retried(self):
        calls = []

        def flaky(request, timeout=None):
            calls.append(request)
            if len(calls) == 1:
                raise OSError("connection reset")
            return io.BytesIO(b"")

        self.mod.urlopen = flaky
        with mock.patch("time.sleep"):
            self.mod.handler(event("Delete", pid=PLACEHOLDER), Context(60_000))
        self.assertEqual(len(calls), 2)

    def test_inline_size_and_embedding(self):
        text = HANDLER.read_bytes()
        packed = io.BytesIO()
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("index.py", text)
        self.assertLess(len(packed.getvalue()), ZIP_LIMIT)
        self.assertLessEqual(len(text), BUDGET, "%d bytes" % len(text))
        # Inlined in YAML, JSON, TypeScript and Python sources: plain ASCII lines, and no
        # ${ (Fn::Sub, template literals) nor backquote.
        source = text.decode("ascii")
        for bad in ("\t", "\r", "${", "`"):
            self.assertNotIn(bad, source)
        self.assertTrue(source.endswith("\n"))


if __name__ == "__main__":
    unittest.main()
