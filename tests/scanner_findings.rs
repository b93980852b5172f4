//! Issue 12: the scanner findings the plan acknowledges, pinned to the tools' own rules.
//!
//! - checkov 3.3.30 `cloudformation/checks/resource/aws/IAMWriteAccess.py` and
//!   `terraform/checks/data/aws/IAMWriteAccess.py` (CKV_AWS_111) call cloudsplaining's
//!   `write_actions_without_constraints`: Write actions with resource-level permissions,
//!   on `*`, in statements without conditions. `terraform/checks/data/aws/
//!   ResourcePolicyDocument.py` (CKV_AWS_356, Terraform only) takes every such action.
//!   checkov found no CKV_AWS_111 on the existing-role example, whose `*` statement holds
//!   only ssmmessages actions (no resource types in the Service Authorization Reference).
//! - checkov `terraform/checks/resource/aws/SSMSessionManagerDocumentEncryption.py`
//!   (CKV_AWS_112: `inputs.kmsKeyId`) and `SSMSessionManagerDocumentLogging.py`
//!   (CKV_AWS_113: S3 with `s3EncryptionEnabled`, or CloudWatch with
//!   `cloudWatchEncryptionEnabled`).
//! - cdk-nag `src/rules/iam/IAMNoWildcardPermissions.ts` (AwsSolutions-IAM5: one finding
//!   per resource containing `*`) and `IAMNoManagedPolicies.ts` (AwsSolutions-IAM4: one per
//!   AWS managed policy).
//! - cdk-nag 2 `src/utils/nag-suppression-helper.ts`: a reason shorter than 10 characters
//!   is refused.
//!
//! The conformance suite runs the tools themselves (tests/conformance/scanners.py).

use std::collections::BTreeSet;

use ssmgen::facts::scanners::{self, Scanner};
use ssmgen::plan::{build::build, Plan, Subject};

fn plan_of(yaml: &str) -> Plan {
    let (spec, _) = ssmgen::spec::load_str(yaml, "scenario.yaml").expect("scenario spec is valid");
    build(&spec)
}

fn example_plans() -> Vec<(String, Plan)> {
    let mut out = Vec::new();
    for dir in ["examples", "tests/conformance/fixtures"] {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p).unwrap();
            out.push((p.display().to_string(), plan_of(&text)));
        }
    }
    out
}

/// (rule id, subject kind and index, finding) of every acknowledgement.
fn rules(plan: &Plan) -> BTreeSet<(String, Subject, Option<String>)> {
    plan.acknowledgements
        .iter()
        .map(|a| {
            (
                a.rule.id.to_string(),
                a.subject,
                a.finding.as_ref().map(|f| f.display()),
            )
        })
        .collect()
}

#[test]
fn every_action_granted_on_any_is_in_the_service_authorization_table() {
    for (name, plan) in example_plans() {
        let statements = plan
            .policies
            .iter()
            .flat_map(|p| &p.statements)
            .chain(plan.operator_policies.iter().flat_map(|p| &p.statements));
        for s in statements {
            if s.resources.iter().any(|r| r.is_any()) {
                for a in &s.actions {
                    assert!(
                        scanners::action_on_any(a).is_some(),
                        "{name}: {a} is granted on * but facts::scanners::ACTIONS_ON_ANY does not say whether it has resource-level permissions"
                    );
                }
            }
        }
    }
}

#[test]
fn reasons_are_one_plain_line_cdk_nag_2_accepts() {
    for (name, plan) in example_plans() {
        assert!(
            !plan.acknowledgements.is_empty(),
            "{name}: no acknowledgement"
        );
        for a in &plan.acknowledgements {
            let r = &a.reason;
            assert!(
                r.len() >= 10,
                "{name}: reason too short for cdk-nag 2: {r:?}"
            );
            assert!(
                r.chars().all(|c| c.is_ascii() && !c.is_ascii_control()),
                "{name}: reason must be one line of plain ASCII (it becomes a Terraform comment): {r:?}"
            );
            assert_eq!(
                a.finding.is_some(),
                a.rule.granular.is_some(),
                "{name}: a granular rule names its finding, others do not: {a:?}"
            );
        }
    }
}

