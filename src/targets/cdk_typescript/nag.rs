//! The cdk-nag acknowledgements: the findings the plan says the construct carries on
//! purpose (`Plan::acknowledgements`), written after each subject is created as calls of
//! two module-level helpers: `acknowledge` for a granular rule's finding, named by its
//! value, and `acknowledgeRule` for a rule that names no value (the activation function,
//! its log group and the activation secrets). cdk-nag 3 reads them as `Validations`
//! acknowledgements and cdk-nag 2 as the resource's `cdk_nag` metadata, so the construct
//! imports no cdk-nag. Only cdk-nag rules are spelled here: the checkov ones are for the
//! CloudFormation and Terraform targets.

use super::props::Spell;
use super::{missing, CONSTRUCT};
use crate::error::Error;
use crate::facts::scanners::Scanner;
use crate::plan::{Acknowledgement, Plan, Subject, Text};
use crate::render::escape;

/// The helper, written once before the props interface when the construct calls it.
///
/// It names each finding at synth time from the value as the stack resolves it, the way
/// cdk-nag does, rather than from a name written here: a pseudo value such as
/// `cdk.Aws.PARTITION` resolves to a reference, which cdk-nag writes `<AWS::Partition>`,
/// and a stack with an explicit environment may resolve some to literals instead.
pub(super) const HELPER: &str = "
/**
 * Acknowledges a cdk-nag finding that this construct carries on purpose (`ssmgen explain`
 * says why), for cdk-nag 3 (a `Validations` acknowledgement) and cdk-nag 2 (the resource's
 * `cdk_nag` metadata) alike, without importing cdk-nag. The finding is named as cdk-nag
 * names it, from `value` as the stack resolves it (`${x}` and references written `<x>`), so
 * that the name is right whatever the stack's environment.
 */
function acknowledge(
  construct: Construct,
  rule: string,
  prefix: 'Resource' | 'Policy',
  value: string,
  reason: string,
): void {
  const flatten = (v: unknown): string => {
    if (typeof v === 'string') {
      return v.replace(/\\$\\{/g, '<').replace(/\\}/g, '>');
    }
    if (typeof v === 'object' && v !== null) {
      if ('Fn::Join' in v && Array.isArray(v['Fn::Join'])) {
        const [delimiter, parts]: unknown[] = v['Fn::Join'];
        if (typeof delimiter === 'string' && Array.isArray(parts)) {
          return parts.map(flatten).join(delimiter);
        }
      }
      if ('Fn::Sub' in v) {
        return flatten(v['Fn::Sub']);
      }
      if ('Ref' in v) {
        return `<${String(v.Ref)}>`;
      }
      if ('Fn::GetAtt' in v && Array.isArray(v['Fn::GetAtt'])) {
        return `<${v['Fn::GetAtt'].join('.')}>`;
      }
    }
    return JSON.stringify(v);
  };
  const resolved: unknown = cdk.Stack.of(construct).resolve(value);
  const finding = `${prefix}::${flatten(resolved)}`;
  cdk.Validations.of(construct).acknowledge({ id: `${rule}[${finding}]`, reason });
  const cfn = construct.node.defaultChild as cdk.CfnResource;
  const metadata = cfn.getMetadata('cdk_nag') as { rules_to_suppress?: unknown[] } | undefined;
  cfn.addMetadata('cdk_nag', {
    rules_to_suppress: [
      ...(metadata?.rules_to_suppress ?? []),
      { id: rule, reason, applies_to: [finding] },
    ],
  });
}
";

/// The second helper, for a rule that names no value: written once, beside the first,
/// when the construct calls it. It acknowledges the rule on the CloudFormation resource
/// cdk-nag reports it on, the construct given when that is one (a `CfnSecret`), else its
/// default child (the `CfnFunction` of a `lambda.Function`).
pub(super) const RULE_HELPER: &str = "
/**
 * Acknowledges a cdk-nag rule that names no value (the whole rule, on one resource) and that
 * this construct breaks on purpose (`ssmgen explain` says why), for cdk-nag 3 and cdk-nag 2
 * alike, on the CloudFormation resource cdk-nag reports it on: `construct` itself when it is
 * one, else its default child.
 */
