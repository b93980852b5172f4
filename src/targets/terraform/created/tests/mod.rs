//! The created resources as Terraform reads them: hcl-rs parses the module and evaluates
//! each argument with fixed values for the data sources and the resources' attributes,
//! and the result must be the plan's, statement for statement.

use ::hcl::eval::{Context, Evaluate};
use serde_json::{json, Value};

use crate::plan::{Effect, Plan, Principal, Pseudo, Reference, Text};
use crate::targets::terraform::tests::{example_plan, file};

mod references;
mod skips;
use crate::targets::terraform::Terraform;
use crate::targets::{Options, OutFile, Target};

pub(super) fn render(plan: &Plan) -> Vec<OutFile> {
    Terraform
        .render(plan, &Options::default())
        .expect("renders")
}

fn spec_plan(spec: &str) -> Plan {
    let (spec, _) = crate::spec::load_str(spec, "t.yaml").expect("valid");
    crate::plan::build::build(&spec)
}

pub(super) const KEY_ARN: &str = "arn:aws:kms:eu-west-1:111122223333:key/created";
pub(super) const BUCKET: &str = "fresh-logs-20260101";

/// What the fixed values stand for in the plan's texts.
fn resolve(t: &Text) -> String {
    t.resolve_with(
        |p| {
            match p {
                Pseudo::Partition => "aws",
                Pseudo::Region => "eu-west-1",
                Pseudo::AccountId => "111122223333",
                Pseudo::UrlSuffix => "amazonaws.com",
            }
            .to_string()
        },
        |r| match r {
            Reference::SessionKeyArn => KEY_ARN.to_string(),
            Reference::LogBucketName => BUCKET.to_string(),
        },
    )
}

/// Terraform's view of what the module refers to: data sources, the created key and
/// bucket, and each role's ARN as `ROLE:<name>`.
pub(super) fn context(plan: &Plan) -> Context<'static> {
    let mut ctx = Context::new();
    let data = json!({
        "aws_partition": {"current": {"partition": "aws", "dns_suffix": "amazonaws.com"}},
        "aws_region": {"current": {"region": "eu-west-1"}},
        "aws_caller_identity": {"current": {"account_id": "111122223333"}},
    });
    let roles: serde_json::Map<String, Value> = plan
        .roles
        .iter()
        .map(|r| {
            (
                r.id.snake.clone(),
                json!({ "arn": format!("ROLE:{}", r.id.snake) }),
            )
        })
        .collect();
    for (name, value) in [
        ("data", data),
        (
            "aws_kms_key",
            json!({"session_key": {"arn": KEY_ARN, "key_id": "created"}}),
        ),
        (
            "aws_s3_bucket",
            json!({ "session_log_bucket": { "bucket": BUCKET } }),
        ),
        ("aws_iam_role", Value::Object(roles)),
    ] {
        ctx.declare_var(name, ::hcl::to_value(value).expect("HCL value"));
    }
    ctx
}

pub(super) fn blocks<'b>(body: &'b ::hcl::Body, kind: &str, typ: &str) -> Vec<&'b ::hcl::Block> {
    body.blocks()
        .filter(|b| b.identifier.as_str() == kind)
        .filter(|b| b.labels.first().map(|l| l.as_str()) == Some(typ))
        .collect()
}

fn one<'b>(body: &'b ::hcl::Body, kind: &str, typ: &str, name: &str) -> &'b ::hcl::Block {
    let found: Vec<_> = blocks(body, kind, typ)
        .into_iter()
        .filter(|b| b.labels.get(1).map(|l| l.as_str()) == Some(name))
        .collect();
    assert_eq!(found.len(), 1, "{kind} {typ} {name}");
    found[0]
}

fn nested<'b>(block: &'b ::hcl::Block, key: &str) -> Vec<&'b ::hcl::Block> {
    block
        .body
        .blocks()
        .filter(|b| b.identifier.as_str() == key)
        .collect()
}

