//! Whole-output property test: hostile strings in every string of a plan that reaches a
//! literal of the generated code must leave the code's meaning unchanged and come back
//! unchanged.
//!
//! Validation keeps quotes, `${`, newlines and the like out of specs, so this test goes
//! past it: it builds the plan of every example, then writes hostile strings (see
//! `common::HOSTILE`) straight into the plan's descriptions, tags, activation fields,
//! names, paths, ARNs and resource names. Each plan is rendered twice, once with a plain
//! placeholder in every such field and once with the hostile strings, by every target.
//! Each pair of outputs is read back by a parser of the target language, and the two
//! trees must be equal once each placeholder is replaced by its hostile string: a string
//! that broke out of its literal would add, drop or change a node; one mangled by
//! escaping would differ in value.
//!
//! Parsers: CloudFormation YAML (yaml-rust2 events, CloudFormation's short-form tags
//! read as intrinsic functions) must also equal the JSON template (serde_json), with
//! `Fn::Sub` strings decoded; Python through CPython's `ast`; the activation script is
//! run by `sh` with a fake `aws` that records its arguments; Terraform through hcl-rs,
//! for shape only (see `check_terraform`).
//!
//! The rest needs tools `cargo test` does not install: with `SSMGEN_HOSTILE_OUT=<dir>`
//! this test also writes every case there, and the conformance suite
//! (tests/conformance/hostile.py) compares the trees of cfn-lint's template decoder,
//! HashiCorp's HCL parser and the TypeScript compiler, type-checks with `tsc --strict`,
//! and synthesizes the CDK constructs of both languages to compare the templates CDK
//! produces.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

mod common;

use common::{random_hostile_string, read_sub, run, Rng, SubPiece, HOSTILE};
use serde_json::{json, Value};
use ssmgen::plan::{
    build::build, Attachment, Bucket, KmsKey, OutputValue, Piece, Plan, Resource, Statement, Text,
};
use ssmgen::spec::ActivationMethod;
use ssmgen::targets::{self, CfnFormat, Options, OutFile};

/// Hostile plans per example and profile.
const SEEDS: u64 = 12;

/// What a field holds, which decides how its values are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Free text: descriptions, tag values, an activation's default instance name.
    Free,
    /// A tag key. Tags are sorted by key, so keys get an ordinal prefix that sorts the
    /// placeholder and the hostile maps alike (the single-tag profile leaves it off).
    TagKey,
    /// An IAM name, ARN or resource name: validated in specs, escaped all the same.
    Validated,
    /// An IAM path, kept `/…/` shaped so that `path/name` joins stay comparable; it is
    /// part of a word of the activation script.
    Path,
    /// Free text that also becomes a word of the activation script, where a NUL cannot
    /// exist (a command line cannot carry one).
    FreeShell,
    /// A name that becomes a word of the activation script.
    ValidatedShell,
}

/// Which fields a case writes hostile strings into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    /// Every string that reaches a literal.
    All,
    /// Free text and tags only: the strings a CDK synth must carry through unchanged
    /// (CDK itself validates role names, paths and ARNs, so those stay as planned).
    FreeText,
    /// Every string, with at most one tag per map and no ordinal prefix, so that tag
    /// keys start with hostile text too.
    SingleTag,
}

impl Profile {
    fn name(self) -> &'static str {
        match self {
            Profile::All => "all",
            Profile::FreeText => "free-text",
            Profile::SingleTag => "single-tag",
        }
    }

    fn covers(self, kind: Kind) -> bool {
        match self {
            Profile::All | Profile::SingleTag => true,
            Profile::FreeText => matches!(kind, Kind::Free | Kind::TagKey | Kind::FreeShell),
        }
    }
}

