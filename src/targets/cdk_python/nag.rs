//! The cdk-nag findings the construct carries on purpose: the plan's acknowledgements of
//! cdk-nag rules, written as calls of two private helpers of the module right after each
//! subject (role, fleet policy, operator policy, and the activation provider's policy,
//! function, log group and secrets) is created.
//!
//! cdk-nag names a granular finding after its value as the stack resolves it, which the
//! generator cannot know (the env of the stack, the partition), so [`HELPER`] names it at
//! synth from the very expression the construct uses for the value. A rule that names no
//! value (the activation function's, its log group's, the secrets') is acknowledged whole
//! by [`RULE_HELPER`], on the CloudFormation resource cdk-nag reports it on. Both
//! acknowledge for cdk-nag 3 (`cdk.Validations`) and write the `cdk_nag` metadata of the
//! CloudFormation resource for cdk-nag 2, exactly as the CDK TypeScript target does.

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

/// The helper for a rule that names no value, written once after [`HELPER`] (or the
/// imports) when the plan acknowledges one: cdk-nag 3 matches the rule id alone, and
/// cdk-nag 2 an entry without `applies_to`. It acknowledges on the CloudFormation
/// resource cdk-nag reports (the construct given when it is one, such as a `CfnSecret`,
/// else its default child, such as the `CfnFunction` of a `lambda_.Function`), so that
/// the acknowledgement covers that resource and nothing else.
pub(super) const RULE_HELPER: &str = r#"

def _acknowledge_rule(construct: Construct, rule: str, reason: str) -> None:
    """Acknowledges a cdk-nag rule that names no value (the whole rule, on one
    resource) and that ``construct`` breaks on purpose; the reason says why.

    The acknowledgement goes on the CloudFormation resource cdk-nag reports:
    ``construct`` itself when it is one, else its default child. cdk-nag 3 reads the
    acknowledgement; cdk-nag 2 reads the ``cdk_nag`` metadata of the resource.
    """
    resource = (
        construct
        if isinstance(construct, cdk.CfnResource)
        else construct.node.default_child
    )
    cdk.Validations.of(resource).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))
    suppressed = (resource.get_metadata("cdk_nag") or {}).get("rules_to_suppress", [])
    entry = {"id": rule, "reason": reason}
    resource.add_metadata("cdk_nag", {"rules_to_suppress": [*suppressed, entry]})
"#;

/// The plan's cdk-nag acknowledgements by subject, gathered once: looking each subject
/// up in the plan's whole list would cost time quadratic in fleets.
pub(super) struct NagAcknowledgements<'p>(
    BTreeMap<Subject, Vec<&'p Acknowledgement>>,
    super::props::Renamable<'p>,
);

impl<'p> NagAcknowledgements<'p> {
    pub(super) fn new(plan: &'p Plan) -> Self {
        let mut by_subject: BTreeMap<Subject, Vec<&'p Acknowledgement>> = BTreeMap::new();
        for a in &plan.acknowledgements {
            if a.rule.scanner == Scanner::CdkNag {
                by_subject.entry(a.subject).or_default().push(a);
            }
        }
        NagAcknowledgements(by_subject, super::props::Renamable::new(plan))
    }

    /// Whether the module needs [`HELPER`] (and `import json`): a granular rule is
    /// acknowledged.
    pub(super) fn any_granular(&self) -> bool {
        self.acks().any(|a| a.rule.granular.is_some())
    }

    /// Whether the module needs [`RULE_HELPER`]: a rule that names no value is.
    pub(super) fn any_whole(&self) -> bool {
        self.acks().any(|a| a.rule.granular.is_none())
    }

    fn acks(&self) -> impl Iterator<Item = &&'p Acknowledgement> {
        self.0.values().flatten()
    }

    /// Appends the acknowledgements of `subject`, the construct held in `self.<attr>`
    /// (see [`Self::push_statements_on`]).
    pub(super) fn push_statements(
        &self,
        subject: Subject,
        attr: &str,
        what: &str,
        statements: &mut Vec<String>,
    ) -> Result<(), Error> {
        if !self.0.contains_key(&subject) {
            return Ok(());
        }
        self.push_statements_on(subject, &format!("self.{attr}"), what, statements)
    }

    /// Appends the acknowledgements of `subject`, the construct `construct` (a Python
    /// expression): a comment, then one `_acknowledge(...)` call per granular finding
    /// and one `_acknowledge_rule(...)` call per rule that names no value, laid out as
    /// black would. A granular rule without its value, or a rule that names no value
    /// given one, is refused: cdk-nag would match neither as written.
    pub(super) fn push_statements_on(
        &self,
        subject: Subject,
        construct: &str,
        what: &str,
        statements: &mut Vec<String>,
    ) -> Result<(), Error> {
        self.push_statements_at(subject, construct, what, BODY_INDENT, statements)
    }

    /// [`Self::push_statements_on`] for statements indented by `indent` (in an `if`
    /// block: the created session resources, acknowledged only when created).
    pub(super) fn push_statements_at(
        &self,
        subject: Subject,
        construct: &str,
        what: &str,
        indent: usize,
        statements: &mut Vec<String>,
    ) -> Result<(), Error> {
        let Some(acks) = self.0.get(&subject) else {
            return Ok(());
        };
        statements.push(format!(
            "# cdk-nag findings the {what} above carries on purpose, each with its reason."
        ));
        for a in acks {
            let call = match (a.rule.granular, &a.finding) {
                (Some(granularity), Some(finding)) => Py::call(
                    "_acknowledge",
                    vec![
                        Py::atom(construct),
                        Py::atom(py_str(a.rule.id)),
                        Py::atom(py_str(granularity.prefix())),
                        // The expression the construct itself uses, so the names match.
                        Py::atom(super::props::finding(&self.1, subject, finding)),
                        Py::atom(py_str(&a.reason)),
                    ],
                ),
                (None, None) => Py::call(
                    "_acknowledge_rule",
                    vec![
                        Py::atom(construct),
                        Py::atom(py_str(a.rule.id)),
                        Py::atom(py_str(&a.reason)),
                    ],
                ),
                (Some(_), None) => return Err(refused(a, "without the value its finding names")),
                (None, Some(_)) => return Err(refused(a, "with a value, but names none")),
            };
            statements.push(call.lay(indent, indent, 0));
        }
        Ok(())
    }

    /// The plan's values that arguments and `generated_names` can replace, indexed.
    pub(super) fn names(&self) -> &super::props::Renamable<'p> {
        &self.1
    }
}

fn refused(a: &Acknowledgement, why: &str) -> Error {
    Error::Render {
        template: CONSTRUCT.into(),
        message: format!("cdk-nag rule {} is acknowledged {why}", a.rule.id),
    }
}

#[cfg(test)]
pub(super) mod tests;
