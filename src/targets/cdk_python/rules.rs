//! Deploy-time and synth-time checks of the construct: the Region a session key given by
//! ARN requires, as a `cdk.CfnRule` (the stack fails before any resource is made, like
//! CloudFormation's `Rules`) and, when the stack's Region is known at synth, an error
//! annotation that stops `cdk synth` at once.

use crate::plan::Plan;
use crate::render::escape::push_py_str;

/// The statements of the Region check, or nothing when the plan requires no Region.
pub(super) fn region_check(plan: &Plan) -> String {
    let Some(r) = &plan.required_region else {
        return String::new();
    };
    let mut out = String::from("\n\n        # The session KMS key given by ARN fixes the Region of the stack.\n        cdk.CfnRule(\n            self,\n            \"SessionKeyRegion\",\n            assertions=[\n                cdk.CfnRuleAssertion(\n                    assert_=cdk.Fn.condition_equals(cdk.Aws.REGION, ");
    push_py_str(&mut out, &r.region);
    out.push_str("),\n                    assert_description=");
    push_py_str(&mut out, &r.reason);
    out.push_str(",\n                ),\n            ],\n        )\n        stack_region = cdk.Stack.of(self).region\n        if not cdk.Token.is_unresolved(stack_region) and stack_region != ");
    push_py_str(&mut out, &r.region);
    out.push_str(":\n            cdk.Annotations.of(self).add_error(\n                ");
    push_py_str(&mut out, &r.reason);
    out.push_str("\n            )");
    out
}
