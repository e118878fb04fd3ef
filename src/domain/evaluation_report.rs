//! The evaluation report (domain.md section 3): every member's declarations and scores, each
//! bid's qualification findings, financial points with their inputs and formula, technical
//! points, totals and the ranking, with everything needed to recompute each figure; and what
//! still keeps the scoring from closing. Pure: built from the recorded facts.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::domain::bid::{BiddingParty, Offer};
use crate::domain::commission::{self, Declaration, Finding, Member, Qualification, technical_criteria};
use crate::domain::evaluation::{self, Standing};
use crate::domain::ids::UserId;
use crate::domain::money::round_places;
use crate::domain::tender::{Criterion, FinancialBasis};

/// The report's format, inside it (a frozen report is read by what wrote it).
pub const REPORT_FORMAT: &str = "ppp-registry/evaluation/v1";

/// A commission member, with their declaration.
#[derive(Debug, Clone)]
pub struct MemberInput {
    pub member: Member,
    pub name: String,
    pub declaration: Option<Declaration>,
}

/// An opened bid (withdrawn bids are not evaluated).
#[derive(Debug, Clone)]
pub struct BidInput {
    pub bid_id: String,
    pub bidding_party: BiddingParty,
    /// The time of receipt of its last accepted submission or confirmation.
    pub final_submission: DateTime<Utc>,
    /// `None` when its content did not open as its receipt said.
    pub offer: Option<Offer>,
    pub qualification: Option<Qualification>,
    /// Whether the private initiative's proponent is in its bidding party.
    pub proponent: bool,
}

/// What the report is built from.
#[derive(Debug, Clone)]
pub struct Inputs<'a> {
    pub tender_id: i64,
    pub criteria: &'a [Criterion],
    pub requirements: &'a [String],
    pub quorum: u32,
    /// The proponent's bonus in percent, for a private initiative that keeps one.
    pub proponent_bonus_percent: Option<Decimal>,
    pub members: Vec<MemberInput>,
    pub bids: Vec<BidInput>,
    /// Each member's scores of each bid: (bid id, member) to criterion index to score.
    pub scores: BTreeMap<(String, UserId), BTreeMap<usize, Decimal>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReportMember {
    pub id: String,
    pub name: String,
    /// `chair`, `deputy_chair` or `member`.
    pub role: &'static str,
    pub acting_chair: bool,
    /// `null` until declared.
    pub declaration: Option<Declaration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MemberScore {
    pub member_id: String,
    #[schema(value_type = String)]
    pub score: Decimal,
}

/// One technical criterion's points for a bid: weight × average ÷ 100, the average over the
/// seated members' scores.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TechnicalPoints {
    pub criterion: usize,
    pub weight: u32,
    pub scores: Vec<MemberScore>,
    #[schema(value_type = Option<String>)]
    pub average: Option<Decimal>,
    #[schema(value_type = String)]
    pub points: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReportBid {
    pub bid_id: String,
    pub bidding_party: BiddingParty,
    pub final_submission: DateTime<Utc>,
    /// `null` until the commission records its findings.
    pub qualified: Option<bool>,
    pub findings: Vec<Finding>,
    pub offer: Option<Offer>,
    /// The figure the financial criterion compares (unrounded): a stream's present value.
    #[schema(value_type = Option<String>)]
    pub offer_value: Option<Decimal>,
    /// Why the offer could not be valued, if it could not.
    pub offer_error: Option<String>,
    /// Unrounded, for qualified bids.
    #[schema(value_type = Option<String>)]
    pub financial_points: Option<Decimal>,
    pub technical: Vec<TechnicalPoints>,
    #[schema(value_type = Option<String>)]
    pub proponent_bonus_percent: Option<Decimal>,
    /// Unrounded, for qualified bids.
    #[schema(value_type = Option<String>)]
    pub total: Option<Decimal>,
    /// The total to 2 decimals, half away from zero.
    #[schema(value_type = Option<String>)]
    pub total_shown: Option<Decimal>,
    pub rank: Option<usize>,
    /// Whether its total equals another's (the earlier final submission ranks first).
    pub tied: bool,
}

/// How the financial criterion's points were computed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FinancialMethod {
    pub criterion: usize,
    pub weight: u32,
    pub basis: FinancialBasis,
    /// `weight × lowest ÷ value` or `weight × value ÷ highest`; a stream's value is
    /// Σ p_t ÷ (1 + r)^t for t = 1..n.
    pub formula: String,
    /// The best value among the qualified bids (unrounded).
    #[schema(value_type = Option<String>)]
    pub best_value: Option<Decimal>,
}

/// Something that keeps the scoring from closing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Pending {
    /// `quorum`, `acting_chair`, `acting_chair_undeclared`, `qualification`, `scores`, `offer`
    /// or `arithmetic`.
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bid_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
}

