//! The permission plan: the one source of truth every target renders.
//!
//! [`build::build`] turns a validated [`crate::spec::Spec`] into a [`Plan`]. The plan
//! decides every role, trust policy, statement, action, condition and ARN; targets only
//! choose how to spell them. References stay typed ([`Resource`]) until a target asks
//! for their ARN as a [`Text`], whose pseudo values each target renders its own way.

pub mod activation_provider;
pub mod build;
pub mod created;
pub mod findings;
pub mod operators;
pub mod resource;
pub mod session_setup;
pub mod shared;
pub mod text;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::facts::Fact;
pub use activation_provider::{
    ActivationProvider, ActivationSecret, InvokeConfig, LogGroup, ProviderRole,
};
pub use created::{Created, LogBucket, Principal, ResourceStatement, SessionKey, SessionLogGroup};
pub use findings::{Acknowledgement, Subject};
pub use resource::{Bucket, KmsKey, Resource};
pub use shared::SharedResources;
pub use text::{Piece, Pseudo, Reference, Text, Value};

/// The deployment context: pinned values or pseudo values.
#[derive(Debug, Clone, Serialize)]
pub struct Env {
    pub partition: Value,
    pub region: Value,
    pub account: Value,
    pub url_suffix: Value,
}

/// Names of one generated thing in every casing the targets need, all derived from the
/// spec's project and fleet names so that regenerating never renames anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ident {
    /// `web-servers` (file names, descriptions).
    pub kebab: String,
    /// `WebServers` (CloudFormation logical ids, CDK construct ids, class names).
    pub upper_camel: String,
    /// `webServers` (TypeScript properties).
    pub lower_camel: String,
    /// `web_servers` (Terraform resource names, Python attributes).
    pub snake: String,
}

impl Ident {
    pub fn new(kebab: &str) -> Self {
        use heck::{ToKebabCase, ToLowerCamelCase, ToSnakeCase, ToUpperCamelCase};
        Ident {
            kebab: kebab.to_kebab_case(),
            upper_camel: kebab.to_upper_camel_case(),
            lower_camel: kebab.to_lower_camel_case(),
            snake: kebab.to_snake_case(),
        }
    }

    /// The ident of `<self>-<suffix>`. Casing a whole name with heck is costly at
    /// thousands of fleets, and heck splits words at hyphens, so joining the cased parts
    /// gives the same names (`suffixed_idents_equal_heck_on_the_joined_name` checks it).
    pub fn suffixed(&self, suffix: &Ident) -> Ident {
        let mut upper_suffix = suffix.upper_camel.clone();
        if self.kebab.is_empty() {
            return suffix.clone();
        }
        Ident {
            kebab: format!("{}-{}", self.kebab, suffix.kebab),
            upper_camel: format!("{}{}", self.upper_camel, upper_suffix),
            lower_camel: {
                upper_suffix.insert_str(0, &self.lower_camel);
                upper_suffix
            },
            snake: format!("{}_{}", self.snake, suffix.snake),
        }
    }
}

#[cfg(test)]
mod ident_tests;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    Ec2,
    Hybrid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    ManagedCore,
    SessionOnly,
    ExistingRole,
    /// The Default Host Management Configuration role of the account and Region.
    DefaultHostManagement,
}

impl Mode {
    /// The spec's name of the mode.
    pub fn name(self) -> &'static str {
        match self {
            Mode::ManagedCore => "managed-core",
            Mode::SessionOnly => "session-only",
            Mode::ExistingRole => "existing-role",
            Mode::DefaultHostManagement => "default-host-management",
        }
    }
}

/// An IAM condition: `{operator: {key: values}}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Condition {
    pub operator: &'static str,
    pub key: &'static str,
    pub values: Vec<Text>,
}

/// The trust policy of a role ssmgen creates: one statement allowing `sts:AssumeRole`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trust {
    pub effect: Effect,
    /// The service principal, e.g. `ec2.${UrlSuffix}`.
    pub service: Text,
    pub action: &'static str,
    /// Sorted by operator then key.
    pub conditions: Vec<Condition>,
    pub fact: Fact,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Effect {
    Allow,
    /// Only in the created bucket's policy (TLS only).
    Deny,
}

impl Effect {
    /// As the policy language spells it.
    pub fn name(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }

    /// The `iam.Effect` member of the CDK.
    pub fn cdk_member(self) -> &'static str {
        match self {
            Effect::Allow => "ALLOW",
            Effect::Deny => "DENY",
        }
    }
}

/// One policy statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Statement {
    /// Stable statement id, unique within its policy (`[A-Za-z0-9]+`).
    pub sid: String,
    pub effect: Effect,
    /// Sorted and unique.
    pub actions: Vec<&'static str>,
    /// Typed resources; `Resource::Any` is `*`.
    pub resources: Vec<Resource>,
    pub conditions: Vec<Condition>,
    /// Why the statement exists.
    pub facts: Vec<Fact>,
}

