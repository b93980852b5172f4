//! The preferences script written for CloudFormation and CDK when the spec manages the
//! account's default preferences document (`session_document: {account_default: true}`):
//! it creates SSM-SessionManagerRunShell, or makes a new version of it the default, with
//! the calls of the Systems Manager User Guide; an unchanged content changes nothing; it
//! always names the Region (the pinned one, else `--region` or `AWS_REGION`) and refuses
//! credentials of another account than the pinned one. The content the CLI receives is
//! exactly the plan's, whatever the shell profile holds. Run with a stand-in `aws`
//! (tests/common) that records every call.

mod common;

use common::{run_script, ScriptRun};
use ssmgen::plan::Plan;
use ssmgen::targets::Options;

const FILE: &str = "session-preferences.sh";
const DOCUMENT: &str = "SSM-SessionManagerRunShell";
const ACCOUNT: (&str, &str) = ("FAKE_ACCOUNT", "111122223333");

fn spec(pin: &str, linux_profile: &str) -> String {
    // A JSON string is a YAML double-quoted scalar with the same escapes.
    let profile = serde_json::to_string(linux_profile).expect("json");
    format!(
        "version: 1\nproject: core\n{pin}session:\n  cloudwatch: {{log_group: /ssm/core}}\n  shell_profile:\n    linux: {profile}\nsession_document:\n  account_default: true\nfleets: [{{name: web, platform: ec2, mode: session-only}}]\n"
    )
}

const PIN: &str = "pin: {account: '111122223333', region: eu-central-1}\n";

fn plan(spec_yaml: &str) -> Plan {
    let (spec, _) = ssmgen::spec::load_str(spec_yaml, "spec.yaml").expect("valid spec");
    ssmgen::plan::build::build(&spec)
}

/// The script of each target that writes one, by target name.
fn scripts(plan: &Plan) -> Vec<(&'static str, String)> {
    ssmgen::targets::all()
        .into_iter()
        .filter(|t| t.name() != "terraform")
        .map(|t| {
            let files = t.render(plan, &Options::default()).expect("renders");
            let f = files
                .into_iter()
                .find(|f| f.path.ends_with(FILE))
                .unwrap_or_else(|| panic!("{} writes {FILE}", t.name()));
            (t.name(), f.contents)
        })
        .collect()
}

fn script(spec_yaml: &str) -> String {
    scripts(&plan(spec_yaml)).remove(0).1
}

fn run(spec_yaml: &str, args: &[&str], env: &[(&str, &str)]) -> ScriptRun {
    run_with("sh", &script(spec_yaml), args, env)
}

fn run_with(shell: &str, script: &str, args: &[&str], env: &[(&str, &str)]) -> ScriptRun {
    let dir = tempfile::tempdir().expect("tempdir");
    run_script(shell, FILE, script, dir.path(), args, env)
}

fn stdout(r: &ScriptRun) -> String {
    String::from_utf8_lossy(&r.output.stdout).into_owned()
}

fn stderr(r: &ScriptRun) -> String {
    String::from_utf8_lossy(&r.output.stderr).into_owned()
}

/// The value after `--flag` in a call.
fn arg<'a>(call: &'a [String], flag: &str) -> Option<&'a str> {
    let i = call.iter().position(|a| a == flag)?;
    call.get(i + 1).map(String::as_str)
}

/// The operations called, as `service operation`.
fn operations(r: &ScriptRun) -> Vec<String> {
    r.calls.iter().map(|c| c[..2].join(" ")).collect()
}

#[test]
fn a_missing_document_is_created_with_the_plans_content() {
    let spec = spec(PIN, "exec bash -l");
    let r = run(&spec, &[], &[ACCOUNT]);
    assert!(r.output.status.success(), "{}", stderr(&r));
    assert_eq!(
        operations(&r),
        [
            "sts get-caller-identity",
            "ssm describe-document",
            "ssm create-document"
        ]
    );
    let create = &r.calls[2];
    assert_eq!(arg(create, "--name"), Some(DOCUMENT));
    assert_eq!(arg(create, "--document-type"), Some("Session"));
    assert_eq!(arg(create, "--document-format"), Some("JSON"));
    let content: serde_json::Value =
        serde_json::from_str(arg(create, "--content").expect("content")).expect("JSON");
    assert_eq!(content, plan(&spec).documents[0].content);
    for call in &r.calls {
        assert_eq!(arg(call, "--region"), Some("eu-central-1"), "{call:?}");
    }
    assert_eq!(arg(&r.calls[1], "--name"), Some(DOCUMENT));
    assert!(stdout(&r).contains("created"), "{}", stdout(&r));
}

