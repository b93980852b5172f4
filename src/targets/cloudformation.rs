//! CloudFormation: one template (YAML or JSON) holding every role, instance profile and
//! customer managed policy of the plan, plus the activation script for hybrid fleets.
//!
//! The template is built once, in Rust, as an ordered JSON tree: that is where every
//! decision is made (which resources, which properties, what is omitted, the order). The
//! JSON template prints the tree as it is; the YAML template lays the same tree out in
//! block style from a node tree that only adds what YAML spells differently (the short
//! forms `!Ref`, `!Sub`, `!GetAtt` and blank lines between resources).

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::{json, Map, Value as Json};

use super::{CfnFormat, Options, OutFile, Target};
use crate::error::Error;
use crate::facts;
use crate::plan::{Attachment, Condition, Effect, OutputValue, Piece, Plan, Role, Statement, Text};
use crate::render::{self, escape, Template};

const YAML: &str = "cloudformation/template.yaml";
const JSON: &str = "cloudformation/template.json";
const YAML_MACROS: &str = "cloudformation/yaml-macros";

pub const TEMPLATES: &[Template] = &[
    (
        YAML_MACROS,
        include_str!("../../templates/cloudformation/yaml-macros.tera"),
    ),
    (
        YAML,
        include_str!("../../templates/cloudformation/template.yaml.tera"),
    ),
    (
        JSON,
        include_str!("../../templates/cloudformation/template.json.tera"),
    ),
];

/// CloudFormation's only template format version.
const FORMAT_VERSION: &str = "2010-09-09";

/// One template, YAML or JSON.
pub struct CloudFormation;

impl Target for CloudFormation {
    fn name(&self) -> &'static str {
        "cloudformation"
    }

    fn render(&self, plan: &Plan, options: &Options) -> Result<Vec<OutFile>, Error> {
        let tree = template_tree(plan)?;
        let (file, contents) = match options.cfn_format {
            CfnFormat::Yaml => {
                let Node::Map { entries } = yaml_node(&tree, true) else {
                    return Err(internal("the template is not a mapping"));
                };
                (
                    "template.yaml",
                    render::render(YAML, &YamlContext { entries })?,
                )
            }
            CfnFormat::Json => (
                "template.json",
                render::render(JSON, &JsonContext { template: &tree })?,
            ),
        };
        let mut files = vec![OutFile {
            path: PathBuf::from(file),
            contents,
        }];
        files.extend(super::activation::script(plan, "stack")?);
        Ok(files)
    }
}

/// Context of `templates/cloudformation/template.json.tera`.
#[derive(Serialize)]
struct JsonContext<'a> {
    /// The whole template, in CloudFormation's key order.
    template: &'a Json,
}

/// Context of `templates/cloudformation/template.yaml.tera`.
#[derive(Serialize)]
struct YamlContext {
    /// The template's top-level sections.
    entries: Vec<Entry>,
}

/// One node of the YAML layout, as `templates/cloudformation/yaml-macros.tera` reads it.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Node {
    /// A non-empty mapping, in block style.
    Map {
        /// The entries in template order.
        entries: Vec<Entry>,
    },
    /// A non-empty sequence, in block style.
    Seq {
        /// The items in order.
        items: Vec<Node>,
    },
    /// A string, written through the `yaml_scalar` filter.
    Str {
        /// The string as it must parse back.
        value: String,
    },
    /// A number, boolean, null or empty collection, already valid YAML as it is.
    Raw {
        /// The YAML text.
        value: String,
    },
    /// An intrinsic function in its short form: `!Ref Name`, `!Sub "…"`, `!GetAtt A.Arn`.
    Tag {
        /// The YAML tag, e.g. `!Sub`.
        tag: &'static str,
        /// The function's argument, written through the `yaml_scalar` filter.
        value: String,
    },
}

/// One mapping entry.
#[derive(Debug, Serialize)]
struct Entry {
    /// The key, written through the `yaml_scalar` filter.
    key: String,
    value: Node,
    /// A blank line goes before the entry (between top-level sections and resources).
    gap: bool,
}

fn internal(message: &str) -> Error {
    Error::Render {
        template: YAML.into(),
        message: message.into(),
    }
}

