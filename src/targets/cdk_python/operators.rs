//! Operator policies, as CDK Python: one `iam.ManagedPolicy` per policy of the plan, for
//! the people or roles who open sessions, attached by name to existing roles, groups and
//! users (imported, never created). They come after every fleet's resources and the
//! service settings, in plan order; their statements go through the same statement cache
//! as the fleets' policies.

use super::iam::Shared;
use super::python::{call_statement, Arg, Py};
use super::ssm::{comment, fleets_phrase};
use super::{ConstructIds, ModuleContext, NagAcknowledgements, Part};
use crate::error::Error;
use crate::plan::{OperatorPolicy, Plan, Subject};
use crate::render::escape::py_str;

/// The folder the plain JSON of each operator policy is written to (for IAM Identity
/// Center permission sets), named in the comment of a policy attached to no one.
const JSON_FOLDER: &str = "operator-policies";

/// Appends the policies' attributes to `out`, rendered `run` at a time.
pub(super) fn push_attributes(
    plan: &Plan,
    base: ModuleContext,
    run: usize,
    out: &mut String,
) -> Result<(), Error> {
    let mut attributes = Vec::with_capacity(run);
    for chunk in plan.operator_policies.chunks(run) {
        attributes.clear();
        for p in chunk {
            operator_attribute(p, &mut attributes);
        }
        let ctx = ModuleContext {
            part: Part::Attributes,
            attributes: &attributes,
            ..base
        };
        out.push_str(&super::layout::part(&ctx));
    }
    Ok(())
}

/// Appends the statements that create the policies, each followed by its cdk-nag
/// acknowledgements, to `out`, rendered `run` at a time. `ids`, `shared` and `nag` are
/// the module's, used by the fleets before.
pub(super) fn push_policies<'a>(
    plan: &'a Plan,
    base: ModuleContext,
    run: usize,
    ids: &mut ConstructIds<'a>,
    shared: &mut Shared<'a>,
    nag: &NagAcknowledgements,
    out: &mut String,
) -> Result<(), Error> {
    let mut policies = Vec::with_capacity(run);
    for (n, chunk) in plan.operator_policies.chunks(run).enumerate() {
        policies.clear();
        for (j, p) in chunk.iter().enumerate() {
            let mut statements = Vec::with_capacity(2);
            push_operator_statements(p, ids, shared, &mut statements);
            let subject = Subject::OperatorPolicy(n * run + j);
            nag.push_statements(subject, &p.id.snake, "policy", &mut statements)?;
            policies.push(statements);
        }
        let ctx = ModuleContext {
            part: Part::Operators,
            operators: &policies,
            ..base
        };
        out.push_str(&super::layout::part(&ctx));
    }
    Ok(())
}

/// The typed attribute of a policy and its docstring. The docstring holds only plan
/// identifiers (the policy's id, fleet names), which need no escaping there.
fn operator_attribute(p: &OperatorPolicy, attributes: &mut Vec<String>) {
    attributes.push(format!(
        "{}: iam.ManagedPolicy\n    \"\"\"Operator policy {}, for whoever opens sessions on {}.\"\"\"",
        p.id.snake,
        p.id.kebab,
        fleets_phrase(&p.fleets)
    ));
}

