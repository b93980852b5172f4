//! AWS CDK v2 for Python: one construct class that holds every role, instance profile,
//! policy and output of the plan; with `--scaffold`, a whole CDK app around it.
//!
//! Every value comes from the plan and reaches the code through the Python escapers
//! (`py_str`, `py_text`). Code identifiers (class, attributes, module) and the comments
//! and docstrings are built only from the plan's [`Ident`](crate::plan::Ident)s, which
//! come from project and fleet names that validation restricts to lowercase letters,
//! digits and hyphens.
//!
//! The output is laid out as `black` (line length 88) would leave it: calls whose
//! arguments do not fit on one line are exploded one argument a line with a trailing
//! ("magic") comma, which `black` keeps; everything else is written on one line. The
//! decision is made here, in [`python::Py::lay`], so that templates only place the
//! pieces.
//!
//! Specs may hold thousands of fleets. Each resource of the module is written here as
//! one laid-out, escaped statement, and the module is rendered a run of fleets at a time
//! (see [`construct`]): the template does no per-value work and no context holds every
//! fleet, which keeps time and memory linear and small.
//!
//! The folder holds one file per concern. This file is the target: its templates, which
//! files it writes in which order, the assembly of the module from runs of fleets, and
//! lookups into the plan. `python.rs` writes Python (expressions and their layout),
//! `ids.rs` keeps construct ids unique, `iam.rs` writes the IAM resources of a fleet
//! (roles, instance profiles, managed policies), `nag.rs` the cdk-nag findings these carry
//! on purpose, `ssm.rs` the preferences documents and service settings, `operators.rs`
//! the operator policies, `activation.rs` the activation provider and the custom
//! resources of the hybrid activations, `created.rs` the session key, log bucket and log
//! group the spec creates, `outputs.rs` the stack outputs and `scaffold.rs` the app
//! around the construct. `props.rs` spells what the construct's arguments can replace
//! (`session_key`, `log_bucket`, `log_group`, `<fleet>_role`, `generated_names`) and the
//! checks of pinned values against the stack; `methods.rs` writes `attach_to` and
//! `grant_start_session` (CDK-API.md). A new kind of resource gets a file of its own
//! beside `iam.rs`.

mod activation;
mod created;
mod iam;
mod ids;
mod layout;
mod methods;
mod nag;
mod operators;
mod outputs;
mod props;
mod python;
mod rules;
mod scaffold;
mod ssm;
#[cfg(test)]
mod test_support;

use std::path::PathBuf;

use super::{
    activation as script_activation, cdk_app, preferences_script, Options, OutFile, Target,
    TemplateRef, GENERATED_MARKER,
};
use crate::error::Error;
use crate::plan::{InstanceProfile, Mode, Plan, Platform, Policy, Role};
use crate::render::Templates;
use iam::{fleet_attributes, fleet_block, Shared};
use ids::ConstructIds;
use nag::NagAcknowledgements;
use outputs::output_statement;
use scaffold::app_context;

const CONSTRUCT: &str = "cdk-python/construct.py";
const APP: &str = "cdk-python/app.py";
const REQUIREMENTS: &str = "cdk-python/requirements.txt";

static TEMPLATES: Templates = Templates::new(&[
    (
        APP,
        include_str!("../../../templates/cdk-python/app.py.tera"),
    ),
    (
        REQUIREMENTS,
        include_str!("../../../templates/cdk-python/requirements.txt.tera"),
    ),
]);

/// The aws-cdk-lib release the scaffolded app pins: the one the generated code was
/// synthesized and linted with. `ServicePrincipal.from_static_service_principle_name`
/// (which keeps the plan's exact principal) needs 2.163.0 or later.
pub const AWS_CDK_LIB_VERSION: &str = "2.275.0";

/// The constructs major version aws-cdk-lib v2 is built on.
const CONSTRUCTS_REQUIREMENT: &str = ">=10.0.0,<11.0.0";

pub struct CdkPython;

impl Target for CdkPython {
    fn name(&self) -> &'static str {
        "cdk-python"
    }

    fn templates(&self) -> &'static Templates {
        &TEMPLATES
    }

    fn templates_used(&self, plan: &Plan, options: &Options) -> Vec<TemplateRef> {
        let mut used = Vec::new();
        if options.scaffold {
            used.extend([APP, REQUIREMENTS].map(|name| (&TEMPLATES, name)));
        }
        used.extend(preferences_script::templates_used(plan));
        used
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
                contents: cdk_app::cdk_json(
                    &format!(
                        "{GENERATED_MARKER} for project {}. Do not edit: change the spec and regenerate.",
                        plan.project.kebab
                    ),
                    "python3 app.py",
                    options.regenerate.as_ref().map(|r| r.command("")),
                ),
            });
            files.push(OutFile {
                path: PathBuf::from("requirements.txt"),
                contents: TEMPLATES.render(REQUIREMENTS, &app)?,
            });
        }
        // With an activation provider the construct creates the activations itself.
        if plan.activation_provider.is_none() {
            files.extend(script_activation::script(plan, "CDK app")?);
        }
        files.extend(preferences_script::script(plan, "CDK app")?);
        Ok(files)
    }
}

