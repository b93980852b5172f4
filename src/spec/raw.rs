//! The spec file's format, version 1, exactly as users write it.
//!
//! These types only describe shape; [`super::validate`] checks meaning and produces the
//! validated [`super::Spec`].

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSpec {
    /// The spec format version; 1 is the only one so far.
    pub version: u32,
    /// Project name: 1-28 lowercase letters, digits and single hyphens. Every role,
    /// profile and policy name derives from it.
    pub project: String,
    /// Tags on every role and activation (IAM tag rules; keys are case-insensitive on roles).
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub tags: BTreeMap<String, String>,
    /// ARN of the permissions boundary set on every role ssmgen creates.
    pub permissions_boundary: Option<String>,
    /// IAM path of the roles, instance profiles and policies (default `/`), e.g. `/ssm/`.
    pub role_path: Option<String>,
    /// Deployment values to write literally; unpinned ones use each tool's pseudo values.
    pub pin: Option<RawPin>,
    /// Session options, the defaults of every fleet.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<RawSession>")]
    pub session: RawSession,
    /// The fleets, at least one: EC2 instances or hybrid (on-premises) nodes.
    pub fleets: Vec<RawFleet>,
    /// The Session Manager preferences document(s) written from the session options.
    pub session_document: Option<RawSessionDocument>,
    /// Who may start sessions on which fleets: one customer managed policy each.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<Vec<RawOperator>>")]
    pub operators: Vec<RawOperator>,
    /// Turn on the advanced-instances tier that Session Manager needs on hybrid nodes
    /// (default true when a fleet is hybrid; account-and-Region wide, charged per node-hour).
    pub hybrid_advanced_tier: Option<bool>,
    /// How CloudFormation and CDK stacks create hybrid activations: `custom-resource`
    /// (default: a Lambda-backed custom resource in the stack keeps each activation's id
    /// and code in a Secrets Manager secret) or `script` (create-activations.sh, run after
    /// deploying, for accounts that forbid custom resources). Terraform always uses
    /// `aws_ssm_activation`.
    pub activation_method: Option<RawActivationMethod>,
}

/// See [`RawSpec::activation_method`].
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawActivationMethod {
    CustomResource,
    Script,
}

/// People (or roles) who start sessions on some fleets.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOperator {
    /// 1-28 lowercase letters, digits and single hyphens, unique; the policy is
    /// `<project>-<name>-operator`.
    pub name: String,
    /// The fleets they may open sessions on, by name.
    pub fleets: Vec<String>,
    /// `iam-user` (default: sessions named after `aws:username`) or `federated`
    /// (assumed roles and SSO users: `aws:userid`), for ending their own sessions.
    pub identity: Option<RawIdentity>,
    /// Also port forwarding (AWS-StartPortForwardingSession, ...ToRemoteHost).
    pub port_forwarding: Option<bool>,
    /// Also SSH over Session Manager (AWS-StartSSHSession).
    pub ssh: Option<bool>,
    /// Also iam:PassRole on the fleets' roles: to ec2 (launching instances with the
    /// instance profile) and to ssm (creating activations, Default Host Management).
    pub pass_roles: Option<bool>,
    /// Existing IAM roles, groups and users to attach the policy to (default: none).
    pub attach: Option<RawAttach>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawIdentity {
    IamUser,
    Federated,
}

/// Existing principals, by name.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAttach {
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<Vec<String>>")]
    pub roles: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<Vec<String>>")]
    pub groups: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<Vec<String>>")]
    pub users: Vec<String>,
}

/// The tag that marks a fleet's nodes for operator policies.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSelectorTag {
    pub key: String,
    pub value: String,
}

