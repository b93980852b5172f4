//! Checks a spec's meaning and builds the validated [`Spec`]. Every problem found is
//! reported at once, each with its file position, field path and a fix.
//!
//! This file holds the entry point, the diagnostic context `Ctx` and the top-level
//! `check`, which calls one function per concern, each in its own file:
//! - `shape.rs`: serde's shape errors, with a did-you-mean ([`closest`]);
//! - `names.rs`: names, tags, free text, IAM names and paths, account ids, the pin, ARNs;
//! - `session.rs`: session options (KMS key, S3, CloudWatch, VPC endpoint Regions) and
//!   how a fleet's overrides merge over the defaults;
//! - `fleets.rs`: the fleets and their activations;
//! - `advice.rs`: warnings users can act on (cross-account buckets, existing roles,
//!   managed policies that widen narrowed grants);
//! - `roles.rs`: what each role ends up with: merged tags (case-insensitive keys) and
//!   the `IamRole` an activation names it by.
//!
//! A new spec section is a new file plus one call from `check`.

mod advice;
mod created;
mod fleets;
mod names;
mod operators;
mod preferences;
mod roles;
mod session;
mod shape;

pub use names::MAX_NAME_LEN;
use names::{check_boundary_arn, check_name, check_pin, check_role_path, check_tags};
pub(crate) use preferences::PROVIDER_NAME;
use session::{merge_session, resolve_overrides};
pub use shape::closest;

use super::raw::RawSpec;
use super::source::{self, Limits, Locations};
use super::{Session, Spec, SPEC_VERSION};
use crate::error::{Diagnostic, Error, Severity};

struct Ctx<'a> {
    file: &'a str,
    loc: &'a Locations,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn push(
        &mut self,
        severity: Severity,
        field: &str,
        at_key: bool,
        message: String,
        help: Option<String>,
    ) {
        let pos = if at_key {
            self.loc.key(field)
        } else {
            self.loc.value(field)
        };
        self.diags.push(Diagnostic {
            severity,
            file: self.file.to_string(),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
            field: field.to_string(),
            message,
            help,
        });
    }

    fn error(&mut self, field: &str, message: impl Into<String>, help: impl Into<String>) {
        self.push(
            Severity::Error,
            field,
            false,
            message.into(),
            Some(help.into()),
        );
    }

    fn warn(&mut self, field: &str, message: impl Into<String>, help: impl Into<String>) {
        self.push(
            Severity::Warning,
            field,
            false,
            message.into(),
            Some(help.into()),
        );
    }

    fn note(&mut self, field: &str, message: impl Into<String>, help: impl Into<String>) {
        self.push(
            Severity::Note,
            field,
            false,
            message.into(),
            Some(help.into()),
        );
    }

    fn has_errors(&self) -> bool {
        self.diags.iter().any(|d| d.severity == Severity::Error)
    }
}

/// Parses and validates spec text.
pub fn validate(text: &str, file: &str) -> Result<(Spec, Vec<Diagnostic>), Error> {
    let whole = |message: &str, help: &str, line: Option<usize>, column: Option<usize>| {
        Error::InvalidSpec(vec![Diagnostic {
            severity: Severity::Error,
            file: file.to_string(),
            line,
            column,
            field: String::new(),
            message: message.to_string(),
            help: Some(help.to_string()),
        }])
    };
    if text.trim().is_empty() {
        return Err(whole(
            "the spec is empty",
            "start from `ssmgen init` and describe your fleets",
            None,
            None,
        ));
    }
    if let Some(i) = text.find('\0') {
        let line = text[..i].matches('\n').count() + 1;
        return Err(whole(
            "the file holds a NUL byte; it is not a text spec",
            "give the path of a YAML or JSON spec",
            Some(line),
            Some(1),
        ));
    }
    let (value, loc) = source::parse(text, Limits::default()).map_err(|e| {
        whole(
            &format!("cannot parse the spec: {}", e.message),
            e.help,
            Some(e.pos.line),
            Some(e.pos.column),
        )
    })?;
    if value.is_null() {
        return Err(whole(
            "the spec holds no settings (only comments or blank lines)",
            "start from `ssmgen init` and describe your fleets",
            None,
            None,
        ));
    }
    if !value.is_object() {
        return Err(whole(
            "the spec must be a mapping with `version`, `project` and `fleets`",
            "start from `ssmgen init`",
            Some(1),
            Some(1),
        ));
    }
    let mut ctx = Ctx {
        file,
        loc: &loc,
        diags: Vec::new(),
    };
    let raw: RawSpec = match serde_path_to_error::deserialize(&value) {
        Ok(raw) => raw,
        Err(e) => {
            shape::report_shape_error(&mut ctx, &e);
            return Err(Error::InvalidSpec(ctx.diags));
        }
    };
    let spec = check(&mut ctx, raw);
    if ctx.has_errors() {
        // Warnings would only bury the errors that stop generation.
        let mut diags: Vec<Diagnostic> = ctx
            .diags
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        diags.sort_by_key(|d| (d.line, d.column));
        return Err(Error::InvalidSpec(diags));
    }
    Ok((spec, ctx.diags))
}

fn check(ctx: &mut Ctx<'_>, raw: RawSpec) -> Spec {
    if raw.version != SPEC_VERSION {
        ctx.error(
            "version",
            format!("spec version {} is not supported", raw.version),
            format!("set `version: {SPEC_VERSION}`"),
        );
    }
    check_name(ctx, "project", &raw.project);
    check_tags(ctx, "tags", &raw.tags);

    let pin = check_pin(ctx, raw.pin.unwrap_or_default());
    let partition_hint = pin.partition;

    let permissions_boundary = raw.permissions_boundary.clone();
    if let Some(arn) = &permissions_boundary {
        check_boundary_arn(ctx, "permissions_boundary", arn, partition_hint);
    }
    let role_path = match raw.role_path.as_deref() {
        None => "/".to_string(),
        Some(p) => {
            check_role_path(ctx, "role_path", p);
            p.to_string()
        }
    };

    let defaults = merge_session(
        &Session::default(),
        resolve_overrides(ctx, "session", raw.session, &pin),
    );

    let mut fleets =
        fleets::check_fleets(ctx, raw.fleets, &raw.tags, &pin, &defaults, &raw.project);
    operators::check_selector_tags(ctx, &fleets);
    let operators = operators::check_operators(ctx, raw.operators, &fleets);
    roles::check_roles(ctx, &raw.project, &role_path, &raw.tags, &fleets);
    session::check_key_regions(ctx, &fleets, &pin);
    advice::advise(ctx, &fleets);
    let session_document = preferences::check_session_document(ctx, raw.session_document, &fleets);
    created::check_created(
        ctx,
        &raw.project,
        &role_path,
        &mut fleets,
        &session_document,
    );
    let hybrid_advanced_tier = preferences::check_tier(ctx, raw.hybrid_advanced_tier, &fleets);
    let activation_method =
        preferences::check_activation_method(ctx, raw.activation_method, &fleets);
    Spec {
        project: raw.project,
        tags: raw.tags,
        permissions_boundary,
        role_path,
        pin,
        fleets,
        session_document,
        operators,
        hybrid_advanced_tier,
        activation_method,
    }
}
