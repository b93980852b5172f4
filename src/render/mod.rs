//! The template engine: every template is embedded in the binary and rendered from a
//! documented `#[derive(Serialize)]` context struct. Templates only lay text out; what to
//! write is decided by the plan and by each target before rendering.
//!
//! Each target owns its templates as a [`Templates`] set (a `static` in the target's
//! module), so this module knows no target, and a run parses only the templates of the
//! targets it renders.

pub mod escape;
mod lift;
pub mod tera_ext;

use std::error::Error as _;
use std::sync::OnceLock;

use serde::Serialize;
use tera::{Context, Tera};

use crate::error::Error;

/// A template embedded in the binary: its name and its text.
pub type Template = (&'static str, &'static str);

/// One parsed template with its lifted literal runs ([`lift`]), or why it did not parse.
type Parsed = Result<(Tera, Vec<String>), String>;

/// One target's embedded templates. Each template is parsed on its own the first time it
/// is rendered and kept for the rest of the process: parsing is most of a small run's
/// cost (87% of the instructions of a 3-fleet run, by callgrind), so a run parses only the
/// templates it renders, not the JSON template when YAML was asked for nor the scaffold
/// when none was. Templates therefore must not include, import or extend one another
/// (`templates_stand_alone` checks it).
pub struct Templates {
    list: &'static [Template],
    engines: OnceLock<Box<[OnceLock<Parsed>]>>,
}

impl Templates {
    /// A set of templates; nothing is parsed until the first render.
    pub const fn new(list: &'static [Template]) -> Self {
        Templates {
            list,
            engines: OnceLock::new(),
        }
    }

    /// The names of the templates in the set.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        self.list.iter().map(|(name, _)| *name)
    }

    /// The parsed template and its lifted literal runs; one that does not parse is an
    /// error naming it.
    fn engine(&self, template: &str) -> Result<&(Tera, Vec<String>), Error> {
        let failed = |message: String| Error::Render {
            template: template.into(),
            message,
        };
        let index = self
            .list
            .iter()
            .position(|(name, _)| *name == template)
            .ok_or_else(|| failed("no such template in its set".into()))?;
        let engines = self
            .engines
            .get_or_init(|| self.list.iter().map(|_| OnceLock::new()).collect());
        engines[index]
            .get_or_init(|| {
                let mut tera = Tera::default();
                tera.autoescape_on(Vec::new());
                tera_ext::register(&mut tera);
                let (source, runs) = lift::lift(self.list[index].1);
                tera.add_raw_template(self.list[index].0, &source)
                    .map_err(|e| describe(&e))?;
                Ok((tera, runs))
            })
            .as_ref()
            .map_err(|message| failed(message.clone()))
    }

    /// Parses the named templates on a thread of their own, so that they are ready when
    /// a later render asks for them; a render that comes first waits for the parse
    /// (`OnceLock`) rather than repeating it.
    pub fn warm(templates: Vec<(&'static Templates, &'static str)>) {
        if templates.is_empty() {
            return;
        }
        std::thread::spawn(move || {
            for (set, name) in templates {
                // An error is reported by the render that needs the template.
                let _ = set.engine(name);
            }
        });
    }

    /// Parses every template of the set (for tests: a run parses only what it renders).
    pub fn parse_all(&self) -> Result<(), Error> {
        self.names()
            .try_for_each(|name| self.engine(name).map(|_| ()))
    }

    /// The raw text of every template of the set.
    pub fn sources(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
        self.list.iter().copied()
    }

    /// Renders the named template of the set with a context struct.
    pub fn render<C: Serialize>(&self, template: &str, context: &C) -> Result<String, Error> {
        let err = |e: tera::Error| Error::Render {
            template: template.into(),
            message: describe(&e),
        };
        let (tera, runs) = self.engine(template)?;
        let mut ctx = Context::from_serialize(context).map_err(err)?;
        if !runs.is_empty() {
            ctx.insert(lift::VARIABLE, runs);
        }
        tera.render(template, &ctx).map_err(err)
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
    static TWO: Templates = Templates::new(&[("t/good", "{{ name }}"), ("t/bad", "{% if %}")]);
    static GOOD: Templates = Templates::new(&[("t/good", "{{ name | json_str }}")]);

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
        // Only the rendered template is parsed: the broken one beside it costs nothing.
        assert_eq!(TWO.render("t/good", &Ctx { name: "x" }).unwrap(), "x");
        assert!(TWO.parse_all().is_err());
    }
}
