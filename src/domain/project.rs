//! PPP projects: their data, the lifecycle of domain.md section 2 as one pure state machine
//! (stages, actions, who may, preconditions), and the rules for their fields.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::access::{Identity, Role};
use crate::domain::codes::codes;
use crate::domain::localized::LocalizedText;
use crate::domain::money::{Currency, round_money};
use crate::domain::validation::Violations;

codes!(
    /// Where a project stands (domain.md section 2).
    Stage {
        Draft = "draft",
        Submitted = "submitted",
        Appraisal = "appraisal",
        Approved = "approved",
        InTender = "in_tender",
        Awarded = "awarded",
        Contracted = "contracted",
        InOperation = "in_operation",
        Completed = "completed",
        Terminated = "terminated",
        Rejected = "rejected",
        Cancelled = "cancelled",
    }
);

codes!(
    /// What people do to a project by hand; tender-driven changes happen as consequences.
    Action {
        Submit = "submit",
        StartAppraisal = "start_appraisal",
        Approve = "approve",
        Return = "return",
        Reject = "reject",
        Cancel = "cancel",
    }
);

codes!(
    Sector {
        Transport = "transport",
        Roads = "roads",
        Energy = "energy",
        Lighting = "street_lighting",
        Water = "water",
        Waste = "waste",
        Health = "health",
        Education = "education",
        Social = "social",
        Markets = "markets",
        Housing = "housing",
        Digital = "digital",
        Other = "other",
    }
);

codes!(
    /// PPP models (domain.md section 2).
    PppModel {
        Bot = "bot",
        Bto = "bto",
        Boo = "boo",
        Boot = "boot",
        Dbfo = "dbfo",
        Concession = "concession",
        Lease = "lease",
        ManagementContract = "management_contract",
        OperationMaintenance = "o_and_m",
        ServiceContract = "service_contract",
    }
);

codes!(
    Initiation {
        Public = "public",
        PrivateInitiative = "private",
    }
);

codes!(
    PaymentMechanism {
        UserPays = "user_pays",
        Availability = "availability",
        Mixed = "mixed",
    }
);

codes!(
    /// Who bears a risk; `shared` is published in OCDS as `undefined` with the split in notes.
    RiskAllocation {
        PublicAuthority = "publicAuthority",
        PrivateParty = "privateParty",
        Shared = "shared",
    }
);

/// The OCDS-for-PPPs risk categories (shared/ocds/schema/ppp/codelists/riskCategory.csv).
pub const RISK_CATEGORIES: [&str; 15] = [
    "landAvailability",
    "environmental",
    "design",
    "construction",
    "completion",
    "revenue",
    "inflationAndFx",
    "availabilityAndQuality",
    "otherRevenue",
    "financeAvailability",
    "refinancing",
    "changeInLaw",
    "forceMajeure",
    "earlyTermination",
    "compliance",
];

impl Stage {
    /// Whether the public may see a project in this stage: everything but a draft.
    pub fn is_public(self) -> bool {
        self != Stage::Draft
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            Stage::Completed | Stage::Terminated | Stage::Rejected | Stage::Cancelled
        )
    }
}

/// The fields people type: what a draft holds and what editing replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProjectFields {
    pub title: LocalizedText,
    pub sector: Sector,
    pub model: PppModel,
    #[serde(default = "default_initiation")]
    pub initiation: Initiation,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub objectives: String,
    #[serde(default)]
    pub address: String,
    /// Decimal degrees, WGS 84.
    #[serde(default)]
    #[schema(value_type = Option<crate::domain::strict_json::PlainDecimal>)]
    pub latitude: Option<Decimal>,
    #[serde(default)]
    #[schema(value_type = Option<crate::domain::strict_json::PlainDecimal>)]
    pub longitude: Option<Decimal>,
    /// Estimated capital cost, exact: `{"amount": "1250000.00", "currency": "KGS"}`.
    pub capital_cost: crate::domain::money::Money,
    /// The contract term, 1 to 99 years.
    #[schema(minimum = 1, maximum = 99)]
    pub term_years: u32,
    pub payment_mechanism: PaymentMechanism,
    /// Each OCDS-for-PPPs risk category to who bears it.
    #[serde(default)]
    pub risks: BTreeMap<String, RiskAllocation>,
}

fn default_initiation() -> Initiation {
    Initiation::Public
}

const MAX_TITLE: usize = 300;
const MAX_TEXT: usize = 20_000;

