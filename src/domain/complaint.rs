//! Complaints and the reviewers' hold (domain.md section 3, "Complaints"): what a complaint must
//! hold, when it may be filed, how a reviewer's decisions move it, and how a hold moves the
//! tender's instants. Pure: the tender's status, its instants and the clock's time are given.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::codes::codes;
use crate::domain::procedure::Timeline;
use crate::domain::tender::TenderStatus;
use crate::domain::validation::Violations;

/// The longest grounds of a complaint, in characters.
const MAX_GROUNDS: usize = 8_000;
/// The longest requested remedy or reason, in characters.
const MAX_TEXT: usize = 4_000;

codes!(
    /// What a complaint is against: the award proposal (during the standstill) or the tender's
    /// terms (before the deadline).
    Against {
        Award = "award",
        Terms = "terms",
    }
);

codes!(
    /// A complaint's status (domain.md code list).
    ComplaintStatus {
        Filed = "filed",
        Accepted = "accepted",
        Inadmissible = "inadmissible",
        Upheld = "upheld",
        Dismissed = "dismissed",
        Withdrawn = "withdrawn",
    }
);

impl ComplaintStatus {
    /// Filed or accepted: not yet decided. An open complaint against the award suspends it.
    pub fn is_open(self) -> bool {
        matches!(self, ComplaintStatus::Filed | ComplaintStatus::Accepted)
    }
}

codes!(
    /// A reviewer's decision on a complaint.
    Ruling {
        Accepted = "accepted",
        Inadmissible = "inadmissible",
        Upheld = "upheld",
        Dismissed = "dismissed",
    }
);

/// What a bidder files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"against": "award", "grounds": "The commission scored our maintenance plan 40 while the plan meets every listed requirement.", "remedy": "Re-score the technical criteria of our bid."}))]
pub struct ComplaintRequest {
    pub against: Against,
    /// Why the complainant holds the decision or the terms wrong (1 to 8000 characters).
    pub grounds: String,
    /// What the complainant asks the reviewer to order (1 to 4000 characters).
    pub remedy: String,
}

impl ComplaintRequest {
    pub fn violations(&self) -> Violations {
        let mut v = Violations::new();
        check_text(&mut v, "grounds", &self.grounds, MAX_GROUNDS);
        check_text(&mut v, "remedy", &self.remedy, MAX_TEXT);
        v
    }
}

/// What a reviewer decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "upheld", "reason": "The technical scores ignore the maintenance plan the tender asked for."}))]
pub struct DecisionRequest {
    pub decision: Ruling,
    /// Required for every decision but `accepted` (1 to 4000 characters).
    #[serde(default)]
    pub reason: String,
}

impl DecisionRequest {
    pub fn violations(&self) -> Violations {
        let mut v = Violations::new();
        if self.decision == Ruling::Accepted && self.reason.trim().is_empty() {
            v.text("reason", &self.reason);
        } else {
            check_text(&mut v, "reason", &self.reason, MAX_TEXT);
        }
        v
    }
}

/// Checks a reason (a hold's, a withdrawal's): 1 to 4000 characters of text.
pub fn check_reason(v: &mut Violations, field: &str, text: &str) {
    check_text(v, field, text, MAX_TEXT);
}

fn check_text(v: &mut Violations, field: &str, text: &str, max: usize) {
    v.text(field, text);
    let chars = text.trim().chars().count();
    if chars == 0 {
        v.add(field, "required");
    } else if chars > max {
        v.add(field, "too_long");
    }
}

/// The status a decision moves a complaint to, or why it cannot (a message id): a filed
/// complaint is accepted for review or rejected as inadmissible; an accepted one is upheld or
/// dismissed.
pub fn after_ruling(current: ComplaintStatus, ruling: Ruling) -> Result<ComplaintStatus, &'static str> {
    match (current, ruling) {
        (ComplaintStatus::Filed, Ruling::Accepted) => Ok(ComplaintStatus::Accepted),
        (ComplaintStatus::Filed, Ruling::Inadmissible) => Ok(ComplaintStatus::Inadmissible),
        (ComplaintStatus::Accepted, Ruling::Upheld) => Ok(ComplaintStatus::Upheld),
        (ComplaintStatus::Accepted, Ruling::Dismissed) => Ok(ComplaintStatus::Dismissed),
        (ComplaintStatus::Filed, _) => Err("error-complaint-not-accepted"),
        (ComplaintStatus::Accepted, _) => Err("error-complaint-already-accepted"),
        _ => Err("error-complaint-decided"),
    }
}

/// Why a complaint `against` may not be filed at `now` (a message id), if it may not: against
/// the award only during the standstill (before its end), against the terms only while the
/// tender takes bids.
pub fn filing_refusal(
    against: Against,
    status: TenderStatus,
    standstill_ends: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<&'static str> {
    match against {
        Against::Award => match (status, standstill_ends) {
            (TenderStatus::Standstill, Some(end)) if now < end => None,
            _ => Some("error-complaint-window-closed"),
        },
        Against::Terms => match status {
            TenderStatus::ActiveEnquiries | TenderStatus::ActiveTendering => None,
            _ => Some("error-terms-complaint-closed"),
        },
    }
}

