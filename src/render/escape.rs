//! One escaper per target language. Every free-text value reaches generated code only
//! through these, so no string from a spec can end a literal or start an interpolation.

use crate::plan::{Piece, Pseudo, Text};

/// A JSON string literal (also a valid TypeScript and Python string literal).
pub fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Line and paragraph separators end lines in older JavaScript parsers.
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A YAML double-quoted scalar; escapes everything YAML does not allow printed.
pub fn yaml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if !yaml_printable(c) => {
                let n = c as u32;
                if n <= 0xffff {
                    out.push_str(&format!("\\u{n:04x}"))
                } else {
                    out.push_str(&format!("\\U{n:08x}"))
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn yaml_printable(c: char) -> bool {
    matches!(c as u32,
        0x20..=0x7e | 0x85 | 0xa0..=0xd7ff | 0xe000..=0xfefe | 0xff00..=0xfffd | 0x10000..=0x10ffff)
        && c != '\u{2028}'
        && c != '\u{2029}'
}

/// A YAML scalar: plain when it is an ASCII word that every YAML 1.1 and 1.2 parser reads
/// back as the same string (`AWS::IAM::Role`, `sts:AssumeRole`, `arn:aws:s3:::b/*`),
/// double-quoted by [`yaml_str`] otherwise. A plain word starts with a letter (so it is
/// never a number, date, alias, tag or indicator), holds no space (so no `: ` or ` #`),
/// does not end with `:` and is not a boolean or null keyword.
pub fn yaml_scalar(s: &str) -> String {
    const KEYWORDS: [&str; 9] = ["y", "n", "yes", "no", "true", "false", "on", "off", "null"];
    let plain = s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.:/*".contains(c))
        && !s.ends_with(':')
        && !KEYWORDS.contains(&s.to_ascii_lowercase().as_str());
    if plain {
        s.to_string()
    } else {
        yaml_str(s)
    }
}

/// The body of an HCL quoted template, without the quotes: `${` and `%{` start
/// interpolations and directives in HCL, so they are doubled.
pub fn hcl_str_body(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// An HCL quoted string.
pub fn hcl_str(s: &str) -> String {
    format!("\"{}\"", hcl_str_body(s))
}

/// The body of a JavaScript template literal, without the backticks.
fn ts_template_body(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
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
    out
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
    let mut out = String::from("\"");
    for piece in t.pieces() {
        match piece {
            Piece::Literal(s) => out.push_str(&hcl_str_body(s)),
            Piece::Pseudo(p) => {
                out.push_str("${");
                out.push_str(HCL_PSEUDO.get(*p));
                out.push('}');
            }
        }
    }
    out.push('"');
    out
}

/// A Terraform expression for a text, written as a bare reference when the text is one
/// pseudo value alone (`data.aws_caller_identity.current.account_id` rather than the
/// `"${...}"` wrapper that `terraform fmt` and linters flag), else as [`hcl_text`].
pub fn hcl_expr(t: &Text) -> String {
    match t.pieces() {
        [Piece::Pseudo(p)] => HCL_PSEUDO.get(*p).to_string(),
        _ => hcl_text(t),
    }
}

/// A TypeScript expression for a text: a string literal, or a template literal.
pub fn ts_text(t: &Text) -> String {
    if let Some(lit) = t.as_literal() {
        return ts_str(&lit);
    }
    // A lone pseudo value is already a string expression.
    if let [Piece::Pseudo(p)] = t.pieces() {
        return CDK_PSEUDO.get(*p).to_string();
    }
    let mut out = String::from("`");
    for piece in t.pieces() {
        match piece {
            Piece::Literal(s) => out.push_str(&ts_template_body(s)),
            Piece::Pseudo(p) => {
                out.push_str("${");
                out.push_str(CDK_PSEUDO.get(*p));
                out.push('}');
            }
        }
    }
    out.push('`');
    out
}

/// A TypeScript string literal, single-quoted as most CDK code is.
pub fn ts_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
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
    out.push('\'');
    out
}

/// Text inside a TypeScript `/** … */` or `//` comment: it can neither close the block
/// comment nor start a new line of code.
pub fn ts_comment(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => " ".to_string(),
            c if c.is_control() => " ".to_string(),
            c => c.to_string(),
        })
        .collect::<String>()
        .replace("*/", "*\\/")
}

/// A Python string literal (double-quoted; `\x00`-style escapes for controls).
pub fn py_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    push_py_body(&mut out, s, false);
    out.push('"');
    out
}

fn push_py_body(out: &mut String, s: &str, fstring: bool) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '{' if fstring => out.push_str("{{"),
            '}' if fstring => out.push_str("}}"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
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
    if let Some(lit) = t.as_literal() {
        return serde_json::Value::String(lit);
    }
    let mut sub = String::new();
    for piece in t.pieces() {
        match piece {
            Piece::Literal(s) => sub.push_str(&s.replace("${", "${!")),
            Piece::Pseudo(p) => {
                sub.push_str("${");
                sub.push_str(CFN_PSEUDO.get(*p));
                sub.push('}');
            }
        }
    }
    serde_json::json!({ "Fn::Sub": sub })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text;

    #[test]
    fn hcl_doubles_interpolation_and_directive_openers() {
        assert_eq!(hcl_str("a${b}%{c}\"\\\n"), r#""a$${b}%%{c}\"\\\n""#);
        assert_eq!(hcl_str("$x %y"), r#""$x %y""#);
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
    }
}
