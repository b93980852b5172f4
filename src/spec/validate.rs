//! Checks a spec's meaning and builds the validated [`Spec`]. Every problem found is
//! reported at once, each with its file position, field path and a fix.

use std::collections::{BTreeMap, HashMap};

use heck::ToUpperCamelCase;

use super::raw::{RawActivation, RawCloudWatch, RawMode, RawPlatform, RawS3, RawSession, RawSpec};
use super::regions::{partition_of, Partition, REGIONS};
use super::source::{self, Limits, Locations};
use super::{Activation, CloudWatchLogging, Fleet, Pin, S3Logging, Session, Spec, SPEC_VERSION};
use crate::error::{Diagnostic, Error, Severity};
use crate::facts;
use crate::plan::{KmsKey, Mode, Platform};

/// Longest project or fleet name, so that `<project>-<fleet>-ssm` fits IAM's 64.
pub const MAX_NAME_LEN: usize = 28;
/// IAM allows at most 50 tags on a role.
const MAX_TAGS: usize = 50;

struct Ctx<'a> {
    file: &'a str,
    loc: &'a Locations,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn push(
        &mut self,
        severity: Severity,
        field: &str,
        at_key: bool,
        message: String,
        help: Option<String>,
    ) {
        let pos = if at_key {
            self.loc.key(field)
        } else {
            self.loc.value(field)
        };
        self.diags.push(Diagnostic {
            severity,
            file: self.file.to_string(),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
            field: field.to_string(),
            message,
            help,
        });
    }

    fn error(&mut self, field: &str, message: impl Into<String>, help: impl Into<String>) {
        self.push(
            Severity::Error,
            field,
            false,
            message.into(),
            Some(help.into()),
        );
    }

    fn warn(&mut self, field: &str, message: impl Into<String>, help: impl Into<String>) {
        self.push(
            Severity::Warning,
            field,
            false,
            message.into(),
            Some(help.into()),
        );
    }

    fn has_errors(&self) -> bool {
        self.diags.iter().any(|d| d.severity == Severity::Error)
    }
}

/// Parses and validates spec text.
pub fn validate(text: &str, file: &str) -> Result<(Spec, Vec<Diagnostic>), Error> {
    let whole = |message: &str, help: &str, line: Option<usize>, column: Option<usize>| {
        Error::InvalidSpec(vec![Diagnostic {
            severity: Severity::Error,
            file: file.to_string(),
            line,
            column,
            field: String::new(),
            message: message.to_string(),
            help: Some(help.to_string()),
        }])
    };
    if text.trim().is_empty() {
        return Err(whole(
            "the spec is empty",
            "start from `ssmgen init` and describe your fleets",
            None,
            None,
        ));
    }
    if let Some(i) = text.find('\0') {
        let line = text[..i].matches('\n').count() + 1;
        return Err(whole(
            "the file holds a NUL byte; it is not a text spec",
            "give the path of a YAML or JSON spec",
            Some(line),
            Some(1),
        ));
    }
    let (value, loc) = source::parse(text, Limits::default()).map_err(|e| {
        whole(
            &format!("cannot parse the spec: {}", e.message),
            e.help,
            Some(e.pos.line),
            Some(e.pos.column),
        )
    })?;
    if value.is_null() {
        return Err(whole(
            "the spec holds no settings (only comments or blank lines)",
            "start from `ssmgen init` and describe your fleets",
            None,
            None,
        ));
    }
    if !value.is_object() {
        return Err(whole(
            "the spec must be a mapping with `version`, `project` and `fleets`",
            "start from `ssmgen init`",
            Some(1),
            Some(1),
        ));
    }
    let mut ctx = Ctx {
        file,
        loc: &loc,
        diags: Vec::new(),
    };
    let raw: RawSpec = match serde_path_to_error::deserialize(&value) {
        Ok(raw) => raw,
        Err(e) => {
            report_shape_error(&mut ctx, &e);
            return Err(Error::InvalidSpec(ctx.diags));
        }
    };
    let spec = check(&mut ctx, raw);
    if ctx.has_errors() {
        // Warnings would only bury the errors that stop generation.
        let mut diags: Vec<Diagnostic> = ctx
            .diags
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        diags.sort_by_key(|d| (d.line, d.column));
        return Err(Error::InvalidSpec(diags));
    }
    Ok((spec, ctx.diags))
}

