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
mod tests;
