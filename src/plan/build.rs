//! From a validated spec to the permission plan. Every statement cites its fact.

use std::collections::BTreeMap;

use heck::ToUpperCamelCase;

use super::resource::{
    aws_managed_policy_arn, global_service_principal, partition_service_principal, ssm_source_arn,
};
use super::{
    Activation, Attachment, Condition, Effect, Env, FleetPlan, Ident, InstanceProfile,
    ManagedPolicyRef, Mode, Output, OutputValue, Plan, Platform, Policy, Pseudo, Resource, Role,
    Statement, Text, Trust, Value,
};
use crate::facts::{self, Fact};
use crate::spec::{Fleet, Spec};
use crate::text;

/// The deployment context the spec pins, pseudo values elsewhere.
pub fn env_of(spec: &Spec) -> Env {
    let pinned_or = |v: Option<&str>, p: Pseudo| match v {
        Some(s) => Value::Pinned(s.to_string()),
        None => Value::Pseudo(p),
    };
    Env {
        partition: pinned_or(spec.pin.partition.map(|p| p.name()), Pseudo::Partition),
        region: pinned_or(spec.pin.region.as_deref(), Pseudo::Region),
        account: pinned_or(spec.pin.account.as_deref(), Pseudo::AccountId),
        url_suffix: pinned_or(
            spec.pin.partition.map(|p| p.url_suffix()),
            Pseudo::UrlSuffix,
        ),
    }
}

/// Builds the plan for a validated spec.
pub fn build(spec: &Spec) -> Plan {
    let env = env_of(spec);
    // At most one of each per fleet: sized once, since a vector that doubles holds up to
    // twice its contents (tens of megabytes of roles at 10,000 fleets).
    let n = spec.fleets.len();
    let mut plan = Plan {
        project: Ident::new(&spec.project),
        env: env.clone(),
        tags: spec.tags.clone(),
        fleets: Vec::with_capacity(n),
        roles: Vec::with_capacity(n),
        instance_profiles: Vec::with_capacity(n),
        policies: Vec::with_capacity(n),
        activations: Vec::new(),
        documents: Vec::new(),
        service_settings: Vec::new(),
        operator_policies: Vec::new(),
        activation_provider: None,
        outputs: Vec::new(),
        required_region: None,
        shared: super::shared::shared_resources(spec),
        created: super::created::Created::default(),
        acknowledgements: Vec::new(),
    };
    let sfx = Suffixes::new();
    for fleet in &spec.fleets {
        add_fleet(&mut plan, spec, fleet, &sfx);
    }
    super::session_setup::add_session_setup(&mut plan, spec);
    // After the documents: operators are allowed to start sessions with them.
    super::operators::add_operators(&mut plan, spec);
    super::activation_provider::add_activation_provider(&mut plan, spec);
    super::created::add_created(&mut plan, spec);
    plan.required_region = required_region(spec, &env);
    // Last: they read every policy, role and document.
    plan.acknowledgements = super::findings::acknowledgements(&plan);
    plan.acknowledgements.shrink_to_fit();
    plan.outputs.shrink_to_fit();
    plan
}

/// The Region of the session keys given by ARN, when the spec pins no Region
/// (validation refuses keys in two Regions, and a key outside a pinned Region).
fn required_region(spec: &Spec, env: &Env) -> Option<super::RequiredRegion> {
    if env.region.pinned().is_some() {
        return None;
    }
    spec.fleets.iter().find_map(|f| match &f.session.kms_key {
        Some(super::KmsKey::Arn(arn)) => {
            let region = arn.split(':').nth(3)?.to_string();
            Some(super::RequiredRegion {
                reason: format!(
                    "The session KMS key {arn} is in {region}, and the SSM Agent decrypts session data through the KMS endpoint of its own Region: deploy this stack to {region}."
                ),
                region,
                fact: facts::SESSION_KEY_REGION,
            })
        }
        _ => None,
    })
}

