//! Names, tags and ARNs: project and fleet names, tags and free text (NFC), IAM role
//! names and paths, managed policy names, account ids, the `pin` (account, Region,
//! partition) and the ARNs whose partition must match it.

use std::collections::BTreeMap;

use super::{closest, Ctx};
use crate::error::Severity;
use crate::spec::raw::RawPin;
use crate::spec::regions::{partition_of, Partition, REGIONS};
use crate::spec::Pin;

/// Longest project or fleet name, so that `<project>-<fleet>-ssm` fits IAM's 64.
pub const MAX_NAME_LEN: usize = 28;
/// IAM allows at most 50 tags on a role.
pub(super) const MAX_TAGS: usize = 50;

pub(super) fn check_pin(ctx: &mut Ctx<'_>, raw: RawPin) -> Pin {
    if let Some(a) = &raw.account {
        check_account(ctx, "pin.account", a);
    }
    let region_partition = raw.region.as_deref().and_then(|r| {
        let p = partition_of(r);
        if p.is_none() {
            unknown_region(ctx, "pin.region", r);
        }
        p
    });
    let partition = match raw.partition.as_deref() {
        None => region_partition,
        Some(name) => match Partition::from_name(name) {
            None => {
                ctx.error(
                    "pin.partition",
                    format!("`{name}` is not a partition"),
                    "use aws, aws-cn or aws-us-gov (or pin a region and leave the partition out)",
                );
                region_partition
            }
            Some(p) => {
                if let (Some(rp), Some(r)) = (region_partition, raw.region.as_deref()) {
                    if rp != p {
                        ctx.error(
                            "pin.partition",
                            format!("region {r} is in partition {}, not {name}", rp.name()),
                            format!("set `partition: {}` or leave it out", rp.name()),
                        );
                    }
                }
                Some(p)
            }
        },
    };
    Pin {
        account: raw.account,
        region: raw.region,
        partition,
    }
}

pub(super) fn unknown_region(ctx: &mut Ctx<'_>, field: &str, r: &str) {
    let names: Vec<&str> = REGIONS.iter().map(|(n, _)| *n).collect();
    let hint = closest(r, &names)
        .map(|s| format!("did you mean `{s}`? "))
        .unwrap_or_default();
    ctx.error(
        field,
        format!("`{r}` is not a Region ssmgen knows"),
        format!("{hint}use a Region code such as eu-west-1, cn-north-1 or us-gov-west-1"),
    );
}

pub(super) fn check_account(ctx: &mut Ctx<'_>, field: &str, a: &str) {
    if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
        ctx.error(
            field,
            format!("`{a}` is not a 12-digit AWS account id"),
            "write the account id as 12 digits, quoted to keep leading zeros: \"012345678901\"",
        );
    }
}

/// Project and fleet names: they become IAM names and code identifiers in every target.
pub(super) fn check_name(ctx: &mut Ctx<'_>, field: &str, name: &str) {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok {
        ctx.error(
            field,
            format!("`{name}` is not a valid name"),
            format!(
                "use 1 to {MAX_NAME_LEN} lowercase letters, digits and single hyphens, starting with a letter (e.g. web-servers)"
            ),
        );
    }
}

pub(super) fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c)
}

/// Refuses free text that is not in Unicode normalization form C. Terraform stores every
/// string in NFC (HCL and cty normalize it, escaped or not), while CloudFormation and the
/// CDK keep it as written: a tag such as `\u{fa20}` (a compatibility ideograph) would
/// differ between targets. Pinned by `free_text_must_be_nfc_because_terraform_normalizes`.
pub(super) fn check_nfc(ctx: &mut Ctx<'_>, field: &str, at_key: bool, what: &str, s: &str) {
    use unicode_normalization::UnicodeNormalization;
    if unicode_normalization::is_nfc(s) {
        return;
    }
    let nfc: String = s.nfc().collect();
    // The two forms usually look the same, so non-ASCII characters are shown escaped.
    let shown = |t: &str| -> String {
        t.chars()
            .map(|c| {
                if c.is_ascii() {
                    c.to_string()
                } else {
                    c.escape_unicode().to_string()
                }
            })
            .collect()
    };
    ctx.push(
        Severity::Error,
        field,
        at_key,
        format!(
            "{what} \"{}\" is not in Unicode normalization form C (NFC): Terraform would store it as \"{}\" while CloudFormation and the CDK keep it as written",
            shown(s),
            shown(&nfc)
        ),
        Some(format!("write it in NFC form: \"{}\" (\"{nfc}\")", shown(&nfc))),
    );
}

