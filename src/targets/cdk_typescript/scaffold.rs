//! The `--scaffold` app around the construct: the contexts of `bin/app.ts`,
//! `package.json` (with the version pins of [`super`]) and the files that only carry the
//! marker (`tsconfig.json`, `cdk.json`, `.gitignore`). Which files are written, and in
//! what order, is decided in [`super`].

use serde::Serialize;

use super::{
    AWS_CDK_CLI_RANGE, AWS_CDK_LIB_VERSION, CONSTRUCTS_RANGE, TS_NODE_RANGE, TYPESCRIPT_RANGE,
    TYPES_NODE_RANGE,
};
use crate::plan::Plan;
use crate::targets::GENERATED_MARKER;

/// The construct id of the construct inside the scaffold's stack.
const CONSTRUCT_ID: &str = "SsmAccess";

/// Context of `templates/cdk-typescript/app.ts.tera`.
#[derive(Serialize)]
pub(super) struct AppContext<'a> {
    marker: &'static str,
    project: &'a str,
    class_name: &'a str,
    /// The import path of the construct module.
    module: String,
    /// The stack's construct id, which the CLI also uses as its stack name.
    stack_id: String,
    construct_id: &'static str,
    /// The stack's description.
    description: String,
    /// The pinned account and Region, as the stack's environment.
    account: Option<&'a str>,
    region: Option<&'a str>,
}

impl<'a> AppContext<'a> {
    /// The app of the construct `class_name`, in module `module` (`<project>-ssm-access`).
    pub(super) fn new(plan: &'a Plan, class_name: &'a str, module: &str) -> Self {
        AppContext {
            marker: GENERATED_MARKER,
            project: &plan.project.kebab,
            class_name,
            module: format!("../lib/{module}"),
            stack_id: module.to_owned(),
            construct_id: CONSTRUCT_ID,
            description: format!(
                "Session Manager access of project {} ({GENERATED_MARKER})",
                plan.project.kebab
            ),
            account: plan.env.account.pinned(),
            region: plan.env.region.pinned(),
        }
    }
}

/// Context of `templates/cdk-typescript/package.json.tera`.
#[derive(Serialize)]
pub(super) struct PackageContext<'a> {
    marker: &'static str,
    project: &'a str,
    /// The npm package name.
    name: String,
    /// The package description, which carries the generated-file marker.
    description: String,
    aws_cdk_lib: &'static str,
    constructs: &'static str,
    aws_cdk: &'static str,
    typescript: &'static str,
    ts_node: &'static str,
    types_node: &'static str,
    /// The `regenerate` script that cdk.json's build step runs: `npm run` puts the
    /// project's own `node_modules/.bin` (an `npm install --save-dev ssmgen`) before
    /// `PATH`, where `npx --no-install` would look up the registry instead of `PATH`.
    regenerate: Option<String>,
}

impl<'a> PackageContext<'a> {
    /// The package named `module` (`<project>-ssm-access`).
    pub(super) fn new(plan: &'a Plan, module: &str, regenerate: Option<String>) -> Self {
        PackageContext {
            marker: GENERATED_MARKER,
            project: &plan.project.kebab,
            name: module.to_owned(),
            description: format!(
                "{GENERATED_MARKER} for project {}: a CDK app with its Session Manager access. Do not edit: change the spec and regenerate.",
                plan.project.kebab
            ),
            aws_cdk_lib: AWS_CDK_LIB_VERSION,
            constructs: CONSTRUCTS_RANGE,
            aws_cdk: AWS_CDK_CLI_RANGE,
            typescript: TYPESCRIPT_RANGE,
            ts_node: TS_NODE_RANGE,
            types_node: TYPES_NODE_RANGE,
            regenerate,
        }
    }
}

/// Context of the templates that only carry the marker (`"//"` notes in JSON files).
#[derive(Serialize)]
pub(super) struct PlainContext {
    marker: &'static str,
    /// The `"//"` note of a JSON file.
    pub(super) note: String,
}

impl PlainContext {
    pub(super) fn new(plan: &Plan) -> Self {
        PlainContext {
            marker: GENERATED_MARKER,
            note: format!(
                "{GENERATED_MARKER} for project {}. Do not edit: change the spec and regenerate.",
                plan.project.kebab
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::plan_of;
    use super::super::CdkTypeScript;
    use crate::targets::{Options, Target};

    #[test]
    fn every_file_carries_the_marker_near_the_top() {
        let spec = "version: 1\nproject: p\npin:\n  account: \"123456789012\"\n  region: eu-west-1\nfleets:\n  - name: h\n    platform: hybrid\n    mode: session-only\n    activation:\n      registration_limit: 2\n";
        let options = Options {
            scaffold: true,
            ..Options::default()
        };
        // The activations in the construct, or in create-activations.sh beside it.
        let script = format!("activation_method: script\n{spec}");
        for (spec, count) in [(spec, 6), (script.as_str(), 7)] {
            let files = CdkTypeScript
                .render(&plan_of(spec), &options)
                .expect("renders");
            assert_eq!(files.len(), count);
            for f in &files {
                assert!(
                    crate::output::is_generated(&f.contents),
                    "{} has no marker",
                    f.path.display()
                );
            }
        }
        let plan = plan_of(spec);
        let files = CdkTypeScript.render(&plan, &options).expect("renders");
        let app = files
            .iter()
            .find(|f| f.path == std::path::Path::new("bin/app.ts"))
            .expect("app");
        assert!(
            app.contents.contains("account: '123456789012'"),
            "{}",
            app.contents
        );
    }
}
