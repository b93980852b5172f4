//! The hybrid activations of the construct (issue 11): CloudFormation has no activation
//! resource type, so a `cdk.CustomResource` of type `Custom::SsmActivation` stands for
//! each activation, answered by the function of `provider.rs`, which calls
//! CreateActivation and DeleteActivation and writes each activation's id and code to a
//! Secrets Manager secret of its own (a `CfnSecret`: the L2 `Secret` always generates a
//! value). The plan decides all of it; this file only spells it, after the operator
//! policies, with the acknowledgements each piece carries.
//!
//! Each secret is a public property (`<fleet>ActivationSecret`, a `secretsmanager.ISecret`)
//! so that an app can grant reading it; nothing else reads an activation's code: no
//! output, no attribute of the custom resource, no secret value.

use super::iam::role_field;
use super::missing;
use super::nag::Acknowledgements;
use super::props::Spell;
use super::provider;
use super::ssm::push_key;
use super::typescript::{ident, push_field, push_line_comment, push_name_prop, push_str_prop};
use crate::error::Error;
use crate::facts;
use crate::plan::activation_provider::{activation_properties, Property};
use crate::plan::{ActivationSecret, Attachment, Plan, Subject};
use crate::render::escape;

/// Rejects every provider and activation the construct cannot be written for (see
/// `super::check`).
pub(super) fn check(plan: &Plan) -> Result<(), Error> {
    let Some(p) = &plan.activation_provider else {
        return Ok(());
    };
    provider::check(p)?;
    ident(&p.renewal.lower_camel)?;
    for s in &p.secrets {
        ident(&s.id.lower_camel)?;
        ident(&s.id.upper_camel)?;
        let a = plan
            .activations
            .get(s.activation)
            .ok_or_else(|| missing("activation", s.activation))?;
        ident(&a.id.lower_camel)?;
        ident(&a.id.upper_camel)?;
        let role = plan
            .roles
            .get(a.role)
            .ok_or_else(|| missing("role", a.role))?;
        ident(&role.id.lower_camel)?;
    }
    Ok(())
}

/// The public property of each activation secret, after the other fields.
pub(super) fn push_fields(out: &mut String, plan: &Plan) {
    let Some(p) = &plan.activation_provider else {
        return;
    };
    for s in &p.secrets {
        let fleet = fleet_of(plan, s);
        let doc = format!(
            "The secret the hybrid activation of fleet {fleet} is written to (JSON: ActivationId, ActivationCode, ExpirationDate, Region), named {} unless generatedNames is set: grant reading it to whoever registers the fleet's nodes.",
            s.name
        );
        out.push('\n');
        push_field(out, &doc, &s.id.lower_camel, "secretsmanager.ISecret");
    }
}

fn fleet_of<'a>(plan: &'a Plan, s: &ActivationSecret) -> &'a str {
    plan.activations
        .get(s.activation)
        .and_then(|a| plan.roles.get(a.role))
        .map_or("", |r| r.fleet.as_str())
}

/// The provider and every activation, after an empty line; nothing without them.
pub(super) fn push_block(out: &mut String, spell: &Spell<'_>, acks: &Acknowledgements<'_>) {
    let plan: &Plan = spell.plan();
    let Some(p) = &plan.activation_provider else {
        return;
    };
    out.push_str("\n\n");
    push_line_comment(
        out,
        "    ",
        "Hybrid activations: CloudFormation has no activation resource, so each is a custom resource that the function below creates, replaces and deletes; the function writes each activation's id and code to a secret of its own, and nothing else holds them.",
    );
    provider::push_log_group(out, p, acks);
    for (i, s) in p.secrets.iter().enumerate() {
        push_secret(out, plan, s, i, acks);
    }
    provider::push_function(out, spell, acks);
    let (_, policy) = provider::policy_names(p);
    for s in &p.secrets {
        push_activation(out, plan, s, &policy);
    }
}