/// Turns serde's first shape error into a diagnostic with a did-you-mean.
fn report_shape_error(ctx: &mut Ctx<'_>, e: &serde_path_to_error::Error<serde_json::Error>) {
    let path = e.path().to_string();
    let path = if path == "." { String::new() } else { path };
    let inner = e.inner().to_string();
    if let Some((field, expected)) = parse_unknown_field(&inner) {
        let full = if path.is_empty() {
            field.clone()
        } else {
            // serde reports the unknown field's parent path plus the field itself.
            path.clone()
        };
        let suggestion = closest(&field, &expected);
        let help = match suggestion {
            Some(s) => format!(
                "did you mean `{s}`? Known fields here: {}",
                expected.join(", ")
            ),
            None => format!("known fields here: {}", expected.join(", ")),
        };
        ctx.push(
            Severity::Error,
            &full,
            true,
            format!("unknown field `{field}`"),
            Some(help),
        );
        return;
    }
    if let Some(field) = inner
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
    {
        let full = if path.is_empty() {
            field.to_string()
        } else {
            format!("{path}.{field}")
        };
        ctx.push(
            Severity::Error,
            &path,
            false,
            format!("missing required field `{field}`"),
            Some(format!("add `{full}`; see the spec reference in README.md")),
        );
        return;
    }
    if let Some(rest) = inner.strip_prefix("unknown variant `") {
        let mut parts = rest.splitn(2, '`');
        let got = parts.next().unwrap_or_default().to_string();
        let expected: Vec<String> = parts
            .next()
            .unwrap_or_default()
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        let help = match closest(&got, &expected) {
            Some(s) => format!("did you mean `{s}`? Allowed: {}", expected.join(", ")),
            None => format!("allowed: {}", expected.join(", ")),
        };
        ctx.push(
            Severity::Error,
            &path,
            false,
            format!("`{got}` is not an allowed value"),
            Some(help),
        );
        return;
    }
    let mut message = inner
        .split(" at line ")
        .next()
        .unwrap_or(&inner)
        .replace("invalid type: ", "wrong type: found ")
        .replace("invalid value: ", "wrong value: ");
    // serde names Rust types; say what the user writes instead.
    for (rust, user) in [
        (
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        ),
        ("expected u64", "expected a whole number"),
        ("expected a sequence", "expected a list"),
        ("expected a map", "expected a mapping"),
        ("found map", "found a mapping"),
        ("found sequence", "found a list"),
        ("found unit value", "found null"),
        ("found null", "found nothing (null)"),
    ] {
        message = message.replace(rust, user);
    }
    if let Some(i) = message.find("expected struct ") {
        message.truncate(i);
        message.push_str("expected a mapping");
    }
    ctx.push(
        Severity::Error,
        &path,
        false,
        message,
        Some("see the spec reference in README.md for this field's type".into()),
    );
}

fn parse_unknown_field(msg: &str) -> Option<(String, Vec<String>)> {
    let rest = msg.strip_prefix("unknown field `")?;
    let (field, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((field.to_string(), expected))
}

/// The known name closest to `got`, when it is close enough to be a typo.
pub fn closest(got: &str, known: &[impl AsRef<str>]) -> Option<String> {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(got, k.as_ref()), k.as_ref()))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k.to_string())
}

