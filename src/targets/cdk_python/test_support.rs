//! What the unit tests of the folder share: rendering an example spec.

use super::CdkPython;
use crate::targets::{Options, OutFile, Target};

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
