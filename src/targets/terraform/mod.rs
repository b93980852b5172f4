//! Terraform: a module folder (`versions.tf`, `main.tf`, `import.tf` when the spec manages
//! the account's default preferences document, `operators.tf` when the spec has
//! operators, `outputs.tf`) that creates the plan's roles, instance profiles, policies,
//! hybrid activations, Session Manager preferences documents, service settings and
//! operator policies, and the session key, log bucket and log group the spec creates, with
//! the AWS provider.
//!
//! The output is exactly what `terraform fmt` writes, so that a formatting check in CI
//! never fights the generator. `terraform fmt` aligns the `=` of consecutive single-line
//! arguments of a body; every block body is therefore laid out in Rust (`hcl.rs`: keys
//! padded, values escaped, lines indented) and the templates only frame the blocks: file
//! header, section order, block headers and comments.
//!
//! A plan can hold many thousands of fleets, so no context ever holds all of them: each
//! fleet's section of `main.tf` is rendered on its own (its names are then top-level
//! variables, which Tera finds much faster than dotted paths into a list), and
//! `outputs.tf` a run of outputs at a time. Fleets mostly repeat the same trust and
//! policy statements, which are laid out once and shared.
//!
//! Each file of this folder holds one concern: `hcl.rs` writes HCL as `terraform fmt`
//! does; `iam.rs` (roles, instance profiles, policies), `activation.rs` (hybrid
//! activations) and `session.rs` (preferences documents) each lay out one family of
//! resources into a fleet's `FleetContext` (`session.rs` also the account's service
//! settings, which follow the fleets); `created.rs` writes the session key, log bucket and
//! log group the spec asks to create, in a section of `main.tf` before the fleets';
//! `imports.rs` writes `import.tf`, `operators.rs` `operators.tf` and `outputs.rs`
//! `outputs.tf`. This file chooses the files and their order, and assembles each fleet's
//! section of `main.tf` from the families. A new family of resources is a new file beside
//! `iam.rs` with its `add_*` function, its fields in `FleetContext` (and its blocks in
//! `section.rs`), and one call in `main_tf`.

mod activation;
mod created;
mod hcl;
mod iam;
mod imports;
mod layout;
mod operators;
mod outputs;
mod section;
mod session;

use std::path::PathBuf;
use std::rc::Rc;

use super::{Options, OutFile, Target, TemplateRef, GENERATED_MARKER};
use crate::error::Error;
use crate::plan::{Attachment, FleetPlan, Plan, Pseudo, Role};
use crate::render::Templates;

/// No templates: every file is written by `layout.rs` (frames) and the families.
static TEMPLATES: Templates = Templates::new(&[]);

pub struct Terraform;

impl Target for Terraform {
    fn name(&self) -> &'static str {
        "terraform"
    }

    fn templates(&self) -> &'static Templates {
        &TEMPLATES
    }

    fn templates_used(&self, _plan: &Plan, _options: &Options) -> Vec<TemplateRef> {
        Vec::new()
    }

    fn render(&self, plan: &Plan, _options: &Options) -> Result<Vec<OutFile>, Error> {
        let header = Header {
            marker: GENERATED_MARKER,
            project: &plan.project.kebab,
        };
        let mut files = vec![
            OutFile {
                path: PathBuf::from("versions.tf"),
                contents: layout::versions(&VersionsContext {
                    header: &header,
                    time_provider: !plan.activations.is_empty(),
                }),
            },
            OutFile {
                path: PathBuf::from("main.tf"),
                contents: main_tf(plan, &header)?,
            },
        ];
        // The account's default document exists before the module: adopted, not created.
        if let Some(contents) = imports::import_tf(plan, &header)? {
            files.push(OutFile {
                path: PathBuf::from("import.tf"),
                contents,
            });
        }
        if !plan.operator_policies.is_empty() {
            files.push(OutFile {
                path: PathBuf::from("operators.tf"),
                contents: operators::operators_tf(plan, &header)?,
            });
        }
        if !plan.outputs.is_empty() || !plan.activations.is_empty() {
            files.push(OutFile {
                path: PathBuf::from("outputs.tf"),
                contents: outputs::outputs_tf(plan, &header)?,
            });
        }
        Ok(files)
    }
}

// ---------------------------------------------------------------------------------------
// Contexts.
// ---------------------------------------------------------------------------------------

/// What every file's header comment says.
struct Header<'a> {
    /// [`GENERATED_MARKER`].
    marker: &'a str,
    /// The project, in kebab case (validated: letters, digits and dashes).
    project: &'a str,
}

/// What `layout::versions` writes `versions.tf` from.
struct VersionsContext<'a> {
    /// [`GENERATED_MARKER`] and the project.
    header: &'a Header<'a>,
    /// The `hashicorp/time` provider is required (only for activation expiry offsets).
    time_provider: bool,
}

