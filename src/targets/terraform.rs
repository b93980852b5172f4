//! Terraform: a module folder (`versions.tf`, `main.tf`, `outputs.tf`) that creates the
//! plan's roles, instance profiles, policies and hybrid activations with the AWS provider.
//!
//! The output is exactly what `terraform fmt` writes, so that a formatting check in CI
//! never fights the generator. `terraform fmt` aligns the `=` of consecutive single-line
//! arguments of a body; every block body is therefore laid out here (keys padded, values
//! escaped, lines indented) and the templates only frame the blocks: file header,
//! section order, block headers and comments.
//!
//! A plan can hold many thousands of fleets, so no context ever holds all of them: each
//! fleet's section of `main.tf` is rendered on its own (its names are then top-level
//! variables, which Tera finds much faster than dotted paths into a list), and
//! `outputs.tf` a run of outputs at a time. Fleets mostly repeat the same trust and
//! policy statements, which are laid out once and shared.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::rc::Rc;

use serde::{Serialize, Serializer};

use super::{Options, OutFile, Target, GENERATED_MARKER};
use crate::error::Error;
use crate::plan::{
    Attachment, Condition, Effect, FleetPlan, Ident, OutputValue, Plan, Pseudo, Role, Statement,
    Text, Trust,
};
use crate::render::escape::{push_hcl_expr, push_hcl_str};
use crate::render::Templates;

const VERSIONS: &str = "terraform/versions.tf";
const MAIN: &str = "terraform/main.tf";
const FLEET: &str = "terraform/fleet.tf";
const OUTPUTS: &str = "terraform/outputs.tf";

static TEMPLATES: Templates = Templates::new(&[
    (
        VERSIONS,
        include_str!("../../templates/terraform/versions.tf.tera"),
    ),
    (MAIN, include_str!("../../templates/terraform/main.tf.tera")),
    (
        FLEET,
        include_str!("../../templates/terraform/fleet.tf.tera"),
    ),
    (
        OUTPUTS,
        include_str!("../../templates/terraform/outputs.tf.tera"),
    ),
]);

/// Outputs rendered per template call: enough that the per-call cost of Tera vanishes,
/// few enough that a call's context stays small.
const RUN: usize = 64;

pub struct Terraform;

impl Target for Terraform {
    fn name(&self) -> &'static str {
        "terraform"
    }

    fn templates(&self) -> &'static Templates {
        &TEMPLATES
    }

    fn render(&self, plan: &Plan, _options: &Options) -> Result<Vec<OutFile>, Error> {
        let header = Header {
            marker: GENERATED_MARKER,
            project: &plan.project.kebab,
        };
        let mut files = vec![
            OutFile {
                path: PathBuf::from("versions.tf"),
                contents: TEMPLATES.render(
                    VERSIONS,
                    &VersionsContext {
                        header: &header,
                        time_provider: !plan.activations.is_empty(),
                    },
                )?,
            },
            OutFile {
                path: PathBuf::from("main.tf"),
                contents: main_tf(plan, &header)?,
            },
        ];
        if !plan.outputs.is_empty() || !plan.activations.is_empty() {
            files.push(OutFile {
                path: PathBuf::from("outputs.tf"),
                contents: outputs_tf(plan, &header)?,
            });
        }
        Ok(files)
    }
}

// ---------------------------------------------------------------------------------------
// Block bodies, laid out as `terraform fmt` lays them out.
// ---------------------------------------------------------------------------------------

