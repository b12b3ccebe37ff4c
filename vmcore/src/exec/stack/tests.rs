use super::*;
use crate::errno::Errno;
use proptest::prelude::*;
use std::vec;

const TOP: u32 = 0xC000_0000;

/// Reads a stack image back the way a libc start routine does.
struct Reader<'a> {
    img: &'a StackImage,
}

/// What a process sees at entry.
#[derive(Debug)]
struct Start {
    argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
    auxv: Vec<(u32, u32)>,
}

impl Reader<'_> {
    fn index(&self, addr: u32) -> usize {
        let i = addr.checked_sub(self.img.sp.as_u32()).expect("address below sp") as usize;
        assert!(i < self.img.bytes.len(), "address {addr:#x} above the image");
        i
    }

    fn word(&self, addr: u32) -> u32 {
        let i = self.index(addr);
        u32::from_le_bytes(self.img.bytes[i..i + 4].try_into().unwrap())
    }

    fn cstr(&self, addr: u32) -> Vec<u8> {
        let i = self.index(addr);
        let len = self.img.bytes[i..].iter().position(|&b| b == 0).expect("unterminated string");
        self.img.bytes[i..i + len].to_vec()
    }

    /// A NULL-terminated pointer array at `addr`; returns the strings and the address past NULL.
    fn strings(&self, mut addr: u32) -> (Vec<Vec<u8>>, u32) {
        let mut out = Vec::new();
        loop {
            let p = self.word(addr);
            addr += 4;
            if p == 0 {
                return (out, addr);
            }
            out.push(self.cstr(p));
        }
    }

    fn start(&self) -> Start {
        let sp = self.img.sp.as_u32();
        let argc = self.word(sp);
        let (argv, envp_at) = self.strings(sp + 4);
        assert_eq!(argv.len() as u32, argc);
        assert_eq!(envp_at, self.img.envp.as_u32());
        let (envp, mut at) = self.strings(envp_at);
        assert_eq!(at, self.img.auxv.as_u32());
        let mut auxv = Vec::new();
        loop {
            let pair = (self.word(at), self.word(at + 4));
            at += 8;
            auxv.push(pair);
            if pair.0 == AT_NULL {
                return Start { argv, envp, auxv };
            }
        }
    }

    fn aux(&self, start: &Start, kind: u32) -> Option<u32> {
        start.auxv.iter().find(|p| p.0 == kind).map(|p| p.1)
    }
}

fn aux_input() -> AuxInput<'static> {
    AuxInput {
        phdr: Some(VirtAddr::new(0x0804_8034)),
        phent: 32,
        phnum: 7,
        entry: VirtAddr::new(0x0804_9000),
        pagesz: 4096,
        hwcap: 0x178b_fbff,
        hwcap2: 2,
        clktck: 100,
        ids: [1, 2, 3, 4],
        secure: false,
        random: *b"0123456789abcdef",
        execfn: Some(b"/bin/sh"),
        platform: Some(b"i686"),
    }
}

#[test]
fn layout_reads_back_like_linux() {
    let args: [&[u8]; 3] = [b"/bin/sh", b"-c", b"echo hi"];
    let env: [&[u8]; 2] = [b"PATH=/bin", b"HOME=/"];
    let img = build_stack(VirtAddr::new(TOP), &args, &env, &aux_input()).unwrap();
    assert_eq!(img.sp.as_u32() % 16, 0);
    assert_eq!(img.sp.as_u32() as usize + img.bytes.len(), TOP as usize);
    assert_eq!(img.argv.as_u32(), img.sp.as_u32() + 4);
    assert_eq!(img.bytes[img.bytes.len() - 4..], [0; 4]); // end marker
    let r = Reader { img: &img };
    let s = r.start();
    assert_eq!(s.argv, args.map(<[u8]>::to_vec));
    assert_eq!(s.envp, env.map(<[u8]>::to_vec));
    let kinds: Vec<u32> = s.auxv.iter().map(|p| p.0).collect();
    assert_eq!(kinds, [16, 6, 17, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 23, 25, 26, 31, 15, 0]);
    let aux = |k| r.aux(&s, k).unwrap();
    assert_eq!((aux(AT_PHDR), aux(AT_PHENT), aux(AT_PHNUM)), (0x0804_8034, 32, 7));
    assert_eq!((aux(AT_ENTRY), aux(AT_PAGESZ), aux(AT_HWCAP)), (0x0804_9000, 4096, 0x178b_fbff));
    assert_eq!([aux(AT_UID), aux(AT_EUID), aux(AT_GID), aux(AT_EGID)], [1, 2, 3, 4]);
    assert_eq!((aux(AT_SECURE), aux(AT_BASE), aux(AT_CLKTCK), aux(AT_HWCAP2)), (0, 0, 100, 2));
    let random = r.index(aux(AT_RANDOM));
    assert_eq!(&img.bytes[random..random + 16], b"0123456789abcdef");
    assert_eq!(r.cstr(aux(AT_EXECFN)), b"/bin/sh");
    assert_eq!(aux(AT_EXECFN), TOP - 4 - 8);
    assert_eq!(r.cstr(aux(AT_PLATFORM)), b"i686");
    // Strings are contiguous, argv[0] lowest, just below the execfn string.
    let argv0 = r.word(img.argv.as_u32());
    let last_env = r.word(img.envp.as_u32() + 4);
    assert_eq!(last_env + 7, aux(AT_EXECFN));
    assert_eq!(argv0 + 8 + 3 + 8 + 10, last_env);
    // /proc/PID/cmdline and environ read these ranges: the strings with their NULs.
    let bytes = |(a, b): (VirtAddr, VirtAddr)| img.bytes[r.index(a.as_u32())..r.index(b.as_u32())].to_vec();
    assert_eq!(bytes(img.arg_strings), b"/bin/sh\0-c\0echo hi\0");
    assert_eq!(bytes(img.env_strings), b"PATH=/bin\0HOME=/\0");
    assert_eq!(img.arg_strings.0.as_u32(), argv0);
}

