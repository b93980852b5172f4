//! The plan for each documented scenario of `shared/reference/session-manager-permissions.md`
//! equals the documented policy, except for the narrowed resources listed one by one here.
//! Statements are compared as sets of (effect, action, resource) grants, so grouping and
//! order do not matter, and pseudo values are resolved to one fixed deployment.

use std::collections::BTreeSet;

use serde_json::json;
use ssmgen::plan::{build::build, Attachment, Plan, Pseudo};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-2";
const KEY: &str = "arn:aws:kms:us-east-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const BUCKET_KEY: &str =
    "arn:aws:kms:us-east-2:123456789012:key/0987dcba-09fe-87dc-65ba-ab0987654321";

type Grant = (String, String, String);

fn plan_of(yaml: &str) -> Plan {
    let (spec, _) = ssmgen::spec::load_str(yaml, "scenario.yaml").expect("scenario spec is valid");
    build(&spec)
}

fn resolve(p: Pseudo) -> String {
    match p {
        Pseudo::Partition => "aws",
        Pseudo::Region => REGION,
        Pseudo::AccountId => ACCOUNT,
        Pseudo::UrlSuffix => "amazonaws.com",
    }
    .to_string()
}

/// The grants of the only customer policy of the plan.
fn planned_grants(plan: &Plan) -> BTreeSet<Grant> {
    assert_eq!(plan.policies.len(), 1, "one customer policy");
    let mut out = BTreeSet::new();
    for st in &plan.policies[0].statements {
        for a in &st.actions {
            for r in &st.resources {
                out.insert((
                    "Allow".into(),
                    a.to_string(),
                    r.arn(&plan.env).resolve(resolve),
                ));
            }
        }
    }
    out
}

/// The grants of a documented policy document.
fn documented_grants(doc: serde_json::Value) -> BTreeSet<Grant> {
    let list = |v: &serde_json::Value| -> Vec<String> {
        match v {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(a) => a
                .iter()
                .map(|x| x.as_str().expect("string").to_string())
                .collect(),
            _ => panic!("unexpected {v}"),
        }
    };
    let mut out = BTreeSet::new();
    for st in doc["Statement"].as_array().expect("statements") {
        for a in list(&st["Action"]) {
            for r in list(&st["Resource"]) {
                out.insert((
                    st["Effect"].as_str().expect("effect").to_string(),
                    a.clone(),
                    r,
                ));
            }
        }
    }
    out
}

fn g(action: &str, resource: &str) -> Grant {
    ("Allow".into(), action.into(), resource.into())
}

/// Asserts planned == documented - removed + added, where each removed/added pair is a
/// documented `*` narrowed to the resource the spec names; a pair whose `from` is empty
/// is a grant the documented policy lacks (each one a finding, with its own test).
fn assert_narrowed(
    plan: &Plan,
    documented: serde_json::Value,
    narrowed: &[(&str, &str, Option<&str>)],
) {
    let planned = planned_grants(plan);
    let mut expected = documented_grants(documented);
    for (action, from, to) in narrowed {
        if from.is_empty() {
            expected.insert(g(action, to.expect("an added grant names its resource")));
            continue;
        }
        assert!(
            expected.remove(&g(action, from)),
            "documented grant {action} on {from} exists"
        );
        if let Some(to) = to {
            expected.insert(g(action, to));
        }
    }
    assert_eq!(planned, expected);
}

const CORE5: [&str; 5] = [
    "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];

#[test]
fn minimal_custom_role_with_kms_session_encryption() {
    let plan = plan_of(&format!(
        "version: 1\nproject: p\nsession: {{kms_key: '{KEY}'}}\nfleets: [{{name: web, platform: ec2, mode: session-only}}]\n"
    ));
    let documented = json!({"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":CORE5,"Resource":"*"},
        {"Effect":"Allow","Action":["s3:GetEncryptionConfiguration"],"Resource":"*"},
        {"Effect":"Allow","Action":["kms:Decrypt"],"Resource":KEY}]});
    // s3:GetEncryptionConfiguration is only needed when session logs go to an S3 bucket
    // with "Enforce S3 log encryption" (see s3_get_encryption_configuration_only_for_encrypted_s3_logging);
    // with no bucket there is nothing to grant it on.
    assert_narrowed(
        &plan,
        documented,
        &[("s3:GetEncryptionConfiguration", "*", None)],
    );
}

