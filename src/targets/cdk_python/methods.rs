//! The construct's methods: `attach_to` (an EC2 fleet's access on an instance, Auto
//! Scaling group or launch template of the app) and `grant_start_session` (an operator's
//! access on named fleets, to any grantee), as the TypeScript construct has them. The
//! constructor records what each fleet brings in two private dicts, since the values
//! (attributes, arguments) exist only there; the methods read them. What a fleet grants
//! is the plan's (`Plan::fleet_grant`).

use std::collections::HashMap;

use super::iam::conditions;
use super::python::{Py, BODY_INDENT};
use crate::plan::{FleetPlan, Mode, Plan, Platform, Statement};
use crate::render::escape::py_str;

/// Whether `attach_to` takes the fleet: an EC2 fleet with a role or a session policy
/// (Default Host Management gives its role to instances without a profile instead).
pub(super) fn attachable(f: &FleetPlan) -> bool {
    f.platform == Platform::Ec2
        && f.mode != Mode::DefaultHostManagement
        && (f.role.is_some() || f.policy.is_some())
}

/// The statements at the end of `__init__` that fill the dicts, after every resource
/// exists.
pub(super) fn maps(plan: &Plan) -> String {
    let mut out = String::from("\n\n        # What the methods below add, by fleet.");
    if plan.fleets.iter().any(attachable) {
        let entries = plan
            .fleets
            .iter()
            .filter(|f| attachable(f))
            .map(|f| {
                let role = f.role.and_then(|i| plan.roles.get(i));
                let managed = role
                    .iter()
                    .flat_map(|r| &r.managed_policies)
                    .map(|m| Py::atom(py_str(&m.name)))
                    .collect();
                let attr = |name: Option<&str>| match name {
                    Some(n) => Py::atom(format!("self.{n}")),
                    None => Py::atom("None"),
                };
                let policy = f.policy.and_then(|i| plan.policies.get(i));
                let profile = f
                    .instance_profile
                    .and_then(|i| plan.instance_profiles.get(i));
                let value = Py::Dict(vec![
                    (py_str("managed_policies"), Py::List(managed)),
                    (py_str("policy"), attr(policy.map(|p| p.id.snake.as_str()))),
                    (
                        py_str("instance_profile"),
                        attr(profile.map(|p| p.id.snake.as_str())),
                    ),
                    (
                        py_str("selector_tag"),
                        Py::List(vec![
                            Py::atom(py_str(&f.selector_tag.0)),
                            Py::atom(py_str(&f.selector_tag.1)),
                        ]),
                    ),
                ]);
                (py_str(&f.name), value)
            })
            .collect();
        out.push_str("\n        self._attachments = ");
        out.push_str(&Py::Dict(entries).lay(BODY_INDENT, BODY_INDENT + 20, 0));
    }
    // Each distinct statement once, in `grant_statements`, and each fleet's grant as entries of it:
    // a large spec's fleets share all but their node statement, and writing every
    // fleet's six in full made the grants a third of a 10,000-fleet module.
    // Keyed by the plan's statement, so that a repeated one is not even rendered.
    let names = super::props::Renamable::new(plan);
    let mut distinct: Vec<Py> = Vec::new();
    let mut index: HashMap<Statement, usize> = HashMap::new();
    let grants = (0..plan.fleets.len())
        .map(|i| {
            let refs = plan
                .fleet_grant(i)
                .into_iter()
                .map(|s| {
                    let n = *index.entry(s).or_insert_with_key(|s| {
                        distinct.push(grant(&names, s));
                        distinct.len() - 1
                    });
                    Py::atom(format!("grant_statements[{n}]"))
                })
                .collect();
            (py_str(&plan.fleets[i].name), Py::List(refs))
        })
        .collect();
    out.push_str("\n        # Each statement once; a fleet's grant names its statements by index.");
    out.push_str("\n        grant_statements = ");
    out.push_str(&Py::List(distinct).lay(BODY_INDENT, BODY_INDENT + 19, 0));
    out.push_str("\n        self._grants = ");
    out.push_str(&Py::Dict(grants).lay(BODY_INDENT, BODY_INDENT + 15, 0));
    out
}

