//! AWS CDK v2 in TypeScript: one construct that creates the plan's roles, instance
//! profiles and customer managed policies, and with `--scaffold` a whole CDK app around it.
//!
//! Every permission comes from the plan. CDK writes the trust statement itself from the
//! role's `assumedBy` principal, so the one trust detail the plan decides that CDK does
//! not take as input (the action) is checked instead of written.
//!
//! This file holds the target: its templates, the files it writes and in which order,
//! the scaffold's version pins, and the construct's context with the check that makes
//! writing it infallible. Each resource family writes its own TypeScript in a file of its
//! own (`iam.rs` for roles, instance profiles and managed policies, `ssm.rs` for the
//! Session Manager preferences documents and service settings, `created.rs` for the
//! session key, log bucket and log group the spec asks it to create, `operators.rs` for
//! the operator policies, `activation.rs` for the hybrid activations and their secrets,
//! `provider.rs` for the function that answers them, `outputs.rs` for the stack outputs,
//! `nag.rs` for the cdk-nag acknowledgements each of them carries), with the shared
//! writing helpers in `typescript.rs`; the `--scaffold` app's contexts are in
//! `scaffold.rs`.

mod activation;
mod created;
mod iam;
mod layout;
mod methods;
mod nag;
mod operators;
mod outputs;
mod props;
mod provider;
mod rules;
mod scaffold;
mod ssm;
mod typescript;

use std::path::PathBuf;

use self::iam::Policies;
use self::props::Spell;
use self::scaffold::{AppContext, PackageContext, PlainContext};
use self::typescript::ident;
use super::{
    activation as activation_script, cdk_app, preferences_script, Options, OutFile, Target,
    TemplateRef, GENERATED_MARKER,
};
use crate::error::Error;
use crate::facts;
use crate::plan::{
    Attachment, InstanceProfile, OperatorPolicy, Output, OutputValue, Plan, Policy, Role,
    ServiceSetting, SessionDocument,
};
use crate::render::Templates;

const CONSTRUCT: &str = "cdk-typescript/construct.ts";
const APP: &str = "cdk-typescript/app.ts";
const PACKAGE_JSON: &str = "cdk-typescript/package.json";
const TSCONFIG: &str = "cdk-typescript/tsconfig.json";
const GITIGNORE: &str = "cdk-typescript/gitignore";

static TEMPLATES: Templates = Templates::new(&[
    (
        APP,
        include_str!("../../../templates/cdk-typescript/app.ts.tera"),
    ),
    (
        PACKAGE_JSON,
        include_str!("../../../templates/cdk-typescript/package.json.tera"),
    ),
    (
        TSCONFIG,
        include_str!("../../../templates/cdk-typescript/tsconfig.json.tera"),
    ),
    (
        GITIGNORE,
        include_str!("../../../templates/cdk-typescript/gitignore.tera"),
    ),
]);

/// The aws-cdk-lib release the scaffold pins: the one the conformance suite synthesizes
/// every example with (tests/conformance/package.json), the same as the Python scaffold's,
/// and newer than 2.163.0, which added `ServicePrincipal.fromStaticServicePrincipleName`.
const AWS_CDK_LIB_VERSION: &str = "2.275.0";
/// The constructs range aws-cdk-lib 2.275.0 declares as its peer dependency.
const CONSTRUCTS_RANGE: &str = "^10.5.0";
/// The CDK CLI; a CLI at least this new reads the cloud assembly of the pinned library.
const AWS_CDK_CLI_RANGE: &str = "^2.1148.1";
/// TypeScript 5.9 (7.x has no JavaScript compiler API, which ts-node needs).
const TYPESCRIPT_RANGE: &str = "~5.9.3";
const TS_NODE_RANGE: &str = "^10.9.2";
/// Types of the oldest Node.js release aws-cdk-lib supports (`engines: node >= 20`).
const TYPES_NODE_RANGE: &str = "^20.0.0";

