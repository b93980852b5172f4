//! Strings whose parts may be pseudo values that each target resolves its own way.
//!
//! A [`Text`] is what the plan hands to renderers wherever a value may depend on the
//! account, Region, partition or URL suffix the code is deployed to. Renderers never
//! parse or build ARNs: they only map each [`Piece`] to their language's syntax.

use serde::{Deserialize, Serialize};

/// A value known only at deploy time unless the spec pins it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pseudo {
    /// `AWS::Partition`, `data.aws_partition`, `Aws.PARTITION`.
    Partition,
    /// `AWS::Region`, `data.aws_region`, `Aws.REGION`.
    Region,
    /// `AWS::AccountId`, `data.aws_caller_identity`, `Aws.ACCOUNT_ID`.
    AccountId,
    /// `AWS::URLSuffix`, `data.aws_partition.dns_suffix`, `Aws.URL_SUFFIX`.
    UrlSuffix,
}

/// A value of a resource the generated code creates, known only once it exists: each
/// target spells it as its own reference (`!GetAtt SessionKey.Arn`,
/// `aws_kms_key.session.arn`, `sessionKey.keyArn`), which also orders what reads it
/// after what it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reference {
    /// The ARN of the session key the code creates.
    SessionKeyArn,
    /// The name of the log bucket the code creates (its name is generated: bucket
    /// names are global).
    LogBucketName,
}

impl Reference {
    /// The readable placeholder `display` writes, and what a preferences document's
    /// content holds where an input names a created resource (targets replace it).
    pub fn placeholder(self) -> &'static str {
        match self {
            Reference::SessionKeyArn => "${SessionKey.Arn}",
            Reference::LogBucketName => "${LogBucket.Name}",
        }
    }
}

/// One part of a [`Text`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Piece {
    Literal(String),
    Pseudo(Pseudo),
    Ref(Reference),
}

/// A string made of literal text and pseudo values, e.g. `arn:${Partition}:s3:::logs/*`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(Vec<Piece>);

impl Text {
    /// A text with no pseudo values.
    pub fn literal(s: impl Into<String>) -> Self {
        let s = s.into();
        if s.is_empty() {
            Text(Vec::new())
        } else {
            Text(vec![Piece::Literal(s)])
        }
    }

    /// Appends literal text, merging with a preceding literal so that equal texts
    /// always have equal pieces.
    pub fn push_str(&mut self, s: &str) -> &mut Self {
        if s.is_empty() {
            return self;
        }
        if let Some(Piece::Literal(last)) = self.0.last_mut() {
            last.push_str(s);
        } else {
            self.0.push(Piece::Literal(s.to_string()));
        }
        self
    }

    pub fn push_pseudo(&mut self, p: Pseudo) -> &mut Self {
        self.0.push(Piece::Pseudo(p));
        self
    }

    pub fn push_ref(&mut self, r: Reference) -> &mut Self {
        self.0.push(Piece::Ref(r));
        self
    }

    /// Appends either a pinned literal or the pseudo value.
    pub fn push_value(&mut self, value: &Value) -> &mut Self {
        match value {
            Value::Pinned(s) => self.push_str(s),
            Value::Pseudo(p) => self.push_pseudo(*p),
        }
    }

    pub fn push_text(&mut self, other: &Text) -> &mut Self {
        for piece in &other.0 {
            match piece {
                Piece::Literal(s) => self.push_str(s),
                Piece::Pseudo(p) => self.push_pseudo(*p),
                Piece::Ref(r) => self.push_ref(*r),
            };
        }
        self
    }

    pub fn pieces(&self) -> &[Piece] {
        &self.0
    }