#[test]
fn session_only_fleet_acknowledges_update_instance_information_and_its_wildcards() {
    let plan = plan_of(
        "version: 1\nproject: shop\nsession:\n  cloudwatch: {log_group: /ssm/shop}\nfleets:\n  - {name: web, platform: ec2, mode: session-only}\n",
    );
    let got = rules(&plan);
    let p = Subject::Policy(0);
    let want: BTreeSet<_> = [
        ("CKV_AWS_111", p, None),
        ("CKV_AWS_356", p, None),
        ("AwsSolutions-IAM5", p, Some("*")),
        (
            "AwsSolutions-IAM5",
            p,
            Some("arn:${Partition}:logs:${Region}:${AccountId}:log-group:/ssm/shop:*"),
        ),
        ("CKV_AWS_112", Subject::Document(0), None),
        ("CKV_AWS_113", Subject::Document(0), None),
    ]
    .into_iter()
    .map(|(r, s, f)| (r.to_string(), s, f.map(str::to_string)))
    .collect();
    // The preferences document exists only when the spec asks for one.
    let got_without_docs: BTreeSet<_> = got
        .iter()
        .filter(|(_, s, _)| !matches!(s, Subject::Document(_)))
        .cloned()
        .collect();
    let want_without_docs: BTreeSet<_> = want
        .iter()
        .filter(|(_, s, _)| !matches!(s, Subject::Document(_)))
        .cloned()
        .collect();
    assert_eq!(got_without_docs, want_without_docs);
    let reason = &plan
        .acknowledgements
        .iter()
        .find(|a| a.rule.id == "CKV_AWS_111")
        .unwrap()
        .reason;
    assert!(reason.contains("ssm:UpdateInstanceInformation"), "{reason}");
    assert!(
        reason.contains("Create a custom IAM role for Session Manager"),
        "the reason names its page: {reason}"
    );
}

#[test]
fn existing_role_channels_alone_are_no_checkov_finding() {
    // Only ssmmessages actions on `*`: they have no resource types, so checkov's
    // cloudsplaining rules do not fire (checked on examples/existing-role.yaml).
    let plan = plan_of(
        "version: 1\nproject: shop\nfleets:\n  - {name: old, platform: ec2, mode: existing-role, existing_role: legacy}\n",
    );
    let checkov: Vec<_> = plan
        .acknowledgements
        .iter()
        .filter(|a| a.rule.scanner == Scanner::Checkov && matches!(a.subject, Subject::Policy(_)))
        .collect();
    assert!(checkov.is_empty(), "{checkov:?}");
    assert!(plan
        .acknowledgements
        .iter()
        .any(|a| a.rule.id == "AwsSolutions-IAM5" && a.finding.as_ref().unwrap().display() == "*"));
}

#[test]
fn managed_policies_are_acknowledged_per_role_with_the_spec_as_reason() {
    let plan = plan_of(
        "version: 1\nproject: shop\nfleets:\n  - name: web\n    platform: ec2\n    managed_policies: [CloudWatchAgentServerPolicy]\n",
    );
    let iam4: Vec<_> = plan
        .acknowledgements
        .iter()
        .filter(|a| a.rule.id == "AwsSolutions-IAM4")
        .map(|a| (a.subject, a.finding.as_ref().unwrap().display()))
        .collect();
    assert_eq!(
        iam4,
        vec![
            (
                Subject::Role(0),
                "arn:${Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore".to_string()
            ),
            (
                Subject::Role(0),
                "arn:${Partition}:iam::aws:policy/CloudWatchAgentServerPolicy".to_string()
            ),
        ]
    );
}

#[test]
fn documents_are_acknowledged_only_for_what_the_spec_leaves_off() {
    let doc = |session: &str| {
        let plan = plan_of(&format!(
            "version: 1\nproject: shop\nsession:\n  idle_timeout_minutes: 15\n{session}fleets:\n  - {{name: web, platform: ec2, mode: session-only}}\n"
        ));
        plan.acknowledgements
            .iter()
            .filter(|a| matches!(a.subject, Subject::Document(_)))
            .map(|a| a.rule.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(doc(""), vec!["CKV_AWS_112", "CKV_AWS_113"]);
    assert_eq!(
        doc("  kms_key: 1234abcd-12ab-34cd-56ef-1234567890ab\n"),
        vec!["CKV_AWS_113"]
    );
    assert_eq!(
        doc("  cloudwatch: {log_group: /ssm/shop, encrypted: true}\n"),
        vec!["CKV_AWS_112"]
    );
    // Logging to a bucket whose encryption is not required is still a finding.
    assert_eq!(
        doc("  kms_key: 1234abcd-12ab-34cd-56ef-1234567890ab\n  s3: {bucket: shop-logs, encrypted: false}\n"),
        vec!["CKV_AWS_113"]
    );
    assert_eq!(
        doc("  kms_key: 1234abcd-12ab-34cd-56ef-1234567890ab\n  s3: {bucket: shop-logs}\n"),
        Vec::<&str>::new()
    );
}

#[test]
fn every_rule_is_implemented_where_the_table_says() {
    for r in scanners::RULES {
        match r.scanner {
            Scanner::Checkov => assert!(r.cloudformation || r.terraform, "{r:?}"),
            // Only the IAM rules name a value in their findings (`[Resource::...]`,
            // `[Policy::...]`); the provider's rules report the resource alone.
            Scanner::CdkNag => {
                assert!(!r.cloudformation && !r.terraform, "{r:?}");
                assert_eq!(
                    r.granular.is_some(),
                    matches!(r.id, "AwsSolutions-IAM5" | "AwsSolutions-IAM4"),
                    "{r:?}"
                );
            }
        }
    }
}
