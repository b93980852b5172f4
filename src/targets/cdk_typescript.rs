//! AWS CDK v2 in TypeScript: one construct that creates the plan's roles, instance
//! profiles and customer managed policies, and with `--scaffold` a whole CDK app around it.
//!
//! Every permission comes from the plan. CDK writes the trust statement itself from the
//! role's `assumedBy` principal, so the one trust detail the plan decides that CDK does
//! not take as input (the action) is checked instead of written.

use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use rustc_hash::FxHashMap;
use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};

use super::{Options, OutFile, Target, GENERATED_MARKER};
use crate::error::Error;
use crate::facts;
use crate::plan::{
    Attachment, Condition, Effect, InstanceProfile, Output, OutputValue, Plan, Platform, Policy,
    Role, Statement,
};
use crate::render::{escape, Templates};

const CONSTRUCT: &str = "cdk-typescript/construct.ts";
const APP: &str = "cdk-typescript/app.ts";
const PACKAGE_JSON: &str = "cdk-typescript/package.json";
const TSCONFIG: &str = "cdk-typescript/tsconfig.json";
const CDK_JSON: &str = "cdk-typescript/cdk.json";
const GITIGNORE: &str = "cdk-typescript/gitignore";

static TEMPLATES: Templates = Templates::new(&[
    (
        CONSTRUCT,
        include_str!("../../templates/cdk-typescript/construct.ts.tera"),
    ),
    (
        APP,
        include_str!("../../templates/cdk-typescript/app.ts.tera"),
    ),
    (
        PACKAGE_JSON,
        include_str!("../../templates/cdk-typescript/package.json.tera"),
    ),
    (
        TSCONFIG,
        include_str!("../../templates/cdk-typescript/tsconfig.json.tera"),
    ),
    (
        CDK_JSON,
        include_str!("../../templates/cdk-typescript/cdk.json.tera"),
    ),
    (
        GITIGNORE,
        include_str!("../../templates/cdk-typescript/gitignore.tera"),
    ),
]);

/// The aws-cdk-lib release the scaffold pins: verified to synthesize every example, and
/// newer than 2.163.0, which added `ServicePrincipal.fromStaticServicePrincipleName`.
const AWS_CDK_LIB_VERSION: &str = "2.276.0";
/// The constructs range aws-cdk-lib 2.276.0 declares as its peer dependency.
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
    4096 + 1000 * plan.roles.len()
        + 300 * plan.instance_profiles.len()
        + 600 * plan.policies.len()
        + 450 * statements
        + 250 * plan.outputs.len()
}

/// The construct id of the construct inside the scaffold's stack.
const CONSTRUCT_ID: &str = "SsmAccess";

pub struct CdkTypeScript;

