//! Session Manager set up beyond node permissions, as CDK Python: the preferences
//! documents (`ssm.CfnDocument`), each created in the block of the first fleet whose
//! sessions use it, and the account settings (`ssm.CfnServiceSetting`), created after
//! every fleet because a setting may name a fleet's role. The account's default
//! document is not created: the stack cannot adopt it, so `session-preferences.sh`
//! writes it.

use serde_json::Value;

use super::iam::push_tag_statements;
use super::python::{call_statement, Arg, Py, BODY_INDENT};
use super::{missing, role_at, ModuleContext, Part, CONSTRUCT};
use crate::error::Error;
use crate::plan::{FleetPlan, Plan, ServiceSetting, SessionDocument};
use crate::render::escape::py_str;

/// `DocumentType` of a preferences document (Session document schema).
const DOCUMENT_TYPE: &str = "Session";
/// `DocumentFormat`: the content is written as a dict, which CloudFormation receives as
/// a JSON object.
const DOCUMENT_FORMAT: &str = "JSON";
/// `UpdateMethod`: a content change becomes the named document's new default version.
/// The default, `Replace`, creates the replacement before deleting the old document,
/// which fails for a document whose name is fixed.
const UPDATE_METHOD: &str = "NewVersion";

/// At most this many fleet names in a comment or docstring: a document may serve
/// thousands of fleets, whose names are all in its content and output already.
const FLEETS_NAMED: usize = 3;

pub(super) fn document_at(plan: &Plan, i: usize) -> Result<&SessionDocument, Error> {
    plan.documents
        .get(i)
        .ok_or_else(|| missing("session document", i))
}

/// Whether the construct creates the document: the account's default one exists before
/// the stack, which cannot adopt it, so `session-preferences.sh` writes it instead.
pub(super) fn in_stack(doc: &SessionDocument) -> bool {
    !doc.account_default
}

/// Hands each document the construct creates out at the first fleet that uses it. The
/// plan numbers documents in that order, so a counter is enough; a plan that does not
/// (or holds a document no fleet uses) is refused rather than rendered without the
/// document.
pub(super) struct FirstUse(usize);

impl FirstUse {
    pub(super) fn new() -> Self {
        FirstUse(0)
    }

    /// The document `fleet` is the first user of, if any and if the construct creates it
    /// ([`in_stack`]).
    pub(super) fn take<'p>(
        &mut self,
        plan: &'p Plan,
        fleet: &FleetPlan,
    ) -> Result<Option<&'p SessionDocument>, Error> {
        match fleet.document {
            Some(i) if i == self.0 => {
                self.0 += 1;
                document_at(plan, i).map(|doc| Some(doc).filter(|d| in_stack(d)))
            }
            Some(i) if i > self.0 => Err(order_error(format!(
                "fleet {} uses session document {i} before any fleet uses document {}",
                fleet.name, self.0
            ))),
            _ => Ok(None),
        }
    }

    /// Fails unless every document of the plan was handed out.
    pub(super) fn finish(self, plan: &Plan) -> Result<(), Error> {
        if self.0 == plan.documents.len() {
            Ok(())
        } else {
            Err(order_error(format!(
                "session document {} is used by no fleet",
                self.0
            )))
        }
    }
}

fn order_error(message: String) -> Error {
    Error::Render {
        template: CONSTRUCT.into(),
        message,
    }
}

/// `fleet a`, `fleets a, b`, or `fleets a, b, c and 7 more`. Fleet names are plan
/// identifiers (lowercase letters, digits, hyphens), safe in comments and docstrings.
pub(super) fn fleets_phrase(fleets: &[String]) -> String {
    let named = fleets[..fleets.len().min(FLEETS_NAMED)].join(", ");
    match fleets.len() {
        1 => format!("fleet {named}"),
        n if n <= FLEETS_NAMED => format!("fleets {named}"),
        n => format!("fleets {named} and {} more", n - FLEETS_NAMED),
    }
}

