//! The `Outputs` of the CloudFormation template: each output's `Description` and its
//! `Value`, a reference to or an attribute of a resource of the template.

use super::writer::Writer;
use super::Entry;
use crate::plan::{Output, OutputValue, Plan};

impl Entry for &Output {
    fn write(self, w: &mut Writer, plan: &Plan) {
        let role_id = |role: usize| plan.roles[role].id.upper_camel.as_str();
        w.key(&self.id.upper_camel);
        w.begin_map();
        w.key("Description");
        w.str(&self.description);
        w.key("Value");
        match self.value {
            OutputValue::RoleArn { role } => w.get_att(role_id(role), "Arn"),
            OutputValue::RoleName { role } => w.reference(role_id(role)),
            OutputValue::InstanceProfileName { profile } => {
                w.reference(&plan.instance_profiles[profile].id.upper_camel)
            }
            // `Ref` of an `AWS::SSM::Document` is its name.
            OutputValue::DocumentName { document } => {
                w.reference(&plan.documents[document].id.upper_camel)
            }
            // `Ref` of an `AWS::IAM::ManagedPolicy` is its ARN.
            OutputValue::OperatorPolicyArn { policy } => {
                w.reference(&plan.operator_policies[policy].id.upper_camel)
            }
            OutputValue::Literal { ref value } => w.str(value),
            OutputValue::SessionKeyArn => {
                (plan.created.key.iter()).for_each(|k| w.get_att(&k.id.upper_camel, "Arn"))
            }
            // `Ref` of an `AWS::S3::Bucket` and of an `AWS::Logs::LogGroup` is its name.
            OutputValue::LogBucketName => {
                (plan.created.bucket.iter()).for_each(|b| w.reference(&b.id.upper_camel))
            }
            OutputValue::LogGroupName => {
                (plan.created.log_group.iter()).for_each(|g| w.reference(&g.id.upper_camel))
            }
        }
        w.end_map();
    }
}
