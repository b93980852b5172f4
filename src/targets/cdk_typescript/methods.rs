//! The construct's methods: `attachTo` (an EC2 fleet's access on an instance, Auto Scaling
//! group or launch template of the app) and `grantStartSession` (an operator's access on
//! named fleets, to any grantee). The constructor records what each fleet brings in two
//! private maps, since the values (`this.` fields, props) exist only there; the methods
//! read them. What a fleet grants is the plan's (`Plan::fleet_grant`).

use std::collections::HashMap;

use super::iam::push_statement_body;
use super::props::Spell;
use crate::plan::{FleetPlan, Mode, Plan, Platform, Statement};
use crate::render::escape;

/// Whether `attachTo` takes the fleet: an EC2 fleet with a role or a session policy
/// (Default Host Management gives its role to instances without a profile instead).
pub(super) fn attachable(f: &FleetPlan) -> bool {
    f.platform == Platform::Ec2
        && f.mode != Mode::DefaultHostManagement
        && (f.role.is_some() || f.policy.is_some())
}

/// The types the private maps hold, before the props interface.
pub(super) fn push_types(out: &mut String, plan: &Plan) {
    if plan.fleets.iter().any(attachable) {
        out.push_str(
            "
/** What `attachTo` puts on an instance, Auto Scaling group or launch template for one EC2 fleet. */
interface FleetAttachment {
  /** The AWS managed policies of the fleet's role, by name. */
  readonly managedPolicies: string[];
  /** The fleet's session policy. */
  readonly policy?: iam.ManagedPolicy;
  /** The fleet's instance profile, for a launch template without a role. */
  readonly instanceProfile?: iam.InstanceProfile;
  /** The tag (key, value) operator policies match the fleet's instances by. */
  readonly selectorTag: [string, string];
}
",
        );
    }
    out.push_str(
        "
/** One statement of what `grantStartSession` grants on a fleet. */
interface FleetGrant {
  readonly actions: string[];
  readonly resourceArns: string[];
  readonly conditions?: { [operator: string]: { [key: string]: unknown } };
}
",
    );
}

/// The private fields of the two maps.
pub(super) fn push_fields(out: &mut String, plan: &Plan) {
    if plan.fleets.iter().any(attachable) {
        out.push_str("\n  /** What attachTo adds, by EC2 fleet. */\n  private readonly attachments: Map<string, FleetAttachment>;");
    }
    out.push_str("\n  /** What grantStartSession grants, by fleet. */\n  private readonly grants: Map<string, FleetGrant[]>;");
}

/// The union of the fleet names `keep` accepts, as a TypeScript type.
fn union(plan: &Plan, keep: fn(&FleetPlan) -> bool) -> String {
    let mut out = String::new();
    for f in plan.fleets.iter().filter(|f| keep(f)) {
        if !out.is_empty() {
            out.push_str(" | ");
        }
        escape::push_ts_str(&mut out, &f.name);
    }
    out
}

/// The constructor's statements that fill the maps, after every resource exists.
pub(super) fn push_maps(out: &mut String, spell: &Spell<'_>) {
    let plan: &Plan = spell;
    out.push_str("\n\n    // What the methods below add, by fleet.");
    if plan.fleets.iter().any(attachable) {
        out.push_str("\n    this.attachments = new Map<string, FleetAttachment>([");
        for f in plan.fleets.iter().filter(|f| attachable(f)) {
            out.push_str("\n      [");
            escape::push_ts_str(out, &f.name);
            out.push_str(", {\n        managedPolicies: [");
            let role = f.role.and_then(|i| plan.roles.get(i));
            for (i, m) in role.iter().flat_map(|r| &r.managed_policies).enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                escape::push_ts_str(out, &m.name);
            }
            out.push_str("],");
            if let Some(p) = f.policy.and_then(|i| plan.policies.get(i)) {
                out.push_str("\n        policy: this.");
                out.push_str(&p.id.lower_camel);
                out.push(',');
            }
            if let Some(p) = f
                .instance_profile
                .and_then(|i| plan.instance_profiles.get(i))
            {
                out.push_str("\n        instanceProfile: this.");
                out.push_str(&p.id.lower_camel);
                out.push(',');
            }
            out.push_str("\n        selectorTag: [");
            escape::push_ts_str(out, &f.selector_tag.0);
            out.push_str(", ");
            escape::push_ts_str(out, &f.selector_tag.1);
            out.push_str("],\n      }],");
        }
        out.push_str("\n    ]);");
    }
    // Each distinct statement once, in `grantStatements`, and each fleet's grant as
    // elements of it:
    // a large spec's fleets share all but their node statement, and writing every
    // fleet's six in full made the grants a quarter of a 10,000-fleet construct.
    // Keyed by the plan's statement, so that a repeated one is not even rendered.
    let mut statements = String::new();
    let mut index: HashMap<Statement, usize> = HashMap::new();
    let mut fleets = String::new();
    let mut one = String::new();
    for (i, f) in plan.fleets.iter().enumerate() {
        fleets.push_str("\n      [");
        escape::push_ts_str(&mut fleets, &f.name);
        fleets.push_str(", [");
        for (k, s) in plan.fleet_grant(i).into_iter().enumerate() {
            let next = index.len();
            let n = *index.entry(s).or_insert_with_key(|s| {
                one.clear();
                push_grant(&mut one, spell, s);
                // Two spaces less than the statement body writes: an array element.
                statements.push_str(&one.replace("\n  ", "\n"));
                next
            });
            if k > 0 {
                fleets.push_str(", ");
            }
            fleets.push_str("grantStatements[");
            fleets.push_str(&n.to_string());
            fleets.push(']');
        }
        fleets.push_str("]],");
    }
    out.push_str("\n    // Each statement once; a fleet's grant names its statements by index.");
    out.push_str("\n    const grantStatements: FleetGrant[] = [");
    out.push_str(&statements);
    out.push_str("\n    ];");
    out.push_str("\n    this.grants = new Map<string, FleetGrant[]>([");
    out.push_str(&fleets);
    out.push_str("\n    ]);");
}

