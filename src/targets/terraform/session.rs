//! Session Manager set up beyond node permissions: the preferences documents
//! (`aws_ssm_document` of type `Session`, in the section of the first fleet that uses each)
//! and the account's Systems Manager service settings (`aws_ssm_service_setting`, in a
//! section of their own after the fleets, since they belong to no fleet).

use super::hcl::{checkov_skips, comment, tags, Body, JsonRefs, Val};
use super::{dangling, get_role, FleetContext};
use crate::error::Error;
use crate::plan::{Plan, Reference, Subject};
use crate::render::escape::HCL_PSEUDO;

/// The inputs of a preferences document that name a created resource, by the
/// placeholder the plan leaves there (`Reference::placeholder`).
const REFERENCE_INPUTS: [(&[&str], Reference); 2] = [
    (&["inputs", "kmsKeyId"], Reference::SessionKeyArn),
    (&["inputs", "s3BucketName"], Reference::LogBucketName),
];

/// Where a document's content names a created resource: the reference itself goes
/// there, inside `jsonencode` (`kmsKeyId = aws_kms_key.session_key.arn`), never the
/// placeholder. Only these inputs, and only when they hold exactly the placeholder: the
/// same text anywhere else (a shell profile) is the spec's own, and stays literal.
fn content_refs(content: &serde_json::Value) -> JsonRefs<'static> {
    REFERENCE_INPUTS
        .iter()
        .filter(|(path, r)| {
            let at = path.iter().try_fold(content, |v, k| v.get(k));
            at.and_then(|v| v.as_str()) == Some(r.placeholder())
        })
        .map(|(path, r)| (*path, HCL_PSEUDO.get_ref(*r)))
        .collect()
}

/// Adds document `i` to a fleet's section unless an earlier fleet's section holds it
/// (`written`, one flag per document): a document shared by several fleets is written
/// once, with the first of them.
pub(super) fn add_document(
    f: &mut FleetContext,
    plan: &Plan,
    i: usize,
    written: &mut [bool],
) -> Result<(), Error> {
    let d = plan
        .documents
        .get(i)
        .ok_or_else(|| dangling("document", i))?;
    if std::mem::replace(&mut written[i], true) {
        return Ok(());
    }
    let mut b = Body::default();
    b.line("name", Val::Str(&d.name))
        .line("document_type", Val::Str("Session"))
        .line("document_format", Val::Str("JSON"))
        .blank()
        .jsonencode("content", &d.content, content_refs(&d.content))
        .blank()
        .map("tags", tags(&d.tags));
    let plural = if d.fleets.len() == 1 { "" } else { "s" };
    let fleets = d.fleets.join(", ");
    // The provider updates the content in place (a new document version, made the
    // default), while a new name replaces the document: say so where someone edits it.
    f.session_document_comment = Some(if d.account_default {
        let what = format!(
            "The account's default Session Manager preferences, for fleet{plural} {fleets}: \
             every session in this account and Region that names no document (the console, \
             aws ssm start-session without --document-name) is logged and encrypted as it \
             says."
        );
        comment([
            what.as_str(),
            "It exists before this module does: import.tf adopts it. Untagged, as it is the \
             account's rather than this project's.",
            "A content change makes a new default version of the document. Destroying the \
             module deletes the document: to stop managing it but keep it, run terraform \
             state rm on it first.",
        ])
    } else {
        let what = format!(
            "Session Manager preferences of fleet{plural} {fleets}: operators name this \
             document in StartSession (aws ssm start-session --document-name), and the \
             sessions they start are logged and encrypted as it says."
        );
        comment([
            what.as_str(),
            "A content change makes a new default version of the document; a new name replaces it.",
        ])
    });
    f.session_document_skips = checkov_skips(plan, Subject::Document(i));
    f.session_document_body = Some(b.block_body());
    f.session_document_name = Some(d.id.snake.clone());
    Ok(())
}

