"""All models, one module per aggregate; importing this package registers every table."""

from ..core.cache import DataVersion
from .audit import AuditLog, LoginThrottle
from .certificates import CAPACITY_LABELS, Capacity, SealCertificate, SigningCertificate
from .council import Council, CouncilMember, CouncilState, Position, Score
from .decisions import (
    Competence,
    Decision,
    DecisionCounter,
    DecisionItem,
    DecisionKind,
    DecisionState,
)
from .files import Attachment
from .initiatives import (
    CityOutcome,
    CityResult,
    Initiative,
    InitiativeAttachment,
    InitiativeAuthor,
    InitiativeState,
    Round,
    SubmissionReopening,
)
from .org import LEADER_ROLES, ROLE_LABELS, Commune, Office, Role, User, UserRole
from .par_index import (
    Appraisal,
    CityAppraisal,
    IndexItem,
    IndexSet,
    ScoringMethod,
    SelfScore,
    SetStatus,
)
from .plans import (
    Objective,
    ObjectiveValue,
    ObjectiveValueRevision,
    Plan,
    Task,
    TaskOffice,
    TaskUpdate,
    TaskUpdateAttachment,
)
from .reminders import ReminderSent
from .reports import Report, ReportComment

__all__ = [
    "DataVersion",
    "Appraisal",
    "CityAppraisal",
    "IndexItem",
    "IndexSet",
    "ScoringMethod",
    "SelfScore",
    "SetStatus",
    "Attachment",
    "LEADER_ROLES",
    "ROLE_LABELS",
    "AuditLog",
    "Commune",
    "LoginThrottle",
    "Office",
    "Role",
    "User",
    "UserRole",
    "Objective",
    "ObjectiveValue",
    "ObjectiveValueRevision",
    "Plan",
    "ReminderSent",
    "Report",
    "ReportComment",
    "Task",
    "TaskOffice",
    "TaskUpdate",
    "TaskUpdateAttachment",
    "Council",
    "CouncilMember",
    "CouncilState",
    "CityOutcome",
    "CityResult",
    "Initiative",
    "InitiativeAttachment",
    "InitiativeAuthor",
    "InitiativeState",
    "Position",
    "Round",
    "Score",
    "SubmissionReopening",
    "Competence",
    "Decision",
    "DecisionCounter",
    "DecisionKind",
    "DecisionState",
    "DecisionItem",
    "CAPACITY_LABELS",
    "Capacity",
    "SealCertificate",
    "SigningCertificate",
]
