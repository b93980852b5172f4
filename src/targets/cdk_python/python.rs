//! The Python writer of the CDK Python target: the [`Py`] expression tree and its
//! layout (on one line when it fits in `black`'s line length, else exploded one element a
//! line with magic trailing commas), and [`call_statement`], which writes the resource
//! calls of `__init__`. Escaping itself is in `crate::render::escape`.

use crate::plan::{Piece, Text};
use crate::render::escape::{push_py_str, PseudoNames};

/// The construct spells an unpinned pseudo value from its own stack: in an env-agnostic
/// stack the same tokens as `cdk.Aws.*`, in a stack with an environment its values.
pub(super) const STACK_PSEUDO: PseudoNames = PseudoNames {
    partition: "stack.partition",
    region: "stack.region",
    account_id: "stack.account",
    url_suffix: "stack.url_suffix",
    session_key_arn: "self.session_key.key_arn",
    log_bucket_name: "self.log_bucket.bucket_name",
};

/// `black`'s default line length.
const LINE_LENGTH: usize = 88;

/// Indentation of the keyword arguments of a call in `__init__` (class, method, call),
/// as `layout.rs` writes them.
pub(super) const ARG_INDENT: usize = 12;

/// Indentation of a statement in `__init__`.
pub(super) const BODY_INDENT: usize = 8;

