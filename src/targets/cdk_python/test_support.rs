//! What the unit tests of the folder share: rendering an example spec.

use super::CdkPython;
use crate::plan::Plan;
use crate::targets::{Options, OutFile, Target};

/// The plan of `examples/<name>`.
pub(super) fn example_plan(name: &str) -> Plan {
    let path = std::path::Path::new("examples").join(name);
    let (spec, _) = crate::spec::load(&path).expect("example is valid");
    crate::plan::build::build(&spec)
}

/// The construct module of a plan (no scaffold).
pub(super) fn module_of(plan: &Plan) -> String {
    let files = CdkPython
        .render(plan, &Options::default())
        .expect("renders");
    files.into_iter().next().expect("module").contents
}

pub(super) fn render_example(name: &str, scaffold: bool) -> Vec<OutFile> {
    let path = std::path::Path::new("examples").join(name);
    let (spec, _) = crate::spec::load(&path).expect("example is valid");
    let plan = crate::plan::build::build(&spec);
    CdkPython
        .render(
            &plan,
            &Options {
                scaffold,
                ..Options::default()
            },
        )
        .expect("renders")
}

/// Runs a Python script that reads `code` on standard input and prints JSON (the tests
/// read generated modules back with Python's own parser), and returns that JSON.
pub(super) fn python_json(script: &str, code: &str) -> serde_json::Value {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(code.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("python3 ends");
    assert!(out.status.success(), "python3 could not read the module");
    serde_json::from_slice(&out.stdout).expect("json")
}