impl Target for CdkTypeScript {
    fn name(&self) -> &'static str {
        "cdk-typescript"
    }

    fn templates(&self) -> &'static Templates {
        &TEMPLATES
    }

    fn render(&self, plan: &Plan, options: &Options) -> Result<Vec<OutFile>, Error> {
        let ctx = construct_context(plan)?;
        let module = format!("{}-ssm-access", plan.project.kebab);
        let construct = TEMPLATES.render_with_capacity(CONSTRUCT, &ctx, size_hint(plan))?;
        let mut files = Vec::new();
        if options.scaffold {
            let app = AppContext {
                marker: GENERATED_MARKER,
                project: &plan.project.kebab,
                class_name: &ctx.class_name,
                module: format!("../lib/{module}"),
                stack_id: module.clone(),
                construct_id: CONSTRUCT_ID,
                description: format!(
                    "Session Manager access of project {} ({GENERATED_MARKER})",
                    plan.project.kebab
                ),
                account: plan.env.account.pinned(),
                region: plan.env.region.pinned(),
            };
            let package = PackageContext {
                marker: GENERATED_MARKER,
                project: &plan.project.kebab,
                name: module.clone(),
                description: format!(
                    "{GENERATED_MARKER} for project {}: a CDK app with its Session Manager access. Do not edit: change the spec and regenerate.",
                    plan.project.kebab
                ),
                aws_cdk_lib: AWS_CDK_LIB_VERSION,
                constructs: CONSTRUCTS_RANGE,
                aws_cdk: AWS_CDK_CLI_RANGE,
                typescript: TYPESCRIPT_RANGE,
                ts_node: TS_NODE_RANGE,
                types_node: TYPES_NODE_RANGE,
            };
            let plain = PlainContext {
                marker: GENERATED_MARKER,
                note: format!(
                    "{GENERATED_MARKER} for project {}. Do not edit: change the spec and regenerate.",
                    plan.project.kebab
                ),
            };
            files.push(file(
                "package.json",
                TEMPLATES.render(PACKAGE_JSON, &package)?,
            ));
            files.push(file("tsconfig.json", TEMPLATES.render(TSCONFIG, &plain)?));
            files.push(file("cdk.json", TEMPLATES.render(CDK_JSON, &plain)?));
            files.push(file(".gitignore", TEMPLATES.render(GITIGNORE, &plain)?));
            files.push(file("bin/app.ts", TEMPLATES.render(APP, &app)?));
            files.push(file(&format!("lib/{module}.ts"), construct));
        } else {
            files.push(file(&format!("{module}.ts"), construct));
        }
        if let Some(script) = super::activation::script(plan, "CDK app")? {
            files.push(script);
        }
        Ok(files)
    }
}

fn file(path: &str, contents: String) -> OutFile {
    OutFile {
        path: PathBuf::from(path),
        contents,
    }
}

/// Context of `templates/cdk-typescript/construct.ts.tera`.
///
/// Each resource arrives as one string, already escaped and indented: the field
/// declaration of each role, instance profile and policy, and the statement that
/// constructs it. The template lays out the file around them (header, imports, class,
/// constructor, section order, blank lines). At thousands of fleets, Tera filters,
/// lookups and loops per value cost far more than the text itself.
#[derive(Serialize)]
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
    /// `new cdk.CfnOutput(...);`, one per output.
    outputs: Each<'a, Output>,
}

/// A list of strings written from plan items only while Tera converts the context into
/// its own value tree, one item at a time into one reused buffer: the text then exists
/// once, in Tera's tree, rather than also in a list of our own. `write` cannot fail:
/// [`check`] has already rejected every plan it could fail on.
struct Each<'a, T> {
    plan: &'a Plan,
    items: &'a [T],
    write: fn(&mut String, &'a Plan, &'a T),
}

impl<'a, T> Each<'a, T> {
    fn new(plan: &'a Plan, items: &'a [T], write: fn(&mut String, &'a Plan, &'a T)) -> Self {
        Each { plan, items, write }
    }
}

impl<T> Serialize for Each<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.items.len()))?;
        let mut buf = String::with_capacity(4096);
        for item in self.items {
            buf.clear();
            (self.write)(&mut buf, self.plan, item);
            seq.serialize_element(buf.as_str())?;
        }
        seq.end()
    }
}

/// One `iam.ManagedPolicy`.
#[derive(Serialize)]
struct PolicyContext<'b> {
    /// `this.webSessionPolicy = new iam.ManagedPolicy(this, 'WebSessionPolicy', {` and
    /// the lines of its name, path and description, escaped and indented.
    head: &'b str,
    /// The index of its statements in `statement_lists`.
    statements: usize,
    /// The role it is attached to: `this.webRole`, or an existing role imported by name.
    role: &'b str,
}

/// The policies, written like [`Each`] while Tera converts the context.
struct Policies<'a> {
    plan: &'a Plan,
    /// For each policy, the index of its statements in `statement_lists`.
    lists: Vec<usize>,
}

