//! The session resources the generated code creates when the spec says `create`: the
//! session key, the log bucket and the log group, with their key and bucket policies.
//!
//! One of each per project, shared by every fleet that asks for one (validation makes
//! the fleets agree on their settings). Everything that names them (fleet policies,
//! operator policies, preferences documents) does so through [`Reference`]s, which each
//! target spells as its own reference to the resource.

use std::collections::BTreeMap;

use serde::Serialize;

use super::resource::{log_group_arn, Bucket};
use super::{Condition, Effect, Ident, KmsKey, Output, OutputValue, Plan, Resource, Text};
use crate::facts::{self, Fact};
use crate::spec::Spec;
use crate::text;

/// Who a resource policy statement applies to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Principal {
    /// Anyone (`*`): only in `Deny` statements.
    Any,
    /// An account's IAM principals, named by the account (`arn:<partition>:iam::<id>:root`).
    Account(Text),
    /// A role the code creates, by index into [`Plan::roles`] (the CDK constructs may
    /// be given the role instead: targets spell a reference to it).
    Role(usize),
    /// An AWS service principal.
    Service(Text),
}

/// One statement of a key policy or bucket policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ResourceStatement {
    /// Stable statement id, unique within its policy (`[A-Za-z0-9]+`).
    pub sid: String,
    pub effect: Effect,
    /// Sorted and unique.
    pub principals: Vec<Principal>,
    /// Sorted and unique.
    pub actions: Vec<&'static str>,
    /// `Resource::Any` in a key policy is the key itself.
    pub resources: Vec<Resource>,
    /// Sorted by operator then key.
    pub conditions: Vec<Condition>,
    pub facts: Vec<Fact>,
}

/// The symmetric session key (`kms_key: create`), rotated yearly, with an alias.
#[derive(Debug, Clone, Serialize)]
pub struct SessionKey {
    pub id: Ident,
    /// The alias resource.
    pub alias_id: Ident,
    /// `alias/<project>-sessions` (create-only: a new alias name replaces the alias,
    /// not the key).
    pub alias: String,
    pub description: String,
    pub policy: Vec<ResourceStatement>,
    pub tags: BTreeMap<String, String>,
}

/// The log bucket (`bucket: create`): SSE-KMS with a bucket key, Block Public Access,
/// ACLs off (BucketOwnerEnforced), versioned, expiring logs, TLS only. Bucket names are
/// global, so the tools name it (Terraform from [`LogBucket::name_prefix`]).
#[derive(Debug, Clone, Serialize)]
pub struct LogBucket {
    pub id: Ident,
    /// The bucket policy resource.
    pub policy_id: Ident,
    /// Terraform's `bucket_prefix`; CloudFormation and CDK name the bucket after the
    /// stack and logical id.
    pub name_prefix: String,
    /// The SSE-KMS key (the created key or one the spec names).
    pub key: KmsKey,
    /// Days after which a session log expires.
    pub expiration_days: u32,
    /// Days a replaced or deleted log's old version stays.
    pub noncurrent_days: u32,
    /// Days before incomplete multipart uploads are aborted.
    pub abort_multipart_days: u32,
    /// Other accounts whose fleets log here, each under `<account id>/`.
    pub writer_accounts: Vec<String>,
    pub policy: Vec<ResourceStatement>,
    pub tags: BTreeMap<String, String>,
}

/// The log group (`log_group: create`), named `/ssm/<project>/sessions`.
#[derive(Debug, Clone, Serialize)]
pub struct SessionLogGroup {
    pub id: Ident,
    pub name: String,
    pub retention_days: u32,
    /// The key that encrypts it, when the spec asks for an encrypted group.
    pub key: Option<KmsKey>,
    pub tags: BTreeMap<String, String>,
}

/// The session resources the code creates; all three are kept when the stack is
/// deleted (they hold audit logs and the key that decrypts them), as CDK keeps them by
/// default: CloudFormation `DeletionPolicy: Retain`, Terraform `prevent_destroy`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Created {
    pub key: Option<SessionKey>,
    pub bucket: Option<LogBucket>,
    pub log_group: Option<SessionLogGroup>,
}

impl Created {
    pub fn is_empty(&self) -> bool {
        self.key.is_none() && self.bucket.is_none() && self.log_group.is_none()
    }

