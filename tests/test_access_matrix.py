"""The access-control matrix: every rule of `app.url_map`, every method, anonymous and one demo
account per role (SPEC §1), checked against the one table `ACCESS` below.

A route that is added without an entry in `ACCESS` fails `test_every_route_has_an_entry`, so
each new page or action must state who may use it.

The requests run against the demo data (`flask seed-demo`) plus a few objects the demo lacks
(see `demo_world`). Each POST sends an empty form with a valid CSRF token: the matrix checks
*who gets in*, not validation, so an authorised POST is "ok" when it answers 2xx, 3xx or 400
(the empty form refused), and never 403.

It also checks *what happened*: a status code cannot tell a refusal shown as a flash message
and a redirect from an action that went through. Every POST is bracketed by a snapshot of the
database (the row count of every table, the newest audit row, and the data version that every
writing commit replaces), and only the (route, actor) pairs of `GOES_THROUGH` may change it:
every other POST, refused with a 302 to the login page, a 403, a 404, a 400, or a flash
message, must leave the database exactly as it was.

Outcomes: OK; LOGIN (redirect to /login?next=...: not logged in); FORBIDDEN (403); NOTFOUND
(404, for an object the actor may see but that does not exist yet). Where SPEC §1 does not
settle a case, the table declares what the code does and says so.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, literal, select, union_all
from werkzeug.datastructures import FileStorage

from cchc_web import create_app
from cchc_web.admin import services as org
from cchc_web.core import tenancy
from cchc_web.core.extensions import db
from cchc_web.models import (
    AuditLog,
    Commune,
    Council,
    DataVersion,
    Decision,
    IndexSet,
    Initiative,
    InitiativeState,
    Round,
    Score,
)
from cchc_web.models.initiatives import InitiativeAttachment
from cchc_web.models.plans import Plan, TaskUpdateAttachment
from cchc_web.models.sipas import (
    FeedbackItem,
    Kiosk,
    ProcedureField,
    Receipt,
    ServiceCounter,
    SurveyResponse,
)
from cchc_web.plans import services as plans
from cchc_web.records import attachments
from cchc_web.reports import periods
from cchc_web.reports import services as reports
from cchc_web.sipas import services as sipas

from . import factories

# -- actors ------------------------------------------------------------------------------------
# One demo account per role of SPEC §1. Every office head whose office has plan tasks sits on
# the demo council, so kt.lanhdao (Head of KT + council member) stands for the council member
# and qs.lanhdao, on no council, for a plain office head.
ANON = "anonymous"
STAFF = "kt.canbo"  # staff of KT
HEAD = "qs.lanhdao"  # head of QS
SECRETARIAT = "vhxh.canbo"  # staff of VHXH + secretariat
COUNCIL = "kt.lanhdao"  # head of KT + plain member of the 2025 council
LEADER = "chutich"  # Chairman
ADMIN = "admin"
USERS = (STAFF, HEAD, SECRETARIAT, COUNCIL, LEADER, ADMIN)
ACTORS = (ANON, *USERS)

OK, LOGIN, FORBIDDEN, NOTFOUND = "ok", "login", "forbidden", "notfound"


def only(*allowed: str, hidden: tuple[str, ...] = ()) -> dict[str, str]:
    """Anonymous → login; `allowed` → ok; `hidden` → 404; every other user → 403."""
    return {
        ANON: LOGIN,
        **{u: OK if u in allowed else NOTFOUND if u in hidden else FORBIDDEN for u in USERS},
    }


PUBLIC = dict.fromkeys(ACTORS, OK)
ANY_USER = only(*USERS)
ADMIN_ONLY = only(ADMIN)
SECRETARIAT_ONLY = only(SECRETARIAT)
LEADERS_ONLY = only(LEADER)
NOBODY = only()  # e.g. the council chair's actions: the chair (phochutich) is not an actor
SEES_ALL = only(SECRETARIAT, LEADER, ADMIN)  # cross-office readers (User.sees_all_offices)
KT_OFFICE = only(STAFF, COUNCIL, SECRETARIAT, LEADER, ADMIN)  # KT's people + cross-office
HAS_OFFICE = only(STAFF, HEAD, COUNCIL, SECRETARIAT)  # staff/head of some office
# SPEC §1 gives admin cross-office reading but "no business actions"; the code keeps the
# reform dashboard for the leaders and the secretariat (its nav item too).
DASHBOARD = only(SECRETARIAT, LEADER)
COUNCIL_VIEWERS = only(SECRETARIAT, LEADER, COUNCIL)
MEMBER = only(COUNCIL)  # a member scoring another office's initiative
CITY_ONLY = only(hidden=USERS)  # the city level's pages: not found for a commune's users

# "METHOD rule" → expected outcome per actor. The objects behind the URL arguments are named
# in ARGUMENTS (by default KT's: code "kt", a KT task, a KT report...).
ACCESS: dict[str, dict[str, str]] = {
    # auth and home
    "GET /login": PUBLIC,  # a logged-in user is sent on to the home page
    "POST /login": PUBLIC,
    "POST /logout": ANY_USER,
    "GET /account/password": ANY_USER,
    "POST /account/password": ANY_USER,
    "GET /": ANY_USER,
    # the header's search: every signed-in user, each finding only what they may open
    "GET /search": ANY_USER,
    "GET /verify": PUBLIC,  # the QR code on an issued PDF leads here (SPEC: no login)
    "POST /verify": PUBLIC,
    # admin
    "GET /admin/audit": ADMIN_ONLY,
    "GET /admin/audit/export": ADMIN_ONLY,
    "GET /account/reminders": ANY_USER,
    "POST /account/reminders": ANY_USER,
    # A commune's own settings (issue 20); onboarding is the city's administrator's only.
    "GET /admin/settings": ADMIN_ONLY,
    "POST /admin/settings": ADMIN_ONLY,  # an empty form: refused, nothing saved
    "GET /admin/communes": NOBODY,
    "GET /admin/communes/new": NOBODY,
    "POST /admin/communes/new": NOBODY,
    "GET /admin/communes/<code>/admin": NOBODY,
    "POST /admin/communes/<code>/admin": NOBODY,
    "GET /admin/offices": ADMIN_ONLY,
    "GET /admin/offices/new": ADMIN_ONLY,
    "POST /admin/offices/new": ADMIN_ONLY,
    "GET /admin/offices/<int:office_id>/edit": ADMIN_ONLY,
    "POST /admin/offices/<int:office_id>/edit": ADMIN_ONLY,
    "POST /admin/offices/<int:office_id>/active": ADMIN_ONLY,
    "GET /admin/users": ADMIN_ONLY,
    "GET /admin/users/new": ADMIN_ONLY,
    "POST /admin/users/new": ADMIN_ONLY,
    "GET /admin/users/<int:user_id>/edit": ADMIN_ONLY,
    "POST /admin/users/<int:user_id>/edit": ADMIN_ONLY,
    "POST /admin/users/<int:user_id>/password": ADMIN_ONLY,
    "POST /admin/users/<int:user_id>/active": ADMIN_ONLY,
    "GET /admin/certificates": ADMIN_ONLY,
    "POST /admin/certificates": ADMIN_ONLY,
    "POST /admin/certificates/<int:user_id>/remove": ADMIN_ONLY,
    "POST /admin/users/<int:user_id>/unlock": ADMIN_ONLY,
    # plans (the demo plan; a KT task; an objective owned by KT)
    "GET /plans/": ANY_USER,
    "GET /plans/new": SECRETARIAT_ONLY,
    "POST /plans/new": SECRETARIAT_ONLY,
    "GET /plans/import": SECRETARIAT_ONLY,
    "POST /plans/import": SECRETARIAT_ONLY,
    "GET /plans/<int:plan_id>": ANY_USER,
    "GET /plans/<int:plan_id>/edit": SECRETARIAT_ONLY,
    "POST /plans/<int:plan_id>/edit": SECRETARIAT_ONLY,
    # Ban hành / kết thúc (a draft plan without tasks: refused with a message, not a 403)
    "POST /plans/<int:plan_id>/activate": SECRETARIAT_ONLY,
    "POST /plans/<int:plan_id>/document": SECRETARIAT_ONLY,
    "POST /plans/<int:plan_id>/close": SECRETARIAT_ONLY,
    "GET /plans/<int:plan_id>/export.pdf": ANY_USER,
    "GET /plans/<int:plan_id>/export.xlsx": ANY_USER,
    "GET /plans/<int:plan_id>/tasks/new": SECRETARIAT_ONLY,
    "POST /plans/<int:plan_id>/tasks/new": SECRETARIAT_ONLY,
    "GET /plans/tasks/<int:task_id>/edit": SECRETARIAT_ONLY,
    "POST /plans/tasks/<int:task_id>/edit": SECRETARIAT_ONLY,
    "POST /plans/tasks/<int:task_id>/remove": SECRETARIAT_ONLY,
    "GET /plans/<int:plan_id>/objectives/new": SECRETARIAT_ONLY,
    "POST /plans/<int:plan_id>/objectives/new": SECRETARIAT_ONLY,
    "GET /plans/objectives/<int:objective_id>": ANY_USER,
    "POST /plans/objectives/<int:objective_id>": only(STAFF, COUNCIL, SECRETARIAT),  # owner
    "GET /plans/objectives/<int:objective_id>/edit": SECRETARIAT_ONLY,
    "POST /plans/objectives/<int:objective_id>/edit": SECRETARIAT_ONLY,
    # office workspaces (KT; the task is led by KT with VP, VHXH and HCC coordinating)
    "GET /offices/": ANY_USER,  # the list for cross-office readers, else one's own office
    "GET /offices/<code>/": KT_OFFICE,
    "GET /offices/<code>/tasks/<int:task_id>": KT_OFFICE,
    "GET /offices/<code>/files/<int:attachment_id>": KT_OFFICE,
    # Updating is for the task's offices: VHXH coordinates it, so the secretariat may too.
    "GET /offices/<code>/tasks/<int:task_id>/update": only(STAFF, COUNCIL, SECRETARIAT),
    "POST /offices/<code>/tasks/<int:task_id>/update": only(STAFF, COUNCIL, SECRETARIAT),
    # reports (KT's: one submitted, one draft for the text)
    "GET /reports/": ANY_USER,  # the compliance view, or a redirect to one's office's reports
    "GET /reports/office/<code>/": KT_OFFICE,
    "POST /reports/office/<code>/new": KT_OFFICE,  # start_report refuses others with a flash
    "POST /reports/commune/new": SECRETARIAT_ONLY,
    "GET /reports/<int:report_id>": KT_OFFICE,
    "GET /reports/<int:report_id>.pdf": KT_OFFICE,
    "GET /reports/<int:report_id>.xlsx": KT_OFFICE,
    "POST /reports/<int:report_id>/text": only(STAFF, COUNCIL),
    "POST /reports/<int:report_id>/decide": SECRETARIAT_ONLY,
    # reform dashboard
    "GET /dashboard/": DASHBOARD,
    # the city level's pages (issue 20): its users only; a commune's users get 404
    "GET /city/": CITY_ONLY,
    "GET /city/communes": CITY_ONLY,
    "GET /city/communes/<int:commune_id>": CITY_ONLY,
    "GET /city/communes/<int:commune_id>/par": CITY_ONLY,
    "POST /city/communes/<int:commune_id>/par/items/<int:item_id>": CITY_ONLY,
    "GET /city/communes/<int:commune_id>/evidence/<int:score_id>/<int:attachment_id>": CITY_ONLY,
    "GET /dashboard/tasks": DASHBOARD,
    "GET /dashboard/objectives": DASHBOARD,
    # initiatives (KT's accepted one by default; QS's draft for edit/submit)
    "GET /initiatives/": ANY_USER,
    "GET /initiatives/new": HAS_OFFICE,
    "POST /initiatives/new": HAS_OFFICE,
    "POST /initiatives/similar": ANY_USER,
    "GET /initiatives/emulation": ANY_USER,
    "GET /initiatives/<int:initiative_id>": KT_OFFICE,
    "GET /initiatives/<int:initiative_id>/description.pdf": KT_OFFICE,
    "GET /initiatives/<int:initiative_id>/files/<int:attachment_id>": KT_OFFICE,
    "GET /initiatives/<int:initiative_id>/edit": only(HEAD),
    "POST /initiatives/<int:initiative_id>/edit": only(HEAD),
    "POST /initiatives/<int:initiative_id>/submit": only(HEAD),
    "POST /initiatives/<int:initiative_id>/return": SECRETARIAT_ONLY,
    "POST /initiatives/<int:initiative_id>/accept": SECRETARIAT_ONLY,
    # The Chairman picks recognised initiatives for the city (the secretariat may prepare it);
    # the dossier of a signed nomination is for them too.
    "GET /initiatives/rounds/<int:round_id>/nominate": only(SECRETARIAT, LEADER),
    "POST /initiatives/rounds/<int:round_id>/nominate": only(SECRETARIAT, LEADER),
    "GET /initiatives/nominations/<int:decision_id>/dossier.zip": only(SECRETARIAT, LEADER),
    "GET /initiatives/nominations/<int:decision_id>/dossier.pdf": only(SECRETARIAT, LEADER),
    # The city's side (issue 20): the nominations of the city's communes, for the city's
    # standing office and leaders only; every actor here is a commune's (tests/
    # test_city_council.py checks the city's accounts).
    "GET /initiatives/nominated": NOBODY,
    "GET /initiatives/nominated/<int:initiative_id>": NOBODY,
    "POST /initiatives/nominated/<int:initiative_id>/receive": NOBODY,
    "POST /initiatives/nominated/<int:initiative_id>/return": NOBODY,
    "GET /initiatives/nominated/<int:initiative_id>/to-trinh.pdf": NOBODY,
    "GET /initiatives/nominated/<int:initiative_id>/dossier.zip": NOBODY,
    "GET /initiatives/nominated/<int:initiative_id>/dossier.pdf": NOBODY,
    "GET /initiatives/nominated/<int:initiative_id>/files/<int:attachment_id>": NOBODY,
    # The commune's copy of the city's Decision about its nominated initiative: nobody's
    # until the city has decided (the demo's has not yet): 404 for whoever may read it.
    "GET /initiatives/<int:initiative_id>/city-decision.pdf": only(
        hidden=(STAFF, SECRETARIAT, COUNCIL, LEADER, ADMIN)
    ),
    # The rounds are the secretariat's to manage; leaders read everything (SPEC §1), so they
    # read the rounds too, without the forms.
    "GET /initiatives/rounds": only(SECRETARIAT, LEADER),
    "GET /initiatives/rounds/new": SECRETARIAT_ONLY,
    "POST /initiatives/rounds/new": SECRETARIAT_ONLY,
    "GET /initiatives/rounds/<int:round_id>": only(SECRETARIAT, LEADER),
    "POST /initiatives/rounds/<int:round_id>": SECRETARIAT_ONLY,
    "GET /initiatives/rounds/<int:round_id>/edit": SECRETARIAT_ONLY,
    "POST /initiatives/rounds/<int:round_id>/edit": SECRETARIAT_ONLY,
    # council (the 2025 council, closed with its minutes; HCC's initiative, scored by kt.lanhdao)
    "GET /council/": COUNCIL_VIEWERS,
    "POST /council/": SECRETARIAT_ONLY,
    "GET /council/<int:council_id>": COUNCIL_VIEWERS,
    "GET /council/<int:council_id>/results": COUNCIL_VIEWERS,
    "POST /council/<int:council_id>/members": SECRETARIAT_ONLY,
    "POST /council/<int:council_id>/members/<int:member_id>/remove": SECRETARIAT_ONLY,
    # Drafting the council's Decisions from its data (the closed council: refused by a flash).
    "POST /council/<int:council_id>/establishment": SECRETARIAT_ONLY,
    "POST /council/<int:council_id>/recognition": SECRETARIAT_ONLY,
    "POST /council/<int:council_id>/open": SECRETARIAT_ONLY,
    "POST /council/<int:council_id>/close": NOBODY,  # the chair only
    "GET /council/<int:council_id>/score": MEMBER,
    "GET /council/<int:council_id>/initiatives/<int:initiative_id>": MEMBER,
    "POST /council/<int:council_id>/initiatives/<int:initiative_id>": MEMBER,
    "POST /council/<int:council_id>/initiatives/<int:initiative_id>/total": MEMBER,
    # Before closing, others' sheets are for a member who has handed in their own; the demo
    # council is closed: they are for the council, the secretariat and the leaders.
    "GET /council/<int:council_id>/initiatives/<int:initiative_id>/scores": COUNCIL_VIEWERS,
    "POST /council/<int:council_id>/scores/<int:score_id>/reopen": NOBODY,  # the chair only
    "POST /council/<int:council_id>/minutes": NOBODY,  # the council's secretary only
    "POST /council/<int:council_id>/minutes/sign": NOBODY,  # the council's chair only
    "GET /council/<int:council_id>/minutes.pdf": COUNCIL_VIEWERS,
    # PAR Index (the open 2025 set; a KT leaf with a self-score and its evidence)
    "GET /par-index/": ANY_USER,
    "GET /par-index/new": SECRETARIAT_ONLY,
    "POST /par-index/new": SECRETARIAT_ONLY,
    "GET /par-index/template.csv": SECRETARIAT_ONLY,
    "GET /par-index/<int:set_id>": ANY_USER,  # offices are sent on to their own items
    "GET /par-index/<int:set_id>/mine": HAS_OFFICE,
    "GET /par-index/<int:set_id>/assignment.<fmt>": ANY_USER,
    "GET /par-index/<int:set_id>/export.<fmt>": SEES_ALL,
    "GET /par-index/<int:set_id>/totals": SEES_ALL,
    "GET /par-index/<int:set_id>/totals.<fmt>": SEES_ALL,
    "GET /par-index/<int:set_id>/assign": SECRETARIAT_ONLY,
    "POST /par-index/<int:set_id>/assign": SECRETARIAT_ONLY,
    "GET /par-index/<int:set_id>/settings": SECRETARIAT_ONLY,
    "POST /par-index/<int:set_id>/settings": SECRETARIAT_ONLY,
    "POST /par-index/<int:set_id>/status": SECRETARIAT_ONLY,
    "POST /par-index/<int:set_id>/discard": SECRETARIAT_ONLY,
    "GET /par-index/items/<int:item_id>/score": only(STAFF, COUNCIL),  # KT's own staff/head
    "POST /par-index/items/<int:item_id>/score": only(STAFF, COUNCIL),
    "GET /par-index/items/<int:item_id>/appraise": SECRETARIAT_ONLY,
    "POST /par-index/items/<int:item_id>/appraise": SECRETARIAT_ONLY,
    "GET /par-index/scores/<int:score_id>/evidence/<int:attachment_id>": KT_OFFICE,
    # decisions (a submitted draft by default; the demo's issued Decision for the PDF)
    "GET /decisions/": ANY_USER,  # others than secretariat/leaders/admin list issued ones only
    "GET /decisions/new": SECRETARIAT_ONLY,
    "POST /decisions/new": SECRETARIAT_ONLY,
    "GET /decisions/<int:decision_id>": SEES_ALL,  # a draft: not for office staff
    "GET /decisions/<int:decision_id>/edit": SECRETARIAT_ONLY,
    "POST /decisions/<int:decision_id>/edit": SECRETARIAT_ONLY,
    "POST /decisions/<int:decision_id>/submit": SECRETARIAT_ONLY,
    "POST /decisions/<int:decision_id>/approve": LEADERS_ONLY,
    "POST /decisions/<int:decision_id>/return": LEADERS_ONLY,
    # code: admin may read drafts (Decision.can_view) but not their preview
    "GET /decisions/<int:decision_id>/preview.pdf": only(SECRETARIAT, LEADER),
    "GET /decisions/<int:decision_id>/pdf": ANY_USER,  # issued: anyone logged in
    "POST /decisions/<int:decision_id>/refresh": SECRETARIAT_ONLY,
    "POST /decisions/<int:decision_id>/items/<int:initiative_id>/drop": SECRETARIAT_ONLY,
    "POST /decisions/<int:decision_id>/items/<int:initiative_id>/restore": SECRETARIAT_ONLY,
    # citizens' satisfaction (issue 19). People answer without an account: the kiosk (by its
    # device token), the receipt's QR code (a waiting receipt's code), the thank-you pages.
    "GET /sipas/kiosk/<token>": PUBLIC,
    "POST /sipas/kiosk/<token>": PUBLIC,  # an empty form: refused politely, nothing stored
    "GET /sipas/kiosk/<token>/thanks": PUBLIC,
    "GET /sipas/r": PUBLIC,
    "GET /sipas/r/<code>": PUBLIC,
    "POST /sipas/r/<code>": PUBLIC,
    "GET /sipas/thanks": PUBLIC,
    # Results are read by cross-office readers and the centre (HCC, not an actor here).
    "GET /sipas/": SEES_ALL,
    "GET /sipas/results.pdf": SEES_ALL,
    "GET /sipas/results.xlsx": SEES_ALL,
    "GET /sipas/questionnaire": SEES_ALL,
    "GET /sipas/questionnaire/<int:version_id>": SEES_ALL,
    "POST /sipas/questionnaire/default": SECRETARIAT_ONLY,  # one exists: refused by a flash
    "POST /sipas/questionnaire/draft": SECRETARIAT_ONLY,
    "GET /sipas/questionnaire/<int:version_id>/edit": SECRETARIAT_ONLY,  # in use: sent back
    "POST /sipas/questionnaire/<int:version_id>/edit": SECRETARIAT_ONLY,
    "POST /sipas/questionnaire/<int:version_id>/publish": SECRETARIAT_ONLY,
    "POST /sipas/questionnaire/<int:version_id>/discard": SECRETARIAT_ONLY,
    # Receipt slips: the centre's staff and heads, and the secretariat.
    "GET /sipas/receipts": SECRETARIAT_ONLY,
    "POST /sipas/receipts": SECRETARIAT_ONLY,
    "GET /sipas/receipts/<int:receipt_id>/slip.pdf": SECRETARIAT_ONLY,
    # Feedback: everyone with an office sees their office's list; KT's item is KT's to answer.
    "GET /sipas/feedback": ANY_USER,
    "GET /sipas/feedback/<int:item_id>": KT_OFFICE,
    "POST /sipas/feedback/<int:item_id>": only(STAFF, COUNCIL, SECRETARIAT),
    "GET /sipas/responses": SECRETARIAT_ONLY,
    "GET /sipas/responses/<int:response_id>": SECRETARIAT_ONLY,
    "POST /sipas/responses/<int:response_id>": SECRETARIAT_ONLY,
    "GET /sipas/settings": SECRETARIAT_ONLY,
    "POST /sipas/fields/new": SECRETARIAT_ONLY,
    "GET /sipas/fields/<int:item_id>": SECRETARIAT_ONLY,
    "POST /sipas/fields/<int:item_id>": SECRETARIAT_ONLY,
    "POST /sipas/counters/new": SECRETARIAT_ONLY,
    "GET /sipas/counters/<int:item_id>": SECRETARIAT_ONLY,
    "POST /sipas/counters/<int:item_id>": SECRETARIAT_ONLY,
    "POST /sipas/kiosks/new": SECRETARIAT_ONLY,
    "GET /sipas/kiosks/<int:item_id>": SECRETARIAT_ONLY,
    "POST /sipas/kiosks/<int:item_id>": SECRETARIAT_ONLY,
    "POST /sipas/kiosks/<int:item_id>/token": SECRETARIAT_ONLY,
    "GET /sipas/objectives/<int:objective_id>/link": SECRETARIAT_ONLY,
    "POST /sipas/objectives/<int:objective_id>/link": SECRETARIAT_ONLY,
}

# The POSTs that an empty form lets through: the actor may, and the form requires nothing (or
# its defaults are a complete answer), so the action is done and the database changes.
GOES_THROUGH: dict[str, tuple[str, ...]] = {
    "POST /logout": USERS,  # the account's session version is raised, the sign-out audited
    "POST /account/reminders": USERS,  # no address, box unticked: the person opts out
    "POST /admin/offices/<int:office_id>/active": (ADMIN,),  # without active=1: closed
    "POST /admin/users/<int:user_id>/active": (ADMIN,),  # without active=1: locked
    "POST /admin/users/<int:user_id>/unlock": (ADMIN,),
    "POST /decisions/<int:decision_id>/approve": (LEADER,),  # the submitted draft is signed
    "POST /par-index/<int:set_id>/settings": (SECRETARIAT,),  # every setting is optional
    "POST /par-index/items/<int:item_id>/appraise": (SECRETARIAT,),  # "accept" is the default
    "POST /plans/tasks/<int:task_id>/remove": (SECRETARIAT,),  # the spare task
    "POST /sipas/questionnaire/draft": (SECRETARIAT,),  # a draft of the questionnaire
    "POST /sipas/kiosks/<int:item_id>/token": (SECRETARIAT,),  # the kiosk's new address
    "POST /sipas/objectives/<int:objective_id>/link": (SECRETARIAT,),  # no scope: typed by hand
}

# Which object each URL argument names: `World` attribute per argument, with per-endpoint
# exceptions (the same argument name means different objects in different blueprints).
DEFAULT_ARGUMENTS = {
    "code": "office_code",
    "user_id": "spare_user",
    "office_id": "spare_office",
    "plan_id": "plan",
    "task_id": "kt_task",
    "objective_id": "kt_objective",
    "report_id": "kt_report_submitted",
    "initiative_id": "kt_initiative",
    "round_id": "round",
    "council_id": "council",
    "member_id": "council_member",
    "decision_id": "submitted_decision",
    "set_id": "par_set",
    "item_id": "par_item",
    "fmt": "fmt",
    "token": "kiosk_token",
    "version_id": "survey_version",
    "receipt_id": "receipt",
    "response_id": "survey_response",
    "commune_id": "commune",
}
ARGUMENTS = {
    "offices.download": {"attachment_id": "task_file"},
    "plans.delete_task": {"task_id": "spare_task"},
    "plans.activate": {"plan_id": "draft_plan"},
    "plans.close": {"plan_id": "draft_plan"},
    "reports.save_text": {"report_id": "kt_report_draft"},
    "initiatives.download": {"attachment_id": "initiative_file"},
    "initiatives.edit": {"initiative_id": "qs_draft"},
    "initiatives.submit": {"initiative_id": "qs_draft"},
    "initiatives.return_": {"initiative_id": "vhtt_submitted"},
    "initiatives.accept": {"initiative_id": "vhtt_submitted"},
    "council.score": {"initiative_id": "hcc_initiative"},
    "council.live_total": {"initiative_id": "hcc_initiative"},
    "council.sheets": {"initiative_id": "hcc_initiative"},
    "council.reopen_score": {"score_id": "council_score"},
    "par_index.evidence": {"score_id": "par_score", "attachment_id": "par_file"},
    "decisions.pdf": {"decision_id": "issued_decision"},
    "initiatives.dossier_zip": {"decision_id": "nomination"},
    "initiatives.dossier_pdf": {"decision_id": "nomination"},
    "initiatives.nomination_file": {"attachment_id": "initiative_file"},
    "sipas.answer": {"code": "receipt_code"},
    "sipas.feedback_item": {"item_id": "kt_feedback"},
    "sipas.edit_field": {"item_id": "sipas_field"},
    "sipas.edit_counter": {"item_id": "sipas_counter"},
    "sipas.edit_kiosk": {"item_id": "sipas_kiosk"},
    "sipas.renew_token": {"item_id": "spare_kiosk"},
    "city.evidence": {
        "score_id": "par_score",
        "attachment_id": "par_file",
    },  # the kiosk's own address keeps working
}


# -- completeness ------------------------------------------------------------------------------
def route_keys(app) -> dict[str, object]:
    """ "METHOD rule" → rule, for every rule of the app but static files."""
    return {
        f"{method} {rule.rule}": rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    }


def table_gaps(app) -> tuple[list[str], list[str]]:
    """(routes without an entry in ACCESS, entries of ACCESS that match no route)."""
    keys = route_keys(app).keys()
    return sorted(keys - ACCESS.keys()), sorted(ACCESS.keys() - keys)


def test_every_route_has_an_entry(app):
    missing, stale = table_gaps(app)
    assert not missing, "routes without an entry in ACCESS:\n" + "\n".join(missing)
    assert not stale, "ACCESS entries that match no route:\n" + "\n".join(stale)


def test_every_entry_names_every_actor():
    incomplete = [key for key, row in ACCESS.items() if set(row) != set(ACTORS)]
    assert not incomplete


def test_only_allowed_posts_may_go_through():
    wrong = [
        (key, actor)
        for key, actors in GOES_THROUGH.items()
        for actor in actors
        if not key.startswith("POST ") or ACCESS[key][actor] != OK
    ]
    assert not wrong


def test_a_new_route_without_an_entry_is_reported(tmp_path):
    fresh = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://", UPLOAD_DIR=str(tmp_path))
    assert table_gaps(fresh) == ([], [])
    fresh.add_url_rule("/reports/secret", "reports.secret", lambda: "x", methods=["GET", "POST"])
    assert table_gaps(fresh) == (["GET /reports/secret", "POST /reports/secret"], [])


# -- the demo world ----------------------------------------------------------------------------
@dataclass
class World:
    users: dict[str, int]
    office_code: str
    spare_user: int
    spare_office: int
    plan: int
    draft_plan: int
    kt_task: int
    spare_task: int
    kt_objective: int
    task_file: int
    kt_report_submitted: int
    kt_report_draft: int
    round: int
    kt_initiative: int
    initiative_file: int
    qs_draft: int
    vhtt_submitted: int
    hcc_initiative: int
    council: int
    council_member: int
    council_score: int
    par_set: int
    par_item: int
    par_score: int
    par_file: int
    submitted_decision: int
    issued_decision: int
    nomination: int
    kiosk_token: str
    receipt_code: str
    survey_version: int
    receipt: int
    survey_response: int
    kt_feedback: int
    sipas_field: int
    sipas_counter: int
    sipas_kiosk: int
    spare_kiosk: int
    fmt: str = "xlsx"
    commune: int = 0  # the world's commune (the city's pages name it)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _store(uploader, name: str):
    (attachment,) = attachments.store_uploads([FileStorage(io.BytesIO(PDF), name)], uploader)
    db.session.flush()
    return attachment


@pytest.fixture
def demo_world(app, demo_data) -> World:
    # The demo is seeded once per session (conftest.py) and copied back for every actor, so
    # that each starts from the same demo data whatever the previous one's POSTs changed.
    # The world is Xã Chí Minh's (the demo's first commune; Phường Gia Viên has its own).
    tenancy.enter(db.session(), db.session.scalar(select(func.min(Commune.id))))
    user = org.user_by_username
    kt = org.office_by_code("KT")
    plan = db.session.scalars(select(Plan).where(Plan.status == "active")).one()
    kt_task = next(t for t in plan.tasks if t.code == "6.1")
    objective = plans.create_objective(
        plan,
        plans.ObjectiveData(
            "MT9", "Tỷ lệ hồ sơ thuế nộp trực tuyến", ">=", Decimal("90"), "%", kt.id
        ),
    )
    task_file = _store(user("kt.canbo"), "minh-chung-6.1.pdf")
    db.session.add(
        TaskUpdateAttachment(update_id=kt_task.latest_update.id, attachment_id=task_file.id)
    )
    # KT's reports (the current plan's first months, which the demo left without reports):
    # one submitted for the secretariat to decide, one draft to write.
    start = plan.period_start
    second, third = ((start.year + (start.month + k - 1) // 12, (start.month + k - 1) % 12 + 1)
                     for k in (1, 2))  # fmt: skip
    submitted = reports.start_report(kt, periods.month_period(*second), user("kt.canbo"))
    submitted.direction = "Phòng Kinh tế quán triệt Kế hoạch CCHC."
    reports.submit_report(submitted, user("kt.lanhdao"))
    draft = reports.start_report(kt, periods.month_period(*third), user("kt.canbo"))
    initiatives = {  # the 2025 round's, told from application to nomination
        i.office.code: i
        for i in db.session.scalars(select(Initiative).join(Round).where(Round.year == 2025))
    }
    assert initiatives["QS"].state == InitiativeState.DRAFT
    assert initiatives["VHTT"].state == InitiativeState.SUBMITTED
    initiative_file = _store(user("kt.canbo"), "minh-chung-sang-kien.pdf")
    db.session.add(
        InitiativeAttachment(initiative_id=initiatives["KT"].id, attachment_id=initiative_file.id)
    )
    council = db.session.scalars(select(Council).join(Round).where(Round.year == 2025)).one()
    members = {m.user.username: m for m in council.members}
    council_score = db.session.scalars(
        select(Score).where(Score.member_id == members["kt.lanhdao"].id)
    ).first()
    par_set = db.session.scalar(select(IndexSet).where(IndexSet.year == 2025))
    par_item = next(
        i for i in par_set.leaves if i.office_id == kt.id and i.self_score and i.self_score.evidence
    )
    issued = council.decision  # signed; this year's council waits for its signature
    nomination = db.session.scalars(  # 2025's (a second one waits for the city: issue 20)
        select(Decision).where(Decision.kind == "nomination_dossier").order_by(Decision.id)
    ).first()
    # The survey: the counter 1 kiosk, a receipt printed this week and not answered yet, a
    # suggestion routed to KT.
    kiosk = db.session.scalars(select(Kiosk).order_by(Kiosk.id)).first()
    waiting = db.session.scalars(
        select(Receipt)
        .where(~Receipt.id.in_(select(SurveyResponse.receipt_id).where(
            SurveyResponse.receipt_id.is_not(None))))
        .order_by(Receipt.id.desc())
    ).first()  # fmt: skip
    kt_feedback = db.session.scalars(
        select(FeedbackItem).where(FeedbackItem.office_id == kt.id).order_by(FeedbackItem.id)
    ).first()
    spare_kiosk = Kiosk(name="Máy dự phòng", token=sipas.new_token())
    db.session.add(spare_kiosk)
    db.session.flush()
    world = World(
        users={u: user(u).id for u in USERS},
        office_code="kt",
        spare_user=factories.make_user(office="KT", username="tam.thoi").id,
        spare_office=org.create_office("TT", "Tổ thử nghiệm", False).id,
        plan=plan.id,
        draft_plan=factories.make_plan("Dự thảo kế hoạch chuyên đề", status="draft").id,
        kt_task=kt_task.id,
        spare_task=factories.make_task(plan, code="9.9", lead="KT").id,
        kt_objective=objective.id,
        task_file=task_file.id,
        kt_report_submitted=submitted.id,
        kt_report_draft=draft.id,
        round=council.round_id,
        kt_initiative=initiatives["KT"].id,
        initiative_file=initiative_file.id,
        qs_draft=initiatives["QS"].id,
        vhtt_submitted=initiatives["VHTT"].id,
        hcc_initiative=initiatives["HCC"].id,
        council=council.id,
        council_member=members["vp.lanhdao"].id,
        council_score=council_score.id,
        par_set=par_set.id,
        par_item=par_item.id,
        par_score=par_item.self_score.id,
        par_file=par_item.self_score.evidence[0].id,
        submitted_decision=factories.make_decision(user("vhxh.canbo")).id,
        issued_decision=issued.id,
        nomination=nomination.id,
        kiosk_token=kiosk.token,
        receipt_code=waiting.code,
        survey_version=sipas.published_version().id,
        receipt=waiting.id,
        survey_response=db.session.scalar(select(func.min(SurveyResponse.id))),
        kt_feedback=kt_feedback.id,
        sipas_field=db.session.scalar(select(func.min(ProcedureField.id))),
        sipas_counter=db.session.scalar(select(func.min(ServiceCounter.id))),
        sipas_kiosk=kiosk.id,
        spare_kiosk=spare_kiosk.id,
        commune=db.session.scalar(select(func.min(Commune.id))),
    )
    db.session.commit()
    tenancy.enter(db.session(), None)
    return world


# -- the matrix --------------------------------------------------------------------------------
def _url(rule, world: World) -> str:
    names = {**DEFAULT_ARGUMENTS, **ARGUMENTS.get(rule.endpoint, {})}
    values = {arg: getattr(world, names[arg]) for arg in rule.arguments}
    # Built from the rule itself: url_for() may pick the endpoint's other rule
    # (/initiatives/rounds/new and /initiatives/rounds/<id>/edit share one view).
    _domain, path = rule.build(values, append_unknown=False)
    return path


def _session_version(user_id: int) -> int:
    from cchc_web.core.extensions import db
    from cchc_web.models import User

    db.session.rollback()
    return db.session.get(User, user_id).session_version


def _database_state(conn) -> dict[str, object]:
    """Row counts of every table, the newest audit row and the data version (which every
    writing commit replaces): equal before and after a request that changed nothing."""
    counts = union_all(
        *(
            select(literal(table.name).label("name"), func.count().label("n")).select_from(table)
            for table in db.metadata.sorted_tables
        )
    )
    state: dict[str, object] = dict(conn.execute(counts).all())
    state["audit_log max id"] = conn.scalar(select(func.max(AuditLog.id)))
    state["data version"] = conn.scalar(select(DataVersion.token))
    return state


def _changes(before: dict, after: dict) -> str:
    return ", ".join(f"{k} {before[k]} → {after[k]}" for k in before if before[k] != after[k])


def _outcome(response, method: str) -> str:
    status = response.status_code
    if 300 <= status < 400:
        target = urlsplit(response.location)
        unauthorised = target.path == "/login" and "next" in parse_qs(target.query)
        return LOGIN if unauthorised else OK
    if 200 <= status < 300 or (method == "POST" and status == 400):
        return OK
    return {403: FORBIDDEN, 404: NOTFOUND}.get(status, str(status))


@pytest.mark.parametrize("actor", ACTORS)
def test_access_matrix(app, client, demo_world, actor):
    rules = route_keys(app)
    # GETs first: the POSTs (an empty form each) may still change something, e.g. lock the
    # spare account or approve the draft Decision.
    order = sorted(ACCESS, key=lambda key: not key.startswith("GET "))
    mismatches = []
    for key in order:
        method, _rule = key.split(" ", 1)
        url = _url(rules[key], demo_world)
        with client.session_transaction() as session:
            session.clear()  # logged in afresh for each request: /logout ends the session
            if actor != ANON:
                session["_user_id"] = str(demo_world.users[actor])
                session["_fresh"] = True
                # /logout raised the account's session version: sign in at the current one.
                session["_sv"] = _session_version(demo_world.users[actor])
        if method == "GET":
            response = client.get(url)
        else:
            with db.engine.connect() as conn:
                before = _database_state(conn)
            response = client.post(url, data={})
            with db.engine.connect() as conn:
                after = _database_state(conn)
            changed = _changes(before, after)
            if actor in GOES_THROUGH.get(key, ()) and not changed:
                mismatches.append(f"{key} as {actor}: expected to go through, changed nothing")
            elif changed and actor not in GOES_THROUGH.get(key, ()):
                mismatches.append(
                    f"{key} as {actor}: answered {response.status_code} and changed {changed}"
                )
        got, expected = _outcome(response, method), ACCESS[key][actor]
        if got != expected:
            where = f" → {response.location}" if response.location else ""
            mismatches.append(
                f"{method} {url} as {actor}: expected {expected}, got {response.status_code}{where}"
            )
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)