/// A value, escaped as it is written.
enum Val<'a> {
    /// An expression written as it is (a reference or a keyword).
    Raw(&'a str),
    /// A reference: `prefix`, a name, `suffix`.
    Ref(&'static str, &'a str, &'static str),
    /// A number.
    Num(u32),
    /// A string, written as an HCL string literal.
    Str(&'a str),
    /// A plan text, written as an HCL expression.
    Text(&'a Text),
}

impl Val<'_> {
    fn write(&self, out: &mut String) {
        match self {
            Val::Raw(s) => out.push_str(s),
            Val::Ref(prefix, name, suffix) => {
                out.push_str(prefix);
                out.push_str(name);
                out.push_str(suffix);
            }
            Val::Num(n) => {
                // Writing to a String cannot fail.
                let _ = write!(out, "{n}");
            }
            Val::Str(s) => push_hcl_str(out, s),
            Val::Text(t) => push_hcl_expr(out, t),
        }
    }
}

/// The value of an argument.
enum Arg<'a> {
    Line(Val<'a>),
    /// On one line when it holds at most one item, else one item a line.
    List(Vec<Val<'a>>),
    /// One entry a line.
    Map(Vec<(Val<'a>, Val<'a>)>),
}

impl Arg<'_> {
    /// Whether the value takes one line (which is what joins a run of aligned `=`).
    fn single_line(&self) -> bool {
        match self {
            Arg::Line(_) => true,
            Arg::List(items) => items.len() <= 1,
            Arg::Map(_) => false,
        }
    }
}

/// Builds one body's arguments in order, then writes them aligned.
#[derive(Default)]
struct Body<'a> {
    args: Vec<(&'static str, Arg<'a>, bool)>,
    blank_next: bool,
}

impl<'a> Body<'a> {
    fn push(&mut self, key: &'static str, arg: Arg<'a>) -> &mut Self {
        // A blank line only separates arguments; none leads a body.
        let blank = self.blank_next && !self.args.is_empty();
        self.blank_next = false;
        self.args.push((key, arg, blank));
        self
    }

    /// A single-line argument.
    fn line(&mut self, key: &'static str, value: Val<'a>) -> &mut Self {
        self.push(key, Arg::Line(value))
    }

    /// A list argument.
    fn list(&mut self, key: &'static str, items: Vec<Val<'a>>) -> &mut Self {
        self.push(key, Arg::List(items))
    }

    /// A map argument; an empty map is left out.
    fn map(&mut self, key: &'static str, entries: Vec<(Val<'a>, Val<'a>)>) -> &mut Self {
        if entries.is_empty() {
            return self;
        }
        self.push(key, Arg::Map(entries))
    }

    /// Puts an empty line before the next argument.
    fn blank(&mut self) -> &mut Self {
        self.blank_next = true;
        self
    }

    /// Writes the arguments, each line introduced by a newline and `indent`. The keys of
    /// every run of consecutive single-line arguments are padded to the run's longest
    /// key: `terraform fmt` ends a run at an empty line and at a multi-line value (whose
    /// first line ends in an open bracket), and counts characters.
    fn write(&self, out: &mut String, indent: &str) {
        let mut width = 0;
        let mut in_run = false;
        for (i, (key, arg, blank)) in self.args.iter().enumerate() {
            if *blank {
                out.push('\n');
            }
            out.push('\n');
            out.push_str(indent);
            out.push_str(key);
            if arg.single_line() {
                if !in_run || *blank {
                    width = run_width(&self.args[i..]);
                    in_run = true;
                }
                pad(out, width, key.len());
                out.push_str(" = ");
            } else {
                in_run = false;
            }
            match arg {
                Arg::Line(v) => v.write(out),
                Arg::List(items) if items.len() <= 1 => {
                    out.push('[');
                    if let Some(item) = items.first() {
                        item.write(out);
                    }
                    out.push(']');
                }
                Arg::List(items) => {
                    out.push_str(" = [");
                    for item in items {
                        out.push('\n');
                        out.push_str(indent);
                        out.push_str("  ");
                        item.write(out);
                        out.push(',');
                    }
                    out.push('\n');
                    out.push_str(indent);
                    out.push(']');
                }
                Arg::Map(entries) => {
                    out.push_str(" = {");
                    // The entries are one run of their own, aligned on the longest key as
                    // written (escaped and quoted).
                    let mut key = String::new();
                    let mut width = 0;
                    for (k, _) in entries {
                        key.clear();
                        k.write(&mut key);
                        width = width.max(key.chars().count());
                    }
                    for (k, v) in entries {
                        out.push('\n');
                        out.push_str(indent);
                        out.push_str("  ");
                        let start = out.len();
                        k.write(out);
                        let len = out[start..].chars().count();
                        pad(out, width, len);
                        out.push_str(" = ");
                        v.write(out);
                    }
                    out.push('\n');
                    out.push_str(indent);
                    out.push('}');
                }
            }
        }
    }

    /// The body of a block (arguments indented by two spaces), as a template frames it.
    fn block_body(&self) -> String {
        let mut out = String::with_capacity(48 * self.args.len());
        self.write(&mut out, "  ");
        out
    }
}

/// The longest key of the run of single-line arguments that starts `args`.
fn run_width(args: &[(&'static str, Arg, bool)]) -> usize {
    args.iter()
        .enumerate()
        .take_while(|(j, (_, arg, blank))| arg.single_line() && (*j == 0 || !*blank))
        .map(|(_, (k, _, _))| k.len())
        .max()
        .unwrap_or(0)
}

/// Spaces that bring a key of `len` characters to `width`.
fn pad(out: &mut String, width: usize, len: usize) {
    for _ in len..width {
        out.push(' ');
    }
}

/// A tags map: quoted keys, in the plan's (sorted) order.
fn tags(tags: &BTreeMap<String, String>) -> Vec<(Val<'_>, Val<'_>)> {
    tags.iter()
        .map(|(k, v)| (Val::Str(k), Val::Str(v)))
        .collect()
}

/// Width of the text of a comment line inside a block (after `  # `).
const COMMENT_WIDTH: usize = 88;

/// Writes each sentence as `  # ` comment lines (each introduced by a newline), wrapped
/// at word boundaries.
fn write_why<'s>(out: &mut String, sentences: impl IntoIterator<Item = &'s str>) {
    for s in sentences {
        let mut len = 0;
        for word in s.split_whitespace() {
            if len > 0 && len + 1 + word.len() <= COMMENT_WIDTH {
                out.push(' ');
                len += 1;
            } else {
                out.push_str("\n  # ");
                len = 0;
            }
            out.push_str(word);
            len += word.len();
        }
    }
}

/// How the policy language spells an effect.
fn effect(e: Effect) -> Val<'static> {
    Val::Str(match e {
        Effect::Allow => "Allow",
    })
}

// ---------------------------------------------------------------------------------------
// Contexts.
// ---------------------------------------------------------------------------------------

/// What every file's header comment says.
#[derive(Serialize)]
struct Header<'a> {
    /// [`GENERATED_MARKER`].
    marker: &'a str,
    /// The project, in kebab case (validated: letters, digits and dashes).
    project: &'a str,
}

