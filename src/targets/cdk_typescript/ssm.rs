//! The Systems Manager family: each Session Manager preferences document
//! (`ssm.CfnDocument`) and account service setting (`ssm.CfnServiceSetting`) the plan
//! holds, as a field declaration and the statement that constructs it. Both are public
//! fields, so that an app can name a document in an operator policy or order its own
//! resources after a setting. The account's default document is not in the construct:
//! `session-preferences.sh` writes it.

use serde_json::Value;

use super::created;
use super::iam::role_field;
use super::props::Spell;
use super::typescript::{push_field, push_line_comment, push_name_prop, push_new, push_str_prop};
use crate::plan::{Bucket, KmsKey, Plan, ServiceSetting, SessionDocument};
use crate::render::escape;

/// A preferences document is a `Session` document (Session document schema).
const DOCUMENT_TYPE: &str = "Session";
/// The content is written as an object, which CloudFormation passes on as JSON.
const DOCUMENT_FORMAT: &str = "JSON";
/// A named document cannot be replaced by CloudFormation (the new one would need the
/// name the old one still holds), so a content change makes a new default version.
const UPDATE_METHOD: &str = "NewVersion";

/// Whether the construct creates the document: the account's default one exists before
/// the stack, which cannot adopt it, so `session-preferences.sh` writes it instead.
pub(super) fn in_stack(d: &SessionDocument) -> bool {
    !d.account_default
}

/// The fleets a document configures, for its TSDoc.
fn fleets_phrase(d: &SessionDocument) -> String {
    let s = if d.fleets.len() == 1 { "" } else { "s" };
    format!("fleet{s} {}", d.fleets.join(", "))
}

pub(super) fn document_field_decl(out: &mut String, _plan: &Spell<'_>, d: &SessionDocument) {
    let doc = format!(
        "The Session Manager preferences of {}, document {}: operators name it in StartSession (aws ssm start-session --document-name).",
        fleets_phrase(d),
        d.name
    );
    push_field(out, &doc, &d.id.lower_camel, "ssm.CfnDocument");
}

pub(super) fn setting_field_decl(out: &mut String, _plan: &Spell<'_>, s: &ServiceSetting) {
    let doc = format!(
        "The account-and-Region service setting {}, set to {}.",
        s.setting_id, s.value
    );
    push_field(out, &doc, &s.id.lower_camel, "ssm.CfnServiceSetting");
}

pub(super) fn document_block(out: &mut String, plan: &Spell<'_>, d: &SessionDocument) {
    const PROP: &str = "      ";
    let field = d.id.lower_camel.as_str();
    push_new(out, field, "ssm.CfnDocument", &d.id.upper_camel);
    push_name_prop(out, PROP, "name", &d.name);
    push_str_prop(out, PROP, "documentType", DOCUMENT_TYPE);
    push_str_prop(out, PROP, "documentFormat", DOCUMENT_FORMAT);
    out.push('\n');
    push_line_comment(
        out,
        PROP,
        "Content changes make a new default version: a named document cannot be replaced.",
    );
    push_str_prop(out, PROP, "updateMethod", UPDATE_METHOD);
    // An object, not a JSON string, so that the synthesized template holds the content
    // as data that linters and the equality check read.
    out.push('\n');
    out.push_str(PROP);
    out.push_str("content: ");
    push_content(out, plan, &d.content, PROP);
    out.push_str(",\n    });");
    for (key, value) in &d.tags {
        out.push_str("\n    cdk.Tags.of(this.");
        out.push_str(field);
        out.push_str(").add(");
        escape::push_ts_str(out, key);
        out.push_str(", ");
        escape::push_ts_str(out, value);
        out.push_str(");");
    }
}

