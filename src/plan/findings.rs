//! The scanner findings the generated code carries on purpose, and why.
//!
//! Every finding the scanners of `facts::scanners` report on a plan is inherent to a
//! documented permission or to a choice the spec made (an AWS managed policy, a session
//! without a key). The plan decides each acknowledgement here, with its reason, so that
//! every target writes the same ones in its own spelling (`targets/*`); anything a
//! scanner reports beyond these is a defect to fix, not to acknowledge.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::{Env, Plan, Resource, Statement, Text};
use crate::facts::scanners::{
    self, AccessLevel, Rule, CKV_RESOURCE_STAR, CKV_SESSION_ENCRYPTION, CKV_SESSION_LOGGING,
    CKV_WRITE_WITHOUT_CONSTRAINTS, NAG_MANAGED_POLICY, NAG_WILDCARD,
};

/// What an acknowledgement is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "index", rename_all = "snake_case")]
pub enum Subject {
    // In the order `acknowledgements` builds them, which `Plan::acknowledgements_of`
    // relies on (a binary search: a scan per subject was quadratic in fleets).
    /// A role, by index into [`Plan::roles`].
    Role(usize),
    /// A fleet's customer managed policy, by index into [`Plan::policies`].
    Policy(usize),
    /// An operator policy, by index into [`Plan::operator_policies`].
    OperatorPolicy(usize),
    /// A preferences document, by index into [`Plan::documents`].
    Document(usize),
    /// The activation function's execution role and its inline policy.
    ProviderRole,
    /// The activation function.
    ProviderFunction,
    /// The activation function's log group.
    ProviderLogGroup,
    /// An activation's secret, by index into `ActivationProvider::secrets`.
    ActivationSecret(usize),
    /// The created session key (`Plan::created`).
    SessionKey,
    /// The created log bucket and its bucket policy.
    LogBucket,
    /// The created log group.
    SessionLogGroup,
}

/// One finding a scanner reports on purpose-made code, and why it stays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acknowledgement {
    pub rule: Rule,
    pub subject: Subject,
    /// For a granular rule: the value the finding names (a resource or a managed policy
    /// ARN), which a target spells as it spells the value itself.
    pub finding: Option<Text>,
    /// One line of plain text naming the fact behind the finding. Shared: a large plan
    /// repeats a few reasons tens of thousands of times (one per fleet policy).
    pub reason: Arc<str>,
}

/// One copy of each distinct reason text.
#[derive(Default)]
struct Reasons(HashMap<String, Arc<str>>);

impl Reasons {
    fn get(&mut self, text: String) -> Arc<str> {
        if let Some(r) = self.0.get(&text) {
            return r.clone();
        }
        let shared: Arc<str> = text.as_str().into();
        self.0.insert(text, shared.clone());
        shared
    }
}

/// Every acknowledgement of a plan, subjects in plan order.
pub fn acknowledgements(plan: &Plan) -> Vec<Acknowledgement> {
    let mut out = Vec::new();
    let mut reasons = Reasons::default();
    for (i, role) in plan.roles.iter().enumerate() {
        for m in &role.managed_policies {
            out.push(Acknowledgement {
                rule: NAG_MANAGED_POLICY,
                subject: Subject::Role(i),
                finding: Some(m.arn.clone()),
                reason: reasons.get(format!(
                    "chosen in the spec: {} ({})",
                    m.fact.summary, m.fact.source
                )),
            });
        }
    }
    for (i, p) in plan.policies.iter().enumerate() {
        out.extend(for_statements(
            Subject::Policy(i),
            &p.statements,
            &plan.env,
            &mut reasons,
        ));
    }
    for (i, p) in plan.operator_policies.iter().enumerate() {
        out.extend(for_statements(
            Subject::OperatorPolicy(i),
            &p.statements,
            &plan.env,
            &mut reasons,
        ));
    }
    for (i, d) in plan.documents.iter().enumerate() {
        out.extend(for_document(Subject::Document(i), &d.content));
    }
    if let Some(p) = &plan.activation_provider {
        out.extend(for_statements(
            Subject::ProviderRole,
            &p.role.statements,
            &plan.env,
            &mut reasons,
        ));
        out.extend(for_provider(p));
    }
    out.extend(for_created(&plan.created));
    debug_assert!(out.windows(2).all(|w| w[0].subject <= w[1].subject));
    out
}

