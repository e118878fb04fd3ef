//! The tender commission's rules after the opening (domain.md section 3, "Commission"): what a
//! declaration of conflicts of interest must cover, who acts as chair, the quorum, what a
//! qualification finding and a member's scores must hold. Pure: the members, their declarations
//! and the tender's terms are given.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::codes::codes;
use crate::domain::ids::UserId;
use crate::domain::tender::Criterion;
use crate::domain::validation::Violations;

/// The longest explanation or note.
const MAX_NOTE: usize = 2_000;

/// A member's declaration about one company of a bidding party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyDeclaration {
    /// The company's id (a lead or a confirmed consortium member in the protocol).
    pub company_id: String,
    pub conflict: bool,
}

/// What a member sends: one entry per company of every bidding party in the protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"parties": [{"company_id": "9", "conflict": false}, {"company_id": "11", "conflict": false}]}))]
pub struct DeclarationRequest {
    pub parties: Vec<PartyDeclaration>,
    /// The nature of a conflict (required when one is declared).
    #[serde(default)]
    pub explanation: String,
}

impl DeclarationRequest {
    /// Whether the member declares a conflict with any company (and so withdraws).
    pub fn conflict(&self) -> bool {
        self.parties.iter().any(|p| p.conflict)
    }

    /// The rules: every company of the protocol exactly once, nothing else; an explanation
    /// with a conflict.
    pub fn violations(&self, companies: &BTreeSet<String>) -> Violations {
        let mut v = Violations::new();
        let mut seen = BTreeSet::new();
        for (i, p) in self.parties.iter().enumerate() {
            if !companies.contains(&p.company_id) {
                v.add(format!("parties.{i}.company_id"), "not_in_protocol");
            } else if !seen.insert(p.company_id.clone()) {
                v.add(format!("parties.{i}.company_id"), "duplicate");
            }
        }
        if seen.len() != companies.len() && v.is_empty() {
            v.add("parties", "every_party");
        }
        if self.conflict() && self.explanation.trim().is_empty() {
            v.add("explanation", "required");
        }
        if self.explanation.chars().count() > MAX_NOTE {
            v.add("explanation", "too_long");
        }
        v.text("explanation", &self.explanation);
        v
    }
}

/// A member of the commission as the evaluation sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: UserId,
    pub chair: bool,
    pub deputy_chair: bool,
    /// `None` until declared; `Some(true)` when a conflict withdrew them.
    pub conflict: Option<bool>,
}

impl Member {
    /// Declared no conflict: may read the bids, score and count towards the quorum.
    pub fn seated(&self) -> bool {
        self.conflict == Some(false)
    }
}

/// Who acts as chair: the chair, unless a conflict withdrew them; then the deputy chair, unless
/// withdrawn too. (Acting needs the member's own declaration of no conflict too: see
/// [`may_act_as_chair`].)
pub fn acting_chair(members: &[Member]) -> Option<UserId> {
    let chair = members.iter().find(|m| m.chair);
    match chair {
        Some(c) if c.conflict != Some(true) => Some(c.id),
        _ => members
            .iter()
            .find(|m| m.deputy_chair && m.conflict != Some(true))
            .map(|m| m.id),
    }
}

/// Whether `who` acts as chair and has declared no conflict.
pub fn may_act_as_chair(members: &[Member], who: UserId) -> bool {
    acting_chair(members) == Some(who) && members.iter().any(|m| m.id == who && m.seated())
}

/// The members who declared no conflict, and whether they make the procedure's quorum.
pub fn quorum(members: &[Member], needed: u32) -> (usize, bool) {
    let seated = members.iter().filter(|m| m.seated()).count();
    (seated, seated >= needed as usize)
}

codes!(
    /// Why a qualification requirement is not met.
    UnmetReason {
        InsufficientExperience = "insufficient_experience",
        InsufficientFinancialCapacity = "insufficient_financial_capacity",
        MissingDocument = "missing_document",
        InvalidDocument = "invalid_document",
        InvalidBidSecurity = "invalid_bid_security",
        Ineligible = "ineligible",
        FalseInformation = "false_information",
        Other = "other",
    }
);

/// The commission's finding on one qualification requirement of a bid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// The requirement's index in the tender's `qualification_requirements` (from 0).
    pub requirement: usize,
    pub met: bool,
    /// Required when not met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<UnmetReason>,
    /// Required when not met: what the commission found.
    #[serde(default)]
    pub note: String,
}

/// The findings on a bid, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"findings": [{"requirement": 0, "met": true},
    {"requirement": 1, "met": false, "reason": "insufficient_experience", "note": "Один объект вместо двух"}]}))]
