//! The operator family of the CloudFormation target: one customer managed policy
//! (`AWS::IAM::ManagedPolicy`) per operator of the spec, for the people or roles who
//! open sessions on some fleets. It is attached by name to IAM roles, groups and users
//! that already exist (the template does not create them), or to no one.

use std::borrow::Cow;

use super::iam::policy_document;
use super::writer::Writer;
use super::Family;
use crate::plan::{OperatorPolicy, Plan, Subject};

/// An operator policy of the template, by its index in [`Plan::operator_policies`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operators {
    Policy(usize),
}

impl Family for Operators {
    fn logical_id(self, plan: &Plan) -> &str {
        match self {
            Operators::Policy(i) => &plan.operator_policies[i].id.upper_camel,
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Operators::Policy(_) => "AWS::IAM::ManagedPolicy",
        }
    }

    fn subject(self) -> Option<Subject> {
        match self {
            Operators::Policy(i) => Some(Subject::OperatorPolicy(i)),
        }
    }

    fn comment(self, plan: &Plan) -> Option<Cow<'_, str>> {
        match self {
            Operators::Policy(i) => Some(Cow::Owned(note(&plan.operator_policies[i]))),
        }
    }

    fn properties(self, w: &mut Writer, plan: &Plan) {
        match self {
            Operators::Policy(i) => policy_properties(w, plan, &plan.operator_policies[i]),
        }
    }
}

/// Who the policy is for, and who it is attached to: principals that must already
/// exist, or no one (then where its plain JSON is).
fn note(p: &OperatorPolicy) -> String {
    let s = if p.fleets.len() == 1 { "" } else { "s" };
    let mut note = format!(
        "Operator policy {} for whoever opens sessions on fleet{s} {}.",
        p.name,
        p.fleets.join(", ")
    );
    let attached: Vec<String> = [
        ("role", &p.attach_roles),
        ("group", &p.attach_groups),
        ("user", &p.attach_users),
    ]
    .into_iter()
    .filter(|(_, names)| !names.is_empty())
    .map(|(kind, names)| {
        let s = if names.len() == 1 { "" } else { "s" };
        format!("{kind}{s} {}", names.join(", "))
    })
    .collect();
    if attached.is_empty() {
        note.push_str(&format!(
            " Attached to no one: attach it to the operators' roles, groups or users, or use \
             operator-policies/{}.json in a permission set of IAM Identity Center.",
            p.name
        ));
    } else {
        note.push_str(&format!(
            " Attached by name to existing IAM principals, which this template does not \
             create: {}.",
            attached.join("; ")
        ));
    }
    note
}

