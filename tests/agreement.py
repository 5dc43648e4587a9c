#!/usr/bin/env python3
"""agreement.py JOBQ TOP: checks that every command and every option that
jobq's own --help output lists (built from the commands' entries) appears
in jobq(1) and in the bash, zsh and fish completions, and that those files
name no command or option the binary does not have.  Prints each mismatch
and exits 1 if there is any."""
import os
import re
import subprocess
import sys

GLOBAL_LONG = {"dir", "json", "color", "help", "version"}
GLOBAL_SHORT = {"h"}

jobq, top = sys.argv[1], sys.argv[2]
problems = []


def run(*args):
    p = subprocess.run([jobq, *args], capture_output=True, text=True,
                       env={**os.environ, "JOBQ_DIR": "/nonexistent/jobq"})
    if p.returncode != 0:
        problems.append(f"jobq {' '.join(args)} exited {p.returncode}")
    return p.stdout


def read(path):
    with open(os.path.join(top, path), encoding="utf-8") as f:
        return f.read()


def opts(longs, shorts):
    return {"--" + x for x in longs} | {"-" + x for x in shorts}


def compare(what, want, have):
    for x in sorted(want - have):
        problems.append(f"{what}: missing {x}")
    for x in sorted(have - want):
        problems.append(f"{what}: has {x}, which jobq does not")


# The binary: the commands, and each one's options from its table.
commands = re.findall(r"^  (\S+) ", run("--help").split("commands:\n")[1],
                      re.M)
table = {}
for cmd in commands:
    text = run(cmd, "--help")
    own = text.split("\noptions:\n", 1)
    own = own[1].split("\nglobal options:\n")[0] if len(own) == 2 else ""
    table[cmd] = set()
    for short, long in re.findall(r"^ +(?:-(\w), )?--([a-z][a-z-]*)", own,
                                  re.M):
        table[cmd] |= opts([long], [short] if short else [])

# One meaning per short option, across commands.
meaning = {}
for cmd in commands:
    text = run(cmd, "--help")
    for short, long in re.findall(r"^ +-(\w), --([a-z][a-z-]*)", text, re.M):
        if meaning.setdefault(short, long) != long:
            problems.append(f"-{short} is --{meaning[short]} and --{long}")

# Sources: one cmd-NAME.c per command.
srcs = {f[4:-2] for f in os.listdir(os.path.join(top, "src"))
        if f.startswith("cmd-") and f.endswith(".c")}
compare("src/cmd-*.c", set(commands), srcs)

# jobq(1): a section per command under COMMANDS naming its options.
man = read("man/jobq.1.scd")
body = re.split(r"^# COMMANDS\n", man, flags=re.M)[1]
body = re.split(r"^# ", body, flags=re.M)[0]
sections = dict(re.findall(r"^## (\S+)\n(.*?)(?=^## |\Z)", body,
                           re.M | re.S))
compare("jobq(1) command sections", set(commands), set(sections))
for cmd, text in sections.items():
    # Defined: an entry of the section's list, as "*-q*, *--queue* _q_".
    defs = re.findall(r"^(?:\*-(\w)\*(?: _\w+_)?, )?\*--([a-z][a-z-]*)\*",
                      text, re.M)
    compare(f"jobq(1) section {cmd} entries", table.get(cmd, set()),
            opts([l for s, l in defs], [s for s, l in defs if s]))
    # Mentioned anywhere in the section, the synopsis included.
    longs = set(re.findall(r"\*--([a-z][a-z-]*)\*", text)) - GLOBAL_LONG
    shorts = set(re.findall(r"\*-([A-Za-z])\*", text)) - GLOBAL_SHORT
    for x in sorted(opts(longs, shorts) - table.get(cmd, set())):
        problems.append(f"jobq(1) section {cmd}: mentions {x}, "
                        "which jobq does not have")


