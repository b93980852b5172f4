//! TODO(session 1): being written.

use super::{OutFile, Options, Target};
use crate::error::Error;
use crate::plan::Plan;
use crate::render::Template;

pub const TEMPLATES: &[Template] = &[];

pub struct CloudFormation;

impl Target for CloudFormation {
    fn name(&self) -> &'static str {
        "cloudformation"
    }

    fn render(&self, _plan: &Plan, _options: &Options) -> Result<Vec<OutFile>, Error> {
        Err(Error::Usage("target cloudformation is not written yet".into()))
    }
}
