//! The `aws ssm create-activation` script written beside CloudFormation and CDK code,
//! which have no activation resource (Terraform uses `aws_ssm_activation` instead).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::OutFile;
use crate::error::Error;
use crate::plan::Plan;
use crate::render::Templates;

const SCRIPT: &str = "activation/create-activations.sh";

pub static TEMPLATES: Templates = Templates::new(&[(
    SCRIPT,
    include_str!("../../templates/activation/create-activations.sh.tera"),
)]);

/// The script's template when [`script`] renders one for this plan.
pub fn templates_used(plan: &Plan) -> Option<super::TemplateRef> {
    (!plan.activations.is_empty()).then_some((&TEMPLATES, SCRIPT))
}

/// The file name of the script.
pub const FILE_NAME: &str = "create-activations.sh";

/// Context of `templates/activation/create-activations.sh.tera`.
#[derive(Serialize)]
struct ScriptContext<'a> {
    project: &'a str,
    /// The pinned Region; otherwise the script requires `--region` or `AWS_REGION`.
    region: Option<&'a str>,
    /// The pinned account, which the credentials must belong to (the roles' trust
    /// conditions name it).
    account: Option<&'a str>,
    /// Where the roles come from, for the header comment (`stack` or `CDK app`).
    deployed_by: &'a str,
    activations: Vec<ActivationContext<'a>>,
}

/// One `create-activation` call.
#[derive(Serialize)]
struct ActivationContext<'a> {
    fleet: &'a str,
    /// The role's bare name, for `aws iam get-role`.
    role_name: &'a str,
    /// `path/name` as `--iam-role` expects.
    iam_role: String,
    registration_limit: u32,
    expiry_hours: u32,
    default_instance_name: Option<&'a str>,
    description: &'a str,
    /// `--tags` as a JSON list, for the CLI's JSON parameter form.
    tags_json: Option<String>,
}

/// The script, or nothing when the plan has no activation.
pub fn script(plan: &Plan, deployed_by: &str) -> Result<Option<OutFile>, Error> {
    if plan.activations.is_empty() {
        return Ok(None);
    }
    let activations = plan
        .activations
        .iter()
        .map(|a| {
            let role = &plan.roles[a.role];
            ActivationContext {
                fleet: &role.fleet,
                role_name: &role.name,
                iam_role: role.name_with_path(),
                registration_limit: a.registration_limit,
                expiry_hours: a.expiry_hours,
                default_instance_name: a.default_instance_name.as_deref(),
                description: &a.description,
                tags_json: tags_json(&a.tags),
            }
        })
        .collect();
    let region = plan.env.region.pinned();
    let ctx = ScriptContext {
        project: &plan.project.kebab,
        region,
        account: plan.env.account.pinned(),
        deployed_by,
        activations,
    };
    Ok(Some(OutFile {
        path: PathBuf::from(FILE_NAME),
        contents: TEMPLATES.render(SCRIPT, &ctx)?,
    }))
}

fn tags_json(tags: &BTreeMap<String, String>) -> Option<String> {
    if tags.is_empty() {
        return None;
    }
    let list: Vec<serde_json::Value> = tags
        .iter()
        .map(|(k, v)| serde_json::json!({"Key": k, "Value": v}))
        .collect();
    Some(serde_json::Value::Array(list).to_string())
}
