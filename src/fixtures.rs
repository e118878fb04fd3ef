//! Demo and scenario fixtures: JSON files under `fixtures/`, replayed through the app's own
//! operations (not SQL), so both engines take them and every record really went through its rules.
//!
//! Each file holds `{"steps": [...]}`; files are replayed in name order. A step's `at` is relative
//! to the moment of loading (`"-30d"`, `"-2h"`, `"-90s"`, `"0"`): the loader sets its clock there,
//! so a step dated last week was carried out last week as far as the records can tell.
//!
//! Organisations may carry a `ref` that later steps name (`"org": "osh"`). Accounts with known
//! passwords (`create_user`) are demo data: they are replayed only in demo mode and skipped
//! otherwise, so they never exist outside it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::Deserialize;

use crate::clock::{Clock, ManualClock};
use crate::domain::access::Identity;
use crate::domain::account::NewAccount;
use crate::domain::audit::AuditContext;
use crate::domain::finance::appraisal::FinancialCase;
use crate::domain::ids::OrgId;
use crate::domain::organization::NewOrganization;
use crate::domain::project::{Action, Appraisal, ProjectFields, ProponentAdvantage};
use crate::domain::sealing::Keyring;
use crate::domain::tender::{DEADLINE_ZONE, TenderTerms, TimelineTerms};
use crate::services::{self, ServiceError};
use crate::storage::blobs::BlobStore;
use crate::storage::{Db, StoreError, organizations, users};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureFile {
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Step {
    CreateOrganization {
        at: String,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
        #[serde(flatten)]
        organization: NewOrganization,
    },
    CreateUser {
        at: String,
        /// The `ref` of an organisation created earlier.
        org: String,
        #[serde(flatten)]
        account: NewAccount,
    },
    /// A demo account (`by`, its email) files a project.
    CreateProject {
        at: String,
        #[serde(rename = "ref")]
        reference: String,
        by: String,
        fields: ProjectFields,
    },
    /// A demo account takes a lifecycle action on a project filed earlier.
    ProjectAction {
        at: String,
        by: String,
        project: String,
        action: Action,
        #[serde(default)]
        comment: String,
    },
    /// A demo bidder files a private initiative with a municipality (by its `ref`).
    FileProposal {
        at: String,
        #[serde(rename = "ref")]
        reference: String,
        by: String,
        municipality: String,
        fields: ProjectFields,
        advantage: ProponentAdvantage,
    },
    /// A demo account records a project's appraisal.
    RecordAppraisal {
        at: String,
        by: String,
        project: String,
        appraisal: Appraisal,
    },
    /// A demo account saves a project's financial case (model and public-sector comparator).
    SaveFinancialModel {
        at: String,
        by: String,
        project: String,
        case: Box<FinancialCase>,
    },
    /// A demo officer prepares a draft tender for a project; its timeline's instants are
    /// relative to loading at a local time of day (`"+21d@12:00"`, Asia/Bishkek).
    CreateTender {
        at: String,
        #[serde(rename = "ref")]
        reference: String,
        by: String,
        project: String,
        terms: Box<TenderTerms>,
        timeline: RelativeTimeline,
    },
    /// A demo approver publishes a tender prepared earlier.
    PublishTender { at: String, by: String, tender: String },
    /// A demo bidder asks a question on a tender.
    AskQuestion {
        at: String,
        #[serde(rename = "ref")]
        reference: String,
        by: String,
        tender: String,
        question: String,
    },
    /// A demo account answers a question asked earlier.
    AnswerQuestion {
        at: String,
        by: String,
        question: String,
        answer: String,
    },
    /// A demo bidder submits a sealed bid (received at `at`), as a consortium's lead when it
    /// names members (by their fixture refs).
    SubmitBid {
        at: String,
        by: String,
        tender: String,
        bid: Box<crate::domain::bid::BidSubmission>,
        #[serde(default)]
        consortium: Option<FixtureConsortium>,
    },
    /// A demo bidder of a member company confirms its membership of the lead's bid.
    JoinConsortium {
        at: String,
        by: String,
        tender: String,
        /// The lead company's fixture ref.
        lead: String,
    },
    /// The commission's chair (or deputy) opens a tender's bids.
    OpenBids { at: String, by: String, tender: String },
    /// A commission member declares on every company of the tender's bidding parties: a
    /// conflict with those named (organisation refs), none with the others.
    Declare {
        at: String,
        by: String,
        tender: String,
        #[serde(default)]
        conflict_with: Vec<String>,
        #[serde(default)]
        explanation: String,
    },
    /// The acting chair records the findings on the bid led by `lead` (an organisation ref).
    Qualify {
        at: String,
        by: String,
        tender: String,
        lead: String,
        findings: Vec<crate::domain::commission::Finding>,
    },
    /// A member scores the bid led by `lead`: criterion index to score.
    Score {
        at: String,
        by: String,
        tender: String,
        lead: String,
        scores: crate::domain::commission::Scores,
    },
    /// The acting chair closes the scoring.
    CloseScoring { at: String, by: String, tender: String },
    /// The acting chair proposes the top-ranked bid.
    ProposeAward { at: String, by: String, tender: String },
    /// The approver confirms the proposal (the standstill begins).
    ConfirmAwardProposal { at: String, by: String, tender: String },
    /// A bidder files a complaint (against the award during the standstill, or against the
    /// terms before the deadline).
    Complain {
        at: String,
        #[serde(rename = "ref")]
        reference: String,
        by: String,
        tender: String,
        against: crate::domain::complaint::Against,
        grounds: String,
        remedy: String,
    },
    /// A reviewer decides a complaint filed earlier.
    DecideComplaint {
        at: String,
        by: String,
        complaint: String,
        decision: crate::domain::complaint::Ruling,
        #[serde(default)]
        reason: String,
    },
    /// The approver confirms the award after the standstill.
    ConfirmAward { at: String, by: String, tender: String },
    /// A contract action through the contract services: `draft` (of `tender`, named `ref`),
    /// `sign`, `milestone` (`kind`), `amend`, `performance`, `terminate` (of `contract`). In
    /// `body`, the API's request, a string `"@-30d"` is the Asia/Bishkek date that far from
    /// loading, `"Q@-30d"` the quarter of that date, and `"#osh"` the id of the organisation
    /// with that ref.
    Contract {
        at: String,
        by: String,
        action: ContractAction,
        #[serde(default)]
        tender: Option<String>,
        #[serde(default)]
        contract: Option<String>,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
        #[serde(default)]
        kind: Option<crate::domain::contract::MilestoneKind>,
        body: serde_json::Value,
    },
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ContractAction {
    Draft,
    Sign,
    Milestone,
    Amend,
    Performance,
    Terminate,
}

/// A consortium in a fixture: its members by their organisations' fixture refs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureConsortium {
    lead_role: String,
    lead_share: rust_decimal::Decimal,
    members: Vec<FixtureMember>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureMember {
    company: String,
    role: String,
    share: rust_decimal::Decimal,
}

/// A tender's timeline in a fixture: each instant a day offset and a local time.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RelativeTimeline {
    enquiry_end: String,
    deadline: String,
    opening: String,
}

#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("{path}: step {step}: {reason}")]
    Step { path: PathBuf, step: usize, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a load did.
#[derive(Debug, PartialEq, Eq)]
pub enum LoadOutcome {
    /// `skipped` counts demo-only steps left out because demo mode is off.
    Loaded { files: usize, steps: usize, skipped: usize },
    /// The database already held data, and fixtures only go into an empty one.
    SkippedNotEmpty,
}

/// Replays every fixture file in `dir` into `db`, if the database is empty. Demo-only steps
/// (accounts with known passwords) run only when `demo` is true. Sealed bids are sealed with
/// `keyring`, the one the app will open them with; their documents would be in `blobs`.
pub async fn load_dir(
    db: &Db,
    dir: &Path,
    now: DateTime<Utc>,
    demo: bool,
    keyring: Option<&Keyring>,
    blobs: &dyn BlobStore,
) -> Result<LoadOutcome, FixtureError> {
    if organizations::count_all(db).await? > 0 {
        return Ok(LoadOutcome::SkippedNotEmpty);
    }
    let files = fixture_files(dir)?;
    let mut replay = Replay {
        db,
        clock: ManualClock::new(now),
        now,
        demo,
        keyring,
        blobs,
        refs: HashMap::new(),
        projects: HashMap::new(),
        tenders: HashMap::new(),
        questions: HashMap::new(),
        complaints: HashMap::new(),
        contracts: HashMap::new(),
        skipped: 0,
    };
    let mut steps_done = 0;
    for path in &files {
        steps_done += replay.file(path).await?;
    }
    Ok(LoadOutcome::Loaded {
        files: files.len(),
        steps: steps_done,
        skipped: replay.skipped,
    })
}

/// Replays one scenario file into a database that already holds data (tests build their own
/// records this way, through the same operations): its steps name accounts by e-mail and the
/// records the file itself creates. The number of steps replayed.
pub async fn replay_file(
    db: &Db,
    path: &Path,
    now: DateTime<Utc>,
    keyring: Option<&Keyring>,
    blobs: &dyn BlobStore,
) -> Result<usize, FixtureError> {
    let mut replay = Replay {
        db,
        clock: ManualClock::new(now),
        now,
        demo: true,
        keyring,
        blobs,
        refs: HashMap::new(),
        projects: HashMap::new(),
        tenders: HashMap::new(),
        questions: HashMap::new(),
        complaints: HashMap::new(),
        contracts: HashMap::new(),
        skipped: 0,
    };
    replay.file(path).await
}

impl Replay<'_> {
    /// Replays the steps of one file; how many ran.
    async fn file(&mut self, path: &Path) -> Result<usize, FixtureError> {
        let mut steps_done = 0;
        let text = std::fs::read_to_string(path).map_err(|e| read_error(path, e))?;
        let file: FixtureFile = serde_json::from_str(&text).map_err(|e| read_error(path, e))?;
        for (index, step) in file.steps.iter().enumerate() {
            let step_error = |reason: String| FixtureError::Step {
                path: path.to_path_buf(),
                step: index + 1,
                reason,
            };
            if self.step(step).await.map_err(step_error)? {
                steps_done += 1;
            }
        }
        Ok(steps_done)
    }
}

struct Replay<'a> {
    db: &'a Db,
    clock: Arc<ManualClock>,
    now: DateTime<Utc>,
    demo: bool,
    keyring: Option<&'a Keyring>,
    /// Where the app keeps its blobs (the opening reads bids' documents from it).
    blobs: &'a dyn BlobStore,
    refs: HashMap<String, OrgId>,
    projects: HashMap<String, i64>,
    tenders: HashMap<String, i64>,
    questions: HashMap<String, i64>,
    complaints: HashMap<String, i64>,
    contracts: HashMap<String, i64>,
    skipped: usize,
}

