//! What makes the construct composable (CDK-API.md): the keyword arguments that replace
//! the spec's session resources and existing roles with the app's own, `generated_names`,
//! `outputs`, the checks of pinned values against the stack, and how every value an
//! argument can replace is spelled (statements, document inputs, the cdk-nag findings
//! that name them). The plan decides which values those are (`Plan::shared`); this file
//! only spells them, as the TypeScript construct's `props.rs` does.

use rustc_hash::FxHashMap;

use super::created;
use super::python::py_text;
use crate::plan::{
    ActivationSecret, Attachment, Bucket, FleetPlan, Ident, KmsKey, Mode, Plan, Platform, Resource,
    Role, SessionDocument, Subject, Text, Value,
};
use crate::render::escape::{push_py_str, py_str};

/// Whether a role keeps its name under `generated_names`: a hybrid activation names its
/// service role, and the Default Host Management setting names its role.
pub(super) fn always_named(role: &Role) -> bool {
    role.platform == Platform::Hybrid || role.mode == Mode::DefaultHostManagement
}

/// `None if generated_names else "<name>"`: a physical name, left to CloudFormation when
/// the app asks for generated names.
pub(super) fn name_arg(name: &str) -> String {
    format!("None if generated_names else {}", py_str(name))
}

/// The plan with the values `generated_names` can rename (roles, documents, activation
/// secrets) indexed by the name their ARNs hold, built once per module: a scan of the
/// plan per resource spelled was quadratic in fleets (the activation provider's policy
/// names every hybrid role and every activation secret).
pub(super) struct Renamable<'p> {
    pub(super) plan: &'p Plan,
    roles: FxHashMap<(&'p str, &'p str), &'p Role>,
    documents: FxHashMap<&'p str, &'p SessionDocument>,
    secrets: FxHashMap<&'p str, &'p ActivationSecret>,
}

impl<'p> Renamable<'p> {
    pub(super) fn new(plan: &'p Plan) -> Self {
        let mut roles = FxHashMap::default();
        for r in plan.roles.iter().filter(|r| !always_named(r)) {
            roles.entry((r.path.as_str(), r.name.as_str())).or_insert(r);
        }
        let mut documents = FxHashMap::default();
        for d in plan.documents.iter().filter(|d| super::ssm::in_stack(d)) {
            documents.entry(d.name.as_str()).or_insert(d);
        }
        let mut secrets = FxHashMap::default();
        for s in plan.activation_provider.iter().flat_map(|p| &p.secrets) {
            secrets.entry(s.name.as_str()).or_insert(s);
        }
        Renamable {
            plan,
            roles,
            documents,
            secrets,
        }
    }
}

