//! The activation provider family of the CloudFormation target: the Lambda function that
//! answers the `Custom::SsmActivation` resources of `activation.rs` (CloudFormation has
//! no hybrid activation resource type), its execution role and the role's unnamed
//! customer managed policy, its log group, its asynchronous invoke configuration, and the
//! `ActivationRenewal` parameter whose change re-issues every activation. The plan
//! decides all of it (`plan/activation_provider.rs`); this file only spells it.

use std::borrow::Cow;

use super::iam::{policy_document, trust_policy};
use super::writer::Writer;
use super::Family;
use crate::plan::{ActivationProvider, Plan, Subject};

/// The logical id of the provider's policy (the plan names no policy: the role's
/// statements are attached as one customer managed policy without a name, which adds no
/// IAMNoInlinePolicy findings, as an inline policy would).
pub(super) const POLICY_ID: &str = "ActivationProviderPolicy";

/// Lambda's unqualified version, the one CloudFormation invokes through the function ARN.
const LATEST: &str = "$LATEST";

/// A resource of the activation provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Provider {
    Role,
    Policy,
    LogGroup,
    Function,
    InvokeConfig,
}

impl Provider {
    /// In template order: the role and its permissions, the log group, then the function
    /// that needs all three, then its invoke configuration.
    pub(super) const ALL: [Provider; 5] = [
        Provider::Role,
        Provider::Policy,
        Provider::LogGroup,
        Provider::Function,
        Provider::InvokeConfig,
    ];
}

/// The plan's provider: a resource of this family exists only when there is one.
pub(super) fn provider(plan: &Plan) -> &ActivationProvider {
    plan.activation_provider
        .as_ref()
        .expect("provider resources are listed only for a plan with a provider")
}

impl Family for Provider {
    fn logical_id(self, plan: &Plan) -> &str {
        let p = provider(plan);
        match self {
            Provider::Role => &p.role.id.upper_camel,
            Provider::Policy => POLICY_ID,
            Provider::LogGroup => &p.log_group.id.upper_camel,
            Provider::Function => &p.id.upper_camel,
            Provider::InvokeConfig => &p.invoke_config.id.upper_camel,
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Provider::Role => "AWS::IAM::Role",
            Provider::Policy => "AWS::IAM::ManagedPolicy",
            Provider::LogGroup => "AWS::Logs::LogGroup",
            Provider::Function => "AWS::Lambda::Function",
            Provider::InvokeConfig => "AWS::Lambda::EventInvokeConfig",
        }
    }

    fn comment(self, plan: &Plan) -> Option<Cow<'_, str>> {
        let p = provider(plan);
        Some(Cow::Owned(match self {
            Provider::Role => format!(
                "The execution role of the activation function {}, named by CloudFormation; its permissions are {POLICY_ID}.",
                p.function_name
            ),
            Provider::Policy => return None,
            Provider::LogGroup => format!(
                "The activation function's log group, made by the stack so that it keeps its logs {} days and goes with the stack; the function waits for it, so Lambda never creates it first.",
                p.log_group.retention_days
            ),
            Provider::Function => format!(
                "Answers the {} resources below: CloudFormation has no hybrid activation resource type. Its code is ssmgen's handler, inline; it never logs or answers an activation code.",
                crate::facts::ACTIVATION_RESOURCE_TYPE
            ),
            Provider::InvokeConfig => "CloudFormation invokes the function asynchronously, and Lambda retries a failed asynchronous invocation twice by default: a retry could create a second activation that nothing deletes. Retries are off, and no event is kept longer than CloudFormation waits (ServiceTimeout).".to_string(),
        }))
    }

    fn depends_on(self, plan: &Plan) -> Vec<&str> {
        match self {
            // Its log group first, so that Lambda never makes one without a retention;
            // its permissions too, which nothing it references says.
            Provider::Function => vec![&provider(plan).log_group.id.upper_camel, POLICY_ID],
            _ => Vec::new(),
        }
    }

    fn subject(self) -> Option<Subject> {
        match self {
            // The subject's statements are the policy's: checkov reads them there.
            Provider::Policy => Some(Subject::ProviderRole),
            Provider::LogGroup => Some(Subject::ProviderLogGroup),
            Provider::Function => Some(Subject::ProviderFunction),
            Provider::Role | Provider::InvokeConfig => None,
        }
    }

    fn properties(self, w: &mut Writer, plan: &Plan) {
        let p = provider(plan);
        w.begin_map();
        match self {
            Provider::Role => {
                w.key("Path");
                w.str(&p.role.path);
                w.key("Description");
                w.str(&p.role.description);
                trust_policy(w, &p.role.trust);
                if let Some(boundary) = &p.role.permissions_boundary {
                    w.key("PermissionsBoundary");
                    w.text(boundary);
                }
                w.tags(&p.role.tags);
            }
            Provider::Policy => {
                w.key("Path");
                w.str(&p.role.path);
                w.key("Description");
                w.str(&p.role.policy_description);
                policy_document(w, plan, &p.role.statements);
                w.key("Roles");
                w.begin_seq();
                w.item();
                w.reference(&p.role.id.upper_camel);
                w.end_seq();
            }
            Provider::LogGroup => {
                w.key("LogGroupName");
                w.str(&p.log_group.name);
                w.key("RetentionInDays");
                w.uint(p.log_group.retention_days);
            }
            Provider::Function => {
                w.key("FunctionName");
                w.str(&p.function_name);
                w.key("Description");
                w.str(&p.description);
                w.key("Runtime");
                w.str(p.runtime);
                w.key("Handler");
                w.str(p.handler);
                w.key("Timeout");
                w.uint(p.timeout_seconds);
                w.key("MemorySize");
                w.uint(p.memory_mb);
                w.key("Role");
                w.get_att(&p.role.id.upper_camel, "Arn");
                w.key("Code");
                w.begin_map();
                w.key("ZipFile");
                w.block(p.code);
                w.end_map();
            }
            Provider::InvokeConfig => {
                w.key("FunctionName");
                w.reference(&p.id.upper_camel);
                w.key("Qualifier");
                w.str(LATEST);
                w.key("MaximumRetryAttempts");
                w.uint(p.invoke_config.max_retry_attempts);
                w.key("MaximumEventAgeInSeconds");
                w.uint(p.invoke_config.max_event_age_seconds);
            }
        }
        w.end_map();
    }
}

