//! The sign-in guard of one account: how many wrong passwords came in a row, when the
//! last one came, and until when the account is locked — the [`policy::LOCKOUT`] rule
//! applied to one account's record. Kept in the store by every implementation, so
//! an account slows down and locks the same way on a laptop and on Cognito (whose own
//! lockout, five tries then doubling waits, is looser and is never reached first).
//!
//! [`policy::LOCKOUT`]: super::policy::LOCKOUT

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::policy::Lockout;
use super::{AccountError, AccountResult};

/// Wrong passwords of one account, as stored (field names shared by the stored forms).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInGuard {
    /// Wrong passwords in a row since the last right one or the last lock.
    #[serde(default)]
    pub failures: u32,
    /// Stored UTC.
    #[serde(default)]
    pub last_failure: Option<Timestamp>,
    /// Stored UTC.
    #[serde(default)]
    pub locked_until: Option<Timestamp>,
}

fn span(d: std::time::Duration) -> SignedDuration {
    SignedDuration::try_from(d).unwrap_or_default()
}

impl SignInGuard {
    /// Whether a password may be tried at `now`: refused while locked
    /// ([`AccountError::Locked`]) or, past the free tries, before the delay since the
    /// last wrong one ([`AccountError::SlowDown`]) — even a right password.
    pub fn admits(&self, now: Timestamp, lockout: &Lockout) -> AccountResult<()> {
        if let Some(until) = self.locked_until.filter(|u| *u > now) {
            return Err(AccountError::Locked { until });
        }
        if self.failures >= lockout.free_tries
            && let Some(last) = self.last_failure
        {
            let next = last + span(lockout.delay);
            if next > now {
                let wait = next.duration_since(now).as_secs_f64().ceil().max(1.0) as u64;
                return Err(AccountError::SlowDown { seconds: wait });
            }
        }
        Ok(())
    }

    /// Counts a wrong password at `now`; answers the end of the lock when this one
    /// locks the account (at [`Lockout::lock_after`] in a row).
    pub fn record_failure(&mut self, now: Timestamp, lockout: &Lockout) -> Option<Timestamp> {
        let lapsed = self.locked_until.is_some_and(|u| u <= now);
        self.failures = if lapsed { 1 } else { self.failures + 1 };
        self.last_failure = Some(now);
        if lapsed {
            self.locked_until = None;
        }
        if self.failures < lockout.lock_after {
            return None;
        }
        let until = now + span(lockout.lock_for);
        self.locked_until = Some(until);
        self.failures = 0;
        Some(until)
    }

    /// A right password, a reset or a new one-time password: start again.
    pub fn clear(&mut self) {
        *self = SignInGuard::default();
    }

    /// Whether there is anything to clear.
    pub fn is_clear(&self) -> bool {
        self == &SignInGuard::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const RULE: Lockout =
        Lockout { free_tries: 2, delay: Duration::from_secs(5), lock_after: 3, lock_for: Duration::from_secs(60) };

    #[test]
    fn free_tries_then_a_wait_then_a_lock_that_runs_out() {
        let t0 = Timestamp::from_second(1_700_000_000).unwrap();
        let at = |s: i64| t0 + SignedDuration::from_secs(s);
        let mut guard = SignInGuard::default();
        assert_eq!(guard.record_failure(at(0), &RULE), None);
        assert!(guard.admits(at(0), &RULE).is_ok());
        assert_eq!(guard.record_failure(at(1), &RULE), None);
        assert!(matches!(guard.admits(at(2), &RULE), Err(AccountError::SlowDown { seconds: 4 })));
        assert!(guard.admits(at(6), &RULE).is_ok());
        assert_eq!(guard.record_failure(at(6), &RULE), Some(at(66)));
        assert!(matches!(guard.admits(at(65), &RULE), Err(AccountError::Locked { until }) if until == at(66)));
        assert!(guard.admits(at(66), &RULE).is_ok());
        assert_eq!(guard.record_failure(at(67), &RULE), None, "after a lock the count starts again");
        assert_eq!(guard.failures, 1);
    }
}