impl Replay<'_> {
    async fn identity(&self, email: &str) -> Result<Identity, String> {
        let found = users::find_for_sign_in(self.db, email)
            .await
            .map_err(|e| e.to_string())?;
        let account = found.ok_or_else(|| format!("no account {email:?}"))?.0;
        users::active_identity(self.db, account.id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("account {email:?} is not active"))
    }

    fn project(&self, reference: &str) -> Result<i64, String> {
        self.projects
            .get(reference)
            .copied()
            .ok_or_else(|| format!("no project with ref {reference:?}"))
    }

    fn known(map: &HashMap<String, i64>, what: &str, reference: &str) -> Result<i64, String> {
        map.get(reference)
            .copied()
            .ok_or_else(|| format!("no {what} with ref {reference:?}"))
    }

    fn known_org(map: &HashMap<String, OrgId>, reference: &str) -> Result<OrgId, String> {
        map.get(reference)
            .copied()
            .ok_or_else(|| format!("no organisation with ref {reference:?}"))
    }

    /// `"+21d@12:00"`: the day that far from loading, at that time of day in Asia/Bishkek.
    fn local_instant(&self, text: &str) -> Result<DateTime<Utc>, String> {
        let bad = || format!("bad instant {text:?}: expected e.g. \"+21d@12:00\"");
        let (offset, time) = text.split_once('@').ok_or_else(bad)?;
        let day = (self.now + parse_offset(offset)?)
            .with_timezone(&DEADLINE_ZONE)
            .date_naive();
        let time = chrono::NaiveTime::parse_from_str(time, "%H:%M").map_err(|_| bad())?;
        DEADLINE_ZONE
            .from_local_datetime(&day.and_time(time))
            .earliest()
            .map(|at| at.with_timezone(&Utc))
            .ok_or_else(bad)
    }

    /// A contract step's body with its relative dates, quarters and organisation refs resolved.
    fn resolve(&self, value: &serde_json::Value) -> Result<serde_json::Value, String> {
        use serde_json::Value;
        Ok(match value {
            Value::String(text) => {
                let date = |offset: &str| -> Result<chrono::NaiveDate, String> {
                    Ok((self.now + parse_offset(offset)?)
                        .with_timezone(&DEADLINE_ZONE)
                        .date_naive())
                };
                if let Some(offset) = text.strip_prefix("Q@") {
                    Value::String(crate::domain::contract::Quarter::of(date(offset)?).to_string())
                } else if let Some(offset) = text.strip_prefix('@') {
                    Value::String(date(offset)?.to_string())
                } else if let Some(reference) = text.strip_prefix('#') {
                    Value::String(Self::known_org(&self.refs, reference)?.0.to_string())
                } else {
                    value.clone()
                }
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| self.resolve(v)).collect::<Result<_, _>>()?),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), self.resolve(v)?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }

    fn body<T: serde::de::DeserializeOwned>(&self, body: &serde_json::Value) -> Result<T, String> {
        serde_json::from_value(self.resolve(body)?).map_err(|e| format!("contract step: {e}"))
    }

    /// Tender `tender`'s id and the id of its bid led by the organisation `lead` (refs).
    async fn bid_of(&self, tender: &str, lead: &str) -> Result<(i64, String), String> {
        let id = Self::known(&self.tenders, "tender", tender)?;
        let lead_id = Self::known_org(&self.refs, lead)?;
        let bid = crate::storage::bids::of_party(self.db, id, lead_id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no bid of {lead:?} on tender {tender:?}"))?;
        Ok((id, bid.id))
    }

    /// Replays one step; `false` when it was skipped.
    async fn step(&mut self, step: &Step) -> Result<bool, String> {
        let clock = &*self.clock as &dyn Clock;
        match step {
            Step::CreateOrganization {
                at,
                reference,
                organization,
            } => {
                self.clock.set(self.now + parse_offset(at)?);
                let created = services::organizations::create(self.db, clock, &AuditContext::system(), organization)
                    .await
                    .map_err(|e| describe(&e))?;
                if let Some(name) = reference {
                    self.refs.insert(name.clone(), created.id);
                }
            }
            _ if !self.demo => {
                // Every other step needs the demo accounts, which exist only in demo mode.
                self.skipped += 1;
                return Ok(false);
            }
            Step::CreateProject {
                at,
                reference,
                by,
                fields,
            } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let ctx = AuditContext::person(&who, None);
                let project = services::projects::create(self.db, clock, &ctx, &who, fields)
                    .await
                    .map_err(|e| describe(&e))?;
                self.projects.insert(reference.clone(), project.id);
            }
            Step::ProjectAction {
                at,
                by,
                project,
                action,
                comment,
            } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let id = self.project(project)?;
                let ctx = AuditContext::person(&who, None);
                services::projects::transition(
                    self.db,
                    clock,
                    &ctx,
                    &who,
                    id,
                    *action,
                    comment,
                    crate::config::DEFAULT_COMPLETENESS_CHECK_DAYS,
                    None,
                )
                .await
                .map_err(|e| describe(&e))?;
            }
            Step::FileProposal {
                at,
                reference,
                by,
                municipality,
                fields,
                advantage,
            } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let municipality = *self
                    .refs
                    .get(municipality)
                    .ok_or_else(|| format!("no organisation {municipality:?}"))?;
                let ctx = AuditContext::person(&who, None);
                let project = services::projects::file_private_initiative(
                    self.db,
                    clock,
                    &ctx,
                    &who,
                    municipality,
                    fields,
                    advantage,
                    crate::config::DEFAULT_COMPLETENESS_CHECK_DAYS,
                )
                .await
                .map_err(|e| describe(&e))?;
                self.projects.insert(reference.clone(), project.id);
            }
            Step::RecordAppraisal {
                at,
                by,
                project,
                appraisal,
            } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let id = self.project(project)?;
                let ctx = AuditContext::person(&who, None);
                services::projects::record_appraisal(self.db, clock, &ctx, &who, id, appraisal)
                    .await
                    .map_err(|e| describe(&e))?;
            }
            Step::SaveFinancialModel { at, by, project, case } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let id = self.project(project)?;
                let ctx = AuditContext::person(&who, None);
                services::financial_models::save(self.db, clock, &ctx, &who, id, case)
                    .await
                    .map_err(|e| describe(&e))?;
            }
            Step::CreateTender {
                at,
                reference,
                by,
                project,
                terms,
                timeline,
            } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let id = self.project(project)?;
                let mut terms = (**terms).clone();
                terms.timeline = TimelineTerms {
                    enquiry_end: Some(self.local_instant(&timeline.enquiry_end)?),
                    deadline: Some(self.local_instant(&timeline.deadline)?),
                    opening: Some(self.local_instant(&timeline.opening)?),
                };
                let ctx = AuditContext::person(&who, None);
                let tender = services::tenders::create(self.db, clock, &ctx, &who, id, &terms, self.demo)
                    .await
                    .map_err(|e| describe(&e))?;
                self.tenders.insert(reference.clone(), tender.id);
            }
            Step::PublishTender { at, by, tender } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let id = Self::known(&self.tenders, "tender", tender)?;
                let ctx = AuditContext::person(&who, None);
                services::tenders::publish(self.db, clock, &ctx, &who, id, self.demo, self.keyring)
                    .await
                    .map_err(|e| describe(&e))?;
            }
            Step::AskQuestion {
                at,
                reference,
                by,
                tender,
                question,
            } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let id = Self::known(&self.tenders, "tender", tender)?;
                let ctx = AuditContext::person(&who, None);
                let asked = services::tenders::ask(self.db, clock, &ctx, &who, id, question)
                    .await
                    .map_err(|e| describe(&e))?;
                self.questions.insert(reference.clone(), asked.id);
            }
            Step::SubmitBid {
                at,
                by,
                tender,
                bid,
                consortium,
            } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let id = Self::known(&self.tenders, "tender", tender)?;
                let ctx = AuditContext::person(&who, None);
                let mut bid = (**bid).clone();
                if let Some(c) = consortium {
                    let mut members = Vec::new();
                    for m in &c.members {
                        let company = Self::known_org(&self.refs, &m.company)?;
                        members.push(crate::domain::bid::MemberSubmission {
                            company_id: company.0.to_string(),
                            role: m.role.clone(),
                            share: m.share,
                        });
                    }
                    bid.consortium = Some(crate::domain::bid::Consortium {
                        lead_role: c.lead_role.clone(),
                        lead_share: c.lead_share,
                        members,
                    });
                }
                let intent = services::bids::Intent::Submit(&bid, services::bids::Documents::Kept);
                services::bids::act(self.db, clock, &ctx, &who, self.keyring, id, self.clock.now(), intent)
                    .await
                    .map_err(|e| describe(&e))?;
            }
            Step::JoinConsortium { at, by, tender, lead } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let id = Self::known(&self.tenders, "tender", tender)?;
                let lead = Self::known_org(&self.refs, lead)?;
                let bid = crate::storage::bids::of_party(self.db, id, lead)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("no bid of {lead:?} on tender {tender:?}"))?;
                let ctx = AuditContext::person(&who, None);
                services::bids::join(self.db, clock, &ctx, &who, &bid.id, self.clock.now())
                    .await
                    .map_err(|e| describe(&e))?;
            }
            Step::OpenBids { at, by, tender } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let id = Self::known(&self.tenders, "tender", tender)?;
                let ctx = AuditContext::person(&who, None);
                services::bid_opening::open(self.db, clock, &ctx, &who, self.keyring, self.blobs, id)
                    .await
                    .map_err(|e| describe(&e))?;
            }
            Step::Declare {
                at,
                by,
                tender,
                conflict_with,
                explanation,
            } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let id = Self::known(&self.tenders, "tender", tender)?;
                let ctx = AuditContext::person(&who, None);
                let conflicts = conflict_with
                    .iter()
                    .map(|c| Self::known_org(&self.refs, c).map(|o| o.0.to_string()))
                    .collect::<Result<Vec<_>, _>>()?;
                let protocol = services::bids::protocol(self.db, Some(&who), &ctx, clock, id)
                    .await
                    .map_err(|e| describe(&e))?;
                // Each company once (a consortium's members list its lead too).
                let companies: std::collections::BTreeSet<String> = protocol
                    .bids
                    .iter()
                    .flat_map(|b| {
                        std::iter::once(b.bidding_party.lead.id.clone())
                            .chain(b.bidding_party.members.iter().map(|m| m.id.clone()))
                    })
                    .collect();
                let parties = companies
                    .into_iter()
                    .map(|company_id| crate::domain::commission::PartyDeclaration {
                        conflict: conflicts.contains(&company_id),
                        company_id,
                    })
                    .collect();
                let request = crate::domain::commission::DeclarationRequest {
                    parties,
                    explanation: explanation.clone(),
                };
                services::evaluation::declare(self.db, clock, &ctx, &who, id, &request)
                    .await
                    .map_err(|e| describe(&e))?;
            }
            Step::Qualify {
                at,
                by,
                tender,
                lead,
                findings,
            } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let (id, bid) = self.bid_of(tender, lead).await?;
                let ctx = AuditContext::person(&who, None);
                let qualification = crate::domain::commission::Qualification {
                    findings: findings.clone(),
                };
                services::evaluation::qualify(self.db, clock, &ctx, &who, id, &bid, &qualification)
                    .await
                    .map_err(|e| describe(&e))?;
            }
            Step::Score {
                at,
                by,
                tender,
                lead,
                scores,
            } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let (id, bid) = self.bid_of(tender, lead).await?;
                let ctx = AuditContext::person(&who, None);
                services::evaluation::score(self.db, clock, &ctx, &who, id, &bid, scores)
                    .await
                    .map_err(|e| describe(&e))?;
            }
            Step::CloseScoring { at, by, tender } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let id = Self::known(&self.tenders, "tender", tender)?;
                let ctx = AuditContext::person(&who, None);
                services::evaluation::close_scoring(self.db, clock, &ctx, &who, id)
                    .await
                    .map_err(|e| describe(&e))?;
            }
            Step::ProposeAward { at, by, tender } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let id = Self::known(&self.tenders, "tender", tender)?;
                let ctx = AuditContext::person(&who, None);
                let evaluation = services::evaluation::read(self.db, clock, &ctx, &who, id)
                    .await
                    .map_err(|e| describe(&e))?;
                let top = evaluation.report["ranking"][0]["bid_id"]
                    .as_str()
                    .ok_or_else(|| format!("tender {tender:?} has no ranked bid"))?
                    .to_string();
                services::award_proposal::propose(self.db, clock, &ctx, &who, id, &top)
                    .await
                    .map_err(|e| describe(&e))?;
            }
            Step::ConfirmAwardProposal { at, by, tender } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let id = Self::known(&self.tenders, "tender", tender)?;
                let ctx = AuditContext::person(&who, None);
                services::award_proposal::confirm(self.db, clock, &ctx, &who, id)
                    .await
                    .map_err(|e| describe(&e))?;
            }
            Step::Complain {
                at,
                reference,
                by,
                tender,
                against,
                grounds,
                remedy,
            } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let id = Self::known(&self.tenders, "tender", tender)?;
                let ctx = AuditContext::person(&who, None);
                let request = crate::domain::complaint::ComplaintRequest {
                    against: *against,
                    grounds: grounds.clone(),
                    remedy: remedy.clone(),
                };
                let filed = services::complaints::file(self.db, clock, &ctx, &who, id, &request, &[])
                    .await
                    .map_err(|e| describe(&e))?;
                let complaint = filed.id.parse().map_err(|_| "bad complaint id".to_string())?;
                self.complaints.insert(reference.clone(), complaint);
            }
            Step::DecideComplaint {
                at,
                by,
                complaint,
                decision,
                reason,
            } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let id = Self::known(&self.complaints, "complaint", complaint)?;
                let ctx = AuditContext::person(&who, None);
                let request = crate::domain::complaint::DecisionRequest {
                    decision: *decision,
                    reason: reason.clone(),
                };
                services::complaints::decide(self.db, clock, &ctx, &who, id, &request)
                    .await
                    .map_err(|e| describe(&e))?;
            }
            Step::Contract {
                at,
                by,
                action,
                tender,
                contract,
                reference,
                kind,
                body,
            } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let ctx = AuditContext::person(&who, None);
                let named = |map: &HashMap<String, i64>, what: &str, r: &Option<String>| {
                    Self::known(map, what, r.as_deref().unwrap_or_default())
                };
                use crate::services::contracts as c;
                let done = match action {
                    ContractAction::Draft => {
                        let id = named(&self.tenders, "tender", tender)?;
                        c::draft(self.db, clock, &ctx, &who, id, &self.body(body)?)
                            .await
                            .map(|contract| {
                                if let Some(r) = reference {
                                    self.contracts.insert(r.clone(), contract);
                                }
                            })
                    }
                    ContractAction::Sign => {
                        let id = named(&self.contracts, "contract", contract)?;
                        c::sign(self.db, clock, &ctx, &who, id, &self.body(body)?).await
                    }
                    ContractAction::Milestone => {
                        let id = named(&self.contracts, "contract", contract)?;
                        let kind = kind.ok_or("a milestone step needs its kind")?;
                        c::milestone(self.db, clock, &ctx, &who, id, kind, &self.body(body)?).await
                    }
                    ContractAction::Amend => {
                        let id = named(&self.contracts, "contract", contract)?;
                        let threshold = rust_decimal::Decimal::from(15);
                        c::amend(self.db, clock, &ctx, &who, id, &self.body(body)?, threshold).await
                    }
                    ContractAction::Performance => {
                        let id = named(&self.contracts, "contract", contract)?;
                        c::record_performance(self.db, clock, &ctx, &who, id, &self.body(body)?).await
                    }
                    ContractAction::Terminate => {
                        let id = named(&self.contracts, "contract", contract)?;
                        c::terminate(self.db, clock, &ctx, &who, id, &self.body(body)?).await
                    }
                };
                done.map_err(|e| describe(&e))?;
            }
            Step::ConfirmAward { at, by, tender } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let id = Self::known(&self.tenders, "tender", tender)?;
                let ctx = AuditContext::person(&who, None);
                services::award::award(self.db, clock, &ctx, &who, id)
                    .await
                    .map_err(|e| describe(&e))?;
            }
            Step::AnswerQuestion {
                at,
                by,
                question,
                answer,
            } => {
                self.clock.set(self.now + parse_offset(at)?);
                let who = self.identity(by).await?;
                let id = Self::known(&self.questions, "question", question)?;
                let ctx = AuditContext::person(&who, None);
                services::tenders::answer(self.db, clock, &ctx, &who, id, answer)
                    .await
                    .map_err(|e| describe(&e))?;
            }
            Step::CreateUser { at, org, account } => {
                let org = *self
                    .refs
                    .get(org)
                    .ok_or_else(|| format!("no organisation with ref {org:?}"))?;
                self.clock.set(self.now + parse_offset(at)?);
                services::accounts::create(self.db, clock, &AuditContext::system(), org, account)
                    .await
                    .map_err(|e| describe(&e))?;
            }
        }
        Ok(true)
    }
}

