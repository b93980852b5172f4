//! Coverage-guided fuzzing of the whole pipeline: any bytes as a spec through parsing,
//! validation, the plan and every renderer (both CloudFormation formats, CDK scaffolds
//! included). A valid spec must render; an invalid one must be refused with at least one
//! diagnostic; any other error or a panic is a bug. See fuzz/README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssmgen::app::render_targets;
use ssmgen::cli::TargetArg;
use ssmgen::error::Error;
use ssmgen::targets::{CfnFormat, Options};

fuzz_target!(|data: &[u8]| {
    // Bytes that are not UTF-8 are refused before parsing (tests/errors covers that).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let spec = match ssmgen::spec::load_str(text, "fuzz.yaml") {
        Ok((spec, _)) => spec,
        Err(Error::InvalidSpec(diagnostics)) => {
            assert!(!diagnostics.is_empty(), "refused without a diagnostic");
            return;
        }
        Err(e) => panic!("unexpected error: {e}"),
    };
    let plan = ssmgen::plan::build::build(&spec);
    for cfn_format in [CfnFormat::Yaml, CfnFormat::Json] {
        let options = Options {
            cfn_format,
            scaffold: true,
        };
        if let Err(e) = render_targets(&plan, TargetArg::All, &options) {
            panic!("a valid spec failed to render: {e}");
        }
    }
});