#[test]
fn an_existing_document_gets_a_new_version_made_the_default() {
    let spec = spec(PIN, "exec bash -l");
    let env = [
        ACCOUNT,
        ("FAKE_DOCUMENT_VERSIONS", "3\t3"),
        ("FAKE_NEW_VERSION", "4"),
    ];
    let r = run(&spec, &[], &env);
    assert!(r.output.status.success(), "{}", stderr(&r));
    assert_eq!(
        operations(&r),
        [
            "sts get-caller-identity",
            "ssm describe-document",
            "ssm update-document",
            "ssm update-document-default-version"
        ]
    );
    let update = &r.calls[2];
    assert_eq!(arg(update, "--name"), Some(DOCUMENT));
    assert_eq!(arg(update, "--document-format"), Some("JSON"));
    // Literally `$LATEST`: the shell expanded nothing.
    assert_eq!(arg(update, "--document-version"), Some("$LATEST"));
    assert_eq!(
        arg(update, "--query"),
        Some("DocumentDescription.DocumentVersion")
    );
    assert_eq!(arg(update, "--output"), Some("text"));
    let content: serde_json::Value =
        serde_json::from_str(arg(update, "--content").expect("content")).expect("JSON");
    assert_eq!(content, plan(&spec).documents[0].content);
    let default = &r.calls[3];
    assert_eq!(arg(default, "--name"), Some(DOCUMENT));
    assert_eq!(arg(default, "--document-version"), Some("4"));
    assert!(
        stdout(&r).contains("version 4 is the default now"),
        "{}",
        stdout(&r)
    );
}

#[test]
fn an_unchanged_content_changes_nothing() {
    let spec = spec(PIN, "exec bash -l");
    let env = [
        ACCOUNT,
        ("FAKE_DOCUMENT_VERSIONS", "3\t3"),
        ("FAKE_UPDATE_ERROR", "DuplicateDocumentContent"),
    ];
    let r = run(&spec, &[], &env);
    assert_eq!(r.output.status.code(), Some(0), "{}", stderr(&r));
    assert!(stdout(&r).contains("already up to date"), "{}", stdout(&r));
    assert_eq!(
        operations(&r).last().map(String::as_str),
        Some("ssm update-document")
    );

    // A run that stopped before making its version the default: the next one does it.
    let env = [
        ACCOUNT,
        ("FAKE_DOCUMENT_VERSIONS", "4\t3"),
        ("FAKE_UPDATE_ERROR", "DuplicateDocumentContent"),
    ];
    let r = run(&spec, &[], &env);
    assert_eq!(r.output.status.code(), Some(0), "{}", stderr(&r));
    let last = r.calls.last().expect("calls");
    assert_eq!(last[..2], ["ssm", "update-document-default-version"]);
    assert_eq!(arg(last, "--document-version"), Some("4"));
}

#[test]
fn another_update_error_stops_the_script_with_the_clis_message() {
    let env = [
        ACCOUNT,
        ("FAKE_DOCUMENT_VERSIONS", "3\t3"),
        ("FAKE_UPDATE_ERROR", "AccessDeniedException"),
    ];
    let r = run(&spec(PIN, "exec bash -l"), &[], &env);
    assert_eq!(r.output.status.code(), Some(1));
    assert!(
        stderr(&r).contains("(AccessDeniedException)"),
        "{}",
        stderr(&r)
    );
    assert!(!operations(&r).contains(&"ssm update-document-default-version".to_string()));
}

#[test]
fn a_pinned_region_is_used_and_another_one_refused() {
    let spec = spec(PIN, "exec bash -l");
    let r = run(&spec, &["--region", "eu-central-1"], &[ACCOUNT]);
    assert!(r.output.status.success(), "{}", stderr(&r));
    let r = run(&spec, &["--region", "us-east-1"], &[ACCOUNT]);
    assert_eq!(r.output.status.code(), Some(2));
    assert!(
        stderr(&r).contains("pins Region eu-central-1"),
        "{}",
        stderr(&r)
    );
    assert!(r.calls.is_empty(), "nothing called: {:?}", r.calls);
}

