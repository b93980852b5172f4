//! The template as a whole: both syntaxes, the marker, logical ids claimed once.

use super::test_support::{hostile_plan, parse_yaml, render};
use super::*;
use serde_json::Value as Json;

#[test]
fn json_and_yaml_hold_the_same_tree() {
    let plan = hostile_plan();
    let json = render(&plan, CfnFormat::Json);
    let from_json: Json = serde_json::from_str(&json).expect("valid JSON");
    let from_yaml = parse_yaml(&render(&plan, CfnFormat::Yaml));
    assert_eq!(from_json, from_yaml);
    // The JSON is laid out exactly as serde_json pretty-prints it.
    let pretty = serde_json::to_string_pretty(&from_json).expect("serializes");
    assert_eq!(json, pretty + "\n");
}

#[test]
fn a_logical_id_used_twice_is_refused() {
    let mut plan = hostile_plan();
    plan.roles[1].id.upper_camel = plan.roles[0].id.upper_camel.clone();
    let options = Options::default();
    match CloudFormation.render(&plan, &options) {
        Err(Error::Usage(message)) => assert!(message.contains("WebRole"), "{message}"),
        other => panic!("expected a usage error, got {other:?}"),
    }
}

#[test]
fn a_fleet_taking_an_activation_provider_id_is_refused_by_name() {
    // Validation refuses the fleet name (fleets[0].name); the template checks again.
    let mut plan = test_support::plan_of(
        "version: 1\nproject: p\nfleets: [{name: plc, platform: hybrid, mode: session-only}]\n",
    );
    plan.roles[0].id = crate::plan::Ident::new("activation-provider-role");
    match CloudFormation.render(&plan, &Options::default()) {
        Err(Error::Usage(message)) => assert!(
            message.contains(
                "`ActivationProviderRole`, a CloudFormation logical id of the activation provider"
            ),
            "{message}"
        ),
        other => panic!("expected a usage error, got {other:?}"),
    }
}

#[test]
fn both_formats_carry_the_marker_near_the_top() {
    let plan = hostile_plan();
    for format in [CfnFormat::Yaml, CfnFormat::Json] {
        let text = render(&plan, format);
        let head: Vec<&str> = text.lines().take(5).collect();
        assert!(
            head.iter()
                .any(|l| l.contains(super::super::GENERATED_MARKER)),
            "{text}"
        );
    }
}
