//! The session resources the construct creates (`Plan::created`): the session key with
//! its alias, the log bucket with its bucket policy, and the log group, each kept when
//! the stack is deleted (they hold, or decrypt, the audit trail).
//!
//! Each is a public field (`sessionKey`, `logBucket`, `logGroup`) that everything else
//! names it by: the plan's references are spelled `this.sessionKey.keyArn` and
//! `this.logBucket.bucketName` (`typescript::STACK_PSEUDO`). Where the spec's one value
//! for every fleet is the created resource, the prop of the same name replaces it, as
//! aws-solutions-constructs' `existing…Obj` props do: the field is then the app's own,
//! and the construct creates neither the resource nor what belongs to it (alias, bucket
//! policy, tags, acknowledgements).

use super::iam::role_field;
use super::nag::Acknowledgements;
use super::props::parts_of;
use super::props::Spell;
use super::typescript::{ident, push_conditions_with, push_field, push_str_prop, push_text};
use super::CONSTRUCT;
use crate::error::Error;
use crate::plan::resource::log_group_arn;
use crate::plan::{
    Bucket, Ident, KmsKey, LogBucket, Plan, Principal, Resource, ResourceStatement, SessionKey,
    SessionLogGroup, Subject,
};
use crate::render::escape::{self, TsPart};
use crate::targets::cdk_enums::log_retention_member;

/// Whether the `sessionKey` prop replaces the created key: the spec's one session key is
/// the created one.
pub(super) fn key_replaceable(plan: &Plan) -> bool {
    plan.created.key.is_some() && plan.shared.session_key == Some(KmsKey::Created)
}

/// Whether the `logBucket` prop replaces the created bucket.
pub(super) fn bucket_replaceable(plan: &Plan) -> bool {
    plan.created.bucket.is_some() && plan.shared.log_bucket == Some(Bucket::Created)
}

/// Whether the `logGroup` prop replaces the created log group.
pub(super) fn log_group_replaceable(plan: &Plan) -> bool {
    plan.created
        .log_group
        .as_ref()
        .is_some_and(|g| plan.shared.log_group.as_deref() == Some(g.name.as_str()))
}

/// The condition under which a reference to the created log group is its construct's
/// attribute rather than the spec's name: when the app gives its own group, or the
/// group's name may be generated. `None` when the spec's name always holds.
pub(super) fn log_group_switch(plan: &Plan) -> Option<&'static str> {
    // Under generatedNames the created group's name ends with the construct's unique id
    // (`LOG_GROUP_NAME`), so references use the construct's attribute then too.
    Some(if log_group_replaceable(plan) {
        "props.logGroup || props.generatedNames"
    } else {
        "props.generatedNames"
    })
}

/// The constant holding the created log group's name: the spec's, or, under
/// generatedNames, the spec's with this construct's unique id appended, known when the
/// app is synthesized, so that the key policy can name it and two constructs in one
/// account do not collide (as the Python construct names it).
const LOG_GROUP_NAME: &str = "sessionLogGroupName";

/// What `generatedNames` does to the resources the construct creates for session data.
pub(super) fn generated_names(plan: &Plan) -> String {
    let c = &plan.created;
    let mut out = String::new();
    if c.key.is_some() {
        out.push_str(
            " The session key gets no alias (an alias name is one per account and Region).",
        );
    }
    if c.log_group.is_some() {
        out.push_str(" The created session log group's name gets this construct's unique id (cdk.Names.uniqueId) appended instead: the session key's policy names the group.");
    }
    out
}

fn refuse(message: String) -> Error {
    Error::Render {
        template: CONSTRUCT.into(),
        message,
    }
}

/// Rejects every created resource this file cannot write (see `super::check`).
pub(super) fn check(plan: &Plan) -> Result<(), Error> {
    let c = &plan.created;
    let ids: [Option<&Ident>; 4] = [
        c.key.as_ref().map(|k| &k.id),
        c.key.as_ref().map(|k| &k.alias_id),
        c.bucket.as_ref().map(|b| &b.id),
        c.log_group.as_ref().map(|g| &g.id),
    ];
    for id in ids.into_iter().flatten() {
        ident(&id.lower_camel)?;
        ident(&id.upper_camel)?;
    }
    let statements = c.key.iter().flat_map(|k| &k.policy);
    for p in statements
        .chain(c.bucket.iter().flat_map(|b| &b.policy))
        .flat_map(|s| &s.principals)
    {
        if let Principal::Role(i) = p {
            let role = plan
                .roles
                .get(*i)
                .ok_or_else(|| super::missing("role", *i))?;
            ident(&role.id.lower_camel)?;
        }
    }
    if let Some(g) = &c.log_group {
        if log_retention_member(g.retention_days).is_none() {
            return Err(refuse(format!(
                "aws-cdk-lib has no logs.RetentionDays member of {} days",
                g.retention_days
            )));
        }
    }
    Ok(())
}