/// Context of `templates/terraform/versions.tf.tera`.
#[derive(Serialize)]
struct VersionsContext<'a> {
    /// [`GENERATED_MARKER`] and the project.
    header: &'a Header<'a>,
    /// The `hashicorp/time` provider is required (only for activation expiry offsets).
    time_provider: bool,
}

/// Context of `templates/terraform/main.tf.tera`: the top of `main.tf`, which the
/// fleets' sections follow.
#[derive(Serialize)]
struct MainContext<'a> {
    /// [`GENERATED_MARKER`] and the project.
    header: &'a Header<'a>,
    /// Deployment values the spec pins, as `what value` phrases for the header comment.
    pinned: Vec<String>,
    /// The data sources the pseudo values of the plan need, as `(type, name)`.
    data_sources: Vec<(&'static str, &'static str)>,
}

/// An `output` block: its name and its laid-out body.
#[derive(Serialize)]
struct Block {
    /// The output name.
    name: String,
    /// The body's lines, each introduced by a newline and indented, keys padded and
    /// values escaped; the template writes the block's header before and `}` after.
    body: String,
}

/// A laid-out text that several blocks share: fleets mostly repeat the same statements,
/// which are then escaped, wrapped and aligned once.
#[derive(Clone)]
struct Shared(Rc<str>);

