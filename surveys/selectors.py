"""Reads of evaluation surveys: lists, results, benchmark, summary, export.

Results are aggregates only. Below ``MIN_RESPONSES`` responses nothing but
the response rate is shown, and a question answered by fewer members shows
nothing either: on screen, in the exports and in the summary alike, so that
a handful of answers cannot be traced to the few members who gave them.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import openpyxl
from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from bin_platform.spreadsheets import csv_delimiter, csv_safe, xlsx_clean
from members.models import Member
from messaging.models import Message
from networks.models import Network
from surveys.models import (
    MIN_BENCHMARK_NETWORKS,
    MIN_RESPONSES,
    SCALE_VALUES,
    Answer,
    Question,
    Survey,
    SurveyInvitation,
    localized,
)


def survey_list(*, network: Network) -> QuerySet[Survey]:
    return (
        Survey.objects.filter(network=network)
        .annotate(
            response_count=Count("responses", distinct=True),
            question_count=Count("questions", distinct=True),
        )
        .select_related("created_by")
        .order_by("-created_at")
    )


def survey_invitation_sent_q() -> Q:
    """Surveys whose invitation went out: a coordinator's invitation waits for
    the officer's approval, and until then members are not asked to answer."""
    return Q(invitation_message__isnull=True) | Q(
        invitation_message__status=Message.Status.PUBLISHED
    )


def member_open_surveys(*, member: Member) -> QuerySet[Survey]:
    """Open surveys of the member's network that they were asked (the
    invitation published) and have not answered."""
    if member.status != Member.Status.ACTIVE:
        return Survey.objects.none()
    return (
        Survey.objects.filter(
            survey_invitation_sent_q(),
            network_id=member.network_id,
            status=Survey.Status.OPEN,
            invitations__member=member,
            invitations__answered=False,
        )
        .exclude(closes_on__lt=timezone.localdate())
        .order_by("opens_at")
    )


def survey_response_rate(*, survey: Survey) -> dict:
    counts = SurveyInvitation.objects.filter(survey=survey).aggregate(
        invited=Count("pk"), answered=Count("pk", filter=Q(answered=True))
    )
    invited, answered = counts["invited"], counts["answered"]
    return {
        "invited": invited,
        "answered": answered,
        "percent": round(100 * answered / invited) if invited else 0,
    }


@dataclass
class OptionResult:
    key: str
    label: str
    count: int = 0
    percent: int = 0
    benchmark: int | None = None


@dataclass
class QuestionResult:
    question: Question
    number: int
    text: str
    kind: str
    kind_label: str
    answered: int = 0
    options: list[OptionResult] = field(default_factory=list)
    mean: float | None = None
    texts: list[str] = field(default_factory=list)
    # None: no benchmark (custom or free-text question); {"suppressed": True}:
    # not enough other networks or answers to compare with.
    benchmark: dict | None = None
    # Fewer than MIN_RESPONSES answers to this question: no figures at all.
    suppressed: bool = False

    @property
    def chart(self) -> dict:
        return {
            "id": self.question.pk,
            "kind": self.kind,
            "labels": [o.label for o in self.options],
            "values": [o.percent for o in self.options],
            "benchmark": (
                [o.benchmark for o in self.options]
                if self.benchmark and not self.benchmark.get("suppressed")
                else None
            ),
        }


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _options(question: Question, language: str) -> list[OptionResult]:
    if question.kind == Question.Kind.SCALE:
        return [OptionResult(key=str(v), label=str(v)) for v in SCALE_VALUES]
    if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        return [OptionResult(key=k, label=label) for k, label in question.choice_labels(language)]
    return []


def _tally(rows) -> tuple[int, Counter, list[int], list[str]]:
    """Answers given, counts per option key, scale values and texts."""
    counter: Counter = Counter()
    scales: list[int] = []
    texts: list[str] = []
    n = 0
    for choices, scale, text in rows:
        n += 1
        for key in choices or []:
            counter[key] += 1
        if scale is not None:
            scales.append(scale)
            counter[str(scale)] += 1
        if text:
            texts.append(text)
    return n, counter, scales, texts


