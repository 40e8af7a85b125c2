"""Ansible inventories -> frozen dataclasses.

Teams point the console at the inventory they already have, so the loader follows
Ansible's rules (groups under several parents, hosts in several groups, group vars
ordered by depth then name, host vars last) and adds its own settings as ordinary
`console_*` variables (see console.settings). Every mistake ends as one InventoryError
line `<file>:<line>: <key path>: <what is wrong>`.

The package: `model` (Host, Group, Inventory), one reader per format (`yaml_source`,
`ini_source`, `script_source`, `json_source`, `ansible_source`), `draft` (what they all
fill), `resolve` (Ansible's precedence and what the variables mean), `sources` (which
reader takes which `-i`).
"""

from console.ansible_names import expand_host_range
from console.inventory.model import (
    DEFAULT_DISK_INTERVAL,
    DEFAULT_INTERVAL,
    Group,
    Hop,
    Host,
    Inventory,
    InventoryError,
)
from console.inventory.sources import load_inventory

__all__ = [
    "DEFAULT_DISK_INTERVAL",
    "DEFAULT_INTERVAL",
    "Group",
    "Hop",
    "Host",
    "Inventory",
    "InventoryError",
    "expand_host_range",
    "load_inventory",
]