/// A role ssmgen creates.
#[derive(Debug, Clone, Serialize)]
pub struct Role {
    pub id: Ident,
    /// The IAM role name (explicit so that a hybrid activation can name it and so that
    /// regenerating keeps the role's identity).
    pub name: String,
    /// `/` or `/some/path/`.
    pub path: String,
    pub description: String,
    pub trust: Trust,
    /// AWS managed policies attached to the role, as ARNs.
    pub managed_policies: Vec<ManagedPolicyRef>,
    pub permissions_boundary: Option<Text>,
    pub tags: BTreeMap<String, String>,
    pub platform: Platform,
    /// The mode of the fleet the role serves (a Default Host Management role has no
    /// instance profile).
    pub mode: Mode,
    /// Name of the fleet the role serves.
    pub fleet: String,
}

impl Role {
    /// The role name with its path, as `aws ssm create-activation --iam-role` and
    /// `aws_ssm_activation.iam_role` expect it (`path/name`, no leading slash).
    pub fn name_with_path(&self) -> String {
        crate::spec::iam_role_reference(&self.path, &self.name)
    }
}

/// An AWS managed policy attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManagedPolicyRef {
    /// Policy name, e.g. `AmazonSSMManagedInstanceCore`.
    pub name: String,
    pub arn: Text,
    pub fact: Fact,
}

#[derive(Debug, Clone, Serialize)]
pub struct InstanceProfile {
    pub id: Ident,
    pub name: String,
    pub path: String,
    /// Index of the role in [`Plan::roles`].
    pub role: usize,
}

/// Where a customer managed policy is attached.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Attachment {
    /// A role in [`Plan::roles`], by index.
    Role(usize),
    /// A role that exists outside the generated code, by name.
    ExistingRole(String),
}

/// A customer managed policy.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub id: Ident,
    pub name: String,
    pub path: String,
    pub description: String,
    pub statements: Vec<Statement>,
    pub attachment: Attachment,
    pub fleet: String,
}

/// A hybrid activation for a fleet's service role.
#[derive(Debug, Clone, Serialize)]
pub struct Activation {
    pub id: Ident,
    /// Index of the role in [`Plan::roles`].
    pub role: usize,
    pub description: String,
    pub registration_limit: u32,
    /// Hours from creation until the activation expires (1 to 720).
    pub expiry_hours: u32,
    pub default_instance_name: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// A Session Manager preferences document: a `Session` document of session type
/// `Standard_Stream` that operators name in StartSession (`--document-name`).
#[derive(Debug, Clone, Serialize)]
pub struct SessionDocument {
    pub id: Ident,
    /// The document name (create-only: a new name replaces the document).
    pub name: String,
    /// The fleets whose sessions it configures, in spec order.
    pub fleets: Vec<String>,
    /// The document content as Session Manager reads it, keys in a fixed order:
    /// `schemaVersion`, `description`, `sessionType`, `inputs`.
    pub content: serde_json::Value,
    pub tags: BTreeMap<String, String>,
    pub fact: Fact,
    /// The account's default document, `SSM-SessionManagerRunShell`, which exists
    /// before the stack does: Terraform imports it; CloudFormation cannot adopt it, so
    /// its targets write it with the AWS CLI instead (`session-preferences.sh`).
    pub account_default: bool,
}

/// A customer managed policy for the people (or roles) who start sessions on some
/// fleets, attached to existing principals by name, or to none.
#[derive(Debug, Clone, Serialize)]
pub struct OperatorPolicy {
    pub id: Ident,
    pub name: String,
    pub path: String,
    pub description: String,
    pub statements: Vec<Statement>,
    /// The fleets it opens sessions on.
    pub fleets: Vec<String>,
    pub attach_roles: Vec<String>,
    pub attach_groups: Vec<String>,
    pub attach_users: Vec<String>,
}

/// A Systems Manager service setting: one value per account and Region.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceSetting {
    pub id: Ident,
    /// The setting id, e.g. `/ssm/managed-instance/activation-tier`.
    pub setting_id: &'static str,
    pub value: String,
    /// Index into [`Plan::roles`] of a role the value names, which must exist first
    /// (Default Host Management names its role); targets order the setting after it.
    pub role: Option<usize>,
    /// What the setting costs or changes beyond this code, for comments beside it.
    pub note: &'static str,
    pub fact: Fact,
}

impl ServiceSetting {
    /// `arn:<partition>:ssm:<region>:<account>:servicesetting/ssm/...`, the form the
    /// UpdateServiceSetting API documents for `SettingId`.
    pub fn arn(&self, env: &Env) -> Text {
        crate::text![
            "arn:",
            &env.partition,
            ":ssm:",
            &env.region,
            ":",
            &env.account,
            ":servicesetting",
            self.setting_id
        ]
    }
}