/// Calls `f` on every string of the plan that a target writes as a literal, in a fixed
/// order. Identifiers (project and fleet names) are not visited: they become logical ids,
/// variable names and comments, so validation keeps them to `[a-z0-9-]`. Neither are the
/// pinned account, Region and partition as such (they also appear in comments; validation
/// holds them to 12 digits and the known Regions and partitions), nor statement ids
/// (fixed `[A-Za-z0-9]+` names): where they are part of an ARN, the ARN's text is visited.
fn walk(plan: &mut Plan, f: &mut dyn FnMut(Kind, &mut String)) {
    fn tags(map: &mut BTreeMap<String, String>, f: &mut dyn FnMut(Kind, &mut String)) {
        let old = std::mem::take(map);
        for (mut k, mut v) in old {
            f(Kind::TagKey, &mut k);
            f(Kind::Free, &mut v);
            map.insert(k, v);
        }
    }
    tags(&mut plan.tags, f);
    for role in &mut plan.roles {
        f(Kind::ValidatedShell, &mut role.name);
        f(Kind::Path, &mut role.path);
        f(Kind::Free, &mut role.description);
        text(&mut role.trust.service, f);
        for c in &mut role.trust.conditions {
            c.values.iter_mut().for_each(|v| text(v, f));
        }
        // A managed policy's name is not visited: the CDK targets derive construct ids
        // from it, so validation keeps it to IAM's policy-name characters.
        for m in &mut role.managed_policies {
            text(&mut m.arn, f);
        }
        if let Some(b) = &mut role.permissions_boundary {
            text(b, f);
        }
        tags(&mut role.tags, f);
    }
    for p in &mut plan.instance_profiles {
        f(Kind::Validated, &mut p.name);
        f(Kind::Path, &mut p.path);
    }
    for p in &mut plan.policies {
        f(Kind::Validated, &mut p.name);
        f(Kind::Path, &mut p.path);
        f(Kind::Free, &mut p.description);
        if let Attachment::ExistingRole(name) = &mut p.attachment {
            f(Kind::Validated, name);
        }
        statements(&mut p.statements, f);
    }
    for p in &mut plan.operator_policies {
        f(Kind::Validated, &mut p.name);
        f(Kind::Path, &mut p.path);
        f(Kind::Free, &mut p.description);
        statements(&mut p.statements, f);
        for name in p
            .attach_roles
            .iter_mut()
            .chain(&mut p.attach_groups)
            .chain(&mut p.attach_users)
        {
            f(Kind::Validated, name);
        }
    }
    for a in &mut plan.activations {
        f(Kind::FreeShell, &mut a.description);
        if let Some(n) = &mut a.default_instance_name {
            f(Kind::FreeShell, n);
        }
        tags(&mut a.tags, f);
    }
    for d in &mut plan.documents {
        f(Kind::Validated, &mut d.name);
        json_strings(&mut d.content, f);
        tags(&mut d.tags, f);
    }
    for s in &mut plan.service_settings {
        f(Kind::Validated, &mut s.value);
    }
    for o in &mut plan.outputs {
        f(Kind::Free, &mut o.description);
        if let OutputValue::Literal { value } = &mut o.value {
            f(Kind::Free, value);
        }
    }
    if let Some(r) = &mut plan.required_region {
        f(Kind::Validated, &mut r.region);
        f(Kind::Free, &mut r.reason);
    }
    if let Some(p) = &mut plan.activation_provider {
        f(Kind::Validated, &mut p.function_name);
        f(Kind::Free, &mut p.description);
        f(Kind::Validated, &mut p.log_group.name);
        f(Kind::Path, &mut p.role.path);
        f(Kind::Free, &mut p.role.description);
        f(Kind::Free, &mut p.role.policy_description);
        text(&mut p.role.trust.service, f);
        statements(&mut p.role.statements, f);
        if let Some(b) = &mut p.role.permissions_boundary {
            text(b, f);
        }
        tags(&mut p.role.tags, f);
        for s in &mut p.secrets {
            f(Kind::Validated, &mut s.name);
            f(Kind::Free, &mut s.description);
            tags(&mut s.tags, f);
        }
    }
    let c = &mut plan.created;
    if let Some(k) = &mut c.key {
        f(Kind::Validated, &mut k.alias);
        f(Kind::Free, &mut k.description);
        resource_statements(&mut k.policy, f);
        tags(&mut k.tags, f);
    }
    if let Some(b) = &mut c.bucket {
        f(Kind::Validated, &mut b.name_prefix);
        resource_statements(&mut b.policy, f);
        tags(&mut b.tags, f);
    }
    if let Some(g) = &mut c.log_group {
        f(Kind::Validated, &mut g.name);
        tags(&mut g.tags, f);
    }
}

/// The texts of a key or bucket policy: principals and condition values (resources are
/// `*` or the created bucket's, which hold no spec string).
fn resource_statements(
    statements: &mut [ssmgen::plan::ResourceStatement],
    f: &mut dyn FnMut(Kind, &mut String),
) {
    use ssmgen::plan::Principal;
    for st in statements {
        for p in &mut st.principals {
            if let Principal::Account(t) | Principal::Service(t) = p {
                text(t, f);
            }
        }
        for c in &mut st.conditions {
            c.values.iter_mut().for_each(|v| text(v, f));
        }
    }
}

/// The literal pieces of a plan text.
fn text(t: &mut Text, f: &mut dyn FnMut(Kind, &mut String)) {
    let mut new = Text::default();
    for piece in t.pieces() {
        match piece {
            Piece::Literal(s) => {
                let mut s = s.clone();
                f(Kind::Validated, &mut s);
                new.push_str(&s);
            }
            Piece::Pseudo(p) => {
                new.push_pseudo(*p);
            }
            Piece::Ref(r) => {
                new.push_ref(*r);
            }
        }
    }
    *t = new;
}

