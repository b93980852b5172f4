//! The calls made on a node's behalf, and the evaluator that proves them allowed.
//!
//! `agent-calls.yaml` is the call model: one row per AWS call the SSM Agent (or a
//! service acting for the node) makes, in each configuration, with the condition context
//! it sends and the source it was read from. [`calls_of`] turns the rows that apply to a
//! fleet into concrete requests, each with its neighbours (another bucket, key, log
//! group, account, Region, partition or principal) that must be denied.
//! [`policies::of_plan`] gives a fleet's statements from the plan, [`eval`] judges them.

pub mod eval;
pub mod policies;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::plan::{KmsKey, Mode, Platform, Pseudo, Role, Value};
use crate::spec::Fleet;
use eval::Request;

/// When a row's call is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum When {
    Always,
    Registration,
    Ec2,
    /// The Default Host Management role (an EC2 fleet without instance profile).
    Dhmc,
    Hybrid,
    Kms,
    S3,
    S3Encrypted,
    S3SseKms,
    S3CrossAccount,
    Cloudwatch,
    VpcEndpoint,
}

/// One row of the call model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub id: String,
    pub when: When,
    pub caller: String,
    /// The service principal, for calls evaluated against a trust policy.
    pub principal: Option<String>,
    pub action: String,
    pub resource: String,
    #[serde(default)]
    pub context: BTreeMap<String, String>,
    #[serde(default)]
    pub deny: Vec<String>,
    pub source: String,
}

/// The call model, read once from the embedded table.
pub fn rows() -> &'static [Row] {
    static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let text = include_str!("agent-calls.yaml");
        let (value, _) = crate::spec::source::parse(text, Default::default())
            .expect("agent-calls.yaml is YAML (calls::tests checks it)");
        serde_json::from_value(value).expect("agent-calls.yaml rows have the Row shape")
    })
}

/// The key id the model gives the session key the code creates.
pub const CREATED_KEY_ID: &str = "00000000-0000-4000-8000-00000000c0de";
/// The name the model gives the log bucket the code creates.
pub const CREATED_BUCKET_NAME: &str = "created-session-log-bucket";

/// The deployment values a fleet's calls are made in, all concrete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concrete {
    pub partition: String,
    pub region: String,
    pub account: String,
    pub url_suffix: String,
}

impl Concrete {
    /// The pinned values of a plan's environment, and for what is not pinned the fixed
    /// values the conformance suite also resolves pseudo values with.
    pub fn of(env: &crate::plan::Env) -> Concrete {
        let partition = match &env.partition {
            Value::Pinned(p) => p.clone(),
            Value::Pseudo(_) => "aws".into(),
        };
        let (region, suffix) = match partition.as_str() {
            "aws-cn" => ("cn-north-1", "amazonaws.com.cn"),
            "aws-us-gov" => ("us-gov-west-1", "amazonaws.com"),
            _ => ("us-east-2", "amazonaws.com"),
        };
        let pick = |v: &Value, default: &str| match v {
            Value::Pinned(s) => s.clone(),
            Value::Pseudo(_) => default.to_string(),
        };
        Concrete {
            region: pick(&env.region, region),
            account: pick(&env.account, "123456789012"),
            url_suffix: pick(&env.url_suffix, suffix),
            partition,
        }
    }

    /// The value a pseudo value stands for here.
    pub fn pseudo(&self, p: Pseudo) -> String {
        match p {
            Pseudo::Partition => self.partition.clone(),
            Pseudo::Region => self.region.clone(),
            Pseudo::AccountId => self.account.clone(),
            Pseudo::UrlSuffix => self.url_suffix.clone(),
        }
    }

    /// The value a created resource's reference stands for here: a key ARN and a bucket
    /// name of this account and Region, as the conformance suite resolves the targets'
    /// references (`tests/conformance/calls.py`).
    pub fn reference(&self, r: crate::plan::Reference) -> String {
        match r {
            crate::plan::Reference::SessionKeyArn => format!(
                "arn:{}:kms:{}:{}:key/{CREATED_KEY_ID}",
                self.partition, self.region, self.account
            ),
            crate::plan::Reference::LogBucketName => CREATED_BUCKET_NAME.to_string(),
        }
    }

    /// A plan text with every pseudo value and reference resolved here.
    pub fn text(&self, t: &crate::plan::Text) -> String {
        t.resolve_with(|p| self.pseudo(p), |r| self.reference(r))
    }

    /// Another Region of the same partition.
    fn other_region(&self) -> &'static str {
        match self.region.as_str() {
            "cn-north-1" => "cn-northwest-1",
            r if r.starts_with("cn-") => "cn-north-1",
            "us-gov-west-1" => "us-gov-east-1",
            r if r.starts_with("us-gov-") => "us-gov-west-1",
            "us-west-2" => "us-east-1",
            _ => "us-west-2",
        }
    }
}

