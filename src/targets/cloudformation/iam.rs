//! The IAM family of the CloudFormation target: roles (with their trust policy),
//! instance profiles and customer managed policies, and the statements, conditions and
//! effects of their policy documents.

use super::writer::Writer;
use super::Family;
use crate::facts;
use crate::plan::{
    Attachment, Condition, Effect, InstanceProfile, Plan, Policy, Principal, ResourceStatement,
    Role, Statement, Subject, Text, Trust,
};

/// An IAM resource of the template, by its index in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Iam {
    Role(usize),
    InstanceProfile(usize),
    Policy(usize),
}

impl Family for Iam {
    fn logical_id(self, plan: &Plan) -> &str {
        match self {
            Iam::Role(i) => &plan.roles[i].id.upper_camel,
            Iam::InstanceProfile(i) => &plan.instance_profiles[i].id.upper_camel,
            Iam::Policy(i) => &plan.policies[i].id.upper_camel,
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Iam::Role(_) => "AWS::IAM::Role",
            Iam::InstanceProfile(_) => "AWS::IAM::InstanceProfile",
            Iam::Policy(_) => "AWS::IAM::ManagedPolicy",
        }
    }

    fn subject(self) -> Option<Subject> {
        match self {
            Iam::Role(i) => Some(Subject::Role(i)),
            Iam::InstanceProfile(_) => None,
            Iam::Policy(i) => Some(Subject::Policy(i)),
        }
    }

    fn properties(self, w: &mut Writer, plan: &Plan) {
        match self {
            Iam::Role(i) => role_properties(w, &plan.roles[i]),
            Iam::InstanceProfile(i) => {
                instance_profile_properties(w, plan, &plan.instance_profiles[i])
            }
            Iam::Policy(i) => policy_properties(w, plan, &plan.policies[i]),
        }
    }
}

fn role_properties(w: &mut Writer, role: &Role) {
    w.begin_map();
    w.key("RoleName");
    w.str(&role.name);
    w.key("Path");
    w.str(&role.path);
    w.key("Description");
    w.str(&role.description);
    trust_policy(w, &role.trust);
    if !role.managed_policies.is_empty() {
        w.key("ManagedPolicyArns");
        w.begin_seq();
        for m in &role.managed_policies {
            w.item();
            w.text(&m.arn);
        }
        w.end_seq();
    }
    if let Some(boundary) = &role.permissions_boundary {
        w.key("PermissionsBoundary");
        w.text(boundary);
    }
    w.tags(&role.tags);
    w.end_map();
}
/// `AssumeRolePolicyDocument`: the one statement of a role's trust. Fleet roles and the
/// activation function's role share it.
pub(super) fn trust_policy(w: &mut Writer, trust: &Trust) {
    w.key("AssumeRolePolicyDocument");
    w.begin_map();
    w.key("Version");
    w.str(facts::POLICY_VERSION);
    w.key("Statement");
    w.begin_seq();
    w.item();
    w.begin_map();
    w.key("Effect");
    w.str(effect(trust.effect));
    w.key("Principal");
    w.begin_map();
    w.key("Service");
    w.text(&trust.service);
    w.end_map();
    w.key("Action");
    w.str(trust.action);
    if !trust.conditions.is_empty() {
        w.key("Condition");
        conditions(w, &trust.conditions);
    }
    w.end_map();
    w.end_seq();
    w.end_map();
}

fn instance_profile_properties(w: &mut Writer, plan: &Plan, p: &InstanceProfile) {
    w.begin_map();
    w.key("InstanceProfileName");
    w.str(&p.name);
    w.key("Path");
    w.str(&p.path);
    w.key("Roles");
    w.begin_seq();
    w.item();
    w.reference(&plan.roles[p.role].id.upper_camel);
    w.end_seq();
    w.end_map();
}

fn policy_properties(w: &mut Writer, plan: &Plan, p: &Policy) {
    w.begin_map();
    w.key("ManagedPolicyName");
    w.str(&p.name);
    w.key("Path");
    w.str(&p.path);
    w.key("Description");
    w.str(&p.description);
    policy_document(w, plan, &p.statements);
    w.key("Roles");
    w.begin_seq();
    w.item();
    match &p.attachment {
        Attachment::Role(r) => w.reference(&plan.roles[*r].id.upper_camel),
        Attachment::ExistingRole(name) => w.str(name),
    }
    w.end_seq();
    w.end_map();
}

/// `PolicyDocument`: the version and the statements, in plan order. Fleet policies and
/// operator policies share it.
pub(super) fn policy_document(w: &mut Writer, plan: &Plan, statements: &[Statement]) {
    w.key("PolicyDocument");
    w.begin_map();
    w.key("Version");
    w.str(facts::POLICY_VERSION);
    w.key("Statement");
    w.begin_seq();
    for s in statements {
        w.item();
        statement(w, plan, s);
    }
    w.end_seq();
    w.end_map();
}

