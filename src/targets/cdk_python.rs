//! AWS CDK v2 for Python: one construct class that holds every role, instance profile,
//! policy and output of the plan; with `--scaffold`, a whole CDK app around it.
//!
//! Every value comes from the plan and reaches the code through the Python escapers
//! (`py_str`, `py_text`). Code identifiers (class, attributes, module) and the comments
//! and docstrings are built only from the plan's [`Ident`]s, which come from project and
//! fleet names that validation restricts to lowercase letters, digits and hyphens.
//!
//! The output is laid out as `black` (line length 88) would leave it: calls whose
//! arguments do not fit on one line are exploded one argument a line with a trailing
//! ("magic") comma, which `black` keeps; everything else is written on one line. The
//! decision is made here, in [`Py::lay`], so that templates only place the pieces.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use heck::ToUpperCamelCase;
use serde::Serialize;

use super::{activation, Options, OutFile, Target};
use crate::error::Error;
use crate::plan::{
    Attachment, Condition, Effect, Ident, Mode, OutputValue, Piece, Plan, Platform, Role,
    Statement, Text,
};
use crate::render::escape::{py_str, CDK_PSEUDO};
use crate::render::{self, Template};

const CONSTRUCT: &str = "cdk-python/construct.py";
const APP: &str = "cdk-python/app.py";
const CDK_JSON: &str = "cdk-python/cdk.json";
const REQUIREMENTS: &str = "cdk-python/requirements.txt";

pub const TEMPLATES: &[Template] = &[
    (
        CONSTRUCT,
        include_str!("../../templates/cdk-python/construct.py.tera"),
    ),
    (APP, include_str!("../../templates/cdk-python/app.py.tera")),
    (
        CDK_JSON,
        include_str!("../../templates/cdk-python/cdk.json.tera"),
    ),
    (
        REQUIREMENTS,
        include_str!("../../templates/cdk-python/requirements.txt.tera"),
    ),
];

/// The aws-cdk-lib release the scaffolded app pins: the one the generated code was
/// synthesized and linted with. `ServicePrincipal.from_static_service_principle_name`
/// (which keeps the plan's exact principal) needs 2.163.0 or later.
pub const AWS_CDK_LIB_VERSION: &str = "2.275.0";

/// The constructs major version aws-cdk-lib v2 is built on.
const CONSTRUCTS_REQUIREMENT: &str = ">=10.0.0,<11.0.0";

/// `black`'s default line length.
const LINE_LENGTH: usize = 88;

/// Indentation of the keyword arguments of a call in `__init__` (class, method, call),
/// as `construct.py.tera` writes them.
const ARG_INDENT: usize = 12;

/// Indentation of a statement in `__init__`.
const BODY_INDENT: usize = 8;

/// Indentation of the arguments of the stack call at the bottom of `app.py`.
const APP_ARG_INDENT: usize = 4;

pub struct CdkPython;

impl Target for CdkPython {
    fn name(&self) -> &'static str {
        "cdk-python"
    }

    fn render(&self, plan: &Plan, options: &Options) -> Result<Vec<OutFile>, Error> {
        let module = format!("{}_ssm_access", plan.project.snake);
        let class_name = format!("{}SsmAccess", plan.project.upper_camel);
        let ctx = module_context(plan, &module, &class_name)?;
        let mut files = vec![OutFile {
            path: PathBuf::from(format!("{module}.py")),
            contents: render::render(CONSTRUCT, &ctx)?,
        }];
        if options.scaffold {
            let app = app_context(plan, &module, &class_name);
            files.push(OutFile {
                path: PathBuf::from("app.py"),
                contents: render::render(APP, &app)?,
            });
            files.push(OutFile {
                path: PathBuf::from("cdk.json"),
                contents: render::render(CDK_JSON, &app)?,
            });
            files.push(OutFile {
                path: PathBuf::from("requirements.txt"),
                contents: render::render(REQUIREMENTS, &app)?,
            });
        }
        if let Some(script) = activation::script(plan, "CDK app")? {
            files.push(script);
        }
        Ok(files)
    }
}