fn add_fleet(plan: &mut Plan, spec: &Spec, fleet: &Fleet, sfx: &Suffixes) {
    let env = plan.env.clone();
    let id = Ident::new(&fleet.name);
    let base_name = format!("{}-{}", spec.project, fleet.name);
    let mut fp = FleetPlan {
        name: fleet.name.clone(),
        platform: fleet.platform,
        mode: fleet.mode,
        role: None,
        instance_profile: None,
        policy: None,
        activation: None,
        document: None,
        selector_tag: fleet.selector_tag.clone(),
        session_key: fleet.session.kms_key.clone(),
    };

    if fleet.mode != Mode::ExistingRole {
        let mut managed = Vec::new();
        if fleet.mode == Mode::ManagedCore {
            managed.push(managed_ref(
                &env,
                facts::MANAGED_INSTANCE_CORE_POLICY,
                facts::MANAGED_CORE,
            ));
        }
        if fleet.mode == Mode::DefaultHostManagement {
            managed.push(managed_ref(
                &env,
                facts::DHMC_DEFAULT_POLICY,
                facts::DHMC_POLICY,
            ));
        }
        for name in &fleet.managed_policies {
            managed.push(managed_ref(&env, name, facts::EXTRA_MANAGED));
        }
        let mut tags: BTreeMap<String, String> = spec.tags.clone();
        tags.extend(fleet.tags.clone());
        let role_index = plan.roles.len();
        plan.roles.push(Role {
            id: id.suffixed(&sfx.role),
            name: crate::spec::role_name(&spec.project, &fleet.name),
            path: spec.role_path.clone(),
            description: match fleet.platform {
                Platform::Ec2 if fleet.mode == Mode::DefaultHostManagement => format!(
                    "Default Host Management role of the account and Region: EC2 fleet {} of {} (ssmgen)",
                    fleet.name, spec.project
                ),
                Platform::Ec2 => format!(
                    "Session Manager access for EC2 fleet {} of {} (ssmgen)",
                    fleet.name, spec.project
                ),
                Platform::Hybrid => format!(
                    "Service role of the hybrid activation of fleet {} of {} (ssmgen)",
                    fleet.name, spec.project
                ),
            },
            trust: if fleet.mode == Mode::DefaultHostManagement {
                dhmc_trust()
            } else {
                trust_for(&env, fleet.platform)
            },
            managed_policies: managed,
            permissions_boundary: spec
                .permissions_boundary
                .as_ref()
                .map(|arn| super::Text::literal(arn.clone())),
            tags,
            platform: fleet.platform,
            mode: fleet.mode,
            fleet: fleet.name.clone(),
        });
        fp.role = Some(role_index);
        plan.outputs.push(Output {
            id: id.suffixed(&sfx.role_arn),
            description: format!("ARN of the Session Manager role of fleet {}", fleet.name),
            value: OutputValue::RoleArn { role: role_index },
        });

        match fleet.platform {
            // Instances of this fleet have no instance profile: Systems Manager hands
            // them the role's credentials through the service setting.
            Platform::Ec2 if fleet.mode == Mode::DefaultHostManagement => {
                plan.outputs.push(Output {
                    id: id.suffixed(&sfx.role_name),
                    description: format!(
                        "Default Host Management role of fleet {}, set as the account and Region's default EC2 instance management role",
                        fleet.name
                    ),
                    value: OutputValue::RoleName { role: role_index },
                });
            }
            Platform::Ec2 => {
                let profile_index = plan.instance_profiles.len();
                plan.instance_profiles.push(InstanceProfile {
                    id: id.suffixed(&sfx.instance_profile),
                    name: crate::spec::role_name(&spec.project, &fleet.name),
                    path: spec.role_path.clone(),
                    role: role_index,
                });
                fp.instance_profile = Some(profile_index);
                plan.outputs.push(Output {
                    id: id.suffixed(&sfx.instance_profile_name),
                    description: format!(
                        "Instance profile to attach to the instances of fleet {}",
                        fleet.name
                    ),
                    value: OutputValue::InstanceProfileName {
                        profile: profile_index,
                    },
                });
            }
            Platform::Hybrid => {
                plan.outputs.push(Output {
                    id: id.suffixed(&sfx.role_name),
                    description: format!(
                        "Service role to name in the hybrid activation of fleet {}",
                        fleet.name
                    ),
                    value: OutputValue::RoleName { role: role_index },
                });
                if let Some(a) = &fleet.activation {
                    let mut tags = spec.tags.clone();
                    tags.extend(fleet.tags.clone());
                    tags.extend(a.tags.clone());
                    // Nodes get the activation's tags when they register, so they carry
                    // the selector tag operator policies match (CreateActivation, Tags).
                    // Always, not only with operators: an activation's tags cannot
                    // change, so adding operators later never replaces it.
                    let (key, value) = &fleet.selector_tag;
                    tags.insert(key.clone(), value.clone());
                    fp.activation = Some(plan.activations.len());
                    plan.activations.push(Activation {
                        id: id.suffixed(&sfx.activation),
                        role: role_index,
                        description: a.description.clone().unwrap_or_else(|| {
                            format!(
                                "Hybrid activation of fleet {} of {} (ssmgen)",
                                fleet.name, spec.project
                            )
                        }),
                        registration_limit: a.registration_limit,
                        expiry_hours: a.expiry_hours,
                        default_instance_name: a.default_instance_name.clone(),
                        tags,
                    });
                }
            }
        }
    }

    let statements = statements_for(&env, fleet);
    if !statements.is_empty() {
        let attachment = match (fp.role, &fleet.existing_role) {
            (Some(r), _) => Attachment::Role(r),
            (None, Some(name)) => Attachment::ExistingRole(name.clone()),
            (None, None) => unreachable!("validation requires existing_role in existing-role mode"),
        };
        fp.policy = Some(plan.policies.len());
        plan.policies.push(Policy {
            id: id.suffixed(&sfx.session_policy),
            name: format!("{base_name}-session-manager"),
            path: spec.role_path.clone(),
            description: format!(
                "Session Manager permissions of fleet {} of {} (ssmgen)",
                fleet.name, spec.project
            ),
            statements,
            attachment,
            fleet: fleet.name.clone(),
        });
    }
    plan.fleets.push(fp);
}

