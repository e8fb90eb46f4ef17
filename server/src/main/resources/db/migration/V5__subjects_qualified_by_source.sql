-- Subjects are qualified by their source (ADR/docs: reliability.md, h-ident): local users stay local:<name>,
-- OIDC users become oidc:<12 hex of SHA-256(iss)>:<sub>. The prefix takes 18 characters, and an OIDC sub may be
-- 255 long, so every column holding a subject grows to 300. Runs unchanged on H2 and PostgreSQL.
--
-- Rows stored under a bare sub are moved to the issuer's namespace at start-up by the gateway itself
-- (KeyStore.qualifyLegacyOidcSubjects), not here: the namespace depends on auth.oidc.issuer in the
-- configuration, which a migration cannot see, and it must also run when OIDC is configured later.

ALTER TABLE key_owners ALTER COLUMN subject SET DATA TYPE VARCHAR(300);
ALTER TABLE api_keys ALTER COLUMN owner_subject SET DATA TYPE VARCHAR(300);
ALTER TABLE usage_records ALTER COLUMN subject SET DATA TYPE VARCHAR(300);
ALTER TABLE usage_rollups ALTER COLUMN subject SET DATA TYPE VARCHAR(300);
