//! The session resources the generated code creates (`kms_key: create`, `bucket:
//! create`, `log_group: create`): one key, one bucket and one log group per project,
//! shared by every fleet that asks for one, so the fleets must agree on their settings.

use super::Ctx;
use crate::plan::{Bucket, KmsKey, Mode};
use crate::spec::{role_name, Fleet, SessionDocumentOption};

/// KMS's limit on a key policy, in bytes (AWS KMS Developer Guide, "Quotas": key policy
/// document size 32 KB).
const KEY_POLICY_MAX_BYTES: usize = 32 * 1024;

/// The created key's policy without its fleet-role principals, generously counted
/// (longest partition, pinned account), in bytes.
const KEY_POLICY_FIXED_BYTES: usize = 4 * 1024;

/// The name of the log group the generated code creates for a project.
pub fn created_log_group_name(project: &str) -> String {
    format!("/ssm/{project}/sessions")
}

/// The spec field of a fleet's session option: the fleet's own override when it writes
/// one, else the top-level default it inherits.
fn field(ctx: &Ctx<'_>, i: usize, tail: &str) -> String {
    let own = format!("fleets[{i}].session.{tail}");
    let head = own.split('.').take(3).collect::<Vec<_>>().join(".");
    if ctx.loc.has(&own) || ctx.loc.has(&head) {
        own
    } else {
        format!("session.{tail}")
    }
}

pub(super) fn check_created(
    ctx: &mut Ctx<'_>,
    project: &str,
    role_path: &str,
    fleets: &mut [Fleet],
    document: &SessionDocumentOption,
) {
    let name = created_log_group_name(project);
    // The first fleet that logs to the created bucket, with the bucket's settings.
    type BucketSettings = (usize, Option<KmsKey>, Option<u32>, Vec<String>);
    let mut bucket: Option<BucketSettings> = None;
    let mut group: Option<(usize, bool, Option<u32>, Option<KmsKey>)> = None;
    for i in 0..fleets.len() {
        let session_key = fleets[i].session.kms_key.clone();
        if let Some(s3) = fleets[i]
            .session
            .s3
            .as_mut()
            .filter(|s| s.bucket == Bucket::Created)
        {
            if s3.kms_key.is_none() {
                s3.kms_key = session_key.clone();
            }
            let (key, days) = (s3.kms_key.clone(), s3.retention_days);
            let writers = s3.writer_accounts.clone();
            if key.is_none() {
                let f = field(ctx, i, "s3");
                ctx.error(
                    &f,
                    format!("fleet `{}` logs to a created bucket, which is SSE-KMS encrypted, but names no key", fleets[i].name),
                    "set `kms_key: create` (or an existing key) in the session, or `s3.kms_key` for the bucket alone",
                );
            }
            match &bucket {
                None => bucket = Some((i, key, days, writers)),
                Some((j, k, d, w)) if *k != key || *d != days || *w != writers => {
                    let f = field(ctx, i, "s3");
                    ctx.error(
                        &f,
                        format!(
                            "fleets `{}` and `{}` both log to the created bucket but give it different settings (key {} and {}, retention {} and {} days, or writer accounts)",
                            fleets[*j].name,
                            fleets[i].name,
                            k.as_ref().map_or("none", KmsKey::spec_value),
                            key.as_ref().map_or("none", KmsKey::spec_value),
                            d.unwrap_or_default(),
                            days.unwrap_or_default()
                        ),
                        "the project has one created log bucket: give every fleet the same `kms_key`, `retention_days` and `writer_accounts` for it (key prefixes may differ)",
                    );
                }
                Some(_) => {}
            }
        }
        if let Some(cw) = fleets[i]
            .session
            .cloudwatch
            .as_mut()
            .filter(|c| c.retention_days.is_some())
        {
            cw.log_group = name.clone();
            let (encrypted, days) = (cw.encrypted, cw.retention_days);
            let key = session_key.clone().filter(|_| encrypted);
            if encrypted && session_key.is_none() {
                let f = field(ctx, i, "cloudwatch.encrypted");
                ctx.error(
                    &f,
                    format!("fleet `{}` asks for an encrypted created log group but has no session key to encrypt it with", fleets[i].name),
                    "set `kms_key: create` (or an existing key) in the session, or remove `encrypted: true`",
                );
            }
            match &group {
                None => group = Some((i, encrypted, days, key)),
                Some((j, e, d, k)) if *e != encrypted || *d != days || *k != key => {
                    let f = field(ctx, i, "cloudwatch");
                    ctx.error(
                        &f,
                        format!(
                            "fleets `{}` and `{}` both stream to the created log group but give it different settings (encryption, key or retention)",
                            fleets[*j].name, fleets[i].name
                        ),
                        "the project has one created log group: give every fleet the same `encrypted`, session key and `retention_days` for it",
                    );
                }
                Some(_) => {}
            }
        }
    }
    if document.account_default && fleets.iter().any(names_created) {
        ctx.error(
            "session_document.account_default",
            "the account's default preferences document is written by a script after deploying, which cannot name the key, bucket or log group the stack creates",
            "let ssmgen create the preferences documents (remove `account_default`), or name existing resources in the session options",
        );
    }
    check_key_policy_size(ctx, project, role_path, fleets);
}

/// Whether a fleet's preferences name a resource the generated code creates.
fn names_created(f: &Fleet) -> bool {
    let s = &f.session;
    s.kms_key == Some(KmsKey::Created)
        || s.s3.as_ref().is_some_and(|b| b.bucket == Bucket::Created)
        || s.cloudwatch
            .as_ref()
            .is_some_and(|c| c.retention_days.is_some())
}

/// The created key's policy names every role the code creates for a fleet that uses the
/// key: too many roles overflow KMS's key policy limit at deploy time, so say it now.
fn check_key_policy_size(ctx: &mut Ctx<'_>, project: &str, role_path: &str, fleets: &[Fleet]) {
    let uses_key = |f: &Fleet| {
        f.mode != Mode::ExistingRole
            && (f.session.kms_key == Some(KmsKey::Created)
                || f.session.s3.as_ref().and_then(|s| s.kms_key.as_ref()) == Some(&KmsKey::Created))
    };
    // `"arn:aws-us-gov:iam::123456789012:role<path><name>",` with JSON punctuation.
    const ARN_BYTES: usize = r#""arn:aws-us-gov:iam::123456789012:role","#.len();
    let mut bytes = KEY_POLICY_FIXED_BYTES;
    for (i, f) in fleets.iter().enumerate().filter(|(_, f)| uses_key(f)) {
        bytes += ARN_BYTES + role_path.len() + role_name(project, &f.name).len();
        if bytes > KEY_POLICY_MAX_BYTES {
            let f = field(ctx, i, "kms_key");
            ctx.error(
                &f,
                format!("the created session key's policy names each fleet role that uses the key; from fleet `{}` on it would exceed the 32 KB KMS allows a key policy", fleets[i].name),
                "name an existing key (by ARN) for some fleets, or split the spec",
            );
            return;
        }
    }
}