pub struct Qualification {
    pub findings: Vec<Finding>,
}

impl Qualification {
    /// A bid qualifies when it meets every requirement.
    pub fn qualified(&self) -> bool {
        self.findings.iter().all(|f| f.met)
    }

    /// The rules: one finding per requirement (of `requirements`), a reason and a note for
    /// each not met.
    pub fn violations(&self, requirements: usize) -> Violations {
        let mut v = Violations::new();
        let mut seen = BTreeSet::new();
        for (i, f) in self.findings.iter().enumerate() {
            if f.requirement >= requirements {
                v.add(format!("findings.{i}.requirement"), "no_such_requirement");
            } else if !seen.insert(f.requirement) {
                v.add(format!("findings.{i}.requirement"), "duplicate");
            }
            if !f.met && f.reason.is_none() {
                v.add(format!("findings.{i}.reason"), "required");
            }
            if f.met && f.reason.is_some() {
                v.add(format!("findings.{i}.reason"), "only_when_not_met");
            }
            if !f.met && f.note.trim().is_empty() {
                v.add(format!("findings.{i}.note"), "required");
            }
            if f.note.chars().count() > MAX_NOTE {
                v.add(format!("findings.{i}.note"), "too_long");
            }
            v.text(format!("findings.{i}.note"), &f.note);
        }
        if seen.len() != requirements && v.is_empty() {
            v.add("findings", "every_requirement");
        }
        v
    }
}

/// A member's scores of one bid: the technical criterion's index in the tender's criteria (from
/// 0) to a score from 0 to 100 with at most 2 decimals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"scores": {"1": "82.5"}}))]
pub struct Scores {
    /// JSON object keys are strings: the criterion's index written in decimal.
    #[schema(value_type = BTreeMap<String, crate::domain::strict_json::PlainDecimal>)]
    #[serde(deserialize_with = "plain_scores")]
    pub scores: BTreeMap<String, Decimal>,
}

fn plain_scores<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Decimal>, D::Error> {
    #[derive(Deserialize)]
    struct Plain(#[serde(deserialize_with = "crate::domain::strict_json::plain_decimal")] Decimal);
    let raw = BTreeMap::<String, Plain>::deserialize(d)?;
    Ok(raw.into_iter().map(|(k, v)| (k, v.0)).collect())
}

impl Scores {
    /// The scores by criterion index (keys that are no index left out: see [`Self::violations`]).
    pub fn by_criterion(&self) -> BTreeMap<usize, Decimal> {
        self.scores
            .iter()
            .filter_map(|(k, v)| Some((criterion_index(k)?, *v)))
            .collect()
    }

    /// The rules: a score for each technical criterion of `criteria` and for nothing else,
    /// each from 0 to 100 with at most 2 decimals.
    pub fn violations(&self, criteria: &[Criterion]) -> Violations {
        let mut v = Violations::new();
        let technical: BTreeSet<usize> = technical_criteria(criteria).collect();
        for (key, score) in &self.scores {
            let field = format!("scores.{key}");
            if !criterion_index(key).is_some_and(|index| technical.contains(&index)) {
                v.add(field, "not_a_technical_criterion");
            } else if *score < Decimal::ZERO || *score > Decimal::ONE_HUNDRED {
                v.add(field, "score_range");
            } else if score.scale() > 2 && score.normalize().scale() > 2 {
                v.add(field, "two_decimals");
            }
        }
        let given = self.by_criterion();
        for index in &technical {
            if !given.contains_key(index) {
                v.add(format!("scores.{index}"), "required");
            }
        }
        v
    }
}

/// A criterion's index as a JSON key writes it: decimal digits, no sign or leading zero.
fn criterion_index(key: &str) -> Option<usize> {
    let plain = !key.is_empty()
        && key.len() <= 3
        && key.bytes().all(|b| b.is_ascii_digit())
        && (key == "0" || !key.starts_with('0'));
    if plain { key.parse().ok() } else { None }
}

/// The indexes of the criteria the commission scores (all but the financial one).
pub fn technical_criteria(criteria: &[Criterion]) -> impl Iterator<Item = usize> + '_ {
    criteria
        .iter()
        .enumerate()
        .filter(|(_, c)| c.financial.is_none())
        .map(|(i, _)| i)
}