/// The typed attribute of a document and its docstring.
pub(super) fn document_attribute(doc: &SessionDocument, attributes: &mut Vec<String>) {
    attributes.push(format!(
        "{}: ssm.CfnDocument\n    \"\"\"Preferences document of the sessions of {}.\"\"\"",
        doc.id.snake,
        fleets_phrase(&doc.fleets)
    ));
}

/// The statements that create a document: a comment, `self.<attr> = ssm.CfnDocument(...)`
/// and its tags.
pub(super) fn push_document_statements(
    plan: &Plan,
    doc: &SessionDocument,
    statements: &mut Vec<String>,
) {
    statements.push(comment(&format!(
        "Session Manager preferences of {}. A content change becomes the document's new default version: its name is fixed, so it cannot be replaced.",
        fleets_phrase(&doc.fleets)
    )));
    let content = content_value(plan, &doc.content).lay_arg("content");
    let name = super::props::name_arg(&doc.name);
    statements.push(call_statement(
        Some(&doc.id.snake),
        "ssm.CfnDocument",
        &[
            ("", Arg::Code("self")),
            ("", Arg::Str(&doc.id.upper_camel)),
            ("name", Arg::Code(&name)),
            ("document_type", Arg::Str(DOCUMENT_TYPE)),
            ("document_format", Arg::Str(DOCUMENT_FORMAT)),
            ("update_method", Arg::Str(UPDATE_METHOD)),
            ("content", Arg::Code(&content)),
        ],
    ));
    push_tag_statements(&doc.id.snake, &doc.tags, statements);
}

/// The document's content, its inputs that name the shared session key, log bucket or
/// log group spelled so that the construct's arguments replace them.
fn content_value(plan: &Plan, content: &Value) -> Py {
    let Value::Object(map) = content else {
        return py_value(content);
    };
    Py::Dict(
        map.iter()
            .map(|(k, v)| {
                let value = match (k.as_str(), v) {
                    ("inputs", Value::Object(inputs)) => Py::Dict(
                        inputs
                            .iter()
                            .map(|(ik, iv)| {
                                let replaced = iv
                                    .as_str()
                                    .and_then(|s| super::props::document_input(plan, ik, s));
                                (py_str(ik), replaced.map_or_else(|| py_value(iv), Py::atom))
                            })
                            .collect(),
                    ),
                    _ => py_value(v),
                };
                (py_str(k), value)
            })
            .collect(),
    )
}

/// A JSON value as a Python literal (`True`/`False`/`None`, strings through `py_str`),
/// which CDK writes back into the template as the same JSON.
fn py_value(v: &Value) -> Py {
    match v {
        Value::Null => Py::atom("None"),
        Value::Bool(true) => Py::atom("True"),
        Value::Bool(false) => Py::atom("False"),
        Value::Number(n) => Py::atom(n.to_string()),
        Value::String(s) => Py::atom(py_str(s)),
        Value::Array(items) => Py::List(items.iter().map(py_value).collect()),
        Value::Object(map) => Py::Dict(map.iter().map(|(k, v)| (py_str(k), py_value(v))).collect()),
    }
}

/// The service settings' attributes and statements, each rendered in one piece (there
/// is one setting per kind, so a spec never has many), or nothing when there are none.
pub(super) fn settings(plan: &Plan, base: ModuleContext) -> Result<(String, String), Error> {
    if plan.service_settings.is_empty() {
        return Ok((String::new(), String::new()));
    }
    let (mut attributes, mut statements) = (Vec::new(), Vec::new());
    for s in &plan.service_settings {
        setting_attribute(s, &mut attributes);
        push_setting_statements(plan, s, &mut statements)?;
    }
    let attributes = super::layout::part(&ModuleContext {
        part: Part::Attributes,
        attributes: &attributes,
        ..base
    });
    let statements = super::layout::part(&ModuleContext {
        part: Part::Settings,
        settings: &statements,
        ..base
    });
    Ok((attributes, statements))
}

/// The typed attribute of a service setting and its docstring.
fn setting_attribute(setting: &ServiceSetting, attributes: &mut Vec<String>) {
    attributes.push(format!(
        "{}: ssm.CfnServiceSetting\n    \"\"\"Service setting {} (account and Region wide).\"\"\"",
        setting.id.snake, setting.id.kebab
    ));
}

