//! The template engine: every template is embedded in the binary, parsed once, and
//! rendered from a documented `#[derive(Serialize)]` context struct. Templates only lay
//! text out; what to write is decided by the plan and by each target before rendering.

pub mod escape;
pub mod tera_ext;

use std::error::Error as _;
use std::sync::OnceLock;

use serde::Serialize;
use tera::{Context, Tera};

use crate::error::Error;

/// A template embedded in the binary: its name and its text.
pub type Template = (&'static str, &'static str);

/// Every target's templates, registered once.
fn all_templates() -> impl Iterator<Item = &'static Template> {
    [
        crate::targets::cloudformation::TEMPLATES,
        crate::targets::terraform::TEMPLATES,
        crate::targets::cdk_typescript::TEMPLATES,
        crate::targets::cdk_python::TEMPLATES,
        crate::targets::activation::TEMPLATES,
    ]
    .into_iter()
    .flatten()
}

fn engine() -> Result<&'static Tera, Error> {
    static ENGINE: OnceLock<Result<Tera, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let mut tera = Tera::default();
            tera.autoescape_on(Vec::new());
            tera_ext::register(&mut tera);
            tera.add_raw_templates(all_templates().copied())
                .map_err(|e| describe(&e))?;
            Ok(tera)
        })
        .as_ref()
        .map_err(|message| Error::Render {
            template: "templates".into(),
            message: message.clone(),
        })
}

/// Renders the named template with a context struct.
pub fn render<C: Serialize>(template: &str, context: &C) -> Result<String, Error> {
    render_with_capacity(template, context, 0)
}

/// Renders into a buffer of `capacity` bytes reserved up front. For large outputs this
/// saves Tera's repeated doubling of its buffer, whose discarded copies otherwise all
/// count towards peak memory.
pub fn render_with_capacity<C: Serialize>(
    template: &str,
    context: &C,
    capacity: usize,
) -> Result<String, Error> {
    let err = |e: tera::Error| Error::Render {
        template: template.into(),
        message: describe(&e),
    };
    let tera = engine()?;
    let ctx = Context::from_serialize(context).map_err(err)?;
    let mut out = Vec::with_capacity(capacity);
    tera.render_to(template, &ctx, &mut out).map_err(err)?;
    String::from_utf8(out).map_err(|e| Error::Render {
        template: template.into(),
        message: e.to_string(),
    })
}

/// Tera nests the cause of a failure several errors deep; show the whole chain.
fn describe(e: &tera::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_embedded_template_parses() {
        super::engine().expect("templates parse");
    }
}
