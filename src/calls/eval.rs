//! A small IAM policy evaluator: enough of the IAM policy evaluation logic to prove that
//! the generated policies allow every call the SSM Agent makes and deny its neighbours.
//!
//! It evaluates identity-based and trust policy statements on concrete strings (pseudo
//! values already resolved): an explicit `Deny` wins, then any matching `Allow`, else the
//! request is implicitly denied. Actions match case-insensitively with `*` and `?`;
//! resources and ARN conditions match segment by segment, as IAM documents for ARNs.
//! A condition operator it does not implement is an error, never a pass.
//! Source: IAM User Guide, "Policy evaluation logic" and "IAM JSON policy elements:
//! Condition operators".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A policy statement with every value concrete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// `Allow` or `Deny`.
    pub effect: String,
    pub actions: Vec<String>,
    /// Empty in trust policies, which name principals instead.
    #[serde(default)]
    pub resources: Vec<String>,
    /// Service principals (trust policies only).
    #[serde(default)]
    pub principals: Vec<String>,
    /// `{operator: {key: [values]}}`.
    #[serde(default)]
    pub conditions: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

/// One API call as IAM sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub action: String,
    /// The resource ARN (`*` for actions without resource-level permissions).
    pub resource: String,
    /// The calling service principal, for trust policies.
    #[serde(default)]
    pub principal: Option<String>,
    /// The request context: condition key to its value.
    #[serde(default)]
    pub context: BTreeMap<String, String>,
}

/// The outcome of evaluating a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

/// A policy the evaluator cannot judge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot evaluate condition operator `{0}`")]
pub struct UnknownOperator(pub String);

/// Evaluates a request against every statement that applies to the principal.
pub fn evaluate<'s>(
    statements: impl IntoIterator<Item = &'s Statement>,
    request: &Request,
) -> Result<Decision, UnknownOperator> {
    decide(statements, |s| applies(s, request))
}

/// Evaluates a request of `caller` (an IAM principal's ARN) against a resource-based
/// policy (a key or bucket policy), whose principals are `*`, `AWS:<arn>` (an account's
/// `:root` stands for every principal of the account) or `Service:<name>`. For a caller
/// of another account, IAM allows the request only when this and the caller's own
/// identity-based policies both allow it (IAM User Guide, "Cross-account policy
/// evaluation logic").
pub fn evaluate_resource_policy<'s>(
    statements: impl IntoIterator<Item = &'s Statement>,
    request: &Request,
    caller: &str,
) -> Result<Decision, UnknownOperator> {
    let account = caller.split(':').nth(4).unwrap_or_default();
    let names = |p: &str| {
        p == "*"
            || p.strip_prefix("AWS:").is_some_and(|arn| {
                arn == caller
                    || arn.strip_suffix(":root").is_some_and(|root| {
                        root.rsplit(':').next() == Some(account) && !account.is_empty()
                    })
            })
    };
    let as_identity = Request {
        principal: None,
        ..request.clone()
    };
    decide(statements, |s| {
        Ok(s.principals.iter().any(|p| names(p)) && applies(s, &as_identity)?)
    })
}

/// An explicit `Deny` of a statement that applies wins, then any `Allow` that does.
fn decide<'s>(
    statements: impl IntoIterator<Item = &'s Statement>,
    applies: impl Fn(&Statement) -> Result<bool, UnknownOperator>,
) -> Result<Decision, UnknownOperator> {
    let mut allowed = false;
    for s in statements {
        if !applies(s)? {
            continue;
        }
        if s.effect == "Deny" {
            return Ok(Decision::ExplicitDeny);
        }
        allowed |= s.effect == "Allow";
    }
    Ok(if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    })
}

fn applies(s: &Statement, r: &Request) -> Result<bool, UnknownOperator> {
    // Conditions are checked first so that an unknown operator is reported whatever the
    // request, never hidden by an action or resource that does not match.
    let conditions = conditions_hold(&s.conditions, &r.context)?;
    let action = s
        .actions
        .iter()
        .any(|a| glob(&a.to_ascii_lowercase(), &r.action.to_ascii_lowercase()));
    let target = match &r.principal {
        Some(p) => s.principals.iter().any(|q| q == p),
        None => s
            .resources
            .iter()
            .any(|pattern| arn_like(pattern, &r.resource)),
    };
    Ok(conditions && action && target)
}

fn conditions_hold(
    conditions: &BTreeMap<String, BTreeMap<String, Vec<String>>>,
    context: &BTreeMap<String, String>,
) -> Result<bool, UnknownOperator> {
    let mut all = true;
    for (operator, keys) in conditions {
        for (key, values) in keys {
            // Condition keys are case-insensitive; values are compared as the operator says.
            let got = context
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.as_str());
            all &= operator_holds(operator, got, values)?;
        }
    }
    Ok(all)
}