fn statement(w: &mut Writer, plan: &Plan, s: &Statement) {
    statement_map(
        w,
        plan,
        &s.sid,
        s.effect,
        None,
        &s.actions,
        &s.resources,
        &s.conditions,
    );
}

/// One statement as a map: `Sid`, `Effect`, the `Principal` of a resource policy's
/// statement, `Action`, `Resource` and any `Condition`.
#[allow(clippy::too_many_arguments)]
fn statement_map(
    w: &mut Writer,
    plan: &Plan,
    sid: &str,
    e: Effect,
    principal: Option<&[Principal]>,
    actions: &[&str],
    resources: &[crate::plan::Resource],
    condition: &[crate::plan::Condition],
) {
    w.begin_map();
    w.key("Sid");
    w.str(sid);
    w.key("Effect");
    w.str(effect(e));
    if let Some(p) = principal {
        w.key("Principal");
        principals(w, plan, p);
    }
    w.key("Action");
    w.begin_seq();
    for a in actions {
        w.item();
        w.str(a);
    }
    w.end_seq();
    w.key("Resource");
    w.begin_seq();
    for r in resources {
        w.item();
        w.text(&r.arn(&plan.env));
    }
    w.end_seq();
    if !condition.is_empty() {
        w.key("Condition");
        conditions(w, condition);
    }
    w.end_map();
}

/// `PolicyDocument` (or `KeyPolicy`, after `key`): the statements of a resource policy,
/// each with its principals, in plan order. The session key and the log bucket share it.
pub(super) fn resource_policy(
    w: &mut Writer,
    plan: &Plan,
    key: &str,
    statements: &[ResourceStatement],
) {
    w.key(key);
    w.begin_map();
    w.key("Version");
    w.str(facts::POLICY_VERSION);
    w.key("Statement");
    w.begin_seq();
    for s in statements {
        w.item();
        statement_map(
            w,
            plan,
            &s.sid,
            s.effect,
            Some(&s.principals),
            &s.actions,
            &s.resources,
            &s.conditions,
        );
    }
    w.end_seq();
    w.end_map();
}

/// `Principal`: `"*"` for anyone (which covers every other principal of the
/// statement), otherwise `{AWS: ..., Service: ...}`, each one value or a list. A role
/// the template creates is `!GetAtt <Role>.Arn`, so the resource waits for the role
/// (KMS and S3 refuse a policy naming a principal that does not exist yet).
fn principals(w: &mut Writer, plan: &Plan, principals: &[Principal]) {
    if principals.contains(&Principal::Any) {
        return w.str("*");
    }
    let aws: Vec<&Principal> = principals
        .iter()
        .filter(|p| matches!(p, Principal::Account(_) | Principal::Role(_)))
        .collect();
    let services: Vec<&Principal> = principals
        .iter()
        .filter(|p| matches!(p, Principal::Service(_)))
        .collect();
    w.begin_map();
    for (kind, group) in [("AWS", aws), ("Service", services)] {
        if group.is_empty() {
            continue;
        }
        w.key(kind);
        let one = group.len() == 1;
        if !one {
            w.begin_seq();
        }
        for p in group {
            if !one {
                w.item();
            }
            match p {
                Principal::Account(arn) | Principal::Service(arn) => w.text(arn),
                Principal::Role(i) => w.get_att(&plan.roles[*i].id.upper_camel, "Arn"),
                Principal::Any => unreachable!("anyone is written as \"*\" above"),
            }
        }
        if !one {
            w.end_seq();
        }
    }
    w.end_map();
}

/// A condition key and the values it is compared with.
type ConditionValues<'a> = (&'a str, &'a [Text]);

/// `{operator: {key: value or [values]}}`, merging conditions that share an operator;
/// operators and keys keep the order they first appear in, and a repeated key keeps
/// its place with the last values.
fn conditions(w: &mut Writer, conditions: &[Condition]) {
    let mut operators: Vec<(&str, Vec<ConditionValues>)> = Vec::new();
    for c in conditions {
        let keys = match operators.iter().position(|(op, _)| *op == c.operator) {
            Some(i) => &mut operators[i].1,
            None => {
                operators.push((c.operator, Vec::new()));
                let last = operators.len() - 1;
                &mut operators[last].1
            }
        };
        match keys.iter_mut().find(|(key, _)| *key == c.key) {
            Some(entry) => entry.1 = &c.values,
            None => keys.push((c.key, &c.values)),
        }
    }
    w.begin_map();
    for (operator, keys) in operators {
        w.key(operator);
        w.begin_map();
        for (key, values) in keys {
            w.key(key);
            match values {
                [one] => w.text(one),
                many => {
                    w.begin_seq();
                    for v in many {
                        w.item();
                        w.text(v);
                    }
                    w.end_seq();
                }
            }
        }
        w.end_map();
    }
    w.end_map();
}

fn effect(e: Effect) -> &'static str {
    e.name()
}