    /// Every pseudo value the created resources' policies and keys use.
    pub fn pseudos(&self, env: &super::Env) -> std::collections::BTreeSet<super::Pseudo> {
        let mut set = std::collections::BTreeSet::new();
        let key = self.key.as_ref().map(|k| &k.policy);
        let bucket = self.bucket.as_ref().map(|b| &b.policy);
        for st in key.into_iter().chain(bucket).flatten() {
            for p in &st.principals {
                if let Principal::Account(t) | Principal::Service(t) = p {
                    set.extend(t.pseudos());
                }
            }
            st.resources
                .iter()
                .for_each(|r| set.extend(r.arn(env).pseudos()));
            for c in &st.conditions {
                c.values.iter().for_each(|v| set.extend(v.pseudos()));
            }
        }
        let keys = self.bucket.as_ref().map(|b| &b.key);
        let keys = keys
            .into_iter()
            .chain(self.log_group.iter().flat_map(|g| &g.key));
        for key in keys {
            set.extend(Resource::KmsKey { key: key.clone() }.arn(env).pseudos());
        }
        set
    }
}

/// Adds the created resources; after the fleets' roles and policies, whose statements
/// on the created key the key policy repeats.
pub(super) fn add_created(plan: &mut Plan, spec: &Spec) {
    let sessions = || spec.fleets.iter().map(|f| &f.session);
    let bucket = sessions()
        .filter_map(|s| s.s3.as_ref())
        .find(|s3| s3.bucket == Bucket::Created);
    let group = sessions().find_map(|s| {
        let cw = s.cloudwatch.as_ref()?;
        let days = cw.retention_days?;
        Some((cw, days, s.kms_key.clone().filter(|_| cw.encrypted)))
    });
    let key_created = sessions().any(|s| s.kms_key == Some(KmsKey::Created))
        || bucket.is_some_and(|b| b.kms_key == Some(KmsKey::Created));
    let log_group = group.map(|(cw, days, key)| SessionLogGroup {
        id: Ident::new("session-log-group"),
        name: cw.log_group.clone(),
        retention_days: days,
        key,
        tags: spec.tags.clone(),
    });
    plan.created.bucket = bucket.map(|b| LogBucket {
        id: Ident::new("session-log-bucket"),
        policy_id: Ident::new("session-log-bucket-policy"),
        // The AWS provider takes a bucket_prefix of at most 37 characters; a project
        // name has at most 28.
        name_prefix: format!("{}-logs-", spec.project),
        key: b.kms_key.clone().unwrap_or(KmsKey::Created),
        expiration_days: b.retention_days.unwrap_or(365),
        noncurrent_days: facts::NONCURRENT_LOG_DAYS,
        abort_multipart_days: facts::ABORT_MULTIPART_DAYS,
        writer_accounts: b.writer_accounts.clone(),
        policy: bucket_policy(&plan.env, &b.writer_accounts),
        tags: spec.tags.clone(),
    });
    if key_created {
        plan.created.key = Some(SessionKey {
            id: Ident::new("session-key"),
            alias_id: Ident::new("session-key-alias"),
            alias: format!("alias/{}-sessions", spec.project),
            description: format!(
                "Encrypts the Session Manager sessions and session logs of {}, generated by ssmgen",
                spec.project
            ),
            policy: key_policy(plan, log_group.as_ref(), writers_of(plan)),
            tags: spec.tags.clone(),
        });
    }
    plan.created.log_group = log_group;
    let c = &plan.created;
    let outputs = [
        (c.key.is_some(), "session-key-arn", "ARN of the session key: other specs of the account name it as kms_key", OutputValue::SessionKeyArn),
        (c.bucket.is_some(), "session-log-bucket-name", "Name of the session log bucket (generated): writer accounts name it as s3.bucket, with owner_account", OutputValue::LogBucketName),
        (c.log_group.is_some(), "session-log-group-name", "Name of the session log group", OutputValue::LogGroupName),
    ];
    for (present, id, description, value) in outputs {
        if present {
            plan.outputs.push(Output {
                id: Ident::new(id),
                description: description.to_string(),
                value,
            });
        }
    }
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v.dedup();
    v
}

/// The accounts that write to the created bucket when the created key encrypts it.
fn writers_of(plan: &Plan) -> &[String] {
    match &plan.created.bucket {
        Some(b) if b.key == KmsKey::Created => &b.writer_accounts,
        _ => &[],
    }
}

fn account_root(env: &super::Env, account: &str) -> Principal {
    Principal::Account(text!["arn:", &env.partition, ":iam::", account, ":root"])
}

