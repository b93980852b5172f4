//! TypeScript string literals, template literals and comments (CDK TypeScript).

use super::{PseudoNames, CDK_PSEUDO};
use crate::plan::{Piece, Text};

/// Appends the body of a JavaScript template literal, without the backticks.
fn push_ts_template_body(out: &mut String, s: &str) {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' => out.push_str("\\`"),
            '\\' => out.push_str("\\\\"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
}

/// A TypeScript expression for a text: a string literal, or a template literal.
pub fn ts_text(t: &Text) -> String {
    let mut out = String::new();
    push_ts_text(&mut out, t);
    out
}

/// Appends [`ts_text`] to `out`, for renderers that build code in one buffer.
pub fn push_ts_text(out: &mut String, t: &Text) {
    push_ts_text_with(out, t, &CDK_PSEUDO);
}

/// Appends a text with its pseudo values spelled as `names` says (the CDK construct
/// spells them from its stack, `stack.partition`).
pub fn push_ts_text_with(out: &mut String, t: &Text, names: &PseudoNames) {
    let parts: Vec<TsPart<'_>> = t
        .pieces()
        .iter()
        .map(|p| match p {
            Piece::Literal(s) => TsPart::Literal(s),
            _ => TsPart::Expr(names.expr(p).unwrap_or_default()),
        })
        .collect();
    push_ts_parts(out, &parts);
}

/// One part of a TypeScript string expression: literal text, or a string expression
/// written as code (a pseudo value, a resource's attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TsPart<'a> {
    Literal(&'a str),
    Expr(&'a str),
}

/// Appends the string expression of `parts`: a string literal when every part is
/// literal, a lone expression as it is, else a template literal.
pub fn push_ts_parts(out: &mut String, parts: &[TsPart<'_>]) {
    // Escaping is per character, so literal parts make the string literal of them joined.
    if parts.iter().all(|p| matches!(p, TsPart::Literal(_))) {
        out.push('\'');
        for part in parts {
            if let TsPart::Literal(s) = part {
                push_ts_str_body(out, s);
            }
        }
        out.push('\'');
        return;
    }
    // A lone expression is already a string expression.
    if let [TsPart::Expr(e)] = parts {
        out.push_str(e);
        return;
    }
    out.push('`');
    for part in parts {
        match part {
            TsPart::Literal(s) => push_ts_template_body(out, s),
            TsPart::Expr(e) => {
                out.push_str("${");
                out.push_str(e);
                out.push('}');
            }
        }
    }
    out.push('`');
}

/// A TypeScript string literal, single-quoted as most CDK code is.
pub fn ts_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_ts_str(&mut out, s);
    out
}

/// Appends [`ts_str`] to `out`, for renderers that build code in one buffer.
pub fn push_ts_str(out: &mut String, s: &str) {
    out.push('\'');
    push_ts_str_body(out, s);
    out.push('\'');
}

fn push_ts_str_body(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
}

/// Text inside a TypeScript `/** … */` or `//` comment: it can neither close the block
/// comment nor start a new line of code.
pub fn ts_comment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_ts_comment(&mut out, s);
    out
}

/// Appends [`ts_comment`] to `out`, for renderers that build code in one buffer.
pub fn push_ts_comment(out: &mut String, s: &str) {
    let mut after_star = false;
    for c in s.chars() {
        let c = match c {
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => ' ',
            c if c.is_control() => ' ',
            c => c,
        };
        if c == '/' && after_star {
            out.push_str("\\/");
        } else {
            out.push(c);
        }
        after_star = c == '*';
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Pseudo;
    use crate::text;

    #[test]
    fn a_lone_pseudo_value_is_a_bare_ts_expression() {
        assert_eq!(ts_text(&text![Pseudo::AccountId]), "cdk.Aws.ACCOUNT_ID");
    }

    #[test]
    fn ts_comments_cannot_close_or_leave_the_comment() {
        assert_eq!(ts_comment("a */ b\nc"), r"a *\/ b c");
        assert_eq!(ts_comment("**/*/*\n/ *\u{2028}/"), r"**\/*\/* / * /");
    }

    #[test]
    fn ts_push_escapers_append_what_the_string_escapers_return() {
        let hostile = "a' + `${x}` */ \\ \n\u{2028}\u{1} b";
        let mut out = String::from("x");
        push_ts_str(&mut out, hostile);
        assert_eq!(out, format!("x{}", ts_str(hostile)));
        assert_eq!(ts_str(hostile), r"'a\' + `${x}` */ \\ \n\u2028\u0001 b'");
        for t in [
            Text::default(),
            Text::literal(hostile),
            text![Pseudo::Region],
            text!["arn:", Pseudo::Partition, hostile],
        ] {
            let mut out = String::from("x");
            push_ts_text(&mut out, &t);
            assert_eq!(out, format!("x{}", ts_text(&t)));
        }
        assert_eq!(ts_text(&Text::default()), "''");
        assert_eq!(
            ts_text(&text!["a`", Pseudo::Partition, "${b}"]),
            r"`a\`${cdk.Aws.PARTITION}\${b}`"
        );
    }
}
