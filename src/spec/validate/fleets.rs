//! Fleets and activations: each fleet's name (distinct from the others once cased for
//! each tool), tags, mode and existing role, managed policies, session overrides and,
//! for hybrid fleets, the activation.

use std::collections::{BTreeMap, HashMap};

use heck::ToUpperCamelCase;

use super::names::{
    check_name, check_nfc, check_role_name, check_tags, is_managed_policy_name, is_tag_char,
    MAX_TAGS,
};
use super::session::{merge_session, resolve_overrides};
use super::{closest, Ctx};
use crate::facts;
use crate::plan::{Mode, Platform};
use crate::spec::raw::{RawActivation, RawFleet, RawMode, RawPlatform};
use crate::spec::{Activation, Fleet, Pin, Session};

/// Checks the `fleets` list; each fleet's session starts from the spec's `defaults`.
pub(super) fn check_fleets(
    ctx: &mut Ctx<'_>,
    raw_fleets: Vec<RawFleet>,
    spec_tags: &BTreeMap<String, String>,
    pin: &Pin,
    defaults: &Session,
    project: &str,
) -> Vec<Fleet> {
    if raw_fleets.is_empty() {
        ctx.error(
            "fleets",
            "the spec has no fleet",
            "add at least one fleet with a `name` and a `platform` (ec2 or hybrid)",
        );
    }
    let mut fleets = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut dhmc_fleet = None;
    for (i, rf) in raw_fleets.into_iter().enumerate() {
        let at = format!("fleets[{i}]");
        check_name(ctx, &format!("{at}.name"), &rf.name);
        let key = rf.name.to_upper_camel_case();
        if let Some(first) = seen.get(&key) {
            ctx.error(
                &format!("{at}.name"),
                format!(
                    "fleet name `{}` is already used by fleets[{first}] (names must differ once cased for each tool)",
                    rf.name
                ),
                "give each fleet a distinct name",
            );
        } else {
            seen.insert(key, i);
        }
        check_tags(ctx, &format!("{at}.tags"), &rf.tags);
        if spec_tags.len() + rf.tags.len() > MAX_TAGS {
            ctx.error(
                &format!("{at}.tags"),
                format!(
                    "{} tags with the spec's default tags; IAM allows {MAX_TAGS}",
                    spec_tags.len() + rf.tags.len()
                ),
                "drop some tags",
            );
        }
        let platform = match rf.platform {
            RawPlatform::Ec2 => Platform::Ec2,
            RawPlatform::Hybrid => Platform::Hybrid,
        };
        let mode = match rf.mode {
            None | Some(RawMode::ManagedCore) => Mode::ManagedCore,
            Some(RawMode::SessionOnly) => Mode::SessionOnly,
            Some(RawMode::ExistingRole) => Mode::ExistingRole,
            Some(RawMode::DefaultHostManagement) => Mode::DefaultHostManagement,
        };
        if mode == Mode::DefaultHostManagement {
            check_default_host_management(ctx, &at, platform, &mut dhmc_fleet, i);
        }
        match (mode, &rf.existing_role) {
            (Mode::ExistingRole, None) => ctx.error(
                &format!("{at}.mode"),
                "`existing-role` mode needs the name of the role to extend",
                format!("add `existing_role: <role name>` to {at}"),
            ),
            (Mode::ExistingRole, Some(name)) => {
                check_role_name(ctx, &format!("{at}.existing_role"), name)
            }
            (_, Some(_)) => ctx.error(
                &format!("{at}.existing_role"),
                "`existing_role` is only used in `existing-role` mode",
                format!("remove `existing_role`, or set `mode: existing-role` on {at}"),
            ),
            (_, None) => {}
        }
        if mode == Mode::ManagedCore {
            ctx.warn(
                &format!("{at}.mode"),
                "`managed-core` attaches AmazonSSMManagedInstanceCore, which grants all of Systems Manager, far more than Session Manager needs",
                "use `mode: session-only` when the fleet only needs Session Manager",
            );
        }
        let mut managed = Vec::new();
        for (j, name) in rf.managed_policies.iter().enumerate() {
            let f = format!("{at}.managed_policies[{j}]");
            if mode == Mode::ExistingRole {
                ctx.error(
                    &f,
                    "`existing-role` mode only adds the Session Manager policy to the existing role",
                    "attach other managed policies where the existing role is defined",
                );
            } else if name == facts::MANAGED_INSTANCE_CORE_POLICY {
                ctx.error(
                    &f,
                    "AmazonSSMManagedInstanceCore is chosen by the fleet's mode, not listed",
                    "remove it here; `mode: managed-core` (the default) attaches it",
                );
            } else if !is_managed_policy_name(name) {
                ctx.error(
                    &f,
                    format!("`{name}` is not an AWS managed policy name"),
                    "give the policy's name as in arn:aws:iam::aws:policy/<name>, e.g. CloudWatchAgentServerPolicy",
                );
            } else if !facts::KNOWN_EXTRA_MANAGED_POLICIES.contains(&name.as_str()) {
                let hint = closest(name, facts::KNOWN_EXTRA_MANAGED_POLICIES)
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                ctx.warn(
                    &f,
                    format!("`{name}` is not one of the managed policies ssmgen knows for Session Manager fleets"),
                    format!("{hint}check that the AWS managed policy exists; ssmgen attaches it as named"),
                );
            }
            if managed.contains(name) {
                ctx.error(
                    &f,
                    format!("`{name}` is listed twice"),
                    "list each managed policy once",
                );
            }
            managed.push(name.clone());
        }
        managed.sort();
        managed.dedup();

        let overrides = resolve_overrides(ctx, &format!("{at}.session"), rf.session, pin);
        let session = merge_session(defaults, overrides);
        check_vpc_features(ctx, &at, &rf.name, &session);

        let activation = match (platform, mode, rf.activation) {
            (Platform::Ec2, _, Some(_)) => {
                ctx.error(
                    &format!("{at}.activation"),
                    "only hybrid fleets have an activation",
                    format!("remove `activation`, or set `platform: hybrid` on {at}"),
                );
                None
            }
            (Platform::Hybrid, Mode::ExistingRole, Some(_)) => {
                ctx.error(
                    &format!("{at}.activation"),
                    "an existing role's activations are created where that role is managed",
                    "remove `activation`; ssmgen only attaches the Session Manager policy to the existing role",
                );
                None
            }
            (Platform::Hybrid, Mode::ExistingRole | Mode::DefaultHostManagement, None)
            | (Platform::Ec2, _, None) => None,
            (Platform::Hybrid, Mode::DefaultHostManagement, Some(_)) => None,
            (Platform::Hybrid, _, a) => Some(check_activation(
                ctx,
                &format!("{at}.activation"),
                a.unwrap_or_default(),
            )),
        };
        let selector_tag = super::operators::selector_tag(
            ctx,
            &format!("{at}.selector_tag"),
            project,
            &rf.name,
            rf.selector_tag,
        );
        fleets.push(Fleet {
            name: rf.name,
            platform,
            mode,
            existing_role: rf.existing_role,
            managed_policies: managed,
            tags: rf.tags,
            session,
            activation,
            selector_tag,
        });
    }
    fleets
}

