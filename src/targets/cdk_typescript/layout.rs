//! The construct's file: its frame (imports, props interface, class, constructor, tag
//! checks) around the blocks the families write. Written here rather than by a Tera
//! template: the frame is fixed text and loops, and each Tera tag costs about 10 us of
//! parsing at every start (issue 13). Each item is written straight into the output.

use super::activation;
use super::created;
use super::methods::{attachable, push_fields, push_maps, push_methods, push_types};
use super::nag::{HELPER, RULE_HELPER};
use super::props::push_props;
use super::{ConstructContext, Each};
use crate::plan::Subject;
use crate::render::escape::ts_comment;

const PROPS_DOC: &str = "  /**
   * Tags added to every taggable resource of the construct, over the spec's own tags
   * (for example the stage). They change no permission.
   *
   * @default - only the spec's tags
   */
  readonly tags?: { [key: string]: string };
}
";

const TAG_CHECKS: &str = "

    // IAM tag keys are case-insensitive on roles (IAM User Guide, Tagging IAM resources):
    // a key that differs from another only in case would silently replace it.
    const tagKeys: string[] = [";

const TAG_CHECKS_END: &str = "...Object.keys(props.tags ?? {})];
    for (const key of Object.keys(props.tags ?? {})) {
      const clash = tagKeys.find((k) => k !== key && k.toLowerCase() === key.toLowerCase());
      if (clash !== undefined) {
        throw new Error(`tag key '${key}' differs from '${clash}' only in case; IAM role tag keys are case-insensitive`);
      }
    }
    // The spec's tags are added on each resource, nearer to it than this construct, and
    // at equal priority the nearer tag wins: a higher priority lets the prop's win.
    for (const [key, value] of Object.entries(props.tags ?? {})) {
      cdk.Tags.of(this).add(key, value, { priority: 200 });
    }
  }";

/// The top of the constructor: the stack the construct's values come from.
const STACK: &str = "
    // Unpinned account, Region and partition come from the stack: in an env-agnostic
    // stack deploy-time references, in a stack with an environment its own values.
    const stack = cdk.Stack.of(this);";

impl<'a, T> Each<'a, T> {
    /// Each kept item, after `separator`.
    fn write_each(&self, out: &mut String, separator: &str) {
        self.write_each_then(out, separator, |_, _, _| {});
    }