/// The preferences document: a `Session` document operators name in StartSession.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSessionDocument {
    /// Write the document(s) (default true); false leaves preferences to the account.
    pub create: Option<bool>,
    /// Document name when every fleet shares one set of preferences
    /// (default `<project>-session-preferences`).
    pub name: Option<String>,
    /// Manage the account's default preferences document, `SSM-SessionManagerRunShell`
    /// (used when StartSession names no document), instead of a document of its own
    /// (default false; every fleet must share one set of preferences).
    pub account_default: Option<bool>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPin {
    /// The 12-digit account the code is deployed to.
    #[serde(default, deserialize_with = "string_or_number")]
    #[schemars(schema_with = "account_id")]
    pub account: Option<String>,
    /// The Region the code is deployed to; the partition follows from it.
    pub region: Option<String>,
    /// `aws`, `aws-cn` or `aws-us-gov` (checked against `region`).
    pub partition: Option<String>,
}

/// Session options. In a fleet's `session`, a field that is present replaces the
/// top-level one, and `null` turns it off for that fleet.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSession {
    /// Key ARN or key id that encrypts session data (aliases cannot scope kms:Decrypt),
    /// or `create` for a key the generated code creates; `null` turns it off.
    #[serde(default, deserialize_with = "present")]
    pub kms_key: Option<Option<String>>,
    /// Session logs to an S3 bucket; `null` turns them off.
    #[serde(default, deserialize_with = "present")]
    pub s3: Option<Option<RawS3>>,
    /// Session logs to a CloudWatch Logs group; `null` turns them off.
    #[serde(default, deserialize_with = "present")]
    pub cloudwatch: Option<Option<RawCloudWatch>>,
    /// Regions whose AWS-owned SSM buckets nodes read through an S3 VPC endpoint (agent updates).
    #[serde(default, deserialize_with = "present")]
    pub vpc_endpoint_regions: Option<Option<Vec<String>>>,
    /// What else nodes read those buckets for: patching, distributor, windows-documents.
    #[serde(default, deserialize_with = "present")]
    pub vpc_endpoint_features: Option<Option<Vec<RawVpcFeature>>>,
    /// Minutes of inactivity before a session ends, 1-60 (Session Manager's default 20).
    #[serde(default, deserialize_with = "present")]
    pub idle_timeout_minutes: Option<Option<u32>>,
    /// Longest a session may last, in minutes, 1-1440 (default: no limit).
    #[serde(default, deserialize_with = "present")]
    pub max_duration_minutes: Option<Option<u32>>,
    /// Start Linux and macOS sessions as this OS user instead of ssm-user.
    #[serde(default, deserialize_with = "present")]
    pub run_as: Option<Option<String>>,
    /// Commands run at the start of every session, per operating system.
    #[serde(default, deserialize_with = "present")]
    pub shell_profile: Option<Option<RawShellProfile>>,
}

/// Commands run when a session starts.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawShellProfile {
    /// Shell commands for Linux and macOS nodes.
    pub linux: Option<String>,
    /// PowerShell commands for Windows nodes.
    pub windows: Option<String>,
}

