//! What each fleet's role ends up with once the spec's parts are merged: its tags (spec,
//! fleet and activation tags together) and, for hybrid fleets, the `IamRole` an
//! activation names it by.

use std::collections::BTreeMap;

use super::Ctx;
use crate::facts;
use crate::plan::{Mode, Platform};
use crate::spec::{iam_role_reference, role_name, Fleet};

/// Checks every fleet's merged tags and its activation's role reference.
pub(super) fn check_roles(
    ctx: &mut Ctx<'_>,
    project: &str,
    role_path: &str,
    spec_tags: &BTreeMap<String, String>,
    fleets: &[Fleet],
) {
    let spec_layer = [("tags".to_string(), spec_tags)];
    check_tag_case(ctx, &spec_layer);
    for (i, f) in fleets.iter().enumerate() {
        let mut layers = vec![
            ("tags".to_string(), spec_tags),
            (format!("fleets[{i}].tags"), &f.tags),
        ];
        if let Some(a) = &f.activation {
            layers.push((format!("fleets[{i}].activation.tags"), &a.tags));
        }
        check_tag_case(ctx, &layers[..]);
        if f.platform == Platform::Hybrid && f.mode != Mode::ExistingRole {
            check_iam_role_length(ctx, i, project, role_path, f);
        }
    }
}

/// IAM tag keys are case-insensitive on roles: `Team` and `team` are one key, and the
/// later replaces the earlier (IAM User Guide, Tagging IAM resources, "Case
/// sensitivity"). A pair within the spec's own tags is reported once, with the spec;
/// a fleet reports the pairs it adds.
fn check_tag_case(ctx: &mut Ctx<'_>, layers: &[(String, &BTreeMap<String, String>)]) {
    let own = layers.len() == 1;
    let mut seen: BTreeMap<String, (usize, &str)> = BTreeMap::new();
    for (n, (at, tags)) in layers.iter().enumerate() {
        for key in tags.keys() {
            let folded = key.to_lowercase();
            match seen.get(&folded) {
                Some(&(m, first)) if first != key.as_str() && (own || n > 0) => {
                    let where_first = &layers[m].0;
                    ctx.error(
                        &format!("{at}.{key}"),
                        format!(
                            "tag key `{key}` differs from `{first}` ({where_first}) only in case; IAM tag keys on roles are case-insensitive, so one would replace the other"
                        ),
                        format!("spell the key `{first}` in both places, or use distinct keys"),
                    );
                }
                Some(_) => {}
                None => {
                    seen.insert(folded, (n, key));
                }
            }
        }
    }
}

fn check_iam_role_length(ctx: &mut Ctx<'_>, i: usize, project: &str, path: &str, f: &Fleet) {
    let reference = iam_role_reference(path, &role_name(project, &f.name));
    let len = reference.chars().count();
    if len > facts::ACTIVATION_IAM_ROLE_MAX {
        let over = len - facts::ACTIVATION_IAM_ROLE_MAX;
        ctx.error(
            &format!("fleets[{i}].name"),
            format!(
                "an activation names this fleet's service role as `{reference}`, {len} characters; CreateActivation's IamRole allows {}",
                facts::ACTIVATION_IAM_ROLE_MAX
            ),
            format!(
                "shorten `role_path`, the project name or the fleet name by {over} character{}",
                if over == 1 { "" } else { "s" }
            ),
        );
    }
}