/// Which part of the module one call of `layout::part` writes. The parts hold the whole
/// module in file order; [`construct`] renders its parts in that order and appends them.
#[derive(Clone, Copy)]
enum Part {
    /// Header comment, module docstring, imports and class docstring.
    Head,
    /// A run of attribute declarations.
    Attributes,
    /// The start of `__init__`.
    Init,
    /// A run of fleet blocks.
    Fleets,
    /// The service settings (account and Region wide), after every fleet's role.
    Settings,
    /// A run of operator policies, after the fleets and the settings.
    Operators,
    /// A run of `cdk.CfnOutput`s (the first run with the section comment).
    Outputs,
    /// The final line break.
    End,
}

/// What `layout.rs` writes one part of the module from.
///
/// Everything that comes from the plan is already escaped (`py_str`, `py_text`) and
/// laid out, so that the template only places pieces, calling no filter and no macro.
/// Attributes, fleets and outputs come [`CHUNK`] at a time: a spec with thousands of
/// fleets never puts all of them in one context.
#[derive(Clone, Copy)]
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
    /// Whether `session-preferences.sh` is written beside the module (the account's
    /// default preferences document, which the construct does not create).
    has_preferences_script: bool,
    /// Whether the module creates Systems Manager resources (imports `aws_ssm`).
    uses_ssm: bool,
    /// Whether the plan acknowledges granular cdk-nag findings (the module gets
    /// `_acknowledge` and `import json`).
    granular_acks: bool,
    /// Whether it acknowledges cdk-nag rules that name no value (`_acknowledge_rule`).
    whole_acks: bool,
    /// The typed public attributes of this run, each its annotation and docstring
    /// (see [`fleet_attributes`]).
    attributes: &'c [String],
    /// The fleets of this run, in spec order.
    fleets: &'c [FleetBlock<'a>],
    /// The service settings' statements (see [`ssm::push_setting_statements`]).
    settings: &'c [String],
    /// The operator policies of this run, each its statements (a comment, then
    /// `self.<attr> = iam.ManagedPolicy(...)`; see [`operators`]).
    operators: &'c [Vec<String>],
    /// The `cdk.CfnOutput(...)` statements of this run, in plan order.
    outputs: &'c [String],
    /// Whether this run of outputs is the first, which opens the section.
    outputs_heading: bool,
    /// `tag_keys = [...]`: the tag keys of the plan's roles and of the `tags` argument.
    tag_keys: &'c str,
    /// The Region check (`rules.rs`), or nothing.
    region_check: &'c str,
    /// The plan, for the arguments and imports.
    plan: &'a Plan,
    /// The statements that fill the methods' dicts (`methods.rs`).
    methods_maps: &'c str,
    /// The methods after `__init__` (`methods.rs`).
    methods: &'c str,
}

/// The resources of one fleet.
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
    /// of the role (sorted by key) and the role's cdk-nag acknowledgements,
    /// `self.<attr> = iam.InstanceProfile(...)` for an EC2 fleet with a generated role,
    /// and `self.<attr> = iam.ManagedPolicy(...)` with its acknowledgements when the fleet
    /// needs statements. Each is laid out by [`python::call_statement`] (or, for tags and
    /// acknowledgements, [`python::Py::lay`]): the first line without indentation (the
    /// template places it), the following lines with theirs.
    statements: Vec<String>,
}

/// Attributes, fleets or outputs per call of `layout::part`: enough
/// that per-render costs vanish, few enough that a context stays small.
const CHUNK: usize = 64;

