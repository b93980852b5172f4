//! The session resources every fleet of a spec shares: what the CDK constructs let an
//! app replace with a resource it already has.

use serde::Serialize;

use super::{Bucket, KmsKey};
use crate::spec::Spec;

/// The session resources a spec names with one value for every fleet that uses one
/// (`None` when no fleet uses it, or fleets name different ones). The CDK constructs
/// take an existing resource for each (`sessionKey?: kms.IKey`, `logBucket?: s3.IBucket`,
/// `logGroup?: logs.ILogGroup`), which replaces that value wherever the plan uses it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SharedResources {
    pub session_key: Option<KmsKey>,
    pub log_bucket: Option<Bucket>,
    pub log_group: Option<String>,
}

/// The one session key, log bucket and log group the fleets share, if they share one.
pub(super) fn shared_resources(spec: &Spec) -> SharedResources {
    fn one<T: PartialEq + Clone>(values: impl Iterator<Item = T>) -> Option<T> {
        let mut found: Option<T> = None;
        for v in values {
            match &found {
                None => found = Some(v),
                Some(f) if *f == v => {}
                Some(_) => return None,
            }
        }
        found
    }
    let sessions = || spec.fleets.iter().map(|f| &f.session);
    SharedResources {
        session_key: one(sessions().filter_map(|s| s.kms_key.clone())),
        log_bucket: one(sessions().filter_map(|s| s.s3.as_ref().map(|b| b.bucket.clone()))),
        log_group: one(
            sessions().filter_map(|s| s.cloudwatch.as_ref().map(|c| c.log_group.clone()))
        ),
    }
}
