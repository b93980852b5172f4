//! Security invariants of every plan, over every example and over random valid specs:
//! no wildcard principal, hybrid trust always carries both confused-deputy conditions, no
//! `*` action and nothing from `iam:`, `*` resources only for actions that cannot be
//! scoped, every resource the spec names used as given, and no hard-coded partition
//! when the spec pins none.

mod common;

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

#[test]
fn invariants_hold_for_random_valid_specs() {
    let specs = common::random_valid_specs(500);
    assert!(specs.len() > 300, "{} random specs checked", specs.len());
    for (case, text, spec) in &specs {
        check(&build(spec), spec, &format!("case {case}:\n{text}"));
    }
}
