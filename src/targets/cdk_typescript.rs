//! AWS CDK v2 in TypeScript: one construct that creates the plan's roles, instance
//! profiles and customer managed policies, and with `--scaffold` a whole CDK app around it.
//!
//! Every permission comes from the plan. CDK writes the trust statement itself from the
//! role's `assumedBy` principal, so the one trust detail the plan decides that CDK does
//! not take as input (the action) is checked instead of written.

use std::path::PathBuf;

use serde::Serialize;

use super::{Options, OutFile, Target, GENERATED_MARKER};
use crate::error::Error;
use crate::facts;
use crate::plan::{Attachment, Condition, Effect, OutputValue, Plan, Platform, Role, Text};
use crate::render::{self, Template};

const CONSTRUCT: &str = "cdk-typescript/construct.ts";
const APP: &str = "cdk-typescript/app.ts";
const PACKAGE_JSON: &str = "cdk-typescript/package.json";
const TSCONFIG: &str = "cdk-typescript/tsconfig.json";
const CDK_JSON: &str = "cdk-typescript/cdk.json";
const GITIGNORE: &str = "cdk-typescript/gitignore";

pub const TEMPLATES: &[Template] = &[
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
];

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

/// The construct id of the construct inside the scaffold's stack.
const CONSTRUCT_ID: &str = "SsmAccess";

pub struct CdkTypeScript;

impl Target for CdkTypeScript {
    fn name(&self) -> &'static str {
        "cdk-typescript"
    }

    fn render(&self, plan: &Plan, options: &Options) -> Result<Vec<OutFile>, Error> {
        let ctx = construct_context(plan)?;
        let module = format!("{}-ssm-access", plan.project.kebab);
        let construct = render::render(CONSTRUCT, &ctx)?;
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
                render::render(PACKAGE_JSON, &package)?,
            ));
            files.push(file("tsconfig.json", render::render(TSCONFIG, &plain)?));
            files.push(file("cdk.json", render::render(CDK_JSON, &plain)?));
            files.push(file(".gitignore", render::render(GITIGNORE, &plain)?));
            files.push(file("bin/app.ts", render::render(APP, &app)?));
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
#[derive(Serialize)]
struct ConstructContext<'a> {
    marker: &'static str,
    /// The project's kebab name, for comments.
    project: &'a str,
    /// `<Project>SsmAccess`.
    class_name: String,
    /// Whether anything refers to `cdk.` (pseudo values, tags, outputs), so that the
    /// import is written only when used.
    import_cdk: bool,
    roles: Vec<RoleContext<'a>>,
    instance_profiles: Vec<ProfileContext<'a>>,
    policies: Vec<PolicyContext<'a>>,
    outputs: Vec<OutputContext<'a>>,
}

/// One `iam.Role`.
#[derive(Serialize)]
struct RoleContext<'a> {
    /// The public field, e.g. `webRole`.
    field: &'a str,
    /// The construct id, e.g. `WebRole`.
    construct_id: &'a str,
    /// The field's TSDoc sentence.
    doc: String,
    name: &'a str,
    path: &'a str,
    description: &'a str,
    /// The trust policy's service principal.
    service: &'a Text,
    /// Trust conditions, grouped by operator.
    conditions: Vec<OperatorContext<'a>>,
    managed_policies: Vec<ImportedPolicyContext<'a>>,
    permissions_boundary: Option<ImportedPolicyContext<'a>>,
    tags: Vec<TagContext<'a>>,
}

/// An existing managed policy imported by ARN.
#[derive(Serialize)]
struct ImportedPolicyContext<'a> {
    construct_id: String,
    arn: &'a Text,
}

/// The keys of one condition operator.
#[derive(Serialize)]
struct OperatorContext<'a> {
    operator: &'a str,
    entries: Vec<ConditionEntryContext<'a>>,
}

/// One condition key and its values.
#[derive(Serialize)]
struct ConditionEntryContext<'a> {
    key: &'a str,
    /// One value is written as a scalar, several as an array.
    values: &'a [Text],
    list: bool,
}

