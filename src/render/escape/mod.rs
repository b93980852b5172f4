//! One escaper per target language. Every free-text value reaches generated code only
//! through these, so no string from a spec can end a literal or start an interpolation.
//!
//! One file per language: `json_yaml.rs` (CloudFormation, JSON files), `hcl.rs`
//! (Terraform), `typescript.rs` and `python.rs` (CDK); shell words and the per-target
//! spelling of pseudo values are here.

mod hcl;
mod json_yaml;
mod python;
mod typescript;

pub use hcl::*;
pub use json_yaml::*;
pub use python::*;
pub use typescript::*;

use crate::plan::Pseudo;

/// A single-quoted POSIX shell word.
pub fn shell_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// How a target spells each pseudo value.
pub struct PseudoNames {
    pub partition: &'static str,
    pub region: &'static str,
    pub account_id: &'static str,
    pub url_suffix: &'static str,
}

impl PseudoNames {
    pub fn get(&self, p: Pseudo) -> &'static str {
        match p {
            Pseudo::Partition => self.partition,
            Pseudo::Region => self.region,
            Pseudo::AccountId => self.account_id,
            Pseudo::UrlSuffix => self.url_suffix,
        }
    }
}

pub const HCL_PSEUDO: PseudoNames = PseudoNames {
    partition: "data.aws_partition.current.partition",
    region: "data.aws_region.current.region",
    account_id: "data.aws_caller_identity.current.account_id",
    url_suffix: "data.aws_partition.current.dns_suffix",
};

pub const CDK_PSEUDO: PseudoNames = PseudoNames {
    partition: "cdk.Aws.PARTITION",
    region: "cdk.Aws.REGION",
    account_id: "cdk.Aws.ACCOUNT_ID",
    url_suffix: "cdk.Aws.URL_SUFFIX",
};

pub const CFN_PSEUDO: PseudoNames = PseudoNames {
    partition: "AWS::Partition",
    region: "AWS::Region",
    account_id: "AWS::AccountId",
    url_suffix: "AWS::URLSuffix",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text;

    #[test]
    fn texts_render_with_each_targets_pseudo_values() {
        let t = text!["arn:", Pseudo::Partition, ":s3:::b${x}"];
        assert_eq!(
            hcl_text(&t),
            r#""arn:${data.aws_partition.current.partition}:s3:::b$${x}""#
        );
        assert_eq!(ts_text(&t), r"`arn:${cdk.Aws.PARTITION}:s3:::b\${x}`");
        assert_eq!(py_text(&t), r#"f"arn:{cdk.Aws.PARTITION}:s3:::b${{x}}""#);
        assert_eq!(
            cfn_text(&t),
            serde_json::json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::b${!x}"})
        );
    }

    #[test]
    fn shell_words_survive_single_quotes() {
        assert_eq!(shell_str("it's"), r"'it'\''s'");
    }
}