#[test]
fn custom_role_with_s3_and_cloudwatch_logging_and_sse_kms_bucket() {
    let plan = plan_of(&format!(
        "version: 1\nproject: p\nsession:\n  kms_key: '{KEY}'\n  s3: {{bucket: logs-bucket, prefix: sessions, kms_key: '{BUCKET_KEY}'}}\n  cloudwatch: {{log_group: /ssm/sessions}}\nfleets: [{{name: web, platform: ec2, mode: session-only}}]\n"
    ));
    let documented = json!({"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":CORE5,"Resource":"*"},
        {"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents","logs:DescribeLogGroups","logs:DescribeLogStreams"],"Resource":"*"},
        {"Effect":"Allow","Action":["s3:PutObject"],"Resource":"arn:aws:s3:::logs-bucket/sessions/*"},
        {"Effect":"Allow","Action":["s3:GetEncryptionConfiguration"],"Resource":"*"},
        {"Effect":"Allow","Action":["kms:Decrypt"],"Resource":KEY},
        {"Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"*"}]});
    let group = "arn:aws:logs:us-east-2:123456789012:log-group:/ssm/sessions:*";
    assert_narrowed(
        &plan,
        documented,
        &[
            ("logs:CreateLogStream", "*", Some(group)),
            ("logs:PutLogEvents", "*", Some(group)),
            ("logs:DescribeLogStreams", "*", Some(group)),
            (
                "s3:GetEncryptionConfiguration",
                "*",
                Some("arn:aws:s3:::logs-bucket"),
            ),
            ("kms:GenerateDataKey", "*", Some(BUCKET_KEY)),
            // Not in the documented policy: logs above 5 MiB are multipart uploads
            // (sse_kms_log_bucket_also_grants_decrypt_for_multipart_uploads).
            ("kms:Decrypt", "", Some(BUCKET_KEY)),
        ],
    );
}

/// A fleet's statement by sid.
fn statement<'p>(plan: &'p Plan, sid: &str) -> &'p ssmgen::plan::Statement {
    plan.policies[0]
        .statements
        .iter()
        .find(|s| s.sid == sid)
        .unwrap_or_else(|| panic!("no statement {sid}"))
}

/// `(operator, key, values)` of a statement's conditions, values resolved.
fn conditions(s: &ssmgen::plan::Statement) -> Vec<(String, String, Vec<String>)> {
    s.conditions
        .iter()
        .map(|c| {
            let values = c.values.iter().map(|v| v.resolve(resolve)).collect();
            (c.operator.to_string(), c.key.to_string(), values)
        })
        .collect()
}

#[test]
fn sse_kms_log_bucket_also_grants_decrypt_for_multipart_uploads() {
    // Review finding 1. Amazon S3 User Guide, "Multipart upload API and permissions": a
    // multipart upload to an SSE-KMS bucket needs kms:Decrypt and kms:GenerateDataKey on
    // the key; the agent uploads logs above 5 MiB in parts (agent/s3util/s3util.go
    // S3Upload through s3manager, MinUploadPartSize 5 MiB).
    let plan = plan_of(&format!(
        "version: 1\nproject: p\nsession: {{s3: {{bucket: b-logs, kms_key: '{BUCKET_KEY}'}}}}\nfleets: [{{name: w, platform: ec2, mode: session-only}}]\n"
    ));
    let grants = planned_grants(&plan);
    assert!(grants.contains(&g("kms:GenerateDataKey", BUCKET_KEY)));
    assert!(grants.contains(&g("kms:Decrypt", BUCKET_KEY)));
}

