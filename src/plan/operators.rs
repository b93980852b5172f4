//! Operator policies: who may start sessions on which fleets (issue 10, item 2). Each
//! statement follows a documented sample policy; where ssmgen narrows it, the
//! `operator_policies` tests of tests/session_setup.rs say how.

use std::collections::BTreeMap;

use super::resource::partition_service_principal;
use super::{
    Condition, Effect, Ident, Mode, OperatorPolicy, Output, OutputValue, Plan, Platform, Resource,
    Statement, Text,
};
use crate::facts::{self, Fact};
use crate::spec::{Identity, Operator, Spec};
use crate::text;

/// The document Session Manager uses when StartSession names none.
pub const DEFAULT_DOCUMENT: &str = "SSM-SessionManagerRunShell";
/// AWS-owned documents for port forwarding and SSH (Session Manager User Guide, Start a
/// session: port forwarding, port forwarding to remote hosts, SSH).
pub const PORT_FORWARDING_DOCUMENTS: [&str; 2] = [
    "AWS-StartPortForwardingSession",
    "AWS-StartPortForwardingSessionToRemoteHost",
];
pub const SSH_DOCUMENT: &str = "AWS-StartSSHSession";

const START_SESSION: &str = "ssm:StartSession";
const DOCUMENT_CHECK_KEY: &str = "ssm:SessionDocumentAccessCheck";
const SESSION_ID_TAG_KEY: &str = "ssm:resourceTag/aws:ssmmessages:session-id";

pub(super) fn add_operators(plan: &mut Plan, spec: &Spec) {
    let suffix = Ident::new("operator-policy");
    let arn_suffix = Ident::new("arn");
    for op in &spec.operators {
        let statements = statements_for(plan, op);
        let id = Ident::new(&op.name).suffixed(&suffix);
        plan.outputs.push(Output {
            id: id.suffixed(&arn_suffix),
            description: format!(
                "ARN of the operator policy {}: attach it to whoever opens sessions on fleet{} {}",
                op.name,
                if op.fleets.len() == 1 { "" } else { "s" },
                op.fleets.join(", ")
            ),
            value: OutputValue::OperatorPolicyArn {
                policy: plan.operator_policies.len(),
            },
        });
        plan.operator_policies.push(OperatorPolicy {
            id,
            name: format!("{}-{}-operator", spec.project, op.name),
            path: spec.role_path.clone(),
            description: format!(
                "Session Manager operators {} of {}: sessions on fleet{} {} (ssmgen)",
                op.name,
                spec.project,
                if op.fleets.len() == 1 { "" } else { "s" },
                op.fleets.join(", ")
            ),
            statements,
            fleets: op.fleets.clone(),
            attach_roles: op.attach_roles.clone(),
            attach_groups: op.attach_groups.clone(),
            attach_users: op.attach_users.clone(),
        });
    }
    add_selector_tag_outputs(plan, spec);
}

impl Plan {
    /// Fleet `fleet`'s operator statements on their own, for the CDK constructs' grant
    /// methods (`grantStartSession(grantee, ...fleets)` adds those of the fleets it
    /// names): exactly what an operator of only that fleet gets, in the form that works
    /// for every caller (`identity: federated`), without port forwarding, SSH or
    /// PassRole. Built when asked, not stored: six statements per fleet held for the
    /// whole run were a fifth of the plan's memory at 10,000 fleets.
    pub fn fleet_grant(&self, fleet: usize) -> Vec<Statement> {
        let Some(f) = self.fleets.get(fleet) else {
            return Vec::new();
        };
        let op = Operator {
            name: f.name.clone(),
            fleets: vec![f.name.clone()],
            identity: Identity::Federated,
            port_forwarding: false,
            ssh: false,
            pass_roles: false,
            attach_roles: Vec::new(),
            attach_groups: Vec::new(),
            attach_users: Vec::new(),
        };
        // Index given, not looked up: a search per fleet was quadratic in fleets.
        statements_on(self, &op, &[fleet])
    }
}

