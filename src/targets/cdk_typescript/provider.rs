//! The activation provider of the construct (the plan's `ActivationProvider`): the Lambda
//! function that answers every `Custom::SsmActivation` of `activation.rs`, its log group,
//! its execution role with a customer managed policy of its own (unnamed, attached to the
//! role only), and its asynchronous invoke configuration (retries off). Constants of the
//! constructor, not fields: an app reaches the activations through their secrets.

use super::iam::push_statement;
use super::nag::Acknowledgements;
use super::props::Spell;
use super::typescript::{
    ident, push_conditions, push_line_comment, push_name_prop, push_str_prop, push_text,
};
use super::CONSTRUCT;
use crate::error::Error;
use crate::facts;
use crate::plan::{ActivationProvider, Subject};
use crate::render::escape;

fn retention(days: u32) -> Option<&'static str> {
    crate::targets::cdk_enums::log_retention_member(days)
}

/// `lambda.Runtime.PYTHON_3_14` for `python3.14`: CDK's own constant, which knows that the
/// runtime takes inline code (`new lambda.Runtime(...)` would refuse it by default).
fn runtime(name: &str) -> Option<String> {
    let minor = name.strip_prefix("python3.")?;
    let digits = !minor.is_empty() && minor.chars().all(|c| c.is_ascii_digit());
    digits.then(|| format!("lambda.Runtime.PYTHON_3_{minor}"))
}

fn refuse(message: String) -> Error {
    Error::Render {
        template: CONSTRUCT.into(),
        message,
    }
}

/// Rejects every provider this file cannot write (see `super::check`).
pub(super) fn check(p: &ActivationProvider) -> Result<(), Error> {
    for id in [&p.id, &p.log_group.id, &p.role.id, &p.invoke_config.id] {
        ident(&id.lower_camel)?;
        ident(&id.upper_camel)?;
    }
    if runtime(p.runtime).is_none() {
        return Err(refuse(format!(
            "the activation function's runtime {} has no aws-cdk-lib constant this target writes",
            p.runtime
        )));
    }
    if retention(p.log_group.retention_days).is_none() {
        return Err(refuse(format!(
            "aws-cdk-lib has no logs.RetentionDays member of {} days",
            p.log_group.retention_days
        )));
    }
    if p.role.trust.action != facts::ASSUME_ROLE {
        return Err(refuse(format!(
            "the activation function's role: CDK writes the trust action of a service principal itself and cannot write {}",
            p.role.trust.action
        )));
    }
    // Its permissions boundary is the spec's one, which the construct applies to every
    // role it creates, this one included (`iam::boundary`).
    Ok(())
}

/// The policy's construct id and constant: the function's, `Policy` added.
pub(super) fn policy_names(p: &ActivationProvider) -> (String, String) {
    (
        format!("{}Policy", p.id.upper_camel),
        format!("{}Policy", p.id.lower_camel),
    )
}

const PROP: &str = "      ";

/// The log group, first of the provider: the function writes to it, and its logging
/// configuration names it, so Lambda never creates it.
pub(super) fn push_log_group(
    out: &mut String,
    p: &ActivationProvider,
    acks: &Acknowledgements<'_>,
) {
    let logs = p.log_group.id.lower_camel.as_str();
    out.push_str("\n    const ");
    out.push_str(logs);
    out.push_str(" = new logs.LogGroup(this, ");
    escape::push_ts_str(out, &p.log_group.id.upper_camel);
    out.push_str(", {");
    push_name_prop(out, PROP, "logGroupName", &p.log_group.name);
    out.push_str("\n      retention: logs.RetentionDays.");
    out.push_str(retention(p.log_group.retention_days).unwrap_or("INFINITE"));
    out.push_str(",\n");
    push_line_comment(
        out,
        PROP,
        "It goes with the stack, as CloudFormation's own default has it (CDK's keeps it).",
    );
    out.push_str("\n      removalPolicy: cdk.RemovalPolicy.DESTROY,\n    });");
    acks.push_local(out, Subject::ProviderLogGroup, logs);
}

