//! The activation provider of CloudFormation and CDK stacks (issue 11): its execution
//! role allows every call the handler makes (templates/activation/handler.py:
//! CreateActivation, DeleteActivation, PutSecretValue, and Lambda's own log writes) and
//! denies their neighbours; only Lambda may assume it; the custom resource properties
//! are the activation's.

use std::collections::BTreeMap;

use ssmgen::calls::eval::{evaluate, Decision, Request};
use ssmgen::calls::policies::{concrete_statements, concrete_trust};
use ssmgen::calls::Concrete;
use ssmgen::plan::activation_provider::{activation_properties, Property};
use ssmgen::plan::build::build;
use ssmgen::spec::Spec;

fn spec_of(yaml: &str) -> Spec {
    ssmgen::spec::load_str(yaml, "spec.yaml")
        .expect("the spec is valid")
        .0
}

fn spec_of_file(path: &str) -> Spec {
    spec_of(&std::fs::read_to_string(path).expect("example"))
}

fn request(action: &str, resource: &str, context: &[(&str, &str)]) -> Request {
    Request {
        action: action.into(),
        resource: resource.into(),
        principal: None,
        context: context
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    }
}

#[test]
fn the_handlers_calls_are_allowed_and_their_neighbours_denied() {
    let spec = spec_of_file("examples/hybrid-activation.yaml");
    let plan = build(&spec);
    let p = plan.activation_provider.as_ref().expect("a provider");
    let c = Concrete::of(&plan.env);
    let policy = concrete_statements(&plan, &p.role.statements, &c);
    let role = "arn:aws:iam::444455556666:role/ssm/hybrid/factory-plc-gateways-ssm";
    let secret = "arn:aws:secretsmanager:eu-central-1:444455556666:secret:factory/plc-gateways/activation-Ab12Cd";
    let stream = "arn:aws:logs:eu-central-1:444455556666:log-group:/aws/lambda/factory-activations:log-stream:2026/12/01/[$LATEST]0123abcd";
    let to_ssm = [("iam:PassedToService", "ssm.amazonaws.com")];
    let allowed = [
        request("ssm:CreateActivation", "*", &[]),
        request("ssm:DeleteActivation", "*", &[]),
        request("iam:PassRole", role, &to_ssm),
        request("secretsmanager:PutSecretValue", secret, &[]),
        request("logs:CreateLogStream", stream, &[]),
        request("logs:PutLogEvents", stream, &[]),
    ];
    let denied = [
        // Another service, another role, another secret, reading the secret back.
        request("iam:PassRole", role, &[("iam:PassedToService", "ec2.amazonaws.com")]),
        request(
            "iam:PassRole",
            "arn:aws:iam::444455556666:role/ssm/hybrid/admin",
            &to_ssm,
        ),
        request(
            "secretsmanager:PutSecretValue",
            "arn:aws:secretsmanager:eu-central-1:444455556666:secret:factory/other/activation-Ab12Cd",
            &[],
        ),
        request(
            "secretsmanager:PutSecretValue",
            "arn:aws:secretsmanager:eu-central-1:111122223333:secret:factory/plc-gateways/activation-Ab12Cd",
            &[],
        ),
        request("secretsmanager:GetSecretValue", secret, &[]),
        // Other log groups; other Systems Manager calls.
        request(
            "logs:PutLogEvents",
            "arn:aws:logs:eu-central-1:444455556666:log-group:/aws/lambda/other:log-stream:x",
            &[],
        ),
        request("ssm:DescribeActivations", "*", &[]),
        request("ssm:SendCommand", "*", &[]),
    ];
    for r in &allowed {
        assert_eq!(evaluate(&policy, r), Ok(Decision::Allow), "{r:?}");
    }
    for r in &denied {
        assert_eq!(evaluate(&policy, r), Ok(Decision::ImplicitDeny), "{r:?}");
    }
    let trust = [concrete_trust(&p.role.trust, &c)];
    let assume = |service: &str| Request {
        action: "sts:AssumeRole".into(),
        resource: String::new(),
        principal: Some(service.into()),
        context: BTreeMap::new(),
    };
    assert_eq!(
        evaluate(&trust, &assume("lambda.amazonaws.com")),
        Ok(Decision::Allow)
    );
    assert_eq!(
        evaluate(&trust, &assume("ec2.amazonaws.com")),
        Ok(Decision::ImplicitDeny)
    );
}

#[test]
fn the_custom_resource_carries_the_activation_and_its_secret() {
    let plan = build(&spec_of_file("examples/hybrid-activation.yaml"));
    let props = activation_properties(&plan, 0);
    let get = |k: &str| props.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
    assert_eq!(
        get("IamRole"),
        Some(Property::Str("ssm/hybrid/factory-plc-gateways-ssm".into()))
    );
    assert_eq!(get("RegistrationLimit"), Some(Property::Str("25".into())));
    assert_eq!(get("ExpiryHours"), Some(Property::Str("336".into())));
    assert_eq!(
        get("SecretId"),
        Some(Property::Str("factory/plc-gateways/activation".into()))
    );
    let Some(Property::Tags(tags)) = get("Tags") else {
        panic!("tags: {props:?}")
    };
    // The selector tag is among them: registered nodes carry it.
    assert_eq!(tags["ssmgen-fleet"], "factory-plc-gateways");
    assert_eq!(tags["line"], "3");
}

#[test]
fn the_script_method_and_terraform_only_specs_have_no_provider() {
    let yaml = std::fs::read_to_string("examples/hybrid-activation.yaml").expect("example");
    let plan = build(&spec_of(&format!("{yaml}activation_method: script\n")));
    assert!(plan.activation_provider.is_none());
    assert_eq!(plan.activations.len(), 1);
    let plan = build(&spec_of_file("examples/session-only-ec2.yaml"));
    assert!(plan.activation_provider.is_none());
}
