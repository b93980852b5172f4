//! Typed policy resources. A KMS key stays a key and a bucket stays a bucket until a
//! target asks for the ARN; the ARN patterns live here and nowhere else.

use serde::Serialize;

use super::text::{Reference, Text};
use super::Env;
use crate::text;

/// A KMS key named by the spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum KmsKey {
    /// A full key ARN, used as given.
    Arn(String),
    /// A key id (`1234abcd-...` or `mrk-...`) in the deployment's own account and Region.
    Id(String),
    /// The session key the generated code creates (`kms_key: create`).
    Created,
}

impl KmsKey {
    /// The key as the spec wrote it: its ARN or id, or `create`.
    pub fn spec_value(&self) -> &str {
        match self {
            KmsKey::Arn(s) | KmsKey::Id(s) => s,
            KmsKey::Created => "create",
        }
    }

    /// The `kmsKeyId` a preferences document names it by: its ARN or id, or, for the
    /// created key, the placeholder targets replace with its ARN.
    pub fn preferences_value(&self) -> &str {
        match self {
            KmsKey::Arn(s) | KmsKey::Id(s) => s,
            KmsKey::Created => Reference::SessionKeyArn.placeholder(),
        }
    }
}

/// An S3 bucket named by the spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Bucket {
    /// An existing bucket, by name.
    Named(String),
    /// The log bucket the generated code creates (`bucket: create`), whose name the
    /// tool generates.
    Created,
}

impl Bucket {
    /// The bucket's name: the spec's, or a reference to the created bucket's.
    pub fn name(&self) -> Text {
        match self {
            Bucket::Named(name) => Text::literal(name.clone()),
            Bucket::Created => text![Reference::LogBucketName],
        }
    }

    /// The bucket as the spec wrote it: its name, or `create`.
    pub fn spec_value(&self) -> &str {
        match self {
            Bucket::Named(s) => s,
            Bucket::Created => "create",
        }
    }

    /// The `s3BucketName` a preferences document names it by: its name, or, for the
    /// created bucket, the placeholder targets replace with its name.
    pub fn preferences_value(&self) -> &str {
        match self {
            Bucket::Named(s) => s,
            Bucket::Created => Reference::LogBucketName.placeholder(),
        }
    }
}

/// What a statement applies to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Resource {
    /// `*`: only for actions that have no resource-level scoping.
    Any,
    KmsKey {
        key: KmsKey,
    },
    /// The bucket itself (`arn:…:s3:::bucket`).
    Bucket {
        bucket: Bucket,
    },
    /// Objects under a key prefix (`arn:…:s3:::bucket/prefix*`).
    BucketObjects {
        bucket: Bucket,
        prefix: String,
    },
    /// A CloudWatch Logs group and its streams.
    LogGroup {
        name: String,
    },
    /// Every object of an AWS-owned bucket (VPC endpoint access).
    AwsOwnedBucketObjects {
        bucket: String,
    },
    /// Every EC2 instance of the deployment's account and Region (narrowed further by a
    /// tag condition).
    Ec2Instances,
    /// Every hybrid managed node (`managed-instance/mi-...`) of the account and Region.
    ManagedInstances,
    /// An SSM document of the deployment's account.
    Document {
        name: String,
    },
    /// An SSM document AWS owns: its ARN has an empty account field.
    AwsDocument {
        name: &'static str,
    },
    /// The caller's own sessions: their ids start with the caller's name or id, written
    /// as an IAM policy variable (`${aws:username}`, `${aws:userid}`).
    OwnSessions {
        variable: &'static str,
    },
    /// Every session of the account and Region (narrowed by a condition).
    Sessions,
    /// A role ssmgen creates.
    Role {
        path: String,
        name: String,
    },
    /// A Secrets Manager secret of the deployment's account and Region, by name: its ARN
    /// ends in a hyphen and six random characters, matched by `-??????`.
    Secret {
        name: String,
    },
}

