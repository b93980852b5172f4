//! Session preferences that only the preferences document carries (idle and maximum
//! session time, Run As, shell profile), the document's own options, and the hybrid
//! advanced-instances tier. Facts: AWS Systems Manager User Guide, "Session document
//! schema" (`idleSessionTimeout` 1-60, `maxSessionDuration` 1-1440, both strings of
//! minutes), and "Configuring instance tiers" (Session Manager on hybrid nodes needs the
//! advanced-instances tier).

use super::names::check_nfc;
use super::Ctx;
use crate::plan::Platform;
use crate::spec::raw::{RawSessionDocument, RawShellProfile};
use crate::spec::{Fleet, SessionDocumentOption, ShellPreferences};

/// The shell preference fields of a raw session block.
pub(super) struct RawShell {
    pub idle_timeout_minutes: Option<Option<u32>>,
    pub max_duration_minutes: Option<Option<u32>>,
    pub run_as: Option<Option<String>>,
    pub shell_profile: Option<Option<RawShellProfile>>,
}

/// Like the other session overrides: `None` absent, `Some(None)` turned off.
pub(super) struct ShellOverrides {
    idle_timeout_minutes: Option<Option<u32>>,
    max_duration_minutes: Option<Option<u32>>,
    run_as: Option<Option<String>>,
    shell_profile: Option<Option<RawShellProfile>>,
}

/// Session Manager's documented ranges (Session document schema).
const IDLE_RANGE: (u32, u32) = (1, 60);
const MAX_RANGE: (u32, u32) = (1, 1440);
/// Longest Linux user name useradd accepts.
const MAX_USER_LEN: usize = 32;

pub(super) fn resolve_shell(ctx: &mut Ctx<'_>, at: &str, raw: RawShell) -> ShellOverrides {
    let minutes = |ctx: &mut Ctx<'_>, field: &str, v: u32, (lo, hi): (u32, u32), what: &str| {
        if !(lo..=hi).contains(&v) {
            ctx.error(
                field,
                format!("{v} minutes is outside Session Manager's range for the {what}"),
                format!("give {lo} to {hi} minutes"),
            );
        }
    };
    if let Some(Some(v)) = raw.idle_timeout_minutes {
        let f = format!("{at}.idle_timeout_minutes");
        minutes(ctx, &f, v, IDLE_RANGE, "idle session timeout");
    }
    if let Some(Some(v)) = raw.max_duration_minutes {
        let f = format!("{at}.max_duration_minutes");
        minutes(ctx, &f, v, MAX_RANGE, "maximum session duration");
    }
    if let Some(Some(user)) = &raw.run_as {
        check_run_as(ctx, &format!("{at}.run_as"), user);
    }
    if let Some(Some(profile)) = &raw.shell_profile {
        for (os, text) in [("linux", &profile.linux), ("windows", &profile.windows)] {
            if let Some(text) = text {
                let f = format!("{at}.shell_profile.{os}");
                check_nfc(ctx, &f, false, "shell profile", text);
                check_shell_profile(ctx, &f, text);
            }
        }
        if profile.linux.is_none() && profile.windows.is_none() {
            ctx.error(
                &format!("{at}.shell_profile"),
                "the shell profile has neither `linux` nor `windows` commands",
                "give the commands to run at session start, or remove `shell_profile`",
            );
        }
    }
    ShellOverrides {
        idle_timeout_minutes: raw.idle_timeout_minutes,
        max_duration_minutes: raw.max_duration_minutes,
        run_as: raw.run_as,
        shell_profile: raw.shell_profile,
    }
}

/// Shell profile commands are the one free text that reaches a template whole. Three
/// things in it would be read by a tool rather than kept: `{{resolve:` opens a
/// CloudFormation dynamic reference at deploy time, `${Token[` is a CDK token (synth
/// fails; the CDK has no escape for it), and control characters other than line
/// breaks and tabs make cfn-lint refuse the template.
fn check_shell_profile(ctx: &mut Ctx<'_>, field: &str, text: &str) {
    if text.contains("{{resolve:") {
        ctx.error(
            field,
            "`{{resolve:` would be read by CloudFormation as a dynamic reference",
            "write it another way, e.g. `{ {resolve:`",
        );
    }
    if text.contains("${Token[") {
        ctx.error(
            field,
            "`${Token[` would be read by the CDK as a token",
            "write it another way, e.g. `$ {Token[`",
        );
    }
    if let Some(c) = text
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\t'))
    {
        ctx.error(
            field,
            format!("the shell profile holds the control character {:?}", c),
            "use only printable characters, line breaks and tabs",
        );
    }
}

