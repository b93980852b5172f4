//! The IAM resource family: each role, instance profile and customer managed policy
//! the plan holds, as a field declaration and the statement that constructs it; the AWS
//! managed policies and permissions boundary a role imports; and the policy statements,
//! each distinct list written once.

use std::hash::{Hash, Hasher};

use rustc_hash::FxHashMap;

use super::nag::Acknowledgements;
use super::props::{always_named, push_managed_policy, Spell};
use super::typescript::{
    push_conditions, push_field, push_line_comment, push_name_prop, push_new, push_str_prop,
    push_text,
};
use crate::plan::{
    Attachment, InstanceProfile, Mode, Plan, Platform, Policy, Role, Statement, Subject,
};
use crate::render::escape;

/// The field of the generated role `i`, checked by [`check`](super::check).
pub(super) fn role_field(plan: &Plan, i: usize) -> &str {
    plan.roles.get(i).map_or("", |r| r.id.lower_camel.as_str())
}

pub(super) fn role_field_decl(out: &mut String, _plan: &Spell<'_>, role: &Role) {
    let doc = match role.platform {
        Platform::Ec2 if role.mode == Mode::DefaultHostManagement => format!(
            "The Default Host Management role of fleet {}, named {}: Systems Manager gives it to the account's EC2 instances that have no instance profile.",
            role.fleet, role.name
        ),
        Platform::Ec2 => format!(
            "The role of EC2 fleet {}, named {}; its instance profile carries it to the fleet's instances.",
            role.fleet, role.name
        ),
        Platform::Hybrid => format!(
            "The service role of hybrid fleet {}, named {}: name it in the fleet's hybrid activation. An activation's role cannot be changed, so keep this name.",
            role.fleet, role.name
        ),
    };
    push_field(out, &doc, &role.id.lower_camel, "iam.Role");
}

pub(super) fn profile_field_decl(out: &mut String, plan: &Spell<'_>, p: &InstanceProfile) {
    let fleet = plan.roles.get(p.role).map_or("", |r| r.fleet.as_str());
    let doc = format!(
        "The instance profile of EC2 fleet {fleet}, named {}: attach it to the fleet's instances.",
        p.name
    );
    push_field(out, &doc, &p.id.lower_camel, "iam.InstanceProfile");
}

pub(super) fn policy_field_decl(out: &mut String, plan: &Spell<'_>, p: &Policy) {
    let doc = match &p.attachment {
        Attachment::Role(i) => format!(
            "The Session Manager permissions of fleet {}, named {}, attached to role {}.",
            p.fleet,
            p.name,
            plan.roles.get(*i).map_or("", |r| r.name.as_str())
        ),
        Attachment::ExistingRole(name) => format!(
            "The Session Manager permissions of fleet {}, named {}, attached to the existing role {name}.",
            p.fleet, p.name
        ),
    };
    push_field(out, &doc, &p.id.lower_camel, "iam.ManagedPolicy");
}

pub(super) fn role_block(out: &mut String, _plan: &Spell<'_>, role: &Role) {
    const PROP: &str = "      ";
    let field = role.id.lower_camel.as_str();
    push_new(out, field, "iam.Role", &role.id.upper_camel);
    if always_named(role) {
        push_str_prop(out, PROP, "roleName", &role.name);
    } else {
        push_name_prop(out, PROP, "roleName", &role.name);
    }
    push_str_prop(out, PROP, "path", &role.path);
    push_str_prop(out, PROP, "description", &role.description);
    out.push('\n');
    push_line_comment(out, PROP, TRUST_NOTE);
    out.push_str("\n      assumedBy: iam.ServicePrincipal.fromStaticServicePrincipleName(");
    push_text(out, &role.trust.service);
    out.push(')');
    if !role.trust.conditions.is_empty() {
        out.push_str(".withConditions({");
        push_conditions(out, &role.trust.conditions, "        ");
        out.push_str("\n      })");
    }
    out.push(',');
    if !role.managed_policies.is_empty() {
        out.push_str("\n      managedPolicies: [");
        for m in &role.managed_policies {
            out.push_str("\n        ");
            push_managed_policy(out, &m.name);
            out.push(',');
        }
        out.push_str("\n      ],");
    }
    out.push_str("\n    });");
    if !role.tags.is_empty() {
        super::typescript::push_tags(out, &format!("this.{field}"), &role.tags);
    }
}

