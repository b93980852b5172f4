//! The cdk-nag acknowledgements: the findings the plan says the construct carries on
//! purpose (`Plan::acknowledgements`), written after each subject is created as calls of
//! one module-level helper, `acknowledge`. cdk-nag 3 reads them as `Validations`
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

/// The cdk-nag acknowledgements this target writes: those of the subjects it creates
/// (roles, fleet policies, operator policies; a document has only checkov ones).
fn written(a: &Acknowledgement) -> bool {
    a.rule.scanner == Scanner::CdkNag && !matches!(a.subject, Subject::Document(_))
}

/// The granularity prefix and the value of an acknowledgement [`check`] accepted.
fn finding(a: &Acknowledgement) -> Option<(&'static str, &Text)> {
    Some((a.rule.granular?.prefix(), a.finding.as_ref()?))
}

/// Rejects the acknowledgements the construct cannot write: one whose subject the plan
/// does not hold, or a cdk-nag rule without a value to name its finding by (every
/// cdk-nag rule the plan uses is granular; the helper names findings by their value).
pub(super) fn check(plan: &Plan) -> Result<(), Error> {
    for a in plan.acknowledgements.iter().filter(|a| written(a)) {
        let held = match a.subject {
            Subject::Role(i) => (i < plan.roles.len()).then_some(()).ok_or(("role", i)),
            Subject::Policy(i) => (i < plan.policies.len()).then_some(()).ok_or(("policy", i)),
            Subject::OperatorPolicy(i) => (i < plan.operator_policies.len())
                .then_some(())
                .ok_or(("operator policy", i)),
            Subject::Document(_)
            | Subject::ProviderRole
            | Subject::ProviderFunction
            | Subject::ProviderLogGroup
            | Subject::ActivationSecret(_) => Ok(()),
        };
        if let Err((what, i)) = held {
            return Err(missing(what, i));
        }
        if finding(a).is_none() {
            return Err(Error::Render {
                template: CONSTRUCT.into(),
                message: format!(
                    "cdk-nag rule {} is acknowledged without the value its finding names",
                    a.rule.id
                ),
            });
        }
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
}

impl<'a> Acknowledgements<'a> {
    pub(super) fn new(spell: &'a Spell<'a>) -> Self {
        let plan: &'a Plan = spell.plan();
        let mut acks = Acknowledgements {
            spell,
            roles: vec![Vec::new(); plan.roles.len()],
            policies: vec![Vec::new(); plan.policies.len()],
            operator_policies: vec![Vec::new(); plan.operator_policies.len()],
        };
        for a in plan.acknowledgements.iter().filter(|a| written(a)) {
            let (of, i) = match a.subject {
                Subject::Role(i) => (&mut acks.roles, i),
                Subject::Policy(i) => (&mut acks.policies, i),
                Subject::OperatorPolicy(i) => (&mut acks.operator_policies, i),
                // The activation function's role writes its own (cdk_typescript::activation).
                Subject::Document(_)
                | Subject::ProviderRole
                | Subject::ProviderFunction
                | Subject::ProviderLogGroup
                | Subject::ActivationSecret(_) => continue,
            };
            if let Some(of) = of.get_mut(i) {
                of.push(a);
            }
        }
        acks
    }

    /// Whether the construct calls the helper, so that it is written.
    pub(super) fn any(&self) -> bool {
        [&self.roles, &self.policies, &self.operator_policies]
            .iter()
            .any(|of| of.iter().any(|acks| !acks.is_empty()))
    }

    /// Writes, after a subject's block, its acknowledgements under one comment:
    /// `acknowledge(this.<field>, '<rule>', '<prefix>',` then the value, spelled as the
    /// construct spells it where the finding is (a prop's value when one is given, CDK's
    /// own ARN of an AWS managed policy), and the reason. Nothing when it has none.
    pub(super) fn push(&self, out: &mut String, subject: Subject, field: &str) {
        let (of, kind) = match subject {
            Subject::Role(i) => (self.roles.get(i), "role"),
            Subject::Policy(i) => (self.policies.get(i), "policy"),
            Subject::OperatorPolicy(i) => (self.operator_policies.get(i), "policy"),
            Subject::Document(_) => (None, "document"),
            Subject::ProviderRole => (None, "role"),
            Subject::ProviderFunction
            | Subject::ProviderLogGroup
            | Subject::ActivationSecret(_) => (None, "resource"),
        };
        let Some(of) = of.filter(|of| !of.is_empty()) else {
            return;
        };
        out.push_str("\n    // The cdk-nag findings of this ");
        out.push_str(kind);
        out.push_str(", carried on purpose.");
        for (prefix, value, a) in of.iter().filter_map(|a| finding(a).map(|(p, v)| (p, v, a))) {
            out.push_str("\n    acknowledge(this.");
            out.push_str(field);
            out.push_str(", ");
            escape::push_ts_str(out, a.rule.id);
            out.push_str(", ");
            escape::push_ts_str(out, prefix);
            out.push_str(",\n      ");
            self.spell.push_finding(out, subject, value);
            out.push_str(",\n      ");
            escape::push_ts_str(out, &a.reason);
            out.push_str(");");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{construct, plan_of};
    use super::*;
    use crate::facts::scanners::{CKV_WRITE_WITHOUT_CONSTRAINTS, NAG_WILDCARD};
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
}
