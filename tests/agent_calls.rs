//! Proven working, not only consistent: every call the SSM Agent (or a service acting for
//! the node) makes in a fleet's configuration is allowed by the fleet's policies, and
//! every neighbouring call (another bucket, prefix, key, log group, account, Region,
//! partition or principal) is denied. The calls come from the call model
//! (`src/calls/agent-calls.yaml`, each row citing the agent source or AWS page it was
//! read from); the policies from the plan here, and from every target's output in the
//! conformance suite (`target_outputs_allow_every_call`, run with
//! `SSMGEN_TARGET_MODELS=DIR`).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use ssmgen::calls::eval::{evaluate, Decision, Statement};
use ssmgen::calls::policies::{managed_policy, of_plan, FleetPolicies};
use ssmgen::calls::{calls_of, Concrete};
use ssmgen::plan::{build::build, Plan};
use ssmgen::spec::Spec;

/// How many calls and neighbours a check judged.
#[derive(Default, Debug)]
struct Count {
    calls: usize,
    neighbours: usize,
}

/// Judges every call of every fleet against the policies `policies_of` gives; returns
/// what went wrong, one line each.
fn judge(
    spec: &Spec,
    plan: &Plan,
    c: &Concrete,
    policies_of: &dyn Fn(usize) -> FleetPolicies,
    count: &mut Count,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, fleet) in spec.fleets.iter().enumerate() {
        let role = plan.fleets[i].role.map(|r| &plan.roles[r]);
        let policies = policies_of(i);
        for call in calls_of(fleet, role, c) {
            let statements = match call.request.principal {
                Some(_) => &policies.trust,
                None => &policies.identity,
            };
            count.calls += 1;
            match evaluate(statements, &call.request) {
                Ok(Decision::Allow) => {}
                other => problems.push(format!(
                    "fleet {}: call {} ({} by {}) is {other:?}: {:?}",
                    fleet.name, call.row.id, call.row.action, call.row.caller, call.request
                )),
            }
            for (entry, n) in &call.neighbours {
                count.neighbours += 1;
                match evaluate(statements, n) {
                    Ok(Decision::ImplicitDeny | Decision::ExplicitDeny) => {}
                    other => problems.push(format!(
                        "fleet {}: neighbour `{entry}` of call {} is {other:?}: {n:?}",
                        fleet.name, call.row.id
                    )),
                }
            }
        }
    }
    problems
}

fn judge_plan(spec: &Spec, label: &str, count: &mut Count) {
    let plan = build(spec);
    let c = Concrete::of(&plan.env);
    let problems = judge(spec, &plan, &c, &|i| of_plan(&plan, i, &c), count);
    assert!(problems.is_empty(), "{label}:\n{}", problems.join("\n"));
}

