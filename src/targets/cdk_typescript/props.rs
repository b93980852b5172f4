//! What makes the construct composable: the props that replace the spec's session
//! resources and existing roles with the app's own, `generatedNames`, and how every
//! value that a prop can replace is spelled (statements and the cdk-nag findings that
//! name them; `ssm.rs` spells the document inputs, `created.rs` the created resources).
//! The plan decides which values those are (`Plan::shared`); this file only spells them.

use std::ops::Deref;

use rustc_hash::FxHashMap;

use super::created;
use super::typescript::{push_text, STACK_PSEUDO};
use crate::plan::{
    ActivationSecret, Attachment, Bucket, FleetPlan, KmsKey, LogGroup, Mode, Plan, Platform,
    Resource, Role, SessionDocument, Subject, Text,
};
use crate::render::escape::{self, TsPart};

/// The plan with what spelling a replaceable value needs at hand: the documents, roles,
/// activation secrets and activation function log group that `generatedNames` leaves to
/// CloudFormation to name, found by the name an ARN holds.
pub(super) struct Spell<'a> {
    plan: &'a Plan,
    documents: FxHashMap<&'a str, &'a SessionDocument>,
    roles: FxHashMap<(&'a str, &'a str), &'a Role>,
    secrets: FxHashMap<&'a str, &'a ActivationSecret>,
    provider_logs: Option<&'a LogGroup>,
    /// The name of the log group the construct creates.
    created_log_group: Option<&'a str>,
}

impl Deref for Spell<'_> {
    type Target = Plan;

    fn deref(&self) -> &Plan {
        self.plan
    }
}

/// Whether a role keeps its name under `generatedNames`: a hybrid activation names its
/// service role, and the Default Host Management setting names its role (both by name,
/// and both once per account and Region, so the construct cannot be there twice anyway).
pub(super) fn always_named(role: &Role) -> bool {
    role.platform == Platform::Hybrid || role.mode == Mode::DefaultHostManagement
}