/// One `aws_ssm_service_setting` block after the fleets (`layout::settings`).
pub(super) struct Setting {
    /// The resource name.
    pub(super) name: String,
    /// The comment lines above the block: what the setting costs or changes.
    pub(super) comment: String,
    /// The body, laid out like [`super::outputs::Block`]'s.
    pub(super) body: String,
}

/// The plan's service settings. `setting_id` is the ARN form, the one every version of
/// the provider accepts (older ones refuse the `/ssm/...` id alone).
pub(super) fn settings(plan: &Plan) -> Result<Vec<Setting>, Error> {
    plan.service_settings
        .iter()
        .map(|s| {
            let arn = s.arn(&plan.env);
            let role = s
                .role
                .map(|r| get_role(plan, r).map(|role| role.id.snake.as_str()))
                .transpose()?;
            let mut b = Body::default();
            b.line("setting_id", Val::Text(&arn))
                .line("setting_value", Val::Str(&s.value));
            if let Some(role) = role {
                // The value names the role, which must exist before anything refers
                // to it; Terraform cannot see that through a plain string.
                b.blank()
                    .list("depends_on", vec![Val::Ref("aws_iam_role.", role, "")]);
            }
            Ok(Setting {
                name: s.id.snake.clone(),
                comment: comment([s.note]),
                body: b.block_body(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::plan::Subject;
    use crate::targets::terraform::tests::file;
    use crate::targets::terraform::Terraform;
    use crate::targets::{Options, Target};

    /// An example's plan with the Session Manager set up added.
    fn setup_plan(name: &str) -> crate::plan::Plan {
        let (spec, _) = crate::spec::load(std::path::Path::new(&format!("examples/{name}.yaml")))
            .expect("example is valid");
        crate::plan::build::build(&spec)
    }

    /// With SSMGEN_TF_DUMP set, writes the module to `$SSMGEN_TF_DUMP/<example>/`, for a
    /// manual check with hclfmt, hcldump and python-hcl2.
    fn dump(example: &str, files: &[crate::targets::OutFile]) {
        if let Ok(dir) = std::env::var("SSMGEN_TF_DUMP") {
            let dir = std::path::Path::new(&dir).join(example);
            std::fs::create_dir_all(&dir).expect("dump");
            for f in files {
                std::fs::write(dir.join(&f.path), &f.contents).expect("dump");
            }
        }
    }

    #[test]
    fn documents_are_written_once_in_their_first_fleets_section() {
        let plan = setup_plan("session-preferences");
        assert_eq!(plan.documents.len(), 2);
        let files = Terraform
            .render(&plan, &Options::default())
            .expect("renders");
        let main = file(&files, "main.tf");
        for d in &plan.documents {
            let header = format!("resource \"aws_ssm_document\" \"{}\" {{", d.id.snake);
            assert_eq!(main.matches(&header).count(), 1, "{header}");
            assert!(main.contains(&format!("  name            = \"{}\"\n", d.name)));
        }
        assert!(main.contains("  document_type   = \"Session\"\n"));
        assert!(main.contains("  content = jsonencode({\n    schemaVersion = \"1.0\"\n"));
        assert!(main.contains("      cloudWatchStreamingEnabled  = true\n"));
        assert!(main.contains("      shellProfile = {\n        windows = \"\"\n"));
        let outputs = file(&files, "outputs.tf");
        assert!(outputs.contains("value       = aws_ssm_document.web_session_preferences.name"));
        // Each document sits in the section of its fleet, after the fleet's policy.
        let web = main.find("# Fleet web").expect("web section");
        let batch = main.find("# Fleet batch").expect("batch section");
        let doc = main
            .find("\"aws_ssm_document\" \"web_session_preferences\"")
            .expect("web document");
        assert!(web < doc && doc < batch);
    }

    #[test]
    fn a_document_starts_with_its_checkov_skips() {
        // No key and no encrypted logging: CKV_AWS_112 and CKV_AWS_113.
        let plan = setup_plan("hybrid-activation");
        let main = file(
            &Terraform
                .render(&plan, &Options::default())
                .expect("renders"),
            "main.tf",
        )
        .to_string();
        let reasons: Vec<&str> = plan
            .acknowledgements_of(Subject::Document(0))
            .map(|a| &*a.reason)
            .collect();
        assert_eq!(reasons.len(), 2);
        assert!(main.contains(&format!(
            "resource \"aws_ssm_document\" \"{}\" {{\n  #checkov:skip=CKV_AWS_112:{}\n  \
             #checkov:skip=CKV_AWS_113:{}\n  name ",
            plan.documents[0].id.snake, reasons[0], reasons[1]
        )));
    }

    #[test]
    fn the_account_default_document_carries_its_skips_in_main_tf() {
        use crate::facts::scanners::CKV_SESSION_ENCRYPTION;
        let mut plan = setup_plan("account-default");
        let i = plan
            .documents
            .iter()
            .position(|d| d.account_default)
            .expect("account default");
        plan.acknowledgements.push(crate::plan::Acknowledgement {
            rule: CKV_SESSION_ENCRYPTION,
            subject: Subject::Document(i),
            finding: None,
            reason: "a reason".into(),
        });
        plan.acknowledgements.sort_by_key(|a| a.subject);
        let files = Terraform
            .render(&plan, &Options::default())
            .expect("renders");
        assert!(file(&files, "main.tf").contains(&format!(
            "resource \"aws_ssm_document\" \"{}\" {{\n  #checkov:skip=CKV_AWS_112:a reason\n  name ",
            plan.documents[i].id.snake
        )));
        assert!(!file(&files, "import.tf").contains("#checkov"));
    }

    #[test]
    fn a_shared_document_is_written_once() {
        let mut plan = setup_plan("session-preferences");
        // Make the second fleet use the first fleet's document.
        plan.documents.truncate(1);
        plan.documents[0].fleets.push("batch".into());
        plan.fleets[1].document = Some(0);
        plan.outputs
            .retain(|o| !o.id.snake.starts_with("batch_session_preferences"));
        let files = Terraform
            .render(&plan, &Options::default())
            .expect("renders");
        let main = file(&files, "main.tf");
        assert_eq!(main.matches("resource \"aws_ssm_document\"").count(), 1);
        assert!(main.contains("# Session Manager preferences of fleets web, batch:"));
    }

    #[test]
    fn the_tier_setting_names_the_arn_and_explains_itself() {
        let plan = setup_plan("hybrid-activation");
        assert_eq!(plan.service_settings.len(), 1);
        let files = Terraform
            .render(&plan, &Options::default())
            .expect("renders");
        dump("hybrid-activation", &files);
        let main = file(&files, "main.tf");
        assert!(main.contains(
            "resource \"aws_ssm_service_setting\" \"hybrid_advanced_tier\" {\n  setting_id    = \
             \"arn:aws:ssm:eu-central-1:444455556666:servicesetting/ssm/managed-instance/\
             activation-tier\"\n  setting_value = \"advanced\"\n}"
        ));
        assert!(main.contains("\n# Account-and-Region wide: every hybrid node"));
        assert!(main.ends_with("}\n"));
    }

    #[test]
    fn a_setting_that_names_a_role_waits_for_it() {
        let mut plan = setup_plan("hybrid-activation");
        plan.service_settings[0].role = Some(0);
        let role = plan.roles[0].id.snake.clone();
        let files = Terraform
            .render(&plan, &Options::default())
            .expect("renders");
        let main = file(&files, "main.tf");
        assert!(main.contains(&format!(
            "  setting_value = \"advanced\"\n\n  depends_on = [aws_iam_role.{role}]\n}}"
        )));
    }

    #[test]
    fn the_data_sources_follow_the_setting_arn() {
        // Without its policy, nothing but the setting's ARN names the account: the
        // plan's pseudos must still count it, so the module declares the data source
        // the ARN reads it from.
        let mut plan = setup_plan("hybrid-activation");
        plan.policies.clear();
        plan.fleets.iter_mut().for_each(|f| f.policy = None);
        plan.env.account = crate::plan::Value::Pseudo(crate::plan::Pseudo::AccountId);
        assert!(plan.pseudos().contains(&crate::plan::Pseudo::AccountId));
        let files = Terraform
            .render(&plan, &Options::default())
            .expect("renders");
        let main = file(&files, "main.tf");
        assert!(main.contains("data \"aws_caller_identity\" \"current\" {}"));
        assert!(main.contains(":${data.aws_caller_identity.current.account_id}:servicesetting/"));
    }

    /// The value of `jsonencode(...)` in the `content` of each `aws_ssm_document` of
    /// `main`, as hcl-rs (a real HCL reader) evaluates its argument.
    fn contents(main: &str) -> Vec<serde_json::Value> {
        use hcl::eval::{Context, Evaluate};
        let body: hcl::Body = hcl::from_str(main).expect("main.tf parses");
        let ctx = Context::new();
        body.blocks()
            .filter(|b| b.labels.first().map(|l| l.as_str()) == Some("aws_ssm_document"))
            .map(|b| {
                let content = b
                    .body
                    .attributes()
                    .find(|a| a.key.as_str() == "content")
                    .expect("content");
                let hcl::Expression::FuncCall(call) = &content.expr else {
                    panic!("content is not a call: {:?}", content.expr);
                };
                assert_eq!(call.name.to_string(), "jsonencode");
                let value = call.args[0].evaluate(&ctx).expect("a literal object");
                serde_json::to_value(value).expect("JSON")
            })
            .collect()
    }

    #[test]
    fn hostile_shell_profiles_read_back_exactly() {
        // Template sequences (live, and already doubled), quotes, backslashes, line
        // breaks, a control character and non-ASCII text. hcl-rs 0.20 loses a `$` of
        // `$$${` after a `%%{` in the same string (see tests/hostile_output.rs), so the
        // doubled sequences come first; hcldump checks the rest in the conformance suite.
        let linux = "$${HOME} ${HOME} \"q\" \\n\\ \n\tx\u{1} é 日本 $ % %{ if true }x%{ endif } $";
        let windows = "Write-Host \"${env:USERNAME}\" %%{x} `\r\n $${y}";
        let mut plan = setup_plan("session-preferences");
        let key = "odd key ${k} \"";
        for d in &mut plan.documents {
            let inputs = d.content["inputs"].as_object_mut().expect("inputs");
            inputs["shellProfile"] = serde_json::json!({ "windows": windows, "linux": linux });
            inputs.insert(key.into(), serde_json::json!([1, "${a}", null, {}, []]));
            d.tags.insert("x${y}".into(), "%{z}".into());
        }
        let files = Terraform
            .render(&plan, &Options::default())
            .expect("renders");
        dump("session-preferences-hostile", &files);
        let main = file(&files, "main.tf");
        assert!(main.contains(r#"linux   = "$$${HOME} $${HOME} \"q\" \\n\\ \n\tx\u0001 é 日本 $ % %%{ if true }x%%{ endif } $""#));
        assert!(main.contains(r#"    "odd key $${k} \"" = ["#));
        let read = contents(main);
        assert_eq!(read.len(), plan.documents.len());
        for (got, d) in read.iter().zip(&plan.documents) {
            assert_eq!(got, &d.content);
            assert_eq!(got["inputs"]["shellProfile"]["linux"], linux);
        }
    }

    #[test]
    fn the_content_reads_back_as_the_plan_has_it() {
        let plan = setup_plan("session-preferences");
        let files = Terraform
            .render(&plan, &Options::default())
            .expect("renders");
        let read = contents(file(&files, "main.tf"));
        let expected: Vec<&serde_json::Value> = plan.documents.iter().map(|d| &d.content).collect();
        assert_eq!(read.iter().collect::<Vec<_>>(), expected);
        dump("session-preferences", &files);
    }
}