/// What nodes read AWS-owned buckets for, beyond sessions and agent updates.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawVpcFeature {
    Patching,
    Distributor,
    WindowsDocuments,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawS3 {
    /// Bucket name (not an ARN), or `create` for a log bucket the generated code creates.
    pub bucket: String,
    /// Key prefix of the session logs (`ssm` and `ssm/` are the same).
    pub prefix: Option<String>,
    /// The bucket has default encryption and sessions require it (default true).
    pub encrypted: Option<bool>,
    /// The bucket's SSE-KMS key (ARN or key id, or `create`). A created bucket uses the
    /// session key when this is absent.
    pub kms_key: Option<String>,
    /// Days a session log is kept in a created bucket (default 365).
    pub retention_days: Option<u32>,
    /// Other accounts whose fleets log to the created bucket, each under its own account
    /// id as the key prefix.
    #[serde(default, deserialize_with = "accounts")]
    #[schemars(schema_with = "account_ids")]
    pub writer_accounts: Option<Vec<String>>,
    /// The account that owns the bucket, when it is not the deploying one.
    #[serde(default, deserialize_with = "string_or_number")]
    #[schemars(schema_with = "account_id")]
    pub owner_account: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCloudWatch {
    /// Log group name (not an ARN), or `create` for a group the generated code creates
    /// (named `/ssm/<project>/sessions`).
    pub log_group: String,
    /// The log group is KMS-encrypted (sessions then require it).
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<bool>")]
    pub encrypted: bool,
    /// Stream session data as it happens (default true) instead of uploading it when
    /// the session ends.
    pub streaming: Option<bool>,
    /// Days a created log group keeps session logs (default 365; one of CloudWatch
    /// Logs' retention values).
    pub retention_days: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFleet {
    /// Fleet name: 1-28 lowercase letters, digits and single hyphens, unique.
    pub name: String,
    /// `ec2` or `hybrid` (on-premises servers registered by an activation).
    pub platform: RawPlatform,
    /// `managed-core` (default), `session-only`, `existing-role`, or
    /// `default-host-management` (EC2 instances without an instance profile, through the
    /// account's Default Host Management Configuration).
    pub mode: Option<RawMode>,
    /// The role to extend, only (and required) in `existing-role` mode.
    pub existing_role: Option<String>,
    /// Extra AWS managed policies by name, e.g. CloudWatchAgentServerPolicy.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<Vec<String>>")]
    pub managed_policies: Vec<String>,
    /// Tags merged over the spec's tags.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub tags: BTreeMap<String, String>,
    /// Overrides of the session options, field by field; `null` turns an option off.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<RawSession>")]
    pub session: RawSession,
    /// The hybrid activation (hybrid fleets only; a default one is made when absent).
    pub activation: Option<RawActivation>,
    /// The tag operator policies select the fleet's nodes by (default
    /// `ssmgen-fleet: <project>-<fleet>`); hybrid activations put it on their nodes.
    pub selector_tag: Option<RawSelectorTag>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawPlatform {
    Ec2,
    Hybrid,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawMode {
    ManagedCore,
    SessionOnly,
    ExistingRole,
    DefaultHostManagement,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawActivation {
    /// How many nodes may register, 1-1000 (default 1).
    pub registration_limit: Option<u32>,
    /// `24h`, `7d`: how long after creation the activation expires.
    pub expires_after: Option<String>,
    /// Name given to the nodes it registers.
    pub default_instance_name: Option<String>,
    /// Description of the activation.
    pub description: Option<String>,
    /// Tags of the activation, copied to every node it registers.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub tags: BTreeMap<String, String>,
}

/// Treats an explicit `null` (e.g. a key followed only by comments) like an absent field.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// An account id as written: quoted (a string) or not (a number, whose digits are kept).
#[derive(Deserialize)]
#[serde(untagged)]
enum AccountId {
    S(String),
    N(u64),
}

impl From<AccountId> for String {
    fn from(a: AccountId) -> String {
        match a {
            AccountId::S(s) => s,
            AccountId::N(n) => n.to_string(),
        }
    }
}

/// Account ids are often written unquoted; accept a number and keep its digits.
fn string_or_number<'de, D>(d: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<AccountId>::deserialize(d)?.map(String::from))
}

/// A list of account ids, each quoted or not (see [`string_or_number`]).
fn accounts<'de, D>(d: D) -> Result<Option<Vec<String>>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(
        Option::<Vec<AccountId>>::deserialize(d)?
            .map(|v| v.into_iter().map(String::from).collect()),
    )
}

fn account_ids(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": ["array", "null"],
        "items": {"type": ["string", "integer"]},
        "description": "12-digit AWS account ids (quote them to keep leading zeros)"
    })
}

/// An account id: 12 digits, quoted or not (see [`string_or_number`]).
fn account_id(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": ["string", "integer", "null"],
        "description": "12-digit AWS account id (quote it to keep leading zeros)"
    })
}