/// The local constant of secret `s`'s `CfnSecret` (its field is the `ISecret`).
fn secret_resource(s: &ActivationSecret) -> String {
    format!("{}Resource", s.id.lower_camel)
}

fn push_secret(
    out: &mut String,
    plan: &Plan,
    s: &ActivationSecret,
    i: usize,
    acks: &Acknowledgements<'_>,
) {
    let local = secret_resource(s);
    out.push_str("\n\n");
    push_line_comment(
        out,
        "    ",
        &format!(
            "Fleet {}: the secret its activation's id and code are written to. Created empty; the function writes its first value.",
            fleet_of(plan, s)
        ),
    );
    out.push_str("\n    const ");
    out.push_str(&local);
    out.push_str(" = new secretsmanager.CfnSecret(this, ");
    escape::push_ts_str(out, &s.id.upper_camel);
    out.push_str(", {");
    push_name_prop(out, "      ", "name", &s.name);
    push_str_prop(out, "      ", "description", &s.description);
    out.push_str("\n    });");
    super::typescript::push_tags(out, &local, &s.tags);
    out.push_str("\n    this.");
    out.push_str(&s.id.lower_camel);
    out.push_str(" = secretsmanager.Secret.fromSecretCompleteArn(this, ");
    escape::push_ts_str(out, &format!("{}Ref", s.id.upper_camel));
    out.push_str(", ");
    out.push_str(&local);
    out.push_str(".ref);");
    acks.push_local(out, Subject::ActivationSecret(i), &local);
}

/// The construct the activation's hybrid role is ready with: the role's session policy
/// when it has one (which names the role), else the role.
fn role_ready(plan: &Plan, role: usize) -> String {
    let policy = plan
        .policies
        .iter()
        .find(|p| matches!(p.attachment, Attachment::Role(i) if i == role));
    match policy {
        Some(p) => format!("this.{}", p.id.lower_camel),
        None => format!("this.{}", role_field(plan, role)),
    }
}

fn push_activation(out: &mut String, plan: &Plan, s: &ActivationSecret, policy: &str) {
    let Some(p) = &plan.activation_provider else {
        return;
    };
    let Some(a) = plan.activations.get(s.activation) else {
        return;
    };
    let local = a.id.lower_camel.as_str();
    let fleet = fleet_of(plan, s);
    out.push_str("\n\n");
    push_line_comment(
        out,
        "    ",
        &format!(
            "The hybrid activation of fleet {fleet}. It expires {} hours after it is created (30 days at most; nodes it registered stay registered). Its id and code are in the secret this.{}, named {} unless generatedNames is set (aws secretsmanager get-secret-value --secret-id {}), never in an output or attribute. To issue new ones, change the {} prop.",
            a.expiry_hours, s.id.lower_camel, s.name, s.name, p.renewal.lower_camel
        ),
    );
    out.push_str("\n    const ");
    out.push_str(local);
    out.push_str(" = new cdk.CustomResource(this, ");
    escape::push_ts_str(out, &a.id.upper_camel);
    out.push_str(", {\n      serviceToken: ");
    out.push_str(&p.id.lower_camel);
    out.push_str(".functionArn,");
    push_str_prop(
        out,
        "      ",
        "resourceType",
        facts::ACTIVATION_RESOURCE_TYPE,
    );
    out.push_str("\n      serviceTimeout: cdk.Duration.seconds(");
    out.push_str(&p.service_timeout_seconds.to_string());
    out.push_str("),\n      properties: {");
    for (key, value) in activation_properties(plan, s.activation) {
        out.push_str("\n        ");
        push_key(out, key);
        out.push_str(": ");
        match value {
            // With generated names the secret is named by CloudFormation: its ARN.
            Property::Str(name) if key == "SecretId" => {
                out.push_str("props.generatedNames ? this.");
                out.push_str(&s.id.lower_camel);
                out.push_str(".secretArn : ");
                escape::push_ts_str(out, &name);
            }
            Property::Str(v) => escape::push_ts_str(out, &v),
            Property::Tags(tags) => {
                out.push('[');
                for (k, v) in &tags {
                    out.push_str("\n          { Key: ");
                    escape::push_ts_str(out, k);
                    out.push_str(", Value: ");
                    escape::push_ts_str(out, v);
                    out.push_str(" },");
                }
                out.push_str("\n        ]");
            }
        }
        out.push(',');
    }
    out.push_str("\n        Renewal: props.");
    out.push_str(&p.renewal.lower_camel);
    out.push_str(" ?? ");
    escape::push_ts_str(out, p.renewal_default);
    out.push_str(",\n      },\n    });\n");
    push_line_comment(
        out,
        "    ",
        "Retries off, the function's permissions and the hybrid role in place before the request.",
    );
    out.push_str("\n    ");
    out.push_str(local);
    out.push_str(".node.addDependency(");
    out.push_str(&p.invoke_config.id.lower_camel);
    out.push_str(", ");
    out.push_str(policy);
    out.push_str(", ");
    out.push_str(&role_ready(plan, a.role));
    out.push_str(");\n    if (!props.generatedNames) {\n");
    push_line_comment(
        out,
        "      ",
        "SecretId names the secret, which must exist first (by its ARN, it would follow it).",
    );
    out.push_str("\n      ");
    out.push_str(local);
    out.push_str(".node.addDependency(");
    out.push_str(&secret_resource(s));
    out.push_str(");\n    }");
}

