"""CDK assertion tests of the generated Python construct's API (CDK-API.md), on the
construct of examples/operators-encrypted.yaml (project payments: account and Region
pinned, two EC2 fleets api and workers, one session key, log bucket and log group for
both, operators oncall and deployer): the same seven cases as payments.ts.
cdk_assertions_py.py copies the construct beside this file and runs it with the suite's
Python; it prints one line per case and exits non-zero when one fails. Plain Python (no
pytest), aws-cdk-lib's own assertions (Template, Annotations, Match).
"""

import json
import sys
import traceback

import aws_cdk as cdk
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match, Template

from payments_ssm_access import PaymentsSsmAccess

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def check(ok, message):
    if not ok:
        raise AssertionError(message)


def raises(body, text):
    try:
        body()
    except ValueError as e:
        check(text in str(e), f"expected a ValueError with {text!r}, got {e}")
        return
    raise AssertionError(f"expected a ValueError with {text!r}, got none")


# The physical names a resource sets, by the property CloudFormation names it with.
NAME_PROPERTIES = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::SSM::Document": "Name",
}


def physical_names(app):
    """Every physical name the app's stacks set, with where."""
    names = []
    for stack in app.synth().stacks:
        for lid, r in stack.template.get("Resources", {}).items():
            prop = NAME_PROPERTIES.get(r["Type"])
            if prop and prop in r.get("Properties", {}):
                names.append((json.dumps(r["Properties"][prop], sort_keys=True),
                              f"{stack.stack_name}/{lid}"))
    return names


def duplicates(names):
    seen, dup = {}, []
    for name, where in names:
        if name in seen:
            dup.append(f"{name}: {seen[name]} and {where}")
        seen[name] = where
    return dup


def atoms(statements):
    """(action, resource, conditions) atoms of policy statements: one per action, resource
    and value of each multi-valued condition, so that equal grants written differently
    (merged, split, ordered otherwise) compare equal."""
    def listed(v):
        return v if isinstance(v, list) else [v]

    out = set()
    for s in statements:
        conditions = [[]]
        for op, by_key in sorted(s.get("Condition", {}).items()):
            for key, values in sorted(by_key.items()):
                conditions = [c + [f"{op}:{key}={json.dumps(v, sort_keys=True)}"]
                              for c in conditions for v in listed(values)]
        for a in listed(s["Action"]):
            for r in listed(s["Resource"]):
                for c in conditions:
                    out.add(json.dumps([a, r, c], sort_keys=True))
    return out


def statements_of(template, type_, props):
    """The statements of the one resource of `type_` whose properties match `props`."""
    found = list(template.find_resources(type_, {"Properties": props}).values())
    check(len(found) == 1, f"expected one {type_} with {props}, found {len(found)}")
    return found[0]["Properties"]["PolicyDocument"]["Statement"]


def same_sets(a, b, what):
    only_a, only_b = sorted(a - b), sorted(b - a)
    check(not only_a and not only_b,
          f"{what}: only in the first {only_a}, only in the second {only_b}")


def logical_id(stack, construct):
    return stack.get_logical_id(construct.node.default_child)


@case
def case_1_generated_names_share_no_physical_name():
    """1. two instances with generated_names in two stacks share no physical name"""
    app = cdk.App()
    for name in ("One", "Two"):
        PaymentsSsmAccess(cdk.Stack(app, name), "SsmAccess", generated_names=True)
    dup = duplicates(physical_names(app))
    check(not dup, f"shared physical names: {'; '.join(dup)}")
    # The check sees collisions: with the spec's names the two instances share every name.
    named = cdk.App()
    for name in ("One", "Two"):
        PaymentsSsmAccess(cdk.Stack(named, name), "SsmAccess")
    check(len(duplicates(physical_names(named))) >= 7, "the spec's names should collide")


@case
def case_2_contradicted_pin_fails_synth():
    """2. a stack whose account contradicts the pinned one fails synth"""
    app = cdk.App()
    wrong = cdk.Stack(app, "Wrong", env=cdk.Environment(account="999988887777", region="us-east-1"))
    PaymentsSsmAccess(wrong, "SsmAccess")
    Annotations.from_stack(wrong).has_error(
        "/Wrong/SsmAccess",
        Match.string_like_regexp("pins account 111122223333, this stack is for account 999988887777"))
    right = cdk.Stack(app, "Right", env=cdk.Environment(account="111122223333", region="us-east-1"))
    PaymentsSsmAccess(right, "SsmAccess")
    Annotations.from_stack(right).has_no_error("*", Match.any_value())
    agnostic = cdk.Stack(app, "Agnostic")
    PaymentsSsmAccess(agnostic, "SsmAccess")
    Annotations.from_stack(agnostic).has_no_error("*", Match.any_value())