/// The YAML node of a JSON value. `top` marks the template's top-level mapping, whose
/// sections and their children are set apart by blank lines.
fn yaml_node(value: &Json, top: bool) -> Node {
    match value {
        Json::Object(map) if map.is_empty() => Node::Raw { value: "{}".into() },
        Json::Array(items) if items.is_empty() => Node::Raw { value: "[]".into() },
        Json::Object(map) => {
            if let Some(tag) = short_form(map) {
                return tag;
            }
            let entries = map
                .iter()
                .enumerate()
                .map(|(i, (key, value))| {
                    let mut node = yaml_node(value, false);
                    // A blank line before each resource and output after the first.
                    if top {
                        if let Node::Map { entries } = &mut node {
                            entries.iter_mut().skip(1).for_each(|e| e.gap = true);
                        }
                    }
                    Entry {
                        key: key.clone(),
                        value: node,
                        gap: top && i > 0 && matches!(value, Json::Object(_)),
                    }
                })
                .collect();
            Node::Map { entries }
        }
        Json::Array(items) => Node::Seq {
            items: items.iter().map(|v| yaml_node(v, false)).collect(),
        },
        Json::String(s) => Node::Str { value: s.clone() },
        Json::Number(n) => Node::Raw {
            value: n.to_string(),
        },
        Json::Bool(b) => Node::Raw {
            value: b.to_string(),
        },
        Json::Null => Node::Raw {
            value: "null".into(),
        },
    }
}

/// The short form of a one-key intrinsic function object whose argument is a string
/// (or, for `Fn::GetAtt`, two strings).
fn short_form(map: &Map<String, Json>) -> Option<Node> {
    let (key, arg) = map.iter().next().filter(|_| map.len() == 1)?;
    let (tag, value) = match (key.as_str(), arg) {
        ("Ref", Json::String(s)) => ("!Ref", s.clone()),
        ("Fn::Sub", Json::String(s)) => ("!Sub", s.clone()),
        ("Fn::GetAtt", Json::Array(parts)) => match parts.as_slice() {
            [Json::String(logical), Json::String(attribute)] => {
                ("!GetAtt", format!("{logical}.{attribute}"))
            }
            _ => return None,
        },
        _ => return None,
    };
    Some(Node::Tag { tag, value })
}

/// The whole template as a CloudFormation JSON tree.
fn template_tree(plan: &Plan) -> Result<Json, Error> {
    let mut resources = Resources::default();
    // Each fleet's resources together (role, instance profile, policy), in fleet order;
    // anything no fleet names is still written, after them.
    let mut roles = vec![false; plan.roles.len()];
    let mut profiles = vec![false; plan.instance_profiles.len()];
    let mut policies = vec![false; plan.policies.len()];
    let order = plan
        .fleets
        .iter()
        .map(|f| (f.role, f.instance_profile, f.policy))
        .chain((0..plan.roles.len()).map(|i| (Some(i), None, None)))
        .chain((0..plan.instance_profiles.len()).map(|i| (None, Some(i), None)))
        .chain((0..plan.policies.len()).map(|i| (None, None, Some(i))));
    for (role, profile, policy) in order {
        if let Some(i) = role.filter(|&i| !std::mem::replace(&mut roles[i], true)) {
            let role = &plan.roles[i];
            resources.insert(
                &role.id.upper_camel,
                "AWS::IAM::Role",
                role_properties(role),
            )?;
        }
        if let Some(i) = profile.filter(|&i| !std::mem::replace(&mut profiles[i], true)) {
            let p = &plan.instance_profiles[i];
            let props = json!({
                "InstanceProfileName": p.name,
                "Path": p.path,
                "Roles": [reference(&plan.roles[p.role].id.upper_camel)],
            });
            resources.insert(&p.id.upper_camel, "AWS::IAM::InstanceProfile", props)?;
        }
        if let Some(i) = policy.filter(|&i| !std::mem::replace(&mut policies[i], true)) {
            let p = &plan.policies[i];
            let attached = match &p.attachment {
                Attachment::Role(r) => reference(&plan.roles[*r].id.upper_camel),
                Attachment::ExistingRole(name) => Json::String(name.clone()),
            };
            let statements: Vec<Json> = p.statements.iter().map(|s| statement(plan, s)).collect();
            let props = json!({
                "ManagedPolicyName": p.name,
                "Path": p.path,
                "Description": p.description,
                "PolicyDocument": {"Version": facts::POLICY_VERSION, "Statement": statements},
                "Roles": [attached],
            });
            resources.insert(&p.id.upper_camel, "AWS::IAM::ManagedPolicy", props)?;
        }
    }

    let mut outputs = Map::new();
    for o in &plan.outputs {
        let value = match o.value {
            OutputValue::RoleArn { role } => {
                json!({"Fn::GetAtt": [plan.roles[role].id.upper_camel, "Arn"]})
            }
            OutputValue::RoleName { role } => reference(&plan.roles[role].id.upper_camel),
            OutputValue::InstanceProfileName { profile } => {
                reference(&plan.instance_profiles[profile].id.upper_camel)
            }
        };
        let id = &o.id.upper_camel;
        if resources.ids.contains(id)
            || outputs
                .insert(
                    id.clone(),
                    json!({"Description": o.description, "Value": value}),
                )
                .is_some()
        {
            return Err(duplicate(id));
        }
    }

    let mut template = Map::new();
    template.insert("AWSTemplateFormatVersion".into(), FORMAT_VERSION.into());
    template.insert("Description".into(), description(plan).into());
    template.insert("Resources".into(), Json::Object(resources.map));
    if !outputs.is_empty() {
        template.insert("Outputs".into(), Json::Object(outputs));
    }
    Ok(Json::Object(template))
}

