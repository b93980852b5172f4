//! The cdk-nag findings the construct carries on purpose: the plan's acknowledgements of
//! cdk-nag rules, written as calls of one private helper of the module ([`HELPER`]) right
//! after each subject (role, fleet policy, operator policy) is created.
//!
//! cdk-nag names a granular finding after its value as the stack resolves it, which the
//! generator cannot know (the env of the stack, the partition), so the helper names it at
//! synth from the very expression the construct uses for the value. It acknowledges the
//! finding for cdk-nag 3 (`cdk.Validations`) and writes it in the `cdk_nag` metadata of
//! the CloudFormation resource for cdk-nag 2, exactly as the CDK TypeScript target does.

use std::collections::BTreeMap;

use super::python::{Py, BODY_INDENT};
use super::CONSTRUCT;
use crate::error::Error;
use crate::facts::scanners::Scanner;
use crate::plan::{Acknowledgement, Plan, Subject};
use crate::render::escape::py_str;

/// The helper, written once after the imports when the plan has cdk-nag acknowledgements
/// (it needs `import json`). It flattens a resolved value as cdk-nag's
/// `flattenCfnReference` does, so that the names match the findings.
pub(super) const HELPER: &str = r#"

def _acknowledge(
    construct: Construct, rule: str, prefix: str, value: str, reason: str
) -> None:
    """Acknowledges a cdk-nag finding that ``construct`` carries on purpose.

    The permissions Session Manager needs make cdk-nag report findings that are there
    by design; each call says why. cdk-nag names a finding after the value it is about
    (a wildcard resource, an AWS managed policy) as the stack resolves it, so the name
    is made here at synth, the way cdk-nag makes it. cdk-nag 3 reads the
    acknowledgement; cdk-nag 2 reads the ``cdk_nag`` metadata of the resource.
    """

    def flat(node: object) -> str:
        if isinstance(node, str):
            return node.replace("${", "<").replace("}", ">")
        if isinstance(node, dict) and node.get("Fn::Join"):
            delimiter, parts = node["Fn::Join"]
            return delimiter.join(flat(p) for p in parts)
        if isinstance(node, dict) and node.get("Fn::Sub"):
            return flat(node["Fn::Sub"])
        if isinstance(node, dict) and node.get("Fn::GetAtt"):
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flat(resource)}.{flat(attribute)}>"
        if isinstance(node, dict) and node.get("Ref"):
            return f"<{flat(node['Ref'])}>"
        return json.dumps(node, separators=(",", ":"), ensure_ascii=False)

    finding = f"{prefix}::{flat(cdk.Stack.of(construct).resolve(value))}"
    cdk.Validations.of(construct).acknowledge(
        cdk.Acknowledgment(id=f"{rule}[{finding}]", reason=reason)
    )
    resource = construct.node.default_child
    suppressed = (resource.get_metadata("cdk_nag") or {}).get("rules_to_suppress", [])
    entry = {"id": rule, "reason": reason, "applies_to": [finding]}
    resource.add_metadata("cdk_nag", {"rules_to_suppress": [*suppressed, entry]})
"#;

/// The plan's cdk-nag acknowledgements by subject, gathered once: looking each subject
/// up in the plan's whole list would cost time quadratic in fleets.
pub(super) struct NagAcknowledgements<'p>(BTreeMap<Subject, Vec<&'p Acknowledgement>>, &'p Plan);

impl<'p> NagAcknowledgements<'p> {
    pub(super) fn new(plan: &'p Plan) -> Self {
        let mut by_subject: BTreeMap<Subject, Vec<&'p Acknowledgement>> = BTreeMap::new();
        for a in &plan.acknowledgements {
            if a.rule.scanner == Scanner::CdkNag {
                by_subject.entry(a.subject).or_default().push(a);
            }
        }
        NagAcknowledgements(by_subject, plan)
    }

    /// Whether the module needs the helper.
    pub(super) fn any(&self) -> bool {
        !self.0.is_empty()
    }

    /// Appends the acknowledgements of `subject`, the construct held in `self.<attr>`:
    /// a comment, then one `_acknowledge(...)` call each, laid out as black would.
    pub(super) fn push_statements(
        &self,
        subject: Subject,
        attr: &str,
        what: &str,
        statements: &mut Vec<String>,
    ) -> Result<(), Error> {
        let Some(acks) = self.0.get(&subject) else {
            return Ok(());
        };
        statements.push(format!(
            "# cdk-nag findings the {what} above carries on purpose, each with its reason."
        ));
        for a in acks {
            let (Some(granularity), Some(finding)) = (a.rule.granular, &a.finding) else {
                // Only granular rules exist today; a whole-rule acknowledgement would
                // need a form of its own, not a guess here.
                return Err(Error::Render {
                    template: CONSTRUCT.into(),
                    message: format!(
                        "cdk-nag rule {} is acknowledged without a finding to name",
                        a.rule.id
                    ),
                });
            };
            let call = Py::call(
                "_acknowledge",
                vec![
                    Py::atom(format!("self.{attr}")),
                    Py::atom(py_str(a.rule.id)),
                    Py::atom(py_str(granularity.prefix())),
                    // The expression the construct itself uses, so the names match.
                    Py::atom(super::props::finding(self.1, subject, finding)),
                    Py::atom(py_str(&a.reason)),
                ],
            );
            statements.push(call.lay(BODY_INDENT, BODY_INDENT, 0));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
