//! The tender preparation form: what it posts, the merge patch of the terms it states (every
//! term a form shows, in every language, so an edit loses nothing), the form's values for
//! stored terms, and where a violation of the terms shows on the form.

use chrono::{DateTime, Utc};
use rocket::form::FromForm;
use serde_json::{Value, json};

use crate::domain::tender::{Criterion, DEADLINE_ZONE, TenderTerms};
use crate::domain::validation::Violations;

/// A criterion's name in three languages and its weight.
#[derive(Debug, Default, FromForm)]
pub struct CriterionRow {
    #[field(default = String::new())]
    pub name_ru: String,
    #[field(default = String::new())]
    pub name_ky: String,
    #[field(default = String::new())]
    pub name_en: String,
    #[field(default = String::new())]
    pub weight: String,
}

impl CriterionRow {
    fn is_blank(&self) -> bool {
        [&self.name_ru, &self.name_ky, &self.name_en, &self.weight]
            .iter()
            .all(|s| s.trim().is_empty())
    }

    fn name(&self) -> Value {
        json!({"ru": self.name_ru.trim(), "ky": text(&self.name_ky), "en": text(&self.name_en)})
    }
}

/// The financial criterion: a criterion row and how the offers' figure is read.
#[derive(Debug, Default, FromForm)]
pub struct FinancialRow {
    pub criterion: CriterionRow,
    #[field(default = String::new())]
    pub figure: String,
    #[field(default = String::new())]
    pub unit: String,
    #[field(default = String::new())]
    pub currency: String,
    #[field(default = String::new())]
    pub better: String,
    #[field(default = String::new())]
    pub discount_rate: String,
}

#[derive(FromForm)]
pub struct TenderForm {
    #[field(default = String::new())]
    pub csrf_token: String,
    #[field(default = String::new())]
    pub title_ru: String,
    #[field(default = String::new())]
    pub title_ky: String,
    #[field(default = String::new())]
    pub title_en: String,
    #[field(default = String::new())]
    pub description: String,
    /// One requirement per line.
    #[field(default = String::new())]
    pub qualification_requirements: String,
    pub financial: FinancialRow,
    /// Technical criteria; blank rows are left out.
    pub technical: Vec<CriterionRow>,
    /// Ids of the project's public documents ticked.
    pub documents: Vec<String>,
    #[field(default = String::new())]
    pub bid_security: String,
    #[field(default = String::new())]
    pub bid_security_currency: String,
    #[field(default = String::new())]
    pub enquiry_end: String,
    #[field(default = String::new())]
    pub deadline: String,
    #[field(default = String::new())]
    pub opening: String,
}

/// Trimmed text, or `null` when blank (a merge patch then removes it).
fn text(s: &str) -> Value {
    let s = s.trim();
    if s.is_empty() { Value::Null } else { Value::from(s) }
}

/// A whole number as a number, anything else as typed (the terms' reader names it).
fn number(s: &str) -> Value {
    let s = s.trim();
    s.parse::<u64>().map_or_else(|_| text(s), Value::from)
}

/// A decimal as typed, with a comma read as the point and spaces dropped.
fn decimal(s: &str) -> Value {
    text(&s.trim().replace([' ', '\u{a0}'], "").replace(',', "."))
}

fn criterion_row(c: &Criterion) -> Value {
    json!({"name_ru": c.name.ru, "name_ky": c.name.ky.clone().unwrap_or_default(),
           "name_en": c.name.en.clone().unwrap_or_default(), "weight": c.weight.to_string()})
}

impl TenderForm {
    /// The form's values as the page shows them back.
    pub fn values(&self) -> Value {
        let row = |r: &CriterionRow| json!({"name_ru": r.name_ru, "name_ky": r.name_ky, "name_en": r.name_en, "weight": r.weight});
        let f = &self.financial;
        json!({
            "title_ru": self.title_ru, "title_ky": self.title_ky, "title_en": self.title_en,
            "description": self.description, "qualification_requirements": self.qualification_requirements,
            "financial": {"criterion": row(&f.criterion), "figure": f.figure, "unit": f.unit,
                "currency": f.currency, "better": f.better, "discount_rate": f.discount_rate},
            "technical": self.technical.iter().map(row).collect::<Vec<_>>(),
            "documents": self.documents,
            "bid_security": self.bid_security, "bid_security_currency": self.bid_security_currency,
            "enquiry_end": self.enquiry_end, "deadline": self.deadline, "opening": self.opening,
        })
    }

    /// The terms the form states, as a JSON merge patch (an emptied field is `null`), and the
    /// form field each criterion's index came from.
    pub fn patch(&self) -> (Value, Vec<String>) {
        let f = &self.financial;
        let mut criteria = vec![json!({
            "name": f.criterion.name(),
            "weight": number(&f.criterion.weight),
            "financial": {
                "figure": f.figure.trim(),
                "unit": f.unit.trim(),
                "currency": f.currency.trim(),
                "better": f.better.trim(),
                "discount_rate": decimal(&f.discount_rate),
            }
        })];
        let mut origins = vec!["financial.criterion".to_string()];
        for (i, row) in self.technical.iter().enumerate().filter(|(_, r)| !r.is_blank()) {
            criteria.push(json!({"name": row.name(), "weight": number(&row.weight)}));
            origins.push(format!("technical.{i}"));
        }
        let requirements: Vec<&str> = self
            .qualification_requirements
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let security = decimal(&self.bid_security);
        let patch = json!({
            "title": {"ru": self.title_ru.trim(), "ky": text(&self.title_ky), "en": text(&self.title_en)},
            "description": self.description.trim(),
            "qualification_requirements": requirements,
            "criteria": criteria,
            "documents": self.documents.iter().map(|d| d.trim()).collect::<Vec<_>>(),
            "bid_security": if security.is_null() {
                Value::Null
            } else {
                json!({"amount": security, "currency": self.bid_security_currency.trim()})
            },
            "timeline": {"enquiry_end": text(&self.enquiry_end), "deadline": text(&self.deadline),
                "opening": text(&self.opening)},
        });
        (patch, origins)
    }
}

