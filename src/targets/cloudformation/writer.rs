//! The language writer of the CloudFormation target: [`Writer`] spells the description of
//! an entry (mappings, sequences, strings, intrinsic functions) in block-style YAML or in
//! pretty-printed JSON, escaping every string through [`escape`] as it goes.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::plan::{Piece, Text};
use crate::render::escape;

/// Width of the text of a YAML comment line (after the indentation and `# `), as the
/// Terraform target wraps its comments.
const COMMENT_WIDTH: usize = 88;

/// The two syntaxes of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Syntax {
    Yaml,
    Json,
}

impl Syntax {
    /// Appends a string value (or a mapping key, without the colon).
    pub(super) fn push_scalar(self, out: &mut String, s: &str) {
        match self {
            Syntax::Yaml => escape::push_yaml_scalar(out, s),
            Syntax::Json => escape::push_json_str(out, s),
        }
    }
}

/// An open mapping or sequence of a [`Writer`].
struct Frame {
    /// Entries or items written so far.
    count: usize,
    /// YAML: the first key goes on the line of the `-` before it.
    inline: bool,
}

/// Writes section entries as the templates lay them out: YAML in block style (a nested
/// collection one level deeper on the following lines, a mapping inside a sequence
/// starting on the `-` line, an empty collection as `{}` or `[]`), JSON as `serde_json`
/// pretty-prints it (two spaces per level). Each line break is written before the line
/// it starts, so a JSON comma can still go at the end of the previous line, and the
/// text starts and ends without one.
pub(super) struct Writer {
    syntax: Syntax,
    out: String,
    /// The nesting level the value is written at: its entries are indented by two
    /// spaces per level, one level deeper.
    base: usize,
    frames: Vec<Frame>,
    /// YAML: a `-` was just written, so a mapping starts on its line.
    after_dash: bool,
}

impl Writer {
    pub(super) fn new(syntax: Syntax, base: usize) -> Self {
        Writer {
            syntax,
            out: String::with_capacity(4096),
            base,
            frames: Vec::with_capacity(8),
            after_dash: false,
        }
    }

    /// The value written since [`Writer::clear`].
    pub(super) fn value(&self) -> &str {
        debug_assert!(self.frames.is_empty(), "every collection is closed");
        &self.out
    }

    /// Starts the next value, keeping the buffer's capacity.
    pub(super) fn clear(&mut self) {
        self.out.clear();
        self.frames.clear();
        self.after_dash = false;
    }

