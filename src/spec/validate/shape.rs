//! Shape errors: serde's first complaint about the spec's structure (unknown field,
//! missing field, unknown variant, wrong type) turned into a diagnostic, with a
//! did-you-mean from [`closest`].

use super::Ctx;
use crate::error::Severity;

/// Turns serde's first shape error into a diagnostic with a did-you-mean.
pub(super) fn report_shape_error(
    ctx: &mut Ctx<'_>,
    e: &serde_path_to_error::Error<serde_json::Error>,
) {
    let path = e.path().to_string();
    let path = if path == "." { String::new() } else { path };
    let inner = e.inner().to_string();
    if let Some((field, expected)) = parse_unknown_field(&inner) {
        let full = if path.is_empty() {
            field.clone()
        } else {
            // serde reports the unknown field's parent path plus the field itself.
            path.clone()
        };
        let suggestion = closest(&field, &expected);
        let help = match suggestion {
            Some(s) => format!(
                "did you mean `{s}`? Known fields here: {}",
                expected.join(", ")
            ),
            None => format!("known fields here: {}", expected.join(", ")),
        };
        ctx.push(
            Severity::Error,
            &full,
            true,
            format!("unknown field `{field}`"),
            Some(help),
        );
        return;
    }
    if let Some(field) = inner
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
    {
        let full = if path.is_empty() {
            field.to_string()
        } else {
            format!("{path}.{field}")
        };
        ctx.push(
            Severity::Error,
            &path,
            false,
            format!("missing required field `{field}`"),
            Some(format!("add `{full}`; see the spec reference in README.md")),
        );
        return;
    }
    if let Some(rest) = inner.strip_prefix("unknown variant `") {
        let mut parts = rest.splitn(2, '`');
        let got = parts.next().unwrap_or_default().to_string();
        let expected: Vec<String> = parts
            .next()
            .unwrap_or_default()
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        let help = match closest(&got, &expected) {
            Some(s) => format!("did you mean `{s}`? Allowed: {}", expected.join(", ")),
            None => format!("allowed: {}", expected.join(", ")),
        };
        ctx.push(
            Severity::Error,
            &path,
            false,
            format!("`{got}` is not an allowed value"),
            Some(help),
        );
        return;
    }
    let mut message = inner
        .split(" at line ")
        .next()
        .unwrap_or(&inner)
        .replace("invalid type: ", "wrong type: found ")
        .replace("invalid value: ", "wrong value: ");
    // serde names Rust types; say what the user writes instead.
    for (rust, user) in [
        (
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        ),
        ("expected u64", "expected a whole number"),
        ("expected a sequence", "expected a list"),
        ("expected a map", "expected a mapping"),
        ("found map", "found a mapping"),
        ("found sequence", "found a list"),
        ("found unit value", "found null"),
        ("found null", "found nothing (null)"),
    ] {
        message = message.replace(rust, user);
    }
    if let Some(i) = message.find("expected struct ") {
        message.truncate(i);
        message.push_str("expected a mapping");
    }
    ctx.push(
        Severity::Error,
        &path,
        false,
        message,
        Some("see the spec reference in README.md for this field's type".into()),
    );
}

fn parse_unknown_field(msg: &str) -> Option<(String, Vec<String>)> {
    let rest = msg.strip_prefix("unknown field `")?;
    let (field, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((field.to_string(), expected))
}

/// The known name closest to `got`, when it is close enough to be a typo.
pub fn closest(got: &str, known: &[impl AsRef<str>]) -> Option<String> {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(got, k.as_ref()), k.as_ref()))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_get_a_suggestion() {
        assert_eq!(
            closest("plaform", &["name", "platform", "mode"]).as_deref(),
            Some("platform")
        );
        assert_eq!(closest("zzz", &["name", "platform"]), None);
    }
}
