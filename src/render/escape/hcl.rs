//! HCL (Terraform) strings and templates: `${` and `%{` open interpolations and
//! directives, so literal text doubles them.

use super::json_yaml::push_u_escape;
use super::HCL_PSEUDO;
use crate::plan::{Piece, Text};

/// The body of an HCL quoted template, without the quotes: `${` and `%{` start
/// interpolations and directives in HCL, so they are doubled.
pub fn hcl_str_body(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_hcl_str_body(&mut out, s);
    out
}

/// Appends [`hcl_str_body`] to `out`, for renderers that build code in one buffer.
pub fn push_hcl_str_body(out: &mut String, s: &str) {
    // Every character that needs an escape is ASCII, and no byte of a multi-byte UTF-8
    // character is, so bytes are scanned and runs of the rest are copied whole.
    let mut run = 0;
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            b'$' if bytes.get(i + 1) == Some(&b'{') => "$$",
            b'%' if bytes.get(i + 1) == Some(&b'{') => "%%",
            b if b < 0x20 || b == 0x7f => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        run = i + 1;
        if escape.is_empty() {
            push_u_escape(out, 'u', 4, char::from(b));
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&s[run..]);
}

/// An HCL quoted string.
pub fn hcl_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_hcl_str(&mut out, s);
    out
}

/// Appends [`hcl_str`] to `out`, for renderers that build code in one buffer.
pub fn push_hcl_str(out: &mut String, s: &str) {
    out.push('"');
    push_hcl_str_body(out, s);
    out.push('"');
}

/// A Terraform expression for a text: a quoted template with interpolations.
pub fn hcl_text(t: &Text) -> String {
    let mut out = String::new();
    push_hcl_text(&mut out, t);
    out
}

/// Appends [`hcl_text`] to `out`, for renderers that build code in one buffer.
pub fn push_hcl_text(out: &mut String, t: &Text) {
    out.push('"');
    let pieces = t.pieces();
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Literal(s)
                if matches!(pieces.get(i + 1), Some(Piece::Pseudo(_) | Piece::Ref(_))) =>
            {
                // `$` right before the interpolation would read as the `$${` escape and
                // turn the interpolation into literal text: the trailing dollars are
                // written as an interpolated string instead.
                let body = s.trim_end_matches('$');
                push_hcl_str_body(out, body);
                if body.len() < s.len() {
                    out.push_str("${\"");
                    out.push_str(&s[body.len()..]);
                    out.push_str("\"}");
                }
            }
            Piece::Literal(s) => push_hcl_str_body(out, s),
            Piece::Pseudo(_) | Piece::Ref(_) => {
                out.push_str("${");
                out.push_str(HCL_PSEUDO.expr(piece).unwrap_or_default());
                out.push('}');
            }
        }
    }
    out.push('"');
}

/// A Terraform expression for a text, written as a bare reference when the text is one
/// pseudo value alone (`data.aws_caller_identity.current.account_id` rather than the
/// `"${...}"` wrapper that `terraform fmt` and linters flag), else as [`hcl_text`].
pub fn hcl_expr(t: &Text) -> String {
    let mut out = String::new();
    push_hcl_expr(&mut out, t);
    out
}

/// Appends [`hcl_expr`] to `out`, for renderers that build code in one buffer.
pub fn push_hcl_expr(out: &mut String, t: &Text) {
    match t.pieces() {
        [p @ (Piece::Pseudo(_) | Piece::Ref(_))] => {
            out.push_str(HCL_PSEUDO.expr(p).unwrap_or_default())
        }
        _ => push_hcl_text(out, t),
    }
}

/// Appends the text of a one-line `#` comment (a tool directive such as
/// `#checkov:skip=`, which its reader takes from that line alone): every character that
/// HashiCorp's parser, or a Python reader splitting lines, could take for the end of the
/// line becomes a space, as does any other control character. Trailing white space is
/// dropped, as formatters and editors drop it.
pub fn push_hcl_line_comment(out: &mut String, s: &str) {
    let start = out.len();
    out.extend(s.chars().map(|c| match c {
        '\u{2028}' | '\u{2029}' => ' ',
        c if c.is_control() => ' ',
        c => c,
    }));
    let kept = start + out[start..].trim_end().len();
    out.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Pseudo;
    use crate::text;

    #[test]
    fn a_line_comment_stays_on_its_line() {
        let mut out = String::from("#x=");
        push_hcl_line_comment(&mut out, "a\nb\r\nc\u{85}d\u{2028}e\u{b}f\tg ${h} é\n\t ");
        assert_eq!(out, "#x=a b  c d e f g ${h} é");
    }

    #[test]
    fn hcl_doubles_interpolation_and_directive_openers() {
        assert_eq!(hcl_str("a${b}%{c}\"\\\n"), r#""a$${b}%%{c}\"\\\n""#);
        assert_eq!(hcl_str("$x %y"), r#""$x %y""#);
        assert_eq!(
            hcl_str("$${%%{é\u{1}\u{7f}\t\r"),
            r#""$$${%%%{é\u0001\u007f\t\r""#
        );
        let mut out = String::from("x");
        push_hcl_str(&mut out, "${");
        push_hcl_expr(&mut out, &text!["a", Pseudo::Region]);
        assert_eq!(out, r#"x"$${""a${data.aws_region.current.region}""#);
    }

    #[test]
    fn hcl_text_keeps_a_dollar_before_an_interpolation_literal() {
        // Found by tests/hostile_output.rs: `a$` then a pseudo value rendered `a$${…}`,
        // which HCL reads as the literal text `a${…}`.
        assert_eq!(
            hcl_text(&text!["a$$", Pseudo::Region, "$"]),
            r#""a${"$$"}${data.aws_region.current.region}$""#
        );
        assert_eq!(
            hcl_text(&text!["$", Pseudo::Partition]),
            r#""${"$"}${data.aws_partition.current.partition}""#
        );
    }

    #[test]
    fn hcl_expr_unwraps_a_lone_pseudo_value_only() {
        assert_eq!(
            hcl_expr(&text![Pseudo::AccountId]),
            "data.aws_caller_identity.current.account_id"
        );
        assert_eq!(hcl_expr(&Text::literal("${x}")), r#""$${x}""#);
        assert_eq!(
            hcl_expr(&text!["a", Pseudo::Region]),
            r#""a${data.aws_region.current.region}""#
        );
    }
}