/// The entries of `Parameters`: the renewal input, when the plan has a provider.
pub(super) fn write_parameters(w: &mut Writer, plan: &Plan) -> bool {
    let Some(p) = &plan.activation_provider else {
        return false;
    };
    w.key(&p.renewal.upper_camel);
    w.begin_map();
    w.key("Type");
    w.str("String");
    w.key("Default");
    w.str(p.renewal_default);
    w.key("Description");
    w.str(
        "Change it (to any new value) and update the stack to re-issue every hybrid activation of the stack: \
         an activation expires at most 30 days after it is created. Nodes already registered stay registered.",
    );
    w.end_map();
    true
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value as Json};

    use crate::facts::scanners::{Scanner, CKV_WRITE_WITHOUT_CONSTRAINTS};
    use crate::facts::ACTIVATION_HANDLER_SOURCE;
    use crate::plan::{Acknowledgement, Subject, Text};
    use crate::targets::cloudformation::test_support::{
        both, example_plan, parse_yaml, plan_of, render, HOSTILE,
    };
    use crate::targets::CfnFormat;

    /// The checkov ids on a resource.
    fn skips(resource: &Json) -> Vec<&str> {
        resource["Metadata"]["checkov"]["skip"]
            .as_array()
            .map_or_else(Vec::new, |s| {
                s.iter().map(|x| x["id"].as_str().expect("id")).collect()
            })
    }

    #[test]
    fn the_provider_is_written_as_the_plan_decides_it() {
        let plan = example_plan("hybrid-activation");
        for doc in both(&plan) {
            assert_eq!(
                doc["Parameters"],
                json!({"ActivationRenewal": {
                    "Type": "String",
                    "Default": "1",
                    "Description": "Change it (to any new value) and update the stack to re-issue every hybrid activation of the stack: an activation expires at most 30 days after it is created. Nodes already registered stay registered."
                }})
            );
            let r = &doc["Resources"];
            // The role: named by CloudFormation, trusting Lambda only.
            assert_eq!(
                r["ActivationProviderRole"],
                json!({"Type": "AWS::IAM::Role", "Properties": {
                    "Path": "/ssm/hybrid/",
                    "Description": "Execution role of the function that creates the hybrid activations of factory (ssmgen)",
                    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole"
                    }]},
                    "Tags": [{"Key": "site", "Value": "munich"}]
                }})
            );
            // Its statements, in an unnamed customer managed policy attached to it.
            let policy = &r["ActivationProviderPolicy"];
            assert_eq!(policy["Type"], "AWS::IAM::ManagedPolicy");
            assert!(policy.get("Metadata").is_none(), "{policy:#}");
            assert_eq!(
                policy["Properties"],
                json!({
                    "Path": "/ssm/hybrid/",
                    "Description": "Execution role of the function that creates the hybrid activations of factory (ssmgen)",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                        {"Sid": "ManageActivations", "Effect": "Allow",
                         "Action": ["ssm:CreateActivation", "ssm:DeleteActivation"], "Resource": ["*"]},
                        {"Sid": "PassHybridRolesToSsm", "Effect": "Allow", "Action": ["iam:PassRole"],
                         "Resource": ["arn:aws:iam::444455556666:role/ssm/hybrid/factory-plc-gateways-ssm"],
                         "Condition": {"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}}},
                        {"Sid": "WriteActivationSecrets", "Effect": "Allow",
                         "Action": ["secretsmanager:PutSecretValue"],
                         "Resource": ["arn:aws:secretsmanager:eu-central-1:444455556666:secret:factory/plc-gateways/activation-??????"]},
                        {"Sid": "WriteOwnLogs", "Effect": "Allow",
                         "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                         "Resource": ["arn:aws:logs:eu-central-1:444455556666:log-group:/aws/lambda/factory-activations:*"]}
                    ]},
                    "Roles": [{"Ref": "ActivationProviderRole"}]
                })
            );
            let logs = &r["ActivationProviderLogs"];
            assert_eq!(logs["Type"], "AWS::Logs::LogGroup");
            assert_eq!(
                logs["Properties"],
                json!({"LogGroupName": "/aws/lambda/factory-activations", "RetentionInDays": 365})
            );
            assert_eq!(skips(logs), ["CKV_AWS_158"]);
            let function = &r["ActivationProvider"];
            assert_eq!(function["Type"], "AWS::Lambda::Function");
            assert_eq!(
                function["DependsOn"],
                json!(["ActivationProviderLogs", "ActivationProviderPolicy"])
            );
            assert_eq!(
                function["Properties"],
                json!({
                    "FunctionName": "factory-activations",
                    "Description": "Creates, replaces and deletes the hybrid activations of factory (ssmgen)",
                    "Runtime": "python3.14",
                    "Handler": "index.handler",
                    "Timeout": 120,
                    "MemorySize": 128,
                    "Role": {"Fn::GetAtt": ["ActivationProviderRole", "Arn"]},
                    "Code": {"ZipFile": ACTIVATION_HANDLER_SOURCE}
                })
            );
            assert_eq!(
                skips(function),
                ["CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117"]
            );
            assert_eq!(
                r["ActivationProviderInvokeConfig"],
                json!({"Type": "AWS::Lambda::EventInvokeConfig", "Properties": {
                    "FunctionName": {"Ref": "ActivationProvider"},
                    "Qualifier": "$LATEST",
                    "MaximumRetryAttempts": 0,
                    "MaximumEventAgeInSeconds": 300
                }})
            );
            // In that order, after every resource of the fleets.
            let ids: Vec<&String> = r.as_object().expect("map").keys().collect();
            let at = |id: &str| ids.iter().position(|k| *k == id).expect(id);
            let provider = at("ActivationProviderRole");
            assert!(at("HybridAdvancedTier") < provider && at("PlcGatewaysRole") < provider);
            assert_eq!(
                ids[provider..provider + 5],
                [
                    "ActivationProviderRole",
                    "ActivationProviderPolicy",
                    "ActivationProviderLogs",
                    "ActivationProvider",
                    "ActivationProviderInvokeConfig"
                ]
            );
        }
    }

    #[test]
    fn the_code_is_a_literal_block_in_yaml_and_one_string_in_json() {
        let plan = example_plan("hybrid-activation");
        let yaml = render(&plan, CfnFormat::Yaml);
        let block: String = ACTIVATION_HANDLER_SOURCE
            .lines()
            .map(|l| match l {
                "" => "\n".to_string(),
                l => format!("          {l}\n"),
            })
            .collect();
        assert!(
            yaml.contains(&format!("      Code:\n        ZipFile: |\n{block}\n")),
            "{yaml}"
        );
        let json = render(&plan, CfnFormat::Json);
        let quoted = serde_json::to_string(ACTIVATION_HANDLER_SOURCE).expect("json");
        assert!(
            json.contains(&format!("\"Code\": {{\n          \"ZipFile\": {quoted}\n")),
            "{json}"
        );
    }

    #[test]
    fn a_permissions_boundary_and_hostile_texts_reach_the_provider_as_literals() {
        let mut plan = example_plan("hybrid-activation");
        let p = plan.activation_provider.as_mut().expect("provider");
        p.description = HOSTILE.into();
        p.role.description = HOSTILE.into();
        p.role.policy_description = HOSTILE.into();
        p.role.tags.insert(HOSTILE.into(), HOSTILE.into());
        p.role.permissions_boundary =
            Some(Text::literal(format!("arn:aws:iam::1:policy/{HOSTILE}")));
        for doc in both(&plan) {
            let r = &doc["Resources"];
            let role = &r["ActivationProviderRole"]["Properties"];
            assert_eq!(role["Description"], HOSTILE);
            assert!(role["Tags"]
                .as_array()
                .expect("tags")
                .contains(&json!({"Key": HOSTILE, "Value": HOSTILE})));
            // A text without a pseudo value is a plain string, `${` and all.
            assert_eq!(
                role["PermissionsBoundary"],
                format!("arn:aws:iam::1:policy/{HOSTILE}")
            );
            assert_eq!(
                r["ActivationProviderPolicy"]["Properties"]["Description"],
                HOSTILE
            );
            assert_eq!(
                r["ActivationProvider"]["Properties"]["Description"],
                HOSTILE
            );
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
        }
    }

    #[test]
    fn without_a_provider_there_is_no_parameter_and_no_provider_resource() {
        let hybrid = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("examples/hybrid-activation.yaml"),
        )
        .expect("example");
        for spec in [
            format!("{hybrid}activation_method: script\n"),
            "version: 1\nproject: shop\nfleets: [{name: web, platform: ec2, mode: session-only}]\n"
                .to_string(),
        ] {
            let plan = plan_of(&spec);
            assert!(plan.activation_provider.is_none());
            for doc in both(&plan) {
                assert!(doc.get("Parameters").is_none());
                let resources = doc["Resources"].as_object().expect("map");
                assert!(resources
                    .keys()
                    .all(|k| !k.starts_with("ActivationProvider")));
                assert!(resources
                    .values()
                    .all(|r| r["Type"] != "Custom::SsmActivation"
                        && r["Type"] != "AWS::SecretsManager::Secret"));
            }
        }
    }

    #[test]
    fn each_provider_subject_carries_its_checkov_skips_on_its_resource() {
        let mut plan = example_plan("hybrid-activation");
        // The policy's statements grant on `*` only what has no resource-level
        // permissions: checkov reports nothing there today.
        assert!(plan
            .acknowledgements_of(Subject::ProviderRole)
            .all(|a| a.rule.scanner != Scanner::Checkov));
        // One synthetic checkov acknowledgement per subject, with its own reason.
        let subjects = [
            (Subject::ProviderRole, "ActivationProviderPolicy"),
            (Subject::ProviderFunction, "ActivationProvider"),
            (Subject::ProviderLogGroup, "ActivationProviderLogs"),
            (Subject::ActivationSecret(0), "PlcGatewaysActivationSecret"),
        ];
        for (subject, id) in subjects {
            plan.acknowledgements.push(Acknowledgement {
                rule: CKV_WRITE_WITHOUT_CONSTRAINTS,
                subject,
                finding: None,
                reason: format!("synthetic on {id}").into(),
            });
        }
        plan.acknowledgements.sort_by_key(|a| a.subject);
        for doc in both(&plan) {
            let r = &doc["Resources"];
            for (_, id) in subjects {
                let skip = &r[id]["Metadata"]["checkov"]["skip"];
                let last = skip.as_array().and_then(|s| s.last()).expect(id);
                assert_eq!(
                    last,
                    &json!({"id": "CKV_AWS_111", "comment": format!("synthetic on {id}")}),
                    "{id}"
                );
                let keys: Vec<&String> = r[id].as_object().expect("map").keys().collect();
                assert_eq!(keys.first().map(|k| k.as_str()), Some("Type"));
                assert_eq!(keys.last().map(|k| k.as_str()), Some("Properties"));
            }
            // The role, the invoke configuration and the activation carry none.
            for id in [
                "ActivationProviderRole",
                "ActivationProviderInvokeConfig",
                "PlcGatewaysActivation",
            ] {
                assert!(r[id].get("Metadata").is_none(), "{id}");
            }
        }
        // A hostile reason stays one comment string.
        for a in &mut plan.acknowledgements {
            a.reason = HOSTILE.into();
        }
        let doc = parse_yaml(&render(&plan, CfnFormat::Yaml));
        assert_eq!(
            doc["Resources"]["ActivationProviderLogs"]["Metadata"]["checkov"]["skip"][0],
            json!({"id": "CKV_AWS_158", "comment": HOSTILE})
        );
    }
}
