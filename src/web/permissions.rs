//! The permission table: every route, who may use it. Written once, here; the guards on the
//! routes enforce it, the role-matrix test (tests/app/matrix.rs) checks every mounted route
//! against it for every role and for anonymous callers (a route missing here fails that test),
//! and the README shows it (a test checks the README's copy is current).

use crate::domain::access::Access;
use crate::domain::policy;

/// One route and its rule.
#[derive(Debug, Clone, Copy)]
pub struct RouteRule {
    pub method: &'static str,
    /// The path as mounted, with Rocket's `<param>` segments.
    pub path: &'static str,
    pub access: Access,
    /// What else limits it (scoping to the caller's organisation, CSRF...).
    pub note: &'static str,
}

const fn rule(method: &'static str, path: &'static str, access: Access, note: &'static str) -> RouteRule {
    RouteRule {
        method,
        path,
        access,
        note,
    }
}

const ADMIN: Access = Access::AnyOf(policy::ADMINISTRATORS);
const OFFICERS: Access = Access::AnyOf(policy::PROJECT_FILERS);
const BIDDERS: Access = Access::AnyOf(policy::PROPOSERS);
const PROJECT_STAFF: Access = Access::AnyOf(policy::PROJECT_STAFF);
const PROJECT_ACTORS: Access = Access::AnyOf(policy::PROJECT_ACTORS);
const AUDIT_READERS: Access = Access::AnyOf(policy::AUDIT_READERS);
const AUDITORS: Access = Access::AnyOf(policy::AUDITORS);
const AUDIT_SCOPE: &str = "officers and approvers see their municipality's events; sealed-bid events only to the bidder and reviewers until opening";
const CSRF: &str = "form needs its CSRF token (403 without)";
const TENDER_PREPARERS: Access = Access::AnyOf(policy::TENDER_PREPARERS);
const TENDER_APPROVERS: Access = Access::AnyOf(policy::TENDER_APPROVERS);
const TENDER_STAFF: Access = Access::AnyOf(policy::TENDER_STAFF);
const EVALUATORS: Access = Access::AnyOf(policy::COMMISSION);
const DECLINERS: Access = Access::AnyOf(policy::DECLINERS);
const QUESTIONERS: Access = Access::AnyOf(policy::QUESTIONERS);
const BID_SUBMITTERS: Access = Access::AnyOf(policy::BIDDERS);
const OPENERS: Access = Access::AnyOf(policy::OPENERS);
const COMPLAINANTS: Access = Access::AnyOf(policy::COMPLAINANTS);
const COMPLAINT_READERS: Access = Access::AnyOf(policy::COMPLAINT_READERS);
const REVIEWERS: Access = Access::AnyOf(policy::REVIEWERS);
const CONTRACT_KEEPERS: Access = Access::AnyOf(policy::CONTRACT_KEEPERS);
const CONTRACT_APPROVERS: Access = Access::AnyOf(policy::CONTRACT_APPROVERS);
const CONTRACT_READ: &str = "a contract awaiting signature is 404 outside its municipality, its parties and the reviewers; documents marked internal and the agreed model only for them";
const CONTRACT_KEEPING: &str = "the contract's municipality, once signed and until it ends (409 otherwise)";
const COMPLAINT_WINDOW: &str = "a company's bidder: against the award a bidding party in the protocol (403 otherwise), during the standstill; against the terms before the deadline (409 outside)";
const UNTIL_DEADLINE: &str =
    "own company's bid, from publication until the deadline (409 `deadline_passed` at or after it, recorded)";