fn describe(e: &ServiceError) -> String {
    match e {
        ServiceError::Invalid(v) => {
            let fields: Vec<String> = v
                .fields()
                .map(|(f, codes)| format!("{f}: {}", codes.join(", ")))
                .collect();
            format!("invalid: {}", fields.join("; "))
        }
        other => other.to_string(),
    }
}

fn fixture_files(dir: &Path) -> Result<Vec<PathBuf>, FixtureError> {
    let entries = std::fs::read_dir(dir).map_err(|e| read_error(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| read_error(dir, e))?.path();
        if path.extension().is_some_and(|ext| ext == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn read_error(path: &Path, e: impl std::fmt::Display) -> FixtureError {
    FixtureError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// `"-30d"`, `"+2h"`, `"-15m"`, `"-90s"` or `"0"`: an offset from the moment of loading.
fn parse_offset(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::zero());
    }
    let bad = || format!("bad time offset {text:?}: expected e.g. \"-30d\", \"-2h\", \"-15m\", \"-90s\" or \"0\"");
    let unit = text.chars().last().ok_or_else(bad)?;
    let number: i64 = text[..text.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
    let duration = match unit {
        'd' => Duration::try_days(number),
        'h' => Duration::try_hours(number),
        'm' => Duration::try_minutes(number),
        's' => Duration::try_seconds(number),
        _ => None,
    };
    duration.ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_relative_durations() {
        assert_eq!(parse_offset("-30d"), Ok(Duration::days(-30)));
        assert_eq!(parse_offset("+2h"), Ok(Duration::hours(2)));
        assert_eq!(parse_offset("-15m"), Ok(Duration::minutes(-15)));
        assert_eq!(parse_offset("0"), Ok(Duration::zero()));
        assert!(parse_offset("yesterday").is_err());
        assert!(parse_offset("-3w").is_err());
        assert!(parse_offset("").is_err());
    }
}
