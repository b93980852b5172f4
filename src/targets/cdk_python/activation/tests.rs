//! Unit tests of `activation.rs`: the module read back by Python's own parser.

use serde_json::{json, Value};

use super::*;
use crate::targets::cdk_python::test_support::{example_plan, module_of, python_json};
use crate::targets::cdk_python::CdkPython;
use crate::targets::{Options, Target};

/// The module as Python's parser reads it. Each value is JSON: a literal as itself
/// (strings concatenated as Python concatenates them), a call as
/// `{"$call": callee, "args": [...], <keyword>: ...}`, `a if t else b` as
/// `{"$if": t, "then": a, "else": b}`, any other expression as `{"$code": <code>}`.
/// `assigns`: every assignment of `__init__` by target (`x` or `self.x`), in `order`;
/// `calls`: every call statement, with the condition of the `if` it is under;
/// `keys`: the keys of every dict literal assigned, in order, by target.
const READ: &str = r#"
import ast, json, sys

def val(n):
    if isinstance(n, ast.Dict):
        return {ast.literal_eval(k): val(v) for k, v in zip(n.keys, n.values)}
    if isinstance(n, ast.List):
        return [val(e) for e in n.elts]
    if isinstance(n, ast.IfExp):
        return {"$if": ast.unparse(n.test), "then": val(n.body), "else": val(n.orelse)}
    if isinstance(n, ast.Call):
        out = {"$call": ast.unparse(n.func), "args": [val(a) for a in n.args]}
        out.update((k.arg, val(k.value)) for k in n.keywords)
        return out
    try:
        return ast.literal_eval(n)
    except ValueError:
        return {"$code": ast.unparse(n)}

tree = ast.parse(sys.stdin.read())
cls = next(n for n in tree.body if isinstance(n, ast.ClassDef))
init = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
out = {"assigns": {}, "order": [], "calls": [], "keys": {},
       "imports": [ast.unparse(n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))],
       "annotations": {ast.unparse(n.target): ast.unparse(n.annotation)
                       for n in cls.body if isinstance(n, ast.AnnAssign)},
       "params": {a.arg: [ast.unparse(a.annotation), ast.unparse(d)]
                  for a, d in zip(init.args.kwonlyargs, init.args.kw_defaults)},
       "doc": ast.get_docstring(init), "module_doc": ast.get_docstring(tree)}

def walk(body, under):
    for st in body:
        if isinstance(st, ast.If):
            walk(st.body, ast.unparse(st.test))
        elif isinstance(st, ast.Assign):
            t = ast.unparse(st.targets[0])
            out["assigns"][t] = val(st.value)
            out["order"].append(t)
            for n in ast.walk(st.value):
                if isinstance(n, ast.Dict):
                    out["keys"].setdefault(t, []).append([ast.literal_eval(k) for k in n.keys])
        elif isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
            out["calls"].append(dict(val(st.value), under=under))

walk(init.body, None)
print(json.dumps(out))
"#;

fn read(plan: &Plan) -> Value {
    python_json(READ, &module_of(plan))
}

fn code(c: &str) -> Value {
    json!({ "$code": c })
}

/// `None if generated_names else <name>`, or `<expr> if generated_names else <value>`.
fn unless_generated(then: Value, name: &str) -> Value {
    json!({"$if": "generated_names", "then": then, "else": name})
}

