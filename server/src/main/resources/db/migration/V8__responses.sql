-- OpenAI Responses API: the responses Sluice keeps (store not false), for GET /v1/responses/{id},
-- input_items and previous_response_id (ADR 091). Runs unchanged on H2 and PostgreSQL.

CREATE TABLE stored_responses (
  id            VARCHAR(64)   NOT NULL PRIMARY KEY,   -- resp_<hex>
  -- who may read, continue or delete it: the subject of the caller that created it (any of their keys)
  subject       VARCHAR(255)  NOT NULL,
  key_id        VARCHAR(64)   NOT NULL,               -- the key used, '' when none (kept for audit)
  model         VARCHAR(128)  NOT NULL,               -- the model name the client used
  created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
  expires_at    TIMESTAMP WITH TIME ZONE NOT NULL,    -- created_at + responses.retention
  -- the response object as the client received it (JSON)
  response_json TEXT          NOT NULL,
  -- the whole conversation this response answered, as Responses input items (JSON array): the context of
  -- its previous response, that response's output, then this request's own input
  input_json    TEXT          NOT NULL
);

CREATE INDEX stored_responses_expires ON stored_responses (expires_at);
