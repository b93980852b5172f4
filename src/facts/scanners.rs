//! What the security scanners users run in CI report on Session Manager permissions, and
//! the facts about actions those reports turn on.
//!
//! A scanner rule is named here once, with the tools that implement it: checkov
//! (3.3.30) checks CloudFormation and Terraform, cdk-nag (3.x, and 2.x through the
//! resource metadata it reads) checks CDK apps. The conformance suite runs every one of
//! them with and without the generated acknowledgements (`tests/conformance/scanners.py`),
//! so an entry that drifts from the tools fails there.

use serde::Serialize;

/// The scanner that reports a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scanner {
    Checkov,
    CdkNag,
}

/// What a granular cdk-nag finding names: cdk-nag reports one finding per wildcard
/// resource (`Resource::<arn>`) or per AWS managed policy (`Policy::<arn>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Granularity {
    Resource,
    Policy,
}

impl Granularity {
    /// The prefix of the finding, as cdk-nag writes it before the value.
    pub fn prefix(self) -> &'static str {
        match self {
            Granularity::Resource => "Resource",
            Granularity::Policy => "Policy",
        }
    }
}

/// One scanner rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Rule {
    /// The rule id as the scanner prints it (`CKV_AWS_111`, `AwsSolutions-IAM5`).
    pub id: &'static str,
    pub scanner: Scanner,
    /// The scanner's own title of the rule.
    pub title: &'static str,
    /// checkov implements the rule for CloudFormation templates.
    pub cloudformation: bool,
    /// checkov implements the rule for Terraform.
    pub terraform: bool,
    /// cdk-nag reports one finding per value.
    pub granular: Option<Granularity>,
}

/// checkov (cloudsplaining `write_actions_without_constraints`): an allow statement
/// without conditions grants, on `*`, a Write action that supports resource-level
/// permissions. CloudFormation and Terraform.
pub const CKV_WRITE_WITHOUT_CONSTRAINTS: Rule = Rule {
    id: "CKV_AWS_111",
    scanner: Scanner::Checkov,
    title: "Ensure IAM policies does not allow write access without constraints",
    cloudformation: true,
    terraform: true,
    granular: None,
};

/// checkov (cloudsplaining `all_allowed_unrestricted_actions`): an allow statement
/// without conditions grants, on `*`, any action that supports resource-level
/// permissions. Terraform only (checkov/terraform/checks/data/aws/ResourcePolicyDocument.py).
pub const CKV_RESOURCE_STAR: Rule = Rule {
    id: "CKV_AWS_356",
    scanner: Scanner::Checkov,
    title: "Ensure no IAM policies documents allow \"*\" as a statement's resource for restrictable actions",
    cloudformation: false,
    terraform: true,
    granular: None,
};

/// checkov: a Session document whose `inputs` name no `kmsKeyId`. Terraform only
/// (checkov/terraform/checks/resource/aws/SSMSessionManagerDocumentEncryption.py).
pub const CKV_SESSION_ENCRYPTION: Rule = Rule {
    id: "CKV_AWS_112",
    scanner: Scanner::Checkov,
    title: "Ensure Session Manager data is encrypted in transit",
    cloudformation: false,
    terraform: true,
    granular: None,
};

/// checkov: a Session document with neither S3 logging with `s3EncryptionEnabled` nor
/// CloudWatch logging with `cloudWatchEncryptionEnabled`. Terraform only
/// (checkov/terraform/checks/resource/aws/SSMSessionManagerDocumentLogging.py).
pub const CKV_SESSION_LOGGING: Rule = Rule {
    id: "CKV_AWS_113",
    scanner: Scanner::Checkov,
    title: "Ensure Session Manager logs are enabled and encrypted",
    cloudformation: false,
    terraform: true,
    granular: None,
};

/// cdk-nag AwsSolutions-IAM5: a wildcard in an allowed action or resource, one finding
/// per value (cdk-nag src/rules/iam/IAMNoWildcardPermissions.ts).
pub const NAG_WILDCARD: Rule = Rule {
    id: "AwsSolutions-IAM5",
    scanner: Scanner::CdkNag,
    title: "The IAM entity contains wildcard permissions",
    cloudformation: false,
    terraform: false,
    granular: Some(Granularity::Resource),
};

