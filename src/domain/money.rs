//! Money and the one rounding policy of the product.
//!
//! Amounts are exact decimals with an ISO 4217 currency. Rounding happens only where an amount
//! becomes a real payment or is shown, always half away from zero to the currency's minor unit,
//! and only through [`round_money`].

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// Currencies the registry accepts (domain.md section 6: KGS by default, USD allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "UPPERCASE")]
pub enum Currency {
    #[default]
    Kgs,
    Usd,
}

impl Currency {
    pub fn code(self) -> &'static str {
        match self {
            Currency::Kgs => "KGS",
            Currency::Usd => "USD",
        }
    }

    /// Decimal places of the minor unit (tyiyn, cent).
    pub fn minor_unit_digits(self) -> u32 {
        match self {
            Currency::Kgs | Currency::Usd => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown currency {0:?}: expected KGS or USD")]
pub struct UnknownCurrency(pub String);

impl FromStr for Currency {
    type Err = UnknownCurrency;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Exactly the code: the API's description lists `KGS` and `USD`, nothing near them.
        match s {
            "KGS" => Ok(Currency::Kgs),
            "USD" => Ok(Currency::Usd),
            _ => Err(UnknownCurrency(s.to_string())),
        }
    }
}

// Written by hand: the description lists the codes on the wire.
impl utoipa::PartialSchema for Currency {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(["KGS", "USD"]))
            .into()
    }
}

impl utoipa::ToSchema for Currency {}

/// An exact amount in a currency. Serialised as `{"amount": "1250000.00", "currency": "KGS"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"amount": "1250000.00", "currency": "KGS"}))]
// Strict on its own (unknown keys, a plain amount): money also sits inside tagged variants,
// which serde buffers past the strict reader.
#[serde(deny_unknown_fields)]
pub struct Money {
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    #[serde(deserialize_with = "crate::domain::strict_json::plain_decimal")]
    pub amount: Decimal,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Self { amount, currency }
    }

    /// The amount as it is paid or shown: rounded by the product's policy.
    pub fn rounded(self) -> Self {
        Self {
            amount: round_money(self.amount, self.currency),
            currency: self.currency,
        }
    }
}

/// The rounding policy: half away from zero, to the currency's minor unit, keeping trailing zeros
/// so that `1250000` shows as `1250000.00`.
pub fn round_money(amount: Decimal, currency: Currency) -> Decimal {
    round_places(amount, currency.minor_unit_digits())
}

/// The same policy for a figure that is not money (a percentage, a ratio shown to the reader):
/// half away from zero to `places`, trailing zeros kept. Never used before a covenant test.
pub fn round_places(value: Decimal, places: u32) -> Decimal {
    let mut rounded = value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(places);
    rounded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).expect("test literal")
    }

    #[test]
    fn rounds_half_away_from_zero_to_the_minor_unit() {
        assert_eq!(round_money(dec("2.345"), Currency::Kgs).to_string(), "2.35");
        assert_eq!(round_money(dec("-2.345"), Currency::Kgs).to_string(), "-2.35");
        assert_eq!(round_money(dec("2.344999"), Currency::Usd).to_string(), "2.34");
        assert_eq!(round_money(dec("1250000"), Currency::Kgs).to_string(), "1250000.00");
    }

    #[test]
    fn money_serialises_as_exact_strings() {
        let m = Money::new(dec("1250000.00"), Currency::Kgs);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"amount":"1250000.00","currency":"KGS"}"#
        );
        let back: Money = serde_json::from_str(r#"{"amount":"0.10","currency":"USD"}"#).unwrap();
        assert_eq!(back, Money::new(dec("0.10"), Currency::Usd));
        // Plain JSON numbers are accepted on input (api.md).
        let number: Money = serde_json::from_str(r#"{"amount":1250000.5,"currency":"KGS"}"#).unwrap();
        assert_eq!(number.amount.to_string(), "1250000.5");
    }

    #[test]
    fn currency_codes_parse_and_refuse() {
        assert_eq!("KGS".parse::<Currency>(), Ok(Currency::Kgs));
        assert_eq!("USD".parse::<Currency>(), Ok(Currency::Usd));
        // Exactly the codes the API description lists.
        for refused in ["EUR", "kgs", " KGS", "Usd", ""] {
            assert!(refused.parse::<Currency>().is_err(), "{refused:?}");
        }
    }
}
