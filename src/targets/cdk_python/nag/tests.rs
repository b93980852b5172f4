//! Unit tests of `nag.rs`.

use crate::targets::cdk_python::test_support::module_of as module;
use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;
use crate::plan::{Piece, Text};
use crate::targets::cdk_python::python::STACK_PSEUDO;
use crate::targets::cdk_python::test_support::python_json;

fn plan_of(path: &str) -> Plan {
    let (spec, _) = crate::spec::load(std::path::Path::new(path)).expect("valid spec");
    crate::plan::build::build(&spec)
}

/// The module as Python's parser reads it: its functions and imports, per attribute
/// of `__init__` the values a cdk-nag finding can name (statement resources, managed
/// policy ARNs), and each `_acknowledge(...)` call with the attribute last assigned
/// before it. A value is its literal text, with `{<code>}` for any expression in it;
/// of `<arg expression> if <arg> else <spec value>`, the spec value (the whole
/// expression is in `expr`).
const READ: &str = r#"
import ast, json, sys

def value(n):
    if isinstance(n, ast.IfExp):
        return value(n.orelse)
    if isinstance(n, ast.Constant):
        return n.value
    if isinstance(n, ast.JoinedStr):
        return "".join(value(v) for v in n.values)
    return "{" + ast.unparse(n.value if isinstance(n, ast.FormattedValue) else n) + "}"

tree = ast.parse(sys.stdin.read())
init = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "__init__")
out = {
    "functions": [n.name for n in tree.body if isinstance(n, ast.FunctionDef)],
    "imports": [ast.unparse(n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))],
    "values": {},
    "acks": [],
}
last = None
for st in init.body:
    if isinstance(st, ast.Assign) and isinstance(st.targets[0], ast.Attribute):
        last = st.targets[0].attr
        vals = out["values"].setdefault(last, [])
        for n in ast.walk(st.value):
            if not isinstance(n, ast.Call):
                continue
            for k in n.keywords:
                if k.arg == "resources":
                    vals += [[value(e), ast.unparse(e)] for e in k.value.elts]
                if k.arg == "managed_policies":
                    vals += [[value(ast.parse(ast.unparse(e) + ".managed_policy_arn").body[0].value),
                              ast.unparse(e) + ".managed_policy_arn"] for e in k.value.elts]
    elif isinstance(st, ast.Expr) and isinstance(st.value, ast.Call) \
            and ast.unparse(st.value.func) == "_acknowledge":
        a = st.value.args
        out["acks"].append({"after": last, "construct": ast.unparse(a[0]), "rule": a[1].value,
                            "prefix": a[2].value, "value": value(a[3]), "reason": a[4].value,
                            "expr": ast.unparse(a[3])})
print(json.dumps(out))
"#;

/// The value [`READ`] reads back for an acknowledgement: an AWS managed policy of a
/// role is named by its CDK expression, any other finding by its plan text.
fn finding_text(plan: &Plan, a: &Acknowledgement) -> String {
    let finding = a.finding.as_ref().expect("finding");
    if let Subject::Role(i) = a.subject {
        if let Some(m) = plan.roles[i]
            .managed_policies
            .iter()
            .find(|m| m.arn == *finding)
        {
            return format!(
                "{{iam.ManagedPolicy.from_aws_managed_policy_name('{}').managed_policy_arn}}",
                m.name
            );
        }
    }
    read_text(finding)
}

/// A plan text as [`READ`] reads it back.
fn read_text(t: &Text) -> String {
    match t.pieces() {
        [Piece::Pseudo(p)] => format!("{{{}}}", STACK_PSEUDO.get(*p)),
        pieces => pieces
            .iter()
            .map(|piece| match piece {
                Piece::Literal(s) => s.clone(),
                Piece::Pseudo(p) => format!("{{{}}}", STACK_PSEUDO.get(*p)),
            })
            .collect(),
    }
}