impl Pending {
    /// One line naming it (for a 409's message).
    pub fn line(&self) -> String {
        let mut line = self.code.to_string();
        if let Some(bid) = &self.bid_id {
            line += &format!(" bid {bid}");
        }
        if let Some(member) = &self.member_id {
            line += &format!(" member {member}");
        }
        line
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RankEntry {
    pub rank: usize,
    pub bid_id: String,
    #[schema(value_type = String)]
    pub total: Decimal,
    #[schema(value_type = String)]
    pub total_shown: Decimal,
    pub tied: bool,
}

/// The report.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub format: &'static str,
    pub tender_id: String,
    pub quorum: u32,
    pub seated: usize,
    pub acting_chair: Option<String>,
    pub members: Vec<ReportMember>,
    pub criteria: Vec<Criterion>,
    pub qualification_requirements: Vec<String>,
    pub financial: Option<FinancialMethod>,
    pub bids: Vec<ReportBid>,
    /// The qualified bids, best first.
    pub ranking: Vec<RankEntry>,
    /// Empty when the scoring may close.
    pub pending: Vec<Pending>,
}

impl Report {
    /// The top-ranked qualified bid.
    pub fn top(&self) -> Option<&RankEntry> {
        self.ranking.first()
    }

    /// How many bids qualified.
    pub fn qualified_count(&self) -> usize {
        self.bids.iter().filter(|b| b.qualified == Some(true)).count()
    }
}

fn role_of(m: &Member) -> &'static str {
    if m.chair {
        "chair"
    } else if m.deputy_chair {
        "deputy_chair"
    } else {
        "member"
    }
}

