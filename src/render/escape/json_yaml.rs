//! JSON and YAML strings (CloudFormation templates, package.json, cdk.json) and the
//! CloudFormation spelling of plan texts. JSON and YAML share one double-quoted writer;
//! they differ only in which characters get a `\u` code.

use super::CFN_PSEUDO;
use crate::plan::{Piece, Text};

/// A JSON string literal (also a valid TypeScript and Python string literal).
pub fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_json_str(&mut out, s);
    out
}

/// Appends [`json_str`] to `out`, for renderers that build code in one buffer.
pub fn push_json_str(out: &mut String, s: &str) {
    // Line and paragraph separators end lines in older JavaScript parsers. JSON is read
    // as YAML 1.1 by some tools (cfn-lint decodes every template with PyYAML first),
    // which folds NEL (U+0085) into a space and refuses the other C1 controls and
    // U+FEFF, U+FFFE and U+FFFF: all of them are escaped so that every reader gets the
    // same string.
    push_double_quoted(
        out,
        s,
        |c| matches!(c as u32, 0..=0x1f | 0x7f..=0x9f | 0x2028 | 0x2029 | 0xfeff | 0xfffe | 0xffff),
    );
}

/// A double-quoted string as JSON and YAML both write it: `"`, `\`, newline, carriage
/// return and tab escaped by name, and every character `needs_code` flags as `\uXXXX`
/// (`\UXXXXXXXX` beyond the Basic Multilingual Plane, which only YAML flags).
fn push_double_quoted(out: &mut String, s: &str, needs_code: fn(char) -> bool) {
    out.reserve(s.len() + 2);
    out.push('"');
    // Most strings are printable ASCII with nothing to escape: one byte scan, one copy.
    if s.bytes()
        .all(|b| matches!(b, 0x20..=0x7e) && b != b'"' && b != b'\\')
    {
        out.push_str(s);
        out.push('"');
        return;
    }
    // Runs of characters that need no escape are copied whole.
    let mut run = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            c if needs_code(c) => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        run = i + c.len_utf8();
        match (escape, c as u32) {
            ("", 0..=0xffff) => push_u_escape(out, 'u', 4, c),
            ("", _) => push_u_escape(out, 'U', 8, c),
            (escape, _) => out.push_str(escape),
        }
    }
    out.push_str(&s[run..]);
    out.push('"');
}

/// `\u` or `\U` and the code point in `width` lowercase hex digits.
pub(super) fn push_u_escape(out: &mut String, letter: char, width: usize, c: char) {
    use std::fmt::Write as _;
    out.push('\\');
    out.push(letter);
    // Writing to a String cannot fail.
    let _ = write!(out, "{:0width$x}", c as u32);
}

/// A YAML double-quoted scalar; escapes everything YAML does not allow printed.
pub fn yaml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_yaml_str(&mut out, s);
    out
}

/// Appends [`yaml_str`] to `out`, for renderers that build code in one buffer.
pub fn push_yaml_str(out: &mut String, s: &str) {
    push_double_quoted(out, s, |c| !yaml_printable(c));
}

/// Characters written as themselves in a double-quoted scalar. YAML 1.2 counts NEL
/// (U+0085) as printable, but YAML 1.1 parsers (PyYAML, and so cfn-lint) read it, like
/// U+2028 and U+2029, as a line break and fold it to a space, so all three are escaped.
fn yaml_printable(c: char) -> bool {
    matches!(c as u32,
        0x20..=0x7e | 0xa0..=0xd7ff | 0xe000..=0xfefe | 0xff00..=0xfffd | 0x10000..=0x10ffff)
        && c != '\u{2028}'
        && c != '\u{2029}'
}

/// A YAML scalar: plain when it is an ASCII word that every YAML 1.1 and 1.2 parser reads
/// back as the same string (`AWS::IAM::Role`, `sts:AssumeRole`, `arn:aws:s3:::b/*`),
/// double-quoted by [`yaml_str`] otherwise. A plain word starts with a letter (so it is
/// never a number, date, alias, tag or indicator), holds no space (so no `: ` or ` #`),
/// does not end with `:` and is not a boolean or null keyword.
pub fn yaml_scalar(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_yaml_scalar(&mut out, s);
    out
}

