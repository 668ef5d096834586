from math import ceil

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..core.errors import DomainError
from ..core.extensions import db, htmx
from ..core.timeutil import local_today
from ..models import Commune, IndexItem, IndexSet, SelfScore
from ..models.org import COMMUNE_KIND_LABELS
from ..models.reports import ReportKind
from ..plans.charts import Bar, bar_chart
from ..web.forms import apply_domain_error
from ..web.views import query_args, redirect_after_post, send_attachment
from . import bp, services
from .forms import CityAppraiseForm

PER_PAGE = 30  # communes per page of the dashboard's table (the city has about 114)


def _city() -> Commune:
    return current_user.commune


def _commune_or_404(commune_id: int) -> Commune:
    found = services.commune_of_city(current_user.commune_id, commune_id)
    if found is None:
        abort(404)
    return found


def _year_arg(name: str, choices: list[int], default: int | None) -> int | None:
    value = request.args.get(name, type=int)
    return value if value in choices else default


# -- the dashboard ----------------------------------------------------------------------------
@bp.get("/")
def dashboard():
    city = _city()
    today = local_today()
    years = services.par_years(city.id)
    par_year = _year_arg("par_year", years, years[0] if years else None)
    lines = services.dashboard(city.id, today, par_year)
    kind = request.args.get("kind", "")
    query = (request.args.get("q") or "").strip()[:100]
    sort, descending = services.sort_key(request.args.get("sort"))
    shown = services.sorted_lines(services.filtered(lines, kind, query), sort, descending)
    pages = max(ceil(len(shown) / PER_PAGE), 1)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    rows = shown[(page - 1) * PER_PAGE : page * PER_PAGE]

    def sort_url(key: str) -> str:
        """Its column again: the other way; another column: names A→Z, figures largest first."""
        if sort == key:
            wanted = key if descending else f"-{key}"
        else:
            wanted = key if key in ("name", "kind") else f"-{key}"
        return url_for("city.dashboard", **query_args(sort=wanted, page=None))

    tasks = sum(line.tasks for line in lines)
    done = sum(line.done for line in lines)
    due = sum(line.reports_due for line in lines)
    on_time = sum(line.reports_on_time for line in lines)
    commune_url = lambda line: url_for("city.commune", commune_id=line.commune.id)  # noqa: E731
    context = dict(
        city=city,
        today=today,
        lines=lines,
        rows=rows,
        shown_count=len(shown),
        page=page,
        pages=pages,
        kind=kind,
        query=query,
        kinds=[(k.value, COMMUNE_KIND_LABELS[k]) for k in services.COMMUNE_KINDS],
        sort=sort,
        descending=descending,
        sorts=services.SORTS,
        sort_url=sort_url,
        page_url=lambda n: url_for("city.dashboard", **query_args(page=n)),
        years=years,
        par_year=par_year,
        totals={
            "communes": len(lines),
            "tasks": tasks,
            "done": done,
            "done_percent": 100 * done / tasks if tasks else 0,
            "overdue": sum(line.overdue for line in lines),
            "reports_due": due,
            "on_time": on_time,
            "compliance": 100 * on_time / due if due else None,
            "appraisal_left": sum(line.par_appraisal_left for line in lines),
            "nominated": sum(line.nominated for line in lines),
        },
        done_chart=bar_chart(
            [
                Bar(
                    line.commune.name,
                    line.done_percent,
                    commune_url(line),
                    f" · {line.done}/{line.tasks} nhiệm vụ"
                    + (f", {line.overdue} quá hạn" if line.overdue else ""),
                    "bad" if line.overdue else "ok" if line.done_percent >= 80 else "",
                )
                for line in rows
            ],
            "Tỷ lệ nhiệm vụ hoàn thành theo xã, phường",
        ),
        reports_chart=bar_chart(
            [
                Bar(
                    line.commune.name,
                    line.compliance_percent or 0,
                    commune_url(line),
                    f" · {line.reports_on_time}/{line.reports_due} đúng hạn",
                    "ok" if (line.compliance_percent or 0) >= 90 else "warn",
                )
                for line in rows
                if line.reports_due
            ],
            "Tỷ lệ báo cáo tháng nộp đúng hạn theo xã, phường",
        ),
        par_chart=bar_chart(
            [
                Bar(
                    line.commune.name,
                    float(line.par_city),
                    url_for("city.par", commune_id=line.commune.id, year=par_year),
                    f" · tự chấm {_points(line.par_self)}, thẩm định {line.par_appraised}"
                    f"/{line.par_scored}",
                    "",
                )
                for line in rows
                if line.par_set_id
            ],
            f"Điểm chỉ số CCHC năm {par_year} (thẩm định của thành phố) theo xã, phường",
            maximum=float(max((line.par_max for line in rows), default=0)) or 100,
            unit="",
        ),
    )
    template = "city/_table.html" if htmx and not htmx.boosted else "city/dashboard.html"
    return render_template(template, **context)


def _points(value) -> str:
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


@bp.get("/communes")
def communes():
    """The city's communes and where the city's appraisal of each PAR Index stands."""
    city = _city()
    years = services.par_years(city.id)
    par_year = _year_arg("par_year", years, years[0] if years else None)
    lines = services.dashboard(city.id, local_today(), par_year)
    kind = request.args.get("kind", "")
    query = (request.args.get("q") or "").strip()[:100]
    shown = services.sorted_lines(services.filtered(lines, kind, query), "name", False)
    return render_template(
        "city/communes.html",
        city=city,
        rows=shown,
        kind=kind,
        query=query,
        kinds=[(k.value, COMMUNE_KIND_LABELS[k]) for k in services.COMMUNE_KINDS],
        par_year=par_year,
        years=years,
    )


