//! `ssmgen explain`: every granted action of every fleet and the fact behind it.

use std::fmt::Write;

use crate::plan::{Attachment, Plan, Platform, Subject};

/// A readable account of the plan.
pub fn explain(plan: &Plan) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "project {}", plan.project.kebab);
    for fleet in &plan.fleets {
        let platform = match fleet.platform {
            Platform::Ec2 => "EC2",
            Platform::Hybrid => "hybrid",
        };
        let mode = fleet.mode.name();
        let _ = writeln!(s, "\nfleet {} ({platform}, {mode})", fleet.name);
        if let Some(r) = fleet.role {
            let role = &plan.roles[r];
            let _ = writeln!(
                s,
                "  role {}{} trusted by {}",
                role.path,
                role.name,
                role.trust.service.display()
            );
            write_conditions(&mut s, "    ", &role.trust.conditions);
            let _ = writeln!(
                s,
                "    why: {} [{}; {}]",
                role.trust.fact.summary, role.trust.fact.id, role.trust.fact.source
            );
            for m in &role.managed_policies {
                let _ = writeln!(s, "  managed policy {}", m.arn.display());
                let _ = writeln!(
                    s,
                    "    why: {} [{}; {}]",
                    m.fact.summary, m.fact.id, m.fact.source
                );
                for (action, narrowed) in widened(plan, fleet, &m.name) {
                    let _ = writeln!(s, "    widens: {action} from {narrowed} to every resource");
                }
            }
        }
        if let Some(p) = fleet.instance_profile {
            let _ = writeln!(s, "  instance profile {}", plan.instance_profiles[p].name);
        }
        match fleet.policy {
            None => {
                let _ = writeln!(
                    s,
                    "  no customer policy: the managed policy covers Session Manager"
                );
            }
            Some(p) => {
                let policy = &plan.policies[p];
                match &policy.attachment {
                    Attachment::Role(_) => {
                        let _ = writeln!(s, "  policy {}", policy.name);
                    }
                    Attachment::ExistingRole(name) => {
                        let _ = writeln!(
                            s,
                            "  policy {} attached to existing role {name}",
                            policy.name
                        );
                    }
                }
                write_statements(&mut s, plan, &policy.statements);
            }
        }
        if let Some(a) = fleet.activation {
            let a = &plan.activations[a];
            let _ = writeln!(
                s,
                "  activation: up to {} node(s), expires {} hours after creation",
                a.registration_limit, a.expiry_hours
            );
        }
        if plan
            .operator_policies
            .iter()
            .any(|p| p.fleets.contains(&fleet.name))
        {
            let (key, value) = &fleet.selector_tag;
            let on = match fleet.platform {
                Platform::Ec2 => "put it on the fleet's instances",
                Platform::Hybrid => "the activation puts it on the nodes it registers",
            };
            let _ = writeln!(
                s,
                "  selector tag {key}={value}: operators open sessions only on nodes that carry it ({on})"
            );
        }
        match fleet.document {
            Some(d) => {
                let _ = writeln!(
                    s,
                    "  preferences document {} (operators: aws ssm start-session --document-name {})",
                    plan.documents[d].name, plan.documents[d].name
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "  no preferences document: sessions use the account's SSM-SessionManagerRunShell"
                );
            }
        }
    }
    explain_documents(&mut s, plan);
    explain_operators(&mut s, plan);
    for setting in &plan.service_settings {
        let _ = writeln!(
            s,
            "\nservice setting {} = {}",
            setting.setting_id, setting.value
        );
        let _ = writeln!(s, "  note: {}", setting.note);
        let f = setting.fact;
        let _ = writeln!(s, "  why: {} [{}; {}]", f.summary, f.id, f.source);
    }
    explain_activation_provider(&mut s, plan);
    explain_created(&mut s, plan);
    explain_acknowledgements(&mut s, plan);
    s
}

