//! The outputs of the construct: one `cdk.CfnOutput` per output of the plan.

use super::python::{call_statement, Arg};
use super::ssm::document_at;
use super::{profile_at, role_at};
use crate::error::Error;
use crate::plan::{Output, OutputValue, Plan};

/// A `cdk.CfnOutput`.
pub(super) fn output_statement(plan: &Plan, o: &Output) -> Result<String, Error> {
    let (attr, property) = match o.value {
        OutputValue::RoleArn { role } => (&role_at(plan, role)?.id.snake, "role_arn"),
        OutputValue::RoleName { role } => (&role_at(plan, role)?.id.snake, "role_name"),
        OutputValue::InstanceProfileName { profile } => (
            &profile_at(plan, profile)?.id.snake,
            "instance_profile_name",
        ),
        // `Ref` of an AWS::SSM::Document is its name.
        OutputValue::DocumentName { document } => (&document_at(plan, document)?.id.snake, "ref"),
    };
    Ok(call_statement(
        None,
        "cdk.CfnOutput",
        &[
            ("", Arg::Code("self")),
            ("", Arg::Str(&o.id.upper_camel)),
            ("value", Arg::Property(attr, property)),
            ("description", Arg::Str(&o.description)),
        ],
    ))
}