impl Serialize for Policies<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.lists.len()))?;
        let mut head = String::with_capacity(1024);
        let mut role = String::with_capacity(128);
        for (p, &statements) in self.plan.policies.iter().zip(&self.lists) {
            head.clear();
            role.clear();
            policy_head(&mut head, self.plan, p);
            policy_role(&mut role, self.plan, p);
            seq.serialize_element(&PolicyContext {
                head: &head,
                statements,
                role: &role,
            })?;
        }
        seq.end()
    }
}

/// A policy's statements, equal and hashed by everything that is written of them, so
/// that equal statements are written once.
struct StatementsKey<'a>(&'a [Statement]);

impl PartialEq for StatementsKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self.0.iter().zip(other.0).all(|(a, b)| {
                a.sid == b.sid
                    && a.effect == b.effect
                    && a.actions == b.actions
                    && a.resources == b.resources
                    && a.conditions == b.conditions
            })
    }
}

impl Eq for StatementsKey<'_> {}

impl Hash for StatementsKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for s in self.0 {
            s.sid.hash(state);
            s.actions.hash(state);
            s.resources.hash(state);
            for c in &s.conditions {
                c.operator.hash(state);
                c.key.hash(state);
                c.values.hash(state);
            }
        }
    }
}

/// Context of `templates/cdk-typescript/app.ts.tera`.
#[derive(Serialize)]
struct AppContext<'a> {
    marker: &'static str,
    project: &'a str,
    class_name: &'a str,
    /// The import path of the construct module.
    module: String,
    /// The stack's construct id, which the CLI also uses as its stack name.
    stack_id: String,
    construct_id: &'static str,
    /// The stack's description.
    description: String,
    /// The pinned account and Region, as the stack's environment.
    account: Option<&'a str>,
    region: Option<&'a str>,
}

/// Context of `templates/cdk-typescript/package.json.tera`.
#[derive(Serialize)]
struct PackageContext<'a> {
    marker: &'static str,
    project: &'a str,
    /// The npm package name.
    name: String,
    /// The package description, which carries the generated-file marker.
    description: String,
    aws_cdk_lib: &'static str,
    constructs: &'static str,
    aws_cdk: &'static str,
    typescript: &'static str,
    ts_node: &'static str,
    types_node: &'static str,
}

/// Context of the templates that only carry the marker (`"//"` notes in JSON files).
#[derive(Serialize)]
struct PlainContext {
    marker: &'static str,
    /// The `"//"` note of a JSON file.
    note: String,
}

/// Identifiers are written as code, not as string literals, so they must be plain
/// TypeScript identifiers. Plan identifiers come from validated names; this keeps it so.
fn ident(s: &str) -> Result<&str, Error> {
    let ok = s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(s)
    } else {
        Err(Error::Render {
            template: CONSTRUCT.into(),
            message: format!("`{s}` is not a TypeScript identifier"),
        })
    }
}

fn missing(what: &str, i: usize) -> Error {
    Error::Render {
        template: CONSTRUCT.into(),
        message: format!("the plan refers to {what} {i}, which it does not hold"),
    }
}

/// The field of the generated role `i`, checked by [`check`].
fn role_field(plan: &Plan, i: usize) -> &str {
    plan.roles.get(i).map_or("", |r| r.id.lower_camel.as_str())
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
        if let Attachment::Role(i) = p.attachment {
            role(i)?;
        }
        ident(&p.id.lower_camel)?;
        ident(&p.id.upper_camel)?;
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
        }
        ident(&o.id.upper_camel)?;
    }
    Ok(())
}

/// Writes a field declaration: its TSDoc sentence (escaped for a comment) and the field.
fn push_field(out: &mut String, doc: &str, field: &str, kind: &str) {
    out.push_str("  /** ");
    escape::push_ts_comment(out, doc);
    out.push_str(" */\n  public readonly ");
    out.push_str(field);
    out.push_str(": ");
    out.push_str(kind);
    out.push(';');
}