@case
def case_3_attach_to():
    """3. attach_to wires an ec2.Instance, an AutoScalingGroup and a launch template"""
    stack = cdk.Stack(cdk.App(), "Attach")
    access = PaymentsSsmAccess(stack, "SsmAccess")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
    common = dict(vpc=vpc, instance_type=ec2.InstanceType("t3.micro"),
                  machine_image=ec2.MachineImage.latest_amazon_linux2023())
    instance = ec2.Instance(stack, "Instance", **common)
    asg = autoscaling.AutoScalingGroup(stack, "Group", **common)
    lt = ec2.LaunchTemplate(stack, "Template", machine_image=common["machine_image"])
    access.attach_to("api", instance)
    access.attach_to("workers", asg)
    access.attach_to("workers", lt)
    t = Template.from_stack(stack)
    t.has_resource_properties("AWS::IAM::ManagedPolicy", {
        "ManagedPolicyName": "payments-api-session-manager",
        "Roles": Match.array_with([{"Ref": logical_id(stack, instance.role)}]),
    })
    t.has_resource_properties("AWS::IAM::ManagedPolicy", {
        "ManagedPolicyName": "payments-workers-session-manager",
        "Roles": Match.array_with([{"Ref": logical_id(stack, asg.role)}]),
    })
    t.has_resource_properties("AWS::EC2::Instance", {
        "Tags": Match.array_with([{"Key": "ssmgen-fleet", "Value": "payments-api"}]),
    })
    t.has_resource_properties("AWS::AutoScaling::AutoScalingGroup", {
        "Tags": Match.array_with(
            [{"Key": "Service", "PropagateAtLaunch": True, "Value": "payments-workers"}]),
    })
    profile = logical_id(stack, access.workers_instance_profile)
    t.has_resource_properties("AWS::EC2::LaunchTemplate", {
        "LaunchTemplateData": Match.object_like({
            "IamInstanceProfile": {"Arn": {"Fn::GetAtt": [profile, "Arn"]}},
            "TagSpecifications": Match.array_with([Match.object_like({
                "ResourceType": "instance",
                "Tags": Match.array_with([{"Key": "Service", "Value": "payments-workers"}]),
            })]),
        }),
    })
    raises(lambda: access.attach_to("nope", instance), "'nope' is not an EC2 fleet")


@case
def case_4_grant_start_session():
    """4. grant_start_session(role, 'api') grants the atoms of a federated operator of api alone"""
    for generated_names in (False, True):
        stack = cdk.Stack(cdk.App(), "Grant")
        access = PaymentsSsmAccess(stack, "SsmAccess", generated_names=generated_names)
        role = iam.Role(stack, "Operator", assumed_by=iam.AccountRootPrincipal())
        grant = access.grant_start_session(role, "api")
        check(grant.success, "the grant should succeed on a role")
        t = Template.from_stack(stack)
        granted = atoms(statements_of(t, "AWS::IAM::Policy",
                                      {"Roles": [{"Ref": logical_id(stack, role)}]}))
        # Operator deployer: fleets [api], identity federated, and pass_roles, which a
        # grant leaves out (iam:PassRole is not starting a session).
        deployer = [s for s in statements_of(t, "AWS::IAM::ManagedPolicy", {
            "Description": Match.string_like_regexp("operators deployer"),
        }) if s["Action"] != "iam:PassRole"]
        check(len(deployer) >= 5, "the deployer policy should have its statements")
        same_sets(granted, atoms(deployer),
                  f"generated_names {generated_names}: grant vs operator deployer")
    access = PaymentsSsmAccess(cdk.Stack(cdk.App(), "S"), "SsmAccess")
    user = iam.User(cdk.Stack.of(access), "U")
    raises(lambda: access.grant_start_session(user), "name at least one fleet")
    raises(lambda: access.grant_start_session(user, "nope"), "'nope' is not a fleet")


@case
def case_5_tags_override_spec_tags():
    """5. the tags argument overrides the spec's tags"""
    stack = cdk.Stack(cdk.App(), "Tags")
    PaymentsSsmAccess(stack, "SsmAccess", tags={"team": "override", "stage": "prod"})
    t = Template.from_stack(stack)
    tagged = 0
    for lid, r in t.to_json()["Resources"].items():
        tags = r.get("Properties", {}).get("Tags") or []
        for tag in tags:
            check(tag["Key"] != "team" or tag["Value"] == "override",
                  f"{lid} keeps team={tag['Value']}")
        if any(x["Key"] == "stage" and x["Value"] == "prod" for x in tags):
            tagged += 1
    check(tagged >= 3, f"stage=prod on {tagged} resources")
    t.has_resource_properties("AWS::IAM::Role", {
        "RoleName": "payments-api-ssm",
        "Tags": Match.array_with([{"Key": "team", "Value": "override"}]),
    })


