//! The command line end to end.

use std::fs;

use assert_cmd::Command;
use predicates::prelude::*;

fn ssmgen() -> Command {
    Command::cargo_bin("ssmgen").expect("binary builds")
}

#[test]
fn help_lists_commands_examples_and_exit_codes() {
    ssmgen()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("generate"))
        .stdout(predicate::str::contains("Examples:"))
        .stdout(predicate::str::contains("Exit codes"));
}

#[test]
fn usage_errors_exit_2() {
    ssmgen().arg("frobnicate").assert().code(2);
    ssmgen()
        .args(["generate", "examples/china.yaml", "--target", "nope"])
        .assert()
        .code(2);
}

#[test]
fn init_writes_a_starter_spec_that_validates_and_generates() {
    let dir = tempfile::tempdir().expect("tmp");
    let spec = dir.path().join("ssmgen.yaml");
    ssmgen().arg("init").arg(&spec).assert().success();
    ssmgen().arg("validate").arg(&spec).assert().code(0);
    ssmgen()
        .arg("generate")
        .arg(&spec)
        .args(["--target", "all", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .success();
    // A second init does not clobber the spec.
    ssmgen().arg("init").arg(&spec).assert().code(2);
}

#[test]
fn validate_exits_1_on_warnings_and_names_the_field() {
    ssmgen()
        .args(["validate", "examples/managed-core-ec2.yaml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "examples/managed-core-ec2.yaml:10:11: warning in `fleets[0].mode`",
        ));
}

#[test]
fn bad_spec_exits_2_with_position_field_and_suggestion() {
    let dir = tempfile::tempdir().expect("tmp");
    let spec = dir.path().join("bad.yaml");
    fs::write(
        &spec,
        "version: 1\nproject: p\nfleets:\n  - name: web\n    plaform: ec2\n",
    )
    .expect("write");
    ssmgen()
        .arg("validate")
        .arg(&spec)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad.yaml:5:5: error in `fleets[0].plaform`: unknown field `plaform`",
        ))
        .stderr(predicate::str::contains("did you mean `platform`?"));
}