/// The name suffixes of what a fleet generates, cased once per plan.
struct Suffixes {
    role: Ident,
    role_arn: Ident,
    role_name: Ident,
    instance_profile: Ident,
    instance_profile_name: Ident,
    activation: Ident,
    session_policy: Ident,
}

impl Suffixes {
    fn new() -> Self {
        Suffixes {
            role: Ident::new("role"),
            role_arn: Ident::new("role-arn"),
            role_name: Ident::new("role-name"),
            instance_profile: Ident::new("instance-profile"),
            instance_profile_name: Ident::new("instance-profile-name"),
            activation: Ident::new("activation"),
            session_policy: Ident::new("session-policy"),
        }
    }
}

fn managed_ref(env: &Env, name: &str, fact: Fact) -> ManagedPolicyRef {
    ManagedPolicyRef {
        name: name.to_string(),
        arn: aws_managed_policy_arn(env, name),
        fact,
    }
}

/// The trust policy each platform documents.
pub fn trust_for(env: &Env, platform: Platform) -> Trust {
    match platform {
        Platform::Ec2 => Trust {
            effect: Effect::Allow,
            service: partition_service_principal(env, "ec2"),
            action: facts::ASSUME_ROLE,
            conditions: Vec::new(),
            fact: facts::EC2_TRUST,
        },
        Platform::Hybrid => Trust {
            effect: Effect::Allow,
            service: global_service_principal("ssm"),
            action: facts::ASSUME_ROLE,
            // Ordered by operator, as every target sorts them.
            conditions: vec![
                Condition {
                    operator: "ArnEquals",
                    key: facts::SOURCE_ARN_KEY,
                    values: vec![ssm_source_arn(env)],
                },
                Condition {
                    operator: "StringEquals",
                    key: facts::SOURCE_ACCOUNT_KEY,
                    values: vec![text![&env.account]],
                },
            ],
            fact: facts::HYBRID_TRUST,
        },
    }
}

/// The documented trust policy of the Default Host Management role: `ssm.amazonaws.com`
/// with no condition. The service setting names the role within its own account, so
/// no other account can point Systems Manager at it, and the documented policy has no
/// confused-deputy condition to rely on (facts::DHMC_TRUST).
pub fn dhmc_trust() -> Trust {
    Trust {
        effect: Effect::Allow,
        service: global_service_principal("ssm"),
        action: facts::ASSUME_ROLE,
        conditions: Vec::new(),
        fact: facts::DHMC_TRUST,
    }
}

