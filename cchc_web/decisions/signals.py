"""Signals other modules subscribe to, so that Decisions never import them.

``decision_approved`` is sent inside the approval's transaction, after the Decision is
numbered, signed and flushed: a receiver changes its own rows in the same transaction (mark
initiatives recognised, let a council start scoring) and may raise DomainError to refuse
the approval, which then rolls back entirely. Receivers get ``sender=app, decision=...``::

    @decision_approved.connect
    def on_approved(app, decision):
        if decision.subject_type == "initiative_round": ...
"""

from flask.signals import Namespace

_signals = Namespace()

decision_approved = _signals.signal("decision-approved")
decision_returned = _signals.signal("decision-returned")
