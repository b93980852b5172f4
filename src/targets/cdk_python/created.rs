//! The session resources the spec creates (`kms_key`, `bucket`, `log_group`: `create`),
//! as CDK Python: the session key with its alias and key policy, the log bucket with its
//! bucket policy, and the log group, each kept when the stack is deleted (they hold the
//! audit trail, or the key that decrypts it).
//!
//! Each is held in the attribute named after the argument that replaces it,
//! `self.session_key = session_key or kms.Key(...)` (bring-your-own, as
//! aws-solutions-constructs' `existingBucketObj`): what only a created resource gets (its
//! alias, tags, policy statements and cdk-nag acknowledgements) is written under
//! `if session_key is None:`, so that a resource the app passes is left as it is.
//! Everything else names them through the attributes ([`resource`] and
//! [`document_input`], which `props.rs` asks first), so an argument replaces them
//! everywhere.
//!
//! The three come before the fleets, whose policies and documents name them. The key
//! policy names the fleets' roles, which come after the key: the key is created with an
//! empty `iam.PolicyDocument` (a given policy keeps CDK from adding its default
//! statement) and [`key_policy`] adds the plan's statements to it after the fleets.
//! CloudFormation still creates the roles first: the policy references them.

use super::iam::push_tag_statements_at;
use super::ids::ConstructIds;
use super::layout::BODY;
use super::nag::NagAcknowledgements;
use super::python::{call_statement, py_text, Arg, Py, BODY_INDENT};
use super::ssm::comment_at;
use super::{ModuleContext, Part};
use crate::error::Error;
use crate::plan::{
    Bucket, KmsKey, LogBucket, Plan, Reference, Resource, SessionKey, SessionLogGroup, Subject,
};
use crate::render::escape::py_str;

mod policy;
use policy::key_policy;

/// The attributes (and arguments) that hold the created resources; the Python target's
/// `PseudoNames` spell the plan's references with the same names.
pub(super) const KEY: &str = "session_key";
pub(super) const BUCKET: &str = "log_bucket";
pub(super) const LOG_GROUP: &str = "log_group";

/// The id of the bucket's one lifecycle rule.
const LIFECYCLE_RULE_ID: &str = "ExpireSessionLogs";

/// The created resources stay when the stack is deleted or replaces them.
const RETAIN: &str = "cdk.RemovalPolicy.RETAIN";

/// Statements under `if <argument> is None:`.
const NESTED: usize = BODY_INDENT + 4;

/// Whether the `session_key` argument replaces the created key: unless it replaces a
/// key the spec names for the sessions, while the created key only encrypts the bucket
/// (`s3.kms_key: create`); that key is then always created.
pub(super) fn key_replaceable(plan: &Plan) -> bool {
    plan.created.key.is_some() && matches!(plan.shared.session_key, None | Some(KmsKey::Created))
}

/// What `generated_names` does to the created resources, for its docstring.
pub(super) fn generated_names_doc(plan: &Plan) -> String {
    let mut out = String::new();
    if plan.created.log_group.is_some() {
        out.push_str(" The created session log group's name gets this construct's unique id (cdk.Names.unique_id) appended instead");
        out.push_str(if key_names_group(plan) {
            ": the session key's policy names the group, so CloudFormation cannot pick the name."
        } else {
            "."
        });
    }
    if plan.created.key.is_some() {
        out.push_str(
            " The created session key gets no alias (an alias name is one per account and Region).",
        );
    }
    out
}

/// The typed attributes of the created resources and their docstrings.
fn attributes(plan: &Plan) -> Vec<String> {
    let c = &plan.created;
    let mut out = Vec::new();
    let mut push = |attr: &str, type_name: &str, doc: &str| {
        out.push(format!("{attr}: {type_name}\n    \"\"\"{doc}\"\"\""));
    };
    if c.key.is_some() {
        push(
            KEY,
            "kms.IKey",
            if key_replaceable(plan) {
                "The session key: the session_key argument, else the key this construct creates (kept when the stack is deleted)."
            } else {
                "The key this construct creates for the log bucket (kept when the stack is deleted)."
            },
        );
    }
    if c.bucket.is_some() {
        push(BUCKET, "s3.IBucket", "The session log bucket: the log_bucket argument, else the bucket this construct creates (kept when the stack is deleted).");
    }
    if c.log_group.is_some() {
        push(LOG_GROUP, "logs.ILogGroup", "The session log group: the log_group argument, else the log group this construct creates (kept when the stack is deleted).");
    }
    out
}