impl<'a> Spell<'a> {
    /// The plan itself, for as long as the plan lives.
    pub(super) fn plan(&self) -> &'a Plan {
        self.plan
    }

    pub(super) fn new(plan: &'a Plan) -> Self {
        Spell {
            plan,
            documents: plan
                .documents
                .iter()
                .filter(|d| super::ssm::in_stack(d))
                .map(|d| (d.name.as_str(), d))
                .collect(),
            roles: plan
                .roles
                .iter()
                .filter(|r| !always_named(r))
                .map(|r| ((r.path.as_str(), r.name.as_str()), r))
                .collect(),
            secrets: plan
                .activation_provider
                .iter()
                .flat_map(|p| &p.secrets)
                .map(|s| (s.name.as_str(), s))
                .collect(),
            provider_logs: plan.activation_provider.as_ref().map(|p| &p.log_group),
            created_log_group: plan.created.log_group.as_ref().map(|g| g.name.as_str()),
        }
    }

    /// Writes the ARN expression of a statement's resource: the plan's ARN, or, where a
    /// prop or `generatedNames` can replace the value, an expression that does.
    pub(super) fn push_resource(&self, out: &mut String, r: &Resource) {
        let shared = &self.plan.shared;
        let arn = r.arn(&self.plan.env);
        match r {
            // The created key and bucket: the plan's text names them by reference, which
            // is their field's attribute (the app's own resource when a prop replaces it).
            Resource::KmsKey {
                key: KmsKey::Created,
            }
            | Resource::Bucket {
                bucket: Bucket::Created,
            }
            | Resource::BucketObjects {
                bucket: Bucket::Created,
                ..
            } => push_text(out, &arn),
            // The created log group by its attribute where its name may not be the spec's.
            Resource::LogGroup { name } if self.created_log_group == Some(name.as_str()) => {
                if let Some(switch) = created::log_group_switch(self.plan) {
                    out.push_str(switch);
                    out.push_str(" ? this.logGroup.logGroupArn : ");
                }
                push_text(out, &arn);
            }
            Resource::KmsKey { key } if shared.session_key.as_ref() == Some(key) => {
                out.push_str("props.sessionKey?.keyArn ?? ");
                push_text(out, &arn);
            }
            Resource::Bucket { bucket } if shared.log_bucket.as_ref() == Some(bucket) => {
                out.push_str("props.logBucket?.bucketArn ?? ");
                push_text(out, &arn);
            }
            Resource::BucketObjects { bucket, prefix }
                if shared.log_bucket.as_ref() == Some(bucket) =>
            {
                // The plan's objects ARN is the bucket's ARN, `/` and `<prefix>*`.
                out.push_str("props.logBucket?.arnForObjects(");
                escape::push_ts_str(out, &format!("{prefix}*"));
                out.push_str(") ?? ");
                push_text(out, &arn);
            }
            Resource::LogGroup { name } if shared.log_group.as_ref() == Some(name) => {
                // CDK's log group ARN ends `:*`, as the plan's does.
                out.push_str("props.logGroup?.logGroupArn ?? ");
                push_text(out, &arn);
            }
            Resource::Document { name } if self.documents.contains_key(name.as_str()) => {
                let d = self.documents[name.as_str()];
                // The same ARN with the document's `ref` (its name, generated or not).
                let unnamed = Resource::Document {
                    name: String::new(),
                }
                .arn(&self.plan.env);
                let reference = format!("this.{}.ref", d.id.lower_camel);
                let mut parts = parts_of(&unnamed);
                parts.push(TsPart::Expr(&reference));
                out.push_str("props.generatedNames ? ");
                escape::push_ts_parts(out, &parts);
                out.push_str(" : ");
                push_text(out, &arn);
            }
            Resource::Role { path, name }
                if self.roles.contains_key(&(path.as_str(), name.as_str())) =>
            {
                let role = self.roles[&(path.as_str(), name.as_str())];
                out.push_str("props.generatedNames ? this.");
                out.push_str(&role.id.lower_camel);
                out.push_str(".roleArn : ");
                push_text(out, &arn);
            }
            // The activation provider's own resources (`activation.rs`): the secret's
            // ARN as Secrets Manager completes it, the log group's (ending `:*`).
            Resource::Secret { name } if self.secrets.contains_key(name.as_str()) => {
                out.push_str("props.generatedNames ? this.");
                out.push_str(&self.secrets[name.as_str()].id.lower_camel);
                out.push_str(".secretArn : ");
                push_text(out, &arn);
            }
            Resource::LogGroup { name } if self.provider_logs.is_some_and(|l| l.name == *name) => {
                out.push_str("props.generatedNames ? ");
                out.push_str(self.provider_logs.map_or("", |l| l.id.lower_camel.as_str()));
                out.push_str(".logGroupArn : ");
                push_text(out, &arn);
            }
            _ => push_text(out, &arn),
        }
    }

    /// Writes the value a cdk-nag finding of `subject` is named by, as the construct
    /// spells that value where the finding is: the resource expression of the statement
    /// that holds it, or the AWS managed policy's ARN as CDK writes it.
    pub(super) fn push_finding(&self, out: &mut String, subject: Subject, finding: &Text) {
        let statements = match subject {
            Subject::Role(i) => {
                let managed = self
                    .plan
                    .roles
                    .get(i)
                    .and_then(|r| r.managed_policies.iter().find(|m| m.arn == *finding));
                if let Some(m) = managed {
                    push_managed_policy(out, &m.name);
                    out.push_str(".managedPolicyArn");
                    return;
                }
                None
            }
            Subject::Policy(i) => self.plan.policies.get(i).map(|p| &p.statements),
            Subject::OperatorPolicy(i) => self.plan.operator_policies.get(i).map(|p| &p.statements),
            Subject::Document(_)
            | Subject::SessionKey
            | Subject::LogBucket
            | Subject::SessionLogGroup => None,
            Subject::ProviderRole => self
                .plan
                .activation_provider
                .as_ref()
                .map(|p| &p.role.statements),
            Subject::ProviderFunction
            | Subject::ProviderLogGroup
            | Subject::ActivationSecret(_) => None,
        };
        let env = &self.plan.env;
        let resource = statements
            .into_iter()
            .flatten()
            .flat_map(|s| &s.resources)
            .find(|r| r.arn(env) == *finding);
        match resource {
            Some(r) => self.push_resource(out, r),
            None => push_text(out, finding),
        }
    }
}