# -- one commune, read-only --------------------------------------------------------------------
@bp.get("/communes/<int:commune_id>")
def commune(commune_id: int):
    found = _commune_or_404(commune_id)
    today = local_today()
    year = request.args.get("year", type=int) or today.year
    if not 2000 <= year <= 2100:
        year = today.year
    reports = services.reports_of_year(found.id, year)
    sets = services.par_sets(found.id)
    par_set = services.load_par_set(found.id, sets[0].year) if sets else None
    par = None
    if par_set is not None:
        appraisals = services.city_appraisals(current_user.commune_id, par_set.id)
        par = services.par_totals(par_set, services.par_lines(par_set, appraisals))
    fields = services.progress_by_field(found.id, today)
    return render_template(
        "city/commune.html",
        commune=found,
        today=today,
        year=year,
        plans=services.active_plans(found.id),
        fields=fields,
        offices=services.progress_by_office(found.id, today),
        field_chart=bar_chart(
            [Bar(g.label, g.done_percent, None, f" · {g.done}/{g.tasks}") for g in fields],
            "Tỷ lệ nhiệm vụ hoàn thành theo lĩnh vực",
        ),
        reports=reports,
        monthly=[r for r in reports if r.kind == ReportKind.MONTH and r.office_id is not None],
        office_count=len(services.offices_of(found.id)),
        par_set=par_set,
        par=par,
        initiatives=services.nominated_initiatives(found.id),
    )


# -- the PAR Index: the self-assessment read-only, the city's appraisal -----------------------
def _par_context(found: Commune, year: int | None):
    sets = services.par_sets(found.id)
    years = [s.year for s in sets]
    year = year if year in years else (years[0] if years else None)
    index_set = services.load_par_set(found.id, year) if year else None
    if index_set is None:
        return dict(commune=found, index_set=None, years=years)
    appraisals = services.city_appraisals(current_user.commune_id, index_set.id)
    lines = services.par_lines(index_set, appraisals)
    return dict(
        commune=found,
        index_set=index_set,
        years=years,
        lines=lines,
        totals=services.par_totals(index_set, lines),
        can_appraise=_can_appraise(),
    )


def _can_appraise() -> bool:
    return current_user.is_secretariat


def appraisal_form(item_id: int, line=None, formdata=None) -> CityAppraiseForm:
    # One form per leaf on the page: prefixed (distinct ids); the CSRF token of the POST is
    # checked by CSRFProtect before the view, as for every form.
    form = CityAppraiseForm(formdata=formdata, prefix=f"i{item_id}", meta={"csrf": False})
    if formdata is None and line is not None and line.appraisal is not None:
        form.decision.data = "accept" if line.appraisal.accepted else "adjust"
        form.adjusted_score.data = None if line.appraisal.accepted else line.appraisal.score
        form.reason.data = line.appraisal.reason
    return form


@bp.get("/communes/<int:commune_id>/par")
def par(commune_id: int):
    found = _commune_or_404(commune_id)
    context = _par_context(found, request.args.get("year", type=int))
    return render_template("city/par.html", forms={}, appraisal_form=appraisal_form, **context)


@bp.post("/communes/<int:commune_id>/par/items/<int:item_id>")
def appraise(commune_id: int, item_id: int):
    found = _commune_or_404(commune_id)
    item = services.item_of_city(current_user.commune_id, item_id)
    if item is None or item.index_set.commune_id != found.id:
        abort(404)
    if not _can_appraise():
        abort(403)
    form = appraisal_form(item.id, formdata=request.form)
    year = item.index_set.year
    saved = False
    if form.validate():
        try:
            services.appraise(
                _city(),
                item,
                current_user,
                accepted=form.decision.data == "accept",
                adjusted_score=form.adjusted_score.data,
                reason=form.reason.data or "",
            )
        except DomainError as err:
            db.session.rollback()
            apply_domain_error(form, err)
        else:
            db.session.commit()
            saved = True
    message = f"Đã lưu điểm thẩm định tiêu chí {item.code}."
    if saved and not (htmx and not htmx.boosted):
        flash(message, "success")
        return redirect_after_post(
            url_for("city.par", commune_id=found.id, year=year) + f"#item-{item.id}"
        )
    db.session.expire_all()
    context = _par_context(found, year)
    line = next(line for line in context["lines"] if line.item.id == item.id)
    forms = {} if saved else {item.id: form}
    if htmx and not htmx.boosted:
        return render_template(
            "city/_par_item.html",
            line=line,
            forms=forms,
            appraisal_form=appraisal_form,
            saved_message=message if saved else None,
            oob=True,
            **context,
        )
    return render_template("city/par.html", forms=forms, appraisal_form=appraisal_form, **context)


@bp.get("/communes/<int:commune_id>/evidence/<int:score_id>/<int:attachment_id>")
def evidence(commune_id: int, score_id: int, attachment_id: int):
    """A commune's evidence file of a self-score, read by the city (read-only)."""
    found = _commune_or_404(commune_id)
    score = db.session.scalar(
        services.across(
            select(SelfScore)
            .join(IndexItem, IndexItem.id == SelfScore.item_id)
            .join(IndexSet, IndexSet.id == IndexItem.set_id)
            .where(SelfScore.id == score_id, IndexSet.commune_id == found.id)
        )
    )
    if score is None:
        abort(404)
    attachment = next((a for a in score.evidence if a.id == attachment_id), None)
    if attachment is None:
        abort(404)
    return send_attachment(attachment)
