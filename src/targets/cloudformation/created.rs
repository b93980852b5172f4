//! The created-resources family of the CloudFormation target: what the spec says
//! `create` for (`plan.created`): the session key (`AWS::KMS::Key`) with its alias, the
//! log bucket (`AWS::S3::Bucket`) with its bucket policy, and the log group. The plan
//! decides all of it, key and bucket policies included (`plan/created.rs`); this file only
//! spells it. Everything else names them by reference (`!GetAtt SessionKey.Arn`,
//! `!Ref SessionLogBucket`), so CloudFormation creates them first.

use std::borrow::Cow;

use super::iam::resource_policy;
use super::writer::Writer;
use super::Family;
use crate::plan::{LogBucket, Plan, Resource, SessionKey, SessionLogGroup, Subject};

/// A symmetric key for encryption, the only kind Session Manager, S3 and CloudWatch Logs
/// take.
const KEY_SPEC: &str = "SYMMETRIC_DEFAULT";
const KEY_USAGE: &str = "ENCRYPT_DECRYPT";
/// SSE-KMS, with the key of `LogBucket::key`.
const SSE_KMS: &str = "aws:kms";
/// ACLs off: the bucket owns every object, whoever uploads it.
const OWNERSHIP: &str = "BucketOwnerEnforced";
/// The one lifecycle rule of the log bucket, on the whole bucket.
const LIFECYCLE_RULE_ID: &str = "ExpireSessionLogs";

/// A created resource of the template; each exists only when the plan creates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Created {
    Key,
    Alias,
    Bucket,
    BucketPolicy,
    LogGroup,
}

impl Created {
    /// The plan's created resources, in template order: the key first, which the
    /// bucket and the log group are encrypted with, then what names it.
    pub(super) fn of(plan: &Plan) -> Vec<Created> {
        let c = &plan.created;
        let mut out = Vec::with_capacity(5);
        if c.key.is_some() {
            out.extend([Created::Key, Created::Alias]);
        }
        if c.bucket.is_some() {
            out.extend([Created::Bucket, Created::BucketPolicy]);
        }
        if c.log_group.is_some() {
            out.push(Created::LogGroup);
        }
        out
    }
}

fn key(plan: &Plan) -> &SessionKey {
    (plan.created.key.as_ref()).expect("key resources are listed only for a plan with a key")
}

fn bucket(plan: &Plan) -> &LogBucket {
    (plan.created.bucket.as_ref())
        .expect("bucket resources are listed only for a plan with a bucket")
}

fn log_group(plan: &Plan) -> &SessionLogGroup {
    (plan.created.log_group.as_ref())
        .expect("the log group is listed only for a plan with a log group")
}

impl Family for Created {
    fn logical_id(self, plan: &Plan) -> &str {
        match self {
            Created::Key => &key(plan).id.upper_camel,
            Created::Alias => &key(plan).alias_id.upper_camel,
            Created::Bucket => &bucket(plan).id.upper_camel,
            Created::BucketPolicy => &bucket(plan).policy_id.upper_camel,
            Created::LogGroup => &log_group(plan).id.upper_camel,
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Created::Key => "AWS::KMS::Key",
            Created::Alias => "AWS::KMS::Alias",
            Created::Bucket => "AWS::S3::Bucket",
            Created::BucketPolicy => "AWS::S3::BucketPolicy",
            Created::LogGroup => "AWS::Logs::LogGroup",
        }
    }