#[cfg(test)]
mod tests {
    use super::super::tests::{construct, node, plan_of, HYBRID};
    use super::*;
    use crate::targets::{Options, Target};

    const EXAMPLE: &str = include_str!("../../../examples/hybrid-activation.yaml");

    fn has_lines(ts: &str, lines: &[&str]) {
        for line in lines {
            assert!(ts.contains(&format!("{line}\n")), "{line}\n{ts}");
        }
    }

    #[test]
    fn each_activation_is_a_custom_resource_with_its_secret_and_dependencies() {
        let plan = plan_of(EXAMPLE);
        let ts = construct(&plan);
        has_lines(
            &ts,
            &[
                "import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';",
                "  public readonly plcGatewaysActivationSecret: secretsmanager.ISecret;",
                "  readonly activationRenewal?: string;",
                "   * @default - '1'",
                "    const plcGatewaysActivationSecretResource = new secretsmanager.CfnSecret(this, 'PlcGatewaysActivationSecret', {",
                "      name: props.generatedNames ? undefined : 'factory/plc-gateways/activation',",
                "      description: 'Id and code of the hybrid activation of fleet plc-gateways of factory (ssmgen; written by the activation function)',",
                "    cdk.Tags.of(plcGatewaysActivationSecretResource).add('line', '3');",
                "    this.plcGatewaysActivationSecret = secretsmanager.Secret.fromSecretCompleteArn(this, 'PlcGatewaysActivationSecretRef', plcGatewaysActivationSecretResource.ref);",
                "    const plcGatewaysActivation = new cdk.CustomResource(this, 'PlcGatewaysActivation', {",
                "      serviceToken: activationProvider.functionArn,",
                "      resourceType: 'Custom::SsmActivation',",
                "      serviceTimeout: cdk.Duration.seconds(300),",
                "      properties: {",
                "        IamRole: 'ssm/hybrid/factory-plc-gateways-ssm',",
                "        RegistrationLimit: '25',",
                "        ExpiryHours: '336',",
                "        DefaultInstanceName: 'plc-gateway',",
                "        Description: 'PLC gateways on the shop floor',",
                "        Tags: [",
                "          { Key: 'line', Value: '3' },",
                "          { Key: 'site', Value: 'munich' },",
                "          { Key: 'ssmgen-fleet', Value: 'factory-plc-gateways' },",
                "        ],",
                "        SecretId: props.generatedNames ? this.plcGatewaysActivationSecret.secretArn : 'factory/plc-gateways/activation',",
                "        Renewal: props.activationRenewal ?? '1',",
                "    plcGatewaysActivation.node.addDependency(activationProviderInvokeConfig, activationProviderPolicy, this.plcGatewaysSessionPolicy);",
                "    if (!props.generatedNames) {",
                "      plcGatewaysActivation.node.addDependency(plcGatewaysActivationSecretResource);",
            ],
        );
        // The properties in the order of the plan (the handler's contract), then Renewal.
        let start = ts.find("      properties: {").expect("properties");
        let keys: Vec<&str> = ts[start..]
            .lines()
            .skip(1)
            .take_while(|l| *l != "      },")
            .filter(|l| l.starts_with("        ") && !l.starts_with("         ") && l.contains(':'))
            .filter_map(|l| l.trim().split(':').next())
            .collect();
        let mut want: Vec<&str> = activation_properties(&plan, 0)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        want.push("Renewal");
        assert_eq!(keys, want);
        // The comment beside it: the expiry, where the id and code are, how to re-issue.
        let comment = ts
            .find("    // The hybrid activation of fleet plc-gateways. It expires 336 hours after")
            .expect("comment");
        let text = &ts[comment..ts.find("    const plcGatewaysActivation =").expect("cr")];
        for part in [
            "30",
            "days at most",
            "this.plcGatewaysActivationSecret",
            "aws secretsmanager get-secret-value --secret-id factory/plc-gateways/activation",
            "activationRenewal prop",
        ] {
            assert!(text.contains(part), "{part}\n{text}");
        }
        for line in ts.lines().filter(|l| l.trim_start().starts_with("// ")) {
            assert!(line.chars().count() <= 100, "{line}");
        }
    }

