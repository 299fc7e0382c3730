-- One row: an undo or restore of a batch, written in the same transaction as the change itself.
INSERT INTO batch_events
SELECT coalesce(max(event_id), 0) + 1, $batch_id, $action, $at_utc, $who FROM batch_events;