/// The role, its policy, the function and its invoke configuration, each after an empty
/// line (after the secrets, which the policy names).
pub(super) fn push_function(out: &mut String, spell: &Spell<'_>, acks: &Acknowledgements<'_>) {
    let Some(p) = &spell.plan().activation_provider else {
        return;
    };
    let role = p.role.id.lower_camel.as_str();
    let (policy_id, policy) = policy_names(p);

    // The execution role, unnamed, and its statements in a managed policy of their own.
    out.push_str("\n\n    const ");
    out.push_str(role);
    out.push_str(" = new iam.Role(this, ");
    escape::push_ts_str(out, &p.role.id.upper_camel);
    out.push_str(", {");
    push_str_prop(out, PROP, "path", &p.role.path);
    push_str_prop(out, PROP, "description", &p.role.description);
    out.push_str("\n      assumedBy: iam.ServicePrincipal.fromStaticServicePrincipleName(");
    push_text(out, &p.role.trust.service);
    out.push(')');
    if !p.role.trust.conditions.is_empty() {
        out.push_str(".withConditions({");
        push_conditions(out, &p.role.trust.conditions, "        ");
        out.push_str("\n      })");
    }
    out.push_str(",\n    });");
    super::typescript::push_tags(out, role, &p.role.tags);
    out.push_str("\n\n    const ");
    out.push_str(&policy);
    out.push_str(" = new iam.ManagedPolicy(this, ");
    escape::push_ts_str(out, &policy_id);
    out.push_str(", {");
    push_str_prop(out, PROP, "path", &p.role.path);
    push_str_prop(out, PROP, "description", &p.role.policy_description);
    out.push_str("\n      statements: [");
    for st in &p.role.statements {
        push_statement(out, spell, st);
    }
    out.push_str("\n      ],\n      roles: [");
    out.push_str(role);
    out.push_str("],\n    });");
    acks.push_local(out, Subject::ProviderRole, &policy);

    push_lambda(out, p, &policy);
    acks.push_local(out, Subject::ProviderFunction, &p.id.lower_camel);

    out.push_str("\n\n    const ");
    out.push_str(&p.invoke_config.id.lower_camel);
    out.push_str(" = new lambda.EventInvokeConfig(this, ");
    escape::push_ts_str(out, &p.invoke_config.id.upper_camel);
    out.push_str(", {\n      function: ");
    out.push_str(&p.id.lower_camel);
    out.push_str(",\n      qualifier: '$LATEST',\n");
    push_line_comment(
        out,
        PROP,
        "No retry: the function answers CloudFormation itself, and a retried request would create a second activation.",
    );
    out.push_str("\n      retryAttempts: ");
    out.push_str(&p.invoke_config.max_retry_attempts.to_string());
    out.push_str(",\n      maxEventAge: cdk.Duration.seconds(");
    out.push_str(&p.invoke_config.max_event_age_seconds.to_string());
    out.push_str("),\n    });");
}

