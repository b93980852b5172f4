//! The create-only properties of the named resources ssmgen writes: a change to one
//! replaces the resource. From the CloudFormation resource schemas
//! (`createOnlyProperties`, as cfn-lint bundles them: aws-iam-role.json,
//! aws-iam-instanceprofile.json, aws-iam-managedpolicy.json) and, for Terraform, the
//! AWS provider's ForceNew arguments of the same resources (`name`, `path` and, for
//! `aws_iam_policy`, `description`). Session documents: aws-ssm-document.json
//! (`Name`, `DocumentType`; Terraform `aws_ssm_document.name` is ForceNew). Service
//! settings: aws-ssm-servicesetting.json (`SettingId`; Terraform's `setting_id`).

pub const ROLE: &str = "AWS::IAM::Role";
pub const INSTANCE_PROFILE: &str = "AWS::IAM::InstanceProfile";
pub const MANAGED_POLICY: &str = "AWS::IAM::ManagedPolicy";
pub const DOCUMENT: &str = "AWS::SSM::Document";
pub const SERVICE_SETTING: &str = "AWS::SSM::ServiceSetting";

/// Each kind with its create-only properties and its Terraform resource type.
const KINDS: &[(&str, &[&str], &str)] = &[
    (ROLE, &["RoleName", "Path"], "aws_iam_role"),
    (
        INSTANCE_PROFILE,
        &["InstanceProfileName", "Path"],
        "aws_iam_instance_profile",
    ),
    (
        MANAGED_POLICY,
        &["ManagedPolicyName", "Path", "Description"],
        "aws_iam_policy",
    ),
    (DOCUMENT, &["Name", "DocumentType"], "aws_ssm_document"),
    (SERVICE_SETTING, &["SettingId"], "aws_ssm_service_setting"),
];

/// The create-only properties of a kind.
pub fn properties(kind: &str) -> Option<&'static [&'static str]> {
    KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, p, _)| *p)
}

/// The Terraform resource type of a kind.
pub fn terraform_resource(kind: &str) -> Option<&'static str> {
    KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, _, t)| *t)
}
