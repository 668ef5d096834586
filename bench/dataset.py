"""A city-scale dataset for benchmarks, built straight through the ORM in bulk.

`build(scale)` creates `scale` times the base volumes of the Quality issue: 20 offices,
60 users, 3 years of data (600 tasks, 50,000 task updates, 3,000 initiatives, 30,000 scores);
each domain adds its part in a function below as it lands.
"""

from __future__ import annotations

import random

from sqlalchemy import insert
from werkzeug.security import generate_password_hash

from cchc_web.admin.services import ensure_commune
from cchc_web.extensions import db
from cchc_web.models import AuditLog, Office, Role, User, UserRole

PASSWORD = "Bench@2025"  # noqa: S105 - benchmark accounts in a throwaway database
BASE = {"offices": 20, "users": 60, "audit": 5000}


def build_organisation(scale: int, rng: random.Random) -> dict:
    ensure_commune("Xã Chí Minh", "Thành phố Hải Phòng", settings={"bench": True})
    extra = BASE["offices"] * scale - 7
    db.session.execute(
        insert(Office),
        [
            {
                "code": f"P{i:03d}",
                "name": f"Phòng chuyên môn số {i}",
                "is_specialised": i % 2 == 0,
                "active": True,
                "sort_order": 100 + i,
            }
            for i in range(extra)
        ],
    )
    offices = db.session.scalars(db.select(Office)).all()
    password_hash = generate_password_hash(PASSWORD)
    users = []
    for i in range(BASE["users"] * scale):
        office = offices[i % len(offices)]
        users.append(
            {
                "username": f"bench{i:04d}",
                "full_name": f"Nguyễn Văn Thử {i}",
                "position_title": "Chuyên viên",
                "office_id": office.id,
                "password_hash": password_hash,
                "active": True,
            }
        )
    db.session.execute(insert(User), users)
    ids = db.session.scalars(db.select(User.id).order_by(User.id)).all()
    roles = [{"user_id": uid, "role": Role.STAFF.value} for uid in ids]
    roles += [{"user_id": ids[0], "role": Role.ADMIN.value}]
    roles += [{"user_id": ids[1], "role": Role.SECRETARIAT.value}]
    roles += [{"user_id": ids[2], "role": Role.CHAIRMAN.value}]
    db.session.execute(insert(UserRole), roles)
    db.session.execute(
        insert(AuditLog),
        [
            {
                "actor_id": rng.choice(ids),
                "action": "user.update",
                "object_type": "User",
                "object_id": str(rng.choice(ids)),
                "before": {"full_name": "A"},
                "after": {"full_name": "B"},
            }
            for _ in range(BASE["audit"] * scale)
        ],
    )
    db.session.commit()
    return {
        "admin": "bench0000",
        "secretariat": "bench0001",
        "chairman": "bench0002",
        "staff": "bench0010",
    }


BUILDERS = [build_organisation]


def build(scale: int = 1, seed: int = 2025) -> dict:
    """Fill an empty, migrated database; returns the usernames to benchmark as."""
    rng = random.Random(seed)
    accounts: dict = {}
    for builder in BUILDERS:
        accounts.update(builder(scale, rng) or {})
    return accounts
