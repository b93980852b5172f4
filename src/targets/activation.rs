//! The `aws ssm create-activation` script written beside CloudFormation and CDK code,
//! which have no activation resource (Terraform uses `aws_ssm_activation` instead).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use super::OutFile;
use crate::error::Error;
use crate::plan::{Activation, Plan, Role};
use crate::render::escape::shell_str;

/// The script's fixed text with six slots, `{{ project }}` and the others of
/// [`ScriptContext`], each filled once by [`fill`]. Not a Tera template: every Tera tag
/// costs about 10 us of parsing at each start (BENCHMARKS.md, issue 13), and the script
/// needs no logic beyond what `script` lays out.
const SCRIPT_TEXT: &str = include_str!("../../templates/activation/create-activations.sh");

/// The file name of the script.
pub const FILE_NAME: &str = "create-activations.sh";

/// The values of the slots of `templates/activation/create-activations.sh`, laid out
/// here. Every value that reaches the shell goes through [`shell_str`]; the rest are
/// validated names (fleets, Regions, accounts).
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
        contents: fill(
            SCRIPT_TEXT,
            &[
                ("project", ctx.project),
                ("deployed_by", ctx.deployed_by),
                ("region_help", &ctx.region_help),
                ("region_block", &ctx.region_block),
                ("account_block", &ctx.account_block),
                ("activations", &ctx.activations),
            ],
        ),
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

/// `text` with each `{{ name }}` slot replaced by its value, in one pass; the values are
/// never searched again, so nothing in them is taken for a slot.
fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(text.len() + values.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = text;
    while let Some(start) = rest.find("{{ ") {
        let end = rest[start..].find(" }}").map(|e| start + e);
        let name = end.map(|e| &rest[start + 3..e]);
        match values.iter().find(|(n, _)| Some(*n) == name) {
            Some((_, value)) => {
                out.push_str(&rest[..start]);
                out.push_str(value);
                rest = &rest[end.unwrap_or(start) + 3..];
            }
            None => {
                out.push_str(&rest[..start + 3]);
                rest = &rest[start + 3..];
            }
        }
    }
    out.push_str(rest);
    out
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

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn every_slot_of_the_script_is_filled_once_and_values_are_not_searched() {
        let slots = [
            "project",
            "deployed_by",
            "region_help",
            "region_block",
            "account_block",
            "activations",
        ];
        let values: Vec<(&str, &str)> = slots.iter().map(|s| (*s, "{{ project }}")).collect();
        let text = fill(super::SCRIPT_TEXT, &values);
        // Each slot appears once in the text, and a value is never filled again.
        assert_eq!(text.matches("{{ project }}").count(), 6);
        let empty: Vec<(&str, &str)> = slots.iter().map(|s| (*s, "")).collect();
        assert!(!fill(super::SCRIPT_TEXT, &empty).contains("{{"));
        assert_eq!(fill("a {{ x }} b {{ y }}", &[("x", "1")]), "a 1 b {{ y }}");
    }
}
