//! Security invariants of every plan, over every example and over random valid specs:
//! no wildcard principal, hybrid trust always carries both confused-deputy conditions, no
//! `*` action and nothing from `iam:`, `*` resources only for actions that cannot be
//! scoped, every resource the spec names used as given, and no hard-coded partition
//! when the spec pins none.

mod common;

use common::Rng;
use ssmgen::facts;
use ssmgen::plan::{build::build, Plan, Platform, Resource};
use ssmgen::spec::Spec;

/// Actions that the documentation grants on `*` because they have no resource-level
/// scoping (or, for DescribeLogGroups, are account-wide listings).
fn may_use_star(action: &str) -> bool {
    action == facts::UPDATE_INSTANCE_INFORMATION
        || facts::SSMMESSAGES_ACTIONS.contains(&action)
        || action == facts::LOGS_DESCRIBE_ACTIONS[0]
}

fn check(plan: &Plan, spec: &Spec, label: &str) {
    let unpinned = spec.pin.partition.is_none();
    for role in &plan.roles {
        let principal = role.trust.service.display();
        assert!(
            !principal.contains('*'),
            "{label}: wildcard principal {principal}"
        );
        assert_eq!(role.trust.action, facts::ASSUME_ROLE, "{label}");
        if role.platform == Platform::Hybrid {
            let keys: Vec<(&str, &str)> = role
                .trust
                .conditions
                .iter()
                .map(|c| (c.operator, c.key))
                .collect();
            assert!(
                keys.contains(&("StringEquals", facts::SOURCE_ACCOUNT_KEY)),
                "{label}: {keys:?}"
            );
            assert!(
                keys.contains(&("ArnEquals", facts::SOURCE_ARN_KEY)),
                "{label}: {keys:?}"
            );
            for c in &role.trust.conditions {
                for v in &c.values {
                    assert!(!v.display().is_empty(), "{label}: empty condition value");
                }
            }
        }
        for m in &role.managed_policies {
            if unpinned {
                assert!(
                    m.arn.as_literal().is_none(),
                    "{label}: hard-coded partition in {:?}",
                    m.arn
                );
            }
        }
    }
    for policy in &plan.policies {
        for st in &policy.statements {
            assert!(!st.actions.is_empty(), "{label}: statement without actions");
            for a in &st.actions {
                assert!(!a.contains('*'), "{label}: wildcard action {a}");
                assert!(!a.starts_with("iam:"), "{label}: iam action {a}");
            }
            for r in &st.resources {
                if r.is_any() {
                    for a in &st.actions {
                        assert!(
                            may_use_star(a),
                            "{label}: {a} on * although it can be scoped"
                        );
                    }
                    continue;
                }
                let arn = r.arn(&plan.env);
                let shown = arn.display();
                assert!(
                    !shown.contains("${Region}*") && !shown.contains(":*:"),
                    "{label}: wildcard in {shown}"
                );
                if unpinned && !matches!(r, Resource::KmsKey { .. }) {
                    assert!(
                        arn.as_literal().is_none(),
                        "{label}: hard-coded partition in {shown}"
                    );
                }
            }
        }
    }
    // Every resource the spec names is used, narrowly.
    for (fp, fleet) in plan.fleets.iter().zip(&spec.fleets) {
        let resources: Vec<Resource> = fp
            .policy
            .map(|p| {
                plan.policies[p]
                    .statements
                    .iter()
                    .flat_map(|s| s.resources.clone())
                    .collect()
            })
            .unwrap_or_default();
        if let Some(key) = &fleet.session.kms_key {
            assert!(
                resources.contains(&Resource::KmsKey { key: key.clone() }),
                "{label}: session key unused"
            );
        }
        if let Some(s3) = &fleet.session.s3 {
            assert!(
                resources.contains(&Resource::BucketObjects {
                    bucket: s3.bucket.clone(),
                    prefix: s3.prefix.clone()
                }),
                "{label}: bucket objects not scoped"
            );
        }
        if let Some(cw) = &fleet.session.cloudwatch {
            assert!(
                resources.contains(&Resource::LogGroup {
                    name: cw.log_group.clone()
                }),
                "{label}: log group unused"
            );
        }
    }
}