impl ProjectFields {
    /// Checks the fields; each violation names its field.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        v.texts_of(self);
        if self.title.ru.trim().is_empty() {
            v.add("title.ru", "required");
        }
        for (field, text) in [
            ("title.ru", Some(&self.title.ru)),
            ("title.ky", self.title.ky.as_ref()),
            ("title.en", self.title.en.as_ref()),
        ] {
            if text.is_some_and(|t| t.chars().count() > MAX_TITLE) {
                v.add(field, "too_long");
            }
        }
        for (field, text) in [
            ("description", &self.description),
            ("objectives", &self.objectives),
            ("address", &self.address),
        ] {
            if text.chars().count() > MAX_TEXT {
                v.add(field, "too_long");
            }
        }
        let amount = self.capital_cost.amount;
        if amount <= Decimal::ZERO {
            v.add("capital_cost.amount", "positive");
        } else if round_money(amount, self.capital_cost.currency) != amount {
            v.add("capital_cost.amount", "minor_unit");
        } else if amount > Decimal::from(1_000_000_000_000_i64) {
            v.add("capital_cost.amount", "too_large");
        }
        if !(1..=99).contains(&self.term_years) {
            v.add("term_years", "term_range");
        }
        match (self.latitude, self.longitude) {
            (Some(lat), Some(lon)) => {
                if lat.abs() > Decimal::from(90) {
                    v.add("latitude", "coordinate");
                }
                if lon.abs() > Decimal::from(180) {
                    v.add("longitude", "coordinate");
                }
            }
            (None, None) => {}
            (None, Some(_)) => v.add("latitude", "required"),
            (Some(_), None) => v.add("longitude", "required"),
        }
        for category in self.risks.keys() {
            if !RISK_CATEGORIES.contains(&category.as_str()) {
                v.add(format!("risks.{category}"), "risk_category");
            }
        }
        v.into_result()
    }

    pub fn currency(&self) -> Currency {
        self.capital_cost.currency
    }
}

/// The appraisal record approval depends on (domain.md section 2): each item backed by the
/// financial model or by the document it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Appraisal {
    /// The feasibility study: a document reference.
    #[serde(default)]
    pub feasibility_study: Option<String>,
    /// The value-for-money result and its source document.
    #[serde(default)]
    pub value_for_money: Option<String>,
    #[serde(default)]
    pub value_for_money_source: Option<String>,
    /// The fiscal affordability result and its source document.
    #[serde(default)]
    pub affordability: Option<String>,
    #[serde(default)]
    pub affordability_source: Option<String>,
}

impl Appraisal {
    /// What approval still needs, by field name; empty when complete.
    pub fn missing(&self) -> Vec<&'static str> {
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|t| t.trim().is_empty());
        let mut missing = Vec::new();
        if blank(&self.feasibility_study) {
            missing.push("feasibility_study");
        }
        if blank(&self.value_for_money) || blank(&self.value_for_money_source) {
            missing.push("value_for_money");
        }
        if blank(&self.affordability) || blank(&self.affordability_source) {
            missing.push("affordability");
        }
        missing
    }
}

/// The advantage a private initiative's proponent keeps in the tender (domain.md section 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
// `None {}`: serde refuses unknown keys beside an internal tag only in struct variants.
pub enum ProponentAdvantage {
    None {},
    /// The proponent's total score is multiplied by (1 + percent ÷ 100).
    Bonus {
        #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
        #[serde(deserialize_with = "crate::domain::strict_json::plain_decimal")]
        percent: Decimal,
    },
    /// Swiss challenge: the proponent may match the best offer within the window.
    RightToMatch {
        window_days: u32,
    },
    /// The winner reimburses the proponent's documented preparation costs.
    CostReimbursement {
        costs: crate::domain::money::Money,
    },
}

impl ProponentAdvantage {
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        match self {
            ProponentAdvantage::None {} => {}
            ProponentAdvantage::Bonus { percent } => {
                if *percent <= Decimal::ZERO || *percent > Decimal::from(100) {
                    v.add("advantage.percent", "share_range");
                }
            }
            ProponentAdvantage::RightToMatch { window_days } => {
                if !(1..=60).contains(window_days) {
                    v.add("advantage.window_days", "window_range");
                }
            }
            ProponentAdvantage::CostReimbursement { costs } => {
                if costs.amount <= Decimal::ZERO {
                    v.add("advantage.costs.amount", "positive");
                } else if round_money(costs.amount, costs.currency) != costs.amount {
                    v.add("advantage.costs.amount", "minor_unit");
                }
            }
        }
        v.into_result()
    }
}