    #[test]
    fn an_activation_without_a_session_policy_waits_for_its_role() {
        let mut plan = plan_of(HYBRID);
        plan.policies[0].attachment = Attachment::ExistingRole("other".into());
        let ts = construct(&plan);
        assert!(
            ts.contains("    plcActivation.node.addDependency(activationProviderInvokeConfig, activationProviderPolicy, this.plcRole);\n"),
            "{ts}"
        );
    }

    #[test]
    fn generated_names_name_the_provider_by_its_resources() {
        let plan = plan_of(EXAMPLE);
        let ts = construct(&plan);
        let secret = "props.generatedNames ? this.plcGatewaysActivationSecret.secretArn : 'arn:aws:secretsmanager:eu-central-1:444455556666:secret:factory/plc-gateways/activation-??????'";
        let logs = "props.generatedNames ? activationProviderLogs.logGroupArn : 'arn:aws:logs:eu-central-1:444455556666:log-group:/aws/lambda/factory-activations:*'";
        // In the statements, and in the acknowledgement that names the log group's ARN.
        assert!(ts.contains(&format!("            {secret},\n")), "{ts}");
        assert!(ts.contains(&format!("            {logs},\n")), "{ts}");
        assert!(
            ts.contains(&format!(
                "    acknowledge(activationProviderPolicy, 'AwsSolutions-IAM5', 'Resource',\n      {logs},\n"
            )),
            "{ts}"
        );
        assert!(ts.contains(
            "      functionName: props.generatedNames ? undefined : 'factory-activations',\n"
        ));
    }

