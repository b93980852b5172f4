//! The IAM resource family of a fleet: its role (`aws_iam_role` with the trust policy
//! document, and the attachment of its AWS managed policies), the EC2 instance profile
//! (`aws_iam_instance_profile`), and the customer managed policy (policy document with
//! its statements and conditions, `aws_iam_policy`, and its attachment).

use super::hcl::{checkov_skips, tags, write_why, Body, Val};
use super::{dangling, get_role, FleetContext, Recent};
use crate::error::Error;
use crate::plan::{Attachment, Condition, Effect, Plan, Role, Statement, Subject, Text, Trust};

/// How the policy language spells an effect.
pub(super) fn effect(e: Effect) -> Val<'static> {
    Val::Str(e.name())
}

/// The `aws_iam_role_policy_attachment` of a role's AWS managed policies.
pub(super) fn managed_attachment_name(role: &Role) -> String {
    format!("{}_managed", role.id.snake)
}

fn condition_body(c: &Condition) -> Body<'_> {
    let mut b = Body::default();
    b.line("test", Val::Str(c.operator))
        .line("variable", Val::Str(c.key))
        .list("values", c.values.iter().map(Val::Text).collect());
    b
}

/// Writes a `statement` block of an `aws_iam_policy_document` (why comments first), each
/// line introduced by a newline: its arguments, a `principals` block per principal type
/// (trust and resource policies), then its conditions.
pub(super) fn write_statement<'s>(
    out: &mut String,
    why: impl IntoIterator<Item = &'s str>,
    args: &Body,
    principals: &[Body],
    conditions: &[Condition],
) {
    write_why(out, why);
    out.push_str("\n  statement {");
    args.write(out, "    ");
    for p in principals {
        out.push_str("\n\n    principals {");
        p.write(out, "      ");
        out.push_str("\n    }");
    }
    for c in conditions {
        out.push_str("\n\n    condition {");
        condition_body(c).write(out, "      ");
        out.push_str("\n    }");
    }
    out.push_str("\n  }");
}

/// The trust policy document's body: its one statement.
fn trust_body(trust: &Trust) -> String {
    let mut st = Body::default();
    st.line("effect", effect(trust.effect))
        .list("actions", vec![Val::Str(trust.action)]);
    let mut pr = Body::default();
    pr.line("type", Val::Str("Service"))
        .list("identifiers", vec![Val::Text(&trust.service)]);
    let mut out = String::with_capacity(512);
    write_statement(
        &mut out,
        [trust.fact.summary],
        &st,
        &[pr],
        &trust.conditions,
    );
    out
}

pub(super) fn add_role<'p>(
    f: &mut FleetContext,
    plan: &'p Plan,
    i: usize,
    trusts: &mut Recent<'p, Trust>,
) -> Result<(), Error> {
    let role = get_role(plan, i)?;
    let snake = &role.id.snake;
    let trust_name = format!("{snake}_trust");

    let mut b = Body::default();
    b.line("name", Val::Str(&role.name))
        .line("path", Val::Str(&role.path))
        .line("description", Val::Str(&role.description))
        .line(
            "assume_role_policy",
            Val::Ref("data.aws_iam_policy_document.", &trust_name, ".json"),
        );
    if let Some(boundary) = &role.permissions_boundary {
        b.line("permissions_boundary", Val::Text(boundary));
    }
    b.blank().map("tags", tags(&role.tags));
    f.role_body = Some(b.block_body());

    if !role.managed_policies.is_empty() {
        let mut m = Body::default();
        // Keyed by policy name so that each attachment's address stays stable when the
        // list changes.
        m.map(
            "for_each",
            role.managed_policies
                .iter()
                .map(|p| (Val::Str(&p.name), Val::Text(&p.arn)))
                .collect(),
        )
        .blank()
        .line("role", Val::Ref("aws_iam_role.", snake, ".name"))
        .line("policy_arn", Val::Raw("each.value"));
        f.managed_name = Some(managed_attachment_name(role));
        f.managed_body = Some(m.block_body());
    }

    f.trust_body = Some(trusts.get(&role.trust, trust_body));
    f.trust_name = Some(trust_name);
    f.role_name = Some(snake.clone());
    Ok(())
}