fn check(ctx: &mut Ctx<'_>, raw: RawSpec) -> Spec {
    if raw.version != SPEC_VERSION {
        ctx.error(
            "version",
            format!("spec version {} is not supported", raw.version),
            format!("set `version: {SPEC_VERSION}`"),
        );
    }
    check_name(ctx, "project", &raw.project);
    check_tags(ctx, "tags", &raw.tags);

    let pin = check_pin(ctx, raw.pin.unwrap_or_default());
    let partition_hint = pin.partition;

    let permissions_boundary = raw.permissions_boundary.clone();
    if let Some(arn) = &permissions_boundary {
        check_boundary_arn(ctx, "permissions_boundary", arn, partition_hint);
    }
    let role_path = match raw.role_path.as_deref() {
        None => "/".to_string(),
        Some(p) => {
            check_role_path(ctx, "role_path", p);
            p.to_string()
        }
    };

    let defaults = merge_session(
        &Session::default(),
        resolve_overrides(ctx, "session", raw.session, &pin),
    );

    if raw.fleets.is_empty() {
        ctx.error(
            "fleets",
            "the spec has no fleet",
            "add at least one fleet with a `name` and a `platform` (ec2 or hybrid)",
        );
    }
    let mut fleets = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, rf) in raw.fleets.into_iter().enumerate() {
        let at = format!("fleets[{i}]");
        check_name(ctx, &format!("{at}.name"), &rf.name);
        let key = rf.name.to_upper_camel_case();
        if let Some(first) = seen.get(&key) {
            ctx.error(
                &format!("{at}.name"),
                format!(
                    "fleet name `{}` is already used by fleets[{first}] (names must differ once cased for each tool)",
                    rf.name
                ),
                "give each fleet a distinct name",
            );
        } else {
            seen.insert(key, i);
        }
        check_tags(ctx, &format!("{at}.tags"), &rf.tags);
        if raw.tags.len() + rf.tags.len() > MAX_TAGS {
            ctx.error(
                &format!("{at}.tags"),
                format!(
                    "{} tags with the spec's default tags; IAM allows {MAX_TAGS}",
                    raw.tags.len() + rf.tags.len()
                ),
                "drop some tags",
            );
        }
        let platform = match rf.platform {
            RawPlatform::Ec2 => Platform::Ec2,
            RawPlatform::Hybrid => Platform::Hybrid,
        };
        let mode = match rf.mode {
            None | Some(RawMode::ManagedCore) => Mode::ManagedCore,
            Some(RawMode::SessionOnly) => Mode::SessionOnly,
            Some(RawMode::ExistingRole) => Mode::ExistingRole,
        };
        match (mode, &rf.existing_role) {
            (Mode::ExistingRole, None) => ctx.error(
                &format!("{at}.mode"),
                "`existing-role` mode needs the name of the role to extend",
                format!("add `existing_role: <role name>` to {at}"),
            ),
            (Mode::ExistingRole, Some(name)) => {
                check_role_name(ctx, &format!("{at}.existing_role"), name)
            }
            (_, Some(_)) => ctx.error(
                &format!("{at}.existing_role"),
                "`existing_role` is only used in `existing-role` mode",
                format!("remove `existing_role`, or set `mode: existing-role` on {at}"),
            ),
            (_, None) => {}
        }
        if mode == Mode::ManagedCore {
            ctx.warn(
                &format!("{at}.mode"),
                "`managed-core` attaches AmazonSSMManagedInstanceCore, which grants all of Systems Manager, far more than Session Manager needs",
                "use `mode: session-only` when the fleet only needs Session Manager",
            );
        }
        let mut managed = Vec::new();
        for (j, name) in rf.managed_policies.iter().enumerate() {
            let f = format!("{at}.managed_policies[{j}]");
            if mode == Mode::ExistingRole {
                ctx.error(
                    &f,
                    "`existing-role` mode only adds the Session Manager policy to the existing role",
                    "attach other managed policies where the existing role is defined",
                );
            } else if name == facts::MANAGED_INSTANCE_CORE_POLICY {
                ctx.error(
                    &f,
                    "AmazonSSMManagedInstanceCore is chosen by the fleet's mode, not listed",
                    "remove it here; `mode: managed-core` (the default) attaches it",
                );
            } else if !is_managed_policy_name(name) {
                ctx.error(
                    &f,
                    format!("`{name}` is not an AWS managed policy name"),
                    "give the policy's name as in arn:aws:iam::aws:policy/<name>, e.g. CloudWatchAgentServerPolicy",
                );
            } else if !facts::KNOWN_EXTRA_MANAGED_POLICIES.contains(&name.as_str()) {
                let hint = closest(name, facts::KNOWN_EXTRA_MANAGED_POLICIES)
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                ctx.warn(
                    &f,
                    format!("`{name}` is not one of the managed policies ssmgen knows for Session Manager fleets"),
                    format!("{hint}check that the AWS managed policy exists; ssmgen attaches it as named"),
                );
            }
            if managed.contains(name) {
                ctx.error(
                    &f,
                    format!("`{name}` is listed twice"),
                    "list each managed policy once",
                );
            }
            managed.push(name.clone());
        }
        managed.sort();
        managed.dedup();

        let overrides = resolve_overrides(ctx, &format!("{at}.session"), rf.session, &pin);
        let session = merge_session(&defaults, overrides);

        let activation = match (platform, mode, rf.activation) {
            (Platform::Ec2, _, Some(_)) => {
                ctx.error(
                    &format!("{at}.activation"),
                    "only hybrid fleets have an activation",
                    format!("remove `activation`, or set `platform: hybrid` on {at}"),
                );
                None
            }
            (Platform::Hybrid, Mode::ExistingRole, Some(_)) => {
                ctx.error(
                    &format!("{at}.activation"),
                    "an existing role's activations are created where that role is managed",
                    "remove `activation`; ssmgen only attaches the Session Manager policy to the existing role",
                );
                None
            }
            (Platform::Hybrid, Mode::ExistingRole, None) | (Platform::Ec2, _, None) => None,
            (Platform::Hybrid, _, a) => Some(check_activation(
                ctx,
                &format!("{at}.activation"),
                a.unwrap_or_default(),
            )),
        };
        fleets.push(Fleet {
            name: rf.name,
            platform,
            mode,
            existing_role: rf.existing_role,
            managed_policies: managed,
            tags: rf.tags,
            session,
            activation,
        });
    }
    for (i, f) in fleets.iter().enumerate() {
        if let Some(s3) = &f.session.s3 {
            if s3.owner_account.is_some() {
                ctx.warn(
                    &format!("fleets[{i}]"),
                    format!("fleet `{}` logs to a bucket owned by another account", f.name),
                    "the bucket owner's bucket policy must also allow this role's s3:PutObject and s3:PutObjectAcl",
                );
            }
        }
    }
    Spec {
        project: raw.project,
        tags: raw.tags,
        permissions_boundary,
        role_path,
        pin,
        fleets,
    }
}