/// Appends [`yaml_scalar`] to `out`, for renderers that build code in one buffer.
pub fn push_yaml_scalar(out: &mut String, s: &str) {
    const KEYWORDS: [&str; 9] = ["y", "n", "yes", "no", "true", "false", "on", "off", "null"];
    let plain = s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.:/*".contains(&b))
        && !s.ends_with(':')
        && !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(s));
    if plain {
        out.push_str(s);
    } else {
        push_yaml_str(out, s);
    }
}

/// The header of the YAML literal block scalar that holds `s` exactly, when there is one:
/// `|` (the text ends with one line break, kept) or `|-` (it ends without one), with the
/// indentation indicator `2` when its first line that is not empty starts with a space
/// (a reader would take that space for indentation). The lines follow the header as they
/// are, each but the empty ones indented two spaces past the parent's column. None for a
/// text with no character but spaces and line breaks, one ending in more than one line
/// break (kept trailing lines would take in a blank line after the value), or one with a
/// character a block scalar cannot show as itself: a tab (kept simple), a carriage
/// return or another line break of YAML 1.1 readers, a control character, a byte order
/// mark.
pub fn yaml_block_header(s: &str) -> Option<&'static str> {
    let body = s.strip_suffix('\n').unwrap_or(s);
    let printable = |c: char| c == '\n' || yaml_printable(c);
    if body.ends_with('\n')
        || !s.chars().all(printable)
        || body.chars().all(|c| c == ' ' || c == '\n')
    {
        return None;
    }
    let first = body.split('\n').find(|l| !l.is_empty()).unwrap_or_default();
    let keeps_break = body.len() < s.len();
    Some(match (first.starts_with(' '), keeps_break) {
        (false, true) => "|",
        (false, false) => "|-",
        (true, true) => "|2",
        (true, false) => "|2-",
    })
}

/// A CloudFormation value for a text: a plain string, or `Fn::Sub` over the pseudo
/// parameters (a literal `${` is written `${!` as `Fn::Sub` requires).
pub fn cfn_text(t: &Text) -> serde_json::Value {
    match cfn_sub(t) {
        Some(sub) => serde_json::json!({ "Fn::Sub": sub }),
        None => serde_json::Value::String(t.as_literal().unwrap_or_default()),
    }
}

/// The `Fn::Sub` string of a text that holds a pseudo value (a literal `${` is written
/// `${!`), or `None` for a text without one, which is a plain string.
pub fn cfn_sub(t: &Text) -> Option<String> {
    if t.pieces().iter().all(|p| matches!(p, Piece::Literal(_))) {
        return None;
    }
    let mut sub = String::new();
    for piece in t.pieces() {
        match piece {
            Piece::Literal(s) if s.contains("${") => sub.push_str(&s.replace("${", "${!")),
            Piece::Literal(s) => sub.push_str(s),
            Piece::Pseudo(_) | Piece::Ref(_) => {
                sub.push_str("${");
                sub.push_str(CFN_PSEUDO.expr(piece).unwrap_or_default());
                sub.push('}');
            }
        }
    }
    Some(sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_controls_quotes_and_line_separators() {
        assert_eq!(
            json_str("a\"\\\n\u{1}\u{7f}\u{2028}é"),
            r#""a\"\\\n\u0001\u007f\u2028é""#
        );
        let mut out = String::from("x");
        push_json_str(&mut out, "y");
        assert_eq!(out, r#"x"y""#);
    }

    #[test]
    fn a_yaml_block_header_keeps_the_text_exact_or_there_is_none() {
        assert_eq!(yaml_block_header("x\n  y\n"), Some("|"));
        assert_eq!(yaml_block_header("x"), Some("|-"));
        assert_eq!(yaml_block_header("\n  x\n"), Some("|2"));
        assert_eq!(yaml_block_header("  x"), Some("|2-"));
        for s in [
            "",
            "\n",
            "  \n ",
            "x\n\n",
            "a\tb\n",
            "a\r\n",
            "a\u{85}b",
            "a\u{feff}",
            "a\u{1}",
        ] {
            assert_eq!(yaml_block_header(s), None, "{s:?}");
        }
    }

    #[test]
    fn yaml_escapes_what_yaml_cannot_print() {
        assert_eq!(yaml_str("a\u{7f}b\u{feff}\"#"), "\"a\\u007fb\\ufeff\\\"#\"");
    }

    #[test]
    fn yaml_scalars_are_plain_only_when_unambiguous() {
        assert_eq!(yaml_scalar("AWS::IAM::Role"), "AWS::IAM::Role");
        assert_eq!(yaml_scalar("arn:aws:s3:::b/*"), "arn:aws:s3:::b/*");
        for s in [
            "",
            "2012-10-17",
            "123",
            "*",
            "/p/",
            "a b",
            "a: b",
            "a #b",
            "on",
            "No",
            "a:",
            "é",
            "${x}",
        ] {
            assert_eq!(yaml_scalar(s), yaml_str(s), "{s:?} is quoted");
        }
    }

    #[test]
    fn yaml_escapes_what_yaml_1_1_reads_as_line_breaks() {
        // Found by tests/conformance/hostile.py: cfn-lint's YAML 1.1 decoder read a raw
        // NEL in a double-quoted path as a space.
        assert_eq!(yaml_str("/\u{85}/"), r#""/\u0085/""#);
        assert_eq!(yaml_str("\u{2028}\u{2029}"), r#""\u2028\u2029""#);
        assert_eq!(
            json_str("/\u{85}\u{9f}\u{feff}\u{ff21}\u{ffff}/"),
            "\"/\\u0085\\u009f\\ufeff\u{ff21}\\uffff/\""
        );
    }
}