/// The strings of statements' resources and condition values.
fn statements(statements: &mut [Statement], f: &mut dyn FnMut(Kind, &mut String)) {
    for st in statements {
        for r in &mut st.resources {
            match r {
                Resource::Any
                | Resource::Ec2Instances
                | Resource::ManagedInstances
                | Resource::AwsDocument { .. }
                | Resource::OwnSessions { .. }
                | Resource::Sessions => {}
                Resource::Document { name } | Resource::Secret { name } => f(Kind::Validated, name),
                Resource::Role { path, name } => {
                    f(Kind::Path, path);
                    f(Kind::Validated, name);
                }
                Resource::KmsKey {
                    key: KmsKey::Arn(s) | KmsKey::Id(s),
                }
                | Resource::Bucket {
                    bucket: Bucket::Named(s),
                }
                | Resource::LogGroup { name: s }
                | Resource::AwsOwnedBucketObjects { bucket: s } => f(Kind::Validated, s),
                Resource::KmsKey {
                    key: KmsKey::Created,
                }
                | Resource::Bucket {
                    bucket: Bucket::Created,
                } => {}
                Resource::BucketObjects { bucket, prefix } => {
                    if let Bucket::Named(bucket) = bucket {
                        f(Kind::Validated, bucket);
                    }
                    f(Kind::Validated, prefix);
                }
            }
        }
        for c in &mut st.conditions {
            c.values.iter_mut().for_each(|v| text(v, f));
        }
    }
}

/// Every string of a preferences document's content: the shell profile is free text,
/// and every other input is written by the targets the same way.
fn json_strings(v: &mut serde_json::Value, f: &mut dyn FnMut(Kind, &mut String)) {
    match v {
        serde_json::Value::String(s) => f(Kind::Free, s),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| json_strings(x, f)),
        serde_json::Value::Object(o) => o.values_mut().for_each(|x| json_strings(x, f)),
        _ => {}
    }
}

/// One plan rendered with placeholders and with hostile strings.
struct Case {
    label: String,
    profile: Profile,
    seed: u64,
    /// Placeholder → hostile string.
    map: Vec<(String, String)>,
    plain: Plan,
    hostile: Plan,
}

fn placeholder(i: usize) -> String {
    format!("zq{i:05}q")
}

/// A hostile string no other field of the case has, since equal strings may be shared
/// (or deduplicated) by a target where distinct placeholders are not.
fn fresh_hostile(rng: &mut Rng, kind: Kind, used: &mut HashSet<String>) -> String {
    loop {
        let mut s = if rng.chance(30) {
            HOSTILE[rng.below(HOSTILE.len())].to_string()
        } else {
            random_hostile_string(rng)
        };
        if matches!(kind, Kind::FreeShell | Kind::ValidatedShell | Kind::Path) {
            s.retain(|c| c != '\0');
        }
        if kind == Kind::Path {
            s = s.trim_start_matches('/').to_string();
        }
        // Empty free text is valid but some targets leave an empty optional value out.
        if s.is_empty() {
            s.push('"');
        }
        if used.insert(s.clone()) {
            return s;
        }
    }
}

