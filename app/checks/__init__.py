"""Audits of the whole database (`laborstats check`): the rules are in service.py."""