/// One operator on one key: `got` is the request's value, absent when the request does
/// not carry the key.
fn operator_holds(
    operator: &str,
    got: Option<&str>,
    values: &[String],
) -> Result<bool, UnknownOperator> {
    let unknown = || UnknownOperator(operator.to_string());
    if operator == "Null" {
        // `Null: true` holds when the key is absent, `false` when it is present.
        return match values {
            [v] if v == "true" => Ok(got.is_none()),
            [v] if v == "false" => Ok(got.is_some()),
            _ => Err(unknown()),
        };
    }
    let (base, if_exists) = match operator.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (operator, false),
    };
    let (matcher, negated): (fn(&str, &str) -> bool, bool) = match base {
        "StringEquals" => (|p, v| p == v, false),
        "StringNotEquals" => (|p, v| p == v, true),
        "StringEqualsIgnoreCase" => (|p, v| p.eq_ignore_ascii_case(v), false),
        "StringNotEqualsIgnoreCase" => (|p, v| p.eq_ignore_ascii_case(v), true),
        "StringLike" => (glob, false),
        "StringNotLike" => (glob, true),
        // IAM documents ArnEquals and ArnLike alike: segment by segment, with wildcards.
        "ArnEquals" | "ArnLike" => (arn_like, false),
        "ArnNotEquals" | "ArnNotLike" => (arn_like, true),
        "Bool" => (|p, v| p.eq_ignore_ascii_case(v), false),
        _ => return Err(unknown()),
    };
    Ok(match got {
        // A missing key: positive operators fail, negated ones hold, IfExists holds.
        None => if_exists || negated,
        Some(v) => values.iter().any(|p| matcher(p, v)) != negated,
    })
}

