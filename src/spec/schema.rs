//! The JSON Schema of the spec format, generated from the same types that parse it
//! ([`super::raw`]), so that the two cannot disagree. `ssmgen schema` prints it; the
//! copy in `schema/spec-v1.schema.json` is tested to be current.
//!
//! It describes shape only (fields, types, allowed values); the rules `validate` checks
//! beyond shape (names, ARNs, Regions, tag case) are not in it.

use super::raw::RawSpec;

/// Where the published copy lives in the repository.
pub const FILE: &str = "schema/spec-v1.schema.json";

/// The schema as pretty-printed JSON, ending in a newline.
pub fn json() -> String {
    let mut schema = schemars::schema_for!(RawSpec);
    schema.insert("title".into(), "ssmgen spec, version 1".into());
    schema.insert(
        "description".into(),
        "Fleets and Session Manager options from which ssmgen generates CloudFormation, Terraform and AWS CDK code. Shape only: `ssmgen validate` checks the rest.".into(),
    );
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
