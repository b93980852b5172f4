//! The documented Session Manager facts, and nothing else.
//!
//! Every action name, AWS managed policy and service principal that ssmgen grants is
//! written here once, next to the documentation page it comes from
//! (`shared/reference/session-manager-permissions.md` restates them). The plan builder
//! cites a [`Fact`] for every statement so that `ssmgen explain` can say why.

pub mod buckets;
pub mod create_only;
pub mod scanners;

use serde::Serialize;

pub use buckets::{vpc_endpoint_buckets, VpcFeature};

/// A documented reason for granting something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Fact {
    /// Stable identifier, used in `explain` output and tests.
    pub id: &'static str,
    /// What the fact says, in one sentence.
    pub summary: &'static str,
    /// The AWS Systems Manager User Guide page it comes from.
    pub source: &'static str,
}

const CUSTOM_ROLE: &str =
    "AWS Systems Manager User Guide: Create a custom IAM role for Session Manager";
const EXISTING_ROLE: &str =
    "AWS Systems Manager User Guide: Adding Session Manager permissions to an existing IAM role";
const INSTANCE_PERMS: &str =
    "AWS Systems Manager User Guide: Configure instance permissions for Systems Manager";
const HYBRID_ROLE: &str =
    "AWS Systems Manager User Guide: Create an IAM service role for a hybrid environment";
const KMS_PAGE: &str = "AWS Systems Manager User Guide: Turn on KMS key encryption of session data";
const S3_CONDITION_KEYS: &str =
    "Amazon S3 User Guide: Amazon S3 condition key examples (s3:ResourceAccount)";
const S3_MULTIPART_KMS: &str =
    "Amazon S3 User Guide: Multipart upload API and permissions (kms:Decrypt and kms:GenerateDataKey*); SSM Agent agent/s3util/s3util.go (s3manager uploader, 5 MiB parts)";
const VPC_PAGE: &str =
    "AWS Systems Manager User Guide: Create VPC endpoints (AWS managed S3 buckets)";

pub const MANAGED_CORE: Fact = Fact {
    id: "managed-core",
    summary: "AmazonSSMManagedInstanceCore grants all Systems Manager core functionality, Session Manager included",
    source: INSTANCE_PERMS,
};
pub const SESSION_CORE: Fact = Fact {
    id: "session-core",
    summary: "the SSM Agent registers the node and opens Session Manager control and data channels; the ssmmessages actions have no resource-level permissions, and ssm:UpdateInstanceInformation is granted on * as documented",
    source: CUSTOM_ROLE,
};
pub const EXISTING_ROLE_CORE: Fact = Fact {
    id: "existing-role-core",
    summary: "a role that already grants its own ssm permissions needs only the four ssmmessages channel actions",
    source: EXISTING_ROLE,
};
pub const SESSION_KMS: Fact = Fact {
    id: "session-kms",
    summary: "session data encrypted with a KMS key needs kms:Decrypt on that key",
    source: KMS_PAGE,
};
pub const SESSION_KEY_REGION: Fact = Fact {
    id: "session-key-region",
    summary: "the SSM Agent decrypts session data through the KMS endpoint of its own Region, so nodes use a session key of their Region",
    source: "SSM Agent agent/session/crypto/kmsservice.go (the KMS client of the node's Region); AWS KMS Developer Guide: Multi-Region keys (one ARN per Region)",
};
pub const S3_ENCRYPTION_CHECK: Fact = Fact {
    id: "s3-encryption-check",
    summary: "the agent checks the log bucket's encryption before it uploads session logs",
    source: CUSTOM_ROLE,
};
pub const S3_LOG_PUT: Fact = Fact {
    id: "s3-log-put",
    summary: "session logs are written as objects under the configured bucket and key prefix",
    source: CUSTOM_ROLE,
};
pub const S3_CROSS_ACCOUNT_ACL: Fact = Fact {
    id: "s3-cross-account-acl",
    summary: "a log bucket owned by another account also needs s3:PutObjectAcl (and the owner's bucket policy); the agent only ever sets the bucket-owner-full-control ACL (agent/s3util/s3util.go S3Upload), so no other ACL is allowed",
    source: CUSTOM_ROLE,
};
pub const S3_RESOURCE_ACCOUNT: Fact = Fact {
    id: "s3-resource-account",
    summary: "the log bucket's statements hold only for the bucket of the owning account, so logs cannot land in a same-named bucket of someone else",
    source: S3_CONDITION_KEYS,
};
pub const S3_SSE_KMS: Fact = Fact {
    id: "s3-sse-kms",
    summary: "uploading to an SSE-KMS bucket needs kms:GenerateDataKey on the bucket key, and kms:Decrypt for logs above the 5 MiB multipart threshold (S3 reads the encrypted parts to complete the upload)",
    source: S3_MULTIPART_KMS,
};
pub const CLOUDWATCH_LOGS: Fact = Fact {
    id: "cloudwatch-logs",
    summary: "streaming session logs to CloudWatch Logs creates a stream and puts events in the log group, and describes groups and streams",
    source: CUSTOM_ROLE,
};
pub const VPC_ENDPOINT_BUCKETS: Fact = Fact {
    id: "vpc-endpoint-buckets",
    summary: "nodes that reach S3 through a VPC endpoint must be allowed to read the Region's AWS-owned SSM buckets they use: amazon-ssm-<region> for agent updates, and the buckets of the features the spec lists",
    source: VPC_PAGE,
};
pub const EC2_TRUST: Fact = Fact {
    id: "ec2-trust",
    summary: "an EC2 instance gets its credentials from a role that ec2 assumes through an instance profile",
    source: INSTANCE_PERMS,
};
pub const HYBRID_TRUST: Fact = Fact {
    id: "hybrid-trust",
    summary: "a hybrid node's credentials come from the activation's service role, assumed by ssm with confused-deputy conditions",
    source: HYBRID_ROLE,
};
pub const EXTRA_MANAGED: Fact = Fact {
    id: "extra-managed-policy",
    summary: "an AWS managed policy the spec asks for (for example CloudWatchAgentServerPolicy)",
    source: INSTANCE_PERMS,
};

