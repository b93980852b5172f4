//! Terraform: a module folder (`versions.tf`, `main.tf`, `outputs.tf`) that creates the
//! plan's roles, instance profiles, policies and hybrid activations with the AWS provider.
//!
//! The output is exactly what `terraform fmt` writes, so that a formatting check in CI
//! never fights the generator. `terraform fmt` aligns the `=` of consecutive single-line
//! arguments of a body; every argument list is therefore built here as [`Arg`]s whose
//! keys are already padded, and the templates only lay the lines out.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::{Options, OutFile, Target, GENERATED_MARKER};
use crate::error::Error;
use crate::plan::{
    Attachment, Condition, Effect, Ident, OutputValue, Plan, Pseudo, Role, Statement,
};
use crate::render::escape::{hcl_expr, hcl_str};
use crate::render::{self, Template};

const MACROS: &str = "terraform/macros";
const VERSIONS: &str = "terraform/versions.tf";
const MAIN: &str = "terraform/main.tf";
const OUTPUTS: &str = "terraform/outputs.tf";

pub const TEMPLATES: &[Template] = &[
    (
        MACROS,
        include_str!("../../templates/terraform/macros.tera"),
    ),
    (
        VERSIONS,
        include_str!("../../templates/terraform/versions.tf.tera"),
    ),
    (MAIN, include_str!("../../templates/terraform/main.tf.tera")),
    (
        OUTPUTS,
        include_str!("../../templates/terraform/outputs.tf.tera"),
    ),
];

pub struct Terraform;

impl Target for Terraform {
    fn name(&self) -> &'static str {
        "terraform"
    }

    fn render(&self, plan: &Plan, _options: &Options) -> Result<Vec<OutFile>, Error> {
        let header = Header {
            marker: GENERATED_MARKER,
            project: &plan.project.kebab,
        };
        let mut files = vec![
            OutFile {
                path: PathBuf::from("versions.tf"),
                contents: render::render(
                    VERSIONS,
                    &VersionsContext {
                        header: &header,
                        time_provider: !plan.activations.is_empty(),
                    },
                )?,
            },
            OutFile {
                path: PathBuf::from("main.tf"),
                contents: render::render(MAIN, &main_context(plan, &header)?)?,
            },
        ];
        let outputs = outputs(plan)?;
        if !outputs.is_empty() {
            files.push(OutFile {
                path: PathBuf::from("outputs.tf"),
                contents: render::render(
                    OUTPUTS,
                    &OutputsContext {
                        header: &header,
                        outputs,
                    },
                )?,
            });
        }
        Ok(files)
    }
}

// ---------------------------------------------------------------------------------------
// Argument lists, padded as `terraform fmt` pads them.
// ---------------------------------------------------------------------------------------

/// One argument of a block body (or one entry of a map), ready to print.
#[derive(Debug, Serialize)]
struct Arg {
    /// The argument name or quoted map key, followed by the spaces that align its `=`
    /// with the other single-line arguments of its run.
    key: String,
    /// The expression of a single-line argument.
    value: Option<String>,
    /// The items of a list written one per line (with trailing commas).
    list: Option<Vec<String>>,
    /// The entries of a map written one per line, keys already padded.
    map: Option<Vec<Arg>>,
    /// Whether an empty line precedes the argument.
    blank_before: bool,
}

/// The value of an argument before layout.
enum Val {
    Line(String),
    List(Vec<String>),
    Map(Vec<(String, String)>),
}

/// Builds one body's arguments in order, then aligns them.
#[derive(Default)]
struct Body {
    args: Vec<(String, Val, bool)>,
    blank_next: bool,
}

impl Body {
    fn push(&mut self, key: &str, val: Val) -> &mut Self {
        // A blank line only separates arguments; none leads a body.
        let blank = self.blank_next && !self.args.is_empty();
        self.blank_next = false;
        self.args.push((key.to_string(), val, blank));
        self
    }

    /// A single-line argument.
    fn line(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.push(key, Val::Line(value.into()))
    }

