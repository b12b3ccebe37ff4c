use super::*;
use crate::errno::Errno;
use crate::vma::test_file::TestFile;
use crate::vma::Vma;
use proptest::prelude::*;
use std::vec;

const PT_LOAD: u32 = 1;
const R: u32 = 4;
const W: u32 = 2;
const X: u32 = 1;
const RWMAY: VmFlags = VmFlags::MAYREAD.union(VmFlags::MAYWRITE).union(VmFlags::MAYEXEC);

/// One program header: (type, offset, vaddr, filesz, memsz, flags).
type Ph = (u32, u32, u32, u32, u32, u32);

/// A test-side ELF32 writer: header at 0, program headers at 52, file padded to `len`.
#[derive(Clone)]
struct Elf {
    class: u8,
    data: u8,
    e_type: u16,
    machine: u16,
    entry: u32,
    phentsize: u16,
    phs: Vec<Ph>,
    len: usize,
}

impl Elf {
    fn new(entry: u32, phs: &[Ph], len: usize) -> Self {
        Elf {
            class: 1,
            data: 1,
            e_type: 2,
            machine: 3,
            entry,
            phentsize: 32,
            phs: phs.to_vec(),
            len,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut b = vec![0x7f, b'E', b'L', b'F', self.class, self.data, 1];
        b.resize(16, 0);
        let h16 = |b: &mut Vec<u8>, v: u16| b.extend_from_slice(&v.to_le_bytes());
        let h32 = |b: &mut Vec<u8>, v: u32| b.extend_from_slice(&v.to_le_bytes());
        h16(&mut b, self.e_type);
        h16(&mut b, self.machine);
        h32(&mut b, 1);
        h32(&mut b, self.entry);
        h32(&mut b, 52); // e_phoff
        h32(&mut b, 0xdead_0000); // e_shoff: garbage section headers must not matter
        h32(&mut b, 0);
        h16(&mut b, 52);
        h16(&mut b, self.phentsize);
        h16(&mut b, self.phs.len() as u16);
        for v in [40, 7, 3] {
            h16(&mut b, v);
        }
        for &(t, off, vaddr, filesz, memsz, flags) in &self.phs {
            for v in [t, off, vaddr, vaddr, filesz, memsz, flags, 0x1000] {
                h32(&mut b, v);
            }
        }
        let header_end = b.len();
        b.resize(self.len.max(header_end), 0);
        for (i, byte) in b.iter_mut().enumerate().skip(header_end) {
            *byte = i as u8;
        }
        b
    }
}

/// The layout `gcc -m32 -static -nostdlib` produces: headers (R), text (RX), rodata (R),
/// data+bss (RW) whose file data starts 12 bytes before a page boundary.
fn gcc_like() -> Elf {
    Elf::new(
        0x0804_9000,
        &[
            (PT_LOAD, 0, 0x0804_8000, 0x138, 0x138, R),
            (PT_LOAD, 0x1000, 0x0804_9000, 0x35, 0x35, R | X),
            (PT_LOAD, 0x2000, 0x0804_a000, 0x50, 0x50, R),
            (PT_LOAD, 0x2ff4, 0x0804_bff4, 0x10, 0x273c, R | W),
            (0x6474_e551, 0, 0, 0, 0, R | W), // PT_GNU_STACK
        ],
        0x3004,
    )
}

#[test]
fn plans_a_gcc_like_binary() {
    let p = plan(&gcc_like().bytes()).unwrap();
    assert_eq!(p.entry, VirtAddr::new(0x0804_9000));
    assert_eq!(p.phdr, Some(VirtAddr::new(0x0804_8034)));
    assert_eq!((p.phent, p.phnum), (32, 5));
    assert_eq!(p.brk_start, VirtAddr::new(0x0804_f000));
    let page = |a: u32| Page::new(VirtAddr::new(a));
    assert_eq!(
        p.segments,
        [
            SegmentPlan {
                start: page(0x0804_8000),
                pages: 1,
                file_offset: 0,
                file_limit: 0x138,
                flags: RWMAY | VmFlags::READ
            },
            SegmentPlan {
                start: page(0x0804_9000),
                pages: 1,
                file_offset: 0x1000,
                file_limit: 0x35,
                flags: RWMAY | VmFlags::READ | VmFlags::EXEC
            },
            SegmentPlan {
                start: page(0x0804_a000),
                pages: 1,
                file_offset: 0x2000,
                file_limit: 0x50,
                flags: RWMAY | VmFlags::READ
            },
            SegmentPlan {
                start: page(0x0804_b000),
                pages: 4,
                file_offset: 0x2000,
                file_limit: 0x1004,
                flags: RWMAY | VmFlags::READ | VmFlags::WRITE
            },
        ]
    );
}

#[test]
fn segment_becomes_a_vma_whose_bss_reads_zero() {
    let elf = gcc_like();
    let p = plan(&elf.bytes()).unwrap();
    let data = p.segments[3];
    let file = TestFile::open(9, "/bin/prog", elf.len as u64);
    let vma = Vma::new(data.start, data.pages, data.flags, data.backing(file)).unwrap();
    // First page: the whole file page is data (0xff4 bytes before the segment, then 12 bytes).
    let first = vma.file_position(VirtAddr::new(0x0804_b000)).unwrap();
    assert_eq!((first.offset, first.bytes), (0x2000, 0x1000));
    // Second page: 4 bytes of .data, then zero.
    let second = vma.file_position(VirtAddr::new(0x0804_c000)).unwrap();
    assert_eq!((second.offset, second.bytes, second.past_eof), (0x3000, 4, false));
    // Pure bss pages.
    assert_eq!(vma.file_position(VirtAddr::new(0x0804_e000)).unwrap().bytes, 0);
}

#[test]
fn pt_phdr_wins_and_missing_table_mapping_is_none() {
    let mut elf = gcc_like();
    elf.phs.push((6, 52, 0x0804_8100, 0xc0, 0xc0, R)); // PT_PHDR
    assert_eq!(plan(&elf.bytes()).unwrap().phdr, Some(VirtAddr::new(0x0804_8100)));
    let mut elf = gcc_like();
    elf.phs.remove(0);
    assert_eq!(plan(&elf.bytes()).unwrap().phdr, None);
}

#[test]
fn header_errors() {
    let good = gcc_like();
    assert_eq!(plan(&[]), Err(ExecError::TooShort));
    assert_eq!(plan(&good.bytes()[..40]), Err(ExecError::TooShort));
    assert_eq!(plan(b"#!/bin/sh\necho hello, this is long enough\n"), Err(ExecError::NotElf));
    let check = |edit: fn(&mut Elf), want: ExecError| {
        let mut e = good.clone();
        edit(&mut e);
        assert_eq!(plan(&e.bytes()), Err(want));
        assert!(matches!(
            Errno::from(want),
            Errno::ENOEXEC | Errno::EINVAL
        ));
    };
    // Linux's i386 loader reads EI_CLASS/EI_DATA/EI_VERSION of no consequence.
    for edit in [|e: &mut Elf| e.class = 2, |e: &mut Elf| e.class = 9, |e: &mut Elf| e.data = 2] {
        let mut e = good.clone();
        edit(&mut e);
        assert!(plan(&e.bytes()).is_ok());
    }
    check(|e| e.machine = 62, ExecError::WrongMachine(62));
    check(|e| e.e_type = 3, ExecError::NotExecutable(3));
    check(|e| e.phentsize = 56, ExecError::BadProgramHeaders);
    check(|e| e.phs.clear(), ExecError::BadProgramHeaders);
    check(|e| e.phs.insert(1, (3, 0x100, 0x0804_8100, 0x13, 0x13, R)), ExecError::Interpreter { offset: 0x100, len: 0x13 });
    check(|e| e.phs.insert(1, (3, 0x100, 0x0804_8100, 1, 1, R)), ExecError::InterpreterSize);
    check(|e| e.phs.insert(1, (3, 0x100, 0x0804_8100, 4097, 4097, R)), ExecError::InterpreterSize);
    check(|e| e.phs.resize(129, (0, 0, 0, 0, 0, 0)), ExecError::BadProgramHeaders);
    check(|e| e.phs.retain(|p| p.0 != PT_LOAD), ExecError::NoLoadSegment);
    check(|e| e.phs[1].4 = 0x10, ExecError::FileSizeExceedsMemSize { index: 1 });
    check(|e| e.phs[1].1 = 0x1004, ExecError::Misaligned { index: 1 });
    let mut short = good.clone();
    short.len = 0x3003; // a segment past the end of the file maps (SIGBUS past EOF)
    assert!(plan(&short.bytes()).is_ok());
    check(|e| e.phs[3].2 = 0xbfff_0000 | (e.phs[3].1 & 0xfff), ExecError::StackOverlap { index: 3 });
    check(|e| e.phs[0].2 = 0x0000_1000, ExecError::OutsideUserSpace { index: 0 });
    check(|e| e.phs[3].4 = 0xc000_0000, ExecError::OutsideUserSpace { index: 3 });
    check(|e| e.phs[2].2 = 0x0804_9000, ExecError::Overlap { index: 2 });
    check(|e| e.entry = 0xc000_0000, ExecError::EntryOutside);
    let mut e = good.clone();
    e.entry = 0x0805_0000; // unmapped but in user space: runs and faults, as on Linux
    assert!(plan(&e.bytes()).is_ok());
    assert_eq!(Errno::from(ExecError::ProgramHeadersPastEnd), Errno::ENOEXEC);
    assert_eq!(Errno::from(ExecError::Misaligned { index: 0 }), Errno::EINVAL);
    assert!(ExecError::Misaligned { index: 0 }.after_point_of_no_return());
    assert!(!ExecError::Overlap { index: 0 }.after_point_of_no_return());
    assert_eq!(Errno::from(ExecError::WrongMachine(0)), Errno::ENOEXEC);
}

#[test]
fn truncated_images_fail_cleanly() {
    let bytes = gcc_like().bytes();
    assert_eq!(plan(&bytes[..60]), Err(ExecError::ProgramHeadersPastEnd));
    // Short of the program-header table: refused; the segments may run past the end.
    let table_end = 52 + 32 * gcc_like().phs.len();
    for cut in 0..table_end {
        assert!(plan(&bytes[..cut]).is_err(), "cut at {cut}");
    }
}

#[test]
fn segments_sharing_a_page_merge_only_when_consistent() {
    // ld -N style: text ends mid-page, data continues in the same page at the same delta.
    let text = (PT_LOAD, 0x54, 0x0804_8054, 0x200, 0x200, R | X);
    let data = (PT_LOAD, 0x254, 0x0804_8254, 0x20, 0x1000, R | W);
    let p = plan(&Elf::new(0x0804_8054, &[data, text], 0x274).bytes()).unwrap();
    assert_eq!(
        p.segments,
        [SegmentPlan {
            start: Page::new(VirtAddr::new(0x0804_8000)),
            pages: 2,
            file_offset: 0,
            file_limit: 0x274,
            flags: RWMAY | VmFlags::READ | VmFlags::WRITE | VmFlags::EXEC,
        }]
    );
    // A different delta in the shared page cannot be expressed by one mapping.
    let moved = (PT_LOAD, 0x1254, 0x0804_8254, 0x20, 0x1000, R | W);
    assert_eq!(
        plan(&Elf::new(0x0804_8054, &[text, moved], 0x1274).bytes()),
        Err(ExecError::Overlap { index: 1 })
    );
    // Nor can a bss in the first segment that the second segment's bytes would cover.
    let text_bss = (PT_LOAD, 0x54, 0x0804_8054, 0x100, 0x200, R | X);
    assert_eq!(
        plan(&Elf::new(0x0804_8054, &[text_bss, data], 0x274).bytes()),
        Err(ExecError::Overlap { index: 1 })
    );
    // A bss-only second segment in the shared page merges.
    let bss = (PT_LOAD, 0x254, 0x0804_8254, 0, 0x2000, R | W);
    let p = plan(&Elf::new(0x0804_8054, &[text, bss], 0x254).bytes()).unwrap();
    assert_eq!((p.segments.len(), p.segments[0].pages, p.segments[0].file_limit), (1, 3, 0x254));
    assert_eq!(p.brk_start, VirtAddr::new(0x0804_b000));
}

/// Runs gcc -m32 on `source` with `flags`, `None` when the host cannot build i386 binaries.
fn gcc_m32(source: &str, flags: &[&str]) -> Option<Vec<u8>> {
    use std::process::{Command, Stdio};
    let dir = std::env::temp_dir().join(std::format!(
        "vmcore-elf-{}-{}",
        std::process::id(),
        flags.len()
    ));
    std::fs::create_dir_all(&dir).ok()?;
    std::fs::write(dir.join("p.c"), source).ok()?;
    let status = Command::new("gcc")
        .args(["-m32", "-static", "-nostdlib", "-O1", "-o", "p", "p.c"])
        .args(flags)
        .current_dir(&dir)
        .stderr(Stdio::null())
        .status()
        .ok()?;
    let bytes = status.success().then(|| std::fs::read(dir.join("p")).ok()).flatten();
    let _ = std::fs::remove_dir_all(&dir);
    bytes
}

#[test]
fn plans_real_gcc_binaries() {
    let source = "int counter = 5; char big[10000]; const char msg[] = \"hi\";\n\
                  void _start(void) { counter += big[3] + msg[1]; for (;;); }\n";
    for flags in [&[][..], &["-Wl,-z,noseparate-code"], &["-Wl,-N"]] {
        let Some(bytes) = gcc_m32(source, flags) else {
            std::eprintln!("gcc -m32 unavailable; skipping");
            return;
        };
        let p = plan(&bytes).unwrap_or_else(|e| panic!("{flags:?}: {e}"));
        assert!(p.segments.iter().any(|s| s.flags.contains(VmFlags::WRITE)), "{flags:?}");
        assert!(p.segments.windows(2).all(|w| w[0].end() <= w[1].start.start()));
        assert!(p.brk_start.as_u32() >= 0x0804_8000 + 10000);
        if flags.is_empty() {
            assert_eq!(p.phdr, Some(VirtAddr::new(0x0804_8034)));
        }
    }
}

fn check_invariants(_image: &[u8], p: &ExecPlan) {
    assert!(!p.segments.is_empty());
    for s in &p.segments {
        assert!(
            s.pages >= 1 && s.start.start().as_u32() >= USER_START && s.end().as_u32() <= USER_END
        );
        assert_eq!(s.file_offset % 4096, 0);
        assert!(s.file_limit <= u64::from(s.pages) * 4096);
        assert!(s.flags.contains(RWMAY));
    }
    assert!(p.segments.windows(2).all(|w| w[0].end() <= w[1].start.start()));
    assert_eq!(p.brk_start, p.segments.last().unwrap().end());
    assert!(p.entry.as_u32() < USER_END); // Linux's rule: an unmapped entry faults when run
}

proptest! {
    #[test]
    fn random_bytes_never_panic(mut bytes in prop::collection::vec(any::<u8>(), 0..300), elfish in any::<bool>()) {
        if elfish && bytes.len() >= 20 {
            bytes[..7].copy_from_slice(&[0x7f, b'E', b'L', b'F', 1, 1, 1]);
            bytes[18] = 3;
            bytes[19] = 0;
        }
        if let Ok(p) = plan(&bytes) {
            check_invariants(&bytes, &p);
        }
    }

    #[test]
    fn corrupted_binaries_never_panic(
        edits in prop::collection::vec((0usize..52 + 5 * 32, any::<u8>()), 1..6),
        cut in 0usize..0x3100,
    ) {
        let mut bytes = gcc_like().bytes();
        for (at, v) in edits {
            bytes[at] = v;
        }
        bytes.truncate(cut);
        if let Ok(p) = plan(&bytes) {
            check_invariants(&bytes, &p);
        }
    }

    #[test]
    fn page_separated_segments_plan_as_modelled(
        segs in prop::collection::vec((0u32..4, 0u32..4096, 0u32..0x3000, 0u32..0x3000, 0u32..8), 1..5),
    ) {
        // Model: segment i lives in its own 16-page window and its own 4-page file window.
        let mut phs = Vec::new();
        let mut expected = Vec::new();
        for (i, &(gap, in_page, filesz, extra, flags)) in segs.iter().enumerate() {
            let i = i as u32;
            let vaddr = 0x0800_0000 + (i * 16 + gap) * 4096 + in_page;
            let offset = (i * 4 + 1) * 4096 + in_page;
            let filesz = filesz.min(4 * 4096 - in_page);
            let memsz = (filesz + extra).max(1);
            phs.push((PT_LOAD, offset, vaddr, filesz, memsz, flags));
            let mut f = RWMAY;
            f.set(VmFlags::READ, flags & R != 0);
            f.set(VmFlags::WRITE, flags & W != 0);
            f.set(VmFlags::EXEC, flags & X != 0);
            expected.push(SegmentPlan {
                start: Page::containing(VirtAddr::new(vaddr)),
                pages: (in_page + memsz).div_ceil(4096),
                file_offset: u64::from(offset - in_page),
                file_limit: if filesz == 0 { 0 } else { u64::from(in_page + filesz) },
                flags: f,
            });
        }
        let len = (segs.len() as u32 * 4 + 1) * 4096;
        let entry = phs[0].2;
        phs.reverse(); // table order must not matter
        let bytes = Elf::new(entry, &phs, len as usize).bytes();
        let p = plan(&bytes).unwrap();
        check_invariants(&bytes, &p);
        prop_assert_eq!(&p.segments, &expected);
        prop_assert_eq!(p.brk_start, expected.last().unwrap().end());
    }
}
