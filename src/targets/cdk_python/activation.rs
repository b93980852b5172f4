//! The hybrid activations of the construct, as CDK Python (issue 11): CloudFormation has
//! no activation resource, so when the plan has an activation provider the construct
//! writes it (ACTIVATION-PROVIDER.md): the function's log group, its execution role and
//! that role's policy, one Secrets Manager secret per activation, the function, its
//! asynchronous invoke configuration, then one `cdk.CustomResource` per activation. The
//! plan decides every value; this file only spells them, with the construct ids of the
//! plan (the same as the CDK TypeScript target's, so both synthesize the same template).
//!
//! The provider's resources are local variables of `__init__` named after the plan's
//! idents (`activation_provider_logs`, `plc_gateways_activation_secret`, ...); each
//! secret is also a public attribute of the same name, an `ISecret` the app can grant
//! reading to. Nothing writes the activation code: no output, no attribute of the custom
//! resource, no reference to the secret's value.
//!
//! Names follow `generated_names` as every other name of the construct does: the
//! function's, its log group's and the secrets' are left to CloudFormation when asked,
//! and the statements and properties that name them then refer to the resources
//! instead. Hybrid service roles keep their names: an activation names its role.

use super::iam::{push_tag_statements_on, Shared};
use super::ids::ConstructIds;
use super::layout::BODY;
use super::nag::NagAcknowledgements;
use super::props::name_arg;
use super::python::{call_statement, Arg, Py, ARG_INDENT, BODY_INDENT};
use super::ssm::comment;
use super::{missing, policy_at, role_at, ModuleContext, Part, CONSTRUCT};
use crate::error::Error;
use crate::facts;
use crate::plan::activation_provider::{activation_properties, Property};
use crate::plan::{ActivationProvider, ActivationSecret, FleetPlan, Plan, ProviderRole, Subject};
use crate::render::escape::py_str;

/// The local variable that holds the renewal value.
const RENEWAL: &str = "renewal";

/// The Python runtimes aws-cdk-lib 2.275.0 has a constant for (`lambda_.Runtime.PYTHON_3_14`);
/// any other is written with the `lambda_.Runtime` constructor.
const RUNTIME_CONSTANTS: [&str; 5] = [
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
];

/// `logs.RetentionDays.<member>` for a number of days, or an error for a number the
/// enum has no member for (CDK would not write it).
pub(super) fn retention(days: u32) -> Result<String, Error> {
    match crate::targets::cdk_enums::log_retention_member(days) {
        Some(member) => Ok(format!("logs.RetentionDays.{member}")),
        None => Err(Error::Render {
            template: CONSTRUCT.into(),
            message: format!("a log retention of {days} days has no logs.RetentionDays member"),
        }),
    }
}

/// The function's runtime: the `lambda_.Runtime` constant, or the constructor for a
/// Python runtime without one. The handler is Python, so any other runtime is refused.
pub(super) fn runtime(name: &str) -> Result<String, Error> {
    if RUNTIME_CONSTANTS.contains(&name) {
        return Ok(format!(
            "lambda_.Runtime.PYTHON_{}",
            name["python".len()..].replace('.', "_")
        ));
    }
    if name.starts_with("python") {
        return Ok(format!(
            "lambda_.Runtime({}, lambda_.RuntimeFamily.PYTHON)",
            py_str(name)
        ));
    }
    Err(Error::Render {
        template: CONSTRUCT.into(),
        message: format!("the activation handler is Python; runtime {name:?} is not"),
    })
}

/// The handler's source as `lambda_.Code.from_inline(...)`, the value of the `code`
/// argument: one string literal per line, which Python concatenates, so that the module
/// shows the handler as it runs.
fn inline_code(code: &str) -> String {
    if code.is_empty() {
        return "lambda_.Code.from_inline(\"\")".into();
    }
    let mut out = String::with_capacity(code.len() * 11 / 10 + 64);
    out.push_str("lambda_.Code.from_inline(");
    for line in code.split_inclusive('\n') {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', ARG_INDENT + 4));
        out.push_str(&py_str(line));
    }
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', ARG_INDENT));
    out.push(')');
    out
}

/// `<local> = <callee>(...)`, laid out as [`call_statement`] lays out every call.
fn assign(local: &str, callee: &str, args: &[(&str, Arg)]) -> String {
    format!("{local} = {}", call_statement(None, callee, args))
}

