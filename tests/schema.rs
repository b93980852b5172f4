//! The spec's JSON Schema: generated from the types that parse the spec, printed by
//! `ssmgen schema`, and the copy in the repository current. That every example validates
//! against it with a real validator, and every shape error of the error corpus fails it,
//! is checked by the conformance suite (`tests/conformance/schema_check.py`, jsonschema
//! from PyPI).

use std::fs;

use assert_cmd::Command;

#[test]
fn the_checked_in_schema_is_what_ssmgen_schema_prints() {
    let out = Command::cargo_bin("ssmgen")
        .expect("binary")
        .arg("schema")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let printed = String::from_utf8(out.stdout).expect("utf-8");
    let schema: serde_json::Value = serde_json::from_str(&printed).expect("JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(
        schema["additionalProperties"], false,
        "unknown fields are refused"
    );
    let required: Vec<&str> = (schema["required"].as_array().expect("required").iter())
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(required, ["version", "project", "fleets"]);
    let file = ssmgen::spec::schema::FILE;
    if std::env::var("SSMGEN_BLESS").is_ok_and(|v| v == "schema") {
        fs::write(file, &printed).expect("bless");
        return;
    }
    let checked_in = fs::read_to_string(file).unwrap_or_default();
    assert!(
        checked_in == printed,
        "{file} is not current: run SSMGEN_BLESS=schema cargo test --test schema"
    );
}

#[test]
fn init_writes_the_schema_and_points_the_spec_at_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let spec = dir.path().join("ssmgen.yaml");
    Command::cargo_bin("ssmgen")
        .expect("binary")
        .arg("init")
        .arg(&spec)
        .assert()
        .success();
    let text = fs::read_to_string(&spec).expect("spec");
    assert!(text.starts_with("# yaml-language-server: $schema=ssmgen.schema.json\n"));
    let schema = fs::read_to_string(dir.path().join("ssmgen.schema.json")).expect("schema");
    assert_eq!(schema, ssmgen::spec::schema::json());
}
