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