/// A session block after checking: each field is `None` when absent, `Some(None)` when
/// turned off with `null`, `Some(Some(v))` when set.
struct Overrides {
    kms_key: Option<Option<KmsKey>>,
    s3: Option<Option<S3Logging>>,
    cloudwatch: Option<Option<CloudWatchLogging>>,
    vpc_endpoint_regions: Option<Vec<String>>,
}

fn resolve_overrides(ctx: &mut Ctx<'_>, at: &str, raw: RawSession, pin: &Pin) -> Overrides {
    let kms_key = raw
        .kms_key
        .map(|o| o.map(|k| check_kms_key(ctx, &format!("{at}.kms_key"), &k, pin)));
    let s3 = raw
        .s3
        .map(|o| o.map(|s| check_s3(ctx, &format!("{at}.s3"), s, pin)));
    let cloudwatch = raw
        .cloudwatch
        .map(|o| o.map(|c| check_cloudwatch(ctx, &format!("{at}.cloudwatch"), c)));
    let vpc_endpoint_regions = raw.vpc_endpoint_regions.map(|o| {
        let list = o.unwrap_or_default();
        check_vpc_regions(ctx, &format!("{at}.vpc_endpoint_regions"), &list, pin);
        let mut list = list;
        list.sort();
        list.dedup();
        list
    });
    Overrides {
        kms_key,
        s3,
        cloudwatch,
        vpc_endpoint_regions,
    }
}

fn merge_session(base: &Session, o: Overrides) -> Session {
    Session {
        kms_key: o.kms_key.unwrap_or_else(|| base.kms_key.clone()),
        s3: o.s3.unwrap_or_else(|| base.s3.clone()),
        cloudwatch: o.cloudwatch.unwrap_or_else(|| base.cloudwatch.clone()),
        vpc_endpoint_regions: o
            .vpc_endpoint_regions
            .unwrap_or_else(|| base.vpc_endpoint_regions.clone()),
    }
}

fn check_pin(ctx: &mut Ctx<'_>, raw: super::raw::RawPin) -> Pin {
    if let Some(a) = &raw.account {
        check_account(ctx, "pin.account", a);
    }
    let region_partition = raw.region.as_deref().and_then(|r| {
        let p = partition_of(r);
        if p.is_none() {
            unknown_region(ctx, "pin.region", r);
        }
        p
    });
    let partition = match raw.partition.as_deref() {
        None => region_partition,
        Some(name) => match Partition::from_name(name) {
            None => {
                ctx.error(
                    "pin.partition",
                    format!("`{name}` is not a partition"),
                    "use aws, aws-cn or aws-us-gov (or pin a region and leave the partition out)",
                );
                region_partition
            }
            Some(p) => {
                if let (Some(rp), Some(r)) = (region_partition, raw.region.as_deref()) {
                    if rp != p {
                        ctx.error(
                            "pin.partition",
                            format!("region {r} is in partition {}, not {name}", rp.name()),
                            format!("set `partition: {}` or leave it out", rp.name()),
                        );
                    }
                }
                Some(p)
            }
        },
    };
    Pin {
        account: raw.account,
        region: raw.region,
        partition,
    }
}

fn unknown_region(ctx: &mut Ctx<'_>, field: &str, r: &str) {
    let names: Vec<&str> = REGIONS.iter().map(|(n, _)| *n).collect();
    let hint = closest(r, &names)
        .map(|s| format!("did you mean `{s}`? "))
        .unwrap_or_default();
    ctx.error(
        field,
        format!("`{r}` is not a Region ssmgen knows"),
        format!("{hint}use a Region code such as eu-west-1, cn-north-1 or us-gov-west-1"),
    );
}

