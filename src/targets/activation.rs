//! The `aws ssm create-activation` script written beside CloudFormation and CDK code,
//! which have no activation resource (Terraform uses `aws_ssm_activation` instead).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use super::OutFile;
use crate::error::Error;
use crate::plan::{Activation, Plan, Role};
use crate::render::escape::shell_str;
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

/// Context of `templates/activation/create-activations.sh.tera`. The parts that vary
/// with the plan are laid out here rather than in the template: each Tera tag costs
/// about 10 us of parsing at every start (BENCHMARKS.md, issue 13), and the per-fleet
/// calls alone were 30 tags. Every value that reaches the shell goes through
/// [`shell_str`]; the rest are validated names (fleets, Regions, accounts).
#[derive(Serialize)]
struct ScriptContext<'a> {
    project: &'a str,
    /// Where the roles come from, for the header comment (`stack` or `CDK app`).
    deployed_by: &'a str,
    /// The help line of `--region`.
    region_help: String,
    /// The pinned Region enforced, or the Region required from `--region`/`AWS_REGION`.
    region_block: String,
    /// With a pinned account, the check that the credentials belong to it (the roles'
    /// trust conditions name it).
    account_block: String,
    /// One `aws ssm create-activation` call per hybrid fleet.
    activations: String,
}

/// The script, or nothing when the plan has no activation.
pub fn script(plan: &Plan, deployed_by: &str) -> Result<Option<OutFile>, Error> {
    if plan.activations.is_empty() {
        return Ok(None);
    }
    let region = plan.env.region.pinned();
    let region_help = match region {
        Some(r) => format!("the Region is pinned by the spec ({r}); a different one is refused"),
        None => {
            format!("the Region the {deployed_by} was deployed to (or set AWS_REGION); required")
        }
    };
    let region_block = match region {
        Some(r) => format!(
            "\n\n# The trust conditions of the roles name this Region.\n\
             if [ -n \"$region\" ] && [ \"$region\" != {q} ]; then\n\
             \x20 fail \"the spec pins Region {r}; --region $region would create activations the roles' trust does not allow\" 2\n\
             fi\n\
             region={q}",
            q = shell_str(r)
        ),
        None => format!(
            "\n\nregion=${{region:-${{AWS_REGION:-${{AWS_DEFAULT_REGION:-}}}}}}\n\
             [ -n \"$region\" ] || fail \"name the Region the {deployed_by} was deployed to: --region REGION (or set AWS_REGION)\" 2"
        ),
    };
    let account_block = plan.env.account.pinned().map_or_else(String::new, |a| {
        format!(
            "\n[ \"$account\" = {q} ] ||\n\
             \x20 fail \"these credentials are for account $account; the roles' trust conditions name account {a}\"",
            q = shell_str(a)
        )
    });
    let mut activations = String::new();
    for a in &plan.activations {
        let role = &plan.roles[a.role];
        push_activation(&mut activations, role, a);
    }
    let ctx = ScriptContext {
        project: &plan.project.kebab,
        deployed_by,
        region_help,
        region_block,
        account_block,
        activations,
    };
    Ok(Some(OutFile {
        path: PathBuf::from(FILE_NAME),
        contents: TEMPLATES.render(SCRIPT, &ctx)?,
    }))
}

/// One fleet's `get-role` check and `create-activation` call, after a blank line.
fn push_activation(out: &mut String, role: &Role, a: &Activation) {
    let h = a.expiry_hours;
    let _ = write!(
        out,
        "\n\n# Fleet {fleet}: expires {h} hours after creation.\n\
         aws iam get-role --role-name {name} >/dev/null\n\
         # An assignment, so that a failed call stops the script (set -e).\n\
         activation=$(aws ssm create-activation \\\n\
         \x20 --iam-role {iam_role} \\\n\
         \x20 --registration-limit {limit} \\\n\
         \x20 --expiration-date \"$(expiry {h})\" \\\n\
         \x20 --description {description} \\",
        fleet = role.fleet,
        name = shell_str(&role.name),
        iam_role = shell_str(&role.name_with_path()),
        limit = a.registration_limit,
        description = shell_str(&a.description),
    );
    if let Some(n) = &a.default_instance_name {
        let _ = write!(out, "\n  --default-instance-name {} \\", shell_str(n));
    }
    if let Some(tags) = tags_json(&a.tags) {
        let _ = write!(out, "\n  --tags {} \\", shell_str(&tags));
    }
    let _ = write!(
        out,
        "\n  --region \"$region\" \\\n\
         \x20 --query '[ActivationId,ActivationCode]' \\\n\
         \x20 --output text)\n\
         keep {} \"$activation\"",
        shell_str(&role.fleet)
    );
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