impl Serialize for Shared {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Context of `templates/terraform/fleet.tf.tera`: everything one fleet creates, in
/// dependency order. Flat, because Tera resolves a dotted name segment by segment. Every
/// `*_body` is laid out like [`Block::body`]; a block is absent when its name is.
#[derive(Default, Serialize)]
struct FleetContext {
    /// The section comment (`Fleet web: EC2 instances, managed-core mode`).
    heading: String,
    /// The `aws_iam_role` ssmgen creates (absent when the fleet uses an existing role).
    role_name: Option<String>,
    role_body: Option<String>,
    /// The `aws_iam_policy_document` of the role's trust policy (with the role).
    trust_name: Option<String>,
    /// Its single statement.
    trust_body: Option<Shared>,
    /// The `aws_iam_role_policy_attachment` with one instance per AWS managed policy.
    managed_name: Option<String>,
    managed_body: Option<String>,
    /// The `aws_iam_instance_profile` of an EC2 fleet's role.
    profile_name: Option<String>,
    profile_body: Option<String>,
    /// Shared name of the customer managed policy's document, policy and attachment.
    policy_name: Option<String>,
    /// The `aws_iam_policy_document`: its statements, separated by empty lines.
    document_body: Option<Shared>,
    /// The `aws_iam_policy`.
    policy_body: Option<String>,
    /// The `aws_iam_role_policy_attachment`.
    attachment_body: Option<String>,
    /// The `time_offset` that fixes a hybrid activation's expiry.
    expiry_name: Option<String>,
    expiry_body: Option<String>,
    /// The `aws_ssm_activation`.
    activation_name: Option<String>,
    activation_body: Option<String>,
}

/// Context of one render of `templates/terraform/outputs.tf.tera`: a run of outputs,
/// after the file header in the first run.
#[derive(Serialize)]
struct OutputsContext<'a> {
    /// The file header; only in the first run.
    header: Option<&'a Header<'a>>,
    /// The `output` blocks of this run.
    outputs: Vec<Block>,
}

// ---------------------------------------------------------------------------------------
// From the plan.
// ---------------------------------------------------------------------------------------

const PARTITION_DATA: (&str, &str) = ("aws_partition", "current");
const REGION_DATA: (&str, &str) = ("aws_region", "current");
const CALLER_DATA: (&str, &str) = ("aws_caller_identity", "current");

/// The data sources `escape::HCL_PSEUDO` refers to, for the pseudo values the plan uses.
fn data_sources(plan: &Plan) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    for p in plan.pseudos() {
        let ds = match p {
            Pseudo::Partition | Pseudo::UrlSuffix => PARTITION_DATA,
            Pseudo::Region => REGION_DATA,
            Pseudo::AccountId => CALLER_DATA,
        };
        if !out.contains(&ds) {
            out.push(ds);
        }
    }
    // A fixed order that does not depend on which pseudo value came first.
    let rank = |d: &(&str, &str)| {
        [PARTITION_DATA, REGION_DATA, CALLER_DATA]
            .iter()
            .position(|x| x == d)
    };
    out.sort_by_key(rank);
    out
}

fn pinned(plan: &Plan) -> Vec<String> {
    let env = &plan.env;
    [
        ("partition", &env.partition),
        ("Region", &env.region),
        ("account", &env.account),
    ]
    .into_iter()
    .filter_map(|(what, v)| v.pinned().map(|s| format!("{what} {s}")))
    .collect()
}

/// `main.tf`: its top, then each fleet's section.
fn main_tf(plan: &Plan, header: &Header) -> Result<String, Error> {
    // The customer managed policies attached to each role, found once rather than by a
    // scan of every policy per activation.
    let mut attached: Vec<Vec<&str>> = vec![Vec::new(); plan.roles.len()];
    for p in &plan.policies {
        if let Attachment::Role(r) = p.attachment {
            attached
                .get_mut(r)
                .ok_or_else(|| dangling("role", r))?
                .push(&p.id.snake);
        }
    }
    let mut out = TEMPLATES.render(
        MAIN,
        &MainContext {
            header,
            pinned: pinned(plan),
            data_sources: data_sources(plan),
        },
    )?;
    let mut trusts = Recent::default();
    let mut documents = Recent::default();
    for (n, fp) in plan.fleets.iter().enumerate() {
        let mut f = FleetContext {
            heading: heading(fp),
            ..FleetContext::default()
        };
        if let Some(i) = fp.role {
            add_role(&mut f, plan, i, &mut trusts)?;
        }
        if let Some(i) = fp.instance_profile {
            add_instance_profile(&mut f, plan, i)?;
        }
        if let Some(i) = fp.policy {
            add_policy(&mut f, plan, i, &mut documents)?;
        }
        if let Some(i) = fp.activation {
            add_activation(&mut f, plan, i, &attached)?;
        }
        let section = TEMPLATES.render(FLEET, &f)?;
        if n == 0 {
            // Sections are alike: reserve for all of them at once rather than regrowing
            // a string of tens of megabytes (what is never written is never mapped in).
            out.reserve(section.len() * plan.fleets.len() * 3 / 2);
        }
        out.push_str(&section);
    }
    Ok(out)
}

