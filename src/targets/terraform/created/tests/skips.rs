//! Acknowledgements of the created resources: each `#checkov:skip` in the block checkov
//! reports its rule on.

use super::render;
use crate::facts::scanners::{Rule, Scanner};
use crate::plan::{Acknowledgement, Subject};
use crate::targets::terraform::tests::{example_plan, file};

const fn rule(id: &'static str, terraform: bool) -> Rule {
    Rule {
        id,
        scanner: Scanner::Checkov,
        title: "a rule",
        cloudformation: true,
        terraform,
        granular: None,
    }
}

/// The `#checkov:skip=` lines that start a block, from its header line.
fn skips_of<'m>(text: &'m str, header: &str) -> Vec<&'m str> {
    let at = text.find(header).unwrap_or_else(|| panic!("{header}")) + header.len();
    text[at..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  #checkov:skip="))
        .collect()
}

#[test]
fn acknowledgements_land_on_the_block_checkov_reports_them_on() {
    let mut plan = example_plan("fresh-environment");
    // The plan's own acknowledgements of these subjects are the golden's; here, only
    // hand-added ones, to check where each kind of rule lands.
    plan.acknowledgements.retain(|a| {
        !matches!(
            a.subject,
            Subject::SessionKey | Subject::LogBucket | Subject::SessionLogGroup
        )
    });
    // What checkov 3 reports on the fresh environment's resources, and a few more.
    for (subject, id, terraform) in [
        (Subject::SessionKey, "CKV_AWS_111", true),
        (Subject::SessionKey, "CKV_AWS_109", true),
        (Subject::SessionKey, "CKV_AWS_7", true),
        (Subject::SessionKey, "CKV_AWS_999", false),
        (Subject::LogBucket, "CKV_AWS_18", true),
        (Subject::LogBucket, "CKV2_AWS_62", true),
        (Subject::LogBucket, "CKV_AWS_70", true),
        (Subject::LogBucket, "CKV_AWS_356", true),
        (Subject::LogBucket, "CKV_AWS_54", true),
        (Subject::LogBucket, "CKV_AWS_300", true),
        (Subject::SessionLogGroup, "CKV_AWS_338", true),
    ] {
        plan.acknowledgements.push(Acknowledgement {
            rule: rule(id, terraform),
            subject,
            finding: None,
            reason: format!("why {id}").into(),
        });
    }
    plan.acknowledgements.sort_by_key(|a| a.subject);
    let files = render(&plan);
    let main = file(&files, "main.tf");
    let skip = |id: &str| format!("  #checkov:skip={id}:why {id}");
    for (header, ids) in [
        (
            "data \"aws_iam_policy_document\" \"session_key\" {",
            &["CKV_AWS_111", "CKV_AWS_109"][..],
        ),
        ("resource \"aws_kms_key\" \"session_key\" {", &["CKV_AWS_7"]),
        ("resource \"aws_kms_alias\" \"session_key_alias\" {", &[]),
        (
            "resource \"aws_s3_bucket\" \"session_log_bucket\" {",
            &["CKV_AWS_18", "CKV2_AWS_62"],
        ),
        (
            "resource \"aws_s3_bucket_policy\" \"session_log_bucket\" {",
            &["CKV_AWS_70"],
        ),
        (
            "data \"aws_iam_policy_document\" \"session_log_bucket_policy\" {",
            &["CKV_AWS_356"],
        ),
        (
            "resource \"aws_s3_bucket_public_access_block\" \"session_log_bucket\" {",
            &["CKV_AWS_54"],
        ),
        (
            "resource \"aws_s3_bucket_lifecycle_configuration\" \"session_log_bucket\" {",
            &["CKV_AWS_300"],
        ),
        (
            "resource \"aws_s3_bucket_versioning\" \"session_log_bucket\" {",
            &[],
        ),
        (
            "resource \"aws_cloudwatch_log_group\" \"session_log_group\" {",
            &["CKV_AWS_338"],
        ),
    ] {
        let expected: Vec<String> = ids.iter().map(|id| skip(id)).collect();
        assert_eq!(skips_of(main, header), expected, "{header}");
    }
    // Each once; the rule checkov does not run on Terraform nowhere.
    assert_eq!(main.matches("#checkov:skip=").count(), 10 + 2);
    assert!(!main.contains("CKV_AWS_999"));
    ::hcl::from_str::<::hcl::Body>(main).expect("parses");
}

#[test]
fn what_checkov_reports_on_the_fresh_environment_is_skipped_in_its_block() {
    // checkov 3's findings on the created resources of examples/fresh-environment (the
    // scanner pass has not acknowledged them yet). With SSMGEN_TF_DUMP set, the module is
    // written there, for checkov to show that it reads every skip and reports nothing.
    let mut plan = example_plan("fresh-environment");
    let found = [
        (
            Subject::SessionKey,
            "CKV_AWS_109",
            "data \"aws_iam_policy_document\" \"session_key\" {",
        ),
        (
            Subject::SessionKey,
            "CKV_AWS_111",
            "data \"aws_iam_policy_document\" \"session_key\" {",
        ),
        (
            Subject::SessionKey,
            "CKV_AWS_356",
            "data \"aws_iam_policy_document\" \"session_key\" {",
        ),
        (
            Subject::LogBucket,
            "CKV_AWS_18",
            "resource \"aws_s3_bucket\" \"session_log_bucket\" {",
        ),
        (
            Subject::LogBucket,
            "CKV_AWS_144",
            "resource \"aws_s3_bucket\" \"session_log_bucket\" {",
        ),
        (
            Subject::LogBucket,
            "CKV2_AWS_62",
            "resource \"aws_s3_bucket\" \"session_log_bucket\" {",
        ),
    ];
    for (subject, id, _) in found {
        plan.acknowledgements.push(Acknowledgement {
            rule: rule(id, true),
            subject,
            finding: None,
            reason: format!("why {id}").into(),
        });
    }
    plan.acknowledgements.sort_by_key(|a| a.subject);
    let files = render(&plan);
    let main = file(&files, "main.tf");
    for (_, id, header) in found {
        let line = format!("  #checkov:skip={id}:why {id}");
        assert!(skips_of(main, header).contains(&line.as_str()), "{id}");
    }
    if let Ok(dir) = std::env::var("SSMGEN_TF_DUMP") {
        let dir = std::path::Path::new(&dir).join("fresh-environment-acknowledged");
        std::fs::create_dir_all(&dir).expect("dump");
        for f in &files {
            std::fs::write(dir.join(&f.path), &f.contents).expect("dump");
        }
    }
}