    fn comment(self, _plan: &Plan) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(match self {
            Created::Key => "The session key: encrypts session data and the session logs. Kept when the stack is deleted or the key replaced (Retain): the logs it encrypts outlive the stack, and only this key decrypts them.",
            Created::Bucket => "The session log bucket, named by CloudFormation (bucket names are global). Kept when the stack is deleted or the bucket replaced (Retain): it holds the audit trail.",
            Created::LogGroup => "The session log group. Kept when the stack is deleted or the group replaced (Retain): it holds the audit trail.",
            Created::Alias | Created::BucketPolicy => return None,
        }))
    }

    fn subject(self) -> Option<Subject> {
        match self {
            Created::Key => Some(Subject::SessionKey),
            // checkov's S3 rules read the bucket; it has none on AWS::S3::BucketPolicy.
            Created::Bucket => Some(Subject::LogBucket),
            Created::LogGroup => Some(Subject::SessionLogGroup),
            Created::Alias | Created::BucketPolicy => None,
        }
    }

    fn retained(self) -> bool {
        matches!(self, Created::Key | Created::Bucket | Created::LogGroup)
    }

    fn properties(self, w: &mut Writer, plan: &Plan) {
        w.begin_map();
        match self {
            Created::Key => key_properties(w, plan, key(plan)),
            Created::Alias => {
                let k = key(plan);
                w.key("AliasName");
                w.str(&k.alias);
                w.key("TargetKeyId");
                w.reference(&k.id.upper_camel);
            }
            Created::Bucket => bucket_properties(w, plan, bucket(plan)),
            Created::BucketPolicy => {
                let b = bucket(plan);
                w.key("Bucket");
                w.reference(&b.id.upper_camel);
                resource_policy(w, plan, "PolicyDocument", &b.policy);
            }
            Created::LogGroup => {
                let g = log_group(plan);
                w.key("LogGroupName");
                w.str(&g.name);
                w.key("RetentionInDays");
                w.uint(g.retention_days);
                if let Some(key) = &g.key {
                    w.key("KmsKeyId");
                    w.text(&Resource::KmsKey { key: key.clone() }.arn(&plan.env));
                }
                w.tags(&g.tags);
            }
        }
        w.end_map();
    }
}

fn key_properties(w: &mut Writer, plan: &Plan, k: &SessionKey) {
    w.key("Description");
    w.str(&k.description);
    w.key("KeySpec");
    w.str(KEY_SPEC);
    w.key("KeyUsage");
    w.str(KEY_USAGE);
    w.key("EnableKeyRotation");
    w.bool(true);
    resource_policy(w, plan, "KeyPolicy", &k.policy);
    w.tags(&k.tags);
}

fn bucket_properties(w: &mut Writer, plan: &Plan, b: &LogBucket) {
    w.key("BucketEncryption");
    w.begin_map();
    w.key("ServerSideEncryptionConfiguration");
    w.begin_seq();
    w.item();
    w.begin_map();
    w.key("ServerSideEncryptionByDefault");
    w.begin_map();
    w.key("SSEAlgorithm");
    w.str(SSE_KMS);
    w.key("KMSMasterKeyID");
    w.text(&Resource::KmsKey { key: b.key.clone() }.arn(&plan.env));
    w.end_map();
    w.key("BucketKeyEnabled");
    w.bool(true);
    w.end_map();
    w.end_seq();
    w.end_map();
    w.key("PublicAccessBlockConfiguration");
    w.begin_map();
    for setting in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        w.key(setting);
        w.bool(true);
    }
    w.end_map();
    w.key("OwnershipControls");
    w.begin_map();
    w.key("Rules");
    w.begin_seq();
    w.item();
    w.begin_map();
    w.key("ObjectOwnership");
    w.str(OWNERSHIP);
    w.end_map();
    w.end_seq();
    w.end_map();
    w.key("VersioningConfiguration");
    w.begin_map();
    w.key("Status");
    w.str("Enabled");
    w.end_map();
    lifecycle(w, b);
    w.tags(&b.tags);
}

/// One rule on the whole bucket (no `Prefix`, no `TagFilters`): logs expire, old
/// versions later, and unfinished uploads are cleaned up.
fn lifecycle(w: &mut Writer, b: &LogBucket) {
    w.key("LifecycleConfiguration");
    w.begin_map();
    w.key("Rules");
    w.begin_seq();
    w.item();
    w.begin_map();
    w.key("Id");
    w.str(LIFECYCLE_RULE_ID);
    w.key("Status");
    w.str("Enabled");
    w.key("ExpirationInDays");
    w.uint(b.expiration_days);
    w.key("NoncurrentVersionExpiration");
    w.begin_map();
    w.key("NoncurrentDays");
    w.uint(b.noncurrent_days);
    w.end_map();
    w.key("AbortIncompleteMultipartUpload");
    w.begin_map();
    w.key("DaysAfterInitiation");
    w.uint(b.abort_multipart_days);
    w.end_map();
    w.end_map();
    w.end_seq();
    w.end_map();
}

#[cfg(test)]
mod tests;
