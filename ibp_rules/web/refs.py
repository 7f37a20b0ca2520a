"""Case references (moved to :mod:`ibp_rules.refs`: ``ibp batch`` checks them too)."""

from ibp_rules.refs import REF_PATTERN, CaseReferenceError, check_reference, looks_like_national_id, reference_problem

__all__ = ["REF_PATTERN", "CaseReferenceError", "check_reference", "looks_like_national_id", "reference_problem"]
