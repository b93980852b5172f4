//! aws-cdk-lib enums both CDK constructs spell by member name (TypeScript and Python
//! name the members the same).

/// `logs.RetentionDays` members by number of days, as aws-cdk-lib 2.275.0 declares them.
pub(crate) const LOG_RETENTION_DAYS: [(u32, &str); 22] = [
    (1, "ONE_DAY"),
    (3, "THREE_DAYS"),
    (5, "FIVE_DAYS"),
    (7, "ONE_WEEK"),
    (14, "TWO_WEEKS"),
    (30, "ONE_MONTH"),
    (60, "TWO_MONTHS"),
    (90, "THREE_MONTHS"),
    (120, "FOUR_MONTHS"),
    (150, "FIVE_MONTHS"),
    (180, "SIX_MONTHS"),
    (365, "ONE_YEAR"),
    (400, "THIRTEEN_MONTHS"),
    (545, "EIGHTEEN_MONTHS"),
    (731, "TWO_YEARS"),
    (1096, "THREE_YEARS"),
    (1827, "FIVE_YEARS"),
    (2192, "SIX_YEARS"),
    (2557, "SEVEN_YEARS"),
    (2922, "EIGHT_YEARS"),
    (3288, "NINE_YEARS"),
    (3653, "TEN_YEARS"),
];

/// The `logs.RetentionDays` member for a number of days, if the enum has one.
pub(crate) fn log_retention_member(days: u32) -> Option<&'static str> {
    LOG_RETENTION_DAYS
        .iter()
        .find(|(d, _)| *d == days)
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_enum_has_a_member_for_every_retention_cloudwatch_logs_accepts() {
        let days: Vec<u32> = super::LOG_RETENTION_DAYS.iter().map(|(d, _)| *d).collect();
        assert_eq!(days, crate::facts::LOG_RETENTION_DAYS.to_vec());
    }
}
