//! Who may see and do what: the one policy that services, pages, lists and SQL filters all take
//! their answer from. Each rule is a pure function of the person and the facts of the record;
//! the routes' permission table (in the web layer's `permissions.rs`) is a summary of these rules, not a copy.

use crate::domain::access::{Identity, Role};
use crate::domain::complaint::Against;
use crate::domain::contract::ContractStatus;
use crate::domain::ids::OrgId;
use crate::domain::organization::{OrganizationKind, OrganizationStatus};
use crate::domain::project::{Action, Initiation, Stage, actor_role, next_stage};
use crate::domain::tender::{TenderState, TenderStatus};

/// The roles each kind of route admits at all (the routes' guards and the permission table
/// take them from here); which record they may act on is decided by the functions below.
pub const ADMINISTRATORS: &[Role] = &[Role::Admin];
/// Filing projects: a municipality's officers.
pub const PROJECT_FILERS: &[Role] = &[Role::Officer];
/// Filing private initiatives: companies' bidders.
pub const PROPOSERS: &[Role] = &[Role::Bidder];
/// A municipality's staff who prepare projects: officers and approvers.
pub const PROJECT_STAFF: &[Role] = &[Role::Officer, Role::Approver];
/// Authors of projects: officers, and bidders for their private initiatives.
pub const PROJECT_AUTHORS: &[Role] = &[Role::Officer, Role::Bidder];
/// Whoever takes a lifecycle action: authors submit, approvers decide.
pub const PROJECT_ACTORS: &[Role] = &[Role::Officer, Role::Approver, Role::Bidder];
/// Preparing a tender (creating and editing the draft): a municipality's officers.
pub const TENDER_PREPARERS: &[Role] = &[Role::Officer];
/// Publishing and cancelling a tender: a municipality's approvers.
pub const TENDER_APPROVERS: &[Role] = &[Role::Approver];
/// Amending a published tender and answering its questions: a municipality's officers and
/// approvers.
pub const TENDER_STAFF: &[Role] = &[Role::Officer, Role::Approver];
/// Asking clarification questions: companies' bidders.
pub const QUESTIONERS: &[Role] = &[Role::Bidder];
/// Who submits, replaces, confirms and withdraws bids (for their own company).
pub const BIDDERS: &[Role] = &[Role::Bidder];
/// Who opens the bids: the commission's chair, or its deputy chair.
pub const OPENERS: &[Role] = &[Role::Commission];
/// Who evaluates: the commission members (the chair is a flag).
pub const COMMISSION: &[Role] = &[Role::Commission];

/// The answer to "may this person do this to this record?", with how a refusal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// The record does not exist for this person (404): never confirm what they may not see.
    Hidden,
    /// They see the record but their role or organisation may not do this (403).
    Forbidden,
    /// The record's state does not allow it now (409); a message id.
    Closed(&'static str),
    /// They may not do this for a reason of their own standing that they should be told (403);
    /// a message id (a commission member who has not declared, or has withdrawn).
    Refused(&'static str),
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allowed
    }

    /// This decision, unless it allows: then `next`.
    fn and(self, next: impl FnOnce() -> Decision) -> Decision {
        match self {
            Decision::Allowed => next(),
            refused => refused,
        }
    }
}

fn allowed_if(condition: bool, otherwise: Decision) -> Decision {
    if condition { Decision::Allowed } else { otherwise }
}

/// The facts of a project that decide who may see or change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectFacts {
    pub municipality: OrgId,
    /// The proposing company of a private initiative.
    pub proponent: Option<OrgId>,
    pub stage: Stage,
    pub initiation: Initiation,
}

/// Whose drafts a reader sees besides every project that is not a draft: those of its own
/// organisation (a municipality's, or the drafts a company proposed), or all (reviewers). The
/// storage layer turns this into its SQL filter; [`may_read_project`] is the same rule for one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DraftScope {
    pub own: Option<OrgId>,
    pub all: bool,
}

impl DraftScope {
    /// Whether a project with these facts is in scope.
    pub fn covers(self, project: &ProjectFacts) -> bool {
        project.stage.is_public()
            || self.all
            || self
                .own
                .is_some_and(|own| own == project.municipality || Some(own) == project.proponent)
    }
}

pub fn draft_scope(who: Option<&Identity>) -> DraftScope {
    match who {
        Some(w) if w.has_role(Role::Reviewer) => DraftScope { own: None, all: true },
        Some(w) => DraftScope {
            own: Some(w.organization_id),
            all: false,
        },
        None => DraftScope::default(),
    }
}

/// Anything but a draft is public; a draft only to its municipality, its proponent and the
/// reviewers.
pub fn may_read_project(who: Option<&Identity>, project: &ProjectFacts) -> bool {
    draft_scope(who).covers(project)
}

/// Internal documents of a project: its municipality, its proponent and the reviewers.
pub fn may_read_internal(who: Option<&Identity>, project: &ProjectFacts) -> bool {
    who.is_some_and(|w| {
        w.organization_id == project.municipality
            || Some(w.organization_id) == project.proponent
            || w.has_role(Role::Reviewer)
    })
}

/// The first gate of every change to a project: it must exist for them (404) and belong to
/// their municipality or, for a private initiative, to their company (403).
fn party_to(who: &Identity, project: &ProjectFacts) -> Decision {
    allowed_if(may_read_project(Some(who), project), Decision::Hidden).and(|| {
        allowed_if(
            who.organization_id == project.municipality || Some(who.organization_id) == project.proponent,
            Decision::Forbidden,
        )
    })
}

