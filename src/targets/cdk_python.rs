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
//!
//! Specs may hold thousands of fleets. Each resource of the module is written here as
//! one laid-out, escaped statement, and the module is rendered a run of fleets at a time
//! (see [`construct`]): the template does no per-value work and no context holds every
//! fleet, which keeps time and memory linear and small.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;

use heck::ToUpperCamelCase;
use rustc_hash::FxHashSet;
use serde::Serialize;

use super::{activation, Options, OutFile, Target};
use crate::error::Error;
use crate::plan::{
    Attachment, Condition, Effect, FleetPlan, Ident, InstanceProfile, Mode, Output, OutputValue,
    Piece, Plan, Platform, Policy, Resource, Role, Statement, Text,
};
use crate::render::escape::{push_py_str, py_str, CDK_PSEUDO};
use crate::render::Templates;

const CONSTRUCT: &str = "cdk-python/construct.py";
const APP: &str = "cdk-python/app.py";
const CDK_JSON: &str = "cdk-python/cdk.json";
const REQUIREMENTS: &str = "cdk-python/requirements.txt";

static TEMPLATES: Templates = Templates::new(&[
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
]);

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

    fn templates(&self) -> &'static Templates {
        &TEMPLATES
    }

    fn render(&self, plan: &Plan, options: &Options) -> Result<Vec<OutFile>, Error> {
        let module = format!("{}_ssm_access", plan.project.snake);
        let class_name = format!("{}SsmAccess", plan.project.upper_camel);
        let mut files = vec![OutFile {
            path: PathBuf::from(format!("{module}.py")),
            contents: construct(plan, &module, &class_name)?,
        }];
        if options.scaffold {
            let app = app_context(plan, &module, &class_name);
            files.push(OutFile {
                path: PathBuf::from("app.py"),
                contents: TEMPLATES.render(APP, &app)?,
            });
            files.push(OutFile {
                path: PathBuf::from("cdk.json"),
                contents: TEMPLATES.render(CDK_JSON, &app)?,
            });
            files.push(OutFile {
                path: PathBuf::from("requirements.txt"),
                contents: TEMPLATES.render(REQUIREMENTS, &app)?,
            });
        }
        if let Some(script) = activation::script(plan, "CDK app")? {
            files.push(script);
        }
        Ok(files)
    }
}

/// Which part of `construct.py.tera` one render writes. The template holds the whole
/// module in file order; [`construct`] renders its parts in that order and appends them.
#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum Part {
    /// Header comment, module docstring, imports and class docstring.
    Head,
    /// A run of attribute declarations.
    Attributes,
    /// The start of `__init__`.
    Init,
    /// A run of fleet blocks.
    Fleets,
    /// A run of `cdk.CfnOutput`s (the first run with the section comment).
    Outputs,
    /// The final line break.
    End,
}

/// Context of one render of `templates/cdk-python/construct.py.tera`.
///
/// Everything that comes from the plan is already escaped (`py_str`, `py_text`) and
/// laid out, so that the template only places pieces, calling no filter and no macro.
/// Attributes, fleets and outputs come [`CHUNK`] at a time: a spec with thousands of
/// fleets never puts all of them in one context.
#[derive(Serialize, Clone, Copy)]
struct ModuleContext<'a, 'c> {
    /// The part to write.
    part: Part,
    /// The project name (comments and docstrings).
    project: &'a str,
    /// The module's name, for the usage example.
    module: &'a str,
    /// The construct class.
    class_name: &'a str,
    /// Whether `create-activations.sh` is written beside the module.
    has_activations: bool,
    /// The typed public attributes of this run, each its annotation and docstring
    /// (see [`fleet_attributes`]).
    attributes: &'c [String],
    /// The fleets of this run, in spec order.
    fleets: &'c [FleetBlock<'a>],
    /// The `cdk.CfnOutput(...)` statements of this run, in plan order.
    outputs: &'c [String],
    /// Whether this run of outputs is the first, which opens the section.
    outputs_heading: bool,
}