/// One grant statement: `{ actions, resourceArns, conditions }`, as
/// `iam.Grant.addToPrincipal` takes them (no Sid: the grantee's policy holds others).
fn push_grant(out: &mut String, spell: &Spell<'_>, s: &Statement) {
    out.push_str("\n        {");
    push_statement_body(out, spell, s, "resourceArns");
    out.push_str("\n        },");
}

/// The methods, after the constructor.
pub(super) fn push_methods(out: &mut String, plan: &Plan) {
    if plan.fleets.iter().any(attachable) {
        let fleets = union(plan, attachable);
        out.push_str(
            "

  /**
   * Gives an instance, Auto Scaling group or launch template of the app the Session Manager
   * access of an EC2 fleet of the spec. With a role (an instance's, a group's, or a launch
   * template's), the fleet's AWS managed policies and session policy are attached to that role,
   * whose other grants keep working; a launch template without a role gets the fleet's
   * instance profile. Either way the target carries the fleet's selector tag, which operator
   * policies match its instances by (a group's tag is applied to the instances it launches).
   */
  public attachTo(fleet: ",
        );
        out.push_str(&fleets);
        out.push_str(
            ", target: ec2.Instance | autoscaling.AutoScalingGroup | ec2.LaunchTemplate): void {
    const attachment = this.attachments.get(fleet);
    if (attachment === undefined) {
      throw new Error(`attachTo: '${fleet}' is not an EC2 fleet with a role or a session policy (fleets: ${[...this.attachments.keys()].join(', ')})`);
    }
    const role = target.role;
    if (role !== undefined) {
      for (const name of attachment.managedPolicies) {
        role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName(name));
      }
      attachment.policy?.attachToRole(role);
    } else if (attachment.instanceProfile !== undefined) {
      (target.node.defaultChild as ec2.CfnLaunchTemplate).addPropertyOverride(
        'LaunchTemplateData.IamInstanceProfile.Arn',
        attachment.instanceProfile.instanceProfileArn,
      );
    } else {
      throw new Error(`attachTo: fleet '${fleet}' uses an existing role and has no instance profile; give the launch template a role`);
    }
    cdk.Tags.of(target).add(attachment.selectorTag[0], attachment.selectorTag[1]);
  }",
        );
    }
    out.push_str(
        "

  /**
   * Grants `grantee` what an operator of the named fleets needs to start Session Manager
   * sessions on their nodes (matched by selector tag) with their preferences documents: the
   * statements of a spec operator of those fleets alone, in the form that works for every
   * caller (`identity: federated`: the caller's own sessions are matched by `${aws:userid}`,
   * which IAM users, roles and federated sessions all have), without port forwarding, SSH
   * or iam:PassRole. Name at least one fleet.
   */
  public grantStartSession(grantee: iam.IGrantable, ...fleets: (",
    );
    out.push_str(&union(plan, |_| true));
    out.push_str(
        ")[]): iam.Grant {
    let grant: iam.Grant | undefined;
    for (const fleet of fleets) {
      const statements = this.grants.get(fleet);
      if (statements === undefined) {
        throw new Error(`grantStartSession: '${fleet}' is not a fleet of this construct (fleets: ${[...this.grants.keys()].join(', ')})`);
      }
      for (const s of statements) {
        const g = iam.Grant.addToPrincipal({
          grantee,
          actions: s.actions,
          resourceArns: s.resourceArns,
          conditions: s.conditions,
        });
        grant = grant === undefined ? g : grant.combine(g);
      }
    }
    if (grant === undefined) {
      throw new Error('grantStartSession: name at least one fleet');
    }
    return grant;
  }",
    );
}