/// A generous estimate of the construct's size, so that its buffer is reserved once
/// instead of doubling (and leaving the discarded copies in peak memory) at 10,000 fleets.
fn size_hint(plan: &Plan) -> usize {
    let statements: usize = plan.policies.iter().map(|p| p.statements.len()).sum();
    let operator_statements: usize = plan
        .operator_policies
        .iter()
        .map(|p| p.statements.len())
        .sum();
    4096 + 1000 * plan.roles.len()
        + 300 * plan.instance_profiles.len()
        + 600 * plan.policies.len()
        + 450 * statements
        + 1500 * plan.documents.len()
        + 700 * plan.service_settings.len()
        + 900 * plan.operator_policies.len()
        + 550 * operator_statements
        + 250 * plan.outputs.len()
        + 450 * plan.acknowledgements.len()
        + 5000
        + 300 * plan.created.key.as_ref().map_or(0, |k| k.policy.len())
        + plan
            .activation_provider
            .as_ref()
            .map_or(0, |p| 8000 + 2 * p.code.len() + 2500 * p.secrets.len())
}

pub struct CdkTypeScript;

impl Target for CdkTypeScript {
    fn name(&self) -> &'static str {
        "cdk-typescript"
    }

    fn templates(&self) -> &'static Templates {
        &TEMPLATES
    }

    fn templates_used(&self, plan: &Plan, options: &Options) -> Vec<TemplateRef> {
        let mut used = Vec::new();
        if options.scaffold {
            used.extend([APP, PACKAGE_JSON, TSCONFIG, GITIGNORE].map(|name| (&TEMPLATES, name)));
        }
        used.extend(preferences_script::templates_used(plan));
        used
    }

    fn render(&self, plan: &Plan, options: &Options) -> Result<Vec<OutFile>, Error> {
        check(plan)?;
        let spell = Spell::new(plan);
        let ctx = construct_context(&spell)?;
        let module = format!("{}-ssm-access", plan.project.kebab);
        let mut construct = String::with_capacity(size_hint(plan));
        layout::write(&mut construct, &ctx);
        let mut files = Vec::new();
        if options.scaffold {
            let app = AppContext::new(plan, &ctx.class_name, &module);
            let regenerate = options.regenerate.as_ref().map(|r| r.command(""));
            let package = PackageContext::new(plan, &module, regenerate.clone());
            let plain = PlainContext::new(plan);
            files.push(file(
                "package.json",
                TEMPLATES.render(PACKAGE_JSON, &package)?,
            ));
            files.push(file("tsconfig.json", TEMPLATES.render(TSCONFIG, &plain)?));
            let build = regenerate.map(|_| "npm run --silent regenerate".to_string());
            files.push(file(
                "cdk.json",
                cdk_app::cdk_json(
                    &plain.note,
                    "npx ts-node --prefer-ts-exts bin/app.ts",
                    build,
                ),
            ));
            files.push(file(".gitignore", TEMPLATES.render(GITIGNORE, &plain)?));
            files.push(file("bin/app.ts", TEMPLATES.render(APP, &app)?));
            files.push(file(&format!("lib/{module}.ts"), construct));
        } else {
            files.push(file(&format!("{module}.ts"), construct));
        }
        // With the activations in the construct (custom resources), no script creates them.
        if plan.activation_provider.is_none() {
            files.extend(activation_script::script(plan, "CDK app")?);
        }
        files.extend(preferences_script::script(plan, "CDK app")?);
        Ok(files)
    }
}

fn file(path: &str, contents: String) -> OutFile {
    OutFile {
        path: PathBuf::from(path),
        contents,
    }
}