pub const SESSION_PREFERENCES: Fact = Fact {
    id: "session-preferences",
    summary: "a Session document of type Standard_Stream holds the preferences (S3 and CloudWatch logging, their encryption, the KMS key, timeouts, Run As, shell profile) of the sessions started with it",
    source: "AWS Systems Manager User Guide: Session document schema; Create a Session Manager preferences document (AWS CLI)",
};
pub const HYBRID_ADVANCED_TIER: Fact = Fact {
    id: "hybrid-advanced-tier",
    summary: "Session Manager connects to hybrid-activated nodes only in the advanced-instances tier, an account-and-Region setting charged per node and hour",
    source: "AWS Systems Manager User Guide: Configuring instance tiers (Scenario 3); Turning on the advanced-instances tier",
};

const DHMC_PAGE: &str =
    "AWS Systems Manager User Guide: Using the Default Host Management Configuration setting";
pub const DHMC_POLICY: Fact = Fact {
    id: "dhmc-policy",
    summary: "the Default Host Management role carries AmazonSSMManagedEC2InstanceDefaultPolicy (registration, ssmmessages and ec2messages); session logging and encryption are added as a customer policy on the same role",
    source: DHMC_PAGE,
};
pub const DHMC_TRUST: Fact = Fact {
    id: "dhmc-trust",
    summary: "Systems Manager (ssm.amazonaws.com) assumes the Default Host Management role for the account's own EC2 instances; the documented trust policy has no condition, and the setting names the role within its own account",
    source: DHMC_PAGE,
};
pub const DHMC_SETTING: Fact = Fact {
    id: "dhmc-setting",
    summary: "/ssm/managed-instance/default-ec2-instance-management-role names the role (path without the leading slash, then the name) Systems Manager uses for EC2 instances without an instance profile, in one account and Region",
    source: DHMC_PAGE,
};

const OPERATOR_SAMPLES: &str =
    "AWS Systems Manager User Guide: Sample IAM policies for Session Manager";