/// cdk-nag AwsSolutions-IAM4: an AWS managed policy attached to a role, one finding per
/// policy (cdk-nag src/rules/iam/IAMNoManagedPolicies.ts).
pub const NAG_MANAGED_POLICY: Rule = Rule {
    id: "AwsSolutions-IAM4",
    scanner: Scanner::CdkNag,
    title: "The IAM user, role, or group uses AWS managed policies",
    cloudformation: false,
    terraform: false,
    granular: Some(Granularity::Policy),
};

/// A checkov rule on a resource of the activation provider (CloudFormation; the
/// Terraform target has no provider), read from checkov 3.3.30's
/// checkov/cloudformation/checks/resource/aws/.
const fn checkov(id: &'static str, title: &'static str) -> Rule {
    Rule {
        id,
        scanner: Scanner::Checkov,
        title,
        cloudformation: true,
        terraform: false,
        granular: None,
    }
}

/// A checkov rule on resources both CloudFormation and Terraform write (`cloudformation`,
/// `terraform`: which of the two checkov implements it for).
const fn checkov_on(
    id: &'static str,
    title: &'static str,
    cloudformation: bool,
    terraform: bool,
) -> Rule {
    Rule {
        id,
        scanner: Scanner::Checkov,
        title,
        cloudformation,
        terraform,
        granular: None,
    }
}

/// A cdk-nag rule that names no value: one finding per resource.
const fn nag(id: &'static str, title: &'static str) -> Rule {
    Rule {
        id,
        scanner: Scanner::CdkNag,
        title,
        cloudformation: false,
        terraform: false,
        granular: None,
    }
}

pub const CKV_LOG_GROUP_KMS: Rule = checkov(
    "CKV_AWS_158",
    "Ensure that CloudWatch Log Group is encrypted by KMS",
);
pub const CKV_SECRET_KMS: Rule = checkov(
    "CKV_AWS_149",
    "Ensure that Secrets Manager secret is encrypted using KMS CMK",
);
pub const CKV_LAMBDA_CONCURRENCY: Rule = checkov(
    "CKV_AWS_115",
    "Ensure that AWS Lambda function is configured for function-level concurrent execution limit",
);
pub const CKV_LAMBDA_DLQ: Rule = checkov(
    "CKV_AWS_116",
    "Ensure that AWS Lambda function is configured for a Dead Letter Queue(DLQ)",
);
pub const CKV_LAMBDA_VPC: Rule = checkov(
    "CKV_AWS_117",
    "Ensure that AWS Lambda function is configured inside a VPC",
);

/// The cdk-nag rules on the activation provider's function, log group and secrets, by
/// pack (cdk-nag 3.0.2 src/packs: AwsSolutions, HIPAA.Security, NIST.800.53.R5,
/// PCI.DSS.321; every rule id is printed with its pack's prefix).
pub const NAG_SECRET_ROTATION: [Rule; 3] = [
    nag(
        "AwsSolutions-SMG4",
        "The secret does not have automatic rotation scheduled",
    ),
    nag(
        "HIPAA.Security-SecretsManagerRotationEnabled",
        "The secret does not have automatic rotation scheduled",
    ),
    nag(
        "NIST.800.53.R5-SecretsManagerRotationEnabled",
        "The secret does not have automatic rotation scheduled",
    ),
];
pub const NAG_SECRET_KMS: [Rule; 3] = [
    nag(
        "HIPAA.Security-SecretsManagerUsingKMSKey",
        "The secret is not encrypted with a KMS Customer managed key",
    ),
    nag(
        "NIST.800.53.R5-SecretsManagerUsingKMSKey",
        "The secret is not encrypted with a KMS Customer managed key",
    ),
    nag(
        "PCI.DSS.321-SecretsManagerUsingKMSKey",
        "The secret is not encrypted with a KMS Customer managed key",
    ),
];
pub const NAG_LOG_GROUP_KMS: [Rule; 3] = [
    nag(
        "HIPAA.Security-CloudWatchLogGroupEncrypted",
        "The CloudWatch Log Group is not encrypted with an AWS KMS key",
    ),
    nag(
        "NIST.800.53.R5-CloudWatchLogGroupEncrypted",
        "The CloudWatch Log Group is not encrypted with an AWS KMS key",
    ),
    nag(
        "PCI.DSS.321-CloudWatchLogGroupEncrypted",
        "The CloudWatch Log Group is not encrypted with an AWS KMS key",
    ),
];
/// checkov's IAM checks on the created key's policy, which Terraform writes as an
/// `aws_iam_policy_document` (checkov does not read a key policy inside CloudFormation's
/// `AWS::KMS::Key` as an IAM document): the account statement's `kms:*` on `*`.
pub const CKV_KEY_POLICY_PERMISSIONS: Rule = checkov_on(
    "CKV_AWS_109",
    "Ensure IAM policies does not allow permissions management / resource exposure without constraints",
    false,
    true,
);
pub const CKV_KEY_POLICY_WRITE: Rule = checkov_on(
    "CKV_AWS_111",
    "Ensure IAM policies does not allow write access without constraints",
    false,
    true,
);
pub const CKV_KEY_POLICY_STAR: Rule = checkov_on(
    "CKV_AWS_356",
    "Ensure no IAM policies documents allow \"*\" as a statement's resource for restrictable actions",
    false,
    true,
);

