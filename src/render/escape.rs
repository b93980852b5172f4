//! One escaper per target language. Every free-text value reaches generated code only
//! through these, so no string from a spec can end a literal or start an interpolation.

use crate::plan::{Piece, Pseudo, Text};

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
fn push_u_escape(out: &mut String, letter: char, width: usize, c: char) {
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

/// A single-quoted POSIX shell word.
pub fn shell_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// How a target spells each pseudo value.
pub struct PseudoNames {
    pub partition: &'static str,
    pub region: &'static str,
    pub account_id: &'static str,
    pub url_suffix: &'static str,
}

impl PseudoNames {
    pub fn get(&self, p: Pseudo) -> &'static str {
        match p {
            Pseudo::Partition => self.partition,
            Pseudo::Region => self.region,
            Pseudo::AccountId => self.account_id,
            Pseudo::UrlSuffix => self.url_suffix,
        }
    }
}

pub const HCL_PSEUDO: PseudoNames = PseudoNames {
    partition: "data.aws_partition.current.partition",
    region: "data.aws_region.current.region",
    account_id: "data.aws_caller_identity.current.account_id",
    url_suffix: "data.aws_partition.current.dns_suffix",
};

pub const CDK_PSEUDO: PseudoNames = PseudoNames {
    partition: "cdk.Aws.PARTITION",
    region: "cdk.Aws.REGION",
    account_id: "cdk.Aws.ACCOUNT_ID",
    url_suffix: "cdk.Aws.URL_SUFFIX",
};

pub const CFN_PSEUDO: PseudoNames = PseudoNames {
    partition: "AWS::Partition",
    region: "AWS::Region",
    account_id: "AWS::AccountId",
    url_suffix: "AWS::URLSuffix",
};

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
            Piece::Literal(s) if matches!(pieces.get(i + 1), Some(Piece::Pseudo(_))) => {
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
            Piece::Pseudo(p) => {
                out.push_str("${");
                out.push_str(HCL_PSEUDO.get(*p));
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
        [Piece::Pseudo(p)] => out.push_str(HCL_PSEUDO.get(*p)),
        _ => push_hcl_text(out, t),
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
    let pieces = t.pieces();
    // Escaping is per character, so a text without pseudo values is the string literal
    // of its pieces joined.
    if pieces.iter().all(|p| matches!(p, Piece::Literal(_))) {
        out.push('\'');
        for piece in pieces {
            if let Piece::Literal(s) = piece {
                push_ts_str_body(out, s);
            }
        }
        out.push('\'');
        return;
    }
    // A lone pseudo value is already a string expression.
    if let [Piece::Pseudo(p)] = pieces {
        out.push_str(CDK_PSEUDO.get(*p));
        return;
    }
    out.push('`');
    for piece in pieces {
        match piece {
            Piece::Literal(s) => push_ts_template_body(out, s),
            Piece::Pseudo(p) => {
                out.push_str("${");
                out.push_str(CDK_PSEUDO.get(*p));
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
    if let Some(lit) = t.as_literal() {
        return py_str(&lit);
    }
    let mut out = String::from("f\"");
    for piece in t.pieces() {
        match piece {
            Piece::Literal(s) => push_py_body(&mut out, s, true),
            Piece::Pseudo(p) => {
                out.push('{');
                out.push_str(CDK_PSEUDO.get(*p));
                out.push('}');
            }
        }
    }
    out.push('"');
    out
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
            Piece::Pseudo(p) => {
                sub.push_str("${");
                sub.push_str(CFN_PSEUDO.get(*p));
                sub.push('}');
            }
        }
    }
    Some(sub)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text;

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
    fn texts_render_with_each_targets_pseudo_values() {
        let t = text!["arn:", Pseudo::Partition, ":s3:::b${x}"];
        assert_eq!(
            hcl_text(&t),
            r#""arn:${data.aws_partition.current.partition}:s3:::b$${x}""#
        );
        assert_eq!(ts_text(&t), r"`arn:${cdk.Aws.PARTITION}:s3:::b\${x}`");
        assert_eq!(py_text(&t), r#"f"arn:{cdk.Aws.PARTITION}:s3:::b${{x}}""#);
        assert_eq!(
            cfn_text(&t),
            serde_json::json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::b${!x}"})
        );
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

    #[test]
    fn shell_words_survive_single_quotes() {
        assert_eq!(shell_str("it's"), r"'it'\''s'");
    }

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

    #[test]
    fn push_py_str_appends_the_escaped_literal() {
        let mut out = String::from("x=");
        push_py_str(&mut out, "a\"b\\c{d}\n\u{1}\u{7f}é");
        assert_eq!(out, r#"x="a\"b\\c{d}\n\x01\x7fé""#);
        assert_eq!(py_str("plain"), "\"plain\"");
    }
}
