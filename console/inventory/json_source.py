"""Inventories as JSON in Ansible's dynamic inventory protocol: what an inventory script
prints for `--list` and what `ansible-inventory --list` prints.

    {"web": {"hosts": ["web-1"], "vars": {...}, "children": ["eu"]},
     "db": ["db-1", "db-2"],                       # a bare list: the group's hosts
     "_meta": {"hostvars": {"web-1": {...}}}}

Read by the rules of ansible-core's `script` plugin, into the same drafts as every
other format.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from console.inventory.draft import Drafts, Origin, Unusable, check_value
from console.inventory.model import InventoryError

HostVarsFn = Callable[[str], Mapping[str, Any]]


def read_json_inventory(data: Any, shown: str, drafts: Drafts,
                        host_vars: HostVarsFn | None = None) -> None:
    """`host_vars` answers `--host NAME` when the output carries no `_meta.hostvars`."""
    if not isinstance(data, Mapping):
        raise InventoryError(shown, f"the inventory JSON must be an object of groups, got "
                                    f"{type(data).__name__}")
    meta = data.get("_meta")
    hostvars = meta.get("hostvars") if isinstance(meta, Mapping) else None
    errors = meta.get("opsconsole_template_errors", {}) if isinstance(meta, Mapping) else {}
    if meta is not None and hostvars is not None and not isinstance(hostvars, Mapping):
        raise InventoryError(shown, "_meta.hostvars must be an object of host -> vars")
    order = meta.get("opsconsole_host_order") if isinstance(meta, Mapping) else None
    seen: dict[str, str] = {}  # host -> the first group that listed it
    if isinstance(order, list):  # Ansible's own host order, from ansible_source
        for host in map(str, order):
            seen[host] = ""
            drafts.declare_host(host, Origin(shown, None, f"_meta.hostvars.{host}"))
    for group, body in data.items():
        if group == "_meta":
            continue
        group_hosts(str(group), body, shown, drafts, seen)
    for host in list(seen):
        if not drafts.hosts[host].groups:  # named only in the order list: in `all`
            drafts.add_host(host, "all", Origin(shown, None, f"_meta.hostvars.{host}"))
    for host in seen:
        if hostvars is not None:
            values = hostvars.get(host, {})
        elif host_vars is not None:
            values = host_vars(host)
        else:
            values = {}
        where = f"_meta.hostvars.{host}"
        if not isinstance(values, Mapping):
            raise InventoryError(shown, f"variables of {host} must be an object", None,
                                 where)
        draft = drafts.hosts[host]
        failed = errors.get(host, {}) if isinstance(errors, Mapping) else {}
        for key, value in values.items():
            origin = Origin(shown, None, f"{where}.{key}")
            checked = check_value(str(key), value, origin)
            if key in failed:
                checked = Unusable(value, f"is a template Ansible could not evaluate: "
                                          f"{str(failed[key])[:200]}", origin)
            draft.vars.add(str(key), checked, origin)


def group_hosts(group: str, body: Any, shown: str, drafts: Drafts,
                seen: dict[str, str]) -> None:
    where = Origin(shown, None, group)
    drafts.group(group)
    if not isinstance(body, Mapping):
        body = {"hosts": body}
    elif not any(k in body for k in ("hosts", "vars", "children")):
        body = {"hosts": [group], "vars": body}  # Ansible: a host with its vars
    hosts = body.get("hosts", [])
    if not isinstance(hosts, list):
        raise InventoryError(shown, "must be a list of host names", None, f"{group}.hosts")
    for host in hosts:
        name = str(host)
        if not name or " " in name or not name.isprintable():
            raise InventoryError(shown, f"host name {name[:60]!r} is empty or has spaces",
                                 None, f"{group}.hosts")
        seen.setdefault(name, group)
        drafts.add_host(name, group, Origin(shown, None, f"{group}.hosts.{name}"))
    variables = body.get("vars", {})
    if not isinstance(variables, Mapping):
        raise InventoryError(shown, "must be an object of variables", None, f"{group}.vars")
    for key, value in variables.items():
        origin = Origin(shown, None, f"{group}.vars.{key}")
        drafts.group(group).vars.add(str(key), check_value(str(key), value, origin), origin)
    children = body.get("children", [])
    if not isinstance(children, list):
        raise InventoryError(shown, "must be a list of group names", None,
                             f"{group}.children")
    for child in children:
        if str(child) == "all":
            raise where.error("group cycle: all is a child")
        drafts.add_child(group, str(child), Origin(shown, None, f"{group}.children"))