/// An argument of a [`call_statement`].
pub(super) enum Arg<'s> {
    /// Python code, laid out for its place already.
    Code(&'s str),
    /// A string, written as a Python literal by [`push_py_str`].
    Str(&'s str),
    /// `self.<attribute>`.
    SelfAttr(&'s str),
    /// `self.<attribute>.<property>`.
    Property(&'s str, &'static str),
}

/// A call statement of `__init__` (`self.<attr> = <callee>(...)`, or the bare call):
/// every resource call is written one argument a line at [`ARG_INDENT`], each with a
/// trailing comma (which `black` keeps), and `)` at [`BODY_INDENT`]. Arguments are
/// `(keyword, value)`, positional when the keyword is empty. The first line carries no
/// indentation: the template places it.
pub(super) fn call_statement(attr: Option<&str>, callee: &str, args: &[(&str, Arg)]) -> String {
    let size = args
        .iter()
        .map(|(keyword, value)| {
            let value = match value {
                Arg::Code(s) | Arg::Str(s) | Arg::SelfAttr(s) => s.len(),
                Arg::Property(a, p) => a.len() + p.len(),
            };
            ARG_INDENT + keyword.len() + value + 16
        })
        .sum::<usize>()
        + attr.map_or(0, str::len)
        + callee.len()
        + BODY_INDENT
        + 16;
    let mut s = String::with_capacity(size);
    if let Some(attr) = attr {
        s.push_str("self.");
        s.push_str(attr);
        s.push_str(" = ");
    }
    s.push_str(callee);
    s.push('(');
    for (keyword, value) in args {
        push_line_break(&mut s, ARG_INDENT);
        if !keyword.is_empty() {
            s.push_str(keyword);
            s.push('=');
        }
        match value {
            Arg::Code(code) => s.push_str(code),
            Arg::Str(text) => push_py_str(&mut s, text),
            Arg::SelfAttr(attr) => {
                s.push_str("self.");
                s.push_str(attr);
            }
            Arg::Property(attr, property) => {
                s.push_str("self.");
                s.push_str(attr);
                s.push('.');
                s.push_str(property);
            }
        }
        s.push(',');
    }
    push_line_break(&mut s, BODY_INDENT);
    s.push(')');
    s
}

/// A line break and the next line's indentation.
fn push_line_break(out: &mut String, indent: usize) {
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A Python expression for a plan text: a lone pseudo value is the CDK attribute
/// itself (`stack.account`), anything else a literal or an f-string; pseudo values come
/// from the construct's stack.
pub(super) fn py_text(t: &Text) -> String {
    match t.pieces() {
        [p @ (Piece::Pseudo(_) | Piece::Ref(_))] => {
            STACK_PSEUDO.expr(p).unwrap_or_default().to_string()
        }
        _ => {
            let mut out = String::new();
            crate::render::escape::push_py_text_with(&mut out, t, &STACK_PSEUDO);
            out
        }
    }
}

/// A Python expression, laid out the way `black` leaves it.
#[derive(Debug, Clone)]
pub(super) enum Py {
    /// Code that is never split: an escaped literal, a name, an attribute.
    Atom(String),
    /// `callee(args)`, each argument positional or `name=value`.
    Call(&'static str, Vec<(Option<&'static str>, Py)>),
    /// `receiver.method(args)`.
    Method(Box<Py>, &'static str, Vec<(Option<&'static str>, Py)>),
    List(Vec<Py>),
    /// Keys are escaped literals.
    Dict(Vec<(String, Py)>),
}

impl Py {
    pub(super) fn atom(s: impl Into<String>) -> Py {
        Py::Atom(s.into())
    }

    pub(super) fn call(callee: &'static str, args: Vec<Py>) -> Py {
        Py::Call(callee, args.into_iter().map(|a| (None, a)).collect())
    }

    /// The expression on one line.
    pub(super) fn flat(&self) -> String {
        let mut out = String::new();
        self.flat_into(&mut out);
        out
    }

    /// Appends the expression on one line to `out`.
    fn flat_into(&self, out: &mut String) {
        fn args(out: &mut String, list: &[(Option<&str>, Py)]) {
            for (i, (name, v)) in list.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if let Some(n) = name {
                    out.push_str(n);
                    out.push('=');
                }
                v.flat_into(out);
            }
        }
        match self {
            Py::Atom(s) => out.push_str(s),
            Py::Call(callee, a) => {
                out.push_str(callee);
                out.push('(');
                args(out, a);
                out.push(')');
            }
            Py::Method(recv, m, a) => {
                recv.flat_into(out);
                out.push('.');
                out.push_str(m);
                out.push('(');
                args(out, a);
                out.push(')');
            }
            Py::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.flat_into(out);
                }
                out.push(']');
            }
            Py::Dict(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(k);
                    out.push_str(": ");
                    v.flat_into(out);
                }
                out.push('}');
            }
        }
    }

    /// The width of [`Py::flat_into`]'s line in characters, without writing it.
    fn flat_width(&self) -> usize {
        fn separators(n: usize) -> usize {
            2 * n.saturating_sub(1)
        }
        fn args(list: &[(Option<&str>, Py)]) -> usize {
            let names: usize = list
                .iter()
                .filter_map(|(n, _)| *n)
                .map(|n| n.len() + 1)
                .sum();
            let values: usize = list.iter().map(|(_, v)| v.flat_width()).sum();
            names + values + separators(list.len())
        }
        match self {
            Py::Atom(s) => s.chars().count(),
            Py::Call(callee, a) => callee.len() + 2 + args(a),
            Py::Method(recv, m, a) => recv.flat_width() + 1 + m.len() + 2 + args(a),
            Py::List(items) => {
                2 + items.iter().map(Py::flat_width).sum::<usize>() + separators(items.len())
            }
            Py::Dict(entries) => {
                let widths: usize = entries
                    .iter()
                    .map(|(k, v)| k.chars().count() + 2 + v.flat_width())
                    .sum();
                2 + widths + separators(entries.len())
            }
        }
    }

    /// The value of a keyword argument of a call in `__init__`, written as
    /// `<name>=<value>,` at [`ARG_INDENT`].
    pub(super) fn lay_arg(&self, name: &str) -> String {
        self.lay(ARG_INDENT, ARG_INDENT + name.len() + 1, 1)
    }

    /// The expression starting at column `col` of a line indented by `indent`, followed
    /// by `tail` characters: on one line when it fits in [`LINE_LENGTH`], else exploded.
    /// Continuation lines carry their indentation; the first does not.
    pub(super) fn lay(&self, indent: usize, col: usize, tail: usize) -> String {
        let mut out = String::new();
        self.lay_into(&mut out, indent, col, tail);
        out
    }

    /// The expression exploded one element a line whatever its width, at a statement
    /// indented by `indent`: resource calls, as [`call_statement`] writes them.
    pub(super) fn explode(&self, indent: usize) -> String {
        let mut out = String::new();
        self.explode_into(&mut out, indent, indent);
        out
    }

    /// Appends [`Py::lay`] to `out`.
    fn lay_into(&self, out: &mut String, indent: usize, col: usize, tail: usize) {
        if col + self.flat_width() + tail <= LINE_LENGTH {
            self.flat_into(out);
        } else {
            self.explode_into(out, indent, col);
        }
    }

    /// One element a line, each followed by a comma, closing bracket at `indent`.
    fn explode_into(&self, out: &mut String, indent: usize, col: usize) {
        let inner = indent + 4;
        // Each element on its own line after `head` (a keyword or a dict key), then the
        // closing bracket's line.
        let items = |out: &mut String, entries: &mut dyn Iterator<Item = (&str, &str, &Py)>| {
            for (head, sep, v) in entries {
                push_line_break(out, inner);
                out.push_str(head);
                out.push_str(sep);
                let head_width = head.chars().count() + sep.len();
                v.lay_into(out, inner, inner + head_width, 1);
                out.push(',');
            }
            push_line_break(out, indent);
        };
        fn args<'p>(
            a: &'p [(Option<&'static str>, Py)],
        ) -> impl Iterator<Item = (&'p str, &'p str, &'p Py)> {
            a.iter().map(|(n, v)| match n {
                Some(n) => (*n, "=", v),
                None => ("", "", v),
            })
        }
        match self {
            Py::Atom(s) => out.push_str(s),
            // Nothing to explode: an empty bracket pair stays closed.
            Py::Call(_, a) | Py::Method(_, _, a) if a.is_empty() => self.flat_into(out),
            Py::List(v) if v.is_empty() => self.flat_into(out),
            Py::Dict(v) if v.is_empty() => self.flat_into(out),
            Py::Call(callee, a) => {
                out.push_str(callee);
                out.push('(');
                items(out, &mut args(a));
                out.push(')');
            }
            // As `black` does: the last call of a chain is split; the receiver too when
            // the line up to the last opening bracket would not fit.
            Py::Method(recv, m, a) => {
                if col + recv.flat_width() + m.len() + 2 <= LINE_LENGTH {
                    recv.flat_into(out);
                } else {
                    recv.explode_into(out, indent, col);
                }
                out.push('.');
                out.push_str(m);
                out.push('(');
                items(out, &mut args(a));
                out.push(')');
            }
            Py::List(v) => {
                out.push('[');
                items(out, &mut v.iter().map(|p| ("", "", p)));
                out.push(']');
            }
            Py::Dict(e) => {
                out.push('{');
                items(out, &mut e.iter().map(|(k, v)| (k.as_str(), ": ", v)));
                out.push('}');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::escape::py_str;

    #[test]
    fn hostile_strings_stay_python_literals() {
        assert_eq!(
            py_str("a\"b\\c{d}\ne\"\"\"f'"),
            r#""a\"b\\c{d}\ne\"\"\"f'""#
        );
        let mut t = Text::literal("x{y}\"\"\"\\");
        t.push_pseudo(crate::plan::Pseudo::AccountId);
        t.push_str("}{\n");
        assert_eq!(py_text(&t), r#"f"x{{y}}\"\"\"\\{stack.account}}}{{\n""#);
    }

    #[test]
    fn calls_explode_with_magic_commas_only_when_too_long() {
        let short = Py::call("f", vec![Py::atom("1"), Py::List(vec![Py::atom("2")])]);
        assert_eq!(short.lay(8, 8, 0), "f(1, [2])");
        let long = Py::Call(
            "iam.PolicyStatement",
            vec![
                (Some("sid"), Py::atom(py_str(&"S".repeat(60)))),
                (
                    Some("actions"),
                    Py::List(vec![Py::atom("\"a\""), Py::atom("\"b\"")]),
                ),
            ],
        );
        assert_eq!(
            long.lay(8, 8, 0),
            format!(
                "iam.PolicyStatement(\n            sid=\"{}\",\n            actions=[\"a\", \"b\"],\n        )",
                "S".repeat(60)
            )
        );
    }
}