#[cfg(test)]
mod tests {
    use crate::plan::Text;
    use crate::render::escape;
    use crate::targets::cloudformation::test_support::{
        hostile_plan, parse_yaml, plan_of, render, HOSTILE,
    };
    use crate::targets::CfnFormat;
    use serde_json::{json, Value as Json};

    fn both(plan: &crate::plan::Plan) -> [Json; 2] {
        let yaml = parse_yaml(&render(plan, CfnFormat::Yaml));
        let json = serde_json::from_str(&render(plan, CfnFormat::Json)).expect("valid JSON");
        [yaml, json]
    }

    #[test]
    fn a_fleet_policy_carries_its_checkov_skips_between_type_and_properties() {
        let plan = hostile_plan();
        // The web fleet's policy grants ssm:UpdateInstanceInformation on `*`: the plan
        // acknowledges CKV_AWS_111 (checked in CloudFormation), CKV_AWS_356 (Terraform
        // only) and cdk-nag findings, of which the template carries the first alone.
        let reason = &plan
            .acknowledgements_of(crate::plan::Subject::Policy(0))
            .find(|a| a.rule.id == "CKV_AWS_111")
            .expect("CKV_AWS_111 acknowledged")
            .reason;
        for doc in both(&plan) {
            let res = &doc["Resources"]["WebSessionPolicy"];
            let keys: Vec<&String> = res.as_object().expect("map").keys().collect();
            assert_eq!(keys, ["Type", "Metadata", "Properties"]);
            assert_eq!(
                res["Metadata"],
                json!({"checkov": {"skip": [{"id": "CKV_AWS_111", "comment": reason}]}})
            );
            // The role's findings are cdk-nag's: no metadata.
            assert!(doc["Resources"]["OnpremRole"].get("Metadata").is_none());
            assert!(doc["Resources"]["WebRole"].get("Metadata").is_none());
        }
        let yaml = render(&plan, CfnFormat::Yaml);
        // Laid out as SCANNER-FORMATS.md shows it.
        assert!(
            yaml.contains(
                "  WebSessionPolicy:\n    Type: AWS::IAM::ManagedPolicy\n    Metadata:\n      \
                 checkov:\n        skip:\n          - id: CKV_AWS_111\n            comment: \""
            ),
            "{yaml}"
        );
    }

    #[test]
    fn a_hostile_reason_stays_one_comment_string() {
        let mut plan = hostile_plan();
        for a in &mut plan.acknowledgements {
            a.reason = HOSTILE.into();
        }
        for doc in both(&plan) {
            let skip = &doc["Resources"]["WebSessionPolicy"]["Metadata"]["checkov"]["skip"];
            assert_eq!(skip, &json!([{"id": "CKV_AWS_111", "comment": HOSTILE}]));
        }
    }

    #[test]
    fn hostile_strings_stay_literal_strings_in_yaml() {
        let plan = hostile_plan();
        let yaml = render(&plan, CfnFormat::Yaml);
        let doc = parse_yaml(&yaml);
        let role = &doc["Resources"]["WebRole"]["Properties"];
        assert_eq!(role["Description"], HOSTILE);
        assert!(role["Tags"]
            .as_array()
            .expect("tags")
            .contains(&json!({"Key": "note", "Value": HOSTILE})));
        assert_eq!(
            doc["Resources"]["WebSessionPolicy"]["Properties"]["Description"],
            HOSTILE
        );
        // Nothing leaked out of its string: the template still has exactly its sections
        // (the parameter is the onprem fleet's activation renewal).
        let keys: Vec<&String> = doc.as_object().expect("map").keys().collect();
        assert_eq!(
            keys,
            [
                "AWSTemplateFormatVersion",
                "Description",
                "Parameters",
                "Resources",
                "Outputs"
            ]
        );
    }

    #[test]
    fn pseudo_values_use_sub_and_literal_dollar_braces_are_escaped() {
        let plan = plan_of(
            "version: 1\nproject: shop\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n    session:\n      cloudwatch:\n        log_group: /ssm/web\n",
        );
        let yaml = render(&plan, CfnFormat::Yaml);
        assert!(
            yaml.contains("Service: !Sub \"ec2.${AWS::URLSuffix}\""),
            "{yaml}"
        );
        assert!(yaml.contains("- !Ref WebRole"), "{yaml}");
        assert!(yaml.contains("Value: !GetAtt WebRole.Arn"), "{yaml}");
        let yaml = render(&hostile_plan(), CfnFormat::Yaml);
        assert!(
            yaml.contains("aws:SourceAccount: !Ref AWS::AccountId"),
            "{yaml}"
        );
        let mut t = Text::literal("x${y}");
        t.push_pseudo(crate::plan::Pseudo::Region);
        assert_eq!(
            escape::cfn_text(&t),
            json!({"Fn::Sub": "x${!y}${AWS::Region}"})
        );
    }
}