fn check_account(ctx: &mut Ctx<'_>, field: &str, a: &str) {
    if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
        ctx.error(
            field,
            format!("`{a}` is not a 12-digit AWS account id"),
            "write the account id as 12 digits, quoted to keep leading zeros: \"012345678901\"",
        );
    }
}

/// Project and fleet names: they become IAM names and code identifiers in every target.
fn check_name(ctx: &mut Ctx<'_>, field: &str, name: &str) {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok {
        ctx.error(
            field,
            format!("`{name}` is not a valid name"),
            format!(
                "use 1 to {MAX_NAME_LEN} lowercase letters, digits and single hyphens, starting with a letter (e.g. web-servers)"
            ),
        );
    }
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c)
}

/// Refuses free text that is not in Unicode normalization form C. Terraform stores every
/// string in NFC (HCL and cty normalize it, escaped or not), while CloudFormation and the
/// CDK keep it as written: a tag such as `\u{fa20}` (a compatibility ideograph) would
/// differ between targets. Pinned by `free_text_must_be_nfc_because_terraform_normalizes`.
fn check_nfc(ctx: &mut Ctx<'_>, field: &str, at_key: bool, what: &str, s: &str) {
    use unicode_normalization::UnicodeNormalization;
    if unicode_normalization::is_nfc(s) {
        return;
    }
    let nfc: String = s.nfc().collect();
    // The two forms usually look the same, so non-ASCII characters are shown escaped.
    let shown = |t: &str| -> String {
        t.chars()
            .map(|c| {
                if c.is_ascii() {
                    c.to_string()
                } else {
                    c.escape_unicode().to_string()
                }
            })
            .collect()
    };
    ctx.push(
        Severity::Error,
        field,
        at_key,
        format!(
            "{what} \"{}\" is not in Unicode normalization form C (NFC): Terraform would store it as \"{}\" while CloudFormation and the CDK keep it as written",
            shown(s),
            shown(&nfc)
        ),
        Some(format!("write it in NFC form: \"{}\" (\"{nfc}\")", shown(&nfc))),
    );
}

fn check_tags(ctx: &mut Ctx<'_>, at: &str, tags: &BTreeMap<String, String>) {
    if tags.len() > MAX_TAGS {
        ctx.error(
            at,
            format!("{} tags; IAM allows {MAX_TAGS}", tags.len()),
            "drop some tags",
        );
    }
    for (k, v) in tags {
        let f = format!("{at}.{k}");
        if k.is_empty() || k.chars().count() > 128 || !k.chars().all(is_tag_char) {
            ctx.push(
                Severity::Error,
                &f,
                true,
                format!("tag key {k:?} is not valid"),
                Some("tag keys are 1 to 128 letters, digits, spaces and _ . : / = + - @".into()),
            );
        } else if k.to_ascii_lowercase().starts_with("aws:") {
            ctx.push(
                Severity::Error,
                &f,
                true,
                format!("tag key {k:?} uses the reserved `aws:` prefix"),
                Some("choose a key that does not start with aws:".into()),
            );
        } else {
            check_nfc(ctx, &f, true, "tag key", k);
        }
        if v.chars().count() > 256 || !v.chars().all(is_tag_char) {
            ctx.error(
                &f,
                format!("tag value {v:?} is not valid"),
                "tag values are up to 256 letters, digits, spaces and _ . : / = + - @",
            );
        } else {
            check_nfc(ctx, &f, false, "tag value", v);
        }
    }
}

fn check_role_name(ctx: &mut Ctx<'_>, field: &str, name: &str) {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if !ok {
        ctx.error(
            field,
            format!("`{name}` is not a valid IAM role name"),
            "give the role's name (not its ARN): 1 to 64 letters, digits and + = , . @ _ -",
        );
    }
}

fn check_role_path(ctx: &mut Ctx<'_>, field: &str, p: &str) {
    let ok = p.len() <= 512
        && p.starts_with('/')
        && p.ends_with('/')
        && !p.contains("//")
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c));
    if !ok {
        ctx.error(
            field,
            format!("`{p}` is not a valid IAM path"),
            "a path starts and ends with / and holds letters, digits and + = , . @ _ - (e.g. /ssm/)",
        );
    }
}

