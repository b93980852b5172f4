//! TODO(session 1): being written.

use super::{OutFile, Options, Target};
use crate::error::Error;
use crate::plan::Plan;
use crate::render::Template;

pub const TEMPLATES: &[Template] = &[];

pub struct CdkTypeScript;

impl Target for CdkTypeScript {
    fn name(&self) -> &'static str {
        "cdk-typescript"
    }

    fn render(&self, _plan: &Plan, _options: &Options) -> Result<Vec<OutFile>, Error> {
        Err(Error::Usage("target cdk-typescript is not written yet".into()))
    }
}
