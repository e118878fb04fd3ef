//! Bids (domain.md section 3): what a bidder submits, the rules it keeps against its tender's
//! terms, the canonical encoding a receipt's hash is over, and the bids' codes. Pure: the salt,
//! the ids and the time of receipt are given.
//!
//! The canonical encoding (documented in the README, so a bidder can recompute a receipt's
//! hash): JSON with the keys of every object in byte order, no whitespace, strings escaped as
//! serde_json writes them, decimals as strings at their currency's scale, times RFC 3339 in UTC
//! as the API writes them; `sha256` is the lower-case hex SHA-256 of those UTF-8 bytes. The
//! random `salt` inside makes a price impossible to guess by hashing candidates.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::domain::codes::codes;
use crate::domain::finance::model::ModelInput;
use crate::domain::money::{Currency, Money, round_money};
use crate::domain::tender::{FinancialBasis, TenderTerms};
use crate::domain::validation::Violations;

/// The version of the bid's canonical encoding, inside it.
pub const BID_FORMAT: &str = "ppp-registry/bid/v1";
/// The encoding a withdrawal's receipt hash is over.
pub const WITHDRAWAL_FORMAT: &str = "ppp-registry/bid-withdrawal/v1";
/// The encoding a confirmation's receipt hash is over.
pub const CONFIRMATION_FORMAT: &str = "ppp-registry/bid-confirmation/v1";

/// The most yearly payments an offer may state (a PPP lasts at most 99 years).
const MAX_YEARS: usize = 99;
/// The largest amount an offer may state.
const MAX_AMOUNT: i64 = 1_000_000_000_000;

codes!(
    /// A bid's status (domain.md's code list; OCDS mapping there).
    BidStatus {
        Submitted = "submitted",
        NeedsConfirmation = "needs_confirmation",
        Withdrawn = "withdrawn",
        Opened = "opened",
        Qualified = "qualified",
        Disqualified = "disqualified",
        Proposed = "proposed",
        Awarded = "awarded",
        Declined = "declined",
    }
);

codes!(
    /// What a receipt acknowledges.
    ReceiptKind {
        Submission = "submission",
        Replacement = "replacement",
        Confirmation = "confirmation",
        Withdrawal = "withdrawal",
    }
);

impl BidStatus {
    /// The status shown: a submitted bid standing on an older version of its tender than the
    /// current one needs its bidder's confirmation (an old bid must not silently stand on new
    /// terms).
    pub fn shown(self, bid_tender_version: i32, tender_version: i32) -> Self {
        if self == Self::Submitted && bid_tender_version < tender_version {
            Self::NeedsConfirmation
        } else {
            self
        }
    }
}

/// Whether an amendment from `before` to `after` changed what a bid's content is checked
/// against (the financial criterion's basis, the bid security): a bid standing on `before` must
/// then be replaced, not merely confirmed.
pub fn terms_changed_for_bids(before: &TenderTerms, after: &TenderTerms) -> bool {
    let basis = |t: &TenderTerms| t.criteria.iter().find_map(|c| c.financial.clone());
    basis(before) != basis(after) || before.bid_security != after.bid_security
}

/// The submission inside an opened bid's canonical encoding, if it reads as one.
pub fn submission_in(encoding: &Value) -> Option<BidSubmission> {
    let mut fields = serde_json::Map::new();
    for key in ["offer", "financial_model", "bid_security", "declarations"] {
        match encoding.get(key) {
            None | Some(Value::Null) => {}
            Some(value) => {
                fields.insert(key.to_string(), value.clone());
            }
        }
    }
    serde_json::from_value(Value::Object(fields)).ok()
}

/// The financial offer: the figure the tender's financial criterion evaluates, in its
/// currency; a single `amount` (a tariff, a subsidy) or `yearly` payments from year 1 (an
/// availability payment, a concession fee).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Offer {
    pub currency: Currency,
    #[serde(
        default,
        deserialize_with = "optional_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<crate::domain::strict_json::PlainDecimal>)]
    pub amount: Option<Decimal>,
    #[serde(
        default,
        deserialize_with = "crate::domain::strict_json::plain_decimals",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schema(value_type = Vec<crate::domain::strict_json::PlainDecimal>)]
    pub yearly: Vec<Decimal>,
}