fn make_case(label: &str, base: &Plan, profile: Profile, seed: u64) -> Case {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d ^ (seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
    let mut base = base.clone();
    if profile == Profile::SingleTag {
        let keep_one = |m: &mut BTreeMap<String, String>| {
            if let Some(first) = m.keys().next().cloned() {
                m.retain(|k, _| *k == first);
            }
        };
        // Role tags hold the spec's default tags merged with the fleet's: keep one tag
        // in all, on the roles only (and on activations, documents, the activation
        // provider's role and secrets, which carry the same merged tags).
        base.tags.clear();
        base.roles.iter_mut().for_each(|r| keep_one(&mut r.tags));
        base.activations
            .iter_mut()
            .for_each(|a| keep_one(&mut a.tags));
        base.documents
            .iter_mut()
            .for_each(|d| keep_one(&mut d.tags));
        // The activation provider's role and secrets carry them too.
        if let Some(p) = &mut base.activation_provider {
            keep_one(&mut p.role.tags);
            p.secrets.iter_mut().for_each(|s| keep_one(&mut s.tags));
        }
    }
    let mut plain = base.clone();
    let mut hostile = base;
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut used = HashSet::new();
    walk(&mut plain, &mut |kind, s| {
        if !profile.covers(kind) {
            return;
        }
        let i = pairs.len();
        let p = placeholder(i);
        let h = fresh_hostile(&mut rng, kind, &mut used);
        pairs.push((p.clone(), h.clone()));
        *s = match kind {
            Kind::TagKey if profile != Profile::SingleTag => format!("k{i:05}{p}"),
            Kind::Path => format!("/{p}/"),
            _ => p,
        };
    });
    let mut n = 0;
    walk(&mut hostile, &mut |kind, s| {
        if !profile.covers(kind) {
            return;
        }
        let (_, h) = &pairs[n];
        *s = match kind {
            Kind::TagKey if profile != Profile::SingleTag => format!("k{n:05}{h}"),
            Kind::Path => format!("/{h}/"),
            _ => h.clone(),
        };
        n += 1;
    });
    assert_eq!(n, pairs.len());
    Case {
        label: format!("{label}/{}/{seed}", profile.name()),
        profile,
        seed,
        map: pairs,
        plain,
        hostile,
    }
}

/// Replaces every placeholder in `s` by its hostile string.
fn substitute(s: &str, map: &[(String, String)]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("zq") {
        out.push_str(&rest[..i]);
        let cand = &rest[i..];
        let hit = cand
            .get(2..7)
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse::<usize>().ok())
            .filter(|_| cand.as_bytes().get(7) == Some(&b'q'))
            .and_then(|n| map.get(n));
        match hit {
            Some((_, h)) => {
                out.push_str(h);
                rest = &cand[8..];
            }
            None => {
                out.push_str("zq");
                rest = &cand[2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Replaces placeholders in every string of a JSON tree.
fn substitute_tree(v: &Value, map: &[(String, String)]) -> Value {
    match v {
        Value::String(s) => Value::String(substitute(s, map)),
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute_tree(x, map)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (substitute(k, map), substitute_tree(x, map)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The path to the first place two trees differ, for readable failures.
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                if let Some(d) = first_difference(p, q, &format!("{at}[{i}]")) {
                    return Some(d);
                }
            }
            (x.len() != y.len()).then(|| format!("{at}: {} vs {} items", x.len(), y.len()))
        }
        (Value::Object(x), Value::Object(y)) => {
            for (k, p) in x {
                match y.get(k) {
                    Some(q) => {
                        if let Some(d) = first_difference(p, q, &format!("{at}.{k}")) {
                            return Some(d);
                        }
                    }
                    None => return Some(format!("{at}.{k}: missing on one side")),
                }
            }
            (x.len() != y.len()).then(|| format!("{at}: different keys"))
        }
        _ => (a != b).then(|| format!("{at}: {a} vs {b}")),
    }
}

/// Asserts that `got` equals `expected`, naming the first difference.
fn assert_same(expected: &Value, got: &Value, what: &str) {
    if let Some(d) = first_difference(expected, got, "") {
        panic!("{what} changed meaning: expected vs got differ at {d}");
    }
}

fn render(plan: &Plan, target: &str, cfn_format: CfnFormat) -> Vec<OutFile> {
    let t = targets::all()
        .into_iter()
        .find(|t| t.name() == target)
        .expect("target");
    let options = Options {
        cfn_format,
        ..Options::default()
    };
    t.render(plan, &options)
        .unwrap_or_else(|e| panic!("{target} renders: {e}"))
}

fn file<'a>(files: &'a [OutFile], ext: &str) -> &'a OutFile {
    files
        .iter()
        .find(|f| f.path.extension().and_then(|e| e.to_str()) == Some(ext))
        .unwrap_or_else(|| panic!("a .{ext} file"))
}

// ---- CloudFormation ----------------------------------------------------------------

/// Reads a CloudFormation YAML template as cfn-lint does: short-form tags become the
/// intrinsic functions they stand for, plain scalars follow YAML 1.2's core schema.
fn cfn_yaml_to_json(src: &str) -> Result<Value, String> {
    use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
    use yaml_rust2::scanner::{Marker, TScalarStyle};

    enum Frame {
        Seq(Vec<Value>, Option<String>),
        Map(
            serde_json::Map<String, Value>,
            Option<String>,
            Option<String>,
        ),
    }
    #[derive(Default)]
    struct Builder {
        stack: Vec<Frame>,
        docs: Vec<Value>,
        error: Option<String>,
    }
    fn tagged(tag: Option<String>, v: Value) -> Value {
        match tag.as_deref() {
            None => v,
            Some("GetAtt") => match v {
                Value::String(s) => {
                    let (a, b) = s.split_once('.').unwrap_or((&s, ""));
                    json!({ "Fn::GetAtt": [a, b] })
                }
                other => json!({ "Fn::GetAtt": other }),
            },
            Some("Ref") => json!({ "Ref": v }),
            Some(t) => json!({ format!("Fn::{t}"): v }),
        }
    }
    impl Builder {
        fn push(&mut self, v: Value) {
            match self.stack.last_mut() {
                None => self.docs.push(v),
                Some(Frame::Seq(items, _)) => items.push(v),
                Some(Frame::Map(map, key, _)) => match key.take() {
                    None => match v {
                        Value::String(k) => *key = Some(k),
                        other => self.error = Some(format!("non-string key {other}")),
                    },
                    Some(k) => {
                        if map.insert(k.clone(), v).is_some() {
                            self.error = Some(format!("duplicate key {k}"));
                        }
                    }
                },
            }
        }
    }
    impl MarkedEventReceiver for Builder {
        fn on_event(&mut self, ev: Event, _: Marker) {
            let tag_of = |t: Option<yaml_rust2::parser::Tag>| t.map(|t| t.suffix);
            match ev {
                Event::Scalar(s, style, _, tag) => {
                    let tag = tag_of(tag);
                    let plain = style == TScalarStyle::Plain && tag.is_none();
                    let v = if plain {
                        match s.as_str() {
                            "true" => Value::Bool(true),
                            "false" => Value::Bool(false),
                            "null" | "~" | "" => Value::Null,
                            _ => s
                                .parse::<i64>()
                                .map(Value::from)
                                .unwrap_or(Value::String(s)),
                        }
                    } else {
                        Value::String(s)
                    };
                    self.push(tagged(tag, v));
                }
                Event::SequenceStart(_, tag) => self.stack.push(Frame::Seq(vec![], tag_of(tag))),
                Event::MappingStart(_, tag) => {
                    self.stack
                        .push(Frame::Map(serde_json::Map::new(), None, tag_of(tag)))
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let v = match self.stack.pop() {
                        Some(Frame::Seq(items, tag)) => tagged(tag, Value::Array(items)),
                        Some(Frame::Map(map, _, tag)) => tagged(tag, Value::Object(map)),
                        None => return,
                    };
                    self.push(v);
                }
                Event::Alias(_) => self.error = Some("alias".into()),
                _ => {}
            }
        }
    }
    let mut b = Builder::default();
    Parser::new_from_str(src)
        .load(&mut b, true)
        .map_err(|e| e.to_string())?;
    if let Some(e) = b.error {
        return Err(e);
    }
    match b.docs.len() {
        1 => Ok(b.docs.remove(0)),
        n => Err(format!("{n} documents")),
    }
}

/// Decodes every `Fn::Sub` string into its pieces (`${!x}` is the literal `${x}`), so
/// that placeholders and hostile strings compare as the text they stand for.
fn decode_sub(v: &Value) -> Value {
    match v {
        Value::Object(o) if o.len() == 1 && o.contains_key("Fn::Sub") => {
            let Some(s) = o["Fn::Sub"].as_str() else {
                return v.clone();
            };
            let pieces: Vec<Value> = read_sub(s)
                .into_iter()
                .map(|p| match p {
                    SubPiece::Literal(l) => Value::String(l),
                    SubPiece::Ref(name) => json!({ "Ref": name }),
                })
                .collect();
            json!({ "Fn::Sub(decoded)": pieces })
        }
        Value::Array(a) => Value::Array(a.iter().map(decode_sub).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, x)| (k.clone(), decode_sub(x))).collect())
        }
        other => other.clone(),
    }
}

