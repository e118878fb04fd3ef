//! Tera filters for the two things every page must show exactly: money with its currency, and
//! times in the display zone with the zone written out.
//!
//! `{{ m | money(lang=layout.lang) }}` takes `{"amount": "...", "currency": "KGS"}` (or an amount
//! with `currency="USD"`); `{{ t | time(lang=layout.lang) }}` takes an RFC 3339 instant.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rocket_dyn_templates::tera::{self, Tera, Value};
use rust_decimal::Decimal;

use crate::domain::money::{Currency, round_money, round_places};
use crate::i18n::Lang;

pub fn register(tera: &mut Tera, zone: Tz) {
    tera.register_filter("money", money_filter);
    tera.register_filter("places", places_filter);
    tera.register_filter("percent", percent_filter);
    tera.register_filter("time", move |value: &Value, args: &HashMap<String, Value>| {
        time_filter(value, args, zone)
    });
    // Messages from locales/, as `{{ fluent(key="home-title", lang=layout.lang) }}`.
    tera.register_function(
        "fluent",
        fluent_templates::FluentLoader::new(&*crate::i18n::LOCALES).with_default_lang(Lang::Ru.identifier()),
    );
}

fn lang_arg(args: &HashMap<String, Value>) -> Lang {
    args.get("lang")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .unwrap_or_default()
}

fn money_filter(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let (amount, currency) = match value {
        Value::Object(map) => (map.get("amount"), map.get("currency")),
        other => (Some(other), args.get("currency")),
    };
    let amount = match amount {
        Some(Value::String(s)) => Decimal::from_str(s).ok(),
        Some(Value::Number(n)) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    }
    .ok_or_else(|| tera::Error::msg(format!("money: not an amount: {value}")))?;
    let currency = match currency.and_then(Value::as_str) {
        Some(code) => Currency::from_str(code).map_err(|e| tera::Error::msg(e.to_string()))?,
        None => Currency::default(),
    };
    Ok(Value::String(format_money(amount, currency, lang_arg(args))))
}

fn decimal_arg(value: &Value) -> tera::Result<Decimal> {
    match value {
        Value::String(s) => Decimal::from_str(s).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    }
    .ok_or_else(|| tera::Error::msg(format!("not a decimal: {value}")))
}

/// `{{ ratio | places(n=4) }}`: a figure that is not money, rounded by the product's policy for
/// display only (ratios are compared unrounded).
fn places_filter(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let places = args.get("n").and_then(Value::as_u64).unwrap_or(2).min(28) as u32;
    Ok(Value::String(round_places(decimal_arg(value)?, places).to_string()))
}

/// `{{ rate | percent }}`: 0.139257 as `13.93 %`.
fn percent_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    let hundred = Decimal::ONE_HUNDRED;
    Ok(Value::String(format!(
        "{} %",
        round_places(decimal_arg(value)? * hundred, 2)
    )))
}

/// `1 250 000,00 сом` (ru, ky) or `KGS 1,250,000.00` (en), rounded by the product's policy.
pub fn format_money(amount: Decimal, currency: Currency, lang: Lang) -> String {
    let rounded = round_money(amount, currency);
    let text = rounded.abs().to_string();
    let (int_part, frac_part) = text.split_once('.').unwrap_or((&text, ""));
    let (group_sep, decimal_sep) = match lang {
        Lang::Ru | Lang::Ky => ('\u{a0}', ','),
        Lang::En => (',', '.'),
    };
    let mut grouped = String::new();
    for (i, digit) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push(group_sep);
        }
        grouped.push(digit);
    }
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "−"
    } else {
        ""
    };
    let number = if frac_part.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}{decimal_sep}{frac_part}")
    };
    match (lang, currency) {
        (Lang::Ru | Lang::Ky, Currency::Kgs) => format!("{number}\u{a0}сом"),
        (Lang::Ru | Lang::Ky, Currency::Usd) => format!("{number}\u{a0}USD"),
        (Lang::En, c) => format!("{c}\u{a0}{number}"),
    }
}

fn time_filter(value: &Value, _args: &HashMap<String, Value>, zone: Tz) -> tera::Result<Value> {
    let text = value
        .as_str()
        .ok_or_else(|| tera::Error::msg(format!("time: not a time: {value}")))?;
    let instant = DateTime::parse_from_rfc3339(text)
        .map_err(|e| tera::Error::msg(format!("time: {text:?}: {e}")))?
        .with_timezone(&Utc);
    Ok(Value::String(format_time(instant, zone)))
}

/// `28.11.2026 18:36 (UTC+06:00, Asia/Bishkek)`: local time, always with its zone.
pub fn format_time(instant: DateTime<Utc>, zone: Tz) -> String {
    let local = instant.with_timezone(&zone);
    format!(
        "{} (UTC{}, {})",
        local.format("%d.%m.%Y %H:%M"),
        local.format("%:z"),
        zone.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn money_is_grouped_rounded_and_labelled() {
        assert_eq!(
            format_money(dec("1250000"), Currency::Kgs, Lang::Ru),
            "1\u{a0}250\u{a0}000,00\u{a0}сом"
        );
        assert_eq!(
            format_money(dec("1250000.005"), Currency::Kgs, Lang::En),
            "KGS\u{a0}1,250,000.01"
        );
        assert_eq!(format_money(dec("-999.5"), Currency::Usd, Lang::Ky), "−999,50\u{a0}USD");
        assert_eq!(format_money(dec("12"), Currency::Usd, Lang::En), "USD\u{a0}12.00");
    }

    #[test]
    fn times_show_bishkek_with_the_zone() {
        let t = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        assert_eq!(
            format_time(t, chrono_tz::Asia::Bishkek),
            "01.12.2026 15:00 (UTC+06:00, Asia/Bishkek)"
        );
        // Midnight in Bishkek is still the previous day in UTC.
        let t = Utc.with_ymd_and_hms(2026, 11, 30, 18, 30, 0).unwrap();
        assert_eq!(
            format_time(t, chrono_tz::Asia::Bishkek),
            "01.12.2026 00:30 (UTC+06:00, Asia/Bishkek)"
        );
    }

    #[test]
    fn filters_accept_template_values() {
        let mut args = HashMap::new();
        args.insert("lang".to_string(), Value::String("en".into()));
        let m = serde_json::json!({"amount": "10.5", "currency": "USD"});
        assert_eq!(money_filter(&m, &args).unwrap(), Value::String("USD\u{a0}10.50".into()));
        assert!(money_filter(&Value::Bool(true), &args).is_err());
        let t = Value::String("2026-12-01T09:00:00Z".into());
        assert_eq!(
            time_filter(&t, &args, chrono_tz::Asia::Bishkek).unwrap(),
            Value::String("01.12.2026 15:00 (UTC+06:00, Asia/Bishkek)".into())
        );
    }
}