/// Why a transition was refused, in the order they are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The caller's role may not take this action (403).
    Forbidden,
    /// The stage does not allow it (409 `invalid_transition`).
    InvalidTransition { stage: Stage, action: Action },
    /// `return`, `reject` and `cancel` need a reason (422).
    ReasonRequired,
    /// Approval needs the complete appraisal record (409 `precondition_failed`), naming each gap.
    PreconditionFailed(Vec<&'static str>),
}

/// The role that takes each action: a private initiative is submitted by its proponent's bidder,
/// a public project by the municipality's officer; the approver takes every other action.
pub fn actor_role(action: Action, initiation: Initiation) -> Role {
    match (action, initiation) {
        (Action::Submit, Initiation::Public) => Role::Officer,
        (Action::Submit, Initiation::PrivateInitiative) => Role::Bidder,
        (Action::StartAppraisal | Action::Approve | Action::Return | Action::Reject | Action::Cancel, _) => {
            Role::Approver
        }
    }
}

/// The stage an action leads to from `stage`, if the lifecycle allows it.
pub fn next_stage(stage: Stage, action: Action) -> Option<Stage> {
    use Stage::*;
    match (action, stage) {
        (Action::Submit, Draft) => Some(Submitted),
        (Action::StartAppraisal, Submitted) => Some(Appraisal),
        (Action::Approve, Appraisal) => Some(Approved),
        (Action::Return, Submitted | Appraisal) => Some(Draft),
        (Action::Reject, Appraisal) => Some(Rejected),
        (Action::Cancel, Draft | Submitted | Appraisal | Approved | InTender | Awarded) => Some(Cancelled),
        _ => None,
    }
}

/// Decides a transition: who, from where, with what reason and record. The caller has already
/// established that `who` acts for the project's municipality.
pub fn decide(
    who: &Identity,
    stage: Stage,
    initiation: Initiation,
    action: Action,
    comment: &str,
    appraisal: &Appraisal,
) -> Result<Stage, Refusal> {
    if !who.has_role(actor_role(action, initiation)) {
        return Err(Refusal::Forbidden);
    }
    let next = next_stage(stage, action).ok_or(Refusal::InvalidTransition { stage, action })?;
    if matches!(action, Action::Return | Action::Reject | Action::Cancel) && comment.trim().is_empty() {
        return Err(Refusal::ReasonRequired);
    }
    if action == Action::Approve {
        let missing = appraisal.missing();
        if !missing.is_empty() {
            return Err(Refusal::PreconditionFailed(missing));
        }
    }
    Ok(next)
}

/// The fields after an RFC 7396 merge patch, read strictly (a field that is not one of the
/// editable fields, such as `stage` or `registry_number`, is refused, naming it).
pub fn merge_patch(
    fields: &ProjectFields,
    patch: &serde_json::Value,
) -> Result<ProjectFields, crate::domain::strict_json::StrictError> {
    crate::domain::strict_json::merge_patch(fields, patch)
}

