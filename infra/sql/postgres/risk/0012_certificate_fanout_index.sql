-- A certificate's re-evaluation looks up each claim's open flag of the rule with one scalar subquery per claim
-- (CertificateStatusSql.RaiseFlags). While the rule had few flags, PostgreSQL's estimate for its rule_id was one row
-- and it chose ix_flag_rule_raised_at (rule_id, raised_at) for that lookup instead of uq_flag_open_rule_subject:
-- each claim then scanned every flag of the rule the same INSERT had already written, so 100,000 claims took
-- longer than the 30 s command timeout, were retried and never finished (seen in bench/run.sh's certificate
-- fan-out). The flags just raised are found by ix_flag_raised_at (raised_at, id) as well, so the index goes.
DROP INDEX risk.ix_flag_rule_raised_at;