pub const ROUTES: &[RouteRule] = &[
    rule("GET", "/", Access::Public, ""),
    rule("GET", "/health", Access::Public, ""),
    rule("GET", "/static/app.css", Access::Public, ""),
    rule("GET", "/language/<code>", Access::Public, ""),
    rule("GET", "/organizations", Access::Public, "public bodies only"),
    rule("GET", "/sign-in", Access::Public, ""),
    rule("POST", "/sign-in", Access::Public, CSRF),
    rule("POST", "/sign-out", Access::Public, CSRF),
    rule(
        "POST",
        "/sign-out-everywhere",
        Access::SignedIn,
        "ends every browser session of the account; form needs its CSRF token (403 without)",
    ),
    rule("GET", "/register", Access::Public, ""),
    rule("POST", "/register", Access::Public, CSRF),
    rule("GET", "/account", Access::SignedIn, ""),
    rule("GET", "/admin/organizations", ADMIN, ""),
    rule("POST", "/admin/organizations", ADMIN, CSRF),
    rule("POST", "/admin/organizations/<id>/status", ADMIN, CSRF),
    rule("GET", "/admin/users", ADMIN, ""),
    rule("POST", "/admin/users", ADMIN, CSRF),
    rule("POST", "/admin/users/<id>/status", ADMIN, CSRF),
    rule("POST", "/admin/users/<id>/password", ADMIN, CSRF),
    rule("GET", "/audit", AUDIT_READERS, AUDIT_SCOPE),
    rule("GET", "/transparency", Access::Public, ""),
    rule("GET", "/holidays", Access::Public, "forms to keep them shown to admins"),
    rule("POST", "/holidays", ADMIN, CSRF),
    rule("POST", "/holidays/<date>/remove", ADMIN, CSRF),
    rule(
        "GET",
        "/projects",
        Access::Public,
        "drafts only to their municipality and reviewers",
    ),
    rule("GET", "/projects/new", OFFICERS, ""),
    rule(
        "GET",
        "/tenders",
        Access::Public,
        "drafts only to their municipality and reviewers",
    ),
    rule(
        "GET",
        "/tenders/<id>",
        Access::Public,
        "a draft is 404 outside its municipality and the reviewers; never names an asker",
    ),
    rule(
        "GET",
        "/projects/<id>/tenders/new",
        TENDER_PREPARERS,
        "of the project's municipality, once approved",
    ),
    rule("POST", "/projects/<id>/tenders", TENDER_PREPARERS, CSRF),
    rule(
        "GET",
        "/tenders/<id>/edit",
        TENDER_PREPARERS,
        "of its municipality; drafts only",
    ),
    rule("POST", "/tenders/<id>/edit", TENDER_PREPARERS, CSRF),
    rule("POST", "/tenders/<id>/publish", TENDER_APPROVERS, CSRF),
    rule("POST", "/tenders/<id>/amend", TENDER_STAFF, CSRF),
    rule("POST", "/tenders/<id>/cancel", TENDER_APPROVERS, CSRF),
    rule("POST", "/tenders/<id>/questions", QUESTIONERS, CSRF),
    rule("POST", "/questions/<id>/answer", TENDER_STAFF, CSRF),
    rule(
        "POST",
        "/tenders/<id>/bids",
        BID_SUBMITTERS,
        "own company's bid (`mode=replace` replaces it), until the deadline; CSRF",
    ),
    rule(
        "POST",
        "/tenders/<id>/bids/mine/withdraw",
        BID_SUBMITTERS,
        "until the deadline; CSRF",
    ),
    rule(
        "POST",
        "/tenders/<id>/bids/mine/confirm",
        BID_SUBMITTERS,
        "after an amendment, until the deadline; CSRF",
    ),
    rule(
        "GET",
        "/tenders/<id>/bids/mine/receipt",
        BID_SUBMITTERS,
        "own company's latest receipt, to print",
    ),
    rule(
        "GET",
        "/bids",
        BID_SUBMITTERS,
        "own company's dashboard: open tenders, own bids and receipts, amendments to confirm, invitations",
    ),
    rule(
        "POST",
        "/bids/<bid_id>/membership",
        BID_SUBMITTERS,
        "a member company's bidder, before the deadline; CSRF",
    ),
    rule(
        "POST",
        "/tenders/<id>/open",
        OPENERS,
        "the chair or deputy chair, at or after the opening time; CSRF",
    ),
    rule(
        "GET",
        "/tenders/<id>/evaluation",
        Access::SignedIn,
        "after the opening: reviewers, the municipality's approvers, its commission members (the declaration form until they declare), and with the standstill its staff and the bidding parties (403 others)",
    ),
    rule(
        "POST",
        "/tenders/<id>/declarations",
        EVALUATORS,
        "a commission member of the municipality, once, during the evaluation; CSRF",
    ),
    rule(
        "POST",
        "/tenders/<id>/bids/<bid_id>/qualification",
        EVALUATORS,
        "the acting chair, declared, with a quorum, until the scoring closes; CSRF",
    ),
    rule(
        "POST",
        "/tenders/<id>/bids/<bid_id>/scores",
        EVALUATORS,
        "a member who declared no conflict, with a quorum, until the scoring closes; CSRF",
    ),
    rule(
        "POST",
        "/tenders/<id>/scoring/close",
        EVALUATORS,
        "the acting chair, once the report is complete; CSRF",
    ),
    rule(
        "POST",
        "/tenders/<id>/award-proposal",
        EVALUATORS,
        "the acting chair, the top-ranked bid only; CSRF",
    ),
    rule(
        "POST",
        "/tenders/<id>/award-proposal/confirm",
        TENDER_APPROVERS,
        "the municipality's approver, once proposed; CSRF",
    ),
    rule(
        "POST",
        "/tenders/<id>/award",
        TENDER_APPROVERS,
        "the municipality's approver, once the standstill is over; CSRF",
    ),
    rule(
        "POST",
        "/bids/<bid_id>/decline",
        DECLINERS,
        "the proposed or awarded bid's own bidder; CSRF",
    ),
    rule("POST", "/tenders/<id>/complaints", COMPLAINANTS, COMPLAINT_WINDOW),
    rule(
        "POST",
        "/complaints/<id>/decision",
        REVIEWERS,
        "accept or reject a filed complaint, uphold or dismiss an accepted one; CSRF",
    ),
    rule(
        "POST",
        "/complaints/<id>/withdraw",
        COMPLAINANTS,
        "the complaining company's bidder, while it is open; CSRF",
    ),
    rule("POST", "/tenders/<id>/hold", REVIEWERS, "a published tender; CSRF"),
    rule("POST", "/tenders/<id>/release", REVIEWERS, "a held tender; CSRF"),
    rule(
        "GET",
        "/review",
        REVIEWERS,
        "open complaints, holds and contracts amended beyond the threshold, across all municipalities",
    ),
    rule("GET", "/contracts", Access::Public, CONTRACT_READ),
    rule("GET", "/contracts/<id>", Access::Public, CONTRACT_READ),
    rule(
        "GET",
        "/tenders/<id>/contract/new",
        CONTRACT_KEEPERS,
        "the tender's municipality, once awarded",
    ),
    rule(
        "POST",
        "/tenders/<id>/contract",
        CONTRACT_KEEPERS,
        "the tender's municipality, once awarded and without a contract; CSRF",
    ),
    rule(
        "POST",
        "/contracts/<id>/sign",
        CONTRACT_APPROVERS,
        "the contract's municipality, while it awaits signature; CSRF",
    ),
    rule(
        "POST",
        "/contracts/<id>/milestones",
        CONTRACT_KEEPERS,
        "as the API; CSRF",
    ),
    rule(
        "POST",
        "/contracts/<id>/amendments",
        CONTRACT_APPROVERS,
        "as the API; CSRF",
    ),
    rule(
        "POST",
        "/contracts/<id>/performance",
        CONTRACT_KEEPERS,
        "as the API; CSRF",
    ),
    rule(
        "POST",
        "/contracts/<id>/terminate",
        CONTRACT_APPROVERS,
        "as the API; CSRF",
    ),
    rule("POST", "/projects", OFFICERS, CSRF),
    rule(
        "GET",
        "/projects/<id>",
        Access::Public,
        "a draft is 404 outside its municipality, its proponent and the reviewers",
    ),
    rule(
        "POST",
        "/projects/<id>/transitions",
        PROJECT_ACTORS,
        "`submit`: the author (officer, or the proponent's bidder); the rest: the municipality's approver; CSRF",
    ),
    rule(
        "GET",
        "/projects/<id>/financial-model",
        Access::Public,
        "as the project; the form only to its municipality's officers and approvers, until approval",
    ),
    rule(
        "POST",
        "/projects/<id>/financial-model",
        PROJECT_STAFF,
        "own municipality, until approval; CSRF",
    ),
    rule(
        "GET",
        "/projects/<id>/financial-model/periods.csv",
        Access::Public,
        "as the project",
    ),
    rule(
        "GET",
        "/projects/<id>/financial-model/periods.xlsx",
        Access::Public,
        "as the project",
    ),
    rule("GET", "/dashboard", Access::Public, "drafts as for the list"),
    rule(
        "POST",
        "/projects/<id>/documents",
        PROJECT_ACTORS,
        "the municipality's officers and approvers, or the proponent; CSRF",
    ),
    rule(
        "GET",
        "/inbox",
        PROJECT_STAFF,
        "their municipality's private initiatives awaiting the completeness check",
    ),
    rule("GET", "/api/v1/openapi.json", Access::Public, ""),
    rule("GET", "/api/v1/organizations", Access::Public, "public bodies only"),
    rule(
        "GET",
        "/api/v1/organizations/<id>",
        Access::Public,
        "a company (and any pending record) only to its members, reviewers and admins; 404 to others",
    ),
    rule(
        "POST",
        "/api/v1/registrations",
        Access::Public,
        "creates a pending company and bidder",
    ),
    rule(
        "POST",
        "/api/v1/finance/cashflows",
        Access::Public,
        "computation only; nothing stored",
    ),
    rule(
        "POST",
        "/api/v1/finance/evaluate",
        Access::Public,
        "computation only; nothing stored",
    ),
    rule(
        "POST",
        "/api/v1/finance/sensitivity",
        Access::Public,
        "computation only; nothing stored",
    ),
    rule(
        "GET",
        "/api/v1/projects/<id>/financial-model",
        Access::Public,
        "as the project: a draft's only to its municipality, proponent and reviewers",
    ),
    rule(
        "PUT",
        "/api/v1/projects/<id>/financial-model",
        PROJECT_STAFF,
        "own municipality only; until approval (409 after)",
    ),
    rule(
        "POST",
        "/api/v1/auth/token",
        Access::Public,
        "throttled: 429 after 5 attempts in 15 minutes per (account, address) and per address",
    ),
    rule(
        "DELETE",
        "/api/v1/auth/token",
        Access::SignedIn,
        "revokes the token presented",
    ),
    rule("GET", "/api/v1/me", Access::SignedIn, ""),
    rule(
        "DELETE",
        "/api/v1/me/sessions",
        Access::SignedIn,
        "ends every browser session of the account",
    ),
    rule(
        "GET",
        "/api/v1/holidays",
        Access::Public,
        "working-day periods skip them",
    ),
    rule("PUT", "/api/v1/admin/holidays/<date>", ADMIN, ""),
    rule("DELETE", "/api/v1/admin/holidays/<date>", ADMIN, ""),
    rule("GET", "/api/v1/admin/organizations", ADMIN, ""),
    rule("POST", "/api/v1/admin/organizations", ADMIN, ""),
    rule("POST", "/api/v1/admin/organizations/<id>/status", ADMIN, ""),
    rule("GET", "/api/v1/admin/users", ADMIN, ""),
    rule(
        "POST",
        "/api/v1/admin/users",
        ADMIN,
        "roles must fit the organisation; admin holds no other role",
    ),
    rule(
        "POST",
        "/api/v1/admin/users/<id>/status",
        ADMIN,
        "not on one's own account",
    ),
    rule(
        "POST",
        "/api/v1/admin/users/<id>/password",
        ADMIN,
        "revokes the account's tokens and ends its browser sessions",
    ),
    rule(
        "GET",
        "/api/v1/projects",
        Access::Public,
        "drafts only to their municipality and reviewers",
    ),
    rule(
        "GET",
        "/api/v1/projects/export",
        Access::Public,
        "CSV; drafts as for the list",
    ),
    rule(
        "GET",
        "/api/v1/projects/summary",
        Access::Public,
        "drafts as for the list",
    ),
    rule(
        "POST",
        "/api/v1/proposals",
        BIDDERS,
        "a private initiative of the bidder's company",
    ),
    rule(
        "POST",
        "/api/v1/projects/<id>/documents",
        PROJECT_ACTORS,
        "the municipality's officers and approvers, or the proponent (403 otherwise)",
    ),
    rule(
        "GET",
        "/api/v1/projects/<id>/documents",
        Access::Public,
        "internal documents only to the municipality, proponent and reviewers",
    ),
    rule(
        "GET",
        "/api/v1/documents/<id>",
        Access::Public,
        "internal: 404 to others; each download audited",
    ),
    rule(
        "POST",
        "/api/v1/projects",
        OFFICERS,
        "for the officer's own municipality",
    ),
    rule(
        "GET",
        "/api/v1/projects/<id>",
        Access::Public,
        "a draft is 404 outside its municipality, its proponent and the reviewers",
    ),
    rule(
        "PATCH",
        "/api/v1/projects/<id>",
        OFFICERS,
        "the author: an officer of its municipality, or the proponent's bidder for its own private initiative (403 otherwise); drafts only (409)",
    ),
    rule(
        "PUT",
        "/api/v1/projects/<id>/appraisal",
        PROJECT_STAFF,
        "of its municipality, while submitted or in appraisal (409 otherwise)",
    ),
    rule(
        "POST",
        "/api/v1/projects/<id>/transitions",
        PROJECT_ACTORS,
        "`submit`: the author; the rest: the municipality's approver (403 otherwise)",
    ),
    rule(
        "GET",
        "/api/v1/tenders",
        Access::Public,
        "drafts only to their municipality and reviewers",
    ),
    rule(
        "POST",
        "/api/v1/projects/<id>/tenders",
        TENDER_PREPARERS,
        "of the project's municipality (403 otherwise), once approved and without a live tender (409)",
    ),
    rule(
        "GET",
        "/api/v1/tenders/<id>",
        Access::Public,
        "a draft is 404 outside its municipality and the reviewers",
    ),
    rule(
        "PATCH",
        "/api/v1/tenders/<id>",
        TENDER_PREPARERS,
        "of its municipality; drafts only (409)",
    ),
    rule(
        "POST",
        "/api/v1/tenders/<id>/publish",
        TENDER_APPROVERS,
        "of its municipality; each broken rule of the procedure named (422)",
    ),
    rule(
        "POST",
        "/api/v1/tenders/<id>/amendments",
        TENDER_STAFF,
        "of its municipality, before the deadline (409 after)",
    ),
    rule(
        "POST",
        "/api/v1/tenders/<id>/cancel",
        TENDER_APPROVERS,
        "of its municipality, before award",
    ),
    rule(
        "GET",
        "/api/v1/tenders/<id>/questions",
        Access::Public,
        "never names the asker",
    ),
    rule(
        "POST",
        "/api/v1/tenders/<id>/questions",
        QUESTIONERS,
        "until the enquiry end (409 after); the asker is never shown to others",
    ),
    rule(
        "POST",
        "/api/v1/questions/<id>/answer",
        TENDER_STAFF,
        "of the tender's municipality, once (409 again)",
    ),
    rule("POST", "/api/v1/tenders/<id>/bids", BID_SUBMITTERS, UNTIL_DEADLINE),
    rule("PUT", "/api/v1/tenders/<id>/bids/mine", BID_SUBMITTERS, UNTIL_DEADLINE),
    rule(
        "DELETE",
        "/api/v1/tenders/<id>/bids/mine",
        BID_SUBMITTERS,
        UNTIL_DEADLINE,
    ),
    rule(
        "POST",
        "/api/v1/tenders/<id>/bids/mine/confirm",
        BID_SUBMITTERS,
        UNTIL_DEADLINE,
    ),
    rule(
        "GET",
        "/api/v1/tenders/<id>/bids/mine",
        BID_SUBMITTERS,
        "own company's bid and latest receipt; the content stays sealed",
    ),
    rule(
        "GET",
        "/api/v1/tenders/<id>/bids",
        Access::Public,
        "409 `sealed` to everyone before the opening (recorded once per burst)",
    ),
    rule(
        "GET",
        "/api/v1/tenders/<id>/protocol",
        Access::Public,
        "409 `sealed` to everyone before the opening (recorded once per burst)",
    ),
    rule(
        "POST",
        "/api/v1/tenders/<id>/open",
        OPENERS,
        "the chair or deputy chair of its municipality's commission (403 for others), at or after the opening time (409 `sealed` before)",
    ),
    rule(
        "GET",
        "/api/v1/bids/<bid_id>",
        Access::SignedIn,
        "after the opening: the bidding party, reviewers, the municipality's approvers and commission (403 others); 409 `sealed` before; each read recorded",
    ),
    rule(
        "GET",
        "/api/v1/bids/<bid_id>/documents/<document_id>",
        Access::SignedIn,
        "a document the opened bid lists, for those who may read the bid (403 others); 409 `sealed` before the opening; each read recorded",
    ),
    rule(
        "GET",
        "/api/v1/bids/mine",
        BID_SUBMITTERS,
        "own company's dashboard: open tenders, own bids and receipts, invitations",
    ),
    rule(
        "GET",
        "/api/v1/bids/invitations",
        BID_SUBMITTERS,
        "own company's consortium invitations",
    ),
    rule(
        "POST",
        "/api/v1/bids/<bid_id>/membership",
        BID_SUBMITTERS,
        "a member company's bidder, before the deadline; refused (409) only when the member's own company is already in another bid",
    ),
    rule(
        "GET",
        "/api/v1/tenders/<id>/evaluation",
        Access::SignedIn,
        "after the opening: reviewers, the municipality's approvers, its commission members once declared without conflict (403 naming why otherwise), and with the standstill its staff and the bidding parties; 409 `sealed` before",
    ),
    rule(
        "POST",
        "/api/v1/tenders/<id>/declarations",
        EVALUATORS,
        "a commission member of the municipality, once, during the evaluation; a conflict withdraws them",
    ),
    rule(
        "PUT",
        "/api/v1/tenders/<id>/bids/<bid_id>/qualification",
        EVALUATORS,
        "the acting chair (the chair, or the deputy when the chair withdrew), declared, with a quorum, until the scoring closes",
    ),
    rule(
        "PUT",
        "/api/v1/tenders/<id>/bids/<bid_id>/scores",
        EVALUATORS,
        "a member who declared no conflict (403 naming why otherwise), with a quorum, until the scoring closes (409 after)",
    ),
    rule(
        "POST",
        "/api/v1/tenders/<id>/scoring/close",
        EVALUATORS,
        "the acting chair; 409 `precondition_failed` naming what is missing; freezes the report",
    ),
    rule(
        "POST",
        "/api/v1/tenders/<id>/award-proposal",
        EVALUATORS,
        "the acting chair, after the closing; another than the top-ranked bid is 409 `precondition_failed` naming it",
    ),
    rule(
        "POST",
        "/api/v1/tenders/<id>/award-proposal/confirm",
        TENDER_APPROVERS,
        "the municipality's approver, once proposed: the standstill begins",
    ),
    rule(
        "POST",
        "/api/v1/tenders/<id>/award",
        TENDER_APPROVERS,
        "the municipality's approver; 409 naming the reason while the standstill runs",
    ),
    rule(
        "POST",
        "/api/v1/bids/<bid_id>/decline",
        DECLINERS,
        "the proposed or awarded bid's bidder, or the municipality's approver with a public document; anyone else 409 `nothing to decline`, as for an unknown bid; the award passes to the next-ranked bid",
    ),
    rule(
        "POST",
        "/api/v1/tenders/<id>/complaints",
        COMPLAINANTS,
        COMPLAINT_WINDOW,
    ),
    rule(
        "GET",
        "/api/v1/tenders/<id>/complaints",
        COMPLAINT_READERS,
        "reviewers and the municipality's staff all; a company's bidder its own, and those against the award when in the protocol",
    ),
    rule(
        "POST",
        "/api/v1/complaints/<id>/decision",
        REVIEWERS,
        "accepted or inadmissible, then upheld (award: back to evaluation; terms: held until amended) or dismissed",
    ),
    rule(
        "GET",
        "/api/v1/complaints/<id>/documents/<document_id>",
        COMPLAINT_READERS,
        "whoever reads the complaint; against the terms only its company and the reviewers; each download recorded",
    ),
    rule(
        "POST",
        "/api/v1/complaints/<id>/withdraw",
        COMPLAINANTS,
        "the complaining company's bidder, while it is open (404 for anyone else)",
    ),
    rule(
        "POST",
        "/api/v1/tenders/<id>/hold",
        REVIEWERS,
        "a published tender; every change to it then answers 409 `review_hold`",
    ),
    rule(
        "POST",
        "/api/v1/tenders/<id>/release",
        REVIEWERS,
        "instants still ahead when the hold began move by its length",
    ),
    rule(
        "GET",
        "/api/v1/review",
        REVIEWERS,
        "open complaints, holds and contracts amended beyond the threshold, across all municipalities",
    ),
    rule(
        "POST",
        "/api/v1/tenders/<id>/contract",
        CONTRACT_KEEPERS,
        "the tender's municipality, once awarded and without a contract",
    ),
    rule("GET", "/api/v1/contracts", Access::Public, CONTRACT_READ),
    rule("GET", "/api/v1/contracts/<id>", Access::Public, CONTRACT_READ),
    rule(
        "POST",
        "/api/v1/contracts/<id>/sign",
        CONTRACT_APPROVERS,
        "the contract's municipality, while it awaits signature",
    ),
    rule(
        "POST",
        "/api/v1/contracts/<id>/milestones/<kind>",
        CONTRACT_KEEPERS,
        CONTRACT_KEEPING,
    ),
    rule(
        "POST",
        "/api/v1/contracts/<id>/amendments",
        CONTRACT_APPROVERS,
        CONTRACT_KEEPING,
    ),
    rule(
        "POST",
        "/api/v1/contracts/<id>/performance",
        CONTRACT_KEEPERS,
        CONTRACT_KEEPING,
    ),
    rule(
        "POST",
        "/api/v1/contracts/<id>/terminate",
        CONTRACT_APPROVERS,
        CONTRACT_KEEPING,
    ),
    rule("GET", "/api/v1/audit/events", AUDIT_READERS, AUDIT_SCOPE),
    rule(
        "GET",
        "/api/v1/audit/export",
        AUDIT_READERS,
        "as /audit/events; each export is itself an event",
    ),
    rule("GET", "/api/v1/audit/verify", AUDITORS, ""),
    rule(
        "GET",
        "/api/v1/audit/checkpoint",
        Access::Public,
        "the latest signed checkpoint",
    ),
    rule(
        "GET",
        "/api/v1/audit/key",
        Access::Public,
        "the key that signs checkpoints",
    ),
    rule(
        "GET",
        "/api/v1/audit/proof/inclusion",
        Access::Public,
        "hashes only, no event's content",
    ),
    rule("GET", "/api/v1/audit/proof/consistency", Access::Public, "hashes only"),
];

/// The rule for a mounted route, if the table has one.
pub fn rule_for(method: &str, path: &str) -> Option<&'static RouteRule> {
    ROUTES.iter().find(|r| r.method == method && r.path == path)
}

fn describe(access: Access) -> String {
    match access {
        Access::Public => "anyone".to_string(),
        Access::SignedIn => "any signed-in user".to_string(),
        Access::AnyOf(roles) => roles
            .iter()
            .map(|r| format!("`{}`", r.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The table as Markdown, as the README shows it.
pub fn markdown() -> String {
    let mut out = String::from("| method | path | who may | also |\n|---|---|---|---|\n");
    for r in ROUTES {
        out.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            r.method,
            r.path,
            describe(r.access),
            r.note
        ));
    }
    out
}
