//! Operators (who may start sessions on which fleets) and the selector tag that marks
//! each fleet's nodes for them. Facts: AWS Systems Manager User Guide, "Sample IAM
//! policies for Session Manager" (StartSession scoped by `ssm:resourceTag/<key>`), IAM
//! User Guide "Tagging IAM resources" and Amazon EC2 User Guide "Tag restrictions".

use std::collections::HashMap;

use super::names::{check_name, check_nfc, is_tag_char};
use super::{closest, Ctx};
use crate::spec::raw::{RawIdentity, RawOperator, RawSelectorTag};
use crate::spec::{Fleet, Identity, Operator, SELECTOR_TAG_KEY};

/// The selector tag of a fleet: the spec's, or `ssmgen-fleet: <project>-<fleet>`.
///
/// The key must work as an EC2 instance tag exposed in instance metadata (letters,
/// digits and `+ - = . , _ : @`: no space or `/`; not `.`, `..` or `_index`), as a
/// hybrid node tag (SSM: letters, digits, spaces and `_ . : / = + - @`), and in the
/// condition key `ssm:resourceTag/<key>`; so only their common characters, and never
/// the reserved `aws:` prefix.
pub(super) fn selector_tag(
    ctx: &mut Ctx<'_>,
    at: &str,
    project: &str,
    fleet: &str,
    raw: Option<RawSelectorTag>,
) -> (String, String) {
    let Some(raw) = raw else {
        return (SELECTOR_TAG_KEY.to_string(), format!("{project}-{fleet}"));
    };
    let key = &raw.key;
    let key_ok = !key.is_empty()
        && key.len() <= 128
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-=._:@".contains(c))
        && !matches!(key.as_str(), "." | ".." | "_index");
    if !key_ok {
        ctx.error(
            &format!("{at}.key"),
            format!("selector tag key {key:?} cannot be both an instance-metadata EC2 tag and a hybrid node tag"),
            "use 1 to 128 ASCII letters, digits and + - = . _ : @ (no spaces or /), e.g. ssmgen-fleet",
        );
    } else if key.to_ascii_lowercase().starts_with("aws:") {
        ctx.error(
            &format!("{at}.key"),
            format!("selector tag key {key:?} uses the reserved `aws:` prefix"),
            "choose a key that does not start with aws:",
        );
    }
    let v = &raw.value;
    if v.is_empty() || v.chars().count() > 256 || !v.chars().all(is_tag_char) {
        ctx.error(
            &format!("{at}.value"),
            format!("selector tag value {v:?} is not valid"),
            "give 1 to 256 letters, digits, spaces and _ . : / = + - @",
        );
    } else if v.contains('*') || v.contains('?') {
        // Unreachable through is_tag_char today; kept because the value is matched with
        // StringLike, where these would be wildcards.
        ctx.error(
            &format!("{at}.value"),
            "selector tag values are matched with StringLike, where * and ? are wildcards",
            "remove * and ?",
        );
    } else {
        check_nfc(ctx, &format!("{at}.value"), false, "selector tag value", v);
    }
    (raw.key, raw.value)
}

/// Two fleets with the same selector tag could not be told apart by operator policies.
pub(super) fn check_selector_tags(ctx: &mut Ctx<'_>, fleets: &[Fleet]) {
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (i, f) in fleets.iter().enumerate() {
        let key = (
            f.selector_tag.0.to_ascii_lowercase(),
            f.selector_tag.1.clone(),
        );
        if let Some(first) = seen.get(&key) {
            ctx.error(
                &format!("fleets[{i}].selector_tag"),
                format!(
                    "fleets[{first}] already selects its nodes by {}={}",
                    f.selector_tag.0, f.selector_tag.1
                ),
                "give each fleet its own selector tag value",
            );
        } else {
            seen.insert(key, i);
        }
        let tagged = f
            .activation
            .as_ref()
            .and_then(|a| a.tags.get(&f.selector_tag.0));
        if let Some(v) = tagged.filter(|v| **v != f.selector_tag.1) {
            ctx.error(
                &format!("fleets[{i}].activation.tags"),
                format!(
                    "the activation tags its nodes {}={v}, but the fleet's selector tag is {}={}",
                    f.selector_tag.0, f.selector_tag.0, f.selector_tag.1
                ),
                "remove that tag from the activation: ssmgen adds the selector tag itself",
            );
        }
    }
}