/// Whether `who` speaks for the project's author: the municipality's officers for a public
/// project, the proponent's bidders for a private initiative.
pub fn is_author(who: &Identity, project: &ProjectFacts) -> bool {
    match project.proponent {
        Some(proponent) => who.organization_id == proponent && who.has_role(Role::Bidder),
        None => who.organization_id == project.municipality && who.has_role(Role::Officer),
    }
}

/// The municipality's own staff who prepare a project: its officers and approvers.
fn is_preparing_staff(who: &Identity, project: &ProjectFacts) -> bool {
    who.organization_id == project.municipality && who.has_any_role(PROJECT_STAFF)
}

/// Filing a project: officers, for their own municipality.
pub fn may_file_project(who: &Identity) -> Decision {
    allowed_if(who.has_any_role(PROJECT_FILERS), Decision::Forbidden)
}

/// Filing a private initiative: a company's bidders.
pub fn may_file_private_initiative(who: &Identity) -> Decision {
    allowed_if(who.has_any_role(PROPOSERS), Decision::Forbidden)
}

/// Editing the fields: the author, while the project is a draft.
pub fn may_edit_fields(who: &Identity, project: &ProjectFacts) -> Decision {
    party_to(who, project)
        .and(|| allowed_if(is_author(who, project), Decision::Forbidden))
        .and(|| allowed_if(project.stage == Stage::Draft, Decision::Closed("error-only-drafts")))
}

/// The appraisal record: the municipality's officers and approvers, while the project is
/// submitted or in appraisal.
pub fn may_record_appraisal(who: &Identity, project: &ProjectFacts) -> Decision {
    party_to(who, project)
        .and(|| allowed_if(is_preparing_staff(who, project), Decision::Forbidden))
        .and(|| {
            allowed_if(
                matches!(project.stage, Stage::Submitted | Stage::Appraisal),
                Decision::Closed("error-appraisal-stage"),
            )
        })
}

/// Saving a financial model: the municipality's officers and approvers, until approval.
pub fn may_save_financial_model(who: &Identity, project: &ProjectFacts) -> Decision {
    allowed_if(may_read_project(Some(who), project), Decision::Hidden)
        .and(|| allowed_if(is_preparing_staff(who, project), Decision::Forbidden))
        .and(|| {
            allowed_if(
                matches!(project.stage, Stage::Draft | Stage::Submitted | Stage::Appraisal),
                Decision::Closed("error-appraisal-closed"),
            )
        })
}

/// Uploading documents: the municipality's officers and approvers, and a private initiative's
/// proponent.
pub fn may_upload_document(who: &Identity, project: &ProjectFacts) -> Decision {
    allowed_if(may_read_project(Some(who), project), Decision::Hidden).and(|| {
        allowed_if(
            is_preparing_staff(who, project)
                || (Some(who.organization_id) == project.proponent && who.has_role(Role::Bidder)),
            Decision::Forbidden,
        )
    })
}

/// A lifecycle action, as far as who may take it: the author submits; the municipality's
/// approvers decide. Whether the stage allows it, and with what reason and record, is
/// [`crate::domain::project::decide`]'s to say.
pub fn may_take(who: &Identity, project: &ProjectFacts, action: Action) -> Decision {
    party_to(who, project).and(|| {
        let speaks_for = match action {
            Action::Submit => is_author(who, project),
            _ => who.organization_id == project.municipality,
        };
        allowed_if(speaks_for, Decision::Forbidden)
    })
}

/// The actions to offer `who` on a project's page: those they may take from its stage.
pub fn offered_actions(who: &Identity, project: &ProjectFacts) -> Vec<Action> {
    Action::ALL
        .iter()
        .copied()
        .filter(|a| {
            may_take(who, project, *a).is_allowed()
                && who.has_role(actor_role(*a, project.initiation))
                && next_stage(project.stage, *a).is_some()
        })
        .collect()
}

/// The facts of a tender that decide who may see or change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenderFacts {
    pub municipality: OrgId,
    pub state: TenderState,
    /// The status at the time of asking (from the clock).
    pub status: TenderStatus,
}

/// A published or cancelled tender is public; a draft only to its municipality and the
/// reviewers. Lists take the same rule as [`DraftScope`] (a tender has no proponent).
pub fn may_read_tender(who: Option<&Identity>, tender: &TenderFacts) -> bool {
    tender.state != TenderState::Draft
        || who.is_some_and(|w| w.organization_id == tender.municipality || w.has_role(Role::Reviewer))
}

/// The first gate of a change to a tender: it must exist for them (404) and they must be of its
/// municipality with one of `roles` (403).
fn staff_of(who: &Identity, tender: &TenderFacts, roles: &[Role]) -> Decision {
    allowed_if(may_read_tender(Some(who), tender), Decision::Hidden).and(|| {
        allowed_if(
            who.organization_id == tender.municipality && who.has_any_role(roles),
            Decision::Forbidden,
        )
    })
}

/// Preparing a tender for a project: its municipality's officers, once the project is approved.
pub fn may_prepare_tender(who: &Identity, project: &ProjectFacts) -> Decision {
    allowed_if(may_read_project(Some(who), project), Decision::Hidden)
        .and(|| {
            allowed_if(
                who.organization_id == project.municipality && who.has_any_role(TENDER_PREPARERS),
                Decision::Forbidden,
            )
        })
        .and(|| {
            allowed_if(
                project.stage == Stage::Approved,
                Decision::Closed("error-tender-needs-approval"),
            )
        })
}

/// Editing a tender's draft: its municipality's officers.
pub fn may_edit_tender(who: &Identity, tender: &TenderFacts) -> Decision {
    staff_of(who, tender, TENDER_PREPARERS).and(|| {
        allowed_if(
            tender.state == TenderState::Draft,
            Decision::Closed("error-only-draft-tenders"),
        )
    })
}

