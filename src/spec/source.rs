//! Reads spec text (YAML, or JSON, which YAML parses too) into a JSON value plus a map
//! from every field path to where it stands in the file, so that later checks can point
//! at `file:line:column` without the model carrying positions around.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl From<Marker> for Pos {
    fn from(m: Marker) -> Self {
        // yaml-rust2 counts lines from 1 and columns from 0.
        Pos {
            line: m.line().max(1),
            column: m.col() + 1,
        }
    }
}

/// Where a field's key and value stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub key: Pos,
    pub value: Pos,
}

/// Field path (`fleets[0].session.s3.bucket`) to position.
#[derive(Debug, Default)]
pub struct Locations {
    map: HashMap<String, Span>,
}

impl Locations {
    /// The position of the value at `path`, or of the nearest parent that has one.
    pub fn value(&self, path: &str) -> Option<Pos> {
        self.lookup(path).map(|s| s.value)
    }

    /// The position of the key at `path` (the value's position for sequence items).
    pub fn key(&self, path: &str) -> Option<Pos> {
        self.lookup(path).map(|s| s.key)
    }

    /// Whether the spec writes the field at `path` itself (not only a parent of it).
    pub fn has(&self, path: &str) -> bool {
        self.map.contains_key(path)
    }

    fn lookup(&self, path: &str) -> Option<Span> {
        let mut p = path;
        loop {
            if let Some(s) = self.map.get(p) {
                return Some(*s);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }
}

/// Limits that keep hostile input from costing unbounded time or memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most nodes after alias expansion.
    pub max_nodes: usize,
    /// Deepest nesting of sequences and mappings.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_nodes: 500_000,
            max_depth: 64,
        }
    }
}

/// Why the text could not be read as a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
    /// How to fix it.
    pub help: &'static str,
}

const SYNTAX_HELP: &str = "fix the YAML or JSON syntax at this place";
const LIMIT_HELP: &str = "a spec never needs this much; remove the anchors, aliases or nesting";

enum Frame {
    Seq {
        items: Vec<Value>,
        path: String,
        anchor: usize,
    },
    Map {
        map: Map<String, Value>,
        path: String,
        pending_key: Option<(String, Pos)>,
        anchor: usize,
    },
}

