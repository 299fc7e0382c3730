-- The contract's formulas (iif-rules.md sections 3, 4 and 6), once, for every level.
-- Comparisons with thresholds are exact: scale × numerator against threshold × denominator,
-- integers and decimals, never a rounded percentage.

CREATE OR REPLACE TEMP MACRO achievement_of(n, d, scale) AS
    CASE WHEN d > 0 THEN scale * n / d END;

CREATE OR REPLACE TEMP MACRO fraction_of(n, d, scale, lt, ut, direction) AS
    CASE
        WHEN d IS NULL OR d = 0 THEN NULL
        WHEN direction = 'higher' AND scale * n >= ut * d THEN 1.0
        WHEN direction = 'higher' AND scale * n <= lt * d THEN 0.0
        WHEN direction = 'lower' AND scale * n <= ut * d THEN 1.0
        WHEN direction = 'lower' AND scale * n >= lt * d THEN 0.0
        WHEN direction = 'higher' THEN ((scale * n - lt * d) / ((ut - lt) * d))::DOUBLE
        ELSE ((lt * d - scale * n) / ((lt - ut) * d))::DOUBLE
    END;

CREATE OR REPLACE TEMP MACRO status_of(fraction) AS
    CASE
        WHEN fraction IS NULL THEN 'no_data'
        WHEN fraction >= 1 THEN 'green'
        WHEN fraction > 0 THEN 'amber'
        ELSE 'red'
    END;

-- ⌈x / scale⌉ for the exact decimal x = the gap in "scaled patients"; ⌈x/s⌉ = ⌈⌈x⌉/s⌉ for whole s.
CREATE OR REPLACE TEMP MACRO ceil_div(x, s) AS
    CASE WHEN ceil(x) <= 0 THEN 0 ELSE (ceil(x)::HUGEINT + s - 1) // s END;

CREATE OR REPLACE TEMP MACRO patients_to(n, d, scale, threshold, direction) AS
    CASE
        WHEN d IS NULL OR d = 0 THEN NULL
        WHEN direction = 'higher' THEN ceil_div(threshold * d - scale * n, scale)::BIGINT
        ELSE ceil_div(scale * n - threshold * d, scale)::BIGINT
    END;
