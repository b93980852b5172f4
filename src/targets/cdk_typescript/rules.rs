//! Deploy-time and synth-time checks of the construct: the values the spec pins (account,
//! Region, partition), which the stack's own must not contradict, as error annotations
//! that stop `cdk synth`; and the Region a session key given by ARN requires, as a
//! `cdk.CfnRule` (the stack fails before any resource is made, like CloudFormation's
//! `Rules`) and, when the stack's Region is known at synth, an error annotation.

use crate::plan::{Plan, Value};
use crate::render::escape::{push_ts_comment, push_ts_str};

/// For each value the spec pins, the check that the stack's value, once known at synth,
/// is that value (an env-agnostic stack's values are unresolved tokens: no check). The
/// pinned values stay literals in the construct, so a stack for another account or
/// Region would deploy permissions that name the wrong one.
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
        out.push_str("\n    if (!cdk.Token.isUnresolved(");
        out.push_str(expr);
        out.push_str(") && ");
        out.push_str(expr);
        out.push_str(" !== ");
        push_ts_str(&mut out, pinned);
        out.push_str(") {\n      cdk.Annotations.of(this).addError(");
        push_ts_str(
            &mut out,
            &format!(
                "ssmgen project {}: the spec pins {what} {pinned}, this stack is for {what} ",
                plan.project.kebab
            ),
        );
        out.push_str(" + ");
        out.push_str(expr);
        out.push_str(" + ");
        push_ts_str(
            &mut out,
            &format!(
                "; the construct's permissions name {what} {pinned}: add it to a stack for {pinned}, or change {key} in the spec and regenerate."
            ),
        );
        out.push_str(");\n    }");
    }
    if !out.is_empty() {
        out.insert_str(
            0,
            "\n    // The spec pins these values and the code names them: a stack for other ones fails synth.",
        );
    }
    out
}

/// The statements of the Region check, or nothing when the plan requires no Region.
pub(super) fn region_check(plan: &Plan) -> String {
    let Some(r) = &plan.required_region else {
        return String::new();
    };
    let mut out = String::from("\n\n    // ");
    push_ts_comment(&mut out, &r.reason);
    // The rule checks the Region deployed to, whatever the stack says at synth.
    out.push_str("\n    new cdk.CfnRule(this, 'SessionKeyRegion', {\n      assertions: [\n        {\n          assert: cdk.Fn.conditionEquals(cdk.Aws.REGION, ");
    push_ts_str(&mut out, &r.region);
    out.push_str("),\n          assertDescription: ");
    push_ts_str(&mut out, &r.reason);
    out.push_str(",\n        },\n      ],\n    });\n    if (!cdk.Token.isUnresolved(stack.region) && stack.region !== ");
    push_ts_str(&mut out, &r.region);
    out.push_str(") {\n      cdk.Annotations.of(this).addError(");
    push_ts_str(&mut out, &r.reason);
    out.push_str(");\n    }");
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{construct, plan_of};

    #[test]
    fn each_pinned_value_is_checked_against_the_stacks() {
        let ts = construct(&plan_of(
            "version: 1\nproject: p\npin:\n  account: \"111122223333\"\n  region: eu-west-1\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n",
        ));
        assert!(
            ts.contains("    if (!cdk.Token.isUnresolved(stack.account) && stack.account !== '111122223333') {\n      cdk.Annotations.of(this).addError('ssmgen project p: the spec pins account 111122223333, this stack is for account ' + stack.account + '; "),
            "{ts}"
        );
        assert!(ts.contains("stack.region !== 'eu-west-1') {"), "{ts}");
        // Only the account pinned: only the account checked.
        let ts = construct(&plan_of(
            "version: 1\nproject: p\npin:\n  account: \"111122223333\"\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n",
        ));
        assert!(ts.contains("stack.account !== '111122223333'"), "{ts}");
        assert!(
            !ts.contains("stack.region !==") && !ts.contains("stack.partition !=="),
            "{ts}"
        );
    }

    #[test]
    fn the_key_region_check_reads_the_stacks_region() {
        let ts = construct(&plan_of(
            "version: 1\nproject: p\nsession:\n  kms_key: arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n",
        ));
        assert!(
            ts.contains("cdk.Fn.conditionEquals(cdk.Aws.REGION, 'eu-west-1')"),
            "{ts}"
        );
        assert!(
            ts.contains(
                "if (!cdk.Token.isUnresolved(stack.region) && stack.region !== 'eu-west-1') {"
            ),
            "{ts}"
        );
    }
}
