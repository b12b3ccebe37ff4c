//! The lives of the processes: the operation chooser, the batch child, its descendants, and
//! dying on purpose.

use super::*;

impl Fz<'_> {
    /// One random operation.
    fn step(&mut self) {
        match self.rng.below(180) {
            128..=135 => self.op_vm_sequence(),
            136 => self.op_execve_big(),
            137..=139 => self.op_futex(),
            0..=13 => self.op_mmap(false),
            14..=16 => self.op_mmap(true),
            17..=26 => self.op_munmap(),
            27..=36 => self.op_mprotect(),
            37..=43 => self.op_mremap(),
            44..=48 => self.op_madvise(),
            49..=51 => self.op_mlock(true),
            52 | 53 => self.op_mlock(false),
            54 => self.op_mlockall(),
            55..=60 => self.op_brk(),
            61..=65 => self.op_read(),
            66..=69 => self.op_write(),
            70..=74 => self.op_open(),
            75..=77 => self.op_close(),
            78 | 79 => self.op_lseek(),
            80..=82 => self.op_fstat64(),
            83 | 84 => self.op_getdents64(),
            85 => self.op_uname(),
            86..=88 => self.op_simple(),
            89 => self.op_personality(),
            90 => self.op_nanosleep(),
            91 => self.op_reboot(),
            92..=94 => self.op_kill(),
            95..=98 => self.op_wait(),
            99 | 100 => self.op_execve_bad(),
            101 => self.op_unknown(),
            102..=111 => self.op_touch(),
            112..=127 => self.op_fork(),
            140..=147 => self.op_identity(),
            148..=154 => self.op_descriptor(),
            155..=159 => self.op_lookup(),
            160..=165 => self.op_scratch(),
            166..=168 => self.op_signal(),
            169..=171 => self.op_stream(),
            172..=174 => self.op_thread(),
            _ => self.op_wait_for(),
        }
    }

    /// Seeds the pools with a few mappings of our own.
    fn prologue(&mut self) {
        for len in [PG, 8 * PG, 64 * PG] {
            let r = self.call(nr::SYS_MMAP2, [0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, u32::MAX, 0]);
            self.track(r, len);
        }
        // And one high up (first fit puts the others low): ranges starting there and
        // running long reach 2^32.
        let hint = 0x8000_0000 + self.rng.below(0x3E00) * 0x1_0000;
        let len = PG * (1 + self.rng.below(16));
        let r = self.call(nr::SYS_MMAP2, [hint, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, u32::MAX, 0]);
        self.track(r, len);
    }

    /// The batch child: `calls` random operations, then reap everything and exit 0.
    pub fn run_batch(&mut self, calls: u32) -> ! {
        self.prologue();
        let st = self.w.stats();
        // `calls` system calls (an operation may make several: the batch ends after the one
        // that reaches the count, so a shorter batch is a prefix of a longer one).
        let mut op = 0;
        while self.seq < calls {
            st.cur_index.store(op, Relaxed);
            if let Some(r) = self.sched.switch(self.seq) {
                self.rng = r;
            }
            if self.rng.chance(1, KAMIKAZE_DEPTH0) {
                self.kamikaze();
            }
            self.step();
            op += 1;
        }
        self.reap_all();
        if self.rng.chance(1, 2) {
            sys::exit_group(0)
        } else {
            sys::exit(0)
        }
    }

    /// Kills our remaining children and reaps every one of them.
    fn reap_all(&mut self) {
        for i in 0..self.nkids {
            if self.kids[i].alive {
                let _ = sys::kill(self.kids[i].pid as i32, sys::SIGKILL);
            }
        }
        loop {
            match sys::waitpid(-1, 0) {
                Ok(_) | Err(rt::Errno::EINTR) => {}
                Err(_) => break,
            }
        }
        self.nkids = 0;
    }

    /// A forked descendant: a few random calls, user-mode touches, an exec of ourselves, or
    /// a death; never returns.
    pub(super) fn descendant(&mut self) -> ! {
        let st = self.w.stats();
        match self.rng.below(20) {
            0..=8 => {
                let n = self.rng.below(24);
                for _ in 0..n {
                    self.step();
                }
            }
            9..=13 => {
                // Raw touches of our own (COW-shared) memory: faults, COW breaks; may die.
                self.faults_kill();
                for _ in 0..1 + self.rng.below(32) {
                    let a = self.own_addr() & !3;
                    if !self.w.may_touch(a, 4) {
                        continue;
                    }
                    st.touches.fetch_add(1, Relaxed);
                    // SAFETY: outside everything this program uses; a fault kills only us.
                    unsafe {
                        if self.rng.chance(1, 2) {
                            core::hint::black_box(peek32(a));
                        } else {
                            poke32(a, self.rng.u32());
                        }
                    }
                }
            }
            14..=16 => {
                let me = self.w.self_ptr();
                let argv = [me, EXIT_NOW.as_ptr() as u32, 0];
                let env = [ENV_A.as_ptr() as u32, 0];
                st.execs.fetch_add(1, Relaxed);
                let envp = if self.rng.chance(1, 2) { env.as_ptr() as u32 } else { 0 };
                self.call(nr::SYS_EXECVE, [me, argv.as_ptr() as u32, envp, 0, 0, 0]);
                core::hint::black_box((&argv, &env));
            }
            17 => {}
            _ => self.kamikaze(),
        }
        let code = self.rng.below(256);
        if self.rng.chance(1, 2) {
            sys::exit(code as i32)
        } else {
            sys::exit_group(code as i32)
        }
    }

    /// Dies on purpose, in one of many ways (a signal, or exit).
    fn kamikaze(&mut self) -> ! {
        self.w.stats().kamikaze.fetch_add(1, Relaxed);
        self.faults_kill();
        let text = (self.w.image.0, self.w.rw.0 - self.w.image.0);
        let stack_page = self.sp & !(PG - 1);
        // SAFETY (all arms): this process is meant to end here; nothing after the fault or
        // the destroyed mapping is relied upon.
        unsafe {
            match self.rng.below(13) {
                0 => poke32(0, 1),
                1 => {
                    core::hint::black_box(peek32(self.w.kbad()[0]));
                }
                2 => {
                    let me = self.call(nr::SYS_GETPID, [0; 6]);
                    let sig = self.rng.pick(&[9, 15, 11, 1, 2]);
                    self.call(nr::SYS_KILL, [me, sig, 0, 0, 0, 0]);
                }
                3 => {
                    self.call(nr::SYS_MUNMAP, [text.0, text.1, 0, 0, 0, 0]);
                }
                4 => {
                    self.call(nr::SYS_MUNMAP, [stack_page.wrapping_sub(16 * PG), 32 * PG, 0, 0, 0, 0]);
                }
                5 => {
                    let prot = self.rng.pick(&[PROT_NONE, PROT_READ]);
                    self.call(nr::SYS_MPROTECT, [stack_page.wrapping_sub(4 * PG), 8 * PG, prot, 0, 0, 0]);
                }
                6 => {
                    self.call(nr::SYS_MPROTECT, [text.0, text.1, PROT_NONE, 0, 0, 0]);
                }
                7 => asm!("ud2"),
                8 => asm!("int3"),
                9 => {
                    let zero = core::hint::black_box(0u32);
                    asm!("xor edx, edx", "div {z}", z = in(reg) zero, inout("eax") 1u32 => _, out("edx") _);
                }
                10 => {
                    let me = self.w.self_ptr();
                    let argv = [me, EXIT_NOW.as_ptr() as u32, 0];
                    self.call(nr::SYS_EXECVE, [me, argv.as_ptr() as u32, 0, 0, 0, 0]);
                    core::hint::black_box(&argv);
                }
                11 => {
                    // Jump into the kernel half / nowhere.
                    let target = self.w.kbad()[0];
                    asm!("jmp {t}", t = in(reg) target, options(noreturn));
                }
                _ => {}
            }
        }
        sys::exit_group(0)
    }
}
