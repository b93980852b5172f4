//! Runs a parsed command line. Only `main` turns results into an exit code.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Parser;

use crate::cli::{Cli, Command, FormatArg, GenerateArgs, TargetArg};
use crate::error::{exit, Diagnostic, Error, Severity};
use crate::render::Templates;
use crate::targets::cdk_app::Regenerate;
use crate::targets::{self, CfnFormat, Options, OutFile, Target};
use crate::{explain, identity_center, manifest, output, plan, spec};

/// The commented starter spec written by `ssmgen init`.
pub const STARTER_SPEC: &str = include_str!("../templates/starter-spec.yaml");

/// The schema file `init` writes beside the spec, named in the spec's first line.
const SCHEMA_FILE: &str = "ssmgen.schema.json";

/// Parses the command line, runs it, prints errors, and returns the exit code.
pub fn main() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit::BAD_INPUT
            } else {
                exit::OK
            };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(Error::InvalidSpec(diags)) => {
            eprintln!("{}", crate::error::render_all(&diags, use_color()));
            exit::BAD_INPUT
        }
        Err(e) => {
            eprintln!("{e}");
            e.exit_code()
        }
    }
}

/// Colours only on a terminal, and never when `NO_COLOR` is set to anything
/// (https://no-color.org).
fn use_color() -> bool {
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color && std::io::stderr().is_terminal()
}

/// Runs a command; `Ok` holds the exit code of a command that completed.
pub fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        Command::Init { path, force } => init(&path, force),
        Command::Validate { spec } => validate(&spec),
        Command::Explain { spec } => {
            let (plan, _) = load_plan(&spec)?;
            print!("{}", explain::explain(&plan));
            Ok(exit::OK)
        }
        Command::Generate(args) => generate(&args),
        Command::Schema => {
            print!("{}", spec::schema::json());
            Ok(exit::OK)
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "ssmgen", &mut std::io::stdout());
            Ok(exit::OK)
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(|e| Error::Usage(format!("cannot write the man page: {e}")))?;
            let _ = std::io::stdout().write_all(&out);
            Ok(exit::OK)
        }
    }
}

fn init(path: &Path, force: bool) -> Result<u8, Error> {
    if path.exists() && !force {
        return Err(Error::Usage(format!(
            "{} already exists; nothing was written (use --force to overwrite it)",
            path.display()
        )));
    }
    let write = |p: &Path, text: &str| {
        std::fs::write(p, text).map_err(|e| Error::Write {
            path: p.to_path_buf(),
            message: e.to_string(),
        })
    };
    write(path, STARTER_SPEC)?;
    // The spec's first line points editors (yaml-language-server) at the schema beside it.
    let schema = path.with_file_name(SCHEMA_FILE);
    if force || !schema.exists() {
        write(&schema, &spec::schema::json())?;
        eprintln!(
            "wrote {} (the spec's JSON Schema, for editors)",
            schema.display()
        );
    }
    eprintln!(
        "wrote {}; next: ssmgen generate {} --target all --out generated",
        path.display(),
        path.display()
    );
    Ok(exit::OK)
}

fn print_diagnostics(diags: &[Diagnostic]) {
    let color = use_color();
    for d in diags {
        eprintln!("{}", d.render(color));
    }
}

fn load_plan(path: &Path) -> Result<(plan::Plan, Vec<Diagnostic>), Error> {
    let (spec, warnings) = spec::load(path)?;
    Ok((plan::build::build(&spec), warnings))
}

fn validate(path: &Path) -> Result<u8, Error> {
    let (plan, warnings) = load_plan(path)?;
    print_diagnostics(&warnings);
    let n = warnings
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    let policies = |n: usize| format!("{n} polic{}", if n == 1 { "y" } else { "ies" });
    println!(
        "{}: valid; {} fleet(s), {} role(s), {} instance profile(s), {}, {} activation(s), {} preferences document(s), {} service setting(s), {} operator {}; {} warning(s)",
        path.display(),
        plan.fleets.len(),
        plan.roles.len(),
        plan.instance_profiles.len(),
        policies(plan.policies.len()),
        plan.activations.len(),
        plan.documents.len(),
        plan.service_settings.len(),
        plan.operator_policies.len(),
        if plan.operator_policies.len() == 1 { "policy" } else { "policies" },
        n
    );
    Ok(if n > 0 { exit::FINDINGS } else { exit::OK })
}

fn chosen_targets(t: TargetArg) -> Vec<Box<dyn Target>> {
    let name = match t {
        TargetArg::All => return targets::all(),
        TargetArg::Cloudformation => "cloudformation",
        TargetArg::Terraform => "terraform",
        TargetArg::CdkTypescript => "cdk-typescript",
        TargetArg::CdkPython => "cdk-python",
    };
    targets::all()
        .into_iter()
        .filter(|t| t.name() == name)
        .collect()
}

