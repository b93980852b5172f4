//! The construct ids of the construct's children, kept unique.

use std::borrow::Cow;

use rustc_hash::FxHashSet;

use crate::plan::Plan;

/// The construct ids used inside the construct. The plan's ids are unique; the ids this
/// target adds for imported policies and roles (which create no CloudFormation
/// resource) get a number when they would collide with any other.
pub(super) struct ConstructIds<'p>(FxHashSet<Cow<'p, str>>);

impl<'p> ConstructIds<'p> {
    pub(super) fn new(plan: &'p Plan) -> Self {
        let ids = (plan.roles.iter().map(|r| &r.id))
            .chain(plan.instance_profiles.iter().map(|p| &p.id))
            .chain(plan.policies.iter().map(|p| &p.id))
            .chain(plan.documents.iter().map(|d| &d.id))
            .chain(plan.service_settings.iter().map(|s| &s.id))
            .chain(plan.operator_policies.iter().map(|p| &p.id))
            .chain(plan.outputs.iter().map(|o| &o.id))
            .chain(plan.activations.iter().map(|a| &a.id))
            .chain(plan.activation_provider.iter().flat_map(|p| {
                [&p.id, &p.log_group.id, &p.role.id, &p.invoke_config.id]
                    .into_iter()
                    .chain(p.secrets.iter().map(|s| &s.id))
            }))
            .chain(plan.created.key.iter().flat_map(|k| [&k.id, &k.alias_id]))
            .chain(plan.created.bucket.iter().map(|b| &b.id))
            .chain(plan.created.log_group.iter().map(|g| &g.id));
        let count = plan.roles.len()
            + plan.instance_profiles.len()
            + plan.policies.len()
            + plan.documents.len()
            + plan.service_settings.len()
            + plan.operator_policies.len()
            + plan.outputs.len()
            + plan.activations.len() * 2
            + 8;
        // Only ever asked whether it holds an id, so its order does not matter.
        let mut set = FxHashSet::with_capacity_and_hasher(count * 5 / 4, Default::default());
        set.extend(ids.map(|id| Cow::Borrowed(id.upper_camel.as_str())));
        // The provider's policy has no ident of its own (`activation.rs` names it).
        if let Some(p) = &plan.activation_provider {
            set.insert(Cow::Owned(format!("{}Policy", p.id.upper_camel)));
        }
        ConstructIds(set)
    }

    pub(super) fn fresh(&mut self, wanted: String) -> String {
        let mut id = wanted.clone();
        let mut n = 2;
        while self.0.contains(id.as_str()) {
            id = format!("{wanted}{n}");
            n += 1;
        }
        self.0.insert(Cow::Owned(id.clone()));
        id
    }
}
