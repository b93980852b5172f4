//! One fleet's section of `main.tf`, framed from the blocks the families laid out into
//! its [`FleetContext`]. Written here rather than by a template: it is rendered once per
//! fleet, and its 35 Tera tags cost about 10 us each to parse at every start (issue 13).
//! Every `*_body` arrives laid out (`hcl.rs`: keys padded, values escaped, each line
//! introduced by a newline); this only frames the blocks, in dependency order.

use super::layout::{block, skipped_block};
use super::FleetContext;

fn body(b: &Option<impl AsRef<str>>) -> &str {
    b.as_ref().map_or("", AsRef::as_ref)
}

impl FleetContext {
    /// The section: an empty line and the heading comment, then each block the fleet
    /// has, each after an empty line (`layout::block` writes it).
    pub(super) fn write(&self, out: &mut String) {
        out.push_str("\n# ");
        out.push_str(&self.heading);
        out.push('\n');
        if let Some(role) = &self.role_name {
            let trust = self.trust_name.as_deref().unwrap_or_default();
            let trust_body = self.trust_body.as_ref().map_or("", |s| &*s.0);
            block(out, "data", "aws_iam_policy_document", trust, trust_body);
            block(out, "resource", "aws_iam_role", role, body(&self.role_body));
        }
        if let Some(name) = &self.managed_name {
            let b = body(&self.managed_body);
            block(out, "resource", "aws_iam_role_policy_attachment", name, b);
        }
        if let Some(name) = &self.profile_name {
            let b = body(&self.profile_body);
            block(out, "resource", "aws_iam_instance_profile", name, b);
        }
        if let Some(name) = &self.policy_name {
            let document = self.document_body.as_ref().map_or("", |s| &*s.0);
            let skips = &self.document_skips;
            skipped_block(
                out,
                "data",
                "aws_iam_policy_document",
                name,
                skips,
                document,
            );
            block(
                out,
                "resource",
                "aws_iam_policy",
                name,
                body(&self.policy_body),
            );
            let b = body(&self.attachment_body);
            block(out, "resource", "aws_iam_role_policy_attachment", name, b);
        }
        if let Some(name) = &self.session_document_name {
            out.push('\n');
            out.push_str(body(&self.session_document_comment));
            let b = body(&self.session_document_body);
            let skips = &self.session_document_skips;
            skipped_block(out, "resource", "aws_ssm_document", name, skips, b);
        }
        if let Some(name) = &self.activation_name {
            let expiry = self.expiry_name.as_deref().unwrap_or_default();
            out.push_str(
                "\n# The expiry is fixed when the offset is first applied, so plans show no drift. To issue a\n\
                 # new activation (for example once this one has expired), run\n\
                 #   terraform apply -replace=time_offset.",
            );
            out.push_str(expiry);
            block(
                out,
                "resource",
                "time_offset",
                expiry,
                body(&self.expiry_body),
            );
            out.push_str(
                "\n# Every argument of aws_ssm_activation forces a new activation (new id and code; nodes\n\
                 # already registered stay registered). A registered node's service role can never be\n\
                 # changed, so keep this role's name and path stable: they come from the spec's project and\n\
                 # fleet names and role_path.",
            );
            let b = body(&self.activation_body);
            block(out, "resource", "aws_ssm_activation", name, b);
        }
    }
}