/// Context of `templates/cdk-python/construct.py.tera`.
#[derive(Serialize)]
struct ModuleContext<'a> {
    /// The project name (comments and docstrings).
    project: &'a str,
    /// The module's name, for the usage example.
    module: &'a str,
    /// The construct class.
    class_name: &'a str,
    /// Whether the module uses `cdk.` (outputs, tags, pseudo values), so that an unused
    /// import is never written.
    imports_cdk: bool,
    /// Whether `create-activations.sh` is written beside the module.
    has_activations: bool,
    /// The typed public attributes, declared on the class with a docstring each.
    attributes: Vec<Attribute>,
    /// The resources, grouped by fleet in spec order.
    fleets: Vec<FleetBlock<'a>>,
    /// `cdk.CfnOutput`s, in plan order.
    outputs: Vec<OutputBlock<'a>>,
}

/// A public attribute of the construct.
#[derive(Serialize)]
struct Attribute {
    /// Python attribute name (`web_role`).
    name: String,
    /// Its type (`iam.Role`).
    type_name: &'static str,
    /// One-line docstring.
    doc: String,
}

/// The resources of one fleet.
#[derive(Serialize)]
struct FleetBlock<'a> {
    /// Fleet name, for the comment above its resources.
    name: &'a str,
    platform: Platform,
    mode: Mode,
    role: Option<RoleBlock<'a>>,
    instance_profile: Option<ProfileBlock<'a>>,
    policy: Option<PolicyBlock<'a>>,
}

/// An `iam.Role`.
#[derive(Serialize)]
struct RoleBlock<'a> {
    /// Attribute holding the role (`web_role`).
    attr: &'a str,
    /// Construct id (`WebRole`).
    construct_id: &'a str,
    name: &'a str,
    path: &'a str,
    description: &'a str,
    /// The `assumed_by` value, laid out for its place in the call.
    assumed_by: String,
    /// The `managed_policies` value, when the role has AWS managed policies.
    managed_policies: Option<String>,
    /// The `permissions_boundary` value, when the spec sets one.
    permissions_boundary: Option<String>,
    /// One `cdk.Tags.of(...).add(...)` statement per tag, sorted by key.
    tags: Vec<String>,
    /// A hybrid activation's service role, whose identity must not change.
    hybrid: bool,
}

/// An `iam.InstanceProfile`.
#[derive(Serialize)]
struct ProfileBlock<'a> {
    attr: &'a str,
    construct_id: &'a str,
    /// Attribute holding the profile's role.
    role_attr: &'a str,
    name: &'a str,
    path: &'a str,
}

/// An `iam.ManagedPolicy` with the plan's statements.
#[derive(Serialize)]
struct PolicyBlock<'a> {
    attr: &'a str,
    construct_id: &'a str,
    name: &'a str,
    path: &'a str,
    description: &'a str,
    /// The `statements` value, laid out.
    statements: String,
    /// The `roles` value, laid out (a generated role or an imported existing one).
    roles: String,
}

/// A `cdk.CfnOutput`.
#[derive(Serialize)]
struct OutputBlock<'a> {
    construct_id: &'a str,
    /// The Python expression of the value (an attribute of a generated resource).
    value: String,
    description: &'a str,
}

/// Context of the scaffold templates (`app.py`, `cdk.json`, `requirements.txt`).
#[derive(Serialize)]
struct AppContext<'a> {
    project: &'a str,
    /// Module holding the construct.
    module: &'a str,
    class_name: &'a str,
    /// The stack class of the app.
    stack_class: String,
    /// The stack's construct id, which is also its stack name.
    stack_id: String,
    /// The stack's description.
    description: String,
    /// The `env` value when the spec pins the account or the Region, laid out.
    env: Option<String>,
    aws_cdk_lib_version: &'static str,
    constructs_requirement: &'static str,
}