#[test]
fn invariants_hold_for_every_example() {
    for entry in std::fs::read_dir("examples").expect("examples") {
        let path = entry.expect("entry").path();
        let (spec, _) = ssmgen::spec::load(&path).expect("valid example");
        check(&build(&spec), &spec, &path.display().to_string());
    }
}

fn random_session(rng: &mut Rng, indent: &str, partition: &str, region: &str) -> String {
    let mut s = String::new();
    if rng.chance(50) {
        if rng.chance(50) {
            s += &format!("{indent}kms_key: arn:{partition}:kms:{region}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\n");
        } else {
            s += &format!("{indent}kms_key: mrk-1234abcd12ab34cd56ef1234567890ab\n");
        }
    }
    if rng.chance(50) {
        s += &format!(
            "{indent}s3:\n{indent}  bucket: {}\n",
            rng.pick(&["logs-a", "logs.b", "c-logs-1"])
        );
        if rng.chance(50) {
            s += &format!("{indent}  prefix: {}\n", rng.pick(&["ssm", "a/b/", "/x"]));
        }
        let sse = rng.chance(40);
        if sse {
            s += &format!("{indent}  kms_key: 0987dcba-09fe-87dc-65ba-ab0987654321\n");
        } else if rng.chance(30) {
            s += &format!("{indent}  encrypted: false\n");
        }
        if rng.chance(30) {
            s += &format!("{indent}  owner_account: \"999988887777\"\n");
        }
    }
    if rng.chance(50) {
        s += &format!(
            "{indent}cloudwatch:\n{indent}  log_group: {}\n",
            rng.pick(&["/ssm/x", "sessions", "a_b#c"])
        );
    }
    if rng.chance(30) {
        s += &format!("{indent}vpc_endpoint_regions: [{region}]\n");
    }
    s
}

#[test]
fn invariants_hold_for_random_valid_specs() {
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let mut checked = 0;
    for case in 0..500 {
        let (region, partition) = *[
            ("us-east-1", "aws"),
            ("eu-west-1", "aws"),
            ("cn-north-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
        ]
        .get((rng.next() % 4) as usize)
        .expect("index in range");
        let mut s = String::from("version: 1\nproject: rnd\n");
        if rng.chance(50) {
            s += &format!("pin:\n  region: {region}\n");
            if rng.chance(50) {
                s += "  account: \"123456789012\"\n";
            }
        } else if partition != "aws" {
            // Without a pin, keys written as ARNs fix the partition; keep to aws.
            continue;
        }
        if rng.chance(30) {
            s += "role_path: /r/\n";
        }
        let session = random_session(&mut rng, "  ", partition, region);
        if !session.is_empty() {
            s += "session:\n";
            s += &session;
        }
        s += "fleets:\n";
        let n = 1 + rng.next() % 4;
        for i in 0..n {
            let platform = rng.pick(&["ec2", "hybrid"]);
            let mode = rng.pick(&["managed-core", "session-only", "existing-role"]);
            s += &format!("  - name: f{i}\n    platform: {platform}\n    mode: {mode}\n");
            if mode == "existing-role" {
                s += &format!("    existing_role: role-{i}\n");
            }
            if rng.chance(30) {
                let o = random_session(&mut rng, "      ", partition, region);
                if !o.is_empty() {
                    s += "    session:\n";
                    s += &o;
                }
            }
        }
        let (spec, _) = ssmgen::spec::load_str(&s, "random.yaml")
            .unwrap_or_else(|e| panic!("case {case} should be valid:\n{s}\n{e}"));
        let plan = build(&spec);
        check(&plan, &spec, &format!("case {case}:\n{s}"));
        checked += 1;
    }
    assert!(checked > 300, "{checked} random specs checked");
}
