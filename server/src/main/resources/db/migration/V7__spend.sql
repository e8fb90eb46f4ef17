-- Spend (issue 18, ADR 080): every usage record carries the plan that governed it, the group whose shared counters
-- it was charged to, its cached and cache-written prompt tokens, and its cost as an exact decimal (NUMERIC, never
-- binary floating point) in the configured currency. Roll-ups gain the same, and are keyed by plan and group too,
-- so usage can be grouped by them; they also roll up per calendar month (granularity 'month').
-- Runs unchanged on H2 and PostgreSQL. V6 belongs to the console's sessions.

ALTER TABLE usage_records ADD COLUMN plan VARCHAR(128) DEFAULT '' NOT NULL;
ALTER TABLE usage_records ADD COLUMN grp VARCHAR(255) DEFAULT '' NOT NULL;
ALTER TABLE usage_records ADD COLUMN cached_tokens BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE usage_records ADD COLUMN cache_write_tokens BIGINT DEFAULT 0 NOT NULL;
-- NULL: the model had no prices, so the request has no cost (not a cost of zero).
ALTER TABLE usage_records ADD COLUMN cost NUMERIC(38, 12);
ALTER TABLE usage_records ADD COLUMN currency VARCHAR(3);

-- A primary key cannot be widened the same way on both engines: the roll-ups move to a new table.
CREATE TABLE usage_rollups_v7 (
  granularity        VARCHAR(8)    NOT NULL,    -- minute | hour | day | month
  bucket             TIMESTAMP WITH TIME ZONE NOT NULL,
  subject            VARCHAR(300)  NOT NULL,
  key_id             VARCHAR(64)   NOT NULL,
  model              VARCHAR(128)  NOT NULL,
  plan               VARCHAR(128)  NOT NULL,    -- 'none' when no plan governed
  grp                VARCHAR(255)  NOT NULL,    -- '' when charged to no group's counters
  requests           BIGINT        NOT NULL,
  errors             BIGINT        NOT NULL,
  estimated          BIGINT        NOT NULL,
  prompt_tokens      BIGINT        NOT NULL,
  completion_tokens  BIGINT        NOT NULL,
  cached_tokens      BIGINT        NOT NULL,
  cache_write_tokens BIGINT        NOT NULL,
  cost               NUMERIC(38, 12) NOT NULL,  -- of the priced requests; unpriced ones add nothing
  PRIMARY KEY (granularity, bucket, subject, key_id, model, plan, grp)
);

INSERT INTO usage_rollups_v7 (granularity, bucket, subject, key_id, model, plan, grp, requests, errors, estimated,
    prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens, cost)
  SELECT granularity, bucket, subject, key_id, model, '', '', requests, errors, estimated, prompt_tokens,
    completion_tokens, 0, 0, 0 FROM usage_rollups;

DROP TABLE usage_rollups;
ALTER TABLE usage_rollups_v7 RENAME TO usage_rollups;
CREATE INDEX usage_rollups_subject ON usage_rollups (subject, granularity, bucket);

-- A key's own budget (set at creation, within its owner's plan); NULL for none in that window.
ALTER TABLE api_keys ADD COLUMN budget_per_day NUMERIC(20, 9);
ALTER TABLE api_keys ADD COLUMN budget_per_month NUMERIC(20, 9);