fn check_cloudformation(case: &Case) {
    let read = |plan: &Plan| {
        let yaml = render(plan, "cloudformation", CfnFormat::Yaml);
        let json_files = render(plan, "cloudformation", CfnFormat::Json);
        let y = &file(&yaml, "yaml").contents;
        let j = &file(&json_files, "json").contents;
        let from_yaml = cfn_yaml_to_json(y)
            .unwrap_or_else(|e| panic!("{}: YAML does not parse: {e}\n{y}", case.label));
        let from_json: Value = serde_json::from_str(j)
            .unwrap_or_else(|e| panic!("{}: JSON does not parse: {e}\n{j}", case.label));
        assert_same(
            &from_json,
            &from_yaml,
            &format!("{}: the YAML template (against the JSON one)", case.label),
        );
        (decode_sub(&from_json), yaml)
    };
    let (plain, plain_files) = read(&case.plain);
    let (hostile, hostile_files) = read(&case.hostile);
    assert_same(
        &substitute_tree(&plain, &case.map),
        &hostile,
        &format!("{}: the CloudFormation template", case.label),
    );
    check_scripts(case, &plain_files, &hostile_files);
}

// ---- Terraform ---------------------------------------------------------------------

fn hcl_expr(e: &hcl::Expression) -> Value {
    use hcl::Expression as E;
    match e {
        E::String(s) => json!({ "s": s }),
        E::TemplateExpr(t) => {
            // hcl-rs 0.20 re-reads a template's text and loses the `$$` escape after a
            // `%%{` (see check_terraform), so some valid templates fail here; they are
            // still one string, which is all this test judges (hcldump judges values).
            let Ok(tpl) = hcl::Template::from_expr(t) else {
                return json!({ "t": "a template hcl-rs 0.20 cannot re-read" });
            };
            let mut pieces: Vec<Value> = Vec::new();
            let mut lit = String::new();
            for el in tpl.elements() {
                match el {
                    hcl::template::Element::Literal(s) => lit.push_str(s),
                    // `${"$"}` is how a literal dollar is written before an
                    // interpolation: it is literal text.
                    hcl::template::Element::Interpolation(i)
                        if matches!(i.expr, hcl::Expression::String(_)) =>
                    {
                        if let hcl::Expression::String(s) = &i.expr {
                            lit.push_str(s);
                        }
                    }
                    hcl::template::Element::Interpolation(i) => {
                        if !lit.is_empty() {
                            pieces.push(json!({ "s": std::mem::take(&mut lit) }));
                        }
                        pieces.push(json!({ "i": hcl_expr(&i.expr) }));
                    }
                    hcl::template::Element::Directive(d) => {
                        pieces.push(json!({ "directive": format!("{d:?}") }))
                    }
                }
            }
            if pieces.is_empty() {
                return json!({ "s": lit });
            }
            if !lit.is_empty() {
                pieces.push(json!({ "s": lit }));
            }
            json!({ "t": pieces })
        }
        E::Array(items) => Value::Array(items.iter().map(hcl_expr).collect()),
        E::Object(o) => Value::Array(
            o.iter()
                .map(|(k, v)| {
                    let key = match k {
                        hcl::ObjectKey::Identifier(id) => json!({ "id": id.as_str() }),
                        hcl::ObjectKey::Expression(e) => hcl_expr(e),
                        other => json!({ "key": format!("{other:?}") }),
                    };
                    json!([key, hcl_expr(v)])
                })
                .collect(),
        ),
        E::FuncCall(f) => json!({
            "call": f.name.to_string(),
            "args": f.args.iter().map(hcl_expr).collect::<Vec<_>>(),
        }),
        E::Parenthesis(inner) => hcl_expr(inner),
        E::Operation(op) => match op.as_ref() {
            hcl::expr::Operation::Binary(b) => json!({
                "binary": format!("{:?}", b.operator),
                "lhs": hcl_expr(&b.lhs_expr),
                "rhs": hcl_expr(&b.rhs_expr),
            }),
            other => json!({ "operation": format!("{other:?}") }),
        },
        other => json!({ "expr": format!("{other:?}") }),
    }
}

