"""The bastions hidden in Ansible's `ansible_ssh_common_args` / `ansible_ssh_extra_args`.

Teams that already reach hosts through a bastion with Ansible wrote it as ssh options;
reading them back means the console needs no second copy of the topology. What asyncssh
can reproduce is honoured: ProxyJump (`-J a,b`, `-o ProxyJump=a,b`) and the classic
`ProxyCommand="ssh [-i KEY] [-p PORT] [-l USER] [-o Port=|User=|IdentityFile=|ProxyJump=]
-W %h:%p BASTION"`. A ProxyCommand the console cannot reproduce (nc, a SOCKS proxy, a
remote command) is a `problem` for the hosts that use it, never ignored: ignoring it
would silently connect straight to the host. Options that change nothing the console
relies on (keepalives, host key checking, which the console always does) are listed in
`ignored`, so `opsconsole check` can say so instead of dropping them silently.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field

# ssh(1) options that take an argument: everything else is a flag.
_WITH_ARGUMENT = set("BbcDEeFIiJLlmOopQRSWw")
# Flags that change nothing about where or as whom the connection goes.
_HARMLESS_FLAGS = set("qvTNnCAakxXYtsg46")
# -o options the console does its own way (it always verifies host keys, probes links
# itself, opens one connection per host), so they change nothing it relies on.
_HARMLESS_OPTIONS = {
    "stricthostkeychecking", "userknownhostsfile", "globalknownhostsfile",
    "serveraliveinterval", "serveralivecountmax", "connecttimeout", "connectionattempts",
    "controlmaster", "controlpath", "controlpersist", "loglevel", "batchmode",
    "tcpkeepalive", "compression", "forwardagent", "identitiesonly", "hashknownhosts",
    "checkhostip", "preferredauthentications", "pubkeyauthentication",
    "passwordauthentication", "kbdinteractiveauthentication", "addkeystoagent",
    "updatehostkeys", "visualhostkey", "requesttty", "sendenv", "setenv",
}


@dataclass
class SshArgs:
    """What an ssh argument string means for reaching a host."""

    jump: str | None = None  # hops, comma-separated, first hop first
    jump_key: str | None = None  # a key file given for the ProxyCommand's bastion
    problem: str | None = None  # why the host cannot be reached as written
    ignored: list[str] = field(default_factory=list)  # options the console does not use


def split(args: str) -> list[str]:
    """shlex split with a one-line error (unbalanced quotes are the usual mistake)."""
    try:
        return shlex.split(args)
    except ValueError as exc:
        raise ValueError(f"cannot split into ssh arguments: {exc}") from None


def _options(words: list[str]) -> list[tuple[str, str | None, str]]:
    """(letter, argument, as written) for each option; ("", word, word) for the others."""
    out: list[tuple[str, str | None, str]] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("-") and len(word) > 1 and word != "--":
            letter, attached = word[1], word[2:]
            if letter in _WITH_ARGUMENT:
                if attached:
                    out.append((letter, attached, word))
                else:
                    argument = words[index + 1] if index + 1 < len(words) else None
                    out.append((letter, argument, f"{word} {argument or ''}".strip()))
                    index += 1
            else:
                out.extend((flag, None, f"-{flag}") for flag in word[1:])
        else:
            out.append(("", word, word))
        index += 1
    return out


def _option_pair(value: str) -> tuple[str, str]:
    option, _, setting = value.strip().replace("=", " ", 1).partition(" ")
    return option.lower(), setting.strip()


def parse(args: str) -> SshArgs:
    """Read the jump from ansible_ssh_*_args; ValueError only when it cannot be split."""
    result = SshArgs()
    for letter, argument, written in _options(split(args)):
        if letter == "J" and argument and result.jump is None and result.problem is None:
            result.jump = None if argument.lower() == "none" else argument
        elif letter == "o" and argument:
            option, setting = _option_pair(argument)
            if option == "proxyjump":
                if result.jump is None and result.problem is None \
                        and setting.lower() != "none":
                    result.jump = setting
            elif option == "proxycommand":
                if result.jump is None and result.problem is None \
                        and setting.lower() != "none":
                    _proxy_command(setting, result)
            elif option not in _HARMLESS_OPTIONS:
                result.ignored.append(written)
        elif letter and letter not in _HARMLESS_FLAGS:
            result.ignored.append(written)
    return result


def proxy_jump(args: str) -> str | None:
    """The jump destination(s) named in an ssh argument string, else None; ValueError
    when the jump is written in a way the console cannot reproduce."""
    parsed = parse(args)
    if parsed.problem:
        raise ValueError(parsed.problem)
    return parsed.jump


def _proxy_command(command: str, result: SshArgs) -> None:
    """`ssh [options] -W %h:%p [user@]bastion` -> the jump `user@bastion:port`, with the
    bastion's key; any option that cannot be honoured is named in `problem`."""
    shown = command if len(command) <= 80 else command[:77] + "..."
    words = split(command)
    if not words or os.path.basename(words[0]) != "ssh":
        result.problem = (f"ProxyCommand {shown!r} is not supported (only 'ssh -W %h:%p "
                          f"BASTION' is); set console_jump to the bastion instead")
        return
    user = port = key = destination = inner_jump = forward = None
    for letter, argument, written in _options(words[1:]):
        if letter == "":
            if destination is None:
                destination = argument
                continue
            result.problem = (f"ProxyCommand {shown!r} runs a command on the bastion "
                              f"({argument!r}); only 'ssh -W %h:%p BASTION' is supported")
            return
        if letter == "W":
            forward = argument
        elif letter == "p":
            port = argument
        elif letter == "l":
            user = argument
        elif letter == "i":
            key = argument
        elif letter == "J":
            inner_jump = argument
        elif letter == "o" and argument:
            option, setting = _option_pair(argument)
            if option == "port":
                port = setting
            elif option == "user":
                user = setting
            elif option == "identityfile":
                key = setting
            elif option == "proxyjump":
                inner_jump = setting
            elif option == "hostname":
                result.problem = (f"ProxyCommand {shown!r}: -o HostName is not supported; "
                                  f"write the bastion's address instead")
                return
            elif option not in _HARMLESS_OPTIONS:
                result.problem = (f"ProxyCommand {shown!r}: option {written!r} is not "
                                  f"supported; set console_jump to the bastion instead")
                return
        elif letter not in _HARMLESS_FLAGS:
            result.problem = (f"ProxyCommand {shown!r}: option {written!r} is not "
                              f"supported; set console_jump to the bastion instead")
            return
    if forward not in ("%h:%p", "[%h]:%p") or destination is None:
        result.problem = (f"ProxyCommand {shown!r} is not supported (only 'ssh -W %h:%p "
                          f"BASTION' is); set console_jump to the bastion instead")
        return
    if user and "@" not in destination:
        destination = f"{user}@{destination}"
    hop = f"{destination}:{port}" if port else destination
    result.jump = f"{inner_jump},{hop}" if inner_jump and inner_jump.lower() != "none" \
        else hop
    result.jump_key = os.path.expanduser(key) if key else None