/// The resources of one fleet.
#[derive(Serialize)]
struct FleetBlock<'a> {
    /// Fleet name, for the comment above its resources.
    name: &'a str,
    /// The fleet's platform, for the same comment.
    platform: Platform,
    /// The fleet's mode, for the same comment.
    mode: Mode,
    /// Whether the role is a hybrid activation's service role, whose identity must not
    /// change.
    hybrid: bool,
    /// The fleet's statements of `__init__`, in order: `self.<attr> = iam.Role(...)`
    /// unless the fleet uses an existing role, one `cdk.Tags.of(...).add(...)` per tag
    /// of the role (sorted by key), `self.<attr> = iam.InstanceProfile(...)` for an EC2
    /// fleet with a generated role, and `self.<attr> = iam.ManagedPolicy(...)` when the
    /// fleet needs statements. Each is laid out by [`call_statement`] (or, for tags,
    /// [`Py::lay`]): the first line without indentation (the template places it), the
    /// following lines with theirs.
    statements: Vec<String>,
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

/// Attributes, fleets or outputs per render of their part of `construct.py.tera`: enough
/// that per-render costs vanish, few enough that a context stays small.
const CHUNK: usize = 64;

/// Renders the module: every part of `construct.py.tera` in file order, the parts that
/// repeat [`CHUNK`] items at a time, appended to one buffer.
fn construct(plan: &Plan, module: &str, class_name: &str) -> Result<String, Error> {
    construct_in_runs(plan, module, class_name, CHUNK)
}

/// [`construct`] with `run` items a render (the same text whatever `run` is).
fn construct_in_runs(
    plan: &Plan,
    module: &str,
    class_name: &str,
    run: usize,
) -> Result<String, Error> {
    let base = ModuleContext {
        part: Part::Head,
        project: &plan.project.kebab,
        module,
        class_name,
        has_activations: !plan.activations.is_empty(),
        attributes: &[],
        fleets: &[],
        outputs: &[],
        outputs_heading: false,
    };
    let head = TEMPLATES.render(CONSTRUCT, &base)?;
    let init = TEMPLATES.render(
        CONSTRUCT,
        &ModuleContext {
            part: Part::Init,
            ..base
        },
    )?;
    let end = TEMPLATES.render(
        CONSTRUCT,
        &ModuleContext {
            part: Part::End,
            ..base
        },
    )?;

    // The repeated parts, each a lazy sequence of rendered runs.
    let mut attributes = Vec::with_capacity(3 * run);
    let mut attribute_runs = plan.fleets.chunks(run).map(|chunk| {
        attributes.clear();
        for fleet in chunk {
            fleet_attributes(plan, fleet, &mut attributes)?;
        }
        let ctx = ModuleContext {
            part: Part::Attributes,
            attributes: &attributes,
            ..base
        };
        TEMPLATES.render(CONSTRUCT, &ctx)
    });
    let mut ids = ConstructIds::new(plan);
    let mut shared = Shared::default();
    let mut fleets = Vec::with_capacity(run);
    let mut fleet_runs = plan.fleets.chunks(run).map(|chunk| {
        fleets.clear();
        for fleet in chunk {
            fleets.push(fleet_block(plan, fleet, &mut ids, &mut shared)?);
        }
        let ctx = ModuleContext {
            part: Part::Fleets,
            fleets: &fleets,
            ..base
        };
        TEMPLATES.render(CONSTRUCT, &ctx)
    });
    let mut outputs = Vec::with_capacity(run);
    let mut output_runs = plan.outputs.chunks(run).enumerate().map(|(n, chunk)| {
        outputs.clear();
        for o in chunk {
            outputs.push(output_statement(plan, o)?);
        }
        let ctx = ModuleContext {
            part: Part::Outputs,
            outputs: &outputs,
            outputs_heading: n == 0,
            ..base
        };
        TEMPLATES.render(CONSTRUCT, &ctx)
    });

    // The first run of each part is rendered before the module's buffer is allocated,
    // to size it once for the whole module (capacity never written to costs no memory)
    // rather than doubling, and copying, a buffer of tens of megabytes.
    let first_attributes = attribute_runs.next().transpose()?.unwrap_or_default();
    let first_fleets = fleet_runs.next().transpose()?.unwrap_or_default();
    let first_outputs = output_runs.next().transpose()?.unwrap_or_default();
    let estimate = |first: &str, items: usize| {
        let per_item = first.len() / items.clamp(1, run) + 1;
        per_item * items
    };
    let size = head.len()
        + estimate(&first_attributes, plan.fleets.len())
        + init.len()
        + estimate(&first_fleets, plan.fleets.len())
        + estimate(&first_outputs, plan.outputs.len())
        + end.len();
    let mut out = String::with_capacity(size + size / 8);

    out.push_str(&head);
    out.push_str(&first_attributes);
    for text in attribute_runs {
        out.push_str(&text?);
    }
    out.push_str(&init);
    out.push_str(&first_fleets);
    for text in fleet_runs {
        out.push_str(&text?);
    }
    out.push_str(&first_outputs);
    for text in output_runs {
        out.push_str(&text?);
    }
    out.push_str(&end);
    Ok(out)
}

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
#[derive(Default)]
struct Shared<'p> {
    principals: BTreeMap<(&'p Text, &'p [Condition]), String>,
    statement_lists: BTreeMap<Vec<StatementKey<'p>>, String>,
    policy_ids: BTreeMap<&'p str, String>,
}

