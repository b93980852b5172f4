//! The hybrid activations of the CloudFormation target: per activation, the Secrets
//! Manager secret its id and code go to, and the `Custom::SsmActivation` resource that
//! the provider's function (`provider.rs`) answers. The code is never written anywhere
//! else: no output, no attribute of the custom resource, no dynamic reference to the
//! secret's value.

use std::borrow::Cow;

use super::provider::{provider, POLICY_ID};
use super::writer::Writer;
use super::Family;
use crate::facts;
use crate::plan::activation_provider::{activation_properties, Property};
use crate::plan::{ActivationSecret, Plan, Subject};

/// An activation's resource, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Activation {
    /// By index into the provider's secrets.
    Secret(usize),
    /// By index into [`Plan::activations`].
    Custom(usize),
}

/// The secret of activation `i`.
fn secret_of(plan: &Plan, i: usize) -> Option<&ActivationSecret> {
    provider(plan).secrets.iter().find(|s| s.activation == i)
}

impl Family for Activation {
    fn logical_id(self, plan: &Plan) -> &str {
        match self {
            Activation::Secret(i) => &provider(plan).secrets[i].id.upper_camel,
            Activation::Custom(i) => &plan.activations[i].id.upper_camel,
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Activation::Secret(_) => "AWS::SecretsManager::Secret",
            Activation::Custom(_) => facts::ACTIVATION_RESOURCE_TYPE,
        }
    }

