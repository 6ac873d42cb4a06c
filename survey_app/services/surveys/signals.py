"""What the surveys part announces to the rest of the product, without knowing who listens.

The closed loop (a low score opens a follow-up case) belongs to the cases package, which
depends on surveys; surveys announce these moments instead of calling it, so the arrow between
the two packages points one way.
"""
from blinker import Namespace

_signals = Namespace()

# Sent with the response once a submitted response is committed.
response_submitted = _signals.signal("response-submitted")
# Sent with the response once an anonymous respondent's contact details joined it to a customer.
respondent_identified = _signals.signal("respondent-identified")