/// Default Host Management Configuration (AWS Systems Manager User Guide, "Using the
/// Default Host Management Configuration setting"): one role per account and Region, for
/// EC2 instances only.
fn check_default_host_management(
    ctx: &mut Ctx<'_>,
    at: &str,
    platform: Platform,
    first: &mut Option<usize>,
    i: usize,
) {
    if platform != Platform::Ec2 {
        ctx.error(
            &format!("{at}.platform"),
            "Default Host Management manages EC2 instances only",
            format!("set `platform: ec2` on {at}, or choose another mode"),
        );
    }
    if let Some(f) = first {
        ctx.error(
            &format!("{at}.mode"),
            format!("fleets[{f}] is already the default-host-management fleet; the setting names one role per account and Region"),
            "keep one default-host-management fleet",
        );
        return;
    }
    *first = Some(i);
    ctx.note(
        &format!("{at}.mode"),
        "Default Host Management applies to every EC2 instance of the account and Region that uses IMDSv2 (IMDSv1 is not supported), runs SSM Agent 3.2.582.0 or later and has no instance profile allowing ssm:UpdateInstanceInformation (the agent uses an instance profile first); it can take up to 30 minutes to apply, and removing it from the code turns it off",
        "require IMDSv2 on the instances (HttpTokens: required); instances of the other EC2 fleets keep their instance profiles",
    );
}

