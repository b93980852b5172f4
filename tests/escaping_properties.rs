//! Property test of the escapers: arbitrary strings, full of what ends a literal or starts
//! an interpolation in some language (quotes, backslashes, `${`, `%{`, `{{`, newlines, NUL,
//! `*/`, `"""`, backticks, line separators, byte-order marks, astral characters), are
//! escaped for each target language and read back by that language's own parser or
//! interpreter: YAML (yaml-rust2), JSON (serde_json), HCL (hcl-rs), JavaScript/TypeScript
//! string and template literals (node), Python string and f-string literals (python3),
//! POSIX shell words (sh). Every string must come back unchanged.

mod common;

use common::{random_hostile_string, read_sub, run, Rng, SubPiece, HOSTILE};
use ssmgen::plan::{Pseudo, Text};
use ssmgen::render::escape;

const CASES: usize = 3000;

fn strings() -> Vec<String> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut v: Vec<String> = HOSTILE.iter().map(|s| s.to_string()).collect();
    v.push(String::new());
    v.extend((0..CASES).map(|_| random_hostile_string(&mut rng)));
    v
}

fn pseudo_text(s: &str) -> Text {
    let mut t = Text::literal(s);
    t.push_pseudo(Pseudo::Partition);
    t.push_str(s);
    t
}

const PARTITION: &str = "aws-cn";

#[test]
fn yaml_scalars_read_back_unchanged() {
    for s in strings() {
        for (how, lit) in [
            ("yaml_str", escape::yaml_str(&s)),
            ("yaml_scalar", escape::yaml_scalar(&s)),
        ] {
            let doc = format!("k: {lit}\n");
            let parsed = yaml_rust2::YamlLoader::load_from_str(&doc)
                .unwrap_or_else(|e| panic!("{how} {s:?} -> {lit}: {e}"));
            assert_eq!(
                parsed[0]["k"].as_str(),
                Some(s.as_str()),
                "{how} {s:?} -> {lit}"
            );
        }
    }
}

#[test]
fn json_strings_read_back_unchanged() {
    for s in strings() {
        let lit = escape::json_str(&s);
        let back: String =
            serde_json::from_str(&lit).unwrap_or_else(|e| panic!("{s:?} -> {lit}: {e}"));
        assert_eq!(back, s);
    }
}

#[test]
fn hcl_strings_read_back_unchanged() {
    for s in strings() {
        let lit = escape::hcl_str(&s);
        let body: hcl::Body = hcl::from_str(&format!("x = {lit}\n"))
            .unwrap_or_else(|e| panic!("{s:?} -> {lit}: {e}"));
        let value: hcl::Value = hcl::eval::Evaluate::evaluate(
            body.attributes().next().expect("attribute").expr(),
            &hcl::eval::Context::new(),
        )
        .unwrap_or_else(|e| panic!("{s:?} -> {lit}: {e}"));
        assert_eq!(value.as_str(), Some(s.as_str()), "{s:?} -> {lit}");
    }
}

#[test]
fn javascript_literals_read_back_unchanged() {
    let all = strings();
    let mut program =
        format!("const cdk = {{ Aws: {{ PARTITION: '{PARTITION}' }} }};\nconst out = [\n");
    for s in &all {
        program.push_str(&escape::ts_str(s));
        program.push_str(",\n");
        program.push_str(&escape::ts_text(&pseudo_text(s)));
        program.push_str(",\n");
    }
    program.push_str("];\nprocess.stdout.write(JSON.stringify(out));\n");
    let out = run("node", &["-"], &program);
    let back: Vec<String> = serde_json::from_str(&out).expect("json from node");
    for (i, s) in all.iter().enumerate() {
        assert_eq!(&back[2 * i], s, "ts_str");
        assert_eq!(
            back[2 * i + 1],
            format!("{s}{PARTITION}{s}"),
            "ts_text of {s:?}"
        );
    }
}

#[test]
fn python_literals_read_back_unchanged() {
    let all = strings();
    let mut program = format!(
        "import json, sys\nclass Aws:\n    PARTITION = '{PARTITION}'\nclass cdk:\n    Aws = Aws\nout = [\n"
    );
    for s in &all {
        program.push_str(&escape::py_str(s));
        program.push_str(",\n");
        program.push_str(&escape::py_text(&pseudo_text(s)));
        program.push_str(",\n");
    }
    program.push_str("]\nsys.stdout.write(json.dumps(out))\n");
    let out = run("python3", &["-"], &program);
    let back: Vec<String> = serde_json::from_str(&out).expect("json from python");
    for (i, s) in all.iter().enumerate() {
        assert_eq!(&back[2 * i], s, "py_str");
        assert_eq!(
            back[2 * i + 1],
            format!("{s}{PARTITION}{s}"),
            "py_text of {s:?}"
        );
    }
}

#[test]
fn shell_words_read_back_unchanged() {
    // A NUL cannot be passed in a command line at all; every other string must survive.
    let all: Vec<String> = strings()
        .into_iter()
        .filter(|s| !s.contains('\0'))
        .collect();
    let mut script = String::new();
    for s in &all {
        script.push_str("printf '%s\\0' ");
        script.push_str(&escape::shell_str(s));
        script.push('\n');
    }
    let out = run("sh", &["-s"], &script);
    let back: Vec<&str> = out.split('\0').collect();
    for (i, s) in all.iter().enumerate() {
        assert_eq!(back[i], s, "shell_str");
    }
}

#[test]
fn cloudformation_sub_keeps_literal_dollar_braces() {
    // Fn::Sub replaces ${Name} and turns ${!Literal} into ${Literal}; nothing else changes.
    for s in strings() {
        let value = escape::cfn_text(&pseudo_text(&s));
        let sub = value["Fn::Sub"].as_str().expect("Fn::Sub");
        let mut out = String::new();
        for piece in read_sub(sub) {
            match piece {
                SubPiece::Literal(l) => out.push_str(&l),
                SubPiece::Ref(name) => {
                    assert_eq!(
                        name, "AWS::Partition",
                        "only the pseudo value is substituted in {sub:?}"
                    );
                    out.push_str(PARTITION);
                }
            }
        }
        assert_eq!(out, format!("{s}{PARTITION}{s}"));
    }
}