/// The public field of each created resource, after the others.
pub(super) fn push_fields(out: &mut String, plan: &Plan) {
    let own = |replaceable: bool, prop: &str| {
        if replaceable {
            format!(", or the app's own {prop}")
        } else {
            String::new()
        }
    };
    if let Some(k) = &plan.created.key {
        let doc = format!(
            "The session key: the KMS key the construct creates for session data (alias {} unless generatedNames is set){}.",
            k.alias,
            own(key_replaceable(plan), "sessionKey")
        );
        out.push('\n');
        push_field(out, &doc, "sessionKey", "kms.IKey");
    }
    if let Some(b) = &plan.created.bucket {
        let doc = format!(
            "The bucket session logs go to: the one the construct creates (SSE-KMS, versioned, TLS only, logs expire after {} days){}.",
            b.expiration_days,
            own(bucket_replaceable(plan), "logBucket")
        );
        out.push('\n');
        push_field(out, &doc, "logBucket", "s3.IBucket");
    }
    if let Some(g) = &plan.created.log_group {
        let doc = format!(
            "The CloudWatch Logs group sessions stream to: {}, which the construct creates (kept {} days){}.",
            g.name,
            g.retention_days,
            own(log_group_replaceable(plan), "logGroup")
        );
        out.push('\n');
        push_field(out, &doc, "logGroup", "logs.ILogGroup");
    }
}

/// The created resources, each after an empty line: the key first (the bucket and the
/// log group are encrypted with it; it names the roles, which come before it), then the
/// bucket and the log group, all before the policies and documents that name them.
pub(super) fn push_block(out: &mut String, spell: &Spell<'_>, acks: &Acknowledgements<'_>) {
    let plan = spell.plan();
    if let Some(g) = &plan.created.log_group {
        out.push_str("\n\n    // The session log group's name, which the session key's policy may name.\n    const ");
        out.push_str(LOG_GROUP_NAME);
        out.push_str(" = props.generatedNames ? ");
        escape::push_ts_str(out, &format!("{}/", g.name));
        out.push_str(" + cdk.Names.uniqueId(this) : ");
        escape::push_ts_str(out, &g.name);
        out.push(';');
    }
    if let Some(k) = &plan.created.key {
        let mut block = String::new();
        push_key(&mut block, spell, k);
        acks.push_local(&mut block, Subject::SessionKey, &k.id.lower_camel);
        push_replaceable(
            out,
            key_replaceable(plan),
            "sessionKey",
            "session key",
            &block,
        );
    }
    if let Some(b) = &plan.created.bucket {
        let mut block = String::new();
        push_bucket(&mut block, spell, b);
        acks.push_local(&mut block, Subject::LogBucket, &b.id.lower_camel);
        push_replaceable(
            out,
            bucket_replaceable(plan),
            "logBucket",
            "log bucket",
            &block,
        );
    }
    if let Some(g) = &plan.created.log_group {
        let mut block = String::new();
        push_log_group(&mut block, plan, g);
        acks.push_local(&mut block, Subject::SessionLogGroup, &g.id.lower_camel);
        push_replaceable(
            out,
            log_group_replaceable(plan),
            "logGroup",
            "log group",
            &block,
        );
    }
}

/// Writes `block` (lines at four spaces, each after a line break), after an empty line:
/// as it is, or, when `prop` replaces the resource, as the `else` of `if (props.<prop>)`.
fn push_replaceable(out: &mut String, replaceable: bool, prop: &str, what: &str, block: &str) {
    out.push_str("\n\n    // The ");
    out.push_str(what);
    if !replaceable {
        out.push_str(" the spec asks the construct to create.");
        out.push_str(block);
        return;
    }
    out.push_str(": the app's own (");
    out.push_str(prop);
    out.push_str("), else one the construct creates.\n    if (props.");
    out.push_str(prop);
    out.push_str(") {\n      this.");
    out.push_str(prop);
    out.push_str(" = props.");
    out.push_str(prop);
    out.push_str(";\n    } else {");
    // Two spaces deeper: every line break of the block starts one of its lines (strings
    // and comments hold none).
    for line in block.split('\n').skip(1) {
        out.push('\n');
        if !line.is_empty() {
            out.push_str("  ");
        }
        out.push_str(line);
    }
    out.push_str("\n    }");
}

const PROP: &str = "      ";

