"""Page-shaped queries for the app: pure functions over scored DataFrames, never Streamlit."""

# Every name of every section, so that callers keep writing `report.<name>`.
from iif_core.report.common import (  # noqa: F401
    LEVEL_LABELS,
    LEVEL_NOUNS,
    LEVELS,
    MEMBER_LEVEL,
    STATUS_ORDER,
    STATUS_SYMBOLS,
    STATUS_WORDS,
    _and,
    _at_period,
    _date,
    _day,
    _empty,
    _max,
    _min,
    _num,
    _rows,
    _shortfall,
    _sum,
    _threshold_words,
    is_unadjusted,
    status_label,
    unconfirmed_values,
)
from iif_core.report.completeness import (  # noqa: F401
    NAMES_IN_A_SENTENCE,
    _data_note,
    completeness_summary,
    data_completeness,
    incomplete_notes,
    missing_practices,
    missing_text,
)
from iif_core.report.funnel_plots import (  # noqa: F401
    FUNNEL_COLUMNS,
    FUNNEL_FLAGS,
    NAMED_OUTSIDE,
    Funnel,
    _funnel_flag,
    funnel,
    funnel_explanation,
)
from iif_core.report.levels import (  # noqa: F401
    practices_in,
    related_org,
)
from iif_core.report.organisations import (  # noqa: F401
    ORG_COLUMNS,
    OrgContext,
    default_period,
    members,
    org_choices,
    org_context,
    pcn_membership,
    period_choices,
)
from iif_core.report.overview_cards import (  # noqa: F401
    CARD_COLUMNS,
    Overview,
    _pcn_status_texts,
    completeness_text,
    indicator_rows,
    overview,
    scheme_completeness_text,
)
from iif_core.report.patients import (  # noqa: F401
    AGE_BANDS,
    DECILES_PER_QUINTILE,
    FILTER_KEYS,
    OLDEST_BAND,
    WORKLIST_COLUMNS,
    YES_WORDS,
    _yes,
    age_band,
    age_band_order,
    inequality_gaps,
    patient_period,
    patient_worklist,
    prepare_patients,
    worklist_counts,
    worklist_options,
)
from iif_core.report.payment import (  # noqa: F401
    PAYMENT_COLUMNS,
    WORK_COLUMNS,
    _money_words,
    cliff_explanation,
    marginal_value,
    payment_ranking,
    work_ranking,
)
from iif_core.report.process_control import (  # noqa: F401
    ASSURANCE_ICONS,
    ASSURANCE_WORDS,
    NOBODY_SENT,
    SPC_RULES,
    SPC_TYPES,
    VARIATION_ICONS,
    Spc,
    spc,
)
from iif_core.report.projection import (  # noqa: F401
    BACKTEST_HOW,
    PROJECTION_COLUMNS,
    PROJECTION_METHODS,
    _achievement_words,
    _backtest_fields,
    _complete_rows,
    _member_pcns,
    _missing,
    _no_projection_message,
    _project_one,
    _projection_fields,
    _projection_input,
    _stand_ins,
    _with_scores,
    backtest_text,
    measurement_start,
    projection_for,
    projection_path,
    projection_totals,
    projections,
    score_projected,
)
from iif_core.report.scheme_editing import (  # noqa: F401
    SCHEME_TABLE_COLUMNS,
    _plain,
    scheme_from_table,
    scheme_table,
)
from iif_core.report.trends import (  # noqa: F401
    TREND_COLUMNS,
    TREND_KINDS,
    _a_year_later,
    _kind_order,
    _name_of,
    trend,
    trend_months,
)
from iif_core.report.uploads import (  # noqa: F401
    PREVIEW_ROWS,
    upload_preview,
)
from iif_core.report.variation import (  # noqa: F401
    VARIATION_COLUMNS,
    Variation,
    _worst_first,
    practice_variation,
)
