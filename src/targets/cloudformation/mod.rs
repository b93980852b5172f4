//! CloudFormation: one template (YAML or JSON) holding every role, instance profile and
//! customer managed policy of the plan, the hybrid activations with the function that
//! makes them (or, with `activation_method: script`, the activation script beside it),
//! and the preferences script for the account's default preferences document, which a
//! template cannot adopt (`preferences_script`).
//!
//! Every decision (which resources, which properties, what is omitted, the order) is
//! made here, once, by code that describes each resource and output to a [`Writer`].
//! The writer spells that description in block-style YAML (with the short forms `!Ref`,
//! `!Sub`, `!GetAtt`) or in pretty-printed JSON, escaping every string as it goes. The
//! templates lay out the file: its header, its sections in order, and the entries of
//! each section with the blank lines or commas between them.
//!
//! The templates get each entry as one finished string rather than a tree of fields: at
//! 10,000 fleets a Tera lookup per field, or a map per entry in the context, costs more
//! than writing the whole template does.
//!
//! The files of this folder:
//! - `mod.rs` (this file): the target, its templates, the template context, the order of
//!   the resources and the logical ids they claim;
//! - `writer.rs`: the `Writer` and the two syntaxes it writes;
//! - one file per family of resources, each an enum implementing `Family`: `iam.rs`
//!   (roles, instance profiles, customer managed policies, and the policy documents of
//!   every family), `created.rs` (the session key, log bucket and log group the spec
//!   says `create` for, with the key's alias and the bucket's policy), `ssm.rs`
//!   (preferences documents, service settings), `operators.rs` (operator policies),
//!   `provider.rs` (the activation function, its role, policy, log group and invoke
//!   configuration), `activation.rs` (each activation's secret and custom resource);
//! - `outputs.rs`: the entries of `Outputs`;
//! - `rules.rs`: the entries of `Rules` (deploy-time assertions); the entries of
//!   `Parameters` (the activation renewal input) are `provider.rs`'s;
//! - `tests.rs`, `test_support.rs`: the tests of the whole template and their helpers.

mod activation;
mod created;
mod iam;
mod layout;
mod operators;
mod outputs;
mod provider;
mod rules;
mod ssm;
#[cfg(test)]
mod test_support;
mod writer;

use std::borrow::Cow;
use std::path::PathBuf;

use rustc_hash::FxHashSet;

use self::activation::Activation;
use self::created::Created;
use self::iam::Iam;
use self::operators::Operators;
use self::provider::Provider;
use self::ssm::Ssm;
use self::writer::{Syntax, Writer};
use super::activation as activation_script;
use super::{preferences_script, CfnFormat, Options, OutFile, Target, TemplateRef};
use crate::error::Error;
use crate::facts::scanners::Scanner;
use crate::plan::{Output, Plan, Subject};
use crate::render::Templates;

/// No templates: the frame is written by `layout.rs`, the entries by the writer.
static TEMPLATES: Templates = Templates::new(&[]);

/// CloudFormation's only template format version.
const FORMAT_VERSION: &str = "2010-09-09";

/// Nesting level of the entries of `Resources` and `Outputs`: YAML indents them by two
/// spaces, JSON (inside the document's braces) by four.
fn entry_level(syntax: Syntax) -> usize {
    match syntax {
        Syntax::Yaml => 1,
        Syntax::Json => 2,
    }
}

/// One template, YAML or JSON.
pub struct CloudFormation;

impl Target for CloudFormation {
    fn name(&self) -> &'static str {
        "cloudformation"
    }

    fn templates(&self) -> &'static Templates {
        &TEMPLATES
    }

    fn templates_used(&self, plan: &Plan, _options: &Options) -> Vec<TemplateRef> {
        preferences_script::templates_used(plan)
            .into_iter()
            .collect()
    }

    fn render(&self, plan: &Plan, options: &Options) -> Result<Vec<OutFile>, Error> {
        let (syntax, file) = match options.cfn_format {
            CfnFormat::Yaml => (Syntax::Yaml, "template.yaml"),
            CfnFormat::Json => (Syntax::Json, "template.json"),
        };
        let context = template_context(plan, syntax)?;
        let mut contents = String::with_capacity(size_hint(plan, syntax));
        layout::write(&mut contents, &context, syntax);
        let mut files = vec![OutFile {
            path: PathBuf::from(file),
            contents,
        }];
        // With the provider, the stack makes the activations itself.
        if plan.activation_provider.is_none() {
            files.extend(activation_script::script(plan, "stack")?);
        }
        files.extend(preferences_script::script(plan, "stack")?);
        Ok(files)
    }
}