/// A declaration as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Declaration {
    pub member_id: String,
    pub parties: Vec<PartyDeclaration>,
    pub conflict: bool,
    pub explanation: String,
    pub declared_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: i64, chair: bool, deputy: bool, conflict: Option<bool>) -> Member {
        Member {
            id: UserId(id),
            chair,
            deputy_chair: deputy,
            conflict,
        }
    }

    #[test]
    fn the_deputy_acts_when_the_chair_withdraws_and_the_quorum_counts_the_seated() {
        let mut members = vec![
            member(1, true, false, Some(false)),
            member(2, false, true, Some(false)),
            member(3, false, false, None),
            member(4, false, false, Some(false)),
        ];
        assert_eq!(acting_chair(&members), Some(UserId(1)));
        assert!(may_act_as_chair(&members, UserId(1)));
        assert!(!may_act_as_chair(&members, UserId(2)));
        assert_eq!(quorum(&members, 3), (3, true));
        members[0].conflict = Some(true);
        assert_eq!(acting_chair(&members), Some(UserId(2)));
        assert!(may_act_as_chair(&members, UserId(2)));
        assert_eq!(quorum(&members, 3), (2, false));
        members[1].conflict = Some(true);
        assert_eq!(acting_chair(&members), None);
        // A chair who has not declared yet is still the chair, but may not act before declaring.
        members[0].conflict = None;
        assert_eq!(acting_chair(&members), Some(UserId(1)));
        assert!(!may_act_as_chair(&members, UserId(1)));
    }

    #[test]
    fn a_declaration_covers_every_company_once_and_explains_a_conflict() {
        let companies: BTreeSet<String> = ["7", "9"].iter().map(|s| s.to_string()).collect();
        let party = |id: &str, conflict| PartyDeclaration {
            company_id: id.into(),
            conflict,
        };
        let ok = DeclarationRequest {
            parties: vec![party("7", false), party("9", false)],
            explanation: String::new(),
        };
        assert!(ok.violations(&companies).is_empty());
        assert!(!ok.conflict());
        let partial = DeclarationRequest {
            parties: vec![party("7", false)],
            ..ok.clone()
        };
        assert_eq!(codes(&partial.violations(&companies)), ["parties: every_party"]);
        let foreign = DeclarationRequest {
            parties: vec![party("7", false), party("9", false), party("8", false)],
            ..ok.clone()
        };
        assert_eq!(
            codes(&foreign.violations(&companies)),
            ["parties.2.company_id: not_in_protocol"]
        );
        let unexplained = DeclarationRequest {
            parties: vec![party("7", true), party("9", false)],
            ..ok
        };
        assert!(unexplained.conflict());
        assert_eq!(codes(&unexplained.violations(&companies)), ["explanation: required"]);
    }

    fn codes(v: &Violations) -> Vec<String> {
        v.fields()
            .flat_map(|(f, cs)| cs.iter().map(move |c| format!("{f}: {c}")))
            .collect()
    }

    #[test]
    fn findings_cover_each_requirement_and_give_reasons_for_the_unmet() {
        let met = |requirement| Finding {
            requirement,
            met: true,
            reason: None,
            note: String::new(),
        };
        let q = Qualification {
            findings: vec![met(0), met(1)],
        };
        assert!(q.violations(2).is_empty());
        assert!(q.qualified());
        assert_eq!(codes(&q.violations(3)), ["findings: every_requirement"]);
        let unmet = Qualification {
            findings: vec![
                met(0),
                Finding {
                    requirement: 1,
                    met: false,
                    reason: None,
                    note: " ".into(),
                },
            ],
        };
        assert!(!unmet.qualified());
        assert_eq!(
            codes(&unmet.violations(2)),
            ["findings.1.note: required", "findings.1.reason: required"]
        );
        assert!(Qualification { findings: vec![] }.violations(0).is_empty());
    }

    #[test]
    fn scores_cover_the_technical_criteria_from_0_to_100() {
        let criteria: Vec<Criterion> = serde_json::from_value(serde_json::json!([
            {"name": {"ru": "Цена"}, "weight": 70, "financial": {"figure": "tariff", "unit": "KGS", "currency": "KGS", "better": "lower"}},
            {"name": {"ru": "Техника"}, "weight": 30}
        ]))
        .unwrap();
        let scores = |pairs: &[(usize, &str)]| Scores {
            scores: pairs
                .iter()
                .map(|(i, s)| (i.to_string(), Decimal::from_str_exact(s).unwrap()))
                .collect(),
        };
        assert!(scores(&[(1, "82.50")]).violations(&criteria).is_empty());
        assert_eq!(codes(&scores(&[]).violations(&criteria)), ["scores.1: required"]);
        assert_eq!(
            codes(&scores(&[(0, "50"), (1, "100.01")]).violations(&criteria)),
            ["scores.0: not_a_technical_criterion", "scores.1: score_range"]
        );
        assert_eq!(
            codes(&scores(&[(1, "82.125")]).violations(&criteria)),
            ["scores.1: two_decimals"]
        );
    }
}
