-- API keys, their owners' last known groups, and the locally stored users (the first-start admin).
-- Runs unchanged on H2 and PostgreSQL: keep to SQL both engines read the same way.

CREATE TABLE key_owners (
  subject       VARCHAR(255)  NOT NULL PRIMARY KEY,
  name          VARCHAR(255)  NOT NULL,
  -- JSON array of group names, as last seen at login or in the directory.
  groups_json   VARCHAR(8000) NOT NULL,
  source        VARCHAR(16)   NOT NULL,   -- oidc | local
  -- false once the directory says the user no longer exists or is disabled
  active        BOOLEAN       NOT NULL,
  refreshed_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE api_keys (
  id            VARCHAR(32)   NOT NULL PRIMARY KEY,   -- the keyId part of sk-sluice-<keyId>_<secret>
  -- hex SHA-256 of keyId ':' secret; the secret itself is never stored
  secret_hash   VARCHAR(64)   NOT NULL,
  prefix        VARCHAR(64)   NOT NULL,
  name          VARCHAR(400)  NOT NULL,
  owner_subject VARCHAR(255)  NOT NULL REFERENCES key_owners(subject),
  -- JSON array of model names the key is scoped to; empty array = every model its owner may use
  models_json   VARCHAR(8000) NOT NULL,
  status        VARCHAR(16)   NOT NULL,               -- active | revoked | suspended (expired is derived)
  created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
  expires_at    TIMESTAMP WITH TIME ZONE NOT NULL,
  last_used_at  TIMESTAMP WITH TIME ZONE,
  revoked_at    TIMESTAMP WITH TIME ZONE
);

CREATE INDEX api_keys_owner ON api_keys (owner_subject);
CREATE INDEX api_keys_status ON api_keys (status);

CREATE TABLE local_users (
  name          VARCHAR(64)   NOT NULL PRIMARY KEY,
  password_hash VARCHAR(255)  NOT NULL,
  groups_json   VARCHAR(8000) NOT NULL,
  created_at    TIMESTAMP WITH TIME ZONE NOT NULL
);