    /// Every example with hybrid activations: no output, attribute or secret value can
    /// carry an activation code, and no create-activations.sh is written beside it.
    #[test]
    fn no_activation_code_leaves_the_secrets() {
        let mut seen = 0;
        let mut examples: Vec<_> = std::fs::read_dir("examples")
            .expect("examples")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        examples.sort();
        for path in examples {
            let plan = plan_of(&std::fs::read_to_string(&path).expect("example"));
            let Some(p) = &plan.activation_provider else {
                continue;
            };
            seen += 1;
            let files = super::super::CdkTypeScript
                .render(&plan, &Options::default())
                .expect("renders");
            assert!(
                files
                    .iter()
                    .all(|f| !f.path.ends_with("create-activations.sh")),
                "{}",
                path.display()
            );
            let ts = &files[0].contents;
            for leak in [
                "getAtt",
                "secretValue",
                "unsafeUnwrap",
                "resolve:secretsmanager",
                "cdk.SecretValue",
            ] {
                assert!(!ts.contains(leak), "{leak} in {}", path.display());
            }
            let outputs = &ts[ts.find("if (props.outputs)").map_or(ts.len(), |i| i)..];
            for s in &p.secrets {
                assert!(!outputs.contains(&s.id.lower_camel), "{}", path.display());
                let a = &plan.activations[s.activation];
                assert!(
                    !outputs.contains(&format!("{}.", a.id.lower_camel)),
                    "{}",
                    path.display()
                );
                // The custom resource is only depended on, never read.
                assert_eq!(
                    ts.matches(&format!("{}.", a.id.lower_camel)).count(),
                    2,
                    "{}",
                    path.display()
                );
            }
        }
        assert!(seen >= 4, "examples with activations: {seen}");
    }

    #[test]
    fn with_the_script_method_the_construct_has_no_provider() {
        let plan = plan_of(&format!("activation_method: script\n{HYBRID}"));
        assert!(plan.activation_provider.is_none() && !plan.activations.is_empty());
        let files = super::super::CdkTypeScript
            .render(&plan, &Options::default())
            .expect("renders");
        let names: Vec<_> = files.iter().map(|f| f.path.to_string_lossy()).collect();
        assert_eq!(names, ["factory-ssm-access.ts", "create-activations.sh"]);
        let ts = &files[0].contents;
        for absent in [
            "aws-lambda",
            "aws-logs",
            "aws-secretsmanager",
            "CustomResource",
            "activationRenewal",
            "acknowledgeRule",
            "ActivationSecret",
        ] {
            assert!(!ts.contains(absent), "{absent}\n{ts}");
        }
    }

    #[test]
    fn hostile_strings_stay_literals() {
        let mut plan = plan_of(EXAMPLE);
        let hostile = "a' + `${process.exit(1)}` */ \n b";
        plan.activations[0].description = hostile.into();
        plan.activations[0].default_instance_name = Some(hostile.into());
        plan.activations[0]
            .tags
            .insert(hostile.into(), hostile.into());
        plan.roles[0].fleet = hostile.into();
        let s = &mut plan.activation_provider.as_mut().expect("provider").secrets[0];
        s.name = hostile.into();
        s.description = hostile.into();
        s.tags.insert(hostile.into(), hostile.into());
        let ts = construct(&plan);
        assert!(!ts.contains("\n b"), "{ts}");
        let escaped = r"'a\' + `${process.exit(1)}` */ \n b'";
        for line in [
            format!("      name: props.generatedNames ? undefined : {escaped},"),
            format!("      description: {escaped},"),
            format!(
                "    cdk.Tags.of(plcGatewaysActivationSecretResource).add({escaped}, {escaped});"
            ),
        ] {
            assert!(ts.contains(&format!("{line}\n")), "{line}\n{ts}");
        }
        // The properties read back as the plan has them (the secret by its name).
        let start = ts.find("      properties: ").expect("properties") + "      properties: ".len();
        let end = start + ts[start..].find("\n      },\n").expect("end") + "\n      }".len();
        let program = format!(
            "const props = {{}};\nprocess.stdout.write(JSON.stringify({}));",
            &ts[start..end]
        );
        let back: serde_json::Value = serde_json::from_str(&node(&program)).expect("JSON");
        let mut want = serde_json::Map::new();
        for (key, value) in activation_properties(&plan, 0) {
            want.insert(
                key.into(),
                match value {
                    Property::Str(s) => serde_json::json!(s),
                    Property::Tags(t) => t
                        .iter()
                        .map(|(k, v)| serde_json::json!({"Key": k, "Value": v}))
                        .collect(),
                },
            );
        }
        want.insert(
            "Renewal".into(),
            serde_json::json!(crate::facts::ACTIVATION_RENEWAL_DEFAULT),
        );
        assert_eq!(back, serde_json::Value::Object(want));
    }
}