    /// The text when it holds no pseudo value or reference.
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Literal(s) => out.push_str(s),
                Piece::Pseudo(_) | Piece::Ref(_) => return None,
            }
        }
        Some(out)
    }

    /// The literal pieces, in order.
    pub fn literal_pieces(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|p| match p {
            Piece::Literal(s) => Some(s.as_str()),
            Piece::Pseudo(_) | Piece::Ref(_) => None,
        })
    }

    /// The references to created resources this text holds.
    pub fn references(&self) -> impl Iterator<Item = Reference> + '_ {
        self.0.iter().filter_map(|p| match p {
            Piece::Ref(r) => Some(*r),
            _ => None,
        })
    }

    /// The pseudo values this text uses, so that renderers can declare what they need
    /// (Terraform data sources, CDK imports).
    pub fn pseudos(&self) -> impl Iterator<Item = Pseudo> + '_ {
        self.0.iter().filter_map(|p| match p {
            Piece::Pseudo(p) => Some(*p),
            Piece::Literal(_) | Piece::Ref(_) => None,
        })
    }

    /// Resolves every pseudo value with `f`, references to their placeholders; used by
    /// `explain` and by tests that compare targets under one fixed set of pseudo values.
    pub fn resolve(&self, f: impl Fn(Pseudo) -> String) -> String {
        self.resolve_with(f, |r| r.placeholder().to_string())
    }

    /// Resolves pseudo values with `f` and references with `g`.
    pub fn resolve_with(
        &self,
        f: impl Fn(Pseudo) -> String,
        g: impl Fn(Reference) -> String,
    ) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Literal(s) => out.push_str(s),
                Piece::Pseudo(p) => out.push_str(&f(*p)),
                Piece::Ref(r) => out.push_str(&g(*r)),
            }
        }
        out
    }

    /// A readable form with `${Partition}`-style placeholders.
    pub fn display(&self) -> String {
        self.resolve(|p| {
            match p {
                Pseudo::Partition => "${Partition}",
                Pseudo::Region => "${Region}",
                Pseudo::AccountId => "${AccountId}",
                Pseudo::UrlSuffix => "${UrlSuffix}",
            }
            .to_string()
        })
    }
}

/// A deploy-time value: pinned by the spec, or left to the tool's pseudo value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    Pinned(String),
    Pseudo(Pseudo),
}

impl Value {
    /// The value the spec pins, if it pins one.
    pub fn pinned(&self) -> Option<&str> {
        match self {
            Value::Pinned(s) => Some(s),
            Value::Pseudo(_) => None,
        }
    }
}

/// Builds a [`Text`] from literal and value parts: `text!["arn:", partition, ":s3:::"]`.
#[macro_export]
macro_rules! text {
    ($($part:expr),* $(,)?) => {{
        let mut t = $crate::plan::text::Text::default();
        $( $crate::plan::text::TextPart::append(&$part, &mut t); )*
        t
    }};
}

/// Anything that can be appended to a [`Text`] by the `text!` macro.
pub trait TextPart {
    fn append(&self, t: &mut Text);
}

impl TextPart for &str {
    fn append(&self, t: &mut Text) {
        t.push_str(self);
    }
}
impl TextPart for String {
    fn append(&self, t: &mut Text) {
        t.push_str(self);
    }
}
impl TextPart for Value {
    fn append(&self, t: &mut Text) {
        t.push_value(self);
    }
}
impl TextPart for &Value {
    fn append(&self, t: &mut Text) {
        t.push_value(self);
    }
}
impl TextPart for Text {
    fn append(&self, t: &mut Text) {
        t.push_text(self);
    }
}
impl TextPart for &Text {
    fn append(&self, t: &mut Text) {
        t.push_text(self);
    }
}
impl TextPart for Pseudo {
    fn append(&self, t: &mut Text) {
        t.push_pseudo(*self);
    }
}
impl TextPart for Reference {
    fn append(&self, t: &mut Text) {
        t.push_ref(*self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjacent_literals_merge_so_equal_texts_compare_equal() {
        let a = crate::text!["arn:", "aws", ":s3:::b"];
        assert_eq!(a, Text::literal("arn:aws:s3:::b"));
        assert_eq!(a.as_literal().as_deref(), Some("arn:aws:s3:::b"));
    }

    #[test]
    fn pseudo_values_stay_symbolic_until_resolved() {
        let t = crate::text!["arn:", Pseudo::Partition, ":s3:::b"];
        assert_eq!(t.as_literal(), None);
        assert_eq!(t.display(), "arn:${Partition}:s3:::b");
        assert_eq!(t.resolve(|_| "aws-cn".into()), "arn:aws-cn:s3:::b");
    }
}