/// The created log bucket (checkov 3.3.30; cdk-nag's S3 rules).
pub const CKV_S3_ACCESS_LOGGING: Rule = checkov_on(
    "CKV_AWS_18",
    "Ensure the S3 bucket has access logging enabled",
    true,
    true,
);
pub const CKV_S3_EVENT_NOTIFICATIONS: Rule = checkov_on(
    "CKV2_AWS_62",
    "Ensure S3 buckets should have event notifications enabled",
    false,
    true,
);
pub const CKV_S3_REPLICATION: Rule = checkov_on(
    "CKV_AWS_144",
    "Ensure that S3 bucket has cross-region replication enabled",
    false,
    true,
);
pub const NAG_S3_ACCESS_LOGGING: [Rule; 4] = [
    nag(
        "AwsSolutions-S1",
        "The S3 Bucket has server access logs disabled",
    ),
    nag(
        "HIPAA.Security-S3BucketLoggingEnabled",
        "The S3 Bucket does not have server access logs enabled",
    ),
    nag(
        "NIST.800.53.R5-S3BucketLoggingEnabled",
        "The S3 Bucket does not have server access logs enabled",
    ),
    nag(
        "PCI.DSS.321-S3BucketLoggingEnabled",
        "The S3 Bucket does not have server access logs enabled",
    ),
];
pub const NAG_S3_REPLICATION: [Rule; 3] = [
    nag(
        "HIPAA.Security-S3BucketReplicationEnabled",
        "The S3 Bucket does not have replication enabled",
    ),
    nag(
        "NIST.800.53.R5-S3BucketReplicationEnabled",
        "The S3 Bucket does not have replication enabled",
    ),
    nag(
        "PCI.DSS.321-S3BucketReplicationEnabled",
        "The S3 Bucket does not have replication enabled",
    ),
];

pub const NAG_LAMBDA_CONCURRENCY: [Rule; 2] = [
    nag(
        "HIPAA.Security-LambdaConcurrency",
        "The Lambda function is not configured with function-level concurrent execution limits",
    ),
    nag(
        "NIST.800.53.R5-LambdaConcurrency",
        "The Lambda function is not configured with function-level concurrent execution limits",
    ),
];
pub const NAG_LAMBDA_DLQ: [Rule; 2] = [
    nag(
        "HIPAA.Security-LambdaDLQ",
        "The Lambda function is not configured with a dead-letter configuration",
    ),
    nag(
        "NIST.800.53.R5-LambdaDLQ",
        "The Lambda function is not configured with a dead-letter configuration",
    ),
];
pub const NAG_LAMBDA_VPC: [Rule; 3] = [
    nag(
        "HIPAA.Security-LambdaInsideVPC",
        "The Lambda function is not VPC enabled",
    ),
    nag(
        "NIST.800.53.R5-LambdaInsideVPC",
        "The Lambda function is not VPC enabled",
    ),
    nag(
        "PCI.DSS.321-LambdaInsideVPC",
        "The Lambda function is not VPC enabled",
    ),
];

