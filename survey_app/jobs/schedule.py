"""Work the job worker does on its own, on a schedule."""
import logging

from huey import crontab

from ..services.cases import escalate_breaches
from .queue import every

log = logging.getLogger(__name__)


@every(crontab(minute="*/5"))
def escalate_sla_breaches() -> list[str]:
    """Escalate every case whose SLA target has passed to the supervisors (as `flask cases check-sla`)."""
    escalated = [case.reference for case in escalate_breaches()]
    if escalated:
        log.info("escalated %s", ", ".join(escalated))
    return escalated