function acknowledgeRule(construct: Construct, rule: string, reason: string): void {
  const cfn = (construct instanceof cdk.CfnResource ? construct : construct.node.defaultChild) as cdk.CfnResource;
  cdk.Validations.of(cfn).acknowledge({ id: rule, reason });
  const metadata = cfn.getMetadata('cdk_nag') as { rules_to_suppress?: unknown[] } | undefined;
  cfn.addMetadata('cdk_nag', {
    rules_to_suppress: [...(metadata?.rules_to_suppress ?? []), { id: rule, reason }],
  });
}
";

/// The cdk-nag acknowledgements this target writes: those of the subjects it creates
/// (roles, fleet policies, operator policies, the activation provider's policy, function
/// and log group, the activation secrets, the created session key, log bucket and log
/// group; a document has only checkov ones).
fn written(a: &Acknowledgement) -> bool {
    a.rule.scanner == Scanner::CdkNag && !matches!(a.subject, Subject::Document(_))
}

/// The granularity prefix and the value of a granular acknowledgement [`check`]
/// accepted; `None` for a rule that names no value.
fn finding(a: &Acknowledgement) -> Option<(&'static str, &Text)> {
    Some((a.rule.granular?.prefix(), a.finding.as_ref()?))
}

/// Rejects the acknowledgements the construct cannot write: one whose subject the plan
/// does not hold, a granular cdk-nag rule without the value its finding is named by, or
/// a rule that names no value given one (cdk-nag would match neither as written).
pub(super) fn check(plan: &Plan) -> Result<(), Error> {
    let provider = plan.activation_provider.as_ref();
    for a in plan.acknowledgements.iter().filter(|a| written(a)) {
        let held = match a.subject {
            Subject::Role(i) => (i < plan.roles.len()).then_some(()).ok_or(("role", i)),
            Subject::Policy(i) => (i < plan.policies.len()).then_some(()).ok_or(("policy", i)),
            Subject::OperatorPolicy(i) => (i < plan.operator_policies.len())
                .then_some(())
                .ok_or(("operator policy", i)),
            Subject::ProviderRole | Subject::ProviderFunction | Subject::ProviderLogGroup => {
                provider.map(|_| ()).ok_or(("activation provider", 0))
            }
            Subject::ActivationSecret(i) => (i < provider.map_or(0, |p| p.secrets.len()))
                .then_some(())
                .ok_or(("activation secret", i)),
            Subject::Document(_) => Ok(()),
            Subject::SessionKey => plan
                .created
                .key
                .as_ref()
                .map(|_| ())
                .ok_or(("session key", 0)),
            Subject::LogBucket => {
                (plan.created.bucket.as_ref().map(|_| ())).ok_or(("log bucket", 0))
            }
            Subject::SessionLogGroup => {
                (plan.created.log_group.as_ref().map(|_| ())).ok_or(("session log group", 0))
            }
        };
        if let Err((what, i)) = held {
            return Err(missing(what, i));
        }
        let problem = match (a.rule.granular, &a.finding) {
            (Some(_), None) => "is acknowledged without the value its finding names",
            (None, Some(_)) => "names no value, but is acknowledged with one",
            _ => continue,
        };
        return Err(Error::Render {
            template: CONSTRUCT.into(),
            message: format!("cdk-nag rule {} {problem}", a.rule.id),
        });
    }
    Ok(())
}

/// The cdk-nag acknowledgements the construct writes, by subject, so that each subject
/// finds its own at once (`Plan::acknowledgements_of` scans them all, once per subject:
/// quadratic at 10,000 fleets).
pub(super) struct Acknowledgements<'a> {
    /// Spells each finding's value as the construct spells it where the finding is.
    spell: &'a Spell<'a>,
    roles: Vec<Vec<&'a Acknowledgement>>,
    policies: Vec<Vec<&'a Acknowledgement>>,
    operator_policies: Vec<Vec<&'a Acknowledgement>>,
    /// The activation provider's policy (`Subject::ProviderRole`: its statements).
    provider_policy: Vec<&'a Acknowledgement>,
    provider_function: Vec<&'a Acknowledgement>,
    provider_log_group: Vec<&'a Acknowledgement>,
    /// By index into `ActivationProvider::secrets`.
    secrets: Vec<Vec<&'a Acknowledgement>>,
    /// The created session key, log bucket and log group (`created.rs`).
    created: [Vec<&'a Acknowledgement>; 3],
    /// Whether any is granular (`acknowledge` is written), or names no value
    /// (`acknowledgeRule` is).
    granular: bool,
    whole: bool,
}