/// The Python expression of a statement's resource: the plan's ARN, or, where an
/// argument or `generated_names` can replace the value, an expression that does.
pub(super) fn resource(names: &Renamable, r: &Resource) -> String {
    let plan = names.plan;
    let shared = &plan.shared;
    let arn = py_text(&r.arn(&plan.env));
    let provider = plan.activation_provider.as_ref();
    if let Some(attr) = created::resource(plan, r) {
        return attr;
    }
    match r {
        // The activation provider's own log group and secrets (`activation.rs`), which
        // `generated_names` leaves to CloudFormation to name: the log group's ARN ends
        // `:*` as the plan's does; a secret's `ref` is its ARN as Secrets Manager
        // completes it.
        Resource::LogGroup { name } if provider.is_some_and(|p| p.log_group.name == *name) => {
            let local = provider.map_or("", |p| p.log_group.id.snake.as_str());
            format!("{local}.log_group_arn if generated_names else {arn}")
        }
        Resource::Secret { name } => match names.secrets.get(name.as_str()) {
            Some(s) => format!("{}.ref if generated_names else {arn}", s.id.snake),
            None => arn,
        },
        Resource::KmsKey { key } if shared.session_key.as_ref() == Some(key) => {
            format!("session_key.key_arn if session_key else {arn}")
        }
        Resource::Bucket { bucket } if shared.log_bucket.as_ref() == Some(bucket) => {
            format!("log_bucket.bucket_arn if log_bucket else {arn}")
        }
        Resource::BucketObjects { bucket, prefix }
            if shared.log_bucket.as_ref() == Some(bucket) =>
        {
            format!(
                "log_bucket.arn_for_objects({}) if log_bucket else {arn}",
                py_str(&format!("{prefix}*"))
            )
        }
        // CDK's log group ARN ends `:*`, as the plan's does.
        Resource::LogGroup { name } if shared.log_group.as_ref() == Some(name) => {
            format!("log_group.log_group_arn if log_group else {arn}")
        }
        Resource::Document { name } => match names.documents.get(name.as_str()) {
            // The same ARN with the document's `ref` (its name, generated or not).
            Some(d) => {
                let unnamed = Resource::Document {
                    name: String::new(),
                }
                .arn(&plan.env);
                format!(
                    "{} + self.{}.ref if generated_names else {arn}",
                    py_text(&unnamed),
                    d.id.snake
                )
            }
            None => arn,
        },
        Resource::Role { path, name } => match names.roles.get(&(path.as_str(), name.as_str())) {
            Some(role) => format!(
                "self.{}.role_arn if generated_names else {arn}",
                role.id.snake
            ),
            None => arn,
        },
        _ => arn,
    }
}

/// The expression a cdk-nag finding of `subject` is named by: the resource expression of
/// the statement that holds it, so that the name matches what the construct writes.
pub(super) fn finding(names: &Renamable, subject: Subject, finding: &Text) -> String {
    let plan = names.plan;
    // The key and bucket policies' statements, for a finding on a created resource.
    let created = match subject {
        Subject::SessionKey => plan.created.key.as_ref().map(|k| &k.policy),
        Subject::LogBucket => plan.created.bucket.as_ref().map(|b| &b.policy),
        _ => None,
    };
    let statements = match subject {
        Subject::Role(i) => {
            let managed = plan
                .roles
                .get(i)
                .and_then(|r| r.managed_policies.iter().find(|m| m.arn == *finding));
            if let Some(m) = managed {
                return format!(
                    "{}.managed_policy_arn",
                    super::iam::managed_policy(&m.name).flat()
                );
            }
            None
        }
        Subject::Policy(i) => plan.policies.get(i).map(|p| &p.statements),
        Subject::OperatorPolicy(i) => plan.operator_policies.get(i).map(|p| &p.statements),
        Subject::Document(_)
        | Subject::SessionKey
        | Subject::LogBucket
        | Subject::SessionLogGroup => None,
        Subject::ProviderRole => plan
            .activation_provider
            .as_ref()
            .map(|p| &p.role.statements),
        Subject::ProviderFunction | Subject::ProviderLogGroup | Subject::ActivationSecret(_) => {
            None
        }
    };
    let found = (statements.into_iter().flatten().flat_map(|s| &s.resources))
        .chain(created.into_iter().flatten().flat_map(|s| &s.resources))
        .find(|r| r.arn(&plan.env) == *finding);
    match found {
        Some(r) => resource(names, r),
        None => py_text(finding),
    }
}

/// The document input an argument replaces, if any: `kmsKeyId` (the session key),
/// `s3BucketName` (the log bucket), `cloudWatchLogGroupName` (the log group), each only
/// where the document names the shared value. Returns the expression to use.
pub(super) fn document_input(plan: &Plan, key: &str, value: &str) -> Option<String> {
    if let Some(attr) = created::document_input(plan, key, value) {
        return Some(attr);
    }
    let shared = &plan.shared;
    let (matches, arg, attr) = match key {
        "kmsKeyId" => (
            shared.session_key.as_ref().map(KmsKey::preferences_value),
            "session_key",
            "key_arn",
        ),
        "s3BucketName" => (
            shared.log_bucket.as_ref().map(Bucket::preferences_value),
            "log_bucket",
            "bucket_name",
        ),
        "cloudWatchLogGroupName" => (shared.log_group.as_deref(), "log_group", "log_group_name"),
        _ => return None,
    };
    (matches? == value).then(|| format!("{arg}.{attr} if {arg} else {}", py_str(value)))
}