fn role_field_decl(out: &mut String, _plan: &Plan, role: &Role) {
    let doc = match role.platform {
        Platform::Ec2 => format!(
            "The role of EC2 fleet {}, named {}; its instance profile carries it to the fleet's instances.",
            role.fleet, role.name
        ),
        Platform::Hybrid => format!(
            "The service role of hybrid fleet {}, named {}: name it in the fleet's hybrid activation. An activation's role cannot be changed, so keep this name.",
            role.fleet, role.name
        ),
    };
    push_field(out, &doc, &role.id.lower_camel, "iam.Role");
}

fn profile_field_decl(out: &mut String, plan: &Plan, p: &InstanceProfile) {
    let fleet = plan.roles.get(p.role).map_or("", |r| r.fleet.as_str());
    let doc = format!(
        "The instance profile of EC2 fleet {fleet}, named {}: attach it to the fleet's instances.",
        p.name
    );
    push_field(out, &doc, &p.id.lower_camel, "iam.InstanceProfile");
}

fn policy_field_decl(out: &mut String, plan: &Plan, p: &Policy) {
    let doc = match &p.attachment {
        Attachment::Role(i) => format!(
            "The Session Manager permissions of fleet {}, named {}, attached to role {}.",
            p.fleet,
            p.name,
            plan.roles.get(*i).map_or("", |r| r.name.as_str())
        ),
        Attachment::ExistingRole(name) => format!(
            "The Session Manager permissions of fleet {}, named {}, attached to the existing role {name}.",
            p.fleet, p.name
        ),
    };
    push_field(out, &doc, &p.id.lower_camel, "iam.ManagedPolicy");
}

/// Writes `    this.<field> = new <class>(this, '<Id>', {`, the opening of a construct.
fn push_new(out: &mut String, field: &str, class: &str, construct_id: &str) {
    out.push_str("    this.");
    out.push_str(field);
    out.push_str(" = new ");
    out.push_str(class);
    out.push_str("(this, ");
    escape::push_ts_str(out, construct_id);
    out.push_str(", {");
}

/// Writes `\n<indent><key>: <string literal>,`, one property line.
fn push_str_prop(out: &mut String, indent: &str, key: &str, value: &str) {
    out.push('\n');
    out.push_str(indent);
    out.push_str(key);
    out.push_str(": ");
    escape::push_ts_str(out, value);
    out.push(',');
}

/// Writes the operators of a condition block (conditions come sorted by operator, then
/// key), each operator's line at `indent` and its keys two spaces deeper.
fn push_conditions(out: &mut String, conditions: &[Condition], indent: &str) {
    let mut operator: Option<&str> = None;
    for c in conditions {
        if operator != Some(c.operator) {
            if operator.is_some() {
                out.push('\n');
                out.push_str(indent);
                out.push_str("},");
            }
            out.push('\n');
            out.push_str(indent);
            escape::push_ts_str(out, c.operator);
            out.push_str(": {");
            operator = Some(c.operator);
        }
        out.push('\n');
        out.push_str(indent);
        out.push_str("  ");
        escape::push_ts_str(out, c.key);
        out.push_str(": ");
        // One value is written as a scalar, several (or none) as an array.
        if let [value] = c.values.as_slice() {
            escape::push_ts_text(out, value);
        } else {
            out.push('[');
            for (i, value) in c.values.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                escape::push_ts_text(out, value);
            }
            out.push(']');
        }
        out.push(',');
    }
    if operator.is_some() {
        out.push('\n');
        out.push_str(indent);
        out.push_str("},");
    }
}

/// Construct ids of the managed policies a role imports, unique within the construct.
fn imported_policy_id(role: &Role, name: &str, taken: &[String]) -> String {
    // The policy's own spelling (`AmazonSSMManagedInstanceCore`) reads best; a path
    // separator or other punctuation has no place in a construct id.
    let mut id = String::with_capacity(role.id.upper_camel.len() + name.len());
    id.push_str(&role.id.upper_camel);
    id.extend(name.chars().filter(char::is_ascii_alphanumeric));
    if taken.contains(&id) {
        id.push_str(&taken.len().to_string());
    }
    id
}

