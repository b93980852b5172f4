//! Broken specs under `tests/errors/`: each must exit 2 with the message recorded beside it
//! (`<name>.stderr`), and `generate` must write nothing for it. Regenerate the messages
//! with `SSMGEN_BLESS=errors cargo test --test error_corpus` and review them.

use std::fs;
use std::path::PathBuf;

use assert_cmd::Command;

fn corpus() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir("tests/errors")
        .expect("corpus folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e != "stderr"))
        .collect();
    v.sort();
    v
}

#[test]
fn corpus_has_at_least_sixty_broken_specs() {
    assert!(corpus().len() >= 60, "{}", corpus().len());
}

/// The README states the corpus size; it had drifted once, so it is checked.
#[test]
fn readme_states_the_corpus_size() {
    let readme = fs::read_to_string("README.md").expect("README");
    let stated = readme
        .split("`tests/errors/` holds ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<usize>().ok())
        .expect("README says how many broken specs tests/errors/ holds");
    assert_eq!(stated, corpus().len(), "update the count in README.md");
}

#[test]
fn every_broken_spec_exits_2_with_its_recorded_message() {
    let bless = std::env::var("SSMGEN_BLESS").is_ok_and(|v| v == "errors" || v == "1");
    let mut failures = Vec::new();
    for spec in corpus() {
        let out = Command::cargo_bin("ssmgen")
            .expect("binary")
            .arg("validate")
            .arg(&spec)
            .env("NO_COLOR", "1")
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let golden = spec.with_extension(format!(
            "{}.stderr",
            spec.extension()
                .map(|e| e.to_string_lossy())
                .unwrap_or_default()
        ));
        if out.status.code() != Some(2) {
            failures.push(format!(
                "{}: exit {:?}\n{stderr}",
                spec.display(),
                out.status.code()
            ));
            continue;
        }
        if stderr.contains("panicked") || stderr.trim().is_empty() {
            failures.push(format!("{}: no useful message\n{stderr}", spec.display()));
            continue;
        }
        if bless {
            fs::write(&golden, &stderr).expect("write golden");
            continue;
        }
        let want = fs::read_to_string(&golden).unwrap_or_default();
        if want != stderr {
            failures.push(format!(
                "{}:\n--- recorded\n{want}+++ actual\n{stderr}",
                spec.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn generate_writes_nothing_for_a_broken_spec() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out");
    for spec in corpus() {
        Command::cargo_bin("ssmgen")
            .expect("binary")
            .arg("generate")
            .arg(&spec)
            .args(["--target", "all", "--out"])
            .arg(&out)
            .assert()
            .code(2);
        assert!(!out.exists(), "{}: wrote output", spec.display());
    }
}