/// What `layout.rs` frames. Every string is already written in the template's syntax
/// (escaped, quoted where needed, indented).
struct TemplateContext<'p> {
    /// `AWSTemplateFormatVersion`, as a scalar.
    format_version: String,
    /// The template description, as a scalar; it carries the "Generated by" marker.
    description: String,
    /// The entries of `Parameters`, written like those of `Resources`; the template
    /// omits the section when there are none.
    parameters: Vec<String>,
    /// The entries of `Rules`, written like those of `Resources`; the template omits
    /// the section when there are none.
    rules: Vec<String>,
    /// The entries of `Resources` (each fleet's resources together, in fleet order):
    /// `Id:` or `"Id": {` with the resource's `Type` and `Properties` below it, on lines
    /// indented as entries of the section, without a line break at the end.
    resources: Entries<'p, Resource>,
    /// The entries of `Outputs`, written the same way (`Description`, `Value`); the
    /// template omits the section when there are none.
    outputs: Entries<'p, &'p Output>,
}

/// The entries of a section, written only as the template is laid out: each one goes
/// into a reused buffer and from there straight into the template's text, so the text
/// of a large template is not held twice.
struct Entries<'p, T> {
    plan: &'p Plan,
    items: Vec<T>,
}

/// A resource of the template: its family, and in it the resource, by its index in the
/// plan. A new family of resources is a new file with its own enum implementing
/// [`Family`], one variant here and its arm in `impl Entry for Resource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resource {
    Created(Created),
    Iam(Iam),
    Ssm(Ssm),
    Operators(Operators),
    Provider(Provider),
    Activation(Activation),
}

/// The resources of one family (IAM, ...), each written as an entry of `Resources`.
trait Family: Copy {
    /// The resource's logical id.
    fn logical_id(self, plan: &Plan) -> &str;
    /// The resource's `Type`.
    fn type_name(self) -> &'static str;
    /// A note on the resource, written as a comment above it (YAML only).
    fn comment(self, _plan: &Plan) -> Option<Cow<'_, str>> {
        None
    }
    /// The logical ids of the resources this one must be created after (`DependsOn`),
    /// when no reference in its properties says so.
    fn depends_on(self, _plan: &Plan) -> Vec<&str> {
        Vec::new()
    }
    /// The plan subject whose acknowledgements the resource carries, if it is one.
    fn subject(self) -> Option<Subject> {
        None
    }
    /// Whether the stack keeps the resource when it is deleted or replaced
    /// (`DeletionPolicy` and `UpdateReplacePolicy` `Retain`; cfn-lint wants both).
    fn retained(self) -> bool {
        false
    }
    /// The resource's `Properties`, as a mapping.
    fn properties(self, w: &mut Writer, plan: &Plan);
}

/// Something written as one entry of a section.
trait Entry: Copy {
    fn write(self, w: &mut Writer, plan: &Plan);
}

impl Entry for Resource {
    fn write(self, w: &mut Writer, plan: &Plan) {
        match self {
            Resource::Created(r) => write_resource(w, plan, r),
            Resource::Iam(r) => write_resource(w, plan, r),
            Resource::Ssm(r) => write_resource(w, plan, r),
            Resource::Operators(r) => write_resource(w, plan, r),
            Resource::Provider(r) => write_resource(w, plan, r),
            Resource::Activation(r) => write_resource(w, plan, r),
        }
    }
}

/// `Id:` or `"Id": {` with the resource's `Type`, deletion policies, `DependsOn`,
/// `Metadata` and `Properties` below it, after its comment.
fn write_resource(w: &mut Writer, plan: &Plan, r: impl Family) {
    if let Some(note) = r.comment(plan) {
        w.comment(&note);
    }
    w.key(r.logical_id(plan));
    w.begin_map();
    w.key("Type");
    w.str(r.type_name());
    if r.retained() {
        for policy in ["DeletionPolicy", "UpdateReplacePolicy"] {
            w.key(policy);
            w.str("Retain");
        }
    }
    // One id as a string, several as a list, as CloudFormation takes either.
    match r.depends_on(plan).as_slice() {
        [] => {}
        [id] => {
            w.key("DependsOn");
            w.str(id);
        }
        ids => {
            w.key("DependsOn");
            w.begin_seq();
            for id in ids {
                w.item();
                w.str(id);
            }
            w.end_seq();
        }
    }
    if let Some(subject) = r.subject() {
        checkov_metadata(w, plan, subject);
    }
    w.key("Properties");
    r.properties(w, plan);
    w.end_map();
}

