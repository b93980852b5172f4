//! The HCL writer: block bodies laid out exactly as `terraform fmt` lays them out (keys of
//! each run of single-line arguments padded to one width, values escaped, lines
//! indented), JSON values as `jsonencode` object expressions, why comments wrapped, and
//! the tags map every taggable resource carries. Escaping itself is
//! `crate::render::escape`'s.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::facts::scanners::Scanner;
use crate::plan::{Plan, Subject, Text};
use crate::render::escape::{push_hcl_expr, push_hcl_line_comment, push_hcl_str};

/// A value, escaped as it is written.
pub(super) enum Val<'a> {
    /// An expression written as it is (a reference or a keyword).
    Raw(&'a str),
    /// A reference: `prefix`, a name, `suffix`.
    Ref(&'static str, &'a str, &'static str),
    /// A number.
    Num(u32),
    /// A string, written as an HCL string literal.
    Str(&'a str),
    /// A plan text, written as an HCL expression.
    Text(&'a Text),
}

impl Val<'_> {
    fn write(&self, out: &mut String) {
        match self {
            Val::Raw(s) => out.push_str(s),
            Val::Ref(prefix, name, suffix) => {
                out.push_str(prefix);
                out.push_str(name);
                out.push_str(suffix);
            }
            Val::Num(n) => {
                // Writing to a String cannot fail.
                let _ = write!(out, "{n}");
            }
            Val::Str(s) => push_hcl_str(out, s),
            Val::Text(t) => push_hcl_expr(out, t),
        }
    }
}

/// The value of an argument.
enum Arg<'a> {
    Line(Val<'a>),
    /// On one line when it holds at most one item, else one item a line.
    List(Vec<Val<'a>>),
    /// A function of one list (`toset([...])`), the list laid out as [`Arg::List`]'s.
    Call(&'static str, Vec<Val<'a>>),
    /// One entry a line.
    Map(Vec<(Val<'a>, Val<'a>)>),
    /// `jsonencode(...)` of a JSON value, laid out as an HCL expression; the strings at
    /// the [`JsonRefs`] paths are written as their references.
    Json(&'a Value, JsonRefs<'a>),
    /// A nested block (`key {...}`), its body one level deeper; `key {}` when empty.
    Block(Body<'a>),
}

/// Strings of a JSON value that stand for a reference: the path of object keys to each
/// (`["inputs", "kmsKeyId"]`) and the expression written there instead of the string.
pub(super) type JsonRefs<'a> = Vec<(&'a [&'a str], &'a str)>;

impl Arg<'_> {
    /// Whether the value takes one line (which is what joins a run of aligned `=`).
    fn single_line(&self) -> bool {
        match self {
            Arg::Line(_) => true,
            Arg::List(items) | Arg::Call(_, items) => items.len() <= 1,
            Arg::Map(_) | Arg::Block(_) => false,
            Arg::Json(v, _) => !multi_line(v),
        }
    }
}

/// Builds one body's arguments in order, then writes them aligned.
#[derive(Default)]
pub(super) struct Body<'a> {
    args: Vec<(&'static str, Arg<'a>, bool)>,
    blank_next: bool,
}

impl<'a> Body<'a> {
    fn push(&mut self, key: &'static str, arg: Arg<'a>) -> &mut Self {
        // A blank line only separates arguments; none leads a body.
        let blank = self.blank_next && !self.args.is_empty();
        self.blank_next = false;
        self.args.push((key, arg, blank));
        self
    }

    /// A single-line argument.
    pub(super) fn line(&mut self, key: &'static str, value: Val<'a>) -> &mut Self {
        self.push(key, Arg::Line(value))
    }

    /// A list argument.
    pub(super) fn list(&mut self, key: &'static str, items: Vec<Val<'a>>) -> &mut Self {
        self.push(key, Arg::List(items))
    }

    /// `key = function([items])`: a function of one list, e.g. `toset`.
    pub(super) fn call(
        &mut self,
        key: &'static str,
        function: &'static str,
        items: Vec<Val<'a>>,
    ) -> &mut Self {
        self.push(key, Arg::Call(function, items))
    }

    /// A map argument; an empty map is left out.
    pub(super) fn map(&mut self, key: &'static str, entries: Vec<(Val<'a>, Val<'a>)>) -> &mut Self {
        if entries.is_empty() {
            return self;
        }
        self.push(key, Arg::Map(entries))
    }

    /// `key = jsonencode(value)`: the value as an HCL object or tuple expression (read
    /// and diffed by Terraform as structure, not as one long JSON string), with the
    /// strings at `refs` written as their references.
    pub(super) fn jsonencode(
        &mut self,
        key: &'static str,
        value: &'a Value,
        refs: JsonRefs<'a>,
    ) -> &mut Self {
        self.push(key, Arg::Json(value, refs))
    }

    /// A nested block. `terraform fmt` ends a run of aligned arguments at a block.
    pub(super) fn block(&mut self, key: &'static str, body: Body<'a>) -> &mut Self {
        self.push(key, Arg::Block(body))
    }

    /// Puts an empty line before the next argument.
    pub(super) fn blank(&mut self) -> &mut Self {
        self.blank_next = true;
        self
    }

    /// Writes the arguments, each line introduced by a newline and `indent`. The keys of
    /// every run of consecutive single-line arguments are padded to the run's longest
    /// key: `terraform fmt` ends a run at an empty line and at a multi-line value (whose
    /// first line ends in an open bracket), and counts characters.
    pub(super) fn write(&self, out: &mut String, indent: &str) {
        let mut width = 0;
        let mut in_run = false;
        for (i, (key, arg, blank)) in self.args.iter().enumerate() {
            if *blank {
                out.push('\n');
            }
            out.push('\n');
            out.push_str(indent);
            out.push_str(key);
            if arg.single_line() {
                if !in_run || *blank {
                    width = run_width(&self.args[i..]);
                    in_run = true;
                }
                pad(out, width, key.len());
            } else {
                in_run = false;
            }
            if let Arg::Block(body) = arg {
                out.push_str(" {");
                if !body.args.is_empty() {
                    body.write(out, &format!("{indent}  "));
                    out.push('\n');
                    out.push_str(indent);
                }
                out.push('}');
                continue;
            }
            out.push_str(" = ");
            match arg {
                Arg::Line(v) => v.write(out),
                Arg::List(items) => write_list(out, items, indent),
                Arg::Call(function, items) => {
                    out.push_str(function);
                    out.push('(');
                    write_list(out, items, indent);
                    out.push(')');
                }
                Arg::Map(entries) => {
                    out.push('{');
                    // The entries are one run of their own, aligned on the longest key as
                    // written (escaped and quoted).
                    let mut key = String::new();
                    let mut width = 0;
                    for (k, _) in entries {
                        key.clear();
                        k.write(&mut key);
                        width = width.max(key.chars().count());
                    }
                    for (k, v) in entries {
                        out.push('\n');
                        out.push_str(indent);
                        out.push_str("  ");
                        let start = out.len();
                        k.write(out);
                        let len = out[start..].chars().count();
                        pad(out, width, len);
                        out.push_str(" = ");
                        v.write(out);
                    }
                    out.push('\n');
                    out.push_str(indent);
                    out.push('}');
                }
                Arg::Json(v, refs) => {
                    out.push_str("jsonencode(");
                    write_json(out, v, indent, &mut Vec::new(), refs);
                    out.push(')');
                }
                Arg::Block(_) => {}
            }
        }
    }

    /// The body of a block (arguments indented by two spaces), as `layout.rs` frames it.
    pub(super) fn block_body(&self) -> String {
        let mut out = String::with_capacity(48 * self.args.len());
        self.write(&mut out, "  ");
        out
    }
}

/// A list value: `[item]` on one line when it holds at most one item, else one item a
/// line (each indented one level more than `indent`, with a trailing comma), as
/// `terraform fmt` leaves it.
fn write_list(out: &mut String, items: &[Val], indent: &str) {
    out.push('[');
    if items.len() <= 1 {
        if let Some(item) = items.first() {
            item.write(out);
        }
        out.push(']');
        return;
    }
    for item in items {
        out.push('\n');
        out.push_str(indent);
        out.push_str("  ");
        item.write(out);
        out.push(',');
    }
    out.push('\n');
    out.push_str(indent);
    out.push(']');
}

/// The longest key of the run of single-line arguments that starts `args`.
fn run_width(args: &[(&'static str, Arg<'_>, bool)]) -> usize {
    args.iter()
        .enumerate()
        .take_while(|(j, (_, arg, blank))| arg.single_line() && (*j == 0 || !*blank))
        .map(|(_, (k, _, _))| k.len())
        .max()
        .unwrap_or(0)
}

/// Spaces that bring a key of `len` characters to `width`.
fn pad(out: &mut String, width: usize, len: usize) {
    for _ in len..width {
        out.push(' ');
    }
}

/// Whether [`write_json`] lays a value out on several lines: a non-empty object or array.
fn multi_line(v: &Value) -> bool {
    match v {
        Value::Object(o) => !o.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

/// An object key as written: bare when it is an identifier that reads back as itself,
/// else a quoted string. `true`, `false` and `null` read as values, and `{for = 1}` as
/// the start of a `for` expression (HashiCorp's parser refuses it); `in` and `if` are
/// quoted too, as words of the same expressions.
fn write_json_key(out: &mut String, k: &str) {
    let bare = k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(k, "true" | "false" | "null" | "for" | "in" | "if");
    if bare {
        out.push_str(k);
    } else {
        push_hcl_str(out, k);
    }
}

/// A JSON value as an HCL expression that `jsonencode` turns back into it, laid out as
/// `terraform fmt` does: an object or array takes one entry a line, indented one level
/// more than the line (at `indent`) it opens on; the keys of each run of single-line
/// entries are padded to the run's longest key (a multi-line entry ends a run, as for
/// arguments). Strings go through the HCL escaper, so `${` and `%{` stay literal text,
/// except a string at one of `refs`' paths, which is that reference (`path` is where `v`
/// is: object keys, `None` for an array item).
fn write_json<'v>(
    out: &mut String,
    v: &'v Value,
    indent: &str,
    path: &mut Vec<Option<&'v str>>,
    refs: &[(&[&str], &str)],
) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // serde_json writes numbers in a form HCL reads (no NaN or infinity exist).
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => {
            let at = |r: &[&str]| {
                r.len() == path.len() && r.iter().zip(&*path).all(|(a, b)| Some(*a) == *b)
            };
            match refs.iter().find(|(r, _)| at(r)) {
                Some((_, expr)) => out.push_str(expr),
                None => push_hcl_str(out, s),
            }
        }
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Object(entries) if entries.is_empty() => out.push_str("{}"),
        Value::Array(items) => {
            let inner = format!("{indent}  ");
            out.push('[');
            for item in items {
                out.push('\n');
                out.push_str(&inner);
                path.push(None);
                write_json(out, item, &inner, path, refs);
                path.pop();
                out.push(',');
            }
            out.push('\n');
            out.push_str(indent);
            out.push(']');
        }
        Value::Object(entries) => {
            let inner = format!("{indent}  ");
            let entries: Vec<(String, &str, &Value)> = entries
                .iter()
                .map(|(k, v)| {
                    let mut key = String::new();
                    write_json_key(&mut key, k);
                    (key, k.as_str(), v)
                })
                .collect();
            out.push('{');
            let mut width = None;
            for (i, (key, name, value)) in entries.iter().enumerate() {
                out.push('\n');
                out.push_str(&inner);
                out.push_str(key);
                if multi_line(value) {
                    width = None;
                    out.push_str(" = ");
                } else {
                    let w = *width.get_or_insert_with(|| {
                        entries[i..]
                            .iter()
                            .take_while(|(_, _, v)| !multi_line(v))
                            .map(|(k, _, _)| k.chars().count())
                            .max()
                            .unwrap_or(0)
                    });
                    pad(out, w, key.chars().count());
                    out.push_str(" = ");
                }
                path.push(Some(name));
                write_json(out, value, &inner, path, refs);
                path.pop();
            }
            out.push('\n');
            out.push_str(indent);
            out.push('}');
        }
    }
}

/// A tags map: quoted keys, in the plan's (sorted) order.
pub(super) fn tags(tags: &BTreeMap<String, String>) -> Vec<(Val<'_>, Val<'_>)> {
    tags.iter()
        .map(|(k, v)| (Val::Str(k), Val::Str(v)))
        .collect()
}

/// Width of the text of a comment line inside a block (after `  # `).
const COMMENT_WIDTH: usize = 88;

/// Writes each sentence as `  # ` comment lines (each introduced by a newline), wrapped
/// at word boundaries.
pub(super) fn write_why<'s>(out: &mut String, sentences: impl IntoIterator<Item = &'s str>) {
    write_comment(out, "\n  # ", sentences);
}

