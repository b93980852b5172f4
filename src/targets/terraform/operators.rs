//! `operators.tf`: the operator policies (who may start sessions on which fleets), each
//! an `aws_iam_policy` with its `aws_iam_policy_document` (statements laid out as the
//! fleets' policies are, `iam::document_body`) and its attachments to existing roles,
//! groups and users by name. Each kind of principal gets one attachment resource with
//! `for_each` over the set of names, so that adding a name adds one instance and replaces
//! none; the per-principal resources attach this policy only, unlike the exclusive
//! `aws_iam_policy_attachment`, which would detach it from principals managed elsewhere.

use super::hcl::{checkov_skips, comment, Body, Val};
use super::iam::document_body;
use super::Header;
use crate::error::Error;
use crate::plan::{OperatorPolicy, Plan, Subject};

/// One operator policy's blocks in `operators.tf` (`layout::operators`).
pub(super) struct Operator {
    /// The shared name of the policy document, the policy and its attachments.
    pub(super) name: String,
    /// The comment lines above the policy: who it is for and where it is attached.
    pub(super) comment: String,
    /// The `#checkov:skip` lines that start the `aws_iam_policy_document`.
    pub(super) skips: String,
    /// The `aws_iam_policy_document`: its statements, separated by empty lines.
    pub(super) document: String,
    /// The `aws_iam_policy`.
    pub(super) policy: String,
    /// `(resource type, body)` of each attachment resource: roles, groups, users.
    pub(super) attachments: Vec<(&'static str, String)>,
}

/// The attachment resource types, with the argument that names the principal, for the
/// roles, groups and users of a policy.
fn principals(p: &OperatorPolicy) -> [(&'static str, &'static str, &'static str, &[String]); 3] {
    [
        (
            "aws_iam_role_policy_attachment",
            "role",
            "roles",
            &p.attach_roles,
        ),
        (
            "aws_iam_group_policy_attachment",
            "group",
            "groups",
            &p.attach_groups,
        ),
        (
            "aws_iam_user_policy_attachment",
            "user",
            "users",
            &p.attach_users,
        ),
    ]
}

/// Who the policy is for, and where it is attached (or what to do with it when nowhere).
fn policy_comment(p: &OperatorPolicy) -> String {
    let who = format!(
        "Operator policy {}, for whoever starts sessions on fleet{} {}.",
        p.name,
        if p.fleets.len() == 1 { "" } else { "s" },
        p.fleets.join(", ")
    );
    let named: Vec<String> = principals(p)
        .iter()
        .filter(|(_, _, _, names)| !names.is_empty())
        .map(|(_, one, many, names)| {
            format!(
                "{} {}",
                if names.len() == 1 { one } else { many },
                names.join(", ")
            )
        })
        .collect();
    let where_ = if named.is_empty() {
        format!(
            "Attached to no one: attach it to the operators' roles, groups or users (its ARN \
             is an output of this module), or give IAM Identity Center the same policy as \
             plain JSON in a permission set: operator-policies/{}.json.",
            p.name
        )
    } else {
        format!(
            "Attached by name to existing principals, which this module neither creates nor \
             changes otherwise: IAM {}.",
            named.join("; ")
        )
    };
    comment([who.as_str(), where_.as_str()])
}

fn operator(plan: &Plan, i: usize, p: &OperatorPolicy) -> Operator {
    let name = &p.id.snake;
    let mut policy = Body::default();
    policy
        .line("name", Val::Str(&p.name))
        .line("path", Val::Str(&p.path))
        .line("description", Val::Str(&p.description))
        .line(
            "policy",
            Val::Ref("data.aws_iam_policy_document.", name, ".json"),
        );
    let attachments = principals(p)
        .into_iter()
        .filter(|(_, _, _, names)| !names.is_empty())
        .map(|(kind, arg, _, names)| {
            let mut a = Body::default();
            // Keyed by principal name, so that each attachment's address stays stable
            // when the list changes.
            a.call(
                "for_each",
                "toset",
                names.iter().map(|n| Val::Str(n)).collect(),
            )
            .blank()
            .line(arg, Val::Raw("each.value"))
            .line("policy_arn", Val::Ref("aws_iam_policy.", name, ".arn"));
            (kind, a.block_body())
        })
        .collect();
    Operator {
        name: name.clone(),
        comment: policy_comment(p),
        skips: checkov_skips(plan, Subject::OperatorPolicy(i)),
        document: document_body(plan, &p.statements),
        policy: policy.block_body(),
        attachments,
    }
}

/// `operators.tf`, for a plan with operator policies.
pub(super) fn operators_tf(plan: &Plan, header: &Header) -> Result<String, Error> {
    let policies: Vec<Operator> = plan
        .operator_policies
        .iter()
        .enumerate()
        .map(|(i, p)| operator(plan, i, p))
        .collect();
    Ok(super::layout::operators(header, &policies))
}

#[cfg(test)]
mod tests {
    use ::hcl::eval::{Context, Evaluate};

    use crate::plan::Plan;
    use crate::targets::terraform::tests::{example_plan, file};
    use crate::targets::terraform::Terraform;
    use crate::targets::{Options, OutFile, Target};

    fn render(plan: &Plan) -> Vec<OutFile> {
        Terraform
            .render(plan, &Options::default())
            .expect("renders")
    }

    fn names(files: &[OutFile]) -> Vec<String> {
        files.iter().map(|f| f.path.display().to_string()).collect()
    }

    /// The blocks of `text` of one type (`resource` or `data`) and first label.
    fn blocks<'b>(body: &'b ::hcl::Body, kind: &str, typ: &str) -> Vec<&'b ::hcl::Block> {
        body.blocks()
            .filter(|b| b.identifier.as_str() == kind)
            .filter(|b| b.labels.first().map(|l| l.as_str()) == Some(typ))
            .collect()
    }