/// `Metadata: {checkov: {skip: [{id, comment}]}}`, where checkov reads the findings a
/// resource carries on purpose: the plan's checkov acknowledgements of the subject that
/// checkov checks in CloudFormation (its other rules are Terraform's alone). Nothing
/// when there are none.
fn checkov_metadata(w: &mut Writer, plan: &Plan, subject: Subject) {
    let mut skips = plan
        .acknowledgements_of(subject)
        .filter(|a| a.rule.scanner == Scanner::Checkov && a.rule.cloudformation)
        .peekable();
    if skips.peek().is_none() {
        return;
    }
    w.key("Metadata");
    w.begin_map();
    w.key("checkov");
    w.begin_map();
    w.key("skip");
    w.begin_seq();
    for a in skips {
        w.item();
        w.begin_map();
        w.key("id");
        w.str(a.rule.id);
        w.key("comment");
        w.str(&a.reason);
        w.end_map();
    }
    w.end_seq();
    w.end_map();
    w.end_map();
}

/// The whole template, after checking that no logical id is used twice.
fn template_context<'p>(plan: &'p Plan, syntax: Syntax) -> Result<TemplateContext<'p>, Error> {
    let provided = plan.activation_provider.as_ref().map_or(0, |p| {
        Provider::ALL.len() + p.secrets.len() + plan.activations.len()
    });
    let created = Created::of(plan);
    let count = created.len()
        + plan.roles.len()
        + plan.instance_profiles.len()
        + plan.policies.len()
        + plan.documents.len()
        + plan.service_settings.len()
        + plan.operator_policies.len()
        + provided;
    let mut ids = LogicalIds::with_capacity(count + plan.outputs.len() + 1);
    let mut resources = Vec::with_capacity(count);
    // First what the spec says `create` for (the session key, log bucket and log group
    // every fleet and operator policy names); their ids are claimed last, below, so
    // that a clash names them.
    resources.extend(created.iter().map(|&r| Resource::Created(r)));
    // Then each fleet's resources together (role, instance profile, policy, preferences
    // document), in fleet order; anything no fleet names is still written, after them,
    // then the account's service settings, the operator policies (they name the
    // documents operators start sessions with), and last the activation provider and
    // the activations (each with its secret), which name the fleets' hybrid roles and
    // wait for them. The account's default document is
    // left out: it exists before the stack, which cannot adopt it, so
    // session-preferences.sh writes it (its name output is a literal).
    let mut roles = vec![false; plan.roles.len()];
    let mut profiles = vec![false; plan.instance_profiles.len()];
    let mut policies = vec![false; plan.policies.len()];
    let mut documents = vec![false; plan.documents.len()];
    let order = plan
        .fleets
        .iter()
        .map(|f| (f.role, f.instance_profile, f.policy, f.document))
        .chain((0..plan.roles.len()).map(|i| (Some(i), None, None, None)))
        .chain((0..plan.instance_profiles.len()).map(|i| (None, Some(i), None, None)))
        .chain((0..plan.policies.len()).map(|i| (None, None, Some(i), None)))
        .chain((0..plan.documents.len()).map(|i| (None, None, None, Some(i))));
    for (role, profile, policy, document) in order {
        if let Some(i) = role.filter(|&i| !std::mem::replace(&mut roles[i], true)) {
            ids.claim(&plan.roles[i].id.upper_camel)?;
            resources.push(Resource::Iam(Iam::Role(i)));
        }
        if let Some(i) = profile.filter(|&i| !std::mem::replace(&mut profiles[i], true)) {
            ids.claim(&plan.instance_profiles[i].id.upper_camel)?;
            resources.push(Resource::Iam(Iam::InstanceProfile(i)));
        }
        if let Some(i) = policy.filter(|&i| !std::mem::replace(&mut policies[i], true)) {
            ids.claim(&plan.policies[i].id.upper_camel)?;
            resources.push(Resource::Iam(Iam::Policy(i)));
        }
        if let Some(i) = document
            .filter(|&i| !std::mem::replace(&mut documents[i], true))
            .filter(|&i| !plan.documents[i].account_default)
        {
            ids.claim(&plan.documents[i].id.upper_camel)?;
            resources.push(Resource::Ssm(Ssm::Document(i)));
        }
    }
    for (i, s) in plan.service_settings.iter().enumerate() {
        ids.claim(&s.id.upper_camel)?;
        resources.push(Resource::Ssm(Ssm::ServiceSetting(i)));
    }
    for (i, p) in plan.operator_policies.iter().enumerate() {
        ids.claim(&p.id.upper_camel)?;
        resources.push(Resource::Operators(Operators::Policy(i)));
    }
    if let Some(p) = &plan.activation_provider {
        // Its ids are fixed: a fleet named `activation-provider` takes one first.
        let mut claim = |id: &'p str| {
            match ids.seen.insert(id) {
            true => Ok(()),
            false => Err(Error::Usage(format!(
                "a fleet's resources already use `{id}`, a CloudFormation logical id of the activation provider; rename the fleet"
            ))),
        }
        };
        claim(&p.renewal.upper_camel)?;
        for r in Provider::ALL {
            claim(r.logical_id(plan))?;
            resources.push(Resource::Provider(r));
        }
        for i in 0..plan.activations.len() {
            let secrets = p.secrets.iter().enumerate();
            for (s, _) in secrets.filter(|(_, s)| s.activation == i) {
                ids.claim(&p.secrets[s].id.upper_camel)?;
                resources.push(Resource::Activation(Activation::Secret(s)));
            }
            ids.claim(&plan.activations[i].id.upper_camel)?;
            resources.push(Resource::Activation(Activation::Custom(i)));
        }
    }
    for r in created {
        let id = r.logical_id(plan);
        if !ids.seen.insert(id) {
            return Err(Error::Usage(format!(
                "a fleet's resources already use `{id}`, the CloudFormation logical id of a session resource ssmgen creates; rename the fleet"
            )));
        }
    }
    for o in &plan.outputs {
        ids.claim(&o.id.upper_camel)?;
    }

    let mut format_version = String::new();
    syntax.push_scalar(&mut format_version, FORMAT_VERSION);
    let mut description_scalar = String::new();
    syntax.push_scalar(&mut description_scalar, &description(plan));
    let mut w = Writer::new(syntax, entry_level(syntax));
    let parameters = if provider::write_parameters(&mut w, plan) {
        vec![w.value().to_string()]
    } else {
        Vec::new()
    };
    w.clear();
    let rules = if rules::write(&mut w, plan) {
        vec![w.value().to_string()]
    } else {
        Vec::new()
    };
    Ok(TemplateContext {
        format_version,
        description: description_scalar,
        parameters,
        rules,
        resources: Entries {
            plan,
            items: resources,
        },
        outputs: Entries {
            plan,
            items: plan.outputs.iter().collect(),
        },
    })
}