    /// Each kept item, after `separator`, and after each what `then` writes of the item
    /// and its index among all items (the index the plan refers to it by).
    fn write_each_then(
        &self,
        out: &mut String,
        separator: &str,
        then: impl Fn(&mut String, usize, &'a T),
    ) {
        for (i, item) in self.items.iter().enumerate() {
            if (self.keep)(item) {
                out.push_str(separator);
                (self.write)(out, self.plan, item);
                then(out, i, item);
            }
        }
    }

    fn any(&self) -> bool {
        self.items.iter().any(|item| (self.keep)(item))
    }
}

/// The whole construct file into `out`.
pub(super) fn write(out: &mut String, c: &ConstructContext<'_>) {
    let class = &c.class_name;
    let project = ts_comment(c.project);
    let plan = c.spell.plan();
    let shared = &plan.shared;
    let attach = plan.fleets.iter().any(attachable);
    out.push_str("// ");
    out.push_str(c.marker);
    out.push_str(" for project ");
    out.push_str(&project);
    out.push_str(
        ". Do not edit: change the spec and regenerate.\n\
         //\n\
         // Session Manager permissions as one AWS CDK v2 construct: add it to any stack.\n\
         import * as cdk from 'aws-cdk-lib';",
    );
    if attach {
        out.push_str(
            "\nimport * as autoscaling from 'aws-cdk-lib/aws-autoscaling';\n\
             import * as ec2 from 'aws-cdk-lib/aws-ec2';",
        );
    }
    out.push_str("\nimport * as iam from 'aws-cdk-lib/aws-iam';");
    let made = &plan.created;
    // A created bucket is always encrypted with a key (the created one or one imported);
    // a created log group is when it names one.
    let keys = made.key.is_some()
        || made.bucket.is_some()
        || made.log_group.as_ref().is_some_and(|g| g.key.is_some());
    if shared.session_key.is_some() || keys {
        out.push_str("\nimport * as kms from 'aws-cdk-lib/aws-kms';");
    }
    let provider = plan.activation_provider.as_ref();
    if provider.is_some() {
        out.push_str("\nimport * as lambda from 'aws-cdk-lib/aws-lambda';");
    }
    if shared.log_group.is_some() || made.log_group.is_some() || provider.is_some() {
        out.push_str("\nimport * as logs from 'aws-cdk-lib/aws-logs';");
    }
    if shared.log_bucket.is_some() || made.bucket.is_some() {
        out.push_str("\nimport * as s3 from 'aws-cdk-lib/aws-s3';");
    }
    if provider.is_some_and(|p| !p.secrets.is_empty()) {
        out.push_str("\nimport * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';");
    }
    if c.ssm {
        out.push_str("\nimport * as ssm from 'aws-cdk-lib/aws-ssm';");
    }
    out.push_str("\nimport { Construct } from 'constructs';\n");
    if c.acknowledgements.any_granular() {
        out.push_str(HELPER);
    }
    if c.acknowledgements.any_whole() {
        out.push_str(RULE_HELPER);
    }
    push_types(out, plan);
    out.push_str("\n/** Options of {@link ");
    out.push_str(class);
    out.push_str("}. */\nexport interface ");
    out.push_str(class);
    out.push_str("Props {\n");
    push_props(out, plan);
    out.push_str(PROPS_DOC);
    out.push_str("\n/**\n * The Session Manager access of project ");
    out.push_str(&project);
    out.push_str(
        ": the IAM roles, instance\n \
         * profiles and customer managed policies its spec asks for (their outputs with\n \
         * `outputs: true`). Props put the app's own resources in the spec's place, and\n \
         * its methods give the access to the app's instances and people.",
    );
    if c.ssm {
        out.push_str(
            "\n * With them, the Session Manager preferences documents and account service settings that\n \
             * make sessions run as the spec asks.",
        );
    }
    if c.preferences_script {
        out.push_str(
            "\n * The account's default preferences (document SSM-SessionManagerRunShell) are not part\n \
             * of it, since a stack cannot adopt that existing document: session-preferences.sh,\n \
             * written beside this file, writes them; run it once the app is deployed.",
        );
    }
    if c.operator_policies.any() {
        out.push_str("\n * And the operator policies: who may start sessions on which fleets.");
    }
    if !made.is_empty() {
        out.push_str(
            "\n * And the session key, log bucket or log group it creates for session data (kept when the\n \
             * stack is deleted), unless the app gives its own.",
        );
    }
    if provider.is_some() {
        out.push_str(
            "\n * And the hybrid activations, each a custom resource that a function of the construct\n \
             * answers, with its id and code in a secret of its own that the construct exposes\n \
             * (`<fleet>ActivationSecret`).",
        );
    }
    out.push_str("\n */\nexport class ");
    out.push_str(class);
    out.push_str(" extends Construct {");
    c.role_fields.write_each(out, "\n");
    c.profile_fields.write_each(out, "\n");
    c.policy_fields.write_each(out, "\n");
    c.document_fields.write_each(out, "\n");
    c.setting_fields.write_each(out, "\n");
    c.operator_fields.write_each(out, "\n");
    created::push_fields(out, plan);
    activation::push_fields(out, plan);
    push_fields(out, plan);
    out.push_str("\n\n  constructor(scope: Construct, id: string, props: ");
    out.push_str(class);
    out.push_str("Props = {}) {\n    super(scope, id);");
    out.push_str(STACK);
    out.push_str(&c.pin_checks);
    out.push_str(&c.boundary);
    let acks = &c.acknowledgements;
    c.roles.write_each_then(out, "\n\n", |out, i, r| {
        acks.push(out, Subject::Role(i), &r.id.lower_camel);
    });
    c.instance_profiles.write_each(out, "\n\n");
    created::push_block(out, c.spell, acks);
    c.policies.write_each(out, &c.statement_lists, acks);
    c.documents.write_each(out, "\n\n");
    c.service_settings.write_each(out, "\n\n");
    c.operator_policies
        .write_each_then(out, "\n\n", |out, i, p| {
            acks.push(out, Subject::OperatorPolicy(i), &p.id.lower_camel);
        });
    activation::push_block(out, c.spell, acks);
    push_maps(out, c.spell);
    if c.outputs.any() {
        out.push_str("\n\n    // Stack outputs only when asked: a construct adds none of its own accord.\n    if (props.outputs) {");
        c.outputs.write_each(out, "\n");
        out.push_str("\n    }");
    }
    out.push_str(&c.region_check);
    out.push_str(TAG_CHECKS);
    out.push_str(&c.tag_keys);
    out.push_str(TAG_CHECKS_END);
    push_methods(out, plan);
    out.push_str("\n}\n");
}
