//! Every Tera filter ssmgen uses, registered in this one place. Each escapes for one
//! target language; templates pipe every spec-derived string through one of them.

use std::collections::HashMap;

use tera::{Tera, Value};

use super::escape;

type FilterFn = fn(&str) -> String;

fn string_filter(f: FilterFn) -> impl tera::Filter {
    move |v: &Value, _: &HashMap<String, Value>| -> tera::Result<Value> {
        match v {
            Value::String(s) => Ok(Value::String(f(s))),
            Value::Number(n) => Ok(Value::String(f(&n.to_string()))),
            Value::Bool(b) => Ok(Value::String(f(&b.to_string()))),
            other => Err(tera::Error::msg(format!("expected a string, got {other}"))),
        }
    }
}

/// Registers the filters on a Tera instance.
pub fn register(tera: &mut Tera) {
    // Only the filters the remaining templates use (scaffolds and the preferences
    // script): every engine registers them, so an unused one costs at each start. The
    // targets' frames and blocks are written by Rust and call the escapers directly.
    tera.register_filter("json_str", string_filter(escape::json_str));
    tera.register_filter("ts_str", string_filter(escape::ts_str));
    tera.register_filter("ts_comment", string_filter(escape::ts_comment));
    tera.register_filter("py_str", string_filter(escape::py_str));
    tera.register_filter("shell_str", string_filter(escape::shell_str));
}
