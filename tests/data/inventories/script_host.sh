#!/bin/sh
# A dynamic inventory script without _meta: variables come from --host, one host at a time.
case "$1" in
--list)
    echo '{"lb": {"hosts": ["lb-1", "lb-2"], "vars": {"ansible_user": "lbadmin"}}}'
    ;;
--host)
    case "$2" in
    lb-1) echo '{"ansible_host": "198.51.100.1"}' ;;
    lb-2) echo '{"ansible_host": "198.51.100.2", "ansible_port": 2200}' ;;
    *) echo '{}' ;;
    esac
    ;;
*)
    echo "usage: $0 --list | --host NAME" >&2
    exit 2
    ;;
esac
