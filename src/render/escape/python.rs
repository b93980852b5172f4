//! Python string literals and f-strings (CDK Python).

use super::{PseudoNames, CDK_PSEUDO};
use crate::plan::{Piece, Text};

/// A Python string literal (double-quoted; `\x00`-style escapes for controls).
pub fn py_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_py_str(&mut out, s);
    out
}

/// Appends [`py_str`] to `out`, for renderers that build code in one buffer.
pub fn push_py_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    push_py_body(out, s, false);
    out.push('"');
}

fn push_py_body(out: &mut String, s: &str, fstring: bool) {
    // Runs of characters that need no escape are copied whole; every character that
    // does is ASCII, so byte offsets of the run boundaries are character boundaries.
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        // Most bytes are printable ASCII other than `"`, `\\`, `{` and `}`: one test.
        if (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b'\\' | b'{' | b'}') {
            continue;
        }
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            b'{' if fstring => "{{",
            b'}' if fstring => "}}",
            b if b < 0x20 || b == 0x7f => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        run = i + 1;
        if escape.is_empty() {
            out.push_str("\\x");
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&s[run..]);
}

/// A Python expression for a text: a string literal, or an f-string.
pub fn py_text(t: &Text) -> String {
    let mut out = String::new();
    push_py_text_with(&mut out, t, &CDK_PSEUDO);
    out
}

/// Appends a text as a Python string literal or f-string, its pseudo values spelled as
/// `names` says (the CDK construct spells them from its stack, `stack.partition`).
pub fn push_py_text_with(out: &mut String, t: &Text, names: &PseudoNames) {
    if let Some(lit) = t.as_literal() {
        push_py_str(out, &lit);
        return;
    }
    out.push_str("f\"");
    for piece in t.pieces() {
        match piece {
            Piece::Literal(s) => push_py_body(out, s, true),
            Piece::Pseudo(_) | Piece::Ref(_) => {
                out.push('{');
                out.push_str(names.expr(piece).unwrap_or_default());
                out.push('}');
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_py_str_appends_the_escaped_literal() {
        let mut out = String::from("x=");
        push_py_str(&mut out, "a\"b\\c{d}\n\u{1}\u{7f}é");
        assert_eq!(out, r#"x="a\"b\\c{d}\n\x01\x7fé""#);
        assert_eq!(py_str("plain"), "\"plain\"");
    }

    #[test]
    fn pseudo_values_are_spelled_as_asked() {
        use crate::plan::Pseudo;
        let names = PseudoNames {
            partition: "stack.partition",
            region: "stack.region",
            account_id: "stack.account",
            url_suffix: "stack.url_suffix",
            session_key_arn: "self.session_key.key_arn",
            log_bucket_name: "self.log_bucket.bucket_name",
        };
        let t = crate::text!["arn:", Pseudo::Partition, ":s3:::b{x}"];
        let mut out = String::new();
        push_py_text_with(&mut out, &t, &names);
        assert_eq!(out, r#"f"arn:{stack.partition}:s3:::b{{x}}""#);
    }
}