pub const OPERATOR_START_SESSION: Fact = Fact {
    id: "operator-start-session",
    summary: "operators start sessions (ssm:StartSession) on the nodes that carry their fleets' selector tag, matched with the ssm:resourceTag/<key> condition key",
    source: OPERATOR_SAMPLES,
};
pub const OPERATOR_DOCUMENTS: Fact = Fact {
    id: "operator-documents",
    summary: "StartSession is also authorized on the session document it names; ssm:SessionDocumentAccessCheck (BoolIfExists true), in every statement that allows StartSession, makes the check apply when a caller names the default document too",
    source: "AWS Systems Manager User Guide: Start a session with a document by specifying the session documents in IAM policies",
};
pub const OPERATOR_DATA_CHANNEL: Fact = Fact {
    id: "operator-data-channel",
    summary: "the current sample policies also allow the operator ssmmessages:OpenDataChannel on their own sessions",
    source: OPERATOR_SAMPLES,
};
pub const OPERATOR_OWN_SESSIONS: Fact = Fact {
    id: "operator-own-sessions",
    summary: "operators end and resume only their own sessions, whose ids start with their user name (IAM users, ${aws:username}) or their user id (federated and assumed-role callers, ${aws:userid})",
    source: "AWS Systems Manager User Guide: Additional sample IAM policies for Session Manager (Example 4)",
};
pub const OPERATOR_DESCRIBE: Fact = Fact {
    id: "operator-describe",
    summary: "listing sessions and nodes (ssm:DescribeSessions, ssm:GetConnectionStatus, ssm:DescribeInstanceProperties, ec2:DescribeInstances) is granted on * as the samples grant it; only ssm:GetConnectionStatus has resource-level permissions",
    source: OPERATOR_SAMPLES,
};
pub const OPERATOR_KMS: Fact = Fact {
    id: "operator-kms",
    summary: "the client that starts a KMS-encrypted session creates the data key (kms:GenerateDataKey on the session key); the node decrypts it",
    source: OPERATOR_SAMPLES,
};
pub const PASS_ROLE_EC2: Fact = Fact {
    id: "pass-role-ec2",
    summary: "launching an instance with a fleet's instance profile passes its role to ec2 (iam:PassRole with iam:PassedToService ec2.amazonaws.com)",
    source: "IAM User Guide: Using an IAM role to grant permissions to applications running on Amazon EC2 instances",
};
pub const PASS_ROLE_SSM: Fact = Fact {
    id: "pass-role-ssm",
    summary: "creating a hybrid activation, or setting the Default Host Management role, passes the role to ssm (iam:PassRole with iam:PassedToService ssm.amazonaws.com)",
    source: "AWS Systems Manager User Guide: Using the Default Host Management Configuration setting; Identity-based policy examples (iam:PassedToService ssm.amazonaws.com)",
};

/// The AWS managed policy of the Default Host Management role.
pub const DHMC_DEFAULT_POLICY: &str = "AmazonSSMManagedEC2InstanceDefaultPolicy";

/// The AWS managed policy that holds all of Systems Manager's node permissions.
pub const MANAGED_INSTANCE_CORE_POLICY: &str = "AmazonSSMManagedInstanceCore";

/// AWS managed policies that grant, on `*`, actions ssmgen narrows to the resources a
/// spec names: attaching one widens those grants again (AWS Managed Policy Reference,
/// CloudWatchAgentServerPolicy: logs actions on `*`).
pub const BROADENING_MANAGED_POLICIES: &[(&str, &[&str])] = &[(
    "CloudWatchAgentServerPolicy",
    &[
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:DescribeLogGroups",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
        "logs:PutRetentionPolicy",
    ],
)];

/// AWS managed policies a fleet commonly adds; others are accepted with a warning.
pub const KNOWN_EXTRA_MANAGED_POLICIES: &[&str] = &[
    "AmazonSSMDirectoryServiceAccess",
    "AmazonSSMPatchAssociation",
    "CloudWatchAgentServerPolicy",
];

pub const UPDATE_INSTANCE_INFORMATION: &str = "ssm:UpdateInstanceInformation";

