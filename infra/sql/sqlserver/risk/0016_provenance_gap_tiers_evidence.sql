-- Version 1 of rule provenance-gap kept a shipment's tiers that name no facility only in its explanation; version 2 keeps
-- them as evidence of their own (tiers:<shipment id>, the note saying which tiers), which is what a later audit's review
-- reads. Older flags get that evidence here, read once from their explanation (its last reason, "N tier(s) (...) name no
-- facility": from the count's first digit to the end of "name no facility"), so that nothing reads the explanation at run time.
INSERT INTO risk.flag_evidence (flag_id, evidence_id, source, rule_version, note, appended_at)
SELECT f.id, 'tiers:' + f.subject_id, 'provenance', f.rule_version,
       SUBSTRING(f.explanation, t.count_end - d.digits + 1,
                 CHARINDEX(' name no facility', f.explanation, t.count_end) + LEN(' name no facility') - (t.count_end - d.digits + 1)),
       f.raised_at
FROM risk.flag f
CROSS APPLY (SELECT PATINDEX('%[0-9] tier(s) (%) name no facility%', f.explanation) AS count_end) t
CROSS APPLY (SELECT PATINDEX('%[^0-9]%', REVERSE(LEFT(f.explanation, t.count_end)) + 'x') - 1 AS digits) d
WHERE f.rule_id = 'provenance-gap' AND f.subject_type = 'shipment' AND f.rule_version < 2 AND t.count_end > 0
  AND NOT EXISTS (SELECT 1 FROM risk.flag_evidence e WHERE e.flag_id = f.id AND e.evidence_id = 'tiers:' + f.subject_id);
GO
UPDATE risk.flag
SET evidence_count = (SELECT COUNT(*) FROM risk.flag_evidence e WHERE e.flag_id = risk.flag.id AND e.cleared_at IS NULL)
WHERE rule_id = 'provenance-gap' AND subject_type = 'shipment' AND rule_version < 2;
GO
