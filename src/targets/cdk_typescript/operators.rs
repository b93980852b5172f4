//! The operator policies: one customer managed policy per operator entry of the spec,
//! saying who may start sessions on which fleets, as a public field and the statement
//! that constructs it. The roles, groups and users it is attached to already exist:
//! they are imported by name (`iam.Role.fromRoleName` and the like), never created.

use super::iam::push_statement;
use super::props::Spell;
use super::typescript::{push_field, push_line_comment, push_name_prop, push_new, push_str_prop};
use crate::plan::OperatorPolicy;
use crate::render::escape;

/// The three kinds of existing principal a policy is attached to: the `iam.ManagedPolicy`
/// property, the class and import function, and the kind in construct ids and comments.
const PRINCIPALS: [(&str, &str, &str); 3] = [
    ("roles", "iam.Role.fromRoleName", "Role"),
    ("groups", "iam.Group.fromGroupName", "Group"),
    ("users", "iam.User.fromUserName", "User"),
];

/// The names a policy is attached to, in the order of [`PRINCIPALS`].
fn attached(p: &OperatorPolicy) -> [&[String]; 3] {
    [&p.attach_roles, &p.attach_groups, &p.attach_users]
}

/// The construct id of the `n`th (from 1) imported principal of a kind: the policy's id,
/// the kind and the position, so that it is unique within the construct (the policy
/// ids are) and stays the same while the list does. Imports create no resource, so the
/// id never reaches the template.
pub(super) fn principal_id(p: &OperatorPolicy, kind: &str, n: usize) -> String {
    format!("{}{kind}{n}", p.id.upper_camel)
}

/// The construct ids of every principal a policy imports, for the identifier check.
pub(super) fn principal_ids(p: &OperatorPolicy) -> impl Iterator<Item = String> + '_ {
    PRINCIPALS
        .iter()
        .zip(attached(p))
        .flat_map(move |(&(_, _, kind), names)| {
            (1..=names.len()).map(move |n| principal_id(p, kind, n))
        })
}

/// `fleet api` or `fleets api, workers`.
fn fleets_phrase(p: &OperatorPolicy) -> String {
    let s = if p.fleets.len() == 1 { "" } else { "s" };
    format!("fleet{s} {}", p.fleets.join(", "))
}

