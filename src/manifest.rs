//! `.ssmgen-manifest.json`, written beside the generated files, and the replacement guard
//! it serves: the next generation compares the create-only properties of every named
//! resource with what the manifest recorded, and warns before writing when a change would
//! replace one (CloudFormation cannot replace a custom-named resource: the update fails;
//! Terraform destroys and recreates it).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::facts::create_only;
use crate::plan::{Plan, Platform};
use crate::targets::{OutFile, GENERATED_MARKER};

/// The file in `--out` that records what the last generation produced.
pub const MANIFEST: &str = ".ssmgen-manifest.json";

/// A named resource and the values of its create-only properties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    /// The CloudFormation type (`AWS::IAM::Role`, ...).
    pub kind: String,
    /// Create-only property → value, in CloudFormation's property names.
    pub properties: BTreeMap<String, String>,
    /// Only CloudFormation and the CDK write it (the activation provider's resources:
    /// Terraform has `aws_ssm_activation`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cloudformation_only: bool,
}

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    #[serde(rename = "//")]
    comment: String,
    project: String,
    /// `path/name` of each hybrid service role (an activation's role cannot change).
    hybrid_service_roles: Vec<String>,
    /// Every named resource, by logical id (stable: derived from fleet names only).
    #[serde(default)]
    named_resources: BTreeMap<String, Named>,
    /// Files written without the generated marker (plain JSON policy documents, which
    /// cannot carry one), relative to the output folder, `/`-separated: the next
    /// generation may overwrite them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unmarked_files: Vec<String>,
}

/// The named resources of a plan with their create-only properties, by logical id.
pub fn named_resources(plan: &Plan) -> BTreeMap<String, Named> {
    let mut out = BTreeMap::new();
    let mut add = |id: &str, kind: &str, values: &[(&str, &str)]| {
        let properties = values
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let named = Named {
            kind: kind.to_string(),
            properties,
            cloudformation_only: false,
        };
        out.insert(id.to_string(), named);
    };
    for r in &plan.roles {
        add(
            &r.id.upper_camel,
            create_only::ROLE,
            &[("RoleName", &r.name), ("Path", &r.path)],
        );
    }
    for p in &plan.instance_profiles {
        add(
            &p.id.upper_camel,
            create_only::INSTANCE_PROFILE,
            &[("InstanceProfileName", &p.name), ("Path", &p.path)],
        );
    }
    for p in &plan.policies {
        add(
            &p.id.upper_camel,
            create_only::MANAGED_POLICY,
            &[
                ("ManagedPolicyName", &p.name),
                ("Path", &p.path),
                ("Description", &p.description),
            ],
        );
    }
    for p in &plan.operator_policies {
        add(
            &p.id.upper_camel,
            create_only::MANAGED_POLICY,
            &[
                ("ManagedPolicyName", &p.name),
                ("Path", &p.path),
                ("Description", &p.description),
            ],
        );
    }
    for d in &plan.documents {
        add(
            &d.id.upper_camel,
            create_only::DOCUMENT,
            &[("Name", &d.name), ("DocumentType", "Session")],
        );
    }
    for s in &plan.service_settings {
        add(
            &s.id.upper_camel,
            create_only::SERVICE_SETTING,
            &[("SettingId", s.setting_id)],
        );
    }
    // The created session resources that have names (the key and bucket have none).
    if let Some(k) = &plan.created.key {
        add(
            &k.alias_id.upper_camel,
            create_only::KMS_ALIAS,
            &[("AliasName", &k.alias)],
        );
    }
    if let Some(g) = &plan.created.log_group {
        add(
            &g.id.upper_camel,
            create_only::LOG_GROUP,
            &[("LogGroupName", &g.name)],
        );
    }
    // The activation provider's named resources (its role and policy are unnamed, so
    // CloudFormation replaces them freely).
    if let Some(p) = &plan.activation_provider {
        add(
            &p.id.upper_camel,
            create_only::FUNCTION,
            &[("FunctionName", &p.function_name)],
        );
        add(
            &p.log_group.id.upper_camel,
            create_only::LOG_GROUP,
            &[("LogGroupName", &p.log_group.name)],
        );
        for s in &p.secrets {
            add(&s.id.upper_camel, create_only::SECRET, &[("Name", &s.name)]);
        }
        let ids = [&p.id, &p.log_group.id]
            .into_iter()
            .chain(p.secrets.iter().map(|s| &s.id));
        for id in ids {
            if let Some(n) = out.get_mut(&id.upper_camel) {
                n.cloudformation_only = true;
            }
        }
    }
    out
}

