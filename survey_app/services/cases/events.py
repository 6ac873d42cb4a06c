"""The events the case workflow writes to a case's log, each with what is known about it in one
row: its label, whether the customer sees it, whether it is made only where a complaint is
entered, and the fields it needs.

Notes, replies and customer messages are named by their :class:`EventKind`, and SLA breaches by
their target (services/cases/sla.py): each of those already has its own list, so they are not
repeated here.
"""
import enum
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

# What closing a case needs, beside the text the customer reads.
CLOSURE_FIELDS = ("category", "root_cause", "resolution_code", "remedy")


@dataclass(frozen=True)
class EventRow:
    """What is known about one event of the log, wherever it is made or shown."""

    label: LazyString
    # The customer sees it, and its text, on the tracking page; the rest of the log is for staff.
    public: bool = False
    # Made only in the step that enters a complaint, never offered on the case page.
    entry_only: bool = False
    # The field whose text the event carries as its body (and the customer reads when public).
    text: str | None = None
    # The other fields it needs, given with it or already on the case.
    needs: tuple[str, ...] = ()
    # It gives the customer the case's decision, so its body is that decision whether it was typed
    # with the step or before it (an approval sends the decision proposed in the request).
    sends_decision: bool = False

    @property
    def required(self) -> tuple[str, ...]:
        """What it cannot go ahead without: its text, then the other fields it needs."""
        return (self.text, *self.needs) if self.text else self.needs

    @property
    def fields(self) -> tuple[str, ...]:
        """What its form asks for: what it needs, and an amount beside a remedy (the guards say when one is due)."""
        names = list(self.required)
        if "remedy" in names:
            names.insert(names.index("remedy") + 1, "remedy_amount")
        return tuple(names)


class Event(enum.StrEnum):
    """An event the workflow writes; its value is what ``CaseEvent.name`` stores."""

    def __new__(cls, value: str, row: EventRow):
        member = str.__new__(cls, value)
        member._value_ = value
        member.row = row
        return member

    RECEIVE = "receive", EventRow(_l("Received"))
    ACKNOWLEDGE = "acknowledge", EventRow(_l("Acknowledge"))
    INVESTIGATE = "investigate", EventRow(_l("Investigate"), needs=("category", "severity"))
    REJECT = "reject", EventRow(_l("Not a complaint"), public=True, text="reason")
    ASK_CUSTOMER = "ask_customer", EventRow(_l("Ask the customer"), public=True, text="message")
    CUSTOMER_REPLIED = "customer_replied", EventRow(_l("Customer replied"), public=True, text="message")
    WAIT_INTERNAL = "wait_internal", EventRow(_l("Wait for a colleague"), text="message")
    RESUME = "resume", EventRow(_l("Resume"))
    REQUEST_APPROVAL = "request_approval", EventRow(_l("Ask for approval"), text="decision", needs=CLOSURE_FIELDS)
    APPROVE = "approve", EventRow(_l("Approve"), public=True, sends_decision=True)
    DECLINE = "decline", EventRow(_l("Decline"), text="message")
    RESPOND = "respond", EventRow(_l("Send the response"), public=True, text="decision", needs=CLOSURE_FIELDS,
                                  sends_decision=True)
    ACCEPT = "accept", EventRow(_l("Accepted"), public=True)
    CONTEST = "contest", EventRow(_l("Contested"), public=True, text="message")
    ESCALATE = "escalate", EventRow(_l("Escalate"), text="reason")
    TAKE_OVER = "take_over", EventRow(_l("Take over"))
    CLOSE_UNRESOLVED = "close_unresolved", EventRow(_l("Close unresolved"), public=True, text="recourse",
                                                    needs=CLOSURE_FIELDS)
    WITHDRAW = "withdraw", EventRow(_l("Withdraw"), public=True, text="reason")
    REOPEN = "reopen", EventRow(_l("Reopen"), public=True, text="message")
    MERGE = "merge", EventRow(_l("Merge"), needs=("merged_into",))
    SETTLE = "settle", EventRow(_l("Settled at first contact"), public=True, entry_only=True, text="decision",
                                needs=CLOSURE_FIELDS, sends_decision=True)
    REASSIGN = "reassign", EventRow(_l("Reassigned"))
    MERGED_IN = "merged_in", EventRow(_l("Another case merged into this one"))
