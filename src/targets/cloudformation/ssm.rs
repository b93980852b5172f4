//! The Systems Manager family of the CloudFormation target: the Session Manager
//! preferences documents (`AWS::SSM::Document`) and the account settings sessions need
//! (`AWS::SSM::ServiceSetting`).

use std::borrow::Cow;

use serde_json::Value as Json;

use super::writer::Writer;
use super::Family;
use crate::plan::{Plan, Reference, ServiceSetting, SessionDocument, Subject};

/// The document type of Session Manager preferences (Session document schema).
const SESSION_TYPE: &str = "Session";
/// The content is written as a JSON object, so the document's format is JSON.
const CONTENT_FORMAT: &str = "JSON";
/// A content change makes a new default version of the named document. The default,
/// `Replace`, would create a new document before deleting the old one, which a named
/// document cannot survive: the update would fail on the name already taken.
const UPDATE_METHOD: &str = "NewVersion";

/// A Systems Manager resource of the template, by its index in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ssm {
    Document(usize),
    ServiceSetting(usize),
}

impl Family for Ssm {
    fn logical_id(self, plan: &Plan) -> &str {
        match self {
            Ssm::Document(i) => &plan.documents[i].id.upper_camel,
            Ssm::ServiceSetting(i) => &plan.service_settings[i].id.upper_camel,
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Ssm::Document(_) => "AWS::SSM::Document",
            Ssm::ServiceSetting(_) => "AWS::SSM::ServiceSetting",
        }
    }

    fn subject(self) -> Option<Subject> {
        match self {
            Ssm::Document(i) => Some(Subject::Document(i)),
            Ssm::ServiceSetting(_) => None,
        }
    }

    fn comment(self, plan: &Plan) -> Option<Cow<'_, str>> {
        match self {
            Ssm::Document(_) => None,
            Ssm::ServiceSetting(i) => Some(Cow::Borrowed(plan.service_settings[i].note)),
        }
    }

    fn depends_on(self, plan: &Plan) -> Vec<&str> {
        match self {
            Ssm::Document(_) => Vec::new(),
            Ssm::ServiceSetting(i) => (plan.service_settings[i].role.iter())
                .map(|&r| plan.roles[r].id.upper_camel.as_str())
                .collect(),
        }
    }

    fn properties(self, w: &mut Writer, plan: &Plan) {
        match self {
            Ssm::Document(i) => document_properties(w, &plan.documents[i]),
            Ssm::ServiceSetting(i) => setting_properties(w, &plan.service_settings[i]),
        }
    }
}

fn document_properties(w: &mut Writer, d: &SessionDocument) {
    w.begin_map();
    w.key("Name");
    w.str(&d.name);
    w.key("DocumentType");
    w.str(SESSION_TYPE);
    w.key("DocumentFormat");
    w.str(CONTENT_FORMAT);
    w.key("UpdateMethod");
    w.str(UPDATE_METHOD);
    w.key("Content");
    content(w, &d.content);
    w.tags(&d.tags);
    w.end_map();
}

/// The document's content as a mapping, but for the inputs that name a created resource
/// (the key's ARN, the bucket's name): the plan holds a placeholder there, written as the
/// reference to the resource (`!GetAtt SessionKey.Arn`, `!Ref SessionLogBucket`), which
/// CloudFormation resolves inside the content too and which makes the document wait for
/// the resource. Only those two inputs are read so: any other string stays a string,
/// whatever it holds.
fn content(w: &mut Writer, content: &Json) {
    let Json::Object(map) = content else {
        return w.json(content);
    };
    w.begin_map();
    for (k, v) in map {
        w.key(k);
        match (k.as_str(), v) {
            ("inputs", Json::Object(inputs)) => {
                w.begin_map();
                for (input, v) in inputs {
                    w.key(input);
                    match created_reference(input, v) {
                        Some(r) => w.text(&crate::text![r]),
                        None => w.json(v),
                    }
                }
                w.end_map();
            }
            _ => w.json(v),
        }
    }
    w.end_map();
}

/// The created resource an input names, when it holds that resource's placeholder.
fn created_reference(input: &str, value: &Json) -> Option<Reference> {
    let r = match input {
        "kmsKeyId" => Reference::SessionKeyArn,
        "s3BucketName" => Reference::LogBucketName,
        _ => return None,
    };
    (value.as_str() == Some(r.placeholder())).then_some(r)
}