/// Publishing a draft: its municipality's approvers.
pub fn may_publish_tender(who: &Identity, tender: &TenderFacts) -> Decision {
    staff_of(who, tender, TENDER_APPROVERS).and(|| {
        allowed_if(
            tender.state == TenderState::Draft,
            Decision::Closed("error-only-draft-tenders"),
        )
    })
}

/// Amending a published tender: its municipality's staff, until the deadline.
pub fn may_amend_tender(who: &Identity, tender: &TenderFacts) -> Decision {
    staff_of(who, tender, TENDER_STAFF).and(|| {
        allowed_if(
            matches!(
                tender.status,
                TenderStatus::ActiveEnquiries | TenderStatus::ActiveTendering
            ),
            Decision::Closed("error-tender-not-open"),
        )
    })
}

/// Asking a question: any company's bidder, until the enquiry end.
pub fn may_ask_question(who: &Identity, tender: &TenderFacts) -> Decision {
    allowed_if(may_read_tender(Some(who), tender), Decision::Hidden)
        .and(|| allowed_if(who.has_any_role(QUESTIONERS), Decision::Forbidden))
        .and(|| {
            allowed_if(
                tender.status == TenderStatus::ActiveEnquiries,
                Decision::Closed("error-enquiries-closed"),
            )
        })
}

/// Answering a question: the municipality's staff, while the tender is published.
pub fn may_answer_question(who: &Identity, tender: &TenderFacts) -> Decision {
    staff_of(who, tender, TENDER_STAFF).and(|| {
        allowed_if(
            tender.state == TenderState::Published,
            Decision::Closed("error-tender-not-published"),
        )
    })
}

/// Cancelling a tender: its municipality's approvers, before award (a draft or a published
/// tender; later issues add the evaluation's statuses).
pub fn may_cancel_tender(who: &Identity, tender: &TenderFacts) -> Decision {
    staff_of(who, tender, TENDER_APPROVERS).and(|| {
        allowed_if(
            tender.state != TenderState::Cancelled,
            Decision::Closed("error-tender-cancelled"),
        )
        .and(|| {
            allowed_if(
                tender.status != TenderStatus::Unsuccessful,
                Decision::Closed("error-tender-unsuccessful"),
            )
        })
    })
}

/// Submitting, replacing, confirming or withdrawing a bid: a company's bidder, while the tender
/// takes bids at `tender`'s time (the time the request was received). The deadline itself is
/// the service's to refuse, as `deadline_passed`.
pub fn may_bid(who: &Identity, tender: &TenderFacts) -> Decision {
    allowed_if(may_read_tender(Some(who), tender), Decision::Hidden)
        .and(|| {
            allowed_if(
                who.has_any_role(BIDDERS) && who.organization_kind == OrganizationKind::Company,
                Decision::Forbidden,
            )
        })
        .and(|| {
            allowed_if(
                tender.state == TenderState::Published,
                Decision::Closed("error-tender-not-published"),
            )
        })
}

/// Opening the bids: the chair or the deputy chair of the municipality's commission (403 for
/// anyone else who may read the tender); before its opening time they are sealed (the service
/// says so), and a tender is opened once.
pub fn may_open_bids(who: &Identity, tender: &TenderFacts) -> Decision {
    allowed_if(may_read_tender(Some(who), tender), Decision::Hidden)
        .and(|| {
            allowed_if(
                who.organization_id == tender.municipality
                    && who.has_any_role(OPENERS)
                    && (who.chair || who.deputy_chair),
                Decision::Forbidden,
            )
        })
        .and(|| {
            allowed_if(
                tender.state == TenderState::Published,
                Decision::Closed("error-tender-not-published"),
            )
        })
        .and(|| {
            allowed_if(
                !matches!(
                    tender.status,
                    TenderStatus::Evaluation
                        | TenderStatus::Standstill
                        | TenderStatus::Awarded
                        | TenderStatus::Complete
                        | TenderStatus::Unsuccessful
                ),
                Decision::Closed("error-already-opened"),
            )
        })
}

/// Where a person stands in a tender's commission after the opening (domain.md section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seat {
    /// Not a commission member of the tender's municipality.
    NotMember,
    /// A member who has not declared on the bidding parties yet.
    Undeclared,
    /// A member whose declared conflict withdrew them from the tender.
    Withdrawn,
    /// A member who declared no conflict.
    Seated,
    /// A seated member who acts as chair (the chair, or the deputy when the chair withdrew).
    ActingChair,
}

impl Seat {
    /// A member may read bids and scores, and score, only once seated.
    fn gate(self) -> Decision {
        match self {
            Seat::Seated | Seat::ActingChair => Decision::Allowed,
            Seat::Undeclared => Decision::Refused("error-declare-first"),
            Seat::Withdrawn => Decision::Refused("error-member-withdrawn"),
            Seat::NotMember => Decision::Forbidden,
        }
    }
}

/// After the opening, a bid's content and documents: its bidding party, the reviewers, the
/// tender municipality's approvers, and its commission members once they have declared no
/// conflict of interest.
pub fn may_read_opened_bid(who: &Identity, tender: &TenderFacts, bidding_party: &[OrgId], seat: Seat) -> Decision {
    // A commission member reads only once seated, whatever other role they hold too.
    if who.organization_id == tender.municipality && who.has_role(Role::Commission) {
        return seat.gate();
    }
    if bidding_party.contains(&who.organization_id)
        || who.has_role(Role::Reviewer)
        || (who.organization_id == tender.municipality && who.has_role(Role::Approver))
    {
        return Decision::Allowed;
    }
    Decision::Forbidden
}

/// The commission members of a tender's municipality, while it is in evaluation.
fn commission_in_evaluation(who: &Identity, tender: &TenderFacts) -> Decision {
    staff_of(who, tender, COMMISSION).and(|| {
        allowed_if(
            tender.status == TenderStatus::Evaluation,
            Decision::Closed("error-tender-not-in-evaluation"),
        )
    })
}