/// One grant statement: the keyword arguments of `iam.Grant.add_to_principal` (no Sid:
/// the grantee's policy holds others).
fn grant(names: &super::props::Renamable, s: &Statement) -> Py {
    let mut entries = vec![
        (
            py_str("actions"),
            Py::List(s.actions.iter().map(|a| Py::atom(py_str(a))).collect()),
        ),
        (
            py_str("resource_arns"),
            Py::List(
                s.resources
                    .iter()
                    .map(|r| Py::atom(super::props::resource(names, r)))
                    .collect(),
            ),
        ),
    ];
    if !s.conditions.is_empty() {
        entries.push((py_str("conditions"), conditions(&s.conditions)));
    }
    Py::Dict(entries)
}

const ATTACH_TO: &str = r#"    def attach_to(
        self,
        fleet: str,
        target: Union[ec2.Instance, autoscaling.AutoScalingGroup, ec2.LaunchTemplate],
    ) -> None:
        """Gives an instance, Auto Scaling group or launch template of the app the
        Session Manager access of an EC2 fleet of the spec.

        With a role (an instance's, a group's, or a launch template's), the fleet's AWS
        managed policies and session policy are attached to that role, whose other
        grants keep working; a launch template without a role gets the fleet's instance
        profile. Either way the target carries the fleet's selector tag, which operator
        policies match its instances by (a group's tag is applied to the instances it
        launches).

        Raises:
            ValueError: ``fleet`` is not an EC2 fleet with a role or a session policy,
                or the target is a launch template without a role and the fleet has no
                instance profile.
        """
        attachment = self._attachments.get(fleet)
        if attachment is None:
            raise ValueError(
                f"attach_to: {fleet!r} is not an EC2 fleet with a role or a session "
                f"policy (fleets: {', '.join(self._attachments)})"
            )
        role = target.role
        if role is not None:
            for name in attachment["managed_policies"]:
                role.add_managed_policy(
                    iam.ManagedPolicy.from_aws_managed_policy_name(name)
                )
            if attachment["policy"] is not None:
                attachment["policy"].attach_to_role(role)
        elif attachment["instance_profile"] is not None:
            target.node.default_child.add_property_override(
                "LaunchTemplateData.IamInstanceProfile.Arn",
                attachment["instance_profile"].instance_profile_arn,
            )
        else:
            raise ValueError(
                f"attach_to: fleet {fleet!r} uses an existing role and has no instance "
                "profile; give the launch template a role"
            )
        key, value = attachment["selector_tag"]
        cdk.Tags.of(target).add(key, value)
"#;

const GRANT_START_SESSION: &str = r#"    def grant_start_session(self, grantee: iam.IGrantable, *fleets: str) -> iam.Grant:
        """Grants ``grantee`` what an operator of the named fleets needs to start
        Session Manager sessions on their nodes (matched by selector tag) with their
        preferences documents.

        The statements are those of a spec operator of those fleets alone, in the form
        that works for every caller (``identity: federated``: the caller's own sessions
        are matched by ``${aws:userid}``, which IAM users, roles and federated sessions
        all have), without port forwarding, SSH or iam:PassRole. Name at least one
        fleet.

        Raises:
            ValueError: no fleet is named, or one is not a fleet of this construct.
        """
        grant: Optional[iam.Grant] = None
        for fleet in fleets:
            statements = self._grants.get(fleet)
            if statements is None:
                raise ValueError(
                    f"grant_start_session: {fleet!r} is not a fleet of this construct "
                    f"(fleets: {', '.join(self._grants)})"
                )
            for s in statements:
                g = iam.Grant.add_to_principal(grantee=grantee, **s)
                grant = g if grant is None else grant.combine(g)
        if grant is None:
            raise ValueError("grant_start_session: name at least one fleet")
        return grant
"#;