    /// A list argument: on one line when it holds at most one item, else one item a line.
    fn list(&mut self, key: &str, items: Vec<String>) -> &mut Self {
        if items.len() <= 1 {
            let inline = format!("[{}]", items.join(", "));
            self.push(key, Val::Line(inline))
        } else {
            self.push(key, Val::List(items))
        }
    }

    /// A map argument, one entry a line; an empty map is left out.
    fn map(&mut self, key: &str, entries: Vec<(String, String)>) -> &mut Self {
        if entries.is_empty() {
            return self;
        }
        self.push(key, Val::Map(entries))
    }

    /// Puts an empty line before the next argument.
    fn blank(&mut self) -> &mut Self {
        self.blank_next = true;
        self
    }

    /// Pads the keys of every run of consecutive single-line arguments to the run's
    /// longest key. `terraform fmt` ends a run at an empty line and at a multi-line
    /// value (whose first line ends in an open bracket), and counts characters.
    fn finish(&mut self) -> Vec<Arg> {
        let args = std::mem::take(&mut self.args);
        let mut run_of = Vec::with_capacity(args.len());
        let mut widths: Vec<usize> = Vec::new();
        let mut open = false;
        for (key, val, blank) in &args {
            match val {
                Val::Line(_) => {
                    if !open || *blank {
                        widths.push(0);
                        open = true;
                    }
                    let run = widths.len() - 1;
                    widths[run] = widths[run].max(key.chars().count());
                    run_of.push(Some(run));
                }
                Val::List(_) | Val::Map(_) => {
                    open = false;
                    run_of.push(None);
                }
            }
        }
        args.into_iter()
            .zip(run_of)
            .map(|((key, val, blank_before), run)| {
                let key = match run {
                    Some(r) => pad(&key, widths[r]),
                    None => key,
                };
                let mut arg = Arg {
                    key,
                    value: None,
                    list: None,
                    map: None,
                    blank_before,
                };
                match val {
                    Val::Line(v) => arg.value = Some(v),
                    Val::List(items) => arg.list = Some(items),
                    Val::Map(entries) => arg.map = Some(map_entries(entries)),
                }
                arg
            })
            .collect()
    }
}

/// The entries of a multi-line map: one run, keys padded to the longest.
fn map_entries(entries: Vec<(String, String)>) -> Vec<Arg> {
    let width = entries
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    entries
        .into_iter()
        .map(|(k, v)| Arg {
            key: pad(&k, width),
            value: Some(v),
            list: None,
            map: None,
            blank_before: false,
        })
        .collect()
}

fn pad(key: &str, width: usize) -> String {
    let mut out = key.to_string();
    out.extend(std::iter::repeat_n(
        ' ',
        width.saturating_sub(key.chars().count()),
    ));
    out
}

/// A tags map: quoted keys, in the plan's (sorted) order.
fn tags(tags: &BTreeMap<String, String>) -> Vec<(String, String)> {
    tags.iter().map(|(k, v)| (hcl_str(k), hcl_str(v))).collect()
}

/// Width of the text of a comment line inside a block (after `  # `).
const COMMENT_WIDTH: usize = 88;