fn module_context<'a>(
    plan: &'a Plan,
    module: &'a str,
    class_name: &'a str,
) -> Result<ModuleContext<'a>, Error> {
    let mut ids = ConstructIds::new(plan);
    let mut attributes = Vec::new();
    let mut fleets = Vec::new();
    for fleet in &plan.fleets {
        let fleet_id = Ident::new(&fleet.name);
        let role = fleet.role.map(|i| role_at(plan, i)).transpose()?;
        let role_block = role.map(|r| role_block(r, &mut ids));
        if let Some(r) = role {
            attributes.push(Attribute {
                name: r.id.snake.clone(),
                type_name: "iam.Role",
                doc: match r.platform {
                    Platform::Ec2 => format!(
                        "Role of fleet {}; its instances get it through an instance profile.",
                        fleet.name
                    ),
                    Platform::Hybrid => format!(
                        "Service role of fleet {}, named by its hybrid activation.",
                        fleet.name
                    ),
                },
            });
        }
        let profile_block = match fleet.instance_profile {
            Some(i) => {
                let p = plan
                    .instance_profiles
                    .get(i)
                    .ok_or_else(|| missing("instance profile", i))?;
                let r = role_at(plan, p.role)?;
                attributes.push(Attribute {
                    name: p.id.snake.clone(),
                    type_name: "iam.InstanceProfile",
                    doc: format!(
                        "Instance profile to attach to the EC2 instances of fleet {}.",
                        fleet.name
                    ),
                });
                Some(ProfileBlock {
                    attr: &p.id.snake,
                    construct_id: &p.id.upper_camel,
                    role_attr: &r.id.snake,
                    name: &p.name,
                    path: &p.path,
                })
            }
            None => None,
        };
        let policy_block = match fleet.policy {
            Some(i) => {
                let p = plan.policies.get(i).ok_or_else(|| missing("policy", i))?;
                let role = match &p.attachment {
                    Attachment::Role(r) => {
                        Py::atom(format!("self.{}", role_at(plan, *r)?.id.snake))
                    }
                    Attachment::ExistingRole(name) => Py::call(
                        "iam.Role.from_role_name",
                        vec![
                            Py::atom("self"),
                            Py::atom(py_str(
                                &ids.fresh(format!("{}ExistingRole", fleet_id.upper_camel)),
                            )),
                            Py::atom(py_str(name)),
                        ],
                    ),
                };
                attributes.push(Attribute {
                    name: p.id.snake.clone(),
                    type_name: "iam.ManagedPolicy",
                    doc: match &p.attachment {
                        Attachment::Role(_) => format!(
                            "Session Manager policy of fleet {}, attached to its role.",
                            fleet.name
                        ),
                        Attachment::ExistingRole(_) => format!(
                            "Session Manager policy of fleet {}, attached to its existing role.",
                            fleet.name
                        ),
                    },
                });
                let statements =
                    Py::List(p.statements.iter().map(|s| statement(plan, s)).collect());
                Some(PolicyBlock {
                    attr: &p.id.snake,
                    construct_id: &p.id.upper_camel,
                    name: &p.name,
                    path: &p.path,
                    description: &p.description,
                    statements: statements.lay_arg("statements"),
                    roles: Py::List(vec![role]).lay_arg("roles"),
                })
            }
            None => None,
        };
        fleets.push(FleetBlock {
            name: &fleet.name,
            platform: fleet.platform,
            mode: fleet.mode,
            role: role_block,
            instance_profile: profile_block,
            policy: policy_block,
        });
    }
    let outputs = plan
        .outputs
        .iter()
        .map(|o| {
            let value = match o.value {
                OutputValue::RoleArn { role } => {
                    format!("self.{}.role_arn", role_at(plan, role)?.id.snake)
                }
                OutputValue::RoleName { role } => {
                    format!("self.{}.role_name", role_at(plan, role)?.id.snake)
                }
                OutputValue::InstanceProfileName { profile } => format!(
                    "self.{}.instance_profile_name",
                    plan.instance_profiles
                        .get(profile)
                        .ok_or_else(|| missing("instance profile", profile))?
                        .id
                        .snake
                ),
            };
            Ok(OutputBlock {
                construct_id: &o.id.upper_camel,
                value,
                description: &o.description,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let imports_cdk = !outputs.is_empty()
        || plan.roles.iter().any(|r| !r.tags.is_empty())
        || !plan.pseudos().is_empty();
    Ok(ModuleContext {
        project: &plan.project.kebab,
        module,
        class_name,
        imports_cdk,
        has_activations: !plan.activations.is_empty(),
        attributes,
        fleets,
        outputs,
    })
}

fn role_block<'a>(role: &'a Role, ids: &mut ConstructIds) -> RoleBlock<'a> {
    let principal = Py::call(
        "iam.ServicePrincipal.from_static_service_principle_name",
        vec![Py::atom(py_text(&role.trust.service))],
    );
    let assumed_by = if role.trust.conditions.is_empty() {
        principal
    } else {
        Py::Method(
            Box::new(principal),
            "with_conditions",
            vec![(None, conditions(&role.trust.conditions))],
        )
    };
    // The plan gives each managed policy's ARN; importing by ARN (not by name, which
    // makes CDK build its own ARN) keeps the plan the one source of every ARN.
    let managed: Vec<Py> = role
        .managed_policies
        .iter()
        .map(|m| {
            let id = ids.fresh(format!(
                "{}{}",
                role.id.upper_camel,
                m.name.to_upper_camel_case()
            ));
            import_policy(&id, py_text(&m.arn))
        })
        .collect();
    let boundary = role.permissions_boundary.as_ref().map(|arn| {
        let id = ids.fresh(format!("{}PermissionsBoundary", role.id.upper_camel));
        import_policy(&id, py_text(arn)).lay_arg("permissions_boundary")
    });
    let tags = role
        .tags
        .iter()
        .map(|(k, v)| {
            Py::Method(
                Box::new(Py::call(
                    "cdk.Tags.of",
                    vec![Py::atom(format!("self.{}", role.id.snake))],
                )),
                "add",
                vec![(None, Py::atom(py_str(k))), (None, Py::atom(py_str(v)))],
            )
            .lay(BODY_INDENT, BODY_INDENT, 0)
        })
        .collect();
    RoleBlock {
        attr: &role.id.snake,
        construct_id: &role.id.upper_camel,
        name: &role.name,
        path: &role.path,
        description: &role.description,
        assumed_by: assumed_by.lay_arg("assumed_by"),
        managed_policies: (!managed.is_empty())
            .then(|| Py::List(managed).lay_arg("managed_policies")),
        permissions_boundary: boundary,
        tags,
        hybrid: role.platform == Platform::Hybrid,
    }
}

/// A Python expression for a plan text: a lone pseudo value is the CDK attribute
/// itself (`cdk.Aws.ACCOUNT_ID`), anything else a literal or an f-string.
fn py_text(t: &Text) -> String {
    match t.pieces() {
        [Piece::Pseudo(p)] => CDK_PSEUDO.get(*p).to_string(),
        _ => crate::render::escape::py_text(t),
    }
}

/// `iam.ManagedPolicy.from_managed_policy_arn(self, id, arn)`.
fn import_policy(id: &str, arn: String) -> Py {
    Py::call(
        "iam.ManagedPolicy.from_managed_policy_arn",
        vec![Py::atom("self"), Py::atom(py_str(id)), Py::atom(arn)],
    )
}

/// An `iam.PolicyStatement` with the plan's sid, actions, resources and conditions.
fn statement(plan: &Plan, s: &Statement) -> Py {
    let effect = match s.effect {
        Effect::Allow => "iam.Effect.ALLOW",
    };
    let mut args = vec![
        (Some("sid"), Py::atom(py_str(&s.sid))),
        (Some("effect"), Py::atom(effect)),
        (
            Some("actions"),
            Py::List(s.actions.iter().map(|a| Py::atom(py_str(a))).collect()),
        ),
        (
            Some("resources"),
            Py::List(
                s.resources
                    .iter()
                    .map(|r| Py::atom(py_text(&r.arn(&plan.env))))
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
fn conditions(conditions: &[Condition]) -> Py {
    let mut by_operator: BTreeMap<&str, BTreeMap<&str, Py>> = BTreeMap::new();
    for c in conditions {
        let values: Vec<Py> = c.values.iter().map(|v| Py::atom(py_text(v))).collect();
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

fn app_context<'a>(plan: &'a Plan, module: &'a str, class_name: &'a str) -> AppContext<'a> {
    let mut env_args = Vec::new();
    if let Some(account) = plan.env.account.pinned() {
        env_args.push((Some("account"), Py::atom(py_str(account))));
    }
    if let Some(region) = plan.env.region.pinned() {
        env_args.push((Some("region"), Py::atom(py_str(region))));
    }
    let env = (!env_args.is_empty()).then(|| {
        Py::Call("cdk.Environment", env_args).lay(APP_ARG_INDENT, APP_ARG_INDENT + "env=".len(), 1)
    });
    AppContext {
        project: &plan.project.kebab,
        module,
        class_name,
        stack_class: format!("{class_name}Stack"),
        stack_id: format!("{}-ssm-access", plan.project.kebab),
        description: format!(
            "Session Manager access of project {} (generated by ssmgen)",
            plan.project.kebab
        ),
        env,
        aws_cdk_lib_version: AWS_CDK_LIB_VERSION,
        constructs_requirement: CONSTRUCTS_REQUIREMENT,
    }
}

fn role_at(plan: &Plan, i: usize) -> Result<&Role, Error> {
    plan.roles.get(i).ok_or_else(|| missing("role", i))
}

/// A plan whose indices do not resolve is a bug in the plan builder, not in the spec.
fn missing(what: &str, i: usize) -> Error {
    Error::Render {
        template: CONSTRUCT.into(),
        message: format!("the plan refers to {what} {i}, which it does not hold"),
    }
}

/// The construct ids used inside the construct. The plan's ids are unique; the ids this
/// target adds for imported policies and roles (which create no CloudFormation
/// resource) get a number when they would collide with any other.
struct ConstructIds(BTreeSet<String>);

impl ConstructIds {
    fn new(plan: &Plan) -> Self {
        let mut set = BTreeSet::new();
        set.extend(plan.roles.iter().map(|r| r.id.upper_camel.clone()));
        set.extend(
            plan.instance_profiles
                .iter()
                .map(|p| p.id.upper_camel.clone()),
        );
        set.extend(plan.policies.iter().map(|p| p.id.upper_camel.clone()));
        set.extend(plan.outputs.iter().map(|o| o.id.upper_camel.clone()));
        ConstructIds(set)
    }

    fn fresh(&mut self, wanted: String) -> String {
        let mut id = wanted.clone();
        let mut n = 2;
        while self.0.contains(&id) {
            id = format!("{wanted}{n}");
            n += 1;
        }
        self.0.insert(id.clone());
        id
    }
}

/// A Python expression, laid out the way `black` leaves it.
#[derive(Debug, Clone)]
enum Py {
    /// Code that is never split: an escaped literal, a name, an attribute.
    Atom(String),
    /// `callee(args)`, each argument positional or `name=value`.
    Call(&'static str, Vec<(Option<&'static str>, Py)>),
    /// `receiver.method(args)`.
    Method(Box<Py>, &'static str, Vec<(Option<&'static str>, Py)>),
    List(Vec<Py>),
    /// Keys are escaped literals.
    Dict(Vec<(String, Py)>),
}

impl Py {
    fn atom(s: impl Into<String>) -> Py {
        Py::Atom(s.into())
    }

    fn call(callee: &'static str, args: Vec<Py>) -> Py {
        Py::Call(callee, args.into_iter().map(|a| (None, a)).collect())
    }

    /// The expression on one line.
    fn flat(&self) -> String {
        fn args(list: &[(Option<&str>, Py)]) -> String {
            list.iter()
                .map(|(name, v)| match name {
                    Some(n) => format!("{n}={}", v.flat()),
                    None => v.flat(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        }
        match self {
            Py::Atom(s) => s.clone(),
            Py::Call(callee, a) => format!("{callee}({})", args(a)),
            Py::Method(recv, m, a) => format!("{}.{m}({})", recv.flat(), args(a)),
            Py::List(items) => format!(
                "[{}]",
                items.iter().map(Py::flat).collect::<Vec<_>>().join(", ")
            ),
            Py::Dict(entries) => format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.flat()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// The value of a keyword argument of a call in `__init__`, written by the template
    /// as `<name>=<value>,` at [`ARG_INDENT`].
    fn lay_arg(&self, name: &str) -> String {
        self.lay(ARG_INDENT, ARG_INDENT + name.len() + 1, 1)
    }

    /// The expression starting at column `col` of a line indented by `indent`, followed
    /// by `tail` characters: on one line when it fits in [`LINE_LENGTH`], else exploded.
    /// Continuation lines carry their indentation; the first does not.
    fn lay(&self, indent: usize, col: usize, tail: usize) -> String {
        let flat = self.flat();
        if col + flat.chars().count() + tail <= LINE_LENGTH {
            flat
        } else {
            self.explode(indent, col)
        }
    }

    /// One element a line, each followed by a comma, closing bracket at `indent`.
    fn explode(&self, indent: usize, col: usize) -> String {
        let inner = indent + 4;
        let items = |entries: Vec<(String, &Py)>| -> String {
            let mut out = String::new();
            for (head, v) in entries {
                out.push('\n');
                out.push_str(&" ".repeat(inner));
                out.push_str(&head);
                out.push_str(&v.lay(inner, inner + head.chars().count(), 1));
                out.push(',');
            }
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            out
        };
        fn args<'p>(a: &'p [(Option<&str>, Py)]) -> Vec<(String, &'p Py)> {
            a.iter()
                .map(|(n, v)| (n.map(|n| format!("{n}=")).unwrap_or_default(), v))
                .collect()
        }
        match self {
            Py::Atom(s) => s.clone(),
            // Nothing to explode: an empty bracket pair stays closed.
            Py::Call(_, a) | Py::Method(_, _, a) if a.is_empty() => self.flat(),
            Py::List(v) if v.is_empty() => self.flat(),
            Py::Dict(v) if v.is_empty() => self.flat(),
            Py::Call(callee, a) => format!("{callee}({})", items(args(a))),
            // As `black` does: the last call of a chain is split; the receiver too when
            // the line up to the last opening bracket would not fit.
            Py::Method(recv, m, a) => {
                let head = recv.flat();
                let receiver = if col + head.chars().count() + m.len() + 2 <= LINE_LENGTH {
                    head
                } else {
                    recv.explode(indent, col)
                };
                format!("{receiver}.{m}({})", items(args(a)))
            }
            Py::List(v) => format!(
                "[{}]",
                items(v.iter().map(|p| (String::new(), p)).collect())
            ),
            Py::Dict(e) => format!(
                "{{{}}}",
                items(e.iter().map(|(k, v)| (format!("{k}: "), v)).collect())
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_strings_stay_python_literals() {
        assert_eq!(
            py_str("a\"b\\c{d}\ne\"\"\"f'"),
            r#""a\"b\\c{d}\ne\"\"\"f'""#
        );
        let mut t = Text::literal("x{y}\"\"\"\\");
        t.push_pseudo(crate::plan::Pseudo::AccountId);
        t.push_str("}{\n");
        assert_eq!(
            py_text(&t),
            r#"f"x{{y}}\"\"\"\\{cdk.Aws.ACCOUNT_ID}}}{{\n""#
        );
    }

    #[test]
    fn calls_explode_with_magic_commas_only_when_too_long() {
        let short = Py::call("f", vec![Py::atom("1"), Py::List(vec![Py::atom("2")])]);
        assert_eq!(short.lay(8, 8, 0), "f(1, [2])");
        let long = Py::Call(
            "iam.PolicyStatement",
            vec![
                (Some("sid"), Py::atom(py_str(&"S".repeat(60)))),
                (
                    Some("actions"),
                    Py::List(vec![Py::atom("\"a\""), Py::atom("\"b\"")]),
                ),
            ],
        );
        assert_eq!(
            long.lay(8, 8, 0),
            format!(
                "iam.PolicyStatement(\n            sid=\"{}\",\n            actions=[\"a\", \"b\"],\n        )",
                "S".repeat(60)
            )
        );
    }

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
        let fstr = r#"f"arn:{cdk.Aws.PARTITION}a\"b\\c{{d}}}}{{e}}'\"\"\"x\nnl\r\t\x00\x7fend""#;
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

    fn render_example(name: &str, scaffold: bool) -> Vec<OutFile> {
        let path = std::path::Path::new("examples").join(name);
        let (spec, _) = crate::spec::load(&path).expect("example is valid");
        let plan = crate::plan::build::build(&spec);
        CdkPython
            .render(
                &plan,
                &Options {
                    scaffold,
                    ..Options::default()
                },
            )
            .expect("renders")
    }

    #[test]
    fn every_file_carries_the_marker_and_the_scaffold_pins_cdk() {
        let files = render_example("hybrid-activation.yaml", true);
        let names: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
        assert_eq!(
            names,
            [
                "factory_ssm_access.py",
                "app.py",
                "cdk.json",
                "requirements.txt",
                activation::FILE_NAME
            ]
        );
        for f in &files {
            assert!(
                crate::output::is_generated(&f.contents),
                "{} lacks the marker",
                f.path.display()
            );
        }
        let req = &files[3].contents;
        assert!(req.contains(&format!("aws-cdk-lib=={AWS_CDK_LIB_VERSION}\n")));
        let cdk_json: serde_json::Value = serde_json::from_str(&files[2].contents).expect("json");
        assert_eq!(cdk_json["app"], "python3 app.py");
    }

    #[test]
    fn plan_values_are_rendered_not_rebuilt() {
        let files = render_example("mixed-fleets.yaml", false);
        let code = &files[0].contents;
        // The boundary ARN and the existing role come from the spec, through py_str.
        assert!(code.contains("\"arn:aws:iam::777788889999:policy/platform-boundary\""));
        assert!(code.contains(
            "iam.Role.from_role_name(self, \"ReportingExistingRole\", \"reporting-ec2\")"
        ));
        // Managed policies are imported by the plan's ARN.
        assert!(!code.contains("from_aws_managed_policy_name"));
        assert!(code
            .contains("f\"arn:{cdk.Aws.PARTITION}:iam::aws:policy/AmazonSSMManagedInstanceCore\""));
    }
}
