use super::super::tests::{construct, plan_of, HYBRID};
use super::*;
use crate::facts::scanners::{
    CKV_WRITE_WITHOUT_CONSTRAINTS, NAG_LAMBDA_DLQ, NAG_SECRET_ROTATION, NAG_WILDCARD,
};
use crate::targets::{Options, Target};

const MIXED: &str = "version: 1\nproject: shop\nsession:\n  s3: {bucket: shop-logs, prefix: ssm}\nfleets:\n  - name: web\n    platform: ec2\n    mode: managed-core\n  - name: api\n    platform: ec2\n    mode: session-only\noperators:\n  - name: oncall\n    fleets: [api]\n    identity: iam-user\n";

#[test]
fn each_subject_acknowledges_its_findings_after_it_is_created() {
    let plan = plan_of(MIXED);
    let ts = construct(&plan);
    assert_eq!(ts.matches("\nfunction acknowledge(").count(), 1, "{ts}");
    // The role's managed policy, spelled as its `managedPolicies` entry spells it.
    let role = ts.find("this.webRole = new iam.Role(").expect("role");
    let ack = ts
        .find(
            "    // The cdk-nag findings of this role, carried on purpose.\n    acknowledge(this.webRole, 'AwsSolutions-IAM4', 'Policy',\n      iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore').managedPolicyArn,\n      'chosen in the spec: ",
        )
        .expect("role acknowledgement");
    assert!(role < ack, "{ts}");
    assert_eq!(
        ts.matches(
            "        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),\n"
        )
        .count(),
        1,
        "{ts}"
    );
    // The fleet policy's wildcard resources, after the policy, one call each.
    let policy = ts.find("this.apiSessionPolicy = new").expect("policy");
    let star = ts
        .find(
            "    acknowledge(this.apiSessionPolicy, 'AwsSolutions-IAM5', 'Resource',\n      '*',\n",
        )
        .expect("wildcard");
    assert!(policy < star, "{ts}");
    // The log bucket's objects, spelled as the statement spells them: the given
    // bucket's when the app passes one.
    assert!(
        ts.contains("acknowledge(this.apiSessionPolicy, 'AwsSolutions-IAM5', 'Resource',\n      props.logBucket?.arnForObjects('ssm/*') ?? `arn:${stack.partition}:s3:::shop-logs/ssm/*`,\n"),
        "{ts}"
    );
    let operator = ts
        .find("this.oncallOperatorPolicy = new")
        .expect("operator");
    assert!(
        ts[operator..].contains("acknowledge(this.oncallOperatorPolicy, 'AwsSolutions-IAM5'"),
        "{ts}"
    );
    // One call per cdk-nag acknowledgement of the plan, none for checkov's.
    let nag = plan
        .acknowledgements
        .iter()
        .filter(|a| a.rule.scanner == Scanner::CdkNag)
        .count();
    assert_eq!(ts.matches("\n    acknowledge(this.").count(), nag, "{ts}");
    assert!(!ts.contains("CKV_AWS"), "{ts}");
}

#[test]
fn no_helper_without_cdk_nag_acknowledgements() {
    let mut plan = plan_of(MIXED);
    plan.acknowledgements
        .retain(|a| a.rule.scanner != Scanner::CdkNag);
    assert!(!plan.acknowledgements.is_empty());
    let ts = construct(&plan);
    assert!(!ts.contains("acknowledge"), "{ts}");
    assert!(!ts.contains("cdk-nag"), "{ts}");
}

#[test]
fn reasons_and_values_are_escaped() {
    let mut plan = plan_of(MIXED);
    let hostile = "it's `${process.exit(1)}` */ \n x";
    for a in &mut plan.acknowledgements {
        a.reason = hostile.into();
    }
    let ts = construct(&plan);
    assert!(
        ts.contains(r"'it\'s `${process.exit(1)}` */ \n x');"),
        "{ts}"
    );
    assert!(!ts.contains("*/ \n x"), "{ts}");
}

#[test]
fn unwritable_acknowledgements_are_refused() {
    let plan = plan_of(MIXED);
    let mut stray = plan.clone();
    stray.acknowledgements[0].subject = Subject::Role(7);
    let err = super::super::CdkTypeScript
        .render(&stray, &Options::default())
        .expect_err("no role 7");
    assert!(err.to_string().contains("role 7"), "{err}");
    let mut bare = plan.clone();
    bare.acknowledgements.push(Acknowledgement {
        rule: NAG_WILDCARD,
        subject: Subject::Policy(0),
        finding: None,
        reason: "r".into(),
    });
    let err = super::super::CdkTypeScript
        .render(&bare, &Options::default())
        .expect_err("no finding");
    assert!(err.to_string().contains("AwsSolutions-IAM5"), "{err}");
    // A checkov rule without a finding is not this target's to write.
    let mut checkov = plan;
    checkov.acknowledgements.push(Acknowledgement {
        rule: CKV_WRITE_WITHOUT_CONSTRAINTS,
        subject: Subject::Policy(9),
        finding: None,
        reason: "r".into(),
    });
    assert!(super::super::CdkTypeScript
        .render(&checkov, &Options::default())
        .is_ok());
}

