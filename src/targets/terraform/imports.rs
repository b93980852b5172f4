//! `import.tf`: the `import` block (Terraform 1.5 or later) of the account's default
//! Session Manager preferences document, `SSM-SessionManagerRunShell`, which exists
//! before the module does once someone has saved preferences in the account. Without it
//! the first apply fails, as the document's name is taken; with it Terraform adopts the
//! document and updates its content to a new default version.

use super::hcl::{Body, Val};
use super::Header;
use crate::error::Error;
use crate::plan::Plan;

/// What `layout::import` writes `import.tf` from.
pub(super) struct ImportContext<'a> {
    /// [`super::GENERATED_MARKER`] and the project.
    pub(super) header: &'a Header<'a>,
    /// The document's name, which is also the import id.
    pub(super) document: &'a str,
    /// The resource name of its `aws_ssm_document` in `main.tf`.
    pub(super) name: &'a str,
    /// The body of the `import` block, laid out like [`super::outputs::Block::body`].
    pub(super) body: String,
}

/// `import.tf`, for a plan that manages the account's default document (at most one:
/// validation holds every fleet to one set of preferences then); `None` otherwise.
pub(super) fn import_tf(plan: &Plan, header: &Header) -> Result<Option<String>, Error> {
    let Some(d) = plan.documents.iter().find(|d| d.account_default) else {
        return Ok(None);
    };
    let mut b = Body::default();
    // The provider imports a document by its name.
    b.line("to", Val::Ref("aws_ssm_document.", &d.id.snake, ""))
        .line("id", Val::Str(&d.name));
    Ok(Some(super::layout::import(&ImportContext {
        header,
        document: &d.name,
        name: &d.id.snake,
        body: b.block_body(),
    })))
}

#[cfg(test)]
mod tests {
    use crate::targets::terraform::tests::{example_plan, file};
    use crate::targets::terraform::Terraform;
    use crate::targets::{Options, OutFile, Target};

    fn render(example: &str) -> Vec<OutFile> {
        Terraform
            .render(&example_plan(example), &Options::default())
            .expect("renders")
    }

    fn names(files: &[OutFile]) -> Vec<&str> {
        files
            .iter()
            .map(|f| f.path.to_str().expect("UTF-8 path"))
            .collect()
    }

    #[test]
    fn import_tf_is_written_only_for_the_account_default_document() {
        let with = render("account-default");
        assert_eq!(
            names(&with),
            [
                "versions.tf",
                "main.tf",
                "import.tf",
                "operators.tf",
                "outputs.tf"
            ]
        );
        // A document of the project's own, and none at all: nothing to import.
        for example in ["session-preferences", "session-only-ec2"] {
            assert!(!names(&render(example)).contains(&"import.tf"), "{example}");
        }
    }

    /// The `(kind, labels, body)` of each top-level block of an HCL file, read by hcl-rs.
    fn blocks(text: &str) -> Vec<(String, Vec<String>, hcl::Body)> {
        let body: hcl::Body = hcl::from_str(text).expect("parses");
        body.into_blocks()
            .map(|b| {
                let labels = b.labels.iter().map(|l| l.as_str().to_string()).collect();
                (b.identifier.to_string(), labels, b.body)
            })
            .collect()
    }

    fn attribute<'a>(body: &'a hcl::Body, key: &str) -> &'a hcl::Expression {
        &body
            .attributes()
            .find(|a| a.key.as_str() == key)
            .unwrap_or_else(|| panic!("no {key}"))
            .expr
    }

    #[test]
    fn the_import_block_names_the_document_of_main_tf() {
        let files = render("account-default");
        let import = blocks(file(&files, "import.tf"));
        assert_eq!(import.len(), 1);
        let (kind, labels, body) = &import[0];
        assert_eq!((kind.as_str(), labels.len()), ("import", 0));
        assert_eq!(body.attributes().count(), 2);
        let hcl::Expression::Traversal(to) = attribute(body, "to") else {
            panic!("`to` is not a resource address");
        };
        let hcl::Expression::Variable(kind) = &to.expr else {
            panic!("`to` starts with {:?}", to.expr);
        };
        let [hcl::TraversalOperator::GetAttr(name)] = to.operators.as_slice() else {
            panic!("`to` is not <type>.<name>: {:?}", to.operators);
        };
        assert_eq!(kind.as_str(), "aws_ssm_document");
        let id = attribute(body, "id");
        assert_eq!(
            id,
            &hcl::Expression::String("SSM-SessionManagerRunShell".into())
        );

        // main.tf holds that resource, with that name, untagged.
        let main = blocks(file(&files, "main.tf"));
        let documents: Vec<_> = main
            .iter()
            .filter(|(k, l, _)| k == "resource" && l[0] == "aws_ssm_document")
            .collect();
        assert_eq!(documents.len(), 1);
        let (_, labels, document) = documents[0];
        assert_eq!(labels[1], name.as_str());
        assert_eq!(attribute(document, "name"), id);
        assert!(document.attributes().all(|a| a.key.as_str() != "tags"));
        assert!(file(&files, "import.tf")
            .contains(&format!("#   to = module.<name>.aws_ssm_document.{name}\n")));
    }

    #[test]
    fn the_required_terraform_version_allows_import_blocks() {
        // Import blocks came with Terraform 1.5.
        let files = render("account-default");
        let versions: hcl::Body = hcl::from_str(file(&files, "versions.tf")).expect("parses");
        let terraform = versions
            .blocks()
            .find(|b| b.identifier.as_str() == "terraform")
            .expect("terraform block");
        let hcl::Expression::String(required) = attribute(&terraform.body, "required_version")
        else {
            panic!("required_version is not a string");
        };
        let version = required.strip_prefix(">= ").expect("a lower bound");
        let numbers: Vec<u32> = version
            .split('.')
            .map(|n| n.parse().expect("number"))
            .collect();
        assert!(numbers[..2] >= [1, 5][..], "{required}");
    }
}