fn role_block(out: &mut String, _plan: &Plan, role: &Role) {
    const PROP: &str = "      ";
    let field = role.id.lower_camel.as_str();
    push_new(out, field, "iam.Role", &role.id.upper_camel);
    push_str_prop(out, PROP, "roleName", &role.name);
    push_str_prop(out, PROP, "path", &role.path);
    push_str_prop(out, PROP, "description", &role.description);
    out.push_str("\n      assumedBy: iam.ServicePrincipal.fromStaticServicePrincipleName(");
    escape::push_ts_text(out, &role.trust.service);
    out.push(')');
    if !role.trust.conditions.is_empty() {
        out.push_str(".withConditions({");
        push_conditions(out, &role.trust.conditions, "        ");
        out.push_str("\n      })");
    }
    out.push(',');
    if !role.managed_policies.is_empty() {
        out.push_str("\n      managedPolicies: [");
        let mut taken: Vec<String> = Vec::with_capacity(role.managed_policies.len());
        for m in &role.managed_policies {
            let id = imported_policy_id(role, &m.name, &taken);
            out.push_str("\n        iam.ManagedPolicy.fromManagedPolicyArn(this, ");
            escape::push_ts_str(out, &id);
            out.push_str(", ");
            escape::push_ts_text(out, &m.arn);
            out.push_str("),");
            taken.push(id);
        }
        out.push_str("\n      ],");
    }
    if let Some(arn) = &role.permissions_boundary {
        out.push_str("\n      permissionsBoundary: iam.ManagedPolicy.fromManagedPolicyArn(this, ");
        escape::push_ts_str(out, &format!("{}PermissionsBoundary", role.id.upper_camel));
        out.push_str(", ");
        escape::push_ts_text(out, arn);
        out.push_str("),");
    }
    out.push_str("\n    });");
    for (key, value) in &role.tags {
        out.push_str("\n    cdk.Tags.of(this.");
        out.push_str(field);
        out.push_str(").add(");
        escape::push_ts_str(out, key);
        out.push_str(", ");
        escape::push_ts_str(out, value);
        out.push_str(");");
    }
}

fn profile_block(out: &mut String, plan: &Plan, p: &InstanceProfile) {
    push_new(
        out,
        &p.id.lower_camel,
        "iam.InstanceProfile",
        &p.id.upper_camel,
    );
    out.push_str("\n      role: this.");
    out.push_str(role_field(plan, p.role));
    out.push(',');
    push_str_prop(out, "      ", "instanceProfileName", &p.name);
    push_str_prop(out, "      ", "path", &p.path);
    out.push_str("\n    });");
}

fn push_statement(out: &mut String, plan: &Plan, s: &Statement) {
    out.push_str("\n        new iam.PolicyStatement({");
    push_str_prop(out, "          ", "sid", &s.sid);
    out.push_str("\n          effect: iam.Effect.");
    out.push_str(match s.effect {
        Effect::Allow => "ALLOW",
    });
    out.push_str(",\n          actions: [");
    for a in &s.actions {
        out.push_str("\n            ");
        escape::push_ts_str(out, a);
        out.push(',');
    }
    out.push_str("\n          ],\n          resources: [");
    for r in &s.resources {
        out.push_str("\n            ");
        escape::push_ts_text(out, &r.arn(&plan.env));
        out.push(',');
    }
    out.push_str("\n          ],");
    if !s.conditions.is_empty() {
        out.push_str("\n          conditions: {");
        push_conditions(out, &s.conditions, "            ");
        out.push_str("\n          },");
    }
    out.push_str("\n        }),");
}

