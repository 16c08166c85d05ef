//! Loads that can finish out of order: a page reloads what it shows whenever
//! local data changes, and only the latest load may show its result.

use std::cell::Cell;
use std::rc::Rc;

/// Counts the loads a page has started.
#[derive(Clone, Debug, Default)]
pub struct LatestLoad(Rc<Cell<u64>>);

/// One load, started by [`LatestLoad::start`].
#[derive(Clone, Debug)]
pub struct Load {
    number: u64,
    started: LatestLoad,
}

impl LatestLoad {
    /// Starts a load; every load started before it stops being the latest.
    pub fn start(&self) -> Load {
        let number = self.0.get() + 1;
        self.0.set(number);
        Load {
            number,
            started: self.clone(),
        }
    }
}

impl Load {
    /// No load has started since this one: what it read may show.
    pub fn is_latest(&self) -> bool {
        self.started.0.get() == self.number
    }

    /// The page's first load (the one that may show a saved snapshot first).
    pub fn is_first(&self) -> bool {
        self.number == 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_started_later_hides_an_earlier_one_that_finishes_after_it() {
        let page = LatestLoad::default();
        let first = page.start();
        assert!(first.is_latest() && first.is_first());
        let second = page.start();
        assert!(second.is_latest() && !second.is_first());
        assert!(
            !first.is_latest(),
            "the first load's late result must not show"
        );
    }

    #[test]
    fn pages_count_their_loads_apart_and_a_copy_counts_with_its_page() {
        let caseload = LatestLoad::default();
        let child = LatestLoad::default();
        let first = caseload.start();
        let opened = child.start();
        assert!(opened.is_first() && opened.is_latest() && first.is_latest());
        let copy = caseload.clone();
        let second = copy.start();
        assert!(second.is_latest() && !first.is_latest());
        let third = caseload.start();
        assert!(third.is_latest() && !second.is_latest());
    }
}
