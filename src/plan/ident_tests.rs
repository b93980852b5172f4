//! `Ident::suffixed` against heck on the joined name.

use super::Ident;

#[test]
fn suffixed_idents_equal_heck_on_the_joined_name() {
    for name in [
        "web",
        "plc-gateways",
        "f00001",
        "web-1",
        "a1b2",
        "x-9-y",
        "cn-shop",
    ] {
        for suffix in [
            "role",
            "instance-profile",
            "session-policy",
            "role-arn",
            "activation",
        ] {
            let joined = Ident::new(&format!("{name}-{suffix}"));
            assert_eq!(
                Ident::new(name).suffixed(&Ident::new(suffix)),
                joined,
                "{name} {suffix}"
            );
        }
    }
}