#[test]
fn without_a_pinned_region_the_script_needs_one_and_uses_it_everywhere() {
    let spec = spec("", "exec bash -l");
    let r = run(&spec, &[], &[]);
    assert_eq!(r.output.status.code(), Some(2), "{}", stderr(&r));
    assert!(
        stderr(&r).contains("--region REGION (or set AWS_REGION)"),
        "{}",
        stderr(&r)
    );
    assert!(r.calls.is_empty(), "{:?}", r.calls);
    for (args, env) in [
        (vec!["--region", "ap-south-1"], vec![]),
        (vec![], vec![("AWS_REGION", "ap-south-1")]),
    ] {
        let r = run(&spec, &args, &env);
        assert!(r.output.status.success(), "{}", stderr(&r));
        assert_eq!(r.calls.len(), 3, "{:?}", r.calls);
        for call in &r.calls {
            assert_eq!(arg(call, "--region"), Some("ap-south-1"), "{call:?}");
        }
    }
}

#[test]
fn credentials_of_another_account_are_refused_before_anything_is_written() {
    let r = run(
        &spec(PIN, "exec bash -l"),
        &[],
        &[("FAKE_ACCOUNT", "999999999999")],
    );
    assert_eq!(r.output.status.code(), Some(1));
    assert!(
        stderr(&r).contains("credentials are for account 999999999999"),
        "{}",
        stderr(&r)
    );
    assert_eq!(operations(&r), ["sts get-caller-identity"]);
}

#[test]
fn a_hostile_shell_profile_reaches_the_cli_exactly_in_every_shell() {
    let hostile = "echo \"it's\" '$HOME' ${HOME} $(id) `id` \\ \\n \\\\\nSSMGEN_END_OF_PREFERENCES\n\tEOF\n)\n'\n}\n# é 🦀 \u{2028}";
    let spec = spec(PIN, hostile);
    let plan = plan(&spec);
    assert_eq!(
        plan.documents[0].content["inputs"]["shellProfile"]["linux"],
        hostile
    );
    let shells: Vec<&str> = ["sh", "dash", "bash", "busybox"]
        .into_iter()
        .filter(|s| {
            std::process::Command::new(s)
                .args(["-c", "true"])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .collect();
    for (target, script) in scripts(&plan) {
        for shell in &shells {
            for versions in [None, Some("3\t3")] {
                let mut env = vec![ACCOUNT];
                if let Some(v) = versions {
                    env.push(("FAKE_DOCUMENT_VERSIONS", v));
                }
                let r = run_with(shell, &script, &[], &env);
                assert!(
                    r.output.status.success(),
                    "{target} with {shell}: {}",
                    stderr(&r)
                );
                let write = r.calls.get(2).expect("a write");
                let content = arg(write, "--content").expect("content");
                let back: serde_json::Value = serde_json::from_str(content)
                    .unwrap_or_else(|e| panic!("{target} with {shell}: {e}: {content}"));
                assert_eq!(back, plan.documents[0].content, "{target} with {shell}");
            }
        }
    }
}

#[test]
fn the_help_is_the_header_and_the_three_targets_write_the_same_script() {
    let plan = plan(&spec(PIN, "exec bash -l"));
    let scripts = scripts(&plan);
    assert_eq!(scripts.len(), 3);
    for (target, script) in &scripts {
        assert!(
            script.starts_with(
                "#!/bin/sh\n# Generated by ssmgen for project core. Do not edit: change the spec and regenerate.\n"
            ),
            "{target}"
        );
        let r = run_with("sh", script, &["--help"], &[]);
        assert!(r.output.status.success());
        let help = stdout(&r);
        assert!(help.starts_with("# Writes the spec's"), "{help}");
        assert!(
            help.ends_with("an unchanged one changes nothing.\n"),
            "{help}"
        );
        assert!(r.calls.is_empty());
        // Only the word for what is deployed differs.
        let same = script.replace("CDK app", "stack");
        assert_eq!(same, scripts[0].1, "{target}");
    }
}
