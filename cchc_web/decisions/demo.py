"""Demo data: the demo PKI (a root CA, the commune's seal certificate) and a personal
certificate for each demo signer, registered as the administrator would register real ones.
The Decisions themselves are made by the modules whose subjects they decide (the initiatives
demo: the council's establishment and recognition Decisions, the nomination)."""

from __future__ import annotations

from collections.abc import Iterable

from ..core.demo import STORY_START, demo_seeder
from ..core.settings import application
from ..core.timeutil import story_time
from ..models import Commune, User
from . import certificates, signing


def ensure_demo_signers(users: Iterable[User]) -> None:
    """Give these demo accounts a personal certificate of the demo CA (once)."""
    folder = signing.demo_ca_folder(application())
    if folder is None:
        return  # a real installation registers real certificates
    commune = Commune.current()
    certificates.register_demo_certificates(folder, users, commune.name if commune else "")


@demo_seeder(order=25)
def seed_signing() -> None:
    """The demo PKI, and certificates for the Chairman and the Vice-Chairman (registered at
    the start of the demo's story)."""
    with story_time(STORY_START):
        _seed_signing()


def _seed_signing() -> None:
    app = application()
    commune = Commune.current()
    if commune is None:
        return
    if not signing.configured(app):
        signing.make_demo_pki(signing.demo_dir(app), commune.name)
    if signing.state(app).signer is None:
        signing.reload(app)
    ensure_demo_signers(certificates.signing_users())


@demo_seeder(order=93)
def seed_second_commune_draft() -> None:
    """Phường Gia Viên's standing office has submitted a Decision to its Chairman, who has
    not signed it yet (it waits in his inbox)."""
    from datetime import timedelta

    from sqlalchemy import select

    from ..core import tenancy
    from ..core.extensions import db
    from ..core.timeutil import local_now
    from ..models import Decision
    from . import services
    from .content import DraftContent

    commune = db.session.scalar(select(Commune).where(Commune.name == "Phường Gia Viên"))
    if commune is None:
        return
    with tenancy.acting_for(db.session(), commune.id):
        if db.session.scalar(select(Decision.id).limit(1)) is not None:
            return
        secretariat = db.session.scalar(select(User).where(User.username == "gv.vhxh.lanhdao"))
        content = DraftContent(
            summary="Về việc kiện toàn Tổ giúp việc cải cách hành chính phường Gia Viên",
            bases=[
                "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
                "Xét đề nghị của Trưởng phòng Văn hóa - Xã hội.",
            ],
            articles=[
                "Kiện toàn Tổ giúp việc cải cách hành chính phường gồm các công chức Phòng Văn "
                "hóa - Xã hội, Phòng Kinh tế, Hạ tầng và Đô thị và Văn phòng HĐND và UBND phường.",
                "Quyết định này có hiệu lực kể từ ngày ký.",
                "Chánh Văn phòng HĐND và UBND phường, Trưởng các phòng và cá nhân có tên tại "
                "Điều 1 chịu trách nhiệm thi hành Quyết định này.",
            ],
            recipients=["Như Điều 3;", "Lưu: VT."],
        )
        now = local_now()
        with story_time((now - timedelta(days=3)).replace(tzinfo=None, hour=9, minute=0)):
            decision = services.create_from_content("other", content, secretariat)
        with story_time((now - timedelta(days=2)).replace(tzinfo=None, hour=10, minute=0)):
            services.submit(decision, secretariat)
        db.session.flush()