/// `*` matches any run of characters, `?` any one character.
pub fn glob(pattern: &str, value: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let v: Vec<char> = value.chars().collect();
    // Iterative matching with one backtrack point per `*` (linear in practice).
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < v.len() {
        if i < p.len() && (p[i] == '?' || p[i] == v[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

/// An ARN pattern against an ARN: `*` alone matches anything; otherwise both split into
/// their six colon-separated segments (the last keeps any further colons) and each
/// segment matches on its own, so a wildcard never spans segments.
pub fn arn_like(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    p.len() == 6 && a.len() == 6 && p.iter().zip(&a).all(|(p, a)| glob(p, a))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(actions: &[&str], resources: &[&str]) -> Statement {
        Statement {
            effect: "Allow".into(),
            actions: actions.iter().map(|s| s.to_string()).collect(),
            resources: resources.iter().map(|s| s.to_string()).collect(),
            principals: Vec::new(),
            conditions: BTreeMap::new(),
        }
    }

    fn request(action: &str, resource: &str, context: &[(&str, &str)]) -> Request {
        Request {
            action: action.into(),
            resource: resource.into(),
            principal: None,
            context: context
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn with_condition(mut s: Statement, op: &str, key: &str, values: &[&str]) -> Statement {
        s.conditions
            .entry(op.into())
            .or_default()
            .insert(key.into(), values.iter().map(|v| v.to_string()).collect());
        s
    }

    #[test]
    fn actions_match_case_insensitively_with_wildcards() {
        let s = allow(&["s3:Put*", "kms:Decrypt"], &["*"]);
        for (action, want) in [
            ("s3:PutObject", true),
            ("S3:putobject", true),
            ("s3:GetObject", false),
            ("kms:Decrypt", true),
            ("kms:DecryptX", false),
        ] {
            let got = evaluate([&s], &request(action, "arn:aws:s3:::b/k", &[])).unwrap();
            assert_eq!(got == Decision::Allow, want, "{action}");
        }
    }

    #[test]
    fn resource_wildcards_stay_within_their_arn_segment() {
        let s = allow(
            &["logs:PutLogEvents"],
            &["arn:aws:logs:us-east-1:111122223333:log-group:/ssm/web:*"],
        );
        let ok = "arn:aws:logs:us-east-1:111122223333:log-group:/ssm/web:log-stream:i-1";
        assert_eq!(
            evaluate([&s], &request("logs:PutLogEvents", ok, &[])),
            Ok(Decision::Allow)
        );
        for denied in [
            "arn:aws:logs:us-east-1:111122223333:log-group:/ssm/web2:log-stream:x",
            "arn:aws:logs:us-west-2:111122223333:log-group:/ssm/web:log-stream:x",
            "arn:aws-cn:logs:us-east-1:111122223333:log-group:/ssm/web:log-stream:x",
        ] {
            let got = evaluate([&s], &request("logs:PutLogEvents", denied, &[])).unwrap();
            assert_eq!(got, Decision::ImplicitDeny, "{denied}");
        }
        // A `*` inside a segment does not reach into the next one.
        assert!(!arn_like("arn:aws:s3:::*", "arn:aws:s3:x::b"));
        assert!(arn_like("arn:aws:s3:::b/*", "arn:aws:s3:::b/p/k.log"));
        assert!(arn_like(
            "arn:*:ssm:*:*:session/u-*",
            "arn:aws:ssm:eu-west-1:1:session/u-1"
        ));
    }

    #[test]
    fn conditions_follow_the_documented_operator_semantics() {
        let base = allow(&["s3:PutObjectAcl"], &["*"]);
        let acl = with_condition(
            base.clone(),
            "StringEquals",
            "s3:x-amz-acl",
            &["bucket-owner-full-control"],
        );
        let r = |ctx: &[(&str, &str)]| request("s3:PutObjectAcl", "arn:aws:s3:::b/k", ctx);
        assert_eq!(
            evaluate([&acl], &r(&[("s3:x-amz-acl", "bucket-owner-full-control")])),
            Ok(Decision::Allow)
        );
        assert_eq!(
            evaluate([&acl], &r(&[("S3:X-Amz-Acl", "bucket-owner-full-control")])),
            Ok(Decision::Allow)
        );
        assert_eq!(
            evaluate([&acl], &r(&[("s3:x-amz-acl", "public-read")])),
            Ok(Decision::ImplicitDeny)
        );
        assert_eq!(evaluate([&acl], &r(&[])), Ok(Decision::ImplicitDeny));
        let if_exists =
            with_condition(base.clone(), "StringEqualsIfExists", "s3:x-amz-acl", &["x"]);
        assert_eq!(evaluate([&if_exists], &r(&[])), Ok(Decision::Allow));
        let not = with_condition(base.clone(), "StringNotEquals", "aws:SourceAccount", &["1"]);
        assert_eq!(evaluate([&not], &r(&[])), Ok(Decision::Allow));
        assert_eq!(
            evaluate([&not], &r(&[("aws:SourceAccount", "1")])),
            Ok(Decision::ImplicitDeny)
        );
        let like = with_condition(
            base.clone(),
            "StringLike",
            "ssm:resourceTag/team",
            &["web-*"],
        );
        assert_eq!(
            evaluate([&like], &r(&[("ssm:resourceTag/team", "web-1")])),
            Ok(Decision::Allow)
        );
        let null = with_condition(base.clone(), "Null", "aws:SourceArn", &["true"]);
        assert_eq!(evaluate([&null], &r(&[])), Ok(Decision::Allow));
        assert_eq!(
            evaluate([&null], &r(&[("aws:SourceArn", "x")])),
            Ok(Decision::ImplicitDeny)
        );
        // Every condition must hold.
        let both = with_condition(
            acl.clone(),
            "StringEquals",
            "s3:ResourceAccount",
            &["111122223333"],
        );
        assert_eq!(
            evaluate(
                [&both],
                &r(&[
                    ("s3:x-amz-acl", "bucket-owner-full-control"),
                    ("s3:ResourceAccount", "444455556666")
                ])
            ),
            Ok(Decision::ImplicitDeny)
        );
    }

    #[test]
    fn an_unknown_operator_is_an_error_never_a_pass() {
        let s = with_condition(
            allow(&["*"], &["*"]),
            "DateGreaterThan",
            "aws:CurrentTime",
            &["2020-01-01"],
        );
        let got = evaluate([&s], &request("s3:GetObject", "arn:aws:s3:::b/k", &[]));
        assert_eq!(got, Err(UnknownOperator("DateGreaterThan".into())));
    }

    #[test]
    fn an_explicit_deny_wins_and_trust_matches_principals() {
        let mut deny = allow(&["s3:*"], &["*"]);
        deny.effect = "Deny".into();
        let ok = allow(&["s3:PutObject"], &["arn:aws:s3:::b/*"]);
        let r = request("s3:PutObject", "arn:aws:s3:::b/k", &[]);
        assert_eq!(evaluate([&ok, &deny], &r), Ok(Decision::ExplicitDeny));
        let trust = Statement {
            principals: vec!["ssm.amazonaws.com".into()],
            ..with_condition(
                allow(&["sts:AssumeRole"], &[]),
                "StringEquals",
                "aws:SourceAccount",
                &["1"],
            )
        };
        let mut assume = request(
            "sts:AssumeRole",
            "arn:aws:iam::1:role/r",
            &[("aws:SourceAccount", "1")],
        );
        assume.principal = Some("ssm.amazonaws.com".into());
        assert_eq!(evaluate([&trust], &assume), Ok(Decision::Allow));
        assume.principal = Some("ec2.amazonaws.com".into());
        assert_eq!(evaluate([&trust], &assume), Ok(Decision::ImplicitDeny));
    }

    #[test]
    fn glob_backtracks() {
        assert!(glob("a*b*c", "aXbYbZc"));
        assert!(!glob("a*b*c", "aXbYbZ"));
        assert!(glob("*", ""));
        assert!(glob("?", "é"));
        assert!(!glob("", "x"));
    }
}
