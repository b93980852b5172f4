//! The hybrid activation family: a fleet's `aws_ssm_activation` with the `time_offset`
//! that fixes its expiry, and the outputs that hand its id and (secret) code to whoever
//! registers the nodes.

use super::hcl::{tags, Body, Val};
use super::iam::managed_attachment_name;
use super::outputs::{output, Block};
use super::{dangling, get_role, FleetContext};
use crate::error::Error;
use crate::plan::{Ident, Plan};

pub(super) fn add_activation(
    f: &mut FleetContext,
    plan: &Plan,
    i: usize,
    attached: &[Vec<&str>],
) -> Result<(), Error> {
    let act = plan
        .activations
        .get(i)
        .ok_or_else(|| dangling("activation", i))?;
    let role = get_role(plan, act.role)?;
    let expiry_name = format!("{}_expiry", act.id.snake);
    let mut e = Body::default();
    e.line("offset_hours", Val::Num(act.expiry_hours));
    f.expiry_body = Some(e.block_body());

    // Every policy attachment of the role, so that no node registers before the role
    // holds its permissions.
    let managed = (!role.managed_policies.is_empty()).then(|| managed_attachment_name(role));
    let depends_on: Vec<Val> = managed
        .iter()
        .map(String::as_str)
        .chain(attached.get(act.role).into_iter().flatten().copied())
        .map(|name| Val::Ref("aws_iam_role_policy_attachment.", name, ""))
        .collect();

    let r = &role.id.snake;
    // The API wants `path/name` without a leading slash; built from the role's
    // attributes so that the activation depends on the role.
    let iam_role =
        format!("trimprefix(\"${{aws_iam_role.{r}.path}}${{aws_iam_role.{r}.name}}\", \"/\")");
    let mut b = Body::default();
    if let Some(n) = &act.default_instance_name {
        b.line("name", Val::Str(n));
    }
    b.line("description", Val::Str(&act.description))
        .line("iam_role", Val::Raw(&iam_role))
        .line("registration_limit", Val::Num(act.registration_limit))
        .line(
            "expiration_date",
            Val::Ref("time_offset.", &expiry_name, ".rfc3339"),
        )
        .blank()
        .map("tags", tags(&act.tags));
    if !depends_on.is_empty() {
        b.blank().list("depends_on", depends_on);
    }
    f.activation_body = Some(b.block_body());
    f.expiry_name = Some(expiry_name);
    f.activation_name = Some(act.id.snake.clone());
    Ok(())
}

/// The id and the (secret) code of an activation.
pub(super) fn activation_outputs(
    plan: &Plan,
    a: &crate::plan::Activation,
    suffixes: &[Ident; 2],
) -> Result<[Block; 2], Error> {
    let fleet = &get_role(plan, a.role)?.fleet;
    let name = &a.id.snake;
    Ok([
        output(
            a.id.suffixed(&suffixes[0]).snake,
            &format!("Activation id to register the nodes of fleet {fleet} with"),
            Val::Ref("aws_ssm_activation.", name, ".id"),
            false,
        ),
        output(
            a.id.suffixed(&suffixes[1]).snake,
            &format!("Activation code to register the nodes of fleet {fleet} with (secret)"),
            Val::Ref("aws_ssm_activation.", name, ".activation_code"),
            true,
        ),
    ])
}

#[cfg(test)]
mod tests {
    use crate::targets::terraform::tests::{example_plan, file};
    use crate::targets::terraform::Terraform;
    use crate::targets::{Options, Target};

    #[test]
    fn activations_wait_for_every_attachment_and_hide_their_code() {
        let plan = example_plan("mixed-fleets");
        let files = Terraform
            .render(&plan, &Options::default())
            .expect("renders");
        let main = file(&files, "main.tf");
        assert!(
            main.contains("depends_on = [aws_iam_role_policy_attachment.stores_session_policy]")
        );
        assert!(main.contains("expiration_date    = time_offset.stores_activation_expiry.rfc3339"));
        let outputs = file(&files, "outputs.tf");
        assert!(outputs.contains("activation_code\n  sensitive   = true"));
        assert!(file(&files, "versions.tf").contains("hashicorp/time"));
        let plain = Terraform
            .render(&example_plan("managed-core-ec2"), &Options::default())
            .expect("renders");
        assert!(!file(&plain, "versions.tf").contains("hashicorp/time"));
    }
}