#[test]
fn every_resource_of_the_provider_has_the_plans_properties() {
    let plan = example_plan("hybrid-activation.yaml");
    let p = plan.activation_provider.as_ref().expect("provider");
    let r = read(&plan);
    let a = &r["assigns"];
    assert_eq!(
        a["activation_provider_logs"],
        json!({"$call": "logs.LogGroup", "args": [code("self"), "ActivationProviderLogs"],
               "log_group_name": unless_generated(Value::Null, &p.log_group.name),
               "retention": code("logs.RetentionDays.ONE_YEAR"),
               "removal_policy": code("cdk.RemovalPolicy.DESTROY")})
    );
    assert_eq!(
        a["activation_provider_role"],
        json!({"$call": "iam.Role", "args": [code("self"), "ActivationProviderRole"],
               "path": p.role.path, "description": p.role.description,
               "assumed_by": {"$call": "iam.ServicePrincipal.from_static_service_principle_name",
                              "args": ["lambda.amazonaws.com"]}})
    );
    let secret = &p.secrets[0];
    assert_eq!(
        a["plc_gateways_activation_secret"],
        json!({"$call": "secretsmanager.CfnSecret", "args": [code("self"), "PlcGatewaysActivationSecret"],
               "name": unless_generated(Value::Null, &secret.name), "description": secret.description})
    );
    assert_eq!(
        a["self.plc_gateways_activation_secret"],
        json!({"$call": "secretsmanager.Secret.from_secret_complete_arn",
               "args": [code("self"), "PlcGatewaysActivationSecretRef", code("plc_gateways_activation_secret.ref")]})
    );
    let policy = &a["activation_provider_policy"];
    assert_eq!(policy["$call"], "iam.ManagedPolicy");
    assert_eq!(policy["args"][1], "ActivationProviderPolicy");
    assert_eq!(
        (&policy["path"], &policy["description"]),
        (&json!(p.role.path), &json!(p.role.description))
    );
    assert_eq!(policy["roles"], json!([code("activation_provider_role")]));
    assert!(
        policy.get("managed_policy_name").is_none(),
        "the policy is unnamed"
    );
    let sids: Vec<&Value> = policy["statements"]
        .as_array()
        .expect("statements")
        .iter()
        .map(|s| &s["sid"])
        .collect();
    assert_eq!(
        sids,
        p.role
            .statements
            .iter()
            .map(|s| json!(s.sid))
            .collect::<Vec<_>>()
            .iter()
            .collect::<Vec<_>>()
    );
    assert_eq!(
        a["activation_provider"],
        json!({"$call": "lambda_.Function", "args": [code("self"), "ActivationProvider"],
               "function_name": unless_generated(Value::Null, &p.function_name),
               "description": p.description, "runtime": code("lambda_.Runtime.PYTHON_3_14"),
               "handler": p.handler,
               "code": {"$call": "lambda_.Code.from_inline", "args": [p.code]},
               "timeout": {"$call": "cdk.Duration.seconds", "args": [p.timeout_seconds]},
               "memory_size": p.memory_mb,
               "role": {"$call": "iam.Role.from_role_arn",
                        "args": [code("self"), "ActivationProviderRoleRef", code("activation_provider_role.role_arn")],
                        "mutable": false},
               "log_group": code("activation_provider_logs")})
    );
    assert_eq!(
        a["activation_provider_invoke_config"],
        json!({"$call": "lambda_.EventInvokeConfig", "args": [code("self"), "ActivationProviderInvokeConfig"],
               "function": code("activation_provider"), "qualifier": "$LATEST", "retry_attempts": 0,
               "max_event_age": {"$call": "cdk.Duration.seconds", "args": [300]}})
    );
    let activation = &a["plc_gateways_activation"];
    let mut properties = serde_json::Map::new();
    for (k, v) in activation_properties(&plan, 0) {
        let v = match v {
            Property::Str(s) if k == "SecretId" => {
                unless_generated(code("plc_gateways_activation_secret.ref"), &s)
            }
            Property::Str(s) => json!(s),
            Property::Tags(t) => json!(t
                .iter()
                .map(|(k, v)| json!({"Key": k, "Value": v}))
                .collect::<Vec<_>>()),
        };
        properties.insert(k.into(), v);
    }
    properties.insert("Renewal".into(), code("renewal"));
    assert_eq!(
        activation,
        &json!({"$call": "cdk.CustomResource", "args": [code("self"), "PlcGatewaysActivation"],
                "service_token": code("activation_provider.function_arn"),
                "resource_type": "Custom::SsmActivation",
                "service_timeout": {"$call": "cdk.Duration.seconds", "args": [p.service_timeout_seconds]},
                "properties": properties})
    );
    // The handler's order, then Renewal.
    let keys: Vec<&str> = properties.keys().map(String::as_str).collect();
    assert_eq!(r["keys"]["plc_gateways_activation"][0], json!(keys));
    // Resources in dependency order; lines as black leaves them (long strings aside).
    let order: Vec<&str> = r["order"]
        .as_array()
        .expect("order")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let at = |t: &str| order.iter().position(|o| *o == t).expect(t);
    assert!(at("activation_provider_logs") < at("activation_provider_policy"));
    assert!(at("plc_gateways_activation_secret") < at("activation_provider_policy"));
    assert!(at("activation_provider_policy") < at("activation_provider"));
    assert!(at("activation_provider_invoke_config") < at("plc_gateways_activation"));
    assert!(module_of(&plan)
        .lines()
        .all(|l| l.chars().count() <= 88 || l.contains('"')));
}