/// The statements that create a setting: its note as a comment,
/// `self.<attr> = ssm.CfnServiceSetting(...)` and, when its value names a role, the
/// dependency that creates the role first.
fn push_setting_statements(
    plan: &Plan,
    setting: &ServiceSetting,
    statements: &mut Vec<String>,
) -> Result<(), Error> {
    statements.push(comment(setting.note));
    statements.push(call_statement(
        Some(&setting.id.snake),
        "ssm.CfnServiceSetting",
        &[
            ("", Arg::Code("self")),
            ("", Arg::Str(&setting.id.upper_camel)),
            ("setting_id", Arg::Str(setting.setting_id)),
            ("setting_value", Arg::Str(&setting.value)),
        ],
    ));
    if let Some(r) = setting.role {
        let role = role_at(plan, r)?;
        statements.push(
            Py::Method(
                Box::new(Py::atom(format!("self.{}.node", setting.id.snake))),
                "add_dependency",
                vec![(None, Py::atom(format!("self.{}", role.id.snake)))],
            )
            .lay(BODY_INDENT, BODY_INDENT, 0),
        );
    }
    Ok(())
}

/// Text as `#` comment lines of `__init__`, wrapped to black's line length. Splitting
/// at whitespace and dropping control characters keeps every line break (and NUL, which
/// Python refuses in source) out of the text, so it cannot end the comment.
pub(super) fn comment(text: &str) -> String {
    comment_at(text, BODY_INDENT)
}