/// Why the trust names its service principal statically, above each `assumedBy`.
const TRUST_NOTE: &str = "Static: new iam.ServicePrincipal('ec2.amazonaws.com') writes the same name in every partition, and China needs .com.cn (aws-cdk #31767).";

/// The spec's permissions boundary, once for every role of the construct (the activation
/// function's too), or nothing: the spec names one boundary for all its roles.
pub(super) fn boundary(plan: &Plan) -> String {
    let provider = plan.activation_provider.as_ref();
    let Some(arn) = plan
        .roles
        .iter()
        .find_map(|r| r.permissions_boundary.as_ref())
        .or_else(|| provider.and_then(|p| p.role.permissions_boundary.as_ref()))
    else {
        return String::new();
    };
    let mut out = String::from("\n\n");
    push_line_comment(
        &mut out,
        "    ",
        "The spec's permissions boundary, on every role this construct creates.",
    );
    out.push_str("\n    iam.PermissionsBoundary.of(this).apply(iam.ManagedPolicy.fromManagedPolicyArn(this, 'PermissionsBoundary', ");
    push_text(&mut out, arn);
    out.push_str("));");
    out
}

pub(super) fn profile_block(out: &mut String, plan: &Spell<'_>, p: &InstanceProfile) {
    push_new(
        out,
        &p.id.lower_camel,
        "iam.InstanceProfile",
        &p.id.upper_camel,
    );
    out.push_str("\n      role: this.");
    out.push_str(role_field(plan, p.role));
    out.push(',');
    push_name_prop(out, "      ", "instanceProfileName", &p.name);
    push_str_prop(out, "      ", "path", &p.path);
    out.push_str("\n    });");
}

/// The policies, each an `iam.ManagedPolicy`: `this.webSessionPolicy = new
/// iam.ManagedPolicy(this, 'WebSessionPolicy', {` with its name, path and description,
/// its statements, and the role it is attached to (`this.webRole`, or an existing role
/// imported by name).
pub(super) struct Policies<'a> {
    pub(super) plan: &'a Spell<'a>,
    /// For each policy, the index of its statements in `statement_lists`.
    pub(super) lists: Vec<usize>,
}

impl Policies<'_> {
    /// Each policy after an empty line: its head, its statement list (written once per
    /// distinct list, in `statement_lists`), its role, and the cdk-nag findings it carries.
    pub(super) fn write_each(
        &self,
        out: &mut String,
        statement_lists: &[String],
        acks: &Acknowledgements<'_>,
    ) {
        for (i, (p, &statements)) in self.plan.policies.iter().zip(&self.lists).enumerate() {
            out.push_str("\n\n");
            policy_head(out, p);
            out.push_str("\n      statements: [");
            out.push_str(&statement_lists[statements]);
            out.push_str("\n      ],\n      roles: [");
            policy_role(out, self.plan, p);
            out.push_str("],\n    });");
            acks.push(out, Subject::Policy(i), &p.id.lower_camel);
        }
    }
}

/// A policy's statements, equal and hashed by everything that is written of them, so
/// that equal statements are written once.
struct StatementsKey<'a>(&'a [Statement]);

impl PartialEq for StatementsKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self.0.iter().zip(other.0).all(|(a, b)| {
                a.sid == b.sid
                    && a.effect == b.effect
                    && a.actions == b.actions
                    && a.resources == b.resources
                    && a.conditions == b.conditions
            })
    }
}