#[test]
fn put_object_acl_only_with_the_bucket_owner_full_control_acl() {
    // Review finding 7. The agent sets the canned ACL bucket-owner-full-control on every
    // upload (aws/amazon-ssm-agent agent/s3util/s3util.go S3Upload) and no other, so
    // s3:PutObjectAcl is granted for that ACL only. s3:PutObject carries no ACL
    // condition: UploadPart and CompleteMultipartUpload send no x-amz-acl header.
    let plan = plan_of("version: 1\nproject: p\nsession: {s3: {bucket: b-logs, prefix: x/, owner_account: '999988887777'}}\nfleets: [{name: w, platform: ec2, mode: session-only}]\n");
    let acl = statement(&plan, "LogObjectAcl");
    assert_eq!(acl.actions, ["s3:PutObjectAcl"]);
    assert_eq!(
        conditions(acl),
        [
            (
                "StringEquals".into(),
                "s3:ResourceAccount".into(),
                vec!["999988887777".into()]
            ),
            (
                "StringEquals".into(),
                "s3:x-amz-acl".into(),
                vec!["bucket-owner-full-control".into()]
            ),
        ]
    );
    let put = statement(&plan, "LogObjectUpload");
    assert_eq!(put.actions, ["s3:PutObject"]);
    assert!(conditions(put).iter().all(|(_, k, _)| k != "s3:x-amz-acl"));
}

#[test]
fn log_bucket_statements_hold_only_for_the_owning_account() {
    // Review finding 7. Amazon S3 User Guide, "Amazon S3 condition key examples":
    // s3:ResourceAccount restricts access to buckets of one account. The owner is the
    // spec's owner_account, else the deploying account; the AWS-owned buckets of the
    // VPC endpoint statement carry no such condition (AWS owns them).
    let own = plan_of("version: 1\nproject: p\nsession: {s3: {bucket: b-logs}, vpc_endpoint_regions: [us-east-2]}\nfleets: [{name: w, platform: ec2, mode: session-only}]\n");
    for sid in ["LogBucketEncryptionCheck", "LogObjectUpload"] {
        assert_eq!(
            conditions(statement(&own, sid)),
            [(
                "StringEquals".into(),
                "s3:ResourceAccount".into(),
                vec![ACCOUNT.into()]
            )],
            "{sid}"
        );
    }
    assert!(statement(&own, "VpcEndpointBucketsUsEast2")
        .conditions
        .is_empty());
    let other = plan_of("version: 1\nproject: p\nsession: {s3: {bucket: b-logs, owner_account: '999988887777'}}\nfleets: [{name: w, platform: ec2, mode: session-only}]\n");
    assert_eq!(
        conditions(statement(&other, "LogObjectUpload")),
        [(
            "StringEquals".into(),
            "s3:ResourceAccount".into(),
            vec!["999988887777".into()]
        )]
    );
}

#[test]
fn existing_role_gets_the_channel_actions_without_update_instance_information() {
    let plan = plan_of(&format!(
        "version: 1\nproject: p\nsession: {{kms_key: '{KEY}'}}\nfleets: [{{name: web, platform: ec2, mode: existing-role, existing_role: my-role}}]\n"
    ));
    assert!(plan.roles.is_empty(), "no new role in existing-role mode");
    assert!(plan.instance_profiles.is_empty());
    assert!(matches!(&plan.policies[0].attachment, Attachment::ExistingRole(n) if n == "my-role"));
    let documented = json!({"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":&CORE5[1..],"Resource":"*"},
        {"Effect":"Allow","Action":["s3:GetEncryptionConfiguration"],"Resource":"*"},
        {"Effect":"Allow","Action":["kms:Decrypt"],"Resource":KEY}]});
    assert_narrowed(
        &plan,
        documented,
        &[("s3:GetEncryptionConfiguration", "*", None)],
    );
}

#[test]
fn managed_core_attaches_the_aws_managed_policy_and_no_customer_policy() {
    let plan = plan_of("version: 1\nproject: p\nfleets: [{name: web, platform: ec2}]\n");
    assert!(plan.policies.is_empty());
    let arns: Vec<String> = plan.roles[0]
        .managed_policies
        .iter()
        .map(|m| m.arn.resolve(resolve))
        .collect();
    assert_eq!(
        arns,
        ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]
    );
    assert_eq!(plan.instance_profiles.len(), 1);
    assert_eq!(plan.instance_profiles[0].role, 0);
}

