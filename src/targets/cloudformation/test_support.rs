//! Helpers of the CloudFormation unit tests: plans from spec text, rendering, a YAML
//! reader that keeps the short-form tags, and a plan full of hostile strings.

use serde_json::{json, Map, Value as Json};
use yaml_rust2::parser::{Event, EventReceiver, Parser};
use yaml_rust2::scanner::TScalarStyle;
use yaml_rust2::{Yaml, YamlLoader};

use super::CloudFormation;
use crate::plan::build::build;
use crate::plan::Plan;
use crate::targets::{CfnFormat, Options, Target};

fn spec_of(spec_yaml: &str) -> crate::spec::Spec {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("spec.yaml");
    std::fs::write(&path, spec_yaml).expect("write spec");
    let (spec, _) = crate::spec::load(&path).expect("valid spec");
    spec
}

pub(super) fn plan_of(spec_yaml: &str) -> Plan {
    build(&spec_of(spec_yaml))
}

/// The plan of `examples/<name>.yaml`.
pub(super) fn example_plan(name: &str) -> Plan {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(format!("{name}.yaml"));
    plan_of(&std::fs::read_to_string(path).expect("example"))
}

/// The YAML and the JSON template of a plan, read back (they must be the same tree).
pub(super) fn both(plan: &Plan) -> [Json; 2] {
    let yaml = parse_yaml(&render(plan, CfnFormat::Yaml));
    let json = serde_json::from_str(&render(plan, CfnFormat::Json)).expect("valid JSON");
    assert_eq!(yaml, json);
    [yaml, json]
}

/// The plan with the Session Manager set up (documents, service settings): since
/// `build` adds them, the same as `plan_of`, kept as the name the ssm tests read.
pub(super) fn setup_plan_of(spec_yaml: &str) -> Plan {
    plan_of(spec_yaml)
}

pub(super) fn render(plan: &Plan, cfn_format: CfnFormat) -> String {
    let options = Options {
        cfn_format,
        ..Options::default()
    };
    let files = CloudFormation.render(plan, &options).expect("renders");
    files[0].contents.clone()
}

/// Builds the JSON tree of a YAML document from parser events. `YamlLoader` drops
/// tags, so the events are read directly: each CloudFormation short-form tag becomes
/// the function object it stands for, and every untagged plain scalar must resolve to
/// a string (not a number or null), or be `true` or `false`.
#[derive(Default)]
struct TreeBuilder {
    stack: Vec<(Json, Option<String>)>,
    docs: Vec<Json>,
}

impl TreeBuilder {
    fn push(&mut self, value: Json) {
        match self.stack.last_mut() {
            None => self.docs.push(value),
            Some((Json::Array(items), _)) => items.push(value),
            Some((Json::Object(map), key)) => match key.take() {
                Some(k) => {
                    assert!(map.insert(k, value).is_none(), "duplicate key");
                }
                None => *key = Some(value.as_str().expect("string keys").to_string()),
            },
            Some(_) => unreachable!("only collections are stacked"),
        }
    }
}

impl EventReceiver for TreeBuilder {
    fn on_event(&mut self, ev: Event) {
        match ev {
            Event::Scalar(v, style, anchor, tag) => {
                assert_eq!(anchor, 0, "no anchors");
                let value = match tag {
                    Some(tag) => {
                        assert_eq!(tag.handle, "!");
                        match tag.suffix.as_str() {
                            "Ref" => json!({"Ref": v}),
                            "Sub" => json!({"Fn::Sub": v}),
                            "GetAtt" => {
                                let (logical, attribute) = v.split_once('.').expect("A.B");
                                json!({"Fn::GetAtt": [logical, attribute]})
                            }
                            other => panic!("unexpected tag !{other}"),
                        }
                    }
                    // Only a document's content holds booleans, written `true` or
                    // `false`, and only the activation provider's settings numbers,
                    // written in decimal digits (the JSON template, which must hold
                    // the same tree, tells a number from a string); a string that a
                    // reader could take for anything else must have been quoted.
                    None if style == TScalarStyle::Plain => match Yaml::from_str(&v) {
                        Yaml::String(s) => Json::String(s),
                        Yaml::Boolean(b) if v == "true" || v == "false" => Json::Bool(b),
                        Yaml::Integer(n) if v.bytes().all(|b| b.is_ascii_digit()) => Json::from(n),
                        other => panic!("plain scalar {v:?} reads as {other:?}"),
                    },
                    None => Json::String(v),
                };
                self.push(value);
            }
            Event::SequenceStart(anchor, tag) => {
                assert_eq!((anchor, tag), (0, None), "no anchors or tags");
                self.stack.push((Json::Array(Vec::new()), None));
            }
            Event::MappingStart(anchor, tag) => {
                assert_eq!((anchor, tag), (0, None), "no anchors or tags");
                self.stack.push((Json::Object(Map::new()), None));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, _) = self.stack.pop().expect("open collection");
                self.push(value);
            }
            Event::Alias(_) => panic!("no aliases"),
            _ => {}
        }
    }
}

pub(super) fn parse_yaml(text: &str) -> Json {
    let mut builder = TreeBuilder::default();
    Parser::new_from_str(text)
        .load(&mut builder, true)
        .expect("valid YAML");
    assert_eq!(builder.docs.len(), 1);
    // The plain loader must accept the document too.
    assert_eq!(
        YamlLoader::load_from_str(text).expect("valid YAML").len(),
        1
    );
    builder.docs.remove(0)
}

pub(super) const HOSTILE: &str =
    "a \"quoted\" value\nnext: line ${AWS::Region} #not-a-comment 'x' \\ tab\tend: ";

pub(super) fn hostile_plan() -> Plan {
    let mut plan = plan_of(
        "version: 1\nproject: shop\ntags:\n  owner: team\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n    session:\n      cloudwatch:\n        log_group: /ssm/web\n  - name: onprem\n    platform: hybrid\n    mode: managed-core\n",
    );
    // Validation keeps such characters out of specs; the renderer must not rely on it.
    plan.roles[0].tags.insert("note".into(), HOSTILE.into());
    plan.roles[0].description = HOSTILE.into();
    plan.policies[0].description = HOSTILE.into();
    plan
}