/// Parses one YAML (or JSON) document.
pub fn parse(text: &str, limits: Limits) -> Result<(Value, Locations), SyntaxError> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Value> = HashMap::new();
    let mut locations = Locations::default();
    let mut root: Option<Value> = None;
    let mut nodes = 0usize;
    let mut documents = 0usize;

    loop {
        let (event, mark) = parser.next_token().map_err(|e| SyntaxError {
            pos: (*e.marker()).into(),
            message: e.info().to_string(),
            help: SYNTAX_HELP,
        })?;
        let pos: Pos = mark.into();
        match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => {}
            Event::StreamEnd => break,
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    return Err(SyntaxError {
                        pos,
                        message: "the spec holds more than one YAML document (a second `---`)"
                            .into(),
                        help: "keep one document: remove the second `---` and what follows it",
                    });
                }
            }
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= limits.max_depth {
                    return Err(depth_error(pos, limits));
                }
                let path = child_path(&stack, &mut locations, pos)?;
                stack.push(Frame::Seq {
                    items: Vec::new(),
                    path,
                    anchor,
                });
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= limits.max_depth {
                    return Err(depth_error(pos, limits));
                }
                let path = child_path(&stack, &mut locations, pos)?;
                stack.push(Frame::Map {
                    map: Map::new(),
                    path,
                    pending_key: None,
                    anchor,
                });
            }
            Event::SequenceEnd => {
                let Some(Frame::Seq { items, anchor, .. }) = stack.pop() else {
                    unreachable!("the YAML parser balances sequence events")
                };
                let v = Value::Array(items);
                if anchor > 0 {
                    anchors.insert(anchor, v.clone());
                }
                place(&mut stack, &mut root, v);
            }
            Event::MappingEnd => {
                let Some(Frame::Map { map, anchor, .. }) = stack.pop() else {
                    unreachable!("the YAML parser balances mapping events")
                };
                let v = Value::Object(map);
                if anchor > 0 {
                    anchors.insert(anchor, v.clone());
                }
                place(&mut stack, &mut root, v);
            }
            Event::Scalar(s, style, anchor, tag) => {
                nodes += 1;
                if nodes > limits.max_nodes {
                    return Err(size_error(pos, limits));
                }
                // A scalar in key position becomes the pending key of its mapping.
                if let Some(Frame::Map {
                    pending_key: pending @ None,
                    path,
                    map,
                    ..
                }) = stack.last_mut()
                {
                    if map.contains_key(&s) {
                        return Err(SyntaxError {
                            pos,
                            message: if path.is_empty() {
                                format!("duplicate key `{s}` at the top level")
                            } else {
                                format!("duplicate key `{s}` in `{path}`")
                            },
                            help: "each key may appear once in a mapping; remove or merge the repeated one",
                        });
                    }
                    *pending = Some((s, pos));
                    continue;
                }
                let v = scalar(s, style, tag.map(|t| format!("{}{}", t.handle, t.suffix)));
                if anchor > 0 {
                    anchors.insert(anchor, v.clone());
                }
                record_leaf(&stack, &mut locations, pos);
                place(&mut stack, &mut root, v);
            }
            Event::Alias(id) => {
                let Some(v) = anchors.get(&id).cloned() else {
                    return Err(SyntaxError {
                        pos,
                        message: "alias to an unknown anchor".into(),
                        help: SYNTAX_HELP,
                    });
                };
                nodes += count_nodes(&v);
                if nodes > limits.max_nodes {
                    return Err(size_error(pos, limits));
                }
                if let Some(Frame::Map {
                    pending_key: None, ..
                }) = stack.last()
                {
                    return Err(SyntaxError {
                        pos,
                        message: "an alias cannot be used as a mapping key".into(),
                        help: "write the key out as plain text",
                    });
                }
                record_leaf(&stack, &mut locations, pos);
                place(&mut stack, &mut root, v);
            }
        }
    }
    Ok((root.unwrap_or(Value::Null), locations))
}

fn depth_error(pos: Pos, limits: Limits) -> SyntaxError {
    SyntaxError {
        pos,
        message: format!("the spec nests deeper than {} levels", limits.max_depth),
        help: LIMIT_HELP,
    }
}

fn size_error(pos: Pos, limits: Limits) -> SyntaxError {
    SyntaxError {
        pos,
        message: format!(
            "the spec expands to more than {} values (anchors and aliases included)",
            limits.max_nodes
        ),
        help: LIMIT_HELP,
    }
}

fn count_nodes(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(count_nodes).sum::<usize>(),
        Value::Object(o) => 1 + o.values().map(count_nodes).sum::<usize>(),
        _ => 1,
    }
}

/// The path of the node about to start, recording its position.
fn child_path(stack: &[Frame], locations: &mut Locations, pos: Pos) -> Result<String, SyntaxError> {
    match stack.last() {
        None => {
            // Whole-file findings (a missing top-level field) point at the file's start.
            let start = Pos { line: 1, column: 1 };
            locations.map.insert(
                String::new(),
                Span {
                    key: start,
                    value: start,
                },
            );
            Ok(String::new())
        }
        Some(Frame::Seq { items, path, .. }) => {
            let p = format!("{path}[{}]", items.len());
            locations.map.insert(
                p.clone(),
                Span {
                    key: pos,
                    value: pos,
                },
            );
            Ok(p)
        }
        Some(Frame::Map {
            pending_key: Some((k, kpos)),
            path,
            ..
        }) => {
            let p = join_key(path, k);
            locations.map.insert(
                p.clone(),
                Span {
                    key: *kpos,
                    value: pos,
                },
            );
            Ok(p)
        }
        Some(Frame::Map { .. }) => Err(SyntaxError {
            pos,
            message: "only plain text can be a mapping key here".into(),
            help: "write the key as plain text",
        }),
    }
}