fn push_lambda(out: &mut String, p: &ActivationProvider, policy: &str) {
    let function = p.id.lower_camel.as_str();
    out.push_str("\n\n    const ");
    out.push_str(function);
    out.push_str(" = new lambda.Function(this, ");
    escape::push_ts_str(out, &p.id.upper_camel);
    out.push_str(", {");
    push_name_prop(out, PROP, "functionName", &p.function_name);
    push_str_prop(out, PROP, "description", &p.description);
    out.push_str("\n      runtime: ");
    out.push_str(&runtime(p.runtime).unwrap_or_default());
    out.push(',');
    push_str_prop(out, PROP, "handler", p.handler);
    out.push('\n');
    push_line_comment(
        out,
        PROP,
        "templates/activation/handler.py of ssmgen, one string a line.",
    );
    out.push_str("\n      code: lambda.Code.fromInline([");
    for line in p.code.split('\n') {
        out.push_str("\n        ");
        escape::push_ts_str(out, line);
        out.push(',');
    }
    out.push_str("\n      ].join('\\n')),\n      timeout: cdk.Duration.seconds(");
    out.push_str(&p.timeout_seconds.to_string());
    out.push_str("),\n      memorySize: ");
    out.push_str(&p.memory_mb.to_string());
    out.push_str(",\n");
    push_line_comment(
        out,
        PROP,
        "The role imported, not mutable: given the role itself, CDK would add a DependsOn the GetAtt already makes (cfn-lint W3005, aws-cdk #24578), and no grant of CDK's may widen it.",
    );
    out.push_str("\n      role: iam.Role.fromRoleArn(this, ");
    escape::push_ts_str(out, &format!("{}Ref", p.role.id.upper_camel));
    out.push_str(", ");
    out.push_str(&p.role.id.lower_camel);
    out.push_str(".roleArn, { mutable: false }),\n");
    push_line_comment(
        out,
        PROP,
        "Its own log group, which its logging configuration names, so it exists first.",
    );
    out.push_str("\n      logGroup: ");
    out.push_str(&p.log_group.id.lower_camel);
    out.push_str(",\n    });\n");
    push_line_comment(out, "    ", "Its permissions before its first request.");
    out.push_str("\n    ");
    out.push_str(function);
    out.push_str(".node.addDependency(");
    out.push_str(policy);
    out.push_str(");");
}

#[cfg(test)]
mod tests {
    use super::super::tests::{construct, node, plan_of, HYBRID};
    use super::*;
    use crate::plan::Plan;
    use crate::targets::{Options, Target};

    fn has_lines(ts: &str, lines: &[&str]) {
        for line in lines {
            assert!(ts.contains(&format!("{line}\n")), "{line}\n{ts}");
        }
    }

