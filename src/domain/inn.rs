//! Kyrgyz taxpayer numbers (INN, ИНН): 14 digits. A natural person's INN starts with 1 or 2 (the
//! sex) followed by the birth date as DDMMYYYY (domain.md section 1).

use chrono::NaiveDate;

/// Fourteen ASCII digits.
pub fn is_inn_format(inn: &str) -> bool {
    inn.len() == 14 && inn.bytes().all(|b| b.is_ascii_digit())
}

/// A natural person's INN: 14 digits, first 1 or 2, then a real date DDMMYYYY.
pub fn is_natural_person_inn(inn: &str) -> bool {
    if !is_inn_format(inn) || !matches!(&inn[..1], "1" | "2") {
        return false;
    }
    let (day, month, year) = (&inn[1..3], &inn[3..5], &inn[5..9]);
    match (day.parse(), month.parse(), year.parse()) {
        (Ok(d), Ok(m), Ok(y)) => NaiveDate::from_ymd_opt(y, m, d).is_some() && (1900..=2100).contains(&y),
        _ => false,
    }
}

/// A company's INN: a legal entity's (first digit 0) or an individual entrepreneur's, who is a
/// natural person and follows that rule.
pub fn is_company_inn(inn: &str) -> bool {
    is_inn_format(inn) && (inn.starts_with('0') || is_natural_person_inn(inn))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_person_inns_carry_sex_and_birth_date() {
        assert!(is_natural_person_inn("21503198710015"));
        assert!(is_natural_person_inn("12902200000123")); // 29 February 2000 existed
        assert!(!is_natural_person_inn("12902200100123")); // 29 February 2001 did not
        assert!(!is_natural_person_inn("31503198710015")); // first digit 3
        assert!(!is_natural_person_inn("23213198710015")); // month 13... day 32
        assert!(!is_natural_person_inn("2150319871001")); // 13 digits
        assert!(!is_natural_person_inn("2150319871001a"));
    }

    #[test]
    fn company_inns_are_legal_entities_or_entrepreneurs() {
        assert!(is_company_inn("01204200910123"));
        assert!(is_company_inn("21503198710015"));
        assert!(!is_company_inn("31204200910123"));
        assert!(!is_company_inn("0120420091012"));
    }
}