/// The statements that create a policy: the comment that says who it is for and whom it
/// is attached to, then `self.<attr> = iam.ManagedPolicy(...)`.
fn push_operator_statements<'a>(
    p: &'a OperatorPolicy,
    ids: &mut ConstructIds<'a>,
    shared: &mut Shared<'a>,
    statements: &mut Vec<String>,
) {
    statements.push(comment(&note(p)));
    // Each imported principal gets a construct id of its own: the policy's, the kind and
    // its place in the list (as the TypeScript construct does; never the name, which is
    // free text to the construct tree), suffixed if that is taken.
    let mut import = |callee: &'static str, kind: &str, names: &[String]| {
        let items: Vec<Py> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let id = ids.fresh(format!("{}{kind}{}", p.id.upper_camel, i + 1));
                Py::call(
                    callee,
                    vec![
                        Py::atom("self"),
                        Py::atom(py_str(&id)),
                        Py::atom(py_str(name)),
                    ],
                )
            })
            .collect();
        (!items.is_empty()).then_some(Py::List(items))
    };
    let roles =
        import("iam.Role.from_role_name", "Role", &p.attach_roles).map(|l| l.lay_arg("roles"));
    let groups =
        import("iam.Group.from_group_name", "Group", &p.attach_groups).map(|l| l.lay_arg("groups"));
    let users =
        import("iam.User.from_user_name", "User", &p.attach_users).map(|l| l.lay_arg("users"));
    let name = super::props::name_arg(&p.name);
    let mut args = vec![
        ("", Arg::Code("self")),
        ("", Arg::Str(&p.id.upper_camel)),
        ("managed_policy_name", Arg::Code(&name)),
        ("path", Arg::Str(&p.path)),
        ("description", Arg::Str(&p.description)),
        ("statements", Arg::Code(shared.statements(&p.statements))),
    ];
    for (keyword, list) in [("roles", &roles), ("groups", &groups), ("users", &users)] {
        if let Some(code) = list {
            args.push((keyword, Arg::Code(code)));
        }
    }
    statements.push(call_statement(
        Some(&p.id.snake),
        "iam.ManagedPolicy",
        &args,
    ));
}

