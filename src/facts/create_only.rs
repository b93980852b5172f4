//! The create-only properties of the named resources ssmgen writes: a change to one
//! replaces the resource. From the CloudFormation resource schemas
//! (`createOnlyProperties`, as cfn-lint bundles them: aws-iam-role.json,
//! aws-iam-instanceprofile.json, aws-iam-managedpolicy.json) and, for Terraform, the
//! AWS provider's ForceNew arguments of the same resources (`name`, `path` and, for
//! `aws_iam_policy`, `description`). Session documents: aws-ssm-document.json
//! (`Name`, `DocumentType`; Terraform `aws_ssm_document.name` is ForceNew). Service
//! settings: aws-ssm-servicesetting.json (`SettingId`; Terraform's `setting_id`). The
//! activation provider's named resources, which only CloudFormation and the CDK create
//! (Terraform has `aws_ssm_activation` and needs none of them): aws-lambda-function.json
//! (`FunctionName`; `PackageType` and `TenancyConfig` too, which ssmgen never sets),
//! aws-logs-loggroup.json (`LogGroupName`), aws-secretsmanager-secret.json (`Name`). The
//! created session resources: aws-kms-alias.json (`AliasName`; Terraform's
//! `aws_kms_alias.name` is ForceNew) and the log group (`aws_cloudwatch_log_group.name`
//! is ForceNew); the key and bucket are unnamed.

pub const ROLE: &str = "AWS::IAM::Role";
pub const INSTANCE_PROFILE: &str = "AWS::IAM::InstanceProfile";
pub const MANAGED_POLICY: &str = "AWS::IAM::ManagedPolicy";
pub const DOCUMENT: &str = "AWS::SSM::Document";
pub const SERVICE_SETTING: &str = "AWS::SSM::ServiceSetting";
pub const FUNCTION: &str = "AWS::Lambda::Function";
pub const LOG_GROUP: &str = "AWS::Logs::LogGroup";
pub const SECRET: &str = "AWS::SecretsManager::Secret";
pub const KMS_ALIAS: &str = "AWS::KMS::Alias";

/// Each kind with its create-only properties and its Terraform resource type.
const KINDS: &[(&str, &[&str], Option<&str>)] = &[
    (ROLE, &["RoleName", "Path"], Some("aws_iam_role")),
    (
        INSTANCE_PROFILE,
        &["InstanceProfileName", "Path"],
        Some("aws_iam_instance_profile"),
    ),
    (
        MANAGED_POLICY,
        &["ManagedPolicyName", "Path", "Description"],
        Some("aws_iam_policy"),
    ),
    (
        DOCUMENT,
        &["Name", "DocumentType"],
        Some("aws_ssm_document"),
    ),
    (
        SERVICE_SETTING,
        &["SettingId"],
        Some("aws_ssm_service_setting"),
    ),
    (FUNCTION, &["FunctionName"], Some("aws_lambda_function")),
    (
        LOG_GROUP,
        &["LogGroupName"],
        Some("aws_cloudwatch_log_group"),
    ),
    (SECRET, &["Name"], Some("aws_secretsmanager_secret")),
    (KMS_ALIAS, &["AliasName"], Some("aws_kms_alias")),
];

/// The create-only properties of a kind.
pub fn properties(kind: &str) -> Option<&'static [&'static str]> {
    KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, p, _)| *p)
}

/// The Terraform resource type of a kind, if it is known.
pub fn terraform_resource(kind: &str) -> Option<&'static str> {
    KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .and_then(|(_, _, t)| *t)
}
