//! The core file's head parsed back.

use super::*;
use alloc::vec;
use proptest::prelude::*;

fn u16_at(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}

fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().unwrap())
}

/// The notes of a PT_NOTE segment as (name, type, descriptor), checking their padding.
fn parse_notes(b: &[u8]) -> Vec<(Vec<u8>, u32, Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < b.len() {
        let (namesz, descsz, kind) = (u32_at(b, at) as usize, u32_at(b, at + 4) as usize, u32_at(b, at + 8));
        let name = &b[at + 12..at + 12 + namesz];
        assert_eq!(*name.last().unwrap(), 0, "name NUL-terminated");
        let desc_at = at + 12 + pad4(namesz);
        assert_eq!(desc_at % 4, 0);
        out.push((name[..namesz - 1].to_vec(), kind, b[desc_at..desc_at + descsz].to_vec()));
        at = desc_at + pad4(descsz);
    }
    assert_eq!(at, b.len(), "notes fill the segment exactly");
    out
}

fn sample() -> CoreInput {
    let mut regs = [0u32; 17];
    for (i, r) in regs.iter_mut().enumerate() {
        *r = 0x1000 + i as u32;
    }
    CoreInput {
        prstatus: PrStatus { signo: 6, pid: 42, ppid: 1, pgrp: 42, sid: 1, sighold: 0x20, regs, fpvalid: true, ..Default::default() },
        psinfo: PsInfo {
            uid: 70000,
            gid: 5,
            pid: 42,
            ppid: 1,
            pgrp: 42,
            sid: 1,
            fname: b"c_signals".to_vec(),
            args: b"/bin/c_signals\0abort\0".to_vec(),
            ..Default::default()
        },
        siginfo: {
            let mut s = vec![0u8; 128];
            s[0] = 6;
            s
        },
        auxv: vec![6, 4096, 0, 0],
        fpregs: Some(vec![0xaa; FPREGS_SIZE]),
        xfpregs: Some(vec![0xbb; XFPREGS_SIZE]),
    }
}