pub(crate) fn optional_decimal<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    #[derive(Deserialize)]
    struct Plain(#[serde(deserialize_with = "crate::domain::strict_json::plain_decimal")] Decimal);
    Ok(Option::<Plain>::deserialize(d)?.map(|p| p.0))
}

/// The bid security the bidder provides (a bank guarantee or a deposit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BidSecurity {
    /// The bank or the treasury account that holds it.
    pub issuer: String,
    /// The guarantee's or the payment order's number.
    pub reference: String,
    pub amount: Money,
}

/// What the bidder declares; each must be `true` for the bid to be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Declarations {
    /// The party meets the eligibility rules (not bankrupt, no tax arrears, not debarred).
    pub eligible: bool,
    /// The offer was prepared independently of every other bidder.
    pub no_collusion: bool,
    /// The party accepts the tender's terms in their current version.
    pub accepts_terms: bool,
}

/// A company the lead names in its consortium.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberSubmission {
    /// The member company's organisation id.
    pub company_id: String,
    /// What it does in the consortium (`operator`, `financier`, `contractor`).
    pub role: String,
    /// Its share in percent.
    #[serde(deserialize_with = "crate::domain::strict_json::plain_decimal")]
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub share: Decimal,
}

/// A consortium: the lead's own role and share, and its members'; the shares sum to 100.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Consortium {
    pub lead_role: String,
    #[serde(deserialize_with = "crate::domain::strict_json::plain_decimal")]
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub lead_share: Decimal,
    pub members: Vec<MemberSubmission>,
}

/// The most members a consortium may name besides its lead.
pub const MAX_MEMBERS: usize = 10;

impl Consortium {
    /// Every rule the consortium breaks, each under its field; `lead` is the lead company's id.
    fn check(&self, v: &mut Violations, lead: i64) {
        check_short_text(v, "consortium.lead_role", &self.lead_role);
        check_share(v, "consortium.lead_share", self.lead_share);
        if self.members.is_empty() {
            v.add("consortium.members", "required");
        } else if self.members.len() > MAX_MEMBERS {
            v.add("consortium.members", "too_many");
        }
        let mut seen = Vec::new();
        for (i, m) in self.members.iter().enumerate().take(MAX_MEMBERS) {
            let field = |f: &str| format!("consortium.members.{i}.{f}");
            match crate::domain::ids::parse_id(&m.company_id) {
                None => v.add(field("company_id"), "id"),
                Some(id) if id == lead => v.add(field("company_id"), "member_is_lead"),
                Some(id) if seen.contains(&id) => v.add(field("company_id"), "member_twice"),
                Some(id) => seen.push(id),
            }
            check_short_text(v, &field("role"), &m.role);
            check_share(v, &field("share"), m.share);
        }
        // Summed checked: a share is any decimal the body wrote until its range is known.
        let total = self
            .members
            .iter()
            .take(MAX_MEMBERS)
            .try_fold(self.lead_share, |sum, m| sum.checked_add(m.share));
        if total != Some(Decimal::from(100)) {
            v.add("consortium", "consortium_shares");
        }
    }
}

fn check_share(v: &mut Violations, field: &str, share: Decimal) {
    if share <= Decimal::ZERO || share >= Decimal::from(100) {
        v.add(field, "share_range");
    } else if share.normalize().scale() > 2 {
        v.add(field, "minor_unit");
    }
}

/// A bid as its bidder submits it (the `meta` part, or the whole JSON body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BidSubmission {
    /// A consortium led by the submitting company; none for a company bidding alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consortium: Option<Consortium>,
    pub offer: Offer,
    /// The bidder's financial model, as `POST /api/v1/finance/evaluate` takes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub financial_model: Option<ModelInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bid_security: Option<BidSecurity>,
    pub declarations: Declarations,
}

pub(crate) fn check_amount(v: &mut Violations, field: &str, amount: Decimal, currency: Currency) {
    if amount <= Decimal::ZERO {
        v.add(field, "positive");
    } else if round_money(amount, currency) != amount {
        v.add(field, "minor_unit");
    } else if amount > Decimal::from(MAX_AMOUNT) {
        v.add(field, "too_large");
    }
}

