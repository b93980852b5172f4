//! The module's text, part by part in file order (see [`Part`]): the fixed text and
//! the separators around the statements the families lay out. Written here rather than
//! by a Tera template: each Tera tag costs about 10 us of parsing at every start
//! (issue 13), and the module's template had 44.

use super::{ModuleContext, Part};
use crate::plan::{Plan, Platform};

/// Statements of `__init__` are indented by eight spaces; the first line of each comes
/// without indentation from [`super::python::call_statement`].
pub(super) const BODY: &str = "\n        ";

const INIT_START: &str = "
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,";

const INIT_TAGS: &str = "
        tags: Optional[Mapping[str, str]] = None,
    ) -> None:
        \"\"\"Creates the resources.

        Args:
            scope: The construct (usually a stack) to add the resources to.
            construct_id: The id of this construct within ``scope``.";

const INIT_END: &str = "
            tags: Tags added to every taggable resource of the construct, over the
                spec's own tags (for example the stage). They change no permission.
        \"\"\"
        super().__init__(scope, construct_id)
        # Unpinned account, Region and partition come from the stack: in an env-agnostic
        # stack deploy-time references, in a stack with an environment its own values.
        stack = cdk.Stack.of(self)";

/// The start of `__init__`: its keyword-only arguments and their docs, the stack the
/// construct's values come from and the checks of the spec's pins against it.
fn init(out: &mut String, plan: &Plan) {
    out.push_str(INIT_START);
    super::props::push_params(out, plan);
    out.push_str(INIT_TAGS);
    super::props::push_param_docs(out, plan);
    out.push_str(INIT_END);
    out.push_str(&super::props::pin_checks(plan));
    out.push_str(&super::iam::boundary(plan));
}

const TAG_CHECKS: &str = "

        # IAM tag keys are case-insensitive on roles (IAM User Guide, Tagging IAM
        # resources): a key that differs from another only in case would silently
        # replace it.
        ";

const TAG_CHECKS_END: &str = "
        for key in tags or {}:
            clashes = [k for k in tag_keys if k != key and k.lower() == key.lower()]
            if clashes:
                raise ValueError(
                    f\"tag key {key!r} differs from {clashes[0]!r} only in case; \"
                    \"IAM role tag keys are case-insensitive\"
                )
        # The spec's tags are added on each resource, nearer to it than this construct,
        # and at equal priority the nearer tag wins: a higher priority lets these win.
        for key, value in (tags or {}).items():
            cdk.Tags.of(self).add(key, value, priority=200)
";

/// One part of the module.
pub(super) fn part(c: &ModuleContext<'_, '_>) -> String {
    let mut out = String::new();
    push_part(&mut out, c);
    out
}

/// [`part`], appended to `out` (the module's last part holds tens of megabytes at
/// 10,000 fleets, which a separate string would hold twice).
pub(super) fn push_part(out: &mut String, c: &ModuleContext<'_, '_>) {
    match c.part {
        Part::Head => head(out, c),
        Part::Attributes => {
            for a in c.attributes {
                out.push_str("\n    ");
                out.push_str(a);
                out.push('\n');
            }
        }
        Part::Init => init(out, c.plan),
        Part::Fleets => {
            for f in c.fleets {
                out.push_str("\n\n        # Fleet ");
                out.push_str(f.name);
                out.push_str(" (");
                out.push_str(match f.platform {
                    Platform::Ec2 => "ec2",
                    Platform::Hybrid => "hybrid",
                });
                out.push_str(", ");
                out.push_str(f.mode.name());
                out.push_str(").");
                if f.hybrid {
                    out.push_str(
                        "\n        # A hybrid activation names this role and cannot be moved to another one:\
                         \n        # keep the project and fleet names so that the role name stays the same.",
                    );
                }
                for s in &f.statements {
                    out.push_str(BODY);
                    out.push_str(s);
                }
            }
        }
        Part::Settings => {
            out.push_str(
                "\n\n        # Service settings hold one value per account and Region, for every stack there.",
            );
            for s in c.settings {
                out.push_str(BODY);
                out.push_str(s);
            }
        }
        Part::Operators => {
            for p in c.operators {
                out.push('\n');
                for s in p {
                    out.push_str(BODY);
                    out.push_str(s);
                }
            }
        }
        Part::Outputs => {
            if c.outputs_heading {
                out.push_str("\n\n        # Stack outputs only when asked: a construct adds none of its own\n        # accord.\n        if outputs:");
            }
            // One level deeper, under `if outputs:`.
            for o in c.outputs {
                out.push_str(BODY);
                out.push_str("    ");
                out.push_str(&o.replace('\n', "\n    "));
            }
        }
        Part::End => {
            out.push_str(c.methods_maps);
            out.push_str(c.region_check);
            out.push_str(TAG_CHECKS);
            out.push_str(c.tag_keys);
            out.push_str(TAG_CHECKS_END);
            out.push_str(c.methods);
        }
    }
}

