//! The activation script written for CloudFormation and CDK with `activation_method:
//! script` (review finding 5; by default the stack makes the activations): it always
//! names the Region (the pinned one, else `--region` or `AWS_REGION`, refusing without
//! one), checks with `aws sts get-caller-identity` that the credentials belong to the
//! account the roles' trust conditions name, and never prints an activation code unless
//! asked: by default each goes to a file only its owner can read, or to a Secrets
//! Manager secret. Run with a stand-in `aws` (tests/common) that records every call.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{run_activation_script, ScriptRun};
use ssmgen::targets::{Options, Target};

/// The script of a spec, with `activation_method: script` (by default the stack makes
/// the activations itself and there is no script).
fn script(spec_yaml: &str) -> String {
    let spec_yaml = format!("{spec_yaml}activation_method: script\n");
    let (spec, _) = ssmgen::spec::load_str(&spec_yaml, "spec.yaml").expect("valid spec");
    let plan = ssmgen::plan::build::build(&spec);
    let files = ssmgen::targets::cloudformation::CloudFormation
        .render(&plan, &Options::default())
        .expect("renders");
    let f = files
        .into_iter()
        .find(|f| f.path.ends_with("create-activations.sh"))
        .expect("a script for hybrid fleets");
    f.contents
}

const PINNED: &str = "version: 1\nproject: plant\npin: {account: '111122223333', region: eu-central-1}\nfleets: [{name: line, platform: hybrid, mode: session-only}]\n";
const UNPINNED: &str =
    "version: 1\nproject: plant\nfleets: [{name: line, platform: hybrid, mode: session-only}]\n";

fn run(spec: &str, args: &[&str], env: &[(&str, &str)]) -> (tempfile::TempDir, ScriptRun) {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = run_activation_script(&script(spec), dir.path(), args, env);
    (dir, run)
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

#[test]
fn with_the_activations_in_the_stack_there_is_no_script() {
    let (spec, _) = ssmgen::spec::load_str(PINNED, "spec.yaml").expect("valid spec");
    let plan = ssmgen::plan::build::build(&spec);
    assert!(plan.activation_provider.is_some());
    let files = ssmgen::targets::cloudformation::CloudFormation
        .render(&plan, &Options::default())
        .expect("renders");
    assert!(files
        .iter()
        .all(|f| !f.path.ends_with("create-activations.sh")));
}

#[test]
fn without_a_pinned_region_the_script_needs_one_and_uses_it_everywhere() {
    let (_d, r) = run(UNPINNED, &[], &[]);
    assert_eq!(r.output.status.code(), Some(2), "{}", stderr(&r));
    assert!(
        stderr(&r).contains("--region REGION (or set AWS_REGION)"),
        "{}",
        stderr(&r)
    );
    assert!(
        r.calls.is_empty(),
        "no call without a Region: {:?}",
        r.calls
    );

    for (args, env) in [
        (vec!["--region", "ap-south-1"], vec![]),
        (vec![], vec![("AWS_REGION", "ap-south-1")]),
    ] {
        let (_d, r) = run(UNPINNED, &args, &env);
        assert!(r.output.status.success(), "{}", stderr(&r));
        for call in r.calls.iter().filter(|c| c[0] != "iam") {
            assert_eq!(arg(call, "--region"), Some("ap-south-1"), "{call:?}");
        }
    }
}

#[test]
fn a_pinned_region_is_used_and_another_one_refused() {
    let env = [("FAKE_ACCOUNT", "111122223333")];
    let (_d, r) = run(PINNED, &[], &env);
    assert!(r.output.status.success(), "{}", stderr(&r));
    let create = r
        .calls
        .iter()
        .find(|c| c[1] == "create-activation")
        .expect("created");
    assert_eq!(arg(create, "--region"), Some("eu-central-1"));
    let (_d, r) = run(PINNED, &["--region", "us-east-1"], &env);
    assert_eq!(r.output.status.code(), Some(2));
    assert!(
        stderr(&r).contains("pins Region eu-central-1"),
        "{}",
        stderr(&r)
    );
}

#[test]
fn credentials_of_another_account_are_refused_before_anything_is_created() {
    let (_d, r) = run(PINNED, &[], &[("FAKE_ACCOUNT", "999999999999")]);
    assert_eq!(r.output.status.code(), Some(1));
    assert!(
        stderr(&r).contains("account 999999999999"),
        "{}",
        stderr(&r)
    );
    assert_eq!(
        r.calls.len(),
        1,
        "only the identity check ran: {:?}",
        r.calls
    );
    assert_eq!(r.calls[0][..2], ["sts", "get-caller-identity"]);
}

#[test]
fn the_code_goes_to_an_owner_only_file_by_default_and_is_never_printed() {
    let (dir, r) = run(PINNED, &[], &[("FAKE_ACCOUNT", "111122223333")]);
    assert!(r.output.status.success(), "{}", stderr(&r));
    let out = stdout(&r) + &stderr(&r);
    assert!(!out.contains("code-"), "the code was printed: {out}");
    assert!(
        out.contains("./activations/line.activation (mode 0600)"),
        "{out}"
    );
    let file = dir.path().join("activations/line.activation");
    let text = std::fs::read_to_string(&file).expect("activation file");
    assert!(text.starts_with("ActivationId=act-") && text.contains("ActivationCode=code-"));
    let mode = std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn the_code_goes_to_secrets_manager_or_standard_output_only_when_asked() {
    let env = [("FAKE_ACCOUNT", "111122223333")];
    let (dir, r) = run(PINNED, &["--secret-prefix", "ssm/activations/"], &env);
    assert!(r.output.status.success(), "{}", stderr(&r));
    assert!(!dir.path().join("activations").exists(), "nothing on disk");
    let (n, secret) = (r.calls.iter().enumerate())
        .find(|(_, c)| c[..2] == ["secretsmanager", "create-secret"])
        .expect("a secret");
    assert_eq!(arg(secret, "--name"), Some("ssm/activations/line"));
    // The code reaches the CLI on standard input, never as an argument.
    assert_eq!(arg(secret, "--secret-string"), Some("file:///dev/stdin"));
    let value: serde_json::Value = serde_json::from_str(&r.stdin[&n]).expect("JSON secret");
    assert!(value["ActivationCode"]
        .as_str()
        .is_some_and(|c| c.starts_with("code-")));
    assert!(!stdout(&r).contains("code-"));

    let (_d, r) = run(PINNED, &["--print"], &env);
    assert!(
        stdout(&r).contains("ActivationCode code-"),
        "{}",
        stdout(&r)
    );
}

#[test]
fn a_failed_create_activation_stops_the_script() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A script whose create-activation call fails: the stand-in is replaced by one that
    // answers the identity check and fails every other call.
    let s = script(PINNED).replace("activation=$(aws ssm", "activation=$(false && aws ssm");
    let r = run_activation_script(&s, dir.path(), &[], &[("FAKE_ACCOUNT", "111122223333")]);
    assert!(!r.output.status.success());
    assert!(!dir.path().join("activations").exists(), "nothing kept");
}