/// The four Session Manager channel actions.
pub const SSMMESSAGES_ACTIONS: [&str; 4] = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];

pub const KMS_DECRYPT: &str = "kms:Decrypt";
pub const KMS_GENERATE_DATA_KEY: &str = "kms:GenerateDataKey";
pub const S3_GET_ENCRYPTION_CONFIGURATION: &str = "s3:GetEncryptionConfiguration";
pub const S3_PUT_OBJECT: &str = "s3:PutObject";
pub const S3_PUT_OBJECT_ACL: &str = "s3:PutObjectAcl";
pub const S3_GET_OBJECT: &str = "s3:GetObject";
/// The canned ACL the SSM Agent sets on every session log it uploads.
pub const S3_ACL_KEY: &str = "s3:x-amz-acl";
pub const BUCKET_OWNER_FULL_CONTROL: &str = "bucket-owner-full-control";
/// The account that owns the bucket a request acts on.
pub const S3_RESOURCE_ACCOUNT_KEY: &str = "s3:ResourceAccount";
pub const STRING_EQUALS: &str = "StringEquals";
/// Log-group scoped CloudWatch Logs actions.
pub const LOGS_WRITE_ACTIONS: [&str; 2] = ["logs:CreateLogStream", "logs:PutLogEvents"];
/// CloudWatch Logs actions that the agent calls without a log-group resource
/// (`DescribeLogGroups` lists across the account; `DescribeLogStreams` is kept beside it as
/// the documented policy does).
pub const LOGS_DESCRIBE_ACTIONS: [&str; 2] = ["logs:DescribeLogGroups", "logs:DescribeLogStreams"];

/// The IAM policy language version every generated policy document declares.
pub const POLICY_VERSION: &str = "2012-10-17";

/// The trust policy action of every role ssmgen creates.
pub const ASSUME_ROLE: &str = "sts:AssumeRole";

/// Condition keys of the hybrid service role's confused-deputy protection.
pub const SOURCE_ACCOUNT_KEY: &str = "aws:SourceAccount";
pub const SOURCE_ARN_KEY: &str = "aws:SourceArn";

/// CreateActivation's `IamRole` (path without the leading `/`, then the name) is at most
/// 64 characters (botocore `ssm/2014-11-06/service-2.json`, shape `IamRole`, max 64).
pub const ACTIVATION_IAM_ROLE_MAX: usize = 64;

/// Registration limits the CreateActivation API accepts.
pub const ACTIVATION_REGISTRATION_LIMIT_MAX: u32 = 1000;
/// An activation expires at most 30 days after it is created.
pub const ACTIVATION_MAX_HOURS: u32 = 30 * 24;
/// Without an explicit expiry an activation lasts 24 hours.
pub const ACTIVATION_DEFAULT_HOURS: u32 = 24;

const CUSTOM_RESOURCES: &str =
    "AWS CloudFormation User Guide: Create custom provisioning logic with custom resources (Lambda-backed custom resources)";
const LAMBDA_EXECUTION_ROLE: &str =
    "AWS Lambda Developer Guide: Defining Lambda function permissions with an execution role";

/// CloudFormation has no activation resource type (the AWS resource and property types
/// reference lists none for Systems Manager activations); a custom resource fills in.
pub const ACTIVATION_PROVIDER: Fact = Fact {
    id: "activation-provider",
    summary: "CloudFormation has no hybrid activation resource type, so a Lambda-backed custom resource (Custom::SsmActivation) creates each activation, replaces it when its properties change, deletes it with the stack, and keeps its id and code in a Secrets Manager secret",
    source: CUSTOM_RESOURCES,
};
pub const ACTIVATION_PROVIDER_SSM: Fact = Fact {
    id: "activation-provider-ssm",
    summary: "the activation function calls CreateActivation and DeleteActivation, which have no resource-level permissions (Service Authorization Reference, AWS Systems Manager)",
    source: "AWS Systems Manager User Guide: Create a hybrid activation to register nodes with Systems Manager; Service Authorization Reference: Actions defined by AWS Systems Manager",
};
pub const ACTIVATION_PROVIDER_SECRETS: Fact = Fact {
    id: "activation-provider-secrets",
    summary: "the activation function writes each activation's id and code into that activation's secret (secretsmanager:PutSecretValue on the secret, whose ARN ends in six random characters)",
    source: "AWS Secrets Manager User Guide: Permissions policy examples (secret ARNs end in a hyphen and six random characters)",
};
pub const ACTIVATION_PROVIDER_LOGS: Fact = Fact {
    id: "activation-provider-logs",
    summary: "a Lambda function writes its logs to its own log group, /aws/lambda/<function name> (logs:CreateLogStream and logs:PutLogEvents); the stack creates the group so that it has a retention and goes with the stack",
    source: LAMBDA_EXECUTION_ROLE,
};
pub const ACTIVATION_PROVIDER_TRUST: Fact = Fact {
    id: "activation-provider-trust",
    summary: "a Lambda function's execution role trusts lambda.amazonaws.com",
    source: LAMBDA_EXECUTION_ROLE,
};

