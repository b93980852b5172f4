//! The session resources the module creates where the spec says `create`
//! ([`Plan::created`]): the session key (`aws_kms_key`, its policy document and its
//! `aws_kms_alias`), the log bucket (`aws_s3_bucket` and the separate resources the AWS
//! provider v4+ configures a bucket with, each named after the bucket, and its policy)
//! and the log group (`aws_cloudwatch_log_group`). They form one section of `main.tf`,
//! before the fleets, whose policies and documents name them through the references of
//! `escape::HCL_PSEUDO` (`aws_kms_key.session_key.arn`,
//! `aws_s3_bucket.session_log_bucket.bucket`).
//!
//! Key, bucket and log group hold the audit trail and the key that decrypts it, so
//! `prevent_destroy` keeps them: a plan that would destroy one fails instead (the
//! CloudFormation and CDK targets retain them on stack deletion).

use super::get_role;
use super::hcl::{checkov_skips_where, comment, tags, Body, Val};
use super::iam::{write_statement_of, StatementParts};
use super::layout::{block, skipped_block};
use crate::error::Error;
use crate::plan::{
    LogBucket, Plan, Principal, Resource, ResourceStatement, SessionKey, SessionLogGroup, Subject,
    Text,
};

/// The block of a created resource's family that checkov reports a rule on (checkov
/// 3.x, terraform/checks): `data/aws` checks every `aws_iam_policy_document`, and each
/// check of `resource/aws` names the resource types it reads. A skip must sit in the
/// block checkov reports, or it is read as stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum On {
    /// The key or bucket policy document (the cloudsplaining IAM checks).
    Document,
    /// `aws_s3_bucket_policy` (S3AllowsAnyPrincipal, S3ProtectAgainstPolicyLockout).
    BucketPolicy,
    /// `aws_s3_bucket_public_access_block` (S3BlockPublicACLs and its three siblings).
    PublicAccessBlock,
    /// `aws_s3_bucket_lifecycle_configuration` (S3AbortIncompleteUploads).
    Lifecycle,
    /// The key, the bucket or the log group itself (and checkov's graph checks).
    Resource,
}

fn on(rule: &str) -> On {
    match rule {
        "CKV_AWS_1" | "CKV_AWS_49" | "CKV_AWS_107" | "CKV_AWS_108" | "CKV_AWS_109"
        | "CKV_AWS_110" | "CKV_AWS_111" | "CKV_AWS_275" | "CKV_AWS_283" | "CKV_AWS_356" => {
            On::Document
        }
        "CKV_AWS_70" | "CKV_AWS_93" => On::BucketPolicy,
        "CKV_AWS_53" | "CKV_AWS_54" | "CKV_AWS_55" | "CKV_AWS_56" => On::PublicAccessBlock,
        "CKV_AWS_300" => On::Lifecycle,
        _ => On::Resource,
    }
}

/// The skip lines of `subject`'s acknowledgements that checkov reports on `place`.
fn skips(plan: &Plan, subject: Subject, place: On) -> String {
    checkov_skips_where(plan, subject, |rule| on(rule) == place)
}

/// The section of `main.tf` with the created resources; empty when the plan creates none.
pub(super) fn section(plan: &Plan) -> Result<String, Error> {
    let c = &plan.created;
    if c.is_empty() {
        return Ok(String::new());
    }
    let mut out = String::from("\n");
    out.push_str(&comment([
        "Session resources created for the fleets below: their policies and preferences \
         documents name them. They hold the session logs and the key that decrypts them, so \
         prevent_destroy keeps them: a plan that would destroy one fails. To retire one, \
         remove it from the state (terraform state rm) and delete it by hand when its logs \
         may go.",
    ]));
    out.push('\n');
    if let Some(key) = &c.key {
        session_key(&mut out, plan, key)?;
    }
    if let Some(bucket) = &c.bucket {
        log_bucket(&mut out, plan, bucket)?;
    }
    if let Some(group) = &c.log_group {
        log_group(&mut out, plan, group);
    }
    Ok(out)
}

/// `lifecycle { prevent_destroy = true }`.
fn kept() -> Body<'static> {
    let mut b = Body::default();
    b.line("prevent_destroy", Val::Raw("true"));
    b
}