/// The expression of a created resource a statement names. The key and bucket as the
/// plan's text spells its references (their attributes, which are the app's resources
/// when it passes them), the same text the TypeScript construct writes, so that cdk-nag
/// names their findings alike; the log group by its literal ARN while the spec's name
/// holds (cdk-nag then sees its `:*`, as in TypeScript), else its attribute. `None` for
/// any other resource.
pub(super) fn resource(plan: &Plan, r: &Resource) -> Option<String> {
    let group = plan.created.log_group.as_ref().map(|g| g.name.as_str());
    Some(match r {
        Resource::KmsKey {
            key: KmsKey::Created,
        }
        | Resource::Bucket {
            bucket: Bucket::Created,
        }
        | Resource::BucketObjects {
            bucket: Bucket::Created,
            ..
        } => py_text(&r.arn(&plan.env)),
        // CDK's log group ARN ends `:*`, as the plan's does.
        Resource::LogGroup { name } if group == Some(name.as_str()) => format!(
            "self.{LOG_GROUP}.log_group_arn if {LOG_GROUP} or generated_names else {}",
            py_text(&r.arn(&plan.env))
        ),
        _ => return None,
    })
}

/// The expression of a preferences document input that names a created resource: the
/// placeholders the plan leaves for the key's ARN and the bucket's name, and the created
/// log group's name (which `generated_names` changes).
pub(super) fn document_input(plan: &Plan, key: &str, value: &str) -> Option<String> {
    let group = plan.created.log_group.as_ref();
    let (attr, property) = match key {
        "kmsKeyId" if value == Reference::SessionKeyArn.placeholder() => (KEY, "key_arn"),
        "s3BucketName" if value == Reference::LogBucketName.placeholder() => {
            (BUCKET, "bucket_name")
        }
        "cloudWatchLogGroupName" if group.is_some_and(|g| g.name == value) => {
            (LOG_GROUP, "log_group_name")
        }
        _ => return None,
    };
    Some(format!("self.{attr}.{property}"))
}

/// The docstring of the argument `arg` when it replaces a created resource.
pub(super) fn param_doc(plan: &Plan, arg: &str) -> Option<&'static str> {
    let c = &plan.created;
    match arg {
        KEY if key_replaceable(plan) => Some("The KMS key that encrypts session data, instead of the key the construct creates (which it then does not create, nor its alias and policy): the fleets' policies, the operators' grants and the preferences documents name it, and a log bucket or log group the construct creates for the session key is encrypted with it."),
        BUCKET if c.bucket.is_some() => Some("The bucket session logs go to, instead of the bucket the construct creates (which it then does not create, nor its policy): the fleets' policies and the preferences documents name it (the spec's key prefix stays)."),
        LOG_GROUP if c.log_group.is_some() => Some("The CloudWatch Logs group sessions stream to, instead of the log group the construct creates (which it then does not create): the fleets' policies and the preferences documents name it."),
        _ => None,
    }
}

/// The module's parts about the created resources: their attributes, before the
/// fleets'; the statements that create them, before the fleets, whose policies and
/// documents name them; and the key policy, after the fleets' roles it names.
pub(super) struct Parts {
    pub(super) attributes: String,
    pub(super) resources: String,
    pub(super) key_policy: String,
}

impl Parts {
    pub(super) fn new(
        plan: &Plan,
        base: ModuleContext,
        ids: &mut ConstructIds,
        nag: &NagAcknowledgements,
    ) -> Result<Parts, Error> {
        Ok(Parts {
            attributes: super::layout::part(&ModuleContext {
                part: Part::Attributes,
                attributes: &attributes(plan),
                ..base
            }),
            resources: section(plan, ids, nag)?,
            key_policy: key_policy(plan, nag.names())?,
        })
    }

    pub(super) fn len(&self) -> usize {
        self.attributes.len() + self.resources.len() + self.key_policy.len()
    }
}

/// The statements that create the key, the bucket and the log group, before the fleets.
fn section(
    plan: &Plan,
    ids: &mut ConstructIds,
    nag: &NagAcknowledgements,
) -> Result<String, Error> {
    let mut out = String::new();
    if let Some(key) = &plan.created.key {
        push_key(&mut out, plan, key, nag)?;
    }
    if let Some(bucket) = &plan.created.bucket {
        push_bucket(&mut out, plan, bucket, ids, nag)?;
    }
    if let Some(group) = &plan.created.log_group {
        push_log_group(&mut out, plan, group, ids, nag)?;
    }
    Ok(out)
}