impl<'p> Shared<'p> {
    /// The construct id part of an AWS managed policy name.
    fn policy_id(&mut self, name: &'p str) -> &str {
        self.policy_ids
            .entry(name)
            .or_insert_with(|| name.to_upper_camel_case())
    }

    /// The `assumed_by` value of a role.
    fn principal(&mut self, role: &'p Role) -> &str {
        let key = (&role.trust.service, role.trust.conditions.as_slice());
        self.principals.entry(key).or_insert_with(|| {
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
            assumed_by.lay_arg("assumed_by")
        })
    }

    /// The `statements` value of a policy.
    fn statements(&mut self, plan: &Plan, statements: &'p [Statement]) -> &str {
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
            Py::List(statements.iter().map(|s| statement(plan, s)).collect()).lay_arg("statements")
        })
    }
}

/// The typed attributes a fleet's resources are held in, in the order the fleet block
/// creates them: `name: Type`, then on its own line the docstring. Attribute names and
/// the fleet names in the docstrings are plan identifiers (lowercase letters, digits,
/// hyphens and underscores), which need no escaping in either place.
fn fleet_attributes(
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
fn fleet_block<'a>(
    plan: &'a Plan,
    fleet: &'a FleetPlan,
    ids: &mut ConstructIds<'a>,
    shared: &mut Shared<'a>,
) -> Result<FleetBlock<'a>, Error> {
    let role = fleet.role.map(|i| role_at(plan, i)).transpose()?;
    let mut statements = Vec::with_capacity(4);
    if let Some(r) = role {
        statements.push(role_statement(r, ids, shared));
        push_tag_statements(r, &mut statements);
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
                ("instance_profile_name", Arg::Str(&p.name)),
                ("path", Arg::Str(&p.path)),
            ],
        ));
    }
    if let Some(i) = fleet.policy {
        let p = policy_at(plan, i)?;
        let role = match &p.attachment {
            Attachment::Role(r) => Py::atom(format!("self.{}", role_at(plan, *r)?.id.snake)),
            Attachment::ExistingRole(name) => Py::call(
                "iam.Role.from_role_name",
                vec![
                    Py::atom("self"),
                    Py::atom(py_str(&ids.fresh(format!(
                        "{}ExistingRole",
                        Ident::new(&fleet.name).upper_camel
                    )))),
                    Py::atom(py_str(name)),
                ],
            ),
        };
        // Laid out before the statements, which borrow `shared`, are looked up.
        let roles = Py::List(vec![role]).lay_arg("roles");
        statements.push(call_statement(
            Some(&p.id.snake),
            "iam.ManagedPolicy",
            &[
                ("", Arg::Code("self")),
                ("", Arg::Str(&p.id.upper_camel)),
                ("managed_policy_name", Arg::Str(&p.name)),
                ("path", Arg::Str(&p.path)),
                ("description", Arg::Str(&p.description)),
                (
                    "statements",
                    Arg::Code(shared.statements(plan, &p.statements)),
                ),
                ("roles", Arg::Code(&roles)),
            ],
        ));
    }
    Ok(FleetBlock {
        name: &fleet.name,
        platform: fleet.platform,
        mode: fleet.mode,
        hybrid: role.is_some_and(|r| r.platform == Platform::Hybrid),
        statements,
    })
}

/// A `cdk.CfnOutput`.
fn output_statement(plan: &Plan, o: &Output) -> Result<String, Error> {
    let (attr, property) = match o.value {
        OutputValue::RoleArn { role } => (&role_at(plan, role)?.id.snake, "role_arn"),
        OutputValue::RoleName { role } => (&role_at(plan, role)?.id.snake, "role_name"),
        OutputValue::InstanceProfileName { profile } => (
            &profile_at(plan, profile)?.id.snake,
            "instance_profile_name",
        ),
    };
    Ok(call_statement(
        None,
        "cdk.CfnOutput",
        &[
            ("", Arg::Code("self")),
            ("", Arg::Str(&o.id.upper_camel)),
            ("value", Arg::Property(attr, property)),
            ("description", Arg::Str(&o.description)),
        ],
    ))
}