/// A concrete call of one row, and the neighbouring requests that must be denied.
#[derive(Debug, Clone)]
pub struct Call {
    pub row: &'static Row,
    pub request: Request,
    /// Each neighbour with the `deny` entry it comes from.
    pub neighbours: Vec<(String, Request)>,
}

const SESSION_ID: &str = "operator-0a1b2c3d4e5f67890";
const OTHER_ACCOUNT: &str = "444455556666";
const OTHER_KEY_ID: &str = "00000000-1111-2222-3333-444444444444";

/// The calls made for a fleet: the rows its configuration selects, made concrete.
/// `role` is the role ssmgen writes for the fleet (none in `existing-role` mode).
pub fn calls_of(fleet: &Fleet, role: Option<&Role>, c: &Concrete) -> Vec<Call> {
    let mut vars = base_vars(fleet, role, c);
    let s = &fleet.session;
    let applies = |when: When| match when {
        When::Always => true,
        When::Registration => fleet.mode != Mode::ExistingRole,
        When::Ec2 => {
            role.is_some()
                && fleet.platform == Platform::Ec2
                && fleet.mode != Mode::DefaultHostManagement
        }
        When::Dhmc => role.is_some() && fleet.mode == Mode::DefaultHostManagement,
        When::Hybrid => role.is_some() && fleet.platform == Platform::Hybrid,
        When::Kms => s.kms_key.is_some(),
        When::S3 => s.s3.is_some(),
        When::S3Encrypted => s.s3.as_ref().is_some_and(|b| b.encrypted),
        When::S3SseKms => s.s3.as_ref().is_some_and(|b| b.kms_key.is_some()),
        When::S3CrossAccount => s.s3.as_ref().is_some_and(|b| b.owner_account.is_some()),
        When::Cloudwatch => s.cloudwatch.is_some(),
        When::VpcEndpoint => false,
    };
    let mut out: Vec<Call> = rows()
        .iter()
        .filter(|r| applies(r.when))
        .map(|r| instantiate(r, &vars))
        .collect();
    for region in &s.vpc_endpoint_regions {
        vars.insert("vpc_region", region.clone());
        let other = [
            "us-east-1",
            "eu-west-1",
            "cn-north-1",
            "us-gov-west-1",
            "ap-south-1",
        ]
        .into_iter()
        .find(|r| !s.vpc_endpoint_regions.iter().any(|v| v == r))
        .unwrap_or("ap-south-1");
        vars.insert("other_vpc_region", other.to_string());
        out.extend(
            rows()
                .iter()
                .filter(|r| r.when == When::VpcEndpoint)
                .map(|r| instantiate(r, &vars)),
        );
    }
    out
}

type Vars = BTreeMap<&'static str, String>;

fn base_vars(fleet: &Fleet, role: Option<&Role>, c: &Concrete) -> Vars {
    let mut v = Vars::new();
    v.insert("partition", c.partition.clone());
    v.insert("region", c.region.clone());
    v.insert("account", c.account.clone());
    v.insert("url_suffix", c.url_suffix.clone());
    v.insert("other_region", c.other_region().to_string());
    v.insert("session_id", SESSION_ID.to_string());
    let (node_id, node_arn) = match fleet.platform {
        Platform::Ec2 => ("i-0123456789abcdef0", "ec2:{region}:{account}:instance/"),
        Platform::Hybrid => (
            "mi-0123456789abcdef0",
            "ssm:{region}:{account}:managed-instance/",
        ),
    };
    v.insert("node_id", node_id.to_string());
    v.insert("node_arn", format!("arn:{{partition}}:{node_arn}{node_id}"));
    if let Some(role) = role {
        v.insert(
            "role_arn",
            format!(
                "arn:{}:iam::{}:role{}{}",
                c.partition, c.account, role.path, role.name
            ),
        );
    }
    let key_arn = |key: &KmsKey| match key {
        KmsKey::Arn(arn) => arn.clone(),
        KmsKey::Id(id) => format!(
            "arn:{}:kms:{}:{}:key/{id}",
            c.partition, c.region, c.account
        ),
        KmsKey::Created => c.reference(crate::plan::Reference::SessionKeyArn),
    };
    if let Some(key) = &fleet.session.kms_key {
        v.insert("session_key", key_arn(key));
    }
    if let Some(s3) = &fleet.session.s3 {
        v.insert("bucket", c.text(&s3.bucket.name()));
        v.insert("prefix", s3.prefix.clone());
        v.insert(
            "object_key",
            go_path_join(&s3.prefix, &format!("{SESSION_ID}.log")),
        );
        v.insert(
            "bucket_owner",
            s3.owner_account
                .clone()
                .unwrap_or_else(|| c.account.clone()),
        );
        if let Some(key) = &s3.kms_key {
            v.insert("bucket_key", key_arn(key));
        }
    }
    if let Some(cw) = &fleet.session.cloudwatch {
        v.insert("log_group", cw.log_group.clone());
    }
    v
}