/// `\n    const <local> = new <class>(this, '<Id>', {`.
fn push_const(out: &mut String, id: &Ident, class: &str) {
    out.push_str("\n    const ");
    out.push_str(&id.lower_camel);
    out.push_str(" = new ");
    out.push_str(class);
    out.push_str("(this, ");
    escape::push_ts_str(out, &id.upper_camel);
    out.push_str(", {");
}

/// The properties that keep a resource when the stack is deleted, and the closing of
/// its construct.
fn push_retain(out: &mut String) {
    out.push_str("\n      removalPolicy: cdk.RemovalPolicy.RETAIN,\n    });");
}

/// `cdk.Tags.of(<local>).add(...)` per tag, then `this.<field> = <local>;`.
fn push_tags_and_field<'a>(
    out: &mut String,
    local: &str,
    tags: impl IntoIterator<Item = (&'a String, &'a String)>,
    field: &str,
) {
    super::typescript::push_tags(out, local, tags);
    out.push_str("\n    this.");
    out.push_str(field);
    out.push_str(" = ");
    out.push_str(local);
    out.push(';');
}

fn push_key(out: &mut String, spell: &Spell<'_>, k: &SessionKey) {
    let local = k.id.lower_camel.as_str();
    push_const(out, &k.id, "kms.Key");
    push_str_prop(out, PROP, "description", &k.description);
    out.push_str(
        "\n      keySpec: kms.KeySpec.SYMMETRIC_DEFAULT,\
         \n      keyUsage: kms.KeyUsage.ENCRYPT_DECRYPT,\
         \n      enableKeyRotation: true,\
         \n      // The spec's key policy as it is: CDK adds nothing to a policy it is given.\
         \n      policy: new iam.PolicyDocument({\
         \n        statements: [",
    );
    for s in &k.policy {
        push_statement(out, spell, s, "          ");
    }
    out.push_str("\n        ],\n      }),\n      // Kept when the stack is deleted: it decrypts the session logs, which are kept too.");
    push_retain(out);
    push_tags_and_field(out, local, &k.tags, "sessionKey");
    out.push_str("\n    // An alias name is one per account and Region: none with generatedNames.\n    if (!props.generatedNames) {\n      new kms.Alias(this, ");
    escape::push_ts_str(out, &k.alias_id.upper_camel);
    out.push_str(", {");
    push_str_prop(out, "        ", "aliasName", &k.alias);
    out.push_str("\n        targetKey: ");
    out.push_str(local);
    out.push_str(",\n      });\n    }");
}

/// The `IKey` expression of the key that encrypts a created resource: the session key's
/// field for the created key; else the key the spec names, imported by ARN under
/// `<resource>Key` (the app's `sessionKey` when it replaces that key).
fn push_key_ref(out: &mut String, plan: &Plan, key: &KmsKey, owner: &Ident) {
    if *key == KmsKey::Created {
        out.push_str("this.sessionKey");
        return;
    }
    if plan.shared.session_key.as_ref() == Some(key) {
        out.push_str("props.sessionKey ?? ");
    }
    out.push_str("kms.Key.fromKeyArn(this, ");
    escape::push_ts_str(out, &format!("{}Key", owner.upper_camel));
    out.push_str(", ");
    push_text(out, &Resource::KmsKey { key: key.clone() }.arn(&plan.env));
    out.push(')');
}

fn push_bucket(out: &mut String, spell: &Spell<'_>, b: &LogBucket) {
    let plan = spell.plan();
    let local = b.id.lower_camel.as_str();
    push_const(out, &b.id, "s3.Bucket");
    out.push_str("\n      encryption: s3.BucketEncryption.KMS,\n      encryptionKey: ");
    push_key_ref(out, plan, &b.key, &b.id);
    out.push_str(
        ",\n      bucketKeyEnabled: true,\
         \n      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,\
         \n      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,\
         \n      versioned: true,\
         \n      lifecycleRules: [\
         \n        {",
    );
    push_str_prop(out, "          ", "id", "ExpireSessionLogs");
    out.push_str("\n          enabled: true,");
    for (key, days) in [
        ("expiration", b.expiration_days),
        ("noncurrentVersionExpiration", b.noncurrent_days),
        (
            "abortIncompleteMultipartUploadAfter",
            b.abort_multipart_days,
        ),
    ] {
        out.push_str("\n          ");
        out.push_str(key);
        out.push_str(": cdk.Duration.days(");
        out.push_str(&days.to_string());
        out.push_str("),");
    }
    out.push_str("\n        },\n      ],\n      // Kept when the stack is deleted, with the session logs in it.");
    push_retain(out);
    push_tags_and_field(out, local, &b.tags, "logBucket");
    out.push_str("\n    // The spec's bucket policy, statement by statement (not enforceSSL, which adds one of its own).");
    for s in &b.policy {
        out.push_str("\n    ");
        out.push_str(local);
        out.push_str(".addToResourcePolicy(");
        let mut statement = String::new();
        push_statement(&mut statement, spell, s, "    ");
        // The statement without its leading line break and indent, nor its trailing comma.
        out.push_str(statement.trim_start().trim_end_matches(','));
        out.push_str(");");
    }
}

