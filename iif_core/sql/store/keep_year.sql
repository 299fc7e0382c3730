-- A year's kept scores are now those of this data version and recipe.
INSERT OR REPLACE INTO kept_years
VALUES ($year, $latest_batch, $events, $recipe, $at);
