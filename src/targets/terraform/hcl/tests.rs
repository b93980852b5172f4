//! The writer's layout, as `terraform fmt` (hclfmt) leaves it.

use super::*;

#[test]
fn runs_of_single_line_arguments_align_and_multi_line_values_break_them() {
    let mut b = Body::default();
    b.line("sid", Val::Str("A"))
        .line("effect", Val::Str("Allow"))
        .list("actions", vec![Val::Str("a"), Val::Str("b")])
        .list("resources", vec![Val::Str("*")])
        .blank()
        .line("x", Val::Num(1))
        .line("yy", Val::Num(2));
    let mut out = String::new();
    b.write(&mut out, "  ");
    // The key of each argument line (not of list items, brackets or blank lines).
    let keys: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| {
            l.trim_start()
                .split(" = ")
                .next()
                .filter(|_| l.contains(" = "))
        })
        .collect();
    assert_eq!(
        keys,
        ["sid   ", "effect", "actions", "resources", "x ", "yy"]
    );
}

#[test]
fn a_call_of_a_list_is_laid_out_as_a_list() {
    let mut b = Body::default();
    b.call("for_each", "toset", vec![Val::Str("a")])
        .blank()
        .call("many", "toset", vec![Val::Str("a"), Val::Str("b${x}")])
        .line("x", Val::Num(1));
    // Checked with hclfmt (-require-no-change) when written.
    assert_eq!(
        b.block_body(),
        "\n  for_each = toset([\"a\"])\n\n  many = toset([\n    \"a\",\n    \"b$${x}\",\n  ])\n  x = 1"
    );
}

#[test]
fn nested_blocks_end_a_run_and_an_empty_one_closes_on_its_line() {
    let mut inner = Body::default();
    inner
        .line("id", Val::Str("x"))
        .line("status", Val::Str("on"));
    let mut rule = Body::default();
    rule.line("a", Val::Num(1))
        .block("filter", Body::default())
        .line("longer", Val::Num(2))
        .blank()
        .block("inner", inner);
    let mut b = Body::default();
    b.line("bucket", Val::Raw("aws_s3_bucket.b.bucket"))
        .line("k", Val::Num(3))
        .blank()
        .block("rule", rule);
    // Checked with hclfmt (-require-no-change) when written.
    assert_eq!(
        b.block_body(),
        r#"
  bucket = aws_s3_bucket.b.bucket
  k      = 3

  rule {
    a = 1
    filter {}
    longer = 2

    inner {
      id     = "x"
      status = "on"
    }
  }"#
    );
}

#[test]
fn a_json_string_at_a_reference_path_is_the_reference() {
    let v = serde_json::json!({
        "inputs": {"kmsKeyId": "${SessionKey.Arn}", "other": "${SessionKey.Arn}"},
        "list": [{"kmsKeyId": "${SessionKey.Arn}"}],
        "kmsKeyId": "${SessionKey.Arn}",
    });
    let path: &[&str] = &["inputs", "kmsKeyId"];
    let mut b = Body::default();
    b.jsonencode("content", &v, vec![(path, "aws_kms_key.k.arn")]);
    let out = b.block_body();
    assert!(out.contains("    kmsKeyId = aws_kms_key.k.arn\n"));
    // Anywhere else, the same text is a literal string.
    assert_eq!(out.matches("\"$${SessionKey.Arn}\"").count(), 3);
}

#[test]
fn json_values_are_laid_out_as_terraform_fmt_does() {
    let v = serde_json::json!({
        "a": "x${y}",
        "long_key": true,
        "nested": {"k": 1.5, "true": null},
        "after": [],
        "list": ["s", {"for": "%{z}"}, []],
        "odd key": {},
    });
    let mut b = Body::default();
    b.line("name", Val::Str("n"))
        .jsonencode("content", &v, Vec::new());
    // Checked with hclfmt (-require-no-change) when written.
    assert_eq!(
        b.block_body(),
        r#"
  name = "n"
  content = jsonencode({
    a        = "x$${y}"
    long_key = true
    nested = {
      k      = 1.5
      "true" = null
    }
    after = []
    list = [
      "s",
      {
        "for" = "%%{z}"
      },
      [],
    ]
    "odd key" = {}
  })"#
    );
}
