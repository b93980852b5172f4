//! The IAM resources of a fleet, as CDK Python: the typed attributes that hold them, and
//! the statements of `__init__` that create them (the role with its tags, the instance
//! profile, the managed policy with its statements and conditions, imported policies),
//! with the cache of values many fleets share.

use std::collections::BTreeMap;

use super::props::{always_named, existing_role_arg, name_arg, Renamable};
use super::python::{call_statement, py_text, Arg, Py, BODY_INDENT};
use super::{policy_at, profile_at, role_at, ConstructIds, FleetBlock, NagAcknowledgements};
use crate::error::Error;
use crate::plan::{
    Attachment, Condition, Effect, FleetPlan, Ident, Mode, Plan, Platform, Resource, Role,
    Statement, Subject, Text,
};
use crate::render::escape::py_str;

/// What makes two statements render the same: everything but their facts.
type StatementKey<'p> = (
    &'p str,
    &'static str,
    &'p [&'static str],
    &'p [Resource],
    &'p [Condition],
);

/// Laid-out values that many fleets share, each laid out once: fleets of the same
/// platform and mode get equal principals and statements, and laying those out is most
/// of the work. Keys are the plan values that decide the text, so equal keys give equal
/// text; lookups are logarithmic, so the cost stays linear in fleets.
pub(super) struct Shared<'p> {
    names: Renamable<'p>,
    principals: BTreeMap<(&'p Text, &'p [Condition]), String>,
    statement_lists: BTreeMap<Vec<StatementKey<'p>>, String>,
}

impl<'p> Shared<'p> {
    pub(super) fn new(plan: &'p Plan) -> Self {
        Shared {
            names: Renamable::new(plan),
            principals: BTreeMap::new(),
            statement_lists: BTreeMap::new(),
        }
    }

    /// The `assumed_by` value of a role.
    fn principal(&mut self, role: &'p Role) -> &str {
        let key = (&role.trust.service, role.trust.conditions.as_slice());
        self.principals
            .entry(key)
            .or_insert_with(|| assumed_by(&role.trust))
    }

    /// The `statements` value of a policy.
    pub(super) fn statements(&mut self, statements: &'p [Statement]) -> &str {
        let key: Vec<StatementKey<'p>> = statements
            .iter()
            .map(|s| {
                (
                    s.sid.as_str(),
                    effect(s.effect),
                    s.actions.as_slice(),
                    s.resources.as_slice(),
                    s.conditions.as_slice(),
                )
            })
            .collect();
        self.statement_lists.entry(key).or_insert_with(|| {
            let names = &self.names;
            Py::List(statements.iter().map(|s| statement(names, s)).collect()).lay_arg("statements")
        })
    }
}

/// The typed attributes a fleet's resources are held in, in the order the fleet block
/// creates them: `name: Type`, then on its own line the docstring. Attribute names and
/// the fleet names in the docstrings are plan identifiers (lowercase letters, digits,
/// hyphens and underscores), which need no escaping in either place.
pub(super) fn fleet_attributes(
    plan: &Plan,
    fleet: &FleetPlan,
    attributes: &mut Vec<String>,
) -> Result<(), Error> {
    let mut push = |name: &str, type_name: &str, doc: [&str; 3]| {
        let len = name.len() + type_name.len() + doc.iter().map(|d| d.len()).sum::<usize>();
        let mut a = String::with_capacity(len + 16);
        a.push_str(name);
        a.push_str(": ");
        a.push_str(type_name);
        a.push_str("\n    \"\"\"");
        doc.iter().for_each(|d| a.push_str(d));
        a.push_str("\"\"\"");
        attributes.push(a);
    };
    if let Some(i) = fleet.role {
        let r = role_at(plan, i)?;
        let doc = match r.platform {
            Platform::Ec2 if r.mode == Mode::DefaultHostManagement => [
                "Default Host Management role of fleet ",
                &fleet.name,
                "; Systems Manager gives it to EC2 instances without an instance profile.",
            ],
            Platform::Ec2 => [
                "Role of fleet ",
                &fleet.name,
                "; its instances get it through an instance profile.",
            ],
            Platform::Hybrid => [
                "Service role of fleet ",
                &fleet.name,
                ", named by its hybrid activation.",
            ],
        };
        push(&r.id.snake, "iam.Role", doc);
    }
    if let Some(i) = fleet.instance_profile {
        let p = profile_at(plan, i)?;
        let doc = [
            "Instance profile to attach to the EC2 instances of fleet ",
            &fleet.name,
            ".",
        ];
        push(&p.id.snake, "iam.InstanceProfile", doc);
    }
    if let Some(i) = fleet.policy {
        let p = policy_at(plan, i)?;
        let doc = match &p.attachment {
            Attachment::Role(_) => [
                "Session Manager policy of fleet ",
                &fleet.name,
                ", attached to its role.",
            ],
            Attachment::ExistingRole(_) => [
                "Session Manager policy of fleet ",
                &fleet.name,
                ", attached to its existing role.",
            ],
        };
        push(&p.id.snake, "iam.ManagedPolicy", doc);
    }
    Ok(())
}