/// The timeline after a hold from `since` to `until`: every instant still ahead when the hold
/// began moves by the hold's length (so the opening never falls before the deadline); those
/// already past stay.
pub fn timeline_after_hold(timeline: &Timeline, since: DateTime<Utc>, until: DateTime<Utc>) -> Timeline {
    Timeline {
        enquiry_end: instant_after_hold(timeline.enquiry_end, since, until),
        deadline: instant_after_hold(timeline.deadline, since, until),
        opening: instant_after_hold(timeline.opening, since, until),
    }
}

/// One instant after a hold from `since` to `until`.
pub fn instant_after_hold(instant: DateTime<Utc>, since: DateTime<Utc>, until: DateTime<Utc>) -> DateTime<Utc> {
    if instant > since && until > since {
        instant.checked_add_signed(until - since).unwrap_or(instant)
    } else {
        instant
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_reviewer_accepts_or_rejects_a_filed_complaint_then_upholds_or_dismisses_it() {
        use ComplaintStatus as S;
        assert_eq!(after_ruling(S::Filed, Ruling::Accepted), Ok(S::Accepted));
        assert_eq!(after_ruling(S::Filed, Ruling::Inadmissible), Ok(S::Inadmissible));
        assert_eq!(after_ruling(S::Accepted, Ruling::Upheld), Ok(S::Upheld));
        assert_eq!(after_ruling(S::Accepted, Ruling::Dismissed), Ok(S::Dismissed));
        assert_eq!(
            after_ruling(S::Filed, Ruling::Upheld),
            Err("error-complaint-not-accepted")
        );
        assert_eq!(
            after_ruling(S::Accepted, Ruling::Inadmissible),
            Err("error-complaint-already-accepted")
        );
        for done in [S::Inadmissible, S::Upheld, S::Dismissed, S::Withdrawn] {
            assert!(!done.is_open());
            for ruling in Ruling::ALL {
                assert_eq!(after_ruling(done, *ruling), Err("error-complaint-decided"));
            }
        }
        assert!(S::Filed.is_open() && S::Accepted.is_open());
    }

    #[test]
    fn an_award_complaint_is_filed_during_the_standstill_and_a_terms_complaint_before_the_deadline() {
        let end = at("2026-12-13T14:21:00Z");
        let during = end - chrono::Duration::microseconds(1);
        assert_eq!(
            filing_refusal(Against::Award, TenderStatus::Standstill, Some(end), during),
            None
        );
        assert_eq!(
            filing_refusal(Against::Award, TenderStatus::Standstill, Some(end), end),
            Some("error-complaint-window-closed")
        );
        assert_eq!(
            filing_refusal(Against::Award, TenderStatus::Evaluation, None, during),
            Some("error-complaint-window-closed")
        );
        assert_eq!(
            filing_refusal(Against::Terms, TenderStatus::ActiveTendering, None, during),
            None
        );
        assert_eq!(
            filing_refusal(Against::Terms, TenderStatus::Closed, None, during),
            Some("error-terms-complaint-closed")
        );
    }

    #[test]
    fn a_complaint_needs_grounds_and_a_remedy_and_a_decision_other_than_acceptance_a_reason() {
        let request = ComplaintRequest {
            against: Against::Award,
            grounds: " ".into(),
            remedy: "x".repeat(4_001),
        };
        let v = request.violations();
        let fields: Vec<_> = v.fields().map(|(f, c)| (f.to_string(), c.to_vec())).collect();
        assert_eq!(
            fields,
            vec![
                ("grounds".to_string(), vec!["required"]),
                ("remedy".to_string(), vec!["too_long"])
            ]
        );
        let accept = DecisionRequest {
            decision: Ruling::Accepted,
            reason: String::new(),
        };
        assert!(accept.violations().is_empty());
        let dismiss = DecisionRequest {
            decision: Ruling::Dismissed,
            reason: String::new(),
        };
        assert!(!dismiss.violations().is_empty());
    }

    #[test]
    fn a_hold_moves_the_instants_still_ahead_by_its_length() {
        let timeline = Timeline {
            enquiry_end: at("2026-12-01T06:00:00Z"),
            deadline: at("2026-12-10T06:00:00Z"),
            opening: at("2026-12-10T08:00:00Z"),
        };
        let since = at("2026-12-04T00:00:00Z");
        let until = at("2026-12-06T12:00:00Z");
        let moved = timeline_after_hold(&timeline, since, until);
        assert_eq!(moved.enquiry_end, timeline.enquiry_end);
        assert_eq!(moved.deadline, at("2026-12-12T18:00:00Z"));
        assert_eq!(moved.opening, at("2026-12-12T20:00:00Z"));
        assert_eq!(instant_after_hold(since, since, until), since);
    }
}