/// How CloudFormation and CDK stacks create the activations (Terraform: aws_ssm_activation).
fn explain_activation_provider(s: &mut String, plan: &Plan) {
    let Some(p) = &plan.activation_provider else {
        if !plan.activations.is_empty() {
            let _ = writeln!(
                s,
                "
activations (CloudFormation, CDK): create-activations.sh, run after deploying (activation_method: script)"
            );
        }
        return;
    };
    let _ = writeln!(
        s,
        "
activations (CloudFormation, CDK): custom resource {} answered by function {} ({}, {} s)",
        crate::facts::ACTIVATION_RESOURCE_TYPE,
        p.function_name,
        p.runtime,
        p.timeout_seconds
    );
    let f = p.fact;
    let _ = writeln!(s, "  why: {} [{}; {}]", f.summary, f.id, f.source);
    for secret in &p.secrets {
        let fleet = &plan.roles[plan.activations[secret.activation].role].fleet;
        let _ = writeln!(
            s,
            "  fleet {fleet}: id and code in secret {} (aws secretsmanager get-secret-value --secret-id {})",
            secret.name, secret.name
        );
    }
    let _ = writeln!(
        s,
        "  re-issue (an activation expires after at most 30 days): change the stack's activation renewal input"
    );
    let _ = writeln!(
        s,
        "  function role (trusts {}):",
        p.role.trust.service.display()
    );
    write_statements(s, plan, &p.role.statements);
}

/// The session key, log bucket and log group the code creates, with their policies.
fn explain_created(s: &mut String, plan: &Plan) {
    let c = &plan.created;
    if let Some(key) = &c.key {
        let _ = writeln!(
            s,
            "\nsession key (created, rotated yearly, kept when the stack is deleted): {}",
            key.alias
        );
        write_resource_policy(s, plan, "key policy", &key.policy);
    }
    if let Some(b) = &c.bucket {
        let _ = writeln!(
            s,
            "\nlog bucket (created, named by the tool; Terraform: {}*): SSE-KMS with {} and a bucket key, public access blocked, ACLs off, versioned; logs expire after {} days, old versions after {}",
            b.name_prefix,
            crate::plan::Resource::KmsKey { key: b.key.clone() }.arn(&plan.env).display(),
            b.expiration_days,
            b.noncurrent_days
        );
        write_resource_policy(s, plan, "bucket policy", &b.policy);
    }
    if let Some(g) = &c.log_group {
        let key = g
            .key
            .as_ref()
            .map_or("CloudWatch Logs' own encryption".to_string(), |k| {
                crate::plan::Resource::KmsKey { key: k.clone() }
                    .arn(&plan.env)
                    .display()
            });
        let _ = writeln!(
            s,
            "\nlog group {} (created): kept {} days, encrypted with {key}",
            g.name, g.retention_days
        );
    }
}

fn write_resource_policy(
    s: &mut String,
    plan: &Plan,
    title: &str,
    statements: &[crate::plan::ResourceStatement],
) {
    use crate::plan::Principal;
    let _ = writeln!(s, "  {title}:");
    for st in statements {
        let principals: Vec<String> = st
            .principals
            .iter()
            .map(|p| match p {
                Principal::Any => "*".to_string(),
                Principal::Account(t) | Principal::Service(t) => t.display(),
                Principal::Role(i) => format!("role {}", plan.roles[*i].name),
            })
            .collect();
        let resources: Vec<String> = st
            .resources
            .iter()
            .map(|r| r.arn(&plan.env).display())
            .collect();
        let _ = writeln!(
            s,
            "    {} {}: {} on {} ({})",
            st.effect.name(),
            st.sid,
            st.actions.join(", "),
            resources.join(", "),
            principals.join(", ")
        );
        write_conditions(s, "      ", &st.conditions);
        for f in &st.facts {
            let _ = writeln!(s, "      why: {} [{}; {}]", f.summary, f.id, f.source);
        }
    }
}

/// The scanner findings the generated code acknowledges, with the reasons it writes.
fn explain_acknowledgements(s: &mut String, plan: &Plan) {
    if plan.acknowledgements.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\nscanner findings acknowledged in the generated code (inherent to the permissions above)"
    );
    for a in &plan.acknowledgements {
        let subject = match a.subject {
            Subject::Policy(i) => format!("policy {}", plan.policies[i].name),
            Subject::OperatorPolicy(i) => {
                format!("operator policy {}", plan.operator_policies[i].name)
            }
            Subject::Role(i) => format!("role {}", plan.roles[i].name),
            Subject::Document(i) => format!("document {}", plan.documents[i].name),
            Subject::ProviderRole => "the activation function's role".to_string(),
            Subject::ProviderFunction => "the activation function".to_string(),
            Subject::ProviderLogGroup => "the activation function's log group".to_string(),
            Subject::SessionKey => "the session key".to_string(),
            Subject::LogBucket => "the log bucket".to_string(),
            Subject::SessionLogGroup => "the session log group".to_string(),
            Subject::ActivationSecret(i) => format!(
                "secret {}",
                plan.activation_provider
                    .as_ref()
                    .and_then(|p| p.secrets.get(i))
                    .map_or("", |s| s.name.as_str())
            ),
        };
        let finding = match (&a.finding, a.rule.granular) {
            (Some(v), Some(g)) => format!("[{}::{}]", g.prefix(), v.display()),
            _ => String::new(),
        };
        let _ = writeln!(s, "  {}{finding} on {subject}", a.rule.id);
        let _ = writeln!(s, "    why: {}", a.reason);
    }
}

