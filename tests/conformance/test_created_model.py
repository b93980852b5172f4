"""The created-resources reader must read CloudFormation and Terraform forms of the same
key, bucket and log group the same way, and tell different ones apart."""

import copy
import unittest

from iam_model import CfnEvaluator, TfEvaluator, PSEUDO_SETS
import created_model
from created_model import CREATED_BUCKET_NAME, Unresolvable, key_arn

PSEUDO = PSEUDO_SETS["aws"]
RETAIN = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
ROOT = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
GROUP_ARN = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/ssm/f/sessions"

TEMPLATE = {"Resources": {
    "WebRole": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "f-web-ssm", "Path": "/"}},
    "SessionKey": dict(RETAIN, Type="AWS::KMS::Key", Properties={
        "Description": "d", "EnableKeyRotation": True, "KeySpec": "SYMMETRIC_DEFAULT",
        "KeyUsage": "ENCRYPT_DECRYPT", "Tags": [{"Key": "team", "Value": "p"}],
        "KeyPolicy": {"Version": "2012-10-17", "Statement": [
            {"Sid": "AccountAdministersKey", "Effect": "Allow", "Principal": {"AWS": ROOT},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "FleetRolesUseKey", "Effect": "Allow",
             "Principal": {"AWS": [{"Fn::GetAtt": ["WebRole", "Arn"]}]},
             "Action": ["kms:Decrypt"], "Resource": "*"},
            {"Sid": "CloudWatchLogsUseKey", "Effect": "Allow",
             "Principal": {"Service": {"Fn::Sub": "logs.${AWS::Region}.${AWS::URLSuffix}"}},
             "Action": ["kms:Encrypt*"], "Resource": "*",
             "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": {"Fn::Sub": GROUP_ARN}}}}]}}),
    "SessionKeyAlias": {"Type": "AWS::KMS::Alias", "Properties": {
        "AliasName": "alias/f-sessions", "TargetKeyId": {"Ref": "SessionKey"}}},
    "SessionLogBucket": dict(RETAIN, Type="AWS::S3::Bucket", Properties={
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
            "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                              "KMSMasterKeyID": {"Fn::GetAtt": ["SessionKey", "Arn"]}},
            "BucketKeyEnabled": True}]},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                           "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        "VersioningConfiguration": {"Status": "Enabled"},
        "LifecycleConfiguration": {"Rules": [{
            "Id": "ExpireSessionLogs", "Status": "Enabled", "ExpirationInDays": 400,
            "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}]},
        "Tags": [{"Key": "team", "Value": "p"}]}),
    "SessionLogBucketPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
        "Bucket": {"Ref": "SessionLogBucket"},
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"},
            "Action": "s3:*",
            "Resource": [{"Fn::GetAtt": ["SessionLogBucket", "Arn"]},
                         {"Fn::Sub": "${SessionLogBucket.Arn}/*"}],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}},
    "SessionLogGroup": dict(RETAIN, Type="AWS::Logs::LogGroup", Properties={
        "LogGroupName": "/ssm/f/sessions", "RetentionInDays": 365,
        "KmsKeyId": {"Fn::GetAtt": ["SessionKey", "Arn"]},
        "Tags": [{"Key": "team", "Value": "p"}]}),
}}

P = "${data.aws_partition.current.partition}"
R = "${data.aws_region.current.region}"
A = "${data.aws_caller_identity.current.account_id}"
KEEP = [{"prevent_destroy": True}]