fn is_managed_policy_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 128
        && !n.starts_with('/')
        && !n.ends_with('/')
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
}

/// Splits `arn:partition:service:region:account:resource`.
fn split_arn(arn: &str) -> Option<[&str; 6]> {
    let mut it = arn.splitn(6, ':');
    let parts = [
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
    ];
    (parts[0] == "arn").then_some(parts)
}

fn check_arn_partition(
    ctx: &mut Ctx<'_>,
    field: &str,
    arn_partition: &str,
    pin: Option<Partition>,
) -> bool {
    match Partition::from_name(arn_partition) {
        None => {
            ctx.error(
                field,
                format!("`{arn_partition}` is not a partition"),
                "an ARN starts with arn:aws:, arn:aws-cn: or arn:aws-us-gov:",
            );
            false
        }
        Some(p) if pin.is_some_and(|pp| pp != p) => {
            ctx.error(
                field,
                format!(
                    "the ARN is in partition {arn_partition}, but the spec pins {}",
                    pin.map(Partition::name).unwrap_or_default()
                ),
                "use an ARN from the pinned partition",
            );
            false
        }
        Some(_) => true,
    }
}

fn check_boundary_arn(ctx: &mut Ctx<'_>, field: &str, arn: &str, pin: Option<Partition>) {
    let help = "give a managed policy ARN: arn:<partition>:iam::<account>:policy/<name>";
    let Some([_, partition, service, region, account, resource]) = split_arn(arn) else {
        ctx.error(field, format!("`{arn}` is not an ARN"), help);
        return;
    };
    if service != "iam" || !region.is_empty() || !resource.starts_with("policy/") {
        ctx.error(field, format!("`{arn}` is not an IAM policy ARN"), help);
        return;
    }
    if account != "aws" {
        check_account(ctx, field, account);
    }
    if !is_managed_policy_name(&resource["policy/".len()..]) {
        ctx.error(field, format!("`{arn}` has an invalid policy name"), help);
    }
    check_arn_partition(ctx, field, partition, pin);
}

fn check_kms_key(ctx: &mut Ctx<'_>, field: &str, key: &str, pin: &Pin) -> KmsKey {
    let help = "give the key's ARN (arn:<partition>:kms:<region>:<account>:key/<key-id>) or its key id; aliases cannot scope kms permissions";
    if !key.starts_with("arn:") {
        if key.starts_with("alias/") {
            ctx.error(field, format!("`{key}` is an alias"), help);
        } else if !is_key_id(key) {
            ctx.error(
                field,
                format!("`{key}` is neither a KMS key ARN nor a key id"),
                help,
            );
        }
        return KmsKey::Id(key.to_string());
    }
    let Some([_, partition, service, region, account, resource]) = split_arn(key) else {
        ctx.error(field, format!("`{key}` is not an ARN"), help);
        return KmsKey::Arn(key.to_string());
    };
    if service != "kms" {
        ctx.error(
            field,
            format!("`{key}` is a {service} ARN, not a KMS key ARN"),
            help,
        );
        return KmsKey::Arn(key.to_string());
    }
    if resource.starts_with("alias/") {
        ctx.error(field, format!("`{key}` is an alias ARN"), help);
        return KmsKey::Arn(key.to_string());
    }
    match resource.strip_prefix("key/") {
        Some(id) if is_key_id(id) => {}
        _ => ctx.error(
            field,
            format!("`{key}` does not name a key (key/<key-id>)"),
            help,
        ),
    }
    check_account(ctx, field, account);
    if check_arn_partition(ctx, field, partition, pin.partition) {
        match partition_of(region) {
            None => unknown_region(ctx, field, region),
            Some(p) if p.name() != partition => ctx.error(
                field,
                format!("region {region} is not in partition {partition}"),
                format!("a key in {region} has an ARN starting arn:{}:", p.name()),
            ),
            Some(_) => {}
        }
    }
    KmsKey::Arn(key.to_string())
}

fn is_key_id(id: &str) -> bool {
    let hex_dash = |s: &str| s.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    if let Some(rest) = id.strip_prefix("mrk-") {
        return rest.len() == 32 && rest.chars().all(|c| c.is_ascii_hexdigit());
    }
    id.len() == 36 && hex_dash(id) && id.matches('-').count() == 4
}