/// The resources of a fleet.
pub(super) fn fleet_block<'a>(
    plan: &'a Plan,
    fleet: &'a FleetPlan,
    ids: &mut ConstructIds<'a>,
    shared: &mut Shared<'a>,
    nag: &NagAcknowledgements,
) -> Result<FleetBlock<'a>, Error> {
    let role = fleet.role.map(|i| role_at(plan, i)).transpose()?;
    let mut statements = Vec::with_capacity(4);
    if let (Some(r), Some(i)) = (role, fleet.role) {
        statements.push(role_statement(r, shared));
        push_tag_statements(&r.id.snake, &r.tags, &mut statements);
        nag.push_statements(Subject::Role(i), &r.id.snake, "role", &mut statements)?;
    }
    if let Some(i) = fleet.instance_profile {
        let p = profile_at(plan, i)?;
        let profile_role = role_at(plan, p.role)?;
        statements.push(call_statement(
            Some(&p.id.snake),
            "iam.InstanceProfile",
            &[
                ("", Arg::Code("self")),
                ("", Arg::Str(&p.id.upper_camel)),
                ("role", Arg::SelfAttr(&profile_role.id.snake)),
                ("instance_profile_name", Arg::Code(&name_arg(&p.name))),
                ("path", Arg::Str(&p.path)),
            ],
        ));
    }
    if let Some(i) = fleet.policy {
        let p = policy_at(plan, i)?;
        let role = match &p.attachment {
            Attachment::Role(r) => Py::atom(format!("self.{}", role_at(plan, *r)?.id.snake)),
            // The app's role when it passes one (`<fleet>_role`), else the spec's by name.
            Attachment::ExistingRole(name) => Py::atom(format!(
                "{} or {}",
                existing_role_arg(&fleet.name),
                Py::call(
                    "iam.Role.from_role_name",
                    vec![
                        Py::atom("self"),
                        Py::atom(py_str(&ids.fresh(format!(
                            "{}ExistingRole",
                            Ident::new(&fleet.name).upper_camel
                        )))),
                        Py::atom(py_str(name)),
                    ],
                )
                .flat()
            )),
        };
        // Laid out before the statements, which borrow `shared`, are looked up.
        let roles = Py::List(vec![role]).lay_arg("roles");
        statements.push(call_statement(
            Some(&p.id.snake),
            "iam.ManagedPolicy",
            &[
                ("", Arg::Code("self")),
                ("", Arg::Str(&p.id.upper_camel)),
                ("managed_policy_name", Arg::Code(&name_arg(&p.name))),
                ("path", Arg::Str(&p.path)),
                ("description", Arg::Str(&p.description)),
                ("statements", Arg::Code(shared.statements(&p.statements))),
                ("roles", Arg::Code(&roles)),
            ],
        ));
        nag.push_statements(Subject::Policy(i), &p.id.snake, "policy", &mut statements)?;
    }
    Ok(FleetBlock {
        name: &fleet.name,
        platform: fleet.platform,
        mode: fleet.mode,
        hybrid: role.is_some_and(|r| r.platform == Platform::Hybrid),
        statements,
    })
}

/// `self.<attr> = iam.Role(...)`.
fn role_statement<'a>(role: &'a Role, shared: &mut Shared<'a>) -> String {
    // AWS managed policies by name: CDK writes their ARN in the stack's partition, as
    // the plan's (partition-relative) ARN is. The spec's permissions boundary is applied
    // once to the whole construct (`boundary`).
    let managed: Vec<Py> = role
        .managed_policies
        .iter()
        .map(|m| managed_policy(&m.name))
        .collect();
    let managed = (!managed.is_empty()).then(|| Py::List(managed).lay_arg("managed_policies"));
    let mut args = Vec::with_capacity(8);
    // Hybrid and Default Host Management roles keep their names: something names them.
    let name = if always_named(role) {
        py_str(&role.name)
    } else {
        name_arg(&role.name)
    };
    args.extend([
        ("", Arg::Code("self")),
        ("", Arg::Str(&role.id.upper_camel)),
        ("role_name", Arg::Code(&name)),
        ("path", Arg::Str(&role.path)),
        ("description", Arg::Str(&role.description)),
        ("assumed_by", Arg::Code(shared.principal(role))),
    ]);
    if let Some(m) = &managed {
        args.push(("managed_policies", Arg::Code(m)));
    }
    call_statement(Some(&role.id.snake), "iam.Role", &args)
}