/// Renders every requested target, one after another, handing each file to `each` as
/// soon as its target has rendered; with several targets each goes in its own folder.
pub fn for_each_file(
    plan: &plan::Plan,
    target: TargetArg,
    options: &Options,
    mut each: impl FnMut(OutFile) -> Result<(), Error>,
) -> Result<(), Error> {
    let chosen = chosen_targets(target);
    let nest = chosen.len() > 1;
    // At small sizes parsing the templates is most of a run (87% of the instructions of
    // a 3-fleet run, by callgrind; Tera's parser costs most per `{{ }}` or `{% %}` tag),
    // so with several targets each target's templates are parsed on a thread of their
    // own, on spare cores, while the first target renders; a render waits for a parse
    // still under way (BENCHMARKS.md).
    if nest {
        for t in &chosen {
            Templates::warm(t.templates_used(plan, options));
        }
    }
    // A nested CDK app regenerates from one folder further down.
    let nested = Options {
        regenerate: options.regenerate.as_ref().map(|r| r.nested()),
        ..options.clone()
    };
    let options = if nest { &nested } else { options };
    for t in &chosen {
        for mut f in t.render(plan, options)? {
            if nest {
                f.path = PathBuf::from(t.name()).join(&f.path);
            }
            each(f)?;
        }
    }
    Ok(())
}

/// Every file of every requested target.
pub fn render_targets(
    plan: &plan::Plan,
    target: TargetArg,
    options: &Options,
) -> Result<Vec<OutFile>, Error> {
    let mut files = Vec::new();
    for_each_file(plan, target, options, |f| {
        files.push(f);
        Ok(())
    })?;
    Ok(files)
}

fn generate(args: &GenerateArgs) -> Result<u8, Error> {
    if args.out.is_none() && args.target != TargetArg::Cloudformation {
        return Err(Error::Usage(
            "this target writes several files; give an output folder with --out DIR".into(),
        ));
    }
    let (plan, warnings) = load_plan(&args.spec)?;
    print_diagnostics(&warnings);
    let options = Options {
        cfn_format: match args.format {
            FormatArg::Yaml => CfnFormat::Yaml,
            FormatArg::Json => CfnFormat::Json,
        },
        scaffold: args.scaffold,
        regenerate: args
            .out
            .as_deref()
            .filter(|_| args.scaffold)
            .and_then(|out| regenerate(&args.spec, out, args.target, args.format)),
    };
    let Some(out) = &args.out else {
        let files = render_targets(&plan, args.target, &options)?;
        let Some((template, extras)) = files.split_first() else {
            return Err(Error::Render {
                template: "cloudformation".into(),
                message: "no template was rendered".into(),
            });
        };
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(template.contents.as_bytes());
        for extra in extras.iter().chain(&identity_center::files(&plan)) {
            eprintln!(
                "note: {} not written; use --out DIR to write it beside the template",
                extra.path.display()
            );
        }
        return Ok(exit::OK);
    };
    // Each target's files are staged (or compared) and dropped before the next target
    // renders, so memory holds one target's output at most.
    let mut staging =
        output::Staging::new(out, args.force).with_known_unmarked(manifest::unmarked_files(out));
    let mut diff = String::new();
    let mut count = 0;
    let mut handle = |f: &OutFile| -> Result<(), Error> {
        count += 1;
        if args.check {
            diff.push_str(&output::check_one(out, f));
            Ok(())
        } else {
            staging.stage(f)
        }
    };
    for_each_file(&plan, args.target, &options, |f| handle(&f))?;
    // Target-neutral: once at the output folder's top, whichever targets were chosen.
    for f in identity_center::files(&plan) {
        handle(&f)?;
    }
    handle(&manifest::manifest(&plan))?;
    // Warned before anything is renamed into place, but only after rendering: at 10,000
    // fleets the previous manifest is megabytes of JSON, and reading it while the
    // outputs render raised peak memory by tens of megabytes.
    if let Some(previous) = manifest::Previous::read(out) {
        for r in previous.replacements(&plan) {
            eprintln!("warning: {}", r.message());
        }
        for role in previous.replaced_hybrid_roles(&plan) {
            eprintln!(
                "warning: hybrid service role {role} was generated before and is not any more (a project, fleet or role_path change renames it). \
                 An activation's role cannot be changed: nodes registered with it keep using the old role, \
                 and lose Session Manager access when it is deleted; register them again with the new activation"
            );
        }
    }
    if args.check {
        if diff.is_empty() {
            eprintln!("{}: up to date ({count} files)", out.display());
            return Ok(exit::OK);
        }
        print!("{diff}");
        eprintln!(
            "{}: generated files differ from the spec; run without --check to update them",
            out.display()
        );
        return Ok(exit::FINDINGS);
    }
    let unchanged = staging.unchanged();
    for p in staging.commit()? {
        eprintln!("wrote {}", p.display());
    }
    if unchanged > 0 {
        eprintln!(
            "{}: {unchanged} file(s) already up to date, left as they were",
            out.display()
        );
    }
    Ok(exit::OK)
}

/// How a scaffold regenerates itself: this invocation, seen from `--out`.
fn regenerate(spec: &Path, out: &Path, target: TargetArg, format: FormatArg) -> Option<Regenerate> {
    let target = match target {
        TargetArg::CdkTypescript => "cdk-typescript",
        TargetArg::CdkPython => "cdk-python",
        TargetArg::All => "all",
        TargetArg::Cloudformation | TargetArg::Terraform => return None,
    };
    let spec = crate::paths::relative(out, spec)?;
    Some(Regenerate {
        spec,
        target,
        out: ".",
        json: format == FormatArg::Json,
    })
}