#[test]
fn rules_without_a_value_are_acknowledged_whole_on_their_resource() {
    let plan = plan_of(HYBRID);
    let ts = construct(&plan);
    assert_eq!(ts.matches("\nfunction acknowledgeRule(").count(), 1, "{ts}");
    assert_eq!(ts.matches("\nfunction acknowledge(").count(), 1, "{ts}");
    let whole = plan
        .acknowledgements
        .iter()
        .filter(|a| a.rule.scanner == Scanner::CdkNag && a.rule.granular.is_none())
        .count();
    assert!(whole > 0);
    assert_eq!(ts.matches("\n    acknowledgeRule(").count(), whole, "{ts}");
    // cdk-nag 2 reads a whole rule from an entry without applies_to.
    assert!(
        ts.contains("    rules_to_suppress: [...(metadata?.rules_to_suppress ?? []), { id: rule, reason }],\n"),
        "{ts}"
    );
    for (after, call) in [
        (
            "    const activationProviderLogs = new",
            "    // The cdk-nag findings of this log group, carried on purpose.\n    acknowledgeRule(activationProviderLogs, 'HIPAA.Security-CloudWatchLogGroupEncrypted',\n      'CloudWatch Logs encrypts",
        ),
        (
            "    const plcActivationSecretResource = new",
            "    // The cdk-nag findings of this secret, carried on purpose.\n    acknowledgeRule(plcActivationSecretResource, 'HIPAA.Security-SecretsManagerUsingKMSKey',\n",
        ),
        (
            "    const plcActivationSecretResource = new",
            "    acknowledgeRule(plcActivationSecretResource, 'AwsSolutions-SMG4',\n",
        ),
        (
            "    const activationProvider = new",
            "    // The cdk-nag findings of this function, carried on purpose.\n    acknowledgeRule(activationProvider, 'HIPAA.Security-LambdaConcurrency',\n",
        ),
        (
            "    const activationProviderPolicy = new",
            "    // The cdk-nag findings of this policy, carried on purpose.\n    acknowledge(activationProviderPolicy, 'AwsSolutions-IAM5', 'Resource',\n      '*',\n",
        ),
    ] {
        let at = ts.find(after).unwrap_or_else(|| panic!("{after}\n{ts}"));
        assert!(ts[at..].contains(call), "{call}\n{ts}");
    }
}

#[test]
fn any_provider_subject_takes_an_acknowledgement() {
    let mut plan = plan_of(HYBRID);
    plan.acknowledgements.retain(|a| {
        !matches!(
            a.subject,
            Subject::ProviderRole
                | Subject::ProviderFunction
                | Subject::ProviderLogGroup
                | Subject::ActivationSecret(_)
        )
    });
    let secret_arn = plan
        .activation_provider
        .as_ref()
        .expect("provider")
        .role
        .statements[2]
        .resources[0]
        .arn(&plan.env);
    let ack = |rule, subject, finding: Option<Text>, reason: &str| Acknowledgement {
        rule,
        subject,
        finding,
        reason: reason.into(),
    };
    plan.acknowledgements.extend([
        ack(NAG_LAMBDA_DLQ[0], Subject::ProviderRole, None, "r-policy"),
        ack(
            NAG_WILDCARD,
            Subject::ProviderRole,
            Some(secret_arn),
            "r-arn",
        ),
        ack(
            NAG_LAMBDA_DLQ[0],
            Subject::ProviderFunction,
            None,
            "r-function",
        ),
        ack(NAG_LAMBDA_DLQ[0], Subject::ProviderLogGroup, None, "r-logs"),
        ack(
            NAG_LAMBDA_DLQ[0],
            Subject::ActivationSecret(0),
            None,
            "r-secret",
        ),
    ]);
    plan.acknowledgements.sort_by_key(|a| a.subject);
    let ts = construct(&plan);
    for call in [
        "    acknowledgeRule(activationProviderPolicy, 'HIPAA.Security-LambdaDLQ',\n      'r-policy');\n",
        "    acknowledge(activationProviderPolicy, 'AwsSolutions-IAM5', 'Resource',\n      props.generatedNames ? this.plcActivationSecret.secretArn : `arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:factory/plc/activation-??????`,\n      'r-arn');\n",
        "    acknowledgeRule(activationProvider, 'HIPAA.Security-LambdaDLQ',\n      'r-function');\n",
        "    acknowledgeRule(activationProviderLogs, 'HIPAA.Security-LambdaDLQ',\n      'r-logs');\n",
        "    acknowledgeRule(plcActivationSecretResource, 'HIPAA.Security-LambdaDLQ',\n      'r-secret');\n",
    ] {
        assert_eq!(ts.matches(call).count(), 1, "{call}\n{ts}");
    }
}

#[test]
fn provider_acknowledgements_cdk_nag_cannot_match_are_refused() {
    let ack = |rule, subject, finding: Option<&str>| Acknowledgement {
        rule,
        subject,
        finding: finding.map(Text::literal),
        reason: "r".into(),
    };
    for (spec, a, why) in [
        (
            HYBRID.to_string(),
            ack(NAG_WILDCARD, Subject::ProviderFunction, None),
            "AwsSolutions-IAM5 is acknowledged without the value",
        ),
        (
            HYBRID.to_string(),
            ack(
                NAG_SECRET_ROTATION[0],
                Subject::ActivationSecret(0),
                Some("x"),
            ),
            "AwsSolutions-SMG4 names no value",
        ),
        (
            HYBRID.to_string(),
            ack(NAG_SECRET_ROTATION[0], Subject::ActivationSecret(5), None),
            "activation secret 5",
        ),
        // Without a provider, its subjects are not the plan's.
        (
            format!("activation_method: script\n{HYBRID}"),
            ack(NAG_LAMBDA_DLQ[0], Subject::ProviderFunction, None),
            "activation provider",
        ),
    ] {
        let mut plan = plan_of(&spec);
        plan.acknowledgements.push(a);
        plan.acknowledgements.sort_by_key(|a| a.subject);
        let err = super::super::CdkTypeScript
            .render(&plan, &Options::default())
            .expect_err(why);
        assert!(err.to_string().contains(why), "{err}");
    }
}
