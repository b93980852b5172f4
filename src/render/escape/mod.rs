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

use crate::plan::{Piece, Pseudo, Reference};

/// A single-quoted POSIX shell word.
pub fn shell_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// How a target spells each pseudo value, and each reference to a resource it creates.
pub struct PseudoNames {
    pub partition: &'static str,
    pub region: &'static str,
    pub account_id: &'static str,
    pub url_suffix: &'static str,
    pub session_key_arn: &'static str,
    pub log_bucket_name: &'static str,
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

    pub fn get_ref(&self, r: Reference) -> &'static str {
        match r {
            Reference::SessionKeyArn => self.session_key_arn,
            Reference::LogBucketName => self.log_bucket_name,
        }
    }

    /// The expression of a pseudo value or reference; `None` for literal text.
    pub fn expr(&self, piece: &Piece) -> Option<&'static str> {
        match piece {
            Piece::Literal(_) => None,
            Piece::Pseudo(p) => Some(self.get(*p)),
            Piece::Ref(r) => Some(self.get_ref(*r)),
        }
    }
}

pub const HCL_PSEUDO: PseudoNames = PseudoNames {
    partition: "data.aws_partition.current.partition",
    region: "data.aws_region.current.region",
    account_id: "data.aws_caller_identity.current.account_id",
    url_suffix: "data.aws_partition.current.dns_suffix",
    session_key_arn: "aws_kms_key.session_key.arn",
    log_bucket_name: "aws_s3_bucket.session_log_bucket.bucket",
};

pub const CDK_PSEUDO: PseudoNames = PseudoNames {
    partition: "cdk.Aws.PARTITION",
    region: "cdk.Aws.REGION",
    account_id: "cdk.Aws.ACCOUNT_ID",
    url_suffix: "cdk.Aws.URL_SUFFIX",
    session_key_arn: "this.sessionKey.keyArn",
    log_bucket_name: "this.logBucket.bucketName",
};

pub const CFN_PSEUDO: PseudoNames = PseudoNames {
    partition: "AWS::Partition",
    region: "AWS::Region",
    account_id: "AWS::AccountId",
    url_suffix: "AWS::URLSuffix",
    session_key_arn: "SessionKey.Arn",
    log_bucket_name: "SessionLogBucket",
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
