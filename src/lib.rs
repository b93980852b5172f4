//! ssmgen: least-privilege AWS Systems Manager Session Manager IAM code for
//! CloudFormation, Terraform and the AWS CDK, from one spec.
//!
//! The pipeline (see ARCHITECTURE.md): [`spec`] reads and validates the user's file,
//! [`plan`] decides every permission once, [`targets`] render the plan through the
//! embedded [`render`] templates, and [`output`] writes, prints or checks the files.

pub mod app;
pub mod calls;
pub mod cli;
pub mod error;
pub mod explain;
pub mod facts;
pub mod identity_center;
pub mod manifest;
pub mod output;
pub mod paths;
pub mod plan;
pub mod render;
pub mod spec;
pub mod targets;
