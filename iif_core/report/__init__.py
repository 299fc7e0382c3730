"""Page-shaped queries for the app: pure functions over scored DataFrames, never Streamlit."""

# The names the pages, the UI and the tests use, so that they can write `report.<name>`.
from iif_core.report.board import BoardReport, IndicatorPart, board_report  # noqa: F401
from iif_core.report.call_list import (  # noqa: F401
    CALL_LIST_COLUMNS,
    RECALL_COLUMNS,
    call_list,
    recall_list,
    unnamed_plan,
)
from iif_core.report.common import (  # noqa: F401
    indicator_unconfirmed,
    is_unadjusted,
    status_label,
    unconfirmed_values,
)
from iif_core.report.completeness import (  # noqa: F401
    Missing,
    completeness_summary,
    data_completeness,
    incomplete_notes,
    missing_practices,
    missing_text,
)
from iif_core.report.funnel_plots import (  # noqa: F401
    FUNNEL_FLAGS,
    Funnel,
    funnel,
    funnel_explanation,
)
from iif_core.report.inequalities import (  # noqa: F401
    SMALL_GROUP,
    SMALL_GROUP_RULE,
    Inequalities,
    inequalities,
)
from iif_core.report.interventions import (  # noqa: F401
    NOT_NAMED,
    intervention_marks,
    marked_orgs,
    org_names,
)
from iif_core.report.levels import (  # noqa: F401
    goes_with,
    org_to_show,
    org_trail,
    practices_in,
    related_org,
)
from iif_core.report.month_notes import (  # noqa: F401
    LATE_DAYS,
    month_notes,
    notes_in_words,
)
from iif_core.report.organisations import (  # noqa: F401
    PARTIAL_COLUMNS,
    OrgContext,
    PeriodNote,
    default_period,
    mark_partial,
    org_choices,
    org_context,
    partial_counts,
    partial_words,
    pcn_membership,
    period_choices,
    period_completeness,
    period_note,
)
from iif_core.report.overview_cards import (  # noqa: F401
    Overview,
    completeness_text,
    indicator_rows,
    overview,
    scheme_completeness_text,
)
from iif_core.report.patients import (  # noqa: F401
    WorklistView,
    inequality_gaps,
    list_dates_from_ends,
    list_ends,
    options_from_summary,
    patient_list_dates,
    patient_list_notes,
    patient_worklist,
    prepare_patients,
    recall_list_practices,
    recall_practices_from_ends,
    worklist_counts,
    worklist_options,
    worklist_view,
)
from iif_core.report.payment import (  # noqa: F401
    WORK_COLUMNS,
    cliff_explanation,
    payment_ranking,
    work_ranking,
)
from iif_core.report.payment_split import (  # noqa: F401
    INDICATOR_SPLIT_COLUMNS,
    PRACTICE_SPLIT_COLUMNS,
    PaymentSplit,
    contribution,
    needed_for_lower,
    payment_split,
)
from iif_core.report.plan import (  # noqa: F401
    Plan,
    WhatIf,
    best_plan,
    change_sentence,
    outstanding_from_patients,
    what_if,
)
from iif_core.report.process_control import (  # noqa: F401
    ASSURANCE_ICONS,
    ASSURANCE_WORDS,
    SPC_TYPES,
    VARIATION_ICONS,
    Spc,
    spc,
)
from iif_core.report.projection import (  # noqa: F401
    backtest_text,
    measurement_start,
    projection_for,
    projection_path,
    projection_totals,
    projections,
    score_projected,
)
from iif_core.report.scheme_editing import (  # noqa: F401
    CONFIRMED_LABELS,
    SCHEME_ROW,
    scheme_from_table,
    scheme_table,
    scheme_values,
    unconfirmed_count_text,
)
from iif_core.report.trends import (  # noqa: F401
    _a_year_later,
    trend,
    trend_months,
)
from iif_core.report.uploads import (  # noqa: F401
    batch_change_rows,
    batch_change_view,
    practice_names,
    replaced_figures,
    upload_preview,
)
from iif_core.report.variation import (  # noqa: F401
    Variation,
    practice_variation,
)
from iif_core.vocabulary import (  # noqa: F401
    LEVEL_LABELS,
    LEVELS,
    SPLIT_METHOD_WORDS,
    SPLIT_METHODS,
    STATUS_SYMBOLS,
    STATUS_WORDS,
)