/// For each EC2 fleet an operator opens sessions on, the tag its instances must carry:
/// the operator policies match nodes by it, and ssmgen does not launch the instances
/// (hybrid nodes get it from their activation). Default Host Management fleets too:
/// their instances are matched the same way.
fn add_selector_tag_outputs(plan: &mut Plan, spec: &Spec) {
    let suffix = Ident::new("selector-tag");
    for f in &spec.fleets {
        let named = spec.operators.iter().any(|op| op.fleets.contains(&f.name));
        if !named || f.platform != Platform::Ec2 {
            continue;
        }
        let (key, value) = &f.selector_tag;
        plan.outputs.push(Output {
            id: Ident::new(&f.name).suffixed(&suffix),
            description: format!(
                "Tag (key=value) to put on the EC2 instances of fleet {}: operator policies open sessions only on instances that carry it",
                f.name
            ),
            value: OutputValue::Literal {
                value: format!("{key}={value}"),
            },
        });
    }
}

/// `ssm:resourceTag/<key>` for a selector tag key. Condition keys are `&'static` in the
/// plan (every other key is a documented constant); the few selector keys of a spec are
/// leaked once each for the life of the process rather than making every key owned
/// (once, not per statement: every fleet's grant statements name its key too).
fn resource_tag_key(key: &str) -> &'static str {
    use std::sync::{Mutex, OnceLock};
    static KEYS: OnceLock<Mutex<BTreeMap<String, &'static str>>> = OnceLock::new();
    let mut keys = KEYS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    keys.entry(key.to_string())
        .or_insert_with(|| Box::leak(format!("ssm:resourceTag/{key}").into_boxed_str()))
}