@case
def case_6_existing_resources_replace_the_specs():
    """6. a kms.Key, s3.Bucket and logs.LogGroup passed in replace the spec's in statements and documents"""
    stack = cdk.Stack(cdk.App(), "Props")
    session_key = kms.Key(stack, "Key")
    log_bucket = s3.Bucket(stack, "Bucket")
    log_group = logs.LogGroup(stack, "Group")
    access = PaymentsSsmAccess(stack, "SsmAccess", session_key=session_key,
                               log_bucket=log_bucket, log_group=log_group)
    operator = iam.Role(stack, "Operator", assumed_by=iam.AccountRootPrincipal())
    access.grant_start_session(operator, "workers")
    key = {"Fn::GetAtt": [logical_id(stack, session_key), "Arn"]}
    bucket = {"Fn::GetAtt": [logical_id(stack, log_bucket), "Arn"]}
    group = {"Fn::GetAtt": [logical_id(stack, log_group), "Arn"]}
    t = Template.from_stack(stack)
    api = atoms(statements_of(t, "AWS::IAM::ManagedPolicy",
                              {"ManagedPolicyName": "payments-api-session-manager"}))

    def has(found, action, resource):
        return any(json.loads(a)[0] == action and json.loads(a)[1] == resource for a in found)

    check(has(api, "kms:Decrypt", key), "kms:Decrypt on the given key")
    check(has(api, "s3:GetEncryptionConfiguration", bucket),
          "s3:GetEncryptionConfiguration on the given bucket")
    check(has(api, "s3:PutObject", {"Fn::Join": ["", [bucket, "/sessions/*"]]}),
          "s3:PutObject on the given bucket's objects")
    check(has(api, "logs:PutLogEvents", group), "logs:PutLogEvents on the given log group")
    grant = atoms(statements_of(t, "AWS::IAM::Policy",
                                {"Roles": [{"Ref": logical_id(stack, operator)}]}))
    check(has(grant, "kms:GenerateDataKey", key), "the grant names the given key")
    # None of the spec's own key, bucket or log group is left in any policy.
    policies = json.dumps([t.find_resources("AWS::IAM::ManagedPolicy"),
                           t.find_resources("AWS::IAM::Policy")])
    for spec in ("1234abcd-12ab-34cd-56ef-1234567890ab", "payments-session-logs",
                 "/ssm/payments/sessions"):
        check(spec not in policies, f"a policy still names {spec}")
    t.has_resource_properties("AWS::SSM::Document", {
        "Content": {"inputs": Match.object_like({
            "kmsKeyId": key,
            "s3BucketName": {"Ref": logical_id(stack, log_bucket)},
            "cloudWatchLogGroupName": {"Ref": logical_id(stack, log_group)},
        })},
    })
    # The cdk-nag acknowledgements name the given bucket's objects, as cdk-nag would.
    metadata = json.dumps(t.find_resources("AWS::IAM::ManagedPolicy", {
        "Properties": {"ManagedPolicyName": "payments-api-session-manager"}}))
    check(f"Resource::<{logical_id(stack, log_bucket)}.Arn>/sessions/*" in metadata,
          "acknowledgement of the bucket objects")


@case
def case_7_outputs_only_when_asked():
    """7. outputs only when asked"""
    quiet = cdk.Stack(cdk.App(), "Quiet")
    PaymentsSsmAccess(quiet, "SsmAccess")
    check(not Template.from_stack(quiet).find_outputs("*"), "no outputs by default")
    loud = cdk.Stack(cdk.App(), "Loud")
    PaymentsSsmAccess(loud, "SsmAccess", outputs=True)
    Template.from_stack(loud).has_output("*", {"Value": "ssmgen-fleet=payments-api"})


def main():
    only = set(sys.argv[1:])
    failures = []
    for fn in CASES:
        name = fn.__doc__.strip()
        if only and name.split(".")[0] not in only:
            continue
        try:
            fn()
            print(f"ok   {name}", flush=True)
        except Exception:  # any error fails the case, with its traceback
            failures.append(name)
            print(f"FAIL {name}\n{traceback.format_exc()}", flush=True)
    if failures:
        print(f"{len(failures)} failed: {', '.join(failures)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
