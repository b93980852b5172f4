//! Session options (`session` at the top and on each fleet): KMS key, S3 and CloudWatch
//! logging, VPC endpoint Regions, and how a fleet's overrides merge over the defaults.

use super::names::{check_account, check_arn_partition, split_arn, unknown_region};
use super::preferences;
use super::Ctx;
use crate::facts::VpcFeature;
use crate::plan::{Bucket, KmsKey};
use crate::spec::raw::{RawCloudWatch, RawS3, RawSession, RawVpcFeature};
use crate::spec::regions::{partition_of, Partition};
use crate::spec::{CloudWatchLogging, Pin, S3Logging, Session};

/// A session block after checking: each field is `None` when absent, `Some(None)` when
/// turned off with `null`, `Some(Some(v))` when set.
pub(super) struct Overrides {
    kms_key: Option<Option<KmsKey>>,
    s3: Option<Option<S3Logging>>,
    cloudwatch: Option<Option<CloudWatchLogging>>,
    vpc_endpoint_regions: Option<Vec<String>>,
    vpc_endpoint_features: Option<Vec<VpcFeature>>,
    shell: preferences::ShellOverrides,
}

pub(super) fn resolve_overrides(
    ctx: &mut Ctx<'_>,
    at: &str,
    raw: RawSession,
    pin: &Pin,
) -> Overrides {
    let kms_key = raw
        .kms_key
        .map(|o| o.map(|k| check_kms_key(ctx, &format!("{at}.kms_key"), &k, pin, true)));
    let s3 = raw
        .s3
        .map(|o| o.map(|s| check_s3(ctx, &format!("{at}.s3"), s, pin)));
    let cloudwatch = raw
        .cloudwatch
        .map(|o| o.map(|c| check_cloudwatch(ctx, &format!("{at}.cloudwatch"), c)));
    let vpc_endpoint_regions = raw.vpc_endpoint_regions.map(|o| {
        let list = o.unwrap_or_default();
        check_vpc_regions(ctx, &format!("{at}.vpc_endpoint_regions"), &list, pin);
        let mut list = list;
        list.sort();
        list.dedup();
        list
    });
    let vpc_endpoint_features = raw.vpc_endpoint_features.map(|o| {
        let mut list: Vec<VpcFeature> = (o.unwrap_or_default().into_iter())
            .map(|f| match f {
                RawVpcFeature::Patching => VpcFeature::Patching,
                RawVpcFeature::Distributor => VpcFeature::Distributor,
                RawVpcFeature::WindowsDocuments => VpcFeature::WindowsDocuments,
            })
            .collect();
        list.sort();
        list.dedup();
        list
    });
    let shell = preferences::resolve_shell(
        ctx,
        at,
        preferences::RawShell {
            idle_timeout_minutes: raw.idle_timeout_minutes,
            max_duration_minutes: raw.max_duration_minutes,
            run_as: raw.run_as,
            shell_profile: raw.shell_profile,
        },
    );
    Overrides {
        kms_key,
        s3,
        cloudwatch,
        vpc_endpoint_regions,
        vpc_endpoint_features,
        shell,
    }
}

pub(super) fn merge_session(base: &Session, o: Overrides) -> Session {
    Session {
        kms_key: o.kms_key.unwrap_or_else(|| base.kms_key.clone()),
        s3: o.s3.unwrap_or_else(|| base.s3.clone()),
        cloudwatch: o.cloudwatch.unwrap_or_else(|| base.cloudwatch.clone()),
        vpc_endpoint_regions: o
            .vpc_endpoint_regions
            .unwrap_or_else(|| base.vpc_endpoint_regions.clone()),
        vpc_endpoint_features: o
            .vpc_endpoint_features
            .unwrap_or_else(|| base.vpc_endpoint_features.clone()),
        shell: preferences::merge_shell(&base.shell, o.shell),
    }
}

