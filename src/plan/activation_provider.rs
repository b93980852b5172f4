//! The activation provider of CloudFormation and CDK stacks (issue 11): a custom
//! resource per hybrid activation, one Lambda function answering them, its execution
//! role, its log group, and a Secrets Manager secret per activation for the id and code.
//!
//! The plan decides all of it here, statements included; the targets that have no
//! activation resource type (CloudFormation, the CDK) only spell it. Terraform writes
//! `aws_ssm_activation` from [`super::Plan::activations`] and ignores the provider.

use std::collections::BTreeMap;

use serde::Serialize;

use super::resource::global_service_principal;
use super::{Condition, Effect, Ident, Plan, Resource, Statement, Text, Trust};
use crate::facts::{self, Fact};
use crate::spec::{ActivationMethod, Spec};

/// How CloudFormation and CDK stacks create the hybrid activations, which have no
/// resource type: a custom resource (`Custom::SsmActivation`) per activation, answered by
/// one Lambda function that calls CreateActivation and keeps each activation's id and
/// code in a Secrets Manager secret of its own (never in outputs, attributes or logs).
/// Terraform has `aws_ssm_activation` and does not use it. See this module.
#[derive(Debug, Clone, Serialize)]
pub struct ActivationProvider {
    /// The function (`ActivationProvider`).
    pub id: Ident,
    /// `<project>-activations`: named, so that its log group's name is known.
    pub function_name: String,
    pub description: String,
    pub runtime: &'static str,
    pub handler: &'static str,
    /// The handler's Python source, written inline.
    #[serde(skip)]
    pub code: &'static str,
    pub timeout_seconds: u32,
    pub memory_mb: u32,
    /// `/aws/lambda/<function_name>`, created by the stack with a retention.
    pub log_group: LogGroup,
    /// The function's execution role.
    pub role: ProviderRole,
    /// How long CloudFormation waits for an answer (custom resource `ServiceTimeout`).
    pub service_timeout_seconds: u32,
    /// The function's asynchronous invoke configuration (`ActivationProviderInvokeConfig`,
    /// qualifier `$LATEST`): retries off, events kept no longer than CloudFormation waits.
    /// The custom resources depend on it, so no request is retried.
    pub invoke_config: InvokeConfig,
    /// One per activation, in [`Plan::activations`](super::Plan::activations) order.
    pub secrets: Vec<ActivationSecret>,
    /// The stack input whose change re-issues every activation (they expire after at
    /// most 30 days): a CloudFormation parameter, a CDK prop.
    pub renewal: Ident,
    /// The renewal input's value until someone changes it.
    pub renewal_default: &'static str,
    pub fact: Fact,
}

/// A Lambda function's asynchronous invocation settings.
#[derive(Debug, Clone, Serialize)]
pub struct InvokeConfig {
    pub id: Ident,
    pub max_retry_attempts: u32,
    pub max_event_age_seconds: u32,
}

/// A log group the code creates.
#[derive(Debug, Clone, Serialize)]
pub struct LogGroup {
    pub id: Ident,
    pub name: String,
    pub retention_days: u32,
}

/// The execution role of the activation function: unnamed (the tool names it), with one
/// inline policy of the statements the function's calls need.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderRole {
    pub id: Ident,
    pub path: String,
    pub description: String,
    pub trust: Trust,
    pub statements: Vec<Statement>,
    /// The description of the customer managed policy that holds `statements`.
    pub policy_description: String,
    pub permissions_boundary: Option<Text>,
    pub tags: BTreeMap<String, String>,
}

/// The secret an activation's id and code are written to.
#[derive(Debug, Clone, Serialize)]
pub struct ActivationSecret {
    pub id: Ident,
    /// `<project>/<fleet>/activation` (create-only).
    pub name: String,
    pub description: String,
    /// Index into [`Plan::activations`](super::Plan::activations).
    pub activation: usize,
    pub tags: BTreeMap<String, String>,
}