fn setting_properties(w: &mut Writer, s: &ServiceSetting) {
    w.begin_map();
    w.key("SettingId");
    w.str(s.setting_id);
    w.key("SettingValue");
    w.str(&s.value);
    w.end_map();
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value as Json};

    use crate::targets::cloudformation::test_support::{parse_yaml, render, setup_plan_of};
    use crate::targets::cloudformation::CloudFormation;
    use crate::targets::{CfnFormat, Options, Target};

    /// A shell profile with everything a template could mistake for its own syntax.
    const HOSTILE_PROFILE: &str = "echo \"it's\" ${AWS::Region} %{x} \\ \\n\n#not: a comment\n- item\t!Ref X é 🦀 \u{2028}end: ";

    fn both(plan: &crate::plan::Plan) -> [Json; 2] {
        let yaml = parse_yaml(&render(plan, CfnFormat::Yaml));
        let json = serde_json::from_str(&render(plan, CfnFormat::Json)).expect("valid JSON");
        [yaml, json]
    }

    const PREFERENCES: &str = "version: 1\nproject: shop\ntags:\n  team: shop\nsession:\n  s3:\n    bucket: shop-logs\n  idle_timeout_minutes: 15\n  run_as: ec2-user\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n  - name: onprem\n    platform: hybrid\n    mode: session-only\n";

    #[test]
    fn a_document_holds_its_content_as_an_object_with_booleans_and_a_new_version_on_update() {
        let plan = setup_plan_of(PREFERENCES);
        assert_eq!(plan.documents.len(), 1);
        for doc in both(&plan) {
            let res = &doc["Resources"]["SessionPreferences"];
            assert_eq!(res["Type"], "AWS::SSM::Document");
            let props = &res["Properties"];
            assert_eq!(props["Name"], "shop-session-preferences");
            assert_eq!(props["DocumentType"], "Session");
            assert_eq!(props["DocumentFormat"], "JSON");
            assert_eq!(props["UpdateMethod"], "NewVersion");
            assert_eq!(props["Content"], plan.documents[0].content);
            assert_eq!(props["Content"]["inputs"]["runAsEnabled"], json!(true));
            assert_eq!(props["Content"]["schemaVersion"], "1.0");
            assert_eq!(props["Tags"], json!([{"Key": "team", "Value": "shop"}]));
            assert_eq!(
                doc["Outputs"]["SessionPreferencesName"]["Value"],
                json!({"Ref": "SessionPreferences"})
            );
        }
    }

    #[test]
    fn the_account_default_document_is_no_resource_and_the_script_writes_it() {
        let spec = PREFERENCES.replace(
            "fleets:\n",
            "session_document:\n  account_default: true\nfleets:\n",
        );
        let plan = setup_plan_of(&spec);
        assert!(plan.documents[0].account_default);
        for doc in both(&plan) {
            let resources = doc["Resources"].as_object().expect("resources");
            assert!(
                resources
                    .values()
                    .all(|r| r["Type"] != "AWS::SSM::Document"),
                "{doc:#}"
            );
            assert!(resources.get("SessionPreferences").is_none());
            // The output names the document without referring to any resource.
            assert_eq!(
                doc["Outputs"]["SessionPreferencesName"]["Value"],
                json!("SSM-SessionManagerRunShell")
            );
            assert!(!serde_json::to_string(&doc)
                .expect("json")
                .contains("\"SessionPreferences\""));
        }
        // After the template; the activation of the hybrid fleet is in the stack, or,
        // with the script method, made by a script before this one.
        let scripted = setup_plan_of(&format!("{spec}activation_method: script\n"));
        for cfn_format in [CfnFormat::Yaml, CfnFormat::Json] {
            let options = Options {
                cfn_format,
                ..Options::default()
            };
            for (plan, scripts) in [
                (&plan, &["session-preferences.sh"][..]),
                (
                    &scripted,
                    &["create-activations.sh", "session-preferences.sh"][..],
                ),
            ] {
                let files = CloudFormation.render(plan, &options).expect("renders");
                let names: Vec<_> = files.iter().map(|f| f.path.to_string_lossy()).collect();
                assert_eq!(names[1..], *scripts, "{names:?}");
            }
        }
        // A document of the project's own stays a resource, with no script.
        let own = setup_plan_of(PREFERENCES);
        let files = CloudFormation
            .render(&own, &Options::default())
            .expect("renders");
        assert!(files
            .iter()
            .all(|f| !f.path.ends_with("session-preferences.sh")));
    }

    #[test]
    fn a_document_carries_only_the_checkov_skips_cloudformation_reads() {
        use crate::facts::scanners::CKV_WRITE_WITHOUT_CONSTRAINTS;
        use crate::plan::{Acknowledgement, Subject};
        let mut plan = setup_plan_of(PREFERENCES);
        // CKV_AWS_112 (no session key) is acknowledged, but checkov checks the Session
        // document rules in Terraform only.
        assert!(plan
            .acknowledgements_of(Subject::Document(0))
            .any(|a| a.rule.id == "CKV_AWS_112"));
        for doc in both(&plan) {
            assert!(doc["Resources"]["SessionPreferences"]
                .get("Metadata")
                .is_none());
        }
        plan.acknowledgements.push(Acknowledgement {
            rule: CKV_WRITE_WITHOUT_CONSTRAINTS,
            subject: Subject::Document(0),
            finding: None,
            reason: "a reason".into(),
        });
        plan.acknowledgements.sort_by_key(|a| a.subject);
        for doc in both(&plan) {
            let res = &doc["Resources"]["SessionPreferences"];
            let keys: Vec<&String> = res.as_object().expect("map").keys().collect();
            assert_eq!(keys, ["Type", "Metadata", "Properties"]);
            assert_eq!(
                res["Metadata"]["checkov"]["skip"],
                json!([{"id": "CKV_AWS_111", "comment": "a reason"}])
            );
        }
    }

    #[test]
    fn the_tier_setting_has_its_note_as_a_comment_and_waits_for_its_role() {
        let mut plan = setup_plan_of(PREFERENCES);
        assert_eq!(plan.service_settings.len(), 1);
        let yaml = render(&plan, CfnFormat::Yaml);
        assert!(
            yaml.contains("\n  # Account-and-Region wide: every hybrid node"),
            "{yaml}"
        );
        for doc in both(&plan) {
            let res = &doc["Resources"]["HybridAdvancedTier"];
            assert_eq!(res["Type"], "AWS::SSM::ServiceSetting");
            assert_eq!(
                res["Properties"],
                json!({"SettingId": "/ssm/managed-instance/activation-tier", "SettingValue": "advanced"})
            );
            assert!(res.get("DependsOn").is_none());
        }
        plan.service_settings[0].role = Some(1);
        for doc in both(&plan) {
            let res = &doc["Resources"]["HybridAdvancedTier"];
            assert_eq!(res["DependsOn"], "OnpremRole");
        }
        // A note that tries to end its comment stays one.
        let before = parse_yaml(&render(&plan, CfnFormat::Yaml));
        plan.service_settings[0].note = "a\nb: c\r\u{85}d: e\u{2028}f: g\u{feff}h: i";
        assert_eq!(parse_yaml(&render(&plan, CfnFormat::Yaml)), before);
    }

    #[test]
    fn a_hostile_shell_profile_reads_back_as_the_exact_string() {
        let mut plan = setup_plan_of(PREFERENCES);
        let content = &mut plan.documents[0].content;
        content["inputs"]["shellProfile"]["linux"] = json!(HOSTILE_PROFILE);
        content["inputs"]["shellProfile"]["windows"] = json!("true");
        let [yaml, json] = both(&plan);
        assert_eq!(yaml, json);
        let inputs = &json["Resources"]["SessionPreferences"]["Properties"]["Content"]["inputs"];
        assert_eq!(inputs["shellProfile"]["linux"], HOSTILE_PROFILE);
        assert_eq!(inputs["shellProfile"]["windows"], "true");
        // The JSON is laid out exactly as serde_json pretty-prints it, booleans included
        // (but for the line separator, which the escaper writes as a code).
        let pretty = serde_json::to_string_pretty(&json).expect("serializes");
        let text = render(&plan, CfnFormat::Json).replace("\\u2028", "\u{2028}");
        assert_eq!(text, pretty + "\n");
    }
}