/// One `cdk.Tags.of(self.<attr>).add(key, value)` statement per tag, sorted by key:
/// how the construct tags every resource it creates (roles, preferences documents).
pub(super) fn push_tag_statements(
    attr: &str,
    tags: &BTreeMap<String, String>,
    statements: &mut Vec<String>,
) {
    push_tag_statements_on(&format!("self.{attr}"), tags, statements);
}

/// [`push_tag_statements`] on the construct `target` (a Python expression).
pub(super) fn push_tag_statements_on(
    target: &str,
    tags: &BTreeMap<String, String>,
    statements: &mut Vec<String>,
) {
    push_tag_statements_at(target, tags, BODY_INDENT, statements);
}

/// [`push_tag_statements_on`] for statements indented by `indent` (in an `if` block).
pub(super) fn push_tag_statements_at(
    target: &str,
    tags: &BTreeMap<String, String>,
    indent: usize,
    statements: &mut Vec<String>,
) {
    statements.extend(tags.iter().map(|(k, v)| {
        Py::Method(
            Box::new(Py::call("cdk.Tags.of", vec![Py::atom(target)])),
            "add",
            vec![(None, Py::atom(py_str(k))), (None, Py::atom(py_str(v)))],
        )
        .lay(indent, indent, 0)
    }));
}

/// The Python spelling of a statement's effect.
pub(super) fn effect(e: Effect) -> &'static str {
    match e {
        Effect::Allow => "iam.Effect.ALLOW",
        Effect::Deny => "iam.Effect.DENY",
    }
}

/// `iam.ManagedPolicy.from_aws_managed_policy_name("<name>")`.
pub(super) fn managed_policy(name: &str) -> Py {
    Py::call(
        "iam.ManagedPolicy.from_aws_managed_policy_name",
        vec![Py::atom(py_str(name))],
    )
}

/// The spec's permissions boundary, applied once to every role the construct creates
/// (`iam.PermissionsBoundary`), or nothing.
pub(super) fn boundary(plan: &Plan) -> String {
    let Some(arn) = plan
        .roles
        .iter()
        .find_map(|r| r.permissions_boundary.as_ref())
    else {
        return String::new();
    };
    let apply = Py::Method(
        Box::new(Py::call(
            "iam.PermissionsBoundary.of",
            vec![Py::atom("self")],
        )),
        "apply",
        vec![(
            None,
            Py::call(
                "iam.ManagedPolicy.from_managed_policy_arn",
                vec![
                    Py::atom("self"),
                    Py::atom(py_str("PermissionsBoundary")),
                    Py::atom(py_text(arn)),
                ],
            ),
        )],
    );
    format!(
        "\n        # The spec's permissions boundary, on every role this construct creates.\n        {}",
        apply.lay(BODY_INDENT, BODY_INDENT, 0)
    )
}

/// An `iam.PolicyStatement` with the plan's sid, actions, resources and conditions.
fn statement(names: &Renamable, s: &Statement) -> Py {
    let mut args = vec![
        (Some("sid"), Py::atom(py_str(&s.sid))),
        (Some("effect"), Py::atom(effect(s.effect))),
        (
            Some("actions"),
            Py::List(s.actions.iter().map(|a| Py::atom(py_str(a))).collect()),
        ),
        (
            Some("resources"),
            Py::List(
                s.resources
                    .iter()
                    .map(|r| Py::atom(super::props::resource(names, r)))
                    .collect(),
            ),
        ),
    ];
    if !s.conditions.is_empty() {
        args.push((Some("conditions"), conditions(&s.conditions)));
    }
    Py::Call("iam.PolicyStatement", args)
}

/// `{operator: {key: value or [values]}}`, operators and keys sorted (as IAM, and
/// every other target, reads them) and a single value written as a scalar.
pub(super) fn conditions(conditions: &[Condition]) -> Py {
    conditions_with(conditions, py_text)
}