/// The parts of a plan text, pseudo values from the stack.
pub(super) fn parts_of(t: &Text) -> Vec<TsPart<'_>> {
    t.pieces()
        .iter()
        .map(|p| match p {
            crate::plan::Piece::Literal(s) => TsPart::Literal(s),
            p => TsPart::Expr(STACK_PSEUDO.expr(p).unwrap_or_default()),
        })
        .collect()
}

/// `iam.ManagedPolicy.fromAwsManagedPolicyName('<name>')`: CDK writes the ARN in the
/// stack's partition.
pub(super) fn push_managed_policy(out: &mut String, name: &str) {
    out.push_str("iam.ManagedPolicy.fromAwsManagedPolicyName(");
    escape::push_ts_str(out, name);
    out.push(')');
}

/// The `<fleet>Role` prop of each `existing-role` fleet: the fleet's plan entry, its
/// prop name, and the name of the role it replaces.
pub(super) fn existing_roles(plan: &Plan) -> impl Iterator<Item = (&FleetPlan, String, &str)> {
    plan.fleets.iter().filter_map(move |f| {
        let policy = plan.policies.get(f.policy?)?;
        match &policy.attachment {
            Attachment::ExistingRole(name) if f.mode == Mode::ExistingRole => {
                Some((f, super::iam::existing_role_prop(&f.name), name.as_str()))
            }
            _ => None,
        }
    })
}