fn spec_files() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for dir in ["examples", "tests/conformance/fixtures"] {
        for entry in std::fs::read_dir(dir).expect("spec folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_example_and_fixture_allows_its_calls_and_denies_their_neighbours() {
    let mut count = Count::default();
    for path in spec_files() {
        let (spec, _) = ssmgen::spec::load(&path).expect("valid spec");
        judge_plan(&spec, &path.display().to_string(), &mut count);
    }
    // The examples cover every row of the call model with neighbours to deny.
    assert!(count.calls > 150 && count.neighbours > 150, "{count:?}");
}

#[test]
fn random_valid_specs_allow_their_calls_and_deny_their_neighbours() {
    let mut count = Count::default();
    let specs = common::random_valid_specs(400);
    for (case, text, spec) in &specs {
        judge_plan(spec, &format!("case {case}:\n{text}"), &mut count);
    }
    assert!(
        specs.len() > 250 && count.neighbours > 1000,
        "{} specs, {count:?}",
        specs.len()
    );
}

#[test]
fn every_row_of_the_call_model_is_exercised_by_an_example() {
    let mut seen = std::collections::BTreeSet::new();
    for path in spec_files() {
        let (spec, _) = ssmgen::spec::load(&path).expect("valid spec");
        let plan = build(&spec);
        let c = Concrete::of(&plan.env);
        for (i, fleet) in spec.fleets.iter().enumerate() {
            let role = plan.fleets[i].role.map(|r| &plan.roles[r]);
            for call in calls_of(fleet, role, &c) {
                seen.insert(call.row.id.clone());
            }
        }
    }
    for row in ssmgen::calls::rows() {
        assert!(seen.contains(&row.id), "no example makes call {}", row.id);
    }
}

/// What the conformance suite writes for each spec, target and partition: the
/// canonical model of `tests/conformance/iam_model.py`, read back from the output.
#[derive(Deserialize)]
struct TargetModel {
    spec: String,
    target: String,
    pseudo: BTreeMap<String, String>,
    model: Model,
}

#[derive(Deserialize)]
struct Model {
    roles: BTreeMap<String, ModelRole>,
    policies: BTreeMap<String, ModelPolicy>,
}

#[derive(Deserialize)]
struct ModelRole {
    trust: Vec<Statement>,
    managed: Vec<String>,
}

#[derive(Deserialize)]
struct ModelPolicy {
    statements: Vec<Statement>,
    roles: Vec<String>,
}

/// A fleet's policies as one target wrote them: the policies attached to its role (or
/// the existing role), the managed policies attached by ARN, and the role's trust.
fn target_policies(model: &Model, role_name: &str) -> FleetPolicies {
    let mut out = FleetPolicies::default();
    for p in model.policies.values() {
        if p.roles.iter().any(|r| r == role_name) {
            out.identity.extend(p.statements.iter().cloned());
        }
    }
    if let Some(role) = model.roles.get(role_name) {
        for arn in &role.managed {
            let name = arn.rsplit('/').next().unwrap_or(arn);
            out.identity
                .extend(managed_policy(name).into_iter().flatten());
        }
        out.trust.extend(role.trust.iter().cloned());
    }
    out
}

fn judge_target_models(dir: &Path) -> (usize, Count, Vec<String>) {
    let mut count = Count::default();
    let mut problems = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("models folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for path in &files {
        let m: TargetModel =
            serde_json::from_str(&std::fs::read_to_string(path).expect("read model"))
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (spec, _) = ssmgen::spec::load(Path::new(&m.spec)).expect("valid spec");
        let plan = build(&spec);
        let c = Concrete {
            partition: m.pseudo["AWS::Partition"].clone(),
            region: m.pseudo["AWS::Region"].clone(),
            account: m.pseudo["AWS::AccountId"].clone(),
            url_suffix: m.pseudo["AWS::URLSuffix"].clone(),
        };
        let role_name = |i: usize| match (plan.fleets[i].role, &spec.fleets[i].existing_role) {
            (Some(r), _) => plan.roles[r].name.clone(),
            (None, Some(existing)) => existing.clone(),
            (None, None) => unreachable!("a fleet has a role or an existing role"),
        };
        let found = judge(
            &spec,
            &plan,
            &c,
            &|i| target_policies(&m.model, &role_name(i)),
            &mut count,
        );
        problems.extend(
            found
                .into_iter()
                .map(|p| format!("{} [{}]: {p}", m.target, path.display())),
        );
    }
    (files.len(), count, problems)
}

#[test]
#[ignore = "run by the conformance suite with SSMGEN_TARGET_MODELS set"]
fn target_outputs_allow_every_call() {
    let dir = std::env::var("SSMGEN_TARGET_MODELS").expect("SSMGEN_TARGET_MODELS");
    let (files, count, problems) = judge_target_models(Path::new(&dir));
    assert!(files > 0, "no models in {dir}");
    println!(
        "agent calls: {files} target models, {} calls allowed, {} neighbours denied",
        count.calls, count.neighbours
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