#[test]
fn managed_core_still_adds_option_statements() {
    let plan = plan_of(&format!(
        "version: 1\nproject: p\nsession: {{kms_key: '{KEY}'}}\nfleets: [{{name: web, platform: ec2}}]\n"
    ));
    assert_eq!(
        planned_grants(&plan),
        BTreeSet::from([g("kms:Decrypt", KEY)])
    );
}

#[test]
fn hybrid_service_role_trust_policy_matches_the_documented_one() {
    let plan = plan_of(
        "version: 1\nproject: p\nfleets: [{name: dc, platform: hybrid, mode: session-only}]\n",
    );
    let role = &plan.roles[0];
    assert_eq!(role.trust.service.resolve(resolve), "ssm.amazonaws.com");
    assert_eq!(role.trust.action, "sts:AssumeRole");
    let conditions: BTreeSet<(String, String, Vec<String>)> = role
        .trust
        .conditions
        .iter()
        .map(|c| {
            (
                c.operator.to_string(),
                c.key.to_string(),
                c.values.iter().map(|v| v.resolve(resolve)).collect(),
            )
        })
        .collect();
    let documented: BTreeSet<(String, String, Vec<String>)> = BTreeSet::from([
        (
            "StringEquals".into(),
            "aws:SourceAccount".into(),
            vec![ACCOUNT.into()],
        ),
        (
            "ArnEquals".into(),
            "aws:SourceArn".into(),
            vec![format!("arn:aws:ssm:{REGION}:{ACCOUNT}:*")],
        ),
    ]);
    assert_eq!(conditions, documented);
    assert!(
        plan.instance_profiles.is_empty(),
        "hybrid nodes have no instance profile"
    );
    assert_eq!(
        plan.activations.len(),
        1,
        "a hybrid fleet gets an activation (default limit 1, 24h)"
    );
    assert_eq!(plan.activations[0].registration_limit, 1);
    assert_eq!(plan.activations[0].expiry_hours, 24);
}

#[test]
fn s3_get_encryption_configuration_only_for_encrypted_s3_logging() {
    // "Add Session Manager permissions to an existing IAM role": s3:GetEncryptionConfiguration
    // "is required if you chose the Enforce S3 log encryption option".
    let enforced = plan_of("version: 1\nproject: p\nsession: {s3: {bucket: b-logs}}\nfleets: [{name: w, platform: ec2, mode: session-only}]\n");
    assert!(planned_grants(&enforced)
        .contains(&g("s3:GetEncryptionConfiguration", "arn:aws:s3:::b-logs")));
    let not_enforced = plan_of("version: 1\nproject: p\nsession: {s3: {bucket: b-logs, encrypted: false}}\nfleets: [{name: w, platform: ec2, mode: session-only}]\n");
    assert!(!planned_grants(&not_enforced)
        .iter()
        .any(|(_, a, _)| a == "s3:GetEncryptionConfiguration"));
    assert!(planned_grants(&not_enforced).contains(&g("s3:PutObject", "arn:aws:s3:::b-logs/*")));
}

#[test]
fn cross_account_bucket_adds_put_object_acl_on_the_same_objects() {
    let plan = plan_of("version: 1\nproject: p\nsession: {s3: {bucket: b-logs, prefix: x/, owner_account: '999988887777'}}\nfleets: [{name: w, platform: ec2, mode: session-only}]\n");
    let grants = planned_grants(&plan);
    assert!(grants.contains(&g("s3:PutObject", "arn:aws:s3:::b-logs/x/*")));
    assert!(grants.contains(&g("s3:PutObjectAcl", "arn:aws:s3:::b-logs/x/*")));
}

/// The `s3:GetObject` resources of a plan.
fn objects_read(plan: &Plan) -> BTreeSet<String> {
    planned_grants(plan)
        .into_iter()
        .filter(|(_, a, _)| a == "s3:GetObject")
        .map(|(_, _, r)| r)
        .collect()
}

fn arns(buckets: &[&str]) -> BTreeSet<String> {
    buckets
        .iter()
        .map(|b| format!("arn:aws:s3:::{b}/*"))
        .collect()
}