/// How many distinct laid-out texts [`Recent`] keeps.
const RECENT: usize = 8;

/// The last few distinct texts laid out, with what each was laid out from. Bounded, so
/// that a plan whose fleets all differ costs a few failed comparisons per fleet, not a
/// search of every earlier fleet.
struct Recent<'p, K: ?Sized> {
    entries: Vec<(&'p K, Shared)>,
}

impl<K: ?Sized> Default for Recent<'_, K> {
    fn default() -> Self {
        Recent {
            entries: Vec::with_capacity(RECENT),
        }
    }
}

impl<'p, K: ?Sized + PartialEq> Recent<'p, K> {
    /// The text laid out from a key equal to `key`, else `lay_out(key)`, remembered.
    fn get(&mut self, key: &'p K, lay_out: impl FnOnce(&K) -> String) -> Shared {
        if let Some((_, text)) = self.entries.iter().find(|(k, _)| *k == key) {
            return text.clone();
        }
        let text = Shared(Rc::from(lay_out(key)));
        if self.entries.len() == RECENT {
            self.entries.remove(0);
        }
        self.entries.push((key, text.clone()));
        text
    }
}

/// The section comment of a fleet.
fn heading(fp: &FleetPlan) -> String {
    format!(
        "Fleet {}: {}, {} mode",
        fp.name,
        match fp.platform {
            crate::plan::Platform::Ec2 => "EC2 instances",
            crate::plan::Platform::Hybrid => "hybrid (on-premises) nodes",
        },
        match fp.mode {
            crate::plan::Mode::ManagedCore => "managed-core",
            crate::plan::Mode::SessionOnly => "session-only",
            crate::plan::Mode::ExistingRole => "existing-role",
        }
    )
}

fn dangling(what: &str, i: usize) -> Error {
    Error::Render {
        template: MAIN.into(),
        message: format!("the plan refers to {what} #{i}, which does not exist"),
    }
}

fn get_role(plan: &Plan, i: usize) -> Result<&Role, Error> {
    plan.roles.get(i).ok_or_else(|| dangling("role", i))
}

/// The `aws_iam_role_policy_attachment` of a role's AWS managed policies.
fn managed_attachment_name(role: &Role) -> String {
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
/// line introduced by a newline.
fn write_statement<'s>(
    out: &mut String,
    why: impl IntoIterator<Item = &'s str>,
    args: &Body,
    principals: Option<&Body>,
    conditions: &[Condition],
) {
    write_why(out, why);
    out.push_str("\n  statement {");
    args.write(out, "    ");
    if let Some(p) = principals {
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
        Some(&pr),
        &trust.conditions,
    );
    out
}

fn add_role<'p>(
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

fn add_instance_profile(f: &mut FleetContext, plan: &Plan, i: usize) -> Result<(), Error> {
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
    let arns: Vec<Text> = s.resources.iter().map(|r| r.arn(&plan.env)).collect();
    let mut b = Body::default();
    b.line("sid", Val::Str(&s.sid))
        .line("effect", effect(s.effect))
        .list("actions", s.actions.iter().map(|a| Val::Str(a)).collect())
        .list("resources", arns.iter().map(Val::Text).collect());
    write_statement(
        out,
        s.facts.iter().map(|f| f.summary),
        &b,
        None,
        &s.conditions,
    );
}