fn policy_properties(w: &mut Writer, plan: &Plan, p: &OperatorPolicy) {
    w.begin_map();
    w.key("ManagedPolicyName");
    w.str(&p.name);
    w.key("Path");
    w.str(&p.path);
    w.key("Description");
    w.str(&p.description);
    policy_document(w, plan, &p.statements);
    for (key, names) in [
        ("Roles", &p.attach_roles),
        ("Groups", &p.attach_groups),
        ("Users", &p.attach_users),
    ] {
        if names.is_empty() {
            continue;
        }
        w.key(key);
        w.begin_seq();
        for name in names {
            w.item();
            w.str(name);
        }
        w.end_seq();
    }
    w.end_map();
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value as Json};

    use crate::targets::cloudformation::test_support::{parse_yaml, plan_of, render};
    use crate::targets::CfnFormat;

    const OPERATORS: &str = "version: 1\nproject: shop\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n  - name: plant\n    platform: hybrid\n    mode: session-only\noperators:\n  - name: oncall\n    fleets: [web, plant]\n    identity: iam-user\n    attach:\n      groups: [shop-oncall]\n      users: [alice, bob]\n  - name: deployer\n    fleets: [web]\n    identity: federated\n    pass_roles: true\n    attach:\n      roles: [shop-deploy]\n  - name: auditors\n    fleets: [plant]\n    identity: federated\n";

    fn both(plan: &crate::plan::Plan) -> [Json; 2] {
        let yaml = parse_yaml(&render(plan, CfnFormat::Yaml));
        let json = serde_json::from_str(&render(plan, CfnFormat::Json)).expect("valid JSON");
        [yaml, json]
    }

    #[test]
    fn each_operator_policy_has_its_statements_and_attachments_by_name() {
        let plan = plan_of(OPERATORS);
        assert_eq!(plan.operator_policies.len(), 3);
        for doc in both(&plan) {
            let res = &doc["Resources"]["OncallOperatorPolicy"];
            assert_eq!(res["Type"], "AWS::IAM::ManagedPolicy");
            let props = &res["Properties"];
            let p = &plan.operator_policies[0];
            assert_eq!(props["ManagedPolicyName"], "shop-oncall-operator");
            assert_eq!(props["Path"], p.path.as_str());
            assert_eq!(props["Description"], p.description.as_str());
            let statements = props["PolicyDocument"]["Statement"]
                .as_array()
                .expect("statements");
            let sids: Vec<&str> = statements
                .iter()
                .map(|s| s["Sid"].as_str().unwrap())
                .collect();
            let expected: Vec<&str> = p.statements.iter().map(|s| s.sid.as_str()).collect();
            assert_eq!(sids, expected);
            assert_eq!(props["PolicyDocument"]["Version"], "2012-10-17");
            assert_eq!(props["Groups"], json!(["shop-oncall"]));
            assert_eq!(props["Users"], json!(["alice", "bob"]));
            assert!(props.get("Roles").is_none(), "{props}");

            let props = &doc["Resources"]["DeployerOperatorPolicy"]["Properties"];
            assert_eq!(props["Roles"], json!(["shop-deploy"]));
            assert!(props.get("Groups").is_none() && props.get("Users").is_none());
            let pass = props["PolicyDocument"]["Statement"]
                .as_array()
                .expect("statements")
                .iter()
                .find(|s| s["Sid"] == "PassFleetRolesToEc2")
                .expect("pass role statement");
            assert_eq!(
                pass["Resource"],
                json!([{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/shop-web-ssm"}])
            );

            let props = &doc["Resources"]["AuditorsOperatorPolicy"]["Properties"];
            for key in ["Roles", "Groups", "Users"] {
                assert!(props.get(key).is_none(), "{props}");
            }
            // The ARN output refers to the policy (its `Ref` is the ARN).
            assert_eq!(
                doc["Outputs"]["OncallOperatorPolicyArn"]["Value"],
                json!({"Ref": "OncallOperatorPolicy"})
            );
        }
    }

    #[test]
    fn policy_variables_reach_iam_literally() {
        let plan = plan_of(OPERATORS);
        for doc in both(&plan) {
            let statements = |id: &str| -> Vec<Json> {
                doc["Resources"][id]["Properties"]["PolicyDocument"]["Statement"]
                    .as_array()
                    .expect("statements")
                    .clone()
            };
            let sid = |list: &[Json], sid: &str| -> Json {
                list.iter().find(|s| s["Sid"] == sid).expect(sid).clone()
            };
            // In a `Fn::Sub` string, `${!x}` is the literal `${x}`.
            let oncall = statements("OncallOperatorPolicy");
            assert_eq!(
                sid(&oncall, "OpenOwnDataChannels")["Resource"],
                json!([{"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:session/${!aws:userid}-*"}])
            );
            assert_eq!(
                sid(&oncall, "EndOwnSessions")["Resource"],
                json!([{"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:session/${!aws:username}-*"}])
            );
            // A condition value without a pseudo value is a plain string: no `Fn::Sub`,
            // so nothing to escape.
            let auditors = statements("AuditorsOperatorPolicy");
            assert_eq!(
                sid(&auditors, "EndOwnSessions")["Condition"],
                json!({"StringLike": {"ssm:resourceTag/aws:ssmmessages:session-id": "${aws:userid}"}})
            );
        }
    }

    /// The comment lines right above a resource, joined with spaces.
    fn comment_above(yaml: &str, logical_id: &str) -> String {
        let lines: Vec<&str> = yaml.lines().collect();
        let at = lines
            .iter()
            .position(|l| *l == format!("  {logical_id}:"))
            .expect(logical_id);
        let mut words: Vec<&str> = lines[..at]
            .iter()
            .rev()
            .map_while(|l| l.strip_prefix("  # "))
            .collect();
        words.reverse();
        words.join(" ")
    }

    #[test]
    fn comments_name_the_existing_principals_or_the_plain_json() {
        let plan = plan_of(OPERATORS);
        let yaml = render(&plan, CfnFormat::Yaml);
        assert_eq!(
            comment_above(&yaml, "OncallOperatorPolicy"),
            "Operator policy shop-oncall-operator for whoever opens sessions on fleets web, plant. \
             Attached by name to existing IAM principals, which this template does not create: \
             group shop-oncall; users alice, bob."
        );
        assert!(comment_above(&yaml, "DeployerOperatorPolicy").ends_with(": role shop-deploy."));
        assert_eq!(
            comment_above(&yaml, "AuditorsOperatorPolicy"),
            "Operator policy shop-auditors-operator for whoever opens sessions on fleet plant. \
             Attached to no one: attach it to the operators' roles, groups or users, or use \
             operator-policies/shop-auditors-operator.json in a permission set of IAM Identity Center."
        );
        // Every line fits the comment width.
        assert!(yaml
            .lines()
            .all(|l| !l.starts_with("  # ") || l.len() <= 4 + 88));
    }

    #[test]
    fn operator_policies_come_after_the_session_setup_in_plan_order() {
        let plan = plan_of(
            "version: 1\nproject: shop\nsession:\n  idle_timeout_minutes: 15\nhybrid_advanced_tier: true\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n  - name: plant\n    platform: hybrid\n    mode: session-only\noperators:\n  - name: b\n    fleets: [web]\n    identity: iam-user\n  - name: a\n    fleets: [plant]\n    identity: iam-user\n",
        );
        let [yaml, json] = both(&plan);
        assert_eq!(yaml, json);
        let ids: Vec<&String> = json["Resources"].as_object().expect("map").keys().collect();
        let at = |id: &str| ids.iter().position(|k| *k == id).expect(id);
        assert_eq!(at("BOperatorPolicy") + 1, at("AOperatorPolicy"));
        // Only the activation provider comes after them (the plant fleet has an
        // activation).
        assert_eq!(
            at("AOperatorPolicy") + 1,
            at("ActivationProviderRole"),
            "{ids:?}"
        );
        assert!(at("HybridAdvancedTier") < at("BOperatorPolicy"));
        assert!(at("SessionPreferences") < at("BOperatorPolicy"));
    }

    #[test]
    fn an_operator_policy_carries_only_the_checkov_skips_cloudformation_reads() {
        use crate::facts::scanners::CKV_WRITE_WITHOUT_CONSTRAINTS;
        use crate::plan::{Acknowledgement, Subject};
        let mut plan = plan_of(OPERATORS);
        // The plan acknowledges CKV_AWS_356 (ssm:GetConnectionStatus on `*`), which
        // checkov checks in Terraform only: no metadata.
        assert!(plan
            .acknowledgements_of(Subject::OperatorPolicy(0))
            .any(|a| a.rule.id == "CKV_AWS_356"));
        for doc in both(&plan) {
            for id in ["OncallOperatorPolicy", "DeployerOperatorPolicy"] {
                assert!(doc["Resources"][id].get("Metadata").is_none(), "{id}");
            }
        }
        // A rule checkov checks in CloudFormation is written on that operator's policy.
        plan.acknowledgements.push(Acknowledgement {
            rule: CKV_WRITE_WITHOUT_CONSTRAINTS,
            subject: Subject::OperatorPolicy(1),
            finding: None,
            reason: "why: it's \"so\"".into(),
        });
        plan.acknowledgements.sort_by_key(|a| a.subject);
        for doc in both(&plan) {
            let res = &doc["Resources"]["DeployerOperatorPolicy"];
            let keys: Vec<&String> = res.as_object().expect("map").keys().collect();
            assert_eq!(keys, ["Type", "Metadata", "Properties"]);
            assert_eq!(
                res["Metadata"],
                json!({"checkov": {"skip": [{"id": "CKV_AWS_111", "comment": "why: it's \"so\""}]}})
            );
            assert!(doc["Resources"]["OncallOperatorPolicy"]
                .get("Metadata")
                .is_none());
        }
    }

    #[test]
    fn a_plan_without_operators_writes_no_operator_policy() {
        let plan = plan_of(
            "version: 1\nproject: shop\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n",
        );
        assert!(plan.operator_policies.is_empty());
        for format in [CfnFormat::Yaml, CfnFormat::Json] {
            let text = render(&plan, format);
            assert!(!text.contains("Operator"), "{text}");
            assert!(!text.contains("operator-policies"), "{text}");
        }
    }
}