#[test]
fn vpc_endpoint_access_reads_each_regions_aws_owned_buckets_without_wildcard_regions() {
    // Review finding 6. "SSM Agent communications with AWS managed S3 buckets": sessions
    // read none of the AWS-owned buckets; agent updates read amazon-ssm-<region>
    // ("Required for updating SSM Agent installations"); the others serve patching,
    // Distributor and Windows-only documents, and are granted only when listed.
    let plan = plan_of("version: 1\nproject: p\nfleets: [{name: w, platform: ec2, mode: session-only, session: {vpc_endpoint_regions: [eu-west-1]}}]\n");
    assert_eq!(objects_read(&plan), arns(&["amazon-ssm-eu-west-1"]));
    let plan = plan_of("version: 1\nproject: p\nfleets: [{name: w, platform: ec2, mode: session-only, session: {vpc_endpoint_regions: [eu-west-1], vpc_endpoint_features: [windows-documents, distributor, patching]}}]\n");
    let expected = arns(&[
        "aws-ssm-eu-west-1",
        "aws-windows-downloads-eu-west-1",
        "amazon-ssm-eu-west-1",
        "amazon-ssm-packages-eu-west-1",
        "eu-west-1-birdwatcher-prod",
        "aws-ssm-document-attachments-eu-west-1",
        "patch-baseline-snapshot-eu-west-1",
        "aws-patchmanager-macos-eu-west-1",
    ]);
    assert_eq!(objects_read(&plan), expected);
}

#[test]
fn vpc_endpoint_buckets_follow_the_documented_region_exceptions() {
    // The same page: Distributor reads aws-ssm-distributor-file-<region> instead of
    // <region>-birdwatcher-prod only in af-south-1 and eu-south-1; the patch baseline
    // snapshot bucket has a suffix in af-south-1 and me-south-1 (and, per "Reference:
    // Amazon S3 buckets for patching operations", ap-south-2, ap-southeast-3,
    // ap-southeast-4 and eu-south-2).
    let plan = plan_of("version: 1\nproject: p\nfleets: [{name: w, platform: ec2, mode: session-only, session: {vpc_endpoint_regions: [af-south-1, me-south-1], vpc_endpoint_features: [patching, distributor]}}]\n");
    let read = objects_read(&plan);
    for b in [
        "aws-ssm-distributor-file-af-south-1",
        "patch-baseline-snapshot-af-south-1-tbxdb5b9",
        "me-south-1-birdwatcher-prod",
        "patch-baseline-snapshot-me-south-1-uduvl7q8",
    ] {
        assert!(
            read.contains(&format!("arn:aws:s3:::{b}/*")),
            "{b}: {read:?}"
        );
    }
    assert!(!read.iter().any(|r| r.contains("af-south-1-birdwatcher")));
    assert!(!read
        .iter()
        .any(|r| r.ends_with("patch-baseline-snapshot-me-south-1/*")));
}

/// EC2's principal follows the partition's URL suffix (`ec2.amazonaws.com.cn` in China,
/// as CloudFormation users write `ec2.${AWS::URLSuffix}`); Systems Manager's is
/// `ssm.amazonaws.com` in every partition (CreateActivation API reference: the role "must
/// provide AssumeRole permissions for the Amazon Web Services Systems Manager service
/// principal ssm.amazonaws.com").
#[test]
fn service_principals_per_partition() {
    for (region, ec2, ssm) in [
        ("us-east-1", "ec2.amazonaws.com", "ssm.amazonaws.com"),
        ("cn-north-1", "ec2.amazonaws.com.cn", "ssm.amazonaws.com"),
        (
            "cn-northwest-1",
            "ec2.amazonaws.com.cn",
            "ssm.amazonaws.com",
        ),
        ("us-gov-west-1", "ec2.amazonaws.com", "ssm.amazonaws.com"),
    ] {
        let plan = plan_of(&format!(
            "version: 1\nproject: p\npin: {{region: {region}}}\nfleets: [{{name: a, platform: ec2}}, {{name: b, platform: hybrid}}]\n"
        ));
        assert_eq!(
            plan.roles[0].trust.service.as_literal().as_deref(),
            Some(ec2),
            "{region}"
        );
        assert_eq!(
            plan.roles[1].trust.service.as_literal().as_deref(),
            Some(ssm),
            "{region}"
        );
    }
}