fn hcl_body(b: &hcl::Body) -> Value {
    Value::Array(
        b.iter()
            .map(|s| match s {
                hcl::Structure::Attribute(a) => json!(["attr", a.key.as_str(), hcl_expr(&a.expr)]),
                hcl::Structure::Block(bl) => json!([
                    "block",
                    bl.identifier.as_str(),
                    bl.labels.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
                    hcl_body(&bl.body)
                ]),
            })
            .collect(),
    )
}

/// Replaces every string and string template of an HCL tree by the same mark, keeping
/// the shape of blocks, attributes and other expressions.
fn skeleton(v: &Value) -> Value {
    match v {
        Value::Object(o) if o.contains_key("s") || o.contains_key("t") => {
            Value::String("<string>".into())
        }
        Value::Array(a) => Value::Array(a.iter().map(skeleton).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, x)| (k.clone(), skeleton(x))).collect())
        }
        other => other.clone(),
    }
}

/// hcl-rs reads every hostile module, and its blocks, attributes and expressions keep
/// their shape. The values are compared by the conformance suite with HashiCorp's own
/// parser (tests/conformance/hcldump): hcl-rs 0.20 loses a `$` from `$$${` after a `%%{`
/// in the same string (`"%%{ $$${y}${y}"` reads as `%{ ${y}` where HashiCorp's HCL reads
/// `%{ $${y}`) and splits `%$${!x}` into pieces HashiCorp's parser does not, so it
/// judges neither values nor templates here.
fn check_terraform(case: &Case) {
    let read = |plan: &Plan| -> Vec<(PathBuf, Value)> {
        render(plan, "terraform", CfnFormat::Yaml)
            .iter()
            .map(|f| {
                let body: hcl::Body = hcl::from_str(&f.contents).unwrap_or_else(|e| {
                    panic!(
                        "{}: {} does not parse: {e}\n{}",
                        case.label,
                        f.path.display(),
                        f.contents
                    )
                });
                (f.path.clone(), skeleton(&hcl_body(&body)))
            })
            .collect()
    };
    let plain = read(&case.plain);
    let hostile = read(&case.hostile);
    assert_eq!(plain.len(), hostile.len());
    for ((path, p), (_, h)) in plain.iter().zip(&hostile) {
        assert_same(p, h, &format!("{}: {}", case.label, path.display()));
    }
}

