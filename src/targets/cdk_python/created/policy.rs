//! The key and bucket policies of the created resources, as `iam.PolicyStatement`s with
//! the plan's sid, effect, principals, actions, resources and conditions, each added to
//! its resource with `add_to_resource_policy`.

use super::{key_replaceable, name_local, push_comment, push_statements, KEY, NESTED};
use crate::error::Error;
use crate::plan::resource::log_group_arn;
use crate::plan::{Plan, Principal, ResourceStatement, Text};
use crate::render::escape::py_str;
use crate::targets::cdk_python::iam::{conditions_with, effect};
use crate::targets::cdk_python::props::Renamable;
use crate::targets::cdk_python::python::{py_text, Py, BODY_INDENT};
use crate::targets::cdk_python::role_at;

/// The key policy's statements, added after the fleets' roles they name exist; a key
/// the app passes keeps its own policy.
pub(super) fn key_policy(plan: &Plan, names: &Renamable) -> Result<String, Error> {
    let Some(key) = &plan.created.key else {
        return Ok(String::new());
    };
    let replaceable = key_replaceable(plan);
    let indent = if replaceable { NESTED } else { BODY_INDENT };
    let mut out = String::from("\n");
    push_comment(&mut out, "The session key's policy: the spec's statements and no other, added now that the fleets' roles they name exist.");
    let mut statements = Vec::with_capacity(key.policy.len());
    for s in &key.policy {
        statements.push(add_to_resource_policy(
            KEY,
            resource_statement(plan, names, s)?,
            indent,
        ));
    }
    push_statements(&mut out, replaceable.then_some(KEY), &statements);
    Ok(out)
}

/// `self.<attr>.add_to_resource_policy(<statement>)` at a statement indented by `indent`.
pub(super) fn add_to_resource_policy(attr: &str, statement: Py, indent: usize) -> String {
    Py::Method(
        Box::new(Py::atom(format!("self.{attr}"))),
        "add_to_resource_policy",
        vec![(None, statement)],
    )
    .lay(indent, indent, 0)
}

/// An `iam.PolicyStatement` of a key or bucket policy: the plan's sid, effect,
/// principals, actions, resources and conditions.
pub(super) fn resource_statement(
    plan: &Plan,
    names: &Renamable,
    s: &ResourceStatement,
) -> Result<Py, Error> {
    let principals = (s.principals.iter())
        .map(|p| principal(plan, p))
        .collect::<Result<Vec<Py>, Error>>()?;
    let mut args = vec![
        (Some("sid"), Py::atom(py_str(&s.sid))),
        (Some("effect"), Py::atom(effect(s.effect))),
        (Some("principals"), Py::List(principals)),
        (
            Some("actions"),
            Py::List(s.actions.iter().map(|a| Py::atom(py_str(a))).collect()),
        ),
        (
            Some("resources"),
            Py::List(
                (s.resources.iter())
                    .map(|r| Py::atom(crate::targets::cdk_python::props::resource(names, r)))
                    .collect(),
            ),
        ),
    ];
    if !s.conditions.is_empty() {
        let value = |v: &Text| condition_value(plan, v);
        args.push((Some("conditions"), conditions_with(&s.conditions, value)));
    }
    Ok(Py::Call("iam.PolicyStatement", args))
}

/// A condition value: the created log group's ARN (CloudWatch Logs' encryption
/// context) from the local that holds its name, which `generated_names` changes; any
/// other value as the plan writes it.
fn condition_value(plan: &Plan, v: &Text) -> String {
    match &plan.created.log_group {
        Some(g) if *v == log_group_arn(&plan.env, &g.name) => format!(
            "{} + {}",
            py_text(&log_group_arn(&plan.env, "")),
            name_local(g)
        ),
        _ => py_text(v),
    }
}

/// A principal of a key or bucket policy. CDK keeps each as the plan spells it: an
/// account and a role by ARN (a role the construct creates by its attribute, so that
/// the policy waits for it), a service by its exact name (`ServicePrincipal` alone
/// would rewrite a Region-specific name), anyone as `{"AWS": "*"}`.
fn principal(plan: &Plan, p: &Principal) -> Result<Py, Error> {
    Ok(match p {
        Principal::Any => Py::call("iam.AnyPrincipal", Vec::new()),
        Principal::Account(arn) => Py::call("iam.ArnPrincipal", vec![Py::atom(py_text(arn))]),
        Principal::Role(i) => Py::call(
            "iam.ArnPrincipal",
            vec![Py::atom(format!(
                "self.{}.role_arn",
                role_at(plan, *i)?.id.snake
            ))],
        ),
        Principal::Service(name) => Py::call(
            "iam.ServicePrincipal.from_static_service_principle_name",
            vec![Py::atom(py_text(name))],
        ),
    })
}