fn check_bucket_name(ctx: &mut Ctx<'_>, field: &str, b: &str) {
    let chars_ok = b
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
    let ends_ok = b.starts_with(|c: char| c.is_ascii_alphanumeric())
        && b.ends_with(|c: char| c.is_ascii_alphanumeric());
    let ip_like = b.split('.').count() == 4 && b.split('.').all(|p| p.parse::<u8>().is_ok());
    if !(3..=63).contains(&b.len()) || !chars_ok || !ends_ok || b.contains("..") || ip_like {
        let hint = if b.starts_with("arn:") {
            "give the bucket's name, not its ARN"
        } else {
            "bucket names are 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
        };
        ctx.error(field, format!("`{b}` is not a valid S3 bucket name"), hint);
    }
}

fn check_s3(ctx: &mut Ctx<'_>, at: &str, raw: RawS3, pin: &Pin) -> S3Logging {
    check_bucket_name(ctx, &format!("{at}.bucket"), &raw.bucket);
    let prefix = match raw.prefix.as_deref() {
        None | Some("") => String::new(),
        Some(p) => {
            let trimmed = p.trim_start_matches('/');
            let ok = trimmed.len() <= 512
                && trimmed
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!-_.'()/".contains(c))
                && !trimmed.contains("//");
            if !ok {
                ctx.error(
                    &format!("{at}.prefix"),
                    format!("`{p}` is not a key prefix ssmgen can scope a policy to"),
                    "use letters, digits and ! - _ . ' ( ) /, without wildcards (* ?) or //",
                );
            }
            if trimmed.is_empty() || trimmed.ends_with('/') {
                trimmed.to_string()
            } else {
                format!("{trimmed}/")
            }
        }
    };
    let kms_key = raw
        .kms_key
        .map(|k| check_kms_key(ctx, &format!("{at}.kms_key"), &k, pin));
    if kms_key.is_some() && raw.encrypted == Some(false) {
        ctx.error(
            &format!("{at}.encrypted"),
            "`encrypted: false` conflicts with an SSE-KMS `kms_key`",
            "remove `encrypted: false`: a bucket with an SSE-KMS key is encrypted",
        );
    }
    if let Some(owner) = &raw.owner_account {
        check_account(ctx, &format!("{at}.owner_account"), owner);
        if pin.account.as_deref() == Some(owner.as_str()) {
            ctx.error(
                &format!("{at}.owner_account"),
                "the bucket owner is the pinned account itself",
                "remove `owner_account`; it is only for buckets owned by another account",
            );
        }
    }
    S3Logging {
        bucket: raw.bucket,
        prefix,
        encrypted: raw.encrypted.unwrap_or(true),
        kms_key,
        owner_account: raw.owner_account,
    }
}

fn check_cloudwatch(ctx: &mut Ctx<'_>, at: &str, raw: RawCloudWatch) -> CloudWatchLogging {
    let n = &raw.log_group;
    let ok = !n.is_empty()
        && n.len() <= 512
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/#".contains(c));
    if !ok {
        ctx.error(
            &format!("{at}.log_group"),
            format!("`{n}` is not a valid CloudWatch Logs group name"),
            "give the log group's name (not its ARN): 1 to 512 letters, digits and . _ - / #",
        );
    }
    CloudWatchLogging {
        log_group: raw.log_group,
        encrypted: raw.encrypted,
    }
}

fn check_vpc_regions(ctx: &mut Ctx<'_>, at: &str, list: &[String], pin: &Pin) {
    for (i, r) in list.iter().enumerate() {
        let f = format!("{at}[{i}]");
        match partition_of(r) {
            None => unknown_region(ctx, &f, r),
            Some(p) if pin.partition.is_some_and(|pp| pp != p) => ctx.error(
                &f,
                format!(
                    "region {r} is in partition {}, but the spec pins {}",
                    p.name(),
                    pin.partition.map(Partition::name).unwrap_or_default()
                ),
                "list Regions of the pinned partition only",
            ),
            Some(_) => {}
        }
        if list[..i].contains(r) {
            ctx.error(
                &f,
                format!("region {r} is listed twice"),
                "list each Region once",
            );
        }
    }
}

