"""The ``ibp`` command-line app (installed as ``ibp_rules.cli``)."""