/// `session_key`: the key that encrypts session data, which the SSM Agent uses through
/// its own Region's KMS endpoint (a bucket key is used by S3 in the bucket's Region).
fn check_kms_key(
    ctx: &mut Ctx<'_>,
    field: &str,
    key: &str,
    pin: &Pin,
    session_key: bool,
) -> KmsKey {
    let help = "give the key's ARN (arn:<partition>:kms:<region>:<account>:key/<key-id>) or its key id, or `create` for a key the generated code creates; aliases cannot scope kms permissions";
    if key == CREATE {
        return KmsKey::Created;
    }
    if !key.starts_with("arn:") {
        if key.starts_with("alias/") {
            ctx.error(field, format!("`{key}` is an alias"), help);
        } else if !is_key_id(key) {
            ctx.error(
                field,
                format!("`{key}` is neither a KMS key ARN nor a key id"),
                help,
            );
        }
        return KmsKey::Id(key.to_string());
    }
    let Some([_, partition, service, region, account, resource]) = split_arn(key) else {
        ctx.error(field, format!("`{key}` is not an ARN"), help);
        return KmsKey::Arn(key.to_string());
    };
    if service != "kms" {
        ctx.error(
            field,
            format!("`{key}` is a {service} ARN, not a KMS key ARN"),
            help,
        );
        return KmsKey::Arn(key.to_string());
    }
    if resource.starts_with("alias/") {
        ctx.error(field, format!("`{key}` is an alias ARN"), help);
        return KmsKey::Arn(key.to_string());
    }
    match resource.strip_prefix("key/") {
        Some(id) if is_key_id(id) => {}
        _ => ctx.error(
            field,
            format!("`{key}` does not name a key (key/<key-id>)"),
            help,
        ),
    }
    check_account(ctx, field, account);
    let mut region_known = false;
    if let Some(own) = pin.account.as_deref().filter(|own| *own != account) {
        ctx.warn(
            field,
            format!("the key belongs to account {account}, not the deploying account {own}"),
            "its key policy must allow this spec's roles: kms:Decrypt for session data, kms:GenerateDataKey and kms:Decrypt for a bucket key",
        );
    }
    if check_arn_partition(ctx, field, partition, pin.partition) {
        match partition_of(region) {
            None => unknown_region(ctx, field, region),
            Some(p) if p.name() != partition => ctx.error(
                field,
                format!("region {region} is not in partition {partition}"),
                format!("a key in {region} has an ARN starting arn:{}:", p.name()),
            ),
            Some(_) => region_known = true,
        }
    }
    // Only a key whose partition and Region are valid is compared with the pinned Region.
    if let Some(pinned) = pin
        .region
        .as_deref()
        .filter(|r| session_key && region_known && *r != region)
    {
        let id = resource.strip_prefix("key/").unwrap_or(resource);
        let help = if id.starts_with("mrk-") {
            // KMS Developer Guide, "Multi-Region keys": each replica is an independent
            // key with its own ARN in its Region, sharing the key id.
            format!("a multi-Region key has a replica in each Region it is replicated to: name the replica in {pinned}, arn:{partition}:kms:{pinned}:{account}:{resource}")
        } else {
            format!("use a key in {pinned}, or pin the Region the key is in")
        };
        ctx.error(
            field,
            format!("the session key is in {region}, but the spec pins Region {pinned}: the SSM Agent decrypts session data through the KMS endpoint of its own Region (agent/session/crypto/kmsservice.go)"),
            help,
        );
    }
    KmsKey::Arn(key.to_string())
}

fn is_key_id(id: &str) -> bool {
    let hex_dash = |s: &str| s.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    if let Some(rest) = id.strip_prefix("mrk-") {
        return rest.len() == 32 && rest.chars().all(|c| c.is_ascii_hexdigit());
    }
    id.len() == 36 && hex_dash(id) && id.matches('-').count() == 4
}

fn check_bucket_name(ctx: &mut Ctx<'_>, field: &str, b: &str) {
    let chars_ok = b
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
    let ends_ok = b.starts_with(|c: char| c.is_ascii_alphanumeric())
        && b.ends_with(|c: char| c.is_ascii_alphanumeric());
    let ip_like = b.split('.').count() == 4 && b.split('.').all(|p| p.parse::<u8>().is_ok());
    if !(3..=63).contains(&b.len()) || !chars_ok || !ends_ok || b.contains("..") || ip_like {
        let hint = if b.starts_with("arn:") {
            "give the bucket's name, not its ARN"
        } else {
            "bucket names are 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
        };
        ctx.error(field, format!("`{b}` is not a valid S3 bucket name"), hint);
    }
}

