//! The TypeScript writer the resource families share: identifiers, field declarations,
//! the opening of a construct, string properties and condition blocks. Escaping itself
//! is `render::escape`'s.

use super::CONSTRUCT;
use crate::error::Error;
use crate::plan::{Condition, Text};
use crate::render::escape::{self, PseudoNames};

/// The construct spells an unpinned pseudo value from its own stack: in an env-agnostic
/// stack the same tokens as `cdk.Aws.*`, in a stack with an environment its values.
pub(super) const STACK_PSEUDO: PseudoNames = PseudoNames {
    partition: "stack.partition",
    region: "stack.region",
    account_id: "stack.account",
    url_suffix: "stack.urlSuffix",
    session_key_arn: "this.sessionKey.keyArn",
    log_bucket_name: "this.logBucket.bucketName",
};

/// Writes a plan text as a TypeScript string expression, pseudo values from the stack.
pub(super) fn push_text(out: &mut String, t: &Text) {
    escape::push_ts_text_with(out, t, &STACK_PSEUDO);
}

/// Identifiers are written as code, not as string literals, so they must be plain
/// TypeScript identifiers. Plan identifiers come from validated names; this keeps it so.
pub(super) fn ident(s: &str) -> Result<&str, Error> {
    let ok = s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(s)
    } else {
        Err(Error::Render {
            template: CONSTRUCT.into(),
            message: format!("`{s}` is not a TypeScript identifier"),
        })
    }
}

/// Writes a field declaration: its TSDoc sentence (escaped for a comment) and the field.
pub(super) fn push_field(out: &mut String, doc: &str, field: &str, kind: &str) {
    out.push_str("  /** ");
    escape::push_ts_comment(out, doc);
    out.push_str(" */\n  public readonly ");
    out.push_str(field);
    out.push_str(": ");
    out.push_str(kind);
    out.push(';');
}

/// Longest line a `//` comment is wrapped to, its indent included.
const COMMENT_WIDTH: usize = 100;

/// Writes `text` as `//` comment lines at `indent`, wrapped at spaces to
/// [`COMMENT_WIDTH`] (a longer word keeps its own line), without a final newline. The
/// text is escaped for a comment first, so it holds no line break to wrap or escape by.
pub(super) fn push_line_comment(out: &mut String, indent: &str, text: &str) {
    let text = escape::ts_comment(text);
    let room = COMMENT_WIDTH.saturating_sub(indent.len() + 3);
    let mut line = 0;
    for (i, word) in text.split(' ').filter(|w| !w.is_empty()).enumerate() {
        let len = word.chars().count();
        if i == 0 || line + 1 + len > room {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(indent);
            out.push_str("// ");
            line = 0;
        } else {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += len;
    }
}

/// Writes `    this.<field> = new <class>(this, '<Id>', {`, the opening of a construct.
pub(super) fn push_new(out: &mut String, field: &str, class: &str, construct_id: &str) {
    out.push_str("    this.");
    out.push_str(field);
    out.push_str(" = new ");
    out.push_str(class);
    out.push_str("(this, ");
    escape::push_ts_str(out, construct_id);
    out.push_str(", {");
}

/// Writes `\n<indent><key>: <string literal>,`, one property line.
pub(super) fn push_str_prop(out: &mut String, indent: &str, key: &str, value: &str) {
    out.push('\n');
    out.push_str(indent);
    out.push_str(key);
    out.push_str(": ");
    escape::push_ts_str(out, value);
    out.push(',');
}

/// Writes `\n<indent><key>: props.generatedNames ? undefined : <string literal>,`: a
/// physical name, left to CloudFormation when the app asks for generated names.
pub(super) fn push_name_prop(out: &mut String, indent: &str, key: &str, value: &str) {
    out.push('\n');
    out.push_str(indent);
    out.push_str(key);
    out.push_str(": props.generatedNames ? undefined : ");
    escape::push_ts_str(out, value);
    out.push(',');
}

/// Writes the operators of a condition block (conditions come sorted by operator, then
/// key), each operator's line at `indent` and its keys two spaces deeper.
pub(super) fn push_conditions(out: &mut String, conditions: &[Condition], indent: &str) {
    push_conditions_with(out, conditions, indent, &|out, value| push_text(out, value));
}

/// As [`push_conditions`], each value written by `value`.
pub(super) fn push_conditions_with(
    out: &mut String,
    conditions: &[Condition],
    indent: &str,
    value: &dyn Fn(&mut String, &Text),
) {
    let mut operator: Option<&str> = None;
    for c in conditions {
        if operator != Some(c.operator) {
            if operator.is_some() {
                out.push('\n');
                out.push_str(indent);
                out.push_str("},");
            }
            out.push('\n');
            out.push_str(indent);
            escape::push_ts_str(out, c.operator);
            out.push_str(": {");
            operator = Some(c.operator);
        }
        out.push('\n');
        out.push_str(indent);
        out.push_str("  ");
        escape::push_ts_str(out, c.key);
        out.push_str(": ");
        // One value is written as a scalar, several (or none) as an array.
        if let [v] = c.values.as_slice() {
            value(out, v);
        } else {
            out.push('[');
            for (i, v) in c.values.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                value(out, v);
            }
            out.push(']');
        }
        out.push(',');
    }
    if operator.is_some() {
        out.push('\n');
        out.push_str(indent);
        out.push_str("},");
    }
}

/// `\n    cdk.Tags.of(<target>).add('<key>', '<value>');` per tag, in the map's order.
pub(super) fn push_tags<'a>(
    out: &mut String,
    target: &str,
    tags: impl IntoIterator<Item = (&'a String, &'a String)>,
) {
    for (key, value) in tags {
        out.push_str("\n    cdk.Tags.of(");
        out.push_str(target);
        out.push_str(").add(");
        escape::push_ts_str(out, key);
        out.push_str(", ");
        escape::push_ts_str(out, value);
        out.push_str(");");
    }
}