/// A generous guess of the template's size, from the sizes of typical entries, so that
/// the output buffer is reserved once: reserved pages that are never written cost no
/// memory, while a guess too small makes Tera copy the whole text into a buffer twice
/// as large.
fn size_hint(plan: &Plan, syntax: Syntax) -> usize {
    let statements: usize = plan
        .policies
        .iter()
        .map(|p| p.statements.len())
        .sum::<usize>()
        + plan
            .operator_policies
            .iter()
            .map(|p| p.statements.len())
            .sum::<usize>();
    let provider = plan.activation_provider.as_ref().map_or(0, |p| {
        // The code, the provider's five resources and the parameter, and per activation
        // its secret and custom resource.
        p.code.len() + 5000 + 2000 * plan.activations.len()
    });
    // The key (its policy names every fleet role), the bucket and the log group.
    let created = if plan.created.is_empty() {
        0
    } else {
        6000 + 100 * plan.roles.len()
    };
    let yaml = 4096
        + created
        + provider
        + 700 * plan.roles.len()
        + 200 * plan.instance_profiles.len()
        + 300 * (plan.policies.len() + plan.operator_policies.len())
        + 320 * statements
        + 1000 * plan.documents.len()
        + 500 * plan.service_settings.len()
        + 150 * plan.outputs.len();
    match syntax {
        Syntax::Yaml => yaml,
        // Quoted keys and values, braces and deeper indentation.
        Syntax::Json => yaml / 2 * 3,
    }
}

/// The template description: what it is, that it is generated, and the capability it needs.
fn description(plan: &Plan) -> String {
    format!(
        "Session Manager IAM roles and policies for project {}. {} (do not edit: change the spec and regenerate). \
         Creates named IAM resources: deploy with CAPABILITY_NAMED_IAM.",
        plan.project.kebab,
        super::GENERATED_MARKER
    )
}

/// The logical ids used so far: resources and outputs share one namespace, and two fleet
/// names that differ only in hyphens (`a-1`, `a1`) have the same CamelCase id.
#[derive(Default)]
struct LogicalIds<'p> {
    seen: FxHashSet<&'p str>,
}

impl<'p> LogicalIds<'p> {
    fn with_capacity(n: usize) -> Self {
        LogicalIds {
            seen: FxHashSet::with_capacity_and_hasher(n, Default::default()),
        }
    }

    fn claim(&mut self, id: &'p str) -> Result<(), Error> {
        if self.seen.insert(id) {
            Ok(())
        } else {
            Err(Error::Usage(format!(
                "two fleets (or two operators) produce the CloudFormation logical id `{id}`; rename one so that their names differ in more than hyphens"
            )))
        }
    }
}

#[cfg(test)]
mod tests;