pub(super) fn setting_block(out: &mut String, plan: &Spell<'_>, s: &ServiceSetting) {
    const PROP: &str = "      ";
    let field = s.id.lower_camel.as_str();
    if !s.note.is_empty() {
        push_line_comment(out, "    ", s.note);
        out.push('\n');
    }
    push_new(out, field, "ssm.CfnServiceSetting", &s.id.upper_camel);
    push_str_prop(out, PROP, "settingId", s.setting_id);
    push_str_prop(out, PROP, "settingValue", &s.value);
    out.push_str("\n    });");
    if let Some(role) = s.role {
        // The setting's value names the role, which must exist before it is set.
        out.push_str("\n    this.");
        out.push_str(field);
        out.push_str(".node.addDependency(this.");
        out.push_str(role_field(plan, role));
        out.push_str(");");
    }
}

/// Writes a document's content as [`push_value`] does, except the inputs that name a
/// created resource or a value a prop can replace ([`push_document_input`]):
/// `this.sessionKey.keyArn`, `props.logBucket?.bucketName ?? '<spec value>'`.
fn push_content(out: &mut String, plan: &Plan, content: &Value, indent: &str) {
    let Value::Object(map) = content else {
        return push_value(out, content, indent);
    };
    push_members(out, map, indent, &|out, key, item, inner| match item {
        Value::Object(inputs) if key == "inputs" && !inputs.is_empty() => {
            push_members(out, inputs, inner, &|out, key, item, inner| {
                let written = match item {
                    Value::String(s) => push_document_input(out, plan, key, s),
                    _ => false,
                };
                if !written {
                    push_value(out, item, inner);
                }
            });
        }
        _ => push_value(out, item, inner),
    });
}

/// Writes a document input that names a created resource or a value a prop replaces, and
/// says whether it did (else the caller writes the value as it is): `kmsKeyId` and
/// `s3BucketName` of the created key and bucket (the plan's placeholders) as their
/// field's attribute; `cloudWatchLogGroupName` of the created log group as its attribute
/// where its name may not be the spec's; and each input that names the spec's shared
/// value as `props.<prop>?.<attribute> ?? '<value>'`.
fn push_document_input(out: &mut String, plan: &Plan, key: &str, value: &str) -> bool {
    let shared = &plan.shared;
    let created_group = plan.created.log_group.as_ref().map(|g| g.name.as_str());
    match key {
        "kmsKeyId" if value == KmsKey::Created.preferences_value() => {
            out.push_str("this.sessionKey.keyArn");
            return true;
        }
        "s3BucketName" if value == Bucket::Created.preferences_value() => {
            out.push_str("this.logBucket.bucketName");
            return true;
        }
        "cloudWatchLogGroupName" if created_group == Some(value) => {
            if let Some(switch) = created::log_group_switch(plan) {
                out.push_str(switch);
                out.push_str(" ? this.logGroup.logGroupName : ");
            }
        }
        _ => {
            let prop = match key {
                "kmsKeyId" => shared
                    .session_key
                    .as_ref()
                    .filter(|k| k.preferences_value() == value)
                    .map(|_| "props.sessionKey?.keyArn"),
                "s3BucketName" => shared
                    .log_bucket
                    .as_ref()
                    .filter(|b| b.preferences_value() == value)
                    .map(|_| "props.logBucket?.bucketName"),
                "cloudWatchLogGroupName" => shared
                    .log_group
                    .as_deref()
                    .filter(|g| *g == value)
                    .map(|_| "props.logGroup?.logGroupName"),
                _ => None,
            };
            let Some(prop) = prop else {
                return false;
            };
            out.push_str(prop);
            out.push_str(" ?? ");
        }
    }
    escape::push_ts_str(out, value);
    true
}

/// The object of `map`, each member written by `item` at two spaces deeper than
/// `indent` (one a line, trailing commas).
fn push_members(
    out: &mut String,
    map: &serde_json::Map<String, Value>,
    indent: &str,
    item: &dyn Fn(&mut String, &str, &Value, &str),
) {
    if map.is_empty() {
        out.push_str("{}");
        return;
    }
    let inner = format!("{indent}  ");
    out.push('{');
    for (key, value) in map {
        out.push('\n');
        out.push_str(&inner);
        push_key(out, key);
        out.push_str(": ");
        item(out, key, value, &inner);
        out.push(',');
    }
    out.push('\n');
    out.push_str(indent);
    out.push('}');
}