/// Adds the provider when the plan has activations and the spec keeps them in the stack.
pub(super) fn add_activation_provider(plan: &mut Plan, spec: &Spec) {
    if plan.activations.is_empty() || spec.activation_method != ActivationMethod::CustomResource {
        return;
    }
    let function_name = format!("{}-activations", spec.project);
    let log_group = LogGroup {
        id: Ident::new("activation-provider-logs"),
        name: format!("/aws/lambda/{function_name}"),
        retention_days: facts::ACTIVATION_LOG_RETENTION_DAYS,
    };
    let suffix = Ident::new("activation-secret");
    let secrets: Vec<ActivationSecret> = plan
        .activations
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let fleet = &plan.roles[a.role].fleet;
            ActivationSecret {
                id: Ident::new(fleet).suffixed(&suffix),
                name: format!("{}/{fleet}/activation", spec.project),
                description: format!(
                    "Id and code of the hybrid activation of fleet {fleet} of {} (ssmgen; written by the activation function)",
                    spec.project
                ),
                activation: i,
                tags: a.tags.clone(),
            }
        })
        .collect();
    let statements = statements(plan, &secrets, &log_group);
    let description = format!(
        "Execution role of the function that creates the hybrid activations of {} (ssmgen)",
        spec.project
    );
    let role = ProviderRole {
        id: Ident::new("activation-provider-role"),
        path: spec.role_path.clone(),
        description: description.clone(),
        trust: Trust {
            effect: Effect::Allow,
            service: global_service_principal("lambda"),
            action: facts::ASSUME_ROLE,
            conditions: Vec::new(),
            fact: facts::ACTIVATION_PROVIDER_TRUST,
        },
        statements,
        // One text for the role and the policy that holds its statements.
        policy_description: description,
        permissions_boundary: spec.permissions_boundary.clone().map(Text::literal),
        tags: spec.tags.clone(),
    };
    plan.activation_provider = Some(ActivationProvider {
        id: Ident::new(crate::spec::validate::PROVIDER_NAME),
        description: format!(
            "Creates, replaces and deletes the hybrid activations of {} (ssmgen)",
            spec.project
        ),
        function_name,
        runtime: facts::ACTIVATION_RUNTIME,
        handler: facts::ACTIVATION_HANDLER,
        code: facts::ACTIVATION_HANDLER_SOURCE,
        timeout_seconds: facts::ACTIVATION_TIMEOUT_SECONDS,
        memory_mb: facts::ACTIVATION_MEMORY_MB,
        log_group,
        role,
        service_timeout_seconds: facts::ACTIVATION_SERVICE_TIMEOUT_SECONDS,
        invoke_config: InvokeConfig {
            id: Ident::new("activation-provider-invoke-config"),
            max_retry_attempts: facts::ACTIVATION_MAX_RETRY_ATTEMPTS,
            max_event_age_seconds: facts::ACTIVATION_MAX_EVENT_AGE_SECONDS,
        },
        secrets,
        renewal: Ident::new("activation-renewal"),
        renewal_default: facts::ACTIVATION_RENEWAL_DEFAULT,
        fact: facts::ACTIVATION_PROVIDER,
    });
}

fn statement(
    sid: &str,
    actions: &[&'static str],
    resources: Vec<Resource>,
    conditions: Vec<Condition>,
    fact: Fact,
) -> Statement {
    let mut actions = actions.to_vec();
    actions.sort_unstable();
    Statement {
        sid: sid.to_string(),
        effect: Effect::Allow,
        actions,
        resources,
        conditions,
        facts: vec![fact],
    }
}

/// What the handler calls (templates/activation/handler.py), and nothing else.
fn statements(plan: &Plan, secrets: &[ActivationSecret], logs: &LogGroup) -> Vec<Statement> {
    let mut roles: Vec<Resource> = Vec::new();
    for a in &plan.activations {
        let role = &plan.roles[a.role];
        let r = Resource::Role {
            path: role.path.clone(),
            name: role.name.clone(),
        };
        if !roles.contains(&r) {
            roles.push(r);
        }
    }
    vec![
        statement(
            "ManageActivations",
            &[facts::CREATE_ACTIVATION, facts::DELETE_ACTIVATION],
            vec![Resource::Any],
            Vec::new(),
            facts::ACTIVATION_PROVIDER_SSM,
        ),
        // CreateActivation passes the hybrid service role to Systems Manager.
        statement(
            "PassHybridRolesToSsm",
            &["iam:PassRole"],
            roles,
            vec![Condition {
                operator: facts::STRING_EQUALS,
                key: "iam:PassedToService",
                values: vec![global_service_principal("ssm")],
            }],
            facts::PASS_ROLE_SSM,
        ),
        statement(
            "WriteActivationSecrets",
            &[facts::PUT_SECRET_VALUE],
            secrets
                .iter()
                .map(|s| Resource::Secret {
                    name: s.name.clone(),
                })
                .collect(),
            Vec::new(),
            facts::ACTIVATION_PROVIDER_SECRETS,
        ),
        statement(
            "WriteOwnLogs",
            &facts::LOGS_WRITE_ACTIONS,
            vec![Resource::LogGroup {
                name: logs.name.clone(),
            }],
            Vec::new(),
            facts::ACTIVATION_PROVIDER_LOGS,
        ),
    ]
}

/// The custom resource's properties for one activation, as the handler reads them
/// (every scalar a string, as CloudFormation passes them): `IamRole`,
/// `RegistrationLimit`, `ExpiryHours`, `DefaultInstanceName`, `Description`, `Tags`,
/// `SecretId`. `Renewal` (the stack's renewal input) and `ServiceToken`,
/// `ServiceTimeout` are the target's to add.
pub fn activation_properties(plan: &Plan, activation: usize) -> Vec<(&'static str, Property)> {
    let a = &plan.activations[activation];
    let mut out = vec![
        (
            "IamRole",
            Property::Str(plan.roles[a.role].name_with_path()),
        ),
        (
            "RegistrationLimit",
            Property::Str(a.registration_limit.to_string()),
        ),
        ("ExpiryHours", Property::Str(a.expiry_hours.to_string())),
    ];
    if let Some(n) = &a.default_instance_name {
        out.push(("DefaultInstanceName", Property::Str(n.clone())));
    }
    out.push(("Description", Property::Str(a.description.clone())));
    if !a.tags.is_empty() {
        out.push(("Tags", Property::Tags(a.tags.clone())));
    }
    if let Some(p) = &plan.activation_provider {
        if let Some(s) = p.secrets.iter().find(|s| s.activation == activation) {
            out.push(("SecretId", Property::Str(s.name.clone())));
        }
    }
    out
}

/// A custom resource property value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Property {
    Str(String),
    /// `[{Key, Value}]`, as CreateActivation takes them.
    Tags(BTreeMap<String, String>),
}
