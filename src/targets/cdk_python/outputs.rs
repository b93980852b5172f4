//! The outputs of the construct: one `cdk.CfnOutput` per output of the plan.

use super::python::{call_statement, Arg};
use super::ssm::document_at;
use super::{missing, profile_at, role_at};
use crate::error::Error;
use crate::plan::{Output, OutputValue, Plan};

/// A `cdk.CfnOutput`.
pub(super) fn output_statement(plan: &Plan, o: &Output) -> Result<String, Error> {
    let value = match o.value {
        OutputValue::RoleArn { role } => Arg::Property(&role_at(plan, role)?.id.snake, "role_arn"),
        OutputValue::RoleName { role } => {
            Arg::Property(&role_at(plan, role)?.id.snake, "role_name")
        }
        OutputValue::InstanceProfileName { profile } => Arg::Property(
            &profile_at(plan, profile)?.id.snake,
            "instance_profile_name",
        ),
        // `Ref` of an AWS::SSM::Document is its name.
        OutputValue::DocumentName { document } => {
            Arg::Property(&document_at(plan, document)?.id.snake, "ref")
        }
        OutputValue::OperatorPolicyArn { policy } => {
            let p = plan
                .operator_policies
                .get(policy)
                .ok_or_else(|| missing("operator policy", policy))?;
            Arg::Property(&p.id.snake, "managed_policy_arn")
        }
        OutputValue::Literal { ref value } => Arg::Str(value),
        // The construct's attributes: the created resources, or the app's own.
        OutputValue::SessionKeyArn => Arg::Property("session_key", "key_arn"),
        OutputValue::LogBucketName => Arg::Property("log_bucket", "bucket_name"),
        OutputValue::LogGroupName => Arg::Property("log_group", "log_group_name"),
    };
    Ok(call_statement(
        None,
        "cdk.CfnOutput",
        &[
            ("", Arg::Code("self")),
            ("", Arg::Str(&o.id.upper_camel)),
            ("value", value),
            ("description", Arg::Str(&o.description)),
        ],
    ))
}