/// The created key's policy: the account, the fleet roles that use it, CloudWatch Logs
/// when it encrypts the created log group, and the bucket's writer accounts through S3.
fn key_policy(
    plan: &Plan,
    group: Option<&SessionLogGroup>,
    writers: &[String],
) -> Vec<ResourceStatement> {
    let env = &plan.env;
    let mut out = vec![ResourceStatement {
        sid: "AccountAdministersKey".into(),
        effect: Effect::Allow,
        principals: vec![Principal::Account(text![
            "arn:",
            &env.partition,
            ":iam::",
            &env.account,
            ":root"
        ])],
        actions: vec![facts::KMS_ALL],
        resources: vec![Resource::Any],
        conditions: Vec::new(),
        facts: vec![facts::CREATED_KEY_ACCOUNT],
    }];
    // The roles whose session policies name the created key, grouped by the actions
    // they use on it, in plan order.
    let mut by_actions: BTreeMap<Vec<&'static str>, Vec<Principal>> = BTreeMap::new();
    for fleet in &plan.fleets {
        let (Some(role), Some(policy)) = (fleet.role, fleet.policy) else {
            continue;
        };
        let created = Resource::KmsKey {
            key: KmsKey::Created,
        };
        let actions: Vec<&'static str> = plan.policies[policy]
            .statements
            .iter()
            .filter(|s| s.resources.contains(&created))
            .flat_map(|s| s.actions.iter().copied())
            .collect();
        if !actions.is_empty() {
            by_actions
                .entry(sorted(actions))
                .or_default()
                .push(Principal::Role(role));
        }
    }
    let groups = by_actions.len();
    for (i, (actions, principals)) in by_actions.into_iter().enumerate() {
        let sid = if groups == 1 {
            "FleetRolesUseKey".to_string()
        } else {
            format!("FleetRolesUseKey{}", i + 1)
        };
        out.push(ResourceStatement {
            sid,
            effect: Effect::Allow,
            principals,
            actions,
            resources: vec![Resource::Any],
            conditions: Vec::new(),
            facts: vec![facts::CREATED_KEY_FLEET_ROLES],
        });
    }
    if let Some(group) = group.filter(|g| g.key == Some(KmsKey::Created)) {
        let mut service = text!["logs.", &env.region, "."];
        service.push_value(&env.url_suffix);
        out.push(ResourceStatement {
            sid: "CloudWatchLogsUseKey".into(),
            effect: Effect::Allow,
            principals: vec![Principal::Service(service)],
            actions: facts::LOGS_KEY_ACTIONS.to_vec(),
            resources: vec![Resource::Any],
            conditions: vec![Condition {
                operator: facts::ARN_EQUALS,
                key: facts::LOGS_ENCRYPTION_CONTEXT_KEY,
                values: vec![log_group_arn(env, &group.name)],
            }],
            facts: vec![facts::CREATED_KEY_LOGS],
        });
    }
    if !writers.is_empty() {
        let mut s3 = text!["s3.", &env.region, "."];
        s3.push_value(&env.url_suffix);
        out.push(ResourceStatement {
            sid: "WriterAccountsEncryptLogs".into(),
            effect: Effect::Allow,
            principals: writers.iter().map(|a| account_root(env, a)).collect(),
            actions: vec![facts::KMS_DECRYPT, facts::KMS_GENERATE_DATA_KEY],
            resources: vec![Resource::Any],
            conditions: vec![Condition {
                operator: facts::STRING_EQUALS,
                key: facts::KMS_VIA_SERVICE_KEY,
                values: vec![s3],
            }],
            facts: vec![facts::CREATED_KEY_WRITERS],
        });
    }
    out
}

/// The bucket policy: TLS only, and each writer account's uploads under its own id.
fn bucket_policy(env: &super::Env, writers: &[String]) -> Vec<ResourceStatement> {
    let mut out = vec![tls_only()];
    if writers.is_empty() {
        return out;
    }
    let principals: Vec<Principal> = writers.iter().map(|a| account_root(env, a)).collect();
    out.push(ResourceStatement {
        sid: "WriterAccountsCheckEncryption".into(),
        effect: Effect::Allow,
        principals,
        actions: vec![facts::S3_GET_ENCRYPTION_CONFIGURATION],
        resources: vec![Resource::Bucket {
            bucket: Bucket::Created,
        }],
        conditions: Vec::new(),
        facts: vec![facts::CREATED_BUCKET_WRITERS],
    });
    for account in writers {
        let objects = Resource::BucketObjects {
            bucket: Bucket::Created,
            prefix: format!("{account}/"),
        };
        out.push(ResourceStatement {
            sid: format!("WriterAccount{account}Upload"),
            effect: Effect::Allow,
            principals: vec![account_root(env, account)],
            actions: vec![facts::S3_PUT_OBJECT],
            resources: vec![objects.clone()],
            conditions: Vec::new(),
            facts: vec![facts::CREATED_BUCKET_WRITERS],
        });
        out.push(ResourceStatement {
            sid: format!("WriterAccount{account}Acl"),
            effect: Effect::Allow,
            principals: vec![account_root(env, account)],
            actions: vec![facts::S3_PUT_OBJECT_ACL],
            resources: vec![objects],
            conditions: vec![Condition {
                operator: facts::STRING_EQUALS,
                key: facts::S3_ACL_KEY,
                values: vec![Text::literal(facts::BUCKET_OWNER_FULL_CONTROL)],
            }],
            facts: vec![facts::CREATED_BUCKET_WRITERS],
        });
    }
    out
}

