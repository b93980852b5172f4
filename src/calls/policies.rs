//! A fleet's policies as the evaluator reads them: every statement with its pseudo
//! values resolved, from the plan (here) or from a target's output (the conformance
//! suite writes the same shape).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::eval::Statement;
use super::Concrete;
use crate::plan::{Attachment, Condition, Effect, Plan};

/// What applies to a fleet's calls: the statements of its identity (customer policies
/// and the AWS managed policies ssmgen attaches) and of its role's trust policy.
#[derive(Debug, Clone, Default)]
pub struct FleetPolicies {
    pub identity: Vec<Statement>,
    pub trust: Vec<Statement>,
}

/// The contents of the AWS managed policies that ssmgen attaches on its own
/// (`managed-core` and `default-host-management` modes), as AWS publishes them (AWS
/// Managed Policy Reference: AmazonSSMManagedInstanceCore, version v2;
/// AmazonSSMManagedEC2InstanceDefaultPolicy, as quoted in the AWS Systems Manager User
/// Guide, "AWS managed policies for AWS Systems Manager"). Policies the spec adds are the user's
/// choice and are not modelled: they can only widen what the node may do.
pub fn managed_policy(name: &str) -> Option<Vec<Statement>> {
    let text = match name {
        crate::facts::MANAGED_INSTANCE_CORE_POLICY => {
            include_str!("AmazonSSMManagedInstanceCore.json")
        }
        crate::facts::DHMC_DEFAULT_POLICY => {
            include_str!("AmazonSSMManagedEC2InstanceDefaultPolicy.json")
        }
        _ => return None,
    };
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Doc {
        statement: Vec<Raw>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Raw {
        effect: String,
        action: Vec<String>,
        resource: String,
    }
    let doc: Doc = serde_json::from_str(text).expect("embedded managed policy is JSON");
    Some(
        doc.statement
            .into_iter()
            .map(|s| Statement {
                effect: s.effect,
                actions: s.action,
                resources: vec![s.resource],
                principals: Vec::new(),
                conditions: BTreeMap::new(),
            })
            .collect(),
    )
}

/// A plan condition list as the evaluator takes it, every value concrete.
fn concrete_conditions(
    cs: &[Condition],
    c: &Concrete,
) -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
    let mut map: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for cond in cs {
        map.entry(cond.operator.to_string()).or_default().insert(
            cond.key.to_string(),
            cond.values.iter().map(|t| c.text(t)).collect(),
        );
    }
    map
}

fn effect(e: Effect) -> String {
    e.name().to_string()
}

/// Plan statements as the evaluator takes them, every value concrete.
pub fn concrete_statements(
    plan: &Plan,
    statements: &[crate::plan::Statement],
    c: &Concrete,
) -> Vec<Statement> {
    statements
        .iter()
        .map(|s| concrete(plan, c, s.effect, &s.actions, &s.resources, &s.conditions))
        .collect()
}

/// A key or bucket policy with every value concrete; principals written `*`,
/// `AWS:<arn>` or `Service:<name>` (`eval::evaluate_resource_policy`).
pub fn concrete_resource_statements(
    plan: &Plan,
    statements: &[crate::plan::ResourceStatement],
    c: &Concrete,
) -> Vec<Statement> {
    use crate::plan::{Principal, Resource};
    statements
        .iter()
        .map(|s| Statement {
            principals: (s.principals.iter())
                .map(|p| match p {
                    Principal::Any => "*".to_string(),
                    Principal::Account(t) => format!("AWS:{}", c.text(t)),
                    Principal::Role(i) => {
                        let role = &plan.roles[*i];
                        let arn = Resource::Role {
                            path: role.path.clone(),
                            name: role.name.clone(),
                        }
                        .arn(&plan.env);
                        format!("AWS:{}", c.text(&arn))
                    }
                    Principal::Service(t) => format!("Service:{}", c.text(t)),
                })
                .collect(),
            ..concrete(plan, c, s.effect, &s.actions, &s.resources, &s.conditions)
        })
        .collect()
}

/// One statement without principals, every value concrete.
fn concrete(
    plan: &Plan,
    c: &Concrete,
    e: Effect,
    actions: &[&str],
    resources: &[crate::plan::Resource],
    conditions: &[Condition],
) -> Statement {
    Statement {
        effect: effect(e),
        actions: actions.iter().map(|a| a.to_string()).collect(),
        resources: resources
            .iter()
            .map(|r| c.text(&r.arn(&plan.env)))
            .collect(),
        principals: Vec::new(),
        conditions: concrete_conditions(conditions, c),
    }
}

/// A trust policy as the evaluator takes it.
pub fn concrete_trust(trust: &crate::plan::Trust, c: &Concrete) -> Statement {
    Statement {
        effect: effect(trust.effect),
        actions: vec![trust.action.to_string()],
        resources: Vec::new(),
        principals: vec![c.text(&trust.service)],
        conditions: concrete_conditions(&trust.conditions, c),
    }
}

/// The statements that apply to fleet `index` of the plan.
pub fn of_plan(plan: &Plan, index: usize, c: &Concrete) -> FleetPolicies {
    let fleet = &plan.fleets[index];
    let mut out = FleetPolicies::default();
    if let Some(p) = fleet.policy {
        let policy = &plan.policies[p];
        debug_assert!(match (&policy.attachment, fleet.role) {
            (Attachment::Role(r), Some(role)) => *r == role,
            (Attachment::ExistingRole(_), None) => true,
            _ => false,
        });
        out.identity
            .extend(concrete_statements(plan, &policy.statements, c));
    }
    if let Some(r) = fleet.role {
        let role = &plan.roles[r];
        for m in &role.managed_policies {
            out.identity
                .extend(managed_policy(&m.name).into_iter().flatten());
        }
        out.trust.push(concrete_trust(&role.trust, c));
    }
    out
}