/// Every rule the generated code may acknowledge.
pub const RULES: [Rule; 40] = [
    CKV_KEY_POLICY_PERMISSIONS,
    CKV_KEY_POLICY_WRITE,
    CKV_KEY_POLICY_STAR,
    CKV_S3_ACCESS_LOGGING,
    CKV_S3_EVENT_NOTIFICATIONS,
    CKV_S3_REPLICATION,
    NAG_S3_ACCESS_LOGGING[0],
    NAG_S3_ACCESS_LOGGING[1],
    NAG_S3_ACCESS_LOGGING[2],
    NAG_S3_ACCESS_LOGGING[3],
    NAG_S3_REPLICATION[0],
    NAG_S3_REPLICATION[1],
    NAG_S3_REPLICATION[2],
    CKV_WRITE_WITHOUT_CONSTRAINTS,
    CKV_RESOURCE_STAR,
    CKV_SESSION_ENCRYPTION,
    CKV_SESSION_LOGGING,
    NAG_WILDCARD,
    NAG_MANAGED_POLICY,
    CKV_LOG_GROUP_KMS,
    CKV_SECRET_KMS,
    CKV_LAMBDA_CONCURRENCY,
    CKV_LAMBDA_DLQ,
    CKV_LAMBDA_VPC,
    NAG_SECRET_ROTATION[0],
    NAG_SECRET_ROTATION[1],
    NAG_SECRET_ROTATION[2],
    NAG_SECRET_KMS[0],
    NAG_SECRET_KMS[1],
    NAG_SECRET_KMS[2],
    NAG_LOG_GROUP_KMS[0],
    NAG_LOG_GROUP_KMS[1],
    NAG_LOG_GROUP_KMS[2],
    NAG_LAMBDA_CONCURRENCY[0],
    NAG_LAMBDA_CONCURRENCY[1],
    NAG_LAMBDA_DLQ[0],
    NAG_LAMBDA_DLQ[1],
    NAG_LAMBDA_VPC[0],
    NAG_LAMBDA_VPC[1],
    NAG_LAMBDA_VPC[2],
];

/// The access level the Service Authorization Reference gives an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessLevel {
    List,
    Read,
    Write,
}

/// What the Service Authorization Reference says of an action ssmgen grants on `*`:
/// its access level, and whether it lists a resource type for it (resource-level
/// permissions), which is what the checkov rules above turn on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionFact {
    pub action: &'static str,
    pub level: AccessLevel,
    pub resource_level: bool,
}

const fn action(action: &'static str, level: AccessLevel, resource_level: bool) -> ActionFact {
    ActionFact {
        action,
        level,
        resource_level,
    }
}

/// Every action ssmgen grants on `*` (a test keeps this list complete). From the Service
/// Authorization Reference pages "Actions, resources, and condition keys for AWS Systems
/// Manager", "... Amazon Message Gateway Service" (ssmmessages), "... Amazon CloudWatch
/// Logs" and "... Amazon EC2".
pub const ACTIONS_ON_ANY: [ActionFact; 12] = [
    // Resource types instance and managed-instance; AWS documents it on `*` for node roles.
    action("ssm:UpdateInstanceInformation", AccessLevel::Write, true),
    action(
        "ssmmessages:CreateControlChannel",
        AccessLevel::Write,
        false,
    ),
    action("ssmmessages:CreateDataChannel", AccessLevel::Write, false),
    action("ssmmessages:OpenControlChannel", AccessLevel::Write, false),
    action("ssmmessages:OpenDataChannel", AccessLevel::Write, false),
    action("logs:DescribeLogGroups", AccessLevel::List, false),
    action("ec2:DescribeInstances", AccessLevel::List, false),
    action("ssm:DescribeInstanceProperties", AccessLevel::Read, false),
    action("ssm:DescribeSessions", AccessLevel::List, false),
    // Resource types instance, managed-instance and task; the operator samples grant it on `*`.
    action("ssm:GetConnectionStatus", AccessLevel::Read, true),
    // No resource types and, for CreateActivation, only the request-tag condition keys:
    // the activation function's calls.
    action("ssm:CreateActivation", AccessLevel::Write, false),
    action("ssm:DeleteActivation", AccessLevel::Write, false),
];

/// The Service Authorization Reference facts of an action granted on `*`, if listed.
pub fn action_on_any(name: &str) -> Option<&'static ActionFact> {
    ACTIONS_ON_ANY.iter().find(|a| a.action == name)
}

/// Where the action facts come from, for acknowledgement reasons.
pub const SERVICE_AUTHORIZATION_REFERENCE: &str = "Service Authorization Reference";