def survey_benchmark(*, survey: Survey) -> dict:
    """How the members of *other* networks answered the same standard questions.

    Returns ``{"networks": k, "questions": {template question key: figures}}``
    where ``k`` counts the other networks with a usable survey. Aggregates
    only, and only from figures that could be shown on their own:

    - closed surveys only: an open survey changes with every answer, and
      the benchmark before and after one more answer would reveal it;
    - each survey with at least ``MIN_RESPONSES`` responses, and each of its
      questions with at least ``MIN_RESPONSES`` answers, so that no pooled
      part is smaller than what its own results page would show;
    - at least ``MIN_BENCHMARK_NETWORKS`` other networks per question: with
      one, the "benchmark" would be that network's results, shown to people
      who may not see them.

    A question short of this gets ``{"suppressed": True, "n": .., "networks": ..}``.
    """
    if not survey.template_key:
        return {"networks": 0, "questions": {}}
    usable = (
        Survey.objects.filter(template_key=survey.template_key, status=Survey.Status.CLOSED)
        .exclude(network_id=survey.network_id)
        .annotate(response_count=Count("responses"))
        .filter(response_count__gte=MIN_RESPONSES)
    )
    rows = (
        Answer.objects.filter(question__survey__in=usable.values("pk"))
        .exclude(question__template_question_key="")
        .exclude(question__kind=Question.Kind.TEXT)
        .values_list(
            "question__template_question_key",
            "question__survey_id",
            "question__survey__network_id",
            "choices",
            "scale",
        )
    )
    per_survey: dict[tuple[str, int], list] = defaultdict(list)
    network_of: dict[int, int] = {}
    for key, survey_id, network_id, choices, scale in rows:
        per_survey[key, survey_id].append((choices, scale, ""))
        network_of[survey_id] = network_id
    grouped: dict[str, list] = defaultdict(list)
    networks: dict[str, set] = defaultdict(set)
    for (key, survey_id), answers in per_survey.items():
        if len(answers) < MIN_RESPONSES:
            continue  # this question on its own would not be shown: left out
        grouped[key].extend(answers)
        networks[key].add(network_of[survey_id])
    questions = {}
    for key, answers in grouped.items():
        n, counter, scales, _texts = _tally(answers)
        if len(networks[key]) < MIN_BENCHMARK_NETWORKS:
            questions[key] = {"suppressed": True, "n": n, "networks": len(networks[key])}
            continue
        questions[key] = {
            "suppressed": False,
            "n": n,
            "networks": len(networks[key]),
            "percent": {k: _percent(c, n) for k, c in counter.items()},
            "mean": round(sum(scales) / len(scales), 1) if scales else None,
        }
    return {
        "networks": len(set(usable.values_list("network_id", flat=True))),
        "questions": questions,
    }


def _benchmark_note(*, available: bool, networks: int) -> str:
    """Why the comparison with other networks is (not) there, for the page."""
    if available:
        return _(
            "“Other networks” compares with the members of at least %(networks)s other "
            "networks who answered the same standard question in a closed survey, counting "
            "only surveys and questions with at least %(n)s answers. “–” means this question "
            "does not meet that yet."
        ) % {"networks": MIN_BENCHMARK_NETWORKS, "n": MIN_RESPONSES}
    return _(
        "The comparison with other networks is not available yet. It needs closed surveys "
        "with the same standard questions in at least %(networks)s other networks, each with "
        "at least %(n)s answers, so that no network's own results can be read from it. "
        "So far: %(found)s."
    ) % {"networks": MIN_BENCHMARK_NETWORKS, "n": MIN_RESPONSES, "found": networks}


def survey_results(*, survey: Survey, language: str | None = None, with_texts: bool = True) -> dict:
    """Everything the results page, the exports and the summary show.

    ``MIN_RESPONSES`` applies twice: nothing is shown below that many
    responses, and a question answered by fewer members is not shown either
    (a response may skip questions). ``with_texts=False`` leaves out the
    free-text answers, for those who see aggregates only.
    """
    language = language or translation.get_language() or survey.network.default_language
    rate = survey_response_rate(survey=survey)
    responses = survey.responses.count()
    shown = responses >= MIN_RESPONSES
    questions = list(survey.questions.select_related("survey__network").order_by("position", "pk"))
    by_question: dict[int, list] = defaultdict(list)
    if shown:
        # Ordered by the random key: free-text answers come in no telling order.
        for qid, choices, scale, text in (
            Answer.objects.filter(response__survey=survey)
            .order_by("pk")
            .values_list("question_id", "choices", "scale", "text")
        ):
            by_question[qid].append((choices, scale, text))
    benchmark = survey_benchmark(survey=survey) if shown else {"networks": 0, "questions": {}}
    results = []
    for number, question in enumerate(questions, start=1):
        result = QuestionResult(
            question=question,
            number=number,
            text=question.text_in(language),
            kind=question.kind,
            kind_label=str(Question.Kind(question.kind).label),
            options=_options(question, language),
        )
        results.append(result)
        n, counter, scales, texts = _tally(by_question.get(question.pk, []))
        if not shown or n < MIN_RESPONSES:
            result.suppressed = True
            continue
        result.answered = n
        for option in result.options:
            option.count = counter.get(option.key, 0)
            option.percent = _percent(option.count, n)
        if scales:
            result.mean = round(sum(scales) / len(scales), 1)
        result.texts = texts if with_texts else []
        if question.template_question_key and question.kind != Question.Kind.TEXT:
            bench = benchmark["questions"].get(question.template_question_key)
            result.benchmark = bench or {"suppressed": True, "n": 0, "networks": 0}
            if not result.benchmark["suppressed"]:
                for option in result.options:
                    option.benchmark = result.benchmark["percent"].get(option.key, 0)
    available = any(q.benchmark and not q.benchmark["suppressed"] for q in results)
    return {
        "survey": survey,
        "rate": rate,
        "responses": responses,
        "shown": shown,
        "min_responses": MIN_RESPONSES,
        "questions": results,
        "has_benchmark": bool(survey.template_key),
        "benchmark_available": available,
        "benchmark_note": (
            _benchmark_note(available=available, networks=benchmark["networks"])
            if survey.template_key and shown
            else ""
        ),
        "with_texts": with_texts,
    }


