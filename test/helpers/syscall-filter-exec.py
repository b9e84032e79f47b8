#!/usr/bin/python3
"""Runs a command under a unit's system call filter, built the way systemd builds it.

usage: syscall-filter-exec.py --allow @system-service --deny "@privileged @resources ..." \
                              --families "AF_UNIX AF_INET" -- command args...

--allow / --deny: SystemCallFilter= and SystemCallFilter=~ (groups or names; the groups' members come
from this machine's `systemd-analyze syscall-filter`); everything else fails with EPERM, as with
SystemCallErrorNumber=EPERM. --families: RestrictAddressFamilies= (socket() of another family fails
with EPERM). Needs python3-seccomp, and no_new_privs already set (setpriv --no-new-privs).
Used by test/update-rauc.test.ts to run the rauc client as vtlink.service would."""
import errno
import os
import socket
import subprocess
import sys

import seccomp


def expand(names, seen):
    calls = set()
    for name in names:
        if not name.startswith('@'):
            calls.add(name)
            continue
        if name in seen:
            continue
        seen.add(name)
        out = subprocess.run(['systemd-analyze', 'syscall-filter', '--no-pager', name], capture_output=True, text=True, check=True).stdout
        members = [line.strip() for line in out.splitlines()[1:] if line.strip() and not line.strip().startswith('#')]
        calls |= expand(members, seen)
    return calls


def main():
    args = sys.argv[1:]
    split = args.index('--')
    opts = dict(zip(args[0:split:2], args[1:split:2]))
    command = args[split + 1:]
    allow = expand(opts['--allow'].split(), set())
    deny = expand(opts.get('--deny', '').split(), set())
    families = [getattr(socket, f) for f in opts.get('--families', '').split()]
    f = seccomp.SyscallFilter(defaction=seccomp.ERRNO(errno.EPERM))
    for name in sorted(allow - deny):
        if name == 'socket' and families:
            continue
        try:
            f.add_rule(seccomp.ALLOW, name)
        except (RuntimeError, ValueError):
            pass  # not a system call on this architecture or libseccomp version
    if families and 'socket' in allow - deny:
        # Other families fail with EPERM here (systemd says EAFNOSUPPORT; libseccomp takes one
        # comparison per argument in a rule, so "none of these" cannot be one rule).
        for family in families:
            f.add_rule(seccomp.ALLOW, 'socket', seccomp.Arg(0, seccomp.EQ, family))
    f.load()
    os.execvp(command[0], command)


main()