/// What the generated code reports back.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutputValue {
    RoleArn {
        role: usize,
    },
    RoleName {
        role: usize,
    },
    InstanceProfileName {
        profile: usize,
    },
    DocumentName {
        document: usize,
    },
    /// The ARN of an operator policy (to attach it, or to name it in a permission set).
    OperatorPolicyArn {
        policy: usize,
    },
    /// A fixed string the plan already knows, e.g. the selector tag an EC2 fleet's
    /// instances must carry (`key=value`).
    Literal {
        value: String,
    },
    /// The ARN of the session key the code creates (or the CDK construct is given).
    SessionKeyArn,
    /// The name of the log bucket the code creates (generated by the tool).
    LogBucketName,
    /// The name of the log group the code creates.
    LogGroupName,
}

#[derive(Debug, Clone, Serialize)]
pub struct Output {
    pub id: Ident,
    pub description: String,
    pub value: OutputValue,
}

/// One fleet's view of the plan, for `explain` and per-fleet rendering decisions.
#[derive(Debug, Clone, Serialize)]
pub struct FleetPlan {
    pub name: String,
    pub platform: Platform,
    pub mode: Mode,
    /// Index into [`Plan::roles`] (absent in `existing-role` mode).
    pub role: Option<usize>,
    pub instance_profile: Option<usize>,
    /// Index into [`Plan::policies`] (absent when no statement is needed).
    pub policy: Option<usize>,
    pub activation: Option<usize>,
    /// Index into [`Plan::documents`]: the preferences document of the fleet's sessions.
    pub document: Option<usize>,
    /// The tag (key, value) operator policies match the fleet's nodes by.
    pub selector_tag: (String, String),
    /// The key that encrypts the fleet's session data, if any (operators of the fleet
    /// need kms:GenerateDataKey on it; see `Plan::fleet_grant`).
    pub session_key: Option<KmsKey>,
}

/// The Region a stack must be deployed to when the spec pins none but names a resource
/// that only works from one Region (a session key given by ARN): every target checks it
/// at deploy time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequiredRegion {
    pub region: String,
    /// Why, in one sentence, for the check's error message.
    pub reason: String,
    pub fact: Fact,
}

/// The whole plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub project: Ident,
    pub env: Env,
    pub tags: BTreeMap<String, String>,
    pub fleets: Vec<FleetPlan>,
    pub roles: Vec<Role>,
    pub instance_profiles: Vec<InstanceProfile>,
    pub policies: Vec<Policy>,
    pub activations: Vec<Activation>,
    pub documents: Vec<SessionDocument>,
    pub service_settings: Vec<ServiceSetting>,
    pub operator_policies: Vec<OperatorPolicy>,
    /// Present when CloudFormation and CDK stacks create activations in the stack.
    pub activation_provider: Option<ActivationProvider>,
    pub outputs: Vec<Output>,
    pub required_region: Option<RequiredRegion>,
    /// The session resources the spec names once for all its fleets.
    pub shared: SharedResources,
    /// The session key, log bucket and log group the code creates (`create`).
    pub created: Created,
    /// The scanner findings the generated code carries on purpose, with their reasons
    /// (`findings.rs`); targets write them in each scanner's own form.
    pub acknowledgements: Vec<Acknowledgement>,
}

impl Plan {
    /// Every tag key a role of the plan carries, once each, in the order they first
    /// appear (roles in plan order): the CDK constructs refuse a `tags` prop key that
    /// differs from one of them only in case (IAM role tag keys are case-insensitive,
    /// so one would silently replace the other).
    pub fn role_tag_keys(&self) -> Vec<&str> {
        let mut seen = std::collections::BTreeSet::new();
        let mut keys = Vec::new();
        for role in &self.roles {
            for key in role.tags.keys() {
                if seen.insert(key.as_str()) {
                    keys.push(key.as_str());
                }
            }
        }
        keys
    }

    /// Every pseudo value any text of the plan uses, in a fixed order.
    pub fn pseudos(&self) -> std::collections::BTreeSet<Pseudo> {
        const ALL: usize = 4;
        let mut set = std::collections::BTreeSet::new();
        // Large plans repeat the same shapes, so every pseudo value shows up within the
        // first fleets; stop looking once all four are seen.
        for role in &self.roles {
            if set.len() == ALL {
                return set;
            }
            set.extend(role.trust.service.pseudos());
            for c in &role.trust.conditions {
                c.values.iter().for_each(|v| set.extend(v.pseudos()));
            }
            role.managed_policies
                .iter()
                .for_each(|m| set.extend(m.arn.pseudos()));
            if let Some(b) = &role.permissions_boundary {
                set.extend(b.pseudos());
            }
        }
        for s in &self.service_settings {
            set.extend(s.arn(&self.env).pseudos());
        }
        set.extend(self.created.pseudos(&self.env));
        let operator = self.operator_policies.iter().map(|p| &p.statements);
        for statements in self.policies.iter().map(|p| &p.statements).chain(operator) {
            for st in statements {
                if set.len() == ALL {
                    return set;
                }
                st.resources
                    .iter()
                    .for_each(|r| set.extend(r.arn(&self.env).pseudos()));
                for c in &st.conditions {
                    c.values.iter().for_each(|v| set.extend(v.pseudos()));
                }
            }
        }
        set
    }
}