    fn attr<'b>(block: &'b ::hcl::Block, key: &str) -> &'b ::hcl::Expression {
        &block
            .body
            .attributes()
            .find(|a| a.key.as_str() == key)
            .unwrap_or_else(|| panic!("{key} in {:?}", block.labels))
            .expr
    }

    /// The value of a literal expression (strings with escapes, lists), as Terraform
    /// reads it.
    fn value(e: &::hcl::Expression) -> serde_json::Value {
        let v = e.evaluate(&Context::new()).expect("a literal");
        serde_json::to_value(v).expect("JSON")
    }

    #[test]
    fn operators_tf_follows_main_tf_only_when_the_plan_has_operators() {
        let files = render(&example_plan("operators-encrypted"));
        assert_eq!(
            names(&files),
            ["versions.tf", "main.tf", "operators.tf", "outputs.tf"]
        );
        let operators = file(&files, "operators.tf");
        assert!(operators.starts_with("# Generated by ssmgen for project payments."));
        assert!(operators.ends_with("}\n"));
        // The operator policies are in operators.tf alone; main.tf still holds the
        // fleets, whose policies are the only ones there.
        let main = file(&files, "main.tf");
        assert!(!main.contains("operator_policy"));
        for ex in ["session-preferences", "hybrid-activation", "existing-role"] {
            let files = render(&example_plan(ex));
            assert_eq!(
                names(&files),
                ["versions.tf", "main.tf", "outputs.tf"],
                "{ex}"
            );
        }
    }

    #[test]
    fn each_policy_has_its_statements_and_attachments_by_name() {
        let plan = example_plan("operators-encrypted");
        let files = render(&plan);
        let text = file(&files, "operators.tf");
        let body: ::hcl::Body = ::hcl::from_str(text).expect("operators.tf parses");
        let documents = blocks(&body, "data", "aws_iam_policy_document");
        let policies = blocks(&body, "resource", "aws_iam_policy");
        assert_eq!(documents.len(), plan.operator_policies.len());
        assert_eq!(policies.len(), plan.operator_policies.len());
        for ((p, doc), policy) in plan.operator_policies.iter().zip(&documents).zip(&policies) {
            assert_eq!(doc.labels[1].as_str(), p.id.snake);
            assert_eq!(policy.labels[1].as_str(), p.id.snake);
            assert_eq!(value(attr(policy, "name")), p.name.as_str());
            assert_eq!(value(attr(policy, "path")), p.path.as_str());
            assert_eq!(value(attr(policy, "description")), p.description.as_str());
            let sids: Vec<serde_json::Value> =
                doc.body.blocks().map(|st| value(attr(st, "sid"))).collect();
            let expected: Vec<&str> = p.statements.iter().map(|s| s.sid.as_str()).collect();
            assert_eq!(sids, expected);
        }
        // The oncall policy goes to a group, the deployer's to a role: one resource per
        // kind, one instance per name, each attaching this policy only.
        assert!(!text.contains("\"aws_iam_policy_attachment\""));
        assert!(blocks(&body, "resource", "aws_iam_user_policy_attachment").is_empty());
        for (typ, arg, name, principal) in [
            (
                "aws_iam_group_policy_attachment",
                "group",
                "oncall_operator_policy",
                "payments-oncall",
            ),
            (
                "aws_iam_role_policy_attachment",
                "role",
                "deployer_operator_policy",
                "payments-deploy",
            ),
        ] {
            let found = blocks(&body, "resource", typ);
            assert_eq!(found.len(), 1, "{typ}");
            let a = found[0];
            assert_eq!(a.labels[1].as_str(), name);
            let ::hcl::Expression::FuncCall(call) = attr(a, "for_each") else {
                panic!("for_each is not toset(...)");
            };
            assert_eq!(call.name.to_string(), "toset");
            assert_eq!(value(&call.args[0]), serde_json::json!([principal]));
            assert_eq!(attr(a, arg).to_string(), "each.value");
            assert_eq!(
                attr(a, "policy_arn").to_string(),
                format!("aws_iam_policy.{name}.arn")
            );
        }
        // Before each policy: who it is for and where it is attached.
        assert!(text.contains(
            "\n# Operator policy payments-deployer-operator, for whoever starts sessions on fleet api.\n\
             # Attached by name to existing principals, which this module neither creates nor changes\n\
             # otherwise: IAM role payments-deploy.\n\
             data \"aws_iam_policy_document\" \"deployer_operator_policy\" {"
        ));
    }

    #[test]
    fn each_policy_document_starts_with_its_checkov_skips() {
        use crate::plan::Subject;
        let plan = example_plan("operators-encrypted");
        let files = render(&plan);
        let text = file(&files, "operators.tf");
        for (i, p) in plan.operator_policies.iter().enumerate() {
            let expected: Vec<String> = plan
                .acknowledgements_of(Subject::OperatorPolicy(i))
                .filter(|a| a.rule.id.starts_with("CKV_"))
                .map(|a| format!("  #checkov:skip={}:{}\n", a.rule.id, a.reason))
                .collect();
            // ssm:GetConnectionStatus on `*`: CKV_AWS_356.
            assert_eq!(expected.len(), 1, "{}", p.name);
            assert!(expected[0].starts_with("  #checkov:skip=CKV_AWS_356:"));
            let block = format!(
                "data \"aws_iam_policy_document\" \"{}\" {{\n{}  # ",
                p.id.snake,
                expected.concat()
            );
            assert!(text.contains(&block), "{block}\n{text}");
        }
        assert_eq!(text.matches("#checkov:skip=").count(), 2);
        ::hcl::from_str::<::hcl::Body>(text).expect("operators.tf parses");
    }

    #[test]
    fn policy_variables_reach_iam_literally() {
        let files = render(&example_plan("operators-encrypted"));
        let text = file(&files, "operators.tf");
        assert!(text.contains("\"arn:aws:ssm:us-east-1:111122223333:session/$${aws:userid}-*\""));
        assert!(text.contains("\"arn:aws:ssm:us-east-1:111122223333:session/$${aws:username}-*\""));
        assert!(text.contains("values   = [\"$${aws:userid}\"]"));
        // As Terraform reads them: the policy variable, for IAM to resolve.
        let body: ::hcl::Body = ::hcl::from_str(text).expect("operators.tf parses");
        let mut seen = Vec::new();
        for doc in blocks(&body, "data", "aws_iam_policy_document") {
            for st in doc.body.blocks() {
                let resources = value(attr(st, "resources"));
                seen.extend(resources.as_array().expect("a list").iter().cloned());
                for c in st.body.blocks() {
                    seen.extend(value(attr(c, "values")).as_array().expect("a list").clone());
                }
            }
        }
        let seen: Vec<&str> = seen.iter().filter_map(|v| v.as_str()).collect();
        assert!(seen.contains(&"arn:aws:ssm:us-east-1:111122223333:session/${aws:userid}-*"));
        assert!(seen.contains(&"arn:aws:ssm:us-east-1:111122223333:session/${aws:username}-*"));
        assert!(seen.contains(&"${aws:userid}"));
        assert!(!seen.iter().any(|s| s.contains("$${")));
    }

    #[test]
    fn several_names_make_one_set_keyed_by_name_and_an_unattached_policy_says_what_to_do() {
        let mut plan = example_plan("hybrid-operators");
        let p = &mut plan.operator_policies[1];
        p.attach_roles = vec!["a-role".into(), "OnCall+Break=Glass".into()];
        p.attach_groups = vec!["ops".into()];
        p.attach_users = vec!["alice".into(), "bob@example.com".into()];
        let files = render(&plan);
        let text = file(&files, "operators.tf");
        assert!(text.contains(
            "resource \"aws_iam_role_policy_attachment\" \"automation_operator_policy\" {\n  \
             for_each = toset([\n    \"a-role\",\n    \"OnCall+Break=Glass\",\n  ])\n\n  \
             role       = each.value\n  \
             policy_arn = aws_iam_policy.automation_operator_policy.arn\n}\n\n\
             resource \"aws_iam_group_policy_attachment\" \"automation_operator_policy\" {\n  \
             for_each = toset([\"ops\"])\n\n  \
             group      = each.value\n"
        ));
        assert!(text.contains(
            "resource \"aws_iam_user_policy_attachment\" \"automation_operator_policy\" {\n  \
             for_each = toset([\n    \"alice\",\n    \"bob@example.com\",\n  ])\n\n  \
             user       = each.value\n"
        ));
        assert!(text.contains(
            "# otherwise: IAM roles a-role, OnCall+Break=Glass; group ops; users alice,\n\
             # bob@example.com.\n"
        ));
        // The engineers' policy is attached to no one.
        assert!(!text.contains("\"engineers_operator_policy\" {\n  for_each"));
        assert!(text.contains(
            "# Attached to no one: attach it to the operators' roles, groups or users (its ARN is an\n\
             # output of this module), or give IAM Identity Center the same policy as plain JSON in a\n\
             # permission set: operator-policies/plant-engineers-operator.json.\n"
        ));
        ::hcl::from_str::<::hcl::Body>(text).expect("operators.tf parses");
    }
}