pub(crate) fn check_short_text(v: &mut Violations, field: &str, text: &str) {
    v.text(field, text);
    let chars = text.trim().chars().count();
    if chars == 0 {
        v.add(field, "required");
    } else if chars > 200 {
        v.add(field, "too_long");
    }
}

impl BidSubmission {
    /// Every rule the bid, led by company `lead`, breaks against `terms`, each under its field.
    pub fn violations_of_lead(&self, terms: &TenderTerms, lead: i64) -> Violations {
        let mut v = self.violations(terms);
        if let Some(consortium) = &self.consortium {
            consortium.check(&mut v, lead);
        }
        v
    }

    /// Every rule the bid's content breaks against `terms`, each under its field.
    pub fn violations(&self, terms: &TenderTerms) -> Violations {
        let mut v = Violations::new();
        if let Some(basis) = terms.criteria.iter().find_map(|c| c.financial.as_ref()) {
            self.offer.check(&mut v, basis);
        }
        if let Some(model) = &self.financial_model
            && let Err(e) = model.validate()
        {
            v.merge_prefixed("financial_model", e);
        }
        match (&terms.bid_security, &self.bid_security) {
            (Some(_), None) => v.add("bid_security", "required"),
            (required, Some(given)) => {
                check_short_text(&mut v, "bid_security.issuer", &given.issuer);
                check_short_text(&mut v, "bid_security.reference", &given.reference);
                check_amount(
                    &mut v,
                    "bid_security.amount.amount",
                    given.amount.amount,
                    given.amount.currency,
                );
                if let Some(required) = required {
                    if given.amount.currency != required.currency {
                        v.add("bid_security.amount.currency", "currency_mismatch");
                    } else if given.amount.amount < required.amount {
                        v.add("bid_security.amount.amount", "below_required");
                    }
                }
            }
            (None, None) => {}
        }
        let d = self.declarations;
        for (field, given) in [
            ("declarations.eligible", d.eligible),
            ("declarations.no_collusion", d.no_collusion),
            ("declarations.accepts_terms", d.accepts_terms),
        ] {
            if !given {
                v.add(field, "must_be_true");
            }
        }
        v
    }

    /// The amounts at their currency's scale (`12.5` is kept as `12.50`), as the canonical
    /// encoding writes them.
    pub fn with_money_scaled(mut self) -> Self {
        let scale = |amount: &mut Decimal, currency: Currency| amount.rescale(currency.minor_unit_digits());
        let currency = self.offer.currency;
        if let Some(amount) = self.offer.amount.as_mut() {
            scale(amount, currency);
        }
        for amount in &mut self.offer.yearly {
            scale(amount, currency);
        }
        if let Some(security) = self.bid_security.as_mut() {
            scale(&mut security.amount.amount, security.amount.currency);
        }
        if let Some(consortium) = self.consortium.as_mut() {
            consortium.lead_share.rescale(2);
            for member in &mut consortium.members {
                member.share.rescale(2);
            }
        }
        self
    }
}

impl Offer {
    fn check(&self, v: &mut Violations, basis: &FinancialBasis) {
        if self.currency != basis.currency {
            v.add("offer.currency", "currency_mismatch");
        }
        if basis.figure.is_yearly_stream() {
            if self.amount.is_some() {
                v.add("offer.amount", "stream_expected");
            }
            if self.yearly.is_empty() {
                v.add("offer.yearly", "required");
            } else if self.yearly.len() > MAX_YEARS {
                v.add("offer.yearly", "too_many");
            }
            for (i, amount) in self.yearly.iter().enumerate().take(MAX_YEARS) {
                check_amount(v, &format!("offer.yearly.{i}"), *amount, self.currency);
            }
        } else {
            if !self.yearly.is_empty() {
                v.add("offer.yearly", "single_figure_expected");
            }
            match self.amount {
                None => v.add("offer.amount", "required"),
                Some(amount) => check_amount(v, "offer.amount", amount, self.currency),
            }
        }
    }