fn push_key(
    out: &mut String,
    plan: &Plan,
    key: &SessionKey,
    nag: &NagAcknowledgements,
) -> Result<(), Error> {
    let replaceable = key_replaceable(plan);
    let indent = if replaceable { NESTED } else { BODY_INDENT };
    out.push('\n');
    let what = if replaceable {
        "Session key: the session_key argument, else a"
    } else {
        "The log bucket's key: a"
    };
    push_comment(out, &format!("{what} symmetric key created here, rotated yearly and kept when the stack is deleted (it decrypts the session logs). Its policy starts empty, so that CDK adds no statement of its own; the spec's statements are added after the fleets, whose roles they name."));
    let callee = if replaceable {
        format!("{KEY} or kms.Key")
    } else {
        "kms.Key".to_string()
    };
    out.push_str(BODY);
    out.push_str(&call_statement(
        Some(KEY),
        &callee,
        &[
            ("", Arg::Code("self")),
            ("", Arg::Str(&key.id.upper_camel)),
            ("description", Arg::Str(&key.description)),
            ("key_spec", Arg::Code("kms.KeySpec.SYMMETRIC_DEFAULT")),
            ("key_usage", Arg::Code("kms.KeyUsage.ENCRYPT_DECRYPT")),
            ("enable_key_rotation", Arg::Code("True")),
            ("policy", Arg::Code("iam.PolicyDocument()")),
            ("removal_policy", Arg::Code(RETAIN)),
        ],
    ));
    let attr = format!("self.{KEY}");
    let mut created = Vec::new();
    push_tag_statements_at(&attr, &key.tags, indent, &mut created);
    created.push(comment_at("The alias names the key for people; under generated_names there is none, so that the construct can be used twice in an account.", indent));
    let alias = Py::Call(
        "kms.Alias",
        vec![
            (None, Py::atom("self")),
            (None, Py::atom(py_str(&key.alias_id.upper_camel))),
            (Some("alias_name"), Py::atom(py_str(&key.alias))),
            (Some("target_key"), Py::atom(attr.as_str())),
        ],
    );
    created.push(format!(
        "if not generated_names:\n{}{}",
        " ".repeat(indent + 4),
        alias.explode(indent + 4)
    ));
    nag.push_statements_at(Subject::SessionKey, &attr, "key", indent, &mut created)?;
    push_statements(out, replaceable.then_some(KEY), &created);
    Ok(())
}

fn push_bucket(
    out: &mut String,
    plan: &Plan,
    bucket: &LogBucket,
    ids: &mut ConstructIds,
    nag: &NagAcknowledgements,
) -> Result<(), Error> {
    out.push('\n');
    push_comment(out, "Session log bucket: the log_bucket argument, else a bucket created here, named by CloudFormation and kept when the stack is deleted: SSE-KMS with a bucket key, public access blocked, ACLs off, versioned, logs expiring; its policy allows TLS requests only.");
    let key = encryption_key(plan, &bucket.key, &bucket.id.upper_camel, ids);
    let days = |n: u32| Py::atom(format!("cdk.Duration.days({n})"));
    let rules = Py::List(vec![Py::Call(
        "s3.LifecycleRule",
        vec![
            (Some("id"), Py::atom(py_str(LIFECYCLE_RULE_ID))),
            (Some("enabled"), Py::atom("True")),
            (Some("expiration"), days(bucket.expiration_days)),
            (
                Some("noncurrent_version_expiration"),
                days(bucket.noncurrent_days),
            ),
            (
                Some("abort_incomplete_multipart_upload_after"),
                days(bucket.abort_multipart_days),
            ),
        ],
    )])
    .lay_arg("lifecycle_rules");
    out.push_str(BODY);
    out.push_str(&call_statement(
        Some(BUCKET),
        &format!("{BUCKET} or s3.Bucket"),
        &[
            ("", Arg::Code("self")),
            ("", Arg::Str(&bucket.id.upper_camel)),
            ("encryption", Arg::Code("s3.BucketEncryption.KMS")),
            ("encryption_key", Arg::Code(&key)),
            ("bucket_key_enabled", Arg::Code("True")),
            (
                "block_public_access",
                Arg::Code("s3.BlockPublicAccess.BLOCK_ALL"),
            ),
            (
                "object_ownership",
                Arg::Code("s3.ObjectOwnership.BUCKET_OWNER_ENFORCED"),
            ),
            ("versioned", Arg::Code("True")),
            ("lifecycle_rules", Arg::Code(&rules)),
            ("removal_policy", Arg::Code(RETAIN)),
        ],
    ));
    let attr = format!("self.{BUCKET}");
    let mut created = Vec::new();
    push_tag_statements_at(&attr, &bucket.tags, NESTED, &mut created);
    // The plan's statements one by one: `enforce_ssl` would add a second, unnamed one.
    for s in &bucket.policy {
        let statement = policy::resource_statement(plan, nag.names(), s)?;
        created.push(policy::add_to_resource_policy(BUCKET, statement, NESTED));
    }
    nag.push_statements_at(Subject::LogBucket, &attr, "bucket", NESTED, &mut created)?;
    push_statements(out, Some(BUCKET), &created);
    Ok(())
}

