//! Mutation fuzzing of the whole pipeline (parse, validate, plan, render every target):
//! every example spec is mutated at random (bytes flipped, lines dropped, duplicated or
//! swapped, hostile fragments spliced in) and fed through. Any outcome but a panic is
//! fine: a valid spec must render for every target, an invalid one must be refused with
//! diagnostics. `SSMGEN_FUZZ_CASES` raises the case count (README records a long run).

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use common::Rng;
use ssmgen::app::render_targets;
use ssmgen::cli::TargetArg;
use ssmgen::error::Error;
use ssmgen::targets::{CfnFormat, Options};

const FRAGMENTS: &[&str] = &[
    "\"",
    "'",
    "\\",
    "${x}",
    "%{",
    "{{",
    "}}",
    "\n",
    "\t",
    "\0",
    "*/",
    "\"\"\"",
    ": ",
    "- ",
    "&a ",
    "*a",
    "!!binary ",
    "[",
    "]",
    "{",
    "}",
    "#",
    "---\n",
    "~",
    "null",
    "-1",
    "99999999999999999999",
    "1e400",
    "é",
    "\u{202e}",
    "aws:",
    "arn:aws:kms:eu-west-1:123456789012:key/",
    "hybrid",
    "ec2",
    "existing-role",
    "session-only",
    "30d",
    "0h",
    "    ",
    "fleets:",
    "activation:",
    "s3:",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for _ in 0..1 + rng.below(4) {
        if lines.is_empty() {
            break;
        }
        let i = rng.below(lines.len());
        match rng.below(6) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => {
                let j = rng.below(lines.len());
                lines.swap(i, j);
            }
            3 => {
                let l = &mut lines[i];
                let at = rng.below(l.len() + 1);
                let at = (0..=at).rev().find(|k| l.is_char_boundary(*k)).unwrap_or(0);
                l.insert_str(at, FRAGMENTS[rng.below(FRAGMENTS.len())]);
            }
            4 => {
                let l = &mut lines[i];
                if let Some((k, _)) = l.char_indices().nth(rng.below(l.chars().count().max(1))) {
                    l.remove(k);
                }
            }
            _ => {
                let l = lines[i].clone();
                lines[i] = l.chars().rev().collect();
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

#[test]
fn mutated_specs_never_panic() {
    let cases: usize = std::env::var("SSMGEN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let mut seeds: Vec<String> = std::fs::read_dir("examples")
        .expect("examples")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("read"))
        .collect();
    seeds.sort();
    let mut rng = Rng(0xf0f0_1234_5678_9abc);
    let (mut valid, mut invalid) = (0usize, 0usize);
    for case in 0..cases {
        let seed = &seeds[rng.below(seeds.len())];
        let text = mutate(&mut rng, seed);
        let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<(), Error> {
            let (spec, _) = ssmgen::spec::load_str(&text, "fuzz.yaml")?;
            let plan = ssmgen::plan::build::build(&spec);
            for format in [CfnFormat::Yaml, CfnFormat::Json] {
                let options = Options {
                    cfn_format: format,
                    scaffold: true,
                    // A spec path no shell or JSON string may take literally.
                    regenerate: Some(ssmgen::targets::cdk_app::Regenerate {
                        spec: "../it's \"$(rm -rf ~)`x`\\.yaml".into(),
                        target: "all",
                        out: ".",
                        json: false,
                    }),
                };
                render_targets(&plan, TargetArg::All, &options)?;
            }
            Ok(())
        }));
        match outcome {
            Err(_) => panic!("case {case} panicked on:\n{text}"),
            Ok(Ok(())) => valid += 1,
            Ok(Err(Error::InvalidSpec(d))) => {
                assert!(!d.is_empty(), "case {case}: refused without a diagnostic");
                invalid += 1;
            }
            Ok(Err(e)) => panic!("case {case}: unexpected error {e} on:\n{text}"),
        }
    }
    eprintln!("fuzz: {cases} cases, {valid} valid and rendered, {invalid} refused");
    assert!(
        valid > cases / 20 && invalid > cases / 20,
        "valid {valid}, invalid {invalid}"
    );
}