impl Eq for StatementsKey<'_> {}

impl Hash for StatementsKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for s in self.0 {
            s.sid.hash(state);
            s.actions.hash(state);
            s.resources.hash(state);
            for c in &s.conditions {
                c.operator.hash(state);
                c.key.hash(state);
                c.values.hash(state);
            }
        }
    }
}

/// Writes one `new iam.PolicyStatement({...}),` at the indent of a `statements` list;
/// the operator policies write theirs with it too.
pub(super) fn push_statement(out: &mut String, plan: &Spell<'_>, s: &Statement) {
    out.push_str("\n        new iam.PolicyStatement({");
    push_str_prop(out, "          ", "sid", &s.sid);
    out.push_str("\n          effect: iam.Effect.");
    out.push_str(s.effect.cdk_member());
    out.push(',');
    push_statement_body(out, plan, s, "resources");
    out.push_str("\n        }),");
}

/// The `actions`, resources (under `resources_key`: `resources` in a `PolicyStatement`,
/// `resourceArns` in a grant) and `conditions` properties of a statement.
pub(super) fn push_statement_body(
    out: &mut String,
    plan: &Spell<'_>,
    s: &Statement,
    resources_key: &str,
) {
    out.push_str("\n          actions: [");
    for a in &s.actions {
        out.push_str("\n            ");
        escape::push_ts_str(out, a);
        out.push(',');
    }
    out.push_str("\n          ],\n          ");
    out.push_str(resources_key);
    out.push_str(": [");
    for r in &s.resources {
        out.push_str("\n            ");
        plan.push_resource(out, r);
        out.push(',');
    }
    out.push_str("\n          ],");
    if !s.conditions.is_empty() {
        out.push_str("\n          conditions: {");
        push_conditions(out, &s.conditions, "            ");
        out.push_str("\n          },");
    }
}

fn policy_head(out: &mut String, p: &Policy) {
    const PROP: &str = "      ";
    push_new(
        out,
        &p.id.lower_camel,
        "iam.ManagedPolicy",
        &p.id.upper_camel,
    );
    push_name_prop(out, PROP, "managedPolicyName", &p.name);
    push_str_prop(out, PROP, "path", &p.path);
    push_str_prop(out, PROP, "description", &p.description);
}

fn policy_role(out: &mut String, plan: &Plan, p: &Policy) {
    match &p.attachment {
        Attachment::Role(i) => {
            out.push_str("this.");
            out.push_str(role_field(plan, *i));
        }
        Attachment::ExistingRole(name) => {
            // The app's own role when it gives one (`<fleet>Role`), else the spec's, by name.
            out.push_str("props.");
            out.push_str(&existing_role_prop(&p.fleet));
            out.push_str(" ?? iam.Role.fromRoleName(this, ");
            escape::push_ts_str(out, &format!("{}ExistingRole", p.id.upper_camel));
            out.push_str(", ");
            escape::push_ts_str(out, name);
            out.push(')');
        }
    }
}

/// The prop that replaces the existing role of fleet `fleet`: `<fleet>Role`.
pub(super) fn existing_role_prop(fleet: &str) -> String {
    format!("{}Role", crate::plan::Ident::new(fleet).lower_camel)
}