/// The registry number: `OSH-PPP-2026-001` (municipality code, year, sequence within the year).
pub fn registry_number(code: &str, year: i32, sequence: i64) -> String {
    format!("{code}-PPP-{year}-{sequence:03}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{OrgId, UserId};

    fn person(roles: &[Role]) -> Identity {
        Identity {
            user_id: UserId(1),
            email: String::new(),
            full_name: String::new(),
            organization_id: OrgId(4),
            organization_kind: crate::domain::organization::OrganizationKind::Municipality,
            organization_name: LocalizedText {
                ru: "Мэрия города Ош".into(),
                ky: None,
                en: None,
            },
            roles: roles.to_vec(),
            chair: false,
            deputy_chair: false,
        }
    }

    fn complete() -> Appraisal {
        Appraisal {
            feasibility_study: Some("ТЭО, редакция 2".into()),
            value_for_money: Some("VfM 12.4 %".into()),
            value_for_money_source: Some("Отчёт VfM".into()),
            affordability: Some("до 3.1 % бюджета".into()),
            affordability_source: Some("Бюджетный прогноз".into()),
        }
    }

    #[test]
    fn the_happy_path_of_domain_md() {
        let officer = person(&[Role::Officer]);
        let approver = person(&[Role::Approver]);
        let none = Appraisal::default();
        assert_eq!(
            decide(&officer, Stage::Draft, Initiation::Public, Action::Submit, "", &none),
            Ok(Stage::Submitted)
        );
        assert_eq!(
            decide(
                &approver,
                Stage::Submitted,
                Initiation::Public,
                Action::StartAppraisal,
                "",
                &none
            ),
            Ok(Stage::Appraisal)
        );
        assert_eq!(
            decide(
                &approver,
                Stage::Appraisal,
                Initiation::Public,
                Action::Approve,
                "",
                &complete()
            ),
            Ok(Stage::Approved)
        );
    }

    #[test]
    fn refusals_come_in_order_role_state_reason_precondition() {
        let officer = person(&[Role::Officer]);
        let approver = person(&[Role::Approver]);
        let none = Appraisal::default();
        assert_eq!(
            decide(
                &officer,
                Stage::Appraisal,
                Initiation::Public,
                Action::Approve,
                "",
                &none
            ),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            decide(&approver, Stage::Draft, Initiation::Public, Action::Approve, "", &none),
            Err(Refusal::InvalidTransition {
                stage: Stage::Draft,
                action: Action::Approve
            })
        );
        assert_eq!(
            decide(
                &approver,
                Stage::Submitted,
                Initiation::Public,
                Action::Return,
                "  ",
                &none
            ),
            Err(Refusal::ReasonRequired)
        );
        assert_eq!(
            decide(
                &approver,
                Stage::Appraisal,
                Initiation::Public,
                Action::Approve,
                "",
                &none
            ),
            Err(Refusal::PreconditionFailed(vec![
                "feasibility_study",
                "value_for_money",
                "affordability"
            ]))
        );
        let mut partial = complete();
        partial.value_for_money_source = None;
        assert_eq!(
            decide(
                &approver,
                Stage::Appraisal,
                Initiation::Public,
                Action::Approve,
                "",
                &partial
            ),
            Err(Refusal::PreconditionFailed(vec!["value_for_money"]))
        );
    }

    #[test]
    fn a_private_initiative_is_submitted_by_its_proponent() {
        let bidder = person(&[Role::Bidder]);
        let officer = person(&[Role::Officer]);
        let none = Appraisal::default();
        let private = Initiation::PrivateInitiative;
        assert_eq!(
            decide(&bidder, Stage::Draft, private, Action::Submit, "", &none),
            Ok(Stage::Submitted)
        );
        assert_eq!(
            decide(&officer, Stage::Draft, private, Action::Submit, "", &none),
            Err(Refusal::Forbidden)
        );
        assert!(
            ProponentAdvantage::Bonus {
                percent: Decimal::new(5, 0)
            }
            .validate()
            .is_ok()
        );
        assert!(ProponentAdvantage::RightToMatch { window_days: 90 }.validate().is_err());
    }

    #[test]
    fn return_goes_back_to_draft_and_cancel_stops_before_contract() {
        assert_eq!(next_stage(Stage::Appraisal, Action::Return), Some(Stage::Draft));
        assert_eq!(next_stage(Stage::Approved, Action::Return), None);
        assert_eq!(next_stage(Stage::Awarded, Action::Cancel), Some(Stage::Cancelled));
        assert_eq!(next_stage(Stage::Contracted, Action::Cancel), None);
        assert_eq!(next_stage(Stage::Rejected, Action::Submit), None);
        for stage in Stage::ALL {
            assert_eq!(stage.is_public(), *stage != Stage::Draft);
        }
    }

    #[test]
    fn fields_are_checked() {
        let mut fields = ProjectFields {
            title: LocalizedText {
                ru: "Автоматизированная система оплаты проезда".into(),
                ky: None,
                en: None,
            },
            sector: Sector::Transport,
            model: PppModel::Boot,
            initiation: Initiation::Public,
            description: String::new(),
            objectives: String::new(),
            address: "г. Ош".into(),
            latitude: Some(Decimal::new(405_283, 4)),
            longitude: Some(Decimal::new(727_985, 4)),
            capital_cost: crate::domain::money::Money::new(Decimal::new(18_500_000_000, 2), Currency::Kgs),
            term_years: 10,
            payment_mechanism: PaymentMechanism::UserPays,
            risks: BTreeMap::from([("revenue".to_string(), RiskAllocation::PrivateParty)]),
        };
        assert_eq!(fields.validate(), Ok(()));
        fields.capital_cost.amount = Decimal::new(1005, 3);
        fields.term_years = 0;
        fields.longitude = None;
        fields.risks.insert("weather".into(), RiskAllocation::Shared);
        let fields_named: Vec<String> = fields
            .validate()
            .unwrap_err()
            .fields()
            .map(|(f, _)| f.to_string())
            .collect();
        assert_eq!(
            fields_named,
            vec!["capital_cost.amount", "longitude", "risks.weather", "term_years"]
        );
        assert_eq!(registry_number("OSH", 2026, 1), "OSH-PPP-2026-001");
        assert_eq!(registry_number("BISH", 2026, 1234), "BISH-PPP-2026-1234");
    }
}
