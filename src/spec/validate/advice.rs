//! Warnings users can act on: what ssmgen cannot grant from this side of an account
//! boundary, what an existing role must already allow, and managed policies that widen
//! grants ssmgen narrowed.

use super::Ctx;
use crate::facts;
use crate::plan::Mode;
use crate::spec::Fleet;

pub(super) fn advise(ctx: &mut Ctx<'_>, fleets: &[Fleet]) {
    for (i, f) in fleets.iter().enumerate() {
        let at = format!("fleets[{i}]");
        if let Some(s3) = &f.session.s3 {
            if let Some(owner) = &s3.owner_account {
                let key = if s3.kms_key.is_some() {
                    "; the bucket key's policy must allow it kms:GenerateDataKey and kms:Decrypt"
                } else {
                    ""
                };
                ctx.warn(
                    &at,
                    format!("fleet `{}` logs to a bucket owned by another account ({owner})", f.name),
                    format!(
                        "the owner's bucket policy must allow this fleet's role s3:PutObject and s3:PutObjectAcl on `{}/{}*` and s3:GetEncryptionConfiguration on the bucket{key}",
                        s3.bucket.spec_value(), s3.prefix
                    ),
                );
            }
        }
        if f.mode == Mode::ExistingRole {
            let role = f.existing_role.as_deref().unwrap_or_default();
            ctx.warn(
                &format!("{at}.existing_role"),
                format!(
                    "ssmgen adds only the Session Manager channel and logging permissions to `{role}`"
                ),
                format!(
                    "`{role}` must already allow {}, which this mode leaves to the role (as \"Adding Session Manager permissions to an existing IAM role\" assumes)",
                    facts::UPDATE_INSTANCE_INFORMATION
                ),
            );
        }
        // The list is sorted by now, so the warning points at the list, not an item.
        for name in &f.managed_policies {
            let Some((_, actions)) = facts::BROADENING_MANAGED_POLICIES
                .iter()
                .find(|(n, _)| n == name)
            else {
                continue;
            };
            if let Some(cw) = &f.session.cloudwatch {
                ctx.warn(
                    &format!("{at}.managed_policies"),
                    format!(
                        "{name} grants {} on every resource, widening the grants ssmgen narrows to log group `{}`",
                        actions.join(", "),
                        cw.log_group
                    ),
                    "keep it only if the CloudWatch agent needs it; `ssmgen explain` lists what it widens",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::error::Severity;

    fn warnings(yaml: &str) -> Vec<(String, String)> {
        let (_, diags) = crate::spec::load_str(yaml, "t.yaml").expect("valid spec");
        diags
            .into_iter()
            .filter(|d| d.severity == Severity::Warning)
            .map(|d| (d.field, d.message + " / " + d.help.as_deref().unwrap_or("")))
            .collect()
    }

    #[test]
    fn review_finding_8_warnings_users_can_act_on() {
        // A cross-account bucket: the owner's bucket policy (S3) and key policy (KMS) must
        // allow the role; AWS Systems Manager User Guide, Step 2 (cross-account buckets).
        let w = warnings("version: 1\nproject: p\nsession: {s3: {bucket: b-logs, prefix: x/, kms_key: 1234abcd-12ab-34cd-56ef-1234567890ab, owner_account: '999988887777'}}\nfleets: [{name: w, platform: ec2, mode: session-only}]\n");
        assert!(
            w.iter().any(|(f, m)| f == "fleets[0]"
                && m.contains("s3:PutObject and s3:PutObjectAcl on `b-logs/x/*`")
                && m.contains("s3:GetEncryptionConfiguration")
                && m.contains("kms:GenerateDataKey and kms:Decrypt")),
            "{w:?}"
        );
        // A session key of another account than the pinned one.
        let w = warnings("version: 1\nproject: p\npin: {account: '111122223333', region: us-east-1}\nsession: {kms_key: 'arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab'}\nfleets: [{name: w, platform: ec2, mode: session-only}]\n");
        assert!(
            w.iter()
                .any(|(f, m)| f == "session.kms_key" && m.contains("account 444455556666")),
            "{w:?}"
        );
        // An existing role must already grant ssm:UpdateInstanceInformation ("Adding
        // Session Manager permissions to an existing IAM role" omits it).
        let w = warnings("version: 1\nproject: p\nfleets: [{name: w, platform: ec2, mode: existing-role, existing_role: r}]\n");
        assert!(
            w.iter().any(|(f, m)| f == "fleets[0].existing_role"
                && m.contains("ssm:UpdateInstanceInformation")),
            "{w:?}"
        );
        // CloudWatchAgentServerPolicy grants logs actions on *.
        let spec = "version: 1\nproject: p\nsession: {cloudwatch: {log_group: /ssm/p}}\nfleets: [{name: w, platform: ec2, mode: session-only, managed_policies: [CloudWatchAgentServerPolicy]}]\n";
        let w = warnings(spec);
        assert!(
            w.iter()
                .any(|(f, m)| f == "fleets[0].managed_policies" && m.contains("logs:PutLogEvents")),
            "{w:?}"
        );
        let (spec, _) = crate::spec::load_str(spec, "t.yaml").expect("valid");
        let explained = crate::explain::explain(&crate::plan::build::build(&spec));
        assert!(explained.contains("widens: logs:PutLogEvents from arn:${Partition}:logs:${Region}:${AccountId}:log-group:/ssm/p:* to every resource"), "{explained}");
        // Without CloudWatch logging nothing is narrowed, so nothing is widened.
        let w = warnings("version: 1\nproject: p\nfleets: [{name: w, platform: ec2, mode: session-only, managed_policies: [CloudWatchAgentServerPolicy]}]\n");
        assert!(
            w.iter().all(|(f, _)| f != "fleets[0].managed_policies"),
            "{w:?}"
        );
    }
}
