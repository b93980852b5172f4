//! The construct's outputs: one `cdk.CfnOutput` per plan output, naming a role's ARN or
//! name, an instance profile's name or a preferences document's name. They are written
//! inside `if (props.outputs)`: a construct adds stack outputs only when asked.

use super::iam::role_field;
use super::props::Spell;
use super::typescript::push_str_prop;
use crate::plan::{Output, OutputValue};
use crate::render::escape;

pub(super) fn output_block(out: &mut String, plan: &Spell<'_>, o: &Output) {
    out.push_str("      new cdk.CfnOutput(this, ");
    escape::push_ts_str(out, &o.id.upper_camel);
    out.push_str(", {\n        value: ");
    if let OutputValue::Literal { value } = &o.value {
        escape::push_ts_str(out, value);
    } else {
        out.push_str("this.");
    }
    match o.value {
        OutputValue::RoleArn { role } => {
            out.push_str(role_field(plan, role));
            out.push_str(".roleArn");
        }
        OutputValue::RoleName { role } => {
            out.push_str(role_field(plan, role));
            out.push_str(".roleName");
        }
        OutputValue::InstanceProfileName { profile } => {
            let field = plan
                .instance_profiles
                .get(profile)
                .map_or("", |p| p.id.lower_camel.as_str());
            out.push_str(field);
            out.push_str(".instanceProfileName");
        }
        OutputValue::DocumentName { document } => {
            // `ref` of an `AWS::SSM::Document` is its name.
            let field = plan
                .documents
                .get(document)
                .map_or("", |d| d.id.lower_camel.as_str());
            out.push_str(field);
            out.push_str(".ref");
        }
        OutputValue::OperatorPolicyArn { policy } => {
            let field = plan
                .operator_policies
                .get(policy)
                .map_or("", |p| p.id.lower_camel.as_str());
            out.push_str(field);
            out.push_str(".managedPolicyArn");
        }
        OutputValue::Literal { .. } => {}
        // The construct's fields: the created resources, or the app's own.
        OutputValue::SessionKeyArn => out.push_str("sessionKey.keyArn"),
        OutputValue::LogBucketName => out.push_str("logBucket.bucketName"),
        OutputValue::LogGroupName => out.push_str("logGroup.logGroupName"),
    }
    out.push(',');
    push_str_prop(out, "        ", "description", &o.description);
    out.push_str("\n      });");
}
