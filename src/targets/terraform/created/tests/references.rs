//! References to the created resources: preferences documents name them inside
//! `jsonencode`, no placeholder is ever written, and the data sources follow them.

use ::hcl::eval::Evaluate;
use serde_json::{json, Value};

use super::{blocks, context, expr, render, BUCKET, KEY_ARN};
use crate::plan::{Plan, Pseudo, Text};
use crate::targets::terraform::tests::{example_plan, file};

/// Every string of each preferences document's content, as Terraform evaluates it.
fn contents(plan: &Plan, main: &str) -> Vec<Value> {
    let body: ::hcl::Body = ::hcl::from_str(main).expect("parses");
    let ctx = context(plan);
    blocks(&body, "resource", "aws_ssm_document")
        .into_iter()
        .map(|d| {
            let ::hcl::Expression::FuncCall(call) = expr(d, "content") else {
                panic!("content is not jsonencode(...)");
            };
            serde_json::to_value(call.args[0].evaluate(&ctx).expect("evaluates")).expect("JSON")
        })
        .collect()
}

#[test]
fn preferences_name_the_created_resources_and_no_placeholder_is_written() {
    let plan = example_plan("fresh-environment");
    let files = render(&plan);
    for f in &files {
        for placeholder in ["SessionKey.Arn", "LogBucket.Name"] {
            assert!(
                !f.contents.contains(placeholder),
                "{}: {placeholder}",
                f.path.display()
            );
        }
    }
    let main = file(&files, "main.tf");
    assert!(main.contains("      kmsKeyId                    = aws_kms_key.session_key.arn\n"));
    assert!(main
        .contains("      s3BucketName                = aws_s3_bucket.session_log_bucket.bucket\n"));
    let read = contents(&plan, main);
    assert_eq!(read.len(), 1);
    let mut expected = plan.documents[0].content.clone();
    expected["inputs"]["kmsKeyId"] = json!(KEY_ARN);
    expected["inputs"]["s3BucketName"] = json!(BUCKET);
    assert_eq!(read[0], expected);
}

#[test]
fn a_placeholder_the_spec_writes_elsewhere_stays_literal_text() {
    let mut plan = example_plan("fresh-environment");
    let text = "echo ${SessionKey.Arn} ${LogBucket.Name}";
    let inputs = plan.documents[0].content["inputs"]
        .as_object_mut()
        .expect("inputs");
    inputs["shellProfile"]["linux"] = json!(text);
    let files = render(&plan);
    let main = file(&files, "main.tf");
    assert!(main.contains("linux   = \"echo $${SessionKey.Arn} $${LogBucket.Name}\""));
    let read = contents(&plan, main);
    assert_eq!(read[0]["inputs"]["shellProfile"]["linux"], json!(text));
    assert_eq!(read[0]["inputs"]["kmsKeyId"], json!(KEY_ARN));
}

#[test]
fn the_data_sources_follow_the_created_resources() {
    // Only the key policy names the URL suffix (the logs service principal): the module
    // still declares the partition data source it is read from.
    let mut plan = example_plan("fresh-environment");
    plan.policies.clear();
    plan.fleets.iter_mut().for_each(|f| f.policy = None);
    plan.operator_policies.clear();
    plan.outputs.clear();
    plan.roles.iter_mut().for_each(|r| {
        r.trust.service = Text::literal("ec2.amazonaws.com");
        r.managed_policies.clear();
    });
    // The plan counts it from the created key's policy.
    assert!(plan.pseudos().contains(&Pseudo::UrlSuffix));
    let main = file(&render(&plan), "main.tf").to_string();
    assert!(main.contains("data \"aws_partition\" \"current\" {}"));
    assert!(main.contains(".${data.aws_partition.current.dns_suffix}\"]"));
}
