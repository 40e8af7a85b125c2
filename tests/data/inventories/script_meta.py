#!/usr/bin/env python3
"""A dynamic inventory script with _meta.hostvars (the fast form of the protocol)."""
import json
import sys

INVENTORY = {
    "frontend": {"hosts": ["fe-1", "fe-2"], "vars": {"ansible_user": "www"}},
    "backend": {"hosts": ["be-1"], "children": ["cache"]},
    "cache": ["cache-1", "cache-2"],
    "_meta": {"hostvars": {
        "fe-1": {"ansible_host": "192.0.2.11"},
        "fe-2": {"ansible_host": "192.0.2.12", "ansible_port": 2022},
        "be-1": {"ansible_host": "192.0.2.21", "ansible_ssh_private_key_file": "/keys/be"},
        "cache-1": {"ansible_connection": "local"},
    }},
}

if sys.argv[1:] == ["--list"]:
    print(json.dumps(INVENTORY))
elif sys.argv[1:2] == ["--host"]:
    print(json.dumps(INVENTORY["_meta"]["hostvars"].get(sys.argv[2], {})))
else:
    sys.exit("usage: script_meta.py --list | --host NAME")