/// The hybrid service roles (`path/name`) of a plan, sorted.
fn hybrid_roles(plan: &Plan) -> Vec<String> {
    let mut roles: Vec<String> = (plan.roles.iter())
        .filter(|r| r.platform == Platform::Hybrid)
        .map(|r| r.name_with_path())
        .collect();
    roles.sort();
    roles
}

/// The manifest of a plan, as the file written beside the generated ones.
pub fn manifest(plan: &Plan) -> OutFile {
    let m = Manifest {
        comment: format!("{GENERATED_MARKER}: what the last generation wrote; do not edit"),
        project: plan.project.kebab.clone(),
        hybrid_service_roles: hybrid_roles(plan),
        named_resources: named_resources(plan),
        unmarked_files: crate::identity_center::files(plan)
            .iter()
            .map(|f| slash_path(&f.path))
            .collect(),
    };
    let mut contents = serde_json::to_string_pretty(&m).unwrap_or_default();
    contents.push('\n');
    OutFile {
        path: PathBuf::from(MANIFEST),
        contents,
    }
}

fn slash_path(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The files without a marker that the previous generation in `dir` wrote, relative to
/// `dir` (see [`Manifest::unmarked_files`]). Read on their own: serde skips the rest of
/// the manifest without keeping any of it.
pub fn unmarked_files(dir: &Path) -> Vec<PathBuf> {
    #[derive(Deserialize)]
    struct Unmarked {
        #[serde(default)]
        unmarked_files: Vec<String>,
    }
    let Ok(file) = fs::File::open(dir.join(MANIFEST)) else {
        return Vec::new();
    };
    serde_json::from_reader::<_, Unmarked>(std::io::BufReader::new(file)).map_or_else(
        |_| Vec::new(),
        |m| m.unmarked_files.iter().map(PathBuf::from).collect(),
    )
}

/// The manifest the previous generation left in an output folder, read once: at 10,000
/// fleets it is megabytes of JSON, and reading it per question held several copies.
pub struct Previous(Manifest);

impl Previous {
    /// The manifest in `dir`, if there is a readable one.
    pub fn read(dir: &Path) -> Option<Previous> {
        let file = fs::File::open(dir.join(MANIFEST)).ok()?;
        serde_json::from_reader(std::io::BufReader::new(file))
            .ok()
            .map(Previous)
    }

    /// Hybrid service roles it recorded that this plan no longer has.
    pub fn replaced_hybrid_roles(&self, plan: &Plan) -> Vec<String> {
        let new: std::collections::BTreeSet<String> = hybrid_roles(plan).into_iter().collect();
        (self.0.hybrid_service_roles.iter())
            .filter(|r| !new.contains(*r))
            .cloned()
            .collect()
    }

    /// The create-only properties this plan changes against it.
    pub fn replacements(&self, plan: &Plan) -> Vec<Replacement> {
        diff(&self.0.named_resources, &named_resources(plan))
    }
}

/// A create-only property whose value this generation changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    pub id: String,
    pub kind: String,
    pub cloudformation_only: bool,
    pub property: String,
    pub old: String,
    pub new: String,
}

impl Replacement {
    /// What the change does in each tool, for the warning.
    pub fn message(&self) -> String {
        // The activation provider's resources are CloudFormation's and the CDK's only.
        let terraform = if self.cloudformation_only {
            String::new()
        } else {
            format!(
                "; Terraform destroys {} and creates it again, and whatever uses it loses it in between",
                create_only::terraform_resource(&self.kind).unwrap_or("the resource")
            )
        };
        format!(
            "{} ({}) changes {} from {:?} to {:?}, which cannot be updated in place. \
             CloudFormation (and the CDK) must replace the resource and, since it has a custom name, the stack update fails \
             (\"CloudFormation cannot update a stack when a custom-named resource requires replacing\"){terraform}",
            self.id, self.kind, self.property, self.old, self.new
        )
    }
}