/// `self.<attr> = <value>`, the value in parentheses when the line up to its first
/// bracket would be too long, as black writes it.
fn assign_attribute(attr: &str, value: &Py) -> String {
    let head = BODY_INDENT + "self.".len() + attr.len() + " = ".len();
    let opening = match value {
        Py::Call(callee, _) => callee.len() + 1,
        _ => 0,
    };
    if head + opening <= 88 {
        return format!("self.{attr} = {}", value.lay(BODY_INDENT, head, 0));
    }
    let inner = BODY_INDENT + 4;
    format!(
        "self.{attr} = (\n{}{}\n{})",
        " ".repeat(inner),
        value.lay(inner, inner, 0),
        " ".repeat(BODY_INDENT)
    )
}

/// `<target>.node.add_dependency(<constructs>)`, as a statement indented by `indent`.
fn depend(target: &str, on: &[String], indent: usize) -> String {
    Py::Method(
        Box::new(Py::atom(format!("{target}.node"))),
        "add_dependency",
        on.iter().map(|c| (None, Py::atom(c.as_str()))).collect(),
    )
    .lay(indent, indent, 0)
}

fn provider(plan: &Plan) -> Option<&ActivationProvider> {
    plan.activation_provider.as_ref()
}

/// The typed public attributes of the secrets, rendered as the module's attributes are
/// (nothing without a provider). Fleet names are plan identifiers, safe in docstrings.
pub(super) fn attributes(plan: &Plan, base: ModuleContext) -> Result<String, Error> {
    let Some(p) = provider(plan) else {
        return Ok(String::new());
    };
    let mut attributes = Vec::with_capacity(p.secrets.len());
    for s in &p.secrets {
        let fleet = fleet_of(plan, s.activation)?;
        attributes.push(format!(
            "{}: secretsmanager.ISecret\n    \"\"\"Secret of the hybrid activation of fleet {fleet}: its id and code, written by\n    the activation function (``grant_read`` lets a principal read them).\"\"\"",
            s.id.snake
        ));
    }
    Ok(super::layout::part(&ModuleContext {
        part: Part::Attributes,
        attributes: &attributes,
        ..base
    }))
}

/// The fleet an activation is for.
fn fleet_of(plan: &Plan, activation: usize) -> Result<&str, Error> {
    let a = plan
        .activations
        .get(activation)
        .ok_or_else(|| missing("activation", activation))?;
    Ok(&role_at(plan, a.role)?.fleet)
}