impl Resource {
    /// The ARN (or `*`) this resource stands for in the given deployment context.
    pub fn arn(&self, env: &Env) -> Text {
        match self {
            Resource::Any => Text::literal("*"),
            Resource::KmsKey {
                key: KmsKey::Arn(arn),
            } => Text::literal(arn.clone()),
            Resource::KmsKey {
                key: KmsKey::Id(id),
            } => text![
                "arn:",
                &env.partition,
                ":kms:",
                &env.region,
                ":",
                &env.account,
                ":key/",
                id.as_str()
            ],
            Resource::KmsKey {
                key: KmsKey::Created,
            } => text![Reference::SessionKeyArn],
            Resource::Bucket { bucket } => text!["arn:", &env.partition, ":s3:::", bucket.name()],
            Resource::BucketObjects { bucket, prefix } => text![
                "arn:",
                &env.partition,
                ":s3:::",
                bucket.name(),
                "/",
                prefix.as_str(),
                "*"
            ],
            Resource::LogGroup { name } => text![log_group_arn(env, name), ":*"],
            Resource::AwsOwnedBucketObjects { bucket } => {
                text!["arn:", &env.partition, ":s3:::", bucket.as_str(), "/*"]
            }
            Resource::Ec2Instances => text![
                "arn:",
                &env.partition,
                ":ec2:",
                &env.region,
                ":",
                &env.account,
                ":instance/*"
            ],
            Resource::ManagedInstances => text![
                "arn:",
                &env.partition,
                ":ssm:",
                &env.region,
                ":",
                &env.account,
                ":managed-instance/*"
            ],
            Resource::Document { name } => text![
                "arn:",
                &env.partition,
                ":ssm:",
                &env.region,
                ":",
                &env.account,
                ":document/",
                name.as_str()
            ],
            Resource::AwsDocument { name } => text![
                "arn:",
                &env.partition,
                ":ssm:",
                &env.region,
                "::document/",
                *name
            ],
            Resource::OwnSessions { variable } => text![
                "arn:",
                &env.partition,
                ":ssm:",
                &env.region,
                ":",
                &env.account,
                ":session/",
                *variable,
                "-*"
            ],
            Resource::Sessions => text![
                "arn:",
                &env.partition,
                ":ssm:",
                &env.region,
                ":",
                &env.account,
                ":session/*"
            ],
            Resource::Role { path, name } => text![
                "arn:",
                &env.partition,
                ":iam::",
                &env.account,
                ":role",
                path.as_str(),
                name.as_str()
            ],
            Resource::Secret { name } => text![
                "arn:",
                &env.partition,
                ":secretsmanager:",
                &env.region,
                ":",
                &env.account,
                ":secret:",
                name.as_str(),
                "-??????"
            ],
        }
    }

    /// True for `*`.
    pub fn is_any(&self) -> bool {
        matches!(self, Resource::Any)
    }
}

/// The ARN of a log group itself, without the `:*` that also matches its streams: the
/// form CloudWatch Logs puts in the `aws:logs:arn` encryption context.
pub fn log_group_arn(env: &Env, name: &str) -> Text {
    text![
        "arn:",
        &env.partition,
        ":logs:",
        &env.region,
        ":",
        &env.account,
        ":log-group:",
        name
    ]
}

/// The ARN of an AWS managed policy.
pub fn aws_managed_policy_arn(env: &Env, name: &str) -> Text {
    text!["arn:", &env.partition, ":iam::aws:policy/", name]
}

/// The source ARN of the hybrid trust's confused-deputy condition.
pub fn ssm_source_arn(env: &Env) -> Text {
    text![
        "arn:",
        &env.partition,
        ":ssm:",
        &env.region,
        ":",
        &env.account,
        ":*"
    ]
}

/// A service principal whose DNS suffix follows the partition (`ec2.amazonaws.com.cn`).
pub fn partition_service_principal(env: &Env, service: &str) -> Text {
    let mut t = text![service, "."];
    t.push_value(&env.url_suffix);
    t
}

/// A service principal that is the same in every partition.
pub fn global_service_principal(service: &str) -> Text {
    Text::literal(format!("{service}.amazonaws.com"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Pseudo, Value};

    fn unpinned() -> Env {
        Env {
            partition: Value::Pseudo(Pseudo::Partition),
            region: Value::Pseudo(Pseudo::Region),
            account: Value::Pseudo(Pseudo::AccountId),
            url_suffix: Value::Pseudo(Pseudo::UrlSuffix),
        }
    }

    #[test]
    fn unpinned_arns_use_the_partition_pseudo_value() {
        let env = unpinned();
        let r = Resource::BucketObjects {
            bucket: Bucket::Named("logs".into()),
            prefix: "ssm/".into(),
        };
        assert_eq!(r.arn(&env).display(), "arn:${Partition}:s3:::logs/ssm/*");
        let g = Resource::LogGroup {
            name: "/ssm/sessions".into(),
        };
        assert_eq!(
            g.arn(&env).display(),
            "arn:${Partition}:logs:${Region}:${AccountId}:log-group:/ssm/sessions:*"
        );
    }
}