/// The props the construct takes besides `tags`, with their TSDoc, in the interface.
pub(super) fn push_props(out: &mut String, plan: &Plan) {
    let shared = &plan.shared;
    const KEPT: &str = "kept when the stack is deleted";
    if created::key_replaceable(plan) {
        let encrypts = if plan.created.bucket.as_ref().map(|b| &b.key) == Some(&KmsKey::Created) {
            " It also encrypts the log bucket the construct creates."
        } else {
            ""
        };
        push_prop(
            out,
            &format!("The KMS key that encrypts session data, instead of the key the construct creates (which it then does not create): the fleets' policies, the operators' grants and the preferences documents name it.{encrypts}"),
            &format!("a key the construct creates, {KEPT}"),
            "sessionKey",
            "kms.IKey",
        );
    } else if let Some(key) = &shared.session_key {
        let key = key.spec_value();
        push_prop(
            out,
            &format!("The KMS key that encrypts session data, instead of the spec's {key}: the fleets' policies, the operators' grants and the preferences documents name it."),
            "the spec's key",
            "sessionKey",
            "kms.IKey",
        );
    }
    if created::bucket_replaceable(plan) {
        push_prop(
            out,
            "The bucket session logs go to, instead of the bucket the construct creates (which it then does not create, nor its bucket policy): the fleets' policies and the preferences documents name it (the spec's key prefix stays).",
            &format!("a bucket the construct creates, {KEPT}"),
            "logBucket",
            "s3.IBucket",
        );
    } else if let Some(bucket) = &shared.log_bucket {
        push_prop(
            out,
            &format!("The bucket session logs go to, instead of the spec's {}: the fleets' policies and the preferences documents name it (the spec's key prefix stays).", bucket.spec_value()),
            "the spec's bucket",
            "logBucket",
            "s3.IBucket",
        );
    }
    if created::log_group_replaceable(plan) {
        let group = shared.log_group.as_deref().unwrap_or_default();
        push_prop(
            out,
            &format!("The CloudWatch Logs group sessions stream to, instead of the log group {group} the construct creates (which it then does not create): the fleets' policies and the preferences documents name it."),
            &format!("a log group the construct creates, {KEPT}"),
            "logGroup",
            "logs.ILogGroup",
        );
    } else if let Some(group) = &shared.log_group {
        push_prop(
            out,
            &format!("The CloudWatch Logs group sessions stream to, instead of the spec's {group}: the fleets' policies and the preferences documents name it."),
            "the spec's log group",
            "logGroup",
            "logs.ILogGroup",
        );
    }
    for (f, prop, name) in existing_roles(plan) {
        push_prop(
            out,
            &format!("The role of existing-role fleet {}, instead of importing the role {name} by name: its session policy is attached to it.", f.name),
            "the role named in the spec, imported",
            &prop,
            "iam.IRole",
        );
    }
    if let Some(p) = &plan.activation_provider {
        push_prop(
            out,
            "Change it (to any other value) to re-issue every hybrid activation of the construct: an activation expires at most 30 days after it is created, and it must be valid when a node registers. Nodes already registered stay registered; the new ids and codes replace the old ones in the activation secrets.",
            &escape::ts_str(p.renewal_default),
            &p.renewal.lower_camel,
            "string",
        );
    }
    let generated = if plan.activation_provider.is_some() {
        "Leaves the names of the roles, instance profiles, policies and documents, and of the activation function, its log group and the activation secrets, to CloudFormation, so that the construct can be used twice in one app or account. Hybrid service roles keep their names (an activation names its role), and so does a Default Host Management role (the service setting names it): a construct with either is still one per account."
    } else {
        "Leaves the names of the roles, instance profiles, policies and documents to CloudFormation, so that the construct can be used twice in one app or account. Hybrid service roles keep their names (an activation names its role), and so does a Default Host Management role (the service setting names it)."
    };
    let generated = format!("{generated}{}", created::generated_names(plan));
    push_prop(
        out,
        &generated,
        "false: the spec's names",
        "generatedNames",
        "boolean",
    );
    push_prop(
        out,
        "Adds the stack outputs (role ARNs, instance profile and document names, selector tags); a construct adds none unasked.",
        "false",
        "outputs",
        "boolean",
    );
}