/// Writes the module: every part in file order, the parts that
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
    // `tag_keys = [...]`, laid out as black would.
    let mut keys: Vec<python::Py> = (plan.role_tag_keys().into_iter())
        .map(|k| python::Py::atom(crate::render::escape::py_str(k)))
        .collect();
    keys.push(python::Py::atom("*(tags or {})"));
    let tag_keys = format!(
        "tag_keys = {}",
        python::Py::List(keys).lay(python::BODY_INDENT, python::BODY_INDENT + 11, 0)
    );
    let region_check = rules::region_check(plan);
    let nag = NagAcknowledgements::new(plan);
    let mut methods_maps = methods::maps(plan);
    // Held until the module's last part: megabytes at 10,000 fleets, grown by doubling.
    methods_maps.shrink_to_fit();
    let methods = methods::methods(plan);
    let base = ModuleContext {
        plan,
        methods_maps: &methods_maps,
        methods: &methods,
        tag_keys: &tag_keys,
        region_check: &region_check,
        part: Part::Head,
        project: &plan.project.kebab,
        module,
        class_name,
        has_activations: !plan.activations.is_empty() && plan.activation_provider.is_none(),
        has_preferences_script: preferences_script::account_default(plan).is_some(),
        uses_ssm: plan.documents.iter().any(ssm::in_stack) || !plan.service_settings.is_empty(),
        granular_acks: nag.any_granular(),
        whole_acks: nag.any_whole(),
        attributes: &[],
        fleets: &[],
        settings: &[],
        operators: &[],
        outputs: &[],
        outputs_heading: false,
    };
    let head = layout::part(&base);
    let init = layout::part(&ModuleContext {
        part: Part::Init,
        ..base
    });
    // The last part is appended in place at the end; its size is known from its pieces.
    let end_len = methods_maps.len() + region_check.len() + tag_keys.len() + methods.len() + 1024;
    let (setting_attributes, settings) = ssm::settings(plan, base)?;
    let secret_attributes = activation::attributes(plan, base)?;
    // The repeated parts, each a lazy sequence of rendered runs.
    let mut attributes = Vec::with_capacity(3 * run);
    let mut documents = ssm::FirstUse::new();
    let mut attribute_runs = plan.fleets.chunks(run).map(|chunk| {
        attributes.clear();
        for fleet in chunk {
            fleet_attributes(plan, fleet, &mut attributes)?;
            if let Some(doc) = documents.take(plan, fleet)? {
                ssm::document_attribute(doc, &mut attributes);
            }
        }
        let ctx = ModuleContext {
            part: Part::Attributes,
            attributes: &attributes,
            ..base
        };
        Ok::<String, Error>(layout::part(&ctx))
    });
    let mut ids = ConstructIds::new(plan);
    let mut shared = Shared::new(plan);
    // The activation provider comes after the settings in the module, but is rendered
    // here, before the runs of fleets borrow the ids and the statement cache, so that
    // the module's buffer is sized for it too (at 10,000 fleets it holds thousands of
    // secrets and activations).
    let provider = activation::section(plan, &mut ids, &mut shared, &nag)?;
    let created = created::Parts::new(plan, base, &mut ids, &nag)?;
    let mut fleets = Vec::with_capacity(run);
    let mut block_documents = ssm::FirstUse::new();
    let mut fleet_runs = plan.fleets.chunks(run).map(|chunk| {
        fleets.clear();
        for fleet in chunk {
            let mut block = fleet_block(plan, fleet, &mut ids, &mut shared, &nag)?;
            if let Some(doc) = block_documents.take(plan, fleet)? {
                ssm::push_document_statements(plan, doc, &mut block.statements);
            }
            fleets.push(block);
        }
        let ctx = ModuleContext {
            part: Part::Fleets,
            fleets: &fleets,
            ..base
        };
        Ok::<String, Error>(layout::part(&ctx))
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
        Ok::<String, Error>(layout::part(&ctx))
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
        + setting_attributes.len()
        + init.len()
        + estimate(&first_fleets, plan.fleets.len())
        + settings.len()
        + secret_attributes.len()
        + created.len()
        + provider.len()
        + estimate(&first_outputs, plan.outputs.len())
        + end_len;
    let mut out = String::with_capacity(size + size / 8);

    out.push_str(&head);
    out.push_str(&created.attributes);
    out.push_str(&first_attributes);
    for text in attribute_runs {
        out.push_str(&text?);
    }
    documents.finish(plan)?;
    out.push_str(&setting_attributes);
    operators::push_attributes(plan, base, run, &mut out)?;
    out.push_str(&secret_attributes);
    out.push_str(&init);
    out.push_str(&created.resources);
    out.push_str(&first_fleets);
    for text in fleet_runs {
        out.push_str(&text?);
    }
    block_documents.finish(plan)?;
    out.push_str(&created.key_policy);
    out.push_str(&settings);
    // After every fleet's role and policy, which the activations depend on; then freed,
    // so that it is not held beside the finished module.
    out.push_str(&provider);
    drop(provider);
    operators::push_policies(plan, base, run, &mut ids, &mut shared, &nag, &mut out)?;
    out.push_str(&first_outputs);
    for text in output_runs {
        out.push_str(&text?);
    }
    layout::push_part(
        &mut out,
        &ModuleContext {
            part: Part::End,
            ..base
        },
    );
    Ok(out)
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

#[cfg(test)]
mod tests {
    use super::test_support::render_example;
    use super::*;

    #[test]
    fn every_file_carries_the_marker_and_the_scaffold_pins_cdk() {
        let files = render_example("hybrid-activation.yaml", true);
        let names: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
        // The construct creates the activations itself: no create-activations.sh.
        assert_eq!(
            names,
            [
                "factory_ssm_access.py",
                "app.py",
                "cdk.json",
                "requirements.txt"
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
    fn the_preferences_script_comes_after_the_scaffold() {
        let files = render_example("account-default.yaml", true);
        let names: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
        assert_eq!(
            names,
            [
                "core_ssm_access.py",
                "app.py",
                "cdk.json",
                "requirements.txt",
                preferences_script::FILE_NAME
            ]
        );
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
        assert_eq!(whole.matches("        if outputs:").count(), 1);
        // No blank lines pile up in the class (the helper before it ends with two).
        let class = &whole[whole.find("\nclass ").expect("class")..];
        assert!(
            whole.ends_with("            raise ValueError(\"grant_start_session: name at least one fleet\")\n        return grant\n")
                && !class.contains(")\n\n\n")
        );
    }
}
