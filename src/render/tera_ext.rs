//! Every Tera filter ssmgen uses, registered in this one place. Each escapes for one
//! target language; templates pipe every spec-derived string through one of them.

use std::collections::HashMap;

use tera::{Tera, Value};

use super::escape;
use crate::plan::Text;

type FilterFn = fn(&str) -> String;
type TextFilterFn = fn(&Text) -> String;

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

fn text_filter(f: TextFilterFn) -> impl tera::Filter {
    move |v: &Value, _: &HashMap<String, Value>| -> tera::Result<Value> {
        let t: Text = serde_json::from_value(v.clone())
            .map_err(|e| tera::Error::msg(format!("expected a plan text: {e}")))?;
        Ok(Value::String(f(&t)))
    }
}

/// Registers the filters on a Tera instance.
pub fn register(tera: &mut Tera) {
    // Plain strings.
    tera.register_filter("json_str", string_filter(escape::json_str));
    tera.register_filter("yaml_str", string_filter(escape::yaml_str));
    tera.register_filter("yaml_scalar", string_filter(escape::yaml_scalar));
    tera.register_filter("hcl_str", string_filter(escape::hcl_str));
    tera.register_filter("ts_str", string_filter(escape::ts_str));
    tera.register_filter("ts_comment", string_filter(escape::ts_comment));
    tera.register_filter("py_str", string_filter(escape::py_str));
    tera.register_filter("shell_str", string_filter(escape::shell_str));
    // Plan texts, whose pseudo values each language spells its own way.
    tera.register_filter("hcl_text", text_filter(escape::hcl_text));
    tera.register_filter("hcl_expr", text_filter(escape::hcl_expr));
    tera.register_filter("ts_text", text_filter(escape::ts_text));
    tera.register_filter("py_text", text_filter(escape::py_text));
}