// ---- activation script -------------------------------------------------------------

/// Runs the activation script with the fake `aws` and returns the calls it made, with
/// JSON arguments parsed and the expiry time (it depends on the clock) blanked.
fn script_calls(script: &str, dir: &Path, account: Option<&str>) -> Value {
    // The script refuses credentials of another account than the pinned one.
    let account = account.unwrap_or("123456789012");
    let env = [("AWS_REGION", "us-east-1"), ("FAKE_ACCOUNT", account)];
    let run = common::run_activation_script(script, dir, &[], &env);
    assert!(
        run.output.status.success(),
        "script failed: {}\n{script}",
        String::from_utf8_lossy(&run.output.stderr)
    );
    let mut calls = Vec::new();
    for args in run.calls {
        let mut call: Vec<Value> = Vec::new();
        let mut prev = "";
        for arg in &args {
            call.push(match prev {
                "--tags" => {
                    serde_json::from_str(arg).unwrap_or_else(|e| panic!("--tags {arg:?}: {e}"))
                }
                "--expiration-date" => Value::String("<expiry>".into()),
                _ => Value::String(arg.to_string()),
            });
            prev = arg;
        }
        calls.push(Value::Array(call));
    }
    Value::Array(calls)
}

fn check_scripts(case: &Case, plain: &[OutFile], hostile: &[OutFile]) {
    let script = |files: &[OutFile]| {
        files
            .iter()
            .find(|f| f.path.ends_with("create-activations.sh"))
            .map(|f| f.contents.clone())
    };
    let (Some(p), Some(h)) = (script(plain), script(hostile)) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let account = case.plain.env.account.pinned();
    let p_calls = script_calls(&p, dir.path(), account);
    let h_calls = script_calls(&h, dir.path(), account);
    assert!(
        !p_calls.as_array().expect("calls").is_empty(),
        "{}: no aws call",
        case.label
    );
    assert_same(
        &substitute_tree(&p_calls, &case.map),
        &h_calls,
        &format!("{}: the activation script\n{h}\n", case.label),
    );
}

// ---- Python ------------------------------------------------------------------------

/// Compares the syntax trees of Python sources, two by two, after substitution (with the
/// conformance suite's `substitute`, given its folder as the first argument).
const PY_COMPARE: &str = r#"
import ast, json, sys
sys.path.insert(0, sys.argv[1])
from hostile import substitute as sub

class Sub(ast.NodeTransformer):
    def __init__(self, mapping): self.mapping = mapping
    def visit_Constant(self, node):
        if isinstance(node.value, str):
            return ast.copy_location(ast.Constant(sub(node.value, self.mapping)), node)
        return node

class Merge(ast.NodeTransformer):
    # f-strings drop empty literal parts; merge and drop them alike on both sides.
    def visit_JoinedStr(self, node):
        self.generic_visit(node)
        parts = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                if v.value == "": continue
                if parts and isinstance(parts[-1], ast.Constant):
                    parts[-1] = ast.Constant(parts[-1].value + v.value); continue
            parts.append(v)
        node.values = parts
        return node

failures = 0
for case in json.load(sys.stdin):
    mapping = case["map"]
    try:
        plain = ast.parse(open(case["plain"], encoding="utf-8").read())
        hostile = ast.parse(open(case["hostile"], encoding="utf-8").read())
    except SyntaxError as e:
        print(f"{case['label']}: does not parse: {e}"); failures += 1; continue
    a = ast.dump(Merge().visit(Sub(mapping).visit(plain)))
    b = ast.dump(Merge().visit(hostile))
    if a != b:
        failures += 1
        k = next(i for i in range(min(len(a), len(b))) if a[i] != b[i]) if a[:len(b)] != b[:len(a)] else min(len(a), len(b))
        print(f"{case['label']}: syntax trees differ at {k}:\n  expected ...{a[max(0, k - 200):k + 200]}\n  got      ...{b[max(0, k - 200):k + 200]}")
print(json.dumps({"failures": failures}))
sys.exit(1 if failures else 0)
"#;