/// [`comment`] for a statement indented by `indent` (in an `if` block).
pub(super) fn comment_at(text: &str, indent: usize) -> String {
    let width = 88 - indent - 2;
    let mut out = String::from("#");
    let mut line = 0;
    for word in text.split_whitespace() {
        let word: String = word.chars().filter(|c| !c.is_control()).collect();
        let w = word.chars().count();
        if line > 0 && line + 1 + w > width {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', indent));
            out.push('#');
            line = 0;
        }
        out.push(' ');
        out.push_str(&word);
        line += usize::from(line > 0) + w;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::cdk_python::test_support::module_of as module;
    use crate::targets::cdk_python::CdkPython;
    use crate::targets::{Options, Target};

    /// Shell profiles are free text: quotes, `${`/`%{` (template syntax elsewhere),
    /// braces, backslashes, line breaks, controls and non-ASCII.
    const HOSTILE: &str =
        "echo \"a'b\" \\\\ ${HOME} %{x} {y}} \"\"\"\n\r\t\u{0}\u{7f}é€𝄞\u{2028}\u{feff}\\n end";

    fn plan_with_setup(example: &str) -> Plan {
        let path = std::path::Path::new("examples").join(example);
        let (spec, _) = crate::spec::load(&path).expect("example is valid");
        crate::plan::build::build(&spec)
    }

    /// The module as Python's own parser reads it: every `ssm.CfnDocument(...)` (its
    /// keyword arguments through `ast.literal_eval`, the construct id under `"id"`) and
    /// every tag added (`[target, key, value]`).
    fn read_by_python(code: &str) -> serde_json::Value {
        const READ: &str = r#"
import ast, json, sys
docs, tags = [], []

def lit(n):
    # `<argument's> if <argument> else <spec's>`: the spec's value, as the defaults.
    if isinstance(n, ast.IfExp):
        return lit(n.orelse)
    if isinstance(n, ast.Dict):
        return {lit(k): lit(v) for k, v in zip(n.keys, n.values)}
    return ast.literal_eval(n)

for node in ast.walk(ast.parse(sys.stdin.read())):
    if not isinstance(node, ast.Call):
        continue
    callee = ast.unparse(node.func)
    if callee == "ssm.CfnDocument":
        doc = {k.arg: lit(k.value) for k in node.keywords}
        doc["id"] = ast.literal_eval(node.args[1])
        docs.append(doc)
    elif callee.startswith("cdk.Tags.of(") and callee.endswith(").add") and all(
        isinstance(a, ast.Constant) for a in node.args
    ):
        target = ast.unparse(node.func.value.args[0])
        tags.append([target] + [ast.literal_eval(a) for a in node.args])
print(json.dumps({"documents": docs, "tags": tags}))
"#;
        crate::targets::cdk_python::test_support::python_json(READ, code)
    }

    #[test]
    fn hostile_shell_profiles_read_back_as_the_exact_strings() {
        let mut plan = plan_with_setup("session-preferences.yaml");
        for doc in &mut plan.documents {
            doc.content["inputs"]["shellProfile"]["linux"] = HOSTILE.into();
            doc.content["inputs"]["shellProfile"]["windows"] = format!("{HOSTILE}{HOSTILE}").into();
            doc.name = HOSTILE.into();
            doc.tags.insert(HOSTILE.into(), HOSTILE.into());
        }
        let code = module(&plan);
        // Python reads U+2028 inside a literal as itself; every line break it would end
        // a line at is escaped.
        assert!(!code.contains(['\r', '\t', '\u{0}', '\u{7f}']));
        let read = read_by_python(&code);
        let (docs, tags) = (&read["documents"], &read["tags"]);
        assert_eq!(docs.as_array().map(Vec::len), Some(plan.documents.len()));
        for (got, doc) in docs.as_array().into_iter().flatten().zip(&plan.documents) {
            assert_eq!(got["content"], doc.content, "content of {}", doc.id.kebab);
            assert_eq!(got["content"]["inputs"]["shellProfile"]["linux"], HOSTILE);
            assert_eq!(got["name"], HOSTILE);
            assert_eq!(got["id"], doc.id.upper_camel.as_str());
            assert_eq!(got["update_method"], "NewVersion");
            let tag = serde_json::json!([format!("self.{}", doc.id.snake), HOSTILE, HOSTILE]);
            assert!(tags.as_array().is_some_and(|t| t.contains(&tag)));
        }
    }

    #[test]
    fn each_document_is_created_once_in_its_first_fleet_and_named_by_its_output() {
        let plan = plan_with_setup("session-preferences.yaml");
        assert_eq!(plan.documents.len(), 2);
        let code = module(&plan);
        assert!(code.contains("from aws_cdk import aws_ssm as ssm\n"));
        for doc in &plan.documents {
            let attr = &doc.id.snake;
            assert_eq!(
                code.matches(&format!("self.{attr} = ssm.CfnDocument("))
                    .count(),
                1
            );
            assert!(code.contains(&format!("\n    {attr}: ssm.CfnDocument\n")));
            assert!(code.contains(&format!("value=self.{attr}.ref,")));
            assert!(code.contains(&format!("cdk.Tags.of(self.{attr}).add(\"team\", \"shop\")")));
            // After the fleet's other resources, before the next fleet.
            let fleet = code
                .find(&format!("# Fleet {} (", doc.fleets[0]))
                .expect("fleet block");
            let at = code.find(&format!("self.{attr} = ")).expect("document");
            let next = code[fleet + 1..]
                .find("# Fleet ")
                .map_or(usize::MAX, |n| n + fleet + 1);
            assert!(fleet < at && at < next);
        }
        assert!(code.contains("                \"cloudWatchStreamingEnabled\": True,\n"));
        assert!(code.contains("                \"cloudWatchStreamingEnabled\": False,\n"));
        assert!(code
            .lines()
            .all(|l| l.chars().count() <= 88 || l.contains('"')));
    }

    #[test]
    fn the_tier_setting_is_created_after_the_fleets_with_its_note() {
        let mut plan = plan_with_setup("hybrid-activation.yaml");
        assert_eq!(plan.service_settings.len(), 1);
        let code = module(&plan);
        let call = "self.hybrid_advanced_tier = ssm.CfnServiceSetting(\n            self,\n            \"HybridAdvancedTier\",\n            setting_id=\"/ssm/managed-instance/activation-tier\",\n            setting_value=\"advanced\",\n        )\n";
        let at = code.find(call).expect("setting");
        assert!(code.find("# Fleet plc-gateways").expect("fleet") < at);
        assert!(code[..at].contains("        # Account-and-Region wide: every hybrid node"));
        assert!(code.contains("\n    hybrid_advanced_tier: ssm.CfnServiceSetting\n"));
        assert!(!code.contains("self.hybrid_advanced_tier.node.add_dependency"));

        // A setting whose value names a role is created after it.
        plan.service_settings[0].role = Some(0);
        let role = plan.roles[0].id.snake.clone();
        let code = module(&plan);
        assert!(code.contains(&format!(
            "        )\n        self.hybrid_advanced_tier.node.add_dependency(self.{role})\n"
        )));
    }

    #[test]
    fn the_account_default_document_is_left_to_the_script() {
        let plan = plan_with_setup("account-default.yaml");
        assert!(plan.documents[0].account_default && plan.service_settings.is_empty());
        let files = CdkPython
            .render(&plan, &Options::default())
            .expect("renders");
        let names: Vec<_> = files.iter().map(|f| f.path.to_string_lossy()).collect();
        assert_eq!(names, ["core_ssm_access.py", "session-preferences.sh"]);
        let code = &files[0].contents;
        // No document, no attribute, no reference to one, and no unused import.
        assert_eq!(read_by_python(code)["documents"], serde_json::json!([]));
        assert!(!code.contains("aws_ssm") && !code.contains("session_preferences"));
        assert!(code.contains("            value=\"SSM-SessionManagerRunShell\",\n"));
        assert!(
            code.contains("run session-preferences.sh to\nwrite them.\n"),
            "{code}"
        );
    }

    #[test]
    fn plans_without_the_new_kinds_import_no_ssm() {
        let yaml = "version: 1\nproject: shop\nsession_document:\n  create: false\nsession:\n  cloudwatch: {log_group: /ssm/shop}\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n";
        let (spec, _) = crate::spec::load_str(yaml, "spec.yaml").expect("valid spec");
        let plan = crate::plan::build::build(&spec);
        assert!(plan.documents.is_empty() && plan.service_settings.is_empty());
        let code = module(&plan);
        assert!(!code.contains("aws_ssm") && !code.contains("ssm.Cfn"));
    }

    #[test]
    fn comments_wrap_and_cannot_be_ended_by_the_text() {
        let c = comment(&format!("{} end\nimport os\r\u{0}x", "word ".repeat(30)));
        assert!(c
            .lines()
            .all(|l| l.trim_start().starts_with('#') && l.len() <= 88));
        assert!(c.replace("\n        #", "").ends_with(" end import os x"));
        assert_eq!(comment("short note"), "# short note");
    }

    #[test]
    fn plans_that_misnumber_documents_are_refused() {
        let mut plan = plan_with_setup("session-preferences.yaml");
        plan.fleets[0].document = Some(1);
        assert!(CdkPython.render(&plan, &Options::default()).is_err());
        let mut plan = plan_with_setup("session-preferences.yaml");
        plan.fleets[1].document = Some(0);
        assert!(CdkPython.render(&plan, &Options::default()).is_err());
    }

    #[test]
    fn documents_and_settings_do_not_depend_on_the_run_length() {
        for example in ["session-preferences.yaml", "mixed-fleets.yaml"] {
            let plan = plan_with_setup(example);
            let whole = crate::targets::cdk_python::construct_in_runs(&plan, "m", "C", 64)
                .expect("renders");
            for run in [1, 2] {
                let text = crate::targets::cdk_python::construct_in_runs(&plan, "m", "C", run)
                    .expect("renders");
                assert!(
                    text == whole,
                    "runs of {run} change the module of {example}"
                );
            }
        }
    }

    #[test]
    fn fleet_lists_stay_short() {
        let names: Vec<String> = (0..5).map(|i| format!("f{i}")).collect();
        assert_eq!(fleets_phrase(&names[..1]), "fleet f0");
        assert_eq!(fleets_phrase(&names[..2]), "fleets f0, f1");
        assert_eq!(fleets_phrase(&names), "fleets f0, f1, f2 and 2 more");
    }
}
