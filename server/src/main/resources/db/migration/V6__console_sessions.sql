-- The console's sessions (ADR 071), in the store so that every replica accepts them. The cookie's value is
-- never stored: id_hash is the hex SHA-256 of it. A row ends when the user signs out, when it is idle for
-- auth.sessions.idleTimeout, or at expires_at (sign-in + auth.sessions.maxLifetime). Runs unchanged on H2
-- and PostgreSQL.

CREATE TABLE console_sessions (
  id_hash       VARCHAR(64)   NOT NULL PRIMARY KEY,
  subject       VARCHAR(300)  NOT NULL,
  name          VARCHAR(255)  NOT NULL,
  groups_json   VARCHAR(8000) NOT NULL,
  -- the token the console sends back in X-CSRF-Token on every state-changing request
  csrf_token    VARCHAR(64)   NOT NULL,
  via           VARCHAR(16)   NOT NULL,   -- local | oidc
  created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
  last_seen_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  expires_at    TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX console_sessions_subject ON console_sessions (subject);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);

-- An OIDC sign-in between the redirect to the provider and its callback: the state (hashed), the PKCE
-- verifier and the nonce, for at most ten minutes. The callback takes (deletes) its row, so a state is used once.
CREATE TABLE console_logins (
  state_hash    VARCHAR(64)   NOT NULL PRIMARY KEY,
  code_verifier VARCHAR(128)  NOT NULL,
  nonce         VARCHAR(64)   NOT NULL,
  next_path     VARCHAR(2000) NOT NULL,
  redirect_uri  VARCHAR(2000) NOT NULL,
  expires_at    TIMESTAMP WITH TIME ZONE NOT NULL
);
