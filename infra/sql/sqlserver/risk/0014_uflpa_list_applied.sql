-- The UFLPA Entity Lists Risk has judged every facility it knows against (by the list's SHA-256): a list imported since
-- is applied once, at the first start that reads it, so a facility registered before an entity was listed is flagged too.
CREATE TABLE risk.uflpa_list_applied (
  fingerprint char(64) NOT NULL,
  entities int NOT NULL,
  applied_at datetime2(6) NOT NULL,
  CONSTRAINT pk_uflpa_list_applied PRIMARY KEY (fingerprint)
);
GO