/// The template description: what it is, that it is generated, and the capability it needs.
fn description(plan: &Plan) -> String {
    format!(
        "Session Manager IAM roles and policies for project {}. {} (do not edit: change the spec and regenerate). \
         Creates named IAM resources: deploy with CAPABILITY_NAMED_IAM.",
        plan.project.kebab,
        super::GENERATED_MARKER
    )
}

/// The Resources section, refusing a logical id twice (two fleet names that differ only
/// in hyphens, such as `a-1` and `a1`, have the same CamelCase id).
#[derive(Default)]
struct Resources {
    map: Map<String, Json>,
    ids: BTreeSet<String>,
}

impl Resources {
    fn insert(&mut self, id: &str, kind: &str, properties: Json) -> Result<(), Error> {
        if !self.ids.insert(id.to_string()) {
            return Err(duplicate(id));
        }
        self.map.insert(
            id.to_string(),
            json!({"Type": kind, "Properties": properties}),
        );
        Ok(())
    }
}

fn duplicate(id: &str) -> Error {
    Error::Usage(format!(
        "two fleets produce the CloudFormation logical id `{id}`; rename one so that their names differ in more than hyphens"
    ))
}

/// A CloudFormation value for a plan text: a lone pseudo value is `Ref AWS::…` (as AWS's
/// own templates write it), anything else a string or `Fn::Sub` from [`escape::cfn_text`].
fn text(t: &Text) -> Json {
    match t.pieces() {
        [Piece::Pseudo(p)] => reference(escape::CFN_PSEUDO.get(*p)),
        _ => escape::cfn_text(t),
    }
}

fn reference(logical_id: &str) -> Json {
    json!({ "Ref": logical_id })
}

fn effect(e: Effect) -> &'static str {
    match e {
        Effect::Allow => "Allow",
    }
}

fn role_properties(role: &Role) -> Json {
    let mut trust = Map::new();
    trust.insert("Effect".into(), effect(role.trust.effect).into());
    trust.insert(
        "Principal".into(),
        json!({"Service": text(&role.trust.service)}),
    );
    trust.insert("Action".into(), role.trust.action.into());
    if !role.trust.conditions.is_empty() {
        trust.insert("Condition".into(), conditions(&role.trust.conditions));
    }

    let mut props = Map::new();
    props.insert("RoleName".into(), role.name.clone().into());
    props.insert("Path".into(), role.path.clone().into());
    props.insert("Description".into(), role.description.clone().into());
    props.insert(
        "AssumeRolePolicyDocument".into(),
        json!({"Version": facts::POLICY_VERSION, "Statement": [trust]}),
    );
    if !role.managed_policies.is_empty() {
        let arns = role.managed_policies.iter().map(|m| text(&m.arn));
        props.insert("ManagedPolicyArns".into(), Json::Array(arns.collect()));
    }
    if let Some(boundary) = &role.permissions_boundary {
        props.insert("PermissionsBoundary".into(), text(boundary));
    }
    if !role.tags.is_empty() {
        // A BTreeMap iterates by key, so the tags are sorted.
        let tags = role.tags.iter().map(|(k, v)| json!({"Key": k, "Value": v}));
        props.insert("Tags".into(), Json::Array(tags.collect()));
    }
    Json::Object(props)
}