/// The checkov and cdk-nag acknowledgements of one policy's statements.
fn for_statements(
    subject: Subject,
    statements: &[Statement],
    env: &Env,
    reasons: &mut Reasons,
) -> Vec<Acknowledgement> {
    let mut out = Vec::new();
    // checkov reads only statements without conditions that grant on `*`.
    let on_any: Vec<&Statement> = statements
        .iter()
        .filter(|s| s.conditions.is_empty() && s.resources.iter().any(Resource::is_any))
        .collect();
    let restrictable = |write_only: bool| -> Vec<(&'static str, &Statement)> {
        on_any
            .iter()
            .flat_map(|s| s.actions.iter().map(move |a| (*a, *s)))
            .filter(|(a, _)| {
                let fact = scanners::action_on_any(a);
                // An action missing from the table counts as restrictable Write: the
                // conformance scanners would report it, and a test keeps the table full.
                fact.is_none_or(|f| {
                    f.resource_level && (!write_only || f.level == AccessLevel::Write)
                })
            })
            .collect()
    };
    for (rule, write_only) in [
        (CKV_WRITE_WITHOUT_CONSTRAINTS, true),
        (CKV_RESOURCE_STAR, false),
    ] {
        let actions = restrictable(write_only);
        if !actions.is_empty() {
            out.push(Acknowledgement {
                rule,
                subject,
                finding: None,
                reason: reasons.get(documented_on_any(&actions)),
            });
        }
    }

    // cdk-nag: one finding per distinct wildcard resource of the policy.
    let mut wildcards: Vec<(Text, Wildcard)> = Vec::new();
    for s in statements {
        for r in &s.resources {
            let arn = r.arn(env);
            if !arn.literal_pieces().any(|p| p.contains('*')) {
                continue;
            }
            let i = match wildcards.iter().position(|(a, _)| *a == arn) {
                Some(i) => i,
                None => {
                    wildcards.push((arn, Wildcard::default()));
                    wildcards.len() - 1
                }
            };
            wildcards[i].1.add(r, s);
        }
    }
    out.extend(wildcards.into_iter().map(|(arn, w)| Acknowledgement {
        rule: NAG_WILDCARD,
        subject,
        finding: Some(arn),
        reason: reasons.get(w.reason()),
    }));
    out
}

