//! How exact figures are stored on each engine.
//!
//! - [`DbAmount`], a money amount: PostgreSQL `NUMERIC`; SQLite integer minor units (tyiyn, cents),
//!   so SQL can filter, sort and sum amounts exactly.
//! - [`DbDecimal`], a rate or ratio: PostgreSQL `NUMERIC`; SQLite exact `TEXT` (never SQLite
//!   `NUMERIC`, which silently turns fractions into floats).
//!
//! Both wrappers implement sqlx's traits for both engines, so one query text serves both.

use rust_decimal::Decimal;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};

/// Every supported currency has two decimal places (see `domain::money::Currency`), so amounts
/// are kept at that scale on SQLite.
const MINOR_UNIT_DIGITS: u32 = 2;

/// A money amount as stored. An amount finer than the minor unit is refused, never rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbAmount(pub Decimal);

/// A rate or ratio as stored, at full precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbDecimal(pub Decimal);

/// The amount in minor units, or an error when it is finer than a minor unit or too large.
pub fn to_minor_units(amount: Decimal) -> Result<i64, BoxDynError> {
    let scaled = amount
        .checked_mul(Decimal::from(10_i64.pow(MINOR_UNIT_DIGITS)))
        .ok_or("amount too large to store")?;
    if !scaled.fract().is_zero() {
        return Err(format!("amount {amount} is finer than the currency's minor unit").into());
    }
    i64::try_from(scaled).map_err(|_| format!("amount {amount} too large to store").into())
}

pub fn from_minor_units(minor: i64) -> Decimal {
    Decimal::new(minor, MINOR_UNIT_DIGITS)
}

impl Type<Sqlite> for DbAmount {
    fn type_info() -> SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for DbAmount {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        let minor = to_minor_units(self.0)?;
        <i64 as Encode<Sqlite>>::encode(minor, buf)
    }
}

impl<'r> Decode<'r, Sqlite> for DbAmount {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self(from_minor_units(<i64 as Decode<Sqlite>>::decode(value)?)))
    }
}

impl Type<Sqlite> for DbDecimal {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <String as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for DbDecimal {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        <String as Encode<Sqlite>>::encode(self.0.to_string(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for DbDecimal {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<Sqlite>>::decode(value)?;
        Ok(Self(Decimal::from_str_exact(text)?))
    }
}

macro_rules! numeric_on_postgres {
    ($wrapper:ty) => {
        impl Type<Postgres> for $wrapper {
            fn type_info() -> PgTypeInfo {
                <Decimal as Type<Postgres>>::type_info()
            }
            fn compatible(ty: &PgTypeInfo) -> bool {
                <Decimal as Type<Postgres>>::compatible(ty)
            }
        }

        impl Encode<'_, Postgres> for $wrapper {
            fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
                <Decimal as Encode<Postgres>>::encode_by_ref(&self.0, buf)
            }
        }

        impl<'r> Decode<'r, Postgres> for $wrapper {
            fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
                Ok(Self(<Decimal as Decode<Postgres>>::decode(value)?))
            }
        }
    };
}

numeric_on_postgres!(DbAmount);
numeric_on_postgres!(DbDecimal);

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).expect("test literal")
    }

    #[test]
    fn minor_units_are_exact_and_refuse_fractions_of_a_tyiyn() {
        assert_eq!(to_minor_units(dec("1250000.00")).unwrap(), 125_000_000);
        assert_eq!(to_minor_units(dec("-0.07")).unwrap(), -7);
        assert_eq!(to_minor_units(dec("12.5")).unwrap(), 1250);
        assert!(to_minor_units(dec("0.005")).is_err());
        assert!(to_minor_units(dec("79228162514264337593543950335")).is_err());
        assert_eq!(from_minor_units(125_000_000).to_string(), "1250000.00");
    }
}