fn statement(
    sid: &str,
    actions: &[&'static str],
    resources: Vec<Resource>,
    fact: Fact,
) -> Statement {
    let mut actions = actions.to_vec();
    actions.sort_unstable();
    actions.dedup();
    Statement {
        sid: sid.to_string(),
        effect: Effect::Allow,
        actions,
        resources,
        conditions: Vec::new(),
        facts: vec![fact],
    }
}

/// The customer policy statements of a fleet, in a fixed order.
pub fn statements_for(env: &Env, fleet: &Fleet) -> Vec<Statement> {
    let mut out = Vec::new();
    match fleet.mode {
        // The AWS managed policy covers the core; only the session options remain.
        Mode::ManagedCore | Mode::DefaultHostManagement => {}
        Mode::SessionOnly => {
            let mut actions = vec![facts::UPDATE_INSTANCE_INFORMATION];
            actions.extend(facts::SSMMESSAGES_ACTIONS);
            out.push(statement(
                "SessionManagerCore",
                &actions,
                vec![Resource::Any],
                facts::SESSION_CORE,
            ));
        }
        Mode::ExistingRole => {
            out.push(statement(
                "SessionManagerChannels",
                &facts::SSMMESSAGES_ACTIONS,
                vec![Resource::Any],
                facts::EXISTING_ROLE_CORE,
            ));
        }
    }
    let s = &fleet.session;
    if let Some(key) = &s.kms_key {
        out.push(statement(
            "SessionDataDecrypt",
            &[facts::KMS_DECRYPT],
            vec![Resource::KmsKey { key: key.clone() }],
            facts::SESSION_KMS,
        ));
    }
    if let Some(s3) = &s.s3 {
        // Every statement on the log bucket holds only for the bucket of its owner: a
        // same-named bucket in another account never receives the logs. Not on the
        // AWS-owned buckets below, which AWS accounts own.
        let owner = match &s3.owner_account {
            Some(account) => Text::literal(account.clone()),
            None => text![&env.account],
        };
        let owned = |mut st: Statement| {
            st.conditions.push(Condition {
                operator: facts::STRING_EQUALS,
                key: facts::S3_RESOURCE_ACCOUNT_KEY,
                values: vec![owner.clone()],
            });
            st.facts.push(facts::S3_RESOURCE_ACCOUNT);
            st
        };
        if s3.encrypted {
            out.push(owned(statement(
                "LogBucketEncryptionCheck",
                &[facts::S3_GET_ENCRYPTION_CONFIGURATION],
                vec![Resource::Bucket {
                    bucket: s3.bucket.clone(),
                }],
                facts::S3_ENCRYPTION_CHECK,
            )));
        }
        let objects = Resource::BucketObjects {
            bucket: s3.bucket.clone(),
            prefix: s3.prefix.clone(),
        };
        // No ACL condition here: the parts of a multipart upload carry no ACL header.
        out.push(owned(statement(
            "LogObjectUpload",
            &[facts::S3_PUT_OBJECT],
            vec![objects.clone()],
            facts::S3_LOG_PUT,
        )));
        if s3.owner_account.is_some() {
            let mut acl = statement(
                "LogObjectAcl",
                &[facts::S3_PUT_OBJECT_ACL],
                vec![objects],
                facts::S3_CROSS_ACCOUNT_ACL,
            );
            acl.conditions.push(Condition {
                operator: facts::STRING_EQUALS,
                key: facts::S3_ACL_KEY,
                values: vec![Text::literal(facts::BUCKET_OWNER_FULL_CONTROL)],
            });
            let mut acl = owned(acl);
            acl.conditions.sort();
            out.push(acl);
        }
        if let Some(key) = &s3.kms_key {
            out.push(statement(
                "LogBucketDataKey",
                &[facts::KMS_GENERATE_DATA_KEY, facts::KMS_DECRYPT],
                vec![Resource::KmsKey { key: key.clone() }],
                facts::S3_SSE_KMS,
            ));
        }
    }
    if let Some(cw) = &s.cloudwatch {
        let mut scoped = facts::LOGS_WRITE_ACTIONS.to_vec();
        // DescribeLogStreams is authorized on the log group, so it joins the scoped set.
        scoped.push(facts::LOGS_DESCRIBE_ACTIONS[1]);
        out.push(statement(
            "LogGroupWrite",
            &scoped,
            vec![Resource::LogGroup {
                name: cw.log_group.clone(),
            }],
            facts::CLOUDWATCH_LOGS,
        ));
        out.push(statement(
            "LogGroupDiscovery",
            &[facts::LOGS_DESCRIBE_ACTIONS[0]],
            vec![Resource::Any],
            facts::CLOUDWATCH_LOGS,
        ));
    }
    for region in &s.vpc_endpoint_regions {
        let resources = facts::vpc_endpoint_buckets(region, &s.vpc_endpoint_features)
            .into_iter()
            .map(|bucket| Resource::AwsOwnedBucketObjects { bucket })
            .collect();
        out.push(statement(
            &format!("VpcEndpointBuckets{}", region.to_upper_camel_case()),
            &[facts::S3_GET_OBJECT],
            resources,
            facts::VPC_ENDPOINT_BUCKETS,
        ));
    }
    out
}
