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
/// (or local variable) of `__init__` the values a cdk-nag finding can name (statement
/// resources, managed policy ARNs), and each `_acknowledge(...)` and
/// `_acknowledge_rule(...)` call with the attribute or variable last assigned before
/// it. A value is its literal text, with `{<code>}` for any expression in it; of
/// `<arg expression> if <arg> else <spec value>`, the spec value (the whole
/// expression is in `expr`). A whole-rule acknowledgement has no prefix and value.
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
def statements(body):
    # The statements of `if` blocks in place: what only a created session resource gets
    # is written under `if <argument> is None:`.
    for st in body:
        if isinstance(st, ast.If):
            yield from statements(st.body)
        else:
            yield st

def gather(name, node):
    vals = out["values"].setdefault(name, [])
    for n in ast.walk(node):
        if not isinstance(n, ast.Call):
            continue
        for k in n.keywords:
            if k.arg == "resources":
                vals += [[value(e), ast.unparse(e)] for e in k.value.elts]
            if k.arg == "managed_policies":
                vals += [[value(ast.parse(ast.unparse(e) + ".managed_policy_arn").body[0].value),
                          ast.unparse(e) + ".managed_policy_arn"] for e in k.value.elts]

last = None
for st in statements(init.body):
    if isinstance(st, ast.Assign) and isinstance(st.targets[0], (ast.Attribute, ast.Name)):
        target = st.targets[0]
        last = target.attr if isinstance(target, ast.Attribute) else target.id
        gather(last, st.value)
    elif isinstance(st, ast.Expr) and isinstance(st.value, ast.Call) \
            and ast.unparse(st.value.func).startswith("self.") \
            and ast.unparse(st.value.func).endswith(".add_to_resource_policy"):
        # A key or bucket policy's statement: the values of the resource it is added to.
        gather(st.value.func.value.attr, st.value)
    elif isinstance(st, ast.Expr) and isinstance(st.value, ast.Call) \
            and ast.unparse(st.value.func) == "_acknowledge":
        a = st.value.args
        out["acks"].append({"after": last, "construct": ast.unparse(a[0]), "rule": a[1].value,
                            "prefix": a[2].value, "value": value(a[3]), "reason": a[4].value,
                            "expr": ast.unparse(a[3])})
    elif isinstance(st, ast.Expr) and isinstance(st.value, ast.Call) \
            and ast.unparse(st.value.func) == "_acknowledge_rule":
        a = st.value.args
        out["acks"].append({"after": last, "construct": ast.unparse(a[0]), "rule": a[1].value,
                            "prefix": None, "value": None, "reason": a[2].value, "expr": None})
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
    // A created session resource is named by its attribute (`props::resource`).
    let policies = (plan.policies.iter().flat_map(|p| &p.statements))
        .chain(plan.operator_policies.iter().flat_map(|p| &p.statements))
        .flat_map(|s| &s.resources);
    let created = (plan.created.key.iter().flat_map(|k| &k.policy))
        .chain(plan.created.bucket.iter().flat_map(|b| &b.policy))
        .flat_map(|s| &s.resources);
    let names = crate::targets::cdk_python::props::Renamable::new(plan);
    let found = policies
        .chain(created)
        .find(|r| r.arn(&plan.env) == *finding);
    match found.map(|r| crate::targets::cdk_python::props::resource(&names, r)) {
        Some(expr) if expr.starts_with("self.") && !expr.contains(" if ") => {
            format!("{{{}}}", expr.replace('"', "'"))
        }
        _ => read_text(finding),
    }
}

/// A plan text as [`READ`] reads it back.
fn read_text(t: &Text) -> String {
    match t.pieces() {
        [Piece::Pseudo(p)] => format!("{{{}}}", STACK_PSEUDO.get(*p)),
        pieces => pieces
            .iter()
            .map(|piece| match piece {
                Piece::Literal(s) => s.clone(),
                p => format!("{{{}}}", STACK_PSEUDO.expr(p).unwrap_or_default()),
            })
            .collect(),
    }
}