fn push_prop(out: &mut String, doc: &str, default: &str, name: &str, kind: &str) {
    out.push_str("  /**\n");
    for line in wrap(doc, 90) {
        out.push_str("   * ");
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("   *\n   * @default - ");
    escape::push_ts_comment(out, default);
    out.push_str("\n   */\n  readonly ");
    out.push_str(name);
    out.push_str("?: ");
    out.push_str(kind);
    out.push_str(";\n");
}

/// TSDoc lines of at most `width` characters (a longer word keeps its own line), escaped.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let text = escape::ts_comment(text);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::super::tests::{construct, plan_of};

    const SHARED: &str = "version: 1\nproject: shop\npermissions_boundary: arn:aws:iam::111122223333:policy/boundary\nsession:\n  kms_key: 1234abcd-12ab-34cd-56ef-1234567890ab\n  s3: {bucket: shop-logs, prefix: ssm}\n  cloudwatch: {log_group: /ssm/shop}\nfleets:\n  - name: web\n    platform: ec2\n    mode: managed-core\n  - name: legacy\n    platform: ec2\n    mode: existing-role\n    existing_role: legacy-ec2\n  - name: plc\n    platform: hybrid\n    mode: session-only\noperators:\n  - name: oncall\n    fleets: [web]\n    identity: federated\n    pass_roles: true\n";

    #[test]
    fn shared_resources_are_props_that_replace_the_specs_values() {
        let ts = construct(&plan_of(SHARED));
        for line in [
            "  readonly sessionKey?: kms.IKey;",
            "  readonly logBucket?: s3.IBucket;",
            "  readonly logGroup?: logs.ILogGroup;",
            "  readonly legacyRole?: iam.IRole;",
            "  readonly generatedNames?: boolean;",
            "  readonly outputs?: boolean;",
            "import * as kms from 'aws-cdk-lib/aws-kms';",
            "            props.sessionKey?.keyArn ?? `arn:${stack.partition}:kms:${stack.region}:${stack.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,",
            "            props.logBucket?.bucketArn ?? `arn:${stack.partition}:s3:::shop-logs`,",
            "            props.logBucket?.arnForObjects('ssm/*') ?? `arn:${stack.partition}:s3:::shop-logs/ssm/*`,",
            "            props.logGroup?.logGroupArn ?? `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:/ssm/shop:*`,",
            "          s3BucketName: props.logBucket?.bucketName ?? 'shop-logs',",
            "          cloudWatchLogGroupName: props.logGroup?.logGroupName ?? '/ssm/shop',",
            "          kmsKeyId: props.sessionKey?.keyArn ?? '1234abcd-12ab-34cd-56ef-1234567890ab',",
            "      roles: [props.legacyRole ?? iam.Role.fromRoleName(this, 'LegacySessionPolicyExistingRole', 'legacy-ec2')],",
        ] {
            assert!(ts.contains(&format!("{line}\n")), "{line}\n{ts}");
        }
        // Without a shared value, no prop for it and nothing replaced.
        let plain = construct(&plan_of(
            "version: 1\nproject: p\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n",
        ));
        for absent in [
            "sessionKey",
            "logBucket",
            "logGroup",
            "aws-kms",
            "aws-s3",
            "aws-logs",
        ] {
            assert!(!plain.contains(absent), "{absent}\n{plain}");
        }
    }

    #[test]
    fn generated_names_leave_names_to_cloudformation_but_hybrid_roles_keep_theirs() {
        let ts = construct(&plan_of(SHARED));
        for line in [
            "      roleName: props.generatedNames ? undefined : 'shop-web-ssm',",
            "      instanceProfileName: props.generatedNames ? undefined : 'shop-web-ssm',",
            "      managedPolicyName: props.generatedNames ? undefined : 'shop-web-session-manager',",
            "      managedPolicyName: props.generatedNames ? undefined : 'shop-oncall-operator',",
            "      name: props.generatedNames ? undefined : 'shop-session-preferences',",
            // The hybrid service role: its activation names it.
            "      roleName: 'shop-plc-ssm',",
            // ARNs that name a document or role by name use the resource instead.
            "            props.generatedNames ? `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:document/${this.sessionPreferences.ref}` : `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:document/shop-session-preferences`,",
            "            props.generatedNames ? this.webRole.roleArn : `arn:${stack.partition}:iam::${stack.account}:role/shop-web-ssm`,",
        ] {
            assert!(ts.contains(&format!("{line}\n")), "{line}\n{ts}");
        }
        assert!(!ts.contains("props.generatedNames ? this.plcRole"), "{ts}");
    }

    #[test]
    fn one_permissions_boundary_for_the_whole_construct() {
        let ts = construct(&plan_of(SHARED));
        assert_eq!(
            ts.matches("\n    iam.PermissionsBoundary.of(this).apply(iam.ManagedPolicy.fromManagedPolicyArn(this, 'PermissionsBoundary', 'arn:aws:iam::111122223333:policy/boundary'));\n").count(),
            1,
            "{ts}"
        );
        assert!(!ts.contains("permissionsBoundary:"), "{ts}");
    }

    #[test]
    fn outputs_are_written_only_when_asked() {
        let ts = construct(&plan_of(SHARED));
        let at = ts
            .find("    if (props.outputs) {\n")
            .expect("outputs guard");
        let first = ts.find("new cdk.CfnOutput(").expect("an output");
        assert!(at < first, "{ts}");
        assert!(ts.contains("\n      new cdk.CfnOutput(this, 'WebRoleArn', {\n        value: this.webRole.roleArn,\n"), "{ts}");
    }
}
