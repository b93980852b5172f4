//! The frame of each file of the module around the blocks the families lay out: header
//! comments, block headers, separating lines. Written here rather than by Tera templates:
//! each Tera tag costs about 10 us of parsing at every start (issue 13). Every body
//! arrives laid out by `hcl.rs` (keys padded, values escaped, each line introduced by a
//! newline); this writes `<keyword> "<type>" "<name>" {`, the body and `}`.

use super::imports::ImportContext;
use super::operators::Operator;
use super::outputs::Block;
use super::session::Setting;
use super::{Header, MainContext, VersionsContext};

fn header_line(out: &mut String, h: &Header<'_>) {
    out.push_str("# ");
    out.push_str(h.marker);
    out.push_str(" for project ");
    out.push_str(h.project);
    out.push_str(". Do not edit: change the spec and regenerate.\n");
}

/// `\n<keyword> "<kind>" "<name>" {<body>\n}\n`
pub(super) fn block(out: &mut String, keyword: &str, kind: &str, name: &str, body: &str) {
    skipped_block(out, keyword, kind, name, "", body);
}

/// A [`block`] whose body starts with checkov's skip lines (`hcl::checkov_skips`), which
/// are kept apart from the body: bodies are shared between blocks, skips name their
/// subject's findings.
pub(super) fn skipped_block(
    out: &mut String,
    keyword: &str,
    kind: &str,
    name: &str,
    skips: &str,
    body: &str,
) {
    out.push('\n');
    out.push_str(keyword);
    out.push_str(" \"");
    out.push_str(kind);
    out.push_str("\" \"");
    out.push_str(name);
    out.push_str("\" {");
    out.push_str(skips);
    out.push_str(body);
    out.push_str("\n}\n");
}

pub(super) fn versions(c: &VersionsContext<'_>) -> String {
    let mut out = String::with_capacity(512);
    header_line(&mut out, c.header);
    out.push_str(
        "\nterraform {\n  required_version = \">= 1.5.0\"\n\n  required_providers {\n    aws = {\n      source  = \"hashicorp/aws\"\n      version = \"~> 6.0\"\n    }",
    );
    if c.time_provider {
        out.push_str(
            "\n    time = {\n      source  = \"hashicorp/time\"\n      version = \"~> 0.13\"\n    }",
        );
    }
    out.push_str("\n  }\n}\n");
    out
}

/// The top of `main.tf`; each fleet's section (`section.rs`) follows. Every section
/// ends with a newline and starts with the empty line that separates it.
pub(super) fn main_top(c: &MainContext<'_>) -> String {
    let mut out = String::with_capacity(1024);
    header_line(&mut out, c.header);
    out.push_str(
        "#\n\
         # Session Manager permissions for each fleet of the spec: IAM roles, instance profiles,\n\
         # policies and hybrid activations. This module configures no provider: the caller's AWS\n\
         # provider decides the account and Region it is applied to.\n",
    );
    if c.session_setup {
        out.push_str(
            "#\n\
             # It also sets Session Manager up beyond node permissions: the preferences documents\n\
             # operators name in StartSession (logging, encryption, timeouts) and the Systems Manager\n\
             # service settings sessions need, which hold for the whole account and Region.\n",
        );
    }
    if !c.pinned.is_empty() {
        out.push_str(
            "#\n# The spec pins these values, written literally below; apply the module only there:\n#   ",
        );
        out.push_str(&c.pinned.join(", "));
        out.push('\n');
    }
    for (kind, name, body) in &c.data_sources {
        out.push_str("\ndata \"");
        out.push_str(kind);
        out.push_str("\" \"");
        out.push_str(name);
        out.push_str("\" ");
        out.push_str(body);
        out.push('\n');
    }
    out
}

/// One run of `outputs.tf`: the file header (first run only), then output blocks.
pub(super) fn outputs_run(header: Option<&Header<'_>>, outputs: &[Block]) -> String {
    let mut out = String::new();
    if let Some(h) = header {
        header_line(&mut out, h);
    }
    for o in outputs {
        out.push_str("\noutput \"");
        out.push_str(&o.name);
        out.push_str("\" {");
        out.push_str(&o.body);
        out.push_str("\n}\n");
    }
    out
}

/// The account's Systems Manager service settings, after every fleet's section of
/// `main.tf`, after an empty line.
pub(super) fn settings(settings: &[Setting]) -> String {
    let mut out = String::from(
        "\n# Systems Manager service settings: one value per account and Region, not per fleet\n",
    );
    for s in settings {
        out.push('\n');
        out.push_str(&s.comment);
        block(
            &mut out,
            "resource",
            "aws_ssm_service_setting",
            &s.name,
            &s.body,
        );
    }
    out
}

/// `operators.tf`: each operator policy with its document and its attachments to
/// existing principals.
pub(super) fn operators(header: &Header<'_>, policies: &[Operator]) -> String {
    let mut out = String::with_capacity(4096);
    header_line(&mut out, header);
    out.push_str(
        "#\n\
         # Operator policies: what the people (or automation) who start Session Manager sessions on\n\
         # the fleets may do. Each is a customer managed policy. Its attachments name existing IAM\n\
         # roles, groups and users, which this module does not create, and attach this one policy\n\
         # to each (never aws_iam_policy_attachment, which would detach it from everyone else).\n",
    );
    for p in policies {
        out.push('\n');
        out.push_str(&p.comment);
        skipped_block(
            &mut out,
            "data",
            "aws_iam_policy_document",
            &p.name,
            &p.skips,
            &p.document,
        );
        block(&mut out, "resource", "aws_iam_policy", &p.name, &p.policy);
        for (kind, body) in &p.attachments {
            block(&mut out, "resource", kind, &p.name, body);
        }
    }
    out
}

/// `import.tf`: the import block of the account's default preferences document.
pub(super) fn import(c: &ImportContext<'_>) -> String {
    let mut out = String::with_capacity(1024);
    header_line(&mut out, c.header);
    out.push_str("#\n# The account's default Session Manager preferences document, ");
    out.push_str(c.document);
    out.push_str(
        ",\n\
         # exists before this module does (Session Manager creates it the first time someone saves\n\
         # preferences): Terraform adopts the account's existing document instead of failing to\n\
         # create it. Once the document is in the state, the block does nothing more.\n\
         #\n\
         # Import blocks are only allowed in the root module (Terraform 1.5 or later). When this\n\
         # folder is used as a child module, move the block to the root module, with\n\
         #   to = module.<name>.aws_ssm_document.",
    );
    out.push_str(c.name);
    out.push_str(
        "\n\
         # where <name> is the module block's name.\n\
         #\n\
         # If the account has never saved Session Manager preferences, the document does not exist\n\
         # yet and the import fails: delete this file, and Terraform creates the document.\n\
         \n\
         import {",
    );
    out.push_str(&c.body);
    out.push_str("\n}\n");
    out
}