/// Every create-only property of a resource present in both, whose value differs.
pub fn diff(old: &BTreeMap<String, Named>, new: &BTreeMap<String, Named>) -> Vec<Replacement> {
    let mut out = Vec::new();
    for (id, was) in old {
        let Some(now) = new.get(id).filter(|n| n.kind == was.kind) else {
            continue;
        };
        for (property, old_value) in &was.properties {
            match now.properties.get(property) {
                Some(new_value) if new_value != old_value => out.push(Replacement {
                    id: id.clone(),
                    kind: was.kind.clone(),
                    cloudformation_only: now.cloudformation_only,
                    property: property.clone(),
                    old: old_value.clone(),
                    new: new_value.clone(),
                }),
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(spec: &str) -> Plan {
        let (spec, _) = crate::spec::load_str(spec, "t.yaml").expect("valid");
        crate::plan::build::build(&spec)
    }

    #[test]
    fn every_create_only_property_of_every_named_resource_is_recorded() {
        // The hybrid fleet brings the activation provider's kinds.
        let p = plan("version: 1\nproject: p\nrole_path: /a/\nfleets: [{name: w, platform: ec2, mode: session-only}, {name: h, platform: hybrid, mode: session-only}]\n");
        let named = named_resources(&p);
        assert!(named.values().any(|n| n.kind == create_only::SECRET));
        let props = |id: &str| named[id].properties.keys().cloned().collect::<Vec<_>>();
        assert_eq!(props("WRole"), ["Path", "RoleName"]);
        assert_eq!(props("WInstanceProfile"), ["InstanceProfileName", "Path"]);
        assert_eq!(
            props("WSessionPolicy"),
            ["Description", "ManagedPolicyName", "Path"]
        );
        // Every kind the plan names is one whose create-only properties are known.
        for n in named.values() {
            let listed = create_only::properties(&n.kind).expect("a known kind");
            let recorded: Vec<&str> = n.properties.keys().map(String::as_str).collect();
            let mut listed = listed.to_vec();
            listed.sort_unstable();
            assert_eq!(recorded, listed, "{}", n.kind);
        }
    }

    #[test]
    fn the_activation_providers_named_resources_are_recorded_and_a_rename_warns() {
        let spec = |project: &str| {
            format!("version: 1\nproject: {project}\nfleets: [{{name: plc, platform: hybrid, mode: session-only}}]\n")
        };
        let before = named_resources(&plan(&spec("factory")));
        let props = |id: &str| {
            let n = &before[id];
            (
                n.kind.as_str(),
                n.properties.clone().into_iter().collect::<Vec<_>>(),
            )
        };
        let pair = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        assert_eq!(
            props("ActivationProvider"),
            (
                create_only::FUNCTION,
                pair("FunctionName", "factory-activations")
            )
        );
        assert_eq!(
            props("ActivationProviderLogs"),
            (
                create_only::LOG_GROUP,
                pair("LogGroupName", "/aws/lambda/factory-activations")
            )
        );
        assert_eq!(
            props("PlcActivationSecret"),
            (create_only::SECRET, pair("Name", "factory/plc/activation"))
        );
        // The unnamed role and policy are not.
        assert!(!before.contains_key("ActivationProviderRole"));
        assert!(!before.contains_key("ActivationProviderPolicy"));
        let after = named_resources(&plan(&spec("plant")));
        let changes = diff(&before, &after);
        let changed: Vec<(&str, &str)> = changes
            .iter()
            .filter(|r| !r.kind.starts_with("AWS::IAM::") && r.kind != create_only::DOCUMENT)
            .map(|r| (r.id.as_str(), r.property.as_str()))
            .collect();
        assert_eq!(
            changed,
            [
                ("ActivationProvider", "FunctionName"),
                ("ActivationProviderLogs", "LogGroupName"),
                ("PlcActivationSecret", "Name"),
            ]
        );
        // Terraform writes none of them: its warning says nothing of Terraform.
        let secret = changes
            .iter()
            .find(|r| r.id == "PlcActivationSecret")
            .expect("secret");
        let message = secret.message();
        assert!(message.contains("the stack update fails"), "{message}");
        assert!(!message.contains("Terraform"), "{message}");
        let role = changes
            .iter()
            .find(|r| r.kind == create_only::ROLE)
            .expect("role");
        assert!(role.message().contains("Terraform destroys aws_iam_role"));
    }

    #[test]
    fn a_path_change_replaces_the_role_profile_and_policy() {
        let before = named_resources(&plan("version: 1\nproject: p\nrole_path: /a/\nfleets: [{name: w, platform: ec2, mode: session-only}]\n"));
        let after = named_resources(&plan("version: 1\nproject: p\nrole_path: /b/\nfleets: [{name: w, platform: ec2, mode: session-only}]\n"));
        let changed: Vec<(String, String)> = diff(&before, &after)
            .into_iter()
            .map(|r| (r.id, r.property))
            .collect();
        assert_eq!(
            changed,
            [
                ("WInstanceProfile".into(), "Path".into()),
                ("WRole".into(), "Path".into()),
                ("WSessionPolicy".into(), "Path".into()),
            ]
        );
    }
}