/// The distinct statement lists, written, and the index of each policy's list.
pub(super) fn statement_lists(plan: &Spell<'_>) -> (Vec<String>, Vec<usize>) {
    let mut written: Vec<String> = Vec::new();
    let mut seen: FxHashMap<StatementsKey<'_>, usize> = FxHashMap::default();
    let mut lists = Vec::with_capacity(plan.policies.len());
    for p in &plan.policies {
        let next = written.len();
        let index = *seen.entry(StatementsKey(&p.statements)).or_insert(next);
        if index == next {
            let mut text = String::with_capacity(512 * p.statements.len());
            for s in &p.statements {
                push_statement(&mut text, plan, s);
            }
            written.push(text);
        }
        lists.push(index);
    }
    (written, lists)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{construct, plan_of};
    use super::*;

    #[test]
    fn hostile_strings_stay_literals() {
        let mut plan = plan_of(
            "version: 1\nproject: evil\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n",
        );
        // Validation forbids these characters; the escaping must not rely on it.
        let hostile = "a' + `${process.exit(1)}` */ \n b";
        plan.roles[0].tags.insert("note".into(), hostile.into());
        plan.roles[0].description = hostile.into();
        plan.roles[0].fleet = hostile.into();
        let ts = construct(&plan);
        assert!(
            ts.contains(
                r"cdk.Tags.of(this.webRole).add('note', 'a\' + `${process.exit(1)}` */ \n b');"
            ),
            "{ts}"
        );
        assert!(
            ts.contains(r"description: 'a\' + `${process.exit(1)}` */ \n b',"),
            "{ts}"
        );
        assert!(ts.contains(r"a' + `${process.exit(1)}` *\/   b"), "{ts}");
        assert!(!ts.contains("*/ \n"), "{ts}");
    }

    #[test]
    fn policies_share_only_equal_statements() {
        let mut plan = plan_of(
            "version: 1\nproject: p\nsession:\n  cloudwatch: {log_group: /ssm/p}\nfleets:\n  - name: a\n    platform: ec2\n    mode: session-only\n  - name: b\n    platform: ec2\n    mode: session-only\n  - name: c\n    platform: ec2\n    mode: session-only\n    session:\n      cloudwatch: {log_group: /ssm/c}\n",
        );
        let (lists, index) = statement_lists(&Spell::new(&plan));
        assert_eq!(index, [0, 0, 1]);
        assert_eq!(lists.len(), 2);
        assert!(lists[0].contains("log-group:/ssm/p:*"), "{}", lists[0]);
        assert!(lists[1].contains("log-group:/ssm/c:*"), "{}", lists[1]);
        // A difference anywhere in what is written keeps a policy's own list.
        plan.policies[1].statements[0].sid = "Other".into();
        let (lists, index) = statement_lists(&Spell::new(&plan));
        assert_eq!(index, [0, 1, 2]);
        assert!(lists[1].contains("sid: 'Other',"), "{}", lists[1]);
        let ts = construct(&plan);
        // In the statements (the acknowledgements of each policy name it too).
        let in_statements = ts
            .lines()
            .filter(|l| l.starts_with("            `") && l.contains("log-group:/ssm/p:*"))
            .count();
        assert_eq!(in_statements, 2, "{ts}");
        assert_eq!(ts.matches("sid: 'Other',").count(), 1, "{ts}");
        let b = ts.find("this.bSessionPolicy = new").expect("policy b");
        let c = ts.find("this.cSessionPolicy = new").expect("policy c");
        assert!(ts[b..c].contains("sid: 'Other',"), "{ts}");
    }

    #[test]
    fn arns_keep_pseudo_values_as_template_literals() {
        let plan = plan_of(
            "version: 1\nproject: p\nfleets:\n  - name: web\n    platform: ec2\n    mode: managed-core\n",
        );
        let ts = construct(&plan);
        // Unpinned values come from the construct's stack.
        assert!(
            ts.contains("    const stack = cdk.Stack.of(this);\n"),
            "{ts}"
        );
        assert!(
            ts.contains("fromStaticServicePrincipleName(`ec2.${stack.urlSuffix}`)"),
            "{ts}"
        );
        assert!(!ts.contains("cdk.Aws."), "{ts}");
        // AWS managed policies by name: CDK writes their ARN in the stack's partition.
        assert!(
            ts.contains("      managedPolicies: [\n        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),\n      ],\n"),
            "{ts}"
        );
        assert!(!ts.contains("fromManagedPolicyArn"), "{ts}");
        // Nothing pinned, nothing to check against the stack.
        assert!(!ts.contains("addError"), "{ts}");
    }
}