/// IAM names of existing principals: roles and users up to 64, groups up to 128
/// characters of letters, digits and `+ = , . @ _ -`.
fn check_principal(ctx: &mut Ctx<'_>, field: &str, kind: &str, name: &str, max: usize) {
    let ok = !name.is_empty()
        && name.len() <= max
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if !ok {
        ctx.error(
            field,
            format!("`{name}` is not an IAM {kind} name"),
            format!("give the {kind}'s name (not its ARN): 1 to {max} letters, digits and + = , . @ _ -"),
        );
    }
}

pub(super) fn check_operators(
    ctx: &mut Ctx<'_>,
    raw: Vec<RawOperator>,
    fleets: &[Fleet],
) -> Vec<Operator> {
    let mut out = Vec::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    for (i, ro) in raw.into_iter().enumerate() {
        let at = format!("operators[{i}]");
        check_name(ctx, &format!("{at}.name"), &ro.name);
        if let Some(first) = names.get(&ro.name) {
            ctx.error(
                &format!("{at}.name"),
                format!("operators[{first}] already has the name `{}`", ro.name),
                "give each operator entry its own name",
            );
        } else {
            names.insert(ro.name.clone(), i);
        }
        if ro.fleets.is_empty() {
            ctx.error(
                &format!("{at}.fleets"),
                "the operator may open sessions on no fleet",
                "list the fleets by name, e.g. fleets: [web]",
            );
        }
        for (j, name) in ro.fleets.iter().enumerate() {
            if !fleets.iter().any(|f| &f.name == name) {
                let known: Vec<&str> = fleets.iter().map(|f| f.name.as_str()).collect();
                let hint = closest(name, &known)
                    .map(|n| format!("did you mean `{n}`? "))
                    .unwrap_or_default();
                ctx.error(
                    &format!("{at}.fleets[{j}]"),
                    format!("no fleet is named `{name}`"),
                    format!("{hint}fleets of this spec: {}", known.join(", ")),
                );
            }
        }
        let attach = ro.attach.unwrap_or_default();
        for (kind, list, max) in [
            ("role", &attach.roles, 64),
            ("group", &attach.groups, 128),
            ("user", &attach.users, 64),
        ] {
            for (j, name) in list.iter().enumerate() {
                let f = format!("{at}.attach.{kind}s[{j}]");
                check_principal(ctx, &f, kind, name, max);
                // IAM names are unique regardless of case: a second entry would attach
                // the policy to the same principal twice.
                if let Some(k) = list[..j]
                    .iter()
                    .position(|other| other.eq_ignore_ascii_case(name))
                {
                    ctx.error(
                        &f,
                        format!(
                            "`{name}` is already listed as `{}` ({at}.attach.{kind}s[{k}]; IAM names ignore case)",
                            list[k]
                        ),
                        format!("list each {kind} once"),
                    );
                }
            }
        }
        // In fleet order, once each, so that the policy does not depend on list order.
        let chosen: Vec<String> = fleets
            .iter()
            .filter(|f| ro.fleets.contains(&f.name))
            .map(|f| f.name.clone())
            .collect();
        out.push(Operator {
            name: ro.name,
            fleets: chosen,
            identity: match ro.identity {
                None | Some(RawIdentity::IamUser) => Identity::IamUser,
                Some(RawIdentity::Federated) => Identity::Federated,
            },
            port_forwarding: ro.port_forwarding.unwrap_or(false),
            ssh: ro.ssh.unwrap_or(false),
            pass_roles: ro.pass_roles.unwrap_or(false),
            attach_roles: attach.roles,
            attach_groups: attach.groups,
            attach_users: attach.users,
        });
    }
    out
}
