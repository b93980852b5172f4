//! The replacement guard: `generate` records every named resource's create-only
//! properties in `.ssmgen-manifest.json` and warns, before writing, when a regeneration
//! changes one (CloudFormation cannot replace a custom-named resource, so the update
//! fails; Terraform destroys and recreates it). `--check` reports the same. And the texts
//! that reach create-only properties are a contract: `create-only-contract.json` pins them
//! for every example, so an ssmgen change that would replace users' resources fails here.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

fn ssmgen() -> Command {
    Command::cargo_bin("ssmgen").expect("binary builds")
}

/// Generates `spec_text` into `out`, returning standard error.
fn generate(dir: &Path, spec_text: &str, extra: &[&str]) -> (bool, String) {
    let spec = dir.join("spec.yaml");
    fs::write(&spec, spec_text).expect("write spec");
    let out = ssmgen()
        .arg("generate")
        .arg(&spec)
        .args(["--target", "all", "--out"])
        .arg(dir.join("out"))
        .args(extra)
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_ec2_role_path_change_warns_for_the_role_profile_and_policy() {
    let dir = tempfile::tempdir().expect("tmp");
    let original = fs::read_to_string("examples/session-only-ec2.yaml").expect("example");
    let (ok, err) = generate(dir.path(), &original, &[]);
    assert!(ok && !err.contains("cannot be updated in place"), "{err}");
    let moved = original.replace("project: payments", "project: payments\nrole_path: /ssm/");
    // --check reports it and writes nothing.
    let (_, err) = generate(dir.path(), &moved, &["--check"]);
    for id in ["ApiRole", "ApiInstanceProfile", "ApiSessionPolicy"] {
        assert!(
            err.contains(&format!("warning: {id} (AWS::IAM::"))
                && err.contains("changes Path from \"/\" to \"/ssm/\""),
            "{id}: {err}"
        );
    }
    assert!(
        err.contains("the stack update fails") && err.contains("Terraform destroys aws_iam_role"),
        "{err}"
    );
    let (ok, err) = generate(dir.path(), &moved, &[]);
    assert!(
        ok && err.contains("ApiRole (AWS::IAM::Role) changes Path"),
        "{err}"
    );
    // Once written, the manifest holds the new values: nothing more to warn about.
    let (ok, err) = generate(dir.path(), &moved, &[]);
    assert!(ok && !err.contains("cannot be updated in place"), "{err}");
}

#[test]
fn a_project_rename_warns_for_every_name_and_the_description() {
    let dir = tempfile::tempdir().expect("tmp");
    let original = fs::read_to_string("examples/session-only-ec2.yaml").expect("example");
    assert!(generate(dir.path(), &original, &[]).0);
    let renamed = original.replace("project: payments", "project: billing");
    let (ok, err) = generate(dir.path(), &renamed, &[]);
    assert!(ok, "{err}");
    for (id, property) in [
        ("ApiRole", "RoleName"),
        ("ApiInstanceProfile", "InstanceProfileName"),
        ("ApiSessionPolicy", "ManagedPolicyName"),
        ("ApiSessionPolicy", "Description"),
    ] {
        let warned = err.lines().any(|l| {
            l.starts_with(&format!("warning: {id} (AWS::IAM::"))
                && l.contains(&format!("changes {property} from"))
        });
        assert!(warned, "{id} {property}: {err}");
    }
}

#[test]
fn a_policy_description_change_warns_with_the_old_and_new_text() {
    // A description only changes when ssmgen changes its text: simulate an older
    // generation by editing the recorded description.
    let dir = tempfile::tempdir().expect("tmp");
    let original = fs::read_to_string("examples/session-only-ec2.yaml").expect("example");
    assert!(generate(dir.path(), &original, &[]).0);
    let manifest = dir.path().join("out/.ssmgen-manifest.json");
    let text = fs::read_to_string(&manifest).expect("manifest");
    let old = "Session Manager permissions of fleet api of payments (ssmgen)";
    assert!(text.contains(old), "{text}");
    fs::write(
        &manifest,
        text.replace(old, "Session Manager policy of api"),
    )
    .expect("edit");
    let (ok, err) = generate(dir.path(), &original, &[]);
    assert!(ok, "{err}");
    assert!(
        err.contains("ApiSessionPolicy (AWS::IAM::ManagedPolicy) changes Description from \"Session Manager policy of api\" to \"Session Manager permissions of fleet api of payments (ssmgen)\""),
        "{err}"
    );
    assert!(err.contains("Terraform destroys aws_iam_policy"), "{err}");
}

#[test]
fn a_hybrid_role_rename_warns_twice_as_loudly() {
    let dir = tempfile::tempdir().expect("tmp");
    let original = fs::read_to_string("examples/hybrid-activation.yaml").expect("example");
    assert!(generate(dir.path(), &original, &[]).0);
    let renamed = original.replace("project: factory", "project: plant");
    let (ok, err) = generate(dir.path(), &renamed, &[]);
    assert!(ok, "{err}");
    assert!(
        err.contains("PlcGatewaysRole (AWS::IAM::Role) changes RoleName from \"factory-plc-gateways-ssm\" to \"plant-plc-gateways-ssm\""),
        "{err}"
    );
    assert!(
        err.contains("warning: hybrid service role ssm/hybrid/factory-plc-gateways-ssm"),
        "{err}"
    );
}

#[test]
fn a_project_rename_warns_for_the_activation_function_log_group_and_secret() {
    let dir = tempfile::tempdir().expect("tmp");
    let generate = |spec_text: &str| {
        let spec = dir.path().join("spec.yaml");
        fs::write(&spec, spec_text).expect("write spec");
        let out = ssmgen()
            .arg("generate")
            .arg(&spec)
            .args(["--target", "cloudformation", "--out"])
            .arg(dir.path().join("out"))
            .output()
            .expect("runs");
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let original = fs::read_to_string("examples/hybrid-activation.yaml").expect("example");
    generate(&original);
    let err = generate(&original.replace("project: factory", "project: plant"));
    for line in [
        "warning: ActivationProvider (AWS::Lambda::Function) changes FunctionName from \"factory-activations\" to \"plant-activations\"",
        "warning: ActivationProviderLogs (AWS::Logs::LogGroup) changes LogGroupName from \"/aws/lambda/factory-activations\" to \"/aws/lambda/plant-activations\"",
        "warning: PlcGatewaysActivationSecret (AWS::SecretsManager::Secret) changes Name from \"factory/plc-gateways/activation\" to \"plant/plc-gateways/activation\"",
    ] {
        let warned = err.lines().find(|l| l.starts_with(line));
        let warned = warned.unwrap_or_else(|| panic!("{line}: {err}"));
        // Only CloudFormation and the CDK create them.
        assert!(
            warned.contains("the stack update fails") && !warned.contains("Terraform"),
            "{warned}"
        );
    }
}

#[test]
fn create_only_properties_of_every_example_are_a_stable_contract() {
    let mut got = serde_json::Map::new();
    let mut names: Vec<_> = fs::read_dir("examples")
        .expect("examples")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    for path in names {
        let (spec, _) = ssmgen::spec::load(&path).expect("valid example");
        let plan = ssmgen::plan::build::build(&spec);
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("name")
            .to_string();
        let named = ssmgen::manifest::named_resources(&plan);
        got.insert(stem, serde_json::to_value(named).expect("json"));
    }
    let got = serde_json::to_string_pretty(&serde_json::Value::Object(got)).expect("json") + "\n";
    let file = Path::new("tests/create-only-contract.json");
    if std::env::var("SSMGEN_BLESS").is_ok_and(|v| v == "create-only") {
        fs::write(file, &got).expect("bless");
        return;
    }
    let want = fs::read_to_string(file).unwrap_or_default();
    assert!(
        want == got,
        "this change alters create-only properties (names, paths, descriptions) of the examples' \
         resources: deploying it would replace users' resources (the CloudFormation update fails, \
         Terraform recreates them). If that is intended, say so in the release notes and run \
         SSMGEN_BLESS=create-only cargo test --test replacement_guard"
    );
}

#[test]
fn a_project_rename_warns_for_the_created_alias_and_log_group_in_every_tool() {
    let dir = tempfile::tempdir().expect("tmp");
    let original = fs::read_to_string("examples/fresh-environment.yaml").expect("example");
    assert!(generate(dir.path(), &original, &[]).0);
    let renamed = original.replace("project: fresh", "project: fresh2");
    let (ok, err) = generate(dir.path(), &renamed, &[]);
    assert!(ok, "{err}");
    for (line, terraform) in [
        (
            "SessionKeyAlias (AWS::KMS::Alias) changes AliasName from \"alias/fresh-sessions\" to \"alias/fresh2-sessions\"",
            "Terraform destroys aws_kms_alias",
        ),
        (
            "SessionLogGroup (AWS::Logs::LogGroup) changes LogGroupName from \"/ssm/fresh/sessions\" to \"/ssm/fresh2/sessions\"",
            "Terraform destroys aws_cloudwatch_log_group",
        ),
    ] {
        let warned = err.lines().find(|l| l.contains(line));
        let warned = warned.unwrap_or_else(|| panic!("{line}: {err}"));
        assert!(warned.contains(terraform), "{warned}");
    }
}