fn policy_head(out: &mut String, _plan: &Plan, p: &Policy) {
    const PROP: &str = "      ";
    push_new(
        out,
        &p.id.lower_camel,
        "iam.ManagedPolicy",
        &p.id.upper_camel,
    );
    push_str_prop(out, PROP, "managedPolicyName", &p.name);
    push_str_prop(out, PROP, "path", &p.path);
    push_str_prop(out, PROP, "description", &p.description);
}

fn policy_role(out: &mut String, plan: &Plan, p: &Policy) {
    match &p.attachment {
        Attachment::Role(i) => {
            out.push_str("this.");
            out.push_str(role_field(plan, *i));
        }
        Attachment::ExistingRole(name) => {
            out.push_str("iam.Role.fromRoleName(this, ");
            escape::push_ts_str(out, &format!("{}ExistingRole", p.id.upper_camel));
            out.push_str(", ");
            escape::push_ts_str(out, name);
            out.push(')');
        }
    }
}

/// The distinct statement lists, written, and the index of each policy's list.
fn statement_lists(plan: &Plan) -> (Vec<String>, Vec<usize>) {
    let mut written: Vec<String> = Vec::new();
    let mut seen: FxHashMap<StatementsKey<'_>, usize> = FxHashMap::default();
    let mut lists = Vec::with_capacity(plan.policies.len());
    for p in &plan.policies {
        let next = written.len();
        let index = *seen.entry(StatementsKey(&p.statements)).or_insert(next);
        if index == next {
            let mut text = String::with_capacity(512 * p.statements.len());
            for s in &p.statements {
                push_statement(&mut text, plan, s);
            }
            written.push(text);
        }
        lists.push(index);
    }
    (written, lists)
}

fn output_block(out: &mut String, plan: &Plan, o: &Output) {
    out.push_str("    new cdk.CfnOutput(this, ");
    escape::push_ts_str(out, &o.id.upper_camel);
    out.push_str(", {\n      value: this.");
    match o.value {
        OutputValue::RoleArn { role } => {
            out.push_str(role_field(plan, role));
            out.push_str(".roleArn");
        }
        OutputValue::RoleName { role } => {
            out.push_str(role_field(plan, role));
            out.push_str(".roleName");
        }
        OutputValue::InstanceProfileName { profile } => {
            let field = plan
                .instance_profiles
                .get(profile)
                .map_or("", |p| p.id.lower_camel.as_str());
            out.push_str(field);
            out.push_str(".instanceProfileName");
        }
    }
    out.push(',');
    push_str_prop(out, "      ", "description", &o.description);
    out.push_str("\n    });");
}