/// Denies every request to the bucket and its objects that does not use TLS.
fn tls_only() -> ResourceStatement {
    ResourceStatement {
        sid: "DenyInsecureTransport".into(),
        effect: Effect::Deny,
        principals: vec![Principal::Any],
        actions: vec![facts::S3_ALL],
        resources: vec![
            Resource::Bucket {
                bucket: Bucket::Created,
            },
            Resource::BucketObjects {
                bucket: Bucket::Created,
                prefix: String::new(),
            },
        ],
        conditions: vec![Condition {
            operator: facts::BOOL,
            key: facts::SECURE_TRANSPORT_KEY,
            values: vec![Text::literal("false")],
        }],
        facts: vec![facts::CREATED_BUCKET_TLS],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(spec: &str) -> Plan {
        let (spec, _) = crate::spec::load_str(spec, "t.yaml").expect("valid");
        super::super::build::build(&spec)
    }

    const ALL: &str = "version: 1\nproject: shop\nsession:\n  kms_key: create\n  s3: {bucket: create, prefix: ssm}\n  cloudwatch: {log_group: create, encrypted: true, retention_days: 90}\nfleets:\n  - {name: web, platform: ec2, mode: session-only}\n  - {name: legacy, platform: ec2, mode: existing-role, existing_role: legacy-ec2}\n";

    #[test]
    fn a_fresh_environment_gets_a_key_a_bucket_and_a_log_group() {
        let p = plan(ALL);
        let key = p.created.key.as_ref().expect("key");
        assert_eq!(key.alias, "alias/shop-sessions");
        let sids: Vec<&str> = key.policy.iter().map(|s| s.sid.as_str()).collect();
        assert_eq!(
            sids,
            [
                "AccountAdministersKey",
                "FleetRolesUseKey",
                "CloudWatchLogsUseKey"
            ]
        );
        // Only the role the stack creates is named; the existing role reaches the key
        // through its session policy and the account statement.
        assert_eq!(key.policy[1].principals, vec![Principal::Role(0)]);
        assert_eq!(
            key.policy[1].actions,
            ["kms:Decrypt", "kms:GenerateDataKey"]
        );
        let logs = &key.policy[2];
        assert_eq!(
            logs.conditions[0].values[0].display(),
            "arn:${Partition}:logs:${Region}:${AccountId}:log-group:/ssm/shop/sessions"
        );
        let bucket = p.created.bucket.as_ref().expect("bucket");
        assert_eq!(bucket.key, KmsKey::Created);
        assert_eq!(bucket.expiration_days, 365);
        assert_eq!(bucket.name_prefix, "shop-logs-");
        assert_eq!(bucket.policy[0].effect, Effect::Deny);
        let group = p.created.log_group.as_ref().expect("log group");
        assert_eq!(group.name, "/ssm/shop/sessions");
        assert_eq!(group.retention_days, 90);
        assert_eq!(group.key, Some(KmsKey::Created));
    }

    #[test]
    fn policies_and_documents_name_the_created_resources_by_reference() {
        let p = plan(ALL);
        let web = &p.policies[p.fleets[0].policy.expect("policy")];
        let arns: Vec<String> = web
            .statements
            .iter()
            .flat_map(|s| &s.resources)
            .map(|r| r.arn(&p.env).display())
            .collect();
        for want in [
            "${SessionKey.Arn}",
            "arn:${Partition}:s3:::${LogBucket.Name}",
            "arn:${Partition}:s3:::${LogBucket.Name}/ssm/*",
            "arn:${Partition}:logs:${Region}:${AccountId}:log-group:/ssm/shop/sessions:*",
        ] {
            assert!(arns.iter().any(|a| a == want), "{want}: {arns:?}");
        }
        let inputs = &p.documents[0].content["inputs"];
        assert_eq!(inputs["kmsKeyId"], "${SessionKey.Arn}");
        assert_eq!(inputs["s3BucketName"], "${LogBucket.Name}");
        assert_eq!(inputs["cloudWatchLogGroupName"], "/ssm/shop/sessions");
    }

    #[test]
    fn nothing_is_created_unless_asked() {
        let p = plan("version: 1\nproject: p\nsession: {kms_key: 1234abcd-12ab-34cd-56ef-1234567890ab}\nfleets: [{name: w, platform: ec2, mode: session-only}]\n");
        assert!(p.created.is_empty());
    }
}