/// Writes a JSON value as a TypeScript expression: objects and arrays one member a line
/// (two spaces deeper than `indent`, trailing commas), strings through the escaper.
fn push_value(out: &mut String, v: &Value, indent: &str) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // serde_json writes finite numbers only, in a form JavaScript reads back.
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => escape::push_ts_str(out, s),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            let inner = format!("{indent}  ");
            out.push('[');
            for item in items {
                out.push('\n');
                out.push_str(&inner);
                push_value(out, item, &inner);
                out.push(',');
            }
            out.push('\n');
            out.push_str(indent);
            out.push(']');
        }
        Value::Object(map) => push_members(out, map, indent, &|out, _, item, inner| {
            push_value(out, item, inner)
        }),
    }
}

/// A property name: bare when it is a plain identifier, else a string literal. In an
/// object literal `__proto__:` (bare or quoted) sets the prototype instead of making a
/// property, so that one key is written computed.
pub(super) fn push_key(out: &mut String, key: &str) {
    let plain = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if key == "__proto__" {
        out.push('[');
        escape::push_ts_str(out, key);
        out.push(']');
    } else if plain {
        out.push_str(key);
    } else {
        escape::push_ts_str(out, key);
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{construct, node, plan_of};
    use super::*;
    use crate::targets::Target;
    use serde_json::json;

    /// The plan of `yaml` with the session set up (documents and service settings).
    fn setup_plan(yaml: &str) -> Plan {
        let (spec, _) = crate::spec::load_str(yaml, "spec.yaml").expect("valid spec");
        crate::plan::build::build(&spec)
    }

    const LOGGED: &str = "version: 1\nproject: shop\ntags:\n  team: shop\nsession:\n  cloudwatch: {log_group: /ssm/shop}\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n";

    #[test]
    fn a_document_is_a_session_document_with_its_content_as_an_object() {
        let plan = setup_plan(LOGGED);
        let ts = construct(&plan);
        assert!(
            ts.contains("import * as ssm from 'aws-cdk-lib/aws-ssm';\n"),
            "{ts}"
        );
        assert!(
            ts.contains("  public readonly sessionPreferences: ssm.CfnDocument;"),
            "{ts}"
        );
        for line in [
            "    this.sessionPreferences = new ssm.CfnDocument(this, 'SessionPreferences', {",
            "      name: props.generatedNames ? undefined : 'shop-session-preferences',",
            "      documentType: 'Session',",
            "      documentFormat: 'JSON',",
            "      // Content changes make a new default version: a named document cannot be replaced.",
            "      updateMethod: 'NewVersion',",
            "      content: {",
            "        schemaVersion: '1.0',",
            "          cloudWatchLogGroupName: props.logGroup?.logGroupName ?? '/ssm/shop',",
            "          cloudWatchStreamingEnabled: true,",
            "          shellProfile: {",
            "    cdk.Tags.of(this.sessionPreferences).add('team', 'shop');",
            "        value: this.sessionPreferences.ref,",
        ] {
            assert!(ts.contains(&format!("{line}\n")), "{line}\n{ts}");
        }
    }

    #[test]
    fn without_documents_or_settings_nothing_of_ssm_is_written() {
        let plan = plan_of(&LOGGED.replace(
            "session:\n",
            "session_document:\n  create: false\nsession:\n",
        ));
        assert!(plan.documents.is_empty() && plan.service_settings.is_empty());
        let ts = construct(&plan);
        assert!(!ts.contains("aws-ssm") && !ts.contains("ssm.Cfn"), "{ts}");
    }

    #[test]
    fn the_account_default_document_is_left_to_the_script() {
        let plan = setup_plan(&LOGGED.replace(
            "fleets:\n",
            "session_document:\n  account_default: true\nfleets:\n",
        ));
        assert!(plan.documents[0].account_default && plan.service_settings.is_empty());
        let files = super::super::CdkTypeScript
            .render(&plan, &crate::targets::Options::default())
            .expect("renders");
        let names: Vec<_> = files.iter().map(|f| f.path.to_string_lossy()).collect();
        assert_eq!(names, ["shop-ssm-access.ts", "session-preferences.sh"]);
        let ts = &files[0].contents;
        // No document, no field, no reference to one, and no unused import.
        assert!(!ts.contains("ssm.Cfn") && !ts.contains("aws-ssm"), "{ts}");
        assert!(!ts.contains("this.sessionPreferences"), "{ts}");
        assert!(
            ts.contains("        value: 'SSM-SessionManagerRunShell',\n"),
            "{ts}"
        );
        assert!(ts.contains(" * of it, since a stack cannot adopt"), "{ts}");
        // A document of the project's own is still created, with no script.
        let own = construct(&setup_plan(LOGGED));
        assert!(own.contains("new ssm.CfnDocument(") && !own.contains("session-preferences.sh"));
    }

    #[test]
    fn the_tier_setting_carries_its_note_and_waits_for_its_role() {
        let mut plan = setup_plan(
            "version: 1\nproject: factory\nfleets:\n  - name: plc\n    platform: hybrid\n    mode: session-only\n",
        );
        assert_eq!(plan.service_settings.len(), 1);
        let ts = construct(&plan);
        for line in [
            "  public readonly hybridAdvancedTier: ssm.CfnServiceSetting;",
            "    // Account-and-Region wide: every hybrid node is billed as an advanced instance per hour;",
            "    this.hybridAdvancedTier = new ssm.CfnServiceSetting(this, 'HybridAdvancedTier', {",
            "      settingId: '/ssm/managed-instance/activation-tier',",
            "      settingValue: 'advanced',",
        ] {
            assert!(ts.contains(&format!("{line}\n")), "{line}\n{ts}");
        }
        for line in ts.lines().filter(|l| l.trim_start().starts_with("// ")) {
            assert!(line.chars().count() <= 100, "{line}");
        }
        // The setting waits for nothing (the activation below it waits for its own).
        assert!(
            !ts.contains("hybridAdvancedTier.node.addDependency"),
            "{ts}"
        );
        plan.service_settings[0].role = Some(0);
        let ts = construct(&plan);
        assert!(
            ts.contains("    });\n    this.hybridAdvancedTier.node.addDependency(this.plcRole);\n"),
            "{ts}"
        );
    }

    #[test]
    fn hostile_content_reads_back_exactly() {
        let mut plan = setup_plan(LOGGED);
        // Validation limits these; the escaping must not rely on it.
        let hostile =
            "cd ~ && echo 'a' \"b\" `c` ${HOME} %{x} \\ \\' */ \n\r\t\u{2028}\u{7f}\u{1} ü 🦀";
        let inputs = &mut plan.documents[0].content["inputs"];
        inputs["shellProfile"]["linux"] = json!(hostile);
        inputs["shellProfile"]["windows"] = json!(format!("{hostile}\r\n"));
        inputs["__proto__"] = json!({"polluted": hostile});
        inputs["a key with 'quotes' and ${x}"] = json!([1, 2.5, null, true, {}, []]);
        plan.documents[0].name = hostile.into();
        plan.documents[0].fleets = vec![hostile.into()];
        let ts = construct(&plan);
        assert!(!ts.contains("*/ \n"), "{ts}");
        let start = ts.find("      content: ").expect("content") + "      content: ".len();
        let end = start + ts[start..].find("\n      },\n").expect("end") + "\n      }".len();
        let name_prop = "      name: props.generatedNames ? undefined : ";
        let name = ts.find(name_prop).expect("name") + name_prop.len();
        let name_end = name + ts[name..].find(",\n").expect("name end");
        // Without props, as the construct's default: the spec's values.
        let program = format!(
            "const props = {{}};\nprocess.stdout.write(JSON.stringify([{}, {}]));",
            &ts[start..end],
            &ts[name..name_end]
        );
        let back: Value = serde_json::from_str(&node(&program)).expect("JSON from node");
        assert_eq!(back[0], plan.documents[0].content);
        assert_eq!(back[1], json!(hostile));
        // Key order too: the document reads as the plan wrote it.
        assert_eq!(
            serde_json::to_string(&back[0]).expect("json"),
            serde_json::to_string(&plan.documents[0].content).expect("json")
        );
    }
}