fn statement(plan: &Plan, s: &Statement) -> Json {
    let mut out = Map::new();
    out.insert("Sid".into(), s.sid.clone().into());
    out.insert("Effect".into(), effect(s.effect).into());
    out.insert("Action".into(), s.actions.clone().into());
    let resources = s.resources.iter().map(|r| text(&r.arn(&plan.env)));
    out.insert("Resource".into(), Json::Array(resources.collect()));
    if !s.conditions.is_empty() {
        out.insert("Condition".into(), conditions(&s.conditions));
    }
    Json::Object(out)
}

/// `{operator: {key: value or [values]}}`, merging conditions that share an operator.
fn conditions(conditions: &[Condition]) -> Json {
    let mut out = Map::new();
    for c in conditions {
        let value = match c.values.as_slice() {
            [one] => text(one),
            many => Json::Array(many.iter().map(text).collect()),
        };
        if let Json::Object(keys) = out
            .entry(c.operator.to_string())
            .or_insert_with(|| Json::Object(Map::new()))
        {
            keys.insert(c.key.to_string(), value);
        }
    }
    Json::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::build::build;
    use yaml_rust2::parser::{Event, EventReceiver, Parser};
    use yaml_rust2::scanner::TScalarStyle;
    use yaml_rust2::{Yaml, YamlLoader};

    fn plan_of(spec_yaml: &str) -> Plan {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("spec.yaml");
        std::fs::write(&path, spec_yaml).expect("write spec");
        let (spec, _) = crate::spec::load(&path).expect("valid spec");
        build(&spec)
    }

    fn render(plan: &Plan, cfn_format: CfnFormat) -> String {
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
    /// a string (not a number, boolean or null).
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
                        None if style == TScalarStyle::Plain => match Yaml::from_str(&v) {
                            Yaml::String(s) => Json::String(s),
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

    fn parse_yaml(text: &str) -> Json {
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

    const HOSTILE: &str =
        "a \"quoted\" value\nnext: line ${AWS::Region} #not-a-comment 'x' \\ tab\tend: ";

    fn hostile_plan() -> Plan {
        let mut plan = plan_of(
            "version: 1\nproject: shop\ntags:\n  owner: team\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n    session:\n      cloudwatch:\n        log_group: /ssm/web\n  - name: onprem\n    platform: hybrid\n    mode: managed-core\n",
        );
        // Validation keeps such characters out of specs; the renderer must not rely on it.
        plan.roles[0].tags.insert("note".into(), HOSTILE.into());
        plan.roles[0].description = HOSTILE.into();
        plan.policies[0].description = HOSTILE.into();
        plan
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
        // Nothing leaked out of its string: the template still has exactly its sections.
        let keys: Vec<&String> = doc.as_object().expect("map").keys().collect();
        assert_eq!(
            keys,
            [
                "AWSTemplateFormatVersion",
                "Description",
                "Resources",
                "Outputs"
            ]
        );
    }

    #[test]
    fn json_and_yaml_hold_the_same_tree() {
        let plan = hostile_plan();
        let from_json: Json =
            serde_json::from_str(&render(&plan, CfnFormat::Json)).expect("valid JSON");
        let from_yaml = parse_yaml(&render(&plan, CfnFormat::Yaml));
        assert_eq!(from_json, from_yaml);
        assert_eq!(from_json, template_tree(&plan).expect("tree"));
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

    #[test]
    fn both_formats_carry_the_marker_near_the_top() {
        let plan = hostile_plan();
        for format in [CfnFormat::Yaml, CfnFormat::Json] {
            let text = render(&plan, format);
            let head: Vec<&str> = text.lines().take(5).collect();
            assert!(
                head.iter()
                    .any(|l| l.contains(super::super::GENERATED_MARKER)),
                "{text}"
            );
        }
    }
}