    /// The text of the statement that starts with `start`, up to its `});`.
    fn block<'t>(ts: &'t str, start: &str) -> &'t str {
        let at = ts.find(start).unwrap_or_else(|| panic!("{start}\n{ts}"));
        &ts[at..at + ts[at..].find("\n    });").expect("end")]
    }

    #[test]
    fn the_log_group_role_policy_function_and_invoke_config() {
        let plan = plan_of(HYBRID);
        let p = plan.activation_provider.as_ref().expect("provider");
        let ts = construct(&plan);
        has_lines(
            &ts,
            &[
                "import * as lambda from 'aws-cdk-lib/aws-lambda';",
                "import * as logs from 'aws-cdk-lib/aws-logs';",
                "    const activationProviderLogs = new logs.LogGroup(this, 'ActivationProviderLogs', {",
                "      logGroupName: props.generatedNames ? undefined : '/aws/lambda/factory-activations',",
                "      retention: logs.RetentionDays.ONE_YEAR,",
                "      removalPolicy: cdk.RemovalPolicy.DESTROY,",
                "    const activationProviderRole = new iam.Role(this, 'ActivationProviderRole', {",
                "      path: '/ssm/hybrid/',",
                "      description: 'Execution role of the function that creates the hybrid activations of factory (ssmgen)',",
                "      assumedBy: iam.ServicePrincipal.fromStaticServicePrincipleName('lambda.amazonaws.com'),",
                "    cdk.Tags.of(activationProviderRole).add('site', 'munich');",
                "    const activationProviderPolicy = new iam.ManagedPolicy(this, 'ActivationProviderPolicy', {",
                "      roles: [activationProviderRole],",
                "    const activationProvider = new lambda.Function(this, 'ActivationProvider', {",
                "      functionName: props.generatedNames ? undefined : 'factory-activations',",
                "      description: 'Creates, replaces and deletes the hybrid activations of factory (ssmgen)',",
                "      runtime: lambda.Runtime.PYTHON_3_14,",
                "      handler: 'index.handler',",
                "      code: lambda.Code.fromInline([",
                "      ].join('\\n')),",
                "      timeout: cdk.Duration.seconds(120),",
                "      memorySize: 128,",
                "      role: iam.Role.fromRoleArn(this, 'ActivationProviderRoleRef', activationProviderRole.roleArn, { mutable: false }),",
                "      logGroup: activationProviderLogs,",
                "    activationProvider.node.addDependency(activationProviderPolicy);",
                "    const activationProviderInvokeConfig = new lambda.EventInvokeConfig(this, 'ActivationProviderInvokeConfig', {",
                "      function: activationProvider,",
                "      qualifier: '$LATEST',",
                "      retryAttempts: 0,",
                "      maxEventAge: cdk.Duration.seconds(300),",
            ],
        );
        // Every statement of the plan, with the Sids the other targets write.
        let policy = block(&ts, "    const activationProviderPolicy = ");
        for s in &p.role.statements {
            assert!(
                policy.contains(&format!("          sid: '{}',\n", s.sid)),
                "{policy}"
            );
            for a in &s.actions {
                assert!(
                    policy.contains(&format!("            '{a}',\n")),
                    "{policy}"
                );
            }
        }
        assert!(
            policy.contains("'iam:PassedToService': 'ssm.amazonaws.com',"),
            "{policy}"
        );
        // The plan's description, on the policy as the other stack targets write it.
        assert!(
            policy.contains(&format!("      description: '{}',\n", p.role.description)),
            "{policy}"
        );
        // The role and its policy are unnamed: the tool names them.
        assert!(
            !block(&ts, "    const activationProviderRole = ").contains("roleName"),
            "{ts}"
        );
        assert!(!policy.contains("managedPolicyName"), "{policy}");
        // In the order the resources need each other.
        let order: Vec<usize> = [
            "new logs.LogGroup(this, 'ActivationProviderLogs'",
            "new secretsmanager.CfnSecret(this, 'PlcActivationSecret'",
            "new iam.Role(this, 'ActivationProviderRole'",
            "new iam.ManagedPolicy(this, 'ActivationProviderPolicy'",
            "new lambda.Function(this, 'ActivationProvider'",
            "new lambda.EventInvokeConfig(this, 'ActivationProviderInvokeConfig'",
            "new cdk.CustomResource(this, 'PlcActivation'",
        ]
        .iter()
        .map(|s| ts.find(s).unwrap_or_else(|| panic!("{s}\n{ts}")))
        .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    }

    /// The string `lambda.Code.fromInline` gets, as node reads it.
    fn inline_code(ts: &str) -> String {
        let start = ts
            .find("      code: lambda.Code.fromInline(")
            .expect("code")
            + "      code: lambda.Code.fromInline(".len();
        let end = start + ts[start..].find(".join('\\n'))").expect("end") + ".join('\\n')".len();
        let program = format!("process.stdout.write(JSON.stringify({}));", &ts[start..end]);
        serde_json::from_str(&node(&program)).expect("a JSON string")
    }

    #[test]
    fn the_code_reads_back_exactly() {
        let mut plan = plan_of(HYBRID);
        let ts = construct(&plan);
        assert_eq!(inline_code(&ts), facts::ACTIVATION_HANDLER_SOURCE);
        // Today's handler has no quote of either kind that would need it, but the writer
        // escapes whatever the code holds.
        const HOSTILE: &str = "a = 'x' + \"y\" + `${z}` \\ \\n */\r\n\tb\u{2028}\u{7f}\u{1}\n\n";
        plan.activation_provider.as_mut().expect("provider").code = HOSTILE;
        let ts = construct(&plan);
        assert_eq!(inline_code(&ts), HOSTILE);
        assert!(!ts.contains("*/\r") && !ts.contains("\n\tb"), "{ts}");
    }

    fn provider(plan: &mut Plan) -> &mut ActivationProvider {
        plan.activation_provider.as_mut().expect("provider")
    }

    #[test]
    fn values_cdk_cannot_write_are_refused() {
        let refused = |change: fn(&mut Plan), why: &str| {
            let mut plan = plan_of(HYBRID);
            change(&mut plan);
            let err = super::super::CdkTypeScript
                .render(&plan, &Options::default())
                .expect_err(why);
            assert!(err.to_string().contains(why), "{err}");
        };
        refused(
            |plan| {
                provider(plan).log_group.retention_days = 42;
            },
            "no logs.RetentionDays member of 42 days",
        );
        refused(
            |plan| provider(plan).runtime = "nodejs22.x",
            "runtime nodejs22.x",
        );
        refused(
            |plan| provider(plan).runtime = "python3.",
            "runtime python3.",
        );
        refused(
            |plan| {
                provider(plan).role.trust.action = "sts:AssumeRoleWithWebIdentity";
            },
            "cannot write sts:AssumeRoleWithWebIdentity",
        );
        refused(
            |plan| {
                provider(plan).log_group.id.lower_camel = "x-y".into();
            },
            "`x-y` is not a TypeScript identifier",
        );
        // Every member CDK declares is written by its name.
        let mut plan = plan_of(HYBRID);
        for (days, name) in crate::targets::cdk_enums::LOG_RETENTION_DAYS {
            provider(&mut plan).log_group.retention_days = days;
            let ts = construct(&plan);
            assert!(
                ts.contains(&format!("      retention: logs.RetentionDays.{name},\n")),
                "{ts}"
            );
        }
        provider(&mut plan).runtime = "python3.13";
        assert!(construct(&plan).contains("      runtime: lambda.Runtime.PYTHON_3_13,\n"));
    }

    #[test]
    fn hostile_strings_stay_literals() {
        let mut plan = plan_of(HYBRID);
        let hostile = "a' + `${process.exit(1)}` */ \n b";
        let p = plan.activation_provider.as_mut().expect("provider");
        p.description = hostile.into();
        p.function_name = hostile.into();
        p.log_group.name = hostile.into();
        p.role.description = hostile.into();
        p.role.path = hostile.into();
        p.role.tags.insert(hostile.into(), hostile.into());
        let ts = construct(&plan);
        let escaped = r"'a\' + `${process.exit(1)}` */ \n b'";
        for line in [
            format!("      description: {escaped},"),
            format!("      functionName: props.generatedNames ? undefined : {escaped},"),
            format!("      logGroupName: props.generatedNames ? undefined : {escaped},"),
            format!("      path: {escaped},"),
            format!("    cdk.Tags.of(activationProviderRole).add({escaped}, {escaped});"),
        ] {
            assert!(ts.contains(&format!("{line}\n")), "{line}\n{ts}");
        }
        assert!(!ts.contains("\n b"), "{ts}");
    }

    #[test]
    fn the_spec_boundary_reaches_the_function_role_with_the_others() {
        let plan = plan_of(&format!(
            "permissions_boundary: arn:aws:iam::111122223333:policy/b\n{HYBRID}"
        ));
        let arn = Some(crate::plan::Text::literal(
            "arn:aws:iam::111122223333:policy/b",
        ));
        assert_eq!(provider(&mut plan.clone()).role.permissions_boundary, arn);
        let apply = "\n    iam.PermissionsBoundary.of(this).apply(iam.ManagedPolicy.fromManagedPolicyArn(this, 'PermissionsBoundary', 'arn:aws:iam::111122223333:policy/b'));\n";
        let ts = construct(&plan);
        assert_eq!(ts.matches(apply).count(), 1, "{ts}");
        assert!(!ts.contains("permissionsBoundary:"), "{ts}");
        // Applied to the whole construct, it reaches the function's role even when no
        // other role has one.
        let mut alone = plan.clone();
        alone
            .roles
            .iter_mut()
            .for_each(|r| r.permissions_boundary = None);
        assert_eq!(construct(&alone).matches(apply).count(), 1);
    }
}