#[test]
fn pinned_partition_is_written_into_every_arn() {
    let plan = plan_of("version: 1\nproject: p\npin: {region: us-gov-west-1, account: '123456789012'}\nsession: {s3: {bucket: b-logs}}\nfleets: [{name: w, platform: hybrid, mode: session-only}]\n");
    let role = &plan.roles[0];
    let source_arn = role
        .trust
        .conditions
        .iter()
        .find(|c| c.key == "aws:SourceArn")
        .expect("source arn");
    assert_eq!(
        source_arn.values[0].as_literal().as_deref(),
        Some("arn:aws-us-gov:ssm:us-gov-west-1:123456789012:*")
    );
    for st in &plan.policies[0].statements {
        for r in &st.resources {
            let arn = r.arn(&plan.env).as_literal().expect("pinned");
            assert!(arn == "*" || arn.starts_with("arn:aws-us-gov:"), "{arn}");
        }
    }
}

#[test]
fn unpinned_plans_never_hard_code_the_aws_partition() {
    for example in std::fs::read_dir("examples").expect("examples") {
        let path = example.expect("entry").path();
        let (spec, _) = ssmgen::spec::load(&path).expect("valid");
        if spec.pin.partition.is_some() {
            continue;
        }
        let plan = build(&spec);
        for role in &plan.roles {
            for m in &role.managed_policies {
                assert!(
                    m.arn.as_literal().is_none(),
                    "{}: {:?}",
                    path.display(),
                    m.arn
                );
            }
        }
        for p in &plan.policies {
            for st in &p.statements {
                for r in &st.resources {
                    let t = r.arn(&plan.env);
                    // Key ARNs the user wrote out are theirs; everything ssmgen builds is symbolic.
                    if let Some(lit) = t.as_literal() {
                        assert!(
                            lit == "*" || matches!(r, ssmgen::plan::Resource::KmsKey { .. }),
                            "{}: {lit}",
                            path.display()
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn hybrid_role_identity_depends_only_on_project_and_fleet_names() {
    let a = plan_of(
        "version: 1\nproject: p\nfleets: [{name: dc, platform: hybrid, mode: session-only}]\n",
    );
    let b = plan_of("version: 1\nproject: p\nsession: {kms_key: 1234abcd-12ab-34cd-56ef-1234567890ab}\nfleets: [{name: dc, platform: hybrid, mode: managed-core, activation: {registration_limit: 9}}]\n");
    assert_eq!(a.roles[0].name, b.roles[0].name);
    assert_eq!(a.roles[0].id, b.roles[0].id);
    assert_eq!(a.roles[0].name, "p-dc-ssm");
}

#[test]
fn an_unpinned_stack_is_held_to_the_region_of_its_session_key() {
    // Review finding 4. The SSM Agent decrypts session data through its own Region's KMS
    // endpoint (aws/amazon-ssm-agent agent/session/crypto/kmsservice.go); a key given by
    // ARN therefore fixes the Region, which every target checks at deploy time.
    let keyed = plan_of("version: 1\nproject: p\nsession: {kms_key: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'}\nfleets: [{name: w, platform: ec2, mode: session-only}]\n");
    let required = keyed.required_region.as_ref().expect("a required Region");
    assert_eq!(required.region, "eu-west-1");
    assert!(required.reason.ends_with("deploy this stack to eu-west-1."));
    // A key id is resolved in the stack's own Region; a pinned Region is checked by
    // validation instead.
    for spec in [
        "version: 1\nproject: p\nsession: {kms_key: 1234abcd-12ab-34cd-56ef-1234567890ab}\nfleets: [{name: w, platform: ec2, mode: session-only}]\n",
        "version: 1\nproject: p\npin: {region: eu-west-1}\nsession: {kms_key: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'}\nfleets: [{name: w, platform: ec2, mode: session-only}]\n",
    ] {
        assert!(plan_of(spec).required_region.is_none(), "{spec}");
    }
}