/// The whole section of `__init__` (nothing without a provider): a comment, then every
/// statement after a line break at the body's indentation.
pub(super) fn section<'a>(
    plan: &'a Plan,
    ids: &mut ConstructIds<'a>,
    shared: &mut Shared<'a>,
    nag: &NagAcknowledgements,
) -> Result<String, Error> {
    let Some(p) = provider(plan) else {
        return Ok(String::new());
    };
    let mut st: Vec<String> = Vec::with_capacity(16 + 12 * p.secrets.len());
    st.push(comment("Hybrid activations. CloudFormation has no activation resource: a custom resource per activation, answered by one Lambda function, creates it, replaces it when its properties change and deletes it with the stack. Its id and code go to a Secrets Manager secret of its own, never to an output or an attribute."));
    st.push(format!(
        "{RENEWAL} = {} if {} is None else {}",
        py_str(p.renewal_default),
        p.renewal.snake,
        p.renewal.snake
    ));

    let logs = &p.log_group;
    let logs_local = logs.id.snake.as_str();
    st.push(comment("The function's log group, created first so that Lambda never creates it (without a retention). It goes with the stack, as CloudFormation's own default for a log group is."));
    st.push(assign(
        logs_local,
        "logs.LogGroup",
        &[
            ("", Arg::Code("self")),
            ("", Arg::Str(&logs.id.upper_camel)),
            ("log_group_name", Arg::Code(&name_arg(&logs.name))),
            ("retention", Arg::Code(&retention(logs.retention_days)?)),
            ("removal_policy", Arg::Code("cdk.RemovalPolicy.DESTROY")),
        ],
    ));
    nag.push_statements_on(Subject::ProviderLogGroup, logs_local, "log group", &mut st)?;

    let role = &p.role;
    let role_local = role.id.snake.as_str();
    st.push(assign(
        role_local,
        "iam.Role",
        &[
            ("", Arg::Code("self")),
            ("", Arg::Str(&role.id.upper_camel)),
            ("path", Arg::Str(&role.path)),
            ("description", Arg::Str(&role.description)),
            ("assumed_by", Arg::Code(&principal(role))),
        ],
    ));
    push_tag_statements_on(role_local, &role.tags, &mut st);

    for (i, s) in p.secrets.iter().enumerate() {
        let local = s.id.snake.as_str();
        st.push(comment(&format!(
            "The secret the function writes the id and code of the activation of fleet {} to. Created empty: the function's first write gives it its first value.",
            fleet_of(plan, s.activation)?
        )));
        st.push(assign(
            local,
            "secretsmanager.CfnSecret",
            &[
                ("", Arg::Code("self")),
                ("", Arg::Str(&s.id.upper_camel)),
                ("name", Arg::Code(&name_arg(&s.name))),
                ("description", Arg::Str(&s.description)),
            ],
        ));
        push_tag_statements_on(local, &s.tags, &mut st);
        nag.push_statements_on(Subject::ActivationSecret(i), local, "secret", &mut st)?;
        let import = Py::call(
            "secretsmanager.Secret.from_secret_complete_arn",
            vec![
                Py::atom("self"),
                Py::atom(py_str(&ids.fresh(format!("{}Ref", s.id.upper_camel)))),
                Py::atom(format!("{local}.ref")),
            ],
        );
        st.push(assign_attribute(local, &import));
    }

    let policy_local = format!("{}_policy", p.id.snake);
    let policy_id = format!("{}Policy", p.id.upper_camel);
    let roles = Py::List(vec![Py::atom(role_local)]).lay_arg("roles");
    st.push(comment(
        "The function's permissions: exactly the calls the handler makes.",
    ));
    st.push(assign(
        &policy_local,
        "iam.ManagedPolicy",
        &[
            ("", Arg::Code("self")),
            ("", Arg::Str(&policy_id)),
            ("path", Arg::Str(&role.path)),
            ("description", Arg::Str(&role.policy_description)),
            ("statements", Arg::Code(shared.statements(&role.statements))),
            ("roles", Arg::Code(&roles)),
        ],
    ));
    nag.push_statements_on(Subject::ProviderRole, &policy_local, "policy", &mut st)?;

    let fn_local = p.id.snake.as_str();
    let role_ref = Py::Call(
        "iam.Role.from_role_arn",
        vec![
            (None, Py::atom("self")),
            (
                None,
                Py::atom(py_str(&ids.fresh(format!("{}Ref", role.id.upper_camel)))),
            ),
            (None, Py::atom(format!("{role_local}.role_arn"))),
            (Some("mutable"), Py::atom("False")),
        ],
    )
    .lay_arg("role");
    let function_name = name_arg(&p.function_name);
    st.push(comment("The function that answers the custom resources below. Its role is an immutable reference: the role itself would make CDK add a dependency cfn-lint reports as obsolete (W3005, aws-cdk issue 24578). The policy comes first through the dependency below, the log group through log_group."));
    st.push(assign(
        fn_local,
        "lambda_.Function",
        &[
            ("", Arg::Code("self")),
            ("", Arg::Str(&p.id.upper_camel)),
            ("function_name", Arg::Code(&function_name)),
            ("description", Arg::Str(&p.description)),
            ("runtime", Arg::Code(&runtime(p.runtime)?)),
            ("handler", Arg::Str(p.handler)),
            ("code", Arg::Code(&inline_code(p.code))),
            (
                "timeout",
                Arg::Code(&format!("cdk.Duration.seconds({})", p.timeout_seconds)),
            ),
            ("memory_size", Arg::Code(&p.memory_mb.to_string())),
            ("role", Arg::Code(&role_ref)),
            ("log_group", Arg::Code(logs_local)),
        ],
    ));
    st.push(depend(
        fn_local,
        std::slice::from_ref(&policy_local),
        BODY_INDENT,
    ));
    nag.push_statements_on(Subject::ProviderFunction, fn_local, "function", &mut st)?;

    let invoke = &p.invoke_config;
    let invoke_local = invoke.id.snake.as_str();
    st.push(comment("CloudFormation invokes the function asynchronously, and Lambda retries a failed asynchronous invocation: a retry could create an activation nothing deletes. No retries, and no event kept longer than CloudFormation waits for the answer."));
    st.push(assign(
        invoke_local,
        "lambda_.EventInvokeConfig",
        &[
            ("", Arg::Code("self")),
            ("", Arg::Str(&invoke.id.upper_camel)),
            ("function", Arg::Code(fn_local)),
            ("qualifier", Arg::Str("$LATEST")),
            (
                "retry_attempts",
                Arg::Code(&invoke.max_retry_attempts.to_string()),
            ),
            (
                "max_event_age",
                Arg::Code(&format!(
                    "cdk.Duration.seconds({})",
                    invoke.max_event_age_seconds
                )),
            ),
        ],
    ));

    // Each activation's fleet (for the hybrid role, or its session policy, it names)
    // and secret, looked up once: a spec may hold thousands.
    let mut fleets = vec![None; plan.activations.len()];
    for f in &plan.fleets {
        if let Some(slot) = f.activation.and_then(|a| fleets.get_mut(a)) {
            *slot = Some(f);
        }
    }
    let mut secrets = vec![None; plan.activations.len()];
    for s in &p.secrets {
        if let Some(slot) = secrets.get_mut(s.activation) {
            *slot = Some(s);
        }
    }
    let names = Names {
        function: fn_local,
        policy: &policy_local,
        invoke_config: invoke_local,
    };
    for (i, (fleet, secret)) in fleets.into_iter().zip(secrets).enumerate() {
        let fleet = fleet.ok_or_else(|| missing("fleet of activation", i))?;
        let secret = secret.ok_or_else(|| missing("secret of activation", i))?;
        push_activation(plan, p, i, fleet, secret, &names, &mut st)?;
    }

    let mut out = String::with_capacity(st.iter().map(|s| s.len() + 9).sum::<usize>() + 2);
    out.push('\n');
    for s in &st {
        out.push_str(BODY);
        out.push_str(s);
    }
    Ok(out)
}

