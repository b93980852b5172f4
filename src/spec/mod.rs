//! The user's spec: reading it ([`source`]), its format ([`raw`]), and checking it into a
//! validated [`Spec`] ([`validate`]). See `src/spec/README.md`.

pub mod raw;
pub mod regions;
pub mod schema;
pub mod source;
pub mod validate;

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Diagnostic, Error, Severity};
use crate::plan::{Bucket, KmsKey, Mode, Platform};
pub use regions::Partition;

/// The only spec format version so far.
pub const SPEC_VERSION: u32 = 1;

/// Largest spec file ssmgen reads, in bytes. Generous for 10,000 fleets.
pub const MAX_SPEC_BYTES: u64 = 16 * 1024 * 1024;

/// A spec that passed every check.
#[derive(Debug, Clone)]
pub struct Spec {
    pub project: String,
    pub tags: BTreeMap<String, String>,
    /// ARN of the permissions boundary for every role created.
    pub permissions_boundary: Option<String>,
    /// `/` or `/path/`.
    pub role_path: String,
    pub pin: Pin,
    pub fleets: Vec<Fleet>,
    pub session_document: SessionDocumentOption,
    pub operators: Vec<Operator>,
    /// Whether to set the hybrid advanced-instances tier (only meaningful with a hybrid fleet).
    pub hybrid_advanced_tier: bool,
    /// How CloudFormation and CDK stacks create hybrid activations.
    pub activation_method: ActivationMethod,
}

/// How CloudFormation and CDK stacks create hybrid activations (Terraform has a
/// resource type for them and ignores this).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ActivationMethod {
    /// A Lambda-backed custom resource in the stack.
    #[default]
    CustomResource,
    /// `create-activations.sh`, run by hand after deploying.
    Script,
}

/// Who may start sessions on which fleets.
#[derive(Debug, Clone)]
pub struct Operator {
    pub name: String,
    /// Fleet names, in spec order of the fleets, unique.
    pub fleets: Vec<String>,
    pub identity: Identity,
    pub port_forwarding: bool,
    pub ssh: bool,
    pub pass_roles: bool,
    pub attach_roles: Vec<String>,
    pub attach_groups: Vec<String>,
    pub attach_users: Vec<String>,
}

/// How an operator's sessions are named (the session id starts with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// IAM users: `${aws:username}`.
    IamUser,
    /// Assumed roles and federated users: `${aws:userid}`.
    Federated,
}

/// The default selector tag key of every fleet.
pub const SELECTOR_TAG_KEY: &str = "ssmgen-fleet";

/// What to do about preferences documents.
#[derive(Debug, Clone)]
pub struct SessionDocumentOption {
    pub create: bool,
    /// The name of the one document when all fleets share preferences.
    pub name: Option<String>,
    /// Manage the account's `SSM-SessionManagerRunShell` instead (one shared set).
    pub account_default: bool,
}

/// Deployment values the spec fixes; what is `None` is left to each tool's pseudo value.
#[derive(Debug, Clone, Default)]
pub struct Pin {
    pub account: Option<String>,
    pub region: Option<String>,
    pub partition: Option<Partition>,
}

#[derive(Debug, Clone)]
pub struct Fleet {
    pub name: String,
    pub platform: Platform,
    pub mode: Mode,
    /// The role that receives the policy in `existing-role` mode.
    pub existing_role: Option<String>,
    /// Extra AWS managed policy names.
    pub managed_policies: Vec<String>,
    pub tags: BTreeMap<String, String>,
    /// The session options after the fleet's overrides.
    pub session: Session,
    pub activation: Option<Activation>,
    /// The tag (key, value) operator policies select the fleet's nodes by.
    pub selector_tag: (String, String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    /// Key that encrypts session data.
    pub kms_key: Option<KmsKey>,
    pub s3: Option<S3Logging>,
    pub cloudwatch: Option<CloudWatchLogging>,
    /// Regions whose AWS-owned SSM buckets nodes read through an S3 VPC endpoint.
    pub vpc_endpoint_regions: Vec<String>,
    /// What else than sessions and agent updates nodes read those buckets for; sorted.
    pub vpc_endpoint_features: Vec<crate::facts::VpcFeature>,
    /// Preferences with no permission of their own (timeouts, Run As, shell profile).
    pub shell: ShellPreferences,
}

impl Session {
    /// Whether two fleets' preferences documents would say the same.
    pub fn same_preferences(&self, other: &Session) -> bool {
        self.kms_key == other.kms_key
            && self.s3 == other.s3
            && self.cloudwatch == other.cloudwatch
            && self.shell == other.shell
    }

