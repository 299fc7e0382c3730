-- The contract's formulas (iif-rules.md sections 3, 4 and 6), once, for every level.
-- Thresholds arrive as whole millionths (`*_micros`, exact for up to six decimal places), so
-- every comparison with a threshold is integer arithmetic: scale × numerator × 10^6 against
-- threshold_micros × denominator, never a rounded percentage or a binary fraction. Products are
-- taken in 128-bit integers (HUGEINT), so no count or threshold can overflow them; counts and
-- patients needed come back as 64-bit integers (BIGINT), which hold any sum of checked counts.

CREATE OR REPLACE TEMP MACRO achievement_of(n, d, scale) AS
    CASE WHEN d > 0 THEN scale * n / d END;

CREATE OR REPLACE TEMP MACRO fraction_of(n, d, scale, lt, ut, direction) AS
    CASE
        WHEN d IS NULL OR d = 0 THEN NULL
        WHEN direction = 'higher' AND scale * n::HUGEINT * 1000000 >= ut * d::HUGEINT THEN 1.0
        WHEN direction = 'higher' AND scale * n::HUGEINT * 1000000 <= lt * d::HUGEINT THEN 0.0
        WHEN direction = 'lower' AND scale * n::HUGEINT * 1000000 <= ut * d::HUGEINT THEN 1.0
        WHEN direction = 'lower' AND scale * n::HUGEINT * 1000000 >= lt * d::HUGEINT THEN 0.0
        WHEN direction = 'higher'
            THEN (scale * n::HUGEINT * 1000000 - lt * d::HUGEINT) / ((ut - lt) * d::HUGEINT)
        ELSE (lt * d::HUGEINT - scale * n::HUGEINT * 1000000) / ((lt - ut) * d::HUGEINT)
    END;

-- Whether a period end falls within an indicator's dates (no date: the whole year). Outside
-- them the indicator is not scored or paid: status 'not_in_scheme', no points, no £ and no
-- patients needed (decisions.md D27).
CREATE OR REPLACE TEMP MACRO in_dates(period_end, start_date, end_date) AS
    (start_date IS NULL OR period_end >= start_date)
    AND (end_date IS NULL OR period_end <= end_date);

CREATE OR REPLACE TEMP MACRO status_of(fraction, in_scheme) AS
    CASE
        WHEN NOT in_scheme THEN 'not_in_scheme'
        WHEN fraction IS NULL THEN 'no_data'
        WHEN fraction >= 1 THEN 'green'
        WHEN fraction > 0 THEN 'amber'
        ELSE 'red'
    END;

-- ⌈x / s⌉ for whole x and 0 < s ≤ 10^9, and 0 when x ≤ 0 (nobody more is needed). Dividing
-- 128-bit integers is slow, so an x that fits in 64 bits (nearly always) is divided as one.
CREATE OR REPLACE TEMP MACRO ceil_div(x, s) AS
    CASE WHEN x <= 0 THEN 0
         WHEN x < 9000000000000000000 THEN (x::BIGINT + s - 1) // s
         ELSE (x + s - 1) // s END;

-- Patients needed: ⌈(T × D − scale × N) ÷ scale⌉ (higher), ⌈(scale × N − T × D) ÷ scale⌉ (lower),
-- with both sides in millionths.
CREATE OR REPLACE TEMP MACRO patients_to(n, d, scale, threshold, direction) AS
    CASE
        WHEN d IS NULL OR d = 0 THEN NULL
        WHEN direction = 'higher'
            THEN ceil_div(threshold * d::HUGEINT - scale * n::HUGEINT * 1000000, scale * 1000000)
        ELSE ceil_div(scale * n::HUGEINT * 1000000 - threshold * d::HUGEINT, scale * 1000000)
    END::BIGINT;