/// One `cdk.Tags.of(role).add(key, value)`.
#[derive(Serialize)]
struct TagContext<'a> {
    key: &'a str,
    value: &'a str,
}

/// One `iam.InstanceProfile`.
#[derive(Serialize)]
struct ProfileContext<'a> {
    field: &'a str,
    construct_id: &'a str,
    doc: String,
    /// The field of the role it carries.
    role_field: &'a str,
    name: &'a str,
    path: &'a str,
}

/// One `iam.ManagedPolicy`.
#[derive(Serialize)]
struct PolicyContext<'a> {
    field: &'a str,
    construct_id: &'a str,
    doc: String,
    name: &'a str,
    path: &'a str,
    description: &'a str,
    statements: Vec<StatementContext<'a>>,
    /// The field of the generated role it is attached to.
    role_field: Option<&'a str>,
    /// Or the role outside the generated code it is attached to.
    existing_role: Option<ExistingRoleContext<'a>>,
}

/// A role imported by name.
#[derive(Serialize)]
struct ExistingRoleContext<'a> {
    construct_id: String,
    name: &'a str,
}

/// One `iam.PolicyStatement`.
#[derive(Serialize)]
struct StatementContext<'a> {
    sid: &'a str,
    /// The `iam.Effect` member.
    effect: &'static str,
    actions: &'a [&'static str],
    resources: Vec<Text>,
    conditions: Vec<OperatorContext<'a>>,
}

/// One `cdk.CfnOutput`.
#[derive(Serialize)]
struct OutputContext<'a> {
    construct_id: &'a str,
    /// The TypeScript expression of the value, e.g. `this.webRole.roleArn`.
    value: String,
    description: &'a str,
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

/// Groups conditions (sorted by operator, then key) under their operators.
fn operators(conditions: &[Condition]) -> Vec<OperatorContext<'_>> {
    let mut out: Vec<OperatorContext<'_>> = Vec::new();
    for c in conditions {
        let entry = ConditionEntryContext {
            key: c.key,
            values: &c.values,
            list: c.values.len() != 1,
        };
        match out.last_mut() {
            Some(last) if last.operator == c.operator => last.entries.push(entry),
            _ => out.push(OperatorContext {
                operator: c.operator,
                entries: vec![entry],
            }),
        }
    }
    out
}

/// Construct ids of the managed policies a role imports, unique within the construct.
fn imported_policy_id(role: &Role, name: &str, taken: &[String]) -> String {
    // The policy's own spelling (`AmazonSSMManagedInstanceCore`) reads best; a path
    // separator or other punctuation has no place in a construct id.
    let clean: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
    let base = format!("{}{clean}", role.id.upper_camel);
    if taken.contains(&base) {
        format!("{base}{}", taken.len())
    } else {
        base
    }
}

fn role_context(role: &Role) -> Result<RoleContext<'_>, Error> {
    // `iam.Role` writes the action of its service principal's trust statement itself.
    if role.trust.action != facts::ASSUME_ROLE {
        return Err(Error::Render {
            template: CONSTRUCT.into(),
            message: format!(
                "role {}: CDK writes the trust action of a service principal itself and cannot write {}",
                role.name, role.trust.action
            ),
        });
    }
    let mut managed_policies: Vec<ImportedPolicyContext<'_>> = Vec::new();
    for m in &role.managed_policies {
        let taken: Vec<String> = managed_policies
            .iter()
            .map(|p| p.construct_id.clone())
            .collect();
        managed_policies.push(ImportedPolicyContext {
            construct_id: imported_policy_id(role, &m.name, &taken),
            arn: &m.arn,
        });
    }
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
    Ok(RoleContext {
        field: ident(&role.id.lower_camel)?,
        construct_id: ident(&role.id.upper_camel)?,
        doc,
        name: &role.name,
        path: &role.path,
        description: &role.description,
        service: &role.trust.service,
        conditions: operators(&role.trust.conditions),
        managed_policies,
        permissions_boundary: role
            .permissions_boundary
            .as_ref()
            .map(|arn| ImportedPolicyContext {
                construct_id: format!("{}PermissionsBoundary", role.id.upper_camel),
                arn,
            }),
        tags: role
            .tags
            .iter()
            .map(|(key, value)| TagContext { key, value })
            .collect(),
    })
}

