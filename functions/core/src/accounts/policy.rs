//! The rules of the hierarchy, kept once for every implementation of
//! [`super::Accounts`]: who may create an account with which role, whom an
//! administrator answers for, and how wrong passwords slow down and lock.

use std::time::Duration;

use super::{Grant, Role, Scope};

/// How wrong passwords are answered: the first `free_tries` at once; after that each
/// next try must wait `delay`; at `lock_after` wrong passwords in a row the account is
/// locked for `lock_for`. A right password (or the lock running out) starts again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    pub free_tries: u32,
    pub delay: Duration,
    pub lock_after: u32,
    pub lock_for: Duration,
}

/// The rule in force: three tries, then five seconds between tries, locked for a
/// quarter of an hour at the sixth wrong password.
pub const LOCKOUT: Lockout =
    Lockout { free_tries: 3, delay: Duration::from_secs(5), lock_after: 6, lock_for: Duration::from_secs(15 * 60) };

/// Whether `actor` may create an account holding `grant`:
/// national administrators create national and regional administrators and course
/// organisers; a unit administrator creates the fillers (seed 002: 一人一号) and the
/// integrity administrators (seed 004) of their own unit. Unit administrators and
/// learners come from registration, not from here.
pub fn may_create(actor: &Grant, grant: &Grant) -> bool {
    match (actor.role, grant.role) {
        (Role::NationalAdmin, Role::NationalAdmin | Role::Organiser) => grant.unit.is_none() && grant.region.is_none(),
        (Role::NationalAdmin, Role::RegionalAdmin) => grant.region.is_some() && grant.unit.is_none(),
        (Role::UnitAdmin, Role::Filler | Role::IntegrityAdmin) => actor.unit.is_some() && grant.unit == actor.unit,
        _ => false,
    }
}

/// Whether `actor` answers for the accounts of `scope` (lists them, approves,
/// resets, disables, reads their log): national administrators for national and
/// every region's; a regional administrator for their region's; a unit
/// administrator for their unit's.
pub fn administers(actor: &Grant, scope: &Scope) -> bool {
    match (actor.role, scope) {
        (Role::NationalAdmin, Scope::National | Scope::Region(_)) => true,
        (Role::RegionalAdmin, Scope::Region(r)) => actor.region.as_ref() == Some(r),
        (Role::UnitAdmin, Scope::Unit(u)) => actor.unit.as_ref() == Some(u),
        _ => false,
    }
}

/// The scope an account created by an administrator answers to.
pub fn steward_of_created(grant: &Grant) -> Scope {
    match (&grant.role, &grant.unit) {
        (Role::Filler | Role::IntegrityAdmin, Some(unit)) => Scope::Unit(unit.clone()),
        _ => Scope::National,
    }
}

/// The scopes `actor` answers for, as far as they can be listed (a national
/// administrator's regions are listed region by region by the pages).
pub fn own_scope(actor: &Grant) -> Option<Scope> {
    match actor.role {
        Role::NationalAdmin => Some(Scope::National),
        Role::RegionalAdmin => actor.region.clone().map(Scope::Region),
        Role::UnitAdmin => actor.unit.clone().map(Scope::Unit),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_admin_creates_fillers_of_their_own_unit_only() {
        let admin = Grant::new(Role::UnitAdmin, Some("u1"), None);
        assert!(may_create(&admin, &Grant::new(Role::Filler, Some("u1"), None)));
        assert!(may_create(&admin, &Grant::new(Role::IntegrityAdmin, Some("u1"), None)));
        assert!(!may_create(&admin, &Grant::new(Role::Filler, Some("u2"), None)));
        assert!(!may_create(&admin, &Grant::new(Role::UnitAdmin, Some("u1"), None)));
    }

    #[test]
    fn only_national_admins_create_regional_admins_and_a_region_answers_for_its_own() {
        let national = Grant::new(Role::NationalAdmin, None, None);
        let hebei = Grant::new(Role::RegionalAdmin, None, Some("hebei"));
        assert!(may_create(&national, &hebei));
        assert!(!may_create(&hebei, &Grant::new(Role::RegionalAdmin, None, Some("hebei"))));
        assert!(administers(&hebei, &Scope::Region("hebei".into())));
        assert!(!administers(&hebei, &Scope::Region("beijing".into())));
        assert!(administers(&national, &Scope::Region("beijing".into())));
        assert!(!administers(&national, &Scope::Unit("u1".into())));
    }
}
