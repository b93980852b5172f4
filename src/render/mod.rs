//! The template engine: every template is embedded in the binary and rendered from a
//! documented `#[derive(Serialize)]` context struct. Templates only lay text out; what to
//! write is decided by the plan and by each target before rendering.
//!
//! Each target owns its templates as a [`Templates`] set (a `static` in the target's
//! module), so this module knows no target, and a run parses only the templates of the
//! targets it renders.

pub mod escape;
pub mod tera_ext;

use std::error::Error as _;
use std::sync::OnceLock;

use serde::Serialize;
use tera::{Context, Tera};

use crate::error::Error;

/// A template embedded in the binary: its name and its text.
pub type Template = (&'static str, &'static str);

/// One target's embedded templates, parsed together the first time one of them is
/// rendered and kept for the rest of the process.
pub struct Templates {
    list: &'static [Template],
    engine: OnceLock<Result<Tera, String>>,
}

impl Templates {
    /// A set of templates; nothing is parsed until the first render.
    pub const fn new(list: &'static [Template]) -> Self {
        Templates {
            list,
            engine: OnceLock::new(),
        }
    }

    /// The names of the templates in the set.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        self.list.iter().map(|(name, _)| *name)
    }

    /// The parsed set; a template that does not parse is an error naming the set.
    pub fn engine(&self) -> Result<&Tera, Error> {
        self.engine
            .get_or_init(|| {
                let mut tera = Tera::default();
                tera.autoescape_on(Vec::new());
                tera_ext::register(&mut tera);
                tera.add_raw_templates(self.list.iter().copied())
                    .map_err(|e| describe(&e))?;
                Ok(tera)
            })
            .as_ref()
            .map_err(|message| Error::Render {
                template: self.names().collect::<Vec<_>>().join(", "),
                message: message.clone(),
            })
    }

    /// Renders the named template of the set with a context struct.
    pub fn render<C: Serialize>(&self, template: &str, context: &C) -> Result<String, Error> {
        self.render_with_capacity(template, context, 0)
    }

    /// Renders into a buffer of `capacity` bytes reserved up front. For large outputs this
    /// saves Tera's repeated doubling of its buffer, whose discarded copies otherwise all
    /// count towards peak memory.
    pub fn render_with_capacity<C: Serialize>(
        &self,
        template: &str,
        context: &C,
        capacity: usize,
    ) -> Result<String, Error> {
        let err = |e: tera::Error| Error::Render {
            template: template.into(),
            message: describe(&e),
        };
        let tera = self.engine()?;
        let ctx = Context::from_serialize(context).map_err(err)?;
        let mut out = Vec::with_capacity(capacity);
        tera.render_to(template, &ctx, &mut out).map_err(err)?;
        String::from_utf8(out).map_err(|e| Error::Render {
            template: template.into(),
            message: e.to_string(),
        })
    }
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
    use super::*;

    static BROKEN: Templates = Templates::new(&[("t/bad", "{{ unclosed")]);
    static GOOD: Templates = Templates::new(&[("t/good", "{{ name | yaml_str }}")]);

    #[test]
    fn a_set_renders_with_the_filters_and_names_a_template_that_does_not_parse() {
        #[derive(Serialize)]
        struct Ctx {
            name: &'static str,
        }
        assert_eq!(
            GOOD.render("t/good", &Ctx { name: "a: b" }).unwrap(),
            "\"a: b\""
        );
        match BROKEN.render("t/bad", &Ctx { name: "x" }) {
            Err(Error::Render { template, .. }) => assert_eq!(template, "t/bad"),
            other => panic!("expected a render error, got {other:?}"),
        }
    }
}
