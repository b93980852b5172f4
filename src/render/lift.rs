//! Long runs of literal text lifted out of a template before Tera parses it.
//!
//! Tera's parser (pest) walks literal text one character at a time, checking at each for
//! the start of a tag: measured on this machine kind, the 4,077 literal bytes of the
//! activation script's template alone took 787 µs to parse, against 455 µs for all 34 of
//! its tags, and a whole 3-fleet run is mostly template parsing. So each literal run of
//! at least [`MIN_RUN`] bytes is replaced by one expression, `{{ __ssmgen_literal.N }}`,
//! and its text handed to the render in the context instead: the output is the same
//! byte for byte (the golden tests compare it), the parse a fraction of the cost.
//!
//! Tera's whitespace control (`{%-`, `-%}` and the like) trims the literal text next to
//! a tag; a lifted run is no longer literal text to Tera, so the trimming is applied here
//! when the run is lifted.

/// The context variable that holds the lifted runs.
pub const VARIABLE: &str = "__ssmgen_literal";

/// Runs shorter than this stay in the template: one tag costs about as much to parse
/// as 70 literal bytes (by instruction counts of a 3-fleet run, 64 did best of 32, 64
/// and 128).
pub const MIN_RUN: usize = 64;

/// One piece of a template: literal text, or a tag with its delimiters.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Literal(&'a str),
    Tag(&'a str),
}

/// Splits a template into literal runs and tags. A tag runs from `{{`, `{%` or `{#` to
/// the matching `}}`, `%}` or `#}`; an unclosed tag ends the split (Tera will report it).
fn pieces(src: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = src;
    loop {
        let start = (0..rest.len().saturating_sub(1)).find(|&i| {
            rest.as_bytes()[i] == b'{' && matches!(rest.as_bytes()[i + 1], b'{' | b'%' | b'#')
        });
        let Some(start) = start else {
            if !rest.is_empty() {
                out.push(Piece::Literal(rest));
            }
            return out;
        };
        if start > 0 {
            out.push(Piece::Literal(&rest[..start]));
        }
        let close = match rest.as_bytes()[start + 1] {
            b'{' => "}}",
            b'%' => "%}",
            _ => "#}",
        };
        match rest[start + 2..].find(close) {
            Some(end) => {
                let end = start + 2 + end + 2;
                out.push(Piece::Tag(&rest[start..end]));
                rest = &rest[end..];
            }
            None => {
                out.push(Piece::Literal(&rest[start..]));
                return out;
            }
        }
    }
}

/// The template with its long literal runs lifted, and the runs in order.
pub fn lift(src: &str) -> (String, Vec<String>) {
    let pieces = pieces(src);
    let mut template = String::with_capacity(src.len());
    let mut runs = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Tag(t) => template.push_str(t),
            Piece::Literal(text) => {
                if text.len() < MIN_RUN {
                    template.push_str(text);
                    continue;
                }
                let mut run: &str = text;
                if i > 0 && matches!(pieces[i - 1], Piece::Tag(t) if trims_after(t)) {
                    run = run.trim_start();
                }
                if matches!(pieces.get(i + 1), Some(Piece::Tag(t)) if trims_before(t)) {
                    run = run.trim_end();
                }
                template.push_str(&format!("{{{{ {VARIABLE}.{} }}}}", runs.len()));
                runs.push(run.to_string());
            }
        }
    }
    (template, runs)
}

fn trims_before(tag: &str) -> bool {
    tag.as_bytes().get(2) == Some(&b'-')
}

fn trims_after(tag: &str) -> bool {
    tag.len() >= 4 && tag.as_bytes()[tag.len() - 3] == b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(template: &str, runs: &[String], extra: &[(&str, &str)]) -> String {
        let mut tera = tera::Tera::default();
        tera.autoescape_on(Vec::new());
        tera.add_raw_template("t", template).expect("parses");
        let mut ctx = tera::Context::new();
        ctx.insert(VARIABLE, runs);
        for (k, v) in extra {
            ctx.insert(*k, v);
        }
        tera.render("t", &ctx).expect("renders")
    }

    #[test]
    fn lifted_templates_render_the_same_bytes_with_whitespace_control() {
        let long = "x".repeat(4 * MIN_RUN);
        let src = format!(
            "{long}\n  {{%- if a %}}  \n{long} {{{{ a }}}} {long}\n{{% endif -%}}\n\n{long}\t{{# c -#}}  {long}{{{{- a -}}}}  {long}  "
        );
        let (lifted, runs) = lift(&src);
        assert_eq!(runs.len(), 6, "{lifted}");
        assert!(lifted.len() < src.len() / 4);
        let vars = [("a", "A")];
        assert_eq!(render(&lifted, &runs, &vars), render(&src, &[], &vars));
    }

    #[test]
    fn short_runs_and_unclosed_tags_stay() {
        let src = "short {{ a }} text {% if";
        let (lifted, runs) = lift(src);
        assert_eq!(lifted, src);
        assert!(runs.is_empty());
    }
}