impl<'a> Acknowledgements<'a> {
    pub(super) fn new(spell: &'a Spell<'a>) -> Self {
        let plan: &'a Plan = spell.plan();
        let secrets = plan
            .activation_provider
            .as_ref()
            .map_or(0, |p| p.secrets.len());
        let mut acks = Acknowledgements {
            spell,
            roles: vec![Vec::new(); plan.roles.len()],
            policies: vec![Vec::new(); plan.policies.len()],
            operator_policies: vec![Vec::new(); plan.operator_policies.len()],
            provider_policy: Vec::new(),
            provider_function: Vec::new(),
            provider_log_group: Vec::new(),
            secrets: vec![Vec::new(); secrets],
            created: Default::default(),
            granular: false,
            whole: false,
        };
        for a in plan.acknowledgements.iter().filter(|a| written(a)) {
            let of = match a.subject {
                Subject::Role(i) => acks.roles.get_mut(i),
                Subject::Policy(i) => acks.policies.get_mut(i),
                Subject::OperatorPolicy(i) => acks.operator_policies.get_mut(i),
                Subject::ProviderRole => Some(&mut acks.provider_policy),
                Subject::ProviderFunction => Some(&mut acks.provider_function),
                Subject::ProviderLogGroup => Some(&mut acks.provider_log_group),
                Subject::ActivationSecret(i) => acks.secrets.get_mut(i),
                Subject::Document(_) => None,
                Subject::SessionKey => Some(&mut acks.created[0]),
                Subject::LogBucket => Some(&mut acks.created[1]),
                Subject::SessionLogGroup => Some(&mut acks.created[2]),
            };
            if let Some(of) = of {
                of.push(a);
                if finding(a).is_some() {
                    acks.granular = true;
                } else {
                    acks.whole = true;
                }
            }
        }
        acks
    }

    /// Whether the construct calls `acknowledge`, so that it is written.
    pub(super) fn any_granular(&self) -> bool {
        self.granular
    }

    /// Whether the construct calls `acknowledgeRule`, so that it is written.
    pub(super) fn any_whole(&self) -> bool {
        self.whole
    }

    /// Writes, after a subject's block, its acknowledgements under one comment:
    /// `acknowledge(this.<field>, '<rule>', '<prefix>',` then the value, spelled as the
    /// construct spells it where the finding is (a prop's value when one is given, CDK's
    /// own ARN of an AWS managed policy), and the reason; or, for a rule that names no
    /// value, `acknowledgeRule(this.<field>, '<rule>',` and the reason. Nothing when it
    /// has none.
    pub(super) fn push(&self, out: &mut String, subject: Subject, field: &str) {
        self.push_on(out, subject, "this.", field);
    }

    /// As [`push`](Self::push), on a constant of the constructor (`<name>`, no `this.`).
    pub(super) fn push_local(&self, out: &mut String, subject: Subject, name: &str) {
        self.push_on(out, subject, "", name);
    }

