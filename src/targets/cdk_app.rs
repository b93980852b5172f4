//! What both CDK scaffolds' `cdk.json` say: the app command, the `build` step that
//! regenerates the app from its spec before every synth, and the feature flags `cdk init`
//! sets for the pinned aws-cdk-lib.

use serde_json::{json, Map, Value};

use crate::render::escape::shell_str;

/// `recommended-feature-flags.json` of the aws-cdk-lib release the scaffolds pin (the
/// flags `cdk init` writes into a new app's `cdk.json`); the conformance suite compares it
/// with the installed package's own file, so a version bump must refresh it.
const RECOMMENDED_FEATURE_FLAGS: &str =
    include_str!("../../templates/cdk-common/recommended-feature-flags.json");

/// How the generated app is regenerated from its spec: the invocation that wrote it,
/// seen from the app's own folder (where the CDK CLI runs the `build` step).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regenerate {
    /// The spec's path from the app folder, `/`-separated.
    pub spec: String,
    /// `--target` as given (`cdk-typescript`, `cdk-python` or `all`).
    pub target: &'static str,
    /// `--out` from the app folder: `.`, or `..` when `--target all` nests the app.
    pub out: &'static str,
    /// `--format json` was given (it shapes the CloudFormation files of `--target all`).
    pub json: bool,
}

impl Regenerate {
    /// The same invocation for an app one folder below `--out` (`--target all`).
    pub fn nested(&self) -> Regenerate {
        Regenerate {
            spec: format!("../{}", self.spec),
            out: "..",
            ..self.clone()
        }
    }

    /// The shell command, run by `launcher` (empty: `ssmgen` from `PATH`, which `npm run`
    /// starts with the project's `node_modules/.bin`; Python apps find it on the venv's).
    pub fn command(&self, launcher: &str) -> String {
        let format = if self.json { " --format json" } else { "" };
        format!(
            "{launcher}ssmgen generate {} --target {}{format} --scaffold --out {}",
            shell_str(&self.spec),
            self.target,
            self.out
        )
    }
}

/// The whole `cdk.json` of a scaffold.
pub fn cdk_json(note: &str, app: &str, build: Option<String>) -> String {
    let mut doc = Map::new();
    doc.insert("//".into(), Value::String(note.into()));
    doc.insert("app".into(), Value::String(app.into()));
    if let Some(build) = build {
        doc.insert("build".into(), Value::String(build));
    }
    let flags: Value =
        serde_json::from_str(RECOMMENDED_FEATURE_FLAGS).expect("embedded feature flags are JSON");
    doc.insert("context".into(), flags);
    let mut text = serde_json::to_string_pretty(&json!(doc)).expect("JSON value");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_step_regenerates_the_app_as_it_was_generated() {
        let r = Regenerate {
            spec: "../specs/it's.yaml".into(),
            target: "cdk-python",
            out: ".",
            json: false,
        };
        assert_eq!(
            r.command(""),
            r#"ssmgen generate '../specs/it'\''s.yaml' --target cdk-python --scaffold --out ."#
        );
        let all = Regenerate {
            spec: "ssm.yaml".into(),
            target: "all",
            out: ".",
            json: true,
        }
        .nested();
        assert_eq!(
            all.command("exec "),
            "exec ssmgen generate '../ssm.yaml' --target all --format json --scaffold --out .."
        );
    }

    #[test]
    fn cdk_json_carries_the_build_step_and_every_recommended_flag() {
        let text = cdk_json("note", "python3 app.py", Some("ssmgen generate x".into()));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["build"], "ssmgen generate x");
        let flags = v["context"].as_object().unwrap();
        assert!(flags.len() > 50, "{}", flags.len());
        assert_eq!(flags["@aws-cdk/core:checkSecretUsage"], true);
        // Without a spec file to regenerate from (standard input) there is no build step.
        let v: Value = serde_json::from_str(&cdk_json("n", "a", None)).unwrap();
        assert!(v.get("build").is_none());
    }
}
