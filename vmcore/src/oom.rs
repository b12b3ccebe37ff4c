//! The out-of-memory killer's choice, as Linux 6.1's `mm/oom_kill.c` makes it.
//!
//! When a page fault cannot get a frame, one process is killed so that the others can go on.
//! Each process is scored by [`badness`] (Linux's `oom_badness`): the pages it holds —
//! resident pages, swap (none here), page tables — plus, ours only, the kernel memory charged
//! to it (area nodes, kernel stacks: see docs/process-model.md, "Kernel memory"), moved by
//! `oom_score_adj` in thousandths of all memory. [`choose`] (Linux's `select_bad_process`)
//! takes the highest; init and processes at `OOM_SCORE_ADJ_MIN` are never chosen, and while a
//! victim chosen before still holds its memory nothing new is chosen (Linux's
//! `tsk_is_oom_victim` abort): its memory is on its way back.

/// The lowest `oom_score_adj`: the process is never chosen.
pub const OOM_SCORE_ADJ_MIN: i32 = -1000;
/// The highest `oom_score_adj`: the process is chosen first.
pub const OOM_SCORE_ADJ_MAX: i32 = 1000;

/// What the killer knows of one process (pages).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Candidate {
    /// Its pid (the thread group's id).
    pub pid: u32,
    /// Resident pages (anonymous, file and shared memory).
    pub rss: u32,
    /// Page-table pages (`VmPTE`).
    pub pgtables: u32,
    /// Other kernel memory charged to it, in pages (rounded down).
    pub kernel: u32,
    /// Its `oom_score_adj`.
    pub adj: i32,
    /// Init (pid 1) or another process the killer must leave alone (Linux's
    /// `oom_unkillable_task`).
    pub unkillable: bool,
    /// A victim chosen earlier, still holding its memory.
    pub victim: bool,
}

/// Linux's `oom_badness`: the points of `c` out of `totalpages`; `None` when it may never be
/// chosen (unkillable, or `oom_score_adj` at its minimum).
pub fn badness(c: &Candidate, totalpages: u64) -> Option<i64> {
    if c.unkillable || c.adj <= OOM_SCORE_ADJ_MIN {
        return None;
    }
    let points = i64::from(c.rss) + i64::from(c.pgtables) + i64::from(c.kernel);
    // Linux: `adj *= totalpages / 1000; points += adj;` (a negative sum stays negative).
    Some(points + i64::from(c.adj) * (totalpages / 1000) as i64)
}

/// `/proc/PID/oom_score`: the badness scaled into [0, 2000] (Linux's `proc_oom_score`), 0 for
/// a process that may never be chosen.
pub fn oom_score(c: &Candidate, totalpages: u64) -> i64 {
    match badness(c, totalpages) {
        Some(b) if totalpages > 0 => (1000 + b * 1000 / totalpages as i64) * 2 / 3,
        _ => 0,
    }
}

/// What [`choose`] decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Kill this pid.
    Kill(u32),
    /// An earlier victim still holds memory: kill nothing more, wait for it.
    Wait,
    /// Nobody may be killed.
    Nobody,
}

/// Linux's `select_bad_process`: the candidate with the most points (a later one wins a tie,
/// as `oom_evaluate_task`'s `points < chosen_points` skip lets it).
pub fn choose(candidates: impl IntoIterator<Item = Candidate>, totalpages: u64) -> Choice {
    let mut best: Option<(i64, u32)> = None;
    for c in candidates {
        if c.victim && !c.unkillable {
            return Choice::Wait;
        }
        let Some(points) = badness(&c, totalpages) else { continue };
        if best.is_none_or(|(b, _)| points >= b) {
            best = Some((points, c.pid));
        }
    }
    best.map_or(Choice::Nobody, |(_, pid)| Choice::Kill(pid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    fn cand(pid: u32, rss: u32) -> Candidate {
        Candidate { pid, rss, ..Candidate::default() }
    }

    #[test]
    fn biggest_is_chosen_init_never() {
        let init = Candidate { unkillable: true, ..cand(1, 10_000) };
        assert_eq!(choose([init, cand(5, 10), cand(7, 300), cand(9, 20)], 8192), Choice::Kill(7));
        assert_eq!(choose([init], 8192), Choice::Nobody);
    }

    #[test]
    fn page_tables_and_kernel_memory_count() {
        let a = Candidate { pgtables: 50, ..cand(2, 100) };
        let b = Candidate { kernel: 60, ..cand(3, 100) };
        assert_eq!(choose([a, b], 8192), Choice::Kill(3));
        assert_eq!(badness(&a, 8192), Some(150));
    }

    #[test]
    fn adj_moves_by_thousandths_of_memory() {
        // 8,192 pages: adj 1 is 8 pages.
        let a = Candidate { adj: 100, ..cand(2, 10) };
        assert_eq!(badness(&a, 8192), Some(10 + 800));
        let min = Candidate { adj: OOM_SCORE_ADJ_MIN, ..cand(3, 1 << 20) };
        assert_eq!(badness(&min, 8192), None);
        assert_eq!(choose([min, cand(4, 1)], 8192), Choice::Kill(4));
    }

    #[test]
    fn earlier_victim_makes_the_killer_wait() {
        let v = Candidate { victim: true, ..cand(6, 1) };
        assert_eq!(choose([cand(2, 500), v], 8192), Choice::Wait);
    }

    #[test]
    fn oom_score_as_linux() {
        // Linux: (1000 + points * 1000 / totalpages) * 2 / 3.
        assert_eq!(oom_score(&cand(2, 4096), 8192), 1000);
        assert_eq!(oom_score(&cand(2, 0), 8192), 666);
        assert_eq!(oom_score(&Candidate { unkillable: true, ..cand(1, 5) }, 8192), 0);
    }

    proptest! {
        #[test]
        fn the_choice_has_the_most_points(list in proptest::collection::vec((0u32..5000, 0u32..100, 0u32..100, -1000i32..=1000, any::<bool>()), 0..20)) {
            let cands: Vec<Candidate> = list.iter().enumerate().map(|(i, &(rss, pt, k, adj, unkillable))| Candidate {
                pid: i as u32 + 1, rss, pgtables: pt, kernel: k, adj, unkillable, victim: false,
            }).collect();
            let total = 65_536;
            match choose(cands.iter().copied(), total) {
                Choice::Kill(pid) => {
                    let chosen = cands[pid as usize - 1];
                    let points = badness(&chosen, total).unwrap();
                    prop_assert!(cands.iter().all(|c| badness(c, total).is_none_or(|p| p <= points)));
                }
                Choice::Nobody => prop_assert!(cands.iter().all(|c| badness(c, total).is_none())),
                Choice::Wait => prop_assert!(false, "no victim pending"),
            }
        }
    }
}