/// Who a policy is attached to, `group payments-oncall; roles a, b`, or `None`.
fn attachments_phrase(p: &OperatorPolicy) -> Option<String> {
    let parts: Vec<String> = PRINCIPALS
        .iter()
        .zip(attached(p))
        .filter(|(_, names)| !names.is_empty())
        .map(|(&(_, _, kind), names)| {
            let s = if names.len() == 1 { "" } else { "s" };
            format!("{}{s} {}", kind.to_ascii_lowercase(), names.join(", "))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

pub(super) fn operator_field_decl(out: &mut String, _plan: &Spell<'_>, p: &OperatorPolicy) {
    let doc = format!(
        "The operator policy {}: who holds it may start Session Manager sessions on {}.",
        p.name,
        fleets_phrase(p)
    );
    push_field(out, &doc, &p.id.lower_camel, "iam.ManagedPolicy");
}

/// The comment above a policy: who it is for, and who it is attached to (principals
/// that must already exist), or, attached to no one, where its plain JSON is.
fn note(p: &OperatorPolicy) -> String {
    let mut note = format!(
        "Operator policy {} for whoever opens sessions on {}.",
        p.name,
        fleets_phrase(p)
    );
    match attachments_phrase(p) {
        Some(who) => {
            note.push_str(
                " Attached by name to existing IAM principals, which this construct does not create: ",
            );
            note.push_str(&who);
            note.push('.');
        }
        None => {
            note.push_str(
                " Attached to no one: attach it to the operators' roles, groups or users, or use operator-policies/",
            );
            note.push_str(&p.name);
            note.push_str(".json in a permission set of IAM Identity Center.");
        }
    }
    note
}

pub(super) fn operator_block(out: &mut String, plan: &Spell<'_>, p: &OperatorPolicy) {
    const PROP: &str = "      ";
    push_line_comment(out, "    ", &note(p));
    out.push('\n');
    push_new(
        out,
        &p.id.lower_camel,
        "iam.ManagedPolicy",
        &p.id.upper_camel,
    );
    push_name_prop(out, PROP, "managedPolicyName", &p.name);
    push_str_prop(out, PROP, "path", &p.path);
    push_str_prop(out, PROP, "description", &p.description);
    out.push_str("\n      statements: [");
    for s in &p.statements {
        push_statement(out, plan, s);
    }
    out.push_str("\n      ],");
    for (&(prop, import, kind), names) in PRINCIPALS.iter().zip(attached(p)) {
        if names.is_empty() {
            continue;
        }
        out.push('\n');
        out.push_str(PROP);
        out.push_str(prop);
        out.push_str(": [");
        for (i, name) in names.iter().enumerate() {
            out.push_str("\n        ");
            out.push_str(import);
            out.push_str("(this, ");
            escape::push_ts_str(out, &principal_id(p, kind, i + 1));
            out.push_str(", ");
            escape::push_ts_str(out, name);
            out.push_str("),");
        }
        out.push_str("\n      ],");
    }
    out.push_str("\n    });");
}

#[cfg(test)]
mod tests {
    use super::super::tests::{construct, plan_of};
    use super::*;
    use crate::targets::{Options, Target};

    const SHOP: &str = "version: 1\nproject: shop\nsession:\n  cloudwatch: {log_group: /ssm/shop}\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n  - name: db\n    platform: ec2\n    mode: session-only\noperators:\n  - name: oncall\n    fleets: [web, db]\n    identity: iam-user\n    port_forwarding: true\n    attach:\n      groups: [shop-oncall]\n      users: [alice, bob]\n  - name: deployer\n    fleets: [web]\n    identity: federated\n    attach:\n      roles: [shop-deploy]\n  - name: auditors\n    fleets: [db]\n    identity: federated\n";

    /// The text from `this.<field> = new` to the end of its statement.
    fn block<'t>(ts: &'t str, field: &str) -> &'t str {
        let start = ts
            .find(&format!("    this.{field} = new iam.ManagedPolicy("))
            .unwrap_or_else(|| panic!("{field} in\n{ts}"));
        let end = start + ts[start..].find("\n    });").expect("end") + "\n    });".len();
        &ts[start..end]
    }

    #[test]
    fn a_policy_renders_its_statements_and_attachments() {
        let plan = plan_of(SHOP);
        let ts = construct(&plan);
        assert!(
            ts.contains("  public readonly oncallOperatorPolicy: iam.ManagedPolicy;\n"),
            "{ts}"
        );
        let oncall = block(&ts, "oncallOperatorPolicy");
        for line in [
            "    this.oncallOperatorPolicy = new iam.ManagedPolicy(this, 'OncallOperatorPolicy', {",
            "      managedPolicyName: props.generatedNames ? undefined : 'shop-oncall-operator',",
            "      path: '/',",
            "      groups: [",
            "        iam.Group.fromGroupName(this, 'OncallOperatorPolicyGroup1', 'shop-oncall'),",
            "      users: [",
            "        iam.User.fromUserName(this, 'OncallOperatorPolicyUser1', 'alice'),",
            "        iam.User.fromUserName(this, 'OncallOperatorPolicyUser2', 'bob'),",
        ] {
            assert!(oncall.contains(&format!("{line}\n")), "{line}\n{oncall}");
        }
        assert!(!oncall.contains("roles:"), "{oncall}");
        // Every statement, Sid kept, in plan order.
        let p = &plan.operator_policies[0];
        let mut at = 0;
        for s in &p.statements {
            let sid = format!("sid: '{}',", s.sid);
            at += oncall[at..].find(&sid).unwrap_or_else(|| panic!("{sid}"));
        }
        assert_eq!(
            oncall.matches("new iam.PolicyStatement(").count(),
            p.statements.len()
        );
        let deployer = block(&ts, "deployerOperatorPolicy");
        assert!(
            deployer.contains(
                "      roles: [\n        iam.Role.fromRoleName(this, 'DeployerOperatorPolicyRole1', 'shop-deploy'),\n      ],\n"
            ),
            "{deployer}"
        );
        // After the session setup, before the outputs, in plan order.
        let order = [
            "this.dbSessionPolicy = new",
            "this.sessionPreferences = new",
            "this.oncallOperatorPolicy = new",
            "this.deployerOperatorPolicy = new",
            "this.auditorsOperatorPolicy = new",
            "new cdk.CfnOutput(",
        ]
        .map(|s| ts.find(s).unwrap_or_else(|| panic!("{s}")));
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{ts}");
    }

    #[test]
    fn comments_name_the_existing_principals_or_the_plain_json() {
        let ts = construct(&plan_of(SHOP));
        let above = |field: &str| -> String {
            let at = ts.find(&format!("    this.{field} = new")).expect("policy");
            ts[..at]
                .lines()
                .rev()
                .take_while(|l| l.trim_start().starts_with("// "))
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .map(|l| l.trim_start().trim_start_matches("// "))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            above("oncallOperatorPolicy"),
            "Operator policy shop-oncall-operator for whoever opens sessions on fleets web, db. \
             Attached by name to existing IAM principals, which this construct does not create: \
             group shop-oncall; users alice, bob."
        );
        assert!(above("deployerOperatorPolicy").ends_with(": role shop-deploy."));
        assert_eq!(
            above("auditorsOperatorPolicy"),
            "Operator policy shop-auditors-operator for whoever opens sessions on fleet db. \
             Attached to no one: attach it to the operators' roles, groups or users, or use \
             operator-policies/shop-auditors-operator.json in a permission set of IAM Identity Center."
        );
        let auditors = block(&ts, "auditorsOperatorPolicy");
        assert!(!auditors.contains("roles:") && !auditors.contains("groups:"));
        for line in ts.lines().filter(|l| l.trim_start().starts_with("// ")) {
            assert!(line.chars().count() <= 100, "{line}");
        }
    }

    #[test]
    fn policy_variables_reach_the_code_literally() {
        let plan = plan_of(SHOP);
        let ts = construct(&plan);
        let oncall = block(&ts, "oncallOperatorPolicy");
        // Beside a pseudo value the ARN is a template literal, where `${` is escaped.
        assert!(oncall.contains(r":session/\${aws:userid}-*`,"), "{oncall}");
        assert!(
            oncall.contains(r":session/\${aws:username}-*`,"),
            "{oncall}"
        );
        assert!(!oncall.contains("${process"), "{oncall}");
        // What JavaScript reads is the plan's ARN, variables and all (pinned account
        // and Region make every piece literal: a plain string literal).
        let pinned = plan_of(&SHOP.replace(
            "project: shop\n",
            "project: shop\npin:\n  partition: aws\n  account: \"111122223333\"\n  region: eu-west-1\n",
        ));
        let ts = construct(&pinned);
        let oncall = block(&ts, "oncallOperatorPolicy");
        assert!(
            oncall.contains("'arn:aws:ssm:eu-west-1:111122223333:session/${aws:userid}-*',"),
            "{oncall}"
        );
    }

    #[test]
    fn principal_ids_are_unique_and_checked() {
        let mut plan = plan_of(SHOP);
        let ids: Vec<String> = plan
            .operator_policies
            .iter()
            .flat_map(principal_ids)
            .collect();
        assert_eq!(
            ids,
            [
                "OncallOperatorPolicyGroup1",
                "OncallOperatorPolicyUser1",
                "OncallOperatorPolicyUser2",
                "DeployerOperatorPolicyRole1",
            ]
        );
        // The same name twice still imports under two ids.
        plan.operator_policies[0].attach_users = vec!["alice".into(), "alice".into()];
        let ts = construct(&plan);
        assert!(ts.contains("'OncallOperatorPolicyUser2', 'alice'"), "{ts}");
        plan.operator_policies[0].id.upper_camel = "Oncall-Policy".into();
        let err = super::super::CdkTypeScript
            .render(&plan, &Options::default())
            .expect_err("not an identifier");
        assert!(err.to_string().contains("`Oncall-Policy`"), "{err}");
    }

    #[test]
    fn without_operators_nothing_new_is_written() {
        let plain = SHOP.split("operators:").next().expect("head");
        let ts = construct(&plan_of(plain));
        for absent in [
            "OperatorPolicy",
            "fromGroupName",
            "fromUserName",
            "fromRoleName",
            "Operator policy",
            "operator-policies",
        ] {
            assert!(!ts.contains(absent), "{absent}\n{ts}");
        }
    }
}