/// The value that asks the generated code to create a resource instead of naming one.
pub(super) const CREATE: &str = "create";

/// Days a created bucket or log group keeps session logs unless the spec says.
pub(super) const DEFAULT_RETENTION_DAYS: u32 = 365;

fn check_s3(ctx: &mut Ctx<'_>, at: &str, raw: RawS3, pin: &Pin) -> S3Logging {
    let bucket = if raw.bucket == CREATE {
        Bucket::Created
    } else {
        check_bucket_name(ctx, &format!("{at}.bucket"), &raw.bucket);
        Bucket::Named(raw.bucket)
    };
    let created = bucket == Bucket::Created;
    let retention_days = match raw.retention_days {
        Some(_) if !created => {
            ctx.error(
                &format!("{at}.retention_days"),
                "`retention_days` is for a bucket the generated code creates",
                "remove it (an existing bucket keeps its own lifecycle rules), or write `bucket: create`",
            );
            None
        }
        Some(d) if !(1..=36_500).contains(&d) => {
            ctx.error(
                &format!("{at}.retention_days"),
                format!("{d} is not a number of days a bucket can keep logs for"),
                "give 1 to 36500 days",
            );
            None
        }
        Some(d) => Some(d),
        None => created.then_some(DEFAULT_RETENTION_DAYS),
    };
    if created && raw.owner_account.is_some() {
        ctx.error(
            &format!("{at}.owner_account"),
            "a bucket the generated code creates belongs to the deploying account",
            "remove `owner_account`, or name the other account's bucket instead of `create`",
        );
    }
    let mut writer_accounts = raw.writer_accounts.unwrap_or_default();
    if !writer_accounts.is_empty() && !created {
        ctx.error(
            &format!("{at}.writer_accounts"),
            "`writer_accounts` is for a bucket the generated code creates",
            "grant other accounts in the existing bucket's own policy, or write `bucket: create`",
        );
    }
    for (i, a) in writer_accounts.iter().enumerate() {
        let f = format!("{at}.writer_accounts[{i}]");
        check_account(ctx, &f, a);
        if pin.account.as_deref() == Some(a.as_str()) {
            ctx.error(
                &f,
                "the deploying account writes to its own bucket already",
                "list other accounts only",
            );
        }
    }
    writer_accounts.sort();
    writer_accounts.dedup();
    if created && raw.encrypted == Some(false) {
        ctx.error(
            &format!("{at}.encrypted"),
            "a bucket the generated code creates is always SSE-KMS encrypted",
            "remove `encrypted: false`",
        );
    }
    let prefix = match raw.prefix.as_deref() {
        None | Some("") => String::new(),
        Some(p) => {
            let trimmed = p.trim_start_matches('/');
            let ok = trimmed.len() <= 512
                && trimmed
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!-_.'()/".contains(c))
                && !trimmed.contains("//");
            if !ok {
                ctx.error(
                    &format!("{at}.prefix"),
                    format!("`{p}` is not a key prefix ssmgen can scope a policy to"),
                    "use letters, digits and ! - _ . ' ( ) /, without wildcards (* ?) or //",
                );
            }
            if trimmed.is_empty() || trimmed.ends_with('/') {
                trimmed.to_string()
            } else {
                format!("{trimmed}/")
            }
        }
    };
    let kms_key = raw
        .kms_key
        .map(|k| check_kms_key(ctx, &format!("{at}.kms_key"), &k, pin, false));
    if kms_key.is_some() && raw.encrypted == Some(false) {
        ctx.error(
            &format!("{at}.encrypted"),
            "`encrypted: false` conflicts with an SSE-KMS `kms_key`",
            "remove `encrypted: false`: a bucket with an SSE-KMS key is encrypted",
        );
    }
    if let Some(owner) = &raw.owner_account {
        check_account(ctx, &format!("{at}.owner_account"), owner);
        if pin.account.as_deref() == Some(owner.as_str()) {
            ctx.error(
                &format!("{at}.owner_account"),
                "the bucket owner is the pinned account itself",
                "remove `owner_account`; it is only for buckets owned by another account",
            );
        }
    }
    S3Logging {
        bucket,
        prefix,
        encrypted: raw.encrypted.unwrap_or(true),
        kms_key,
        owner_account: raw.owner_account,
        retention_days,
        writer_accounts,
    }
}