fn record_leaf(stack: &[Frame], locations: &mut Locations, pos: Pos) {
    // child_path only fails for complex keys, which leaves never are.
    let _ = child_path(stack, locations, pos);
}

fn join_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn place(stack: &mut [Frame], root: &mut Option<Value>, v: Value) {
    match stack.last_mut() {
        None => {
            *root = Some(v);
        }
        Some(Frame::Seq { items, .. }) => items.push(v),
        Some(Frame::Map {
            map, pending_key, ..
        }) => {
            if let Some((k, _)) = pending_key.take() {
                map.insert(k, v);
            }
        }
    }
}

/// YAML 1.2 core-schema resolution of a scalar, with one exception: digit strings with
/// a leading zero stay strings, so that account ids such as `012345678901` survive.
fn scalar(s: String, style: TScalarStyle, tag: Option<String>) -> Value {
    if style != TScalarStyle::Plain {
        return Value::String(s);
    }
    if let Some(tag) = tag {
        if tag.ends_with("str") {
            return Value::String(s);
        }
    }
    match s.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(&s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if digits.len() > 1 && digits.starts_with('0') {
            return Value::String(s);
        }
        if let Ok(i) = s.parse::<i64>() {
            return Value::Number(i.into());
        }
        return Value::String(s);
    }
    if looks_like_float(&s) {
        if let Some(n) = s.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(n);
        }
    }
    Value::String(s)
}

fn looks_like_float(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    let mut seen_digit = false;
    let mut seen_dot = false;
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '0'..='9' => seen_digit = true,
            '.' if !seen_dot => seen_dot = true,
            'e' | 'E' if seen_digit => {
                let rest: String = chars.collect();
                let rest = rest.strip_prefix(['-', '+']).unwrap_or(&rest);
                return !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit());
            }
            _ => return false,
        }
    }
    seen_digit && seen_dot
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> (Value, Locations) {
        parse(s, Limits::default()).expect("parses")
    }

    #[test]
    fn records_key_and_value_positions_by_path() {
        let (v, loc) = p("version: 1\nfleets:\n  - name: web\n    platform: ec2\n");
        assert_eq!(v["fleets"][0]["name"], "web");
        assert_eq!(
            loc.key("fleets[0].platform"),
            Some(Pos { line: 4, column: 5 })
        );
        assert_eq!(
            loc.value("fleets[0].platform"),
            Some(Pos {
                line: 4,
                column: 15
            })
        );
        assert_eq!(loc.value("fleets[0].nope"), loc.value("fleets[0]"));
    }

    #[test]
    fn json_parses_with_the_same_paths() {
        let (v, loc) = p("{\n  \"version\": 1,\n  \"project\": \"x\"\n}");
        assert_eq!(v["version"], 1);
        assert_eq!(loc.key("project").map(|p| p.line), Some(3));
    }

    #[test]
    fn leading_zero_account_ids_stay_strings() {
        let (v, _) = p("a: 012345678901\nb: 123\nc: '5'\nd: 1.5\ne: yes\n");
        assert_eq!(v["a"], "012345678901");
        assert_eq!(v["b"], 123);
        assert_eq!(v["c"], "5");
        assert_eq!(v["d"], 1.5);
        assert_eq!(v["e"], "yes");
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let e = parse("a: 1\na: 2\n", Limits::default()).unwrap_err();
        assert_eq!(e.pos.line, 2);
        assert!(e.message.contains("duplicate key `a`"));
    }

    #[test]
    fn alias_bombs_are_refused_by_the_node_budget() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let e = parse(&s, Limits::default()).unwrap_err();
        assert!(e.message.contains("expands to more than"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let s = "[".repeat(200) + &"]".repeat(200);
        let e = parse(&s, Limits::default()).unwrap_err();
        assert!(e.message.contains("nests deeper"));
    }
}
