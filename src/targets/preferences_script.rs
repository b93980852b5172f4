//! The `session-preferences.sh` script written beside CloudFormation and CDK code when
//! the spec manages the account's default preferences document
//! (`session_document: {account_default: true}`).
//!
//! `SSM-SessionManagerRunShell` exists in an account once anyone has saved Session
//! Manager preferences, and CloudFormation cannot adopt an existing resource in a plain
//! template: an `AWS::SSM::Document` of that name would fail to create. So these targets
//! leave the document out of the stack and write this script, which creates the
//! document or gives it a new default version with the AWS CLI (Terraform imports the
//! document instead).

use std::path::PathBuf;

use serde::Serialize;

use super::OutFile;
use crate::error::Error;
use crate::plan::{Plan, SessionDocument};
use crate::render::Templates;

const SCRIPT: &str = "preferences/session-preferences.sh";

pub static TEMPLATES: Templates = Templates::new(&[(
    SCRIPT,
    include_str!("../../templates/preferences/session-preferences.sh.tera"),
)]);

/// The file name of the script.
pub const FILE_NAME: &str = "session-preferences.sh";

/// The account's default preferences document of the plan, which the stack leaves out
/// and the script writes, if there is one.
pub fn account_default(plan: &Plan) -> Option<&SessionDocument> {
    plan.documents.iter().find(|d| d.account_default)
}

/// The script's template when [`script`] renders one for this plan.
pub fn templates_used(plan: &Plan) -> Option<super::TemplateRef> {
    account_default(plan).map(|_| (&TEMPLATES, SCRIPT))
}

/// Context of `templates/preferences/session-preferences.sh.tera`.
#[derive(Serialize)]
struct ScriptContext<'a> {
    project: &'a str,
    /// Where the fleets' roles come from, for the header comment (`stack` or `CDK app`).
    deployed_by: &'a str,
    /// The pinned Region; otherwise the script requires `--region` or `AWS_REGION`.
    region: Option<&'a str>,
    /// The pinned account, which the credentials must belong to.
    account: Option<&'a str>,
    /// The document's content as pretty-printed JSON, written into a quoted
    /// here-document: every line of it starts with a brace or a space, so none can be
    /// the delimiter, and JSON escapes every control character, so it has no other
    /// line breaks.
    content: String,
}

/// The script, or nothing when the plan has no account-default document.
pub fn script(plan: &Plan, deployed_by: &str) -> Result<Option<OutFile>, Error> {
    let Some(doc) = account_default(plan) else {
        return Ok(None);
    };
    // The template spells the document's name, SSM-SessionManagerRunShell, as the User
    // Guide's calls do: the plan gives an account-default document no other name.
    let content = serde_json::to_string_pretty(&doc.content).map_err(|e| Error::Render {
        template: SCRIPT.into(),
        message: e.to_string(),
    })?;
    let ctx = ScriptContext {
        project: &plan.project.kebab,
        deployed_by,
        region: plan.env.region.pinned(),
        account: plan.env.account.pinned(),
        content,
    };
    Ok(Some(OutFile {
        path: PathBuf::from(FILE_NAME),
        contents: TEMPLATES.render(SCRIPT, &ctx)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::operators::DEFAULT_DOCUMENT;

    fn plan_of(yaml: &str) -> Plan {
        let (spec, _) = crate::spec::load_str(yaml, "spec.yaml").expect("valid spec");
        crate::plan::build::build(&spec)
    }

    const SPEC: &str = "version: 1\nproject: core\nsession:\n  idle_timeout_minutes: 20\nsession_document:\n  account_default: true\nfleets:\n  - name: web\n    platform: ec2\n    mode: session-only\n";

    #[test]
    fn only_an_account_default_document_gets_a_script() {
        let plan = plan_of(SPEC);
        assert!(script(&plan, "stack").expect("renders").is_some());
        assert!(templates_used(&plan).is_some());
        let own = plan_of(&SPEC.replace("  account_default: true\n", "  name: core-prefs\n"));
        assert_eq!(own.documents.len(), 1);
        assert!(script(&own, "stack").expect("renders").is_none());
        assert!(templates_used(&own).is_none());
    }

    #[test]
    fn the_content_is_the_plans_exactly_and_no_line_of_it_ends_the_here_document() {
        let mut plan = plan_of(SPEC);
        let hostile = "a\nSSMGEN_END_OF_PREFERENCES\n'$(id)' `id` ${HOME} \"q\" \\ \r\t\u{2028}";
        plan.documents[0].content["inputs"]["shellProfile"]["linux"] = hostile.into();
        let text = script(&plan, "stack")
            .expect("renders")
            .expect("a script")
            .contents;
        let start = text
            .find("<<'SSMGEN_END_OF_PREFERENCES'\n")
            .expect("here-document")
            + "<<'SSMGEN_END_OF_PREFERENCES'\n".len();
        let end = start
            + text[start..]
                .find("\nSSMGEN_END_OF_PREFERENCES\n")
                .expect("delimiter");
        let body = &text[start..end];
        assert!(
            body.lines().all(|l| l.starts_with(['{', '}', ' '])),
            "{body}"
        );
        let back: serde_json::Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(back, plan.documents[0].content);
    }

    #[test]
    fn the_plan_names_the_document_as_the_template_does() {
        let plan = plan_of(SPEC);
        assert_eq!(plan.documents[0].name, DEFAULT_DOCUMENT);
        let text = script(&plan, "stack")
            .expect("renders")
            .expect("a script")
            .contents;
        let calls = text.matches("--name SSM-SessionManagerRunShell").count();
        assert_eq!(calls, 5, "{text}");
        assert_eq!(text.matches("--name").count(), calls, "{text}");
    }
}