fn check_python(cases: &[Case], dir: &Path) {
    let mut manifest = Vec::new();
    for (n, case) in cases.iter().enumerate() {
        let mut entry = json!({ "label": case.label, "map": case.map.iter().map(|(_, h)| h).collect::<Vec<_>>() });
        for (side, plan) in [("plain", &case.plain), ("hostile", &case.hostile)] {
            let files = render(plan, "cdk-python", CfnFormat::Yaml);
            let py = file(&files, "py");
            let path = dir.join(format!("case{n}-{side}.py"));
            std::fs::write(&path, &py.contents).expect("write python");
            entry[side] = json!(path);
        }
        manifest.push(entry);
    }
    run(
        "python3",
        &[
            "-c",
            PY_COMPARE,
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/conformance"),
        ],
        &serde_json::to_string(&manifest).expect("json"),
    );
}

// ---- the cases ---------------------------------------------------------------------

fn base_plans() -> Vec<(String, Plan)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = ["examples", "tests/conformance/fixtures"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).expect("dir"))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let (mut spec, _) = ssmgen::spec::load(&p).expect("example loads");
        let name = p.file_stem().expect("stem").to_string_lossy().into_owned();
        let plan = build(&spec);
        // With the activations in the stack, CloudFormation and CDK write no activation
        // script: the same spec with `activation_method: script` keeps it under test.
        let scripted = plan.activation_provider.is_some().then(|| {
            spec.activation_method = ActivationMethod::Script;
            (format!("{name}+script"), build(&spec))
        });
        out.push((name, plan));
        out.extend(scripted);
    }
    out
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (name, plan) in base_plans() {
        for profile in [Profile::All, Profile::FreeText, Profile::SingleTag] {
            for seed in 0..SEEDS {
                out.push(make_case(&name, &plan, profile, seed));
            }
        }
    }
    out
}

#[test]
fn placeholders_substitute_exactly() {
    let map = vec![
        ("zq00000q".to_string(), "${x}".to_string()),
        ("zq00001q".to_string(), "zq".to_string()),
    ];
    assert_eq!(
        substitute("azq00000qbzq00001qzqzq00002q", &map),
        "a${x}bzqzqzq00002q"
    );
}

#[test]
fn hostile_strings_keep_cloudformation_meaning() {
    for case in cases() {
        check_cloudformation(&case);
    }
}

#[test]
fn hostile_strings_keep_terraform_meaning() {
    for case in cases() {
        check_terraform(&case);
    }
}

#[test]
fn hostile_strings_keep_python_meaning() {
    let dir = tempfile::tempdir().expect("tempdir");
    check_python(&cases(), dir.path());
}

/// Writes every case for the conformance suite (tests/conformance/hostile.py): the
/// CloudFormation templates, Terraform module, TypeScript construct and Python module of
/// both sides of each case,
/// and `cases.json`, which lists them with each case's hostile strings by placeholder
/// number. Does nothing unless `SSMGEN_HOSTILE_OUT` names the folder to write.
#[test]
fn hostile_cases_for_conformance() {
    let Some(out) = std::env::var_os("SSMGEN_HOSTILE_OUT") else {
        return;
    };
    let out = PathBuf::from(out);
    let _ = std::fs::remove_dir_all(&out);
    let mut manifest = Vec::new();
    for (n, case) in cases().iter().enumerate() {
        let mut entry = json!({
            "label": case.label,
            "profile": case.profile.name(),
            "seed": case.seed,
            "map": case.map.iter().map(|(_, h)| h).collect::<Vec<_>>(),
        });
        for (side, plan) in [("plain", &case.plain), ("hostile", &case.hostile)] {
            for (target, format, key) in [
                ("cloudformation", CfnFormat::Yaml, "yaml"),
                ("cloudformation", CfnFormat::Json, "json"),
                ("terraform", CfnFormat::Yaml, "tf"),
                ("cdk-typescript", CfnFormat::Yaml, "ts"),
                ("cdk-python", CfnFormat::Yaml, "py"),
            ] {
                let rel = PathBuf::from(format!("case{n:04}")).join(side).join(key);
                let dir = out.join(&rel);
                std::fs::create_dir_all(&dir).expect("case dir");
                let mut paths = Vec::new();
                for f in render(plan, target, format) {
                    if f.path.extension().is_some_and(|e| e == key) {
                        std::fs::write(dir.join(&f.path), &f.contents).expect("write case");
                        paths.push(rel.join(&f.path));
                    }
                }
                entry[side][key] = json!(paths);
            }
        }
        manifest.push(entry);
    }
    std::fs::write(
        out.join("cases.json"),
        serde_json::to_string_pretty(&manifest).expect("json"),
    )
    .expect("write manifest");
}
