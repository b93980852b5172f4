//! Errors and diagnostics, and the exit code each one maps to.

use std::fmt;
use std::path::PathBuf;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// A fact the user should know (cost, scope, prerequisites) about a choice the spec
    /// makes explicitly; it does not change the exit code.
    Note,
    Warning,
    Error,
}

/// One finding about a spec, pointing at the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The spec file as the user named it.
    pub file: String,
    /// 1-based line and column, when the finding has a place in the file.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Field path such as `fleets[1].session.s3.bucket`; empty for the whole file.
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// The diagnostic as text; with `color`, the level and the help label are
    /// highlighted with ANSI colours (for a terminal).
    pub fn render(&self, color: bool) -> String {
        use std::fmt::Write as _;
        let (level, paint) = match self.severity {
            Severity::Error => ("error", "1;31"),
            Severity::Warning => ("warning", "1;33"),
            Severity::Note => ("note", "1;36"),
        };
        let mut s = self.file.clone();
        if let (Some(l), Some(c)) = (self.line, self.column) {
            let _ = write!(s, ":{l}:{c}");
        }
        if color {
            let _ = write!(s, ": \x1b[{paint}m{level}\x1b[0m");
        } else {
            let _ = write!(s, ": {level}");
        }
        if !self.field.is_empty() {
            let _ = write!(s, " in `{}`", self.field);
        }
        let _ = write!(s, ": {}", self.message);
        if let Some(help) = &self.help {
            if color {
                let _ = write!(s, "\n  \x1b[1;36mhelp\x1b[0m: {help}");
            } else {
                let _ = write!(s, "\n  help: {help}");
            }
        }
        s
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// Everything that stops ssmgen from doing what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec could not be read.
    #[error("{path}: {message}")]
    Read { path: PathBuf, message: String },
    /// The spec is not valid; every error found is listed.
    #[error("{}", render_all(.0, false))]
    InvalidSpec(Vec<Diagnostic>),
    /// The command line asked for something that cannot be done.
    #[error("{0}")]
    Usage(String),
    /// Output could not be written.
    #[error("{path}: {message}")]
    Write { path: PathBuf, message: String },
    /// A template failed to render: a bug in ssmgen, not in the spec.
    #[error("internal error while rendering {template}: {message}")]
    Render { template: String, message: String },
}

/// Every diagnostic and the count of errors, as printed for an invalid spec.
pub fn render_all(diags: &[Diagnostic], color: bool) -> String {
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let mut s = diags
        .iter()
        .map(|d| d.render(color))
        .collect::<Vec<_>>()
        .join("\n");
    s.push_str(&format!(
        "\n{errors} error{} in the spec; nothing was written",
        if errors == 1 { "" } else { "s" }
    ));
    s
}

/// Process exit codes.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Findings: warnings from `validate`, drift from `--check`.
    pub const FINDINGS: u8 = 1;
    /// Bad input or usage.
    pub const BAD_INPUT: u8 = 2;
    /// Output could not be written.
    pub const IO: u8 = 3;
    /// A bug in ssmgen.
    pub const INTERNAL: u8 = 4;
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Read { .. } | Error::InvalidSpec(_) | Error::Usage(_) => exit::BAD_INPUT,
            Error::Write { .. } => exit::IO,
            Error::Render { .. } => exit::INTERNAL,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn diag() -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            file: "s.yaml".into(),
            line: Some(3),
            column: Some(5),
            field: "fleets[0].mode".into(),
            message: "bad".into(),
            help: Some("fix it".into()),
        }
    }

    #[test]
    fn plain_text_has_no_escape_codes_and_colour_only_paints_labels() {
        let plain = diag().render(false);
        assert_eq!(
            plain,
            "s.yaml:3:5: error in `fleets[0].mode`: bad\n  help: fix it"
        );
        let painted = diag().render(true);
        assert!(painted.contains("\x1b[1;31merror\x1b[0m"));
        let stripped = painted
            .replace("\x1b[1;31m", "")
            .replace("\x1b[1;36m", "")
            .replace("\x1b[0m", "");
        assert_eq!(stripped, plain);
    }
}
