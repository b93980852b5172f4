//! TODO(session 1): being written.

use super::{OutFile, Options, Target};
use crate::error::Error;
use crate::plan::Plan;
use crate::render::Template;

pub const TEMPLATES: &[Template] = &[];

pub struct Terraform;

impl Target for Terraform {
    fn name(&self) -> &'static str {
        "terraform"
    }

    fn render(&self, _plan: &Plan, _options: &Options) -> Result<Vec<OutFile>, Error> {
        Err(Error::Usage("target terraform is not written yet".into()))
    }
}
