# Processes: background jobs and wait, traps and signals, exit statuses of children.
. "$(dirname "$0")/lib.sh"

t bg_wait 'done' '(sleep 0.1; echo done) & wait'
t bg_wait_pid_status 5 '(exit 5) & wait $!; echo $?'
t bg_two_order 'a
b' '(sleep 0.3; echo b) & (echo a) & wait'
t bg_pid_differs yes 'sleep 0.1 & [ "$!" != "$$" ] && [ "$!" -gt 1 ] && echo yes; wait'
t bg_output_file 3 'for i in 1 2 3; do (echo $i >> bgf) & done; wait; wc -l < bgf'
t kill_term_status 143 '{ sleep 5 & p=$!; kill $p; wait $p; echo $?; } 2>/dev/null'
t kill_kill_status 137 '{ sleep 5 & p=$!; kill -9 $p; wait $p; echo $?; } 2>/dev/null'
t kill_zero_alive 0 'sleep 1 & kill -0 $!; echo $?; kill $!; wait'
t kill_gone_fails 1 'sh -c "exit 0" & p=$!; wait $p; kill -0 $p 2>/dev/null; echo $?'
t trap_exit 'body
trapped' 'sh -c "trap \"echo trapped\" EXIT; echo body"'
t trap_usr1 'got usr1' 'sh -c "trap \"echo got usr1\" USR1; kill -USR1 \$\$; :"'
t trap_term_self 'term handled' 'sh -c "trap \"echo term handled; exit 0\" TERM; kill \$\$; sleep 5; echo not reached"'
t trap_ignore 'survived' 'sh -c "trap \"\" INT; kill -INT \$\$; echo survived"'
t trap_reset 130 'sh -c "trap \"\" INT; trap - INT; kill -INT \$\$; echo not reached"; echo $?'
t trap_in_subshell_child 'child' 'sh -c "trap \"echo child; exit\" HUP; (kill -HUP \$\$); sleep 5"'
t wait_all_statuses '0 3' '(exit 0) & a=$!; (exit 3) & b=$!; wait $a; x=$?; wait $b; echo $x $?'
t signal_exit_code_shell 143 '{ sh -c "kill \$\$"; echo $?; } 2>/dev/null'
t timeout_kills 143 '{ timeout 1 sleep 10; echo $?; } 2>/dev/null'
t timeout_passes 0 'timeout 5 true; echo $?'
t sleep_fraction ok 'sleep 0.2 && echo ok'
t pipeline_sigpipe 1 'yes | head -n 1 | wc -l'
t many_children 50 'i=0; while [ $i -lt 50 ]; do /bin/true & i=$((i+1)); done; wait; echo $i'
t nested_shells 3 'sh -c "sh -c \"sh -c \\\"exit 3\\\"\""; echo $?'
t exec_replaces 'replaced' 'sh -c "exec echo replaced; echo not reached"'
t subshell_pid_differs yes '[ "$(sh -c "echo \$\$")" != "$$" ] && echo yes'
t ppid_is_parent yes 'sh -c "p=\$(sh -c \"echo \\\$PPID\"); [ \$p = \$\$ ] && echo yes"'
done_suite