/// What `layout.rs` writes the construct from.
///
/// Each resource arrives as one string, already escaped and indented: the field
/// declaration of each role, instance profile and policy, and the statement that
/// constructs it. The layout frames them (header, imports, class, constructor, section
/// order, blank lines).
struct ConstructContext<'a> {
    marker: &'static str,
    /// The project's kebab name, for comments.
    project: &'a str,
    /// `<Project>SsmAccess`.
    class_name: String,
    /// `/** doc */ public readonly webRole: iam.Role;`, one per role.
    role_fields: Each<'a, Role>,
    /// The field declaration of each instance profile.
    profile_fields: Each<'a, InstanceProfile>,
    /// The field declaration of each customer managed policy.
    policy_fields: Each<'a, Policy>,
    /// The field declaration of each preferences document of the stack (not the
    /// account's default one, which `session-preferences.sh` writes).
    document_fields: Each<'a, SessionDocument>,
    /// The field declaration of each service setting.
    setting_fields: Each<'a, ServiceSetting>,
    /// The field declaration of each operator policy.
    operator_fields: Each<'a, OperatorPolicy>,
    /// `this.webRole = new iam.Role(...);` and its tags, one per role.
    roles: Each<'a, Role>,
    /// `this.webInstanceProfile = new iam.InstanceProfile(...);`, one per profile.
    instance_profiles: Each<'a, InstanceProfile>,
    /// The `new iam.PolicyStatement({...}),` lines of each distinct statement list, once:
    /// fleets with the same session settings have equal statements, so the policies of
    /// thousands of fleets share a few lists.
    statement_lists: Vec<String>,
    /// One `iam.ManagedPolicy` per policy.
    policies: Policies<'a>,
    /// `this.sessionPreferences = new ssm.CfnDocument(...);` and its tags, one per
    /// document of the stack.
    documents: Each<'a, SessionDocument>,
    /// `new ssm.CfnServiceSetting(...)` with its note and dependency, one per setting.
    service_settings: Each<'a, ServiceSetting>,
    /// Its comment and `this.oncallOperatorPolicy = new iam.ManagedPolicy(...);`, one per
    /// operator policy, with the existing principals it is attached to imported by name.
    operator_policies: Each<'a, OperatorPolicy>,
    /// The cdk-nag findings each role and policy carries on purpose, written after it
    /// (with their helper once, when there are any).
    acknowledgements: nag::Acknowledgements<'a>,
    /// Whether the construct uses `aws-cdk-lib/aws-ssm` (imported only then, so that a
    /// construct without documents or settings stays as it was).
    ssm: bool,
    /// Whether `session-preferences.sh` writes the account's default preferences
    /// document beside the construct (for the class's TSDoc).
    preferences_script: bool,
    /// `new cdk.CfnOutput(...);`, one per output.
    outputs: Each<'a, Output>,
    /// The tag keys of the plan's roles, each a TypeScript string followed by `, `.
    tag_keys: String,
    /// The Region check (`rules.rs`), or nothing.
    region_check: String,
    /// The checks of the pinned values against the stack's (`rules.rs`), or nothing.
    pin_checks: String,
    /// The permissions boundary applied once to every role (`iam.rs`), or nothing.
    boundary: String,
    /// The plan with its spelling of replaceable values, for the props and methods.
    spell: &'a Spell<'a>,
}

/// Plan items written one after another straight into the construct's text by
/// `layout.rs`, so that the text exists once. `write` cannot fail: [`check`] has
/// already rejected every plan it could fail on.
struct Each<'a, T> {
    plan: &'a Spell<'a>,
    items: &'a [T],
    write: fn(&mut String, &'a Spell<'a>, &'a T),
    /// Which items are written; the others are left out of the list.
    keep: fn(&T) -> bool,
}