fn push_log_group(out: &mut String, plan: &Plan, g: &SessionLogGroup) {
    let local = g.id.lower_camel.as_str();
    push_const(out, &g.id, "logs.LogGroup");
    out.push_str("\n      logGroupName: ");
    out.push_str(LOG_GROUP_NAME);
    out.push_str(",\n      retention: logs.RetentionDays.");
    out.push_str(log_retention_member(g.retention_days).unwrap_or("INFINITE"));
    out.push(',');
    if let Some(key) = &g.key {
        out.push_str("\n      encryptionKey: ");
        push_key_ref(out, plan, key, &g.id);
        out.push(',');
    }
    out.push_str("\n      // Kept when the stack is deleted, with the session logs in it.");
    push_retain(out);
    push_tags_and_field(out, local, &g.tags, "logGroup");
}

/// Writes one `new iam.PolicyStatement({...}),` of a key or bucket policy, its first
/// line at `indent` after a line break.
fn push_statement(out: &mut String, spell: &Spell<'_>, s: &ResourceStatement, indent: &str) {
    let inner = format!("{indent}  ");
    let item = format!("{indent}    ");
    out.push('\n');
    out.push_str(indent);
    out.push_str("new iam.PolicyStatement({");
    push_str_prop(out, &inner, "sid", &s.sid);
    out.push('\n');
    out.push_str(&inner);
    out.push_str("effect: iam.Effect.");
    out.push_str(s.effect.cdk_member());
    out.push(',');
    let list = |out: &mut String, key: &str, each: &dyn Fn(&mut String)| {
        out.push('\n');
        out.push_str(&inner);
        out.push_str(key);
        out.push_str(": [");
        each(out);
        out.push('\n');
        out.push_str(&inner);
        out.push_str("],");
    };
    list(out, "principals", &|out| {
        for p in &s.principals {
            out.push('\n');
            out.push_str(&item);
            push_principal(out, spell.plan(), p);
            out.push(',');
        }
    });
    list(out, "actions", &|out| {
        for a in &s.actions {
            out.push('\n');
            out.push_str(&item);
            escape::push_ts_str(out, a);
            out.push(',');
        }
    });
    list(out, "resources", &|out| {
        for r in &s.resources {
            out.push('\n');
            out.push_str(&item);
            spell.push_resource(out, r);
            out.push(',');
        }
    });
    if !s.conditions.is_empty() {
        out.push('\n');
        out.push_str(&inner);
        out.push_str("conditions: {");
        // The created log group's ARN by the constant that holds its name.
        let plan = spell.plan();
        let group = plan.created.log_group.as_ref();
        let group_arn = group.map(|g| log_group_arn(&plan.env, &g.name));
        push_conditions_with(out, &s.conditions, &item, &|out, value| {
            if Some(value) == group_arn.as_ref() {
                let unnamed = log_group_arn(&plan.env, "");
                let mut parts = parts_of(&unnamed);
                parts.push(TsPart::Expr(LOG_GROUP_NAME));
                escape::push_ts_parts(out, &parts);
            } else {
                push_text(out, value);
            }
        });
        out.push('\n');
        out.push_str(&inner);
        out.push_str("},");
    }
    out.push('\n');
    out.push_str(indent);
    out.push_str("}),");
}

/// A principal as CDK writes exactly the plan's value: an ARN as given (`{"AWS": ...}`),
/// a role by its construct's ARN (so the key waits for the role), anyone as
/// `{"AWS": "*"}`, a service by its static name (`new iam.ServicePrincipal` would rewrite
/// a Regional one).
fn push_principal(out: &mut String, plan: &Plan, p: &Principal) {
    match p {
        Principal::Any => out.push_str("new iam.AnyPrincipal()"),
        Principal::Account(arn) => {
            out.push_str("new iam.ArnPrincipal(");
            push_text(out, arn);
            out.push(')');
        }
        Principal::Role(i) => {
            out.push_str("new iam.ArnPrincipal(this.");
            out.push_str(role_field(plan, *i));
            out.push_str(".roleArn)");
        }
        Principal::Service(name) => {
            out.push_str("iam.ServicePrincipal.fromStaticServicePrincipleName(");
            push_text(out, name);
            out.push(')');
        }
    }
}

#[cfg(test)]
mod tests;