pub(super) fn add_instance_profile(
    f: &mut FleetContext,
    plan: &Plan,
    i: usize,
) -> Result<(), Error> {
    let p = plan
        .instance_profiles
        .get(i)
        .ok_or_else(|| dangling("instance profile", i))?;
    let role = get_role(plan, p.role)?;
    let mut b = Body::default();
    b.line("name", Val::Str(&p.name))
        .line("path", Val::Str(&p.path))
        .line("role", Val::Ref("aws_iam_role.", &role.id.snake, ".name"));
    f.profile_name = Some(p.id.snake.clone());
    f.profile_body = Some(b.block_body());
    Ok(())
}

fn write_policy_statement(out: &mut String, plan: &Plan, s: &Statement) {
    let parts = StatementParts {
        sid: &s.sid,
        effect: s.effect,
        actions: &s.actions,
        resources: &s.resources,
        facts: &s.facts,
        conditions: &s.conditions,
    };
    write_statement_of(out, plan, &parts, &[]);
}

/// What a policy document's statement holds besides its principals: an identity
/// policy's statement or a key or bucket policy's.
pub(super) struct StatementParts<'s> {
    pub(super) sid: &'s str,
    pub(super) effect: Effect,
    pub(super) actions: &'s [&'static str],
    pub(super) resources: &'s [crate::plan::Resource],
    pub(super) facts: &'s [crate::facts::Fact],
    pub(super) conditions: &'s [Condition],
}

/// Writes one `statement` block of `parts`, with `principals` blocks when it has any.
pub(super) fn write_statement_of(
    out: &mut String,
    plan: &Plan,
    parts: &StatementParts<'_>,
    principals: &[Body],
) {
    let arns: Vec<Text> = parts.resources.iter().map(|r| r.arn(&plan.env)).collect();
    let mut b = Body::default();
    b.line("sid", Val::Str(parts.sid))
        .line("effect", effect(parts.effect))
        .list(
            "actions",
            parts.actions.iter().map(|a| Val::Str(a)).collect(),
        )
        .list("resources", arns.iter().map(Val::Text).collect());
    write_statement(
        out,
        parts.facts.iter().map(|f| f.summary),
        &b,
        principals,
        parts.conditions,
    );
}

/// A policy document's body: its statements, separated by empty lines.
pub(super) fn document_body(plan: &Plan, statements: &[Statement]) -> String {
    let mut out = String::with_capacity(512 * statements.len());
    for (n, s) in statements.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        write_policy_statement(&mut out, plan, s);
    }
    out
}

