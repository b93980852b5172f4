"""Self-test of the scanners' acknowledgement matching (scanners.py): an earned
acknowledgement passes; a stale one, an unacknowledged finding, one not honoured and one
on the wrong construct are reported; acknowledgements are read as each scanner reads them."""

import unittest

import scanners

POLICY = "ConformanceStack/SsmAccess/ApiSessionPolicy"
IAM5 = "AwsSolutions-IAM5[Resource::*]"


class CompareTest(unittest.TestCase):
    def test_earned_acknowledgements_pass(self):
        acks = {("AWS::IAM::ManagedPolicy.ApiSessionPolicy", "CKV_AWS_111")}
        found_off = {("AWS::IAM::ManagedPolicy.ApiSessionPolicy", "CKV_AWS_111"): "write access"}
        self.assertEqual(scanners.compare(acks, {}, found_off), [])

    def test_stale_acknowledgement_fails(self):
        acks = {("aws_iam_policy_document.api", "CKV_AWS_111"),
                ("aws_iam_policy_document.api", "CKV_AWS_999")}
        found_off = {("aws_iam_policy_document.api", "CKV_AWS_111"): "write access"}
        self.assertEqual(scanners.compare(acks, {}, found_off),
                         ["stale acknowledgement: aws_iam_policy_document.api CKV_AWS_999"])

    def test_acknowledgement_on_another_resource_is_stale_and_its_finding_unacknowledged(self):
        acks = {("aws_iam_policy_document.web", "CKV_AWS_356")}
        found_off = {("aws_iam_policy_document.api", "CKV_AWS_356"): "no * resource"}
        self.assertEqual(scanners.compare(acks, {}, found_off), [
            "stale acknowledgement: aws_iam_policy_document.web CKV_AWS_356",
            "unacknowledged finding: aws_iam_policy_document.api CKV_AWS_356 no * resource"])

    def test_finding_as_generated_fails_once(self):
        found = {("aws_ssm_document.prefs", "CKV_AWS_113"): "logs encrypted"}
        self.assertEqual(scanners.compare(set(), found, dict(found)),
                         ["unacknowledged finding: aws_ssm_document.prefs CKV_AWS_113 logs encrypted"])

    def test_acknowledgement_not_honoured(self):
        acks = {(POLICY, IAM5)}
        found = {(POLICY + "/Resource", IAM5): "wildcard"}
        self.assertEqual(scanners.compare(acks, found, dict(found), covers=scanners.at_or_below),
                         [f"acknowledgement not honoured: {POLICY}/Resource {IAM5} wildcard"])

    def test_cdk_nag_acknowledgement_covers_constructs_below_only(self):
        acks = {(POLICY, IAM5)}
        below = {(POLICY + "/Resource", IAM5): "wildcard"}
        self.assertEqual(scanners.compare(acks, {}, below, covers=scanners.at_or_below), [])
        sibling = {(POLICY + "2/Resource", IAM5): "wildcard"}
        self.assertEqual(scanners.compare(acks, {}, sibling, covers=scanners.at_or_below), [
            f"stale acknowledgement: {POLICY} {IAM5}",
            f"unacknowledged finding: {POLICY}2/Resource {IAM5} wildcard"])

    def test_granular_finding_needs_its_own_acknowledgement(self):
        acks = {(POLICY, "AwsSolutions-IAM5")}
        found_off = {(POLICY + "/Resource", IAM5): "wildcard"}
        self.assertEqual(len(scanners.compare(acks, {}, found_off, covers=scanners.at_or_below)), 2)


class ReadingTest(unittest.TestCase):
    def test_terraform_skips_belong_to_their_block(self):
        text = ('data "aws_iam_policy_document" "api_session_policy" {\n'
                '  #checkov:skip=CKV_AWS_111:scoped by tag\n'
                '  #checkov:skip=CKV_AWS_356:no resource-level scoping\n'
                '  statement {}\n}\n\n'
                'resource "aws_ssm_document" "prefs" {\n'
                '  #checkov:skip=CKV_AWS_113\n}\n')
        self.assertEqual(scanners.tf_acknowledgements(text), {
            ("aws_iam_policy_document.api_session_policy", "CKV_AWS_111"),
            ("aws_iam_policy_document.api_session_policy", "CKV_AWS_356"),
            ("aws_ssm_document.prefs", "CKV_AWS_113")})

    def test_cloudformation_skips_are_read_and_removed(self):
        template = {"Resources": {
            "ApiSessionPolicy": {"Type": "AWS::IAM::ManagedPolicy", "Metadata": {"checkov": {"skip": [
                {"id": "CKV_AWS_111", "comment": "reason"}]}}, "Properties": {}},
            "ApiRole": {"Type": "AWS::IAM::Role", "Metadata": {"other": 1}, "Properties": {}}}}
        acks, stripped = scanners.cfn_acknowledgements_stripped(template)
        self.assertEqual(acks, {("AWS::IAM::ManagedPolicy.ApiSessionPolicy", "CKV_AWS_111")})
        self.assertNotIn("Metadata", stripped["Resources"]["ApiSessionPolicy"])
        self.assertEqual(stripped["Resources"]["ApiRole"]["Metadata"], {"other": 1})

    def test_cdk_acknowledgement_prefix(self):
        self.assertEqual(scanners.nag_rule("Annotation::" + IAM5), IAM5)
        self.assertEqual(scanners.nag_rule("annotation::" + IAM5), IAM5)
        self.assertEqual(scanners.nag_rule(IAM5), IAM5)


if __name__ == "__main__":
    unittest.main()