/// Declaring on the bidding parties: each commission member once, during the evaluation.
pub fn may_declare(who: &Identity, tender: &TenderFacts, seat: Seat) -> Decision {
    commission_in_evaluation(who, tender)
        .and(|| allowed_if(seat == Seat::Undeclared, Decision::Closed("error-already-declared")))
}

/// Scoring a bid: a seated member, until the scoring closes.
pub fn may_score(who: &Identity, tender: &TenderFacts, seat: Seat, scoring_closed: bool) -> Decision {
    commission_in_evaluation(who, tender)
        .and(|| seat.gate())
        .and(|| allowed_if(!scoring_closed, Decision::Closed("error-scoring-closed")))
}

/// Recording qualification findings, closing the scoring and proposing the award: the acting
/// chair (`scoring_closed` is what the step needs: false to qualify or close, true to propose).
pub fn may_chair_evaluation(
    who: &Identity,
    tender: &TenderFacts,
    seat: Seat,
    scoring_closed: bool,
    needs_closed: bool,
) -> Decision {
    commission_in_evaluation(who, tender)
        .and(|| seat.gate())
        .and(|| allowed_if(seat == Seat::ActingChair, Decision::Refused("error-only-acting-chair")))
        .and(|| {
            allowed_if(
                scoring_closed == needs_closed,
                Decision::Closed(if needs_closed {
                    "error-scoring-open"
                } else {
                    "error-scoring-closed"
                }),
            )
        })
}

/// Confirming the award proposal: the municipality's approvers, during the evaluation.
pub fn may_confirm_award_proposal(who: &Identity, tender: &TenderFacts) -> Decision {
    staff_of(who, tender, TENDER_APPROVERS).and(|| {
        allowed_if(
            tender.status == TenderStatus::Evaluation,
            Decision::Closed("error-tender-not-in-evaluation"),
        )
    })
}

/// Confirming the award once the standstill is over: the municipality's approvers (the service
/// says whether the standstill has ended).
pub fn may_award(who: &Identity, tender: &TenderFacts) -> Decision {
    staff_of(who, tender, TENDER_APPROVERS).and(|| {
        allowed_if(
            tender.status == TenderStatus::Standstill,
            Decision::Closed("error-tender-not-in-standstill"),
        )
    })
}

/// Who may decline for a bid's winner: its companies' bidders and the municipalities' approvers
/// (the route's guard; the policy then asks whose bid it is).
pub const DECLINERS: &[Role] = &[Role::Bidder, Role::Approver];

/// A winner's decline of a proposed or awarded bid: a bidder of its lead company states it, or
/// the municipality's approver records it (with a document). Anyone else is told there is
/// nothing for them to decline, exactly as for a bid id that names no bid (so the answer never
/// tells whether a bid exists, sealed or not).
pub fn may_decline(who: &Identity, tender: &TenderFacts, lead: OrgId) -> Decision {
    let by_winner = who.organization_id == lead && who.has_any_role(BIDDERS);
    let by_approver = who.organization_id == tender.municipality && who.has_any_role(TENDER_APPROVERS);
    let nothing = Decision::Closed("error-nothing-to-decline");
    allowed_if(by_winner || by_approver, nothing).and(|| {
        allowed_if(
            matches!(tender.status, TenderStatus::Standstill | TenderStatus::Awarded),
            nothing,
        )
    })
}

/// The evaluation report of an opened tender: the reviewers and the municipality's approvers
/// always; its commission members once seated; once the award proposal is confirmed (the
/// standstill and after), the municipality's staff and every bidding party in the protocol.
pub fn may_read_evaluation(who: &Identity, tender: &TenderFacts, seat: Seat, in_protocol: bool) -> Decision {
    allowed_if(may_read_tender(Some(who), tender), Decision::Hidden).and(|| {
        let published = matches!(
            tender.status,
            TenderStatus::Standstill | TenderStatus::Awarded | TenderStatus::Complete
        );
        let ours = who.organization_id == tender.municipality;
        // Until it is published, a commission member reads only once seated, whatever other
        // role they hold too.
        if ours && who.has_role(Role::Commission) && !published {
            return seat.gate();
        }
        let always = who.has_role(Role::Reviewer) || (ours && who.has_role(Role::Approver));
        let once_published = published && (ours || in_protocol);
        if always || once_published {
            Decision::Allowed
        } else {
            Decision::Forbidden
        }
    })
}

/// Filing complaints: companies' bidders.
pub const COMPLAINANTS: &[Role] = &[Role::Bidder];
/// Deciding complaints and holding tenders: the antimonopoly reviewers.
pub const REVIEWERS: &[Role] = &[Role::Reviewer];
/// Reading a tender's complaints: its parties (bidders), the municipality's staff, reviewers.
pub const COMPLAINT_READERS: &[Role] = &[
    Role::Bidder,
    Role::Officer,
    Role::Approver,
    Role::Commission,
    Role::Reviewer,
];

/// Filing a complaint: a company's bidder; against the award, only a bidding party in the
/// protocol (others are told why: 403). When it may be filed is the rules' to say
/// (`domain::complaint::filing_refusal`).
pub fn may_complain(who: &Identity, tender: &TenderFacts, against: Against, in_protocol: bool) -> Decision {
    allowed_if(may_read_tender(Some(who), tender), Decision::Hidden)
        .and(|| {
            allowed_if(
                who.has_any_role(COMPLAINANTS) && who.organization_kind == OrganizationKind::Company,
                Decision::Forbidden,
            )
        })
        .and(|| {
            allowed_if(
                against == Against::Terms || in_protocol,
                Decision::Refused("error-not-in-protocol"),
            )
        })
}