/// Each sentence on its own comment lines, wrapped at word boundaries.
fn wrap(sentences: &[&str]) -> Vec<String> {
    let mut lines = Vec::new();
    for s in sentences {
        let mut line = String::new();
        for word in s.split_whitespace() {
            if !line.is_empty() && line.len() + 1 + word.len() > COMMENT_WIDTH {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    lines
}

/// How the policy language spells an effect.
fn effect(e: Effect) -> String {
    hcl_str(match e {
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
    header: &'a Header<'a>,
    /// The `hashicorp/time` provider is required (only for activation expiry offsets).
    time_provider: bool,
}

/// Context of `templates/terraform/main.tf.tera`.
#[derive(Serialize)]
struct MainContext<'a> {
    header: &'a Header<'a>,
    /// Deployment values the spec pins, as `what value` phrases for the header comment.
    pinned: Vec<String>,
    /// The data sources the pseudo values of the plan need, as `(type, name)`.
    data_sources: Vec<(&'static str, &'static str)>,
    fleets: Vec<FleetContext>,
}

/// Everything one fleet creates, in dependency order.
#[derive(Serialize)]
struct FleetContext {
    /// The section comment (`Fleet web: EC2 instances, managed-core mode`).
    heading: String,
    role: Option<RoleContext>,
    /// The instance profile of an EC2 fleet's role.
    instance_profile: Option<Block>,
    policy: Option<PolicyContext>,
    activation: Option<ActivationContext>,
}

/// A block whose body is a single argument list.
#[derive(Serialize)]
struct Block {
    /// The Terraform resource or data source name.
    name: String,
    args: Vec<Arg>,
}

/// A `statement` block of an `aws_iam_policy_document`.
#[derive(Serialize)]
struct StatementContext {
    /// Why the statement exists (static fact summaries), wrapped into comment lines.
    why: Vec<String>,
    /// `sid`, `effect`, `actions`, `resources`.
    args: Vec<Arg>,
    /// The `principals` block's arguments (trust policies only).
    principals: Option<Vec<Arg>>,
    /// One argument list per `condition` block.
    conditions: Vec<Vec<Arg>>,
}

/// A role ssmgen creates, with its trust policy and AWS managed policy attachments.
#[derive(Serialize)]
struct RoleContext {
    /// The trust policy document's data source name.
    trust_name: String,
    trust: StatementContext,
    /// The `aws_iam_role`.
    role: Block,
    /// The `aws_iam_role_policy_attachment` with one instance per AWS managed policy.
    managed: Option<Block>,
}

/// A customer managed policy, its document and its attachment.
#[derive(Serialize)]
struct PolicyContext {
    /// Shared name of the document, the policy and the attachment.
    name: String,
    statements: Vec<StatementContext>,
    policy: Vec<Arg>,
    attachment: Vec<Arg>,
}

/// A hybrid activation and its expiry.
#[derive(Serialize)]
struct ActivationContext {
    /// The `time_offset` resource.
    expiry: Block,
    /// The `aws_ssm_activation` resource.
    activation: Block,
}

/// Context of `templates/terraform/outputs.tf.tera`.
#[derive(Serialize)]
struct OutputsContext<'a> {
    header: &'a Header<'a>,
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

fn main_context<'a>(plan: &'a Plan, header: &'a Header<'a>) -> Result<MainContext<'a>, Error> {
    let mut fleets = Vec::with_capacity(plan.fleets.len());
    for fp in &plan.fleets {
        let role = fp.role.map(|i| role_context(plan, i)).transpose()?;
        let instance_profile = fp
            .instance_profile
            .map(|i| {
                let p = plan
                    .instance_profiles
                    .get(i)
                    .ok_or_else(|| dangling("instance profile", i))?;
                let role = get_role(plan, p.role)?;
                let mut b = Body::default();
                b.line("name", hcl_str(&p.name))
                    .line("path", hcl_str(&p.path))
                    .line("role", format!("aws_iam_role.{}.name", role.id.snake));
                Ok::<_, Error>(Block {
                    name: p.id.snake.clone(),
                    args: b.finish(),
                })
            })
            .transpose()?;
        let policy = fp.policy.map(|i| policy_context(plan, i)).transpose()?;
        let activation = fp
            .activation
            .map(|i| activation_context(plan, i))
            .transpose()?;
        fleets.push(FleetContext {
            heading: format!(
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
            ),
            role,
            instance_profile,
            policy,
            activation,
        });
    }
    Ok(MainContext {
        header,
        pinned: pinned(plan),
        data_sources: data_sources(plan),
        fleets,
    })
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

fn condition_args(c: &Condition) -> Vec<Arg> {
    let mut b = Body::default();
    b.line("test", hcl_str(c.operator))
        .line("variable", hcl_str(c.key))
        .list("values", c.values.iter().map(hcl_expr).collect());
    b.finish()
}

fn role_context(plan: &Plan, i: usize) -> Result<RoleContext, Error> {
    let role = get_role(plan, i)?;
    let snake = &role.id.snake;
    let trust_name = format!("{snake}_trust");

    let mut st = Body::default();
    st.line("effect", effect(role.trust.effect))
        .list("actions", vec![hcl_str(role.trust.action)]);
    let mut pr = Body::default();
    pr.line("type", hcl_str("Service"))
        .list("identifiers", vec![hcl_expr(&role.trust.service)]);
    let trust = StatementContext {
        why: wrap(&[role.trust.fact.summary]),
        args: st.finish(),
        principals: Some(pr.finish()),
        conditions: role.trust.conditions.iter().map(condition_args).collect(),
    };

    let mut b = Body::default();
    b.line("name", hcl_str(&role.name))
        .line("path", hcl_str(&role.path))
        .line("description", hcl_str(&role.description))
        .line(
            "assume_role_policy",
            format!("data.aws_iam_policy_document.{trust_name}.json"),
        );
    if let Some(boundary) = &role.permissions_boundary {
        b.line("permissions_boundary", hcl_expr(boundary));
    }
    b.blank().map("tags", tags(&role.tags));

    let managed = if role.managed_policies.is_empty() {
        None
    } else {
        let mut m = Body::default();
        // Keyed by policy name so that each attachment's address stays stable when the
        // list changes.
        m.map(
            "for_each",
            role.managed_policies
                .iter()
                .map(|p| (hcl_str(&p.name), hcl_expr(&p.arn)))
                .collect(),
        )
        .blank()
        .line("role", format!("aws_iam_role.{snake}.name"))
        .line("policy_arn", "each.value");
        Some(Block {
            name: managed_attachment_name(role),
            args: m.finish(),
        })
    };

    Ok(RoleContext {
        trust_name,
        trust,
        role: Block {
            name: snake.clone(),
            args: b.finish(),
        },
        managed,
    })
}

fn statement_context(plan: &Plan, s: &Statement) -> StatementContext {
    let mut b = Body::default();
    b.line("sid", hcl_str(&s.sid))
        .line("effect", effect(s.effect))
        .list("actions", s.actions.iter().map(|a| hcl_str(a)).collect())
        .list(
            "resources",
            s.resources
                .iter()
                .map(|r| hcl_expr(&r.arn(&plan.env)))
                .collect(),
        );
    StatementContext {
        why: wrap(&s.facts.iter().map(|f| f.summary).collect::<Vec<_>>()),
        args: b.finish(),
        principals: None,
        conditions: s.conditions.iter().map(condition_args).collect(),
    }
}

fn policy_context(plan: &Plan, i: usize) -> Result<PolicyContext, Error> {
    let policy = plan.policies.get(i).ok_or_else(|| dangling("policy", i))?;
    let name = policy.id.snake.clone();
    let mut p = Body::default();
    p.line("name", hcl_str(&policy.name))
        .line("path", hcl_str(&policy.path))
        .line("description", hcl_str(&policy.description))
        .line(
            "policy",
            format!("data.aws_iam_policy_document.{name}.json"),
        );
    let role = match &policy.attachment {
        Attachment::Role(r) => format!("aws_iam_role.{}.name", get_role(plan, *r)?.id.snake),
        Attachment::ExistingRole(existing) => hcl_str(existing),
    };
    let mut a = Body::default();
    a.line("role", role)
        .line("policy_arn", format!("aws_iam_policy.{name}.arn"));
    Ok(PolicyContext {
        statements: policy
            .statements
            .iter()
            .map(|s| statement_context(plan, s))
            .collect(),
        policy: p.finish(),
        attachment: a.finish(),
        name,
    })
}

fn activation_context(plan: &Plan, i: usize) -> Result<ActivationContext, Error> {
    let act = plan
        .activations
        .get(i)
        .ok_or_else(|| dangling("activation", i))?;
    let role = get_role(plan, act.role)?;
    let expiry_name = format!("{}_expiry", act.id.snake);
    let mut e = Body::default();
    e.line("offset_hours", act.expiry_hours.to_string());

    // Every policy attachment of the role, so that no node registers before the role
    // holds its permissions.
    let mut depends_on = Vec::new();
    if !role.managed_policies.is_empty() {
        depends_on.push(format!(
            "aws_iam_role_policy_attachment.{}",
            managed_attachment_name(role)
        ));
    }
    for p in &plan.policies {
        if matches!(p.attachment, Attachment::Role(r) if r == act.role) {
            depends_on.push(format!("aws_iam_role_policy_attachment.{}", p.id.snake));
        }
    }

    let r = format!("aws_iam_role.{}", role.id.snake);
    let mut b = Body::default();
    if let Some(n) = &act.default_instance_name {
        b.line("name", hcl_str(n));
    }
    b.line("description", hcl_str(&act.description))
        // The API wants `path/name` without a leading slash; built from the role's
        // attributes so that the activation depends on the role.
        .line(
            "iam_role",
            format!("trimprefix(\"${{{r}.path}}${{{r}.name}}\", \"/\")"),
        )
        .line("registration_limit", act.registration_limit.to_string())
        .line(
            "expiration_date",
            format!("time_offset.{expiry_name}.rfc3339"),
        )
        .blank()
        .map("tags", tags(&act.tags));
    if !depends_on.is_empty() {
        b.blank().list("depends_on", depends_on);
    }
    Ok(ActivationContext {
        expiry: Block {
            name: expiry_name,
            args: e.finish(),
        },
        activation: Block {
            name: act.id.snake.clone(),
            args: b.finish(),
        },
    })
}

/// One output block.
fn output(name: &str, description: &str, value: String, sensitive: bool) -> Block {
    let mut b = Body::default();
    b.line("description", hcl_str(description))
        .line("value", value);
    if sensitive {
        b.line("sensitive", "true");
    }
    Block {
        name: name.to_string(),
        args: b.finish(),
    }
}

fn outputs(plan: &Plan) -> Result<Vec<Block>, Error> {
    let mut out = Vec::new();
    for o in &plan.outputs {
        let value = match o.value {
            OutputValue::RoleArn { role } => {
                format!("aws_iam_role.{}.arn", get_role(plan, role)?.id.snake)
            }
            OutputValue::RoleName { role } => {
                format!("aws_iam_role.{}.name", get_role(plan, role)?.id.snake)
            }
            OutputValue::InstanceProfileName { profile } => {
                let p = plan
                    .instance_profiles
                    .get(profile)
                    .ok_or_else(|| dangling("instance profile", profile))?;
                format!("aws_iam_instance_profile.{}.name", p.id.snake)
            }
        };
        out.push(output(&o.id.snake, &o.description, value, false));
    }
    for a in &plan.activations {
        let fleet = &get_role(plan, a.role)?.fleet;
        let res = format!("aws_ssm_activation.{}", a.id.snake);
        out.push(output(
            &Ident::new(&format!("{}-id", a.id.kebab)).snake,
            &format!("Activation id to register the nodes of fleet {fleet} with"),
            format!("{res}.id"),
            false,
        ));
        out.push(output(
            &Ident::new(&format!("{}-code", a.id.kebab)).snake,
            &format!("Activation code to register the nodes of fleet {fleet} with (secret)"),
            format!("{res}.activation_code"),
            true,
        ));
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
        b.line("sid", "\"A\"")
            .line("effect", "\"Allow\"")
            .list("actions", vec!["\"a\"".into(), "\"b\"".into()])
            .list("resources", vec!["\"*\"".into()])
            .blank()
            .line("x", "1")
            .line("yy", "2");
        let keys: Vec<String> = b.finish().into_iter().map(|a| a.key).collect();
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
