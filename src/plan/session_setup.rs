//! Session Manager set up beyond node permissions: the preferences documents that switch
//! on encryption and logging, and the account settings sessions need (the hybrid
//! advanced-instances tier). Built from the same session options as the node
//! statements, so the preferences can never ask for what the permissions do not allow.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{Ident, Mode, Output, OutputValue, Plan, ServiceSetting, SessionDocument};
use crate::facts;
use crate::plan::KmsKey;
use crate::spec::{Fleet, Session, Spec};

/// Session Manager's default idle timeout, written when the spec sets none (Session
/// document schema: `idleSessionTimeout`, default 20 minutes).
const DEFAULT_IDLE_MINUTES: u32 = 20;

/// The setting that puts every hybrid node of the account and Region in the advanced
/// tier (Configuring instance tiers).
pub const ACTIVATION_TIER: &str = "/ssm/managed-instance/activation-tier";

/// The setting that names the Default Host Management role of the account and Region.
pub const DHMC_ROLE: &str = "/ssm/managed-instance/default-ec2-instance-management-role";

pub(super) fn add_session_setup(plan: &mut Plan, spec: &Spec) {
    let dhmc = plan
        .fleets
        .iter()
        .find(|f| f.mode == Mode::DefaultHostManagement)
        .and_then(|f| f.role);
    if let Some(role) = dhmc {
        let r = &plan.roles[role];
        plan.service_settings.push(ServiceSetting {
            id: Ident::new("default-host-management"),
            setting_id: DHMC_ROLE,
            value: r.name_with_path(),
            role: Some(role),
            note: "Account-and-Region wide: every EC2 instance with IMDSv2, SSM Agent 3.2.582.0 or later and no instance profile allowing ssm:UpdateInstanceInformation gets this role's permissions; removing this resource turns Default Host Management off.",
            fact: facts::DHMC_SETTING,
        });
    }
    if spec.session_document.create {
        add_documents(plan, spec);
    }
    if spec.hybrid_advanced_tier {
        plan.service_settings.push(ServiceSetting {
            id: Ident::new("hybrid-advanced-tier"),
            setting_id: ACTIVATION_TIER,
            value: "advanced".into(),
            role: None,
            note: "Account-and-Region wide: every hybrid node is billed as an advanced instance per hour; removing this resource resets the tier to standard (refused above 1,000 hybrid nodes), and Session Manager then refuses sessions on hybrid nodes.",
            fact: facts::HYBRID_ADVANCED_TIER,
        });
    }
}

/// One document per distinct set of preferences, in order of the first fleet that uses
/// it. When every fleet shares one set the document is named for the project; otherwise
/// each is named for its first fleet, so that adding a fleet never renames another's.
fn add_documents(plan: &mut Plan, spec: &Spec) {
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, f) in spec.fleets.iter().enumerate() {
        if !f.session.has_preferences() {
            continue;
        }
        match groups
            .iter_mut()
            .find(|(first, _)| spec.fleets[*first].session.same_preferences(&f.session))
        {
            Some((_, members)) => members.push(i),
            None => groups.push((i, vec![i])),
        }
    }
    let shared = groups.len() == 1 && groups[0].1.len() == spec.fleets.len();
    let suffix = Ident::new("session-preferences");
    let name_suffix = Ident::new("name");
    for (first, members) in groups {
        let account_default = spec.session_document.account_default;
        let (id, name) = if account_default {
            // Validation holds every fleet to one set of preferences here.
            (
                suffix.clone(),
                super::operators::DEFAULT_DOCUMENT.to_string(),
            )
        } else if shared {
            let name = spec
                .session_document
                .name
                .clone()
                .unwrap_or_else(|| format!("{}-session-preferences", spec.project));
            (suffix.clone(), name)
        } else {
            let fleet = &spec.fleets[first].name;
            (
                Ident::new(fleet).suffixed(&suffix),
                format!("{}-{fleet}-session-preferences", spec.project),
            )
        };
        let fleets: Vec<String> = members
            .iter()
            .map(|&i| spec.fleets[i].name.clone())
            .collect();
        let index = plan.documents.len();
        for &i in &members {
            plan.fleets[i].document = Some(index);
        }
        let plural = if fleets.len() == 1 { "" } else { "s" };
        plan.outputs.push(if account_default {
            Output {
                id: id.suffixed(&name_suffix),
                description: format!(
                    "Session Manager preferences of fleet{plural} {}: the account's default document, used when StartSession names none",
                    fleets.join(", ")
                ),
                value: OutputValue::Literal { value: name.clone() },
            }
        } else {
            Output {
                id: id.suffixed(&name_suffix),
                description: format!(
                    "Session Manager preferences of fleet{plural} {}: name it in StartSession (aws ssm start-session --document-name)",
                    fleets.join(", ")
                ),
                value: OutputValue::DocumentName { document: index },
            }
        });
        plan.documents.push(SessionDocument {
            id,
            content: content(&spec.project, &fleets, &spec.fleets[first]),
            name,
            fleets,
            // The account's shared document is not tagged with one project's tags.
            tags: if account_default {
                BTreeMap::new()
            } else {
                spec.tags.clone()
            },
            fact: facts::SESSION_PREFERENCES,
            account_default,
        });
    }
}

