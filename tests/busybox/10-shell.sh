# The shell language: $?, subshells, pipelines, redirections, here-documents, expansion.
. "$(dirname "$0")/lib.sh"

t status_true 0 'true; echo $?'
t status_false 1 'false; echo $?'
t status_exit_code 7 '(exit 7); echo $?'
t status_not 0 '! false; echo $?'
t status_pipeline_last 0 'false | true; echo $?'
t status_cmd_not_found 127 'nonexistent_cmd_xyz 2>/dev/null; echo $?'
t and_or 'b
c' 'false && echo a; true && echo b; false || echo c'
t subshell_isolated 'in
out' 'x=out; (x=in; echo $x); echo $x'
t subshell_cd_isolated / 'cd /; (cd /tmp); pwd'
t brace_group_shared in 'x=out; { x=in; }; echo $x'
t cmd_subst_nested 3 'echo $(echo $(echo 3))'
t cmd_subst_backquote 'a b' 'echo `echo a b`'
t arith '42 7 1' 'echo $((6*7)) $((50/7)) $((3>2))'
t params '3 b a-b-c' 'set -- a b c; echo $# $2 "$(IFS=-; echo "$*")"'
t param_default 'def set' 'unset v; echo ${v:-def} ${w:=set}'
t param_strip 'file.tar gz /a/b c' 'p=/a/b/c; f=file.tar.gz; echo ${f%.*} ${f##*.} ${p%/*} ${p##*/}'
t param_length 5 's=hello; echo ${#s}'
t quoting '$HOME "x" a  b' "printf '%s\\n' '\$HOME' '\"x\"' \"a  b\" | tr '\\n' ' ' | sed 's/ \$//'"
t case_glob yes 'case abc.txt in *.c) echo no;; *.txt) echo yes;; esac'
t for_loop 1-2-3- 'for i in 1 2 3; do printf "%s-" $i; done'
t while_read 'a:b:c:' 'printf "a\nb\nc\n" | while read l; do printf "%s:" "$l"; done'
t function_locals 'f:1
g' 'f() { local v=1; echo "f:$v"; }; v=g; f; echo $v'
t function_return 3 'f() { return 3; }; f; echo $?'
t pipeline_three 3 'printf "x\ny\nz\n" | cat | wc -l'
t redirect_out_in hello 'echo hello > o; cat < o'
t redirect_append 'one two' 'echo one > o; echo two >> o; cat o | tr "\n" " " | sed "s/ \$//"'
t redirect_stderr err 'sh -c "echo err >&2" 2> e >/dev/null; cat e'
t redirect_both 'out err' 'sh -c "echo out; echo err >&2" > b 2>&1; cat b | tr "\n" " " | sed "s/ \$//"'
t redirect_fd3 three 'exec 3> f3; echo three >&3; exec 3>&-; cat f3'
t redirect_clobber_noclobber 'kept' 'echo kept > n; set -C; { echo new > n; } 2>/dev/null; cat n'
t dev_null_empty 0 'cat /dev/null | wc -c'
t heredoc 'line 1
line hi' 'v=hi; cat <<EOT
line 1
line $v
EOT'
t heredoc_quoted 'no $v here' 'v=hi; cat <<"EOT"
no $v here
EOT'
t heredoc_strip_tabs indented 'printf "cat <<-EOT\n\tindented\n\tEOT\n" > hd.sh; sh hd.sh'
t here_in_loop '1a 2a' 'for i in 1 2; do cat <<EOT
${i}a
EOT
done | tr "\n" " " | sed "s/ \$//"'
t eval_and_exec hi 'eval "x=hi"; sh -c "exec echo $x"'
t script_file 'arg: z' 'printf "#!/bin/sh\necho arg: \$1\n" > s.sh; chmod +x s.sh; sh s.sh z'
t shebang_exec 'arg: y' 'printf "#!/bin/sh\necho arg: \$1\n" > s2.sh; chmod +x s2.sh; ./s2.sh y'
t set_e 'before' 'sh -c "set -e; echo before; false; echo after"'
t getopts 'a b:x ' 'set -- -a -b x; while getopts ab: o; do printf "%s%s " $o ${OPTARG:+:$OPTARG}; done'
t test_builtin 'y
y
y' '[ 3 -gt 2 ] && echo y; [ -n x ] && echo y; [ -d / ] && echo y' 
t read_ifs 'b' 'echo "a:b:c" | { IFS=: read x y z; echo $y; }'
t printf_builtin '007 ff   x' 'printf "%03d %x %3s\n" 7 255 x'
t env_export 'v=1' 'export v=1; sh -c "env | grep ^v="'
done_suite