/// An argument of a [`call_statement`].
enum Arg<'s> {
    /// Python code, laid out for its place already.
    Code(&'s str),
    /// A string, written as a Python literal by [`push_py_str`].
    Str(&'s str),
    /// `self.<attribute>`.
    SelfAttr(&'s str),
    /// `self.<attribute>.<property>`.
    Property(&'s str, &'static str),
}

/// A call statement of `__init__` (`self.<attr> = <callee>(...)`, or the bare call):
/// every resource call is written one argument a line at [`ARG_INDENT`], each with a
/// trailing comma (which `black` keeps), and `)` at [`BODY_INDENT`]. Arguments are
/// `(keyword, value)`, positional when the keyword is empty. The first line carries no
/// indentation: the template places it.
fn call_statement(attr: Option<&str>, callee: &str, args: &[(&str, Arg)]) -> String {
    let size = args
        .iter()
        .map(|(keyword, value)| {
            let value = match value {
                Arg::Code(s) | Arg::Str(s) | Arg::SelfAttr(s) => s.len(),
                Arg::Property(a, p) => a.len() + p.len(),
            };
            ARG_INDENT + keyword.len() + value + 16
        })
        .sum::<usize>()
        + attr.map_or(0, str::len)
        + callee.len()
        + BODY_INDENT
        + 16;
    let mut s = String::with_capacity(size);
    if let Some(attr) = attr {
        s.push_str("self.");
        s.push_str(attr);
        s.push_str(" = ");
    }
    s.push_str(callee);
    s.push('(');
    for (keyword, value) in args {
        push_line_break(&mut s, ARG_INDENT);
        if !keyword.is_empty() {
            s.push_str(keyword);
            s.push('=');
        }
        match value {
            Arg::Code(code) => s.push_str(code),
            Arg::Str(text) => push_py_str(&mut s, text),
            Arg::SelfAttr(attr) => {
                s.push_str("self.");
                s.push_str(attr);
            }
            Arg::Property(attr, property) => {
                s.push_str("self.");
                s.push_str(attr);
                s.push('.');
                s.push_str(property);
            }
        }
        s.push(',');
    }
    push_line_break(&mut s, BODY_INDENT);
    s.push(')');
    s
}

/// A line break and the next line's indentation.
fn push_line_break(out: &mut String, indent: usize) {
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', indent));
}

/// `self.<attr> = iam.Role(...)`.
fn role_statement<'a>(
    role: &'a Role,
    ids: &mut ConstructIds<'a>,
    shared: &mut Shared<'a>,
) -> String {
    // The plan gives each managed policy's ARN; importing by ARN (not by name, which
    // makes CDK build its own ARN) keeps the plan the one source of every ARN.
    let managed: Vec<Py> = role
        .managed_policies
        .iter()
        .map(|m| {
            let id = ids.fresh(format!(
                "{}{}",
                role.id.upper_camel,
                shared.policy_id(&m.name)
            ));
            import_policy(&id, py_text(&m.arn))
        })
        .collect();
    let managed = (!managed.is_empty()).then(|| Py::List(managed).lay_arg("managed_policies"));
    let boundary = role.permissions_boundary.as_ref().map(|arn| {
        let id = ids.fresh(format!("{}PermissionsBoundary", role.id.upper_camel));
        import_policy(&id, py_text(arn)).lay_arg("permissions_boundary")
    });
    let mut args = Vec::with_capacity(8);
    args.extend([
        ("", Arg::Code("self")),
        ("", Arg::Str(&role.id.upper_camel)),
        ("role_name", Arg::Str(&role.name)),
        ("path", Arg::Str(&role.path)),
        ("description", Arg::Str(&role.description)),
        ("assumed_by", Arg::Code(shared.principal(role))),
    ]);
    if let Some(m) = &managed {
        args.push(("managed_policies", Arg::Code(m)));
    }
    if let Some(b) = &boundary {
        args.push(("permissions_boundary", Arg::Code(b)));
    }
    call_statement(Some(&role.id.snake), "iam.Role", &args)
}

/// One `cdk.Tags.of(self.<role>).add(key, value)` statement per tag, sorted by key.
fn push_tag_statements(role: &Role, statements: &mut Vec<String>) {
    statements.extend(role.tags.iter().map(|(k, v)| {
        Py::Method(
            Box::new(Py::call(
                "cdk.Tags.of",
                vec![Py::atom(format!("self.{}", role.id.snake))],
            )),
            "add",
            vec![(None, Py::atom(py_str(k))), (None, Py::atom(py_str(v)))],
        )
        .lay(BODY_INDENT, BODY_INDENT, 0)
    }));
}

/// The Python spelling of a statement's effect.
fn effect(e: Effect) -> &'static str {
    match e {
        Effect::Allow => "iam.Effect.ALLOW",
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

fn profile_at(plan: &Plan, i: usize) -> Result<&InstanceProfile, Error> {
    plan.instance_profiles
        .get(i)
        .ok_or_else(|| missing("instance profile", i))
}

fn policy_at(plan: &Plan, i: usize) -> Result<&Policy, Error> {
    plan.policies.get(i).ok_or_else(|| missing("policy", i))
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
struct ConstructIds<'p>(FxHashSet<Cow<'p, str>>);

impl<'p> ConstructIds<'p> {
    fn new(plan: &'p Plan) -> Self {
        let ids = (plan.roles.iter().map(|r| &r.id))
            .chain(plan.instance_profiles.iter().map(|p| &p.id))
            .chain(plan.policies.iter().map(|p| &p.id))
            .chain(plan.outputs.iter().map(|o| &o.id));
        let count = plan.roles.len()
            + plan.instance_profiles.len()
            + plan.policies.len()
            + plan.outputs.len();
        // Only ever asked whether it holds an id, so its order does not matter.
        let mut set = FxHashSet::with_capacity_and_hasher(count * 5 / 4, Default::default());
        set.extend(ids.map(|id| Cow::Borrowed(id.upper_camel.as_str())));
        ConstructIds(set)
    }

    fn fresh(&mut self, wanted: String) -> String {
        let mut id = wanted.clone();
        let mut n = 2;
        while self.0.contains(id.as_str()) {
            id = format!("{wanted}{n}");
            n += 1;
        }
        self.0.insert(Cow::Owned(id.clone()));
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

    /// Appends the expression on one line to `out`.
    fn flat_into(&self, out: &mut String) {
        fn args(out: &mut String, list: &[(Option<&str>, Py)]) {
            for (i, (name, v)) in list.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if let Some(n) = name {
                    out.push_str(n);
                    out.push('=');
                }
                v.flat_into(out);
            }
        }
        match self {
            Py::Atom(s) => out.push_str(s),
            Py::Call(callee, a) => {
                out.push_str(callee);
                out.push('(');
                args(out, a);
                out.push(')');
            }
            Py::Method(recv, m, a) => {
                recv.flat_into(out);
                out.push('.');
                out.push_str(m);
                out.push('(');
                args(out, a);
                out.push(')');
            }
            Py::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.flat_into(out);
                }
                out.push(']');
            }
            Py::Dict(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(k);
                    out.push_str(": ");
                    v.flat_into(out);
                }
                out.push('}');
            }
        }
    }

    /// The width of [`Py::flat_into`]'s line in characters, without writing it.
    fn flat_width(&self) -> usize {
        fn separators(n: usize) -> usize {
            2 * n.saturating_sub(1)
        }
        fn args(list: &[(Option<&str>, Py)]) -> usize {
            let names: usize = list
                .iter()
                .filter_map(|(n, _)| *n)
                .map(|n| n.len() + 1)
                .sum();
            let values: usize = list.iter().map(|(_, v)| v.flat_width()).sum();
            names + values + separators(list.len())
        }
        match self {
            Py::Atom(s) => s.chars().count(),
            Py::Call(callee, a) => callee.len() + 2 + args(a),
            Py::Method(recv, m, a) => recv.flat_width() + 1 + m.len() + 2 + args(a),
            Py::List(items) => {
                2 + items.iter().map(Py::flat_width).sum::<usize>() + separators(items.len())
            }
            Py::Dict(entries) => {
                let widths: usize = entries
                    .iter()
                    .map(|(k, v)| k.chars().count() + 2 + v.flat_width())
                    .sum();
                2 + widths + separators(entries.len())
            }
        }
    }

    /// The value of a keyword argument of a call in `__init__`, written as
    /// `<name>=<value>,` at [`ARG_INDENT`].
    fn lay_arg(&self, name: &str) -> String {
        self.lay(ARG_INDENT, ARG_INDENT + name.len() + 1, 1)
    }

    /// The expression starting at column `col` of a line indented by `indent`, followed
    /// by `tail` characters: on one line when it fits in [`LINE_LENGTH`], else exploded.
    /// Continuation lines carry their indentation; the first does not.
    fn lay(&self, indent: usize, col: usize, tail: usize) -> String {
        let mut out = String::new();
        self.lay_into(&mut out, indent, col, tail);
        out
    }

    /// Appends [`Py::lay`] to `out`.
    fn lay_into(&self, out: &mut String, indent: usize, col: usize, tail: usize) {
        if col + self.flat_width() + tail <= LINE_LENGTH {
            self.flat_into(out);
        } else {
            self.explode_into(out, indent, col);
        }
    }

    /// One element a line, each followed by a comma, closing bracket at `indent`.
    fn explode_into(&self, out: &mut String, indent: usize, col: usize) {
        let inner = indent + 4;
        // Each element on its own line after `head` (a keyword or a dict key), then the
        // closing bracket's line.
        let items = |out: &mut String, entries: &mut dyn Iterator<Item = (&str, &str, &Py)>| {
            for (head, sep, v) in entries {
                push_line_break(out, inner);
                out.push_str(head);
                out.push_str(sep);
                let head_width = head.chars().count() + sep.len();
                v.lay_into(out, inner, inner + head_width, 1);
                out.push(',');
            }
            push_line_break(out, indent);
        };
        fn args<'p>(
            a: &'p [(Option<&'static str>, Py)],
        ) -> impl Iterator<Item = (&'p str, &'p str, &'p Py)> {
            a.iter().map(|(n, v)| match n {
                Some(n) => (*n, "=", v),
                None => ("", "", v),
            })
        }
        match self {
            Py::Atom(s) => out.push_str(s),
            // Nothing to explode: an empty bracket pair stays closed.
            Py::Call(_, a) | Py::Method(_, _, a) if a.is_empty() => self.flat_into(out),
            Py::List(v) if v.is_empty() => self.flat_into(out),
            Py::Dict(v) if v.is_empty() => self.flat_into(out),
            Py::Call(callee, a) => {
                out.push_str(callee);
                out.push('(');
                items(out, &mut args(a));
                out.push(')');
            }
            // As `black` does: the last call of a chain is split; the receiver too when
            // the line up to the last opening bracket would not fit.
            Py::Method(recv, m, a) => {
                if col + recv.flat_width() + m.len() + 2 <= LINE_LENGTH {
                    recv.flat_into(out);
                } else {
                    recv.explode_into(out, indent, col);
                }
                out.push('.');
                out.push_str(m);
                out.push('(');
                items(out, &mut args(a));
                out.push(')');
            }
            Py::List(v) => {
                out.push('[');
                items(out, &mut v.iter().map(|p| ("", "", p)));
                out.push(']');
            }
            Py::Dict(e) => {
                out.push('{');
                items(out, &mut e.iter().map(|(k, v)| (k.as_str(), ": ", v)));
                out.push('}');
            }
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
    fn runs_join_into_the_same_module_whatever_their_length() {
        let mut spec = String::from(
            "version: 1\nproject: runs\ntags: {team: t}\nsession:\n  s3: {bucket: run-logs}\nfleets:\n",
        );
        let kinds = [
            "platform: ec2\n    mode: session-only",
            "platform: hybrid\n    mode: session-only\n    activation: {registration_limit: 1, expires_after: 1d}",
            "platform: ec2\n    mode: managed-core",
        ];
        for i in 0..2 * CHUNK + 5 {
            spec.push_str(&format!("  - name: f{i:04}\n    {}\n", kinds[i % 3]));
        }
        let (spec, _) = crate::spec::load_str(&spec, "runs.yaml").expect("valid");
        let plan = crate::plan::build::build(&spec);
        // One run for everything, as the module was rendered in one piece before.
        let all = plan.fleets.len().max(plan.outputs.len());
        let whole = construct_in_runs(&plan, "m", "C", all).expect("renders");
        for run in [1, 2, 7, CHUNK] {
            let text = construct_in_runs(&plan, "m", "C", run).expect("renders");
            assert!(text == whole, "runs of {run} change the module");
        }
        assert_eq!(whole.matches("        # Fleet f").count(), 2 * CHUNK + 5);
        assert_eq!(
            whole.matches("# What the deployment reports back.").count(),
            1
        );
        assert!(
            whole.ends_with("            cdk.Tags.of(self).add(key, value)\n")
                && !whole.contains(")\n\n\n")
        );
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