/// What `layout::main_top` writes the top of `main.tf` from, which the
/// fleets' sections follow.
struct MainContext<'a> {
    /// [`GENERATED_MARKER`] and the project.
    header: &'a Header<'a>,
    /// Deployment values the spec pins, as `what value` phrases for the header comment.
    pinned: Vec<String>,
    /// The module also writes preferences documents or service settings.
    session_setup: bool,
    /// The data sources the pseudo values of the plan (and its Region check) need, as
    /// `(type, name, body)`, the body laid out from its `{`.
    data_sources: Vec<(&'static str, &'static str, String)>,
}

/// A laid-out text that several blocks share: fleets mostly repeat the same statements,
/// which are then escaped, wrapped and aligned once.
#[derive(Clone)]
struct Shared(Rc<str>);

/// Everything one fleet creates, in dependency order, written by `section.rs`. Every
/// `*_body` is laid out like [`outputs::Block::body`]; a block is absent when its name is.
#[derive(Default)]
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
    /// The `#checkov:skip` lines that start the `aws_iam_policy_document`.
    document_skips: String,
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
    /// The `aws_ssm_document` of the fleet's session preferences (in the section of the
    /// first fleet that uses it), with the comment lines above it.
    session_document_name: Option<String>,
    session_document_comment: Option<String>,
    /// The `#checkov:skip` lines that start the `aws_ssm_document`.
    session_document_skips: String,
    session_document_body: Option<String>,
}

// ---------------------------------------------------------------------------------------
// From the plan.
// ---------------------------------------------------------------------------------------

const PARTITION_DATA: (&str, &str) = ("aws_partition", "current");
const REGION_DATA: (&str, &str) = ("aws_region", "current");
const CALLER_DATA: (&str, &str) = ("aws_caller_identity", "current");

/// The body of `data "aws_region" "current"` that fails the plan in any other Region than
/// the one the plan requires (a postcondition, so `terraform plan` stops before any
/// change; Terraform wants its message to be a sentence, which the reason is).
fn region_check(r: &crate::plan::RequiredRegion) -> String {
    let mut out = String::from(
        "{\n  lifecycle {\n    postcondition {\n      condition     = self.region == ",
    );
    crate::render::escape::push_hcl_str(&mut out, &r.region);
    out.push_str("\n      error_message = ");
    crate::render::escape::push_hcl_str(&mut out, &r.reason);
    out.push_str("\n    }\n  }\n}");
    out
}

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
    if plan.required_region.is_some() && !out.contains(&REGION_DATA) {
        out.push(REGION_DATA);
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
    let mut out = layout::main_top(&MainContext {
        header,
        pinned: pinned(plan),
        session_setup: !plan.documents.is_empty() || !plan.service_settings.is_empty(),
        data_sources: data_sources(plan)
            .into_iter()
            .map(|(kind, name)| {
                let body = match plan.required_region.as_ref() {
                    Some(r) if (kind, name) == REGION_DATA => region_check(r),
                    _ => "{}".to_string(),
                };
                (kind, name, body)
            })
            .collect(),
    });
    out.push_str(&created::section(plan)?);
    let mut trusts = Recent::default();
    let mut documents = Recent::default();
    let mut documents_written = vec![false; plan.documents.len()];
    for (n, fp) in plan.fleets.iter().enumerate() {
        let mut f = FleetContext {
            heading: heading(fp),
            ..FleetContext::default()
        };
        if let Some(i) = fp.role {
            iam::add_role(&mut f, plan, i, &mut trusts)?;
        }
        if let Some(i) = fp.instance_profile {
            iam::add_instance_profile(&mut f, plan, i)?;
        }
        if let Some(i) = fp.policy {
            iam::add_policy(&mut f, plan, i, &mut documents)?;
        }
        if let Some(i) = fp.document {
            session::add_document(&mut f, plan, i, &mut documents_written)?;
        }
        if let Some(i) = fp.activation {
            activation::add_activation(&mut f, plan, i, &attached)?;
        }
        if n == 0 {
            // Sections are alike: reserve for all of them at once rather than regrowing
            // a string of tens of megabytes (what is never written is never mapped in).
            let before = out.len();
            f.write(&mut out);
            out.reserve((out.len() - before) * plan.fleets.len() * 3 / 2);
        } else {
            f.write(&mut out);
        }
    }
    if !plan.service_settings.is_empty() {
        out.push_str(&layout::settings(&session::settings(plan)?));
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
        fp.mode.name()
    )
}

fn dangling(what: &str, i: usize) -> Error {
    Error::Render {
        template: "terraform/main.tf".into(),
        message: format!("the plan refers to {what} #{i}, which does not exist"),
    }
}

fn get_role(plan: &Plan, i: usize) -> Result<&Role, Error> {
    plan.roles.get(i).ok_or_else(|| dangling("role", i))
}

#[cfg(test)]
mod tests;
