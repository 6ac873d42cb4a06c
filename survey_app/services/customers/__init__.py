"""One customer per person: matching every channel's contact keys, merges and their undo, the
consent rules every contact path asks, imports, search, the customer timeline and the monthly callbacks.
Blueprints call what is named here."""
from . import callbacks, consent, labels, merges
from .channels import CHANNELS
from .imports import check_columns, import_customers, import_customers_job, record_customer
from .matching import (ContactKeys, CustomerDetails, active_customer, add_note, edit_keys, find_by_keys,
                       request_removal, resolve_customer)
from .search import search_customers
from .timeline import (ENTRY_KIND_LABELS, EntryKind, customer_summary, may_view, open_candidate_count, open_candidates,
                       timeline, visible_to)

__all__ = [
    "CHANNELS", "ContactKeys", "CustomerDetails", "ENTRY_KIND_LABELS", "EntryKind", "active_customer", "add_note",
    "callbacks", "check_columns", "consent", "customer_summary", "edit_keys", "find_by_keys", "import_customers",
    "import_customers_job", "labels", "may_view", "merges", "open_candidate_count", "open_candidates",
    "record_customer", "request_removal", "resolve_customer", "search_customers", "timeline", "visible_to",
]
