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
//! aws-logs-loggroup.json (`LogGroupName`), aws-secretsmanager-secret.json (`Name`).

pub const ROLE: &str = "AWS::IAM::Role";
pub const INSTANCE_PROFILE: &str = "AWS::IAM::InstanceProfile";
pub const MANAGED_POLICY: &str = "AWS::IAM::ManagedPolicy";
pub const DOCUMENT: &str = "AWS::SSM::Document";
pub const SERVICE_SETTING: &str = "AWS::SSM::ServiceSetting";
pub const FUNCTION: &str = "AWS::Lambda::Function";
pub const LOG_GROUP: &str = "AWS::Logs::LogGroup";
pub const SECRET: &str = "AWS::SecretsManager::Secret";

/// Each kind with its create-only properties and its Terraform resource type, if the
/// Terraform target writes one.
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
    (FUNCTION, &["FunctionName"], None),
    (LOG_GROUP, &["LogGroupName"], None),
    (SECRET, &["Name"], None),
];

/// The create-only properties of a kind.
pub fn properties(kind: &str) -> Option<&'static [&'static str]> {
    KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, p, _)| *p)
}

/// The Terraform resource type of a kind: `None` for a kind that is not known, `Some(None)`
/// for one the Terraform target does not write.
pub fn terraform_resource(kind: &str) -> Option<Option<&'static str>> {
    KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, _, t)| *t)
}
