-- The data version and recipe a year's kept scores were made with (iif_core/kept_scores.py).
SELECT latest_batch, events, recipe FROM kept_years WHERE year = $year;