impl<'a, T> Each<'a, T> {
    fn new(
        plan: &'a Spell<'a>,
        items: &'a [T],
        write: fn(&mut String, &'a Spell<'a>, &'a T),
    ) -> Self {
        Each {
            plan,
            items,
            write,
            keep: |_| true,
        }
    }

    /// The items `keep` accepts, only.
    fn only(self, keep: fn(&T) -> bool) -> Self {
        Each { keep, ..self }
    }
}

fn missing(what: &str, i: usize) -> Error {
    Error::Render {
        template: CONSTRUCT.into(),
        message: format!("the plan refers to {what} {i}, which it does not hold"),
    }
}

/// Rejects, in the order the construct is written, every plan the construct cannot be
/// written for, so that building the contexts afterwards cannot fail.
fn check(plan: &Plan) -> Result<(), Error> {
    let role = |i: usize| -> Result<&str, Error> {
        let role = plan.roles.get(i).ok_or_else(|| missing("role", i))?;
        ident(&role.id.lower_camel)
    };
    for r in &plan.roles {
        // `iam.Role` writes the action of its service principal's trust statement itself.
        if r.trust.action != facts::ASSUME_ROLE {
            return Err(Error::Render {
                template: CONSTRUCT.into(),
                message: format!(
                    "role {}: CDK writes the trust action of a service principal itself and cannot write {}",
                    r.name, r.trust.action
                ),
            });
        }
        ident(&r.id.lower_camel)?;
        ident(&r.id.upper_camel)?;
    }
    for p in &plan.instance_profiles {
        ident(&p.id.lower_camel)?;
        ident(&p.id.upper_camel)?;
        role(p.role)?;
    }
    for p in &plan.policies {
        match p.attachment {
            Attachment::Role(i) => {
                role(i)?;
            }
            // Its `<fleet>Role` prop is written as code.
            Attachment::ExistingRole(_) => {
                ident(&iam::existing_role_prop(&p.fleet))?;
            }
        }
        ident(&p.id.lower_camel)?;
        ident(&p.id.upper_camel)?;
    }
    for d in &plan.documents {
        ident(&d.id.lower_camel)?;
        ident(&d.id.upper_camel)?;
    }
    for s in &plan.service_settings {
        ident(&s.id.lower_camel)?;
        ident(&s.id.upper_camel)?;
        if let Some(i) = s.role {
            role(i)?;
        }
    }
    for p in &plan.operator_policies {
        ident(&p.id.lower_camel)?;
        ident(&p.id.upper_camel)?;
        for id in operators::principal_ids(p) {
            ident(&id)?;
        }
    }
    for o in &plan.outputs {
        match o.value {
            OutputValue::RoleArn { role: i } | OutputValue::RoleName { role: i } => {
                role(i)?;
            }
            OutputValue::InstanceProfileName { profile } => {
                let p = plan
                    .instance_profiles
                    .get(profile)
                    .ok_or_else(|| missing("instance profile", profile))?;
                ident(&p.id.lower_camel)?;
            }
            OutputValue::DocumentName { document } => {
                let d = plan
                    .documents
                    .get(document)
                    .ok_or_else(|| missing("document", document))?;
                ident(&d.id.lower_camel)?;
            }
            OutputValue::OperatorPolicyArn { policy } => {
                let p = plan
                    .operator_policies
                    .get(policy)
                    .ok_or_else(|| missing("operator policy", policy))?;
                ident(&p.id.lower_camel)?;
            }
            OutputValue::Literal { .. }
            | OutputValue::SessionKeyArn
            | OutputValue::LogBucketName
            | OutputValue::LogGroupName => {}
        }
        ident(&o.id.upper_camel)?;
    }
    activation::check(plan)?;
    created::check(plan)?;
    nag::check(plan)
}

fn construct_context<'a>(spell: &'a Spell<'a>) -> Result<ConstructContext<'a>, Error> {
    let plan: &'a Plan = spell.plan();
    let (statement_lists, lists) = iam::statement_lists(spell);
    Ok(ConstructContext {
        marker: GENERATED_MARKER,
        project: &plan.project.kebab,
        class_name: format!("{}SsmAccess", ident(&plan.project.upper_camel)?),
        role_fields: Each::new(spell, &plan.roles, iam::role_field_decl),
        profile_fields: Each::new(spell, &plan.instance_profiles, iam::profile_field_decl),
        policy_fields: Each::new(spell, &plan.policies, iam::policy_field_decl),
        document_fields: Each::new(spell, &plan.documents, ssm::document_field_decl)
            .only(ssm::in_stack),
        setting_fields: Each::new(spell, &plan.service_settings, ssm::setting_field_decl),
        operator_fields: Each::new(
            spell,
            &plan.operator_policies,
            operators::operator_field_decl,
        ),
        roles: Each::new(spell, &plan.roles, iam::role_block),
        instance_profiles: Each::new(spell, &plan.instance_profiles, iam::profile_block),
        statement_lists,
        policies: Policies { plan: spell, lists },
        documents: Each::new(spell, &plan.documents, ssm::document_block).only(ssm::in_stack),
        service_settings: Each::new(spell, &plan.service_settings, ssm::setting_block),
        operator_policies: Each::new(spell, &plan.operator_policies, operators::operator_block),
        acknowledgements: nag::Acknowledgements::new(spell),
        ssm: plan.documents.iter().any(ssm::in_stack) || !plan.service_settings.is_empty(),
        preferences_script: preferences_script::account_default(plan).is_some(),
        outputs: Each::new(spell, &plan.outputs, outputs::output_block),
        tag_keys: plan
            .role_tag_keys()
            .into_iter()
            .map(|k| crate::render::escape::ts_str(k) + ", ")
            .collect(),
        region_check: rules::region_check(plan),
        pin_checks: rules::pin_checks(plan),
        boundary: iam::boundary(plan),
        spell,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One aws-cdk-lib across the TypeScript and Python scaffolds and the conformance
    /// suite's synths (issue 12: it had drifted to 2.276.0 in TypeScript only).
    #[test]
    fn one_aws_cdk_lib_version_everywhere() {
        assert_eq!(
            AWS_CDK_LIB_VERSION,
            crate::targets::cdk_python::AWS_CDK_LIB_VERSION
        );
        let package = include_str!("../../../tests/conformance/package.json");
        assert!(package.contains(&format!("\"aws-cdk-lib\": \"{AWS_CDK_LIB_VERSION}\"")));
        let requirements = include_str!("../../../tests/conformance/requirements.txt");
        assert!(requirements.contains(&format!("aws-cdk-lib=={AWS_CDK_LIB_VERSION}\n")));
    }

    /// One hybrid fleet, its activation created in the stack (the activation provider).
    pub(super) const HYBRID: &str = "version: 1\nproject: factory\nrole_path: /ssm/hybrid/\ntags:\n  site: munich\nfleets:\n  - name: plc\n    platform: hybrid\n    mode: session-only\n";

    pub(super) fn plan_of(yaml: &str) -> Plan {
        let (spec, _) = crate::spec::load_str(yaml, "spec.yaml").expect("valid spec");
        crate::plan::build::build(&spec)
    }

    pub(super) fn construct(plan: &Plan) -> String {
        let files = CdkTypeScript
            .render(plan, &Options::default())
            .expect("renders");
        files[0].contents.clone()
    }

    /// Runs a JavaScript program with node and returns what it prints.
    pub(super) fn node(program: &str) -> String {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let mut child = Command::new("node")
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("node must be installed for this test: {e}"));
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(program.as_bytes())
            .expect("write stdin");
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "node failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    #[test]
    fn identifiers_are_checked_before_anything_is_written() {
        let mut plan = plan_of(
            "version: 1\nproject: p\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n",
        );
        plan.policies[0].id.lower_camel = "web-policy".into();
        let err = CdkTypeScript
            .render(&plan, &Options::default())
            .expect_err("not an identifier");
        assert!(err.to_string().contains("`web-policy`"), "{err}");
    }
}
