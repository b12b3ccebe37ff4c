//! `/proc/PID/smaps_rollup` against `/proc/PID/smaps`: the rollup is the sum of the per-area
//! counters, its header spans the first area's start to the last area's end, and `Pss` splits
//! into `Pss_Anon`, `Pss_File` and `Pss_Shmem`.

use super::*;
use proptest::prelude::*;
use std::string::String;

const A: u32 = 0x0800_0000;
const B: u32 = 0x2000_0000;
const P: u32 = PAGE_SIZE;

/// The `Name: N kB` counters of a smaps-like text, summed by name.
fn counters(text: &str) -> BTreeMap<String, u64> {
    let mut sums = BTreeMap::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if let (Some(name), Some(n), Some("kB")) = (words.next(), words.next(), words.next()) {
            *sums.entry(name.trim_end_matches(':').into()).or_insert(0) += n.parse::<u64>().expect("a number");
        }
    }
    sums
}

fn texts(w: &mut World<'_>, s: usize) -> (String, String) {
    w.with(s, |sp, t, p| {
        let (mut smaps, mut rollup) = (String::new(), String::new());
        sp.write_smaps(&mut smaps, &*t, &*p).unwrap();
        sp.write_smaps_rollup(&mut rollup, &*t, &*p).unwrap();
        ((smaps, rollup), SpaceFlush::new())
    })
}

#[test]
fn rollup_of_a_forked_space_sums_its_areas() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let parent = w.create();
    w.map_at(parent, A, 4, RW);
    w.map_at(parent, B, 1, RW | SHARED);
    for i in 0..3 {
        w.write(parent, A + i * P, 1).unwrap();
    }
    w.write(parent, B, 1).unwrap();
    let child = w.fork(parent).unwrap();
    w.write(child, A, 2).unwrap(); // the child's copy: A is private again in both
    w.read(child, B).unwrap(); // fork left the shared area empty: the child maps B now
    let (smaps, rollup) = texts(&mut w, parent);
    let header = rollup.lines().next().unwrap();
    // Linux's i386 layout: the name at column 49, as in maps.
    assert_eq!(header, std::format!("{:<49}[rollup]", "08000000-20001000 ---p 00000000 00:00 0"));
    let (sum, r) = (counters(&smaps), counters(&rollup));
    // A: one private page (4 kB), two COW-shared (2 kB each); B: one shared page (2 kB).
    assert_eq!((r["Rss"], r["Pss"], r["Pss_Anon"], r["Pss_Shmem"], r["Pss_File"]), (16, 10, 8, 2, 0));
    assert_eq!((r["Shared_Dirty"], r["Private_Dirty"], r["Anonymous"]), (12, 4, 12));
    for (name, v) in &sum {
        if !["Size", "KernelPageSize", "MMUPageSize"].contains(&name.as_str()) {
            assert_eq!(r[name], *v, "{name}");
        }
    }
    w.finish();
}

#[test]
fn rollup_of_an_empty_space_is_a_zero_span() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    let (smaps, rollup) = texts(&mut w, s);
    assert_eq!(smaps, "");
    assert!(rollup.starts_with("00000000-00000000 ---p 00000000 00:00 0 "));
    assert_eq!(counters(&rollup).len(), 21, "Rss .. Locked");
    w.finish();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Random writes, reads, locks and forks over two areas: in every space the rollup's
    /// counters equal the sums of smaps' counters (the `Pss` ones up to their rounding), `Rss` is the space's resident pages, and
    /// the three `Pss_*` parts add up to `Pss` within their rounding (1 kB each).
    #[test]
    fn rollup_equals_the_sum_of_smaps(ops in proptest::collection::vec((0u8..4, 0u32..12, any::<bool>()), 1..24)) {
        let m = Machine::new(NFRAMES);
        let mut w = World::new(&m);
        let first = w.create();
        w.map_at(first, A, 8, RW);
        w.map_at(first, B, 4, RW | SHARED);
        let mut spaces = std::vec![first];
        for (op, page, pick) in ops {
            let s = spaces[usize::from(pick) % spaces.len()];
            let addr = if page < 8 { A + page * P } else { B + (page - 8) * P };
            match op {
                0 => w.write(s, addr, page as u8).unwrap(),
                1 => drop(w.read(s, addr).unwrap()),
                2 => drop(w.lock(s, addr, 1)),
                _ if spaces.len() < 3 => spaces.push(w.fork(s).unwrap()),
                _ => {}
            }
        }
        for &s in &spaces {
            let (smaps, rollup) = texts(&mut w, s);
            let (sum, r) = (counters(&smaps), counters(&rollup));
            let areas = smaps.matches("VmFlags:").count() as u64;
            for (name, v) in &sum {
                // Pss sums exact fractions before rounding down to kB: at most 1 kB per area
                // above the sum of the areas' rounded values (Linux rounds the same way).
                if name.starts_with("Pss") || name == "Locked" {
                    prop_assert!(*v <= r[name] && r[name] <= *v + areas, "{}: {} vs {}", name, v, r[name]);
                } else if !["Size", "KernelPageSize", "MMUPageSize"].contains(&name.as_str()) {
                    prop_assert_eq!(r[name], *v, "{}", name);
                }
            }
            prop_assert_eq!(r["Rss"], u64::from(w.stats(s).p_size + w.stats(s).s_size) * 4);
            let parts = r["Pss_Anon"] + r["Pss_File"] + r["Pss_Shmem"];
            prop_assert!(parts <= r["Pss"] && r["Pss"] <= parts + 2, "{} vs {}", parts, r["Pss"]);
        }
        w.finish();
    }
}