    fn comment(self, plan: &Plan) -> Option<Cow<'_, str>> {
        let p = provider(plan);
        Some(Cow::Owned(match self {
            Activation::Secret(_) => format!(
                "Created empty: the activation function ({}) writes the activation's id and code into it.",
                p.function_name
            ),
            Activation::Custom(i) => {
                let a = &plan.activations[i];
                let mut note = format!(
                    "The hybrid activation of fleet {}. It expires {} hours after it is created (an activation lasts at most 30 days); nodes registered with it stay registered. To issue new activations, update the stack with a new value of the {} parameter.",
                    plan.roles[a.role].fleet, a.expiry_hours, p.renewal.upper_camel
                );
                // The command on a line of its own, to copy.
                if let Some(s) = secret_of(plan, i) {
                    note.push_str(&format!(
                        " Its id and code are in a secret, never in an output:\naws secretsmanager get-secret-value --secret-id {}",
                        s.name
                    ));
                }
                note
            }
        }))
    }

    fn depends_on(self, plan: &Plan) -> Vec<&str> {
        let Activation::Custom(i) = self else {
            return Vec::new();
        };
        let p = provider(plan);
        // Retries off before the first request; the function's permissions until the
        // last one (the delete) is answered; the secret it writes; and the hybrid role
        // CreateActivation names, with its permissions, which the properties name only
        // as text.
        let mut ids = vec![p.invoke_config.id.upper_camel.as_str(), POLICY_ID];
        if let Some(s) = secret_of(plan, i) {
            ids.push(&s.id.upper_camel);
        }
        let role = plan.activations[i].role;
        let fleet = plan.fleets.iter().find(|f| f.activation == Some(i));
        match fleet.and_then(|f| f.policy) {
            Some(policy) => ids.push(&plan.policies[policy].id.upper_camel),
            None => ids.push(&plan.roles[role].id.upper_camel),
        }
        ids
    }

    fn subject(self) -> Option<Subject> {
        match self {
            Activation::Secret(i) => Some(Subject::ActivationSecret(i)),
            Activation::Custom(_) => None,
        }
    }

    fn properties(self, w: &mut Writer, plan: &Plan) {
        let p = provider(plan);
        w.begin_map();
        match self {
            Activation::Secret(i) => {
                // No SecretString: the secret starts empty, and the function's first
                // PutSecretValue writes its first version.
                let s = &p.secrets[i];
                w.key("Name");
                w.str(&s.name);
                w.key("Description");
                w.str(&s.description);
                w.tags(&s.tags);
            }
            Activation::Custom(i) => {
                w.key("ServiceToken");
                w.get_att(&p.id.upper_camel, "Arn");
                w.key("ServiceTimeout");
                w.uint(p.service_timeout_seconds);
                for (key, value) in activation_properties(plan, i) {
                    w.key(key);
                    match value {
                        Property::Str(s) => w.str(&s),
                        Property::Tags(tags) => {
                            w.begin_seq();
                            for (k, v) in &tags {
                                w.item();
                                w.begin_map();
                                w.key("Key");
                                w.str(k);
                                w.key("Value");
                                w.str(v);
                                w.end_map();
                            }
                            w.end_seq();
                        }
                    }
                }
                w.key("Renewal");
                w.reference(&p.renewal.upper_camel);
            }
        }
        w.end_map();
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value as Json};

    use crate::facts::ACTIVATION_HANDLER_SOURCE;
    use crate::targets::cloudformation::test_support::{both, example_plan, render, HOSTILE};
    use crate::targets::CfnFormat;

    /// Every example whose plan has activations made in the stack.
    const WITH_ACTIVATIONS: [&str; 4] = [
        "govcloud",
        "hybrid-activation",
        "hybrid-operators",
        "mixed-fleets",
    ];

    #[test]
    fn an_activation_is_a_secret_and_a_custom_resource_after_the_provider() {
        let plan = example_plan("hybrid-activation");
        for doc in both(&plan) {
            let r = &doc["Resources"];
            let secret = &r["PlcGatewaysActivationSecret"];
            assert_eq!(secret["Type"], "AWS::SecretsManager::Secret");
            // No SecretString or GenerateSecretString: the function writes the first value.
            assert_eq!(
                secret["Properties"],
                json!({
                    "Name": "factory/plc-gateways/activation",
                    "Description": "Id and code of the hybrid activation of fleet plc-gateways of factory (ssmgen; written by the activation function)",
                    "Tags": [
                        {"Key": "line", "Value": "3"},
                        {"Key": "site", "Value": "munich"},
                        {"Key": "ssmgen-fleet", "Value": "factory-plc-gateways"}
                    ]
                })
            );
            assert_eq!(
                secret["Metadata"]["checkov"]["skip"][0]["id"],
                "CKV_AWS_149"
            );
            assert_eq!(
                r["PlcGatewaysActivation"],
                json!({
                    "Type": "Custom::SsmActivation",
                    "DependsOn": [
                        "ActivationProviderInvokeConfig",
                        "ActivationProviderPolicy",
                        "PlcGatewaysActivationSecret",
                        "PlcGatewaysSessionPolicy"
                    ],
                    "Properties": {
                        "ServiceToken": {"Fn::GetAtt": ["ActivationProvider", "Arn"]},
                        "ServiceTimeout": 300,
                        "IamRole": "ssm/hybrid/factory-plc-gateways-ssm",
                        "RegistrationLimit": "25",
                        "ExpiryHours": "336",
                        "DefaultInstanceName": "plc-gateway",
                        "Description": "PLC gateways on the shop floor",
                        "Tags": [
                            {"Key": "line", "Value": "3"},
                            {"Key": "site", "Value": "munich"},
                            {"Key": "ssmgen-fleet", "Value": "factory-plc-gateways"}
                        ],
                        "SecretId": "factory/plc-gateways/activation",
                        "Renewal": {"Ref": "ActivationRenewal"}
                    }
                })
            );
            // The properties in the order the handler's contract lists them.
            let keys: Vec<&String> = r["PlcGatewaysActivation"]["Properties"]
                .as_object()
                .expect("map")
                .keys()
                .collect();
            assert_eq!(
                keys,
                [
                    "ServiceToken",
                    "ServiceTimeout",
                    "IamRole",
                    "RegistrationLimit",
                    "ExpiryHours",
                    "DefaultInstanceName",
                    "Description",
                    "Tags",
                    "SecretId",
                    "Renewal"
                ]
            );
            // Last in the template, the secret first.
            let ids: Vec<&String> = r.as_object().expect("map").keys().collect();
            assert_eq!(
                ids[ids.len() - 3..],
                [
                    "ActivationProviderInvokeConfig",
                    "PlcGatewaysActivationSecret",
                    "PlcGatewaysActivation"
                ]
            );
        }
    }

    #[test]
    fn the_comment_says_when_it_expires_where_the_code_is_and_how_to_renew() {
        let yaml = render(&example_plan("hybrid-activation"), CfnFormat::Yaml);
        let comment = "  # The hybrid activation of fleet plc-gateways. It expires 336 hours after it is created\n  \
             # (an activation lasts at most 30 days); nodes registered with it stay registered. To\n  \
             # issue new activations, update the stack with a new value of the ActivationRenewal\n  \
             # parameter. Its id and code are in a secret, never in an output:\n  \
             # aws secretsmanager get-secret-value --secret-id factory/plc-gateways/activation\n  \
             PlcGatewaysActivation:\n";
        assert!(yaml.contains(comment), "{yaml}");
        assert!(
            yaml.contains(
                "  # Created empty: the activation function (factory-activations) writes the activation's id\n  \
                 # and code into it.\n  PlcGatewaysActivationSecret:\n"
            ),
            "{yaml}"
        );
    }

    #[test]
    fn every_activation_waits_for_its_own_secret_and_hybrid_role() {
        let mut plan = example_plan("hybrid-operators");
        assert_eq!(plan.activations.len(), 2);
        let check = |plan: &crate::plan::Plan| {
            for doc in both(plan) {
                let r = doc["Resources"].as_object().expect("map");
                let ids: Vec<&String> = r.keys().collect();
                for (i, a) in plan.activations.iter().enumerate() {
                    let p = plan.activation_provider.as_ref().expect("provider");
                    let secret = &p.secrets[i].id.upper_camel;
                    let id = &a.id.upper_camel;
                    let at = |x: &str| ids.iter().position(|k| *k == x).expect(x);
                    assert_eq!(at(secret) + 1, at(id));
                    let fleet = plan.fleets.iter().find(|f| f.activation == Some(i));
                    let hybrid = match fleet.and_then(|f| f.policy) {
                        Some(k) => &plan.policies[k].id.upper_camel,
                        None => &plan.roles[a.role].id.upper_camel,
                    };
                    assert_eq!(
                        r[id]["DependsOn"],
                        json!([
                            "ActivationProviderInvokeConfig",
                            "ActivationProviderPolicy",
                            secret,
                            hybrid
                        ])
                    );
                    assert_eq!(r[id]["Properties"]["SecretId"], p.secrets[i].name.as_str());
                }
            }
        };
        check(&plan);
        // A hybrid fleet without a session policy: the activation waits for the role.
        let i = plan
            .fleets
            .iter()
            .position(|f| f.activation == Some(1))
            .expect("fleet");
        plan.fleets[i].policy = None;
        check(&plan);
    }

    /// Every `Ref` and `Fn::GetAtt` target, and every string, with its path.
    fn walk<'a>(
        v: &'a Json,
        at: String,
        refs: &mut Vec<&'a str>,
        strings: &mut Vec<(String, &'a str)>,
    ) {
        match v {
            Json::String(s) => strings.push((at, s)),
            Json::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, format!("{at}[{i}]"), refs, strings);
                }
            }
            Json::Object(o) => {
                if let Some(Json::String(id)) = o.get("Ref") {
                    refs.push(id);
                }
                if let Some(Json::Array(att)) = o.get("Fn::GetAtt") {
                    refs.extend(att.first().and_then(Json::as_str));
                }
                for (k, x) in o {
                    walk(x, format!("{at}.{k}"), refs, strings);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn the_code_is_never_written_anywhere_but_the_secret() {
        let first_line = ACTIVATION_HANDLER_SOURCE.lines().next().expect("a line");
        for name in WITH_ACTIVATIONS {
            let plan = example_plan(name);
            assert!(!plan.activations.is_empty(), "{name}");
            for doc in both(&plan) {
                let resources = doc["Resources"].as_object().expect("map");
                let custom: Vec<&String> = resources
                    .iter()
                    .filter(|(_, r)| r["Type"] == "Custom::SsmActivation")
                    .map(|(id, _)| id)
                    .collect();
                assert_eq!(custom.len(), plan.activations.len(), "{name}");
                let (mut refs, mut strings) = (Vec::new(), Vec::new());
                walk(&doc, String::new(), &mut refs, &mut strings);
                // Nothing refers to a custom resource: no output, no attribute, no Ref.
                assert!(
                    refs.iter().all(|r| !custom.iter().any(|c| c == r)),
                    "{name}: {refs:?}"
                );
                for (at, s) in &strings {
                    // No dynamic reference to a secret's value.
                    assert!(!s.contains("{{resolve:"), "{name}: {at}");
                    // The function's code only where Lambda reads it.
                    if *at == ".Resources.ActivationProvider.Properties.Code.ZipFile" {
                        assert_eq!(*s, ACTIVATION_HANDLER_SOURCE);
                    } else {
                        assert!(!s.contains(first_line), "{name}: {at}");
                    }
                }
                // The outputs name roles, profiles, documents and policies only.
                for o in doc["Outputs"]
                    .as_object()
                    .into_iter()
                    .flat_map(|o| o.values())
                {
                    let text = o.to_string();
                    assert!(!text.contains("Activation\""), "{name}: {o}");
                    assert!(!text.contains("Secret"), "{name}: {o}");
                }
            }
        }
    }

    #[test]
    fn hostile_activation_texts_stay_literal_strings() {
        let mut plan = example_plan("hybrid-activation");
        let a = &mut plan.activations[0];
        a.description = HOSTILE.into();
        a.default_instance_name = Some(HOSTILE.into());
        a.tags.insert(HOSTILE.into(), HOSTILE.into());
        let p = plan.activation_provider.as_mut().expect("provider");
        let s = &mut p.secrets[0];
        s.name = HOSTILE.into();
        s.description = HOSTILE.into();
        s.tags.insert(HOSTILE.into(), HOSTILE.into());
        for doc in both(&plan) {
            let r = &doc["Resources"];
            let secret = &r["PlcGatewaysActivationSecret"]["Properties"];
            assert_eq!(secret["Name"], HOSTILE);
            assert_eq!(secret["Description"], HOSTILE);
            let tag = json!({"Key": HOSTILE, "Value": HOSTILE});
            assert!(secret["Tags"].as_array().expect("tags").contains(&tag));
            let props = &r["PlcGatewaysActivation"]["Properties"];
            assert_eq!(props["Description"], HOSTILE);
            assert_eq!(props["DefaultInstanceName"], HOSTILE);
            assert_eq!(props["SecretId"], HOSTILE);
            assert!(props["Tags"].as_array().expect("tags").contains(&tag));
            // Nothing leaked out: the same resources and sections as before.
            let sections: Vec<&String> = doc.as_object().expect("map").keys().collect();
            assert_eq!(
                sections,
                [
                    "AWSTemplateFormatVersion",
                    "Description",
                    "Parameters",
                    "Resources",
                    "Outputs"
                ]
            );
            let before = both(&example_plan("hybrid-activation"))[0]["Resources"]
                .as_object()
                .expect("map")
                .keys()
                .cloned()
                .collect::<Vec<_>>();
            let after: Vec<String> = r.as_object().expect("map").keys().cloned().collect();
            assert_eq!(after, before);
        }
    }
}
