# The text tools: sed, awk, grep, sort, uniq, wc, cut, tr, md5sum, head, tail, od.
. "$(dirname "$0")/lib.sh"

printf 'banana 3\napple 10\ncherry 7\napple 10\ndate 1\n' > fruit
printf 'root:x:0:0:root:/root:/bin/sh\nbin:x:2:2:bin:/bin:/bin/false\n' > pw

t sed_subst 'BANANA 3' 'sed -n "1s/banana/BANANA/p" fruit'
t sed_global a-b-c 'echo "a b c" | sed "s/ /-/g"'
t sed_delete_range 'date 1' 'sed "1,4d" fruit'
t sed_in_place 'pear 3' 'cp fruit f2; sed -i "s/banana/pear/" f2; head -n 1 f2'
t sed_backref 'b=a' 'echo "a=b" | sed -E "s/(.)=(.)/\\2=\\1/"'
t awk_sum 31 "awk '{ s += \$2 } END { print s }' fruit"
t awk_fields_fs '/root /bin/sh' "awk -F: '\$3 == 0 { print \$6, \$7 }' pw"
t awk_printf_nr '1:banana
2:apple' "awk 'NR <= 2 { printf \"%d:%s\\n\", NR, \$1 }' fruit"
t awk_assoc 'apple 2' "awk '{ c[\$1]++ } END { for (k in c) if (c[k] > 1) print k, c[k] }' fruit"
t grep_basic 'apple 10
apple 10' 'grep apple fruit'
t grep_count 2 'grep -c apple fruit'
t grep_invert_ere 'banana 3
date 1' 'grep -vE "apple|cherry" fruit'
t grep_status '1 0' 'grep -q kiwi fruit; a=$?; grep -q date fruit; echo $a $?'
t grep_line_numbers '3:cherry 7' 'grep -n cherry fruit'
t sort_default 'apple 10
apple 10
banana 3
cherry 7
date 1' 'sort fruit'
t sort_numeric_key 'date 1
banana 3
cherry 7
apple 10
apple 10' 'sort -n -k2 fruit'
t sort_reverse_unique 'date 1
cherry 7
banana 3
apple 10' 'sort -ru fruit'
t uniq_count '      2 apple 10' 'sort fruit | uniq -c | grep apple'
t uniq_dups 'apple 10' 'sort fruit | uniq -d'
t wc_all '        5        10        43 fruit' 'wc fruit'
t wc_lines_stdin 5 'wc -l < fruit'
t cut_fields 'root:/bin/sh' 'head -n 1 pw | cut -d: -f1,7'
t cut_chars ban 'head -n 1 fruit | cut -c1-3'
t tr_upper 'HELLO' 'echo hello | tr a-z A-Z'
t tr_delete_squeeze 'elo o' 'echo "hhelllo  oo" | tr -d h | tr -s "l o"'
t md5sum_known 'd41d8cd98f00b204e9800998ecf8427e  -' 'printf "" | md5sum'
t md5sum_file 'c354ead494574c3a451583bd4b048031  fruit' 'md5sum fruit'
t md5sum_check 'fruit: OK' 'md5sum fruit > sums; md5sum -c sums'
t sha256sum_abc 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -' 'printf abc | sha256sum'
t head_tail 'apple 10
cherry 7' 'head -n 3 fruit | tail -n 2'
t tail_from_line 'date 1' 'tail -n +5 fruit'
t od_bytes '0000000 141 142 012
0000003' 'echo ab | od -b'
t seq_paste '1,2,3' 'seq 3 | paste -s -d,'
t xargs_n '1 2
3 4' 'seq 4 | xargs -n 2 echo'
t diff_unified '-b
+c' 'printf "a\nb\n" > d1; printf "a\nc\n" > d2; diff -u d1 d2 | grep "^[-+][^-+]"'
t cmp_differ 1 'printf a > c1; printf b > c2; cmp -s c1 c2; echo $?'
t big_pipeline 10000 'seq 10000 | sort -rn | uniq | wc -l'
done_suite