/// The `#checkov:skip=<id>:<reason>` lines (each introduced by a newline, indented as
/// the arguments of a top-level block) of the plan's checkov acknowledgements of
/// `subject` that checkov checks in Terraform; empty when there are none. checkov reads
/// them inside the block it reports, one line each: they are never wrapped.
pub(super) fn checkov_skips(plan: &Plan, subject: Subject) -> String {
    checkov_skips_where(plan, subject, |_| true)
}

/// [`checkov_skips`] of the rules (by id) `keep` accepts: a subject of several blocks
/// spreads its skips over the blocks checkov reports each rule on.
pub(super) fn checkov_skips_where(
    plan: &Plan,
    subject: Subject,
    keep: impl Fn(&str) -> bool,
) -> String {
    let mut out = String::new();
    for a in plan
        .acknowledgements_of(subject)
        .filter(|a| a.rule.scanner == Scanner::Checkov && a.rule.terraform && keep(a.rule.id))
    {
        out.push_str("\n  #checkov:skip=");
        push_hcl_line_comment(&mut out, a.rule.id);
        out.push(':');
        push_hcl_line_comment(&mut out, &a.reason);
    }
    out
}

/// The top-level comment lines (`# ...`, joined by newlines) of `sentences`, wrapped.
pub(super) fn comment<'s>(sentences: impl IntoIterator<Item = &'s str>) -> String {
    let mut out = String::new();
    write_comment(&mut out, "\n# ", sentences);
    out.split_off(1)
}

/// Writes each sentence as comment lines, each introduced by `line` (a newline, the
/// indent and `# `), wrapped at word boundaries.
fn write_comment<'s>(out: &mut String, line: &str, sentences: impl IntoIterator<Item = &'s str>) {
    for s in sentences {
        let mut len = 0;
        for word in s.split_whitespace() {
            if len > 0 && len + 1 + word.len() <= COMMENT_WIDTH {
                out.push(' ');
                len += 1;
            } else {
                out.push_str(line);
                len = 0;
            }
            out.push_str(word);
            len += word.len();
        }
    }
}

#[cfg(test)]
mod tests;
