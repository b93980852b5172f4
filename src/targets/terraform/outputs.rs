//! `outputs.tf`: the plan's outputs (role ARNs and names, instance profile names,
//! preferences document names), then each activation's id and code, rendered a run of
//! output blocks at a time.

use super::activation::activation_outputs;
use super::hcl::{Body, Val};
use super::{dangling, get_role, Header};
use crate::error::Error;
use crate::plan::{Ident, OutputValue, Plan};

/// Outputs written per run: enough that the per-run cost vanishes,
/// few enough that a call's context stays small.
const RUN: usize = 64;

/// An `output` block: its name and its laid-out body.
pub(super) struct Block {
    /// The output name.
    pub(super) name: String,
    /// The body's lines, each introduced by a newline and indented, keys padded and
    /// values escaped; `layout.rs` writes the block's header before and `}` after.
    pub(super) body: String,
}

/// One output block.
pub(super) fn output(name: String, description: &str, value: Val, sensitive: bool) -> Block {
    let mut b = Body::default();
    b.line("description", Val::Str(description))
        .line("value", value);
    if sensitive {
        b.line("sensitive", Val::Raw("true"));
    }
    Block {
        name,
        body: b.block_body(),
    }
}

fn plan_output(plan: &Plan, o: &crate::plan::Output) -> Result<Block, Error> {
    let value = match o.value {
        OutputValue::RoleArn { role } => {
            Val::Ref("aws_iam_role.", &get_role(plan, role)?.id.snake, ".arn")
        }
        OutputValue::RoleName { role } => {
            Val::Ref("aws_iam_role.", &get_role(plan, role)?.id.snake, ".name")
        }
        OutputValue::InstanceProfileName { profile } => {
            let p = plan
                .instance_profiles
                .get(profile)
                .ok_or_else(|| dangling("instance profile", profile))?;
            Val::Ref("aws_iam_instance_profile.", &p.id.snake, ".name")
        }
        OutputValue::DocumentName { document } => {
            let d = plan
                .documents
                .get(document)
                .ok_or_else(|| dangling("document", document))?;
            Val::Ref("aws_ssm_document.", &d.id.snake, ".name")
        }
        OutputValue::OperatorPolicyArn { policy } => {
            let p = plan
                .operator_policies
                .get(policy)
                .ok_or_else(|| dangling("operator policy", policy))?;
            Val::Ref("aws_iam_policy.", &p.id.snake, ".arn")
        }
        OutputValue::Literal { ref value } => Val::Str(value),
        OutputValue::SessionKeyArn => {
            let k = plan
                .created
                .key
                .as_ref()
                .ok_or_else(|| dangling("session key", 0))?;
            Val::Ref("aws_kms_key.", &k.id.snake, ".arn")
        }
        OutputValue::LogBucketName => {
            let b = (plan.created.bucket.as_ref()).ok_or_else(|| dangling("log bucket", 0))?;
            Val::Ref("aws_s3_bucket.", &b.id.snake, ".bucket")
        }
        OutputValue::LogGroupName => {
            let g = (plan.created.log_group.as_ref()).ok_or_else(|| dangling("log group", 0))?;
            Val::Ref("aws_cloudwatch_log_group.", &g.id.snake, ".name")
        }
    };
    Ok(output(o.id.snake.clone(), &o.description, value, false))
}

/// `outputs.tf`, a run of outputs at a time: the plan's outputs, then each activation's.
pub(super) fn outputs_tf(plan: &Plan, header: &Header) -> Result<String, Error> {
    let plan_outputs = plan.outputs.iter().map(|o| plan_output(plan, o));
    let suffixes = [Ident::new("id"), Ident::new("code")];
    let activation_outputs = plan
        .activations
        .iter()
        .flat_map(|a| match activation_outputs(plan, a, &suffixes) {
            Ok([id, code]) => [Some(Ok(id)), Some(Ok(code))],
            Err(e) => [Some(Err(e)), None],
        })
        .flatten();
    let total = plan.outputs.len() + 2 * plan.activations.len();
    let mut blocks = plan_outputs.chain(activation_outputs);
    let mut out = String::new();
    let mut header = Some(header);
    // Runs of [`RUN`] outputs; the first run (which a file without outputs also gets)
    // carries the header.
    loop {
        let outputs = blocks
            .by_ref()
            .take(RUN)
            .collect::<Result<Vec<Block>, Error>>()?;
        if outputs.is_empty() && header.is_none() {
            break;
        }
        let n = outputs.len();
        let text = super::layout::outputs_run(header.take(), &outputs);
        if out.is_empty() {
            // Outputs are alike: reserve for all of them at once rather than regrowing.
            out.reserve(text.len() / n.max(1) * total * 5 / 4);
        }
        out.push_str(&text);
    }
    Ok(out)
}