fn push_log_group(
    out: &mut String,
    plan: &Plan,
    group: &SessionLogGroup,
    ids: &mut ConstructIds,
    nag: &NagAcknowledgements,
) -> Result<(), Error> {
    out.push('\n');
    let why = if key_names_group(plan) {
        ": a name known at synth, which the session key's policy names without waiting for the group (that would wait for the key)"
    } else {
        ""
    };
    push_comment(out, &format!("Session log group: the log_group argument, else a log group created here, kept when the stack is deleted. Under generated_names its name ends with this construct's unique id rather than one CloudFormation picks{why}."));
    let name = name_local(group);
    out.push_str(BODY);
    out.push_str(&format!(
        "{name} = {} + cdk.Names.unique_id(self) if generated_names else {}",
        py_str(&format!("{}/", group.name)),
        py_str(&group.name)
    ));
    let retention = super::activation::retention(group.retention_days)?;
    let key = (group.key.as_ref()).map(|k| encryption_key(plan, k, &group.id.upper_camel, ids));
    let mut args = vec![
        ("", Arg::Code("self")),
        ("", Arg::Str(&group.id.upper_camel)),
        ("log_group_name", Arg::Code(&name)),
        ("retention", Arg::Code(&retention)),
    ];
    if let Some(key) = &key {
        args.push(("encryption_key", Arg::Code(key)));
    }
    args.push(("removal_policy", Arg::Code(RETAIN)));
    out.push_str(BODY);
    out.push_str(&call_statement(
        Some(LOG_GROUP),
        &format!("{LOG_GROUP} or logs.LogGroup"),
        &args,
    ));
    let attr = format!("self.{LOG_GROUP}");
    let mut created = Vec::new();
    push_tag_statements_at(&attr, &group.tags, NESTED, &mut created);
    nag.push_statements_at(
        Subject::SessionLogGroup,
        &attr,
        "log group",
        NESTED,
        &mut created,
    )?;
    push_statements(out, Some(LOG_GROUP), &created);
    Ok(())
}

/// Whether the created key's policy names the created log group (CloudWatch Logs'
/// encryption context), which the group's name must then be known for.
fn key_names_group(plan: &Plan) -> bool {
    plan.created.key.is_some()
        && (plan.created.log_group.as_ref()).is_some_and(|g| g.key == Some(KmsKey::Created))
}

/// The local variable that holds the created log group's name.
fn name_local(group: &SessionLogGroup) -> String {
    format!("{}_name", group.id.snake)
}

/// The `encryption_key` of the created bucket or log group: the session key attribute
/// for the created key, else the key the spec names, imported by ARN (or the
/// `session_key` argument, when it replaces that key).
fn encryption_key(plan: &Plan, key: &KmsKey, owner: &str, ids: &mut ConstructIds) -> String {
    if *key == KmsKey::Created {
        return format!("self.{KEY}");
    }
    let arn = Resource::KmsKey { key: key.clone() }.arn(&plan.env);
    let import = Py::call(
        "kms.Key.from_key_arn",
        vec![
            Py::atom("self"),
            Py::atom(py_str(&ids.fresh(format!("{owner}Key")))),
            Py::atom(py_text(&arn)),
        ],
    )
    .flat();
    if plan.shared.session_key.as_ref() == Some(key) {
        format!("{KEY} or {import}")
    } else {
        import
    }
}

/// A `#` comment of `__init__`'s body.
fn push_comment(out: &mut String, text: &str) {
    out.push_str(BODY);
    out.push_str(&comment_at(text, BODY_INDENT));
}

/// `statements`, laid out for their indentation: under `if <arg> is None:` when an
/// argument can replace the resource they are about, else in `__init__`'s body.
fn push_statements(out: &mut String, guard: Option<&str>, statements: &[String]) {
    if statements.is_empty() {
        return;
    }
    let Some(arg) = guard else {
        for s in statements {
            out.push_str(BODY);
            out.push_str(s);
        }
        return;
    };
    out.push_str(BODY);
    out.push_str("if ");
    out.push_str(arg);
    out.push_str(" is None:");
    for s in statements {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', NESTED));
        out.push_str(s);
    }
}

#[cfg(test)]
mod tests;