    /// A line break (unless the value starts here) and the indentation of the current level.
    fn line(&mut self) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        const SPACES: &str = "                                ";
        let mut n = 2 * (self.base + self.frames.len());
        while n > 0 {
            let k = n.min(SPACES.len());
            self.out.push_str(&SPACES[..k]);
            n -= k;
        }
    }

    /// YAML: the space between `key:` or `-` and an inline value.
    fn space(&mut self) {
        self.after_dash = false;
        if self.syntax == Syntax::Yaml && !self.out.is_empty() {
            self.out.push(' ');
        }
    }

    /// Counts an entry of the innermost collection: whether it is the first, and
    /// whether the collection started on a `-` line.
    fn next_entry(&mut self) -> (bool, bool) {
        match self.frames.last_mut() {
            Some(f) => {
                f.count += 1;
                (f.count == 1, f.inline)
            }
            None => (true, false),
        }
    }

    pub(super) fn begin_map(&mut self) {
        let inline = std::mem::take(&mut self.after_dash);
        if self.syntax == Syntax::Json {
            self.out.push('{');
        }
        self.frames.push(Frame { count: 0, inline });
    }

    pub(super) fn begin_seq(&mut self) {
        self.after_dash = false;
        if self.syntax == Syntax::Json {
            self.out.push('[');
        }
        self.frames.push(Frame {
            count: 0,
            inline: false,
        });
    }

    fn end(&mut self, empty: &str) {
        let count = self.frames.pop().map_or(0, |f| f.count);
        match (self.syntax, count) {
            (Syntax::Yaml, 0) => {
                self.space();
                self.out.push_str(empty);
            }
            (Syntax::Yaml, _) => {}
            (Syntax::Json, 0) => self.out.push_str(&empty[1..]),
            (Syntax::Json, _) => {
                self.line();
                self.out.push_str(&empty[1..]);
            }
        }
    }

    pub(super) fn end_map(&mut self) {
        self.end("{}");
    }

    pub(super) fn end_seq(&mut self) {
        self.end("[]");
    }

    /// Starts an entry of the innermost mapping; its value follows.
    pub(super) fn key(&mut self, key: &str) {
        let (first, inline) = self.next_entry();
        match self.syntax {
            Syntax::Yaml => {
                if first && inline {
                    self.out.push(' ');
                } else {
                    self.line();
                }
                escape::push_yaml_scalar(&mut self.out, key);
                self.out.push(':');
            }
            Syntax::Json => {
                if !first {
                    self.out.push(',');
                }
                self.line();
                escape::push_json_str(&mut self.out, key);
                self.out.push_str(": ");
            }
        }
    }

    /// Starts an item of the innermost sequence; its value follows.
    pub(super) fn item(&mut self) {
        let (first, _) = self.next_entry();
        match self.syntax {
            Syntax::Yaml => {
                self.line();
                self.out.push('-');
                self.after_dash = true;
            }
            Syntax::Json => {
                if !first {
                    self.out.push(',');
                }
                self.line();
            }
        }
    }

    /// A string.
    pub(super) fn str(&mut self, s: &str) {
        self.space();
        self.syntax.push_scalar(&mut self.out, s);
    }

    /// A value written as it is: `true`, `false`, `null` or a number, which YAML and JSON
    /// spell alike.
    fn bare(&mut self, s: &str) {
        self.space();
        self.out.push_str(s);
    }

    /// A boolean, `true` or `false`.
    pub(super) fn bool(&mut self, b: bool) {
        self.bare(if b { "true" } else { "false" });
    }

    /// A number.
    pub(super) fn uint(&mut self, n: u32) {
        self.bare(&n.to_string());
    }

    /// A multi-line string, such as inline code, that a reader should see line by line:
    /// in YAML a literal block scalar (`|`, its lines one level deeper, as they are), in
    /// JSON one escaped string. A text a block scalar cannot hold exactly is written
    /// double-quoted instead (see [`escape::yaml_block_header`]). As a mapping's value:
    /// the header's indentation indicator counts from the key's column.
    pub(super) fn block(&mut self, s: &str) {
        let header = match self.syntax {
            Syntax::Yaml => escape::yaml_block_header(s),
            Syntax::Json => None,
        };
        let Some(header) = header else {
            return self.str(s);
        };
        self.space();
        self.out.push_str(header);
        let indent = 2 * (self.base + self.frames.len() + 1);
        // The last line break (if any) is the one the next line starts with: the header
        // keeps it (`|`) or drops it (`|-`), and blank lines after the text are not part
        // of it.
        for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
            self.out.push('\n');
            if !line.is_empty() {
                self.out.extend(std::iter::repeat_n(' ', indent));
                self.out.push_str(line);
            }
        }
    }

    /// A JSON value from the plan (a document's content) as a native mapping of the
    /// syntax, so the template holds an object rather than a JSON string; keys keep the
    /// plan's order. CloudFormation would read a one-key mapping named `Ref` or `Fn::*`
    /// as a function: the plan's contents have fixed keys, none of them such a name.
    pub(super) fn json(&mut self, v: &Json) {
        match v {
            Json::Null => self.bare("null"),
            Json::Bool(b) => self.bool(*b),
            Json::Number(n) => self.bare(&n.to_string()),
            Json::String(s) => self.str(s),
            Json::Array(items) => {
                self.begin_seq();
                for item in items {
                    self.item();
                    self.json(item);
                }
                self.end_seq();
            }
            Json::Object(map) => {
                self.begin_map();
                for (k, v) in map {
                    self.key(k);
                    self.json(v);
                }
                self.end_map();
            }
        }
    }

    /// `Tags`, a list of `{Key, Value}` in key order, as every taggable resource of the
    /// template carries them; nothing when there are none.
    pub(super) fn tags(&mut self, tags: &BTreeMap<String, String>) {
        if tags.is_empty() {
            return;
        }
        self.key("Tags");
        self.begin_seq();
        for (k, v) in tags {
            self.item();
            self.begin_map();
            self.key("Key");
            self.str(k);
            self.key("Value");
            self.str(v);
            self.end_map();
        }
        self.end_seq();
    }

    /// YAML: `# ` comment lines at the current level, wrapped at word boundaries, before
    /// the next key; each line of `text` (a command to copy, say) starts a new one. JSON
    /// has no comments, so it gets nothing. A comment ends at a line break and YAML
    /// allows only printable characters in it, so any other character splits words like
    /// a space: nothing can end the comment early.
    pub(super) fn comment(&mut self, text: &str) {
        if self.syntax == Syntax::Json {
            return;
        }
        let breaks = |c: char| c.is_whitespace() || !yaml_printable(c);
        for paragraph in text.split('\n') {
            let mut len = 0;
            for word in paragraph.split(breaks).filter(|w| !w.is_empty()) {
                let width = word.chars().count();
                if len > 0 && len + 1 + width <= COMMENT_WIDTH {
                    self.out.push(' ');
                    len += 1;
                } else {
                    self.line();
                    self.out.push_str("# ");
                    len = 0;
                }
                self.out.push_str(word);
                len += width;
            }
        }
    }

    /// YAML: the short form of an intrinsic function, `!Tag argument`.
    fn short_form(&mut self, tag: &str, arg: &str) {
        self.space();
        self.out.push_str(tag);
        self.out.push(' ');
        escape::push_yaml_scalar(&mut self.out, arg);
    }

    /// An intrinsic function of one string argument: `!Ref x` or `{"Ref": "x"}`.
    fn function(&mut self, tag: &str, name: &str, arg: &str) {
        match self.syntax {
            Syntax::Yaml => self.short_form(tag, arg),
            Syntax::Json => {
                self.begin_map();
                self.key(name);
                self.str(arg);
                self.end_map();
            }
        }
    }

    pub(super) fn reference(&mut self, logical_id: &str) {
        self.function("!Ref", "Ref", logical_id);
    }

    /// `!GetAtt Id.Attribute`, in JSON the two-string list.
    pub(super) fn get_att(&mut self, logical_id: &str, attribute: &str) {
        match self.syntax {
            Syntax::Yaml => self.short_form("!GetAtt", &format!("{logical_id}.{attribute}")),
            Syntax::Json => {
                self.begin_map();
                self.key("Fn::GetAtt");
                self.begin_seq();
                self.item();
                self.str(logical_id);
                self.item();
                self.str(attribute);
                self.end_seq();
                self.end_map();
            }
        }
    }

    /// A plan text: a lone pseudo value is `!Ref AWS::…` (as AWS's own templates write
    /// it), a lone reference `!Ref` or `!GetAtt`, a text without either a string,
    /// anything else `!Sub` from [`escape::cfn_sub`].
    pub(super) fn text(&mut self, t: &Text) {
        match t.pieces() {
            [Piece::Pseudo(p)] => return self.reference(escape::CFN_PSEUDO.get(*p)),
            [Piece::Ref(r)] => {
                let name = escape::CFN_PSEUDO.get_ref(*r);
                return match name.split_once('.') {
                    Some((id, attribute)) => self.get_att(id, attribute),
                    None => self.reference(name),
                };
            }
            _ => {}
        }
        match escape::cfn_sub(t) {
            Some(sub) => self.function("!Sub", "Fn::Sub", &sub),
            None => self.str(&t.as_literal().unwrap_or_default()),
        }
    }
}