/// A policy document's body: its statements, separated by empty lines.
fn document_body(plan: &Plan, statements: &[Statement]) -> String {
    let mut out = String::with_capacity(512 * statements.len());
    for (n, s) in statements.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        write_policy_statement(&mut out, plan, s);
    }
    out
}

fn add_policy<'p>(
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
    f.document_body = Some(documents.get(&policy.statements, |s| document_body(plan, s)));
    f.policy_body = Some(p.block_body());
    f.attachment_body = Some(a.block_body());
    f.policy_name = Some(name.clone());
    Ok(())
}

fn add_activation(
    f: &mut FleetContext,
    plan: &Plan,
    i: usize,
    attached: &[Vec<&str>],
) -> Result<(), Error> {
    let act = plan
        .activations
        .get(i)
        .ok_or_else(|| dangling("activation", i))?;
    let role = get_role(plan, act.role)?;
    let expiry_name = format!("{}_expiry", act.id.snake);
    let mut e = Body::default();
    e.line("offset_hours", Val::Num(act.expiry_hours));
    f.expiry_body = Some(e.block_body());

    // Every policy attachment of the role, so that no node registers before the role
    // holds its permissions.
    let managed = (!role.managed_policies.is_empty()).then(|| managed_attachment_name(role));
    let depends_on: Vec<Val> = managed
        .iter()
        .map(String::as_str)
        .chain(attached.get(act.role).into_iter().flatten().copied())
        .map(|name| Val::Ref("aws_iam_role_policy_attachment.", name, ""))
        .collect();

    let r = &role.id.snake;
    // The API wants `path/name` without a leading slash; built from the role's
    // attributes so that the activation depends on the role.
    let iam_role =
        format!("trimprefix(\"${{aws_iam_role.{r}.path}}${{aws_iam_role.{r}.name}}\", \"/\")");
    let mut b = Body::default();
    if let Some(n) = &act.default_instance_name {
        b.line("name", Val::Str(n));
    }
    b.line("description", Val::Str(&act.description))
        .line("iam_role", Val::Raw(&iam_role))
        .line("registration_limit", Val::Num(act.registration_limit))
        .line(
            "expiration_date",
            Val::Ref("time_offset.", &expiry_name, ".rfc3339"),
        )
        .blank()
        .map("tags", tags(&act.tags));
    if !depends_on.is_empty() {
        b.blank().list("depends_on", depends_on);
    }
    f.activation_body = Some(b.block_body());
    f.expiry_name = Some(expiry_name);
    f.activation_name = Some(act.id.snake.clone());
    Ok(())
}

/// One output block.
fn output(name: String, description: &str, value: Val, sensitive: bool) -> Block {
    let mut b = Body::default();
    b.line("description", Val::Str(description))
        .line("value", value);
    if sensitive {
        b.line("sensitive", Val::Raw("true"));
    }
    Block {
        name,
        body: b.block_body(),
    }
}

fn plan_output(plan: &Plan, o: &crate::plan::Output) -> Result<Block, Error> {
    let value = match o.value {
        OutputValue::RoleArn { role } => {
            Val::Ref("aws_iam_role.", &get_role(plan, role)?.id.snake, ".arn")
        }
        OutputValue::RoleName { role } => {
            Val::Ref("aws_iam_role.", &get_role(plan, role)?.id.snake, ".name")
        }
        OutputValue::InstanceProfileName { profile } => {
            let p = plan
                .instance_profiles
                .get(profile)
                .ok_or_else(|| dangling("instance profile", profile))?;
            Val::Ref("aws_iam_instance_profile.", &p.id.snake, ".name")
        }
    };
    Ok(output(o.id.snake.clone(), &o.description, value, false))
}

/// The id and the (secret) code of an activation.
fn activation_outputs(
    plan: &Plan,
    a: &crate::plan::Activation,
    suffixes: &[Ident; 2],
) -> Result<[Block; 2], Error> {
    let fleet = &get_role(plan, a.role)?.fleet;
    let name = &a.id.snake;
    Ok([
        output(
            a.id.suffixed(&suffixes[0]).snake,
            &format!("Activation id to register the nodes of fleet {fleet} with"),
            Val::Ref("aws_ssm_activation.", name, ".id"),
            false,
        ),
        output(
            a.id.suffixed(&suffixes[1]).snake,
            &format!("Activation code to register the nodes of fleet {fleet} with (secret)"),
            Val::Ref("aws_ssm_activation.", name, ".activation_code"),
            true,
        ),
    ])
}

