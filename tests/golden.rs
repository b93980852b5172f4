//! Golden outputs: every example rendered for every target must equal the files under
//! `tests/golden/<example>/<target>/`. To accept a deliberate change, regenerate with
//! `SSMGEN_BLESS=1 cargo test --test golden` (or `SSMGEN_BLESS=terraform` for one target)
//! and review the diff.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use ssmgen::app::render_targets;
use ssmgen::cli::TargetArg;
use ssmgen::targets::{CfnFormat, Options, OutFile};

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir("examples")
        .expect("examples folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
        .collect();
    v.sort();
    assert!(v.len() >= 7, "at least seven examples");
    v
}

fn bless(target: &str) -> bool {
    std::env::var("SSMGEN_BLESS").is_ok_and(|v| v == "1" || v == "all" || v == target)
}

fn files_under(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).expect("under dir").to_path_buf());
            }
        }
    }
    out
}

fn check(golden_name: &str, target: TargetArg, options: Options) {
    check_with(golden_name, |plan| {
        render_targets(plan, target, &options)
            .unwrap_or_else(|e| panic!("{golden_name} renders: {e}"))
    });
}

/// Compares (or blesses) the files `render` makes of each example's plan.
fn check_with(golden_name: &str, render: impl Fn(&ssmgen::plan::Plan) -> Vec<OutFile>) {
    let mut failures = Vec::new();
    for example in examples() {
        let stem = example
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let (spec, _) = ssmgen::spec::load(&example).expect("example is valid");
        let plan = ssmgen::plan::build::build(&spec);
        let files: Vec<OutFile> = render(&plan);
        let again = render(&plan);
        assert_eq!(
            files, again,
            "{stem}: {golden_name} output is deterministic"
        );
        let dir = Path::new("tests/golden").join(&stem).join(golden_name);
        if bless(golden_name) {
            let _ = fs::remove_dir_all(&dir);
            for f in &files {
                let p = dir.join(&f.path);
                fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
                fs::write(&p, &f.contents).expect("write golden");
            }
            continue;
        }
        let expected_names = files_under(&dir);
        let actual_names: BTreeSet<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
        if expected_names != actual_names {
            failures.push(format!(
                "{stem}/{golden_name}: files differ: golden {expected_names:?}, generated {actual_names:?}"
            ));
            continue;
        }
        for f in &files {
            let want = fs::read_to_string(dir.join(&f.path)).expect("golden file");
            if want != f.contents {
                let diff = similar::TextDiff::from_lines(&want, &f.contents)
                    .unified_diff()
                    .header("golden", "generated")
                    .to_string();
                failures.push(format!(
                    "{stem}/{golden_name}/{}:\n{diff}",
                    f.path.display()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "golden outputs differ (SSMGEN_BLESS={golden_name} to accept):\n{}",
        failures.join("\n")
    );
}

#[test]
fn golden_cloudformation_yaml() {
    check(
        "cloudformation",
        TargetArg::Cloudformation,
        Options::default(),
    );
}

#[test]
fn golden_cloudformation_json() {
    let options = Options {
        cfn_format: CfnFormat::Json,
        ..Options::default()
    };
    check("cloudformation-json", TargetArg::Cloudformation, options);
}

#[test]
fn golden_terraform() {
    check("terraform", TargetArg::Terraform, Options::default());
}

#[test]
fn golden_cdk_typescript() {
    check(
        "cdk-typescript",
        TargetArg::CdkTypescript,
        Options::default(),
    );
}

#[test]
fn golden_cdk_python() {
    check("cdk-python", TargetArg::CdkPython, Options::default());
}

/// The plain JSON operator policies (for IAM Identity Center), written once beside the
/// targets' folders.
#[test]
fn golden_operator_policies() {
    check_with("operator-policies", |plan| {
        let mut files = ssmgen::identity_center::files(plan);
        for f in &mut files {
            f.path = f
                .path
                .strip_prefix(ssmgen::identity_center::FOLDER)
                .expect("in the folder")
                .to_path_buf();
        }
        files
    });
}