    /// The offer in the protocol: the single figure, or the yearly payments' sum and count.
    pub fn headline(&self) -> Money {
        let amount = match self.amount {
            Some(amount) => amount,
            None => self.yearly.iter().copied().sum(),
        };
        Money::new(amount, self.currency)
    }
}

/// A party's name as the receipt shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PartyRef {
    pub id: String,
    pub name: String,
}

/// A member of a consortium.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MemberRef {
    pub id: String,
    pub name: String,
    pub role: String,
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub share: Decimal,
}

/// Who bids: the lead company, and the consortium's members (none for a single company).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BiddingParty {
    pub lead: PartyRef,
    pub members: Vec<MemberRef>,
}

/// A document's digest on a receipt: its random id, the file's name and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DocumentDigest {
    pub id: String,
    pub name: String,
    pub sha256: String,
}

/// A document an opened bid lists that was not found as listed: reported in the protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DocumentFault {
    /// The document's id, as the bid lists it.
    pub id: String,
    pub fault: DocumentFaultKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentFaultKind {
    /// Neither its record nor its ciphertext is where the bid left it.
    Missing,
    /// Its ciphertext does not open as sealed, or its content does not hash to the listed hash.
    Altered,
}

/// What identifies one submitted version of a bid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BidHeader<'a> {
    pub bid_id: &'a str,
    pub tender_id: i64,
    pub version: i32,
    pub tender_version: i32,
    pub party: &'a BiddingParty,
    pub received_at: DateTime<Utc>,
    pub salt: &'a str,
}

impl BidHeader<'_> {
    fn fields(&self, format: &str) -> serde_json::Map<String, Value> {
        let mut map = serde_json::Map::new();
        map.insert("format".into(), json!(format));
        map.insert("bid_id".into(), json!(self.bid_id));
        map.insert("tender_id".into(), json!(self.tender_id.to_string()));
        map.insert("version".into(), json!(self.version));
        map.insert("tender_version".into(), json!(self.tender_version));
        map.insert(
            "bidding_party".into(),
            serde_json::to_value(self.party).unwrap_or_default(),
        );
        map.insert(
            "received_at".into(),
            serde_json::to_value(self.received_at).unwrap_or_default(),
        );
        map.insert("salt".into(), json!(self.salt));
        map
    }

    /// The canonical encoding of a submitted (or replacing) bid: what is sealed, and what its
    /// receipt's hash is over.
    pub fn encode_bid(&self, bid: &BidSubmission, documents: &[DocumentDigest]) -> Vec<u8> {
        let mut map = self.fields(BID_FORMAT);
        let content = serde_json::to_value(bid).unwrap_or_default();
        map.insert("offer".into(), content["offer"].clone());
        map.insert(
            "financial_model".into(),
            content.get("financial_model").cloned().unwrap_or(Value::Null),
        );
        map.insert(
            "bid_security".into(),
            content.get("bid_security").cloned().unwrap_or(Value::Null),
        );
        map.insert("declarations".into(), content["declarations"].clone());
        map.insert("documents".into(), serde_json::to_value(documents).unwrap_or_default());
        canonical_json(&Value::Object(map)).into_bytes()
    }

    /// The canonical encoding of a withdrawal.
    pub fn encode_withdrawal(&self) -> Vec<u8> {
        canonical_json(&Value::Object(self.fields(WITHDRAWAL_FORMAT))).into_bytes()
    }

    /// The canonical encoding of a confirmation: the bid, by its content's hash, stands on the
    /// tender's version `tender_version`.
    pub fn encode_confirmation(&self, content_sha256: &str) -> Vec<u8> {
        let mut map = self.fields(CONFIRMATION_FORMAT);
        map.insert("confirms_sha256".into(), json!(content_sha256));
        canonical_json(&Value::Object(map)).into_bytes()
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// JSON with every object's keys in byte order and no whitespace; scalars as serde_json writes
/// them.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(&mut out, value);
    out
}

