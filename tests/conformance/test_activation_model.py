"""The activation reader must tell different activations and providers apart, refuse
what would leak an activation code, and read every target's form the same way."""

import copy
import unittest

import iam_model
from iam_model import CfnEvaluator, cfn_statements, PSEUDO_SETS
from activation_model import (Unresolvable, from_cloudformation, from_script,
                              from_terraform, provider_resources)

PSEUDO = PSEUDO_SETS["aws"]

TEMPLATE = {
    "Parameters": {"ActivationRenewal": {"Type": "String", "Default": "1"}},
    "Resources": {
        "PlcRole": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": "f-plc-ssm", "Path": "/",
            "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                        "Principal": {"Service": "ssm.amazonaws.com"}}]}}},
        "ActivationProviderRole": {"Type": "AWS::IAM::Role", "Properties": {
            "Path": "/",
            "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                        "Principal": {"Service": "lambda.amazonaws.com"}}]}}},
        "ActivationProviderPolicy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "Roles": [{"Ref": "ActivationProviderRole"}],
            "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": ["ssm:CreateActivation"],
                                              "Resource": "*"}]}}},
        "ActivationProviderLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {
            "LogGroupName": "/aws/lambda/f-activations", "RetentionInDays": 365}},
        "ActivationProvider": {"Type": "AWS::Lambda::Function", "Properties": {
            "FunctionName": "f-activations", "Runtime": "python3.14", "Handler": "index.handler",
            "Timeout": 120, "MemorySize": 128, "Code": {"ZipFile": "def handler(e, c): pass\n"},
            "Role": {"Fn::GetAtt": ["ActivationProviderRole", "Arn"]}}},
        "ActivationProviderInvokeConfig": {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": {
            "FunctionName": {"Ref": "ActivationProvider"}, "Qualifier": "$LATEST",
            "MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 300}},
        "PlcActivationSecret": {"Type": "AWS::SecretsManager::Secret", "Properties": {
            "Name": "f/plc/activation", "Description": "d"}},
        "PlcActivation": {"Type": "Custom::SsmActivation",
                          "DependsOn": ["ActivationProviderInvokeConfig", "PlcActivationSecret",
                                        "ActivationProviderPolicy", "PlcRole"],
                          "Properties": {
            "ServiceToken": {"Fn::GetAtt": ["ActivationProvider", "Arn"]}, "ServiceTimeout": 300,
            "IamRole": "f-plc-ssm", "RegistrationLimit": "25", "ExpiryHours": "336",
            "DefaultInstanceName": "plc", "Description": "PLCs",
            "Tags": [{"Key": "line", "Value": "3"}], "SecretId": "f/plc/activation",
            "Renewal": {"Ref": "ActivationRenewal"}}},
    },
}

SCRIPT = """activation=$(aws ssm create-activation \\
  --iam-role 'f-plc-ssm' \\
  --registration-limit 25 \\
  --expiration-date "$(expiry 336)" \\
  --description 'PLCs' \\
  --default-instance-name 'plc' \\
  --tags '[{"Key":"line","Value":"3"}]' \\
  --region "$region" \\
  --query '[ActivationId,ActivationCode]' \\
  --output text)
"""


def read(template, script=None):
    return from_cloudformation(template, CfnEvaluator(template, PSEUDO), cfn_statements, script)