fn write_statements(s: &mut String, plan: &Plan, statements: &[crate::plan::Statement]) {
    for st in statements {
        let resources: Vec<String> = st
            .resources
            .iter()
            .map(|r| r.arn(&plan.env).display())
            .collect();
        for action in &st.actions {
            let _ = writeln!(s, "    {action} on {}", resources.join(", "));
        }
        write_conditions(s, "      ", &st.conditions);
        for f in &st.facts {
            let _ = writeln!(s, "      why: {} [{}; {}]", f.summary, f.id, f.source);
        }
    }
}

/// Each operator policy: whom it is attached to, then its statements with their facts.
fn explain_operators(s: &mut String, plan: &Plan) {
    for p in &plan.operator_policies {
        let _ = writeln!(
            s,
            "
operator policy {}{} (sessions on {})",
            p.path,
            p.name,
            p.fleets.join(", ")
        );
        let mut attached = Vec::new();
        for (kind, names) in [
            ("role", &p.attach_roles),
            ("group", &p.attach_groups),
            ("user", &p.attach_users),
        ] {
            attached.extend(names.iter().map(|n| format!("{kind} {n}")));
        }
        if attached.is_empty() {
            let _ = writeln!(
                s,
                "  not attached: attach it, or give {}/{}.json to an IAM Identity Center permission set",
                crate::identity_center::FOLDER,
                p.name
            );
        } else {
            let _ = writeln!(s, "  attached to existing {}", attached.join(", "));
        }
        write_statements(s, plan, &p.statements);
    }
}

/// Each preferences document with the inputs that differ from Session Manager's
/// defaults, which is what the spec asked for.
fn explain_documents(s: &mut String, plan: &Plan) {
    for doc in &plan.documents {
        let _ = writeln!(
            s,
            "\npreferences document {} (Session, Standard_Stream) for {}",
            doc.name,
            doc.fleets.join(", ")
        );
        if let Some(inputs) = doc.content.get("inputs").and_then(|v| v.as_object()) {
            for (key, value) in inputs {
                let set = match value {
                    serde_json::Value::String(v) => !v.is_empty(),
                    serde_json::Value::Bool(b) => *b,
                    serde_json::Value::Object(o) => o.values().any(|v| v != ""),
                    _ => true,
                };
                if set {
                    let _ = writeln!(s, "  {key}: {value}");
                }
            }
        }
        let f = doc.fact;
        let _ = writeln!(s, "  why: {} [{}; {}]", f.summary, f.id, f.source);
    }
}

/// The grants of a fleet's customer policy that an AWS managed policy attached to its
/// role widens to `*`: each action with the resource ssmgen narrowed it to.
fn widened(plan: &Plan, fleet: &crate::plan::FleetPlan, managed: &str) -> Vec<(String, String)> {
    let Some((_, actions)) = crate::facts::BROADENING_MANAGED_POLICIES
        .iter()
        .find(|(n, _)| *n == managed)
    else {
        return Vec::new();
    };
    let Some(p) = fleet.policy else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for st in &plan.policies[p].statements {
        for action in st.actions.iter().filter(|a| actions.contains(a)) {
            for r in st.resources.iter().filter(|r| !r.is_any()) {
                out.push((action.to_string(), r.arn(&plan.env).display()));
            }
        }
    }
    out
}

/// One `condition OPERATOR KEY = VALUES` line per condition.
fn write_conditions(s: &mut String, indent: &str, conditions: &[crate::plan::Condition]) {
    for c in conditions {
        let values: Vec<String> = c.values.iter().map(|v| v.display()).collect();
        let _ = writeln!(
            s,
            "{indent}condition {} {} = {}",
            c.operator,
            c.key,
            values.join(", ")
        );
    }
}