fn construct_context(plan: &Plan) -> Result<ConstructContext<'_>, Error> {
    check(plan)?;
    let (statement_lists, lists) = statement_lists(plan);
    Ok(ConstructContext {
        marker: GENERATED_MARKER,
        project: &plan.project.kebab,
        class_name: format!("{}SsmAccess", ident(&plan.project.upper_camel)?),
        role_fields: Each::new(plan, &plan.roles, role_field_decl),
        profile_fields: Each::new(plan, &plan.instance_profiles, profile_field_decl),
        policy_fields: Each::new(plan, &plan.policies, policy_field_decl),
        roles: Each::new(plan, &plan.roles, role_block),
        instance_profiles: Each::new(plan, &plan.instance_profiles, profile_block),
        statement_lists,
        policies: Policies { plan, lists },
        outputs: Each::new(plan, &plan.outputs, output_block),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(yaml: &str) -> Plan {
        let (spec, _) = crate::spec::load_str(yaml, "spec.yaml").expect("valid spec");
        crate::plan::build::build(&spec)
    }

    fn construct(plan: &Plan) -> String {
        let files = CdkTypeScript
            .render(plan, &Options::default())
            .expect("renders");
        files[0].contents.clone()
    }

    #[test]
    fn hostile_strings_stay_literals() {
        let mut plan = plan_of(
            "version: 1\nproject: evil\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n",
        );
        // Validation forbids these characters; the escaping must not rely on it.
        let hostile = "a' + `${process.exit(1)}` */ \n b";
        plan.roles[0].tags.insert("note".into(), hostile.into());
        plan.roles[0].description = hostile.into();
        plan.roles[0].fleet = hostile.into();
        let ts = construct(&plan);
        assert!(
            ts.contains(
                r"cdk.Tags.of(this.webRole).add('note', 'a\' + `${process.exit(1)}` */ \n b');"
            ),
            "{ts}"
        );
        assert!(
            ts.contains(r"description: 'a\' + `${process.exit(1)}` */ \n b',"),
            "{ts}"
        );
        assert!(ts.contains(r"a' + `${process.exit(1)}` *\/   b"), "{ts}");
        assert!(!ts.contains("*/ \n"), "{ts}");
    }

    #[test]
    fn policies_share_only_equal_statements() {
        let mut plan = plan_of(
            "version: 1\nproject: p\nsession:\n  cloudwatch: {log_group: /ssm/p}\nfleets:\n  - name: a\n    platform: ec2\n    mode: session-only\n  - name: b\n    platform: ec2\n    mode: session-only\n  - name: c\n    platform: ec2\n    mode: session-only\n    session:\n      cloudwatch: {log_group: /ssm/c}\n",
        );
        let (lists, index) = statement_lists(&plan);
        assert_eq!(index, [0, 0, 1]);
        assert_eq!(lists.len(), 2);
        assert!(lists[0].contains("log-group:/ssm/p:*"), "{}", lists[0]);
        assert!(lists[1].contains("log-group:/ssm/c:*"), "{}", lists[1]);
        // A difference anywhere in what is written keeps a policy's own list.
        plan.policies[1].statements[0].sid = "Other".into();
        let (lists, index) = statement_lists(&plan);
        assert_eq!(index, [0, 1, 2]);
        assert!(lists[1].contains("sid: 'Other',"), "{}", lists[1]);
        let ts = construct(&plan);
        assert_eq!(ts.matches("log-group:/ssm/p:*").count(), 2, "{ts}");
        assert_eq!(ts.matches("sid: 'Other',").count(), 1, "{ts}");
        let b = ts.find("this.bSessionPolicy = new").expect("policy b");
        let c = ts.find("this.cSessionPolicy = new").expect("policy c");
        assert!(ts[b..c].contains("sid: 'Other',"), "{ts}");
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

    #[test]
    fn arns_keep_pseudo_values_as_template_literals() {
        let plan = plan_of(
            "version: 1\nproject: p\nfleets:\n  - name: web\n    platform: ec2\n    mode: managed-core\n",
        );
        let ts = construct(&plan);
        assert!(
            ts.contains("fromStaticServicePrincipleName(`ec2.${cdk.Aws.URL_SUFFIX}`)"),
            "{ts}"
        );
        assert!(
            ts.contains("`arn:${cdk.Aws.PARTITION}:iam::aws:policy/AmazonSSMManagedInstanceCore`"),
            "{ts}"
        );
        assert!(!ts.contains("fromAwsManagedPolicyName"), "{ts}");
    }

    #[test]
    fn every_file_carries_the_marker_near_the_top() {
        let plan = plan_of(
            "version: 1\nproject: p\npin:\n  account: \"123456789012\"\n  region: eu-west-1\nfleets:\n  - name: h\n    platform: hybrid\n    mode: session-only\n    activation:\n      registration_limit: 2\n",
        );
        let options = Options {
            scaffold: true,
            ..Options::default()
        };
        let files = CdkTypeScript.render(&plan, &options).expect("renders");
        assert!(files.len() >= 7);
        for f in &files {
            assert!(
                crate::output::is_generated(&f.contents),
                "{} has no marker",
                f.path.display()
            );
        }
        let app = files
            .iter()
            .find(|f| f.path == std::path::Path::new("bin/app.ts"))
            .expect("app");
        assert!(
            app.contents.contains("account: '123456789012'"),
            "{}",
            app.contents
        );
    }
}