/// The document content, every documented input in the documented order. Booleans are
/// JSON booleans (the agent reads `cloudWatchStreamingEnabled` as a plain bool) and
/// timeouts strings of minutes, as the Session document schema types them.
fn content(project: &str, fleets: &[String], fleet: &Fleet) -> Value {
    let Session {
        kms_key,
        s3,
        cloudwatch,
        shell,
        ..
    } = &fleet.session;
    let mut inputs = Map::new();
    let s3_bucket = s3.as_ref().map_or("", |s| s.bucket.preferences_value());
    let s3_prefix = s3
        .as_ref()
        .map(|s| s.prefix.trim_end_matches('/'))
        .unwrap_or("");
    inputs.insert("s3BucketName".into(), json!(s3_bucket));
    inputs.insert("s3KeyPrefix".into(), json!(s3_prefix));
    inputs.insert(
        "s3EncryptionEnabled".into(),
        json!(s3.as_ref().is_some_and(|s| s.encrypted)),
    );
    inputs.insert(
        "cloudWatchLogGroupName".into(),
        json!(cloudwatch
            .as_ref()
            .map(|c| c.log_group.as_str())
            .unwrap_or("")),
    );
    inputs.insert(
        "cloudWatchEncryptionEnabled".into(),
        json!(cloudwatch.as_ref().is_some_and(|c| c.encrypted)),
    );
    inputs.insert(
        "cloudWatchStreamingEnabled".into(),
        json!(cloudwatch.as_ref().is_some_and(|c| c.streaming)),
    );
    // A created resource's placeholder is replaced by each target (`Reference`).
    let key = kms_key.as_ref().map_or("", KmsKey::preferences_value);
    inputs.insert("kmsKeyId".into(), json!(key));
    inputs.insert("runAsEnabled".into(), json!(shell.run_as.is_some()));
    inputs.insert(
        "runAsDefaultUser".into(),
        json!(shell.run_as.as_deref().unwrap_or("")),
    );
    inputs.insert(
        "idleSessionTimeout".into(),
        json!(shell
            .idle_timeout_minutes
            .unwrap_or(DEFAULT_IDLE_MINUTES)
            .to_string()),
    );
    if let Some(max) = shell.max_duration_minutes {
        inputs.insert("maxSessionDuration".into(), json!(max.to_string()));
    }
    inputs.insert(
        "shellProfile".into(),
        json!({
            "windows": shell.shell_profile_windows.as_deref().unwrap_or(""),
            "linux": shell.shell_profile_linux.as_deref().unwrap_or(""),
        }),
    );
    json!({
        "schemaVersion": "1.0",
        "description": format!(
            "Session Manager preferences of {project} (fleet{} {}), generated by ssmgen",
            if fleets.len() == 1 { "" } else { "s" },
            fleets.join(", ")
        ),
        "sessionType": "Standard_Stream",
        "inputs": inputs,
    })
}