pub(super) fn add_policy<'p>(
    f: &mut FleetContext,
    plan: &'p Plan,
    i: usize,
    documents: &mut Recent<'p, [Statement]>,
) -> Result<(), Error> {
    let policy = plan.policies.get(i).ok_or_else(|| dangling("policy", i))?;
    let name = &policy.id.snake;
    let mut p = Body::default();
    p.line("name", Val::Str(&policy.name))
        .line("path", Val::Str(&policy.path))
        .line("description", Val::Str(&policy.description))
        .line(
            "policy",
            Val::Ref("data.aws_iam_policy_document.", name, ".json"),
        );
    let role = match &policy.attachment {
        Attachment::Role(r) => Val::Ref("aws_iam_role.", &get_role(plan, *r)?.id.snake, ".name"),
        Attachment::ExistingRole(existing) => Val::Str(existing),
    };
    let mut a = Body::default();
    a.line("role", role)
        .line("policy_arn", Val::Ref("aws_iam_policy.", name, ".arn"));
    f.document_skips = checkov_skips(plan, Subject::Policy(i));
    f.document_body = Some(documents.get(&policy.statements, |s| document_body(plan, s)));
    f.policy_body = Some(p.block_body());
    f.attachment_body = Some(a.block_body());
    f.policy_name = Some(name.clone());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::scanners::{Scanner, CKV_SESSION_LOGGING};
    use crate::plan::Acknowledgement;
    use crate::targets::terraform::tests::{example_plan, file};
    use crate::targets::terraform::Terraform;
    use crate::targets::{Options, Target};

    fn main_tf(plan: &Plan) -> String {
        let files = Terraform
            .render(plan, &Options::default())
            .expect("renders");
        file(&files, "main.tf").to_string()
    }

    /// The `#checkov:skip=` lines that start a block, from its header line.
    fn skips_of<'m>(text: &'m str, header: &str) -> Vec<&'m str> {
        let at = text.find(header).unwrap_or_else(|| panic!("{header}")) + header.len();
        text[at..]
            .lines()
            .skip(1)
            .take_while(|l| l.starts_with("  #checkov:skip="))
            .collect()
    }

    /// What the skip lines of a subject must be: its checkov rules for Terraform.
    fn expected_skips(plan: &Plan, subject: Subject) -> Vec<String> {
        plan.acknowledgements_of(subject)
            .filter(|a| a.rule.scanner == Scanner::Checkov && a.rule.terraform)
            .map(|a| format!("  #checkov:skip={}:{}", a.rule.id, a.reason))
            .collect()
    }

    #[test]
    fn a_policy_document_starts_with_its_checkov_skips_one_line_each() {
        let plan = example_plan("hybrid-activation");
        let main = main_tf(&plan);
        let header = format!(
            "data \"aws_iam_policy_document\" \"{}\" {{",
            plan.policies[0].id.snake
        );
        let skips = skips_of(&main, &header);
        let expected = expected_skips(&plan, Subject::Policy(0));
        assert_eq!(skips, expected);
        // Both checkov rules on `*`, none of cdk-nag's; longer than the comment width,
        // yet each on its line.
        let ids: Vec<&str> = skips.iter().map(|l| &l[16..27]).collect();
        assert_eq!(ids, ["CKV_AWS_111", "CKV_AWS_356"]);
        assert!(skips.iter().all(|l| l.len() > 4 + 88));
        // The trust policy document and the other blocks carry none: two skips for the
        // policy, two for the document.
        assert_eq!(main.matches("#checkov:skip=").count(), 4);
    }

    #[test]
    fn skips_follow_their_subject_when_statements_are_shared() {
        let mut plan = example_plan("session-preferences");
        plan.policies[1].statements = plan.policies[0].statements.clone();
        plan.acknowledgements.push(Acknowledgement {
            rule: CKV_SESSION_LOGGING,
            subject: Subject::Policy(1),
            finding: None,
            reason: "only the second".into(),
        });
        plan.acknowledgements.sort_by_key(|a| a.subject);
        let main = main_tf(&plan);
        let header = |i: usize| {
            format!(
                "data \"aws_iam_policy_document\" \"{}\" {{",
                plan.policies[i].id.snake
            )
        };
        let first = skips_of(&main, &header(0));
        let second = skips_of(&main, &header(1));
        assert_eq!(first, expected_skips(&plan, Subject::Policy(0)));
        assert_eq!(second, expected_skips(&plan, Subject::Policy(1)));
        assert_eq!(
            second.last(),
            Some(&"  #checkov:skip=CKV_AWS_113:only the second")
        );
        assert_eq!(first.len() + 1, second.len());
    }

    #[test]
    fn a_hostile_reason_stays_on_its_line() {
        let base = example_plan("hybrid-activation");
        let mut plan = base.clone();
        for a in &mut plan.acknowledgements {
            a.reason = "a\nb = 1\r\n}\u{2028}c ${x} %{y}\u{85}\"d\\ \n".into();
        }
        let main = main_tf(&plan);
        let skips: Vec<&str> = main.lines().filter(|l| l.contains("#checkov:")).collect();
        assert_eq!(skips.len(), 4);
        assert!(skips
            .iter()
            .all(|l| l.ends_with(":a b = 1  } c ${x} %{y} \"d\\")));
        // Nothing else changed: without the skip lines, both files are the same.
        let without = |t: &str| -> String {
            t.lines()
                .filter(|l| !l.contains("#checkov:skip="))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(without(&main), without(&main_tf(&base)));
        ::hcl::from_str::<::hcl::Body>(&main).expect("main.tf parses");
    }

    #[test]
    fn shared_statements_follow_each_policy() {
        // Fleets whose statements are equal share one layout; a fleet whose statements
        // differ in the middle of a run of equal ones gets its own.
        let mut plan = example_plan("mixed-fleets");
        let base = plan.policies[0].clone();
        let mut policies = Vec::new();
        for n in 0..12 {
            let mut p = base.clone();
            if n == 5 {
                p.statements[0].sid = "Changed${x}".into();
            }
            policies.push(p);
        }
        plan.policies = policies;
        let docs: Vec<String> = {
            let mut documents: Recent<[Statement]> = Recent::default();
            plan.policies
                .iter()
                .map(|p| {
                    documents
                        .get(&p.statements, |s| document_body(&plan, s))
                        .0
                        .to_string()
                })
                .collect()
        };
        let expected: Vec<String> = plan
            .policies
            .iter()
            .map(|p| document_body(&plan, &p.statements))
            .collect();
        assert_eq!(docs, expected);
        assert!(docs[5].contains(r#"sid    = "Changed$${x}""#));
        assert!(docs.iter().filter(|d| d.contains("Changed")).count() == 1);
    }
}