pub(super) fn check_tags(ctx: &mut Ctx<'_>, at: &str, tags: &BTreeMap<String, String>) {
    if tags.len() > MAX_TAGS {
        ctx.error(
            at,
            format!("{} tags; IAM allows {MAX_TAGS}", tags.len()),
            "drop some tags",
        );
    }
    for (k, v) in tags {
        let f = format!("{at}.{k}");
        if k.is_empty() || k.chars().count() > 128 || !k.chars().all(is_tag_char) {
            ctx.push(
                Severity::Error,
                &f,
                true,
                format!("tag key {k:?} is not valid"),
                Some("tag keys are 1 to 128 letters, digits, spaces and _ . : / = + - @".into()),
            );
        } else if k.to_ascii_lowercase().starts_with("aws:") {
            ctx.push(
                Severity::Error,
                &f,
                true,
                format!("tag key {k:?} uses the reserved `aws:` prefix"),
                Some("choose a key that does not start with aws:".into()),
            );
        } else {
            check_nfc(ctx, &f, true, "tag key", k);
        }
        if v.chars().count() > 256 || !v.chars().all(is_tag_char) {
            ctx.error(
                &f,
                format!("tag value {v:?} is not valid"),
                "tag values are up to 256 letters, digits, spaces and _ . : / = + - @",
            );
        } else {
            check_nfc(ctx, &f, false, "tag value", v);
        }
    }
}

pub(super) fn check_role_name(ctx: &mut Ctx<'_>, field: &str, name: &str) {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if !ok {
        ctx.error(
            field,
            format!("`{name}` is not a valid IAM role name"),
            "give the role's name (not its ARN): 1 to 64 letters, digits and + = , . @ _ -",
        );
    }
}

pub(super) fn check_role_path(ctx: &mut Ctx<'_>, field: &str, p: &str) {
    let ok = p.len() <= 512
        && p.starts_with('/')
        && p.ends_with('/')
        && !p.contains("//")
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c));
    if !ok {
        ctx.error(
            field,
            format!("`{p}` is not a valid IAM path"),
            "a path starts and ends with / and holds letters, digits and + = , . @ _ - (e.g. /ssm/)",
        );
    }
}

pub(super) fn is_managed_policy_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 128
        && !n.starts_with('/')
        && !n.ends_with('/')
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
}

/// Splits `arn:partition:service:region:account:resource`.
pub(super) fn split_arn(arn: &str) -> Option<[&str; 6]> {
    let mut it = arn.splitn(6, ':');
    let parts = [
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
    ];
    (parts[0] == "arn").then_some(parts)
}

pub(super) fn check_arn_partition(
    ctx: &mut Ctx<'_>,
    field: &str,
    arn_partition: &str,
    pin: Option<Partition>,
) -> bool {
    match Partition::from_name(arn_partition) {
        None => {
            ctx.error(
                field,
                format!("`{arn_partition}` is not a partition"),
                "an ARN starts with arn:aws:, arn:aws-cn: or arn:aws-us-gov:",
            );
            false
        }
        Some(p) if pin.is_some_and(|pp| pp != p) => {
            ctx.error(
                field,
                format!(
                    "the ARN is in partition {arn_partition}, but the spec pins {}",
                    pin.map(Partition::name).unwrap_or_default()
                ),
                "use an ARN from the pinned partition",
            );
            false
        }
        Some(_) => true,
    }
}

pub(super) fn check_boundary_arn(
    ctx: &mut Ctx<'_>,
    field: &str,
    arn: &str,
    pin: Option<Partition>,
) {
    let help = "give a managed policy ARN: arn:<partition>:iam::<account>:policy/<name>";
    let Some([_, partition, service, region, account, resource]) = split_arn(arn) else {
        ctx.error(field, format!("`{arn}` is not an ARN"), help);
        return;
    };
    if service != "iam" || !region.is_empty() || !resource.starts_with("policy/") {
        ctx.error(field, format!("`{arn}` is not an IAM policy ARN"), help);
        return;
    }
    if account != "aws" {
        check_account(ctx, field, account);
    }
    if !is_managed_policy_name(&resource["policy/".len()..]) {
        ctx.error(field, format!("`{arn}` has an invalid policy name"), help);
    }
    check_arn_partition(ctx, field, partition, pin);
}

#[cfg(test)]
mod tests {
    use crate::spec::validate::validate;

    /// HashiCorp's HCL turns every string into a cty value, and cty normalizes strings
    /// to NFC on entry (go-cty `cty/value_init.go`, `StringVal`; observed with hclsyntax:
    /// `"\ufa20"` reads back as U+8612 and `"\u212b"` as U+00C5, escaped or not), while
    /// CloudFormation and the CDK keep strings byte for byte. Found by
    /// tests/conformance/hostile.py. So free text must already be NFC.
    #[test]
    fn free_text_must_be_nfc_because_terraform_normalizes() {
        let spec = |tag: &str| {
            format!("version: 1\nproject: p\ntags:\n  team: \"{tag}\"\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n")
        };
        for ok in ["Zürich", "\u{c5}", "\u{8612}", "日本", "plain"] {
            let (_, warnings) = validate(&spec(ok), "t.yaml").expect(ok);
            assert!(warnings.is_empty(), "{ok}: {warnings:?}");
        }
        for bad in ["\u{212b}", "\u{fa20}", "Zu\u{308}rich"] {
            let err = validate(&spec(bad), "t.yaml").expect_err(bad);
            let text = format!("{err:?}");
            assert!(
                text.contains("not valid") || text.contains("normalization form C"),
                "{bad}: {text}"
            );
        }
        let err = validate(&spec("\u{fa20}"), "t.yaml").expect_err("fa20");
        assert!(format!("{err:?}").contains("\\u{8612}"), "{err:?}");
    }
}