#[test]
fn header_notes_and_loads_parse_back() {
    let areas = [
        CoreArea { start: 0x0804_8000, len: 0x3000, dump: 0x1000, flags: VmFlags::READ | VmFlags::EXEC },
        CoreArea { start: 0x0805_0000, len: 0x2000, dump: 0x2000, flags: VmFlags::READ | VmFlags::WRITE },
        CoreArea { start: 0xbffd_f000, len: 0x21000, dump: 0x21000, flags: VmFlags::READ | VmFlags::WRITE },
    ];
    let l = layout(&sample(), &areas).unwrap();
    let h = &l.head;
    assert_eq!(&h[..7], &[0x7f, b'E', b'L', b'F', 1, 1, 1]);
    assert_eq!(u16_at(h, 16), ET_CORE);
    assert_eq!(u16_at(h, 18), EM_386);
    assert_eq!(u32_at(h, 28), EHDR_SIZE as u32);
    assert_eq!(u16_at(h, 42), PHDR_SIZE as u16);
    assert_eq!(u16_at(h, 44), 4);
    let ph = |i: usize| EHDR_SIZE + PHDR_SIZE * i;
    assert_eq!(u32_at(h, ph(0)), PT_NOTE);
    let (noff, nsz) = (u32_at(h, ph(0) + 4) as usize, u32_at(h, ph(0) + 16) as usize);
    assert_eq!(noff, EHDR_SIZE + 4 * PHDR_SIZE);
    let notes = parse_notes(&h[noff..noff + nsz]);
    let kinds: Vec<u32> = notes.iter().map(|n| n.1).collect();
    assert_eq!(kinds, [NT_PRSTATUS, NT_PRPSINFO, NT_SIGINFO, NT_AUXV, NT_PRFPREG, NT_PRXFPREG]);
    assert!(notes.iter().all(|n| n.0 == if n.1 == NT_PRXFPREG { &b"LINUX"[..] } else { &b"CORE"[..] }));
    let pr = &notes[0].2;
    assert_eq!(pr.len(), PRSTATUS_SIZE);
    assert_eq!(u32_at(pr, 0), 6);
    assert_eq!(u16_at(pr, 12), 6);
    assert_eq!(u32_at(pr, 20), 0x20);
    assert_eq!(u32_at(pr, 24), 42);
    assert_eq!(u32_at(pr, 72 + 12 * 4), 0x1000 + 12, "eip");
    assert_eq!(u32_at(pr, 140), 1);
    let ps = &notes[1].2;
    assert_eq!(ps.len(), PRPSINFO_SIZE);
    assert_eq!(ps[1], b'R');
    assert_eq!(u16_at(ps, 8), 65534, "uid overflows to 65534");
    assert_eq!(u16_at(ps, 10), 5);
    assert_eq!(&ps[28..37], b"c_signals");
    assert_eq!(&ps[44..66], b"/bin/c_signals abort \0");
    assert_eq!(notes[2].2.len(), SIGINFO_SIZE);
    assert_eq!(notes[3].2, [6, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(notes[4].2.len(), FPREGS_SIZE);
    assert_eq!(notes[5].2.len(), XFPREGS_SIZE);
    // The loads: page-aligned offsets right after the head, one after the other.
    assert_eq!(l.head.len() % 4096, 0);
    assert_eq!(l.used, noff + nsz);
    assert!(l.head[l.used..].iter().all(|&b| b == 0));
    let mut expect = l.head.len() as u32;
    for (i, a) in areas.iter().enumerate() {
        let p = ph(i + 1);
        assert_eq!(u32_at(h, p), PT_LOAD);
        assert_eq!(u32_at(h, p + 4), expect);
        assert_eq!(u32_at(h, p + 8), a.start);
        assert_eq!(u32_at(h, p + 16), a.dump);
        assert_eq!(u32_at(h, p + 20), a.len);
        assert_eq!(u32_at(h, p + 28), 4096);
        assert_eq!(l.loads[i], LoadPlace { offset: u64::from(expect), vaddr: a.start, len: a.dump });
        expect += a.dump;
    }
    assert_eq!(u32_at(h, ph(1) + 24), 5, "r-x");
    assert_eq!(u32_at(h, ph(2) + 24), 6, "rw-");
    assert_eq!(l.size, u64::from(expect));
}

#[test]
fn no_fpu_no_auxv_notes() {
    let mut input = sample();
    input.fpregs = None;
    input.xfpregs = None;
    input.auxv.clear();
    let l = layout(&input, &[]).unwrap();
    let h = &l.head;
    assert_eq!(u16_at(h, 44), 1);
    let (noff, nsz) = (u32_at(h, EHDR_SIZE + 4) as usize, u32_at(h, EHDR_SIZE + 16) as usize);
    let kinds: Vec<u32> = parse_notes(&h[noff..noff + nsz]).iter().map(|n| n.1).collect();
    assert_eq!(kinds, [NT_PRSTATUS, NT_PRPSINFO, NT_SIGINFO]);
    assert_eq!(l.size, 4096);
}

proptest! {
    #[test]
    fn offsets_aligned_and_consecutive(sizes in proptest::collection::vec((1u32..64, 0u32..64), 0..200), fname in proptest::collection::vec(any::<u8>(), 0..40), args in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut input = sample();
        input.psinfo.fname = fname;
        input.psinfo.args = args;
        let mut at = 0x1000u32;
        let areas: Vec<CoreArea> = sizes.iter().map(|&(len, dump)| {
            let a = CoreArea { start: at, len: len * 4096, dump: dump.min(len) * 4096, flags: VmFlags::READ };
            at += len * 4096;
            a
        }).collect();
        let l = layout(&input, &areas).unwrap();
        prop_assert_eq!(l.head.len() % 4096, 0);
        prop_assert_eq!(usize::from(u16_at(&l.head, 44)), areas.len() + 1);
        let (noff, nsz) = (u32_at(&l.head, EHDR_SIZE + 4) as usize, u32_at(&l.head, EHDR_SIZE + 16) as usize);
        prop_assert!(noff + nsz <= l.head.len());
        let notes = parse_notes(&l.head[noff..noff + nsz]);
        prop_assert_eq!(notes[1].2.len(), PRPSINFO_SIZE);
        prop_assert_eq!(notes[1].2[44 + 79], 0, "psargs NUL-terminated");
        let mut off = l.head.len() as u64;
        for (p, a) in l.loads.iter().zip(&areas) {
            prop_assert_eq!(p.offset, off);
            prop_assert_eq!(p.offset % 4096, 0);
            prop_assert_eq!(p.len, a.dump);
            off += u64::from(p.len);
        }
        prop_assert_eq!(l.size, off);
    }
}