/// An expression's source text without its layout (hcl-rs writes lists one item a line).
fn flat(e: &::hcl::Expression) -> String {
    e.to_string().split_whitespace().collect()
}

pub(super) fn expr<'b>(block: &'b ::hcl::Block, key: &str) -> &'b ::hcl::Expression {
    &block
        .body
        .attributes()
        .find(|a| a.key.as_str() == key)
        .unwrap_or_else(|| panic!("{key} in {:?}", block.identifier))
        .expr
}

/// An argument's value as Terraform evaluates it in `ctx`.
fn eval(ctx: &Context, block: &::hcl::Block, key: &str) -> Value {
    let v = expr(block, key).evaluate(ctx).expect("evaluates");
    serde_json::to_value(v).expect("JSON")
}

/// `lifecycle { prevent_destroy = true }`.
fn kept(ctx: &Context, block: &::hcl::Block) -> bool {
    let lifecycle = nested(block, "lifecycle");
    lifecycle.len() == 1 && eval(ctx, lifecycle[0], "prevent_destroy") == json!(true)
}

/// The policy document's statements as the plan says they must read.
fn expected_statements(plan: &Plan, statements: &[crate::plan::ResourceStatement]) -> Value {
    let statements: Vec<Value> = statements
        .iter()
        .map(|s| {
            let mut principals: Vec<(&str, Vec<String>)> = Vec::new();
            for p in &s.principals {
                let (kind, id) = match p {
                    Principal::Any => ("*", "*".to_string()),
                    Principal::Account(t) => ("AWS", resolve(t)),
                    Principal::Role(i) => ("AWS", format!("ROLE:{}", plan.roles[*i].id.snake)),
                    Principal::Service(t) => ("Service", resolve(t)),
                };
                match principals.iter_mut().find(|(k, _)| *k == kind) {
                    Some((_, ids)) => ids.push(id),
                    None => principals.push((kind, vec![id])),
                }
            }
            json!({
                "sid": s.sid,
                "effect": match s.effect { Effect::Allow => "Allow", Effect::Deny => "Deny" },
                "actions": s.actions,
                "resources": s.resources.iter().map(|r| resolve(&r.arn(&plan.env))).collect::<Vec<_>>(),
                "principals": principals.iter().map(|(k, ids)| json!({"type": k, "identifiers": ids})).collect::<Vec<_>>(),
                "conditions": s.conditions.iter().map(|c| json!({
                    "test": c.operator,
                    "variable": c.key,
                    "values": c.values.iter().map(resolve).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Value::Array(statements)
}

/// A policy document's statements as Terraform reads them.
fn read_statements(ctx: &Context, doc: &::hcl::Block) -> Value {
    let statements: Vec<Value> = nested(doc, "statement")
        .into_iter()
        .map(|st| {
            json!({
                "sid": eval(ctx, st, "sid"),
                "effect": eval(ctx, st, "effect"),
                "actions": eval(ctx, st, "actions"),
                "resources": eval(ctx, st, "resources"),
                "principals": nested(st, "principals").iter().map(|p| json!({
                    "type": eval(ctx, p, "type"),
                    "identifiers": eval(ctx, p, "identifiers"),
                })).collect::<Vec<_>>(),
                "conditions": nested(st, "condition").iter().map(|c| json!({
                    "test": eval(ctx, c, "test"),
                    "variable": eval(ctx, c, "variable"),
                    "values": eval(ctx, c, "values"),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Value::Array(statements)
}

#[test]
fn the_key_and_its_policy_read_back_as_the_plan_has_them() {
    let plan = example_plan("fresh-environment");
    let key = plan.created.key.as_ref().expect("key");
    let files = render(&plan);
    let body: ::hcl::Body = ::hcl::from_str(file(&files, "main.tf")).expect("parses");
    let ctx = context(&plan);
    let doc = one(&body, "data", "aws_iam_policy_document", &key.id.snake);
    assert_eq!(
        read_statements(&ctx, doc),
        expected_statements(&plan, &key.policy)
    );
    // The fleet roles by reference (the key waits for them), in the plan's order.
    let st = nested(doc, "statement")[1];
    assert_eq!(
        flat(expr(nested(st, "principals")[0], "identifiers")),
        "[aws_iam_role.web_role.arn,aws_iam_role.batch_role.arn]"
    );

    let k = one(&body, "resource", "aws_kms_key", &key.id.snake);
    assert_eq!(eval(&ctx, k, "description"), json!(key.description));
    assert_eq!(eval(&ctx, k, "key_usage"), json!("ENCRYPT_DECRYPT"));
    assert_eq!(
        eval(&ctx, k, "customer_master_key_spec"),
        json!("SYMMETRIC_DEFAULT")
    );
    assert_eq!(eval(&ctx, k, "enable_key_rotation"), json!(true));
    assert_eq!(
        expr(k, "policy").to_string(),
        "data.aws_iam_policy_document.session_key.json"
    );
    assert_eq!(eval(&ctx, k, "tags"), json!(key.tags));
    assert!(kept(&ctx, k));

    let alias = one(&body, "resource", "aws_kms_alias", &key.alias_id.snake);
    assert_eq!(eval(&ctx, alias, "name"), json!("alias/fresh-sessions"));
    assert_eq!(
        expr(alias, "target_key_id").to_string(),
        "aws_kms_key.session_key.key_id"
    );
    assert!(nested(alias, "lifecycle").is_empty());
}

#[test]
fn the_bucket_is_split_into_its_resources_with_the_plans_settings() {
    let plan = example_plan("fresh-environment");
    let b = plan.created.bucket.as_ref().expect("bucket");
    let name = b.id.snake.as_str();
    let files = render(&plan);
    let body: ::hcl::Body = ::hcl::from_str(file(&files, "main.tf")).expect("parses");
    let ctx = context(&plan);

    let bucket = one(&body, "resource", "aws_s3_bucket", name);
    assert_eq!(eval(&ctx, bucket, "bucket_prefix"), json!(b.name_prefix));
    assert_eq!(eval(&ctx, bucket, "tags"), json!(b.tags));
    assert!(kept(&ctx, bucket));
    // Every other resource of the bucket has its label and names it by reference.
    for typ in [
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_ownership_controls",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_lifecycle_configuration",
        "aws_s3_bucket_policy",
    ] {
        let r = one(&body, "resource", typ, name);
        assert_eq!(
            expr(r, "bucket").to_string(),
            "aws_s3_bucket.session_log_bucket.bucket",
            "{typ}"
        );
    }

    let sse = one(
        &body,
        "resource",
        "aws_s3_bucket_server_side_encryption_configuration",
        name,
    );
    let rule = nested(sse, "rule")[0];
    assert_eq!(eval(&ctx, rule, "bucket_key_enabled"), json!(true));
    let by_default = nested(rule, "apply_server_side_encryption_by_default")[0];
    assert_eq!(eval(&ctx, by_default, "sse_algorithm"), json!("aws:kms"));
    assert_eq!(
        expr(by_default, "kms_master_key_id").to_string(),
        "aws_kms_key.session_key.arn"
    );

    let pab = one(&body, "resource", "aws_s3_bucket_public_access_block", name);
    for arg in [
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    ] {
        assert_eq!(eval(&ctx, pab, arg), json!(true), "{arg}");
    }
    let oc = one(&body, "resource", "aws_s3_bucket_ownership_controls", name);
    let rule = nested(oc, "rule")[0];
    assert_eq!(
        eval(&ctx, rule, "object_ownership"),
        json!("BucketOwnerEnforced")
    );
    let v = one(&body, "resource", "aws_s3_bucket_versioning", name);
    let conf = nested(v, "versioning_configuration")[0];
    assert_eq!(eval(&ctx, conf, "status"), json!("Enabled"));

    let lc = one(
        &body,
        "resource",
        "aws_s3_bucket_lifecycle_configuration",
        name,
    );
    let rules = nested(lc, "rule");
    assert_eq!(rules.len(), 1);
    let rule = rules[0];
    assert_eq!(eval(&ctx, rule, "id"), json!("ExpireSessionLogs"));
    assert_eq!(eval(&ctx, rule, "status"), json!("Enabled"));
    // The whole bucket: an empty filter.
    let filter = nested(rule, "filter");
    assert_eq!(filter.len(), 1);
    assert_eq!(filter[0].body.iter().count(), 0);
    let days = |block: &str, key: &str| eval(&ctx, nested(rule, block)[0], key);
    assert_eq!(days("expiration", "days"), json!(b.expiration_days));
    assert_eq!(
        days("noncurrent_version_expiration", "noncurrent_days"),
        json!(b.noncurrent_days)
    );
    assert_eq!(
        days("abort_incomplete_multipart_upload", "days_after_initiation"),
        json!(b.abort_multipart_days)
    );
    assert_eq!(
        flat(expr(lc, "depends_on")),
        "[aws_s3_bucket_versioning.session_log_bucket]"
    );

    let policy = one(&body, "resource", "aws_s3_bucket_policy", name);
    let doc_name = b.policy_id.snake.as_str();
    assert_eq!(
        expr(policy, "policy").to_string(),
        format!("data.aws_iam_policy_document.{doc_name}.json")
    );
    let doc = one(&body, "data", "aws_iam_policy_document", doc_name);
    assert_eq!(
        read_statements(&ctx, doc),
        expected_statements(&plan, &b.policy)
    );
}

#[test]
fn the_log_group_is_named_kept_and_encrypted_with_the_created_key() {
    let plan = example_plan("fresh-environment");
    let g = plan.created.log_group.as_ref().expect("log group");
    let files = render(&plan);
    let body: ::hcl::Body = ::hcl::from_str(file(&files, "main.tf")).expect("parses");
    let ctx = context(&plan);
    let group = one(&body, "resource", "aws_cloudwatch_log_group", &g.id.snake);
    assert_eq!(eval(&ctx, group, "name"), json!("/ssm/fresh/sessions"));
    assert_eq!(eval(&ctx, group, "retention_in_days"), json!(365));
    assert_eq!(
        expr(group, "kms_key_id").to_string(),
        "aws_kms_key.session_key.arn"
    );
    assert_eq!(eval(&ctx, group, "tags"), json!(g.tags));
    assert!(kept(&ctx, group));
}

#[test]
fn a_given_key_encrypts_the_bucket_and_an_unencrypted_group_names_none() {
    let plan = spec_plan(
        "version: 1\nproject: shop\nsession:\n  kms_key: arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab\n  s3: {bucket: create, prefix: ssm}\n  cloudwatch: {log_group: create, encrypted: false, retention_days: 90}\nfleets: [{name: web, platform: ec2, mode: session-only}]\n",
    );
    assert!(plan.created.key.is_none());
    let files = render(&plan);
    let main = file(&files, "main.tf");
    assert!(!main.contains("aws_kms_key"));
    let body: ::hcl::Body = ::hcl::from_str(main).expect("parses");
    let ctx = context(&plan);
    let sse = one(
        &body,
        "resource",
        "aws_s3_bucket_server_side_encryption_configuration",
        "session_log_bucket",
    );
    let by_default = nested(
        nested(sse, "rule")[0],
        "apply_server_side_encryption_by_default",
    )[0];
    assert_eq!(
        eval(&ctx, by_default, "kms_master_key_id"),
        json!("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    );
    let group = one(
        &body,
        "resource",
        "aws_cloudwatch_log_group",
        "session_log_group",
    );
    assert!(group
        .body
        .attributes()
        .all(|a| a.key.as_str() != "kms_key_id"));
    assert_eq!(eval(&ctx, group, "retention_in_days"), json!(90));
}
