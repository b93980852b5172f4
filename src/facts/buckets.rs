//! The AWS-owned S3 buckets a node reads through an S3 VPC endpoint, by Region and by
//! what the node uses them for. Sources: AWS Systems Manager User Guide, "SSM Agent
//! communications with AWS managed S3 buckets" (the table of bucket ARNs and its Region
//! exceptions) and "Reference: Amazon S3 buckets for patching operations" (the suffixed
//! bucket names of some Regions). Session Manager itself reads none of them; agent
//! updates read `amazon-ssm-<region>`.

use serde::Serialize;

/// What a fleet uses the AWS-owned buckets for, beyond sessions and agent updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VpcFeature {
    /// Patch Manager (AWS-RunPatchBaseline and friends): modules, baseline snapshots,
    /// the macOS patch bucket.
    Patching,
    /// Distributor (AWS-ConfigureAWSPackage): the distribution service's bucket, AWS's
    /// package attachments, and the packages bucket older agents read.
    Distributor,
    /// SSM documents that support only Windows.
    WindowsDocuments,
}

impl VpcFeature {
    pub const ALL: [VpcFeature; 3] = [
        VpcFeature::Patching,
        VpcFeature::Distributor,
        VpcFeature::WindowsDocuments,
    ];

    /// The spec's name of the feature.
    pub fn name(self) -> &'static str {
        match self {
            VpcFeature::Patching => "patching",
            VpcFeature::Distributor => "distributor",
            VpcFeature::WindowsDocuments => "windows-documents",
        }
    }
}

/// Regions whose patch baseline snapshot bucket carries a suffix
/// (`patch-baseline-snapshot-<region>-<suffix>`).
const SNAPSHOT_SUFFIXES: &[(&str, &str)] = &[
    ("af-south-1", "tbxdb5b9"),
    ("ap-south-2", "50209442"),
    ("ap-southeast-3", "be0a3174"),
    ("ap-southeast-4", "dc6f76ce"),
    ("eu-south-2", "df2c9d70"),
    ("me-south-1", "uduvl7q8"),
];

/// Regions whose Distributor service bucket is `aws-ssm-distributor-file-<region>`
/// instead of `<region>-birdwatcher-prod`.
const DISTRIBUTOR_FILE_REGIONS: &[&str] = &["af-south-1", "eu-south-1"];

/// Regions the patching reference lists, whose patch bucket names are therefore known;
/// elsewhere (China, GovCloud, Regions newer than the list) `validate` warns.
pub const PATCHING_KNOWN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// The buckets (names, not ARNs) a node of `region` reads for agent updates and for
/// each of `features`, sorted.
pub fn vpc_endpoint_buckets(region: &str, features: &[VpcFeature]) -> Vec<String> {
    let mut out = vec![format!("amazon-ssm-{region}")];
    for f in features {
        match f {
            VpcFeature::Patching => {
                out.push(format!("aws-ssm-{region}"));
                out.push(format!("aws-patchmanager-macos-{region}"));
                out.push(match SNAPSHOT_SUFFIXES.iter().find(|(r, _)| *r == region) {
                    Some((_, suffix)) => format!("patch-baseline-snapshot-{region}-{suffix}"),
                    None => format!("patch-baseline-snapshot-{region}"),
                });
            }
            VpcFeature::Distributor => {
                out.push(if DISTRIBUTOR_FILE_REGIONS.contains(&region) {
                    format!("aws-ssm-distributor-file-{region}")
                } else {
                    format!("{region}-birdwatcher-prod")
                });
                out.push(format!("aws-ssm-document-attachments-{region}"));
                out.push(format!("amazon-ssm-packages-{region}"));
            }
            VpcFeature::WindowsDocuments => out.push(format!("aws-windows-downloads-{region}")),
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_and_agent_updates_need_only_the_agent_bucket() {
        assert_eq!(
            vpc_endpoint_buckets("eu-west-1", &[]),
            ["amazon-ssm-eu-west-1"]
        );
    }

    #[test]
    fn region_exceptions_of_the_documented_table() {
        let all = VpcFeature::ALL;
        let cape_town = vpc_endpoint_buckets("af-south-1", &all);
        assert!(cape_town.contains(&"aws-ssm-distributor-file-af-south-1".to_string()));
        assert!(cape_town.contains(&"patch-baseline-snapshot-af-south-1-tbxdb5b9".to_string()));
        assert!(!cape_town.iter().any(|b| b.contains("birdwatcher")));
        let bahrain = vpc_endpoint_buckets("me-south-1", &[VpcFeature::Patching]);
        assert!(bahrain.contains(&"patch-baseline-snapshot-me-south-1-uduvl7q8".to_string()));
        let ireland = vpc_endpoint_buckets("eu-west-1", &all);
        assert_eq!(
            ireland,
            [
                "amazon-ssm-eu-west-1",
                "amazon-ssm-packages-eu-west-1",
                "aws-patchmanager-macos-eu-west-1",
                "aws-ssm-document-attachments-eu-west-1",
                "aws-ssm-eu-west-1",
                "aws-windows-downloads-eu-west-1",
                "eu-west-1-birdwatcher-prod",
                "patch-baseline-snapshot-eu-west-1",
            ]
        );
    }
}