#[cfg(test)]
mod tests {
    use super::super::tests::{construct, plan_of};

    const FLEETS: &str = "version: 1\nproject: shop\nfleets:\n  - name: web\n    platform: ec2\n    mode: managed-core\n  - name: legacy\n    platform: ec2\n    mode: existing-role\n    existing_role: legacy-ec2\n  - name: plc\n    platform: hybrid\n    mode: session-only\n";

    #[test]
    fn attach_to_takes_the_ec2_fleets_with_a_role_or_a_session_policy() {
        let ts = construct(&plan_of(FLEETS));
        assert!(
            ts.contains("  public attachTo(fleet: 'web' | 'legacy', target: ec2.Instance | autoscaling.AutoScalingGroup | ec2.LaunchTemplate): void {\n"),
            "{ts}"
        );
        for line in [
            "      ['web', {",
            "        managedPolicies: ['AmazonSSMManagedInstanceCore'],",
            "        instanceProfile: this.webInstanceProfile,",
            "        selectorTag: ['ssmgen-fleet', 'shop-web'],",
            "      ['legacy', {",
            "        policy: this.legacySessionPolicy,",
            "        role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName(name));",
            "      attachment.policy?.attachToRole(role);",
            "        'LaunchTemplateData.IamInstanceProfile.Arn',",
            "    cdk.Tags.of(target).add(attachment.selectorTag[0], attachment.selectorTag[1]);",
        ] {
            assert!(ts.contains(&format!("{line}\n")), "{line}\n{ts}");
        }
        assert!(!ts.contains("['plc', {"), "{ts}");
        // Only hybrid fleets: no attachTo, and no EC2 imports.
        let hybrid = construct(&plan_of(
            "version: 1\nproject: f\nfleets:\n  - name: plc\n    platform: hybrid\n    mode: session-only\n",
        ));
        assert!(
            !hybrid.contains("attachTo") && !hybrid.contains("aws-ec2"),
            "{hybrid}"
        );
        assert!(hybrid.contains("public grantStartSession("), "{hybrid}");
    }

    #[test]
    fn grant_start_session_adds_each_fleets_grant_without_sids() {
        let plan = plan_of(FLEETS);
        let ts = construct(&plan);
        assert!(
            ts.contains("  public grantStartSession(grantee: iam.IGrantable, ...fleets: ('web' | 'legacy' | 'plc')[]): iam.Grant {\n"),
            "{ts}"
        );
        let start = ts
            .find("    const grantStatements: FleetGrant[] = [")
            .expect("statements");
        let map = start
            + ts[start..]
                .find("    this.grants = new Map<string, FleetGrant[]>([")
                .expect("grants");
        let end = map + ts[map..].find("\n    ]);").expect("end");
        let (table, grants) = (&ts[start..map], &ts[start..end]);
        // Each distinct statement once (Sids are not written), each fleet's by index.
        let mut distinct = Vec::new();
        for i in 0..plan.fleets.len() {
            let grant = plan.fleet_grant(i);
            for s in &grant {
                let mut s = s.clone();
                s.sid.clear();
                if !distinct.contains(&s) {
                    distinct.push(s);
                }
            }
            let line = format!("\n      ['{}', [", plan.fleets[i].name);
            let at = grants.find(&line).expect("the fleet's entry") + line.len();
            let entry = &grants[at..at + grants[at..].find("]],").expect("entry end")];
            assert_eq!(
                entry.matches("grantStatements[").count(),
                grant.len(),
                "{entry}"
            );
        }
        assert!(distinct.len() < 3 * 6, "fleets share statements");
        assert_eq!(
            table.matches("\n        actions: [").count(),
            distinct.len(),
            "{table}"
        );
        assert!(!grants.contains("sid"), "{grants}");
        assert!(
            grants.contains("'ssm:resourceTag/ssmgen-fleet': 'shop-plc',"),
            "{grants}"
        );
        assert!(
            ts.contains("        grant = grant === undefined ? g : grant.combine(g);\n"),
            "{ts}"
        );
        assert!(
            ts.contains("throw new Error('grantStartSession: name at least one fleet');"),
            "{ts}"
        );
    }

    #[test]
    fn fleet_names_are_escaped_in_the_unions_and_maps() {
        let mut plan = plan_of(FLEETS);
        plan.fleets[0].name = "it's `${x}`".into();
        let ts = construct(&plan);
        assert!(
            ts.contains(r"attachTo(fleet: 'it\'s `${x}`' | 'legacy',"),
            "{ts}"
        );
        assert!(ts.contains(r"      ['it\'s `${x}`', {"), "{ts}");
    }
}