fn check_cloudwatch(ctx: &mut Ctx<'_>, at: &str, raw: RawCloudWatch) -> CloudWatchLogging {
    let created = raw.log_group == CREATE;
    let retention_days = match raw.retention_days {
        Some(_) if !created => {
            ctx.error(
                &format!("{at}.retention_days"),
                "`retention_days` is for a log group the generated code creates",
                "remove it (an existing group keeps its own retention), or write `log_group: create`",
            );
            None
        }
        Some(d) if !crate::facts::LOG_RETENTION_DAYS.contains(&d) => {
            ctx.error(
                &format!("{at}.retention_days"),
                format!("CloudWatch Logs cannot keep logs for {d} days"),
                format!(
                    "use one of {}",
                    crate::facts::LOG_RETENTION_DAYS
                        .map(|d| d.to_string())
                        .join(", ")
                ),
            );
            None
        }
        Some(d) => Some(d),
        None => created.then_some(DEFAULT_RETENTION_DAYS),
    };
    if created {
        // Named once the project is known (`created::name_log_group`).
        return CloudWatchLogging {
            log_group: String::new(),
            encrypted: raw.encrypted,
            streaming: raw.streaming.unwrap_or(true),
            retention_days,
        };
    }
    let n = &raw.log_group;
    let ok = !n.is_empty()
        && n.len() <= 512
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/#".contains(c));
    if !ok {
        ctx.error(
            &format!("{at}.log_group"),
            format!("`{n}` is not a valid CloudWatch Logs group name"),
            "give the log group's name (not its ARN): 1 to 512 letters, digits and . _ - / #",
        );
    }
    CloudWatchLogging {
        log_group: raw.log_group,
        encrypted: raw.encrypted,
        streaming: raw.streaming.unwrap_or(true),
        retention_days,
    }
}

fn check_vpc_regions(ctx: &mut Ctx<'_>, at: &str, list: &[String], pin: &Pin) {
    for (i, r) in list.iter().enumerate() {
        let f = format!("{at}[{i}]");
        match partition_of(r) {
            None => unknown_region(ctx, &f, r),
            Some(p) if pin.partition.is_some_and(|pp| pp != p) => ctx.error(
                &f,
                format!(
                    "region {r} is in partition {}, but the spec pins {}",
                    p.name(),
                    pin.partition.map(Partition::name).unwrap_or_default()
                ),
                "list Regions of the pinned partition only",
            ),
            Some(_) => {}
        }
        if list[..i].contains(r) {
            ctx.error(
                &f,
                format!("region {r} is listed twice"),
                "list each Region once",
            );
        }
    }
}

/// Without a pinned Region, the session keys given as ARNs fix the Region the stack can
/// be deployed to (the generated code checks it at deploy time); keys in two Regions
/// fit no stack.
pub(super) fn check_key_regions(ctx: &mut Ctx<'_>, fleets: &[crate::spec::Fleet], pin: &Pin) {
    if pin.region.is_some() {
        return;
    }
    let mut first: Option<(usize, &str)> = None;
    for (i, f) in fleets.iter().enumerate() {
        let Some(KmsKey::Arn(arn)) = &f.session.kms_key else {
            continue;
        };
        let Some([_, _, _, region, _, _]) = split_arn(arn) else {
            continue;
        };
        match first {
            None => first = Some((i, region)),
            Some((j, r)) if r != region => ctx.error(
                &format!("fleets[{i}]"),
                format!("fleet `{}` decrypts sessions with a key in {region}, fleet `{}` with one in {r}; the SSM Agent uses the KMS endpoint of its own Region, so no one stack fits both", f.name, fleets[j].name),
                "use session keys of one Region (a multi-Region key's replicas share a key id), or generate one spec per Region",
            ),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_are_uuids_or_multi_region_ids() {
        assert!(is_key_id("1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert!(is_key_id("mrk-1234abcd12ab34cd56ef1234567890ab"));
        assert!(!is_key_id("my-key"));
    }
}
