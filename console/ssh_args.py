"""The bastion hidden in Ansible's `ansible_ssh_common_args` / `ansible_ssh_extra_args`.

Teams that already reach hosts through a bastion with Ansible wrote it as ssh options;
reading them back means the console needs no second copy of the topology. Only what
asyncssh can reproduce is accepted: ProxyJump (`-J`, `-o ProxyJump=`) and the classic
`ProxyCommand="ssh -W %h:%p bastion"`. Any other ProxyCommand is refused rather than
ignored, because ignoring it would silently connect straight to the host.
"""

from __future__ import annotations

import os
import shlex

# ssh(1) options that take an argument: everything else is a flag.
_WITH_ARGUMENT = set("BbcDEeFIiJLlmOopQRSWw")


def split(args: str) -> list[str]:
    """shlex split with a one-line error (unbalanced quotes are the usual mistake)."""
    try:
        return shlex.split(args)
    except ValueError as exc:
        raise ValueError(f"cannot split into ssh arguments: {exc}") from None


def proxy_jump(args: str) -> str | None:
    """The jump destination(s) named in an ssh argument string, else None."""
    words = split(args)
    for index, word in enumerate(words):
        value: str | None = None
        if word == "-J" and index + 1 < len(words):
            return words[index + 1]
        if word.startswith("-J") and len(word) > 2:
            return word[2:]
        if word == "-o" and index + 1 < len(words):
            value = words[index + 1]
        elif word.startswith("-o") and len(word) > 2:
            value = word[2:]
        if value is None:
            continue
        option, _, setting = value.strip().replace("=", " ", 1).partition(" ")
        setting = setting.strip()
        if option.lower() == "proxyjump" and setting.lower() != "none":
            return setting
        if option.lower() == "proxycommand" and setting.lower() != "none":
            return _proxy_command_destination(setting)
    return None


def _proxy_command_destination(command: str) -> str:
    """`ssh [-p P] [-l U] ... -W %h:%p [user@]bastion` -> `user@bastion:P`."""
    unsupported = (f"ProxyCommand {command!r} is not supported (only 'ssh -W %h:%p "
                   f"BASTION'); set console_jump to the bastion instead")
    words = split(command)
    if not words or os.path.basename(words[0]) != "ssh" or "-W" not in words:
        raise ValueError(unsupported)
    user = port = destination = None
    index = 1
    while index < len(words):
        word = words[index]
        if word.startswith("-") and len(word) > 1:
            letter, attached = word[1], word[2:]
            if letter in _WITH_ARGUMENT:
                argument = attached or (words[index + 1] if index + 1 < len(words) else "")
                index += 0 if attached else 1
                if letter == "p":
                    port = argument
                elif letter == "l":
                    user = argument
        elif destination is None:
            destination = word
        else:  # a remote command after the destination: not a plain -W forward
            raise ValueError(unsupported)
        index += 1
    if destination is None:
        raise ValueError(unsupported)
    if user and "@" not in destination:
        destination = f"{user}@{destination}"
    return f"{destination}:{port}" if port else destination