fn write_canonical(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(out, &map[key]);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// A random 128-bit id, hex (bids and bid documents: ids that reveal no count).
pub fn random_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `text` could be a bid id (32 lower-case hex digits); anything else names no bid.
pub fn is_bid_id(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tender::{Better, Criterion, FinancialFigure};

    fn terms(figure: FinancialFigure, security: Option<Money>) -> TenderTerms {
        let mut terms: TenderTerms = serde_json::from_value(json!({
            "title": {"ru": "Т"}, "description": "d", "procedure": "open", "documents": [],
            "qualification_requirements": [], "criteria": [], "timeline": {}, "accelerator": 1
        }))
        .unwrap();
        terms.criteria = vec![Criterion {
            name: serde_json::from_value(json!({"ru": "Цена"})).unwrap(),
            weight: 100,
            financial: Some(FinancialBasis {
                figure,
                unit: "KGS per year".into(),
                currency: Currency::Kgs,
                better: Better::Lower,
                discount_rate: None,
            }),
        }];
        terms.bid_security = security;
        terms
    }

    fn bid(offer: Value) -> BidSubmission {
        serde_json::from_value(json!({
            "offer": offer,
            "declarations": {"eligible": true, "no_collusion": true, "accepts_terms": true}
        }))
        .unwrap()
    }

    fn fields(v: &Violations) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = v
            .fields()
            .flat_map(|(f, codes)| codes.iter().map(move |c| (f.to_string(), c.to_string())))
            .collect();
        out.sort();
        out
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = list.iter().map(|(f, c)| (f.to_string(), c.to_string())).collect();
        out.sort();
        out
    }

    #[test]
    fn an_offer_keeps_to_the_financial_criterion() {
        let stream = terms(FinancialFigure::AvailabilityPayment, None);
        let good = bid(json!({"currency": "KGS", "yearly": ["41500000", "41500000.5"]}));
        assert!(good.violations(&stream).is_empty());
        let wrong = bid(json!({"currency": "USD", "amount": "12.345", "yearly": ["0", "1.001"]}));
        assert_eq!(
            fields(&wrong.violations(&stream)),
            pairs(&[
                ("offer.currency", "currency_mismatch"),
                ("offer.amount", "stream_expected"),
                ("offer.yearly.0", "positive"),
                ("offer.yearly.1", "minor_unit"),
            ])
        );
        let tariff = terms(FinancialFigure::Tariff, None);
        assert!(
            bid(json!({"currency": "KGS", "amount": "12.5"}))
                .violations(&tariff)
                .is_empty()
        );
        assert_eq!(
            fields(&bid(json!({"currency": "KGS", "yearly": ["1"]})).violations(&tariff)),
            pairs(&[("offer.yearly", "single_figure_expected"), ("offer.amount", "required")])
        );
    }

    #[test]
    fn security_and_declarations_are_checked() {
        let required = Money::new(Decimal::from(500_000), Currency::Kgs);
        let t = terms(FinancialFigure::Tariff, Some(required));
        let mut b = bid(json!({"currency": "KGS", "amount": "12"}));
        b.declarations.no_collusion = false;
        assert_eq!(
            fields(&b.violations(&t)),
            pairs(&[
                ("bid_security", "required"),
                ("declarations.no_collusion", "must_be_true")
            ])
        );
        b.declarations.no_collusion = true;
        b.bid_security = Some(BidSecurity {
            issuer: "ОАО «Айыл Банк»".into(),
            reference: " ".into(),
            amount: Money::new(Decimal::from(499_999), Currency::Kgs),
        });
        assert_eq!(
            fields(&b.violations(&t)),
            pairs(&[
                ("bid_security.reference", "required"),
                ("bid_security.amount.amount", "below_required")
            ])
        );
    }

    #[test]
    fn the_canonical_encoding_is_sorted_compact_and_salted() {
        let party = BiddingParty {
            lead: PartyRef {
                id: "7".into(),
                name: "ОсОО «Ош Транс»".into(),
            },
            members: vec![],
        };
        let header = BidHeader {
            bid_id: "00112233445566778899aabbccddeeff",
            tender_id: 3,
            version: 1,
            tender_version: 2,
            party: &party,
            received_at: "2027-01-11T06:00:00.000001Z".parse().unwrap(),
            salt: "5a17",
        };
        let b = bid(json!({"currency": "KGS", "amount": 12.5})).with_money_scaled();
        let bytes = header.encode_bid(&b, &[]);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert_eq!(
            text,
            concat!(
                r#"{"bid_id":"00112233445566778899aabbccddeeff","bid_security":null,"#,
                r#""bidding_party":{"lead":{"id":"7","name":"ОсОО «Ош Транс»"},"members":[]},"#,
                r#""declarations":{"accepts_terms":true,"eligible":true,"no_collusion":true},"#,
                r#""documents":[],"financial_model":null,"format":"ppp-registry/bid/v1","#,
                r#""offer":{"amount":"12.50","currency":"KGS"},"received_at":"2027-01-11T06:00:00.000001Z","#,
                r#""salt":"5a17","tender_id":"3","tender_version":2,"version":1}"#
            )
        );
        assert_eq!(sha256_hex(&bytes), sha256_hex(text.as_bytes()));
        let other_salt = BidHeader {
            salt: "5a18",
            ..header.clone()
        };
        assert_ne!(sha256_hex(&other_salt.encode_bid(&b, &[])), sha256_hex(&bytes));
        assert!(
            String::from_utf8(header.encode_confirmation("ab"))
                .unwrap()
                .contains(r#""confirms_sha256":"ab""#)
        );
    }

    #[test]
    fn a_changed_basis_or_security_needs_a_new_bid_and_an_opened_one_is_rechecked() {
        let before = terms(FinancialFigure::AvailabilityPayment, None);
        let mut after = before.clone();
        after.qualification_requirements = vec!["Опыт 3 года".into()];
        assert!(!terms_changed_for_bids(&before, &after));
        after.bid_security = Some(Money::new(Decimal::from(1), Currency::Kgs));
        assert!(terms_changed_for_bids(&before, &after));
        let encoding = json!({"format": BID_FORMAT, "salt": "x", "financial_model": null, "bid_security": null,
            "offer": {"currency": "KGS", "yearly": ["1.00"]},
            "declarations": {"eligible": true, "no_collusion": true, "accepts_terms": true}});
        let read = submission_in(&encoding).unwrap();
        assert!(read.violations(&before).is_empty());
        assert_eq!(fields(&read.violations(&after)), pairs(&[("bid_security", "required")]));
        assert_eq!(submission_in(&json!({"offer": 1})), None);
    }

    #[test]
    fn a_consortium_names_distinct_companies_whose_shares_sum_to_100() {
        let t = terms(FinancialFigure::Tariff, None);
        let mut b = bid(json!({"currency": "KGS", "amount": "12"}));
        b.consortium = Some(
            serde_json::from_value(json!({"lead_role": "оператор", "lead_share": "60",
                "members": [{"company_id": "12", "role": "подрядчик", "share": "40"}]}))
            .unwrap(),
        );
        assert!(b.violations_of_lead(&t, 7).is_empty());
        b.consortium = Some(
            serde_json::from_value(json!({"lead_role": " ", "lead_share": "60",
                "members": [{"company_id": "7", "role": "x", "share": "30.001"},
                            {"company_id": "x", "role": "y", "share": "10"}]}))
            .unwrap(),
        );
        assert_eq!(
            fields(&b.violations_of_lead(&t, 7)),
            pairs(&[
                ("consortium", "consortium_shares"),
                ("consortium.lead_role", "required"),
                ("consortium.members.0.company_id", "member_is_lead"),
                ("consortium.members.0.share", "minor_unit"),
                ("consortium.members.1.company_id", "id"),
            ])
        );
    }

    #[test]
    fn needs_confirmation_is_read_from_the_versions() {
        assert_eq!(BidStatus::Submitted.shown(1, 2), BidStatus::NeedsConfirmation);
        assert_eq!(BidStatus::Submitted.shown(2, 2), BidStatus::Submitted);
        assert_eq!(BidStatus::Withdrawn.shown(1, 2), BidStatus::Withdrawn);
        assert!(is_bid_id(&random_id()));
        assert!(!is_bid_id("00112233445566778899AABBCCDDEEFF"));
    }
}
