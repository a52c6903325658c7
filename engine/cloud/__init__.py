"""Opt-in cloud escalation: providers, OS-keyring API keys, the audit log and usage.

Nothing here is imported or constructed while ``cloud.mode`` is ``off``.
"""
