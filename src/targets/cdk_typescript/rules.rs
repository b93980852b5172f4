//! Deploy-time and synth-time checks of the construct: the Region a session key given by
//! ARN requires, as a `cdk.CfnRule` (the stack fails before any resource is made, like
//! CloudFormation's `Rules`) and, when the stack's Region is known at synth, an error
//! annotation that stops `cdk synth` at once.

use crate::plan::Plan;
use crate::render::escape::{push_ts_comment, push_ts_str};

/// The statements of the Region check, or nothing when the plan requires no Region.
pub(super) fn region_check(plan: &Plan) -> String {
    let Some(r) = &plan.required_region else {
        return String::new();
    };
    let mut out = String::from("\n\n    // ");
    push_ts_comment(&mut out, &r.reason);
    out.push_str("\n    new cdk.CfnRule(this, 'SessionKeyRegion', {\n      assertions: [\n        {\n          assert: cdk.Fn.conditionEquals(cdk.Aws.REGION, ");
    push_ts_str(&mut out, &r.region);
    out.push_str("),\n          assertDescription: ");
    push_ts_str(&mut out, &r.reason);
    out.push_str(",\n        },\n      ],\n    });\n    const stackRegion = cdk.Stack.of(this).region;\n    if (!cdk.Token.isUnresolved(stackRegion) && stackRegion !== ");
    push_ts_str(&mut out, &r.region);
    out.push_str(") {\n      cdk.Annotations.of(this).addError(");
    push_ts_str(&mut out, &r.reason);
    out.push_str(");\n    }");
    out
}