/// A Run As user must exist on the nodes; its name is checked to the portable Linux
/// user name rules (useradd), which macOS names also follow.
fn check_run_as(ctx: &mut Ctx<'_>, field: &str, user: &str) {
    let mut chars = user.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-.".contains(c));
    if !first_ok || !rest_ok || user.len() > MAX_USER_LEN {
        ctx.error(
            field,
            format!("`{user}` is not a portable Linux user name"),
            format!(
                "give an OS user that exists on the nodes: a lowercase letter or _, then up to {} lowercase letters, digits, _ - or .",
                MAX_USER_LEN - 1
            ),
        );
    }
}

pub(super) fn merge_shell(base: &ShellPreferences, o: ShellOverrides) -> ShellPreferences {
    let (linux, windows) = match o.shell_profile {
        None => (
            base.shell_profile_linux.clone(),
            base.shell_profile_windows.clone(),
        ),
        Some(None) => (None, None),
        Some(Some(p)) => (p.linux, p.windows),
    };
    ShellPreferences {
        idle_timeout_minutes: o.idle_timeout_minutes.unwrap_or(base.idle_timeout_minutes),
        max_duration_minutes: o.max_duration_minutes.unwrap_or(base.max_duration_minutes),
        run_as: o.run_as.unwrap_or_else(|| base.run_as.clone()),
        shell_profile_linux: linux,
        shell_profile_windows: windows,
    }
}

/// CreateDocument's name rule (`^[a-zA-Z0-9_\-.]{3,128}$`) and its reserved prefixes
/// (`aws`, `amazon`, `amzn`, and `AWSEC2`, `AWSConfigRemediation`, `AWSSupport`, which
/// start with `aws`). Whether the prefix check ignores case is not documented, so any
/// case is refused.
pub(super) fn check_document_name(ctx: &mut Ctx<'_>, field: &str, name: &str) {
    let chars_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    if !chars_ok || !(3..=128).contains(&name.len()) {
        ctx.error(
            field,
            format!("`{name}` is not a valid SSM document name"),
            "give 3 to 128 letters, digits, _ - or .",
        );
        return;
    }
    let lower = name.to_ascii_lowercase();
    if let Some(prefix) = ["aws", "amazon", "amzn"]
        .into_iter()
        .find(|p| lower.starts_with(p))
    {
        ctx.error(
            field,
            format!("document names starting with `{prefix}` are reserved by AWS"),
            "choose a name that starts with your project's name",
        );
    } else if name == ACCOUNT_DEFAULT_DOCUMENT {
        ctx.error(
            field,
            format!("`{ACCOUNT_DEFAULT_DOCUMENT}` is the account's default preferences document, not a name for a document of your own"),
            "to manage the account's default document, write `account_default: true` instead of `name`; otherwise keep the default name `<project>-session-preferences`",
        );
    }
}

/// The document Session Manager uses when StartSession names none.
use crate::plan::operators::DEFAULT_DOCUMENT as ACCOUNT_DEFAULT_DOCUMENT;

pub(super) fn check_session_document(
    ctx: &mut Ctx<'_>,
    raw: Option<RawSessionDocument>,
    fleets: &[Fleet],
) -> SessionDocumentOption {
    let raw = raw.unwrap_or_default();
    let create = raw.create.unwrap_or(true);
    let account_default = raw.account_default.unwrap_or(false);
    if account_default {
        if raw.name.is_some() {
            ctx.error(
                "session_document.name",
                format!("`account_default: true` manages the document named `{ACCOUNT_DEFAULT_DOCUMENT}`, so no other name fits"),
                "remove `name`, or `account_default`",
            );
        }
        if !create {
            ctx.error(
                "session_document.account_default",
                "`account_default: true` writes the account's default document, but `create: false` asks for no document",
                "remove one of `create: false` and `account_default: true`",
            );
        }
        if let Some(i) = fleets
            .windows(2)
            .position(|w| !w[0].session.same_preferences(&w[1].session))
        {
            ctx.error(
                "session_document.account_default",
                format!(
                    "the account has one default document, but fleets[{}] and fleets[{}] have different session options",
                    i,
                    i + 1
                ),
                "give every fleet the same session options, or remove `account_default` (each set then gets a document of its own)",
            );
        }
        if !fleets.iter().any(|f| f.session.has_preferences()) {
            ctx.error(
                "session_document.account_default",
                "no fleet has session options, so there is nothing to write into the account's default document",
                "remove `account_default`, or set the session options (kms_key, s3, cloudwatch, timeouts, run_as, shell_profile)",
            );
        }
    }
    if let Some(name) = &raw.name {
        check_document_name(ctx, "session_document.name", name);
        if !create {
            ctx.error(
                "session_document.name",
                "a document name is given but `create: false` writes no document",
                "remove `name`, or `create: false`",
            );
        }
        let differ = fleets
            .windows(2)
            .any(|w| !w[0].session.same_preferences(&w[1].session));
        if differ {
            ctx.error(
                "session_document.name",
                "the fleets' session options differ, so each set gets its own document and one name cannot fit them all",
                "remove `name` (documents are then named `<project>-<fleet>-session-preferences`), or give every fleet the same session options",
            );
        }
    }
    if !create {
        // Idle timeout, maximum duration, Run As and shell profiles live only in the
        // document: without it they would silently change nothing.
        if let Some(i) = fleets.iter().position(|f| !f.session.shell.is_empty()) {
            ctx.error(
                "session_document.create",
                format!(
                    "fleets[{i}] sets preferences that only the preferences document carries (idle timeout, maximum duration, Run As, shell profile), but `create: false` writes no document, so they would change nothing"
                ),
                "remove `create: false`, or remove those options and set them in the account's Session Manager preferences",
            );
        }
        let logged = |s: &crate::spec::Session| {
            s.kms_key.is_some() || s.s3.is_some() || s.cloudwatch.is_some()
        };
        if let Some(i) = fleets.iter().position(|f| logged(&f.session)) {
            ctx.warn(
                "session_document.create",
                format!(
                    "fleets[{i}] is granted what its session options need (KMS, S3, CloudWatch), but no preferences document switches them on: sessions use whatever the account's SSM-SessionManagerRunShell says"
                ),
                "remove `create: false`, or make sure the account's preferences name the same key, bucket and log group",
            );
        }
    }
    SessionDocumentOption {
        create,
        name: raw.name,
        account_default,
    }
}