/// `outputs.tf`, a run of outputs at a time: the plan's outputs, then each activation's.
fn outputs_tf(plan: &Plan, header: &Header) -> Result<String, Error> {
    let plan_outputs = plan.outputs.iter().map(|o| plan_output(plan, o));
    let suffixes = [Ident::new("id"), Ident::new("code")];
    let activation_outputs = plan
        .activations
        .iter()
        .flat_map(|a| match activation_outputs(plan, a, &suffixes) {
            Ok([id, code]) => [Some(Ok(id)), Some(Ok(code))],
            Err(e) => [Some(Err(e)), None],
        })
        .flatten();
    let total = plan.outputs.len() + 2 * plan.activations.len();
    let mut blocks = plan_outputs.chain(activation_outputs);
    let mut out = String::new();
    let mut header = Some(header);
    // Runs of [`RUN`] outputs; the first run (which a file without outputs also gets)
    // carries the header.
    loop {
        let outputs = blocks
            .by_ref()
            .take(RUN)
            .collect::<Result<Vec<Block>, Error>>()?;
        if outputs.is_empty() && header.is_none() {
            break;
        }
        let n = outputs.len();
        let text = TEMPLATES.render(
            OUTPUTS,
            &OutputsContext {
                header: header.take(),
                outputs,
            },
        )?;
        if out.is_empty() {
            // Outputs are alike: reserve for all of them at once rather than regrowing.
            out.reserve(text.len() / n.max(1) * total * 5 / 4);
        }
        out.push_str(&text);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example_plan(name: &str) -> Plan {
        let (spec, _) = crate::spec::load(std::path::Path::new(&format!("examples/{name}.yaml")))
            .expect("example is valid");
        crate::plan::build::build(&spec)
    }

    fn file<'a>(files: &'a [OutFile], name: &str) -> &'a str {
        &files
            .iter()
            .find(|f| f.path == std::path::Path::new(name))
            .expect("file generated")
            .contents
    }

    #[test]
    fn runs_of_single_line_arguments_align_and_multi_line_values_break_them() {
        let mut b = Body::default();
        b.line("sid", Val::Str("A"))
            .line("effect", Val::Str("Allow"))
            .list("actions", vec![Val::Str("a"), Val::Str("b")])
            .list("resources", vec![Val::Str("*")])
            .blank()
            .line("x", Val::Num(1))
            .line("yy", Val::Num(2));
        let mut out = String::new();
        b.write(&mut out, "  ");
        // The key of each argument line (not of list items, brackets or blank lines).
        let keys: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
            .filter_map(|l| {
                l.trim_start()
                    .split(" = ")
                    .next()
                    .filter(|_| l.contains(" = "))
            })
            .collect();
        assert_eq!(
            keys,
            ["sid   ", "effect", "actions", "resources", "x ", "yy"]
        );
    }

    /// Every `${` and `%{` that starts an interpolation or directive (not doubled into a
    /// literal) must open one of the references the generator writes itself.
    fn live_templates(hcl: &str) -> Vec<String> {
        let mut out = Vec::new();
        let b = hcl.as_bytes();
        let mut i = 0;
        while i + 1 < b.len() {
            if (b[i] == b'$' || b[i] == b'%') && b[i + 1] == b'{' {
                out.push(hcl[i..].chars().take(24).collect());
                i += 2;
            } else if (b[i] == b'$' || b[i] == b'%') && b[i + 1] == b[i] {
                i += 2; // `$$` or `%%`: an escaped opener, skip both
            } else {
                i += 1;
            }
        }
        out
    }

    #[test]
    fn hostile_strings_stay_literals() {
        let hostile = "${file(\"/etc/passwd\")} %{ if true }x%{ endif }\"\nq\\";
        let escaped = r#""$${file(\"/etc/passwd\")} %%{ if true }x%%{ endif }\"\nq\\""#;
        let baseline = example_plan("hybrid-activation");
        let mut plan = baseline.clone();
        // Replace values (not add entries) so that the layout must stay line for line.
        let role = &mut plan.roles[0];
        role.description = hostile.into();
        role.tags = role
            .tags
            .keys()
            .map(|k| (k.clone(), hostile.into()))
            .collect();
        role.tags.insert(hostile.to_string(), "k".into());
        let act = &mut plan.activations[0];
        act.description = hostile.into();
        act.default_instance_name = Some(hostile.into());
        act.tags = act
            .tags
            .keys()
            .map(|k| (k.clone(), hostile.into()))
            .collect();
        plan.policies[0].description = hostile.into();

        let main = Terraform
            .render(&plan, &Options::default())
            .expect("renders");
        let main = file(&main, "main.tf").to_string();
        let base = Terraform
            .render(&baseline, &Options::default())
            .expect("renders");
        let base = file(&base, "main.tf");
        if let Ok(dir) = std::env::var("SSMGEN_TF_DUMP") {
            // For a manual check with hclfmt / python-hcl2.
            std::fs::write(std::path::Path::new(&dir).join("hostile.tf"), &main).expect("dump");
        }

        // The role's and the activation's descriptions, aligned in their runs.
        assert_eq!(
            main.matches(&format!("description        = {escaped}"))
                .count(),
            2
        );
        assert!(main.contains(&format!("name               = {escaped}")));
        assert!(main.contains(&format!("    {escaped} = \"k\"")));
        assert_eq!(main.matches(escaped).count(), 8);
        // One extra line for the added tag key; no string spills onto another line.
        assert_eq!(main.lines().count(), base.lines().count() + 1);
        for t in live_templates(&main) {
            assert!(
                t.starts_with("${data.aws_") || t.starts_with("${aws_iam_role."),
                "unexpected live template {t:?}"
            );
        }
        assert_eq!(live_templates(&main).len(), live_templates(base).len());
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

    #[test]
    fn data_sources_follow_the_pseudo_values_used() {
        let files = Terraform
            .render(&example_plan("govcloud"), &Options::default())
            .expect("renders");
        let main = file(&files, "main.tf");
        assert!(!main.contains("data \"aws_partition\""));
        assert!(!main.contains("data \"aws_caller_identity\""));
        let files = Terraform
            .render(&example_plan("vpc-endpoints"), &Options::default())
            .expect("renders");
        let main = file(&files, "main.tf");
        assert!(main.contains("data \"aws_partition\" \"current\" {}"));
        assert!(!main.contains("data \"aws_region\""));
    }

    #[test]
    fn activations_wait_for_every_attachment_and_hide_their_code() {
        let plan = example_plan("mixed-fleets");
        let files = Terraform
            .render(&plan, &Options::default())
            .expect("renders");
        let main = file(&files, "main.tf");
        assert!(
            main.contains("depends_on = [aws_iam_role_policy_attachment.stores_session_policy]")
        );
        assert!(main.contains("expiration_date    = time_offset.stores_activation_expiry.rfc3339"));
        let outputs = file(&files, "outputs.tf");
        assert!(outputs.contains("activation_code\n  sensitive   = true"));
        assert!(file(&files, "versions.tf").contains("hashicorp/time"));
        let plain = Terraform
            .render(&example_plan("managed-core-ec2"), &Options::default())
            .expect("renders");
        assert!(!file(&plain, "versions.tf").contains("hashicorp/time"));
    }

    #[test]
    fn every_file_says_it_is_generated() {
        for ex in ["mixed-fleets", "existing-role"] {
            let files = Terraform
                .render(&example_plan(ex), &Options::default())
                .expect("renders");
            for f in &files {
                assert!(
                    f.contents
                        .lines()
                        .take(5)
                        .any(|l| l.contains(GENERATED_MARKER)),
                    "{}",
                    f.path.display()
                );
                assert!(f.contents.ends_with("}\n"));
            }
        }
    }
}