/// The custom resource type of an activation (any `Custom::` name is accepted; this one
/// says what it is).
pub const ACTIVATION_RESOURCE_TYPE: &str = "Custom::SsmActivation";
/// The activation function's runtime and entry point (`index.py`: CloudFormation writes
/// inline code to a file named index).
/// The newest Python runtime aws-cdk-lib 2.275.0 knows (`Runtime.PYTHON_3_14`):
/// cdk-nag AwsSolutions-L1 asks for the newest, and cfn-lint 1.58.0 accepts it.
pub const ACTIVATION_RUNTIME: &str = "python3.14";
pub const ACTIVATION_HANDLER: &str = "index.handler";
/// The handler's source, written inline by CloudFormation (`Code.ZipFile`) and the CDK
/// (`lambda.Code.fromInline`); its Stubber tests are tests/conformance/test_activation_handler.py.
pub const ACTIVATION_HANDLER_SOURCE: &str = include_str!("../../templates/activation/handler.py");
/// Seconds the function may run: the handler answers FAILED five seconds before.
pub const ACTIVATION_TIMEOUT_SECONDS: u32 = 120;
pub const ACTIVATION_MEMORY_MB: u32 = 128;
/// How long CloudFormation waits for the custom resource's answer (`ServiceTimeout`;
/// an hour when unset), a little more than the function may take.
pub const ACTIVATION_SERVICE_TIMEOUT_SECONDS: u32 = 300;
/// Retention of the function's log group: a year (checkov CKV_AWS_66 and the cdk-nag
/// packs ask for a retention; CKV_AWS_338, Terraform only, for at least a year).
pub const ACTIVATION_LOG_RETENTION_DAYS: u32 = 365;

/// The retention values CloudWatch Logs accepts, in days (PutRetentionPolicy,
/// `retentionInDays`).
pub const LOG_RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];
/// CloudFormation invokes a custom resource's function asynchronously, and Lambda retries
/// a failed asynchronous invocation twice by default: a retry could create a second
/// activation nothing deletes, so the function's invoke configuration turns retries off
/// (AWS Lambda Developer Guide: Using Lambda with CloudFormation; AWS::Lambda::EventInvokeConfig).
pub const ACTIVATION_MAX_RETRY_ATTEMPTS: u32 = 0;
/// How long Lambda keeps an event it could not yet run: CloudFormation waits no longer
/// (the custom resource's ServiceTimeout).
pub const ACTIVATION_MAX_EVENT_AGE_SECONDS: u32 = 300;
/// The activation renewal input's first value: any change re-issues the activations.
pub const ACTIVATION_RENEWAL_DEFAULT: &str = "1";
pub const CREATE_ACTIVATION: &str = "ssm:CreateActivation";
pub const DELETE_ACTIVATION: &str = "ssm:DeleteActivation";
pub const PUT_SECRET_VALUE: &str = "secretsmanager:PutSecretValue";

// The session resources the generated code creates (`create` in the spec).

const KMS_KEY_POLICY_PAGE: &str =
    "AWS KMS Developer Guide: Default key policy (allows the AWS account and enables IAM policies)";