/// The local variables of the provider's resources an activation refers to.
struct Names<'n> {
    function: &'n str,
    policy: &'n str,
    invoke_config: &'n str,
}

/// The statements of activation `i`: a comment (expiry, where the id and code are, how
/// to re-issue), the custom resource and its dependencies.
fn push_activation(
    plan: &Plan,
    p: &ActivationProvider,
    i: usize,
    fleet: &FleetPlan,
    secret: &ActivationSecret,
    names: &Names,
    st: &mut Vec<String>,
) -> Result<(), Error> {
    let a = plan
        .activations
        .get(i)
        .ok_or_else(|| missing("activation", i))?;
    // The role must exist, with its permissions, before CreateActivation names it.
    let hybrid = match fleet.policy {
        Some(j) => policy_at(plan, j)?.id.snake.as_str(),
        None => role_at(plan, a.role)?.id.snake.as_str(),
    };
    let local = a.id.snake.as_str();
    st.push(comment(&format!(
        "The hybrid activation of fleet {}. It expires {} hours after it is created (30 days at most), and nodes register only before then. Its id and code are in the secret self.{} (aws secretsmanager get-secret-value --secret-id {}, or the secret's ARN with generated_names). To re-issue it, and every other activation, pass a new {}.",
        fleet.name, a.expiry_hours, secret.id.snake, secret.name, p.renewal.snake
    )));
    let properties = properties(plan, i, &secret.id.snake)?.lay_arg("properties");
    let timeout = format!("cdk.Duration.seconds({})", p.service_timeout_seconds);
    st.push(assign(
        local,
        "cdk.CustomResource",
        &[
            ("", Arg::Code("self")),
            ("", Arg::Str(&a.id.upper_camel)),
            (
                "service_token",
                Arg::Code(&format!("{}.function_arn", names.function)),
            ),
            ("resource_type", Arg::Str(facts::ACTIVATION_RESOURCE_TYPE)),
            ("service_timeout", Arg::Code(&timeout)),
            ("properties", Arg::Code(&properties)),
        ],
    ));
    let on = [
        names.policy.to_string(),
        names.invoke_config.to_string(),
        format!("self.{hybrid}"),
    ];
    st.push(depend(local, &on, BODY_INDENT));
    st.push(format!(
        "# SecretId names the secret, which must exist first; with generated_names it\n        # refers to the secret, which orders it already.\n        if not generated_names:\n            {}",
        depend(local, std::slice::from_ref(&secret.id.snake), BODY_INDENT + 4)
    ));
    Ok(())
}

/// `assumed_by` of the provider's role: its service principal, with the plan's
/// conditions if it has any (it has none today).
fn principal(role: &ProviderRole) -> String {
    super::iam::assumed_by(&role.trust)
}

/// The custom resource's properties, in the plan's order (`activation_properties`),
/// then `Renewal`. `SecretId` is the secret's name, or its ARN with generated names.
fn properties(plan: &Plan, activation: usize, secret: &str) -> Result<Py, Error> {
    let mut entries = Vec::new();
    for (key, value) in activation_properties(plan, activation) {
        let value = match value {
            Property::Str(s) if key == "SecretId" => Py::atom(format!(
                "{secret}.ref if generated_names else {}",
                py_str(&s)
            )),
            Property::Str(s) => Py::atom(py_str(&s)),
            Property::Tags(tags) => Py::List(
                tags.iter()
                    .map(|(k, v)| {
                        Py::Dict(vec![
                            (py_str("Key"), Py::atom(py_str(k))),
                            (py_str("Value"), Py::atom(py_str(v))),
                        ])
                    })
                    .collect(),
            ),
        };
        entries.push((py_str(key), value));
    }
    if !entries.iter().any(|(k, _)| k == "\"SecretId\"") {
        return Err(missing("secret of activation", activation));
    }
    entries.push((py_str("Renewal"), Py::atom(RENEWAL)));
    Ok(Py::Dict(entries))
}

#[cfg(test)]
mod tests;