/// Which of a tender's complaints someone reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintScope {
    /// Every complaint: the reviewers and the municipality's staff.
    All,
    /// A company's own complaints, and those against the award when it is a bidding party in
    /// the protocol (a complaint against the terms names a company that may not have bid).
    Company { org: OrgId, award: bool },
}

/// Who reads a tender's complaints (403 for anyone else).
pub fn complaint_scope(who: &Identity, tender: &TenderFacts, in_protocol: bool) -> Result<ComplaintScope, Decision> {
    if !may_read_tender(Some(who), tender) {
        return Err(Decision::Hidden);
    }
    if who.has_role(Role::Reviewer)
        || (who.organization_id == tender.municipality && who.has_any_role(TENDER_STAFF))
        || (who.organization_id == tender.municipality && who.has_role(Role::Commission))
    {
        return Ok(ComplaintScope::All);
    }
    if who.has_any_role(COMPLAINANTS) && who.organization_kind == OrganizationKind::Company {
        return Ok(ComplaintScope::Company {
            org: who.organization_id,
            award: in_protocol,
        });
    }
    Err(Decision::Forbidden)
}

/// Withdrawing a complaint: a bidder of the complaining company (anyone else is told there is
/// no such complaint, so its existence is not confirmed to them).
pub fn may_withdraw_complaint(who: &Identity, complainant: OrgId) -> Decision {
    allowed_if(
        who.organization_id == complainant && who.has_any_role(COMPLAINANTS),
        Decision::Hidden,
    )
}

/// Whether `who` reads the name of a complaint's complainant: always against the award (the
/// protocol names every bidding party); against the terms only the complaining company and the
/// reviewers.
pub fn may_see_complainant(who: &Identity, against: Against, complainant: OrgId) -> bool {
    against == Against::Award || who.organization_id == complainant || who.has_role(Role::Reviewer)
}

/// Deciding a complaint: a reviewer.
pub fn may_decide_complaint(who: &Identity) -> Decision {
    allowed_if(who.has_any_role(REVIEWERS), Decision::Forbidden)
}

/// Putting a hold on a tender or releasing it: a reviewer, on a published tender that has not
/// ended unsuccessful.
pub fn may_hold(who: &Identity, tender: &TenderFacts) -> Decision {
    allowed_if(may_read_tender(Some(who), tender), Decision::Hidden)
        .and(|| allowed_if(who.has_any_role(REVIEWERS), Decision::Forbidden))
        .and(|| {
            allowed_if(
                tender.state == TenderState::Published && tender.status != TenderStatus::Unsuccessful,
                Decision::Closed("error-tender-not-holdable"),
            )
        })
}

/// The kinds of organisation anyone may see (when active): the public bodies.
pub const PUBLIC_KINDS: [OrganizationKind; 2] = [OrganizationKind::Municipality, OrganizationKind::Antimonopoly];

/// An organisation is public when it is an active public body; otherwise, and for its private
/// details (a company's profile, its beneficial owners), only its members, the reviewers and the
/// administrators see it.
pub fn may_read_organization(
    who: Option<&Identity>,
    id: OrgId,
    kind: OrganizationKind,
    status: OrganizationStatus,
) -> bool {
    (PUBLIC_KINDS.contains(&kind) && status == OrganizationStatus::Active) || may_read_private_details(who, id)
}

/// An organisation's private details: its members, the reviewers and the administrators.
pub fn may_read_private_details(who: Option<&Identity>, id: OrgId) -> bool {
    who.is_some_and(|w| w.may_see_private_records_of(id))
}

/// Who may read the audit log: reviewers and administrators (everything), municipal officers
/// and approvers (their own municipality's records).
pub const AUDIT_READERS: &[Role] = &[Role::Reviewer, Role::Admin, Role::Officer, Role::Approver];

/// Who may run the log's full verification.
pub const AUDITORS: &[Role] = &[Role::Reviewer, Role::Admin];

/// Which audit events a reader sees; the storage layer turns it into its SQL filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditScope {
    /// Reviewers: everything, confidential events included.
    Everything,
    /// Administrators: everything but other parties' confidential events.
    AllOrganizations { viewer_org: i64 },
    /// Municipal staff: events about their own organisation's records.
    Organization { viewer_org: i64 },
}

/// The audit events `who` sees; `None` when they may not read the log at all.
pub fn audit_scope(who: Option<&Identity>) -> Option<AuditScope> {
    let who = who.filter(|w| w.has_any_role(AUDIT_READERS))?;
    Some(if who.has_role(Role::Reviewer) {
        AuditScope::Everything
    } else if who.has_role(Role::Admin) {
        AuditScope::AllOrganizations {
            viewer_org: who.organization_id.0,
        }
    } else {
        AuditScope::Organization {
            viewer_org: who.organization_id.0,
        }
    })
}

/// Drafting a contract from the award and keeping its record (milestones, performance): the
/// municipality's officers.
pub const CONTRACT_KEEPERS: &[Role] = &[Role::Officer];
/// Recording the signing, amendments and an early termination: the municipality's approvers.
pub const CONTRACT_APPROVERS: &[Role] = &[Role::Approver];
/// Everyone who changes a contract (the policy then says who does what).
pub const CONTRACT_STAFF: &[Role] = &[Role::Officer, Role::Approver];

/// The facts of a contract that decide who may see or change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractFacts<'a> {
    pub municipality: OrgId,
    /// The private party and the winning bidding party's companies (lead, members, the
    /// special-purpose company's shareholders).
    pub parties: &'a [OrgId],
    pub status: ContractStatus,
}