/// Who the policy is for, and whom it is attached to (or what to do with it when it is
/// attached to no one).
fn note(p: &OperatorPolicy) -> String {
    let who = format!(
        "Operator policy {}, for whoever opens sessions on {}.",
        p.name,
        fleets_phrase(&p.fleets)
    );
    let kinds = [
        ("role", &p.attach_roles),
        ("group", &p.attach_groups),
        ("user", &p.attach_users),
    ];
    let parts: Vec<String> = kinds
        .iter()
        .filter(|(_, names)| !names.is_empty())
        .map(|(kind, names)| {
            let plural = if names.len() == 1 { "" } else { "s" };
            format!("{kind}{plural} {}", names.join(", "))
        })
        .collect();
    let count: usize = kinds.iter().map(|(_, names)| names.len()).sum();
    match parts.as_slice() {
        [] => format!(
            "{who} Attached to no one: attach it to the operators' users, groups or roles, or give IAM Identity Center the plain JSON in {JSON_FOLDER}/{}.json.",
            p.name
        ),
        [.., last] => {
            let list = match &parts[..parts.len() - 1] {
                [] => last.clone(),
                init => format!("{} and {last}", init.join(", ")),
            };
            let them = if count == 1 { "it" } else { "them" };
            format!("{who} Attached by name to existing {list}: this construct does not create {them}.")
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::targets::cdk_python::test_support::{example_plan as plan_of, module_of as module};
    use serde_json::{json, Value};

    use super::*;
    use crate::plan::{Piece, Text};
    use crate::targets::cdk_python::python::STACK_PSEUDO;

    /// Every `iam.ManagedPolicy(...)` of the module as Python's own parser reads it:
    /// literals as their values, `iam.PolicyStatement(...)` as a dict of its keywords,
    /// imported principals as `[kind, id, name]`, and any other expression (a pseudo
    /// value, in an f-string or alone) as `{<its code>}`; of `<argument's> if <argument>
    /// else <spec's>`, the spec's value (what the defaults synthesize).
    fn policies_read_by_python(code: &str) -> Value {
        const READ: &str = r#"
import ast, json, sys

def value(n):
    if isinstance(n, ast.IfExp):
        return value(n.orelse)
    if isinstance(n, ast.Constant):
        return n.value
    if isinstance(n, ast.JoinedStr):
        return "".join(value(v) for v in n.values)
    if isinstance(n, ast.FormattedValue):
        return "{" + ast.unparse(n.value) + "}"
    if isinstance(n, ast.List):
        return [value(v) for v in n.elts]
    if isinstance(n, ast.Dict):
        return {value(k): value(v) for k, v in zip(n.keys, n.values)}
    if isinstance(n, ast.Call):
        callee = ast.unparse(n.func)
        if callee == "iam.PolicyStatement":
            return {k.arg: value(k.value) for k in n.keywords}
        if callee.endswith((".from_role_name", ".from_group_name", ".from_user_name")):
            return [callee] + [value(a) for a in n.args[1:]]
    return "{" + ast.unparse(n) + "}"

out = []
for node in ast.walk(ast.parse(sys.stdin.read())):
    if isinstance(node, ast.Call) and ast.unparse(node.func) == "iam.ManagedPolicy":
        p = {k.arg: value(k.value) for k in node.keywords}
        p["id"] = value(node.args[1])
        out.append(p)
print(json.dumps(out))
"#;
        crate::targets::cdk_python::test_support::python_json(READ, code)
    }

    /// A plan text as [`policies_read_by_python`] reads it back.
    fn read_text(t: &Text) -> String {
        t.pieces()
            .iter()
            .map(|piece| match piece {
                Piece::Literal(s) => s.clone(),
                p => format!("{{{}}}", STACK_PSEUDO.expr(p).unwrap_or_default()),
            })
            .collect()
    }

    /// The statements of a policy as [`policies_read_by_python`] reads them back.
    fn expected_statements(plan: &Plan, p: &OperatorPolicy) -> Value {
        let statements = p.statements.iter().map(|s| {
            let mut st = json!({
                "sid": s.sid,
                "effect": "{iam.Effect.ALLOW}",
                "actions": s.actions,
                "resources": s.resources.iter().map(|r| read_text(&r.arn(&plan.env))).collect::<Vec<_>>(),
            });
            if !s.conditions.is_empty() {
                let mut by_operator = serde_json::Map::new();
                for c in &s.conditions {
                    let values: Vec<Value> =
                        c.values.iter().map(|v| read_text(v).into()).collect();
                    let v = match values.as_slice() {
                        [single] => single.clone(),
                        _ => values.into(),
                    };
                    let keys = by_operator.entry(c.operator).or_insert_with(|| json!({}));
                    keys[c.key] = v;
                }
                st["conditions"] = by_operator.into();
            }
            st
        });
        statements.collect::<Vec<_>>().into()
    }

    #[test]
    fn operator_policies_render_with_their_statements_and_attachments() {
        for example in ["operators-encrypted.yaml", "hybrid-operators.yaml"] {
            let plan = plan_of(example);
            assert!(!plan.operator_policies.is_empty());
            let code = module(&plan);
            let read = policies_read_by_python(&code);
            let read = read.as_array().expect("list");
            // The fleets' policies come first, then the operators', in plan order.
            let ops = &read[read.len() - plan.operator_policies.len()..];
            for (got, p) in ops.iter().zip(&plan.operator_policies) {
                assert_eq!(got["id"], p.id.upper_camel.as_str());
                assert_eq!(got["managed_policy_name"], p.name.as_str());
                assert_eq!(got["path"], p.path.as_str());
                assert_eq!(got["description"], p.description.as_str());
                assert_eq!(
                    got["statements"],
                    expected_statements(&plan, p),
                    "{}",
                    p.name
                );
                for (keyword, callee, names) in [
                    ("roles", "iam.Role.from_role_name", &p.attach_roles),
                    ("groups", "iam.Group.from_group_name", &p.attach_groups),
                    ("users", "iam.User.from_user_name", &p.attach_users),
                ] {
                    let attached: Vec<Value> = got[keyword]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|i| {
                            assert_eq!(i[0], callee);
                            i[2].clone()
                        })
                        .collect();
                    assert_eq!(&attached, names, "{keyword} of {}", p.name);
                }
                assert!(code.contains(&format!(
                    "\n    {}: iam.ManagedPolicy\n    \"\"\"Operator policy ",
                    p.id.snake
                )));
                assert!(code.contains(&format!("        # Operator policy {}, for ", p.name)));
            }
            // After the fleets and the service settings, before the outputs.
            let first = code.find("# Operator policy ").expect("comment");
            let last_fleet = code.rfind("        # Fleet ").expect("fleet");
            assert!(last_fleet < first);
            assert!(code[first..].contains("        if outputs:"));
            if let Some(settings) = code.find("# Service settings hold") {
                assert!(settings < first);
            }
        }
    }

    #[test]
    fn imported_principals_get_unique_construct_ids() {
        let mut plan = plan_of("operators-encrypted.yaml");
        // Names that would map to the same id part, an id a plan resource holds, and the
        // same role attached to two policies.
        plan.roles[0].id = crate::plan::Ident::new("oncall-operator-policy-role4");
        let p = &mut plan.operator_policies[0];
        p.attach_roles = vec!["a-b".into(), "a_b".into(), "A.b".into(), "taken".into()];
        p.attach_users = vec!["x".into()];
        plan.operator_policies[1].attach_roles = vec!["a-b".into()];
        let code = module(&plan);
        let read = policies_read_by_python(&code);
        let mut ids: Vec<String> = plan
            .roles
            .iter()
            .map(|r| r.id.upper_camel.clone())
            .collect();
        for p in read.as_array().into_iter().flatten() {
            ids.push(p["id"].as_str().expect("id").to_string());
            for k in ["roles", "groups", "users"] {
                for i in p[k].as_array().into_iter().flatten() {
                    if let Some(id) = i[1].as_str() {
                        ids.push(id.to_string());
                    }
                }
            }
        }
        let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{ids:?}");
        for id in [
            "OncallOperatorPolicyRole1",
            "OncallOperatorPolicyRole2",
            "OncallOperatorPolicyRole3",
            "OncallOperatorPolicyRole42",
            "OncallOperatorPolicyUser1",
            "DeployerOperatorPolicyRole1",
        ] {
            assert!(ids.iter().any(|i| i == id), "{id} in {ids:?}");
        }
        // The same plan renders the same ids.
        assert_eq!(module(&plan), code);
    }

    #[test]
    fn policy_variables_reach_the_code_literally() {
        let plan = plan_of("operators-encrypted.yaml");
        let code = module(&plan);
        let mut seen = 0;
        for var in ["${aws:userid}", "${aws:username}"] {
            let in_plan = plan.operator_policies.iter().any(|p| {
                p.statements.iter().any(|s| {
                    s.resources
                        .iter()
                        .any(|r| read_text(&r.arn(&plan.env)).contains(var))
                        || s.conditions
                            .iter()
                            .any(|c| c.values.iter().any(|v| read_text(v).contains(var)))
                })
            });
            if in_plan {
                seen += 1;
                // In a plain literal as itself, in an f-string with doubled braces;
                // never as an f-string placeholder.
                let doubled = var.replace('{', "{{").replace('}', "}}");
                assert!(code.contains(var) || code.contains(&doubled), "{var}");
            }
        }
        assert!(seen > 0, "the example has no policy variable");
        // Read back by Python, each is the literal text again (and the statements as a
        // whole are, in the test above).
        let read = policies_read_by_python(&code).to_string();
        assert!(read.contains("${aws:userid}") || read.contains("${aws:username}"));
    }

    #[test]
    fn notes_say_whom_a_policy_is_attached_to() {
        let plan = plan_of("hybrid-operators.yaml");
        let [engineers, automation] = [0, 1].map(|i| note(&plan.operator_policies[i]));
        assert!(engineers.contains("Attached to no one"));
        assert!(engineers.ends_with("operator-policies/plant-engineers-operator.json."));
        assert!(automation.ends_with(
            "Attached by name to existing role plant-automation: this construct does not create it."
        ));
        let mut p = plan.operator_policies[1].clone();
        p.attach_groups = vec!["g".into()];
        p.attach_users = vec!["u1".into(), "u2".into()];
        assert!(note(&p).ends_with(
            "existing role plant-automation, group g and users u1, u2: this construct does not create them."
        ));
    }

    #[test]
    fn operator_policies_do_not_depend_on_the_run_length() {
        let plan = plan_of("operators-encrypted.yaml");
        let construct = crate::targets::cdk_python::construct_in_runs;
        let whole = construct(&plan, "m", "C", 64).expect("renders");
        assert!(construct(&plan, "m", "C", 1).expect("renders") == whole);
    }

    #[test]
    fn plans_without_operators_render_nothing_new() {
        for example in ["mixed-fleets.yaml", "session-preferences.yaml"] {
            let plan = plan_of(example);
            assert!(plan.operator_policies.is_empty());
            let code = module(&plan);
            // (The methods' docstrings speak of operators; no operator policy is made.)
            assert!(!code.contains("Operator policy") && !code.contains("operator_policy"));
            assert!(!code.contains("OperatorPolicy"));
            assert!(!code.contains("iam.Group") && !code.contains("iam.User"));
        }
    }
}
