//! The command line, as clap definitions only.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  ssmgen init                                   write a commented starter spec to ssmgen.yaml
  ssmgen validate ssmgen.yaml                   check a spec; exit 1 on warnings
  ssmgen explain examples/session-only-ec2.yaml why each action is granted
  ssmgen generate ssmgen.yaml -t cloudformation > template.yaml
  ssmgen generate ssmgen.yaml -t terraform --out infra/ssm
  ssmgen generate ssmgen.yaml -t all --out generated
  ssmgen generate ssmgen.yaml -t all --out generated --check   exit 1 if files drifted
  ssmgen schema > ssmgen.schema.json            the spec's JSON Schema, for editors
  ssmgen completions bash > ~/.local/share/bash-completion/completions/ssmgen

Exit codes: 0 ok, 1 findings (warnings, drift), 2 bad input or usage, 3 write failure, 4 internal error.";

/// Generate least-privilege Session Manager IAM code for CloudFormation, Terraform and the AWS CDK.
#[derive(Debug, Parser)]
#[command(name = "ssmgen", version, about, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented starter spec that generates as it stands.
    Init {
        /// Where to write the spec.
        #[arg(default_value = "ssmgen.yaml")]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Generate code for one target or all of them.
    Generate(GenerateArgs),
    /// Check a spec and print its errors and warnings.
    Validate {
        /// The spec file (YAML or JSON).
        spec: PathBuf,
    },
    /// For each fleet, list every granted action and why.
    Explain {
        /// The spec file (YAML or JSON).
        spec: PathBuf,
    },
    /// Print the JSON Schema of the spec format, for editors and CI.
    Schema,
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions {
        /// The shell, e.g. `ssmgen completions bash > /etc/bash_completion.d/ssmgen`.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `ssmgen man > ssmgen.1`.
    Man,
}

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The spec file (YAML or JSON).
    pub spec: PathBuf,
    /// What to generate.
    #[arg(short, long, value_enum)]
    pub target: TargetArg,
    /// Output folder (created when missing). Without it, CloudFormation prints the template.
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// CloudFormation template syntax.
    #[arg(long, value_enum, default_value_t = FormatArg::Yaml)]
    pub format: FormatArg,
    /// With a CDK target, also write a whole app around the construct.
    #[arg(long)]
    pub scaffold: bool,
    /// Write nothing; exit 1 with a diff when the files in --out differ from what the spec generates.
    #[arg(long, requires = "out")]
    pub check: bool,
    /// Overwrite files that ssmgen did not generate.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TargetArg {
    Cloudformation,
    Terraform,
    CdkTypescript,
    CdkPython,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Yaml,
    Json,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