/// [`conditions`] with each value written by `value`.
pub(super) fn conditions_with(conditions: &[Condition], value: impl Fn(&Text) -> String) -> Py {
    let mut by_operator: BTreeMap<&str, BTreeMap<&str, Py>> = BTreeMap::new();
    for c in conditions {
        let values: Vec<Py> = c.values.iter().map(|v| Py::atom(value(v))).collect();
        let value = match <[Py; 1]>::try_from(values) {
            Ok([single]) => single,
            Err(values) => Py::List(values),
        };
        by_operator
            .entry(c.operator)
            .or_default()
            .insert(c.key, value);
    }
    Py::Dict(
        by_operator
            .into_iter()
            .map(|(op, keys)| {
                (
                    py_str(op),
                    Py::Dict(keys.into_iter().map(|(k, v)| (py_str(k), v)).collect()),
                )
            })
            .collect(),
    )
}

/// The `assumed_by` argument of a role: its service principal, with the trust's
/// conditions if it has any.
pub(super) fn assumed_by(trust: &crate::plan::Trust) -> String {
    let principal = Py::call(
        "iam.ServicePrincipal.from_static_service_principle_name",
        vec![Py::atom(py_text(&trust.service))],
    );
    let assumed_by = if trust.conditions.is_empty() {
        principal
    } else {
        Py::Method(
            Box::new(principal),
            "with_conditions",
            vec![(None, conditions(&trust.conditions))],
        )
    };
    assumed_by.lay_arg("assumed_by")
}

#[cfg(test)]
mod tests {
    use super::super::test_support::render_example;
    use super::super::CdkPython;
    use crate::plan::{Plan, Text};
    use crate::targets::{Options, Target};

    /// Spec validation keeps quotes and braces out of most fields; the plan's strings
    /// must still stay literals if one ever gets through.
    const HOSTILE: &str = "a\"b\\c{d}}{e}'\"\"\"x\nnl\r\t\u{0}\u{7f}end";

    /// A plan whose free-text values are all [`HOSTILE`].
    fn hostile_plan() -> Plan {
        let path = std::path::Path::new("examples").join("mixed-fleets.yaml");
        let (spec, _) = crate::spec::load(&path).expect("example is valid");
        let mut plan = crate::plan::build::build(&spec);
        let role = &mut plan.roles[2];
        role.description = HOSTILE.into();
        role.tags.insert(HOSTILE.into(), HOSTILE.into());
        let mut arn = Text::literal("arn:");
        arn.push_pseudo(crate::plan::Pseudo::Partition);
        arn.push_str(HOSTILE);
        role.permissions_boundary = Some(arn.clone());
        role.trust.conditions[0].values = vec![arn, Text::literal(HOSTILE)];
        plan.policies[0].statements[0].sid = HOSTILE.into();
        plan
    }

    #[test]
    fn hostile_plan_values_render_as_escaped_literals() {
        let files = CdkPython
            .render(&hostile_plan(), &Options::default())
            .expect("renders");
        let code = &files[0].contents;
        let lit = r#""a\"b\\c{d}}{e}'\"\"\"x\nnl\r\t\x00\x7fend""#;
        let fstr = r#"f"arn:{stack.partition}a\"b\\c{{d}}}}{{e}}'\"\"\"x\nnl\r\t\x00\x7fend""#;
        assert!(code.contains(&format!("description={lit},")));
        assert!(
            code.contains(&format!(".add({lit}, {lit})")) || code.contains(&format!("{lit},\n"))
        );
        assert!(code.contains(&format!("sid={lit},")));
        assert!(code.contains(&format!("{fstr},")));
        // No raw control character or line break from the plan reaches the code.
        assert!(!code.contains(['\r', '\t', '\u{0}', '\u{7f}']));
        assert!(!code.contains("x\nnl"));
    }

    #[test]
    fn plan_values_are_rendered_not_rebuilt() {
        let files = render_example("mixed-fleets.yaml", false);
        let code = &files[0].contents;
        // The boundary ARN and the existing role come from the spec, through py_str.
        assert!(code.contains("\"arn:aws:iam::777788889999:policy/platform-boundary\""));
        // The existing role is the app's when it passes one, else the spec's by name.
        assert!(code.contains(
            "reporting_role or iam.Role.from_role_name(self, \"ReportingExistingRole\", \"reporting-ec2\")"
        ));
        // AWS managed policies by name (CDK writes the ARN in the stack's partition) and
        // the boundary once for the construct.
        assert!(code.contains(
            "iam.ManagedPolicy.from_aws_managed_policy_name(\"AmazonSSMManagedInstanceCore\")"
        ));
        assert_eq!(
            code.matches("iam.PermissionsBoundary.of(self).apply(")
                .count(),
            1
        );
        assert!(!code.contains("permissions_boundary="));
    }
}