#[test]
fn the_function_and_each_activation_wait_for_what_they_need() {
    for example in [
        "hybrid-activation.yaml",
        "hybrid-operators.yaml",
        "mixed-fleets.yaml",
    ] {
        let plan = example_plan(example);
        let p = plan.activation_provider.as_ref().expect("provider");
        let r = read(&plan);
        let depends = |target: &str, under: Option<&str>| -> Vec<Value> {
            (r["calls"].as_array().expect("calls").iter())
                .filter(|c| {
                    c["$call"] == format!("{target}.node.add_dependency")
                        && c["under"] == json!(under)
                })
                .flat_map(|c| c["args"].as_array().expect("args").clone())
                .collect()
        };
        // The log group comes first through the function's log_group (a Ref): a
        // dependency on it too would be one cfn-lint reports (W3005).
        assert_eq!(
            depends("activation_provider", None),
            [code("activation_provider_policy")]
        );
        assert_eq!(p.secrets.len(), plan.activations.len());
        for (i, a) in plan.activations.iter().enumerate() {
            let fleet = plan
                .fleets
                .iter()
                .find(|f| f.activation == Some(i))
                .expect("fleet");
            let hybrid = match fleet.policy {
                Some(j) => &plan.policies[j].id.snake,
                None => &plan.roles[a.role].id.snake,
            };
            assert_eq!(
                depends(&a.id.snake, None),
                [
                    code("activation_provider_policy"),
                    code("activation_provider_invoke_config"),
                    code(&format!("self.{hybrid}"))
                ],
                "{example}"
            );
            let secret = &p
                .secrets
                .iter()
                .find(|s| s.activation == i)
                .expect("secret")
                .id
                .snake;
            assert_eq!(
                depends(&a.id.snake, Some("not generated_names")),
                [code(secret)]
            );
        }
    }
}

#[test]
fn activation_renewal_is_an_optional_prop_that_defaults_to_1() {
    let plan = example_plan("hybrid-operators.yaml");
    let r = read(&plan);
    assert_eq!(
        r["params"]["activation_renewal"],
        json!(["Optional[str]", "None"])
    );
    let doc = r["doc"].as_str().expect("docstring");
    assert!(
        doc.contains("activation_renewal: Change it (to any other value) to re-issue every hybrid")
    );
    assert!(doc.contains("Default \"1\"."));
    assert_eq!(
        r["assigns"]["renewal"],
        json!({"$if": "activation_renewal is None", "then": crate::facts::ACTIVATION_RENEWAL_DEFAULT, "else": code("activation_renewal")})
    );
    for a in &plan.activations {
        assert_eq!(
            r["assigns"][&a.id.snake]["properties"]["Renewal"],
            code("renewal")
        );
    }
    // Imports only for a provider; no parameter or secret attribute without one.
    let imports = |r: &Value, what: &str| {
        r["imports"]
            .as_array()
            .expect("imports")
            .iter()
            .any(|i| i.as_str().is_some_and(|i| i.contains(what)))
    };
    for what in [
        "aws_lambda as lambda_",
        "aws_secretsmanager as secretsmanager",
        "aws_logs as logs",
    ] {
        assert!(imports(&r, what), "{what}");
    }
    let without = example_plan("session-only-ec2.yaml");
    let none = read(&without);
    for what in ["aws_lambda", "aws_secretsmanager"] {
        assert!(!imports(&none, what), "{what}");
    }
    // Logs only for the session log group argument.
    assert_eq!(
        imports(&none, "aws_logs"),
        without.shared.log_group.is_some()
    );
    assert!(none["params"].get("activation_renewal").is_none());
    let secrets: Vec<&Value> = r["annotations"]
        .as_object()
        .expect("annotations")
        .values()
        .filter(|t| *t == "secretsmanager.ISecret")
        .collect();
    assert_eq!(secrets.len(), plan.activations.len());
}

