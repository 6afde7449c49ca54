-- An auditor's flag list starts from their accreditations' cells (see ListFlagsSql): a country they cover in every
-- sector walks ix_flag_scope_country; a country they cover for some HS chapters walks each chapter's range and the
-- range of flags without a chapter here, newest first, so a narrow accreditation reads only its own flags.
-- scope_scheme is included so that an auditor's total can count per (country, chapter, scheme) from the index alone.
CREATE INDEX ix_flag_scope_chapter ON risk.flag (scope_country, scope_hs_chapter, raised_at, id) INCLUDE (scope_scheme);
GO