def survey_charts(*, results: dict) -> list[dict]:
    """The chart data of the results page (read by static/src/survey_charts.js)."""
    if not results["shown"]:
        return []
    return [
        q.chart for q in results["questions"] if q.kind != Question.Kind.TEXT and not q.suppressed
    ]


# --- summary for members ------------------------------------------------------


def survey_summary_texts(*, survey: Survey) -> dict:
    """The text of the results message, in each of the network's languages:
    response rate, then the key figure of every closed question."""
    network = survey.network
    texts = {}
    for code in network.languages or ["nl"]:
        with translation.override(code):
            results = survey_results(survey=survey, language=code)
            rate = results["rate"]
            lines = [
                _(
                    "Results of the survey “%(title)s”: %(answered)s of %(invited)s members "
                    "answered (%(percent)s%%). Thank you for taking part!"
                )
                % {"title": survey.title, **rate}
            ]
            if results["shown"]:
                for q in results["questions"]:
                    figure = _key_figure(q)
                    if figure:
                        lines.append(f"- {q.text} {figure}")
            sms = lines[0]
            texts[code] = {
                "sms": sms,
                "subject": _("Results: %(title)s") % {"title": survey.title},
                "body": "\n".join(lines),
            }
    return texts


def _key_figure(q: QuestionResult) -> str:
    # The same rule as the results page: no figure below MIN_RESPONSES answers.
    if q.suppressed or q.answered < MIN_RESPONSES:
        return ""
    if q.kind == Question.Kind.SCALE and q.mean is not None:
        return _("Average: %(mean)s out of 5.") % {"mean": f"{q.mean:.1f}"}
    if q.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE) and q.options:
        top = max(q.options, key=lambda o: o.count)
        return _("Most chosen: %(label)s (%(percent)s%%).") % {
            "label": top.label,
            "percent": top.percent,
        }
    return ""


# --- export -------------------------------------------------------------------


def _cell_safe(value):
    """A member's or writer's text made safe for a spreadsheet cell (CSV and
    XLSX alike): no control characters XLSX cannot hold, no formula."""
    if isinstance(value, str):
        return csv_safe(xlsx_clean(value))
    return value


def survey_export_rows(*, results: dict) -> tuple[list[str], list[list]]:
    """The results as one table: the same figures as the results page."""
    header = [
        _("Number"),
        _("Question"),
        _("Kind"),
        _("Answer"),
        _("Count"),
        _("Percent"),
        _("Average"),
        _("Other networks"),
    ]
    rate = results["rate"]
    rows: list[list] = [
        [
            "",
            _("Response rate"),
            "",
            f"{rate['answered']} / {rate['invited']}",
            rate["answered"],
            rate["percent"],
            "",
            "",
        ]
    ]
    if not results["shown"]:
        return header, rows
    not_available = _("not available")
    for q in results["questions"]:
        first = [q.number, q.text, q.kind_label]
        if q.suppressed:
            rows.append(
                [*first, _("Fewer than %(n)s answers: not shown") % {"n": MIN_RESPONSES},
                 "", "", "", ""]
            )  # fmt: skip
            continue
        if q.kind == Question.Kind.TEXT:
            if not results["with_texts"]:
                rows.append([*first, _("Answered"), q.answered, "", "", ""])
                continue
            for text in q.texts:
                rows.append([*first, text, "", "", "", ""])
            continue
        bench = q.benchmark
        suppressed = bool(bench and bench.get("suppressed"))
        for option in q.options:
            other = ""
            if suppressed:
                other = not_available
            elif option.benchmark is not None:
                other = option.benchmark
            rows.append([*first, option.label, option.count, option.percent, "", other])
        other_mean = ""
        if suppressed:
            other_mean = not_available
        elif bench and bench.get("mean") is not None:
            other_mean = bench["mean"]
        rows.append(
            [*first, _("Answered"), q.answered, "", q.mean if q.mean is not None else "",
             other_mean]
        )  # fmt: skip
    return header, [[_cell_safe(c) for c in row] for row in rows]


def survey_export_csv(*, results: dict) -> str:
    header, rows = survey_export_rows(results=results)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=csv_delimiter())
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()


def survey_export_xlsx(*, results: dict) -> bytes:
    header, rows = survey_export_rows(results=results)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = _("Results")[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGH", (8, 50, 16, 40, 8, 8, 8, 14), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


__all__ = [
    "localized",
    "member_open_surveys",
    "survey_benchmark",
    "survey_charts",
    "survey_export_csv",
    "survey_export_rows",
    "survey_export_xlsx",
    "survey_list",
    "survey_response_rate",
    "survey_results",
    "survey_summary_texts",
]
