//! Errors and diagnostics, and the exit code each one maps to.

use std::fmt;
use std::path::PathBuf;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
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

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}", self.file)?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, ":{l}:{c}")?;
        }
        write!(f, ": {level}")?;
        if !self.field.is_empty() {
            write!(f, " in `{}`", self.field)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Everything that stops ssmgen from doing what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec could not be read.
    #[error("{path}: {message}")]
    Read { path: PathBuf, message: String },
    /// The spec is not valid; every error found is listed.
    #[error("{}", render_all(.0))]
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

fn render_all(diags: &[Diagnostic]) -> String {
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let mut s = diags
        .iter()
        .map(|d| d.to_string())
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