class ActivationModelTest(unittest.TestCase):
    def test_the_provider_is_read_and_left_out_of_the_iam_roles(self):
        activations, provider = read(TEMPLATE)
        self.assertEqual(activations, {"f-plc-ssm": {
            "registration_limit": 25, "expiry_hours": 336, "default_instance_name": "plc",
            "description": "PLCs", "tags": {"line": "3"}}})
        self.assertEqual(provider["custom"]["f-plc-ssm"]["renewal"], "1")
        self.assertEqual(provider["custom"]["f-plc-ssm"]["waits_for"], [
            "AWS::IAM::ManagedPolicy", "AWS::Lambda::EventInvokeConfig", "AWS::SecretsManager::Secret"])
        self.assertEqual(provider["invoke_config"]["retries"], 0)
        self.assertEqual(provider["function"]["runtime"], "python3.14")
        self.assertEqual(provider["secrets"]["f/plc/activation"]["initial_value"], False)
        self.assertEqual([s["actions"] for s in provider["role"]["statements"]], [["ssm:CreateActivation"]])
        self.assertNotIn("PlcRole", provider_resources(TEMPLATE))
        model = iam_model.from_cloudformation(TEMPLATE, PSEUDO)
        self.assertEqual(sorted(model["roles"]), ["f-plc-ssm"])
        self.assertEqual(model["policies"], {})

    def test_every_value_counts(self):
        _, base = read(TEMPLATE)
        changes = [
            ("PlcActivation", "ExpiryHours", "24"),
            ("PlcActivation", "Renewal", "2"),
            ("PlcActivation", "ServiceTimeout", 3600),
            ("ActivationProvider", "Runtime", "python3.12"),
            ("ActivationProvider", "Code", {"ZipFile": "other"}),
            ("ActivationProviderInvokeConfig", "MaximumRetryAttempts", 2),
            ("ActivationProviderLogs", "RetentionInDays", 30),
            ("PlcActivationSecret", "SecretString", "{}"),
        ]
        for lid, key, value in changes:
            t = copy.deepcopy(TEMPLATE)
            t["Resources"][lid]["Properties"][key] = value
            acts, provider = read(t)
            self.assertTrue((acts, provider) != read(TEMPLATE), f"{lid}.{key}")
        t = copy.deepcopy(TEMPLATE)
        t["Resources"]["PlcActivation"]["DependsOn"].remove("ActivationProviderInvokeConfig")
        self.assertNotEqual(read(t)[1], base)

    def test_a_logging_config_naming_the_default_group_reads_as_none(self):
        # The CDK sets LoggingConfig (logGroup prop); CloudFormation leaves Lambda's default.
        t = copy.deepcopy(TEMPLATE)
        t["Resources"]["ActivationProvider"]["Properties"]["LoggingConfig"] = {
            "LogGroup": {"Ref": "ActivationProviderLogs"}}
        self.assertEqual(read(t), read(TEMPLATE))
        t["Resources"]["ActivationProvider"]["Properties"]["LoggingConfig"] = {"LogGroup": "/other"}
        self.assertNotEqual(read(t), read(TEMPLATE))

    def test_reading_an_activation_attribute_or_a_secret_value_is_refused(self):
        leaks = [
            {"Outputs": {"Code": {"Value": {"Fn::GetAtt": ["PlcActivation", "ActivationCode"]}}}},
            {"Outputs": {"Id": {"Value": {"Ref": "PlcActivation"}}}},
            {"Outputs": {"S": {"Value": "{{resolve:secretsmanager:f/plc/activation}}"}}},
        ]
        for extra in leaks:
            with self.assertRaises(Unresolvable, msg=extra):
                read(dict(TEMPLATE, **extra))

    def test_the_script_and_terraform_read_as_the_custom_resource_does(self):
        custom, _ = read(TEMPLATE)
        self.assertEqual(from_script(SCRIPT), custom)
        no_custom = copy.deepcopy(TEMPLATE)
        del no_custom["Resources"]["PlcActivation"]
        self.assertEqual(read(no_custom, SCRIPT)[0], custom)
        with self.assertRaises(Unresolvable):
            read(TEMPLATE, SCRIPT)
        blocks = {
            ("resource", "time_offset", "plc_expiry"): {"offset_hours": 336},
            ("resource", "aws_ssm_activation", "plc"): {
                "name": "plc", "description": "PLCs", "iam_role": "f-plc-ssm",
                "registration_limit": 25, "expiration_date": "${time_offset.plc_expiry.rfc3339}",
                "tags": {"line": "3"}},
        }
        ev = iam_model.TfEvaluator(blocks, PSEUDO)
        self.assertEqual(from_terraform(ev, blocks), custom)
        blocks[("resource", "time_offset", "plc_expiry")] = {"offset_hours": 24}
        self.assertNotEqual(from_terraform(ev, blocks), custom)


if __name__ == "__main__":
    unittest.main()