/// The municipality, the contract's parties and the reviewers: who see a draft and the
/// documents marked internal.
pub fn is_contract_insider(who: Option<&Identity>, contract: &ContractFacts) -> bool {
    who.is_some_and(|w| {
        w.organization_id == contract.municipality
            || contract.parties.contains(&w.organization_id)
            || w.has_role(Role::Reviewer)
    })
}

/// Documents of a contract marked internal: as the project's own internal documents, its
/// municipality and the reviewers (the private party holds its signed copy; the registry does
/// not hand the municipality's internal papers to it).
pub fn may_see_internal_contract_documents(who: Option<&Identity>, contract: &ContractFacts) -> bool {
    who.is_some_and(|w| w.organization_id == contract.municipality || w.has_role(Role::Reviewer))
}

/// A signed contract, and everything after, is public (the World Bank's PPP disclosure
/// framework); a draft awaiting signature, or one cancelled before it was signed, only to its
/// insiders.
pub fn may_read_contract(who: Option<&Identity>, contract: &ContractFacts) -> bool {
    !matches!(contract.status, ContractStatus::Pending | ContractStatus::Cancelled)
        || is_contract_insider(who, contract)
}

/// Which contracts a list shows beyond the public ones; the storage layer turns it into SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractScope {
    /// Signed contracts and after.
    Public,
    /// Also the drafts of this organisation (its municipality's, or its company's as a party).
    Own(OrgId),
    /// Every contract (reviewers).
    All,
}

pub fn contract_scope(who: Option<&Identity>) -> ContractScope {
    match who {
        Some(w) if w.has_role(Role::Reviewer) => ContractScope::All,
        Some(w) => ContractScope::Own(w.organization_id),
        None => ContractScope::Public,
    }
}

/// Drafting the contract of an awarded tender: its municipality's officers.
pub fn may_draft_contract(who: &Identity, tender: &TenderFacts) -> Decision {
    staff_of(who, tender, CONTRACT_KEEPERS).and(|| match tender.status {
        TenderStatus::Awarded => Decision::Allowed,
        TenderStatus::Complete => Decision::Closed("error-contract-exists"),
        _ => Decision::Closed("error-tender-not-awarded"),
    })
}

fn contract_staff(who: &Identity, contract: &ContractFacts, roles: &[Role]) -> Decision {
    allowed_if(may_read_contract(Some(who), contract), Decision::Hidden).and(|| {
        allowed_if(
            who.organization_id == contract.municipality && who.has_any_role(roles),
            Decision::Forbidden,
        )
    })
}

fn live(contract: &ContractFacts) -> Decision {
    allowed_if(
        crate::domain::contract::is_live(contract.status),
        Decision::Closed("error-contract-not-live"),
    )
}

/// Recording the signing of a drafted contract: the municipality's approvers.
pub fn may_sign_contract(who: &Identity, contract: &ContractFacts) -> Decision {
    contract_staff(who, contract, CONTRACT_APPROVERS).and(|| {
        allowed_if(
            contract.status == ContractStatus::Pending,
            Decision::Closed("error-contract-not-pending"),
        )
    })
}

/// Recording milestones and performance of a signed contract: the municipality's officers.
pub fn may_keep_contract(who: &Identity, contract: &ContractFacts) -> Decision {
    contract_staff(who, contract, CONTRACT_KEEPERS).and(|| live(contract))
}