/// Quotes, braces, backslashes, `${`, line breaks and control characters.
const HOSTILE: &str = "a\"b\\c{d}}{e}'\"\"\"${x}\nnl\r\t\u{0}\u{7f}end";

#[test]
fn hostile_plan_strings_read_back_as_the_exact_strings() {
    let mut plan = example_plan("hybrid-activation.yaml");
    plan.activations[0].description = HOSTILE.into();
    plan.activations[0].default_instance_name = Some(HOSTILE.into());
    plan.activations[0]
        .tags
        .insert(HOSTILE.into(), HOSTILE.into());
    let p = plan.activation_provider.as_mut().expect("provider");
    p.description = HOSTILE.into();
    p.function_name = HOSTILE.into();
    p.log_group.name = HOSTILE.into();
    p.code = HOSTILE;
    p.role.description = HOSTILE.into();
    p.role.path = HOSTILE.into();
    p.role.tags.insert(HOSTILE.into(), HOSTILE.into());
    p.secrets[0].name = HOSTILE.into();
    p.secrets[0].description = HOSTILE.into();
    p.secrets[0].tags.insert(HOSTILE.into(), HOSTILE.into());
    let module = module_of(&plan);
    assert!(!module.contains(['\r', '\t', '\u{0}', '\u{7f}']) && !module.contains("x\nnl"));
    let r = python_json(READ, &module);
    let a = &r["assigns"];
    let hostile = json!(HOSTILE);
    for (target, keyword) in [
        ("activation_provider", "description"),
        ("activation_provider_role", "description"),
        ("activation_provider_role", "path"),
        ("activation_provider_policy", "path"),
        ("plc_gateways_activation_secret", "description"),
    ] {
        assert_eq!(a[target][keyword], hostile, "{target} {keyword}");
    }
    assert_eq!(a["activation_provider"]["code"]["args"][0], hostile);
    assert_eq!(a["activation_provider"]["function_name"]["else"], hostile);
    assert_eq!(
        a["activation_provider_logs"]["log_group_name"]["else"],
        hostile
    );
    assert_eq!(a["plc_gateways_activation_secret"]["name"]["else"], hostile);
    let properties = &a["plc_gateways_activation"]["properties"];
    assert_eq!(
        (
            &properties["Description"],
            &properties["DefaultInstanceName"]
        ),
        (&hostile, &hostile)
    );
    assert_eq!(properties["SecretId"]["else"], hostile);
    assert!(properties["Tags"]
        .as_array()
        .expect("tags")
        .contains(&json!({"Key": HOSTILE, "Value": HOSTILE})));
    let tags = |target: &str| {
        (r["calls"].as_array().expect("calls").iter()).any(|c| {
            c["$call"] == format!("cdk.Tags.of({target}).add")
                && c["args"] == json!([HOSTILE, HOSTILE])
        })
    };
    assert!(tags("activation_provider_role") && tags("plc_gateways_activation_secret"));
}

