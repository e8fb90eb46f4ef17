-- Each usage record carries an id the gateway gives it when it is taken, unique across replicas and
-- restarts, so a batch written again (replayed from the on-disk spool after an outage or a crash between
-- the commit and the spool's clean-up) is recognised and skipped instead of counted twice.
-- Rows written before this migration have none (NULL); unique indexes admit any number of NULLs.

ALTER TABLE usage_records ADD COLUMN record_uid VARCHAR(40);

CREATE UNIQUE INDEX usage_records_uid ON usage_records (record_uid);