pub(super) fn check_tier(ctx: &mut Ctx<'_>, raw: Option<bool>, fleets: &[Fleet]) -> bool {
    let first_hybrid = fleets.iter().position(|f| f.platform == Platform::Hybrid);
    let hybrid = first_hybrid.is_some();
    match (raw, hybrid) {
        (Some(true), false) => {
            ctx.warn(
                "hybrid_advanced_tier",
                "no fleet is hybrid, so the advanced-instances tier is not set",
                "remove `hybrid_advanced_tier`",
            );
            false
        }
        (Some(false), true) => {
            ctx.warn(
                "hybrid_advanced_tier",
                "Session Manager refuses sessions on hybrid nodes of the standard tier (\"Enable advanced-instances tier to use Session Manager with your on-premises instances\")",
                "remove `hybrid_advanced_tier: false`, or set the tier outside this code (aws ssm update-service-setting --setting-id /ssm/managed-instance/activation-tier --setting-value advanced)",
            );
            false
        }
        (Some(true), true) => {
            ctx.note(
                "hybrid_advanced_tier",
                "the advanced-instances tier applies to every hybrid node of the account and Region and is charged per node and hour; removing it from the code reverts the tier to standard (refused above 1,000 hybrid nodes)",
                "nothing to do: Session Manager needs it on hybrid nodes",
            );
            true
        }
        (None, true) => {
            ctx.warn(
                &format!("fleets[{}].platform", first_hybrid.unwrap_or_default()),
                "a hybrid fleet turns on the advanced-instances tier: it applies to every hybrid node of the account and Region and is charged per node and hour; removing it from the code reverts the tier to standard (refused above 1,000 hybrid nodes)",
                "set `hybrid_advanced_tier: true` to acknowledge it, or `false` if the account manages the tier elsewhere",
            );
            true
        }
        (_, false) => false,
    }
}

/// How CloudFormation and CDK stacks create activations; a choice without any
/// activation to create is pointless, and said so.
pub(super) fn check_activation_method(
    ctx: &mut Ctx<'_>,
    raw: Option<crate::spec::raw::RawActivationMethod>,
    fleets: &[Fleet],
) -> crate::spec::ActivationMethod {
    use crate::spec::raw::RawActivationMethod;
    use crate::spec::ActivationMethod;
    let method = match raw {
        None | Some(RawActivationMethod::CustomResource) => ActivationMethod::CustomResource,
        Some(RawActivationMethod::Script) => ActivationMethod::Script,
    };
    let activations = fleets.iter().any(|f| f.activation.is_some());
    if raw.is_some() && !activations {
        ctx.warn(
            "activation_method",
            "no fleet has a hybrid activation, so there is none to create",
            "remove `activation_method`",
        );
    }
    // The provider's resources are named `activation-provider-*` (`ActivationProviderRole`,
    // ...): a fleet of that name would name its role the same.
    if activations && method == ActivationMethod::CustomResource {
        if let Some(i) = fleets.iter().position(|f| f.name == PROVIDER_NAME) {
            ctx.error(
                &format!("fleets[{i}].name"),
                format!("`{PROVIDER_NAME}` names the activation provider's resources in CloudFormation and CDK stacks (its role would be the fleet's role)"),
                "rename the fleet, or set `activation_method: script`",
            );
        }
    }
    method
}

/// The name the activation provider's resources derive from (`plan::activation_provider`).
pub(crate) const PROVIDER_NAME: &str = "activation-provider";
