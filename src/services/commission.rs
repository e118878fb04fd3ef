//! A tender's commission after the opening, as the database records it: its members with their
//! declarations, where a caller stands in it (the policy's `Seat`), and the lock a commission
//! member's change takes. Read by the evaluation, the award proposal and the bids' readers.

use crate::domain::access::{Identity, Role};
use crate::domain::commission::Member;
use crate::domain::evaluation_report::MemberInput;
use crate::domain::ids::UserId;
use crate::domain::policy::Seat;
use crate::services::ServiceError;
use crate::storage::evaluation as store;
use crate::storage::tenders::{self, Tender};
use crate::storage::{Db, Reader, users};

/// The commission as the evaluation sees it: the municipality's active members and anyone who
/// declared (a member deactivated since stays in the record), with their declarations.
pub(crate) async fn members_of(reader: &mut Reader<'_>, tender: &Tender) -> Result<Vec<MemberInput>, ServiceError> {
    let declarations = store::declarations(reader.again(), tender.id).await?;
    let mut members: Vec<MemberInput> = store::commission(reader.again(), tender.municipality_id)
        .await?
        .into_iter()
        .map(|m| MemberInput {
            member: Member {
                id: m.id,
                chair: m.chair,
                deputy_chair: m.deputy_chair,
                conflict: None,
            },
            name: m.full_name,
            declaration: None,
        })
        .collect();
    for d in declarations {
        let id = UserId(d.member_id.parse().unwrap_or_default());
        if !members.iter().any(|m| m.member.id == id) {
            let account = users::find(reader.again(), id).await?;
            members.push(MemberInput {
                member: Member {
                    id,
                    chair: account.chair,
                    deputy_chair: account.deputy_chair,
                    conflict: None,
                },
                name: account.full_name,
                declaration: None,
            });
        }
        if let Some(m) = members.iter_mut().find(|m| m.member.id == id) {
            m.member.conflict = Some(d.conflict);
            m.declaration = Some(d);
        }
    }
    Ok(members)
}

/// Where `who` stands in the tender's commission.
pub(crate) fn seat_in(members: &[MemberInput], tender: &Tender, who: &Identity) -> Seat {
    if who.organization_id != tender.municipality_id || !who.has_role(Role::Commission) {
        return Seat::NotMember;
    }
    let plain: Vec<Member> = members.iter().map(|m| m.member.clone()).collect();
    match plain.iter().find(|m| m.id == who.user_id).map(|m| m.conflict) {
        None | Some(None) => Seat::Undeclared,
        Some(Some(true)) => Seat::Withdrawn,
        Some(Some(false)) if crate::domain::commission::may_act_as_chair(&plain, who.user_id) => Seat::ActingChair,
        Some(Some(false)) => Seat::Seated,
    }
}

/// Where `who` stands in the commission of `tender` (for the bids' readers and the pages).
pub async fn seat(db: &Db, tender: &Tender, who: &Identity) -> Result<Seat, ServiceError> {
    if who.organization_id != tender.municipality_id || !who.has_role(Role::Commission) {
        return Ok(Seat::NotMember);
    }
    let members = members_of(&mut Reader::from(db), tender).await?;
    Ok(seat_in(&members, tender, who))
}

/// What a change decides on, read under the tender's lock (taken here): the tender, its
/// commission, whether the scoring has closed, and where `who` stands.
pub(crate) struct Locked {
    pub tender: Tender,
    pub members: Vec<MemberInput>,
    pub closed: bool,
    pub seat: Seat,
}

pub(crate) async fn lock_for(
    tx: &mut crate::storage::Tx,
    tender_id: i64,
    who: &Identity,
) -> Result<Locked, ServiceError> {
    let tender = tenders::lock(tx, tender_id).await?;
    crate::services::ensure_not_held(&tender)?;
    let members = members_of(&mut Reader::from(&mut *tx), &tender).await?;
    let closed = store::closing(&mut *tx, tender_id).await?.is_some();
    let seat = seat_in(&members, &tender, who);
    Ok(Locked {
        tender,
        members,
        closed,
        seat,
    })
}

/// Where `who` stands, read inside a change (for the award proposal).
pub(crate) async fn seat_for_change(
    reader: &mut Reader<'_>,
    tender: &Tender,
    who: &Identity,
) -> Result<Seat, ServiceError> {
    let members = members_of(reader, tender).await?;
    Ok(seat_in(&members, tender, who))
}
