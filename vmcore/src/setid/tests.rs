use super::*;
use proptest::prelude::*;

fn ids(uid: [u32; 4], gid: [u32; 4], caps: (u64, u64)) -> Ids {
    Ids { uid, gid, cap_effective: caps.0, cap_permitted: caps.1, cap_inheritable: 0 }
}

fn root() -> Ids {
    ids([0; 4], [0; 4], (CAP_FULL, CAP_FULL))
}

fn user(u: u32, g: u32) -> Ids {
    ids([u; 4], [g; 4], (0, 0))
}

const FILE: FileOwner = FileOwner { uid: 1000, gid: 1000, mode: 0o755 };
const SAFE: Unsafe = Unsafe { no_new_privs: false, shared_fs: false };
const NNP: Unsafe = Unsafe { no_new_privs: true, shared_fs: false };

fn with_mode(mode: u32) -> FileOwner {
    FileOwner { mode, ..FILE }
}

#[test]
fn plain_exec_keeps_everything() {
    let out = exec_creds(&root(), FILE, SAFE);
    assert_eq!(out, ExecCreds { ids: root(), secure: false, per_clear: 0, dumpable: true });
    let out = exec_creds(&user(2000, 2000), FILE, SAFE);
    assert_eq!(out, ExecCreds { ids: user(2000, 2000), secure: false, per_clear: 0, dumpable: true });
}

#[test]
fn setuid_file_sets_effective_and_saved_uid() {
    let out = exec_creds(&user(2000, 2000), with_mode(0o4755), SAFE);
    assert_eq!(out.ids, ids([2000, 1000, 1000, 1000], [2000; 4], (0, 0)));
    assert!(out.secure);
    assert_eq!(out.per_clear, PER_CLEAR_ON_SETID);
    assert!(!out.dumpable);
}

#[test]
fn setgid_needs_group_execute() {
    let out = exec_creds(&user(2000, 2000), with_mode(0o2755), SAFE);
    assert_eq!(out.ids, ids([2000; 4], [2000, 1000, 1000, 1000], (0, 0)));
    assert!(out.secure && !out.dumpable);
    // S_ISGID without S_IXGRP is mandatory locking: nothing changes.
    let out = exec_creds(&user(2000, 2000), with_mode(0o2745), SAFE);
    assert_eq!(out, ExecCreds { ids: user(2000, 2000), secure: false, per_clear: 0, dumpable: true });
}

#[test]
fn own_setuid_file_clears_personality_but_is_not_secure() {
    let out = exec_creds(&user(1000, 1000), with_mode(0o6755), SAFE);
    assert_eq!(out, ExecCreds { ids: user(1000, 1000), secure: false, per_clear: PER_CLEAR_ON_SETID, dumpable: true });
}

#[test]
fn setuid_root_gets_every_capability() {
    let out = exec_creds(&user(2000, 2000), FileOwner { uid: 0, gid: 0, mode: 0o4755 }, SAFE);
    assert_eq!(out.ids, ids([2000, 0, 0, 0], [2000; 4], (CAP_FULL, CAP_FULL)));
    assert!(out.secure && !out.dumpable);
}

#[test]
fn root_running_a_setuid_user_file_keeps_permitted_only() {
    let out = exec_creds(&root(), with_mode(0o4755), SAFE);
    assert_eq!(out.ids, ids([0, 1000, 1000, 1000], [0; 4], (0, CAP_FULL)));
    assert!(out.secure && !out.dumpable);
}

#[test]
fn no_new_privs_ignores_set_id_bits() {
    let out = exec_creds(&user(2000, 2000), with_mode(0o6755), NNP);
    assert_eq!(out, ExecCreds { ids: user(2000, 2000), secure: false, per_clear: 0, dumpable: true });
    // A set-uid process under no_new_privs falls back to its real ids.
    let old = ids([2000, 1000, 1000, 1000], [2000; 4], (0, 0));
    let out = exec_creds(&old, FILE, NNP);
    assert_eq!(out.ids, user(2000, 2000));
    assert!(out.secure && !out.dumpable);
}