/// The attribute that holds a subject.
fn attr(plan: &Plan, s: Subject) -> &str {
    match s {
        Subject::Role(i) => &plan.roles[i].id.snake,
        Subject::Policy(i) => &plan.policies[i].id.snake,
        Subject::OperatorPolicy(i) => &plan.operator_policies[i].id.snake,
        Subject::Document(i) => &plan.documents[i].id.snake,
        Subject::ProviderRole => plan
            .activation_provider
            .as_ref()
            .map_or("", |p| p.role.id.snake.as_str()),
        Subject::ProviderFunction => plan
            .activation_provider
            .as_ref()
            .map_or("", |p| p.id.snake.as_str()),
        Subject::ProviderLogGroup => plan
            .activation_provider
            .as_ref()
            .map_or("", |p| p.log_group.id.snake.as_str()),
        Subject::ActivationSecret(i) => plan
            .activation_provider
            .as_ref()
            .and_then(|p| p.secrets.get(i))
            .map_or("", |s| s.id.snake.as_str()),
    }
}

#[test]
fn every_cdk_nag_acknowledgement_follows_its_subject_and_names_its_value() {
    let specs = std::fs::read_dir("examples")
        .into_iter()
        .chain(std::fs::read_dir("tests/conformance/fixtures"))
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"));
    let mut seen = 0;
    for path in specs {
        let plan = plan_of(path.to_str().expect("utf-8"));
        let read = python_json(READ, &module(&plan));
        // Per attribute, the plan's cdk-nag acknowledgements in plan order.
        let mut expected: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for a in plan.acknowledgements.iter() {
            if a.rule.scanner != Scanner::CdkNag {
                continue;
            }
            let at = attr(&plan, a.subject);
            expected.entry(at).or_default().push(json!({
                "after": at,
                "construct": format!("self.{at}"),
                "rule": a.rule.id,
                "prefix": a.rule.granular.expect("granular").prefix(),
                "value": finding_text(&plan, a),
                "reason": a.reason,
            }));
        }
        let mut got: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for a in read["acks"].as_array().expect("acks") {
            let at = a["construct"].as_str().expect("construct");
            let mut a = a.clone();
            let expr = a
                .as_object_mut()
                .expect("ack")
                .remove("expr")
                .expect("expr");
            got.entry(&at["self.".len()..]).or_default().push(a.clone());
            // The finding's value is one the construct itself spells, with the very
            // expression (arguments and all) it uses.
            let values = &read["values"][&at["self.".len()..]];
            assert!(
                values
                    .as_array()
                    .expect("values")
                    .contains(&json!([a["value"], expr])),
                "{}: {a} {expr} not in {values}",
                path.display()
            );
        }
        assert_eq!(got, expected, "{}", path.display());
        let helper = !expected.is_empty();
        let functions = read["functions"].as_array().expect("functions");
        assert_eq!(functions.iter().any(|f| f == "_acknowledge"), helper);
        assert_eq!(read["imports"][0] == "import json", helper);
        seen += expected.values().map(Vec::len).sum::<usize>();
    }
    assert!(
        seen > 50,
        "the examples hold {seen} cdk-nag acknowledgements"
    );
}

#[test]
fn a_plan_without_cdk_nag_acknowledgements_gets_no_helper() {
    let mut plan = plan_of("examples/session-only-ec2.yaml");
    plan.acknowledgements
        .retain(|a| a.rule.scanner != Scanner::CdkNag);
    let code = module(&plan);
    assert!(!code.contains("_acknowledge") && !code.contains("import json"));
    assert!(code.contains("from constructs import Construct\n\n\nclass "));
}

#[test]
fn hostile_reasons_and_values_stay_literals() {
    const HOSTILE: &str = "a\"b\\c{d}}{e}'\"\"\"x\nnl\r\t\u{0}\u{7f}end";
    let mut plan = plan_of("examples/mixed-fleets.yaml");
    let mut value = Text::literal("arn:");
    value.push_pseudo(crate::plan::Pseudo::Partition);
    value.push_str(HOSTILE);
    let a = (plan.acknowledgements.iter_mut())
        .find(|a| a.rule.scanner == Scanner::CdkNag)
        .expect("a cdk-nag acknowledgement");
    a.reason = HOSTILE.into();
    a.finding = Some(value.clone());
    let code = module(&plan);
    assert!(!code.contains(['\r', '\t', '\u{0}', '\u{7f}']) && !code.contains("x\nnl"));
    let read = python_json(READ, &code);
    let first = &read["acks"][0];
    assert_eq!(first["reason"], HOSTILE);
    assert_eq!(first["value"], read_text(&value));
}