/// The `principals` blocks of a statement: one per principal type, in the plan's order.
fn principals<'p>(plan: &'p Plan, of: &'p [Principal]) -> Result<Vec<Body<'p>>, Error> {
    let mut groups: Vec<(&'static str, Vec<Val<'p>>)> = Vec::new();
    for p in of {
        let (kind, id) = match p {
            Principal::Any => ("*", Val::Str("*")),
            Principal::Account(arn) => ("AWS", Val::Text(arn)),
            // A reference, so that the key policy waits for the role (KMS refuses a
            // policy that names a principal which does not exist yet).
            Principal::Role(i) => (
                "AWS",
                Val::Ref("aws_iam_role.", &get_role(plan, *i)?.id.snake, ".arn"),
            ),
            Principal::Service(name) => ("Service", Val::Text(name)),
        };
        match groups.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, ids)) => ids.push(id),
            None => groups.push((kind, vec![id])),
        }
    }
    Ok(groups
        .into_iter()
        .map(|(kind, ids)| {
            let mut b = Body::default();
            b.line("type", Val::Str(kind)).list("identifiers", ids);
            b
        })
        .collect())
}

/// A key or bucket policy's document body: its statements, separated by empty lines.
fn document(plan: &Plan, statements: &[ResourceStatement]) -> Result<String, Error> {
    let mut out = String::new();
    for (n, s) in statements.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let parts = StatementParts {
            sid: &s.sid,
            effect: s.effect,
            actions: &s.actions,
            resources: &s.resources,
            facts: &s.facts,
            conditions: &s.conditions,
        };
        write_statement_of(&mut out, plan, &parts, &principals(plan, &s.principals)?);
    }
    Ok(out)
}

fn session_key(out: &mut String, plan: &Plan, key: &SessionKey) -> Result<(), Error> {
    let name = &key.id.snake;
    let doc = document(plan, &key.policy)?;
    let subject = Subject::SessionKey;
    skipped_block(
        out,
        "data",
        "aws_iam_policy_document",
        name,
        &skips(plan, subject, On::Document),
        &doc,
    );
    let mut b = Body::default();
    b.line("description", Val::Str(&key.description))
        .line("key_usage", Val::Str("ENCRYPT_DECRYPT"))
        .line("customer_master_key_spec", Val::Str("SYMMETRIC_DEFAULT"))
        .line("enable_key_rotation", Val::Raw("true"))
        .line(
            "policy",
            Val::Ref("data.aws_iam_policy_document.", name, ".json"),
        )
        .blank()
        .map("tags", tags(&key.tags))
        .blank()
        .block("lifecycle", kept());
    let skips = skips(plan, subject, On::Resource);
    skipped_block(
        out,
        "resource",
        "aws_kms_key",
        name,
        &skips,
        &b.block_body(),
    );
    let mut a = Body::default();
    a.line("name", Val::Str(&key.alias))
        .line("target_key_id", Val::Ref("aws_kms_key.", name, ".key_id"));
    block(
        out,
        "resource",
        "aws_kms_alias",
        &key.alias_id.snake,
        &a.block_body(),
    );
    Ok(())
}