/// The expression of the construct a subject's acknowledgements name: an attribute
/// (`self.<role>`), or one of the activation provider's local variables (its
/// policy holds the statements of `ProviderRole`).
fn construct_of(plan: &Plan, s: Subject) -> String {
    let provider = || plan.activation_provider.as_ref().expect("a provider");
    match s {
        Subject::Role(i) => format!("self.{}", plan.roles[i].id.snake),
        Subject::Policy(i) => format!("self.{}", plan.policies[i].id.snake),
        Subject::OperatorPolicy(i) => format!("self.{}", plan.operator_policies[i].id.snake),
        Subject::Document(i) => format!("self.{}", plan.documents[i].id.snake),
        Subject::ProviderRole => format!("{}_policy", provider().id.snake),
        Subject::ProviderFunction => provider().id.snake.clone(),
        Subject::ProviderLogGroup => provider().log_group.id.snake.clone(),
        Subject::ActivationSecret(i) => provider().secrets[i].id.snake.clone(),
        Subject::SessionKey => "self.session_key".to_string(),
        Subject::LogBucket => "self.log_bucket".to_string(),
        Subject::SessionLogGroup => "self.log_group".to_string(),
    }
}

/// Checks that the module of `plan` writes its cdk-nag acknowledgements, each after
/// its subject and on it, naming its value with the construct's own expression, and
/// each helper only when called; returns how many there are and whether any is a
/// whole rule.
pub(in crate::targets::cdk_python) fn assert_acknowledgements_follow(
    plan: &Plan,
    label: &str,
) -> (usize, bool) {
    let read = python_json(READ, &module(plan));
    // Per construct, the plan's cdk-nag acknowledgements in plan order.
    let mut expected: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for a in plan.acknowledgements.iter() {
        if a.rule.scanner != Scanner::CdkNag {
            continue;
        }
        let construct = construct_of(plan, a.subject);
        let after = construct.trim_start_matches("self.").to_string();
        let (prefix, value) = match a.rule.granular {
            Some(g) => (json!(g.prefix()), json!(finding_text(plan, a))),
            None => (Value::Null, Value::Null),
        };
        expected.entry(construct.clone()).or_default().push(json!({
            "after": after,
            "construct": construct,
            "rule": a.rule.id,
            "prefix": prefix,
            "value": value,
            "reason": a.reason,
        }));
    }
    let mut got: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for a in read["acks"].as_array().expect("acks") {
        let at = a["construct"].as_str().expect("construct").to_string();
        let mut a = a.clone();
        let expr = a
            .as_object_mut()
            .expect("ack")
            .remove("expr")
            .expect("expr");
        got.entry(at.clone()).or_default().push(a.clone());
        if expr.is_null() {
            continue;
        }
        // The finding's value is one the construct itself spells, with the very
        // expression (arguments and all) it uses.
        let values = &read["values"][at.trim_start_matches("self.")];
        assert!(
            values
                .as_array()
                .expect("values")
                .contains(&json!([a["value"], expr])),
            "{}: {a} {expr} not in {values}",
            label
        );
    }
    assert_eq!(got, expected, "{}", label);
    // Each helper is written when, and only when, the module calls it.
    let acks = expected.values().flatten();
    let granular = acks.clone().any(|a| !a["prefix"].is_null());
    let whole = acks.clone().any(|a| a["prefix"].is_null());
    let functions = read["functions"].as_array().expect("functions");
    assert_eq!(functions.iter().any(|f| f == "_acknowledge"), granular);
    assert_eq!(functions.iter().any(|f| f == "_acknowledge_rule"), whole);
    assert_eq!(read["imports"][0] == "import json", granular);

    (expected.values().map(Vec::len).sum(), whole)
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
    let mut whole_seen = false;
    for path in specs {
        let plan = plan_of(path.to_str().expect("utf-8"));
        let (n, whole) = assert_acknowledgements_follow(&plan, &path.display().to_string());
        seen += n;
        whole_seen |= whole;
    }
    assert!(
        seen > 50 && whole_seen,
        "the examples hold {seen} cdk-nag acknowledgements, whole rules among them: {whole_seen}"
    );
}

/// A whole-rule acknowledgement on `subject`, with a hostile reason.
pub(in crate::targets::cdk_python) fn synthetic(subject: Subject) -> Acknowledgement {
    let mut rule = crate::facts::scanners::NAG_LAMBDA_DLQ[0];
    rule.id = "Synthetic-Whole";
    Acknowledgement {
        rule,
        subject,
        finding: None,
        reason: "a\"b\\c{d}}\n\r\u{0}end".into(),
    }
}