/// Why restrictable actions are granted on `*`: AWS documents them so.
fn documented_on_any(actions: &[(&'static str, &Statement)]) -> String {
    let mut names: Vec<&str> = Vec::new();
    let mut sources: Vec<&str> = Vec::new();
    for (a, s) in actions {
        push_new(&mut names, *a);
        if let Some(f) = s.facts.first() {
            push_new(&mut sources, f.source);
        }
    }
    format!(
        "{} granted on * as AWS documents it, for nodes whose IDs are not known when the policy is written ({})",
        names.join(", "),
        sources.join("; ")
    )
}

fn push_new<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// Why one wildcard resource of a policy is there, gathered over its statements.
#[derive(Default)]
struct Wildcard {
    /// Actions on `*` without resource-level permissions.
    unscoped: Vec<&'static str>,
    /// Actions on `*` that have them, granted so as AWS documents.
    documented: Vec<&'static str>,
    whys: Vec<&'static str>,
    sources: Vec<&'static str>,
}

impl Wildcard {
    fn add(&mut self, r: &Resource, s: &Statement) {
        if let Some(f) = s.facts.first() {
            push_new(&mut self.sources, f.source);
        }
        let why = match r {
            Resource::Any => {
                for a in &s.actions {
                    if scanners::action_on_any(a).is_none_or(|f| f.resource_level) {
                        push_new(&mut self.documented, *a);
                    } else {
                        push_new(&mut self.unscoped, *a);
                    }
                }
                return;
            }
            Resource::BucketObjects { .. } => {
                "session logs are objects the SSM Agent names per session under the configured key prefix"
            }
            Resource::LogGroup { .. } if s.facts.contains(&crate::facts::ACTIVATION_PROVIDER_LOGS) => {
                "Lambda names the function's log streams at run time; logs:CreateLogStream and logs:PutLogEvents are granted on the streams of the function's own log group only"
            }
            Resource::LogGroup { .. } => {
                "the SSM Agent writes each session to its own stream of the configured log group, which :* names"
            }
            Resource::AwsOwnedBucketObjects { .. } => {
                "objects of an AWS-owned bucket the SSM Agent reads through the S3 VPC endpoint"
            }
            Resource::Ec2Instances | Resource::ManagedInstances => {
                "the fleets' nodes, matched by the ssm:resourceTag condition on their selector tag, not by IDs unknown when the policy is written"
            }
            Resource::OwnSessions { .. } => {
                "the caller's own sessions, whose IDs start with the caller's name or ID (an IAM policy variable)"
            }
            Resource::Sessions => {
                "sessions narrowed by a condition to the caller's own (their session-id tag)"
            }
            Resource::Secret { .. } => {
                "a secret's ARN ends in six random characters that Secrets Manager chooses when it creates the secret, which -?????? matches (AWS Secrets Manager User Guide: Permissions policy examples)"
            }
            // No wildcard in these ARNs unless a name holds one, which validation refuses.
            Resource::KmsKey { .. }
            | Resource::Bucket { .. }
            | Resource::Document { .. }
            | Resource::AwsDocument { .. }
            | Resource::Role { .. } => "a name the spec gives holds a wildcard",
        };
        push_new(&mut self.whys, why);
    }

    fn reason(&self) -> String {
        let mut parts: Vec<String> = self.whys.iter().map(|w| w.to_string()).collect();
        if !self.unscoped.is_empty() {
            parts.push(format!(
                "{} support no resource-level permissions ({})",
                self.unscoped.join(", "),
                scanners::SERVICE_AUTHORIZATION_REFERENCE
            ));
        }
        if !self.documented.is_empty() {
            parts.push(format!(
                "{} granted on * as AWS documents it, for nodes whose IDs are not known when the policy is written",
                self.documented.join(", ")
            ));
        }
        format!("{} ({})", parts.join("; "), self.sources.join("; "))
    }
}

/// The activation provider's function, log group and secrets: what checkov and the
/// cdk-nag packs report on them that the design keeps (tests/conformance/scanners.py
/// proves each one is reported without its acknowledgement).
fn for_provider(p: &super::ActivationProvider) -> Vec<Acknowledgement> {
    use scanners::{
        CKV_LAMBDA_CONCURRENCY, CKV_LAMBDA_DLQ, CKV_LAMBDA_VPC, CKV_LOG_GROUP_KMS, CKV_SECRET_KMS,
        NAG_LAMBDA_CONCURRENCY, NAG_LAMBDA_DLQ, NAG_LAMBDA_VPC, NAG_LOG_GROUP_KMS, NAG_SECRET_KMS,
        NAG_SECRET_ROTATION,
    };
    const CONCURRENCY: &str = "invoked only by CloudFormation, once per activation change of the stack; a reserved concurrency comes out of the account's unreserved concurrency, which must stay at 100 or more, and new accounts have reduced concurrency quotas, so a reservation could fail the deployment (AWS Lambda Developer Guide: Configuring reserved concurrency; Lambda quotas)";
    const DLQ: &str = "a CloudFormation custom resource provider: the handler answers every request, failures included, at CloudFormation's response URL, and asynchronous retries are off (MaximumRetryAttempts 0), so a dead-letter queue would only hold requests CloudFormation has already failed (AWS Lambda Developer Guide: Using Lambda with CloudFormation)";
    const VPC: &str = "the function calls only the public Systems Manager and Secrets Manager APIs and CloudFormation's response URL and reaches no private resource; inside a VPC it would need subnets and a NAT gateway or interface endpoints that the stack does not own";
    const LOG_GROUP_KMS: &str = "CloudWatch Logs encrypts log data at rest by default; the function logs only request types and activation ids, never an activation code (templates/activation/handler.py)";
    const SECRET_KMS: &str = "encrypted with aws/secretsmanager, the AWS managed key Secrets Manager uses by default; a customer managed key would need a key policy for the function and for every reader of the secret";
    const ROTATION: &str = "the secret holds a hybrid activation id and code that Systems Manager issues and that expire within 30 days (CreateActivation ExpirationDate); a new one is issued by changing the stack's activation renewal input, not by a rotation function";
    let ack = |rule, subject, reason: &str| Acknowledgement {
        rule,
        subject,
        finding: None,
        reason: reason.into(),
    };
    let mut out = Vec::new();
    let function = Subject::ProviderFunction;
    out.push(ack(CKV_LAMBDA_CONCURRENCY, function, CONCURRENCY));
    out.push(ack(CKV_LAMBDA_DLQ, function, DLQ));
    out.push(ack(CKV_LAMBDA_VPC, function, VPC));
    out.extend(NAG_LAMBDA_CONCURRENCY.map(|r| ack(r, function, CONCURRENCY)));
    out.extend(NAG_LAMBDA_DLQ.map(|r| ack(r, function, DLQ)));
    out.extend(NAG_LAMBDA_VPC.map(|r| ack(r, function, VPC)));
    let logs = Subject::ProviderLogGroup;
    out.push(ack(CKV_LOG_GROUP_KMS, logs, LOG_GROUP_KMS));
    out.extend(NAG_LOG_GROUP_KMS.map(|r| ack(r, logs, LOG_GROUP_KMS)));
    for i in 0..p.secrets.len() {
        let secret = Subject::ActivationSecret(i);
        out.push(ack(CKV_SECRET_KMS, secret, SECRET_KMS));
        out.extend(NAG_SECRET_KMS.map(|r| ack(r, secret, SECRET_KMS)));
        out.extend(NAG_SECRET_ROTATION.map(|r| ack(r, secret, ROTATION)));
    }
    out
}

/// The created session resources: what a log bucket of session logs leaves out on
/// purpose.
fn for_created(created: &super::Created) -> Vec<Acknowledgement> {
    use scanners::{
        CKV_KEY_POLICY_PERMISSIONS, CKV_KEY_POLICY_STAR, CKV_KEY_POLICY_WRITE,
        CKV_S3_ACCESS_LOGGING, CKV_S3_EVENT_NOTIFICATIONS, CKV_S3_REPLICATION,
        NAG_S3_ACCESS_LOGGING, NAG_S3_REPLICATION,
    };
    const KEY_POLICY: &str = "a key policy, not an identity policy: its kms:* on * is the account statement of KMS's default key policy, where * is this key alone and the account's IAM policies decide who uses it (AWS KMS Developer Guide: Default key policy)";
    const ACCESS_LOGGING: &str = "the bucket holds Session Manager's session logs, themselves an audit record; server access logs would need a second bucket, which would need its own logging in turn: audit access to this one with CloudTrail data events for Amazon S3 (Amazon S3 User Guide: Logging options for Amazon S3)";
    const NOTIFICATIONS: &str = "nothing in the setup consumes the arrival of a session log; event notifications need a destination (SNS, SQS, Lambda or EventBridge) the generated code does not own";
    const REPLICATION: &str = "session logs stay in the Region of the sessions they record; replication needs a bucket in another Region and a replication role the generated code does not own (Amazon S3 User Guide: Replicating objects)";
    let ack_on = |subject, rule, reason: &str| Acknowledgement {
        rule,
        subject,
        finding: None,
        reason: reason.into(),
    };
    let ack = |rule, reason: &str| ack_on(Subject::LogBucket, rule, reason);
    let mut out = Vec::new();
    if created.key.is_some() {
        for rule in [
            CKV_KEY_POLICY_PERMISSIONS,
            CKV_KEY_POLICY_WRITE,
            CKV_KEY_POLICY_STAR,
        ] {
            out.push(ack_on(Subject::SessionKey, rule, KEY_POLICY));
        }
    }
    if created.bucket.is_some() {
        out.push(ack(CKV_S3_ACCESS_LOGGING, ACCESS_LOGGING));
        out.push(ack(CKV_S3_EVENT_NOTIFICATIONS, NOTIFICATIONS));
        out.push(ack(CKV_S3_REPLICATION, REPLICATION));
        out.extend(NAG_S3_ACCESS_LOGGING.map(|r| ack(r, ACCESS_LOGGING)));
        out.extend(NAG_S3_REPLICATION.map(|r| ack(r, REPLICATION)));
    }
    out
}

/// checkov's Session document rules, read from the content the plan writes.
fn for_document(subject: Subject, content: &serde_json::Value) -> Vec<Acknowledgement> {
    let inputs = &content["inputs"];
    let set = |k: &str| match &inputs[k] {
        serde_json::Value::String(s) => !s.is_empty(),
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::Null => false,
        _ => true,
    };
    let mut out = Vec::new();
    if !set("kmsKeyId") {
        out.push(Acknowledgement {
            rule: CKV_SESSION_ENCRYPTION,
            subject,
            finding: None,
            reason: "the spec names no session key (session.kms_key), so session data is encrypted by TLS only; name a key to add KMS encryption".into(),
        });
    }
    let s3 = set("s3BucketName") && set("s3EncryptionEnabled");
    let cw = set("cloudWatchLogGroupName") && set("cloudWatchEncryptionEnabled");
    if !s3 && !cw {
        out.push(Acknowledgement {
            rule: CKV_SESSION_LOGGING,
            subject,
            finding: None,
            reason: "the spec turns on no session logging that requires encryption (session.s3 with encrypted: true, or session.cloudwatch with encrypted: true)".into(),
        });
    }
    out
}

impl Plan {
    /// The acknowledgements attached to one subject, in plan order.
    /// `Plan::acknowledgements` is sorted by subject (built so; code that adds one keeps
    /// it so, e.g. with a stable `sort_by_key(|a| a.subject)`).
    pub fn acknowledgements_of(&self, subject: Subject) -> impl Iterator<Item = &Acknowledgement> {
        let all = &self.acknowledgements;
        let start = all.partition_point(|a| a.subject < subject);
        let end = start + all[start..].partition_point(|a| a.subject == subject);
        all[start..end].iter()
    }
}