/// Builds the report from the recorded facts.
pub fn build(inputs: &Inputs<'_>) -> Report {
    let members: Vec<Member> = inputs.members.iter().map(|m| m.member.clone()).collect();
    let acting = commission::acting_chair(&members);
    let (seated, quorum_met) = commission::quorum(&members, inputs.quorum);
    let mut pending = Vec::new();
    if !quorum_met {
        pending.push(Pending {
            code: "quorum",
            bid_id: None,
            member_id: None,
        });
    }
    match acting {
        None => pending.push(Pending {
            code: "acting_chair",
            bid_id: None,
            member_id: None,
        }),
        // The chair (or the deputy acting) has not declared yet: nobody may act before.
        Some(id) if !commission::may_act_as_chair(&members, id) => pending.push(Pending {
            code: "acting_chair_undeclared",
            bid_id: None,
            member_id: Some(id.0.to_string()),
        }),
        Some(_) => {}
    }
    let financial = inputs
        .criteria
        .iter()
        .enumerate()
        .find_map(|(i, c)| c.financial.as_ref().map(|f| (i, c.weight, f)));
    let technical: Vec<usize> = technical_criteria(inputs.criteria).collect();

    let mut bids: Vec<ReportBid> = inputs
        .bids
        .iter()
        .map(|b| {
            let qualified = b.qualification.as_ref().map(Qualification::qualified);
            if qualified.is_none() {
                pending.push(Pending {
                    code: "qualification",
                    bid_id: Some(b.bid_id.clone()),
                    member_id: None,
                });
            }
            let (offer_value, offer_error) = match (financial, &b.offer) {
                (Some((_, _, basis)), Some(offer)) => match evaluation::offer_value(basis, offer) {
                    Ok(v) => (Some(v), None),
                    Err(e) => (None, Some(e.to_string())),
                },
                (Some(_), None) => (None, Some("the content did not open as its receipt said".to_string())),
                (None, _) => (None, None),
            };
            if qualified == Some(true) && offer_error.is_some() {
                pending.push(Pending {
                    code: "offer",
                    bid_id: Some(b.bid_id.clone()),
                    member_id: None,
                });
            }
            let technical_points = technical
                .iter()
                .map(|&criterion| {
                    let scores: Vec<MemberScore> = members
                        .iter()
                        .filter(|m| m.seated())
                        .filter_map(|m| {
                            let score = inputs.scores.get(&(b.bid_id.clone(), m.id))?.get(&criterion)?;
                            Some(MemberScore {
                                member_id: m.id.0.to_string(),
                                score: *score,
                            })
                        })
                        .collect();
                    let values: Vec<Decimal> = scores.iter().map(|s| s.score).collect();
                    let weight = inputs.criteria[criterion].weight;
                    let points = evaluation::technical_points(Decimal::from(weight), &values);
                    if points.is_err() {
                        pending.push(arithmetic(&b.bid_id));
                    }
                    TechnicalPoints {
                        criterion,
                        weight,
                        average: average(&values),
                        points: points.unwrap_or_default(),
                        scores,
                    }
                })
                .collect();
            if qualified == Some(true) {
                for m in members.iter().filter(|m| m.seated()) {
                    let given = inputs.scores.get(&(b.bid_id.clone(), m.id));
                    if technical.iter().any(|c| given.is_none_or(|g| !g.contains_key(c))) {
                        pending.push(Pending {
                            code: "scores",
                            bid_id: Some(b.bid_id.clone()),
                            member_id: Some(m.id.0.to_string()),
                        });
                    }
                }
            }
            ReportBid {
                bid_id: b.bid_id.clone(),
                bidding_party: b.bidding_party.clone(),
                final_submission: b.final_submission,
                qualified,
                findings: b.qualification.as_ref().map(|q| q.findings.clone()).unwrap_or_default(),
                offer: b.offer.clone(),
                offer_value,
                offer_error,
                financial_points: None,
                technical: technical_points,
                proponent_bonus_percent: if b.proponent {
                    inputs.proponent_bonus_percent
                } else {
                    None
                },
                total: None,
                total_shown: None,
                rank: None,
                tied: false,
            }
        })
        .collect();

    // Financial points among the qualified bids with a value; then totals and the ranking.
    let ranked_ids: Vec<usize> = bids
        .iter()
        .enumerate()
        .filter(|(_, b)| b.qualified == Some(true) && (financial.is_none() || b.offer_value.is_some()))
        .map(|(i, _)| i)
        .collect();
    let mut best_value = None;
    if let Some((_, weight, basis)) = financial {
        let values: Vec<Decimal> = ranked_ids.iter().filter_map(|&i| bids[i].offer_value).collect();
        best_value = match basis.better {
            crate::domain::tender::Better::Lower => values.iter().min().copied(),
            crate::domain::tender::Better::Higher => values.iter().max().copied(),
        };
        match evaluation::financial_points(Decimal::from(weight), basis.better, &values) {
            Ok(points) => {
                for (&i, p) in ranked_ids.iter().zip(points) {
                    bids[i].financial_points = Some(p);
                }
            }
            Err(_) => pending.extend(ranked_ids.iter().map(|&i| arithmetic(&bids[i].bid_id))),
        }
    }
    for &i in &ranked_ids {
        let b = &mut bids[i];
        let mut points: Vec<Decimal> = b.technical.iter().map(|t| t.points).collect();
        points.extend(b.financial_points);
        match evaluation::total(&points, b.proponent_bonus_percent) {
            Ok(total) => {
                b.total = Some(total);
                b.total_shown = Some(round_places(total, 2));
            }
            Err(_) => pending.push(arithmetic(&b.bid_id)),
        }
    }
    let standings: Vec<Standing<'_>> = ranked_ids
        .iter()
        .filter_map(|&i| {
            Some(Standing {
                bid_id: &inputs.bids[i].bid_id,
                total: bids[i].total?,
                final_submission: bids[i].final_submission,
            })
        })
        .collect();
    let ranking: Vec<RankEntry> = evaluation::rank(&standings)
        .into_iter()
        .map(|r| RankEntry {
            rank: r.rank,
            bid_id: r.bid_id.to_string(),
            total: r.total,
            total_shown: round_places(r.total, 2),
            tied: r.tied,
        })
        .collect();
    for entry in &ranking {
        if let Some(b) = bids.iter_mut().find(|b| b.bid_id == entry.bid_id) {
            b.rank = Some(entry.rank);
            b.tied = entry.tied;
        }
    }

    Report {
        format: REPORT_FORMAT,
        tender_id: inputs.tender_id.to_string(),
        quorum: inputs.quorum,
        seated,
        acting_chair: acting.map(|id| id.0.to_string()),
        members: inputs
            .members
            .iter()
            .map(|m| ReportMember {
                id: m.member.id.0.to_string(),
                name: m.name.clone(),
                role: role_of(&m.member),
                acting_chair: acting == Some(m.member.id),
                declaration: m.declaration.clone(),
            })
            .collect(),
        criteria: inputs.criteria.to_vec(),
        qualification_requirements: inputs.requirements.to_vec(),
        financial: financial.map(|(criterion, weight, basis)| FinancialMethod {
            criterion,
            weight,
            basis: basis.clone(),
            formula: match basis.better {
                crate::domain::tender::Better::Lower => "weight × lowest ÷ value".into(),
                crate::domain::tender::Better::Higher => "weight × value ÷ highest".into(),
            },
            best_value,
        }),
        bids,
        ranking,
        pending,
    }
}

/// A figure of the bid that could not be computed (beyond a decimal's range): never ranked
/// on a guess.
fn arithmetic(bid_id: &str) -> Pending {
    Pending {
        code: "arithmetic",
        bid_id: Some(bid_id.to_string()),
        member_id: None,
    }
}