#[test]
fn a_whole_rule_on_any_subject_is_written_on_it() {
    let mut plan = plan_of("examples/hybrid-operators.yaml");
    let secrets = plan
        .activation_provider
        .as_ref()
        .expect("provider")
        .secrets
        .len();
    let mut subjects = vec![
        Subject::Role(0),
        Subject::Policy(0),
        Subject::OperatorPolicy(0),
        Subject::ProviderRole,
        Subject::ProviderFunction,
        Subject::ProviderLogGroup,
    ];
    subjects.extend((0..secrets).map(Subject::ActivationSecret));
    plan.acknowledgements
        .extend(subjects.iter().map(|s| synthetic(*s)));
    plan.acknowledgements.sort_by_key(|a| a.subject);
    let (n, whole) = assert_acknowledgements_follow(&plan, "synthetic");
    assert!(whole && n > subjects.len());
    // Only whole rules: no `_acknowledge`, no `import json`.
    plan.acknowledgements.retain(|a| a.rule.granular.is_none());
    let code = module(&plan);
    assert!(code.contains("\ndef _acknowledge_rule(") && !code.contains("\ndef _acknowledge("));
    assert!(!code.contains("\nimport json\n"));
}

#[test]
fn a_granular_rule_without_its_value_or_a_whole_rule_with_one_is_refused() {
    use crate::facts::scanners::{NAG_LAMBDA_DLQ, NAG_WILDCARD};
    use crate::targets::Target;
    for (rule, finding, why) in [
        (NAG_WILDCARD, None, "without the value its finding names"),
        (
            NAG_LAMBDA_DLQ[0],
            Some(Text::literal("*")),
            "with a value, but names none",
        ),
    ] {
        let mut plan = plan_of("examples/session-only-ec2.yaml");
        plan.acknowledgements.push(Acknowledgement {
            rule,
            subject: Subject::Role(0),
            finding,
            reason: "why".into(),
        });
        plan.acknowledgements.sort_by_key(|a| a.subject);
        let err = crate::targets::cdk_python::CdkPython
            .render(&plan, &crate::targets::Options::default())
            .expect_err("refused");
        assert!(err.to_string().contains(why), "{err}");
    }
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

/// [`RULE_HELPER`] run by Python against stand-ins for `aws_cdk`: on a resource (a
/// `CfnSecret`) and on a construct whose default child is one (a function).
const RUN_RULE_HELPER: &str = r#"
import json, sys

class CfnResource:
    def __init__(self):
        self.metadata, self.acknowledged = {}, []
    def get_metadata(self, key):
        return self.metadata.get(key)
    def add_metadata(self, key, value):
        self.metadata[key] = value

class Node:
    def __init__(self, child):
        self.default_child = child

class L2:
    def __init__(self):
        self.node, self.acknowledged = Node(CfnResource()), []

class Validations:
    def __init__(self, c):
        self.c = c
    def acknowledge(self, *rules):
        self.c.acknowledged.extend(rules)

class cdk:
    CfnResource = CfnResource
    Validations = type("Validations", (), {"of": staticmethod(Validations)})
    Acknowledgment = staticmethod(lambda *, id, reason: {"id": id, "reason": reason})

scope = {"cdk": cdk, "Construct": object}
exec(sys.stdin.read(), scope)
l1, l2 = CfnResource(), L2()
out = []
for c, resource in ((l1, l1), (l2, l2.node.default_child)):
    scope["_acknowledge_rule"](c, "Rule-1", "why")
    scope["_acknowledge_rule"](c, "Rule-2", "why not")
    out.append({"on_resource": resource.acknowledged,
                "on_construct": c.acknowledged if c is not resource else None,
                "metadata": resource.metadata})
print(json.dumps(out))
"#;

#[test]
fn the_rule_helper_acknowledges_on_the_resource_cdk_nag_reports() {
    let out = python_json(RUN_RULE_HELPER, RULE_HELPER);
    let acks = json!([{"id": "Rule-1", "reason": "why"}, {"id": "Rule-2", "reason": "why not"}]);
    // cdk-nag 2's form: no applies_to, entries kept from call to call.
    let metadata = json!({"cdk_nag": {"rules_to_suppress": [
        {"id": "Rule-1", "reason": "why"},
        {"id": "Rule-2", "reason": "why not"},
    ]}});
    assert_eq!(
        out,
        json!([
            {"on_resource": acks, "on_construct": null, "metadata": metadata},
            {"on_resource": acks, "on_construct": [], "metadata": metadata},
        ])
    );
}