fn check_activation(ctx: &mut Ctx<'_>, at: &str, raw: RawActivation) -> Activation {
    let registration_limit = raw.registration_limit.unwrap_or(1);
    if registration_limit == 0 || registration_limit > facts::ACTIVATION_REGISTRATION_LIMIT_MAX {
        ctx.error(
            &format!("{at}.registration_limit"),
            format!("registration limit {registration_limit} is out of range"),
            format!("use 1 to {}", facts::ACTIVATION_REGISTRATION_LIMIT_MAX),
        );
    }
    let expiry_hours = match raw.expires_after.as_deref() {
        None => facts::ACTIVATION_DEFAULT_HOURS,
        Some(s) => match parse_duration_hours(s) {
            Some(h) if (1..=facts::ACTIVATION_MAX_HOURS).contains(&h) => h,
            Some(h) => {
                ctx.error(
                    &format!("{at}.expires_after"),
                    format!("`{s}` is {h} hours; an activation expires at most 30 days (720h) after it is created"),
                    "use a duration from 1h to 30d",
                );
                facts::ACTIVATION_DEFAULT_HOURS
            }
            None => {
                ctx.error(
                    &format!("{at}.expires_after"),
                    format!("`{s}` is not a duration"),
                    "write hours or days, e.g. 24h or 7d (at most 30d)",
                );
                facts::ACTIVATION_DEFAULT_HOURS
            }
        },
    };
    for (field, value) in [
        ("default_instance_name", &raw.default_instance_name),
        ("description", &raw.description),
    ] {
        if let Some(v) = value {
            let what = field.replace('_', " ");
            if v.is_empty() || v.chars().count() > 256 || !v.chars().all(is_tag_char) {
                ctx.error(
                    &format!("{at}.{field}"),
                    format!("{v:?} is not a valid {what}"),
                    "use 1 to 256 letters, digits, spaces and _ . : / = + - @",
                );
            } else {
                check_nfc(ctx, &format!("{at}.{field}"), false, &what, v);
            }
        }
    }
    check_tags(ctx, &format!("{at}.tags"), &raw.tags);
    Activation {
        registration_limit,
        expiry_hours,
        default_instance_name: raw.default_instance_name,
        description: raw.description,
        tags: raw.tags,
    }
}

/// `24h` or `7d` in hours.
fn parse_duration_hours(s: &str) -> Option<u32> {
    if let Some(n) = s.strip_suffix('h') {
        return n.parse().ok();
    }
    s.strip_suffix('d')?.parse::<u32>().ok()?.checked_mul(24)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_hours_and_days() {
        assert_eq!(parse_duration_hours("24h"), Some(24));
        assert_eq!(parse_duration_hours("7d"), Some(168));
        assert_eq!(parse_duration_hours("30d"), Some(720));
        assert_eq!(parse_duration_hours("7w"), None);
        assert_eq!(parse_duration_hours(""), None);
        // Found by tests/fuzz_mutations.rs: a multi-byte last character once panicked.
        assert_eq!(parse_duration_hours("14dé"), None);
        assert_eq!(parse_duration_hours("é"), None);
        assert_eq!(parse_duration_hours("+1h"), Some(1));
    }

    #[test]
    fn key_ids_are_uuids_or_multi_region_ids() {
        assert!(is_key_id("1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert!(is_key_id("mrk-1234abcd12ab34cd56ef1234567890ab"));
        assert!(!is_key_id("my-key"));
    }

    /// HashiCorp's HCL turns every string into a cty value, and cty normalizes strings
    /// to NFC on entry (go-cty `cty/value_init.go`, `StringVal`; observed with hclsyntax:
    /// `"\ufa20"` reads back as U+8612 and `"\u212b"` as U+00C5, escaped or not), while
    /// CloudFormation and the CDK keep strings byte for byte. Found by
    /// tests/conformance/hostile.py. So free text must already be NFC.
    #[test]
    fn free_text_must_be_nfc_because_terraform_normalizes() {
        let spec = |tag: &str| {
            format!("version: 1\nproject: p\ntags:\n  team: \"{tag}\"\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n")
        };
        for ok in ["Zürich", "\u{c5}", "\u{8612}", "日本", "plain"] {
            let (_, warnings) = validate(&spec(ok), "t.yaml").expect(ok);
            assert!(warnings.is_empty(), "{ok}: {warnings:?}");
        }
        for bad in ["\u{212b}", "\u{fa20}", "Zu\u{308}rich"] {
            let err = validate(&spec(bad), "t.yaml").expect_err(bad);
            let text = format!("{err:?}");
            assert!(
                text.contains("not valid") || text.contains("normalization form C"),
                "{bad}: {text}"
            );
        }
        let err = validate(&spec("\u{fa20}"), "t.yaml").expect_err("fa20");
        assert!(format!("{err:?}").contains("\\u{8612}"), "{err:?}");
    }

    #[test]
    fn typos_get_a_suggestion() {
        assert_eq!(
            closest("plaform", &["name", "platform", "mode"]).as_deref(),
            Some("platform")
        );
        assert_eq!(closest("zzz", &["name", "platform"]), None);
    }
}