    fn push_on(&self, out: &mut String, subject: Subject, this: &str, name: &str) {
        let (of, kind) = match subject {
            Subject::Role(i) => (self.roles.get(i), "role"),
            Subject::Policy(i) => (self.policies.get(i), "policy"),
            Subject::OperatorPolicy(i) => (self.operator_policies.get(i), "policy"),
            Subject::Document(_) => (None, "document"),
            Subject::ProviderRole => (Some(&self.provider_policy), "policy"),
            Subject::ProviderFunction => (Some(&self.provider_function), "function"),
            Subject::ProviderLogGroup => (Some(&self.provider_log_group), "log group"),
            Subject::ActivationSecret(i) => (self.secrets.get(i), "secret"),
            Subject::SessionKey => (Some(&self.created[0]), "key"),
            Subject::LogBucket => (Some(&self.created[1]), "bucket"),
            Subject::SessionLogGroup => (Some(&self.created[2]), "log group"),
        };
        let Some(of) = of.filter(|of| !of.is_empty()) else {
            return;
        };
        out.push_str("\n    // The cdk-nag findings of this ");
        out.push_str(kind);
        out.push_str(", carried on purpose.");
        for a in of {
            out.push_str("\n    ");
            match finding(a) {
                Some((prefix, value)) => {
                    out.push_str("acknowledge(");
                    out.push_str(this);
                    out.push_str(name);
                    out.push_str(", ");
                    escape::push_ts_str(out, a.rule.id);
                    out.push_str(", ");
                    escape::push_ts_str(out, prefix);
                    out.push_str(",\n      ");
                    self.spell.push_finding(out, subject, value);
                }
                None => {
                    out.push_str("acknowledgeRule(");
                    out.push_str(this);
                    out.push_str(name);
                    out.push_str(", ");
                    escape::push_ts_str(out, a.rule.id);
                }
            }
            out.push_str(",\n      ");
            escape::push_ts_str(out, &a.reason);
            out.push_str(");");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{construct, plan_of, HYBRID};
    use super::*;
    use crate::facts::scanners::{
        CKV_WRITE_WITHOUT_CONSTRAINTS, NAG_LAMBDA_DLQ, NAG_SECRET_ROTATION, NAG_WILDCARD,
    };
    use crate::targets::{Options, Target};

    const MIXED: &str = "version: 1\nproject: shop\nsession:\n  s3: {bucket: shop-logs, prefix: ssm}\nfleets:\n  - name: web\n    platform: ec2\n    mode: managed-core\n  - name: api\n    platform: ec2\n    mode: session-only\noperators:\n  - name: oncall\n    fleets: [api]\n    identity: iam-user\n";

    #[test]
    fn each_subject_acknowledges_its_findings_after_it_is_created() {
        let plan = plan_of(MIXED);
        let ts = construct(&plan);
        assert_eq!(ts.matches("\nfunction acknowledge(").count(), 1, "{ts}");
        // The role's managed policy, spelled as its `managedPolicies` entry spells it.
        let role = ts.find("this.webRole = new iam.Role(").expect("role");
        let ack = ts
            .find(
                "    // The cdk-nag findings of this role, carried on purpose.\n    acknowledge(this.webRole, 'AwsSolutions-IAM4', 'Policy',\n      iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore').managedPolicyArn,\n      'chosen in the spec: ",
            )
            .expect("role acknowledgement");
        assert!(role < ack, "{ts}");
        assert_eq!(
            ts.matches("        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),\n").count(),
            1,
            "{ts}"
        );
        // The fleet policy's wildcard resources, after the policy, one call each.
        let policy = ts.find("this.apiSessionPolicy = new").expect("policy");
        let star = ts
            .find("    acknowledge(this.apiSessionPolicy, 'AwsSolutions-IAM5', 'Resource',\n      '*',\n")
            .expect("wildcard");
        assert!(policy < star, "{ts}");
        // The log bucket's objects, spelled as the statement spells them: the given
        // bucket's when the app passes one.
        assert!(
            ts.contains("acknowledge(this.apiSessionPolicy, 'AwsSolutions-IAM5', 'Resource',\n      props.logBucket?.arnForObjects('ssm/*') ?? `arn:${stack.partition}:s3:::shop-logs/ssm/*`,\n"),
            "{ts}"
        );
        let operator = ts
            .find("this.oncallOperatorPolicy = new")
            .expect("operator");
        assert!(
            ts[operator..].contains("acknowledge(this.oncallOperatorPolicy, 'AwsSolutions-IAM5'"),
            "{ts}"
        );
        // One call per cdk-nag acknowledgement of the plan, none for checkov's.
        let nag = plan
            .acknowledgements
            .iter()
            .filter(|a| a.rule.scanner == Scanner::CdkNag)
            .count();
        assert_eq!(ts.matches("\n    acknowledge(this.").count(), nag, "{ts}");
        assert!(!ts.contains("CKV_AWS"), "{ts}");
    }

    #[test]
    fn no_helper_without_cdk_nag_acknowledgements() {
        let mut plan = plan_of(MIXED);
        plan.acknowledgements
            .retain(|a| a.rule.scanner != Scanner::CdkNag);
        assert!(!plan.acknowledgements.is_empty());
        let ts = construct(&plan);
        assert!(!ts.contains("acknowledge"), "{ts}");
        assert!(!ts.contains("cdk-nag"), "{ts}");
    }

    #[test]
    fn reasons_and_values_are_escaped() {
        let mut plan = plan_of(MIXED);
        let hostile = "it's `${process.exit(1)}` */ \n x";
        for a in &mut plan.acknowledgements {
            a.reason = hostile.into();
        }
        let ts = construct(&plan);
        assert!(
            ts.contains(r"'it\'s `${process.exit(1)}` */ \n x');"),
            "{ts}"
        );
        assert!(!ts.contains("*/ \n x"), "{ts}");
    }

    #[test]
    fn unwritable_acknowledgements_are_refused() {
        let plan = plan_of(MIXED);
        let mut stray = plan.clone();
        stray.acknowledgements[0].subject = Subject::Role(7);
        let err = super::super::CdkTypeScript
            .render(&stray, &Options::default())
            .expect_err("no role 7");
        assert!(err.to_string().contains("role 7"), "{err}");
        let mut bare = plan.clone();
        bare.acknowledgements.push(Acknowledgement {
            rule: NAG_WILDCARD,
            subject: Subject::Policy(0),
            finding: None,
            reason: "r".into(),
        });
        let err = super::super::CdkTypeScript
            .render(&bare, &Options::default())
            .expect_err("no finding");
        assert!(err.to_string().contains("AwsSolutions-IAM5"), "{err}");
        // A checkov rule without a finding is not this target's to write.
        let mut checkov = plan;
        checkov.acknowledgements.push(Acknowledgement {
            rule: CKV_WRITE_WITHOUT_CONSTRAINTS,
            subject: Subject::Policy(9),
            finding: None,
            reason: "r".into(),
        });
        assert!(super::super::CdkTypeScript
            .render(&checkov, &Options::default())
            .is_ok());
    }

    #[test]
    fn rules_without_a_value_are_acknowledged_whole_on_their_resource() {
        let plan = plan_of(HYBRID);
        let ts = construct(&plan);
        assert_eq!(ts.matches("\nfunction acknowledgeRule(").count(), 1, "{ts}");
        assert_eq!(ts.matches("\nfunction acknowledge(").count(), 1, "{ts}");
        let whole = plan
            .acknowledgements
            .iter()
            .filter(|a| a.rule.scanner == Scanner::CdkNag && a.rule.granular.is_none())
            .count();
        assert!(whole > 0);
        assert_eq!(ts.matches("\n    acknowledgeRule(").count(), whole, "{ts}");
        // cdk-nag 2 reads a whole rule from an entry without applies_to.
        assert!(
            ts.contains("    rules_to_suppress: [...(metadata?.rules_to_suppress ?? []), { id: rule, reason }],\n"),
            "{ts}"
        );
        for (after, call) in [
            (
                "    const activationProviderLogs = new",
                "    // The cdk-nag findings of this log group, carried on purpose.\n    acknowledgeRule(activationProviderLogs, 'HIPAA.Security-CloudWatchLogGroupEncrypted',\n      'CloudWatch Logs encrypts",
            ),
            (
                "    const plcActivationSecretResource = new",
                "    // The cdk-nag findings of this secret, carried on purpose.\n    acknowledgeRule(plcActivationSecretResource, 'HIPAA.Security-SecretsManagerUsingKMSKey',\n",
            ),
            (
                "    const plcActivationSecretResource = new",
                "    acknowledgeRule(plcActivationSecretResource, 'AwsSolutions-SMG4',\n",
            ),
            (
                "    const activationProvider = new",
                "    // The cdk-nag findings of this function, carried on purpose.\n    acknowledgeRule(activationProvider, 'HIPAA.Security-LambdaConcurrency',\n",
            ),
            (
                "    const activationProviderPolicy = new",
                "    // The cdk-nag findings of this policy, carried on purpose.\n    acknowledge(activationProviderPolicy, 'AwsSolutions-IAM5', 'Resource',\n      '*',\n",
            ),
        ] {
            let at = ts.find(after).unwrap_or_else(|| panic!("{after}\n{ts}"));
            assert!(ts[at..].contains(call), "{call}\n{ts}");
        }
    }

    #[test]
    fn any_provider_subject_takes_an_acknowledgement() {
        let mut plan = plan_of(HYBRID);
        plan.acknowledgements.retain(|a| {
            !matches!(
                a.subject,
                Subject::ProviderRole
                    | Subject::ProviderFunction
                    | Subject::ProviderLogGroup
                    | Subject::ActivationSecret(_)
            )
        });
        let secret_arn = plan
            .activation_provider
            .as_ref()
            .expect("provider")
            .role
            .statements[2]
            .resources[0]
            .arn(&plan.env);
        let ack = |rule, subject, finding: Option<Text>, reason: &str| Acknowledgement {
            rule,
            subject,
            finding,
            reason: reason.into(),
        };
        plan.acknowledgements.extend([
            ack(NAG_LAMBDA_DLQ[0], Subject::ProviderRole, None, "r-policy"),
            ack(
                NAG_WILDCARD,
                Subject::ProviderRole,
                Some(secret_arn),
                "r-arn",
            ),
            ack(
                NAG_LAMBDA_DLQ[0],
                Subject::ProviderFunction,
                None,
                "r-function",
            ),
            ack(NAG_LAMBDA_DLQ[0], Subject::ProviderLogGroup, None, "r-logs"),
            ack(
                NAG_LAMBDA_DLQ[0],
                Subject::ActivationSecret(0),
                None,
                "r-secret",
            ),
        ]);
        plan.acknowledgements.sort_by_key(|a| a.subject);
        let ts = construct(&plan);
        for call in [
            "    acknowledgeRule(activationProviderPolicy, 'HIPAA.Security-LambdaDLQ',\n      'r-policy');\n",
            "    acknowledge(activationProviderPolicy, 'AwsSolutions-IAM5', 'Resource',\n      props.generatedNames ? this.plcActivationSecret.secretArn : `arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:factory/plc/activation-??????`,\n      'r-arn');\n",
            "    acknowledgeRule(activationProvider, 'HIPAA.Security-LambdaDLQ',\n      'r-function');\n",
            "    acknowledgeRule(activationProviderLogs, 'HIPAA.Security-LambdaDLQ',\n      'r-logs');\n",
            "    acknowledgeRule(plcActivationSecretResource, 'HIPAA.Security-LambdaDLQ',\n      'r-secret');\n",
        ] {
            assert_eq!(ts.matches(call).count(), 1, "{call}\n{ts}");
        }
    }

    #[test]
    fn provider_acknowledgements_cdk_nag_cannot_match_are_refused() {
        let ack = |rule, subject, finding: Option<&str>| Acknowledgement {
            rule,
            subject,
            finding: finding.map(Text::literal),
            reason: "r".into(),
        };
        for (spec, a, why) in [
            (
                HYBRID.to_string(),
                ack(NAG_WILDCARD, Subject::ProviderFunction, None),
                "AwsSolutions-IAM5 is acknowledged without the value",
            ),
            (
                HYBRID.to_string(),
                ack(
                    NAG_SECRET_ROTATION[0],
                    Subject::ActivationSecret(0),
                    Some("x"),
                ),
                "AwsSolutions-SMG4 names no value",
            ),
            (
                HYBRID.to_string(),
                ack(NAG_SECRET_ROTATION[0], Subject::ActivationSecret(5), None),
                "activation secret 5",
            ),
            // Without a provider, its subjects are not the plan's.
            (
                format!("activation_method: script\n{HYBRID}"),
                ack(NAG_LAMBDA_DLQ[0], Subject::ProviderFunction, None),
                "activation provider",
            ),
        ] {
            let mut plan = plan_of(&spec);
            plan.acknowledgements.push(a);
            plan.acknowledgements.sort_by_key(|a| a.subject);
            let err = super::super::CdkTypeScript
                .render(&plan, &Options::default())
                .expect_err(why);
            assert!(err.to_string().contains(why), "{err}");
        }
    }
}
