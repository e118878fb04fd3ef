//! Checked decimal arithmetic and the powers, logarithms and roots the models need, computed in
//! `Decimal` with deterministic series (rust_decimal's `powd` is inexact: rust-decimal#690).
//!
//! Every operation returns `Err(FinanceError::Overflow)` instead of panicking: inputs come from
//! users, and `Decimal::MAX` is only about 7.9e28.

use rust_decimal::Decimal;

use super::FinanceError;

pub type Exact = Result<Decimal, FinanceError>;

pub fn add(a: Decimal, b: Decimal) -> Exact {
    a.checked_add(b).ok_or(FinanceError::Overflow)
}

pub fn sub(a: Decimal, b: Decimal) -> Exact {
    a.checked_sub(b).ok_or(FinanceError::Overflow)
}

pub fn mul(a: Decimal, b: Decimal) -> Exact {
    a.checked_mul(b).ok_or(FinanceError::Overflow)
}

pub fn div(a: Decimal, b: Decimal) -> Exact {
    if b.is_zero() {
        return Err(FinanceError::DivisionByZero);
    }
    a.checked_div(b).ok_or(FinanceError::Overflow)
}

/// Sum of values, checked.
pub fn sum<'a>(values: impl IntoIterator<Item = &'a Decimal>) -> Exact {
    values.into_iter().try_fold(Decimal::ZERO, |acc, v| add(acc, *v))
}

/// `base^exp` for a whole exponent (negative allowed), by squaring.
pub fn powi(base: Decimal, exp: i64) -> Exact {
    if exp < 0 {
        return div(Decimal::ONE, powi(base, -exp)?);
    }
    let mut result = Decimal::ONE;
    let mut square = base;
    let mut e = exp as u64;
    while e > 0 {
        if e & 1 == 1 {
            result = mul(result, square)?;
        }
        e >>= 1;
        if e > 0 {
            square = mul(square, square)?;
        }
    }
    Ok(result)
}

/// ln 2 to 28 decimal places.
const LN_2: Decimal = Decimal::from_parts(2_860_148_159, 2_180_329_217, 375_755_839, false, 28);

/// How many series terms at most: far more than the 28 digits need (the terms fall by at least
/// a factor of 25 or of k each time), so the loop is bounded whatever the input.
const MAX_TERMS: u32 = 200;

/// Natural logarithm of a positive number.
pub fn ln(x: Decimal) -> Exact {
    if x <= Decimal::ZERO {
        return Err(FinanceError::Domain("logarithm of a number that is not positive"));
    }
    // x = m * 2^k with m in [2/3, 4/3): then ln x = k ln 2 + 2 atanh((m-1)/(m+1)), |z| <= 1/7.
    let two = Decimal::TWO;
    let (low, high) = (
        Decimal::new(2, 0) / Decimal::new(3, 0),
        Decimal::new(4, 0) / Decimal::new(3, 0),
    );
    let mut m = x;
    let mut k: i64 = 0;
    while m >= high {
        m = div(m, two)?;
        k += 1;
    }
    while m < low {
        m = mul(m, two)?;
        k -= 1;
    }
    let z = div(sub(m, Decimal::ONE)?, add(m, Decimal::ONE)?)?;
    let z2 = mul(z, z)?;
    let mut term = z;
    let mut series = Decimal::ZERO;
    for n in 0..MAX_TERMS {
        let next = div(term, Decimal::from(2 * n + 1))?;
        if next.is_zero() {
            break;
        }
        series = add(series, next)?;
        term = mul(term, z2)?;
    }
    add(mul(Decimal::from(k), LN_2)?, mul(two, series)?)
}

/// e^x.
pub fn exp(x: Decimal) -> Exact {
    // x = k ln 2 + r with |r| <= ln2/2; e^x = 2^k e^r, e^r by its Taylor series.
    let k = div(x, LN_2)?.round();
    let k_int: i64 = k.try_into().map_err(|_| FinanceError::Overflow)?;
    if k_int > 96 {
        return Err(FinanceError::Overflow);
    }
    if k_int < -120 {
        return Ok(Decimal::ZERO);
    }
    let r = sub(x, mul(k, LN_2)?)?;
    let mut term = Decimal::ONE;
    let mut series = Decimal::ONE;
    for n in 1..MAX_TERMS {
        term = div(mul(term, r)?, Decimal::from(n))?;
        if term.is_zero() {
            break;
        }
        series = add(series, term)?;
    }
    mul(series, powi(Decimal::TWO, k_int)?)
}

/// `base^exp` for a positive base and any exponent: exp(exp * ln base).
pub fn powf(base: Decimal, exponent: Decimal) -> Exact {
    if exponent.is_zero() {
        return Ok(Decimal::ONE);
    }
    if exponent.fract().is_zero() && exponent.abs() <= Decimal::from(100_000) {
        let whole: i64 = exponent.try_into().map_err(|_| FinanceError::Overflow)?;
        return powi(base, whole);
    }
    exp(mul(exponent, ln(base)?)?)
}

/// The positive `n`-th root of a positive number.
pub fn root(x: Decimal, n: u32) -> Exact {
    if n == 0 {
        return Err(FinanceError::Domain("zeroth root"));
    }
    if n == 1 {
        return Ok(x);
    }
    exp(div(ln(x)?, Decimal::from(n))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn close(a: Decimal, b: &str, tolerance: &str) -> bool {
        (a - d(b)).abs() <= d(tolerance)
    }

    #[test]
    fn ln_2_is_the_constant() {
        assert_eq!(LN_2.to_string(), "0.6931471805599453094172321215");
    }

    #[test]
    fn logarithms_and_exponentials_hold_26_digits() {
        // References from Python decimal at 60 digits.
        assert!(close(ln(d("10")).unwrap(), "2.302585092994045684017991454684", "1e-26"));
        assert!(close(
            ln(d("0.5")).unwrap(),
            "-0.693147180559945309417232121458",
            "1e-26"
        ));
        assert!(close(exp(d("1")).unwrap(), "2.718281828459045235360287471353", "1e-26"));
        assert!(close(
            exp(d("-3.5")).unwrap(),
            "0.03019738342231850073978629236",
            "1e-27"
        ));
        assert_eq!(ln(Decimal::ONE).unwrap(), Decimal::ZERO);
        assert_eq!(
            ln(Decimal::ZERO),
            Err(FinanceError::Domain("logarithm of a number that is not positive"))
        );
    }

    #[test]
    fn fractional_powers_beat_powd() {
        // rust-decimal#690: powd gives 2^3.2 = 9.18958682113 (2e-9 off).
        assert!(close(
            powf(d("2"), d("3.2")).unwrap(),
            "9.18958683997628005438901557",
            "1e-24"
        ));
        // 908683.5^(2/3), which powd gets wrong by 4e-7 relative.
        let v = powf(d("908683.5"), d("2") / d("3")).unwrap();
        assert!(close(v, "9381.560741153574954501894108", "1e-21"), "{v}");
        assert!(close(
            root(d("1.08"), 12).unwrap(),
            "1.006434030110003454833917179",
            "1e-26"
        ));
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        assert_eq!(powi(d("11"), 360), Err(FinanceError::Overflow));
        assert_eq!(exp(d("1000")), Err(FinanceError::Overflow));
        assert_eq!(exp(d("-1000")).unwrap(), Decimal::ZERO);
        assert_eq!(div(Decimal::ONE, Decimal::ZERO), Err(FinanceError::DivisionByZero));
        assert_eq!(powi(d("2"), -2).unwrap(), d("0.25"));
    }
}