const LOGS_KMS_PAGE: &str = "Amazon CloudWatch Logs User Guide: Encrypt log data in CloudWatch Logs using AWS Key Management Service (step 2: the key policy for logs.<region>.amazonaws.com with the kms:EncryptionContext:aws:logs:arn condition)";
const S3_TLS_PAGE: &str = "Amazon S3 User Guide: Security best practices (enforce encryption of data in transit, aws:SecureTransport)";

pub const CREATED_KEY_ACCOUNT: Fact = Fact {
    id: "created-key-account",
    summary: "a key policy that allows the account kms:* lets the account administer the key and lets IAM policies grant its use: how the fleet and operator policies (kms:Decrypt, kms:GenerateDataKey) and roles outside the stack reach it",
    source: KMS_KEY_POLICY_PAGE,
};
pub const CREATED_KEY_FLEET_ROLES: Fact = Fact {
    id: "created-key-fleet-roles",
    summary: "the roles the code creates for fleets that use the key get, in the key policy too, exactly the kms actions their session policies use on it (kms:Decrypt for session data; kms:GenerateDataKey and kms:Decrypt for a bucket it encrypts)",
    source: KMS_PAGE,
};
pub const CREATED_KEY_LOGS: Fact = Fact {
    id: "created-key-logs",
    summary: "CloudWatch Logs encrypts a log group with a customer managed key only when the key policy allows the Regional logs service principal, scoped to that log group by the kms:EncryptionContext:aws:logs:arn condition",
    source: LOGS_KMS_PAGE,
};
pub const CREATED_BUCKET_TLS: Fact = Fact {
    id: "created-bucket-tls",
    summary: "a bucket policy that denies every request without aws:SecureTransport keeps session logs off plain HTTP (the SSM Agent uploads over HTTPS)",
    source: S3_TLS_PAGE,
};

/// The CloudWatch Logs actions on a customer managed key, as the CloudWatch Logs User
/// Guide's key policy lists them.
pub const LOGS_KEY_ACTIONS: [&str; 5] = [
    "kms:Decrypt*",
    "kms:Describe*",
    "kms:Encrypt*",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
];
pub const KMS_ALL: &str = "kms:*";
pub const S3_ALL: &str = "s3:*";
pub const LOGS_ENCRYPTION_CONTEXT_KEY: &str = "kms:EncryptionContext:aws:logs:arn";
pub const SECURE_TRANSPORT_KEY: &str = "aws:SecureTransport";
pub const ARN_EQUALS: &str = "ArnEquals";
pub const BOOL: &str = "Bool";

/// Days a noncurrent version of a session log stays in a created (versioned) bucket:
/// a month to notice and undo an overwrite or a deletion.
pub const NONCURRENT_LOG_DAYS: u32 = 30;
/// Days before S3 removes the parts of an upload that never completed (the agent
/// uploads large logs in parts; an interrupted upload leaves them behind, billed).
pub const ABORT_MULTIPART_DAYS: u32 = 7;

pub const CREATED_BUCKET_WRITERS: Fact = Fact {
    id: "created-bucket-writers",
    summary: "the SSM Agent of a node in another account checks the bucket's encryption and uploads its session logs with the bucket-owner-full-control ACL: the bucket policy must allow that account s3:GetEncryptionConfiguration, s3:PutObject and s3:PutObjectAcl, here under the account's own id as key prefix",
    source: "AWS Systems Manager User Guide: Step 2: Verify or create an IAM role with Session Manager permissions (s3:PutObjectAcl for a bucket of another account); Amazon S3 User Guide: Bucket owner granting cross-account bucket permissions",
};
pub const CREATED_KEY_WRITERS: Fact = Fact {
    id: "created-key-writers",
    summary: "S3 encrypts another account's uploads with the bucket's KMS key on that account's behalf: the key policy must allow it kms:GenerateDataKey and kms:Decrypt (multipart uploads), only through S3 (kms:ViaService)",
    source: "AWS KMS Developer Guide: Allowing users in other accounts to use a KMS key; kms:ViaService",
};
pub const KMS_VIA_SERVICE_KEY: &str = "kms:ViaService";