fn statement(
    sid: String,
    actions: &[&'static str],
    resources: Vec<Resource>,
    mut conditions: Vec<Condition>,
    fact: Fact,
) -> Statement {
    let mut actions = actions.to_vec();
    actions.sort_unstable();
    actions.dedup();
    conditions.sort_by(|a, b| (a.operator, a.key).cmp(&(b.operator, b.key)));
    Statement {
        sid,
        effect: Effect::Allow,
        actions,
        resources,
        conditions,
        facts: vec![fact],
    }
}

/// `BoolIfExists ssm:SessionDocumentAccessCheck "true"`, in every statement that allows
/// StartSession (the documented requirement for the check to be enforced).
fn document_check() -> Condition {
    Condition {
        operator: "BoolIfExists",
        key: DOCUMENT_CHECK_KEY,
        values: vec![Text::literal("true")],
    }
}

fn statements_for(plan: &Plan, op: &Operator) -> Vec<Statement> {
    let chosen: Vec<usize> = (0..plan.fleets.len())
        .filter(|&i| op.fleets.contains(&plan.fleets[i].name))
        .collect();
    statements_on(plan, op, &chosen)
}

/// The statements of operator `op` on the fleets at indexes `chosen` (spec order).
fn statements_on(plan: &Plan, op: &Operator, chosen: &[usize]) -> Vec<Statement> {
    let env = &plan.env;
    let mut out = Vec::new();

    // Nodes, by selector tag: one statement per tag key, since each key is its own
    // condition key.
    let mut by_key: BTreeMap<&str, (Vec<Text>, bool, bool)> = BTreeMap::new();
    for &i in chosen {
        let f = &plan.fleets[i];
        let entry = by_key.entry(f.selector_tag.0.as_str()).or_default();
        let value = Text::literal(f.selector_tag.1.clone());
        if !entry.0.contains(&value) {
            entry.0.push(value);
        }
        match f.platform {
            Platform::Ec2 => entry.1 = true,
            Platform::Hybrid => entry.2 = true,
        }
    }
    let several = by_key.len() > 1;
    for (n, (key, (values, ec2, hybrid))) in by_key.into_iter().enumerate() {
        let mut resources = Vec::new();
        if ec2 {
            resources.push(Resource::Ec2Instances);
        }
        if hybrid {
            resources.push(Resource::ManagedInstances);
        }
        let sid = if several {
            format!("StartSessionOnFleetNodes{}", n + 1)
        } else {
            "StartSessionOnFleetNodes".to_string()
        };
        out.push(statement(
            sid,
            &[START_SESSION],
            resources,
            vec![
                document_check(),
                Condition {
                    operator: "StringLike",
                    key: resource_tag_key(key),
                    values,
                },
            ],
            facts::OPERATOR_START_SESSION,
        ));
    }

    // The session documents: each fleet's preferences document, or the account's
    // default one for a fleet without; then port forwarding and SSH when asked.
    let mut documents: Vec<Resource> = Vec::new();
    for &i in chosen {
        let name = match plan.fleets[i].document {
            Some(d) => plan.documents[d].name.clone(),
            None => DEFAULT_DOCUMENT.to_string(),
        };
        let doc = Resource::Document { name };
        if !documents.contains(&doc) {
            documents.push(doc);
        }
    }
    if op.port_forwarding {
        documents.extend(
            PORT_FORWARDING_DOCUMENTS
                .iter()
                .map(|&name| Resource::AwsDocument { name }),
        );
    }
    if op.ssh {
        documents.push(Resource::AwsDocument { name: SSH_DOCUMENT });
    }
    out.push(statement(
        "StartSessionWithDocuments".into(),
        &[START_SESSION],
        documents,
        vec![document_check()],
        facts::OPERATOR_DOCUMENTS,
    ));

    out.push(statement(
        "OpenOwnDataChannels".into(),
        &["ssmmessages:OpenDataChannel"],
        vec![Resource::OwnSessions {
            variable: "${aws:userid}",
        }],
        Vec::new(),
        facts::OPERATOR_DATA_CHANNEL,
    ));

    let own = ["ssm:ResumeSession", "ssm:TerminateSession"];
    out.push(match op.identity {
        Identity::IamUser => statement(
            "EndOwnSessions".into(),
            &own,
            vec![Resource::OwnSessions {
                variable: "${aws:username}",
            }],
            Vec::new(),
            facts::OPERATOR_OWN_SESSIONS,
        ),
        // Assumed-role and federated session ids start with the role session name, not
        // with aws:userid, so the documented form that works for every caller is the
        // session-id tag Session Manager puts on each session.
        Identity::Federated => statement(
            "EndOwnSessions".into(),
            &own,
            vec![Resource::Sessions],
            vec![Condition {
                operator: "StringLike",
                key: SESSION_ID_TAG_KEY,
                values: vec![Text::literal("${aws:userid}")],
            }],
            facts::OPERATOR_OWN_SESSIONS,
        ),
    });

    out.push(statement(
        "DescribeSessionsAndNodes".into(),
        &[
            "ec2:DescribeInstances",
            "ssm:DescribeInstanceProperties",
            "ssm:DescribeSessions",
            "ssm:GetConnectionStatus",
        ],
        vec![Resource::Any],
        Vec::new(),
        facts::OPERATOR_DESCRIBE,
    ));

    let mut keys: Vec<Resource> = Vec::new();
    for &i in chosen {
        if let Some(key) = &plan.fleets[i].session_key {
            let r = Resource::KmsKey { key: key.clone() };
            if !keys.contains(&r) {
                keys.push(r);
            }
        }
    }
    if !keys.is_empty() {
        out.push(statement(
            "SessionDataKey".into(),
            &[facts::KMS_GENERATE_DATA_KEY],
            keys,
            Vec::new(),
            facts::OPERATOR_KMS,
        ));
    }

    if op.pass_roles {
        out.extend(pass_roles(plan, chosen, env));
    }
    out
}

/// iam:PassRole on the chosen fleets' generated roles, to the service each is passed
/// to: ec2 for an instance profile's role, ssm for hybrid and Default Host Management.
fn pass_roles(plan: &Plan, chosen: &[usize], env: &super::Env) -> Vec<Statement> {
    let mut to_ec2 = Vec::new();
    let mut to_ssm = Vec::new();
    for &i in chosen {
        let fp = &plan.fleets[i];
        let Some(r) = fp.role else { continue };
        let role = &plan.roles[r];
        let res = Resource::Role {
            path: role.path.clone(),
            name: role.name.clone(),
        };
        if fp.platform == Platform::Hybrid || fp.mode == Mode::DefaultHostManagement {
            to_ssm.push(res);
        } else {
            to_ec2.push(res);
        }
    }
    let passed = |service: Text| Condition {
        operator: facts::STRING_EQUALS,
        key: "iam:PassedToService",
        values: vec![service],
    };
    let mut out = Vec::new();
    if !to_ec2.is_empty() {
        out.push(statement(
            "PassFleetRolesToEc2".into(),
            &["iam:PassRole"],
            to_ec2,
            vec![passed(partition_service_principal(env, "ec2"))],
            facts::PASS_ROLE_EC2,
        ));
    }
    if !to_ssm.is_empty() {
        out.push(statement(
            "PassFleetRolesToSsm".into(),
            &["iam:PassRole"],
            to_ssm,
            vec![passed(text!["ssm.amazonaws.com"])],
            facts::PASS_ROLE_SSM,
        ));
    }
    out
}