/// Recording an amendment or an early termination of a signed contract: the municipality's
/// approvers.
pub fn may_amend_contract(who: &Identity, contract: &ContractFacts) -> Decision {
    contract_staff(who, contract, CONTRACT_APPROVERS).and(|| live(contract))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(org: i64, roles: &[Role]) -> Identity {
        crate::domain::access::test_person(org, roles)
    }

    const OSH: i64 = 3;
    const BISHKEK: i64 = 2;
    const COMPANY: i64 = 7;

    fn project(stage: Stage, proponent: Option<i64>) -> ProjectFacts {
        ProjectFacts {
            municipality: OrgId(OSH),
            proponent: proponent.map(OrgId),
            stage,
            initiation: if proponent.is_some() {
                Initiation::PrivateInitiative
            } else {
                Initiation::Public
            },
        }
    }

    #[test]
    fn drafts_are_seen_by_their_municipality_proponent_and_reviewers_only() {
        let draft = project(Stage::Draft, Some(COMPANY));
        assert!(may_read_project(Some(&person(OSH, &[Role::Commission])), &draft));
        assert!(may_read_project(Some(&person(COMPANY, &[Role::Bidder])), &draft));
        assert!(may_read_project(Some(&person(1, &[Role::Reviewer])), &draft));
        assert!(!may_read_project(Some(&person(BISHKEK, &[Role::Officer])), &draft));
        assert!(!may_read_project(Some(&person(9, &[Role::Admin])), &draft));
        assert!(!may_read_project(None, &draft));
        assert!(may_read_project(None, &project(Stage::Submitted, None)));
        // The list's SQL filter takes the same scope.
        assert_eq!(draft_scope(None), DraftScope::default());
        assert_eq!(
            draft_scope(Some(&person(1, &[Role::Reviewer]))),
            DraftScope { own: None, all: true }
        );
    }

    #[test]
    fn editing_refusals_say_hidden_forbidden_or_closed() {
        let officer = person(OSH, &[Role::Officer]);
        let approver = person(OSH, &[Role::Approver]);
        let other = person(BISHKEK, &[Role::Officer]);
        let draft = project(Stage::Draft, None);
        assert_eq!(may_edit_fields(&officer, &draft), Decision::Allowed);
        assert_eq!(may_edit_fields(&approver, &draft), Decision::Forbidden);
        assert_eq!(may_edit_fields(&other, &draft), Decision::Hidden);
        assert_eq!(
            may_edit_fields(&other, &project(Stage::Submitted, None)),
            Decision::Forbidden
        );
        assert_eq!(
            may_edit_fields(&officer, &project(Stage::Submitted, None)),
            Decision::Closed("error-only-drafts")
        );
        let initiative = project(Stage::Draft, Some(COMPANY));
        assert_eq!(
            may_edit_fields(&person(COMPANY, &[Role::Bidder]), &initiative),
            Decision::Allowed
        );
        assert_eq!(may_edit_fields(&officer, &initiative), Decision::Forbidden);
    }

    #[test]
    fn appraisal_models_and_uploads() {
        let officer = person(OSH, &[Role::Officer]);
        let bidder = person(COMPANY, &[Role::Bidder]);
        let submitted = project(Stage::Submitted, Some(COMPANY));
        assert_eq!(may_record_appraisal(&officer, &submitted), Decision::Allowed);
        assert_eq!(may_record_appraisal(&bidder, &submitted), Decision::Forbidden);
        assert_eq!(
            may_record_appraisal(&officer, &project(Stage::Draft, None)),
            Decision::Closed("error-appraisal-stage")
        );
        assert_eq!(
            may_save_financial_model(&officer, &project(Stage::Approved, None)),
            Decision::Closed("error-appraisal-closed")
        );
        assert_eq!(
            may_save_financial_model(&person(BISHKEK, &[Role::Officer]), &submitted),
            Decision::Forbidden
        );
        assert_eq!(may_upload_document(&bidder, &submitted), Decision::Allowed);
        assert_eq!(
            may_upload_document(&person(OSH, &[Role::Commission]), &submitted),
            Decision::Forbidden
        );
        assert!(may_read_internal(Some(&bidder), &submitted));
        assert!(!may_read_internal(
            Some(&person(BISHKEK, &[Role::Approver])),
            &submitted
        ));
    }

    #[test]
    fn the_author_submits_and_the_municipality_decides() {
        let approver = person(OSH, &[Role::Approver]);
        let bidder = person(COMPANY, &[Role::Bidder]);
        let initiative = project(Stage::Draft, Some(COMPANY));
        assert_eq!(may_take(&bidder, &initiative, Action::Submit), Decision::Allowed);
        assert_eq!(may_take(&approver, &initiative, Action::Submit), Decision::Forbidden);
        let submitted = project(Stage::Submitted, Some(COMPANY));
        assert_eq!(may_take(&bidder, &submitted, Action::Reject), Decision::Forbidden);
        assert_eq!(
            offered_actions(&approver, &submitted),
            vec![Action::StartAppraisal, Action::Return, Action::Reject, Action::Cancel]
                .into_iter()
                .filter(|a| next_stage(Stage::Submitted, *a).is_some())
                .collect::<Vec<_>>()
        );
        assert!(offered_actions(&bidder, &submitted).is_empty());
    }

    fn tender(state: TenderState, status: TenderStatus) -> TenderFacts {
        TenderFacts {
            municipality: OrgId(OSH),
            state,
            status,
        }
    }

    #[test]
    fn tenders_are_prepared_by_officers_published_by_approvers_and_asked_by_bidders() {
        let officer = person(OSH, &[Role::Officer]);
        let approver = person(OSH, &[Role::Approver]);
        let bidder = person(COMPANY, &[Role::Bidder]);
        let other = person(BISHKEK, &[Role::Officer]);
        assert_eq!(
            may_prepare_tender(&officer, &project(Stage::Approved, None)),
            Decision::Allowed
        );
        assert_eq!(
            may_prepare_tender(&officer, &project(Stage::Appraisal, None)),
            Decision::Closed("error-tender-needs-approval")
        );
        assert_eq!(
            may_prepare_tender(&approver, &project(Stage::Approved, None)),
            Decision::Forbidden
        );
        let draft = tender(TenderState::Draft, TenderStatus::Draft);
        assert_eq!(may_edit_tender(&officer, &draft), Decision::Allowed);
        assert_eq!(may_edit_tender(&other, &draft), Decision::Hidden);
        assert_eq!(may_publish_tender(&officer, &draft), Decision::Forbidden);
        assert_eq!(may_publish_tender(&approver, &draft), Decision::Allowed);
        assert!(!may_read_tender(None, &draft));
        assert!(may_read_tender(Some(&person(1, &[Role::Reviewer])), &draft));
        let open = tender(TenderState::Published, TenderStatus::ActiveEnquiries);
        assert!(may_read_tender(None, &open));
        assert_eq!(may_ask_question(&bidder, &open), Decision::Allowed);
        assert_eq!(may_ask_question(&officer, &open), Decision::Forbidden);
        let tendering = tender(TenderState::Published, TenderStatus::ActiveTendering);
        assert_eq!(
            may_ask_question(&bidder, &tendering),
            Decision::Closed("error-enquiries-closed")
        );
        assert_eq!(may_amend_tender(&officer, &tendering), Decision::Allowed);
        assert_eq!(may_amend_tender(&other, &tendering), Decision::Forbidden);
        let closed = tender(TenderState::Published, TenderStatus::Closed);
        assert_eq!(
            may_amend_tender(&approver, &closed),
            Decision::Closed("error-tender-not-open")
        );
        assert_eq!(may_answer_question(&approver, &closed), Decision::Allowed);
        assert_eq!(may_cancel_tender(&approver, &closed), Decision::Allowed);
        assert_eq!(may_cancel_tender(&officer, &closed), Decision::Forbidden);
        let cancelled = tender(TenderState::Cancelled, TenderStatus::Cancelled);
        assert_eq!(
            may_cancel_tender(&approver, &cancelled),
            Decision::Closed("error-tender-cancelled")
        );
    }

    #[test]
    fn the_audit_log_is_scoped_by_role() {
        assert_eq!(
            audit_scope(Some(&person(1, &[Role::Reviewer]))),
            Some(AuditScope::Everything)
        );
        assert_eq!(
            audit_scope(Some(&person(9, &[Role::Admin]))),
            Some(AuditScope::AllOrganizations { viewer_org: 9 })
        );
        assert_eq!(
            audit_scope(Some(&person(OSH, &[Role::Approver]))),
            Some(AuditScope::Organization { viewer_org: OSH })
        );
        assert_eq!(audit_scope(Some(&person(COMPANY, &[Role::Bidder]))), None);
        assert_eq!(audit_scope(None), None);
    }

    #[test]
    fn a_commission_member_reads_bids_and_the_report_only_once_seated_whatever_else_they_are() {
        use crate::domain::tender::{TenderState, TenderStatus};
        let tender = TenderFacts {
            municipality: OrgId(OSH),
            state: TenderState::Published,
            status: TenderStatus::Evaluation,
        };
        let both = person(OSH, &[Role::Approver, Role::Commission]);
        let approver = person(OSH, &[Role::Approver]);
        for seat in [Seat::Undeclared, Seat::Withdrawn] {
            assert!(matches!(
                may_read_opened_bid(&both, &tender, &[], seat),
                Decision::Refused(_)
            ));
            assert!(matches!(
                may_read_evaluation(&both, &tender, seat, false),
                Decision::Refused(_)
            ));
        }
        assert_eq!(
            may_read_opened_bid(&both, &tender, &[], Seat::Seated),
            Decision::Allowed
        );
        assert_eq!(
            may_read_opened_bid(&approver, &tender, &[], Seat::NotMember),
            Decision::Allowed
        );
        let officer = person(OSH, &[Role::Officer]);
        assert_eq!(
            may_read_evaluation(&officer, &tender, Seat::NotMember, false),
            Decision::Forbidden
        );
        let published = TenderFacts {
            status: TenderStatus::Standstill,
            ..tender
        };
        assert_eq!(
            may_read_evaluation(&officer, &published, Seat::NotMember, false),
            Decision::Allowed
        );
        let bidder = person(COMPANY, &[Role::Bidder]);
        assert_eq!(
            may_read_evaluation(&bidder, &published, Seat::NotMember, true),
            Decision::Allowed
        );
        assert_eq!(
            may_read_evaluation(&bidder, &published, Seat::NotMember, false),
            Decision::Forbidden
        );
    }

    #[test]
    fn a_draft_contract_is_its_insiders_and_each_change_is_one_roles() {
        let parties = [OrgId(COMPANY)];
        let contract = |status| ContractFacts {
            municipality: OrgId(OSH),
            parties: &parties,
            status,
        };
        let pending = contract(ContractStatus::Pending);
        let officer = person(OSH, &[Role::Officer]);
        let approver = person(OSH, &[Role::Approver]);
        let party = person(COMPANY, &[Role::Bidder]);
        let rival = person(COMPANY + 1, &[Role::Bidder]);
        let other_city = person(BISHKEK, &[Role::Approver]);
        let reviewer = person(1, &[Role::Reviewer]);
        for (who, sees) in [
            (None, false),
            (Some(&rival), false),
            (Some(&other_city), false),
            (Some(&party), true),
            (Some(&officer), true),
            (Some(&reviewer), true),
        ] {
            assert_eq!(may_read_contract(who, &pending), sees, "{who:?}");
        }
        assert!(may_read_contract(None, &contract(ContractStatus::Signed)));
        assert!(may_read_contract(None, &contract(ContractStatus::Terminated)));
        assert!(!may_read_contract(Some(&rival), &contract(ContractStatus::Cancelled)));
        assert!(!is_contract_insider(None, &contract(ContractStatus::Signed)));
        let signed = contract(ContractStatus::Signed);
        assert!(may_see_internal_contract_documents(Some(&officer), &signed));
        assert!(may_see_internal_contract_documents(Some(&reviewer), &signed));
        assert!(!may_see_internal_contract_documents(Some(&party), &signed));
        // Signing: the approver of its municipality, while pending; another city's is told
        // nothing exists; a reviewer reads but does not sign.
        assert_eq!(may_sign_contract(&approver, &pending), Decision::Allowed);
        assert_eq!(may_sign_contract(&officer, &pending), Decision::Forbidden);
        assert_eq!(may_sign_contract(&other_city, &pending), Decision::Hidden);
        assert_eq!(may_sign_contract(&reviewer, &pending), Decision::Forbidden);
        assert_eq!(
            may_sign_contract(&approver, &contract(ContractStatus::Signed)),
            Decision::Closed("error-contract-not-pending")
        );
        // Keeping the record (officer) and amending (approver): only while live.
        let running = contract(ContractStatus::InOperation);
        assert_eq!(may_keep_contract(&officer, &running), Decision::Allowed);
        assert_eq!(may_keep_contract(&approver, &running), Decision::Forbidden);
        assert_eq!(may_keep_contract(&party, &running), Decision::Forbidden);
        assert_eq!(
            may_keep_contract(&officer, &pending),
            Decision::Closed("error-contract-not-live")
        );
        assert_eq!(may_amend_contract(&approver, &running), Decision::Allowed);
        assert_eq!(may_amend_contract(&other_city, &running), Decision::Forbidden);
        assert_eq!(
            may_amend_contract(&approver, &contract(ContractStatus::Terminated)),
            Decision::Closed("error-contract-not-live")
        );
        assert_eq!(contract_scope(Some(&reviewer)), ContractScope::All);
        assert_eq!(contract_scope(Some(&party)), ContractScope::Own(OrgId(COMPANY)));
        assert_eq!(contract_scope(None), ContractScope::Public);
    }
}