/// The `<fleet>_role` argument of each `existing-role` fleet: the fleet, its argument
/// name and the name of the role it replaces.
pub(super) fn existing_roles(plan: &Plan) -> impl Iterator<Item = (&FleetPlan, String, &str)> {
    plan.fleets.iter().filter_map(move |f| {
        let policy = plan.policies.get(f.policy?)?;
        match &policy.attachment {
            Attachment::ExistingRole(name) if f.mode == Mode::ExistingRole => {
                Some((f, existing_role_arg(&f.name), name.as_str()))
            }
            _ => None,
        }
    })
}

/// The argument that replaces an existing-role fleet's imported role: `<fleet>_role`.
pub(super) fn existing_role_arg(fleet: &str) -> String {
    format!("{}_role", Ident::new(fleet).snake)
}

/// The keyword-only parameters of `__init__` before `tags`, each `\n        name: T = None,`.
pub(super) fn push_params(out: &mut String, plan: &Plan) {
    let (shared, created) = (&plan.shared, &plan.created);
    let mut param = |name: &str, kind: &str, default: &str| {
        out.push_str("\n        ");
        out.push_str(name);
        out.push_str(": ");
        out.push_str(kind);
        out.push_str(" = ");
        out.push_str(default);
        out.push(',');
    };
    if shared.session_key.is_some() || created.key.is_some() {
        param(created::KEY, "Optional[kms.IKey]", "None");
    }
    if shared.log_bucket.is_some() || created.bucket.is_some() {
        param(created::BUCKET, "Optional[s3.IBucket]", "None");
    }
    if shared.log_group.is_some() || created.log_group.is_some() {
        param(created::LOG_GROUP, "Optional[logs.ILogGroup]", "None");
    }
    for (_, arg, _) in existing_roles(plan) {
        param(&arg, "Optional[iam.IRole]", "None");
    }
    if let Some(p) = &plan.activation_provider {
        param(&p.renewal.snake, "Optional[str]", "None");
    }
    param("generated_names", "bool", "False");
    param("outputs", "bool", "False");
}

/// The docstring lines of the parameters [`push_params`] writes.
pub(super) fn push_param_docs(out: &mut String, plan: &Plan) {
    let shared = &plan.shared;
    let mut doc = |name: &str, text: &str| {
        out.push_str("\n            ");
        out.push_str(name);
        out.push(':');
        let mut col = 13 + name.len();
        for word in text.split(' ').filter(|w| !w.is_empty()) {
            if col + 1 + word.len() > 88 {
                out.push_str("\n                ");
                col = 16;
            } else {
                out.push(' ');
                col += 1;
            }
            out.push_str(word);
            col += word.len();
        }
    };
    // Spec values stay out of the docstring (no escaper for it): the arguments name
    // what they replace by its role in the spec.
    if shared.session_key.is_some() || plan.created.key.is_some() {
        doc(created::KEY, created::param_doc(plan, created::KEY).unwrap_or("The KMS key that encrypts session data, instead of the spec's session key: the fleets' policies, the operators' grants and the preferences documents name it."));
    }
    if shared.log_bucket.is_some() || plan.created.bucket.is_some() {
        doc(created::BUCKET, created::param_doc(plan, created::BUCKET).unwrap_or("The bucket session logs go to, instead of the spec's log bucket: the fleets' policies and the preferences documents name it (the spec's key prefix stays)."));
    }
    if shared.log_group.is_some() || plan.created.log_group.is_some() {
        doc(created::LOG_GROUP, created::param_doc(plan, created::LOG_GROUP).unwrap_or("The CloudWatch Logs group sessions stream to, instead of the spec's log group: the fleets' policies and the preferences documents name it."));
    }
    for (f, arg, _) in existing_roles(plan) {
        doc(&arg, &format!("The role of existing-role fleet {}, instead of importing the spec's role by name: its session policy is attached to it.", f.name));
    }
    if let Some(p) = &plan.activation_provider {
        doc(&p.renewal.snake, &format!("Change it (to any other value) to re-issue every hybrid activation of the construct: an activation expires at most 30 days after it is created, and it must be valid when a node registers. Nodes already registered stay registered; the new ids and codes replace the old ones in the activation secrets. Default {}.", py_str(p.renewal_default)));
    }
    let names = if plan.activation_provider.is_some() {
        "Leaves the names of the roles, instance profiles, policies and documents, and of the activation function, its log group and the activation secrets, to CloudFormation, so that the construct can be used twice in one app or account. Hybrid service roles keep their names (an activation names its role), so a construct with hybrid fleets is still one per account, and so does a Default Host Management role (the service setting names it)."
    } else {
        "Leaves the names of the roles, instance profiles, policies and documents to CloudFormation, so that the construct can be used twice in one app or account. Hybrid service roles keep their names (an activation names its role), and so does a Default Host Management role (the service setting names it)."
    };
    doc(
        "generated_names",
        &format!("{names}{}", created::generated_names_doc(plan)),
    );
    doc("outputs", "Adds the stack outputs (role ARNs, instance profile and document names, selector tags); a construct adds none unasked.");
}

