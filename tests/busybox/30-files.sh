# Files in /tmp: cp, mv, rm, ln, ls, find, xargs, dd from /dev/zero, stat, touch, mkdir.
. "$(dirname "$0")/lib.sh"

t mkdir_p_ls 'a
b' 'mkdir -p d/a/x d/b; ls d'
t touch_exists yes 'touch t1; [ -f t1 ] && [ ! -s t1 ] && echo yes'
t write_read_file 'hello world' 'echo "hello world" > f; cat f'
t cp_file 'hello world' 'cp f g; cat g'
t cp_preserves_source 'hello world' 'cat f'
t cp_recursive 'd2/a
d2/a/x
d2/b' 'cp -r d d2; find d2 -mindepth 1 | sort'
t mv_rename 'gone here' 'mv g h; [ -e g ] || printf "gone "; [ -e h ] && echo here'
t mv_into_dir 'h' 'mv h d; ls d | grep h'
t rm_file gone 'rm d/h; [ -e d/h ] || echo gone'
t rm_recursive gone 'rm -rf d2; [ -e d2 ] || echo gone'
t rm_missing_fails 1 'rm nothing-here 2>/dev/null; echo $?'
t rmdir_nonempty_fails 1 'rmdir d 2>/dev/null; echo $?'
t ln_symlink 'f hello world' 'ln -s f sl; readlink sl | tr "\n" " "; cat sl'
t ln_symlink_ls 'sl -> f' 'ls -l sl | sed "s/.* sl/sl/"'
t ln_symlink_dangling 'dangling' 'ln -s nowhere dl; [ -L dl ] && [ ! -e dl ] && echo dangling'
t ln_hard '2 hello world' 'ln f hl; stat -c %h f | tr "\n" " "; cat hl'
t hard_link_shared 'changed' 'echo changed > hl; cat f'
m ls_long_shape '^-rw-r--r-- +1 +root +root +8 [A-Z][a-z]{2} [ 0-9]{2} [0-9:]{4,5} lf$' 'echo 1234567 > lf; ls -l lf'
t ls_dir_entries '.
..
a' 'mkdir e; touch e/a; ls -a e'
t ls_classify 'a/ sl@' 'mkdir c; mkdir c/a; ln -s x c/sl; ls -F c | tr "\n" " " | sed "s/ \$//"'
t find_name './d/a/x' 'find ./d -name x'
t find_type_f_count 3 'mkdir -p ft/s; touch ft/1 ft/2 ft/s/3; find ft -type f | wc -l'
t find_exec 'ft/1
ft/2
ft/s/3' 'find ft -type f -exec echo {} \; | sort'
t xargs_rm 0 'find ft -type f | xargs rm; find ft -type f | wc -l'
t xargs_replace 'x-a x-b' 'printf "a\nb\n" | xargs -I{} echo x-{} | tr "\n" " " | sed "s/ \$//"'
t dd_zero 'bytes 65536' 'dd if=/dev/zero of=z bs=4096 count=16 2>/dev/null; echo bytes $(stat -c %s z)'
t dd_zero_content '0000000 000000 000000 000000 000000 000000 000000 000000 000000
*
0200000' 'od z'
t dd_status '16+0 records in
16+0 records out' 'dd if=/dev/zero of=/dev/null bs=4096 count=16 2>&1 | head -n 2'
t dd_skip_seek 'xxab' 'printf abcd > s; printf xxxx > dst; dd if=s of=dst bs=1 skip=0 seek=2 count=2 conv=notrunc 2>/dev/null; cat dst'
t truncate_grow 1000 'truncate -s 1000 tr; wc -c < tr'
t append_many 100 'i=0; while [ $i -lt 100 ]; do echo $i >> many; i=$((i+1)); done; wc -l < many'
t big_file_md5 '55561b565c6ea49ed080d10b945753d2  -' 'dd if=/dev/zero bs=1024 count=300 2>/dev/null | tr "\000" "a" | md5sum'
t chmod_mode '-rwx------' 'touch cm; chmod 700 cm; ls -l cm | cut -c1-10'
t stat_format 'regular file 8' 'echo 1234567 > sf; stat -c "%F %s" sf'
t cd_pwd "$W/d/a" 'cd d/a; pwd'
t cd_dotdot "$W" 'cd d/a/../..; pwd'
t glob_sort 'g1 g2 g3' 'touch g3 g1 g2; echo g*'
t glob_no_match 'nomatch*' 'echo nomatch*'
m df_tmpfs_shape '^(Filesystem +1K-blocks +Used +Available +Use% +Mounted on|none +1024 +[0-9]+ +[0-9]+ +[0-9]+% +/tmp/bb-30-files/dfm)$' 'mkdir dfm && mount -t tmpfs -o size=1m none dfm && df -k dfm; umount dfm'
done_suite