#[test]
fn shared_fs_without_cap_setuid_falls_back() {
    let shared = Unsafe { no_new_privs: false, shared_fs: true };
    let out = exec_creds(&user(2000, 2000), with_mode(0o4755), shared);
    assert_eq!(out.ids, user(2000, 2000));
    assert!(out.secure);
    // Root (CAP_SETUID) keeps the file's uid.
    let out = exec_creds(&root(), with_mode(0o4755), shared);
    assert_eq!(out.ids.uid, [0, 1000, 1000, 1000]);
}

#[test]
fn root_that_dropped_capabilities_gains_them_back() {
    let mut old = root();
    old.cap_permitted &= !(1 << 14);
    old.cap_effective = old.cap_permitted;
    let out = exec_creds(&old, FILE, SAFE);
    assert_eq!(out.ids.cap_permitted, CAP_FULL);
    assert_eq!(out.per_clear, PER_CLEAR_ON_SETID);
    assert!(!out.secure && !out.dumpable);
}

#[test]
fn personality_loses_the_cleared_bits_and_the_domain() {
    let word = 0x0004_0000 | 0x0020_0000 | 0x0800_0000 | 0x08;
    assert_eq!(exec_personality(word, 0), 0x0004_0000 | 0x0020_0000 | 0x0800_0000);
    assert_eq!(exec_personality(word, PER_CLEAR_ON_SETID), 0x0800_0000);
    assert_eq!(PER_CLEAR_ON_SETID, 0x0074_0000);
}

#[test]
fn secure_exec_lowers_a_big_stack_limit() {
    assert_eq!(exec_stack_limit(u32::MAX, true), STK_LIM);
    assert_eq!(exec_stack_limit(u32::MAX, false), u32::MAX);
    assert_eq!(exec_stack_limit(1 << 20, true), 1 << 20);
}

fn any_ids() -> impl Strategy<Value = Ids> {
    let id = prop_oneof![Just(0u32), Just(1000u32), Just(2000u32)];
    let caps = prop_oneof![Just(0u64), Just(CAP_FULL), Just(CAP_FULL & !(1 << CAP_SETUID))];
    (proptest::array::uniform4(id.clone()), proptest::array::uniform4(id), caps.clone(), caps).prop_map(|(uid, gid, e, p)| ids(uid, gid, (e & p, p)))
}

fn any_file() -> impl Strategy<Value = FileOwner> {
    (prop_oneof![Just(0u32), Just(1000u32)], prop_oneof![Just(0u32), Just(1000u32)], prop_oneof![Just(0o755u32), Just(0o4755), Just(0o2755), Just(0o6755), Just(0o2745)])
        .prop_map(|(uid, gid, mode)| FileOwner { uid, gid, mode })
}

proptest! {
    #[test]
    fn invariants(old in any_ids(), file in any_file(), nnp in any::<bool>(), shared in any::<bool>()) {
        let out = exec_creds(&old, file, Unsafe { no_new_privs: nnp, shared_fs: shared });
        let n = out.ids;
        // The real ids never change; saved and fs ids are the effective ones.
        prop_assert_eq!((n.uid[REAL], n.gid[REAL]), (old.uid[REAL], old.gid[REAL]));
        prop_assert_eq!([n.uid[SAVED], n.uid[FS]], [n.uid[EFFECTIVE]; 2]);
        prop_assert_eq!([n.gid[SAVED], n.gid[FS]], [n.gid[EFFECTIVE]; 2]);
        // The effective set is within the permitted one.
        prop_assert_eq!(n.cap_effective & !n.cap_permitted, 0);
        // Running with ids other than the real ones is always AT_SECURE, and never dumpable.
        if n.uid[EFFECTIVE] != n.uid[REAL] || n.gid[EFFECTIVE] != n.gid[REAL] {
            prop_assert!(out.secure && !out.dumpable);
        }
        // no_new_privs: no new uid, no new capability.
        if nnp {
            prop_assert!(n.uid[EFFECTIVE] == old.uid[EFFECTIVE] || n.uid[EFFECTIVE] == old.uid[REAL]);
            prop_assert_eq!(n.cap_permitted & !old.cap_permitted, 0);
        }
        // Without set-id bits, a safe exec keeps the effective ids.
        if file.mode & 0o6000 == 0 && !nnp && !shared {
            prop_assert_eq!((n.uid[EFFECTIVE], n.gid[EFFECTIVE]), (old.uid[EFFECTIVE], old.gid[EFFECTIVE]));
        }
    }
}