fn log_bucket(out: &mut String, plan: &Plan, bucket: &LogBucket) -> Result<(), Error> {
    let name = &bucket.id.snake;
    let subject = Subject::LogBucket;
    let this = || Val::Ref("aws_s3_bucket.", name, ".bucket");
    // A resource that configures the bucket; `place` when checkov has rules on its type.
    let on_bucket = |out: &mut String, kind: &str, place: Option<On>, rest: Body| {
        let mut b = Body::default();
        b.line("bucket", this());
        let mut body = b.block_body();
        body.push('\n');
        rest.write(&mut body, "  ");
        let skips = place.map(|p| skips(plan, subject, p)).unwrap_or_default();
        skipped_block(out, "resource", kind, name, &skips, &body);
    };

    // Bucket names are global: the provider appends a unique suffix to the prefix.
    let mut b = Body::default();
    b.line("bucket_prefix", Val::Str(&bucket.name_prefix))
        .blank()
        .map("tags", tags(&bucket.tags))
        .blank()
        .block("lifecycle", kept());
    let skips_here = skips(plan, subject, On::Resource);
    skipped_block(
        out,
        "resource",
        "aws_s3_bucket",
        name,
        &skips_here,
        &b.block_body(),
    );

    let key = Resource::KmsKey {
        key: bucket.key.clone(),
    }
    .arn(&plan.env);
    let mut by_default = Body::default();
    by_default
        .line("sse_algorithm", Val::Str("aws:kms"))
        .line("kms_master_key_id", Val::Text(&key));
    let mut rule = Body::default();
    rule.line("bucket_key_enabled", Val::Raw("true"))
        .blank()
        .block("apply_server_side_encryption_by_default", by_default);
    let mut sse = Body::default();
    sse.block("rule", rule);
    let kind = "aws_s3_bucket_server_side_encryption_configuration";
    on_bucket(out, kind, None, sse);

    let mut pab = Body::default();
    for arg in [
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    ] {
        pab.line(arg, Val::Raw("true"));
    }
    on_bucket(
        out,
        "aws_s3_bucket_public_access_block",
        Some(On::PublicAccessBlock),
        pab,
    );

    // ACLs off: the bucket owner owns every object, whoever uploads it.
    let mut ownership = Body::default();
    ownership.line("object_ownership", Val::Str("BucketOwnerEnforced"));
    let mut oc = Body::default();
    oc.block("rule", ownership);
    on_bucket(out, "aws_s3_bucket_ownership_controls", None, oc);

    let mut status = Body::default();
    status.line("status", Val::Str("Enabled"));
    let mut v = Body::default();
    v.block("versioning_configuration", status);
    on_bucket(out, "aws_s3_bucket_versioning", None, v);

    let days = |key: &'static str, n: u32| {
        let mut b = Body::default();
        b.line(key, Val::Num(n));
        b
    };
    let mut rule = Body::default();
    rule.line("id", Val::Str("ExpireSessionLogs"))
        .line("status", Val::Str("Enabled"))
        .blank()
        .block("filter", Body::default())
        .blank()
        .block("expiration", days("days", bucket.expiration_days))
        .blank()
        .block(
            "noncurrent_version_expiration",
            days("noncurrent_days", bucket.noncurrent_days),
        )
        .blank()
        .block(
            "abort_incomplete_multipart_upload",
            days("days_after_initiation", bucket.abort_multipart_days),
        );
    // The provider's documentation: a versioned bucket's lifecycle configuration
    // waits for its versioning, which noncurrent version expiration needs.
    let mut lc = Body::default();
    lc.block("rule", rule).blank().list(
        "depends_on",
        vec![Val::Ref("aws_s3_bucket_versioning.", name, "")],
    );
    let kind = "aws_s3_bucket_lifecycle_configuration";
    on_bucket(out, kind, Some(On::Lifecycle), lc);

    let policy = &bucket.policy_id.snake;
    let doc = document(plan, &bucket.policy)?;
    let doc_skips = skips(plan, subject, On::Document);
    skipped_block(
        out,
        "data",
        "aws_iam_policy_document",
        policy,
        &doc_skips,
        &doc,
    );
    // After Block Public Access: S3 refuses concurrent changes to one bucket's policy
    // settings, and checks a new policy against Block Public Access.
    let mut p = Body::default();
    p.line(
        "policy",
        Val::Ref("data.aws_iam_policy_document.", policy, ".json"),
    )
    .blank()
    .list(
        "depends_on",
        vec![Val::Ref("aws_s3_bucket_public_access_block.", name, "")],
    );
    on_bucket(out, "aws_s3_bucket_policy", Some(On::BucketPolicy), p);
    Ok(())
}

fn log_group(out: &mut String, plan: &Plan, group: &SessionLogGroup) {
    let key: Option<Text> = group
        .key
        .as_ref()
        .map(|k| Resource::KmsKey { key: k.clone() }.arn(&plan.env));
    let mut b = Body::default();
    b.line("name", Val::Str(&group.name))
        .line("retention_in_days", Val::Num(group.retention_days));
    if let Some(key) = &key {
        b.line("kms_key_id", Val::Text(key));
    }
    b.blank()
        .map("tags", tags(&group.tags))
        .blank()
        .block("lifecycle", kept());
    let skips = skips(plan, Subject::SessionLogGroup, On::Resource);
    let kind = "aws_cloudwatch_log_group";
    skipped_block(
        out,
        "resource",
        kind,
        &group.id.snake,
        &skips,
        &b.block_body(),
    );
}

#[cfg(test)]
mod tests;