/// Replaces every `{name}` with its variable, repeatedly (a variable may hold others).
fn fill(template: &str, vars: &Vars) -> String {
    let mut s = template.to_string();
    for _ in 0..3 {
        for (k, v) in vars {
            s = s.replace(&format!("{{{k}}}"), v);
        }
    }
    assert!(
        !s.contains('{'),
        "calls: {template:?} uses a variable this fleet does not have: {s:?}"
    );
    s
}

fn instantiate(row: &'static Row, vars: &Vars) -> Call {
    let request = Request {
        action: row.action.clone(),
        resource: fill(&row.resource, vars),
        principal: row.principal.as_ref().map(|p| fill(p, vars)),
        context: row
            .context
            .iter()
            .map(|(k, v)| (k.clone(), fill(v, vars)))
            .collect(),
    };
    let neighbours = row
        .deny
        .iter()
        .filter_map(|entry| {
            let n = neighbour(entry, &request, vars)?;
            (n != request).then(|| (entry.clone(), n))
        })
        .collect();
    Call {
        row,
        request,
        neighbours,
    }
}

/// The request a `deny` entry describes, or `None` when it does not apply here.
fn neighbour(entry: &str, r: &Request, vars: &Vars) -> Option<Request> {
    let mut n = r.clone();
    if let Some(rest) = entry.strip_prefix("context ") {
        let (key, value) = rest.split_once('=').expect("context KEY=VALUE");
        n.context.insert(key.to_string(), fill(value, vars));
        return Some(n);
    }
    if let Some(p) = entry.strip_prefix("principal ") {
        n.principal = Some(fill(p, vars));
        return Some(n);
    }
    let mut seg: Vec<String> = r.resource.splitn(6, ':').map(str::to_string).collect();
    if seg.len() != 6 {
        return None;
    }
    let partition = if seg[1] == "aws" { "aws-cn" } else { "aws" };
    match entry {
        "partition" => seg[1] = partition.into(),
        "region" if !seg[3].is_empty() => seg[3] = vars["other_region"].clone(),
        "account" if !seg[4].is_empty() => seg[4] = OTHER_ACCOUNT.into(),
        "bucket" => {
            let (bucket, key) = seg[5].split_once('/').unwrap_or((&seg[5], ""));
            let sep = if seg[5].contains('/') { "/" } else { "" };
            seg[5] = format!("{bucket}-zz{sep}{key}");
        }
        "key-prefix" if !vars.get("prefix").is_some_and(|p| p.is_empty()) => {
            let (bucket, _) = seg[5].split_once('/')?;
            seg[5] = format!("{bucket}/zz-other/{SESSION_ID}.log");
        }
        "key-id" => seg[5] = format!("key/{OTHER_KEY_ID}"),
        "log-group" => {
            let g = &vars["log_group"];
            seg[5] = seg[5].replacen(&format!("log-group:{g}:"), &format!("log-group:{g}-zz:"), 1);
        }
        "vpc-bucket" => {
            let from = format!("amazon-ssm-{}/", vars["vpc_region"]);
            let to = format!("amazon-ssm-{}/", vars["other_vpc_region"]);
            seg[5] = seg[5].replacen(&from, &to, 1);
        }
        "region" | "account" | "key-prefix" => return None,
        other => panic!("calls: unknown deny entry {other:?}"),
    }
    n.resource = seg.join(":");
    Some(n)
}

/// Go's `path.Join(prefix, name)` as the agent builds the object key: the joined path
/// cleaned (empty and `.` elements dropped, `..` resolved), a leading `/` kept.
pub fn go_path_join(prefix: &str, name: &str) -> String {
    let joined = if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}/{name}")
    };
    let rooted = joined.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let body = parts.join("/");
    if rooted {
        format!("/{body}")
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_every_row_names_its_source() {
        let rows = rows();
        assert!(rows.len() >= 20, "{} rows", rows.len());
        let mut ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), rows.len(), "row ids are unique");
        for r in rows {
            assert!(r.source.len() > 20, "{}: source", r.id);
            assert!(r.action.contains(':'), "{}: action", r.id);
        }
    }

    #[test]
    fn object_keys_follow_go_path_join() {
        // agent/fileutil/fileutil.go BuildS3Path uses path.Join, which cleans the path.
        for (prefix, key) in [
            ("", "s.log"),
            ("ssm/", "ssm/s.log"),
            ("ssm", "ssm/s.log"),
            ("a//b/", "a/b/s.log"),
            ("/x/", "/x/s.log"),
            ("a/../b/", "b/s.log"),
            ("./a/", "a/s.log"),
        ] {
            assert_eq!(go_path_join(prefix, "s.log"), key, "{prefix:?}");
        }
    }
}
