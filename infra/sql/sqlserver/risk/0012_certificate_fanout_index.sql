-- A certificate's re-evaluation looks up each claim's open flag of the rule with one scalar subquery per claim
-- (CertificateStatusSql.RaiseFlags). While the rule had few flags, the estimate for its rule_id could make the
-- optimiser use ix_flag_rule_raised_at (rule_id, raised_at) for that lookup instead of uq_flag_open_rule_subject:
-- each claim then scans every flag of the rule the same INSERT has already written (seen on PostgreSQL in
-- bench/run.sh's certificate fan-out). The flags just raised are found by ix_flag_raised_at as well.
DROP INDEX ix_flag_rule_raised_at ON risk.flag;
GO
