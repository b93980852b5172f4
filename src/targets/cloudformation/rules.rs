//! The entries of `Rules`: deploy-time assertions on the stack's parameters and pseudo
//! parameters. One today: the Region a session key given by ARN requires.

use super::writer::Writer;
use crate::plan::Plan;

/// The logical id of the Region rule.
const REGION_RULE: &str = "SessionKeyRegion";

/// `SessionKeyRegion: {Assertions: [{Assert: {Fn::Equals: [Ref AWS::Region, <region>]},
/// AssertDescription: <reason>}]}`: a stack created elsewhere fails before any resource
/// is made.
pub(super) fn write(w: &mut Writer, plan: &Plan) -> bool {
    let Some(r) = &plan.required_region else {
        return false;
    };
    w.key(REGION_RULE);
    w.begin_map();
    w.key("Assertions");
    w.begin_seq();
    w.item();
    w.begin_map();
    w.key("Assert");
    w.begin_map();
    w.key("Fn::Equals");
    w.begin_seq();
    w.item();
    w.reference("AWS::Region");
    w.item();
    w.str(&r.region);
    w.end_seq();
    w.end_map();
    w.key("AssertDescription");
    w.str(&r.reason);
    w.end_map();
    w.end_seq();
    w.end_map();
    true
}
