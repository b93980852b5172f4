//! The release packaging that CI cannot run end to end: the npm packages of every
//! platform (their manifests and the launcher, tested by node), the release workflow's
//! build matrix against the platform list, the wheel's and the pre-commit hook's
//! definitions. Building, installing and running the linux-x64-gnu npm packages and the
//! wheel is the conformance suite's job (tests/conformance/packaging.py).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn platforms() -> Vec<Value> {
    let list: Value = serde_json::from_str(&read("npm/platforms.json")).unwrap();
    list["platforms"].as_array().unwrap().clone()
}

fn yaml(path: &str) -> Yaml {
    YamlLoader::load_from_str(&read(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .remove(0)
}

/// A YAML value as JSON: strings, numbers and booleans as YAML read them.
fn to_json(y: &Yaml) -> Value {
    match y {
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::Real(r) => Value::String(r.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Null => Value::Null,
        Yaml::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        Yaml::Hash(h) => Value::Object(
            h.iter()
                .map(|(k, v)| (k.as_str().expect("string key").to_string(), to_json(v)))
                .collect(),
        ),
        other => panic!("unexpected YAML value {other:?}"),
    }
}

#[test]
fn npm_manifests_and_launcher_pass_their_node_tests() {
    let test = Path::new("npm").join("test").join("packages.test.mjs");
    let out = Command::new("node")
        .arg("--test")
        .arg(&test)
        .current_dir(root())
        .output()
        .expect("node is needed to test the npm packages");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "node --test {}:\n{text}",
        test.display()
    );
    // The runner's own count: every test ran, none was skipped on Linux.
    assert!(text.contains("\n# fail 0\n"), "{text}");
    if cfg!(target_os = "linux") {
        assert!(text.contains("\n# skipped 0\n"), "{text}");
    }
}

#[test]
fn release_workflow_builds_exactly_the_platform_list() {
    let workflow = yaml(".github/workflows/release.yml");
    let matrix = &workflow["jobs"]["build"]["strategy"]["matrix"];
    let include = to_json(&matrix["include"]);
    assert_eq!(
        include,
        Value::Array(platforms()),
        "the build matrix of .github/workflows/release.yml must be npm/platforms.json, \
         entry for entry"
    );
    // Nothing else multiplies the build.
    let keys: Vec<_> = matrix.as_hash().unwrap().keys().collect();
    assert_eq!(keys, [&Yaml::String("include".into())]);
    assert_eq!(
        workflow["jobs"]["build"]["runs-on"].as_str(),
        Some("${{ matrix.runner }}")
    );
}

#[test]
fn release_workflow_publishes_every_package_it_builds() {
    let workflow = yaml(".github/workflows/release.yml");
    let steps = |job: &str| -> String {
        let steps = workflow["jobs"][job]["steps"].as_vec().unwrap();
        let mut text = String::new();
        for step in steps {
            text += step["run"].as_str().unwrap_or("");
            for (k, v) in step["with"].as_hash().into_iter().flatten() {
                let v = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{v:?}"));
                text += &format!("\n{}: {v}", k.as_str().unwrap());
            }
            text += "\n";
        }
        text
    };
    let build = steps("build");
    assert!(build.contains("target: ${{ matrix.target }}"), "{build}");
    assert!(build.contains("--release --locked --out dist"), "{build}");
    let npm = steps("npm");
    assert!(
        npm.contains("node --test npm/test/packages.test.mjs"),
        "{npm}"
    );
    assert!(
        npm.contains("node npm/generate-packages.mjs --out target/npm --binaries binaries --require-binaries"),
        "{npm}"
    );
    assert!(npm.contains("publish target/npm/ssmgen"), "{npm}");
    assert_eq!(
        workflow["jobs"]["pypi"]["needs"],
        Yaml::Array(vec![
            Yaml::String("build".into()),
            Yaml::String("sdist".into())
        ])
    );
    // The maturin of the release is the one the conformance suite builds the wheel with.
    let pinned = read("tests/conformance/requirements.txt")
        .lines()
        .find_map(|l| l.strip_prefix("maturin==").map(str::to_string))
        .expect("maturin pinned in tests/conformance/requirements.txt");
    assert_eq!(
        workflow["env"]["MATURIN_VERSION"].as_str(),
        Some(format!("v{pinned}").as_str())
    );
}

#[test]
fn wheel_is_the_binary_with_cargo_metadata() {
    let pyproject = read("pyproject.toml");
    for line in [
        "build-backend = \"maturin\"",
        "name = \"ssmgen\"",
        "dynamic = [\"version\", \"description\", \"license\"]",
        "bindings = \"bin\"",
        "strip = true",
    ] {
        assert!(
            pyproject.lines().any(|l| l == line),
            "pyproject.toml lacks `{line}`"
        );
    }
    // Version, description and license come from Cargo.toml alone.
    for key in ["version =", "description =", "license ="] {
        assert!(
            !pyproject.lines().any(|l| l.starts_with(key)),
            "pyproject.toml sets {key}"
        );
    }
}

#[test]
fn pre_commit_hook_runs_generate_check_once() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_vec().unwrap();
    assert_eq!(hooks.len(), 1);
    let hook = &hooks[0];
    assert_eq!(hook["id"].as_str(), Some("ssmgen-check"));
    assert_eq!(hook["entry"].as_str(), Some("ssmgen generate --check"));
    assert_eq!(hook["language"].as_str(), Some("rust"));
    assert_eq!(hook["pass_filenames"].as_bool(), Some(false));
}