fn construct_context(plan: &Plan) -> Result<ConstructContext<'_>, Error> {
    let role_field = |i: usize| -> Result<&str, Error> {
        let role = plan.roles.get(i).ok_or_else(|| Error::Render {
            template: CONSTRUCT.into(),
            message: format!("the plan refers to role {i}, which it does not hold"),
        })?;
        ident(&role.id.lower_camel)
    };

    let roles = plan
        .roles
        .iter()
        .map(role_context)
        .collect::<Result<Vec<_>, _>>()?;

    let mut instance_profiles = Vec::new();
    for p in &plan.instance_profiles {
        let fleet = plan.roles.get(p.role).map_or("", |r| r.fleet.as_str());
        instance_profiles.push(ProfileContext {
            field: ident(&p.id.lower_camel)?,
            construct_id: ident(&p.id.upper_camel)?,
            doc: format!(
                "The instance profile of EC2 fleet {fleet}, named {}: attach it to the fleet's instances.",
                p.name
            ),
            role_field: role_field(p.role)?,
            name: &p.name,
            path: &p.path,
        });
    }

    let mut policies = Vec::new();
    for p in &plan.policies {
        let (role_field, existing_role, attached_to) = match &p.attachment {
            Attachment::Role(i) => {
                let name = plan.roles.get(*i).map_or("", |r| r.name.as_str());
                (
                    Some(role_field(*i)?),
                    None,
                    format!("attached to role {name}"),
                )
            }
            Attachment::ExistingRole(name) => (
                None,
                Some(ExistingRoleContext {
                    construct_id: format!("{}ExistingRole", p.id.upper_camel),
                    name,
                }),
                format!("attached to the existing role {name}"),
            ),
        };
        let statements = p
            .statements
            .iter()
            .map(|s| StatementContext {
                sid: &s.sid,
                effect: match s.effect {
                    Effect::Allow => "ALLOW",
                },
                actions: &s.actions,
                resources: s.resources.iter().map(|r| r.arn(&plan.env)).collect(),
                conditions: operators(&s.conditions),
            })
            .collect();
        policies.push(PolicyContext {
            field: ident(&p.id.lower_camel)?,
            construct_id: ident(&p.id.upper_camel)?,
            doc: format!(
                "The Session Manager permissions of fleet {}, named {}, {attached_to}.",
                p.fleet, p.name
            ),
            name: &p.name,
            path: &p.path,
            description: &p.description,
            statements,
            role_field,
            existing_role,
        });
    }

    let mut outputs = Vec::new();
    for o in &plan.outputs {
        let value = match o.value {
            OutputValue::RoleArn { role } => format!("this.{}.roleArn", role_field(role)?),
            OutputValue::RoleName { role } => format!("this.{}.roleName", role_field(role)?),
            OutputValue::InstanceProfileName { profile } => {
                let p = plan
                    .instance_profiles
                    .get(profile)
                    .ok_or_else(|| Error::Render {
                        template: CONSTRUCT.into(),
                        message: format!(
                            "the plan refers to instance profile {profile}, which it does not hold"
                        ),
                    })?;
                format!("this.{}.instanceProfileName", ident(&p.id.lower_camel)?)
            }
        };
        outputs.push(OutputContext {
            construct_id: ident(&o.id.upper_camel)?,
            value,
            description: &o.description,
        });
    }

    let import_cdk = !plan.pseudos().is_empty()
        || !outputs.is_empty()
        || roles.iter().any(|r| !r.tags.is_empty());

    Ok(ConstructContext {
        marker: GENERATED_MARKER,
        project: &plan.project.kebab,
        class_name: format!("{}SsmAccess", ident(&plan.project.upper_camel)?),
        import_cdk,
        roles,
        instance_profiles,
        policies,
        outputs,
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
