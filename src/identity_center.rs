//! Operator policies as plain JSON policy documents, written beside the generated code
//! as `operator-policies/<policy name>.json`: IAM Identity Center permission sets take
//! an inline policy document (or a customer managed policy by name in every account of
//! the set), and Identity Center users are the federated operators.
//!
//! A permission set is provisioned into many accounts, so what the spec does not pin
//! is written as a wildcard: the account and Region segments of ARNs as `*`, and the
//! partition as `*` (IAM takes wildcards in every ARN segment; a policy never reaches
//! across partitions, so this widens nothing). A service principal spelled with the
//! partition's URL suffix is written for both suffixes (`amazonaws.com`, and
//! `amazonaws.com.cn` for China), so the condition holds in either.

use std::path::PathBuf;

use serde_json::{json, Map, Value};

use crate::plan::{KmsKey, OperatorPolicy, Piece, Plan, Pseudo, Resource, Statement, Text};
use crate::targets::OutFile;

/// The folder the documents go in, relative to the output folder.
pub const FOLDER: &str = "operator-policies";

/// One file per operator policy, in plan order (none without operators).
pub fn files(plan: &Plan) -> Vec<OutFile> {
    plan.operator_policies
        .iter()
        .map(|p| {
            let mut contents = serde_json::to_string_pretty(&document(plan, p))
                .expect("a JSON value always serializes");
            contents.push('\n');
            OutFile {
                path: PathBuf::from(FOLDER).join(format!("{}.json", p.name)),
                contents,
            }
        })
        .collect()
}

/// The policy document of `policy`, every pseudo value resolved as the module says.
pub fn document(plan: &Plan, policy: &OperatorPolicy) -> Value {
    let statements: Vec<Value> = policy
        .statements
        .iter()
        .map(|s| statement(plan, s))
        .collect();
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// The created session key in a permission set: its ARN is known only in the account
/// once the stack exists, so the statement names every key of the account and Region
/// and holds for the one behind the plan's alias only (AWS KMS Developer Guide:
/// kms:ResourceAliases, `ForAnyValue:StringEquals`).
const RESOURCE_ALIASES: (&str, &str) = ("ForAnyValue:StringEquals", "kms:ResourceAliases");

fn statement(plan: &Plan, s: &Statement) -> Value {
    let mut out = Map::new();
    out.insert("Sid".into(), Value::from(s.sid.as_str()));
    out.insert("Effect".into(), Value::from(s.effect.name()));
    out.insert("Action".into(), json!(s.actions));
    let created = Resource::KmsKey {
        key: KmsKey::Created,
    };
    let alias = (plan.created.key.as_ref())
        .filter(|_| s.resources.contains(&created))
        .map(|k| k.alias.as_str());
    // A statement on the created key names it alone (the operators' data key grant).
    debug_assert!(alias.is_none() || s.resources.len() == 1);
    let mut resources: Vec<String> = Vec::new();
    for r in &s.resources {
        let arn = match r {
            Resource::KmsKey {
                key: KmsKey::Created,
            } => Resource::KmsKey {
                key: KmsKey::Id("*".into()),
            }
            .arn(&plan.env),
            _ => r.arn(&plan.env),
        };
        for arn in expand(&arn) {
            if !resources.contains(&arn) {
                resources.push(arn);
            }
        }
    }
    out.insert("Resource".into(), json!(resources));
    if let Some(alias) = alias {
        let (operator, key) = RESOURCE_ALIASES;
        out.insert("Condition".into(), json!({ operator: { key: alias } }));
    }
    if !s.conditions.is_empty() {
        let mut conditions = Map::new();
        for c in &s.conditions {
            let mut values: Vec<String> = c.values.iter().flat_map(expand).collect();
            // One value as a plain string, as the documented samples write it (and
            // parliament reads a Bool condition only that way).
            let value = match values.len() {
                1 => Value::from(values.remove(0)),
                _ => json!(values),
            };
            let by_key = conditions
                .entry(c.operator)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = by_key {
                m.insert(c.key.into(), value);
            }
        }
        out.insert("Condition".into(), Value::Object(conditions));
    }
    Value::Object(out)
}

/// Every string `text` stands for in any account, Region and partition the spec
/// leaves open (see the module comment). Pinned values are literal in the plan already.
pub fn expand(text: &Text) -> Vec<String> {
    let mut out = vec![String::new()];
    for piece in text.pieces() {
        let options: &[&str] = match piece {
            Piece::Literal(s) => {
                out.iter_mut().for_each(|o| o.push_str(s));
                continue;
            }
            Piece::Pseudo(Pseudo::Partition | Pseudo::Region | Pseudo::AccountId) => &["*"],
            Piece::Pseudo(Pseudo::UrlSuffix) => &["amazonaws.com", "amazonaws.com.cn"],
            // A created resource's name or ARN is known only once it exists.
            Piece::Ref(_) => &["*"],
        };
        out = out
            .iter()
            .flat_map(|o| options.iter().map(move |x| format!("{o}{x}")))
            .collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text;

    #[test]
    fn open_segments_become_wildcards_and_suffixes_both_spellings() {
        let arn = text![
            "arn:",
            Pseudo::Partition,
            ":ec2:",
            Pseudo::Region,
            ":",
            Pseudo::AccountId,
            ":instance/*"
        ];
        assert_eq!(expand(&arn), ["arn:*:ec2:*:*:instance/*"]);
        let principal = text!["ec2.", Pseudo::UrlSuffix];
        assert_eq!(
            expand(&principal),
            ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]
        );
        assert_eq!(expand(&Text::literal("${aws:userid}")), ["${aws:userid}"]);
    }
}