#[test]
fn no_activation_code_reaches_an_output_or_an_attribute() {
    let specs = std::fs::read_dir("examples")
        .into_iter()
        .chain(std::fs::read_dir("tests/conformance/fixtures"))
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"));
    let mut seen = 0;
    for path in specs {
        let (spec, _) = crate::spec::load(&path).expect("valid spec");
        let plan = crate::plan::build::build(&spec);
        let Some(p) = &plan.activation_provider else {
            continue;
        };
        seen += 1;
        let module = module_of(&plan);
        let r = python_json(READ, &module);
        // No attribute of a custom resource (the handler answers no Data), no secret
        // value, no output of a provider resource.
        // (The handler's own `put_secret_value` call is text in a string.)
        for word in [
            ".get_att",
            ".secret_value",
            ".unsafe_unwrap",
            "secret_string",
        ] {
            assert!(!module.contains(word), "{}: {word}", path.display());
        }
        let locals: Vec<String> = (plan.activations.iter().map(|a| a.id.snake.clone()))
            .chain(p.secrets.iter().map(|s| s.id.snake.clone()))
            .chain([p.id.snake.clone(), p.log_group.id.snake.clone()])
            .collect();
        for c in r["calls"]
            .as_array()
            .expect("calls")
            .iter()
            .filter(|c| c["$call"] == "cdk.CfnOutput")
        {
            let value = c["value"].to_string();
            assert!(
                !locals.iter().any(|l| value.contains(l.as_str())),
                "{}: {value}",
                path.display()
            );
        }
        // The provider's only attributes are the secrets, as ISecrets.
        let provided: Vec<&str> = (r["annotations"].as_object().expect("annotations").iter())
            .filter(|(_, t)| {
                [
                    "secretsmanager.ISecret",
                    "lambda_.Function",
                    "cdk.CustomResource",
                ]
                .contains(&t.as_str().unwrap_or_default())
            })
            .map(|(n, _)| n.as_str())
            .collect();
        let secrets: Vec<&str> = p.secrets.iter().map(|s| s.id.snake.as_str()).collect();
        assert_eq!(provided, secrets, "{}", path.display());
        assert_eq!(module.matches("lambda_.Code.from_inline(").count(), 1);
    }
    assert!(seen >= 4, "{seen} specs with a provider");
}

#[test]
fn the_activation_script_is_written_only_without_a_provider() {
    let with = CdkPython
        .render(&example_plan("hybrid-activation.yaml"), &Options::default())
        .expect("renders");
    assert!(with
        .iter()
        .all(|f| f.path != std::path::Path::new(script_activation_file())));
    assert!(!with[0].contents.contains("create-activations.sh"));
    let text = std::fs::read_to_string("examples/hybrid-activation.yaml").expect("example");
    let (spec, _) =
        crate::spec::load_str(&format!("{text}\nactivation_method: script\n"), "s.yaml")
            .expect("valid");
    let plan = crate::plan::build::build(&spec);
    assert!(plan.activation_provider.is_none());
    let files = CdkPython
        .render(&plan, &Options::default())
        .expect("renders");
    assert!(files
        .iter()
        .any(|f| f.path == std::path::Path::new(script_activation_file())));
    let module = &files[0].contents;
    assert!(
        module.contains("run create-activations.sh")
            && !module.contains("lambda_")
            && !module.contains("activation_renewal")
    );
}

fn script_activation_file() -> &'static str {
    crate::targets::activation::FILE_NAME
}

#[test]
fn retention_and_runtime_are_spelled_as_aws_cdk_lib_has_them() {
    assert_eq!(
        retention(365).expect("a member"),
        "logs.RetentionDays.ONE_YEAR"
    );
    assert_eq!(
        retention(3653).expect("a member"),
        "logs.RetentionDays.TEN_YEARS"
    );
    assert!(retention(366).is_err() && retention(0).is_err());
    assert_eq!(
        runtime("python3.14").expect("python"),
        "lambda_.Runtime.PYTHON_3_14"
    );
    assert_eq!(
        runtime("python3.10").expect("python"),
        "lambda_.Runtime.PYTHON_3_10"
    );
    assert_eq!(
        runtime("python3.15").expect("python"),
        "lambda_.Runtime(\"python3.15\", lambda_.RuntimeFamily.PYTHON)"
    );
    assert!(runtime("nodejs22.x").is_err());
    let mut plan = example_plan("hybrid-activation.yaml");
    plan.activation_provider
        .as_mut()
        .expect("provider")
        .log_group
        .retention_days = 366;
    assert!(CdkPython.render(&plan, &Options::default()).is_err());
}