/// For each value the spec pins, the check that the stack's value, once known at synth,
/// is that value (an env-agnostic stack's values are unresolved tokens: no check).
pub(super) fn pin_checks(plan: &Plan) -> String {
    let mut out = String::new();
    let pins = [
        ("account", "stack.account", &plan.env.account, "pin.account"),
        ("Region", "stack.region", &plan.env.region, "pin.region"),
        (
            "partition",
            "stack.partition",
            &plan.env.partition,
            "the pins",
        ),
    ];
    for (what, expr, value, key) in pins {
        let Value::Pinned(pinned) = value else {
            continue;
        };
        out.push_str("\n        if not cdk.Token.is_unresolved(");
        out.push_str(expr);
        out.push_str(") and ");
        out.push_str(expr);
        out.push_str(" != ");
        push_py_str(&mut out, pinned);
        out.push_str(":\n            cdk.Annotations.of(self).add_error(\n                ");
        push_py_str(
            &mut out,
            &format!(
                "ssmgen project {}: the spec pins {what} {pinned}, this stack is for {what} ",
                plan.project.kebab
            ),
        );
        out.push_str("\n                + ");
        out.push_str(expr);
        out.push_str("\n                + ");
        push_py_str(
            &mut out,
            &format!(
                "; the construct's permissions name {what} {pinned}: add it to a stack for {pinned}, or change {key} in the spec and regenerate."
            ),
        );
        out.push_str("\n            )");
    }
    if !out.is_empty() {
        out.insert_str(
            0,
            "\n        # The spec pins these values and the code names them: a stack for other\n        # ones fails synth.",
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::cdk_python::test_support::example_plan as plan_of;
    use crate::targets::cdk_python::test_support::{python_json, render_example};

    fn module(example: &str) -> String {
        render_example(example, false).remove(0).contents
    }

    /// Every keyword argument of every call of the module, as `[callee, keyword, code]`.
    const KEYWORDS: &str = r#"
import ast, json, sys
out = []
for n in ast.walk(ast.parse(sys.stdin.read())):
    if isinstance(n, ast.Call):
        out += [[ast.unparse(n.func), k.arg, ast.unparse(k.value)] for k in n.keywords]
print(json.dumps(out))
"#;

    #[test]
    fn generated_names_leave_every_name_but_hybrid_and_default_host_roles_to_cloudformation() {
        for (example, fixed) in [
            ("operators-encrypted.yaml", 0),
            ("default-host-management.yaml", 1),
            ("hybrid-activation.yaml", 1),
        ] {
            let code = module(example);
            let read = python_json(KEYWORDS, &code);
            let mut named = 0;
            let mut always = 0;
            for k in read.as_array().expect("list") {
                let keyword = k[1].as_str().unwrap_or_default();
                if !matches!(
                    keyword,
                    "role_name" | "managed_policy_name" | "instance_profile_name" | "name"
                ) {
                    continue;
                }
                let value = k[2].as_str().expect("code");
                if value.starts_with("None if generated_names else ") {
                    named += 1;
                } else {
                    assert_eq!(keyword, "role_name", "{example}: {k}");
                    always += 1;
                }
            }
            assert!(
                named >= 2,
                "{example}: {named} names follow generated_names"
            );
            assert_eq!(
                always, fixed,
                "{example}: names kept whatever generated_names"
            );
        }
    }

    #[test]
    fn pinned_values_are_checked_against_the_stack() {
        let pinned = pin_checks(&plan_of("operators-encrypted.yaml"));
        for expr in ["stack.account", "stack.region", "stack.partition"] {
            assert!(pinned.contains(&format!(
                "if not cdk.Token.is_unresolved({expr}) and {expr} != "
            )));
        }
        assert!(pinned.contains("the spec pins account 111122223333, this stack is for account "));
        assert_eq!(pin_checks(&plan_of("session-only-ec2.yaml")), "");
        // The stack the checks read is the one the values come from.
        let code = module("operators-encrypted.yaml");
        let stack = code
            .find("        stack = cdk.Stack.of(self)")
            .expect("stack");
        assert!(stack < code.find("stack.account !=").expect("check"));
        assert!(!code.contains("cdk.Aws.PARTITION") && !code.contains("cdk.Aws.ACCOUNT_ID"));
    }

    #[test]
    fn shared_session_resources_are_replaceable_and_others_are_not() {
        let plan = plan_of("operators-encrypted.yaml");
        let key = Resource::KmsKey {
            key: plan.shared.session_key.clone().expect("one session key"),
        };
        assert!(resource(&Renamable::new(&plan), &key)
            .starts_with("session_key.key_arn if session_key else "));
        let objects = Resource::BucketObjects {
            bucket: plan.shared.log_bucket.clone().expect("one bucket"),
            prefix: "sessions/".into(),
        };
        assert!(resource(&Renamable::new(&plan), &objects)
            .starts_with("log_bucket.arn_for_objects(\"sessions/*\") if log_bucket else "));
        let other = Resource::Bucket {
            bucket: crate::plan::Bucket::Named("someone-elses".into()),
        };
        assert_eq!(
            resource(&Renamable::new(&plan), &other),
            "\"arn:aws:s3:::someone-elses\""
        );
        let group = plan.shared.log_group.clone().expect("one group");
        assert_eq!(
            document_input(&plan, "cloudWatchLogGroupName", &group).as_deref(),
            Some(
                format!(
                    "log_group.log_group_name if log_group else {}",
                    py_str(&group)
                )
                .as_str()
            )
        );
        assert_eq!(
            document_input(&plan, "cloudWatchLogGroupName", "/other"),
            None
        );
        // Without one shared value there is no argument, in the signature or the code.
        let code = module("mixed-fleets.yaml");
        let plan = plan_of("mixed-fleets.yaml");
        assert_eq!(
            plan.shared.session_key.is_some(),
            code.contains("session_key: Optional[kms.IKey]")
        );
        assert_eq!(
            plan.shared.session_key.is_some(),
            code.contains("session_key.key_arn")
        );
    }

    #[test]
    fn existing_role_fleets_take_a_role_argument() {
        let code = module("existing-role.yaml");
        let plan = plan_of("existing-role.yaml");
        let (f, arg, name) = existing_roles(&plan)
            .next()
            .expect("an existing-role fleet");
        assert_eq!(arg, format!("{}_role", Ident::new(&f.name).snake));
        assert!(code.contains(&format!("        {arg}: Optional[iam.IRole] = None,")));
        assert!(code.contains(&format!("{arg} or iam.Role.from_role_name(self, ")));
        assert!(code.contains(&py_str(name)));
    }
}
