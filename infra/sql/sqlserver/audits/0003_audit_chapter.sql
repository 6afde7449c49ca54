-- The scheme x HS chapter cells an audit lies in, one row per chapter it names, so that a facility's audit list can
-- keep to an auditor's chapter-limited accreditations in the database (a page stays a page). An audit that names no
-- chapter has no row: it covers the whole site.
CREATE TABLE audits.audit_chapter (
  audit_id uniqueidentifier NOT NULL CONSTRAINT fk_audit_chapter_audit REFERENCES audits.audit (id),
  scheme_chapter varchar(33) NOT NULL,
  CONSTRAINT pk_audit_chapter PRIMARY KEY (audit_id, scheme_chapter)
);
GO
INSERT INTO audits.audit_chapter (audit_id, scheme_chapter)
SELECT DISTINCT a.id, CONCAT(a.scheme, '/', c.value)
FROM audits.audit a CROSS APPLY STRING_SPLIT(a.hs_chapters, ' ') AS c
WHERE c.value <> '';
GO
