//! The spec file's format, version 1, exactly as users write it.
//!
//! These types only describe shape; [`super::validate`] checks meaning and produces the
//! validated [`super::Spec`].

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSpec {
    pub version: u32,
    pub project: String,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub tags: BTreeMap<String, String>,
    pub permissions_boundary: Option<String>,
    pub role_path: Option<String>,
    pub pin: Option<RawPin>,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<RawSession>")]
    pub session: RawSession,
    pub fleets: Vec<RawFleet>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPin {
    #[serde(default, deserialize_with = "string_or_number")]
    #[schemars(schema_with = "account_id")]
    pub account: Option<String>,
    pub region: Option<String>,
    pub partition: Option<String>,
}

/// Session options. In a fleet's `session`, a field that is present replaces the
/// top-level one, and `null` turns it off for that fleet.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSession {
    #[serde(default, deserialize_with = "present")]
    pub kms_key: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub s3: Option<Option<RawS3>>,
    #[serde(default, deserialize_with = "present")]
    pub cloudwatch: Option<Option<RawCloudWatch>>,
    #[serde(default, deserialize_with = "present")]
    pub vpc_endpoint_regions: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "present")]
    pub vpc_endpoint_features: Option<Option<Vec<RawVpcFeature>>>,
}

/// What nodes read AWS-owned buckets for, beyond sessions and agent updates.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawVpcFeature {
    Patching,
    Distributor,
    WindowsDocuments,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawS3 {
    pub bucket: String,
    pub prefix: Option<String>,
    pub encrypted: Option<bool>,
    pub kms_key: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    #[schemars(schema_with = "account_id")]
    pub owner_account: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCloudWatch {
    pub log_group: String,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<bool>")]
    pub encrypted: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFleet {
    pub name: String,
    pub platform: RawPlatform,
    pub mode: Option<RawMode>,
    pub existing_role: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<Vec<String>>")]
    pub managed_policies: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub tags: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<RawSession>")]
    pub session: RawSession,
    pub activation: Option<RawActivation>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawPlatform {
    Ec2,
    Hybrid,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawMode {
    ManagedCore,
    SessionOnly,
    ExistingRole,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawActivation {
    pub registration_limit: Option<u32>,
    /// `24h`, `7d`: how long after creation the activation expires.
    pub expires_after: Option<String>,
    pub default_instance_name: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub tags: BTreeMap<String, String>,
}

/// Treats an explicit `null` (e.g. a key followed only by comments) like an absent field.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Account ids are often written unquoted; accept a number and keep its digits.
fn string_or_number<'de, D>(d: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        S(String),
        N(u64),
    }
    Ok(match Option::<Either>::deserialize(d)? {
        None => None,
        Some(Either::S(s)) => Some(s),
        Some(Either::N(n)) => Some(n.to_string()),
    })
}

/// An account id: 12 digits, quoted or not (see [`string_or_number`]).
fn account_id(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": ["string", "integer", "null"],
        "description": "12-digit AWS account id (quote it to keep leading zeros)"
    })
}