def tf_blocks():
    b = {}
    b[("data", "aws_partition", "current")] = {}
    b[("data", "aws_region", "current")] = {}
    b[("data", "aws_caller_identity", "current")] = {}
    b[("resource", "aws_iam_role", "web")] = {"name": "f-web-ssm", "path": "/"}
    b[("resource", "aws_kms_key", "session_key")] = {
        "description": "d", "enable_key_rotation": True, "tags": {"team": "p"},
        "policy": "${data.aws_iam_policy_document.session_key.json}", "lifecycle": KEEP}
    b[("data", "aws_iam_policy_document", "session_key")] = {"statement": [
        {"sid": "AccountAdministersKey", "effect": "Allow", "actions": ["kms:*"], "resources": ["*"],
         "principals": [{"type": "AWS", "identifiers": [f"arn:{P}:iam::{A}:root"]}]},
        {"sid": "FleetRolesUseKey", "effect": "Allow", "actions": ["kms:Decrypt"], "resources": ["*"],
         "principals": [{"type": "AWS", "identifiers": ["${aws_iam_role.web.arn}"]}]},
        {"sid": "CloudWatchLogsUseKey", "effect": "Allow", "actions": ["kms:Encrypt*"],
         "resources": ["*"],
         "principals": [{"type": "Service",
                         "identifiers": [f"logs.{R}.${{data.aws_partition.current.dns_suffix}}"]}],
         "condition": [{"test": "ArnEquals", "variable": "kms:EncryptionContext:aws:logs:arn",
                        "values": [f"arn:{P}:logs:{R}:{A}:log-group:/ssm/f/sessions"]}]}]}
    b[("resource", "aws_kms_alias", "session_key_alias")] = {
        "name": "alias/f-sessions", "target_key_id": "${aws_kms_key.session_key.key_id}"}
    bucket = "${aws_s3_bucket.session_log_bucket.id}"
    b[("resource", "aws_s3_bucket", "session_log_bucket")] = {
        "bucket_prefix": "f-session-logs-", "tags": {"team": "p"}, "lifecycle": KEEP}
    b[("resource", "aws_s3_bucket_server_side_encryption_configuration", "session_log_bucket")] = {
        "bucket": bucket, "rule": [{"bucket_key_enabled": True,
                                    "apply_server_side_encryption_by_default": [{
                                        "sse_algorithm": "aws:kms",
                                        "kms_master_key_id": "${aws_kms_key.session_key.arn}"}]}]}
    b[("resource", "aws_s3_bucket_public_access_block", "session_log_bucket")] = {
        "bucket": bucket, "block_public_acls": True, "block_public_policy": True,
        "ignore_public_acls": True, "restrict_public_buckets": True}
    b[("resource", "aws_s3_bucket_ownership_controls", "session_log_bucket")] = {
        "bucket": bucket, "rule": [{"object_ownership": "BucketOwnerEnforced"}]}
    b[("resource", "aws_s3_bucket_versioning", "session_log_bucket")] = {
        "bucket": bucket, "versioning_configuration": [{"status": "Enabled"}]}
    b[("resource", "aws_s3_bucket_lifecycle_configuration", "session_log_bucket")] = {
        "bucket": bucket, "rule": [{
            "id": "ExpireSessionLogs", "status": "Enabled", "filter": [{}],
            "expiration": [{"days": 400}],
            "noncurrent_version_expiration": [{"noncurrent_days": 30}],
            "abort_incomplete_multipart_upload": [{"days_after_initiation": 7}]}]}
    b[("resource", "aws_s3_bucket_policy", "session_log_bucket")] = {
        "bucket": bucket, "policy": "${data.aws_iam_policy_document.session_log_bucket.json}"}
    b[("data", "aws_iam_policy_document", "session_log_bucket")] = {"statement": [{
        "sid": "DenyInsecureTransport", "effect": "Deny", "actions": ["s3:*"],
        "resources": ["${aws_s3_bucket.session_log_bucket.arn}",
                      "${aws_s3_bucket.session_log_bucket.arn}/*"],
        "principals": [{"type": "*", "identifiers": ["*"]}],
        "condition": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]}]}
    b[("resource", "aws_cloudwatch_log_group", "session_log_group")] = {
        "name": "/ssm/f/sessions", "retention_in_days": 365,
        "kms_key_id": "${aws_kms_key.session_key.arn}", "tags": {"team": "p"}, "lifecycle": KEEP}
    return b


def cfn(template):
    return created_model.from_cloudformation(template, CfnEvaluator(template, PSEUDO), set())


def tf(blocks):
    return created_model.from_terraform(TfEvaluator(blocks, PSEUDO), blocks)


class CreatedModelTest(unittest.TestCase):
    def test_both_forms_of_the_same_resources_read_the_same(self):
        a, b = cfn(TEMPLATE), tf(tf_blocks())
        self.assertEqual(a, b)
        self.assertEqual(a["key"]["alias"], ["alias/f-sessions"])
        self.assertEqual(a["bucket"]["key"], key_arn(PSEUDO))
        self.assertEqual(a["bucket"]["policy"][0]["principals"], ["*"])
        self.assertIn("AWS:arn:aws:iam::123456789012:role/f-web-ssm",
                      [p for s in a["key"]["policy"] for p in s["principals"]])
        self.assertTrue(a["key"]["retain"] and a["bucket"]["retain"] and a["log_group"]["retain"])

    def test_a_different_statement_or_setting_reads_differently(self):
        base = cfn(TEMPLATE)
        for change in (
            lambda t: t["Resources"]["SessionKey"]["Properties"]["KeyPolicy"]["Statement"][1]
                       .update(Action=["kms:Decrypt", "kms:Encrypt"]),
            lambda t: t["Resources"]["SessionLogBucketPolicy"]["Properties"]["PolicyDocument"]
                       ["Statement"][0]["Condition"]["Bool"].update({"aws:SecureTransport": "true"}),
            lambda t: t["Resources"]["SessionLogBucket"].pop("DeletionPolicy"),
            lambda t: t["Resources"]["SessionLogBucket"]["Properties"]
                       ["PublicAccessBlockConfiguration"].update(BlockPublicPolicy=False),
            lambda t: t["Resources"]["SessionLogGroup"]["Properties"].update(RetentionInDays=30),
            lambda t: t["Resources"]["SessionKey"]["Properties"].update(EnableKeyRotation=False),
        ):
            t = copy.deepcopy(TEMPLATE)
            change(t)
            self.assertNotEqual(cfn(t), base)

    def test_references_resolve_to_the_call_models_values(self):
        ev = CfnEvaluator(TEMPLATE, PSEUDO)
        self.assertEqual(ev.eval({"Ref": "SessionLogBucket"}), CREATED_BUCKET_NAME)
        self.assertEqual(ev.eval({"Fn::GetAtt": ["SessionKey", "Arn"]}), key_arn(PSEUDO))
        self.assertTrue(ev.eval({"Fn::GetAtt": ["SessionLogGroup", "Arn"]}).endswith(":/ssm/f/sessions:*"))

    def test_a_named_bucket_or_a_second_key_is_refused(self):
        t = copy.deepcopy(TEMPLATE)
        t["Resources"]["SessionLogBucket"]["Properties"]["BucketName"] = "x"
        with self.assertRaises(Unresolvable):
            cfn(t)
        t = copy.deepcopy(TEMPLATE)
        t["Resources"]["Other"] = copy.deepcopy(t["Resources"]["SessionKey"])
        with self.assertRaises(Unresolvable):
            cfn(t)

    def test_nothing_created_reads_as_none(self):
        self.assertEqual(cfn({"Resources": {}}), {"key": None, "bucket": None, "log_group": None})


if __name__ == "__main__":
    unittest.main()
