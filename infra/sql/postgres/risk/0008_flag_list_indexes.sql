-- Indexes for GET /api/v1/flags over a million flags, one per way a list is scoped (see bench/, "Risk"):
-- admins walk ix_flag_raised_at backwards; caseworkers walk the flags holding grievances, a small part of all;
-- auditors' accreditations name countries, so their lists start from the flags of those countries.
CREATE INDEX ix_flag_grievances ON risk.flag (raised_at, id) WHERE grievance_count > 0;
CREATE INDEX ix_flag_scope_country ON risk.flag (scope_country, raised_at, id);
