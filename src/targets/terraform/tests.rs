//! Tests of the whole target (hostile strings, data sources, generated markers), and
//! what every test of this folder shares: an example's plan and a rendered file.

use super::*;

pub(super) fn example_plan(name: &str) -> Plan {
    let (spec, _) = crate::spec::load(std::path::Path::new(&format!("examples/{name}.yaml")))
        .expect("example is valid");
    crate::plan::build::build(&spec)
}

pub(super) fn file<'a>(files: &'a [OutFile], name: &str) -> &'a str {
    &files
        .iter()
        .find(|f| f.path == std::path::Path::new(name))
        .expect("file generated")
        .contents
}

/// Every `${` and `%{` that starts an interpolation or directive (not doubled into a
/// literal) must open one of the references the generator writes itself.
fn live_templates(hcl: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = hcl.as_bytes();
    let mut i = 0;
    while i + 1 < b.len() {
        if (b[i] == b'$' || b[i] == b'%') && b[i + 1] == b'{' {
            out.push(hcl[i..].chars().take(24).collect());
            i += 2;
        } else if (b[i] == b'$' || b[i] == b'%') && b[i + 1] == b[i] {
            i += 2; // `$$` or `%%`: an escaped opener, skip both
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn hostile_strings_stay_literals() {
    let hostile = "${file(\"/etc/passwd\")} %{ if true }x%{ endif }\"\nq\\";
    let escaped = r#""$${file(\"/etc/passwd\")} %%{ if true }x%%{ endif }\"\nq\\""#;
    let baseline = example_plan("hybrid-activation");
    let mut plan = baseline.clone();
    // Replace values (not add entries) so that the layout must stay line for line.
    let role = &mut plan.roles[0];
    role.description = hostile.into();
    role.tags = role
        .tags
        .keys()
        .map(|k| (k.clone(), hostile.into()))
        .collect();
    role.tags.insert(hostile.to_string(), "k".into());
    let act = &mut plan.activations[0];
    act.description = hostile.into();
    act.default_instance_name = Some(hostile.into());
    act.tags = act
        .tags
        .keys()
        .map(|k| (k.clone(), hostile.into()))
        .collect();
    plan.policies[0].description = hostile.into();

    let main = Terraform
        .render(&plan, &Options::default())
        .expect("renders");
    let main = file(&main, "main.tf").to_string();
    let base = Terraform
        .render(&baseline, &Options::default())
        .expect("renders");
    let base = file(&base, "main.tf");
    if let Ok(dir) = std::env::var("SSMGEN_TF_DUMP") {
        // For a manual check with hclfmt / python-hcl2.
        std::fs::write(std::path::Path::new(&dir).join("hostile.tf"), &main).expect("dump");
    }

    // The role's and the activation's descriptions, aligned in their runs.
    assert_eq!(
        main.matches(&format!("description        = {escaped}"))
            .count(),
        2
    );
    assert!(main.contains(&format!("name               = {escaped}")));
    assert!(main.contains(&format!("    {escaped} = \"k\"")));
    // Role: description, name, 2 tag values; activation: description, default name, and
    // 3 tag values (team, site and the selector tag); policy description.
    assert_eq!(main.matches(escaped).count(), 9);
    // One extra line for the added tag key; no string spills onto another line.
    assert_eq!(main.lines().count(), base.lines().count() + 1);
    for t in live_templates(&main) {
        assert!(
            t.starts_with("${data.aws_") || t.starts_with("${aws_iam_role."),
            "unexpected live template {t:?}"
        );
    }
    assert_eq!(live_templates(&main).len(), live_templates(base).len());
}

#[test]
fn data_sources_follow_the_pseudo_values_used() {
    let files = Terraform
        .render(&example_plan("govcloud"), &Options::default())
        .expect("renders");
    let main = file(&files, "main.tf");
    assert!(!main.contains("data \"aws_partition\""));
    assert!(!main.contains("data \"aws_caller_identity\""));
    let files = Terraform
        .render(&example_plan("vpc-endpoints"), &Options::default())
        .expect("renders");
    let main = file(&files, "main.tf");
    assert!(main.contains("data \"aws_partition\" \"current\" {}"));
    assert!(!main.contains("data \"aws_region\""));
}

#[test]
fn every_file_says_it_is_generated() {
    for ex in ["mixed-fleets", "existing-role", "account-default"] {
        let files = Terraform
            .render(&example_plan(ex), &Options::default())
            .expect("renders");
        for f in &files {
            assert!(
                f.contents
                    .lines()
                    .take(5)
                    .any(|l| l.contains(GENERATED_MARKER)),
                "{}",
                f.path.display()
            );
            assert!(f.contents.ends_with("}\n"));
        }
    }
}
