"""Self-test of the permission comparer: equal outputs compare equal, and one broken
action name, resource, principal or condition in one target is reported."""

import json
import unittest
from pathlib import Path

import hcl2

import iam_model
from conformance import Failure, check_policies, load_cfn

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
PSEUDO = iam_model.PSEUDO_SETS["aws"]


def golden_models(example):
    d = GOLDEN / example
    cfn = load_cfn(d / "cloudformation" / "template.yaml")
    parsed = []
    for f in sorted((d / "terraform").glob("*.tf")):
        with open(f) as fh:
            parsed.append(hcl2.load(fh))
    return cfn, parsed


class ComparerTest(unittest.TestCase):
    def test_cloudformation_and_terraform_goldens_agree(self):
        for example in ("session-only-ec2", "mixed-fleets", "hybrid-activation"):
            cfn, tf = golden_models(example)
            pseudo = dict(PSEUDO)
            if example == "hybrid-activation":
                pseudo.update({"AWS::AccountId": "444455556666", "AWS::Region": "eu-central-1"})
            a = iam_model.from_cloudformation(cfn, pseudo)
            b = iam_model.from_terraform(tf, pseudo)
            self.assertTrue(a["policies"], example)
            self.assertEqual(iam_model.diff(a, b), [], example)

    def mutated(self, transform):
        cfn, tf = golden_models("session-only-ec2")
        text = json.dumps(cfn)
        broken = json.loads(transform(text))
        a = iam_model.from_cloudformation(broken, PSEUDO)
        b = iam_model.from_terraform(tf, PSEUDO)
        return iam_model.diff(a, b)

    def test_one_broken_action_name_is_reported(self):
        d = self.mutated(lambda t: t.replace("ssmmessages:OpenDataChannel", "ssmmessages:OpenDataChanel", 1))
        self.assertTrue(d)
        self.assertTrue(any("OpenDataChanel" in line for line in d), d)

    def test_one_widened_resource_is_reported(self):
        d = self.mutated(lambda t: t.replace(":log-group:", ":log-group:*", 1))
        self.assertTrue(d)

    def test_one_changed_principal_is_reported(self):
        d = self.mutated(lambda t: t.replace("ec2.", "ssm.", 1))
        self.assertTrue(any("trust" in line for line in d), d)

    def test_a_changed_required_region_is_reported(self):
        d = self.mutated(lambda t: t.replace('{"Ref": "AWS::Region"}, "eu-west-1"]',
                                             '{"Ref": "AWS::Region"}, "eu-west-2"]', 1))
        self.assertTrue(any("required_region" in line for line in d), d)

    def test_statement_grouping_and_order_do_not_count(self):
        cfn, _ = golden_models("session-only-ec2")
        a = iam_model.from_cloudformation(cfn, PSEUDO)
        for res in cfn["Resources"].values():
            if res["Type"] == "AWS::IAM::ManagedPolicy":
                statements = res["Properties"]["PolicyDocument"]["Statement"]
                statements.reverse()
                for st in statements:
                    st.pop("Sid", None)
                    if isinstance(st["Action"], list):
                        st["Action"].reverse()
        b = iam_model.from_cloudformation(cfn, PSEUDO)
        self.assertEqual(iam_model.diff(a, b), [])


class PolicyLintTest(unittest.TestCase):
    def test_generated_policies_pass_and_a_misspelt_action_fails(self):
        cfn, _ = golden_models("mixed-fleets")
        model = iam_model.from_cloudformation(cfn, PSEUDO)
        check_policies(model)
        broken = json.loads(json.dumps(model).replace("s3:PutObjectAcl", "s3:PutObjectAcll", 1))
        with self.assertRaises(Failure):
            check_policies(broken)


if __name__ == "__main__":
    unittest.main()