/// The helper run by Python against stand-ins for `aws_cdk`, each resolving the value
/// to one of `resolved`: the finding ids it acknowledges and the metadata it writes.
const RUN_HELPER: &str = r#"
import json, sys

class Resource:
    def __init__(self):
        self.metadata = {}
    def get_metadata(self, key):
        return self.metadata.get(key)
    def add_metadata(self, key, value):
        self.metadata[key] = value

class Node:
    def __init__(self):
        self.default_child = Resource()

class Subject:
    def __init__(self, resolved):
        self.node, self.resolved, self.acknowledged = Node(), resolved, []

class Stack:
    def __init__(self, c):
        self.c = c
    def resolve(self, value):
        assert value == "the construct's expression"
        return self.c.resolved

class Validations:
    def __init__(self, c):
        self.c = c
    def acknowledge(self, *rules):
        self.c.acknowledged.extend(rules)

class cdk:
    Stack = type("Stack", (), {"of": staticmethod(Stack)})
    Validations = type("Validations", (), {"of": staticmethod(Validations)})
    Acknowledgment = staticmethod(lambda *, id, reason: {"id": id, "reason": reason})

scope = {"cdk": cdk, "Construct": object, "json": json}
exec(sys.stdin.read(), scope)
out = []
for resolved in RESOLVED:
    c = Subject(resolved)
    scope["_acknowledge"](c, "Rule-1", "Resource", "the construct's expression", "why")
    scope["_acknowledge"](c, "Rule-2", "Policy", "the construct's expression", "why not")
    out.append({"acknowledged": c.acknowledged, "metadata": c.node.default_child.metadata})
print(json.dumps(out))
"#;

#[test]
fn the_helper_names_findings_as_cdk_nag_flattens_them() {
    let cases = json!([
        ["*", "*"],
        [
            {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::b/${aws:username}/*"]]},
            "arn:<AWS::Partition>:s3:::b/<aws:username>/*"
        ],
        [{"Fn::Sub": "arn:${AWS::Partition}:logs:*"}, "arn:<AWS::Partition>:logs:*"],
        [{"Fn::GetAtt": ["Key", "Arn"]}, "<Key.Arn>"],
        [{"Fn::Join": ["/", [{"Ref": "Bucket"}, "*"]]}, "<Bucket>/*"],
        // JSON.stringify's spelling: compact, non-ASCII kept.
        [["a", 1, {"k": "é"}], "[\"a\",1,{\"k\":\"é\"}]"],
    ]);
    let cases = cases.as_array().expect("cases");
    let resolved: Vec<&Value> = cases.iter().map(|c| &c[0]).collect();
    let script = RUN_HELPER.replace("RESOLVED", &serde_json::to_string(&resolved).unwrap());
    let out = python_json(&script, HELPER);
    for (case, got) in cases.iter().zip(out.as_array().expect("runs")) {
        let flat = case[1].as_str().expect("flat");
        assert_eq!(
            got["acknowledged"],
            json!([
                {"id": format!("Rule-1[Resource::{flat}]"), "reason": "why"},
                {"id": format!("Rule-2[Policy::{flat}]"), "reason": "why not"},
            ])
        );
        // cdk-nag 2's form, one entry per finding, kept from call to call.
        assert_eq!(
            got["metadata"],
            json!({"cdk_nag": {"rules_to_suppress": [
                {"id": "Rule-1", "reason": "why", "applies_to": [format!("Resource::{flat}")]},
                {"id": "Rule-2", "reason": "why not", "applies_to": [format!("Policy::{flat}")]},
            ]}})
        );
    }
}