/// The methods, after `__init__`.
pub(super) fn methods(plan: &Plan) -> String {
    let mut out = String::new();
    // One blank line before each method, as black leaves them.
    if plan.fleets.iter().any(attachable) {
        out.push('\n');
        out.push_str(ATTACH_TO);
    }
    out.push('\n');
    out.push_str(GRANT_START_SESSION);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::cdk_python::test_support::example_plan as plan_of;
    use crate::targets::cdk_python::test_support::{python_json, render_example};

    /// The keys of the two dicts, the methods defined, and the outputs: how many
    /// `cdk.CfnOutput` calls there are and how many sit under `if outputs:`.
    const READ: &str = r#"
import ast, json, sys
tree = ast.parse(sys.stdin.read())
out = {"dicts": {}, "g": [], "methods": [], "outputs": 0, "guarded": 0}
for n in ast.walk(tree):
    if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name) \
            and n.targets[0].id == "grant_statements":
        out["g"] = [ast.unparse(e) for e in n.value.elts]
    if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Attribute) \
            and n.targets[0].attr in ("_attachments", "_grants"):
        out["dicts"][n.targets[0].attr] = {
            k.value: ast.unparse(v) for k, v in zip(n.value.keys, n.value.values)}
    if isinstance(n, ast.ClassDef):
        out["methods"] = [f.name for f in n.body if isinstance(f, ast.FunctionDef)]
    if isinstance(n, ast.Call) and ast.unparse(n.func) == "cdk.CfnOutput":
        out["outputs"] += 1
    if isinstance(n, ast.If) and ast.unparse(n.test) == "outputs":
        out["guarded"] += sum(isinstance(c, ast.Call) and ast.unparse(c.func) == "cdk.CfnOutput"
                              for s in n.body for c in ast.walk(s))
print(json.dumps(out))
"#;

    #[test]
    fn the_methods_know_every_fleet_they_take_and_outputs_are_opt_in() {
        for example in [
            "operators-encrypted.yaml",
            "mixed-fleets.yaml",
            "default-host-management.yaml",
            "hybrid-activation.yaml",
        ] {
            let plan = plan_of(example);
            let code = render_example(example, false).remove(0).contents;
            let read = python_json(READ, &code);
            let keys = |d: &str| -> Vec<String> {
                read["dicts"][d]
                    .as_object()
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default()
            };
            let mut all: Vec<String> = plan.fleets.iter().map(|f| f.name.clone()).collect();
            all.sort();
            let mut grants = keys("_grants");
            grants.sort();
            assert_eq!(grants, all, "{example}");
            let mut attachable_fleets: Vec<String> = (plan.fleets.iter())
                .filter(|f| attachable(f))
                .map(|f| f.name.clone())
                .collect();
            attachable_fleets.sort();
            let mut attachments = keys("_attachments");
            attachments.sort();
            assert_eq!(attachments, attachable_fleets, "{example}");
            let methods = read["methods"].as_array().expect("methods");
            assert_eq!(
                methods.iter().any(|m| m == "attach_to"),
                !attachable_fleets.is_empty(),
                "{example}"
            );
            assert!(methods.iter().any(|m| m == "grant_start_session"));
            assert_eq!(read["outputs"], plan.outputs.len(), "{example}");
            assert_eq!(read["guarded"], read["outputs"], "{example}");
        }
    }

    #[test]
    fn grants_spell_replaceable_values_as_the_policies_do() {
        let code = render_example("operators-encrypted.yaml", false)
            .remove(0)
            .contents;
        let read = python_json(READ, &code);
        // The fleet's entry names statements of `grant_statements` by index.
        let refs = read["dicts"]["_grants"]["api"]
            .as_str()
            .expect("api grants");
        let api: String = refs
            .split("grant_statements[")
            .skip(1)
            .map(|r| {
                let n: usize = r[..r.find(']').expect("index end")].parse().expect("index");
                read["g"][n].as_str().expect("a statement").to_string()
            })
            .collect();
        assert_eq!(
            api.matches("'actions'").count(),
            refs.matches("grant_statements[").count()
        );
        assert!(api.contains("session_key.key_arn if session_key else "));
        assert!(api.contains("self.session_preferences.ref if generated_names else "));
        // A grant starts sessions: no iam:PassRole, no Sid.
        assert!(!api.contains("iam:PassRole") && !api.contains("sid"));
    }
}