def arms(text):
    """{command: text of its case arm} from a shell case statement."""
    out = {}
    for names, arm in re.findall(r"^\t([a-z|]+)\)(.*?)(?=^\t[a-z|]+\)|^\tesac)",
                                 text, re.M | re.S):
        for n in names.split("|"):
            out[n] = arm
    return out


# bash: the command list, and opts+= per command.
bash = read("completions/jobq.bash")
compare("jobq.bash commands", set(commands),
        set(re.search(r'local commands="([^"]*)"', bash).group(1).split()))
case = bash.split("case $cmd in\n", 1)[1]
found = arms(case)
compare("jobq.bash command arms", set(commands), set(found))
for cmd, arm in found.items():
    words = " ".join(re.findall(r'opts\+="([^"]*)"', arm)).split()
    longs = {w[2:] for w in words if w.startswith("--") and len(w) > 2}
    shorts = {w[1:] for w in words if re.fullmatch(r"-\w", w)}
    compare(f"jobq.bash {cmd}", table.get(cmd, set()),
            opts(longs - GLOBAL_LONG, shorts - GLOBAL_SHORT))

# zsh: the commands array, and an _arguments arm per command.
zsh = read("completions/_jobq")
array = re.search(r"^jobq_commands=\((.*?)^\)", zsh, re.M | re.S).group(1)
compare("_jobq commands", set(commands),
        set(re.findall(r"^\t'([a-z]+):", array, re.M)))
found = arms(zsh.split("_jobq_command() {", 1)[1])
compare("_jobq command arms", set(commands), set(found))
for cmd, arm in found.items():
    longs = set(re.findall(r"--([a-z][a-z-]*)", arm))
    shorts = set(re.findall(r"\{-(\w),--", arm))
    compare(f"_jobq {cmd}", table.get(cmd, set()),
            opts(longs - GLOBAL_LONG, shorts - GLOBAL_SHORT))

# fish: the cmds list, a line per command, and its options' lines.
fish = read("completions/jobq.fish")
compare("jobq.fish cmds", set(commands),
        set(re.search(r"^set -l cmds (.*)$", fish, re.M).group(1).split()))
compare("jobq.fish command lines", set(commands),
        set(re.findall(r"\$cmds\" -a (\S+) -d", fish)))
seen = {cmd: set() for cmd in commands}
for cmd, rest in re.findall(r"__fish_seen_subcommand_from (\w+)'(.*)$", fish,
                            re.M):
    got = opts(re.findall(r" -l (\S+)", rest), re.findall(r" -s (\S)", rest))
    seen.setdefault(cmd, set()).update(got)
for cmd, got in seen.items():
    compare(f"jobq.fish {cmd}", table.get(cmd, set()), got)

# The global options: those every command's --help lists under "global
# options:", and --version, in each completion's list of them.
text = run("list", "--help").split("\nglobal options:\n", 1)[1]
want = opts(re.findall(r"^ +(?:-\w, )?--([a-z][a-z-]*)", text, re.M), [])
want = (want | {"--version"}) - {"-h"}
compare("jobq.bash global",
        want, set(re.search(r'local global="([^"]*)"', bash).group(1).split()))
block = re.search(r"^global=\((.*?)^\)", zsh, re.M | re.S).group(1)
compare("_jobq global", want - {"--version"},
        set(re.findall(r"'(--[a-z][a-z-]*)", block)) |
        set(re.findall(r",(--[a-z][a-z-]*)\}", block)))
compare("_jobq --version", {"--version"},
        set(re.findall(r"'(--version)\[", zsh)))
compare("jobq.fish global", want,
        {"--" + x for x in re.findall(
            r"^complete -c jobq -n '(?:not __jobq_exec|not "
            r"__fish_seen_subcommand_from \$cmds)'.* -l (\S+)", fish, re.M)} |
        {"--" + x for x in re.findall(
            r"^complete -c jobq -n \"not __fish_seen_subcommand_from \$cmds\""
            r".* -l (\S+)", fish, re.M)} |
        {"--" + x for x in re.findall(r"^complete -c jobq -s h -l (\S+)",
                                      fish, re.M)})

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