    /// Whether any option the preferences document carries is set.
    pub fn has_preferences(&self) -> bool {
        self.kms_key.is_some()
            || self.s3.is_some()
            || self.cloudwatch.is_some()
            || !self.shell.is_empty()
    }
}

/// Session preferences that only the preferences document carries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ShellPreferences {
    /// Minutes, 1-60.
    pub idle_timeout_minutes: Option<u32>,
    /// Minutes, 1-1440.
    pub max_duration_minutes: Option<u32>,
    /// OS user of Linux and macOS sessions.
    pub run_as: Option<String>,
    pub shell_profile_linux: Option<String>,
    pub shell_profile_windows: Option<String>,
}

impl ShellPreferences {
    pub fn is_empty(&self) -> bool {
        *self == ShellPreferences::default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Logging {
    pub bucket: Bucket,
    /// Key prefix, empty or ending in `/`.
    pub prefix: String,
    /// The bucket has default encryption (any SSE) and the agent checks it.
    pub encrypted: bool,
    /// The bucket's SSE-KMS key.
    pub kms_key: Option<KmsKey>,
    /// Set when another account owns the bucket.
    pub owner_account: Option<String>,
    /// Days a created bucket keeps session logs (`Some` only for `Bucket::Created`).
    pub retention_days: Option<u32>,
    /// Other accounts whose fleets log to a created bucket (sorted, unique).
    pub writer_accounts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudWatchLogging {
    pub log_group: String,
    /// The log group is encrypted with a KMS key (Session Manager then refuses to stream
    /// to an unencrypted group).
    pub encrypted: bool,
    /// Stream session data as it happens rather than upload it at the end.
    pub streaming: bool,
    /// Days the log group keeps session logs when the generated code creates it
    /// (`None`: an existing group, by name).
    pub retention_days: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Activation {
    pub registration_limit: u32,
    pub expiry_hours: u32,
    pub default_instance_name: Option<String>,
    pub description: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// The IAM name of the role (and instance profile) ssmgen creates for a fleet. It derives
/// from the project and fleet names only, so that regenerating never renames it: a
/// hybrid activation's service role cannot be changed.
pub fn role_name(project: &str, fleet: &str) -> String {
    format!("{project}-{fleet}-ssm")
}

/// A role as CreateActivation's `IamRole` names it: the path without its leading `/`,
/// then the name (AWS Systems Manager User Guide, Create a managed-node activation:
/// `--iam-role service-role/AmazonEC2RunCommandRoleForManagedInstances`).
pub fn iam_role_reference(path: &str, name: &str) -> String {
    format!("{}{}", path.trim_start_matches('/'), name)
}

/// Reads and validates a spec file. Warnings come back beside the spec.
pub fn load(path: &Path) -> Result<(Spec, Vec<Diagnostic>), Error> {
    let shown = path.display().to_string();
    let read_err = |message: String| Error::Read {
        path: path.to_path_buf(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| read_err(io_message(&e)))?;
    if meta.is_dir() {
        return Err(read_err(
            "is a directory; give the path of a spec file (YAML or JSON)".into(),
        ));
    }
    if meta.len() > MAX_SPEC_BYTES {
        return Err(read_err(format!(
            "is {} bytes; specs larger than {} bytes are refused",
            meta.len(),
            MAX_SPEC_BYTES
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| read_err(io_message(&e)))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_col_of_byte(e.as_bytes(), e.utf8_error().valid_up_to());
        Error::InvalidSpec(vec![Diagnostic {
            severity: Severity::Error,
            file: shown.clone(),
            line: Some(line),
            column: Some(column),
            field: String::new(),
            message: "the file is not UTF-8 text".into(),
            help: Some("save the spec as UTF-8".into()),
        }])
    })?;
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        check_json_syntax(&text, &shown)?;
    }
    load_str(&text, &shown)
}

/// YAML accepts what JSON forbids (trailing commas, comments): a `.json` spec must be
/// strict JSON, so its syntax is checked by a JSON parser first.
fn check_json_syntax(text: &str, file: &str) -> Result<(), Error> {
    match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Ok(_) => Ok(()),
        // An empty file gets the validator's clearer "the spec is empty".
        Err(_) if text.trim().is_empty() => Ok(()),
        Err(e) => {
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message);
            Err(Error::InvalidSpec(vec![Diagnostic {
                severity: Severity::Error,
                file: file.to_string(),
                line: Some(e.line()),
                column: Some(e.column()),
                field: String::new(),
                message: format!("cannot parse the spec as JSON: {message}"),
                help: Some(
                    "fix the JSON syntax at this place (or use YAML, which allows comments)".into(),
                ),
            }]))
        }
    }
}

/// Validates spec text; `file` is only used in messages.
pub fn load_str(text: &str, file: &str) -> Result<(Spec, Vec<Diagnostic>), Error> {
    validate::validate(text, file)
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file; check the path of the spec".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied while reading the spec".into(),
        _ => format!("cannot read the spec: {e}"),
    }
}

fn line_col_of_byte(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    (line, at - col_start + 1)
}