fn average(values: &[Decimal]) -> Option<Decimal> {
    if values.is_empty() {
        return None;
    }
    crate::domain::finance::exact::sum(values)
        .and_then(|s| crate::domain::finance::exact::div(s, Decimal::from(values.len())))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::bid::PartyRef;
    use crate::domain::commission::UnmetReason;
    use crate::domain::money::Currency;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    fn criteria() -> Vec<Criterion> {
        serde_json::from_value(serde_json::json!([
            {"name": {"ru": "Тариф"}, "weight": 70, "financial": {"figure": "tariff", "unit": "KGS per trip", "currency": "KGS", "better": "lower"}},
            {"name": {"ru": "Техника"}, "weight": 30}
        ]))
        .unwrap()
    }

    fn bid(id: &str, tariff: &str, hour: i64, qualified: Option<bool>) -> BidInput {
        BidInput {
            bid_id: id.into(),
            bidding_party: BiddingParty {
                lead: PartyRef {
                    id: id.into(),
                    name: id.into(),
                },
                members: vec![],
            },
            final_submission: DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::hours(hour),
            offer: Some(Offer {
                currency: Currency::Kgs,
                amount: Some(dec(tariff)),
                yearly: vec![],
            }),
            qualification: qualified.map(|ok| Qualification {
                findings: vec![Finding {
                    requirement: 0,
                    met: ok,
                    reason: (!ok).then_some(UnmetReason::InsufficientExperience),
                    note: if ok {
                        String::new()
                    } else {
                        "один объект".into()
                    },
                }],
            }),
            proponent: false,
        }
    }

    fn member(id: i64, conflict: Option<bool>) -> MemberInput {
        MemberInput {
            member: Member {
                id: UserId(id),
                chair: id == 1,
                deputy_chair: id == 2,
                conflict,
            },
            name: format!("m{id}"),
            declaration: None,
        }
    }

    #[test]
    fn the_report_ranks_the_qualified_and_names_what_is_missing() {
        let criteria = criteria();
        let requirements = vec!["опыт".to_string()];
        let mut scores = BTreeMap::new();
        // Members 3 (withdrawn) and 4 (not declared) have scores on record that must not count.
        for (bid, member, score) in [
            ("a", 1, "80"),
            ("a", 2, "70"),
            ("b", 1, "90"),
            ("b", 2, "100"),
            ("a", 3, "0"),
            ("b", 4, "0"),
        ] {
            scores.insert((bid.to_string(), UserId(member)), BTreeMap::from([(1, dec(score))]));
        }
        let mut inputs = Inputs {
            tender_id: 5,
            criteria: &criteria,
            requirements: &requirements,
            quorum: 2,
            proponent_bonus_percent: Some(dec("5")),
            members: vec![
                member(1, Some(false)),
                member(2, Some(false)),
                member(3, Some(true)),
                member(4, None),
            ],
            bids: vec![
                bid("a", "14.00", 1, Some(true)),
                bid("b", "16.00", 2, Some(true)),
                bid("c", "10.00", 0, Some(false)),
            ],
            scores,
        };
        inputs.bids[1].proponent = true;
        let report = build(&inputs);
        assert_eq!(report.pending, vec![]);
        // a: 70 × 14 ÷ 14 + 30 × 75 ÷ 100 = 70 + 22.5 = 92.5.
        // b: (70 × 14 ÷ 16 + 30 × 95 ÷ 100) × 1.05 = (61.25 + 28.5) × 1.05 = 94.2375.
        let totals: Vec<_> = report.ranking.iter().map(|r| (r.bid_id.as_str(), r.total)).collect();
        assert_eq!(totals, [("b", dec("94.2375")), ("a", dec("92.5"))]);
        assert_eq!(report.ranking[0].total_shown, dec("94.24"));
        assert_eq!(report.financial.as_ref().unwrap().best_value, Some(dec("14.00")));
        let c = report.bids.iter().find(|b| b.bid_id == "c").unwrap();
        assert_eq!((c.qualified, c.rank, c.total), (Some(false), None, None));
        assert_eq!(report.acting_chair.as_deref(), Some("1"));

        // Member 2 has not scored b, bid a has no findings, and the quorum is 3.
        inputs.scores.remove(&("b".to_string(), UserId(2)));
        inputs.bids[0].qualification = None;
        inputs.quorum = 3;
        let lines: Vec<String> = build(&inputs).pending.iter().map(Pending::line).collect();
        assert_eq!(lines, ["quorum", "qualification bid a", "scores bid b member 2"]);

        // A chair who has not declared: nobody acts (the deputy does only for a withdrawn chair).
        inputs.members[0].member.conflict = None;
        let lines: Vec<String> = build(&inputs).pending.iter().map(Pending::line).collect();
        assert_eq!(lines[0], "quorum");
        assert_eq!(lines[1], "acting_chair_undeclared member 1");
    }
}