/// VPC endpoint features need Regions; patching buckets are only known for the Regions
/// the patching reference lists.
fn check_vpc_features(ctx: &mut Ctx<'_>, at: &str, fleet: &str, session: &Session) {
    let features = &session.vpc_endpoint_features;
    if !features.is_empty() && session.vpc_endpoint_regions.is_empty() {
        ctx.error(
            at,
            format!("fleet `{fleet}` lists vpc_endpoint_features but no vpc_endpoint_regions, so it reads no AWS-owned bucket"),
            "add `vpc_endpoint_regions: [<region>]` (the Regions of the S3 VPC endpoints), or remove `vpc_endpoint_features`",
        );
    }
    if features.contains(&facts::VpcFeature::Patching) {
        for r in &session.vpc_endpoint_regions {
            if !facts::buckets::PATCHING_KNOWN_REGIONS.contains(&r.as_str()) {
                ctx.warn(
                    at,
                    format!("the patching buckets of {r} are not in the documented list ssmgen carries; it grants them by their usual names"),
                    format!("check the AWS Systems Manager User Guide, \"Reference: Amazon S3 buckets for patching operations\", for {r}"),
                );
            }
        }
    }
}

fn check_activation(ctx: &mut Ctx<'_>, at: &str, raw: RawActivation) -> Activation {
    let registration_limit = raw.registration_limit.unwrap_or(1);
    if registration_limit == 0 || registration_limit > facts::ACTIVATION_REGISTRATION_LIMIT_MAX {
        ctx.error(
            &format!("{at}.registration_limit"),
            format!("registration limit {registration_limit} is out of range"),
            format!("use 1 to {}", facts::ACTIVATION_REGISTRATION_LIMIT_MAX),
        );
    }
    let expiry_hours = match raw.expires_after.as_deref() {
        None => facts::ACTIVATION_DEFAULT_HOURS,
        Some(s) => match parse_duration_hours(s) {
            Some(h) if (1..=facts::ACTIVATION_MAX_HOURS).contains(&h) => h,
            Some(h) => {
                ctx.error(
                    &format!("{at}.expires_after"),
                    format!("`{s}` is {h} hours; an activation expires at most 30 days (720h) after it is created"),
                    "use a duration from 1h to 30d",
                );
                facts::ACTIVATION_DEFAULT_HOURS
            }
            None => {
                ctx.error(
                    &format!("{at}.expires_after"),
                    format!("`{s}` is not a duration"),
                    "write hours or days, e.g. 24h or 7d (at most 30d)",
                );
                facts::ACTIVATION_DEFAULT_HOURS
            }
        },
    };
    for (field, value) in [
        ("default_instance_name", &raw.default_instance_name),
        ("description", &raw.description),
    ] {
        if let Some(v) = value {
            let what = field.replace('_', " ");
            if v.is_empty() || v.chars().count() > 256 || !v.chars().all(is_tag_char) {
                ctx.error(
                    &format!("{at}.{field}"),
                    format!("{v:?} is not a valid {what}"),
                    "use 1 to 256 letters, digits, spaces and _ . : / = + - @",
                );
            } else {
                check_nfc(ctx, &format!("{at}.{field}"), false, &what, v);
            }
        }
    }
    check_tags(ctx, &format!("{at}.tags"), &raw.tags);
    Activation {
        registration_limit,
        expiry_hours,
        default_instance_name: raw.default_instance_name,
        description: raw.description,
        tags: raw.tags,
    }
}

/// `24h` or `7d` in hours.
fn parse_duration_hours(s: &str) -> Option<u32> {
    if let Some(n) = s.strip_suffix('h') {
        return n.parse().ok();
    }
    s.strip_suffix('d')?.parse::<u32>().ok()?.checked_mul(24)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_hours_and_days() {
        assert_eq!(parse_duration_hours("24h"), Some(24));
        assert_eq!(parse_duration_hours("7d"), Some(168));
        assert_eq!(parse_duration_hours("30d"), Some(720));
        assert_eq!(parse_duration_hours("7w"), None);
        assert_eq!(parse_duration_hours(""), None);
        // Found by tests/fuzz_mutations.rs: a multi-byte last character once panicked.
        assert_eq!(parse_duration_hours("14dé"), None);
        assert_eq!(parse_duration_hours("é"), None);
        assert_eq!(parse_duration_hours("+1h"), Some(1));
    }
}