/// Header comment, module docstring, imports and class docstring.
fn head(out: &mut String, c: &ModuleContext<'_, '_>) {
    let push = |out: &mut String, parts: &[&str]| parts.iter().for_each(|p| out.push_str(p));
    push(
        out,
        &[
            "# Generated by ssmgen for project ",
            c.project,
            ". Do not edit: change the spec and regenerate.\n\"\"\"Session Manager access for project ",
            c.project,
            ", as an AWS CDK v2 construct.\n\nAdd it to a stack: with the spec's names once per account, with\n``generated_names=True`` as often as needed::\n\n    from ",
            c.module,
            " import ",
            c.class_name,
            "\n\n    ",
            c.class_name,
            "(self, \"SsmAccess\")\n",
        ],
    );
    if c.has_activations {
        out.push_str(
            "\nOnce the stack is deployed, run create-activations.sh to create the hybrid\n\
             activations that name the service roles created here.\n",
        );
    }
    if c.plan.activation_provider.is_some() {
        out.push_str(
            "\nThe hybrid activations are created with the stack. Each expires at most 30\n\
             days after it is created; its id and code are in a Secrets Manager secret\n\
             (the ``<fleet>_activation_secret`` attributes), and a new\n\
             ``activation_renewal`` re-issues every activation.\n",
        );
    }
    if c.has_preferences_script {
        out.push_str(
            "\nThe account's default Session Manager preferences (document\n\
             SSM-SessionManagerRunShell) are not created here: a stack cannot adopt that\n\
             existing document. Once the stack is deployed, run session-preferences.sh to\n\
             write them.\n",
        );
    }
    out.push_str("\"\"\"\n\n");
    if c.granular_acks {
        out.push_str("import json\n");
    }
    out.push_str(if c.plan.fleets.iter().any(super::methods::attachable) {
        "from typing import Mapping, Optional, Union\n\nimport aws_cdk as cdk\n"
    } else {
        "from typing import Mapping, Optional\n\nimport aws_cdk as cdk\n"
    });
    let (shared, created) = (&c.plan.shared, &c.plan.created);
    if c.plan.fleets.iter().any(super::methods::attachable) {
        out.push_str("from aws_cdk import aws_autoscaling as autoscaling\nfrom aws_cdk import aws_ec2 as ec2\n");
    }
    let provider = c.plan.activation_provider.is_some();
    out.push_str("from aws_cdk import aws_iam as iam\n");
    // A created bucket or log group may import the key the spec names for it.
    if shared.session_key.is_some()
        || created.key.is_some()
        || created.bucket.is_some()
        || created.log_group.as_ref().is_some_and(|g| g.key.is_some())
    {
        out.push_str("from aws_cdk import aws_kms as kms\n");
    }
    if provider {
        out.push_str("from aws_cdk import aws_lambda as lambda_\n");
    }
    if shared.log_group.is_some() || provider || created.log_group.is_some() {
        out.push_str("from aws_cdk import aws_logs as logs\n");
    }
    if shared.log_bucket.is_some() || created.bucket.is_some() {
        out.push_str("from aws_cdk import aws_s3 as s3\n");
    }
    if provider {
        out.push_str("from aws_cdk import aws_secretsmanager as secretsmanager\n");
    }
    if c.uses_ssm {
        out.push_str("from aws_cdk import aws_ssm as ssm\n");
    }
    out.push_str("from constructs import Construct\n");
    if c.granular_acks {
        out.push_str(super::nag::HELPER);
    }
    if c.whole_acks {
        out.push_str(super::nag::RULE_HELPER);
    }
    push(
        out,
        &[
            "\n\nclass ",
            c.class_name,
            "(Construct):\n    \"\"\"The roles, instance profiles and policies of project ",
            c.project,
            ".\n\n    Each fleet gets the permissions Session Manager documents for its mode.",
        ],
    );
    if c.uses_ssm {
        out.push_str(
            "\n    Its sessions get the preferences documents and account settings they need.",
        );
    }
    if !created.is_empty() {
        out.push_str(
            "\n    The session resources the spec creates are created here unless the app passes\n    its own.",
        );
    }
    if provider {
        out.push_str(
            "\n    Its hybrid activations are created with the stack, their ids and codes kept in\n    secrets.",
        );
    }
    out.push_str("\n    \"\"\"\n");
}