/// A character YAML allows printed in a comment: its `c-printable`, less the byte order
/// mark and the characters YAML 1.1 readers (PyYAML, which cfn-lint uses) take for line
/// breaks (NEL, the line and paragraph separators).
fn yaml_printable(c: char) -> bool {
    matches!(c as u32, 0x09 | 0x20..=0x7e | 0xa0..=0xd7ff | 0xe000..=0xfffd | 0x10000..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::cloudformation::test_support::parse_yaml;
    use serde_json::json;

    #[test]
    fn the_writer_lays_out_empty_and_nested_collections_like_serde_and_yaml() {
        let write = |syntax| {
            let mut w = Writer::new(syntax, 0);
            w.begin_map();
            w.key("empty map");
            w.begin_map();
            w.end_map();
            w.key("list");
            w.begin_seq();
            w.item();
            w.begin_seq();
            w.end_seq();
            w.item();
            w.begin_seq();
            w.item();
            w.str("a: b");
            w.item();
            w.begin_map();
            w.key("k");
            w.str("v");
            w.key("n");
            w.begin_map();
            w.key("x");
            w.reference("Id");
            w.end_map();
            w.end_map();
            w.end_seq();
            w.item();
            w.begin_map();
            w.end_map();
            w.end_seq();
            w.key("att");
            w.get_att("Role", "Arn");
            w.end_map();
            w.value().to_string()
        };
        let expected = json!({
            "empty map": {},
            "list": [[], ["a: b", {"k": "v", "n": {"x": {"Ref": "Id"}}}], {}],
            "att": {"Fn::GetAtt": ["Role", "Arn"]},
        });
        let json = write(Syntax::Json);
        assert_eq!(json, serde_json::to_string_pretty(&expected).expect("json"));
        assert_eq!(parse_yaml(&write(Syntax::Yaml)), expected);
    }

    /// `{outer: {code: <s>, after: x}, next: y}` written in `syntax`.
    fn with_block(syntax: Syntax, s: &str) -> String {
        let mut w = Writer::new(syntax, 0);
        w.begin_map();
        w.key("outer");
        w.begin_map();
        w.key("code");
        w.block(s);
        w.key("after");
        w.str("x");
        w.end_map();
        w.key("next");
        w.str("y");
        w.end_map();
        w.value().to_string()
    }

    #[test]
    fn a_block_reads_back_as_the_exact_text_in_both_syntaxes() {
        let handler = crate::facts::ACTIVATION_HANDLER_SOURCE;
        let texts = [
            handler,
            "one line",
            "no final break\nsecond",
            "  indented first line\n    deeper\nflush\n",
            "\n\nleading empty lines\n",
            "\n   leading empty, then indented\n",
            "   \nspaces-only first line\n",
            "inner\n\n\nempty lines\n  \n   \nand spaces-only ones\n",
            "# not a comment\n---\n...\n- item\nkey: value\n\"q\" 'q' ${x} |\n",
            "ends with spaces   \n",
            "é 🦀 \u{a0}\n",
            // Written double-quoted: more than one final break, a tab, a carriage
            // return, NEL and the separators, a control character, only spaces.
            "two final breaks\n\n",
            "tab\there\n",
            "crlf\r\n",
            "nel\u{85}ls\u{2028}ps\u{2029}\n",
            "bom\u{feff}\n",
            "nul\u{0}\n",
            "   ",
            "\n",
            "",
        ];
        for text in texts {
            let expected = json!({"outer": {"code": text, "after": "x"}, "next": "y"});
            let yaml = with_block(Syntax::Yaml, text);
            assert_eq!(parse_yaml(&yaml), expected, "{text:?}\n{yaml}");
            // JSON: one string.
            let json = with_block(Syntax::Json, text);
            let doc: Json = serde_json::from_str(&json).expect("json");
            assert_eq!(doc, expected, "{text:?}");
        }
        // The handler's string is escaped as serde_json escapes it (the escaper differs
        // only on characters the handler does not have: NEL, the separators, ...).
        let quoted = serde_json::to_string(handler).expect("json");
        let json = with_block(Syntax::Json, handler);
        assert!(json.contains(&format!("\"code\": {quoted},")), "{json}");
    }
}