/// The form's values for stored terms (to edit them): instants in Asia/Bishkek.
pub fn values_of(terms: &TenderTerms) -> Value {
    let local = |at: Option<DateTime<Utc>>| {
        at.map(|t| t.with_timezone(&DEADLINE_ZONE).format("%Y-%m-%dT%H:%M").to_string())
            .unwrap_or_default()
    };
    let financial = terms.criteria.iter().find(|c| c.financial.is_some());
    let basis = financial.and_then(|c| c.financial.as_ref());
    json!({
        "title_ru": terms.title.ru, "title_ky": terms.title.ky.clone().unwrap_or_default(),
        "title_en": terms.title.en.clone().unwrap_or_default(),
        "description": terms.description, "qualification_requirements": terms.qualification_requirements.join("\n"),
        "financial": {
            "criterion": financial.map(criterion_row).unwrap_or_else(|| json!({})),
            "figure": basis.map(|b| b.figure.as_str()).unwrap_or_default(),
            "unit": basis.map(|b| b.unit.clone()).unwrap_or_default(),
            "currency": basis.map(|b| b.currency.code()).unwrap_or("KGS"),
            "better": basis.map(|b| b.better.as_str()).unwrap_or_default(),
            "discount_rate": basis.and_then(|b| b.discount_rate).map(|r| r.to_string()).unwrap_or_default(),
        },
        "technical": terms.criteria.iter().filter(|c| c.financial.is_none()).map(criterion_row).collect::<Vec<_>>(),
        "documents": terms.documents.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        "bid_security": terms.bid_security.map(|m| m.amount.to_string()).unwrap_or_default(),
        "bid_security_currency": terms.bid_security.map_or("KGS", |m| m.currency.code()),
        "enquiry_end": local(terms.timeline.enquiry_end), "deadline": local(terms.timeline.deadline),
        "opening": local(terms.timeline.opening),
    })
}

/// A violation's field as the form names it (`criteria.2.weight` is `technical.<row>.weight`).
fn form_field(field: &str, origins: &[String]) -> String {
    let parts: Vec<&str> = field.split('.').collect();
    match parts.as_slice() {
        ["title", lang] => format!("title_{lang}"),
        ["timeline", which] => (*which).to_string(),
        ["bid_security", ..] => "bid_security".to_string(),
        ["qualification_requirements", ..] => "qualification_requirements".to_string(),
        ["documents", ..] => "documents".to_string(),
        ["criteria", index, rest @ ..] => {
            let origin = index.parse::<usize>().ok().and_then(|i| origins.get(i));
            match (origin, rest) {
                (None, _) => "criteria".to_string(),
                (Some(o), ["name", lang]) => format!("{o}.name_{lang}"),
                (Some(o), ["weight"]) => format!("{o}.weight"),
                (Some(_), ["financial", what]) => format!("financial.{what}"),
                (Some(o), _) => o.clone(),
            }
        }
        _ => field.to_string(),
    }
}

/// The violations under the form's field names.
pub fn on_form(v: &Violations, origins: &[String]) -> Violations {
    let mut shown = Violations::new();
    for (field, codes) in v.fields() {
        for code in codes {
            shown.add(form_field(field, origins), code);
        }
    }
    shown
}

/// A merge patch's nulls removed: the terms of a new draft.
pub fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_land_on_the_rows_they_came_from() {
        // The financial criterion, then technical rows 0 and 2 (row 1 was blank).
        let origins = vec![
            "financial.criterion".to_string(),
            "technical.0".to_string(),
            "technical.2".to_string(),
        ];
        assert_eq!(form_field("criteria.2.weight", &origins), "technical.2.weight");
        assert_eq!(form_field("criteria.1.name.ru", &origins), "technical.0.name_ru");
        assert_eq!(form_field("criteria.0.weight", &origins), "financial.criterion.weight");
        assert_eq!(form_field("criteria.0.financial.unit", &origins), "financial.unit");
        assert_eq!(form_field("criteria", &origins), "criteria");
        assert_eq!(form_field("timeline.deadline", &origins), "deadline");
        assert_eq!(form_field("title.ky", &origins), "title_ky");
        assert_eq!(form_field("documents.0", &origins), "documents");
    }

    #[test]
    fn stored_terms_come_back_whole() {
        let terms: TenderTerms = serde_json::from_value(json!({
            "title": {"ru": "Конкурс", "en": "Tender"},
            "criteria": [
                {"name": {"ru": "Тариф", "ky": "Тариф", "en": "Tariff"}, "weight": 60,
                 "financial": {"figure": "tariff", "unit": "KGS per trip", "currency": "USD", "better": "lower"}},
                {"name": {"ru": "Решение", "en": "Solution"}, "weight": 40}
            ],
            "timeline": {"deadline": "2027-01-11T12:00"}
        }))
        .unwrap();
        let values = values_of(&terms);
        assert_eq!(values["financial"]["criterion"]["name_en"], "Tariff");
        assert_eq!(values["financial"]["currency"], "USD");
        assert_eq!(values["technical"][0]["name_en"], "Solution");
        assert_eq!(values["deadline"], "2027-01-11T12:00");
        assert_eq!(values["enquiry_end"], "");
    }
}

crate::web::auth::csrf_protected!(TenderForm);