#[test]
fn missing_file_and_directory_are_bad_input() {
    ssmgen()
        .args(["validate", "no/such/spec.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file"));
    ssmgen()
        .args(["validate", "examples"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a directory"));
}

#[test]
fn explain_names_each_action_and_its_fact() {
    ssmgen()
        .args(["explain", "examples/session-only-ec2.yaml"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "kms:GenerateDataKey on arn:aws:kms:eu-west-1:111122223333:key/0987dcba",
        ))
        .stdout(predicate::str::contains("[s3-sse-kms;"));
}

#[test]
fn cloudformation_prints_to_stdout_without_out() {
    ssmgen()
        .args([
            "generate",
            "examples/managed-core-ec2.yaml",
            "--target",
            "cloudformation",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("AWS::IAM::Role"));
}

#[test]
fn multi_file_targets_need_out() {
    ssmgen()
        .args([
            "generate",
            "examples/managed-core-ec2.yaml",
            "--target",
            "terraform",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--out"));
}

#[test]
fn generate_is_byte_identical_across_runs_and_check_detects_drift() {
    let dir = tempfile::tempdir().expect("tmp");
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    for out in [&a, &b] {
        ssmgen()
            .args([
                "generate",
                "examples/mixed-fleets.yaml",
                "--target",
                "all",
                "--out",
            ])
            .arg(out)
            .assert()
            .success();
    }
    let mut names = Vec::new();
    for entry in walk(&a) {
        let rel = entry.strip_prefix(&a).expect("under a").to_path_buf();
        assert_eq!(
            fs::read(&entry).expect("a"),
            fs::read(b.join(&rel)).expect("b"),
            "{}",
            rel.display()
        );
        names.push(rel);
    }
    // Each target's folder (no create-activations.sh now that the stacks make the
    // activations, so no file count).
    for target in [
        "cdk-python",
        "cdk-typescript",
        "cloudformation",
        "terraform",
    ] {
        assert!(
            names.iter().any(|n| n.starts_with(target)),
            "all four targets wrote files: {names:?}"
        );
    }
    ssmgen()
        .args([
            "generate",
            "examples/mixed-fleets.yaml",
            "--target",
            "all",
            "--check",
            "--out",
        ])
        .arg(&a)
        .assert()
        .code(0);
    let tf = a.join("terraform/main.tf");
    let text = fs::read_to_string(&tf).expect("main.tf");
    fs::write(
        &tf,
        text.replace("ssmmessages:OpenDataChannel", "ssmmessages:OpenDataChanel"),
    )
    .expect("edit");
    ssmgen()
        .args([
            "generate",
            "examples/mixed-fleets.yaml",
            "--target",
            "all",
            "--check",
            "--out",
        ])
        .arg(&a)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("-").and(predicate::str::contains("OpenDataChanel")));
}

#[test]
fn user_files_are_not_overwritten_without_force_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tmp");
    fs::write(dir.path().join("main.tf"), "# my own file\n").expect("write");
    ssmgen()
        .args([
            "generate",
            "examples/managed-core-ec2.yaml",
            "--target",
            "terraform",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .code(3)
        .stderr(predicate::str::contains("--force"));
    assert_eq!(
        fs::read_to_string(dir.path().join("main.tf")).expect("kept"),
        "# my own file\n"
    );
    assert!(!dir.path().join("versions.tf").exists(), "nothing written");
    ssmgen()
        .args([
            "generate",
            "examples/managed-core-ec2.yaml",
            "--target",
            "terraform",
            "--force",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).expect("dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn renaming_a_hybrid_fleet_warns_that_its_service_role_is_replaced() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out");
    let spec = dir.path().join("spec.yaml");
    let original = fs::read_to_string("examples/hybrid-activation.yaml").expect("example");
    fs::write(&spec, &original).expect("write");
    ssmgen()
        .arg("generate")
        .arg(&spec)
        .args(["--target", "terraform", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("hybrid service role").not());
    let manifest = fs::read_to_string(out.join(".ssmgen-manifest.json")).expect("manifest");
    assert!(
        manifest.contains("ssm/hybrid/factory-plc-gateways-ssm"),
        "{manifest}"
    );
    fs::write(
        &spec,
        original.replace("name: plc-gateways", "name: plc-gw"),
    )
    .expect("rename");
    ssmgen()
        .arg("generate")
        .arg(&spec)
        .args(["--target", "terraform", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: hybrid service role ssm/hybrid/factory-plc-gateways-ssm was generated before and is not any more",
        ));
}

#[test]
fn oversized_specs_are_refused_before_reading() {
    let dir = tempfile::tempdir().expect("tmp");
    let spec = dir.path().join("huge.yaml");
    let f = fs::File::create(&spec).expect("create");
    f.set_len(ssmgen::spec::MAX_SPEC_BYTES + 1).expect("grow");
    ssmgen()
        .arg("validate")
        .arg(&spec)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("are refused"));
}

#[test]
fn a_conflict_in_a_later_target_leaves_no_file_of_an_earlier_one() {
    let dir = tempfile::tempdir().expect("tmp");
    fs::create_dir_all(dir.path().join("terraform")).expect("mkdir");
    fs::write(dir.path().join("terraform/main.tf"), "# mine\n").expect("write");
    ssmgen()
        .args([
            "generate",
            "examples/mixed-fleets.yaml",
            "--target",
            "all",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .code(3);
    let left: Vec<_> = walk(dir.path());
    assert_eq!(
        left,
        vec![dir.path().join("terraform/main.tf")],
        "only the user's file remains"
    );
}

#[test]
fn a_failed_generation_removes_the_folders_it_created() {
    let dir = tempfile::tempdir().expect("tmp");
    fs::create_dir_all(dir.path().join("terraform")).expect("mkdir");
    fs::write(dir.path().join("terraform/main.tf"), "# mine\n").expect("write");
    ssmgen()
        .args([
            "generate",
            "examples/mixed-fleets.yaml",
            "--target",
            "all",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .code(3);
    let mut entries: Vec<String> = fs::read_dir(dir.path())
        .expect("read")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        ["terraform"],
        "no cloudformation/ folder left behind"
    );
}

/// Colours appear on a terminal only, and never with NO_COLOR. `script` (util-linux)
/// gives the command a pseudo-terminal.
#[test]
fn colours_only_on_a_terminal_and_never_with_no_color() {
    let bin = assert_cmd::cargo::cargo_bin("ssmgen");
    let cmd = format!("{} validate tests/errors/unknown-mode.yaml", bin.display());
    let on_tty = std::process::Command::new("script")
        .args(["-qc", &cmd, "/dev/null"])
        .env_remove("NO_COLOR")
        .output()
        .expect("script(1) from util-linux runs");
    assert!(String::from_utf8_lossy(&on_tty.stdout).contains("\x1b[1;31merror\x1b[0m"));
    let no_color = std::process::Command::new("script")
        .args(["-qc", &cmd, "/dev/null"])
        .env("NO_COLOR", "1")
        .output()
        .expect("script(1) runs");
    let text = String::from_utf8_lossy(&no_color.stdout);
    assert!(
        text.contains("error in `fleets[0].mode`") && !text.contains('\x1b'),
        "{text}"
    );
    // Piped, as in every other test: plain text.
    ssmgen()
        .args(["validate", "tests/errors/unknown-mode.yaml"])
        .env_remove("NO_COLOR")
        .assert()
        .code(2)
        .stderr(predicate::str::contains('\x1b').not());
}

/// The plain JSON operator policies carry no marker (a policy document has no room for
/// one): the manifest lists them, so regenerating overwrites them, while a JSON file of
/// the same name that ssmgen did not write is still refused.
#[test]
fn operator_policy_json_is_regenerated_but_a_users_file_is_kept() {
    let dir = tempfile::tempdir().expect("tmp");
    let generate = || {
        let mut cmd = ssmgen();
        cmd.args([
            "generate",
            "examples/hybrid-operators.yaml",
            "--target",
            "terraform",
            "--out",
        ])
        .arg(dir.path());
        cmd
    };
    generate().assert().success();
    let policy = dir
        .path()
        .join("operator-policies/plant-engineers-operator.json");
    let doc: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&policy).expect("written")).expect("JSON");
    assert_eq!(doc["Version"], "2012-10-17");
    generate().assert().success();

    let fresh = tempfile::tempdir().expect("tmp");
    fs::create_dir_all(fresh.path().join("operator-policies")).expect("mkdir");
    let mine = fresh
        .path()
        .join("operator-policies/plant-engineers-operator.json");
    fs::write(&mine, "{}\n").expect("write");
    ssmgen()
        .args([
            "generate",
            "examples/hybrid-operators.yaml",
            "--target",
            "terraform",
            "--out",
        ])
        .arg(fresh.path())
        .assert()
        .code(3)
        .stderr(predicate::str::contains("--force"));
    assert_eq!(fs::read_to_string(&mine).expect("kept"), "{}\n");
}

#[test]
fn explain_names_operator_policies_their_attachments_and_selector_tags() {
    let out = ssmgen()
        .args(["explain", "examples/hybrid-operators.yaml"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("utf-8");
    for line in [
        "  selector tag ssmgen-fleet=plant-line-a: operators open sessions only on nodes that carry it (the activation puts it on the nodes it registers)",
        "operator policy /ssm/hybrid/plant-engineers-operator (sessions on line-a, line-b)",
        "  not attached: attach it, or give operator-policies/plant-engineers-operator.json to an IAM Identity Center permission set",
        "  attached to existing role plant-automation",
        "      condition StringLike ssm:resourceTag/aws:ssmmessages:session-id = ${aws:userid}",
        "      condition StringEquals iam:PassedToService = ssm.amazonaws.com",
    ] {
        assert!(text.contains(&format!("{line}\n")), "missing {line:?} in\n{text}");
    }
}

/// Regenerating the same output leaves every file as it was (no temporary file, no
/// rename, the same modification time, so build tools watching it do not run again),
/// while a file that differs, or a script that lost its executable bit, is written again.
#[test]
fn unchanged_files_are_left_alone_and_changed_ones_rewritten() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tmp");
    // With the activation script beside the template, to check its executable bit.
    let spec_dir = tempfile::tempdir().expect("tmp");
    let spec = spec_dir.path().join("spec.yaml");
    let example = fs::read_to_string("examples/hybrid-activation.yaml").expect("example");
    fs::write(&spec, format!("{example}activation_method: script\n")).expect("spec");
    let generate = || {
        let mut cmd = ssmgen();
        cmd.args(["generate"])
            .arg(&spec)
            .args(["--target", "cloudformation", "--out"])
            .arg(dir.path());
        cmd
    };
    generate().assert().success();
    let template = dir.path().join("template.yaml");
    let script = dir.path().join("create-activations.sh");
    let stamp = |p: &std::path::Path| fs::metadata(p).and_then(|m| m.modified()).expect("mtime");
    let (t0, s0) = (stamp(&template), stamp(&script));
    std::thread::sleep(std::time::Duration::from_millis(20));
    generate().assert().success().stderr(
        predicate::str::contains("already up to date").and(predicate::str::contains("wrote").not()),
    );
    assert_eq!(stamp(&template), t0);
    assert_eq!(stamp(&script), s0);

    let text = fs::read_to_string(&template).expect("template");
    fs::write(&template, text.replace("Resources:", "Resources: # edited")).expect("edit");
    fs::set_permissions(&script, fs::Permissions::from_mode(0o644)).expect("chmod");
    generate()
        .assert()
        .success()
        .stderr(predicate::str::contains("wrote").and(predicate::str::contains("template.yaml")));
    assert_eq!(fs::read_to_string(&template).expect("template"), text);
    let mode = fs::metadata(&script).expect("script").permissions().mode();
    assert_ne!(mode & 0o111, 0, "the script is executable again");
}