#[test]
fn exact_addresses_of_a_minimal_stack() {
    let mut aux = aux_input();
    (aux.execfn, aux.platform) = (None, None);
    let img = build_stack(VirtAddr::new(TOP), &[b"a"], &[], &aux).unwrap();
    // "a\0" at ..FA; align to ..F0; random at ..E0; 1+2+1 words + 17 auxv pairs = 152 bytes,
    // rounded down to 16.
    assert_eq!(img.sp, VirtAddr::new(0xBFFF_FF40));
    assert_eq!(img.envp, VirtAddr::new(0xBFFF_FF4C));
    assert_eq!(img.auxv, VirtAddr::new(0xBFFF_FF50));
    let r = Reader { img: &img };
    assert_eq!(r.word(0xBFFF_FF44), 0xBFFF_FFFA);
    assert_eq!(r.aux(&r.start(), AT_RANDOM), Some(0xBFFF_FFE0));
}

#[test]
fn empty_argv_and_env_and_unknown_phdr() {
    let mut aux = aux_input();
    aux.phdr = None;
    let img = build_stack(VirtAddr::new(0x1000_0000), &[], &[], &aux).unwrap();
    let r = Reader { img: &img };
    let s = r.start();
    assert!(s.argv.is_empty() && s.envp.is_empty());
    assert_eq!(r.aux(&s, AT_PHDR), Some(0));
}

#[test]
fn errors() {
    let aux = aux_input();
    let top = VirtAddr::new(TOP);
    let long = vec![b'x'; MAX_ARG_STRLEN];
    assert_eq!(build_stack(top, &[&long], &[], &aux), Err(StackError::StringTooLong { index: 0 }));
    assert_eq!(
        build_stack(top, &[b"ok"], &[b"A=\0"], &aux),
        Err(StackError::InteriorNul { index: 1 })
    );
    let many = vec![&b"0123456789abcdef"[..]; 8000];
    assert_eq!(build_stack(top, &many, &[], &aux), Err(StackError::TooBig));
    let tiny = vec![&b""[..]; 30000];
    assert_eq!(build_stack(top, &tiny, &[], &aux), Err(StackError::TooBig));
    for bad in [TOP + 16, TOP - 8, 0, 0x0040_0040] {
        assert_eq!(
            build_stack(VirtAddr::new(bad), &[b"a"], &[], &aux),
            Err(StackError::BadStackTop)
        );
    }
    assert_eq!(Errno::from(StackError::TooBig), Errno::E2BIG);
    assert_eq!(Errno::from(StackError::StringTooLong { index: 0 }), Errno::E2BIG);
    assert_eq!(Errno::from(StackError::BadStackTop), Errno::EINVAL);
}

#[test]
fn from_plan_copies_the_plan() {
    let plan = ExecPlan {
        entry: VirtAddr::new(0x0804_9000),
        segments: Vec::new(),
        phdr: Some(VirtAddr::new(0x0804_8034)),
        phent: 32,
        phnum: 4,
        brk_start: VirtAddr::new(0x0805_0000),
    };
    let aux = AuxInput::from_plan(&plan, [7; 16]);
    assert_eq!((aux.entry, aux.phdr, aux.phent, aux.phnum), (plan.entry, plan.phdr, 32, 4));
    assert_eq!((aux.pagesz, aux.clktck, aux.random), (4096, 100, [7; 16]));
}

fn arb_strings(max: usize) -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(1u8..=255, 0..max), 0..12)
}

proptest! {
    #[test]
    fn random_arguments_read_back(
        args in arb_strings(40),
        env in arb_strings(40),
        execfn in prop::option::of(prop::collection::vec(1u8..=255, 0..20)),
        top_page in 0x400u32..0xC0000,
        top_off in 0u32..256,
    ) {
        let mut aux = aux_input();
        aux.execfn = execfn.as_deref();
        let top = VirtAddr::new(top_page * 4096 + top_off * 16);
        let a: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
        let e: Vec<&[u8]> = env.iter().map(Vec::as_slice).collect();
        match build_stack(top, &a, &e, &aux) {
            Ok(img) => {
                prop_assert_eq!(img.sp.as_u32() % 16, 0);
                prop_assert!(img.bytes.len() <= MAX_STACK_IMAGE);
                prop_assert!(img.sp.as_u32() >= USER_START);
                prop_assert_eq!(img.sp.as_u32() as u64 + img.bytes.len() as u64, u64::from(top.as_u32()));
                let r = Reader { img: &img };
                let s = r.start();
                prop_assert_eq!(&s.argv, &args);
                prop_assert_eq!(&s.envp, &env);
                if let Some(f) = &execfn {
                    prop_assert_eq!(&r.cstr(r.aux(&s, AT_EXECFN).unwrap()), f);
                }
            }
            Err(err) => prop_assert_eq!(err, StackError::BadStackTop, "only a top near USER_START fails"),
        }
    }
}
